//! The long runs of corio's reliability figures (docs/RELIABILITY.md).
//!
//! ```text
//! cargo run --release -p corio-tests --bin stress -- <scheduler|cancel|shutdown|soak|all>
//!     [--workers N] [--tasks N] [--seconds S] [--seed N] [--clients N] [--interval-ms N]
//! ```
//!
//! Each run prints its seed first and one `figures` line at the end; a
//! failure panics with the seed and the counts that disagree, and exits
//! non-zero. Defaults: scheduler 1 000 000 tasks on 1, 2 and 8 workers;
//! cancel and shutdown 100 000 tasks; soak 500 clients for 60 s, one message
//! per client per second; workers: one per core (scheduler: 1, 2, 8).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use corio_tests::stress::{self, cancel, scheduler, seed_from_clock, shutdown, soak};

struct Args {
    scenario: String,
    workers: Option<usize>,
    tasks: Option<usize>,
    seconds: Option<u64>,
    seed: u64,
    clients: Option<usize>,
    interval_ms: Option<u64>,
}

const USAGE: &str = "usage: stress <scheduler|cancel|shutdown|soak|all> [--workers N] [--tasks N] \
                     [--seconds S] [--seed N] [--clients N] [--interval-ms N]";

fn parse() -> Result<Args, String> {
    let mut raw = std::env::args().skip(1);
    let scenario = raw.next().ok_or("no scenario given")?;
    if !["scheduler", "cancel", "shutdown", "soak", "all"].contains(&scenario.as_str()) {
        return Err(format!("unknown scenario {scenario:?}"));
    }
    let mut args = Args {
        scenario,
        workers: None,
        tasks: None,
        seconds: None,
        seed: seed_from_clock(),
        clients: None,
        interval_ms: None,
    };
    while let Some(flag) = raw.next() {
        let value = raw.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.replace('_', "")
                .parse::<u64>()
                .map_err(|e| format!("{flag} {v}: {e}"))
        };
        match flag.as_str() {
            "--workers" => args.workers = Some(number(&value)? as usize),
            "--tasks" => args.tasks = Some(number(&value)? as usize),
            "--seconds" => args.seconds = Some(number(&value)?),
            "--seed" => args.seed = number(&value)?,
            "--clients" => args.clients = Some(number(&value)? as usize),
            "--interval-ms" => args.interval_ms = Some(number(&value)?),
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("stress: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    println!(
        "stress {}: seed={} (replay with --seed {})",
        args.scenario, args.seed, args.seed
    );
    let all = args.scenario == "all";
    let started = Instant::now();
    if all || args.scenario == "scheduler" {
        let workers = args.workers.map_or(vec![1, 2, 8], |w| vec![w]);
        for w in workers {
            let report = scheduler::run(&scheduler::Config {
                tasks: args.tasks.unwrap_or(1_000_000),
                workers: w,
                seed: args.seed,
            });
            println!("{}", report.figures());
        }
    }
    if all || args.scenario == "cancel" {
        let report = cancel::run(&cancel::Config {
            tasks: args.tasks.unwrap_or(100_000),
            workers: args.workers.unwrap_or(0),
            seed: args.seed,
        });
        println!("{}", report.figures());
    }
    if all || args.scenario == "shutdown" {
        let report = shutdown::run(&shutdown::Config {
            tasks: args.tasks.unwrap_or(100_000),
            workers: args.workers.unwrap_or(0),
            seed: args.seed,
        });
        println!("{}", report.figures());
    }
    if all || args.scenario == "soak" {
        let clients = args.clients.unwrap_or(500);
        let limit = stress::raise_fd_limit();
        if limit < 2 * clients as u64 + 64 {
            eprintln!(
                "stress: {clients} clients need about {} file descriptors; the limit is {limit}",
                2 * clients + 64
            );
            return ExitCode::from(2);
        }
        let duration = Duration::from_secs(args.seconds.unwrap_or(60));
        let report = soak::run(&soak::Config {
            clients,
            duration,
            interval: Duration::from_millis(args.interval_ms.unwrap_or(1000)),
            warmup: (duration / 6).clamp(Duration::from_secs(1), Duration::from_secs(30)),
            workers: args.workers.unwrap_or(0),
            seed: args.seed,
            ..soak::Config::default()
        });
        println!("{}", report.figures());
    }
    println!(
        "stress {}: passed in {:.1}s",
        args.scenario,
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
