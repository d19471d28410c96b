//! Runtime metrics, live: a mixed load runs (spawn storms, a queue pipeline,
//! sleepers, an echo server with clients, blocking calls) while the main
//! thread redraws a small table of `Runtime::metrics()` every second, in
//! place (ANSI cursor moves; plain successive tables when stdout is not a
//! terminal). It stops by itself after a few seconds.
//!
//! ```text
//! cargo run --release --example metrics -- [--seconds N]   (default 5)
//! ```
//!
//! Rates are per second, from the difference of two snapshots: counters only
//! grow. Depths, timers, sources and the pool are read at the moment.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use corio::RuntimeMetrics;
use corio::net::{StreamReader, StreamWriter, open_connection, start_server};
use corio::sync::Queue;

fn main() -> std::io::Result<()> {
    let seconds = parse_seconds();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
    let rt = corio::Runtime::builder().worker_threads(workers).build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let load = rt.spawn(load(stop.clone()));

    let live = std::io::stdout().is_terminal();
    let started = Instant::now();
    let mut previous = rt.metrics();
    let mut drawn_lines = 0;
    for second in 1..=seconds {
        // Sleep to the next whole second since the start (no drift).
        let next = started + Duration::from_secs(second);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        let now = rt.metrics();
        let table = render(&previous, &now, second, seconds);
        let mut out = std::io::stdout().lock();
        if live && drawn_lines > 0 {
            // Back to the top of the previous table; each line is cleared as it is rewritten.
            write!(out, "\x1b[{drawn_lines}A")?;
        }
        for line in table.lines() {
            if live {
                write!(out, "\x1b[2K")?;
            }
            writeln!(out, "{line}")?;
        }
        if !live {
            writeln!(out)?;
        }
        out.flush()?;
        drawn_lines = table.lines().count();
        previous = now;
    }

    stop.store(true, Relaxed);
    let summary = rt.block_on(load).expect("the load task failed");
    let total = rt.metrics();
    println!(
        "\nstopped after {seconds} s: {} tasks spawned by the load, {} items through the queue, \
         {} echoes, {} blocking calls; {} task runs in all, {} tasks stolen in {} batches, {} parks",
        summary.spawned,
        summary.queued,
        summary.echoes,
        summary.blocking_calls,
        total.total_polls(),
        total.total_stolen_tasks(),
        total.total_steal_batches(),
        total.total_parks(),
    );
    Ok(())
}

fn parse_seconds() -> u64 {
    let mut seconds = 5;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n| n > 0)
                    .unwrap_or_else(|| usage("--seconds takes a whole number above 0"));
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    seconds
}

fn usage(problem: &str) -> ! {
    eprintln!("metrics: {problem}\nusage: cargo run --release --example metrics -- [--seconds N]");
    std::process::exit(2);
}

/// The table: one row per worker (rates over the last second), then a total
/// row and the runtime-wide figures.
fn render(before: &RuntimeMetrics, now: &RuntimeMetrics, second: u64, of: u64) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "corio metrics, second {second} of {of} (rates per second)"
    );
    let _ = writeln!(
        s,
        "{:>8} {:>12} {:>14} {:>14} {:>8} {:>12}",
        "worker", "polls/s", "steals/s", "stolen/s", "parks/s", "local queue"
    );
    for (i, (w0, w1)) in before.workers.iter().zip(&now.workers).enumerate() {
        let _ = writeln!(
            s,
            "{:>8} {:>12} {:>14} {:>14} {:>8} {:>12}",
            i,
            w1.polls - w0.polls,
            w1.steal_batches - w0.steal_batches,
            w1.stolen_tasks - w0.stolen_tasks,
            w1.parks - w0.parks,
            w1.local_queue_depth,
        );
    }
    let _ = writeln!(
        s,
        "{:>8} {:>12} {:>14} {:>14} {:>8} {:>12}",
        "all",
        now.total_polls() - before.total_polls(),
        now.total_steal_batches() - before.total_steal_batches(),
        now.total_stolen_tasks() - before.total_stolen_tasks(),
        now.total_parks() - before.total_parks(),
        now.total_queue_depth() - now.injector_depth,
    );
    let _ = writeln!(
        s,
        "injector queue {} | live tasks {} | timers {} | I/O sources {}",
        now.injector_depth, now.alive_tasks, now.timers, now.io_sources
    );
    let b = &now.blocking;
    let _ = writeln!(
        s,
        "blocking pool: {} threads ({} idle), {} running, {} queued",
        b.threads, b.idle_threads, b.running, b.queued
    );
    s
}

/// What the load did, for the last line.
#[derive(Default)]
struct Summary {
    spawned: u64,
    queued: u64,
    echoes: u64,
    blocking_calls: u64,
}

/// Runs every kind of load until `stop` is set, then waits for all of it.
async fn load(stop: Arc<AtomicBool>) -> Summary {
    let storms = corio::spawn(spawn_storms(stop.clone()));
    let pipeline = corio::spawn(pipeline(stop.clone()));
    let sleepers: Vec<_> = (0..100u64)
        .map(|i| corio::spawn(sleeper(stop.clone(), Duration::from_millis(10 + i % 40))))
        .collect();
    let echoes = corio::spawn(echo_load(stop.clone()));
    let blocking = corio::spawn(blocking_calls(stop));

    let mut summary = Summary {
        spawned: storms.await.unwrap(),
        queued: pipeline.await.unwrap(),
        echoes: echoes.await.unwrap().expect("the echo load failed"),
        blocking_calls: blocking.await.unwrap(),
    };
    for sleeper in sleepers {
        sleeper.await.unwrap();
    }
    summary.spawned += 100;
    summary
}

/// Bursts of 2 000 small tasks spawned from one task: the other workers steal them.
async fn spawn_storms(stop: Arc<AtomicBool>) -> u64 {
    let mut spawned = 0;
    while !stop.load(Relaxed) {
        let tasks: Vec<_> = (0..2_000u64)
            .map(|i| {
                corio::spawn(async move { std::hint::black_box((0..100).fold(i, |a, b| a ^ b)) })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        spawned += 2_000;
        corio::sleep(Duration::from_millis(20)).await;
    }
    spawned
}

/// One producer, two consumers, through a bounded queue.
async fn pipeline(stop: Arc<AtomicBool>) -> u64 {
    let queue = Arc::new(Queue::bounded(64));
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let queue = queue.clone();
            corio::spawn(async move {
                let mut got = 0u64;
                while queue.get().await.is_ok() {
                    got += 1;
                }
                got
            })
        })
        .collect();
    let mut sent = 0u64;
    while !stop.load(Relaxed) {
        for _ in 0..500 {
            queue.put(sent).await.expect("the queue is open");
            sent += 1;
        }
        corio::sleep(Duration::from_millis(5)).await;
    }
    // Consumers drain what is left, then see the shutdown.
    queue.shutdown(false);
    let mut got = 0;
    for consumer in consumers {
        got += consumer.await.unwrap();
    }
    assert_eq!(got, sent, "every item put was got");
    got
}

async fn sleeper(stop: Arc<AtomicBool>, period: Duration) {
    while !stop.load(Relaxed) {
        corio::sleep(period).await;
    }
}

/// An echo server and four clients sending lines.
async fn echo_load(stop: Arc<AtomicBool>) -> std::io::Result<u64> {
    async fn echo(mut reader: StreamReader, writer: StreamWriter) {
        while let Ok(line) = reader.readline().await {
            if line.is_empty() {
                break;
            }
            writer.write(&line);
            if writer.drain().await.is_err() {
                break;
            }
        }
        writer.close();
    }
    let server = start_server(echo, "127.0.0.1:0").await?;
    let addr = server.local_addr();
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            corio::spawn(async move {
                let (mut reader, writer) = open_connection(addr).await?;
                let mut echoes = 0u64;
                while !stop.load(Relaxed) {
                    writer.write(b"hello, metrics\n");
                    writer.drain().await?;
                    let line = reader.readline().await?;
                    assert_eq!(line, b"hello, metrics\n");
                    echoes += 1;
                    if echoes % 100 == 0 {
                        corio::sleep(Duration::from_millis(1)).await;
                    }
                }
                writer.close();
                writer.wait_closed().await?;
                Ok::<u64, std::io::Error>(echoes)
            })
        })
        .collect();
    let mut echoes = 0;
    for client in clients {
        echoes += client.await.unwrap()?;
    }
    server.close();
    server.wait_closed().await;
    Ok(echoes)
}

/// A blocking call every 100 ms, each holding a pool thread for 30 ms.
async fn blocking_calls(stop: Arc<AtomicBool>) -> u64 {
    let mut calls = 0;
    while !stop.load(Relaxed) {
        corio::spawn_blocking(|| std::thread::sleep(Duration::from_millis(30)))
            .await
            .unwrap();
        calls += 1;
        corio::sleep(Duration::from_millis(70)).await;
    }
    calls
}
