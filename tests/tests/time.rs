//! Time on the runtime: sleeps park the workers until the deadline (no
//! polling), never fire early, and the paused clock auto-advances on one
//! worker and on several.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use corio::Runtime;
use corio_tests::within;

fn paused(workers: usize) -> Runtime {
    Runtime::builder()
        .worker_threads(workers)
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn a_sleep_never_fires_early_on_the_real_clock() {
    let rt = Runtime::builder().worker_threads(2).build().unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = [1u64, 5, 10, 20, 35]
            .into_iter()
            .map(|ms| {
                corio::spawn(async move {
                    let start = Instant::now();
                    corio::sleep(Duration::from_millis(ms)).await;
                    (ms, start.elapsed())
                })
            })
            .collect();
        for task in tasks {
            let (ms, elapsed) = task.await.unwrap();
            assert!(
                elapsed >= Duration::from_millis(ms),
                "{ms} ms sleep woke after {elapsed:?}"
            );
        }
    });
}

#[test]
fn virtual_hours_pass_in_milliseconds_on_one_worker_and_on_several() {
    for workers in [1, 2, 4] {
        within(Duration::from_secs(30), move || {
            let rt = paused(workers);
            let real = Instant::now();
            let start = rt.handle().now();
            let total = rt.block_on(async {
                let tasks: Vec<_> = (1..=20u64)
                    .map(|i| {
                        corio::spawn(async move {
                            for _ in 0..3 {
                                corio::sleep(Duration::from_secs(3600 * i)).await;
                            }
                            i
                        })
                    })
                    .collect();
                let mut total = 0;
                for task in tasks {
                    total += task.await.unwrap();
                }
                total
            });
            assert_eq!(total, 210);
            let virtual_elapsed = rt.handle().now() - start;
            assert!(
                virtual_elapsed >= Duration::from_secs(3 * 3600 * 20),
                "{virtual_elapsed:?}"
            );
            assert!(
                virtual_elapsed < Duration::from_secs(3 * 3600 * 20 + 1),
                "{virtual_elapsed:?}"
            );
            assert!(
                real.elapsed() < Duration::from_secs(5),
                "{workers} workers took {:?}",
                real.elapsed()
            );
        });
    }
}

#[test]
fn paused_timers_fire_in_deadline_order() {
    let rt = paused(2);
    let order = Arc::new(Mutex::new(Vec::new()));
    rt.block_on(async {
        let tasks: Vec<_> = [("A", 2u64), ("B", 3), ("C", 1)]
            .into_iter()
            .map(|(name, secs)| {
                let order = order.clone();
                corio::spawn(async move {
                    corio::sleep(Duration::from_secs(secs)).await;
                    order.lock().unwrap().push(name);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(*order.lock().unwrap(), ["C", "A", "B"]);
}

#[test]
fn timeout_on_the_runtime_cancels_the_inner_future_before_returning() {
    let rt = paused(2);
    let drops = corio_tests::DropCounter::new();
    let token = drops.token();
    let result = rt.block_on(corio::timeout(Duration::from_secs(5), async move {
        let _token = token;
        corio::sleep(Duration::from_secs(60)).await;
    }));
    assert!(result.is_err());
    assert_eq!(
        drops.count(),
        1,
        "the inner future is dropped before timeout returns"
    );
    assert_eq!(rt.handle().num_timers(), 0, "both timers left the wheel");
}

#[test]
fn a_blocking_call_holds_virtual_time_back() {
    // Auto-advance only happens when nothing can run: a running blocking
    // closure counts as running.
    let rt = paused(1);
    let start = rt.handle().now();
    let elapsed_in_closure = rt.block_on(async {
        let sleeper = corio::spawn(corio::sleep(Duration::from_secs(10)));
        let blocking = corio::spawn_blocking(|| std::thread::sleep(Duration::from_millis(50)));
        blocking.await.unwrap();
        let at_end_of_blocking = corio::time::now();
        sleeper.await.unwrap();
        at_end_of_blocking
    }) - start;
    assert!(
        elapsed_in_closure < Duration::from_secs(10),
        "time jumped while a blocking closure ran"
    );
}

#[test]
fn pause_advance_and_resume_on_a_running_runtime() {
    let rt = Runtime::builder().worker_threads(2).build().unwrap();
    rt.block_on(async {
        corio::time::pause();
        let t0 = corio::time::now();
        corio::time::advance(Duration::from_secs(90));
        assert_eq!(corio::time::now() - t0, Duration::from_secs(90));
        corio::time::resume();
        let before = Instant::now();
        corio::sleep(Duration::from_millis(5)).await;
        assert!(
            before.elapsed() >= Duration::from_millis(5),
            "real time again after resume"
        );
    });
}

#[test]
fn shutdown_drops_pending_timers() {
    let rt = Runtime::builder().worker_threads(2).build().unwrap();
    let handle = rt.handle().clone();
    let tasks: Vec<_> = (0..1000)
        .map(|i| rt.spawn(corio::sleep(Duration::from_secs(60 + i))))
        .collect();
    assert!(corio_tests::eventually(Duration::from_secs(5), || handle
        .num_timers()
        == 1000));
    drop(rt);
    assert_eq!(handle.num_timers(), 0);
    assert!(tasks.iter().all(|t| t.is_finished()));
}

#[test]
fn a_wake_up_in_flight_never_lets_virtual_time_jump() {
    // Tasks set an event as they are cancelled; main waits on it under a long
    // timeout. The event is set before the timer could matter, so no virtual
    // time may pass: a jump would mean the runtime looked idle while main's
    // wake-up was in flight.
    struct SetOnDrop(Arc<corio::Event>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.set();
        }
    }
    let iterations = if cfg!(debug_assertions) { 200 } else { 2000 };
    for _ in 0..iterations {
        let rt = paused(1);
        let start = rt.handle().now();
        let end = rt.block_on(async {
            let event = Arc::new(corio::Event::new());
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let guard = SetOnDrop(event.clone());
                    corio::spawn(async move {
                        let _guard = guard;
                        std::future::pending::<()>().await
                    })
                })
                .collect();
            for task in &tasks {
                task.cancel();
            }
            let waited = corio::timeout(Duration::from_secs(10_000), event.wait()).await;
            assert!(waited.is_ok());
            corio::time::now()
        });
        assert_eq!(
            end - start,
            Duration::ZERO,
            "virtual time jumped while a wake-up was in flight"
        );
    }
}
