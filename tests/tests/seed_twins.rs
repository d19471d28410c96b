//! The seed tutorials' stories, re-run on the deterministic runtime (one
//! worker: asyncio's single FIFO loop; a paused clock: exact virtual
//! seconds, no real sleeping). Each test pins down what the matching example
//! in crates/corio/examples shows when run for real: who prints what, in
//! which order, at which second.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corio::{ReturnWhen, Runtime, TaskError};
use corio_tests::{DropCounter, StoryLog, within};

/// Runs `body` on the deterministic runtime (one worker, paused clock); a
/// hang fails the test.
fn story<T, Fut>(body: impl FnOnce() -> Fut + Send + 'static) -> T
where
    T: Send + 'static,
    Fut: Future<Output = T>,
{
    within(Duration::from_secs(5), move || {
        let rt = Runtime::builder()
            .worker_threads(1)
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(body())
    })
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// Expected lines: (virtual second, text).
fn expect(lines: &[(f64, &str)]) -> Vec<(Duration, String)> {
    lines
        .iter()
        .map(|&(s, l)| (secs(s), l.to_string()))
        .collect()
}

// ----- breakfast, dinner, five jobs (tutorials 000 and 004) --------------------

async fn make(log: StoryLog, item: &'static str, minutes: u64) {
    corio::sleep(secs(minutes as f64)).await;
    log.print(format!("{item} ready"));
}

const BREAKFAST: [(&str, u64); 3] = [("toast", 2), ("coffee", 3), ("eggs", 7)];

#[test]
fn breakfast_is_ready_after_7_units_not_12() {
    let (sequential, concurrent, lines) = story(|| async {
        let log = StoryLog::new();
        for (item, minutes) in BREAKFAST {
            make(log.clone(), item, minutes).await;
        }
        let sequential = log.elapsed();

        let log = StoryLog::new();
        corio::gather(BREAKFAST.map(|(item, minutes)| make(log.clone(), item, minutes))).await;
        (sequential, log.elapsed(), log.lines())
    });
    assert_eq!(sequential, secs(12.0), "one after another: 2 + 3 + 7");
    assert_eq!(concurrent, secs(7.0), "together: the eggs' 7");
    assert_eq!(
        lines,
        expect(&[
            (2.0, "toast ready"),
            (3.0, "coffee ready"),
            (7.0, "eggs ready")
        ])
    );
}

#[test]
fn dinner_is_ready_when_the_pasta_is() {
    let lines = story(|| async {
        let log = StoryLog::new();
        let pasta = {
            let log = log.clone();
            async move {
                log.print("Boiling water...");
                corio::sleep(secs(5.0)).await;
                log.print("Adding the pasta...");
                corio::sleep(secs(8.0)).await;
                log.print("Pasta done!");
            }
        };
        let salad = {
            let log = log.clone();
            async move {
                log.print("Washing vegetables...");
                corio::sleep(secs(3.0)).await;
                log.print("Making the dressing...");
                corio::sleep(secs(2.0)).await;
                log.print("Salad done!");
            }
        };
        corio::gather!(pasta, salad).await;
        log.print("Dinner is ready!");
        log.lines()
    });
    let mut at_five = lines[3..5].to_vec();
    at_five.sort();
    let mut lines = lines;
    lines.splice(3..5, at_five);
    // Two timers due at exactly 5 s fire in either order: asyncio leaves ties
    // undefined too (on the real clock the pasta's, set first, is due first).
    assert_eq!(
        lines,
        expect(&[
            (0.0, "Boiling water..."),
            (0.0, "Washing vegetables..."),
            (3.0, "Making the dressing..."),
            (5.0, "Adding the pasta..."),
            (5.0, "Salad done!"),
            (13.0, "Pasta done!"),
            (13.0, "Dinner is ready!"),
        ])
    );
}

async fn job(log: StoryLog, number: u32) {
    log.print(format!("Starting job {number}"));
    corio::sleep(secs(1.0)).await;
    log.print(format!("Finishing job {number}"));
}

#[test]
fn five_one_second_jobs_gathered_take_one_second_not_five() {
    let (one_by_one, gathered, lines) = story(|| async {
        let log = StoryLog::new();
        for i in 0..5 {
            job(log.clone(), i).await;
        }
        let one_by_one = log.elapsed();

        let log = StoryLog::new();
        corio::gather((0..5).map(|i| job(log.clone(), i))).await;
        (one_by_one, log.elapsed(), log.lines())
    });
    assert_eq!(one_by_one, secs(5.0));
    assert_eq!(gathered, secs(1.0));
    let mut want: Vec<(f64, String)> = (0..5).map(|i| (0.0, format!("Starting job {i}"))).collect();
    want.extend((0..5).map(|i| (1.0, format!("Finishing job {i}"))));
    let want: Vec<(Duration, String)> = want.into_iter().map(|(s, l)| (secs(s), l)).collect();
    assert_eq!(
        lines, want,
        "all start at once, in order; all finish a second later"
    );
}

// ----- create_task (tutorials 001 and 003) --------------------------------------

#[test]
fn a_created_task_starts_when_main_first_awaits_in_the_seeds_order() {
    let lines = story(|| async {
        let log = StoryLog::new();
        // The seed's main, run as a task on the single worker like asyncio's main.
        let main = {
            let log = log.clone();
            async move {
                let background = {
                    let log = log.clone();
                    async move {
                        log.print("Starting background work");
                        corio::sleep(secs(2.0)).await;
                        log.print("Background work completed");
                    }
                };
                let task = corio::spawn(background);
                log.print("Task created, doing other work");
                corio::sleep(secs(1.0)).await;
                log.print("Other work done");
                task.await.unwrap();
            }
        };
        corio::spawn(main).await.unwrap();
        log.lines()
    });
    assert_eq!(
        lines,
        expect(&[
            (0.0, "Task created, doing other work"),
            (0.0, "Starting background work"),
            (1.0, "Other work done"),
            (2.0, "Background work completed"),
        ])
    );
}

#[test]
fn alice_and_bob_start_together_and_finish_in_two_seconds() {
    let (lines, results) = story(|| async {
        let log = StoryLog::new();
        let say_hello = |name: &'static str, delay: f64| {
            let log = log.clone();
            async move {
                log.print(format!("{name}: start"));
                corio::sleep(secs(delay)).await;
                log.print(format!("{name}: end"));
                format!("Hello, {name}!")
            }
        };
        let task1 = corio::spawn(say_hello("Alice", 2.0));
        let task2 = corio::spawn(say_hello("Bob", 1.0));
        let results = (task1.await.unwrap(), task2.await.unwrap());
        log.print("done");
        (log.lines(), results)
    });
    assert_eq!(
        lines,
        expect(&[
            (0.0, "Alice: start"),
            (0.0, "Bob: start"),
            (1.0, "Bob: end"),
            (2.0, "Alice: end"),
            (2.0, "done"),
        ])
    );
    assert_eq!(results, ("Hello, Alice!".into(), "Hello, Bob!".into()));
}

// ----- as_completed and wait (tutorial 001) --------------------------------------

#[test]
fn as_completed_yields_the_search_engines_in_the_order_they_answer() {
    let (urls, engines) = story(|| async {
        let tasks = [(1, 3.0), (2, 1.0), (3, 2.0)].map(|(id, delay)| {
            corio::spawn(async move {
                corio::sleep(secs(delay)).await;
                format!("Data from URL {id}")
            })
        });
        let mut urls = Vec::new();
        let mut stream = corio::as_completed(tasks);
        while let Some(result) = stream.next().await {
            urls.push(result.unwrap());
        }

        let log = StoryLog::new();
        let searches = [("Google", 1.5), ("Bing", 2.0), ("DuckDuckGo", 1.0)].map(|(name, d)| {
            corio::spawn(async move {
                corio::sleep(secs(d)).await;
                format!("{name}: Results for 'python asyncio'")
            })
        });
        let mut stream = corio::as_completed(searches);
        while let Some(result) = stream.next().await {
            log.print(result.unwrap());
        }
        (urls, log.lines())
    });
    assert_eq!(
        urls,
        ["Data from URL 2", "Data from URL 3", "Data from URL 1"]
    );
    assert_eq!(
        engines,
        expect(&[
            (1.0, "DuckDuckGo: Results for 'python asyncio'"),
            (1.5, "Google: Results for 'python asyncio'"),
            (2.0, "Bing: Results for 'python asyncio'"),
        ])
    );
}

#[test]
fn wait_first_completed_returns_after_the_fast_task_with_two_still_running() {
    story(|| async {
        let start = corio::time::now();
        let task = |delay: f64, name: &'static str| {
            corio::spawn(async move {
                corio::sleep(secs(delay)).await;
                format!("{name} completed")
            })
        };
        let tasks = vec![task(1.0, "Fast"), task(3.0, "Slow"), task(2.0, "Medium")];
        let (mut done, pending) = corio::wait(tasks, ReturnWhen::FirstCompleted, None)
            .await
            .unwrap();
        assert_eq!(corio::time::now() - start, secs(1.0));
        assert_eq!(done.len(), 1);
        assert_eq!(done.pop().unwrap().await.unwrap(), "Fast completed");
        assert_eq!(pending.len(), 2, "Still pending: 2 tasks");
        assert!(
            pending.iter().all(|t| !t.is_finished()),
            "wait cancels nothing"
        );
        for task in &pending {
            task.cancel();
        }
        for task in pending {
            assert!(task.await.is_err_and(|e| e.is_cancelled()));
        }
        assert_eq!(
            corio::time::now() - start,
            secs(1.0),
            "cancelled, not awaited"
        );
    });
}

// ----- failures (tutorial 001) ----------------------------------------------------

fn panic_message(error: TaskError) -> String {
    let payload = error.into_panic();
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload
            .downcast::<&str>()
            .map_or("?".into(), |s| s.to_string()),
    }
}

#[test]
fn gather_settled_keeps_each_failure_in_its_place_and_cancels_nothing() {
    let (outcomes, elapsed, slow) = story(|| async {
        let start = corio::time::now();
        let risky = |item: u32| async move {
            corio::sleep(secs(1.0)).await;
            if item % 2 == 0 {
                panic!("Item {item} caused an error");
            }
            format!("Item {item} processed")
        };
        let outcomes = corio::gather_settled((0..5).map(risky)).await;
        let elapsed = corio::time::now() - start;

        // The seed's other program: a failure after 1 s does not stop a success after 2 s.
        type Job = Pin<Box<dyn Future<Output = &'static str> + Send>>;
        let failing: Job = Box::pin(async {
            corio::sleep(secs(1.0)).await;
            panic!("Task failed!")
        });
        let succeeding: Job = Box::pin(async {
            corio::sleep(secs(2.0)).await;
            "success"
        });
        let slow = corio::gather_settled([failing, succeeding]).await;
        (outcomes, elapsed, slow)
    });
    assert_eq!(elapsed, secs(1.0));
    let described: Vec<String> = outcomes
        .into_iter()
        .map(|o| match o {
            Ok(value) => format!("ok: {value}"),
            Err(error) => format!("failed: {}", panic_message(error)),
        })
        .collect();
    assert_eq!(
        described,
        [
            "failed: Item 0 caused an error",
            "ok: Item 1 processed",
            "failed: Item 2 caused an error",
            "ok: Item 3 processed",
            "failed: Item 4 caused an error",
        ]
    );
    let mut slow = slow.into_iter();
    assert_eq!(
        panic_message(slow.next().unwrap().unwrap_err()),
        "Task failed!"
    );
    assert_eq!(slow.next().unwrap().unwrap(), "success", "not cancelled");
}

#[test]
fn try_gather_propagates_the_first_error_and_cancels_the_sibling() {
    let drops = DropCounter::new();
    let finished = Arc::new(Mutex::new(false));
    let (error, elapsed) = story({
        let (drops, finished) = (drops.clone(), finished.clone());
        move || async move {
            let start = corio::time::now();
            type Job = Pin<Box<dyn Future<Output = Result<&'static str, String>> + Send>>;
            let failing: Job = Box::pin(async {
                corio::sleep(secs(1.0)).await;
                Err("Task failed!".to_string())
            });
            let token = drops.token();
            let successful: Job = Box::pin(async move {
                let _token = token;
                corio::sleep(secs(2.0)).await;
                *finished.lock().unwrap() = true;
                Ok("success")
            });
            let error = corio::try_gather([failing, successful]).await.unwrap_err();
            (error, corio::time::now() - start)
        }
    });
    assert_eq!(error, "Task failed!");
    assert_eq!(elapsed, secs(1.0), "returns at the failure");
    assert_eq!(drops.count(), 1, "the sibling's future was dropped");
    assert!(!*finished.lock().unwrap(), "the sibling never finished");
}

// ----- pipeline and the timing table -----------------------------------------------

#[test]
fn the_pipeline_fetches_then_processes_then_saves() {
    let lines = story(|| async {
        let log = StoryLog::new();
        let fetch_data = async {
            log.print("Fetching data...");
            corio::sleep(secs(2.0)).await;
            "Raw data".to_string()
        };
        let raw_data = fetch_data.await;
        let process_data = async {
            log.print("Processing data...");
            corio::sleep(secs(1.0)).await;
            format!("Processed {raw_data}")
        };
        let processed = process_data.await;
        log.print("Saving data...");
        corio::sleep(secs(1.0)).await;
        log.print(format!("Saved: {processed}"));
        log.lines()
    });
    assert_eq!(
        lines,
        expect(&[
            (0.0, "Fetching data..."),
            (2.0, "Processing data..."),
            (3.0, "Saving data..."),
            (4.0, "Saved: Processed Raw data"),
        ])
    );
}

#[test]
fn the_timing_tables_async_column_is_one_requests_latency() {
    let rows = story(|| async {
        let latency = secs(1.0); // httpbin.org/delay/1
        let mut rows = Vec::new();
        for n in [5usize, 10, 20, 50, 100] {
            let start = corio::time::now();
            for _ in 0..n {
                corio::sleep(latency).await; // one request after another
            }
            let sequential = corio::time::now() - start;

            let start = corio::time::now();
            let bodies = corio::gather((0..n).map(|_| async move {
                corio::sleep(latency).await;
                300usize
            }))
            .await;
            assert_eq!(bodies.len(), n);
            rows.push((n, sequential, corio::time::now() - start));
        }
        rows
    });
    for (n, sequential, concurrent) in rows {
        assert_eq!(sequential, secs(n as f64), "{n} requests one by one");
        assert_eq!(concurrent, secs(1.0), "{n} requests at once: one latency");
    }
}
