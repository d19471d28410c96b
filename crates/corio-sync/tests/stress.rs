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

#[test]
fn oneshot_send_recv_drop_across_threads() {
    use corio_sync::{TryRecvError, oneshot};
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::AtomicU8;
    use std::sync::mpsc;
    use std::task::{Context, Waker};

    const N: usize = 100_000;

    /// Counts its drops in `drops[id]`.
    struct Tracked {
        id: usize,
        drops: Arc<Vec<AtomicU8>>,
    }
    impl Drop for Tracked {
        fn drop(&mut self) {
            let before = self.drops[self.id].fetch_add(1, Ordering::SeqCst);
            assert_eq!(before, 0, "value {} dropped twice", self.id);
        }
    }

    let drops: Arc<Vec<AtomicU8>> = Arc::new((0..N).map(|_| AtomicU8::new(0)).collect());
    // A rendezvous: the receiver gets each oneshot just as the sender starts
    // working on it, so the two ends race.
    let (ship, shipped) = mpsc::sync_channel::<oneshot::Receiver<Tracked>>(0);

    let receiver = thread::spawn(move || {
        let mut rng = Rng::new(11);
        let mut cx = Context::from_waker(Waker::noop());
        let mut got = 0usize;
        for mut rx in shipped {
            let r = match rng.below(5) {
                // Leave at once.
                0 => None,
                // Register a waker, then leave.
                1 => match Pin::new(&mut rx).poll(&mut cx) {
                    std::task::Poll::Ready(r) => r.ok(),
                    std::task::Poll::Pending => None,
                },
                // Wait for the outcome.
                2 => block_on(&mut rx).ok(),
                // Refuse, then wait: a value sent before the close still comes.
                3 => {
                    rx.close();
                    block_on(&mut rx).ok()
                }
                // Spin on try_recv.
                _ => loop {
                    match rx.try_recv() {
                        Ok(v) => break Some(v),
                        Err(TryRecvError::Closed) => break None,
                        Err(TryRecvError::Empty) => thread::yield_now(),
                    }
                },
            };
            got += r.is_some() as usize;
            drop(rx);
        }
        got
    });

    let mut rng = Rng::new(7);
    let mut cx = Context::from_waker(Waker::noop());
    let mut created = vec![false; N];
    let (mut sent, mut refused) = (0usize, 0usize);
    for (id, created) in created.iter_mut().enumerate() {
        let (mut tx, rx) = oneshot::channel();
        ship.send(rx).unwrap();
        match rng.below(4) {
            0 => drop(tx),
            k => {
                if k == 1 {
                    let _ = tx.poll_closed(&mut cx);
                }
                *created = true;
                let value = Tracked {
                    id,
                    drops: drops.clone(),
                };
                match tx.send(value) {
                    Ok(()) => sent += 1,
                    Err(v) => {
                        assert_eq!(v.id, id);
                        refused += 1;
                    }
                }
            }
        }
    }
    drop(ship);
    let got = receiver.join().unwrap();

    for (id, &created) in created.iter().enumerate() {
        assert_eq!(
            drops[id].load(Ordering::SeqCst),
            created as u8,
            "value {id} (created: {created}) not dropped exactly once"
        );
    }
    assert!(got <= sent, "received {got} of {sent} sent");
    assert!(
        got > 0 && refused > 0 && sent > got,
        "no race: {got}/{sent}/{refused}"
    );
}
