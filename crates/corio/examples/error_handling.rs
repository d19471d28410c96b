//! Errors in async code, with errors as values: the first failure of a
//! gather propagates and the still-running sibling is cancelled (tutorial
//! 001, line 380), try/except around one await (001 line 1166), and a wrapper
//! that turns each failure into a value so a gather never fails (001 line 1189).
//!
//! `cargo run --release --example error_handling`
//!
//! asyncio (tutorial 001, line 380):
//!
//! ```python
//! async def failing_task():
//!     await asyncio.sleep(1)
//!     raise ValueError("Task failed!")
//!
//! async def successful_task():
//!     await asyncio.sleep(2)
//!     return "success"
//!
//! async def main():
//!     try:
//!         results = await asyncio.gather(failing_task(), successful_task())
//!     except ValueError as e:
//!         print(f"Error caught: {e}")
//!         # The successful_task is cancelled
//! ```
//!
//! Python's `ValueError` is an `Err` here. `try_gather` is the gather whose
//! first `Err` propagates; it cancels the siblings still running, which is
//! what the seed's comment says (asyncio's own gather would let
//! `successful_task` run on). For every outcome in place, see gather_settled.rs.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

type Job = Pin<Box<dyn Future<Output = Result<&'static str, String>> + Send>>;

/// Prints when its future is dropped unfinished: a cancellation made visible.
struct SaysIfCancelled(&'static str, bool);

impl Drop for SaysIfCancelled {
    fn drop(&mut self) {
        if !self.1 {
            println!("({} was cancelled)", self.0);
        }
    }
}

async fn failing_task() -> Result<&'static str, String> {
    corio::sleep(Duration::from_secs(1)).await;
    Err("Task failed!".to_string()) // asyncio: raise ValueError("Task failed!")
}

async fn successful_task() -> Result<&'static str, String> {
    let mut guard = SaysIfCancelled("successful_task", false);
    corio::sleep(Duration::from_secs(2)).await;
    guard.1 = true;
    Ok("success")
}

/// An operation that might fail.
async fn risky_operation(item_id: u32) -> Result<String, String> {
    corio::sleep(Duration::from_secs(1)).await;
    if item_id % 2 == 0 {
        return Err(format!("Item {item_id} caused an error"));
    }
    Ok(format!("Item {item_id} processed"))
}

/// Wrapper that catches errors from `risky_operation`: `{"success": ..., ...}`.
async fn safe_operation(item_id: u32) -> (u32, Result<String, String>) {
    (item_id, risky_operation(item_id).await)
}

#[corio::main]
async fn main() {
    let start = Instant::now();
    let jobs: [Job; 2] = [Box::pin(failing_task()), Box::pin(successful_task())];
    // asyncio: try: await asyncio.gather(...) except ValueError as e:
    match corio::try_gather(jobs).await {
        Ok(results) => println!("{results:?}"),
        Err(e) => println!("Error caught: {e}"),
    }
    println!("(after {:.1} s)\n", start.elapsed().as_secs_f64());

    // Handle errors with try/except: result = await risky_operation(2)
    match risky_operation(2).await {
        Ok(result) => println!("{result}"),
        Err(e) => println!("Error caught: {e}"),
    }
    println!();

    // asyncio: results = await asyncio.gather(*[safe_operation(i) for i in range(5)])
    let results = corio::gather((0..5).map(safe_operation)).await;
    for (item_id, result) in results {
        match result {
            Ok(result) => println!("Success: {result}"),
            Err(error) => println!("Failed: Item {item_id} - {error}"),
        }
    }
}
