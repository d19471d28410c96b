//! Ten API calls, at most three at a time: the Rust twin of the seed's
//! "Semaphores for rate limiting" example (`asyncio.Semaphore(3)`, 10 calls of
//! 1 s each gathered, about 4 s in all: batches of 3, 3, 3 and 1).
//!
//! `cargo run --release --example semaphore_api_calls`

use std::sync::Arc;
use std::time::{Duration, Instant};

use corio::Semaphore;

/// `async def call_api(semaphore, api_id)`: makes an API call with rate limiting.
async fn call_api(semaphore: Arc<Semaphore>, api_id: u32) -> String {
    // async with semaphore: (the permit is released when `_permit` drops)
    let _permit = semaphore.acquire().await.expect("never closed");
    println!("API call {api_id} started");
    corio::sleep(Duration::from_secs(1)).await; // Simulate API call
    println!("API call {api_id} completed");
    format!("Result {api_id}")
}

fn main() {
    // asyncio.run(main()) on one worker thread, like asyncio's single event
    // loop, so lines printed at the same instant keep asyncio's order
    // (`corio::run(...)` runs the same code on every core).
    let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
    runtime.block_on(async {
        // Allow only 3 concurrent API calls: semaphore = asyncio.Semaphore(3)
        let semaphore = Arc::new(Semaphore::new(3));

        // start = time.time()
        let start = Instant::now();

        // Create 10 API calls: results = await asyncio.gather(*tasks)
        let tasks: Vec<_> = (0..10)
            .map(|i| corio::spawn(call_api(semaphore.clone(), i)))
            .collect();
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(task.await.expect("an API call cannot fail"));
        }

        let elapsed = start.elapsed().as_secs_f64();
        println!(
            "\nCompleted {} API calls in {elapsed:.2} seconds",
            results.len()
        );
        // With semaphore(3): ~4 seconds (10 calls in batches of 3)
        // Without semaphore: ~1 second (all concurrent)
    });
}
