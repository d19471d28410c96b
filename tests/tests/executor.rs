//! The executor's behaviour at its edges: misuse, cancellation, panics,
//! the blocking pool, names and ids.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use corio::{Handle, Runtime, TaskState};
use corio_tests::{DropCounter, eventually, within};

fn rt(workers: usize) -> Runtime {
    Runtime::builder().worker_threads(workers).build().unwrap()
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn run_inside_a_runtime_panics_and_says_to_await() {
    let message = corio::run(async {
        let task = corio::spawn(async {
            let caught = std::panic::catch_unwind(|| corio::run(async {}));
            panic_message(caught.unwrap_err())
        });
        task.await.unwrap()
    });
    assert!(message.contains("`.await` the future instead"), "{message}");
}

#[test]
fn spawn_without_a_runtime_panics_naming_the_fix() {
    let caught = std::panic::catch_unwind(|| corio::spawn(async {}));
    let message = panic_message(caught.unwrap_err());
    assert!(message.contains("no corio runtime"), "{message}");
    assert!(message.contains("corio::run"), "{message}");
}

#[test]
fn try_current_is_an_error_outside_and_a_handle_inside() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.to_string().contains("no corio runtime"));
    corio::run(async {
        assert!(Handle::try_current().is_ok());
        let inside_task = corio::spawn(async { Handle::try_current().is_ok() })
            .await
            .unwrap();
        assert!(inside_task);
        let inside_pool = corio::spawn_blocking(|| Handle::try_current().is_ok())
            .await
            .unwrap();
        assert!(inside_pool);
    });
}

#[test]
fn cancel_before_the_first_poll_never_runs_the_body() {
    let rt = rt(2);
    let ran = Arc::new(AtomicBool::new(false));
    let drops = DropCounter::new();
    // Park both workers so the task cannot start before we cancel it.
    let gate = Arc::new(Barrier::new(3));
    let blockers: Vec<_> = (0..2)
        .map(|_| {
            let gate = gate.clone();
            rt.spawn(async move {
                gate.wait();
            })
        })
        .collect();
    let flag = ran.clone();
    let token = drops.token();
    let task = rt.spawn(async move {
        let _token = token;
        flag.store(true, SeqCst);
    });
    assert!(task.cancel());
    gate.wait();
    let err = rt.block_on(task).unwrap_err();
    assert!(err.is_cancelled());
    assert!(!ran.load(SeqCst), "the body must never run");
    assert_eq!(drops.count(), 1, "the future is dropped once");
    for b in blockers {
        rt.block_on(b).unwrap();
    }
}

#[test]
fn cancel_while_pending_drops_the_future() {
    let rt = rt(2);
    let drops = DropCounter::new();
    let token = drops.token();
    let started = Arc::new(AtomicBool::new(false));
    let flag = started.clone();
    let task = rt.spawn(async move {
        let _token = token;
        flag.store(true, SeqCst);
        std::future::pending::<()>().await;
    });
    assert!(eventually(Duration::from_secs(5), || started.load(SeqCst)));
    assert!(task.cancel());
    assert!(rt.block_on(task).unwrap_err().is_cancelled());
    assert_eq!(drops.count(), 1);
}

#[test]
fn cancel_after_completion_returns_false_and_keeps_the_result() {
    let rt = rt(2);
    let task = rt.spawn(async { 7 });
    while !task.is_finished() {
        std::thread::yield_now();
    }
    assert!(!task.cancel());
    assert_eq!(task.state(), TaskState::Complete);
    assert_eq!(rt.block_on(task).unwrap(), 7);
}

#[test]
fn cancel_racing_completion_is_consistent() {
    within(Duration::from_secs(60), || {
        let rt = rt(2);
        let iterations = if cfg!(debug_assertions) {
            5_000
        } else {
            50_000
        };
        let (mut kept, mut cancelled) = (0, 0);
        for i in 0..iterations {
            let drops = DropCounter::new();
            let token = drops.token();
            let task = rt.spawn(async move {
                let _token = token;
                if i % 2 == 0 {
                    corio::yield_now().await;
                }
                i
            });
            let requested = task.cancel();
            match rt.block_on(task) {
                Ok(v) => {
                    assert_eq!(v, i);
                    kept += 1;
                }
                Err(e) => {
                    assert!(
                        requested,
                        "cancelled although cancel() said the task had finished"
                    );
                    assert!(e.is_cancelled());
                    cancelled += 1;
                }
            }
            assert_eq!(drops.count(), 1, "the future is dropped exactly once");
        }
        assert_eq!(kept + cancelled, iterations);
    });
}

#[test]
fn panicking_tasks_never_kill_a_worker() {
    within(Duration::from_secs(60), || {
        let workers = 2;
        let reports = Arc::new(AtomicUsize::new(0));
        let counter = reports.clone();
        let rt = Runtime::builder()
            .worker_threads(workers)
            .on_unhandled_panic(move |_| {
                counter.fetch_add(1, SeqCst);
            })
            .build()
            .unwrap();
        let previous_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {})); // keep 10 000 panics off the test output
        let tasks: Vec<_> = (0..10_000)
            .map(|i| rt.spawn(async move { panic!("task {i} fails") }))
            .collect();
        for task in tasks {
            let err = rt.block_on(task).unwrap_err();
            assert!(err.is_panic());
        }
        std::panic::set_hook(previous_hook);
        assert_eq!(
            reports.load(SeqCst),
            0,
            "panics that were awaited are not reported as unhandled"
        );
        // Every worker must still run tasks: park one task on each worker at once.
        let barrier = Arc::new(Barrier::new(workers));
        let threads = Arc::new(Mutex::new(std::collections::HashSet::new()));
        let tasks: Vec<_> = (0..workers)
            .map(|_| {
                let barrier = barrier.clone();
                let threads = threads.clone();
                rt.spawn(async move {
                    threads.lock().unwrap().insert(std::thread::current().id());
                    barrier.wait();
                })
            })
            .collect();
        for task in tasks {
            rt.block_on(task).unwrap();
        }
        assert_eq!(threads.lock().unwrap().len(), workers);
    });
}

#[test]
fn a_detached_panic_is_reported_once() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let rt = Runtime::builder()
        .worker_threads(2)
        .on_unhandled_panic(move |err| sink.lock().unwrap().push(err.to_string()))
        .build()
        .unwrap();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let task = corio::task::Builder::new()
        .name("lonely")
        .spawn_on(rt.handle(), async { panic!("nobody listens") });
    drop(task);
    assert!(eventually(Duration::from_secs(5), || !reports
        .lock()
        .unwrap()
        .is_empty()));
    rt.shutdown();
    std::panic::set_hook(previous_hook);
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].contains("'lonely'") && reports[0].contains("nobody listens"),
        "{}",
        reports[0]
    );
}

#[test]
fn blocking_calls_do_not_stall_the_workers() {
    within(Duration::from_secs(60), || {
        let rt = rt(2);
        let blocking: Vec<_> = (0..10)
            .map(|_| rt.spawn_blocking(|| std::thread::sleep(Duration::from_millis(200))))
            .collect();
        let done = rt.block_on(async {
            let small: Vec<_> = (0..10_000u64)
                .map(|i| corio::spawn(async move { i }))
                .collect();
            let mut sum = 0;
            for task in small {
                sum += task.await.unwrap();
            }
            sum
        });
        assert_eq!(done, (0..10_000u64).sum::<u64>());
        let finished = blocking.iter().filter(|t| t.is_finished()).count();
        assert_eq!(
            finished, 0,
            "10 000 small tasks finished while the 200 ms blocking calls ran"
        );
        assert_eq!(
            rt.handle().blocking_stats().0,
            10,
            "one pool thread per concurrent blocking call"
        );
        for task in blocking {
            rt.block_on(task).unwrap();
        }
    });
}

#[test]
fn blocking_pool_respects_its_cap_and_retires_idle_threads() {
    within(Duration::from_secs(60), || {
        let rt = Runtime::builder()
            .worker_threads(1)
            .max_blocking_threads(3)
            .keep_alive(Duration::from_millis(50))
            .build()
            .unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let high_water = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (running, high_water) = (running.clone(), high_water.clone());
                rt.spawn_blocking(move || {
                    let now = running.fetch_add(1, SeqCst) + 1;
                    high_water.fetch_max(now, SeqCst);
                    std::thread::sleep(Duration::from_millis(10));
                    running.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        for task in tasks {
            rt.block_on(task).unwrap();
        }
        assert!(high_water.load(SeqCst) <= 3);
        assert!(rt.handle().blocking_stats().0 <= 3);
        assert!(
            eventually(Duration::from_secs(5), || rt.handle().blocking_stats().0
                == 0),
            "idle pool threads retire after the keep-alive"
        );
    });
}

#[test]
fn a_blocking_closure_cancelled_before_it_starts_never_runs() {
    let rt = Runtime::builder()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let first = rt.spawn_blocking(move || wait.recv().unwrap());
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let second = rt.spawn_blocking(move || flag.store(true, SeqCst));
    assert!(second.cancel());
    release.send(()).unwrap();
    rt.block_on(first).unwrap();
    assert!(rt.block_on(second).unwrap_err().is_cancelled());
    assert!(!ran.load(SeqCst));
}

#[test]
fn run_cancels_leftover_tasks_and_their_drop_runs_before_it_returns() {
    let drops = DropCounter::new();
    let spawned = drops.clone();
    corio::run(async move {
        for _ in 0..100 {
            let token = spawned.token();
            drop(corio::spawn(async move {
                let _token = token;
                std::future::pending::<()>().await;
            }));
        }
    });
    assert_eq!(drops.count(), 100);
}

#[test]
fn tasks_know_their_name_id_and_parent() {
    let rt = rt(2);
    let (parent_id, child_info) = rt.block_on(async {
        let parent = corio::task::Builder::new().name("parent").spawn(async {
            let me = corio::task::current_id().unwrap();
            let child = corio::task::Builder::new()
                .name("child")
                .spawn(std::future::pending::<()>());
            let info = Handle::current()
                .tasks()
                .into_iter()
                .find(|t| t.id == child.id())
                .unwrap();
            child.cancel();
            (me, info)
        });
        assert_eq!(parent.name(), Some("parent"));
        parent.await.unwrap()
    });
    assert_eq!(child_info.name.as_deref(), Some("child"));
    assert_eq!(child_info.parent, Some(parent_id));
}

#[test]
fn task_errors_name_the_task_and_the_reason() {
    let rt = rt(1);
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let task = corio::task::Builder::new()
        .name("fetch")
        .spawn_on(rt.handle(), async { panic!("connection lost") });
    let id = task.id();
    let err = rt.block_on(task).unwrap_err();
    std::panic::set_hook(previous_hook);
    assert_eq!(
        err.to_string(),
        format!("task {id} ('fetch') panicked: connection lost")
    );
    let task = rt.spawn(std::future::pending::<()>());
    let id = task.id();
    task.cancel();
    let err = rt.block_on(task).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("task {id} was cancelled before it finished")
    );
}

#[test]
fn a_single_worker_runs_tasks_in_fifo_order_like_asyncio() {
    let rt = rt(1);
    let log = Arc::new(Mutex::new(Vec::new()));
    let spawner_log = log.clone();
    // Spawned from a task, so the order of the spawns is the program's order.
    let spawner = rt.spawn(async move {
        let tasks: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                let log = spawner_log.clone();
                corio::spawn(async move {
                    for i in 0..3 {
                        log.lock().unwrap().push(format!("{name}{i}"));
                        corio::yield_now().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    rt.block_on(spawner).unwrap();
    let log = log.lock().unwrap().join(" ");
    assert_eq!(log, "a0 b0 c0 a1 b1 c1 a2 b2 c2");
}

#[test]
fn to_thread_returns_the_value_and_resumes_panics() {
    corio::run(async {
        assert_eq!(corio::to_thread(|| 40 + 2).await, 42);
        let previous_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let caught = corio::spawn(async { corio::to_thread(|| panic!("in the pool")).await }).await;
        std::panic::set_hook(previous_hook);
        let err = caught.unwrap_err();
        assert_eq!(panic_message(err.into_panic()), "in the pool");
    });
}

#[test]
fn a_zero_worker_runtime_is_refused_with_a_clear_error() {
    let err = Runtime::builder().worker_threads(0).build().unwrap_err();
    assert!(err.to_string().contains("at least one worker"));
}

#[test]
fn a_blocking_closure_panic_nobody_awaits_goes_to_the_runtime_hook() {
    let (tx, reports) = std::sync::mpsc::channel();
    let tx = Mutex::new(tx);
    let rt = Runtime::builder()
        .worker_threads(1)
        .on_unhandled_panic(move |err| tx.lock().unwrap().send(err.to_string()).unwrap())
        .build()
        .unwrap();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    drop(rt.spawn_blocking(|| panic!("lost in the pool")));
    let report = reports.recv_timeout(Duration::from_secs(10)).unwrap();
    std::panic::set_hook(previous_hook);
    assert!(report.contains("lost in the pool"), "{report}");
}
