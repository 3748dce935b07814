//! `make bench`: measures the functions as Lambda runs them and writes the results as JSON to
//! `target/bench/`, then regenerates the results section of `BENCHMARKS.md` from them.
//!
//! ```text
//! bench run [--bin-dir DIR] [--out DIR] [--starts N] [--invocations N] [--concurrency N]
//!           [--requests N] [--phases size,cold,memory,trips,cpu,latency] [--functions a,b]
//! bench report [--out DIR] [--markdown FILE] [--total-seconds S]
//! bench soak [--bin-dir DIR] [--out DIR] [--minutes M] [--clients N] [--growth-mib MIB]
//!            [--growth-percent P] [--ceiling-mib MIB]
//! bench cpu-worker …   (run by `bench run` itself, under callgrind)
//! ```
//!
//! `run` expects moto and a Kafka broker (`infra/bench.sh` starts them) and the release binaries
//! of every function, the floors, the devserver and itself in `--bin-dir`. `soak` (`make soak`,
//! through `infra/soak.sh`) expects moto and a broker too, and the devserver in `--bin-dir`.

mod calls;
mod cpu;
mod devserver_process;
mod lambda;
mod latency;
mod proxy;
mod report;
mod scenarios;
mod soak;
mod stack;
mod stats;
mod trips;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde_json::{Value, json};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Every phase of a run, in the order they run.
/// The in-process ones come first, while the stack holds little more than its demo data, so
/// their figures do not depend on what the other phases wrote.
const PHASES: [&str; 6] = ["size", "trips", "cpu", "cold", "memory", "latency"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("run") => runtime().block_on(run(Options::parse(&args[1..]))),
        Some("report") => report(&args[1..]),
        Some("soak") => runtime().block_on(soak::run(soak::Options::parse(&args[1..]))),
        Some("cpu-worker") => cpu::worker(&args[1..]),
        _ => {
            Err("usage: bench run [options] | bench report [options] | bench soak [options]".into())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/bench sits two levels below the root")
        .to_path_buf()
}

struct Options {
    bin_dir: PathBuf,
    out: PathBuf,
    starts: usize,
    invocations: usize,
    load: latency::Load,
    phases: Vec<String>,
    functions: Option<Vec<String>>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, Error> {
        let mut options = Self {
            bin_dir: std::env::current_exe()?
                .parent()
                .ok_or("the harness has no directory")?
                .to_path_buf(),
            out: repo_root().join("target/bench"),
            starts: 20,
            invocations: 1000,
            load: latency::Load {
                concurrency: 4,
                requests: 200,
            },
            phases: PHASES.iter().map(|phase| (*phase).to_owned()).collect(),
            functions: None,
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let list = || value.split(',').map(str::to_owned).collect::<Vec<_>>();
            match flag.as_str() {
                "--bin-dir" => options.bin_dir = PathBuf::from(value),
                "--out" => options.out = PathBuf::from(value),
                "--starts" => options.starts = value.parse()?,
                "--invocations" => options.invocations = value.parse()?,
                "--concurrency" => options.load.concurrency = value.parse()?,
                "--requests" => options.load.requests = value.parse()?,
                "--phases" => options.phases = list(),
                "--functions" => options.functions = Some(list()),
                other => return Err(format!("unknown option {other}").into()),
            }
        }
        if let Some(unknown) = options
            .phases
            .iter()
            .find(|phase| !PHASES.contains(&phase.as_str()))
        {
            return Err(format!("unknown phase {unknown}; phases: {}", PHASES.join(",")).into());
        }
        Ok(options)
    }

    fn wants(&self, phase: &str) -> bool {
        self.phases.iter().any(|wanted| wanted == phase)
    }
}

async fn run(options: Result<Options, Error>) -> Result<(), Error> {
    let options = options?;
    let started = Instant::now();
    std::fs::create_dir_all(&options.out)?;
    let logs = options.out.join("logs");
    std::fs::create_dir_all(&logs)?;
    eprintln!("bench: preparing the local stack");
    let stack = stack::Stack::prepare().await?;
    let mut subjects = lambda::subjects(&options.bin_dir, options.functions.as_deref())?;

    if options.wants("size") {
        eprintln!("bench: artifact sizes");
        let sizes = lambda::sizes(&subjects, &options.out.join("zips"))?;
        write(&options.out, "size", sizes)?;
    }
    if options.wants("trips") {
        eprintln!("bench: DynamoDB round trips per route");
        write(&options.out, "trips", trips::measure(&stack).await?)?;
    }
    if options.wants("cpu") {
        eprintln!("bench: per-request CPU");
        write(
            &options.out,
            "cpu",
            cpu::measure(&stack, &options.out).await?,
        )?;
    }
    let context = lambda::Context {
        stack: &stack,
        logs,
    };
    if options.wants("cold") || options.wants("memory") {
        eprintln!("bench: choosing each function's sample event");
        lambda::choose_events(&context, &mut subjects).await?;
    }
    if options.wants("cold") {
        eprintln!("bench: cold starts");
        let cold = lambda::cold_starts(&context, &subjects, options.starts).await?;
        write(&options.out, "cold", cold)?;
    }
    if options.wants("memory") {
        eprintln!("bench: memory over {} invocations", options.invocations);
        let memory = lambda::memory(&context, &subjects, options.invocations).await?;
        write(&options.out, "memory", memory)?;
    }
    if options.wants("latency") {
        eprintln!("bench: end-to-end latency");
        let devserver = options.bin_dir.join("devserver");
        // moto copies every table on each transaction, so it slows down with all the run has
        // written: latency is measured on a stack with nothing but the demo data.
        stack::reset_moto().await?;
        let fresh = stack::Stack::prepare().await?;
        let latency = latency::measure(&fresh, &devserver, &options.out, &options.load).await?;
        write(&options.out, "latency", latency)?;
    }
    write(
        &options.out,
        "run",
        json!({
            "date": usecases::clock::now_rfc3339(),
            "commit": commit(),
            "profile": options.bin_dir.file_name().map(|name| name.to_string_lossy().into_owned()),
            "phases": options.phases,
            "seconds": started.elapsed().as_secs_f64().round(),
        }),
    )?;
    eprintln!(
        "bench: measured in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `bench report`: regenerates the results section of BENCHMARKS.md.
fn report(args: &[String]) -> Result<(), Error> {
    let mut out = repo_root().join("target/bench");
    let mut markdown = repo_root().join("BENCHMARKS.md");
    let mut total_seconds = None;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--out" => out = PathBuf::from(value),
            "--markdown" => markdown = PathBuf::from(value),
            "--total-seconds" => total_seconds = Some(value.parse()?),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    report::write(&out, &markdown, total_seconds)?;
    eprintln!("bench: wrote {}", markdown.display());
    Ok(())
}

/// The commit measured, with `+changes` when the work tree differs from it.
fn commit() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(repo_root())
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let head = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    match git(&["status", "--porcelain", "--untracked-files=no"]) {
        Some(changes) if !changes.is_empty() => format!("{head}+changes"),
        _ => head,
    }
}

/// Writes one phase's results to `<out>/<phase>.json`, stamped with what was measured where.
fn write(out: &Path, phase: &str, mut results: Value) -> Result<(), Error> {
    if let Value::Object(map) = &mut results {
        map.insert("machine".to_owned(), machine());
    }
    let path = out.join(format!("{phase}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&results)? + "\n")?;
    eprintln!("bench: wrote {}", path.display());
    Ok(())
}

/// The CPU, core count and kernel of this machine, so results from different ones are not
/// mistaken for each other.
fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|release| release.trim().to_owned())
        .unwrap_or_default();
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(usize::from).unwrap_or(1),
        "kernel": kernel,
        "arch": std::env::consts::ARCH,
    })
}
