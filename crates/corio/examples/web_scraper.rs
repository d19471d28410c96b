//! The seeds' scraper with a concurrency limit and retries (tutorial 001:
//! `AsyncWebScraper` with `asyncio.Semaphore`, and `fetch_with_retry` with
//! exponential backoff; tutorial 000: `asyncio.Semaphore(10)` "at most 10
//! requests at once"). With no internet and no HTTP library, the program
//! starts its own tiny HTTP/1.1 server on 127.0.0.1 serving 100 pages, some
//! of which answer 503 at first, then fetches all 100 at most 10 at a time,
//! retrying with exponential backoff, and prints a summary.
//!
//! ```text
//! cargo run --release --example web_scraper
//! ```
//!
//! asyncio + aiohttp:
//!
//! ```python
//! async def fetch_with_retry(session, url, max_retries=3):
//!     for attempt in range(max_retries):
//!         try:
//!             async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
//!                 if response.status == 200:
//!                     return await response.text()
//!                 print(f"Unexpected status {response.status} for {url}")
//!         except asyncio.TimeoutError:
//!             print(f"Timeout on attempt {attempt + 1} for {url}")
//!         if attempt < max_retries - 1:
//!             await asyncio.sleep(2 ** attempt)  # Exponential backoff
//!     print(f"Failed to fetch {url} after {max_retries} attempts")
//!
//! semaphore = asyncio.Semaphore(10)
//! async with semaphore:
//!     ...
//! ```
//!
//! Differences: the backoff is `2 ** attempt` × 50 ms rather than seconds,
//! so the run takes about a second; the semaphore is held only while a
//! request is in flight, not during the backoff sleep, as is usual.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use corio::Semaphore;
use corio::net::{StreamReader, StreamWriter, open_connection, start_server};

const PAGES: usize = 100;
const MAX_CONCURRENT: usize = 10;
const MAX_RETRIES: u32 = 4;

// ---- the tiny HTTP server --------------------------------------------------

/// Page `n` answers 503 this many times before it works: every 7th page
/// once, every 20th page twice (so some need two retries).
fn failures_before_success(page: usize) -> usize {
    usize::from(page % 7 == 3) + usize::from(page % 20 == 5) * 2
}

async fn serve_http(
    mut reader: StreamReader,
    writer: StreamWriter,
    attempts: Arc<Mutex<HashMap<usize, usize>>>,
) {
    // Request line and headers, up to the blank line.
    let Ok(request_line) = reader.readline().await else {
        return;
    };
    loop {
        match reader.readline().await {
            Ok(line) if line == b"\r\n" || line.is_empty() => break,
            Ok(_) => {}
            Err(_) => return,
        }
    }
    let request_line = String::from_utf8_lossy(&request_line);
    let page = request_line
        .split_whitespace()
        .nth(1)
        .and_then(|path| path.strip_prefix("/page/"))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n < PAGES);
    corio::sleep(Duration::from_millis(20)).await; // a server that takes its time
    let (status, body) = match page {
        None => ("404 Not Found", "no such page\n".to_owned()),
        Some(n) => {
            let seen = {
                let mut attempts = attempts.lock().unwrap();
                let count = attempts.entry(n).or_default();
                *count += 1;
                *count
            };
            if seen <= failures_before_success(n) {
                ("503 Service Unavailable", "try again later\n".to_owned())
            } else {
                (
                    "200 OK",
                    format!(
                        "<html><body><h1>Page {n}</h1>{}</body></html>\n",
                        "lorem ipsum ".repeat(n)
                    ),
                )
            }
        }
    };
    writer.write(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    let _ = writer.drain().await;
}

// ---- the scraper -------------------------------------------------------------

/// One `GET`: the status code and the body.
async fn http_get(addr: SocketAddr, path: &str) -> io::Result<(u16, String)> {
    let (mut reader, writer) = open_connection(addr).await?;
    writer.write(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    writer.drain().await?;
    let status_line = reader.readline().await?;
    let status = String::from_utf8_lossy(&status_line)
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad status line"))?;
    let mut length = 0;
    loop {
        let header = reader.readline().await?;
        if header == b"\r\n" {
            break;
        }
        let header = String::from_utf8_lossy(&header);
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let body = reader.readexactly(length).await?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

struct Stats {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    retries: AtomicUsize,
}

/// `fetch_with_retry`, under the semaphore.
async fn fetch_with_retry(
    addr: SocketAddr,
    page: usize,
    semaphore: Arc<Semaphore>,
    stats: Arc<Stats>,
) -> Option<String> {
    let url = format!("/page/{page}");
    for attempt in 0..MAX_RETRIES {
        let outcome = {
            // async with semaphore:
            let _permit = semaphore.acquire().await.expect("never closed");
            let now = stats.in_flight.fetch_add(1, SeqCst) + 1;
            stats.max_in_flight.fetch_max(now, SeqCst);
            let outcome = corio::timeout(Duration::from_secs(10), http_get(addr, &url)).await;
            stats.in_flight.fetch_sub(1, SeqCst);
            outcome
        };
        match outcome {
            Ok(Ok((200, body))) => return Some(body),
            Ok(Ok((404, _))) => {
                println!("URL not found: {url}");
                return None;
            }
            Ok(Ok((status, _))) => println!(
                "Unexpected status {status} for {url} (attempt {})",
                attempt + 1
            ),
            Ok(Err(e)) => println!("Client error on attempt {} for {url}: {e}", attempt + 1),
            Err(_) => println!("Timeout on attempt {} for {url}", attempt + 1),
        }
        if attempt + 1 < MAX_RETRIES {
            stats.retries.fetch_add(1, SeqCst);
            // await asyncio.sleep(2 ** attempt), in units of 50 ms
            corio::sleep(Duration::from_millis(50 << attempt)).await;
        }
    }
    println!("Failed to fetch {url} after {MAX_RETRIES} attempts");
    None
}

#[corio::main]
async fn main() -> io::Result<()> {
    let attempts = Arc::new(Mutex::new(HashMap::new()));
    let server = start_server(
        move |reader, writer| serve_http(reader, writer, attempts.clone()),
        "127.0.0.1:0",
    )
    .await?;
    let addr = server.local_addr();
    println!(
        "serving {PAGES} pages on http://{addr}/page/0..{}",
        PAGES - 1
    );

    let semaphore = Arc::new(Semaphore::new(MAX_CONCURRENT));
    let stats = Arc::new(Stats {
        in_flight: AtomicUsize::new(0),
        max_in_flight: AtomicUsize::new(0),
        retries: AtomicUsize::new(0),
    });
    let start = Instant::now();
    // tasks = [fetch_with_retry(...) for url in urls]; await asyncio.gather(*tasks)
    let pages = corio::gather(
        (0..PAGES).map(|page| fetch_with_retry(addr, page, semaphore.clone(), stats.clone())),
    )
    .await;
    let elapsed = start.elapsed();

    let fetched: Vec<&String> = pages.iter().flatten().collect();
    let bytes: usize = fetched.iter().map(|body| body.len()).sum();
    println!();
    println!(
        "Successfully fetched {}/{PAGES} pages, {bytes} bytes",
        fetched.len()
    );
    println!("retries: {}", stats.retries.load(SeqCst));
    println!(
        "at most {} requests in flight (limit {MAX_CONCURRENT})",
        stats.max_in_flight.load(SeqCst)
    );
    println!("took {:.2} s", elapsed.as_secs_f64());
    assert!(stats.max_in_flight.load(SeqCst) <= MAX_CONCURRENT);

    server.close();
    server.wait_closed().await;
    Ok(())
}
