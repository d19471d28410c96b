//! A tour of corio: what runs today, each step printed with what it showed.
//!
//! `cargo run --release --example tour`

use std::time::{Duration, Instant};

fn main() {
    println!(
        "corio tour: {} worker threads\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let started = Instant::now();
    let summary = corio::run(async {
        let mut summary = Vec::new();
        summary.push(spawn_and_gather().await);
        summary.push(panic_becomes_an_error().await);
        summary.push(blocking_call_on_the_pool().await);
        summary.push(cancellation().await);
        summary.push(timers().await);
        summary.push(timeout_cancels().await);
        summary.push(virtual_time());
        summary.push(producer_consumer().await);
        summary.push(semaphore_limits_concurrency().await);
        summary.push(rate_limited().await);
        summary
    });
    println!("\n{:<32} {:>10}  result", "step", "time");
    for (step, elapsed, result) in &summary {
        println!("{step:<32} {:>10}  {result}", format!("{:.1?}", elapsed));
    }
    println!("\ntour finished in {:.1?}", started.elapsed());
}

type Step = (&'static str, Duration, String);

/// asyncio: `results = [await t for t in [asyncio.create_task(work(i)) for i in range(N)]]`
async fn spawn_and_gather() -> Step {
    let start = Instant::now();
    let n = 100_000u64;
    let tasks: Vec<_> = (0..n).map(|i| corio::spawn(async move { i * 2 })).collect();
    let mut sum = 0;
    for task in tasks {
        sum += task.await.expect("a doubling task cannot fail");
    }
    assert_eq!(sum, n * (n - 1));
    println!("spawned {n} tasks on all workers and gathered their results: sum = {sum}");
    (
        "spawn + gather 100 000",
        start.elapsed(),
        format!("sum {sum}"),
    )
}

/// asyncio: an exception in a task comes back when the task is awaited.
async fn panic_becomes_an_error() -> Step {
    let start = Instant::now();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // the error below says it all
    let task = corio::task::Builder::new().name("flaky").spawn(async {
        if true {
            panic!("the flaky task failed");
        }
    });
    let error = task.await.unwrap_err();
    std::panic::set_hook(previous);
    println!("a panicking task became an error, and its worker lives on: {error}");
    let still_alive = corio::spawn(async { "yes" }).await.unwrap();
    (
        "panic caught as TaskError",
        start.elapsed(),
        format!("{error}; workers alive: {still_alive}"),
    )
}

/// asyncio: `await asyncio.to_thread(blocking_io)`.
async fn blocking_call_on_the_pool() -> Step {
    let start = Instant::now();
    let blocking = corio::to_thread(|| {
        std::thread::sleep(Duration::from_millis(200));
        std::thread::current().name().unwrap_or("?").to_string()
    });
    // Meanwhile the workers keep running tasks.
    let meanwhile: Vec<_> = (0..1000).map(|i| corio::spawn(async move { i })).collect();
    let mut done = 0;
    for task in meanwhile {
        task.await.unwrap();
        done += 1;
    }
    let thread = blocking.await;
    println!(
        "a 200 ms blocking call ran on thread '{thread}' while {done} tasks finished on the workers"
    );
    (
        "blocking call on the pool",
        start.elapsed(),
        format!("ran on {thread}; {done} tasks meanwhile"),
    )
}

/// asyncio: `task.cancel()`; awaiting it raises CancelledError.
async fn cancellation() -> Step {
    let start = Instant::now();
    let task = corio::task::Builder::new()
        .name("forever")
        .spawn(std::future::pending::<()>());
    task.cancel();
    let error = task.await.unwrap_err();
    println!("cancelled a task that waited forever: {error}");
    ("cancel a pending task", start.elapsed(), error.to_string())
}

/// asyncio: `await asyncio.gather(timer("A", 2), timer("B", 3), timer("C", 1))`, at a tenth of the scale.
async fn timers() -> Step {
    let start = Instant::now();
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let timers: Vec<_> = [("A", 200u64), ("B", 300), ("C", 100)]
        .into_iter()
        .map(|(name, ms)| {
            let order = order.clone();
            corio::spawn(async move {
                corio::sleep(Duration::from_millis(ms)).await;
                order.lock().unwrap().push(name);
            })
        })
        .collect();
    for t in timers {
        t.await.unwrap();
    }
    let order = order.lock().unwrap().join(", ");
    println!(
        "timers of 200, 300 and 100 ms ran together: done in {:.0?}, in the order {order}",
        start.elapsed()
    );
    ("timers gathered", start.elapsed(), format!("order {order}"))
}

/// asyncio: `await asyncio.wait_for(slow(), timeout=0.1)` raises TimeoutError, cancelling `slow`.
async fn timeout_cancels() -> Step {
    let start = Instant::now();
    let outcome = corio::wait_for(
        corio::sleep(Duration::from_secs(10)),
        Duration::from_millis(100),
    )
    .await;
    let error = outcome.unwrap_err();
    println!("a 10 s sleep under a 100 ms wait_for: {error}");
    ("wait_for expires", start.elapsed(), error.to_string())
}

/// Tests of time-based code run on a paused clock: a simulated day in milliseconds.
fn virtual_time() -> Step {
    let start = Instant::now();
    let simulated = std::thread::spawn(|| {
        let rt = corio::Runtime::builder()
            .worker_threads(2)
            .start_paused(true)
            .build()
            .unwrap();
        let t0 = rt.handle().now();
        rt.block_on(async {
            let tasks: Vec<_> = (1..=24u64)
                .map(|h| corio::spawn(corio::sleep(Duration::from_secs(3600 * h))))
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
        rt.handle().now() - t0
    })
    .join()
    .unwrap();
    println!(
        "24 tasks slept up to a day of virtual time: {:?} simulated in {:.1?}",
        simulated,
        start.elapsed()
    );
    (
        "a simulated day (paused clock)",
        start.elapsed(),
        format!("{} h simulated", simulated.as_secs() / 3600),
    )
}

/// asyncio: producers `put`, consumers `get` + `task_done`, main `await queue.join()`.
async fn producer_consumer() -> Step {
    let start = Instant::now();
    let queue = corio::Queue::bounded(16);
    let consumed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let (queue, consumed) = (queue.clone(), consumed.clone());
            corio::spawn(async move {
                while let Ok(item) = queue.get().await {
                    consumed.fetch_add(item, std::sync::atomic::Ordering::Relaxed);
                    queue.task_done().unwrap();
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..2u64)
        .map(|p| {
            let queue = queue.clone();
            corio::spawn(async move {
                for i in 0..10_000 {
                    queue.put(p * 10_000 + i).await.unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.await.unwrap();
    }
    queue.join().await;
    for c in &consumers {
        c.cancel();
    }
    let total = consumed.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(total, (0..20_000u64).sum::<u64>());
    println!(
        "2 producers and 3 consumers moved 20 000 items through a Queue(16); join() returned after the last task_done"
    );
    (
        "producer / consumer Queue",
        start.elapsed(),
        "20 000 items, each once".into(),
    )
}

/// asyncio: `async with semaphore:` around 10 calls, 3 at a time.
async fn semaphore_limits_concurrency() -> Step {
    let start = Instant::now();
    let semaphore = std::sync::Arc::new(corio::Semaphore::new(3));
    let in_flight = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let most = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let (semaphore, in_flight, most) = (semaphore.clone(), in_flight.clone(), most.clone());
            corio::spawn(async move {
                let _permit = semaphore.acquire().await.unwrap();
                let now = in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                corio::sleep(Duration::from_millis(50)).await;
                in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            })
        })
        .collect();
    for c in calls {
        c.await.unwrap();
    }
    let most = most.load(std::sync::atomic::Ordering::SeqCst);
    println!(
        "10 calls of 50 ms under Semaphore(3): at most {most} at once, done in {:.0?} (4 rounds)",
        start.elapsed()
    );
    (
        "Semaphore(3) over 10 calls",
        start.elapsed(),
        format!("max {most} in flight"),
    )
}

/// The seeds' RateLimiter: at most 5 calls per window (here 200 ms), 15 calls.
async fn rate_limited() -> Step {
    let start = Instant::now();
    let limiter = corio::limit::RateLimiter::new(5, Duration::from_millis(200));
    let mut batches = Vec::new();
    for _ in 0..15 {
        limiter.acquire().await;
        batches.push(start.elapsed().as_millis() / 100 * 100);
    }
    println!(
        "15 calls through RateLimiter(5 per 200 ms) started at {:?} ms",
        batches
    );
    (
        "RateLimiter(5 / 200 ms)",
        start.elapsed(),
        "batches at 0, 200, 400 ms".into(),
    )
}
