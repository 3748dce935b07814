//! Turns the JSON results of a run into the Markdown tables of `BENCHMARKS.md`, between its
//! `bench:results` markers; the prose around them is left alone.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::Error;

const START: &str = "<!-- bench:results:start -->";
const END: &str = "<!-- bench:results:end -->";

/// Rewrites the results section of `markdown` from the `*.json` files in `out`.
pub fn write(out: &Path, markdown: &Path, total_seconds: Option<f64>) -> Result<(), Error> {
    let read = |phase: &str| -> Result<Option<Value>, Error> {
        let path = out.join(format!("{phase}.json"));
        if !path.exists() {
            return Ok(None);
        }
        Ok(Some(serde_json::from_str(&std::fs::read_to_string(path)?)?))
    };
    let meta = read("run")?;
    let size = read("size")?;
    let cold = read("cold")?;
    let memory = read("memory")?;
    let cpu = read("cpu")?;
    let trips = read("trips")?;
    let latency = read("latency")?;

    let mut section = String::new();
    section.push_str(START);
    section.push_str("\n\n");
    header(&mut section, meta.as_ref(), total_seconds);
    if let Some(cold) = &cold {
        cold_table(&mut section, cold);
    }
    if let Some(cpu) = &cpu {
        cpu_table(&mut section, cpu);
    }
    if let Some(trips) = &trips {
        trips_table(&mut section, trips);
    }
    if size.is_some() || memory.is_some() {
        size_memory_table(&mut section, size.as_ref(), memory.as_ref());
    }
    if let Some(latency) = &latency {
        latency_table(&mut section, latency, cpu.as_ref());
    }
    section.push_str(END);

    let text = std::fs::read_to_string(markdown)?;
    let (Some(start), Some(end)) = (text.find(START), text.find(END)) else {
        return Err(format!("{} has no {START} … {END} section", markdown.display()).into());
    };
    let updated = format!("{}{section}{}", &text[..start], &text[end + END.len()..]);
    std::fs::write(markdown, updated)?;
    Ok(())
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or(0.0)
}

fn ratio(value: f64, baseline: f64) -> String {
    if baseline > 0.0 {
        format!("{:.2}×", value / baseline)
    } else {
        "–".to_owned()
    }
}

fn mib(kib: f64) -> String {
    format!("{:.1}", kib / 1024.0)
}

/// The subject named `name` in a phase's `subjects`.
fn subject<'a>(phase: &'a Value, name: &str) -> Option<&'a Value> {
    phase["subjects"]
        .as_array()?
        .iter()
        .find(|row| row["name"] == name)
}

fn header(out: &mut String, meta: Option<&Value>, total_seconds: Option<f64>) {
    let Some(meta) = meta else {
        return;
    };
    let machine = &meta["machine"];
    let _ = writeln!(
        out,
        "Run of {} at commit `{}` on {} ({} cores, {}, Linux {}); profile `{}`.",
        meta["date"].as_str().unwrap_or("?"),
        meta["commit"].as_str().unwrap_or("?"),
        machine["cpu"].as_str().unwrap_or("?"),
        machine["cores"],
        machine["arch"].as_str().unwrap_or("?"),
        machine["kernel"].as_str().unwrap_or("?"),
        meta["profile"].as_str().unwrap_or("release"),
    );
    if let Some(seconds) = total_seconds.or_else(|| meta["total_seconds"].as_f64()) {
        let _ = writeln!(
            out,
            "`make bench` took {:.0} min {:02.0} s in all (build included).",
            (seconds / 60.0).floor(),
            seconds % 60.0
        );
    }
    out.push('\n');
}

fn cold_table(out: &mut String, cold: &Value) {
    let bare = subject(cold, "floor-bare");
    let sdk = subject(cold, "floor-sdk");
    let median =
        |row: Option<&Value>, key: &str| row.map_or(0.0, |row| number(&row[key]["median"]));
    let bare_init = median(bare, "init_ms");
    let sdk_init = median(sdk, "init_ms");
    let sdk_first = median(sdk, "first_invocation_ms");
    let _ = writeln!(
        out,
        "### 1. Cold start\n\nMedian of {} starts per binary, round robin. **init**: process start → first poll of the Runtime API; **first**: the first event handed over → its answer posted (DynamoDB round trips to moto included). Ratios are against the floors of the same run.\n",
        cold["starts"]
    );
    out.push_str("| binary | event | init ms | × bare | × SDK floor | first ms | × SDK floor | answers |\n|---|---|--:|--:|--:|--:|--:|---|\n");
    let mut worst: Option<(String, f64)> = None;
    let mut within = 0;
    let mut api = 0;
    for row in cold["subjects"].as_array().into_iter().flatten() {
        let name = row["name"].as_str().unwrap_or("?");
        let init = number(&row["init_ms"]["median"]);
        let first = number(&row["first_invocation_ms"]["median"]);
        let answers: Vec<String> = row["answers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(label, count)| format!("{label} ×{count}"))
            .collect();
        let sensible = if row["sensible"] == true { "" } else { " ⚠" };
        let _ = writeln!(
            out,
            "| `{name}` | {} | {init:.2} | {} | {} | {first:.2} | {} | {}{sensible} |",
            row["event"]
                .as_str()
                .map_or("–".to_owned(), |event| format!("`{event}`")),
            ratio(init, bare_init),
            ratio(init, sdk_init),
            ratio(first, sdk_first),
            answers.join(", "),
        );
        if row["kind"] == "http" {
            api += 1;
            let r = if sdk_init > 0.0 { init / sdk_init } else { 0.0 };
            if r <= 1.2 {
                within += 1;
            }
            if worst.as_ref().is_none_or(|(_, w)| r > *w) {
                worst = Some((name.to_owned(), r));
            }
        }
    }
    if let Some((name, worst)) = worst {
        let _ = writeln!(
            out,
            "\n{within} of {api} API functions start within 1.2× the SDK floor's init; the slowest is `{name}` at {worst:.2}×."
        );
    }
    out.push('\n');
}

fn cpu_table(out: &mut String, cpu: &Value) {
    let rows = cpu["scenarios"].as_array().cloned().unwrap_or_default();
    let baseline = rows.iter().find(|row| row["name"] == "hello");
    let base_instructions = baseline.map_or(0.0, |row| number(&row["instructions_per_request"]));
    let base_p50 = baseline.map_or(0.0, |row| number(&row["wall_us"]["median"]));
    let counts = cpu["callgrind_requests"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "### 2. Per-request CPU\n\nThrough each function's router in one process, DynamoDB answered in-process from calls recorded against moto (no network). **instructions**: callgrind, (run of {} requests − run of {}) ÷ the difference. **p50/p99**: wall clock of {} native requests after as many warm-up ones. Ratios are against the baseline hello-world router of the same run.\n",
        counts.get(1).unwrap_or(&Value::Null),
        counts.first().unwrap_or(&Value::Null),
        cpu["timed_requests"]
    );
    out.push_str("| route | instructions / request | × baseline | p50 µs | p99 µs | × baseline p50 | DynamoDB calls replayed |\n|---|--:|--:|--:|--:|--:|---|\n");
    for row in &rows {
        let instructions = number(&row["instructions_per_request"]);
        let p50 = number(&row["wall_us"]["median"]);
        let calls = strings(&row["dynamodb_calls_per_request"]);
        let _ = writeln!(
            out,
            "| {} | {:.0} | {} | {p50:.1} | {:.1} | {} | {} |",
            row["label"].as_str().unwrap_or("?"),
            instructions,
            ratio(instructions, base_instructions),
            number(&row["wall_us"]["p99"]),
            ratio(p50, base_p50),
            if calls.is_empty() {
                "none".to_owned()
            } else {
                calls.join(", ")
            },
        );
    }
    out.push('\n');
}

fn trips_table(out: &mut String, trips: &Value) {
    out.push_str("### 3. DynamoDB round trips per API call\n\nEvery documented route called once in its success path through the devserver's router against moto, counted by an interceptor on the DynamoDB client. **reads**: GetItem, Query, BatchGetItem; **writes**: PutItem, UpdateItem, DeleteItem; **tx**: TransactWriteItems; **cached**: lookups of the caller's API key, the channel account and the tenant's profile, made once per function instance and value and then reused for 60 s; not in **reads**. Agent tokens cost no DynamoDB call (the JWKS is fetched once per instance).\n\n");
    out.push_str("| route | answer | reads | writes | tx | scans | cached | calls |\n|---|---|--:|--:|--:|--:|--:|---|\n");
    let mut heavy = Vec::new();
    let mut scans = 0;
    for row in trips["routes"].as_array().into_iter().flatten() {
        let reads = row["reads"].as_u64().unwrap_or(0);
        let writes =
            row["writes"].as_u64().unwrap_or(0) + row["transactions"].as_u64().unwrap_or(0);
        scans += row["scans"].as_u64().unwrap_or(0);
        let route = format!(
            "{} {}",
            row["method"].as_str().unwrap_or("?"),
            row["route"].as_str().unwrap_or("?")
        );
        let note = match row["note"].as_str() {
            Some(note) if !note.is_empty() => format!(" ({note})"),
            _ => String::new(),
        };
        if reads > 1 || writes > 1 {
            heavy.push(format!("`{route}`{note} ({reads} reads, {writes} writes)"));
        }
        let calls = strings(&row["calls"]);
        let _ = writeln!(
            out,
            "| `{route}`{note} | {} | {reads} | {} | {} | {} | {} | {} |",
            row["status"],
            row["writes"],
            row["transactions"],
            row["scans"],
            row["cached_lookups"],
            calls.join(" → ").replace('|', "\\|"),
        );
    }
    let _ = writeln!(
        out,
        "\nScans: {scans}. Routes over one read or one write round trip: {}.",
        if heavy.is_empty() {
            "none".to_owned()
        } else {
            heavy.join("; ")
        }
    );
    let missing: Vec<String> = strings(&trips["not_exercised"])
        .into_iter()
        .map(|route| format!("`{route}`"))
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(out, "Not exercised: {}.", missing.join(", "));
    }
    out.push('\n');
}

fn size_memory_table(out: &mut String, size: Option<&Value>, memory: Option<&Value>) {
    let invocations = memory.map_or(Value::Null, |memory| memory["invocations"].clone());
    let _ = writeln!(
        out,
        "### 4. Artifact size and memory\n\n**zipped**: the release binary as `bootstrap`, deflated, as Lambda takes it (built for this machine's architecture; the deployed arm64 build differs a little). **peak RSS**: VmHWM of the process after its first invocation and after {invocations} invocations through the local Runtime API. **warm p50**: one of those invocations, its DynamoDB calls answered by the harness from the function's second invocation (part 4's runs do not wait on moto, whose transactions slow down with all the data of a run). Ratios are against `floor-sdk`.\n"
    );
    out.push_str("| binary | binary MiB | zipped MiB | × SDK floor | peak RSS after 1 MiB | peak RSS after all MiB | × SDK floor | warm p50 ms |\n|---|--:|--:|--:|--:|--:|--:|--:|\n");
    let names: Vec<String> = size
        .or(memory)
        .and_then(|phase| phase["subjects"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|row| row["name"].as_str().map(str::to_owned))
        .collect();
    let base_zip = size
        .and_then(|size| subject(size, "floor-sdk"))
        .map_or(0.0, |row| number(&row["zipped_bytes"]));
    let base_peak = memory
        .and_then(|memory| subject(memory, "floor-sdk"))
        .map_or(0.0, |row| number(&row["peak_kib"]));
    for name in names {
        let size_row = size.and_then(|size| subject(size, &name));
        let memory_row = memory.and_then(|memory| subject(memory, &name));
        let bytes = size_row.map_or(0.0, |row| number(&row["bytes"]));
        let zipped = size_row.map_or(0.0, |row| number(&row["zipped_bytes"]));
        let peak = memory_row.map_or(0.0, |row| number(&row["peak_kib"]));
        let _ = writeln!(
            out,
            "| `{name}` | {:.1} | {:.2} | {} | {} | {} | {} | {:.2} |",
            bytes / 1_048_576.0,
            zipped / 1_048_576.0,
            ratio(zipped, base_zip),
            memory_row.map_or("–".to_owned(), |row| mib(number(
                &row["peak_after_first_kib"]
            ))),
            mib(peak),
            ratio(peak, base_peak),
            memory_row.map_or(0.0, |row| number(&row["warm_invocation_ms"]["median"])),
        );
    }
    out.push('\n');
}

fn latency_table(out: &mut String, latency: &Value, cpu: Option<&Value>) {
    let moto_p50 = number(&latency["moto_get_item_ms"]["median"]);
    let moto_p99 = number(&latency["moto_get_item_ms"]["p99"]);
    let _ = writeln!(
        out,
        "### 5. End-to-end latency\n\nThe devserver (release build, every route on one port, no Kafka) under a load generator of {} workers, each sending its share of {} requests one after another; and moto alone answering a GetItem loop at the same concurrency: **p50 {moto_p50:.2} ms, p99 {moto_p99:.2} ms**, the baseline of the ratios. The stack is emptied and prepared again first. moto handles one request at a time and copies every table on each transaction, so queueing in it and its transactions are most of every route's time, and its transactions grow slower as the phase writes (the p99s of the writing routes); what is ours is at most the in-process time per request of part 2, shown beside it.\n",
        latency["concurrency"], latency["requests"]
    );
    out.push_str("| route | p50 ms | p99 ms | × moto GetItem p50 | DynamoDB calls | ours in-process p50 ms | ours share of p50 | errors |\n|---|--:|--:|--:|--:|--:|--:|--:|\n");
    for row in latency["scenarios"].as_array().into_iter().flatten() {
        let p50 = number(&row["ms"]["median"]);
        let scenario = cpu.and_then(|cpu| {
            cpu["scenarios"]
                .as_array()?
                .iter()
                .find(|scenario| scenario["name"] == row["name"])
        });
        let calls = scenario
            .and_then(|scenario| scenario["dynamodb_calls_per_request"].as_array())
            .map_or(0, Vec::len);
        let ours = scenario.map_or(0.0, |scenario| {
            number(&scenario["wall_us"]["median"]) / 1000.0
        });
        let share = if p50 > 0.0 { 100.0 * ours / p50 } else { 0.0 };
        let _ = writeln!(
            out,
            "| {} | {p50:.2} | {:.2} | {} | {calls} | {ours:.3} | {share:.1} % | {} |",
            row["label"].as_str().unwrap_or("?"),
            number(&row["ms"]["p99"]),
            ratio(p50, moto_p50),
            row["errors"],
        );
    }
    out.push('\n');
}

/// The strings of a JSON array; none when it is not one.
fn strings(array: &Value) -> Vec<&str> {
    array
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}
