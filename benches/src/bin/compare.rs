//! Runs every workload on corio and on tokio, alternately, in one process,
//! and prints (or writes into docs/BENCHMARKS.md) the medians and ratios.
//!
//! ```text
//! cargo run --release -p corio-benches --bin compare -- [--rounds N] [--write] [--group G] [--only NAME]
//! ```
//!
//! Each round runs a workload once on each runtime, in alternating order
//! (corio first on even rounds, tokio first on odd ones), after one warm-up
//! run each. A workload's figure is the median of its rounds.

use std::time::Duration;

use corio_benches::front_door::{FRONT_DOOR_WORKLOADS, run_front_door_corio, run_front_door_tokio};
use corio_benches::io::{IO_WORKLOADS, run_io_corio, run_io_tokio};
use corio_benches::sync::{SYNC_WORKLOADS, base_name, run_sync_corio, run_sync_tokio};
use corio_benches::{
    Corio, Rt, SCHEDULER_WORKLOADS, Sample, TIME_WORKLOADS, Tokio, run_scheduler_workload,
    run_time_workload, timed,
};

const WORKERS: usize = 2;

/// A group of workloads sharing one table in BENCHMARKS.md.
struct Group {
    name: &'static str,
    workloads: &'static [&'static str],
    run_corio: fn(&Corio, &str) -> Sample,
    run_tokio: fn(&Tokio, &str) -> Sample,
}

const GROUPS: &[Group] = &[
    Group {
        name: "scheduler",
        workloads: SCHEDULER_WORKLOADS,
        run_corio: |rt, w| timed(|| run_scheduler_workload(rt, w)),
        run_tokio: |rt, w| timed(|| run_scheduler_workload(rt, w)),
    },
    Group {
        name: "time",
        workloads: TIME_WORKLOADS,
        run_corio: run_time_workload::<Corio>,
        run_tokio: run_time_workload::<Tokio>,
    },
    // Each row: a corio primitive on corio beside the comparator its name
    // gives (`mpmc_queue(Queue vs async-channel)`) on tokio.
    Group {
        name: "sync",
        workloads: SYNC_WORKLOADS,
        run_corio: run_sync_corio,
        run_tokio: run_sync_tokio,
    },
    Group {
        name: "front_door",
        workloads: FRONT_DOOR_WORKLOADS,
        run_corio: run_front_door_corio,
        run_tokio: run_front_door_tokio,
    },
    Group {
        name: "io",
        workloads: IO_WORKLOADS,
        run_corio: run_io_corio,
        run_tokio: run_io_tokio,
    },
];

/// The ratio (corio / tokio) each workload must stay at or below, and what is measured.
fn target(workload: &str) -> (f64, &'static str) {
    match base_name(workload) {
        "spawn_many_remote" | "join_100k" => (0.8, "wall time"),
        "timers_100k" => (1.0, "CPU time (wall time aside)"),
        "timeout_no_fire" => (0.7, "wall time"),
        "timer_churn" => (0.8, "wall time"),
        // The issue asks to report lateness on both runtimes, with no target.
        "lateness_10ms" => (f64::INFINITY, "p99 lateness (median aside)"),
        "mpmc_queue" | "mpmc_channel" => (0.8, "wall time"),
        // tokio's mpsc has a single consumer: a reference point, not a target.
        "mpsc_queue" => (f64::INFINITY, "wall time (reference only)"),
        "semaphore_uncontended" => (1.0, "time per acquire/release pair"),
        "gather_100k" => (0.7, "wall time"),
        _ => (1.0, "wall time"),
    }
}

struct Args {
    rounds: usize,
    write: bool,
    group: Option<String>,
    only: Option<String>,
    /// Run one runtime only (for `perf`/`strace`/`valgrind` of one side).
    side: Option<String>,
    /// Worker threads per runtime (the published tables use [`WORKERS`]).
    workers: usize,
    /// Print every round's sample, not only the medians.
    samples: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        rounds: 15,
        write: false,
        group: None,
        only: None,
        side: None,
        workers: WORKERS,
        samples: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rounds" => args.rounds = it.next().and_then(|n| n.parse().ok()).expect("--rounds N"),
            "--write" => args.write = true,
            "--group" => args.group = it.next(),
            "--only" => args.only = it.next(),
            "--side" => args.side = it.next(),
            "--workers" => {
                args.workers = it.next().and_then(|n| n.parse().ok()).expect("--workers N")
            }
            "--samples" => args.samples = true,
            "--bench" => {} // passed by `cargo bench`; ignored
            other => {
                panic!(
                    "unknown argument {other}; use --rounds N, --write, --group G, --only NAME, --side corio|tokio, --workers N, --samples"
                )
            }
        }
    }
    args
}

/// `--side`: runs `workload` on one runtime only, `--rounds` times, and
/// prints the median; nothing is compared or written. For profilers and
/// syscall counters that must see one runtime alone.
fn profile_one_side(
    args: &Args,
    side: &str,
    group: &Group,
    workload: &str,
    corio: &Corio,
    tokio: &Tokio,
) {
    let mut samples: Vec<Sample> = (0..args.rounds)
        .map(|_| match side {
            "corio" => (group.run_corio)(corio, workload),
            "tokio" => (group.run_tokio)(tokio, workload),
            other => panic!("unknown side {other}; use --side corio or --side tokio"),
        })
        .collect();
    eprintln!(
        "{workload:>18}: {side} {}",
        fmt_sample(median(&mut samples))
    );
}

fn median(samples: &mut [Sample]) -> Sample {
    samples.sort_by_key(|s| s.value);
    samples[samples.len() / 2]
}

fn fmt_duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1.0 {
        return format!("{:.1} ns", us * 1000.0);
    }
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.1} µs")
    }
}

fn fmt_sample(s: Sample) -> String {
    match s.aside {
        Some(aside) => format!("{} ({})", fmt_duration(s.value), fmt_duration(aside)),
        None => fmt_duration(s.value),
    }
}

fn main() {
    let args = parse_args();
    let corio = Corio::with_workers(args.workers);
    let tokio = Tokio::with_workers(args.workers);
    assert!(
        !args.write || args.workers == WORKERS,
        "--write publishes {WORKERS}-worker tables; drop --workers"
    );
    for group in GROUPS
        .iter()
        .filter(|g| args.group.as_deref().is_none_or(|n| n == g.name))
    {
        let mut rows = Vec::new();
        for &workload in group.workloads {
            if args
                .only
                .as_deref()
                .is_some_and(|only| only != workload && only != base_name(workload))
            {
                continue;
            }
            if let Some(side) = args.side.as_deref() {
                profile_one_side(&args, side, group, workload, &corio, &tokio);
                continue;
            }
            (group.run_corio)(&corio, workload);
            (group.run_tokio)(&tokio, workload);
            let (mut c, mut t) = (Vec::new(), Vec::new());
            for round in 0..args.rounds {
                if round % 2 == 0 {
                    c.push((group.run_corio)(&corio, workload));
                    t.push((group.run_tokio)(&tokio, workload));
                } else {
                    t.push((group.run_tokio)(&tokio, workload));
                    c.push((group.run_corio)(&corio, workload));
                }
            }
            if args.samples {
                let show = |s: &[Sample]| {
                    s.iter()
                        .map(|s| fmt_duration(s.value))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                eprintln!("{workload:>18}: corio rounds {}", show(&c));
                eprintln!("{workload:>18}: tokio rounds {}", show(&t));
            }
            let (c, t) = (median(&mut c), median(&mut t));
            let ratio = c.value.as_secs_f64() / t.value.as_secs_f64().max(1e-9);
            let (goal, measure) = target(workload);
            let verdict = match ratio <= goal {
                _ if goal.is_infinite() => "reference",
                true => "met",
                false => "missed",
            };
            eprintln!(
                "{workload:>18}: corio {:>22}  tokio {:>22}  ratio {ratio:.2} (target ≤ {goal}, {measure}) {verdict}",
                fmt_sample(c),
                fmt_sample(t)
            );
            let goal_text = if goal.is_infinite() {
                "—".to_string()
            } else {
                format!("≤ {goal}")
            };
            rows.push(format!(
                "| {workload} | {measure} | {} | {} | {ratio:.2} | {goal_text} | {verdict} |",
                fmt_sample(c),
                fmt_sample(t)
            ));
        }
        if rows.is_empty() {
            continue;
        }
        let (begin, end) = markers(group.name);
        let table = format!(
            "{begin}\n{}\n\n| workload | measure | corio (median) | tokio (median) | corio / tokio | target | |\n| --- | --- | --- | --- | --- | --- | --- |\n{}\n{end}",
            provenance(&args),
            rows.join("\n")
        );
        println!("{table}");
        if args.write && args.only.is_none() {
            write_into_benchmarks_md(&begin, &end, &table);
        }
    }
    if args.group.as_deref().is_none_or(|g| g == "debug_cost")
        && args.only.is_none()
        && args.side.is_none()
    {
        debug_cost(&args, &corio);
    }
}

/// What debug mode costs: spawn_many on corio with debug mode off and on
/// (the task registry is always on, in both).
fn debug_cost(args: &Args, plain: &Corio) {
    let debug = Corio::with_workers_debug(WORKERS);
    let run = |rt: &Corio| timed(|| run_scheduler_workload(rt, "spawn_many"));
    run(plain);
    run(&debug);
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for round in 0..args.rounds {
        if round % 2 == 0 {
            off.push(run(plain));
            on.push(run(&debug));
        } else {
            on.push(run(&debug));
            off.push(run(plain));
        }
    }
    let (off, on) = (median(&mut off), median(&mut on));
    let ratio = on.value.as_secs_f64() / off.value.as_secs_f64().max(1e-9);
    eprintln!(
        "   debug mode cost: spawn_many {} off, {} on: x{ratio:.2}",
        fmt_sample(off),
        fmt_sample(on)
    );
    let (begin, end) = markers("debug_cost");
    let table = format!(
        "{begin}\n{}\n\n| workload | debug off (median) | debug on (median) | on / off |\n| --- | --- | --- | --- |\n| spawn_many | {} | {} | {ratio:.2} |\n{end}",
        provenance(args),
        fmt_sample(off),
        fmt_sample(on)
    );
    println!("{table}");
    if args.write {
        write_into_benchmarks_md(&begin, &end, &table);
    }
}

fn markers(group: &str) -> (String, String) {
    (
        format!("<!-- compare:{group}:begin -->"),
        format!("<!-- compare:{group}:end -->"),
    )
}

fn provenance(args: &Args) -> String {
    let (rounds, workers) = (args.rounds, args.workers);
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
        "{workers} worker threads each, median of {rounds} alternating rounds, one process. \
         Machine: {cpu}, {cores} cores. \
         Command: `cargo run --release -p corio-benches --bin compare -- --rounds {rounds} --write`."
    )
}

fn write_into_benchmarks_md(begin: &str, end: &str, table: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/BENCHMARKS.md");
    let current = std::fs::read_to_string(path).unwrap_or_default();
    let updated = match (current.find(begin), current.find(end)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{table}{}", &current[..b], &current[e + end.len()..])
        }
        _ => format!("{current}\n{table}\n"),
    };
    std::fs::write(path, updated).expect("write docs/BENCHMARKS.md");
    eprintln!("wrote {path}");
}
