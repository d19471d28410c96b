//! A web scraper fed by a URL queue, with a visited set: the Rust twin of the
//! seed's "Real example: a web scraper with a URL queue" (the start URLs are
//! queued, 3 consumers fetch them, skip URLs already visited, `await
//! queue.join()`, cancel the consumers, print how many unique URLs were scraped).
//!
//! `cargo run --release --example url_scraper`
//!
//! As in the seed, a fetch is simulated by a 1 s sleep, and no links are found.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corio::Queue;

/// `async def fetch_url(session, url)`: simulates fetching a URL.
async fn fetch_url(url: &str) -> String {
    corio::sleep(Duration::from_secs(1)).await;
    format!("Content from {url}")
}

/// In a real scraper you would parse the HTML and extract links; the seed finds none.
fn extract_links(_content: &str) -> Vec<String> {
    Vec::new()
}

/// `async def producer(queue, start_urls)`: adds URLs to the queue.
async fn producer(queue: &Queue<String>, start_urls: &[&str]) {
    for url in start_urls {
        queue.put(url.to_string()).await.expect("never shut down");
    }
}

/// `async def consumer(queue, visited)`: fetches URLs from the queue until cancelled.
async fn consumer(queue: Queue<String>, visited: Arc<Mutex<HashSet<String>>>) {
    loop {
        let url = queue.get().await.expect("never shut down");

        // if url in visited: queue.task_done(); continue / visited.add(url)
        // (one `insert` checks and adds at once, as the single-threaded seed does)
        if !visited.lock().unwrap().insert(url.clone()) {
            queue.task_done().expect("one task_done per get");
            continue;
        }
        println!("Scraping: {url}");

        // Simulate fetching: content = await fetch_url(None, url)
        let content = fetch_url(&url).await;

        // Simulate finding new URLs in the content
        for new_url in extract_links(&content) {
            if !visited.lock().unwrap().contains(&new_url) {
                queue.put(new_url).await.expect("never shut down");
            }
        }

        queue.task_done().expect("one task_done per get");
    }
}

fn main() {
    // asyncio.run(main()) on one worker thread, like asyncio's single event
    // loop, so lines printed at the same instant keep asyncio's order
    // (`corio::run(...)` runs the same code on every core).
    let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
    runtime.block_on(async {
        // queue = asyncio.Queue(); visited = set()
        let queue = Queue::new();
        let visited = Arc::new(Mutex::new(HashSet::new()));

        let start_urls = [
            "https://example.com/page1",
            "https://example.com/page2",
            "https://example.com/page3",
        ];

        // Add initial URLs: await producer(queue, start_urls)
        producer(&queue, &start_urls).await;

        // Create consumers: [asyncio.create_task(consumer(queue, visited)) for _ in range(3)]
        let consumers: Vec<_> = (0..3)
            .map(|_| corio::spawn(consumer(queue.clone(), visited.clone())))
            .collect();

        // Wait for all URLs to be processed: await queue.join()
        queue.join().await;

        // Cancel consumers
        for task in &consumers {
            task.cancel();
        }

        println!("Scraped {} unique URLs", visited.lock().unwrap().len());
    });
}
