//! Breakfast: toast takes 2 minutes, coffee 3, eggs 7. One after the other
//! that is 12 minutes; started together, breakfast is ready when the eggs
//! are, after about 7 (tutorial 000, section 1, lines 8-12).
//!
//! `cargo run --release --example breakfast`
//!
//! The seed tells this story in prose, without code; in asyncio it reads:
//!
//! ```python
//! async def make(item, minutes):
//!     print(f"start {item}")
//!     await asyncio.sleep(minutes)
//!     print(f"{item} ready after {minutes} minutes")
//!
//! async def main():
//!     for item, m in [("toast", 2), ("coffee", 3), ("eggs", 7)]:
//!         await make(item, m)            # synchronously: 12 minutes
//!     await asyncio.gather(make("toast", 2), make("coffee", 3), make("eggs", 7))  # about 7
//! ```
//!
//! One minute of the story is one second here (about 19 s in all).

use std::time::{Duration, Instant};

/// One minute of the story.
const MINUTE: Duration = Duration::from_secs(1);

const BREAKFAST: [(&str, u32); 3] = [("toast", 2), ("coffee", 3), ("eggs", 7)];

/// Makes one item; the wait is an `await`, so the cook is free meanwhile.
async fn make(item: &'static str, minutes: u32, start: Instant) {
    println!("[{:>4.1}] start {item}", minutes_since(start));
    corio::sleep(MINUTE * minutes).await;
    println!(
        "[{:>4.1}] {item} ready after {minutes} minutes",
        minutes_since(start)
    );
}

fn minutes_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() / MINUTE.as_secs_f64()
}

// One worker: asyncio's single loop, so lines printed at the same moment keep the seed's order.
#[corio::main(worker_threads = 1)]
async fn main() {
    println!("Synchronously: one thing after another");
    let start = Instant::now();
    for (item, minutes) in BREAKFAST {
        make(item, minutes, start).await; // asyncio: await make(item, m)
    }
    let synchronous = minutes_since(start);
    println!("breakfast ready after {synchronous:.1} minutes\n");

    println!("Asynchronously: toast, coffee and eggs at once");
    let start = Instant::now();
    // asyncio: await asyncio.gather(make("toast", 2), make("coffee", 3), make("eggs", 7))
    corio::gather(BREAKFAST.map(|(item, minutes)| make(item, minutes, start))).await;
    let asynchronous = minutes_since(start);
    println!("breakfast ready after {asynchronous:.1} minutes (the eggs), not {synchronous:.0}");
}
