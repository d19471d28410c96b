//! Three downloads of 2 s: awaited one by one they take about 6 s; started as
//! tasks with `create_task` and then awaited, about 2 s (tutorial 001, line 265).
//!
//! `cargo run --release --example downloads`
//!
//! asyncio:
//!
//! ```python
//! async def download_file(file_id):
//!     print(f"Starting download {file_id}")
//!     await asyncio.sleep(2)  # Simulate download time
//!     print(f"Completed download {file_id}")
//!     return f"file_{file_id}.dat"
//!
//! async def sequential_downloads():
//!     file1 = await download_file(1)
//!     file2 = await download_file(2)
//!     file3 = await download_file(3)
//!     print(f"Sequential: {elapsed:.2f} seconds")   # ~6 seconds
//!
//! async def concurrent_downloads():
//!     task1 = asyncio.create_task(download_file(1))
//!     task2 = asyncio.create_task(download_file(2))
//!     task3 = asyncio.create_task(download_file(3))
//!     file1 = await task1
//!     file2 = await task2
//!     file3 = await task3
//!     print(f"Concurrent: {elapsed:.2f} seconds")   # ~2 seconds
//!
//! asyncio.run(concurrent_downloads())
//! ```
//!
//! The seed defines both and runs only the concurrent one (the comments give
//! the sequential timing); this runs both. The download is simulated by a
//! 2 s sleep, as in the seed. Its `process_data` fragment (line 305: start
//! tasks, do local work, then await them) is the concurrent half.

use std::time::{Duration, Instant};

async fn download_file(file_id: u32) -> String {
    println!("Starting download {file_id}");
    corio::sleep(Duration::from_secs(2)).await; // Simulate download time
    println!("Completed download {file_id}");
    format!("file_{file_id}.dat")
}

async fn sequential_downloads() {
    let start = Instant::now();
    let _file1 = download_file(1).await;
    let _file2 = download_file(2).await;
    let _file3 = download_file(3).await;
    println!("Sequential: {:.2} seconds", start.elapsed().as_secs_f64());
}

async fn concurrent_downloads() {
    let start = Instant::now();
    // Create tasks for concurrent execution. asyncio: asyncio.create_task(download_file(1))
    let task1 = corio::spawn(download_file(1));
    let task2 = corio::spawn(download_file(2));
    let task3 = corio::spawn(download_file(3));
    // Wait for all tasks to complete. asyncio: file1 = await task1
    let _file1 = task1.await.unwrap();
    let _file2 = task2.await.unwrap();
    let _file3 = task3.await.unwrap();
    println!("Concurrent: {:.2} seconds", start.elapsed().as_secs_f64());
}

// One worker: asyncio's single loop, so the lines keep the seed's order.
#[corio::main(worker_threads = 1)]
async fn main() {
    sequential_downloads().await;
    println!();
    concurrent_downloads().await;
}
