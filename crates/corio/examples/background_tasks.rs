//! `create_task`: a task starts running on its own, before anyone awaits it.
//! The seeds' four programs about it: Alice (2 s) and Bob (1 s) together in
//! about 2 s (tutorial 003 line 14), `say_after` First/Second (001 line 185),
//! background work with the seed's printed order (001 line 205), and a named
//! task (001 line 322).
//!
//! `cargo run --release --example background_tasks`
//!
//! asyncio (tutorial 001, line 205), and the output the seed shows:
//!
//! ```python
//! async def background_work():
//!     print("Starting background work")
//!     await asyncio.sleep(2)
//!     print("Background work completed")
//!
//! async def main():
//!     task = asyncio.create_task(background_work())
//!     print("Task created, doing other work")
//!     await asyncio.sleep(1)
//!     print("Other work done")
//!     await task
//! ```
//!
//! ```text
//! Task created, doing other work
//! Starting background work
//! Other work done
//! Background work completed
//! ```
//!
//! In asyncio `main` is itself a task on the one loop, so a new task starts
//! only when `main` reaches its next `await`. corio's `run` polls `main` on
//! the calling thread, in parallel with the workers; to keep the seed's exact
//! interleaving, each seed `main` here runs as a task on the single worker.
//! The seed's `long_running_operation()` is not defined; here it sleeps 1 s.

use std::time::{Duration, Instant};

/// Tutorial 003: `async def say_hello(name, delay)`
async fn say_hello(name: &'static str, delay: u64) -> String {
    println!("{name}: start");
    corio::sleep(Duration::from_secs(delay)).await; // waits `delay` seconds, asynchronously
    println!("{name}: end");
    format!("Hello, {name}!")
}

async fn alice_and_bob() {
    let start = Instant::now();
    // Start both at once. asyncio: task1 = asyncio.create_task(say_hello("Alice", 2))
    let task1 = corio::spawn(say_hello("Alice", 2));
    let task2 = corio::spawn(say_hello("Bob", 1));
    // Wait for them. asyncio: result1 = await task1
    let result1 = task1.await.unwrap();
    let result2 = task2.await.unwrap();
    println!("{result1}");
    println!("{result2}");
    println!("Total time: {:.2} s", start.elapsed().as_secs_f64());
}

/// Tutorial 001: `async def say_after(delay, message)`
async fn say_after(delay: u64, message: &'static str) -> &'static str {
    corio::sleep(Duration::from_secs(delay)).await;
    println!("{message}");
    message
}

async fn first_and_second() {
    let task1 = corio::spawn(say_after(1, "First"));
    let task2 = corio::spawn(say_after(2, "Second"));
    let (result1, result2) = (task1.await.unwrap(), task2.await.unwrap());
    println!("Results: {result1}, {result2}");
}

async fn background_work() {
    println!("Starting background work");
    corio::sleep(Duration::from_secs(2)).await;
    println!("Background work completed");
}

async fn background() {
    // The task is scheduled now; it runs as soon as this task awaits.
    let task = corio::spawn(background_work()); // asyncio: asyncio.create_task(...)
    println!("Task created, doing other work");
    corio::sleep(Duration::from_secs(1)).await;
    println!("Other work done");
    task.await.unwrap(); // asyncio: await task
}

async fn long_running_operation() {
    corio::sleep(Duration::from_secs(1)).await;
}

async fn named() {
    // asyncio: asyncio.create_task(long_running_operation(), name="long-operation-task")
    let task = corio::task::Builder::new()
        .name("long-operation-task")
        .spawn(long_running_operation());
    println!("Task name: {}", task.name().unwrap_or("?")); // asyncio: task.get_name()
    task.await.unwrap();
}

#[corio::main(worker_threads = 1)]
async fn main() {
    corio::spawn(alice_and_bob()).await.unwrap();
    println!();
    corio::spawn(first_and_second()).await.unwrap();
    println!();
    corio::spawn(background()).await.unwrap();
    println!();
    corio::spawn(named()).await.unwrap();
}
