//! Hello, world: the seeds' first coroutine. "Hello", one second of
//! `asyncio.sleep`, "World" (tutorial 000, sections 3.1-3.2, line 50; the same
//! program in tutorial 004 line 10), then its two siblings: "Hello, Async!"
//! (tutorial 002 line 33) and "Starting async operations" / "Finished"
//! (tutorial 001 line 113).
//!
//! `cargo run --release --example hello_world`
//!
//! asyncio:
//!
//! ```python
//! async def hello_world():
//!     print("Hello")
//!     await asyncio.sleep(1)
//!     print("World")
//!
//! asyncio.run(hello_world())
//! ```
//!
//! Each seed program calls `asyncio.run` once; so does each part here, with
//! `corio::run` (a fresh runtime every time). About 2 s in all.

use std::time::{Duration, Instant};

/// `async def hello_world()`: a coroutine is an `async fn`.
async fn hello_world() {
    println!("Hello");
    // asyncio: await asyncio.sleep(1) -- only this task waits, the thread does not block
    corio::sleep(Duration::from_secs(1)).await;
    println!("World");
}

/// Tutorial 002, line 33: `async def main(): print("Hello, Async!")`.
async fn hello_async() {
    println!("Hello, Async!");
}

/// Tutorial 001, line 113.
async fn starting_and_finished() {
    println!("Starting async operations");
    corio::sleep(Duration::from_secs(1)).await;
    println!("Finished");
}

fn main() {
    let start = Instant::now();
    // asyncio: asyncio.run(hello_world())
    corio::run(hello_world());
    println!(
        "(World came {:.1} s after Hello)\n",
        start.elapsed().as_secs_f64()
    );

    corio::run(hello_async());
    println!();

    corio::run(starting_and_finished());
}
