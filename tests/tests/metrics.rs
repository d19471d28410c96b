//! Runtime metrics: the counters move as the work says they must, and the
//! depths come back to zero when the runtime is at rest.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use corio::Runtime;
use corio_tests::{eventually, within};

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn polls_count_every_task_run() {
    within(LIMIT, || {
        const N: usize = 1_000;
        let rt = Runtime::builder().worker_threads(2).build().unwrap();
        let before = rt.metrics();
        assert_eq!(before.workers.len(), 2);
        rt.block_on(async {
            let tasks: Vec<_> = (0..N).map(|i| corio::spawn(async move { i })).collect();
            for (i, task) in tasks.into_iter().enumerate() {
                assert_eq!(task.await.unwrap(), i);
            }
        });
        let after = rt.metrics();
        let polls = after.total_polls() - before.total_polls();
        assert!(
            polls >= N as u64,
            "{N} tasks ran, but only {polls} polls were counted"
        );
        // Each of these tasks completes in its first poll: nothing polls them twice.
        assert!(
            polls <= 2 * N as u64,
            "{polls} polls for {N} one-poll tasks"
        );
        assert_eq!(after.alive_tasks, 0);
    });
}

#[test]
fn one_worker_counts_every_poll_of_a_yielding_task() {
    within(LIMIT, || {
        let rt = Runtime::builder().worker_threads(1).build().unwrap();
        let before = rt.metrics().total_polls();
        rt.block_on(rt.spawn(async {
            for _ in 0..10 {
                corio::yield_now().await;
            }
        }))
        .unwrap();
        // One poll to start, one after each of the 10 yields.
        assert_eq!(rt.metrics().total_polls() - before, 11);
    });
}

#[test]
fn an_idle_worker_steals_from_a_busy_one() {
    within(LIMIT, || {
        const N: usize = 200;
        let rt = Runtime::builder().worker_threads(2).build().unwrap();
        let done = Arc::new(AtomicUsize::new(0));
        let spawner = {
            let done = done.clone();
            rt.spawn(async move {
                for _ in 0..N {
                    let done = done.clone();
                    drop(corio::spawn(async move {
                        done.fetch_add(1, SeqCst);
                    }));
                }
                // Hold this worker (without yielding) until the other one has run
                // every task it could reach: all but the one in our LIFO slot.
                // It can only have reached them by stealing from our queue.
                let deadline = Instant::now() + Duration::from_secs(10);
                while done.load(SeqCst) < N - 1 {
                    assert!(Instant::now() < deadline, "the idle worker never stole");
                    std::hint::spin_loop();
                }
            })
        };
        rt.block_on(spawner).unwrap();
        assert!(eventually(Duration::from_secs(10), || done.load(SeqCst) == N));
        let m = rt.metrics();
        assert!(m.total_steal_batches() >= 1, "{m:?}");
        assert!(
            m.total_stolen_tasks() >= (N - 1) as u64,
            "{} of {N} tasks ran on the other worker, but only {} steals were counted: {m:?}",
            N - 1,
            m.total_stolen_tasks()
        );
        // A batch takes at least one task.
        assert!(m.total_stolen_tasks() >= m.total_steal_batches());
    });
}

#[test]
fn parks_are_counted_and_depths_return_to_zero_at_rest() {
    within(LIMIT, || {
        let rt = Runtime::builder().worker_threads(2).build().unwrap();
        rt.block_on(async {
            let tasks: Vec<_> = (0..500)
                .map(|_| {
                    corio::spawn(async {
                        for _ in 0..3 {
                            corio::yield_now().await;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        // Every task finished, so nothing can be queued any more.
        let m = rt.metrics();
        assert_eq!(m.total_queue_depth(), 0, "{m:?}");
        assert_eq!(m.injector_depth, 0);
        assert_eq!(m.alive_tasks, 0);
        assert_eq!((m.timers, m.io_sources), (0, 0));
        // With no work left both workers go to sleep, and each sleep is counted.
        assert!(
            eventually(Duration::from_secs(10), || rt
                .metrics()
                .workers
                .iter()
                .all(|w| w.parks >= 1)),
            "{:?}",
            rt.metrics()
        );
        // A wake-up and another sleep count one more park.
        let parks = rt.metrics().total_parks();
        rt.block_on(rt.spawn(async {})).unwrap();
        assert!(eventually(Duration::from_secs(10), || rt
            .metrics()
            .total_parks()
            > parks));
    });
}

#[test]
fn timers_io_sources_and_the_blocking_pool_show_up() {
    within(LIMIT, || {
        let rt = Runtime::builder().worker_threads(2).build().unwrap();
        let sleeper = rt.spawn(corio::sleep(Duration::from_secs(60)));
        let listener = rt.block_on(async {
            // The sleeper's timer is in the wheel once it has been polled.
            while corio::Handle::current().metrics().timers == 0 {
                corio::yield_now().await;
            }
            let listener = corio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let (started_tx, started_rx) = std::sync::mpsc::channel();
            let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
            let blocking = corio::spawn_blocking(move || {
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
            });
            started_rx.recv().unwrap();
            let m = corio::Handle::current().metrics();
            assert_eq!(m.timers, 1);
            assert_eq!(m.io_sources, 1);
            assert_eq!(m.blocking.running, 1);
            assert!(m.blocking.threads >= 1);
            release_tx.send(()).unwrap();
            blocking.await.unwrap();
            listener
        });
        drop(listener);
        sleeper.cancel();
        assert!(rt.block_on(sleeper).unwrap_err().is_cancelled());
        let m = rt.metrics();
        assert_eq!((m.timers, m.io_sources), (0, 0));
        // The pool thread stays for its keep-alive, idle (it counts itself idle
        // a moment after its closure's task completes).
        assert!(eventually(Duration::from_secs(10), || {
            let b = rt.metrics().blocking;
            b.threads >= 1 && b.idle_threads == b.threads && b.running == 0 && b.queued == 0
        }));
    });
}
