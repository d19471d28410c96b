//! The blocking-call pitfall, caught by debug mode and fixed with `to_thread`.
//! Three `good_sleep`s gathered take about 1 s; three `bad_sleep`s, which
//! call the blocking `time.sleep`, take about 3 s (tutorial 000, section 5.1,
//! line 239). A blocking sleep also starves a neighbour task until it ends
//! (001 line 553). The fix: run the blocking call on a thread (001 lines 599
//! and 1339: `run_in_executor`, `to_thread`).
//!
//! `cargo run --release --example blocking_pitfall`
//!
//! asyncio (tutorial 000, line 239):
//!
//! ```python
//! async def good_sleep():
//!     await asyncio.sleep(1) # good: the async sleep
//! async def bad_sleep():
//!     time.sleep(1)          # bad: a synchronous sleep (blocks the event loop)
//!
//! async def main():
//!     await asyncio.gather(good_sleep(), good_sleep(), good_sleep())  # done in about 1 s
//!     await asyncio.gather(bad_sleep(), bad_sleep(), bad_sleep())     # about 3 s (inefficient)
//! ```
//!
//! The runtime is built as asyncio's debug mode would be (`debug(true)`, or
//! `CORIO_DEBUG=1`): a poll longer than 100 ms (asyncio's
//! `slow_callback_duration`) is reported with the task's name. One worker
//! thread plays asyncio's single loop; with more workers a blocking call
//! stalls only its own worker, and everything queued behind it.

use std::pin::Pin;
use std::time::{Duration, Instant};

async fn good_sleep() {
    corio::sleep(Duration::from_secs(1)).await; // good: only this task waits
}

async fn bad_sleep() {
    std::thread::sleep(Duration::from_secs(1)); // bad: blocks the worker thread
}

async fn fixed_sleep() {
    // asyncio: await asyncio.to_thread(time.sleep, 1)
    corio::to_thread(|| std::thread::sleep(Duration::from_secs(1))).await;
}

async fn blocking_example() {
    println!("Starting blocking sleep");
    std::thread::sleep(Duration::from_secs(2)); // WRONG: Blocks everything!
    println!("Finished blocking sleep");
}

async fn non_blocking_example() {
    println!("Starting non-blocking sleep");
    corio::sleep(Duration::from_secs(2)).await; // CORRECT: Only pauses this task
    println!("Finished non-blocking sleep");
}

async fn concurrent_task() {
    for i in 0..3 {
        println!("Concurrent task running: {i}");
        corio::sleep(Duration::from_millis(500)).await;
    }
}

/// Some blocking CPU work (the seed simulates it with `time.sleep(2)`).
fn cpu_intensive_task() -> &'static str {
    std::thread::sleep(Duration::from_secs(2));
    "CPU task completed"
}

/// A coroutine with the name its task gets (the name is what debug mode reports).
type Job = (String, Pin<Box<dyn Future<Output = ()> + Send>>);

fn job(name: impl Into<String>, future: impl Future<Output = ()> + Send + 'static) -> Job {
    (name.into(), Box::pin(future))
}

/// `await asyncio.gather(...)`, each coroutine as a named task.
async fn gather_named(jobs: impl IntoIterator<Item = Job>) {
    let start = Instant::now();
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|(name, future)| corio::task::Builder::new().name(name).spawn(future))
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    println!("-> {:.1} s", start.elapsed().as_secs_f64());
}

fn main() {
    let runtime = corio::Runtime::builder()
        .worker_threads(1)
        .debug(true) // asyncio.run(main(), debug=True)
        .slow_poll_threshold(Duration::from_millis(100))
        .on_slow_poll(|report| println!("  debug mode: {report}")) // default: stderr
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("3 x good_sleep gathered");
        gather_named((1..=3).map(|i| job(format!("good_sleep-{i}"), good_sleep()))).await;
        println!("3 x bad_sleep gathered");
        gather_named((1..=3).map(|i| job(format!("bad_sleep-{i}"), bad_sleep()))).await;
        println!("3 x bad_sleep fixed with to_thread, gathered");
        gather_named((1..=3).map(|i| job(format!("fixed_sleep-{i}"), fixed_sleep()))).await;

        println!("\n=== Blocking example (BAD) ===");
        gather_named([
            job("blocking_example", blocking_example()),
            job("concurrent_task", concurrent_task()),
        ])
        .await;

        println!("\n=== Non-blocking example (GOOD) ===");
        gather_named([
            job("non_blocking_example", non_blocking_example()),
            job("concurrent_task", concurrent_task()),
        ])
        .await;

        // asyncio: result = await loop.run_in_executor(None, cpu_intensive_task)
        let result = corio::spawn_blocking(cpu_intensive_task).await.unwrap();
        println!("\n{result}");
    });
}
