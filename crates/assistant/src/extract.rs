//! Finds the contact details a lead needs (email, phone, name) in what a visitor types.
//!
//! Visitors answer in free text ("I'm Ana, ana@example.com"), so each field has its own small
//! scanner. They favour missing a detail over inventing one: a wrong name or number on a lead
//! costs a salesperson more than asking again.

use domain::Email;

use crate::words::{Kind, Token, tokens};

/// What one piece of text revealed. Each field is the last one mentioned, since a visitor who
/// gives a second address is usually correcting the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Found {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.email.is_none() && self.phone.is_none()
    }
}

/// Email, phone and name in `text`.
pub fn extract(text: &str) -> Found {
    Found {
        name: name(text),
        email: email(text),
        phone: phone(text),
    }
}

/// The last well-formed email address in `text`, its domain lower-cased.
pub fn email(text: &str) -> Option<String> {
    text.split_whitespace()
        .filter(|chunk| chunk.contains('@'))
        .filter_map(|chunk| {
            let chunk = chunk.trim_matches(|c: char| "<>()[]{}\"'`,;:.!?".contains(c));
            let chunk = chunk.strip_prefix("mailto:").unwrap_or(chunk);
            Email::parse(chunk).ok()
        })
        .next_back()
        .map(|email| email.as_str().to_owned())
}

const MIN_PHONE_DIGITS: usize = 7;
/// E.164 caps a number at 15 digits; longer runs are order numbers or card numbers.
const MAX_PHONE_DIGITS: usize = 15;

/// The last phone number in `text`: a run of digits with the usual separators (spaces, `-`,
/// `.`, brackets), 7–15 digits, normalised to its digits with a leading `+` when it had one.
pub fn phone(text: &str) -> Option<String> {
    // Addresses go first so the digits of "ana1234567@example.com" are not read as a number.
    let cleaned: Vec<&str> = text
        .split_whitespace()
        .filter(|chunk| !chunk.contains('@'))
        .collect();
    let chars: Vec<char> = cleaned.join(" ").chars().collect();
    let mut found = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts = (c == '+' || c == '(' || c.is_ascii_digit())
            && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let (end, candidate) = phone_run(&chars, i);
        if let Some(number) = candidate {
            found = Some(number);
        }
        i = end.max(i + 1);
    }
    found
}

/// Reads the phone-shaped run starting at `start`; returns where it ended and the number if the
/// run is one.
fn phone_run(chars: &[char], start: usize) -> (usize, Option<String>) {
    let plus = chars[start] == '+';
    let mut groups: Vec<String> = vec![String::new()];
    let mut j = if plus { start + 1 } else { start };
    while j < chars.len() {
        let c = chars[j];
        if c.is_ascii_digit() {
            groups.last_mut().expect("never empty").push(c);
            j += 1;
            continue;
        }
        // Separators count only when a digit follows within a few characters, so the full stop
        // ending "call 555 1234." is not part of the number.
        let separators = chars[j..]
            .iter()
            .take_while(|s| matches!(s, ' ' | '-' | '.' | '(' | ')'))
            .count();
        let digit_follows = separators > 0
            && separators <= 3
            && chars.get(j + separators).is_some_and(char::is_ascii_digit);
        if !digit_follows {
            break;
        }
        if !groups.last().expect("never empty").is_empty() {
            groups.push(String::new());
        }
        j += separators;
    }
    if chars.get(j).is_some_and(|c| c.is_alphabetic()) {
        // "12345678th" or a model code like "5551234X": not a number anyone dials.
        return (j, None);
    }
    let digits: String = groups.concat();
    let looks_like_date = !plus
        && groups.len() == 3
        && groups[0].len() == 4
        && groups[1].len() <= 2
        && groups[2].len() <= 2;
    if looks_like_date || !(MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits.len()) {
        return (j, None);
    }
    let number = if plus { format!("+{digits}") } else { digits };
    (j, Some(number))
}

/// Words that follow "I'm", "this is" or precede "here" without being a name: states, fillers,
/// articles. "I'm interested" must not make a lead called Interested.
const NOT_NAMES: &[&str] = &[
    "a",
    "able",
    "about",
    "afraid",
    "after",
    "also",
    "always",
    "an",
    "and",
    "at",
    "available",
    "away",
    "back",
    "based",
    "being",
    "busy",
    "but",
    "calling",
    "certain",
    "close",
    "coming",
    "concerned",
    "confused",
    "considering",
    "curious",
    "definitely",
    "done",
    "excited",
    "fine",
    "for",
    "from",
    "glad",
    "going",
    "good",
    "great",
    "happy",
    "having",
    "here",
    "hoping",
    "how",
    "in",
    "interested",
    "into",
    "it",
    "just",
    "kind",
    "like",
    "located",
    "looking",
    "me",
    "more",
    "my",
    "new",
    "no",
    "not",
    "now",
    "of",
    "off",
    "ok",
    "okay",
    "on",
    "only",
    "out",
    "over",
    "planning",
    "please",
    "pleased",
    "pretty",
    "probably",
    "ready",
    "really",
    "retired",
    "right",
    "searching",
    "so",
    "sorry",
    "still",
    "sure",
    "thanks",
    "that",
    "the",
    "there",
    "thinking",
    "this",
    "to",
    "too",
    "trying",
    "unsure",
    "up",
    "very",
    "well",
    "what",
    "with",
    "wondering",
    "working",
    "writing",
    "yes",
    "you",
    "your",
];

/// Whether `token` could be (part of) a person's name.
fn name_word(token: &Token<'_>) -> bool {
    if token.kind != Kind::Word || NOT_NAMES.contains(&token.norm.as_str()) {
        return false;
    }
    // A lower-case word ending in "-ing" is an activity ("i'm shopping"), whatever the list says;
    // a capitalised one may be a name (Sterling).
    let activity = !token.starts_upper() && token.norm.len() >= 5 && token.norm.ends_with("ing");
    !activity && token.norm.chars().count() >= 2
}

/// The name after a lead-in at `at`: its first word, plus a second when capitalised
/// ("Ana Pérez", but "Ana and …" stops at Ana). Each word gets an initial capital.
fn name_at(found: &[Token<'_>], at: usize, need_capital: bool) -> Option<String> {
    let first = found.get(at).filter(|t| name_word(t))?;
    if need_capital && !first.starts_upper() {
        return None;
    }
    let mut parts = vec![capitalise(first.raw)];
    if let Some(second) = found.get(at + 1)
        && name_word(second)
        && second.starts_upper()
        && !found.get(at + 2).is_some_and(|t| t.is_word("here"))
    {
        parts.push(capitalise(second.raw));
    }
    Some(parts.join(" "))
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first
            .to_uppercase()
            .chain(chars)
            .collect::<String>()
            .replace('’', "'")
    })
}

/// The visitor's name from an introduction: "my name is Ana Pérez", "I'm Ana", "I am Ana",
/// "call me Ana", "this is Ana", "Ana here".
///
/// The last two need a capital ("this is great" is not an introduction, "Ana here" is), the
/// others take lower case too because visitors often type "i'm ana".
pub fn name(text: &str) -> Option<String> {
    let found = tokens(text);
    let word = |i: usize, w: &str| found.get(i).is_some_and(|t| t.is_word(w));
    let mut name = None;
    for i in 0..found.len() {
        let candidate = if word(i, "name") && word(i + 1, "is") {
            name_at(&found, i + 2, false)
        } else if word(i, "name's") || word(i, "i'm") || word(i, "im") {
            name_at(&found, i + 1, false)
        } else if (word(i, "i") && word(i + 1, "am")) || (word(i, "call") && word(i + 1, "me")) {
            name_at(&found, i + 2, false)
        } else if word(i, "this") && word(i + 1, "is") {
            name_at(&found, i + 2, true)
        } else if word(i, "here")
            && found.get(i + 1).is_none_or(|t| t.kind == Kind::Break)
            && i >= 1
        {
            here_name(&found, i)
        } else {
            None
        };
        if candidate.is_some() {
            name = candidate;
        }
    }
    name
}

/// "Ana here" / "Ana Pérez here": the one or two capitalised words opening the clause that ends
/// in "here".
fn here_name(found: &[Token<'_>], here: usize) -> Option<String> {
    let opens_clause = |at: usize| at == 0 || found[at - 1].kind == Kind::Break;
    if here >= 2 && opens_clause(here - 2) {
        let (first, second) = (&found[here - 2], &found[here - 1]);
        if [first, second]
            .iter()
            .all(|t| name_word(t) && t.starts_upper())
        {
            return Some(format!(
                "{} {}",
                capitalise(first.raw),
                capitalise(second.raw)
            ));
        }
    }
    if opens_clause(here - 1) {
        return name_at(found, here - 1, true);
    }
    None
}

/// A message that is only a name ("Ana", "ana pérez"), as a visitor answers "May I have your
/// name?". Only meaningful right after that question; callers decide when that is.
pub fn bare_name(text: &str) -> Option<String> {
    let found = tokens(text);
    let words: Vec<&Token<'_>> = found.iter().filter(|t| t.kind != Kind::Break).collect();
    if words.is_empty() || words.len() > 3 || !words.iter().all(|t| name_word(t)) {
        return None;
    }
    Some(
        words
            .iter()
            .map(|t| capitalise(t.raw))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        let cases = [
            ("ana@example.com", Some("ana@example.com")),
            (
                "write to <Ana.Perez@Example.COM>, thanks",
                Some("Ana.Perez@example.com"),
            ),
            ("mailto:ana@example.com.", Some("ana@example.com")),
            ("old a@x.io, new b@y.io", Some("b@y.io")),
            ("ana@example", None),
            ("@ana on twitter", None),
            ("no address here", None),
        ];
        for (text, expected) in cases {
            assert_eq!(email(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn phones() {
        let cases = [
            ("call +1 (555) 123-4567 please", Some("+15551234567")),
            ("+44 20 7946 0958", Some("+442079460958")),
            ("my number is 555-1234.", Some("5551234")),
            ("06 12 34 56 78", Some("0612345678")),
            ("612.345.678", Some("612345678")),
            ("(555) 123 4567", Some("5551234567")),
            ("I want 3 units this week", None),
            ("order 123456", None),
            ("ref 1234567890123456", None),
            ("on 2024-05-01", None),
            ("ana1234567@example.com", None),
            ("code AB12345678", None),
            ("model 5551234X", None),
        ];
        for (text, expected) in cases {
            assert_eq!(phone(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn names() {
        let cases = [
            ("I'm Ana", Some("Ana")),
            ("i'm ana, ana@example.com", Some("Ana")),
            ("I’m Ana and I want to buy", Some("Ana")),
            ("my name is Ana Pérez", Some("Ana Pérez")),
            ("My name's Jean-Luc", Some("Jean-Luc")),
            ("I am Ana", Some("Ana")),
            ("call me Ana", Some("Ana")),
            ("Hi, this is Ana from Acme", Some("Ana")),
            ("Ana here", Some("Ana")),
            ("Hello! Ana Pérez here.", Some("Ana Pérez")),
            (
                "I want to buy 3 units this week, I'm Ana, ana@example.com",
                Some("Ana"),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(name(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn words_that_are_not_names() {
        let cases = [
            "I'm interested",
            "I'm looking for a quote",
            "I'm just browsing",
            "i'm shopping around",
            "I am not sure",
            "I'm so excited",
            "this is great",
            "this is ana",
            "nobody here",
            "I'm 42",
            "I know",
        ];
        for text in cases {
            assert_eq!(name(text), None, "{text}");
        }
    }

    #[test]
    fn bare_names_answer_the_name_question_only_when_they_look_like_one() {
        assert_eq!(bare_name("ana").as_deref(), Some("Ana"));
        assert_eq!(bare_name("Ana Pérez.").as_deref(), Some("Ana Pérez"));
        assert_eq!(bare_name("just looking"), None);
        assert_eq!(bare_name("I want to buy the blue one"), None);
        assert_eq!(bare_name("555 1234"), None);
    }

    #[test]
    fn extract_finds_every_field_together() {
        let found = extract("I'm Ana, ana@example.com or +34 612 345 678");
        assert_eq!(
            found,
            Found {
                name: Some("Ana".into()),
                email: Some("ana@example.com".into()),
                phone: Some("+34612345678".into()),
            }
        );
        assert!(extract("hi").is_empty());
    }
}
