//! `asyncio.wait`: all of them, or just the first. Three tasks of 1, 2 and
//! 3 s waited for with ALL_COMPLETED (tutorial 001, line 445); then Fast (1 s),
//! Slow (3 s) and Medium (2 s) with FIRST_COMPLETED: it returns after 1 s with
//! one task done and two still running, which are then cancelled (001 line 471).
//!
//! `cargo run --release --example wait_first_completed`
//!
//! asyncio (tutorial 001, line 471):
//!
//! ```python
//! async def task(delay, name):
//!     await asyncio.sleep(delay)
//!     return f"{name} completed"
//!
//! async def main():
//!     tasks = [asyncio.create_task(task(1, "Fast")),
//!              asyncio.create_task(task(3, "Slow")),
//!              asyncio.create_task(task(2, "Medium"))]
//!     done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
//!     print(f"First completed: {done.pop().result()}")
//!     print(f"Still pending: {len(pending)} tasks")
//!     for task in pending:
//!         task.cancel()
//! ```
//!
//! The difference: `done` and `pending` are `Vec`s in input order, not sets;
//! `wait` itself never cancels anything.

use std::time::{Duration, Instant};

use corio::ReturnWhen;

async fn task(delay: u64, name: &'static str) -> String {
    corio::sleep(Duration::from_secs(delay)).await;
    format!("{name} completed")
}

#[corio::main]
async fn main() {
    let tasks = vec![
        corio::spawn(task(1, "Task 1")),
        corio::spawn(task(2, "Task 2")),
        corio::spawn(task(3, "Task 3")),
    ];
    // Wait for all tasks to complete. asyncio: return_when=asyncio.ALL_COMPLETED
    let (done, _pending) = corio::wait(tasks, ReturnWhen::AllCompleted, None)
        .await
        .expect("three tasks");
    for task in done {
        println!("{}", task.await.unwrap()); // finished: immediate, like task.result()
    }
    println!();

    let start = Instant::now();
    let tasks = vec![
        corio::spawn(task(1, "Fast")),
        corio::spawn(task(3, "Slow")),
        corio::spawn(task(2, "Medium")),
    ];
    // Return when the first task completes. asyncio: return_when=asyncio.FIRST_COMPLETED
    let (mut done, pending) = corio::wait(tasks, ReturnWhen::FirstCompleted, None)
        .await
        .expect("three tasks");
    let first = done.pop().expect("one is done").await.unwrap();
    println!("First completed: {first}");
    println!("Still pending: {} tasks", pending.len());
    // Cancel remaining tasks
    for task in &pending {
        task.cancel();
    }
    for task in pending {
        let outcome = task.await;
        assert!(outcome.is_err_and(|e| e.is_cancelled()));
    }
    println!(
        "(returned after {:.1} s; the other two cancelled)",
        start.elapsed().as_secs_f64()
    );
}
