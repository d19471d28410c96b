//! Fetching web pages with aiohttp, simulated: three sites gathered and their
//! lengths printed (tutorial 000, section 4.1, line 128); one page's first 100
//! characters (002 line 97); one API page's length (001 line 965); and five
//! URLs gathered with `return_exceptions=True`, their statuses and lengths,
//! done in about 2 s, the slowest (001 line 983).
//!
//! `cargo run --release --example fetch_urls`
//!
//! asyncio (tutorial 000, line 128):
//!
//! ```python
//! async def fetch(session, url):
//!     async with session.get(url) as response:
//!         return await response.text()
//!
//! async def main():
//!     urls = ["https://www.example.com", "https://www.example.org", "https://www.example.net"]
//!     async with aiohttp.ClientSession() as session:
//!         tasks = [fetch(session, url) for url in urls]
//!         results = await asyncio.gather(*tasks)
//!         for url, result in zip(urls, results):
//!             print(f"Content length of {url}: {len(result)} characters")
//! ```
//!
//! SIMULATED: there is no network here. `get` waits 0.5 s (the seeds imply
//! no figure) or N s for httpbin's `/delay/N`, and answers with a made-up
//! page, status 404 for httpbin's `/status/404`. For real sockets see
//! web_scraper.rs, which serves and fetches pages over loopback.

use std::time::{Duration, Instant};

/// What `session.get(url)` gives back.
struct Response {
    status: u16,
    text: String,
}

/// `session.get(url)`, simulated.
async fn get(url: &str) -> Response {
    let delay = match url.rsplit_once("/delay/") {
        Some((_, seconds)) => Duration::from_secs(seconds.parse().unwrap_or(1)),
        None => Duration::from_millis(500),
    };
    corio::sleep(delay).await; // the round trip
    let status = if url.ends_with("/status/404") {
        404
    } else {
        200
    };
    let text = format!(
        "<!doctype html>\n<html>\n<head>\n    <title>{url}</title>\n</head>\n<body>\n{}</body>\n</html>\n",
        "    <p>This domain is for use in illustrative examples in documents.</p>\n"
            .repeat(url.len() % 7 + 3)
    );
    Response { status, text }
}

/// `async def fetch(session, url)`
async fn fetch(url: &'static str) -> String {
    get(url).await.text // async with session.get(url) as response: return await response.text()
}

#[corio::main]
async fn main() {
    let urls = [
        "https://www.example.com",
        "https://www.example.org",
        "https://www.example.net",
    ];
    // asyncio: results = await asyncio.gather(*[fetch(session, url) for url in urls])
    let results = corio::gather(urls.map(fetch)).await;
    for (url, result) in urls.iter().zip(results) {
        println!(
            "Content length of {url}: {} characters",
            result.chars().count()
        );
    }
    println!();

    // asyncio (002): data = await fetch_url(url); print(data[:100])
    let data = fetch("https://www.example.com").await;
    println!("{}\n", data.chars().take(100).collect::<String>());

    // asyncio (001): html = await fetch_url(session, "https://api.github.com")
    let html = fetch("https://api.github.com").await;
    println!("Fetched {} characters\n", html.chars().count());

    let urls = [
        "https://api.github.com",
        "https://httpbin.org/delay/1",
        "https://httpbin.org/delay/2",
        "https://httpbin.org/status/200",
        "https://httpbin.org/status/404",
    ];
    let start = Instant::now();
    // asyncio: await asyncio.gather(*tasks, return_exceptions=True)
    let results = corio::gather_settled(urls.map(|url| async move {
        let response = get(url).await;
        (url, response.status, response.text.len())
    }))
    .await;
    let elapsed = start.elapsed().as_secs_f64();
    for result in results {
        match result {
            Err(error) => println!("Error: {error}"),
            Ok((url, status, length)) => println!("{url}: {status} ({length} bytes)"),
        }
    }
    println!("\nFetched {} URLs in {elapsed:.2} seconds", urls.len());
}
