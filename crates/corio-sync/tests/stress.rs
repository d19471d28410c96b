//! Multi-threaded stress tests with random cancellation. Some sizes shrink
//! in debug builds so `cargo test` stays fast.
#![cfg(not(loom))]

mod common;

use common::{Pool, Rng, YieldN, block_on, race};
use corio_sync::{Queue, Semaphore};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

#[test]
fn queue_many_producers_consumers_with_cancelled_gets() {
    const PRODUCERS: usize = 8;
    const CONSUMERS: usize = 8;
    const CANCELLING: usize = 3; // about a third of the consumers
    // Fast enough unoptimized (about 2 s) to keep the full size everywhere.
    let total: usize = 1_000_000;
    let per_producer = total / PRODUCERS;
    assert_eq!(per_producer * PRODUCERS, total);

    let q: Queue<usize> = Queue::bounded(64);
    let seen: Arc<Vec<AtomicBool>> = Arc::new((0..total).map(|_| AtomicBool::new(false)).collect());
    let done = Arc::new(AtomicUsize::new(0));
    let cancelled = Arc::new(AtomicUsize::new(0));

    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let (q, seen, done, cancelled) =
                (q.clone(), seen.clone(), done.clone(), cancelled.clone());
            thread::spawn(move || {
                let mut rng = Rng::new(c as u64 + 1);
                block_on(async {
                    loop {
                        let got = if c < CANCELLING {
                            // Drop the get at a random moment, then start a
                            // new one (the replacement).
                            match race(q.get(), YieldN(rng.below(3) as u32)).await {
                                Some(r) => r,
                                None => {
                                    cancelled.fetch_add(1, Ordering::Relaxed);
                                    continue;
                                }
                            }
                        } else {
                            q.get().await
                        };
                        let Ok(n) = got else { break };
                        assert!(
                            !seen[n].swap(true, Ordering::Relaxed),
                            "item {n} received twice"
                        );
                        done.fetch_add(1, Ordering::SeqCst);
                        q.task_done().unwrap();
                    }
                })
            })
        })
        .collect();

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let q = q.clone();
            thread::spawn(move || {
                block_on(async {
                    for i in 0..per_producer {
                        q.put(p * per_producer + i).await.unwrap();
                    }
                })
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    // Every item is in; join must not return before the last task_done.
    block_on(q.join());
    assert_eq!(done.load(Ordering::SeqCst), total, "join returned early");
    assert_eq!(q.unfinished_tasks(), 0);
    q.shutdown(false);
    for c in consumers {
        c.join().unwrap();
    }
    assert!(
        seen.iter().all(|b| b.load(Ordering::Relaxed)),
        "an item was lost"
    );
    assert!(
        cancelled.load(Ordering::Relaxed) > 0,
        "no get was cancelled"
    );
    assert_eq!(q.waiters(), 0);
    assert!(q.empty());
}

#[test]
fn semaphore_contention_with_random_cancellation() {
    const TASKS: usize = 1000;
    const PERMITS: usize = 10;
    let rounds: usize = if cfg!(debug_assertions) { 10 } else { 50 };

    let sem = Arc::new(Semaphore::new(PERMITS));
    let held = Arc::new(AtomicUsize::new(0));
    let high = Arc::new(AtomicUsize::new(0));
    let acquired = Arc::new(AtomicUsize::new(0));
    let cancelled = Arc::new(AtomicUsize::new(0));
    let pool = Pool::new(3);
    for t in 0..TASKS {
        let (sem, held, high) = (sem.clone(), held.clone(), high.clone());
        let (acquired, cancelled) = (acquired.clone(), cancelled.clone());
        pool.spawn(async move {
            let mut rng = Rng::new(t as u64 + 7);
            for _ in 0..rounds {
                let permit = if rng.below(3) == 0 {
                    match race(sem.acquire(), YieldN(rng.below(4) as u32)).await {
                        Some(p) => p.unwrap(),
                        None => {
                            cancelled.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                    }
                } else {
                    sem.acquire().await.unwrap()
                };
                let now = held.fetch_add(1, Ordering::SeqCst) + 1;
                high.fetch_max(now, Ordering::SeqCst);
                assert!(now <= PERMITS, "{now} permits held at once");
                YieldN(rng.below(3) as u32).await;
                held.fetch_sub(1, Ordering::SeqCst);
                acquired.fetch_add(1, Ordering::Relaxed);
                drop(permit);
            }
        });
    }
    pool.join();
    assert!(high.load(Ordering::SeqCst) <= PERMITS);
    assert!(high.load(Ordering::SeqCst) > 1, "no contention happened");
    assert!(
        cancelled.load(Ordering::Relaxed) > 0,
        "no acquire was cancelled"
    );
    assert_eq!(
        acquired.load(Ordering::Relaxed) + cancelled.load(Ordering::Relaxed),
        TASKS * rounds
    );
    assert_eq!(sem.available_permits(), PERMITS, "a permit leaked");
    assert_eq!(sem.waiters(), 0);
}

#[test]
fn lock_and_channel_ping_pong_across_threads() {
    // Many short hand-offs between two threads: exercises wake-ups that
    // race with registration.
    let rounds = if cfg!(debug_assertions) {
        5_000
    } else {
        20_000
    };
    let (tx1, rx1) = corio_sync::channel::<u32>(1);
    let (tx2, rx2) = corio_sync::channel::<u32>(1);
    let t = thread::spawn(move || {
        block_on(async {
            while let Ok(v) = rx1.recv().await {
                tx2.send(v + 1).await.unwrap();
            }
        })
    });
    block_on(async {
        let mut v = 0;
        for _ in 0..rounds {
            tx1.send(v).await.unwrap();
            v = rx2.recv().await.unwrap();
        }
        assert_eq!(v, rounds);
    });
    drop(tx1);
    t.join().unwrap();
}
