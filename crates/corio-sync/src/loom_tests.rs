//! loom models: every interleaving of a few operations on 2-3 threads.
//!
//! Run with
//! `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" cargo test -p corio-sync --release --lib`.

use crate::*;
use ::loom::future::block_on;
use ::loom::sync::Arc;
use ::loom::sync::atomic::{AtomicUsize, Ordering};
use ::loom::thread;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

/// Polls `fut` once (registering it if it has to wait); `Some` if it
/// finished.
fn poll_once<F: Future + Unpin>(fut: &mut F) -> Option<F::Output> {
    block_on(poll_fn(|cx| match Pin::new(&mut *fut).poll(cx) {
        Poll::Ready(v) => Poll::Ready(Some(v)),
        Poll::Pending => Poll::Ready(None),
    }))
}

#[test]
fn lock_hand_off() {
    ::loom::model(|| {
        let lock = Arc::new(Lock::new(0));
        let ths: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || block_on(async { *lock.lock().await += 1 }))
            })
            .collect();
        for t in ths {
            t.join().unwrap();
        }
        assert_eq!(*lock.try_lock().unwrap(), 2);
        assert_eq!(lock.waiters(), 0);
    });
}

#[test]
fn lock_granted_waiter_cancelled() {
    ::loom::model(|| {
        let lock = Arc::new(Lock::new(()));
        let guard_holder = {
            let lock = lock.clone();
            thread::spawn(move || {
                let g = block_on(lock.lock());
                drop(g);
            })
        };
        let canceller = {
            let lock = lock.clone();
            thread::spawn(move || {
                let mut f = lock.lock();
                let _ = poll_once(&mut f);
                drop(f); // whatever state it was in
            })
        };
        guard_holder.join().unwrap();
        canceller.join().unwrap();
        assert!(!lock.is_locked(), "the lock leaked");
        assert_eq!(lock.waiters(), 0);
    });
}

#[test]
fn semaphore_acquire_release_cancel() {
    ::loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let user = {
            let sem = sem.clone();
            thread::spawn(move || {
                let p = block_on(sem.acquire()).unwrap();
                drop(p);
            })
        };
        let canceller = {
            let sem = sem.clone();
            thread::spawn(move || {
                let mut f = sem.acquire();
                let _ = poll_once(&mut f);
            })
        };
        let main_permit = block_on(sem.acquire()).unwrap();
        drop(main_permit);
        user.join().unwrap();
        canceller.join().unwrap();
        assert_eq!(sem.available_permits(), 1, "permit leaked");
        assert_eq!(sem.waiters(), 0);
    });
}

#[test]
fn semaphore_close_vs_acquire() {
    ::loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let t = {
            let sem = sem.clone();
            thread::spawn(move || block_on(sem.acquire()).map(|p| p.num_permits()))
        };
        sem.close();
        assert!(t.join().unwrap().is_err());
        assert_eq!(sem.waiters(), 0);
    });
}

#[test]
fn event_set_clear_wait() {
    ::loom::model(|| {
        let ev = Arc::new(Event::new());
        // A registered waiter must return even if `clear` follows `set`.
        let mut w = ev.wait();
        assert!(poll_once(&mut w).is_none());
        let t = {
            let ev = ev.clone();
            thread::spawn(move || {
                ev.set();
                ev.clear();
            })
        };
        block_on(&mut w);
        drop(w);
        t.join().unwrap();
        assert!(!ev.is_set());
        assert_eq!(ev.waiters(), 0);
    });
}

#[test]
fn event_wait_vs_set() {
    ::loom::model(|| {
        let ev = Arc::new(Event::new());
        let t = {
            let ev = ev.clone();
            thread::spawn(move || block_on(ev.wait()))
        };
        ev.set();
        t.join().unwrap();
        assert_eq!(ev.waiters(), 0);
    });
}

#[test]
fn notify_one_vs_notified() {
    ::loom::model(|| {
        let n = Arc::new(Notify::new());
        let t = {
            let n = n.clone();
            thread::spawn(move || block_on(n.notified()))
        };
        n.notify_one();
        t.join().unwrap();
        assert_eq!(n.waiters(), 0);
    });
}

#[test]
fn condition_notify_vs_cancel() {
    ::loom::model(|| {
        let cond = Arc::new(Condition::new(false));
        let waiter = {
            let cond = cond.clone();
            thread::spawn(move || {
                block_on(async {
                    let g = cond.lock().await;
                    let g = cond.wait_for(g, |ready| *ready).await;
                    assert!(*g);
                })
            })
        };
        let canceller = {
            let cond = cond.clone();
            thread::spawn(move || {
                let g = block_on(cond.lock());
                let mut w = cond.wait(g);
                let _ = poll_once(&mut w);
                drop(w); // maybe after being notified: must pass it on
            })
        };
        block_on(async {
            *cond.lock().await = true;
        });
        cond.notify(1);
        waiter.join().unwrap();
        canceller.join().unwrap();
        assert!(!cond.lock_ref().is_locked());
        assert_eq!(cond.waiters(), 0);
    });
}

#[test]
fn barrier_two_parties() {
    ::loom::model(|| {
        let b = Arc::new(Barrier::new(2));
        let t = {
            let b = b.clone();
            thread::spawn(move || block_on(b.wait()).unwrap())
        };
        let mine = block_on(b.wait()).unwrap();
        let theirs = t.join().unwrap();
        assert_eq!(mine.index() + theirs.index(), 1);
        assert!(mine.is_leader() != theirs.is_leader());
        assert_eq!(b.waiters(), 0);
    });
}

#[test]
fn barrier_abort_vs_wait() {
    ::loom::model(|| {
        let b = Arc::new(Barrier::new(2));
        let t = {
            let b = b.clone();
            thread::spawn(move || block_on(b.wait()))
        };
        b.abort();
        assert_eq!(t.join().unwrap(), Err(BrokenBarrierError));
        assert_eq!(b.waiters(), 0);
    });
}

// ---- oneshot: one atomic state word; each model is two threads -----------

/// A value that counts its drops, so a model can check it is dropped
/// exactly once whichever way the channel went.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn oneshot_send_recv() {
    ::loom::model(|| {
        let (tx, rx) = oneshot::channel();
        let t = thread::spawn(move || tx.send(Arc::new(1)).is_ok());
        let got = block_on(rx);
        assert!(t.join().unwrap());
        assert_eq!(*got.unwrap(), 1);
    });
}

#[test]
fn oneshot_recv_changes_waker() {
    // The second poll comes from another `block_on`, i.e. another waker:
    // the receiver takes its slot back while the sender may be waking it.
    ::loom::model(|| {
        let (tx, mut rx) = oneshot::channel();
        let t = thread::spawn(move || tx.send(Arc::new(1)).is_ok());
        let got = match poll_once(&mut rx) {
            Some(r) => r,
            None => block_on(&mut rx),
        };
        assert!(t.join().unwrap());
        assert_eq!(*got.unwrap(), 1);
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
    });
}

#[test]
fn oneshot_drop_races() {
    ::loom::model(|| {
        let (tx, rx) = oneshot::channel::<Arc<u8>>();
        let t = thread::spawn(move || drop(tx));
        assert!(matches!(block_on(rx), Err(RecvError)));
        t.join().unwrap();
    });
    ::loom::model(|| {
        let (mut tx, rx) = oneshot::channel::<Arc<u8>>();
        let t = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        // The value of a failed send comes back (loom checks the Arc is freed).
        assert!(tx.send(Arc::new(1)).is_err());
        t.join().unwrap();
    });
}

#[test]
fn oneshot_receiver_drop_vs_send() {
    // The receiver registers, then leaves; the value is dropped exactly
    // once: by the receiver's drop, or by the sender after a failed send.
    ::loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = oneshot::channel();
        let t = {
            let drops = drops.clone();
            thread::spawn(move || tx.send(Tracked(drops)).is_ok())
        };
        let got = poll_once(&mut rx).map(|r| r.is_ok());
        drop(rx);
        let sent = t.join().unwrap();
        // Ready can only mean the value came (the sender never drops unsent).
        assert!(got.is_none() || (got == Some(true) && sent));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn oneshot_both_ends_drop_while_waiting() {
    // Both ends register a waker and leave: no waker or value leaks.
    ::loom::model(|| {
        let (mut tx, mut rx) = oneshot::channel::<Arc<u8>>();
        let t = thread::spawn(move || {
            let closed = poll_once(&mut tx.closed()).is_some();
            drop(tx);
            closed
        });
        let got = poll_once(&mut rx);
        drop(rx);
        let closed = t.join().unwrap();
        assert!(matches!(got, None | Some(Err(RecvError))));
        assert!(!(closed && got.is_some()), "each saw the other leave first");
    });
}

#[test]
fn oneshot_close_vs_send() {
    ::loom::model(|| {
        let (tx, mut rx) = oneshot::channel();
        let t = thread::spawn(move || tx.send(Arc::new(1)).is_ok());
        rx.close();
        // A send that won the race is received; one that lost fails, and the
        // sender's drop then ends the wait.
        let got = block_on(&mut rx);
        let sent = t.join().unwrap();
        assert_eq!(got.is_ok(), sent);
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
    });
}

#[test]
fn oneshot_closed_changes_waker_vs_close() {
    // The sender waits for the close with two different wakers, then its
    // send fails; the closed receiver waits for that.
    ::loom::model(|| {
        let (mut tx, mut rx) = oneshot::channel();
        let t = thread::spawn(move || {
            if poll_once(&mut tx.closed()).is_none() {
                block_on(tx.closed());
            }
            assert!(tx.is_closed());
            tx.send(Arc::new(1)).is_err()
        });
        rx.close();
        assert!(matches!(block_on(&mut rx), Err(RecvError)));
        assert!(t.join().unwrap());
    });
}

#[test]
fn oneshot_try_recv_race() {
    // `try_recv` takes `&self`: two threads race to take the value while
    // it is being sent; exactly one gets it.
    ::loom::model(|| {
        let (tx, rx) = oneshot::channel();
        let rx = Arc::new(rx);
        let t = {
            let rx = rx.clone();
            thread::spawn(move || rx.try_recv().is_ok())
        };
        tx.send(Arc::new(1)).unwrap();
        let mine = rx.try_recv().is_ok();
        let theirs = t.join().unwrap();
        assert!(!(mine && theirs), "the value was taken twice");
        let rest = rx.try_recv().is_ok();
        assert_eq!(mine as u8 + theirs as u8 + rest as u8, 1);
    });
}

#[test]
fn channel_close_on_last_sender() {
    ::loom::model(|| {
        let (tx, rx) = channel(1);
        let t = thread::spawn(move || {
            block_on(async {
                tx.send(1).await.unwrap();
                tx.send(2).await.unwrap();
            })
        });
        let mut got = Vec::new();
        while let Ok(v) = block_on(rx.recv()) {
            got.push(v);
        }
        t.join().unwrap();
        assert_eq!(got, [1, 2]);
    });
}

#[test]
fn channel_receiver_drop_fails_blocked_send() {
    ::loom::model(|| {
        let (tx, rx) = channel(1);
        tx.try_send(Arc::new(0)).unwrap();
        let t = thread::spawn(move || drop(rx));
        // Either blocked then failed, or failed at once: never hangs, and
        // the value comes back.
        assert!(block_on(tx.send(Arc::new(1))).is_err());
        t.join().unwrap();
    });
}

#[test]
fn queue_put_get_task_done_join() {
    ::loom::model(|| {
        let q: Queue<usize> = Queue::bounded(1);
        let done = Arc::new(AtomicUsize::new(0));
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                block_on(async {
                    q.put(1).await.unwrap();
                    q.put(2).await.unwrap();
                })
            })
        };
        let consumer = {
            let (q, done) = (q.clone(), done.clone());
            thread::spawn(move || {
                for _ in 0..2 {
                    block_on(q.get()).unwrap();
                    done.fetch_add(1, Ordering::SeqCst);
                    q.task_done().unwrap();
                }
            })
        };
        producer.join().unwrap();
        block_on(q.join());
        assert_eq!(done.load(Ordering::SeqCst), 2, "join returned early");
        consumer.join().unwrap();
        assert_eq!(q.waiters(), 0);
    });
}

#[test]
fn queue_cancelled_get_loses_no_item() {
    ::loom::model(|| {
        let q: Queue<usize> = Queue::new();
        let canceller = {
            let q = q.clone();
            thread::spawn(move || {
                let mut g = q.get();
                // Either it got the item, or dropping it must keep the item.
                poll_once(&mut g).map(|r| r.unwrap())
            })
        };
        let getter = {
            let q = q.clone();
            thread::spawn(move || block_on(q.get()).unwrap())
        };
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        let mut got = vec![getter.join().unwrap()];
        got.extend(canceller.join().unwrap());
        while let Ok(v) = q.get_nowait() {
            got.push(v);
        }
        got.sort();
        assert_eq!(got, [1, 2]);
        assert_eq!(q.waiters(), 0);
    });
}

#[test]
fn queue_shutdown_races() {
    for immediate in [false, true] {
        ::loom::model(move || {
            let q: Queue<Arc<u8>> = Queue::new();
            let getter = {
                let q = q.clone();
                thread::spawn(move || block_on(q.get()).is_ok())
            };
            let putter = {
                let q = q.clone();
                thread::spawn(move || q.put_nowait(Arc::new(1)).is_ok())
            };
            q.shutdown(immediate);
            let got = getter.join().unwrap();
            let put = putter.join().unwrap();
            assert!(got <= put);
            if immediate {
                // Discarded items count as done; only the taken one is left.
                assert_eq!(q.unfinished_tasks(), got as usize);
            } else {
                // A graceful shutdown drops nothing: a successful put is
                // received (the getter only fails once the queue is empty).
                assert_eq!(got, put);
            }
            assert_eq!(q.waiters(), 0);
        });
    }
}

#[test]
fn rwlock_writer_and_readers() {
    ::loom::model(|| {
        let lock = Arc::new(RwLock::new(0));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || block_on(async { *lock.write().await += 1 }))
        };
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || block_on(async { *lock.read().await }))
        };
        let seen = *block_on(lock.read());
        assert!(seen <= 1);
        assert!(reader.join().unwrap() <= 1);
        writer.join().unwrap();
        assert_eq!(*lock.try_read().unwrap(), 1);
        assert_eq!(lock.waiters(), 0);
    });
}

#[test]
fn notify_one_granted_then_cancelled_passes_on() {
    ::loom::model(|| {
        let n = Arc::new(Notify::new());
        let canceller = {
            let n = n.clone();
            thread::spawn(move || {
                let mut f = n.notified();
                poll_once(&mut f).is_some()
            })
        };
        let waiter = {
            let n = n.clone();
            thread::spawn(move || block_on(n.notified()))
        };
        n.notify_one();
        let cancelled_consumed = canceller.join().unwrap();
        if cancelled_consumed {
            // The canceller took the only wake-up; release the waiter.
            n.notify_one();
        }
        waiter.join().unwrap();
        assert_eq!(n.waiters(), 0);
    });
}

#[test]
fn semaphore_large_head_cancelled() {
    ::loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let big = {
            let sem = sem.clone();
            thread::spawn(move || {
                let mut f = sem.acquire_many(2);
                poll_once(&mut f).is_some()
            })
        };
        let small = {
            let sem = sem.clone();
            thread::spawn(move || block_on(sem.acquire()).unwrap().num_permits())
        };
        // `big` can never be satisfied; once it is gone `small` must run.
        assert!(!big.join().unwrap());
        assert_eq!(small.join().unwrap(), 1);
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.waiters(), 0);
    });
}

#[test]
fn queue_bounded_put_cancelled() {
    ::loom::model(|| {
        let q: Queue<Arc<usize>> = Queue::bounded(1);
        q.put_nowait(Arc::new(0)).unwrap();
        let canceller = {
            let q = q.clone();
            thread::spawn(move || {
                let mut p = q.put(Arc::new(1));
                poll_once(&mut p).is_some()
            })
        };
        let getter = {
            let q = q.clone();
            thread::spawn(move || *block_on(q.get()).unwrap())
        };
        let put_done = canceller.join().unwrap();
        assert_eq!(getter.join().unwrap(), 0, "FIFO");
        // A put that completed left its item; one that was dropped did not.
        assert_eq!(q.qsize(), put_done as usize);
        assert_eq!(q.unfinished_tasks(), 1 + put_done as usize);
        assert_eq!(q.waiters(), 0);
    });
}

#[test]
fn queue_join_vs_task_done() {
    ::loom::model(|| {
        let q: Queue<u8> = Queue::new();
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        let done = Arc::new(AtomicUsize::new(0));
        let worker = {
            let (q, done) = (q.clone(), done.clone());
            thread::spawn(move || {
                while let Ok(_item) = q.get_nowait() {
                    done.fetch_add(1, Ordering::SeqCst);
                    q.task_done().unwrap();
                }
            })
        };
        block_on(q.join());
        assert_eq!(done.load(Ordering::SeqCst), 2);
        worker.join().unwrap();
    });
}
