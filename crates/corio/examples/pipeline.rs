//! Coroutine chaining: fetch (2 s) -> process (1 s) -> save (1 s). Each step
//! awaits the one before, so the flow is sequential even though every step is
//! asynchronous: about 4 s (tutorial 000, section 5.5, line 331). The same
//! shape as the seed's `process_user` fragment (001 line 80), whose helpers
//! the seed never defines.
//!
//! `cargo run --release --example pipeline`
//!
//! asyncio:
//!
//! ```python
//! async def fetch_data():
//!     print("Fetching data...")
//!     await asyncio.sleep(2)
//!     return "Raw data"
//!
//! async def process_data(data):
//!     print("Processing data...")
//!     await asyncio.sleep(1)
//!     return f"Processed {data}"
//!
//! async def save_data(data):
//!     print("Saving data...")
//!     await asyncio.sleep(1)
//!     print(f"Saved: {data}")
//!
//! async def main():
//!     raw_data = await fetch_data()
//!     processed_data = await process_data(raw_data)
//!     await save_data(processed_data)
//! ```
//!
//! While one pipeline waits, the runtime is free: the last part runs three
//! pipelines at once, and they take the 4 s of one.

use std::time::{Duration, Instant};

async fn fetch_data() -> String {
    println!("Fetching data...");
    corio::sleep(Duration::from_secs(2)).await;
    "Raw data".to_string()
}

async fn process_data(data: String) -> String {
    println!("Processing data...");
    corio::sleep(Duration::from_secs(1)).await;
    format!("Processed {data}")
}

async fn save_data(data: String) {
    println!("Saving data...");
    corio::sleep(Duration::from_secs(1)).await;
    println!("Saved: {data}");
}

/// `async def main()`: each step's output is the next step's input.
async fn pipeline() {
    let raw_data = fetch_data().await;
    let processed_data = process_data(raw_data).await;
    save_data(processed_data).await;
}

// One worker: asyncio's single loop, so lines printed at the same moment keep their order.
#[corio::main(worker_threads = 1)]
async fn main() {
    let start = Instant::now();
    pipeline().await;
    println!("(one pipeline: {:.1} s)\n", start.elapsed().as_secs_f64());

    let start = Instant::now();
    corio::gather((0..3).map(|_| pipeline())).await;
    println!(
        "(three pipelines at once: {:.1} s)",
        start.elapsed().as_secs_f64()
    );
}
