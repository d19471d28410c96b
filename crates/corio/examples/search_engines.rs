//! `as_completed`: handle each result the moment it arrives. Three URLs that
//! take 3, 1 and 2 s arrive as 2, 3, 1 (tutorial 001, line 497); then the
//! seed's three search engines, shown as soon as each answers: DuckDuckGo
//! (1.0 s), Google (1.5 s), Bing (2.0 s) (001 line 525).
//!
//! `cargo run --release --example search_engines`
//!
//! asyncio (tutorial 001, line 525):
//!
//! ```python
//! async def search_engine(query, engine_name, delay):
//!     await asyncio.sleep(delay)
//!     return f"{engine_name}: Results for '{query}'"
//!
//! async def main():
//!     query = "python asyncio"
//!     searches = [
//!         search_engine(query, "Google", 1.5),
//!         search_engine(query, "Bing", 2.0),
//!         search_engine(query, "DuckDuckGo", 1.0)]
//!     print("Searching...")
//!     for search in asyncio.as_completed(searches):
//!         result = await search
//!         print(result)  # Display each result as soon as it arrives
//! ```
//!
//! The searches are simulated by sleeps, as in the seed. `as_completed` takes
//! spawned tasks (asyncio wraps coroutines into tasks for you) and is a
//! `Stream`: `while let Some(..) = stream.next().await` is `for .. in`.

use std::time::{Duration, Instant};

async fn fetch_data(url_id: u32, delay: u64) -> String {
    corio::sleep(Duration::from_secs(delay)).await;
    format!("Data from URL {url_id}")
}

async fn search_engine(query: &'static str, engine_name: &'static str, delay: f64) -> String {
    corio::sleep(Duration::from_secs_f64(delay)).await;
    format!("{engine_name}: Results for '{query}'")
}

#[corio::main]
async fn main() {
    let tasks = [(1, 3), (2, 1), (3, 2)].map(|(id, delay)| corio::spawn(fetch_data(id, delay)));
    // Process results as they complete. asyncio: for coro in asyncio.as_completed(tasks)
    let mut completed = corio::as_completed(tasks);
    while let Some(result) = completed.next().await {
        println!("Received: {}", result.unwrap());
    }
    println!();

    let start = Instant::now();
    let query = "python asyncio";
    let searches = [("Google", 1.5), ("Bing", 2.0), ("DuckDuckGo", 1.0)]
        .map(|(engine, delay)| corio::spawn(search_engine(query, engine, delay)));
    println!("Searching...");
    let mut results = corio::as_completed(searches);
    while let Some(result) = results.next().await {
        // Display each result as soon as it arrives
        println!(
            "{}  (+{:.1} s)",
            result.unwrap(),
            start.elapsed().as_secs_f64()
        );
    }
}
