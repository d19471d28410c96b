//! At most 5 requests per 2 seconds: the Rust twin of the seed's "Rate limiting
//! to respect API quotas" (`class RateLimiter` combines `asyncio.Semaphore(5)`
//! with a sliding window of request times; 15 requests of 0.5 s are gathered
//! and go out in batches of 5 at 0 s, 2 s and 4 s).
//!
//! `cargo run --release --example rate_limiter`
//!
//! The seed prints `datetime.now()`; this prints the offset from the start.

use std::sync::Arc;
use std::time::{Duration, Instant};

use corio::Semaphore;
use corio::sync::SemaphorePermit;

/// `class RateLimiter`: allows N requests per time period.
struct RateLimiter {
    /// `self.semaphore = asyncio.Semaphore(max_requests)`
    semaphore: Semaphore,
    /// `self.request_times` and the `while len(...) >= max_requests` loop.
    window: corio::limit::RateLimiter,
}

impl RateLimiter {
    fn new(max_requests: usize, time_period: Duration) -> RateLimiter {
        RateLimiter {
            semaphore: Semaphore::new(max_requests),
            window: corio::limit::RateLimiter::new(max_requests, time_period),
        }
    }

    /// `__aenter__`; the returned permit is `__aexit__` (it releases on drop).
    async fn acquire(&self) -> SemaphorePermit<'_> {
        // await self.semaphore.acquire()
        let permit = self.semaphore.acquire().await.expect("never closed");
        // Wait if we've hit the rate limit, then record this request's time
        self.window.acquire().await;
        permit
    }
}

/// `async def fetch_with_rate_limit(rate_limiter, item_id)`
async fn fetch_with_rate_limit(
    rate_limiter: Arc<RateLimiter>,
    item_id: u32,
    start: Instant,
) -> String {
    // async with rate_limiter:
    let _permit = rate_limiter.acquire().await;
    let at = start.elapsed().as_secs_f64();
    println!("Fetching item {item_id} at +{at:.2} s");
    corio::sleep(Duration::from_millis(500)).await;
    format!("Item {item_id}")
}

fn main() {
    // asyncio.run(main()) on one worker thread, like asyncio's single event
    // loop, so lines printed at the same instant keep asyncio's order
    // (`corio::run(...)` runs the same code on every core).
    let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
    runtime.block_on(async {
        // Allow 5 requests per 2 seconds
        let rate_limiter = Arc::new(RateLimiter::new(5, Duration::from_secs(2)));
        let start = Instant::now();

        // Make 15 requests: results = await asyncio.gather(*tasks)
        let tasks: Vec<_> = (0..15)
            .map(|i| corio::spawn(fetch_with_rate_limit(rate_limiter.clone(), i, start)))
            .collect();
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(task.await.expect("a fetch cannot fail"));
        }

        println!("Completed {} requests", results.len());
    });
}
