//! The seeds' asynchronous timers (tutorial 000, section 4.5): three timers of
//! 2 s, 3 s and 1 s run together; the whole thing takes about 3 s and the
//! timers complete in the order C, A, B.
//!
//! ```text
//! cargo run --release --example timers
//! ```
//!
//! asyncio:
//!
//! ```python
//! async def timer(name, delay):
//!     print(f"Timer {name} started")
//!     await asyncio.sleep(delay)
//!     print(f"Timer {name} completed after {delay} seconds")
//!
//! async def main():
//!     await asyncio.gather(timer("A", 2), timer("B", 3), timer("C", 1))
//! ```

use std::time::{Duration, Instant};

async fn timer(name: &'static str, delay: u64) {
    println!("Timer {name} started");
    corio::sleep(Duration::from_secs(delay)).await;
    println!("Timer {name} completed after {delay} seconds");
}

// One worker: asyncio's single loop, so the "started" lines come out in
// exactly the seed's order. With more workers the timers start in parallel.
#[corio::main(worker_threads = 1)]
async fn main() {
    let start = Instant::now();
    // asyncio.gather(...): every timer runs as its own task.
    let timers = [
        corio::spawn(timer("A", 2)),
        corio::spawn(timer("B", 3)),
        corio::spawn(timer("C", 1)),
    ];
    for t in timers {
        t.await.expect("a timer cannot fail");
    }
    println!(
        "all timers done in {:.1} s (the longest timer, not the sum)",
        start.elapsed().as_secs_f64()
    );
}
