//! `gather(..., return_exceptions=True)`: every outcome in its place,
//! failures included, nothing cancelled. The seeds' two programs: a failing
//! task (1 s) beside a successful one (2 s) (tutorial 001, line 402), and
//! `risky_operation` over 0..5 where the even items fail (001 line 1211).
//!
//! `cargo run --release --example gather_settled`
//!
//! asyncio (tutorial 001, line 1211):
//!
//! ```python
//! async def risky_operation(item_id):
//!     await asyncio.sleep(1)
//!     if item_id % 2 == 0:
//!         raise ValueError(f"Item {item_id} caused an error")
//!     return f"Item {item_id} processed"
//!
//! async def main():
//!     tasks = [risky_operation(i) for i in range(5)]
//!     results = await asyncio.gather(*tasks, return_exceptions=True)
//!     for i, result in enumerate(results):
//!         if isinstance(result, Exception):
//!             print(f"Task {i} failed: {result}")
//!         else:
//!             print(f"Task {i} succeeded: {result}")
//! ```
//!
//! An exception that escapes a coroutine is a panic in Rust: `gather_settled`
//! catches each one as `TaskError::Panicked` in its place. (Failures that
//! are `Err` values need no catching: plain `gather` already returns every
//! `Result` in place; see error_handling.rs.)

use std::time::{Duration, Instant};

use corio::TaskError;

type BoxedJob = std::pin::Pin<Box<dyn Future<Output = &'static str> + Send>>;

async fn failing_task() -> &'static str {
    corio::sleep(Duration::from_secs(1)).await;
    panic!("Task failed!"); // asyncio: raise ValueError("Task failed!")
}

async fn successful_task() -> &'static str {
    corio::sleep(Duration::from_secs(2)).await;
    "success"
}

async fn risky_operation(item_id: u32) -> String {
    corio::sleep(Duration::from_secs(1)).await;
    if item_id % 2 == 0 {
        panic!("Item {item_id} caused an error");
    }
    format!("Item {item_id} processed")
}

/// `str(exception)`: the panic's message.
fn message(error: TaskError) -> String {
    match error.try_into_panic() {
        Ok(payload) => match payload.downcast::<String>() {
            Ok(text) => *text,
            Err(payload) => payload
                .downcast::<&str>()
                .map_or("?".into(), |s| s.to_string()),
        },
        Err(cancelled) => cancelled.to_string(),
    }
}

fn report<T: std::fmt::Display>(results: Vec<Result<T, TaskError>>) {
    for (i, result) in results.into_iter().enumerate() {
        match result {
            Err(error) => println!("Task {i} failed: {}", message(error)),
            Ok(value) => println!("Task {i} succeeded: {value}"),
        }
    }
}

#[corio::main]
async fn main() {
    // The failures are reported below; keep the default hook's backtrace lines out.
    std::panic::set_hook(Box::new(|_| {}));

    let start = Instant::now();
    // asyncio: await asyncio.gather(failing_task(), successful_task(), return_exceptions=True)
    // (two different coroutines in one list: box them, as Python's list does)
    let tasks: [BoxedJob; 2] = [Box::pin(failing_task()), Box::pin(successful_task())];
    let results = corio::gather_settled(tasks).await;
    report(results);
    println!(
        "({:.1} s: the success was not cancelled)\n",
        start.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    // asyncio: await asyncio.gather(*tasks, return_exceptions=True)
    let results = corio::gather_settled((0..5).map(risky_operation)).await;
    report(results);
    println!("({:.1} s)", start.elapsed().as_secs_f64());
}
