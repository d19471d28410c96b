//! The seeds' common pitfalls, in Rust. Calling an async function without
//! awaiting it only makes a coroutine object (tutorial 001 lines 63, 101 and
//! 1327); clean-up must survive cancellation (001 line 1355); `asyncio.run`
//! inside a running loop is an error (001 line 1371); and thousands of tasks
//! at once need a `Semaphore` (001 line 1383). Blocking the loop has its own
//! example, blocking_pitfall.rs.
//!
//! `cargo run --release --example pitfalls`
//!
//! asyncio (tutorial 001, line 1327):
//!
//! ```python
//! # WRONG: Coroutine is created but not executed
//! async def wrong():
//!     result = fetch_data()  # Missing await!
//!     print(result)  # Prints coroutine object, not the result
//!
//! # CORRECT: Await the coroutine
//! async def correct():
//!     result = await fetch_data()
//!     print(result)  # Prints actual result
//! ```
//!
//! The seeds leave `acquire_resource`, `long_operation` and `process_item`
//! undefined; here they sleep 100 ms, and 100 items stand in for the seed's
//! 10 000. Rust catches the first pitfall at compile time: an unused future
//! is a `must_use` warning, and printing one is a type error.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

async fn fetch_data() -> &'static str {
    println!("Fetching data...");
    corio::sleep(Duration::from_millis(100)).await;
    "data"
}

/// Clean-up in `Drop` runs on every path, cancellation included (`finally:`).
struct Resource;

impl Drop for Resource {
    fn drop(&mut self) {
        println!("resource released");
    }
}

async fn proper_cleanup() {
    let _resource = Resource; // resource = await acquire_resource()
    corio::sleep(Duration::from_secs(10)).await; // await long_operation(), cancelled below
}

/// How many `process_item`s run right now, and the most at once.
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static MOST: AtomicUsize = AtomicUsize::new(0);

async fn process_item(item: u32) -> u32 {
    MOST.fetch_max(RUNNING.fetch_add(1, SeqCst) + 1, SeqCst);
    corio::sleep(Duration::from_millis(100)).await;
    RUNNING.fetch_sub(1, SeqCst);
    item
}

/// WRONG: launches every task at once.
async fn unlimited_concurrency(items: Vec<u32>) -> Vec<u32> {
    corio::gather(items.into_iter().map(process_item)).await
}

/// CORRECT: a semaphore limits concurrency (max 10 at once).
async fn limited_concurrency(items: Vec<u32>) -> Vec<u32> {
    let semaphore = Arc::new(corio::Semaphore::new(10));
    corio::gather(items.into_iter().map(|item| {
        let semaphore = semaphore.clone();
        async move {
            let _permit = semaphore.acquire().await.expect("never closed"); // async with semaphore:
            process_item(item).await
        }
    }))
    .await
}

#[corio::main]
async fn main() {
    // WRONG: the future is created but not executed (nothing is printed by it)
    let result = fetch_data();
    println!("{}", std::any::type_name_of_val(&result)); // <class 'coroutine'>
    drop(result);
    // CORRECT: await it
    let result = fetch_data().await;
    println!("{result}\n");

    let task = corio::spawn(proper_cleanup());
    corio::sleep(Duration::from_millis(100)).await;
    task.cancel(); // the future is dropped at its await point: Drop runs
    println!(
        "cancelled: {}\n",
        task.await.is_err_and(|e| e.is_cancelled())
    );

    std::panic::set_hook(Box::new(|_| {})); // the error is printed below
    // WRONG: asyncio.run() inside async code
    let nested = corio::spawn(async { corio::run(async { 1 }) }).await;
    let _ = std::panic::take_hook();
    println!("{}\n", nested.unwrap_err());

    unlimited_concurrency((0..100).collect()).await;
    println!(
        "100 items, no limit: at most {} at once",
        MOST.swap(0, SeqCst)
    );
    limited_concurrency((0..100).collect()).await;
    println!(
        "100 items, Semaphore(10): at most {} at once",
        MOST.swap(0, SeqCst)
    );
}
