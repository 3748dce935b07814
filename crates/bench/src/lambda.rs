//! The per-function measurements of the built binaries: cold starts (init and first invocation),
//! peak memory over many invocations, and the size of the zipped artifact, for every function
//! crate and for the floors they are compared against.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use local_runtime::process::{self, Answer, Launch, Timeouts};
use serde_json::{Value, json};

use crate::proxy::RecordingEndpoint;
use crate::scenarios::Variation;
use crate::stack::Stack;
use crate::stats::{millis, summary};
use crate::{Error, repo_root};

/// The binaries every function is measured against (see their module docs).
pub const FLOORS: [&str; 3] = ["floor-bare", "floor-sdk", "floor-store"];

/// Functions invoked by an event source rather than API Gateway.
const EVENT_FUNCTIONS: [&str; 3] = ["stream-relay", "outbound-delivery", "lex-code-hook"];
/// Where the cold starts' request numbers begin, clear of the other phases' (see
/// [`Variation::apply`]).
const COLD_START_REQUESTS: usize = 100_000;

/// A binary under measurement and the event it is started with.
pub struct Subject {
    pub name: String,
    pub kind: Kind,
    pub binary: PathBuf,
    /// The sample event files to try, in order; the first answered sensibly is used.
    pub candidates: Vec<String>,
    pub event: Option<(String, Vec<u8>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Floor,
    Http,
    Event,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Floor => "floor",
            Kind::Http => "http",
            Kind::Event => "event",
        }
    }
}

/// The floors and every crate under `crates/functions`, with their binaries in `bin_dir`.
pub fn subjects(bin_dir: &Path, only: Option<&[String]>) -> Result<Vec<Subject>, Error> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("crates/functions"))?
        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, std::io::Error>>()?;
    names.sort();
    let mut subjects = Vec::new();
    for name in FLOORS.iter().map(|floor| (*floor).to_owned()).chain(names) {
        if only.is_some_and(|only| !only.contains(&name) && !FLOORS.contains(&name.as_str())) {
            continue;
        }
        let kind = if FLOORS.contains(&name.as_str()) {
            Kind::Floor
        } else if EVENT_FUNCTIONS.contains(&name.as_str()) {
            Kind::Event
        } else {
            Kind::Http
        };
        let candidates = if kind == Kind::Floor {
            // Any API Gateway request does for a floor; this is a plain GET.
            vec!["health/api-health.json".to_owned()]
        } else {
            let mut files: Vec<String> = std::fs::read_dir(repo_root().join("events").join(&name))?
                .map(|entry| Ok(format!("{name}/{}", entry?.file_name().to_string_lossy())))
                .collect::<Result<_, std::io::Error>>()?;
            files.sort();
            files
        };
        let binary = bin_dir.join(&name);
        if !binary.is_file() {
            return Err(format!("{} is not built", binary.display()).into());
        }
        subjects.push(Subject {
            name,
            kind,
            binary,
            candidates,
            event: None,
        });
    }
    Ok(subjects)
}

/// Whether an answer is the function doing its job (a success status, a Lex dialog action, a
/// batch with no failed record), with a short label of what it was.
fn judge(kind: Kind, answer: &Answer) -> (bool, String) {
    if answer.error {
        return (false, "error".to_owned());
    }
    let json = answer.json();
    match kind {
        Kind::Floor | Kind::Http => {
            let status = json["statusCode"].as_u64().unwrap_or(0);
            let body = json["body"].as_str().unwrap_or_default();
            let ok = (200..400).contains(&status) && !body.starts_with("error:");
            (ok, status.to_string())
        }
        Kind::Event => {
            if let Some(action) = json["sessionState"]["dialogAction"]["type"].as_str() {
                (true, action.to_owned())
            } else if let Some(failures) = json["batchItemFailures"].as_array() {
                (failures.is_empty(), format!("{} failed", failures.len()))
            } else {
                (true, "ok".to_owned())
            }
        }
    }
}

pub struct Context<'a> {
    pub stack: &'a Stack,
    pub logs: PathBuf,
}

impl Context<'_> {
    async fn launch(
        &self,
        subject: &Subject,
        event: &[u8],
        invocations: usize,
    ) -> Result<process::Run, Error> {
        process::run(Launch {
            binary: &subject.binary,
            runner: &[],
            timeouts: Timeouts::default(),
            function_name: &subject.name,
            env: &self.stack.env,
            event,
            invocations,
            log: &self.logs.join(format!("{}.log", subject.name)),
            before_invocation: &|| {},
        })
        .await
    }
}

/// Picks each subject's event: the first of its sample files, alphabetically, that it answers
/// sensibly from a cold start (the others are refusals a function is right to answer, such as
/// a missing key, and would measure the refusal).
pub async fn choose_events(context: &Context<'_>, subjects: &mut [Subject]) -> Result<(), Error> {
    for subject in subjects.iter_mut() {
        let mut fallback = None;
        for file in &subject.candidates {
            let event = context.stack.event_text(file)?.into_bytes();
            let run = context.launch(subject, &event, 1).await?;
            let (sensible, label) = judge(subject.kind, &run.first_answer);
            if sensible {
                subject.event = Some((file.clone(), event));
                break;
            }
            eprintln!(
                "  {}: {file} answers {label}; trying the next",
                subject.name
            );
            fallback.get_or_insert((file.clone(), event));
        }
        if subject.event.is_none() {
            subject.event = fallback;
        }
    }
    Ok(())
}

/// Starts every subject `starts` times, round robin (so drift over the run touches every
/// subject alike), timing init and the first invocation of each start.
pub async fn cold_starts(
    context: &Context<'_>,
    subjects: &[Subject],
    starts: usize,
) -> Result<Value, Error> {
    let mut init: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut first: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut peaks: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut answers: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
    let mut sensible: BTreeMap<&str, bool> = BTreeMap::new();
    for round in 0..starts {
        eprintln!("  cold starts: round {} of {starts}", round + 1);
        for subject in subjects {
            let (_, sample) = subject.event.as_ref().ok_or("no event chosen")?;
            // Each start gets a request of its own: the same idempotency key or provider message
            // id again would measure the answer to a repeat.
            let sample = std::str::from_utf8(sample)?;
            let event = Variation::needed_by(sample)?.apply(sample, COLD_START_REQUESTS + round)?;
            let run = context.launch(subject, event.as_bytes(), 1).await?;
            let (ok, label) = judge(subject.kind, &run.first_answer);
            init.entry(&subject.name)
                .or_default()
                .push(millis(run.init));
            first
                .entry(&subject.name)
                .or_default()
                .push(millis(run.first));
            peaks
                .entry(&subject.name)
                .or_default()
                .push(run.peak_after_first_kib as f64);
            *answers
                .entry(&subject.name)
                .or_default()
                .entry(label)
                .or_default() += 1;
            *sensible.entry(&subject.name).or_insert(true) &= ok;
        }
    }
    let rows: Vec<Value> = subjects
        .iter()
        .map(|subject| {
            let name = subject.name.as_str();
            json!({
                "name": name,
                "kind": subject.kind.as_str(),
                "event": subject.event.as_ref().map(|(file, _)| file.clone()),
                "init_ms": summary(&init[name]),
                "first_invocation_ms": summary(&first[name]),
                "peak_after_first_kib": summary(&peaks[name]),
                "answers": answers[name],
                "sensible": sensible[name],
            })
        })
        .collect();
    Ok(json!({ "starts": starts, "subjects": rows }))
}

/// Invokes every subject `invocations` times in one process and reads its peak memory, with
/// DynamoDB answered from its second invocation's calls after the second (see `proxy`).
pub async fn memory(
    context: &Context<'_>,
    subjects: &[Subject],
    invocations: usize,
) -> Result<Value, Error> {
    let mut rows = Vec::new();
    let moto = context
        .stack
        .env
        .iter()
        .find(|(name, _)| name == "AWS_ENDPOINT_URL")
        .map(|(_, value)| value.clone())
        .ok_or("no AWS_ENDPOINT_URL")?;
    for subject in subjects {
        let (_, event) = subject.event.as_ref().ok_or("no event chosen")?;
        let endpoint = RecordingEndpoint::start(&moto).await?;
        let env: Vec<(String, String)> = context
            .stack
            .env
            .iter()
            .map(|(name, value)| match name.as_str() {
                "AWS_ENDPOINT_URL" => (name.clone(), endpoint.url.clone()),
                _ => (name.clone(), value.clone()),
            })
            .collect();
        let run = process::run(Launch {
            binary: &subject.binary,
            runner: &[],
            timeouts: Timeouts::default(),
            function_name: &subject.name,
            env: &env,
            event,
            invocations,
            log: &context.logs.join(format!("{}.log", subject.name)),
            before_invocation: &|| endpoint.next_invocation(),
        })
        .await?;
        let warm: Vec<f64> = run.warm.iter().copied().map(millis).collect();
        eprintln!(
            "  memory: {} peak {} KiB after {invocations} invocations",
            subject.name, run.peak_kib
        );
        rows.push(json!({
            "name": subject.name,
            "kind": subject.kind.as_str(),
            "peak_after_first_kib": run.peak_after_first_kib,
            "peak_kib": run.peak_kib,
            "warm_invocation_ms": summary(&warm),
        }));
    }
    Ok(json!({ "invocations": invocations, "subjects": rows }))
}

/// Each binary's size, and zipped as Lambda takes it: one entry named `bootstrap`, deflated
/// (Python's zipfile, the zlib level cargo-lambda's zip also uses by default).
pub fn sizes(subjects: &[Subject], scratch: &Path) -> Result<Value, Error> {
    std::fs::create_dir_all(scratch)?;
    let mut rows = Vec::new();
    for subject in subjects {
        let bytes = std::fs::metadata(&subject.binary)?.len();
        let zip = scratch.join(format!("{}.zip", subject.name));
        let status = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, zipfile\n\
                 with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:\n    \
                 z.write(sys.argv[1], 'bootstrap')",
            ])
            .arg(&subject.binary)
            .arg(&zip)
            .status()?;
        if !status.success() {
            return Err(format!("zipping {} failed", subject.binary.display()).into());
        }
        let zipped = std::fs::metadata(&zip)?.len();
        std::fs::remove_file(&zip)?;
        rows.push(json!({
            "name": subject.name,
            "kind": subject.kind.as_str(),
            "bytes": bytes,
            "zipped_bytes": zipped,
        }));
    }
    Ok(json!({ "subjects": rows }))
}
