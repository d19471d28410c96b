//! A tour of corio: what runs today, each step printed with what it showed.
//!
//! `cargo run --release --example tour`
//!
//! The later steps are the seed tutorials' stories at a tenth of their scale
//! (1 s becomes 100 ms); each has a full-size twin in this directory
//! (gather_jobs, breakfast, search_engines, wait_first_completed,
//! blocking_pitfall), and tests/tests/seed_twins.rs checks them on the
//! deterministic runtime.

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
        summary.push(gather_five_jobs().await);
        summary.push(breakfast().await);
        summary.push(search_engines().await);
        summary.push(task_group_failure().await);
        summary.push(wait_first_completed().await);
        summary.push(shield_outlives_its_waiter().await);
        summary.push(blocking_pitfall_in_debug_mode());
        summary.push(task_dump().await);
        summary.push(echo_server().await);
        summary.push(files_upper_cased().await);
        summary
    });
    println!("\n{:<34} {:>10}  result", "step", "time");
    for (step, elapsed, result) in &summary {
        println!("{step:<34} {:>10}  {result}", format!("{:.1?}", elapsed));
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

/// asyncio: `await asyncio.gather(*[job(i) for i in range(5)])`, five jobs of 100 ms.
async fn gather_five_jobs() -> Step {
    let start = Instant::now();
    let jobs = (0..5u32).map(|i| async move {
        corio::sleep(Duration::from_millis(100)).await;
        i
    });
    let done = corio::gather(jobs).await;
    println!(
        "five 100 ms jobs gathered: {:?} done in {:.0?}, not 500 ms",
        done,
        start.elapsed()
    );
    (
        "gather 5 jobs of 100 ms",
        start.elapsed(),
        "all 5 in one job's time".into(),
    )
}

/// The seed's breakfast: toast 2, coffee 3, eggs 7 units (a unit is 100 ms here).
async fn breakfast() -> Step {
    let start = Instant::now();
    let ready = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let items = [("toast", 2u64), ("coffee", 3), ("eggs", 7)].map(|(item, units)| {
        let ready = ready.clone();
        async move {
            corio::sleep(Duration::from_millis(100 * units)).await;
            ready.lock().unwrap().push(item);
        }
    });
    corio::gather(items).await; // asyncio: gather(toast(), coffee(), eggs())
    let units = start.elapsed().as_millis() as f64 / 100.0;
    let order = ready.lock().unwrap().join(", ");
    println!("breakfast cooked together: {order} ready, all after {units:.1} units, not 12");
    (
        "breakfast (2 + 3 + 7 units)",
        start.elapsed(),
        format!("ready after {units:.1} units, not 12"),
    )
}

/// asyncio: `for search in asyncio.as_completed(searches): print(await search)`.
async fn search_engines() -> Step {
    let start = Instant::now();
    let searches = [("Google", 150u64), ("Bing", 200), ("DuckDuckGo", 100)].map(|(name, ms)| {
        corio::spawn(async move {
            corio::sleep(Duration::from_millis(ms)).await;
            name
        })
    });
    let mut order = Vec::new();
    let mut results = corio::as_completed(searches); // asyncio: as_completed(searches)
    while let Some(engine) = results.next().await {
        order.push(engine.unwrap());
    }
    let order = order.join(", ");
    println!("as_completed showed each search engine as it answered: {order}");
    (
        "as_completed (3 engines)",
        start.elapsed(),
        format!("order {order}"),
    )
}

/// asyncio: `async with asyncio.TaskGroup() as tg:` where one child raises.
async fn task_group_failure() -> Step {
    let start = Instant::now();
    let cancelled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    /// Counts a child whose future was dropped before it finished.
    struct Cancelled(std::sync::Arc<std::sync::atomic::AtomicUsize>, bool);
    impl Drop for Cancelled {
        fn drop(&mut self) {
            if !self.1 {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }
    let group = corio::TaskGroup::new();
    group
        .spawn_named("bad-input", async {
            corio::sleep(Duration::from_millis(50)).await;
            Err("bad input".to_string())
        })
        .unwrap();
    for name in ["slow-1", "slow-2"] {
        let guard = Cancelled(cancelled.clone(), false);
        group
            .spawn_named(name, async move {
                let mut guard = guard; // the whole guard lives in the child
                corio::sleep(Duration::from_secs(1)).await;
                guard.1 = true;
                Ok(())
            })
            .unwrap();
    }
    let error = group.join().await.unwrap_err(); // asyncio: the ExceptionGroup
    let cancelled = cancelled.load(std::sync::atomic::Ordering::SeqCst);
    let failures: Vec<_> = error.failures().collect();
    println!(
        "a TaskGroup child failed after 50 ms: join gave {failures:?}, and {cancelled} siblings were cancelled in {:.0?}",
        start.elapsed()
    );
    (
        "TaskGroup: a failure cancels",
        start.elapsed(),
        format!("{} error; {cancelled} siblings cancelled", error.len()),
    )
}

/// asyncio: `done, pending = await asyncio.wait(tasks, return_when=FIRST_COMPLETED)`.
async fn wait_first_completed() -> Step {
    let start = Instant::now();
    let tasks = [("Fast", 100u64), ("Slow", 300), ("Medium", 200)].map(|(name, ms)| {
        corio::spawn(async move {
            corio::sleep(Duration::from_millis(ms)).await;
            name
        })
    });
    let (done, pending) = corio::wait(tasks, corio::ReturnWhen::FirstCompleted, None)
        .await
        .expect("three tasks");
    let waited = start.elapsed();
    let still_running = pending.iter().filter(|t| !t.is_finished()).count();
    let mut first = Vec::new();
    for task in done {
        first.push(task.await.unwrap());
    }
    for task in &pending {
        task.cancel(); // the seed cancels the rest itself; wait never does
    }
    println!(
        "wait(FIRST_COMPLETED) returned after {waited:.0?} with {first:?} done and {still_running} still running (then cancelled)"
    );
    (
        "wait FIRST_COMPLETED",
        waited,
        format!("first {}; {still_running} pending", first.join(", ")),
    )
}

/// asyncio: `await asyncio.wait_for(asyncio.shield(save), 0.05)` times out; `save` runs on.
async fn shield_outlives_its_waiter() -> Step {
    let start = Instant::now();
    let save = corio::task::Builder::new().name("save").spawn(async {
        corio::sleep(Duration::from_millis(200)).await;
        "saved"
    });
    let mut shielded = corio::shield(save);
    let gave_up = corio::timeout(Duration::from_millis(50), &mut shielded)
        .await
        .is_err();
    let waited = start.elapsed();
    let outcome = shielded.await.unwrap(); // the task was not cancelled
    println!(
        "shield: the waiter gave up after {waited:.0?} (timed out: {gave_up}), the task went on and {outcome} at {:.0?}",
        start.elapsed()
    );
    (
        "shield survives a timeout",
        start.elapsed(),
        format!("waiter gave up at {waited:.0?}; task {outcome}"),
    )
}

/// asyncio's debug mode on `time.sleep` in a coroutine, then the `to_thread` fix.
/// A runtime of its own (debug on, one worker: asyncio's loop), on its own thread.
fn blocking_pitfall_in_debug_mode() -> Step {
    let start = Instant::now();
    let (reports, bad, fixed) = std::thread::spawn(|| {
        let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = reports.clone();
        let rt = corio::Runtime::builder()
            .worker_threads(1)
            .debug(true)
            .slow_poll_threshold(Duration::from_millis(50))
            .on_slow_poll(move |report| sink.lock().unwrap().push(report.clone()))
            .build()
            .unwrap();
        let (bad, fixed) = rt.block_on(async {
            let run = |name: &str, blocking: bool| {
                corio::task::Builder::new().name(name).spawn(async move {
                    let nap = || std::thread::sleep(Duration::from_millis(100));
                    if blocking {
                        nap(); // the pitfall: time.sleep in a coroutine
                    } else {
                        corio::to_thread(nap).await; // the fix
                    }
                })
            };
            let t = Instant::now();
            let tasks: Vec<_> = (1..=3)
                .map(|i| run(&format!("bad_sleep-{i}"), true))
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            let bad = t.elapsed();
            let t = Instant::now();
            let tasks: Vec<_> = (1..=3)
                .map(|i| run(&format!("fixed_sleep-{i}"), false))
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            (bad, t.elapsed())
        });
        let reports = reports.lock().unwrap().clone();
        (reports, bad, fixed)
    })
    .join()
    .unwrap();
    let names: Vec<_> = reports.iter().filter_map(|r| r.name.as_deref()).collect();
    if let Some(first) = reports.first() {
        println!("debug mode caught the blocking call: {first}");
    }
    println!(
        "3 blocking 100 ms sleeps took {bad:.0?} on one worker ({} reports: {names:?}); with to_thread, {fixed:.0?} and no report",
        reports.len()
    );
    (
        "blocking call caught, then fixed",
        start.elapsed(),
        format!(
            "{} reports ({}..); to_thread {fixed:.0?}",
            reports.len(),
            names.first().unwrap_or(&"?")
        ),
    )
}

/// asyncio: `asyncio.all_tasks()` / 3.14's `print_call_graph()`: the live tasks as a tree.
async fn task_dump() -> Step {
    let start = Instant::now();
    let server = corio::task::Builder::new().name("server").spawn(async {
        let conns: Vec<_> = (1..=2)
            .map(|i| {
                corio::task::Builder::new()
                    .name(format!("conn-{i}"))
                    .spawn(std::future::pending::<()>())
            })
            .collect();
        corio::yield_now().await; // let the connections start
        let dump = corio::debug::dump(); // from inside 'server': marked "<- current"
        for conn in &conns {
            conn.cancel();
        }
        dump
    });
    let dump = server.await.unwrap();
    println!("the task dump, taken by 'server':");
    for line in dump.lines() {
        println!("    {line}");
    }
    let first = dump.lines().next().unwrap_or("").to_string();
    ("task dump (debug::dump)", start.elapsed(), first)
}

/// asyncio: `start_server(handle_echo, ...)` and 100 clients from `open_connection`.
async fn echo_server() -> Step {
    let start = Instant::now();
    let server = corio::net::start_server(
        |mut reader: corio::net::StreamReader, writer: corio::net::StreamWriter| async move {
            while let Ok(line) = reader.readline().await {
                if line.is_empty() {
                    break; // EOF
                }
                writer.write(&line);
                if writer.drain().await.is_err() {
                    break;
                }
            }
        },
        "127.0.0.1:0",
    )
    .await
    .expect("bind 127.0.0.1");
    let addr = server.local_addr();
    let clients: Vec<_> = (0..100)
        .map(|i| {
            corio::spawn(async move {
                let (mut reader, writer) = corio::net::open_connection(addr).await.unwrap();
                let mut echoed = 0;
                for j in 0..10 {
                    let line = format!("client {i} line {j}\n");
                    writer.write(line.as_bytes());
                    writer.drain().await.unwrap();
                    let back = reader.readline().await.unwrap();
                    assert_eq!(back, line.as_bytes());
                    echoed += 1;
                }
                echoed
            })
        })
        .collect();
    let mut echoed = 0;
    for client in clients {
        echoed += client.await.unwrap();
    }
    server.close();
    println!("an asyncio-style echo server on {addr} echoed {echoed} lines for 100 clients");
    (
        "echo server, 100 clients",
        start.elapsed(),
        format!("{echoed} lines echoed"),
    )
}

/// asyncio + aiofiles: read three files, upper-case them, write three outputs concurrently.
async fn files_upper_cased() -> Step {
    let start = Instant::now();
    let dir = std::env::temp_dir().join(format!("corio-tour-{}", std::process::id()));
    corio::fs::create_dir_all(&dir).await.unwrap();
    let jobs: Vec<_> = (1..=3)
        .map(|i| {
            let dir = dir.clone();
            corio::spawn(async move {
                let input = dir.join(format!("input{i}.txt"));
                corio::fs::write(&input, format!("hello from file {i}\n"))
                    .await
                    .unwrap();
                let text = corio::fs::read_to_string(&input).await.unwrap();
                corio::fs::write(dir.join(format!("output{i}.txt")), text.to_uppercase())
                    .await
                    .unwrap();
                corio::fs::read_to_string(dir.join(format!("output{i}.txt")))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut outputs = Vec::new();
    for job in jobs {
        outputs.push(job.await.unwrap().trim().to_string());
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("three files upper-cased concurrently on the blocking pool: {outputs:?}");
    (
        "files upper-cased (corio::fs)",
        start.elapsed(),
        outputs.join(" | "),
    )
}
