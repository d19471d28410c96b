//! A tour of corio: what runs today, each step printed with what it showed.
//!
//! `cargo run --release --example tour`

use std::time::{Duration, Instant};

fn main() {
    println!(
        "corio tour: {} worker threads\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let started = Instant::now();
    let summary = corio::run(async {
        let mut summary = Vec::new();
        summary.push(spawn_and_gather().await);
        summary.push(panic_becomes_an_error().await);
        summary.push(blocking_call_on_the_pool().await);
        summary.push(cancellation().await);
        summary
    });
    println!("\n{:<28} {:>10}  result", "step", "time");
    for (step, elapsed, result) in &summary {
        println!("{step:<28} {:>10}  {result}", format!("{:.1?}", elapsed));
    }
    println!("\ntour finished in {:.1?}", started.elapsed());
}

type Step = (&'static str, Duration, String);

/// asyncio: `results = [await t for t in [asyncio.create_task(work(i)) for i in range(N)]]`
async fn spawn_and_gather() -> Step {
    let start = Instant::now();
    let n = 100_000u64;
    let tasks: Vec<_> = (0..n).map(|i| corio::spawn(async move { i * 2 })).collect();
    let mut sum = 0;
    for task in tasks {
        sum += task.await.expect("a doubling task cannot fail");
    }
    assert_eq!(sum, n * (n - 1));
    println!("spawned {n} tasks on all workers and gathered their results: sum = {sum}");
    (
        "spawn + gather 100 000",
        start.elapsed(),
        format!("sum {sum}"),
    )
}

/// asyncio: an exception in a task comes back when the task is awaited.
async fn panic_becomes_an_error() -> Step {
    let start = Instant::now();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // the error below says it all
    let task = corio::task::Builder::new().name("flaky").spawn(async {
        if true {
            panic!("the flaky task failed");
        }
    });
    let error = task.await.unwrap_err();
    std::panic::set_hook(previous);
    println!("a panicking task became an error, and its worker lives on: {error}");
    let still_alive = corio::spawn(async { "yes" }).await.unwrap();
    (
        "panic caught as TaskError",
        start.elapsed(),
        format!("{error}; workers alive: {still_alive}"),
    )
}

/// asyncio: `await asyncio.to_thread(blocking_io)`.
async fn blocking_call_on_the_pool() -> Step {
    let start = Instant::now();
    let blocking = corio::to_thread(|| {
        std::thread::sleep(Duration::from_millis(200));
        std::thread::current().name().unwrap_or("?").to_string()
    });
    // Meanwhile the workers keep running tasks.
    let meanwhile: Vec<_> = (0..1000).map(|i| corio::spawn(async move { i })).collect();
    let mut done = 0;
    for task in meanwhile {
        task.await.unwrap();
        done += 1;
    }
    let thread = blocking.await;
    println!(
        "a 200 ms blocking call ran on thread '{thread}' while {done} tasks finished on the workers"
    );
    (
        "blocking call on the pool",
        start.elapsed(),
        format!("ran on {thread}; {done} tasks meanwhile"),
    )
}

/// asyncio: `task.cancel()`; awaiting it raises CancelledError.
async fn cancellation() -> Step {
    let start = Instant::now();
    let task = corio::task::Builder::new()
        .name("forever")
        .spawn(std::future::pending::<()>());
    task.cancel();
    let error = task.await.unwrap_err();
    println!("cancelled a task that waited forever: {error}");
    ("cancel a pending task", start.elapsed(), error.to_string())
}
