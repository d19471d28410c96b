//! Runs every workload on corio and on tokio, alternately, in one process,
//! and prints (or writes into docs/BENCHMARKS.md) the medians and ratios.
//!
//! ```text
//! cargo run --release -p corio-benches --bin compare -- [--rounds N] [--write] [--only NAME]
//! ```
//!
//! Each round runs every workload once on each runtime, in alternating order
//! (corio first on even rounds, tokio first on odd ones), after one warm-up
//! round. A workload's figure is the median of its rounds.

use std::time::{Duration, Instant};

use corio_benches::{Corio, Rt, SCHEDULER_WORKLOADS, Tokio, run_scheduler_workload};

const WORKERS: usize = 2;
const BEGIN: &str = "<!-- compare:scheduler:begin -->";
const END: &str = "<!-- compare:scheduler:end -->";

/// The ratio (corio / tokio, by median time) each workload must stay at or below.
fn target(workload: &str) -> f64 {
    match workload {
        "spawn_many_remote" | "join_100k" => 0.8,
        _ => 1.0,
    }
}

struct Args {
    rounds: usize,
    write: bool,
    only: Option<String>,
}

fn parse_args() -> Args {
    let mut args = Args {
        rounds: 15,
        write: false,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rounds" => args.rounds = it.next().and_then(|n| n.parse().ok()).expect("--rounds N"),
            "--write" => args.write = true,
            "--only" => args.only = it.next(),
            "--bench" => {} // passed by `cargo bench`; ignored
            other => panic!("unknown argument {other}; use --rounds N, --write, --only NAME"),
        }
    }
    args
}

fn time<F: FnOnce()>(f: F) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn fmt_duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.1} µs")
    }
}

fn main() {
    let args = parse_args();
    let corio = Corio::with_workers(WORKERS);
    let tokio = Tokio::with_workers(WORKERS);
    let workloads: Vec<&str> = SCHEDULER_WORKLOADS
        .iter()
        .copied()
        .filter(|w| args.only.as_deref().is_none_or(|only| only == *w))
        .collect();

    let mut rows = Vec::new();
    for &workload in &workloads {
        run_scheduler_workload(&corio, workload);
        run_scheduler_workload(&tokio, workload);
        let (mut c, mut t) = (Vec::new(), Vec::new());
        for round in 0..args.rounds {
            if round % 2 == 0 {
                c.push(time(|| run_scheduler_workload(&corio, workload)));
                t.push(time(|| run_scheduler_workload(&tokio, workload)));
            } else {
                t.push(time(|| run_scheduler_workload(&tokio, workload)));
                c.push(time(|| run_scheduler_workload(&corio, workload)));
            }
        }
        let (c, t) = (median(&mut c), median(&mut t));
        let ratio = c.as_secs_f64() / t.as_secs_f64();
        let goal = target(workload);
        let verdict = if ratio <= goal { "met" } else { "missed" };
        eprintln!(
            "{workload:>18}: corio {:>10}  tokio {:>10}  ratio {ratio:.2} (target ≤ {goal}) {verdict}",
            fmt_duration(c),
            fmt_duration(t)
        );
        rows.push(format!(
            "| {workload} | {} | {} | {ratio:.2} | ≤ {goal} | {verdict} |",
            fmt_duration(c),
            fmt_duration(t)
        ));
    }

    let table = format!(
        "{BEGIN}\n{}\n\n| workload | corio (median) | tokio (median) | corio / tokio | target | |\n| --- | --- | --- | --- | --- | --- |\n{}\n{END}",
        provenance(args.rounds),
        rows.join("\n")
    );
    println!("{table}");
    if args.write {
        write_into_benchmarks_md(&table);
    }
}

fn provenance(rounds: usize) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!(
        "Scheduler workloads, {WORKERS} worker threads each, median of {rounds} alternating rounds, one process. \
         Machine: {cpu}, {cores} cores. Command: `cargo run --release -p corio-benches --bin compare -- --rounds {rounds} --write`."
    )
}

fn write_into_benchmarks_md(table: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/BENCHMARKS.md");
    let current = std::fs::read_to_string(path).unwrap_or_default();
    let updated = match (current.find(BEGIN), current.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{table}{}", &current[..b], &current[e + END.len()..])
        }
        _ => format!("{current}\n{table}\n"),
    };
    std::fs::write(path, updated).expect("write docs/BENCHMARKS.md");
    eprintln!("wrote {path}");
}
