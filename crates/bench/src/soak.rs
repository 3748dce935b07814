//! `bench soak` (`make soak`): the whole local product as `make dev` runs it (moto, the broker,
//! the devserver with its stream feed, relay and outbound delivery) driven for a set time by
//! several clients sending what its users send, every answer checked against the contract, while
//! the resident memory of moto, the broker and the devserver is sampled.
//!
//! It fails when any request got another status than the contract gives it (or none), when
//! outbound delivery did not send every reply exactly once by shortly after the traffic, or when a
//! process's memory kept growing after the warm-up (see [`Watched`] and BENCHMARKS.md).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Error;
use crate::devserver_process::{Devserver, Events};
use crate::stack::Stack;
use crate::stats::{median, percentile, summary};
use local_runtime::process::{peak_kib, resident_kib};

mod traffic;

use traffic::Tally;

/// How often the processes' memory is read.
const SAMPLE_EVERY: Duration = Duration::from_secs(5);
/// A request that takes longer has failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Growth after the warm-up below this never counts: the allocator's and the interpreter's own
/// settling (arenas, free lists, caches filling), not a trend.
const GROWTH_FLOOR_MIB: f64 = 32.0;

/// A process of the stack whose memory is sampled, and how much it may keep of every request
/// served after the warm-up before its growth counts as a leak.
struct Watched {
    name: &'static str,
    pid: u32,
    /// About four times what the process keeps per request in a run without leaks (BENCHMARKS.md,
    /// Soak): the stack keeps everything written, so some growth is the data itself.
    allowed_kib_per_request: f64,
}

impl Watched {
    /// Why the process fails the soak, if it does: its resident set grew by `growth_kib` over
    /// `requests` requests after the warm-up, more than it may keep of them (and more than
    /// [`GROWTH_FLOOR_MIB`]).
    fn still_growing(&self, growth_kib: f64, requests: usize) -> Option<String> {
        let allowed_kib =
            (self.allowed_kib_per_request * requests as f64).max(GROWTH_FLOOR_MIB * 1024.0);
        (growth_kib > allowed_kib).then(|| {
            format!(
                "{} grew {:.0} MiB after the warm-up, {:.1} KiB per request over {requests} \
                 requests, over the {:.0} MiB it may keep of them ({:.0} KiB per request, at least \
                 {GROWTH_FLOOR_MIB:.0} MiB)",
                self.name,
                growth_kib / 1024.0,
                growth_kib / requests.max(1) as f64,
                allowed_kib / 1024.0,
                self.allowed_kib_per_request,
            )
        })
    }
}

pub struct Options {
    bin_dir: PathBuf,
    out: PathBuf,
    minutes: f64,
    clients: usize,
    /// A process over this stops the soak at once, so a leak cannot take the machine with it.
    ceiling_mib: u64,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self, Error> {
        let mut options = Self {
            bin_dir: std::env::current_exe()?
                .parent()
                .ok_or("the harness has no directory")?
                .to_path_buf(),
            out: crate::repo_root().join("target/soak"),
            minutes: 10.0,
            clients: 6,
            ceiling_mib: 8192,
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--bin-dir" => options.bin_dir = PathBuf::from(value),
                "--out" => options.out = PathBuf::from(value),
                "--minutes" => options.minutes = value.parse()?,
                "--clients" => options.clients = value.parse()?,
                "--ceiling-mib" => options.ceiling_mib = value.parse()?,
                other => return Err(format!("unknown option {other}").into()),
            }
        }
        if options.minutes.is_nan() || options.minutes <= 0.0 {
            return Err("--minutes must be above 0".into());
        }
        if !(1..=99).contains(&options.clients) {
            return Err("--clients must be within 1–99".into());
        }
        Ok(options)
    }

    fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.minutes * 60.0)
    }

    /// How long outbound delivery may take to catch up once the traffic stops: the clients keep
    /// moto busy, so the event pipeline, which shares it, falls behind for as long as they run.
    fn drain_timeout(&self) -> Duration {
        (self.duration() / 2).max(Duration::from_secs(120))
    }
}

/// The stack at one moment: the watched processes' resident sets in KiB (in their order), and
/// the requests answered so far.
#[derive(Debug, Clone)]
struct Sample {
    seconds: f64,
    kib: Vec<u64>,
    requests: usize,
}

/// The stack at the end of a quarter: its sample, and outbound delivery's progress.
#[derive(Debug, Clone)]
struct Quarter {
    sample: Sample,
    replies_expected: usize,
    /// What the provider sandbox holds; `None` when it could not be read.
    replies_sent: Option<usize>,
}

pub async fn run(options: Result<Options, Error>) -> Result<(), Error> {
    let options = options?;
    let pid = |name: &str| -> Result<u32, Error> {
        std::env::var(name)
            .map_err(|_| format!("{name} is not set: run the soak through `make soak`"))?
            .parse()
            .map_err(|error| format!("{name}: {error}").into())
    };
    let (moto, broker) = (pid("MOTO_PID")?, pid("TANSU_PID")?);
    std::fs::create_dir_all(&options.out)?;
    eprintln!("soak: preparing the local stack");
    let stack = Stack::prepare().await?;
    let devserver = Devserver::start(
        &stack,
        &options.bin_dir.join("devserver"),
        &options.out,
        Events::On,
    )
    .await?;
    let watched = [
        // Every item written, and every stream record with its old and new image (a table
        // keeps its items, a stream its records for a day).
        Watched {
            name: "moto",
            pid: moto,
            allowed_kib_per_request: 64.0,
        },
        // Every event published (in memory).
        Watched {
            name: "broker",
            pid: broker,
            allowed_kib_per_request: 16.0,
        },
        // Nothing but the provider sandbox's copy of each message sent out.
        Watched {
            name: "devserver",
            pid: devserver.pid(),
            allowed_kib_per_request: 4.0,
        },
    ];
    eprintln!(
        "soak: {} clients for {:.1} min against {}",
        options.clients, options.minutes, devserver.base
    );

    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients = traffic::start(
        options.clients,
        &stack,
        &http,
        &devserver.base,
        &tally,
        &stop,
    )
    .await?;

    let sandbox = Sandbox {
        http: &http,
        base: &devserver.base,
    };
    let watch = watch(&watched, &options, &tally, &sandbox).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await?;
    }
    let hwm: Vec<Option<u64>> = watched.iter().map(|w| peak_kib(w.pid).ok()).collect();
    let drained = drain(&sandbox, &tally, options.drain_timeout()).await;

    let tally = std::mem::take(&mut *tally.lock().unwrap_or_else(|p| p.into_inner()));
    let report = Report {
        options: &options,
        watched: &watched,
        watch: &watch,
        hwm: &hwm,
        tally: &tally,
        drained: &drained,
    };
    let (results, failures) = report.evaluate();
    println!("{}", report.text(&failures));
    crate::write(&options.out, "soak", results)?;
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("the soak failed: {}", failures.join("; ")).into())
    }
}

/// What the watch saw.
struct Watch {
    samples: Vec<Sample>,
    quarters: Vec<Quarter>,
    /// Why it stopped before the soak's time was up, if it did.
    stopped_early: Option<String>,
}

/// Samples every watched process every few seconds for the soak's duration, noting the end of
/// each quarter. Stops early when a process is gone or over the ceiling, saying why.
async fn watch(
    watched: &[Watched],
    options: &Options,
    tally: &Mutex<Tally>,
    sandbox: &Sandbox<'_>,
) -> Watch {
    let started = Instant::now();
    let quarter_end = |quarter: usize| started + options.duration() * quarter as u32 / 4;
    let mut watch = Watch {
        samples: Vec::new(),
        quarters: Vec::new(),
        stopped_early: None,
    };
    loop {
        let now = Instant::now();
        let mut kib = Vec::new();
        for process in watched {
            let why = match resident_kib(process.pid) {
                Ok(resident) if resident / 1024 > options.ceiling_mib => format!(
                    "{} reached {} MiB, over the ceiling of {} MiB",
                    process.name,
                    resident / 1024,
                    options.ceiling_mib
                ),
                Ok(resident) => {
                    kib.push(resident);
                    continue;
                }
                Err(_) => format!("{} (pid {}) exited", process.name, process.pid),
            };
            watch.stopped_early = Some(why);
            return watch;
        }
        let (requests, errors, replies_expected) = {
            let tally = tally.lock().unwrap_or_else(|p| p.into_inner());
            let (requests, errors) = tally.totals();
            (requests, errors, tally.outbound_expected)
        };
        let sample = Sample {
            seconds: now.duration_since(started).as_secs_f64(),
            kib,
            requests,
        };
        watch.samples.push(sample.clone());
        if now >= quarter_end(watch.quarters.len() + 1) {
            let replies_sent = sandbox.sent().await;
            let memory: Vec<String> = watched
                .iter()
                .zip(&sample.kib)
                .map(|(process, kib)| format!("{} {} MiB", process.name, kib / 1024))
                .collect();
            eprintln!(
                "soak: quarter {} at {:.0} s: {requests} requests, {errors} errors, {} of \
                 {replies_expected} replies sent; {}",
                watch.quarters.len() + 1,
                sample.seconds,
                replies_sent.map_or_else(|| "?".to_owned(), |sent| sent.to_string()),
                memory.join(", ")
            );
            watch.quarters.push(Quarter {
                sample,
                replies_expected,
                replies_sent,
            });
        }
        if watch.quarters.len() == 4 {
            return watch;
        }
        let next = (now + SAMPLE_EVERY).min(quarter_end(watch.quarters.len() + 1));
        tokio::time::sleep_until(tokio::time::Instant::from_std(next)).await;
    }
}

/// The devserver's stand-in for the providers' send APIs, where outbound delivery sends replies.
struct Sandbox<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
}

impl Sandbox<'_> {
    /// How many messages outbound delivery has sent; `None` when that could not be read.
    async fn sent(&self) -> Option<usize> {
        let answer = self
            .http
            .get(format!("{}/_sandbox/sent", self.base))
            .send()
            .await
            .ok()?;
        let sent: Value = serde_json::from_slice(&answer.bytes().await.ok()?).ok()?;
        sent.as_array().map(Vec::len)
    }
}

/// Waits until outbound delivery has sent every reply the traffic called for, or for `timeout`:
/// what was sent, and how long it took to catch up.
async fn drain(sandbox: &Sandbox<'_>, tally: &Mutex<Tally>, timeout: Duration) -> Drained {
    let expected = tally
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .outbound_expected;
    let started = Instant::now();
    loop {
        let sent = sandbox.sent().await;
        let elapsed = started.elapsed();
        if sent.is_some_and(|sent| sent >= expected) || elapsed >= timeout {
            return Drained {
                expected,
                sent,
                seconds: elapsed.as_secs_f64(),
            };
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

struct Drained {
    expected: usize,
    /// What the sandbox holds; `None` when it could not be read.
    sent: Option<usize>,
    seconds: f64,
}

/// What the soak measured, judged.
struct Report<'a> {
    options: &'a Options,
    watched: &'a [Watched],
    watch: &'a Watch,
    hwm: &'a [Option<u64>],
    tally: &'a Tally,
    drained: &'a Drained,
}

fn mib(kib: u64) -> f64 {
    (kib as f64 / 1024.0 * 10.0).round() / 10.0
}

/// One watched process's figures.
struct Memory {
    start: Option<u64>,
    /// At the end of each quarter, the last being the end.
    quarters: Vec<Option<u64>>,
    peak: Option<u64>,
    /// Growth from the end of the warm-up (the first quarter) to the end, in KiB, and the
    /// requests answered in between.
    growth_kib: Option<f64>,
    requests: usize,
    still_growing: Option<String>,
}

impl Report<'_> {
    fn memory(&self, i: usize) -> Memory {
        let watch = self.watch;
        let quarters: Vec<Option<&Sample>> = (0..4)
            .map(|q| watch.quarters.get(q).map(|quarter| &quarter.sample))
            .collect();
        let (growth_kib, requests) = match (quarters[0], quarters[3]) {
            (Some(warm), Some(end)) => (
                Some(end.kib[i] as f64 - warm.kib[i] as f64),
                end.requests - warm.requests,
            ),
            _ => (None, 0),
        };
        Memory {
            start: watch.samples.first().map(|sample| sample.kib[i]),
            quarters: quarters
                .iter()
                .map(|sample| sample.map(|sample| sample.kib[i]))
                .collect(),
            peak: watch.samples.iter().map(|sample| sample.kib[i]).max(),
            growth_kib,
            requests,
            still_growing: growth_kib
                .and_then(|growth| self.watched[i].still_growing(growth, requests)),
        }
    }

    /// The results as JSON, and every reason the soak fails.
    fn evaluate(&self) -> (Value, Vec<String>) {
        let mut failures = Vec::new();
        if let Some(why) = &self.watch.stopped_early {
            failures.push(format!("stopped early: {why}"));
        }
        let (requests, errors) = self.tally.totals();
        if errors > 0 {
            failures.push(format!("{errors} of {requests} requests failed"));
        }
        match self.drained.sent {
            Some(sent) if sent == self.drained.expected => {}
            Some(sent) => failures.push(format!(
                "outbound delivery sent {sent} messages to customers, {} expected ({:.0} s after \
                 the traffic)",
                self.drained.expected, self.drained.seconds
            )),
            None => failures.push("the provider sandbox could not be read".to_owned()),
        }
        let mut memory = Vec::new();
        for (i, process) in self.watched.iter().enumerate() {
            let figures = self.memory(i);
            if let Some(why) = &figures.still_growing {
                failures.push(why.clone());
            }
            memory.push(json!({
                "process": process.name,
                "start_mib": figures.start.map(mib),
                "quarters_mib": figures.quarters.iter().map(|kib| kib.map(mib)).collect::<Vec<_>>(),
                "peak_sampled_mib": figures.peak.map(mib),
                "peak_hwm_mib": self.hwm[i].map(mib),
                "growth_after_warm_up_mib": figures.growth_kib.map(|kib| (kib / 102.4).round() / 10.0),
                "requests_after_warm_up": figures.requests,
                "growth_kib_per_request": figures.growth_kib
                    .map(|kib| (kib / figures.requests.max(1) as f64 * 10.0).round() / 10.0),
                "allowed_kib_per_request": process.allowed_kib_per_request,
                "still_growing": figures.still_growing,
            }));
        }
        let mut kinds = Vec::new();
        let mut all = Vec::new();
        for (kind, tally) in &self.tally.kinds {
            all.extend_from_slice(&tally.ms);
            kinds.push(json!({
                "kind": kind,
                "requests": tally.requests,
                "errors": tally.errors,
                "ms": summary(&tally.ms),
            }));
        }
        let quarters: Vec<Value> = self
            .watch
            .quarters
            .iter()
            .map(|quarter| {
                json!({
                    "s": quarter.sample.seconds.round(),
                    "requests": quarter.sample.requests,
                    "replies_expected": quarter.replies_expected,
                    "replies_sent": quarter.replies_sent,
                })
            })
            .collect();
        let samples: Vec<Value> = self
            .watch
            .samples
            .iter()
            .map(|sample| {
                json!({
                    "s": sample.seconds.round(),
                    "requests": sample.requests,
                    "mib": sample.kib.iter().map(|kib| mib(*kib)).collect::<Vec<_>>(),
                })
            })
            .collect();
        let results = json!({
            "date": usecases::clock::now_rfc3339(),
            "commit": crate::commit(),
            "minutes": self.options.minutes,
            "clients": self.options.clients,
            "requests": requests,
            "errors": errors,
            "ms": summary(&all),
            "kinds": kinds,
            "failures_described": self.tally.failures,
            "outbound": {
                "expected": self.drained.expected,
                "sent": self.drained.sent,
                "seconds_to_drain": (self.drained.seconds * 10.0).round() / 10.0,
            },
            "quarters": quarters,
            "memory": memory,
            "growth_floor_mib": GROWTH_FLOOR_MIB,
            "ceiling_mib": self.options.ceiling_mib,
            "processes": self.watched.iter().map(|w| w.name).collect::<Vec<_>>(),
            "samples": samples,
            "failures": failures,
        });
        (results, failures)
    }

    /// The report for a person: requests and latency per kind, outbound delivery, memory per
    /// process, the verdict.
    fn text(&self, failures: &[String]) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let (requests, errors) = self.tally.totals();
        let _ = writeln!(
            out,
            "\nsoak: {} clients, {:.1} min{}\n",
            self.options.clients,
            self.options.minutes,
            self.watch
                .stopped_early
                .as_ref()
                .map(|why| format!(" (stopped early: {why})"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            out,
            "{:<48} {:>8} {:>6} {:>9} {:>9}",
            "kind", "requests", "errors", "p50 ms", "p99 ms"
        );
        let mut all = Vec::new();
        for (kind, tally) in &self.tally.kinds {
            all.extend_from_slice(&tally.ms);
            let _ = writeln!(
                out,
                "{kind:<48} {:>8} {:>6} {:>9.1} {:>9.1}",
                tally.requests,
                tally.errors,
                median(&tally.ms),
                percentile(&tally.ms, 0.99)
            );
        }
        let _ = writeln!(
            out,
            "{:<48} {requests:>8} {errors:>6} {:>9.1} {:>9.1}",
            "all",
            median(&all),
            percentile(&all, 0.99)
        );
        for failure in &self.tally.failures {
            let _ = writeln!(out, "  failed: {failure}");
        }
        let unknown = || "?".to_owned();
        let progress: Vec<String> = self
            .watch
            .quarters
            .iter()
            .map(|quarter| {
                format!(
                    "{} of {}",
                    quarter
                        .replies_sent
                        .map_or_else(unknown, |sent| sent.to_string()),
                    quarter.replies_expected
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "\noutbound delivery: {} of {} replies sent to customers, {:.0} s after the traffic \
             stopped (at the end of each quarter: {})",
            self.drained
                .sent
                .map_or_else(unknown, |sent| sent.to_string()),
            self.drained.expected,
            self.drained.seconds,
            progress.join(", ")
        );
        let _ = writeln!(
            out,
            "\nresident memory in MiB, sampled every {} s; growth after the warm-up (Q1→end) per \
             request answered, and what each process may keep:\n{:<10} {:>6} {:>6} {:>6} {:>6} \
             {:>6} {:>6} {:>6} {:>7} {:>8} {:>8}",
            SAMPLE_EVERY.as_secs(),
            "process",
            "start",
            "Q1",
            "Q2",
            "Q3",
            "end",
            "peak",
            "VmHWM",
            "Q1→end",
            "KiB/req",
            "allowed"
        );
        let show = |kib: Option<u64>| kib.map_or_else(unknown, |kib| format!("{:.0}", mib(kib)));
        for (i, process) in self.watched.iter().enumerate() {
            let figures = self.memory(i);
            let _ = writeln!(
                out,
                "{:<10} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7} {:>8} {:>8}",
                process.name,
                show(figures.start),
                show(figures.quarters[0]),
                show(figures.quarters[1]),
                show(figures.quarters[2]),
                show(figures.quarters[3]),
                show(figures.peak),
                show(self.hwm[i]),
                figures
                    .growth_kib
                    .map_or_else(unknown, |kib| format!("{:+.0}", kib / 1024.0)),
                figures.growth_kib.map_or_else(unknown, |kib| format!(
                    "{:.1}",
                    kib / figures.requests.max(1) as f64
                )),
                format!("{:.0}", process.allowed_kib_per_request),
            );
        }
        if failures.is_empty() {
            let _ = writeln!(out, "\nsoak: passed");
        } else {
            let _ = writeln!(out);
            for failure in failures {
                let _ = writeln!(out, "soak: FAILED: {failure}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moto() -> Watched {
        Watched {
            name: "moto",
            pid: 0,
            allowed_kib_per_request: 64.0,
        }
    }

    #[test]
    fn growth_beyond_what_the_requests_may_leave_is_a_leak() {
        // What moto before its fix did: 3 GiB over 500 requests, 6 MiB each.
        let why = moto().still_growing(3_000.0 * 1024.0, 500);
        assert!(why.is_some_and(|why| why.contains("moto grew 3000 MiB")));
    }

    #[test]
    fn growth_within_what_the_requests_may_leave_is_data() {
        // What moto keeps since: 86 MiB over 5,000 requests, 18 KiB each.
        assert_eq!(moto().still_growing(86.0 * 1024.0, 5_000), None);
    }

    #[test]
    fn a_long_soak_may_grow_by_more_for_its_data() {
        // Twice as long, twice the data: 700 MiB over 20,000 requests is 36 KiB each.
        assert_eq!(moto().still_growing(700.0 * 1024.0, 20_000), None);
        assert!(moto().still_growing(1_400.0 * 1024.0, 20_000).is_some());
    }

    #[test]
    fn growth_under_the_floor_never_counts() {
        // 20 MiB over 100 requests would be 200 KiB each, but is settling, not a trend.
        assert_eq!(moto().still_growing(20.0 * 1024.0, 100), None);
        assert!(moto().still_growing(40.0 * 1024.0, 100).is_some());
    }
}
