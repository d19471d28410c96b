//! Synchronous versus asynchronous requests, measured: the seed's benchmark
//! of 5 requests to `httpbin.org/delay/1` (tutorial 001, line 1260), then its
//! table for 5, 10, 20, 50 and 100 requests (001 line 1314), printed beside
//! the seed's own figures. The same tutorial's prose makes the point with
//! calls of 2 s: 100 take 200 s one by one and about 2 s at once (lines 7
//! and 32); the table measures it.
//!
//! `cargo run --release --example sync_vs_async` (about 19 s), or
//! `cargo run --release --example sync_vs_async -- 1000` for the seed's full 1 s
//! per request (about 3 minutes).
//!
//! asyncio:
//!
//! ```python
//! def fetch_sync(url):                      # requests: blocks the thread
//!     response = requests.get(url)
//!     return len(response.text)
//!
//! async def fetch_async(session, url):      # aiohttp: awaits
//!     async with session.get(url) as response:
//!         text = await response.text()
//!         return len(text)
//!
//! async def benchmark_async(urls):
//!     tasks = [fetch_async(session, url) for url in urls]
//!     results = await asyncio.gather(*tasks)
//! ```
//!
//! The network is simulated: each request waits a fixed latency (100 ms by
//! default, a tenth of the seed's 1 s, so the 185 synchronous requests take
//! 18.5 s rather than 3 minutes) and returns a 300-byte body. The synchronous
//! side blocks its thread, as `requests.get` does; the asynchronous side
//! awaits a timer, as aiohttp awaits its socket. The speedups compare directly
//! with the seed's; the seed's asynchronous times grow with the count because
//! its requests cross a real network, ours only wait.

use std::time::{Duration, Instant};

const BODY: usize = 300;

/// `requests.get(url)`: the calling thread waits for the whole latency.
fn fetch_sync(latency: Duration) -> usize {
    std::thread::sleep(latency);
    BODY
}

/// `session.get(url)`: only this task waits.
async fn fetch_async(latency: Duration) -> usize {
    corio::sleep(latency).await;
    BODY
}

fn benchmark_sync(n: usize, latency: Duration) -> f64 {
    let start = Instant::now();
    let results: Vec<usize> = (0..n).map(|_| fetch_sync(latency)).collect();
    assert_eq!(results.len(), n);
    start.elapsed().as_secs_f64()
}

fn benchmark_async(n: usize, latency: Duration) -> f64 {
    // asyncio: asyncio.run(benchmark_async(urls))
    corio::run(async move {
        let start = Instant::now();
        // asyncio: results = await asyncio.gather(*tasks)
        let results = corio::gather((0..n).map(|_| fetch_async(latency))).await;
        assert_eq!(results.len(), n);
        start.elapsed().as_secs_f64()
    })
}

/// The seed's table: URLs, synchronous s, asynchronous s, speedup.
const SEED: [(usize, f64, f64, f64); 5] = [
    (5, 5.2, 1.1, 4.7),
    (10, 10.4, 1.2, 8.7),
    (20, 20.8, 1.4, 14.9),
    (50, 52.1, 2.1, 24.8),
    (100, 104.5, 3.8, 27.5),
];

fn main() {
    let ms: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let latency = Duration::from_millis(ms);
    println!("each simulated request takes {ms} ms (the seed's httpbin.org/delay/1: 1000 ms)\n");

    println!("Benchmarking synchronous approach...");
    let sync_time = benchmark_sync(5, latency);
    println!("Synchronous: {sync_time:.2} seconds");
    println!("\nBenchmarking asynchronous approach...");
    let async_time = benchmark_async(5, latency);
    println!("Asynchronous: {async_time:.2} seconds");
    println!("\nSpeedup: {:.2}x\n", sync_time / async_time);

    println!(
        "{:>5} | {:>9} {:>9} {:>8} | {:>10} {:>10} {:>12}",
        "URLs", "sync", "async", "speedup", "seed sync", "seed async", "seed speedup"
    );
    for (n, seed_sync, seed_async, seed_speedup) in SEED {
        let sync_time = benchmark_sync(n, latency);
        let async_time = benchmark_async(n, latency);
        println!(
            "{n:>5} | {sync_time:>8.2}s {async_time:>8.3}s {:>7.1}x | {seed_sync:>9.1}s {seed_async:>9.1}s {seed_speedup:>11.1}x",
            sync_time / async_time
        );
    }
    println!("\nsync grows with the count; async stays at about one request's latency ({ms} ms)");
}
