//! The asyncio examples of crates/corio/examples (producer/consumer, URL
//! scraper, semaphore-limited API calls, rate limiter) run on a paused clock,
//! on one worker and on two: virtual time makes their printed lines and
//! timings exact. Each scenario is the example's code with `println!`
//! replaced by a log of (virtual offset, line). Plus a queue moving 100 000
//! items between tasks on two workers.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corio::sync::{QueueShutDown, SemaphorePermit};
use corio::{Queue, Runtime, Semaphore};
use corio_tests::StoryLog;
use corio_tests::within;

fn paused(workers: usize) -> Runtime {
    Runtime::builder()
        .worker_threads(workers)
        .start_paused(true)
        .build()
        .unwrap()
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// The examples' seeded xorshift (producer_consumer.rs), byte for byte.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D))
    }

    fn uniform_ms(&mut self, lo: u64, hi: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(lo + self.0 % (hi - lo + 1))
    }
}

// ---- producer_consumer.rs -------------------------------------------------

async fn producer(queue: Queue<String>, producer_id: u64, log: StoryLog) {
    let mut rng = Rng::new(producer_id);
    for i in 0..5 {
        corio::sleep(rng.uniform_ms(100, 500)).await;
        let item = format!("Item-{producer_id}-{i}");
        queue.put(item.clone()).await.unwrap();
        log.print(format!("Producer {producer_id} produced: {item}"));
    }
}

async fn consumer(queue: Queue<String>, consumer_id: u64, log: StoryLog) {
    let mut rng = Rng::new(100 + consumer_id);
    loop {
        let item = queue.get().await.unwrap();
        log.print(format!("Consumer {consumer_id} consuming: {item}"));
        corio::sleep(rng.uniform_ms(200, 800)).await;
        // Not printed by the example: logged just before task_done, so the
        // test can tell whether join returned after the last one.
        log.print(format!("done {item}"));
        queue.task_done().unwrap();
    }
}

#[test]
fn producer_consumer_handles_every_item_once_and_join_waits_for_the_last_task_done() {
    for workers in [1, 2] {
        let rt = paused(workers);
        let log = rt.block_on(async {
            let log = StoryLog::new();
            let queue = Queue::bounded(10);
            let producers: Vec<_> = (0..2)
                .map(|i| corio::spawn(producer(queue.clone(), i, log.clone())))
                .collect();
            let consumers: Vec<_> = (0..3)
                .map(|i| corio::spawn(consumer(queue.clone(), i, log.clone())))
                .collect();
            for task in producers {
                task.await.unwrap();
            }
            queue.join().await;
            log.print("joined");
            assert_eq!(queue.unfinished_tasks(), 0);
            assert!(queue.empty());
            for task in &consumers {
                task.cancel();
            }
            for task in consumers {
                assert!(task.await.unwrap_err().is_cancelled());
            }
            assert_eq!(queue.getters(), 0, "cancelled gets left their waiter list");
            log
        });
        let lines = log.lines();

        // The producers never wait for room (10 items, maxsize 10), so each
        // item is produced at exactly the sum of its producer's sleeps.
        for p in 0..2 {
            let mut rng = Rng::new(p);
            let mut at = Duration::ZERO;
            for i in 0..5 {
                at += rng.uniform_ms(100, 500);
                let line = format!("Producer {p} produced: Item-{p}-{i}");
                assert_eq!(log.time_of(&line), at, "{workers} workers: {line}");
            }
        }

        // Every item is consumed exactly once, after it was put, in put order per producer.
        let consumed: Vec<(Duration, String)> = lines
            .iter()
            .filter_map(|(at, l)| Some((*at, l.split(" consuming: ").nth(1)?.to_string())))
            .collect();
        let mut items: Vec<_> = consumed.iter().map(|(_, item)| item.clone()).collect();
        items.sort();
        let expected: Vec<_> = (0..2)
            .flat_map(|p| (0..5).map(move |i| format!("Item-{p}-{i}")))
            .collect();
        assert_eq!(items, expected, "{workers} workers: each item once");
        for p in 0..2 {
            let order: Vec<_> = consumed
                .iter()
                .filter(|(_, item)| item.starts_with(&format!("Item-{p}-")))
                .map(|(_, item)| item.clone())
                .collect();
            let put_order: Vec<_> = (0..5).map(|i| format!("Item-{p}-{i}")).collect();
            assert_eq!(order, put_order, "{workers} workers: FIFO per producer");
        }
        for (at, item) in &consumed {
            let producer = item.split('-').nth(1).unwrap();
            let produced = log.time_of(&format!("Producer {producer} produced: {item}"));
            assert!(*at >= produced, "{item} consumed before it was produced");
        }
        if workers == 1 {
            // One worker runs tasks in FIFO order: the producer prints before
            // the consumer it woke gets to run.
            for (_, item) in &consumed {
                let pos = |needle: &str| lines.iter().position(|(_, l)| l.ends_with(needle));
                let produced = pos(&format!("produced: {item}")).unwrap();
                let consuming = pos(&format!("consuming: {item}")).unwrap();
                assert!(produced < consuming, "{item}: {lines:#?}");
            }
        }

        // join returned at the instant of the last task_done, and not before it.
        let dones: Vec<_> = lines
            .iter()
            .filter(|(_, l)| l.starts_with("done "))
            .collect();
        assert_eq!(dones.len(), 10);
        let last_done = dones.iter().map(|(at, _)| *at).max().unwrap();
        assert_eq!(log.time_of("joined"), last_done);
        assert_eq!(lines.last().unwrap().1, "joined", "{lines:#?}");
    }
}

// ---- url_scraper.rs ------------------------------------------------------

async fn scrape_consumer(
    queue: Queue<String>,
    visited: Arc<Mutex<HashSet<String>>>,
    links: fn(&str) -> Vec<String>,
    log: StoryLog,
) {
    loop {
        let url = queue.get().await.unwrap();
        if !visited.lock().unwrap().insert(url.clone()) {
            queue.task_done().unwrap();
            continue;
        }
        log.print(format!("Scraping: {url}"));
        corio::sleep(Duration::from_secs(1)).await; // fetch_url
        for new_url in links(&url) {
            if !visited.lock().unwrap().contains(&new_url) {
                queue.put(new_url).await.unwrap();
            }
        }
        queue.task_done().unwrap();
    }
}

/// The example's `main` with the given start URLs and link extractor.
fn scrape(workers: usize, start_urls: &[&str], links: fn(&str) -> Vec<String>) -> StoryLog {
    let rt = paused(workers);
    rt.block_on(async {
        let log = StoryLog::new();
        let queue = Queue::new();
        let visited = Arc::new(Mutex::new(HashSet::new()));
        for url in start_urls {
            queue.put(url.to_string()).await.unwrap();
        }
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let (queue, visited, log) = (queue.clone(), visited.clone(), log.clone());
                corio::spawn(scrape_consumer(queue, visited, links, log))
            })
            .collect();
        queue.join().await;
        for task in &consumers {
            task.cancel();
        }
        log.print(format!(
            "Scraped {} unique URLs",
            visited.lock().unwrap().len()
        ));
        log
    })
}

#[test]
fn url_scraper_fetches_the_three_start_urls_at_once_and_ends_after_one_second() {
    let start = [
        "https://example.com/page1",
        "https://example.com/page2",
        "https://example.com/page3",
    ];
    for workers in [1, 2] {
        let mut lines = scrape(workers, &start, |_| Vec::new()).lines();
        if workers > 1 {
            lines[..3].sort(); // which of 3 consumers prints first is a race
        }
        let expected = vec![
            (secs(0.0), "Scraping: https://example.com/page1".to_string()),
            (secs(0.0), "Scraping: https://example.com/page2".to_string()),
            (secs(0.0), "Scraping: https://example.com/page3".to_string()),
            (secs(1.0), "Scraped 3 unique URLs".to_string()),
        ];
        assert_eq!(lines, expected, "{workers} workers");
    }
}

#[test]
fn url_scraper_visits_each_url_once_when_links_and_duplicates_come_back() {
    fn links(url: &str) -> Vec<String> {
        let to = |pages: &[u32]| pages.iter().map(|p| format!("page{p}")).collect();
        match url {
            "page1" => to(&[2, 4]),
            "page4" => to(&[1, 5]),
            _ => Vec::new(),
        }
    }
    for workers in [1, 2] {
        let log = scrape(workers, &["page1", "page2", "page3", "page2"], links);
        let mut scraped: Vec<_> = log
            .lines()
            .into_iter()
            .filter(|(_, l)| l.starts_with("Scraping: "))
            .collect();
        scraped.sort();
        let expected: Vec<_> = [(0.0, 1), (0.0, 2), (0.0, 3), (1.0, 4), (2.0, 5)]
            .into_iter()
            .map(|(at, p)| (secs(at), format!("Scraping: page{p}")))
            .collect();
        assert_eq!(scraped, expected, "{workers} workers");
        assert_eq!(log.time_of("Scraped 5 unique URLs"), secs(3.0));
    }
}

// ---- semaphore_api_calls.rs ----------------------------------------------

/// Runs the example; returns the log and the most calls seen inside the semaphore at once.
fn api_calls(workers: usize) -> (StoryLog, usize) {
    let rt = paused(workers);
    rt.block_on(async {
        let log = StoryLog::new();
        let semaphore = Arc::new(Semaphore::new(3));
        let inside = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..10)
            .map(|api_id| {
                let (semaphore, inside, log) = (semaphore.clone(), inside.clone(), log.clone());
                corio::spawn(async move {
                    let _permit = semaphore.acquire().await.unwrap();
                    let now = inside.0.fetch_add(1, Ordering::SeqCst) + 1;
                    inside.1.fetch_max(now, Ordering::SeqCst);
                    log.print(format!("API call {api_id} started"));
                    corio::sleep(Duration::from_secs(1)).await;
                    log.print(format!("API call {api_id} completed"));
                    inside.0.fetch_sub(1, Ordering::SeqCst);
                    format!("Result {api_id}")
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        assert_eq!(results[7], "Result 7");
        let elapsed = log.elapsed().as_secs_f64();
        log.print(format!(
            "Completed {} API calls in {elapsed:.2} seconds",
            results.len()
        ));
        assert_eq!(semaphore.available_permits(), 3);
        (log, inside.1.load(Ordering::SeqCst))
    })
}

#[test]
fn semaphore_api_calls_run_three_at_a_time_in_four_rounds_of_one_second_on_one_worker() {
    let (log, most) = api_calls(1);
    assert_eq!(most, 3);
    // Exactly asyncio's order: the three sleeps of a round end, then the
    // waiters they released start, first come first served.
    let mut expected = Vec::new();
    let rounds: [&[u32]; 4] = [&[0, 1, 2], &[3, 4, 5], &[6, 7, 8], &[9]];
    for (second, round) in rounds.iter().enumerate() {
        for id in *round {
            expected.push((secs(second as f64), format!("API call {id} started")));
        }
        for id in *round {
            expected.push((
                secs(second as f64 + 1.0),
                format!("API call {id} completed"),
            ));
        }
    }
    // Completions of round k come before the starts of round k + 1.
    expected.sort_by_key(|(at, line)| (*at, line.ends_with("started")));
    expected.push((secs(4.0), "Completed 10 API calls in 4.00 seconds".into()));
    assert_eq!(log.lines(), expected);
}

#[test]
fn semaphore_api_calls_finish_in_four_rounds_on_two_workers() {
    let (log, most) = api_calls(2);
    assert_eq!(
        most, 3,
        "never more than 3 calls inside, and 3 at some point"
    );
    let mut starts_per_second = BTreeMap::new();
    for id in 0..10 {
        let started = log.time_of(&format!("API call {id} started"));
        let completed = log.time_of(&format!("API call {id} completed"));
        assert_eq!(completed - started, secs(1.0), "call {id}");
        *starts_per_second.entry(started.as_secs()).or_insert(0) += 1;
    }
    assert_eq!(
        starts_per_second,
        BTreeMap::from([(0, 3), (1, 3), (2, 3), (3, 1)])
    );
    assert_eq!(
        log.time_of("Completed 10 API calls in 4.00 seconds"),
        secs(4.0)
    );
}

// ---- rate_limiter.rs -----------------------------------------------------

/// The example's `RateLimiter`: a Semaphore(max) plus a sliding window.
struct RateLimiter {
    semaphore: Semaphore,
    window: corio::limit::RateLimiter,
}

impl RateLimiter {
    async fn acquire(&self) -> SemaphorePermit<'_> {
        let permit = self.semaphore.acquire().await.unwrap();
        self.window.acquire().await;
        permit
    }
}

fn rate_limited(workers: usize) -> StoryLog {
    let rt = paused(workers);
    rt.block_on(async {
        let log = StoryLog::new();
        let limiter = Arc::new(RateLimiter {
            semaphore: Semaphore::new(5),
            window: corio::limit::RateLimiter::new(5, Duration::from_secs(2)),
        });
        let tasks: Vec<_> = (0..15)
            .map(|item_id| {
                let (limiter, log) = (limiter.clone(), log.clone());
                corio::spawn(async move {
                    let _permit = limiter.acquire().await;
                    let at = log.elapsed().as_secs_f64();
                    log.print(format!("Fetching item {item_id} at +{at:.2} s"));
                    corio::sleep(Duration::from_millis(500)).await;
                    format!("Item {item_id}")
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        log.print(format!("Completed {} requests", results.len()));
        assert_eq!(limiter.semaphore.available_permits(), 5);
        log
    })
}

#[test]
fn rate_limiter_sends_batches_of_five_at_0_2_and_4_seconds() {
    for workers in [1, 2] {
        let mut lines = rate_limited(workers).lines();
        let last = lines.pop().unwrap();
        assert_eq!(last, (secs(4.5), "Completed 15 requests".into()));
        if workers > 1 {
            // Within a batch, which task takes its slot first is a race.
            lines.sort_by_key(|(at, line)| {
                (*at, line.split(' ').nth(2).unwrap().parse::<u32>().unwrap())
            });
        }
        let expected: Vec<_> = (0..15u32)
            .map(|id| {
                let at = f64::from(id / 5) * 2.0;
                (secs(at), format!("Fetching item {id} at +{at:.2} s"))
            })
            .collect();
        if workers == 1 {
            assert_eq!(lines, expected, "one worker: items in order");
        } else {
            let batches: Vec<_> = lines.iter().map(|(at, _)| *at).collect();
            let want: Vec<_> = expected.iter().map(|(at, _)| *at).collect();
            assert_eq!(batches, want, "two workers: 5 at 0 s, 5 at 2 s, 5 at 4 s");
        }
    }
}

// ---- a queue across workers ----------------------------------------------

#[test]
fn a_queue_moves_100_000_items_from_4_producers_to_4_consumers_exactly_once_on_2_workers() {
    const ITEMS: usize = 100_000;
    const PRODUCERS: usize = 4;
    let received = within(Duration::from_secs(120), || {
        let rt = Runtime::builder().worker_threads(2).build().unwrap();
        rt.block_on(async {
            let queue = Queue::bounded(64);
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let queue = queue.clone();
                    corio::spawn(async move {
                        for i in (p..ITEMS).step_by(PRODUCERS) {
                            queue.put(i).await.unwrap();
                        }
                    })
                })
                .collect();
            let consumers: Vec<_> = (0..4)
                .map(|_| {
                    let queue = queue.clone();
                    corio::spawn(async move {
                        let mut got = Vec::new();
                        loop {
                            match queue.get().await {
                                Ok(i) => got.push(i),
                                Err(QueueShutDown(())) => return got,
                            }
                            queue.task_done().unwrap();
                        }
                    })
                })
                .collect();
            for task in producers {
                task.await.unwrap();
            }
            queue.join().await;
            assert_eq!(queue.unfinished_tasks(), 0);
            queue.shutdown(false);
            let mut all = Vec::with_capacity(ITEMS);
            for task in consumers {
                let got = task.await.unwrap();
                // One producer's items reach any one consumer in the order put.
                for p in 0..PRODUCERS {
                    let mine: Vec<_> = got.iter().filter(|&&i| i % PRODUCERS == p).collect();
                    assert!(mine.windows(2).all(|w| w[0] < w[1]), "FIFO per producer");
                }
                all.extend(got);
            }
            all
        })
    });
    assert_eq!(received.len(), ITEMS, "no item lost or duplicated");
    let mut sorted = received;
    sorted.sort_unstable();
    assert!(
        sorted.iter().copied().eq(0..ITEMS),
        "every item exactly once"
    );
}
