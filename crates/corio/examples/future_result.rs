//! A Future set by another task: `loop.create_future()` awaited by `main`
//! while a task sets its result after 1 s (tutorial 001, line 234). corio's
//! one-shot channel is that future: the receiver is awaited, the sender sets
//! the value once.
//!
//! `cargo run --release --example future_result`
//!
//! asyncio:
//!
//! ```python
//! async def set_future_result(future):
//!     await asyncio.sleep(1)
//!     future.set_result("Future completed")
//!
//! async def main():
//!     loop = asyncio.get_event_loop()
//!     future = loop.create_future()
//!     asyncio.create_task(set_future_result(future))
//!     result = await future
//!     print(result)
//! ```
//!
//! The difference: asyncio's Future is one object; here its two ends are
//! separate values, so only the task holding the sender can set the result,
//! and if it is dropped without setting it the waiter gets an error instead
//! of waiting forever.

use std::time::{Duration, Instant};

use corio::sync::oneshot;

async fn set_future_result(future: oneshot::Sender<&'static str>) {
    corio::sleep(Duration::from_secs(1)).await;
    // asyncio: future.set_result("Future completed")
    let _ = future.send("Future completed");
}

#[corio::main]
async fn main() {
    let start = Instant::now();
    // asyncio: future = loop.create_future()
    let (setter, future) = oneshot::channel();
    // Schedule a coroutine to set the future's result
    corio::spawn(set_future_result(setter));
    // Wait for the future to get a result: result = await future
    let result = future.await.expect("the setter sets it");
    println!("{result}");
    println!("(after {:.1} s)", start.elapsed().as_secs_f64());
}
