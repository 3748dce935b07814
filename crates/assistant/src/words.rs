//! Splits chat text into words, numbers and clause breaks, the unit every rule in this crate
//! matches on, so no rule ever matches part of a word ("know" never contains "now").

/// What a token is. Clause breaks are kept because negation and names never reach across them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Number,
    Break,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: Kind,
    /// The text as written, for names, whose capitals matter.
    pub raw: &'a str,
    /// Lower-cased with typographic apostrophes made plain, for matching word lists.
    pub norm: String,
}

impl Token<'_> {
    pub fn is_word(&self, word: &str) -> bool {
        self.kind == Kind::Word && self.norm == word
    }

    pub fn starts_upper(&self) -> bool {
        self.raw.chars().next().is_some_and(char::is_uppercase)
    }
}

const BREAKS: &[char] = &['.', ',', ';', ':', '!', '?', '(', ')', '\n', '"', '—', '–'];

/// Tokens of `text`. Chunks holding an `@` or `://` (addresses, links) are left out whole: the
/// words inside "buy@shop.com" are not something the visitor said.
pub(crate) fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    for chunk in chunks(text) {
        if chunk.contains('@') || chunk.contains("://") {
            continue;
        }
        tokenise_chunk(chunk, &mut out);
    }
    out
}

/// Whitespace-separated chunks, except that line ends are kept as their own chunk so they
/// break clauses like punctuation does.
fn chunks(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive('\n').flat_map(|line| {
        let ends_line = line.ends_with('\n');
        line.split_whitespace()
            .chain(ends_line.then_some("\n"))
            .collect::<Vec<_>>()
    })
}

fn tokenise_chunk<'a>(chunk: &'a str, out: &mut Vec<Token<'a>>) {
    let chars: Vec<(usize, char)> = chunk.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(chunk.len(), |&(at, _)| at);
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_alphabetic() {
            let mut j = i + 1;
            while j < chars.len() {
                let d = chars[j].1;
                // An apostrophe or hyphen belongs to the word only between letters:
                // "don't", "Jean-Luc", but not the quotes around 'interested'.
                let joins = matches!(d, '\'' | '’' | '-')
                    && chars.get(j + 1).is_some_and(|&(_, n)| n.is_alphabetic());
                if d.is_alphabetic() || joins {
                    j += if joins { 2 } else { 1 };
                } else {
                    break;
                }
            }
            push(out, Kind::Word, &chunk[start..end_of(j)]);
            i = j;
        } else if c.is_ascii_digit() {
            let mut j = i + 1;
            while j < chars.len() {
                let d = chars[j].1;
                let joins = matches!(d, ',' | '.')
                    && chars.get(j + 1).is_some_and(|&(_, n)| n.is_ascii_digit());
                if d.is_ascii_digit() || joins {
                    j += if joins { 2 } else { 1 };
                } else {
                    break;
                }
            }
            push(out, Kind::Number, &chunk[start..end_of(j)]);
            i = j;
        } else {
            if BREAKS.contains(&c) && out.last().is_none_or(|t| t.kind != Kind::Break) {
                push(out, Kind::Break, &chunk[start..end_of(i + 1)]);
            }
            i += 1;
        }
    }
}

fn push<'a>(out: &mut Vec<Token<'a>>, kind: Kind, raw: &'a str) {
    let norm = raw.to_lowercase().replace('’', "'");
    out.push(Token { kind, raw, norm });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|t| t.norm).collect()
    }

    #[test]
    fn words_keep_inner_apostrophes_and_hyphens_only() {
        assert_eq!(
            norms("I DON’T know 'Jean-Luc' -- ok"),
            ["i", "don't", "know", "jean-luc", "ok"]
        );
    }

    #[test]
    fn punctuation_and_line_ends_break_clauses_once() {
        assert_eq!(
            norms("no, thanks!!\nbuy"),
            ["no", ",", "thanks", "!", "buy"]
        );
        assert_eq!(norms("no\nbuy"), ["no", "\n", "buy"]);
    }

    #[test]
    fn numbers_keep_separators_between_digits() {
        let found = tokens("3 units for 1,500.50 today");
        assert_eq!(found[0].kind, Kind::Number);
        assert_eq!(found[3].raw, "1,500.50");
    }

    #[test]
    fn addresses_and_links_are_not_words() {
        assert_eq!(
            norms("mail buy@shop.com or https://x.io/order now"),
            ["mail", "or", "now"]
        );
    }
}
