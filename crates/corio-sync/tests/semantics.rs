//! asyncio semantics of each primitive, errors and bad input.
#![cfg(not(loom))]

mod common;

use common::{Probe, block_on};
use corio_sync::*;
use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::thread;

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("expected a panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn bad_sizes_panic_with_the_fix_or_return_errors() {
    let m = panic_message(|| drop(Queue::<u8>::bounded(0)));
    assert!(
        m.contains("at least 1") && m.contains("Queue::new()"),
        "{m}"
    );
    let m = panic_message(|| drop(PriorityQueue::<u8>::bounded(0)));
    assert!(m.contains("at least 1"), "{m}");
    let m = panic_message(|| drop(Barrier::new(0)));
    assert!(m.contains("at least 1 party"), "{m}");
    let m = panic_message(|| drop(channel::<u8>(0)));
    assert!(m.contains("unbounded_channel()"), "{m}");
    assert!(Queue::<u8>::try_bounded(0).is_err());
    assert!(LifoQueue::<u8>::try_bounded(0).is_err());
    assert!(Barrier::try_new(0).is_err());
    assert!(try_channel::<u8>(0).is_err());
    let e: Box<dyn Error> = Box::new(Barrier::try_new(0).unwrap_err());
    assert!(!e.to_string().is_empty());
}

#[test]
fn task_done_on_a_fresh_queue_errors() {
    let q = Queue::<u8>::new();
    let err = q.task_done().unwrap_err();
    assert_eq!(err, TaskDoneError);
    assert!(err.to_string().contains("more times than items were put"));
    q.put_nowait(1).unwrap();
    assert_eq!(q.get_nowait(), Ok(1));
    assert_eq!(q.task_done(), Ok(()));
    assert_eq!(q.task_done(), Err(TaskDoneError));
}

#[test]
fn bounded_semaphore_over_release_errors() {
    let sem = BoundedSemaphore::new(2);
    assert_eq!(sem.release(1), Err(BoundedSemaphoreError));
    // Permits held by guards come back on drop and never overflow.
    let p = sem.try_acquire().unwrap();
    assert_eq!(sem.release(1), Err(BoundedSemaphoreError));
    drop(p);
    assert_eq!(sem.available_permits(), 2);
    // acquire + forget + release is asyncio's acquire()/release().
    block_on(sem.acquire()).unwrap().forget();
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.release(1), Ok(()));
    assert_eq!(sem.release(1), Err(BoundedSemaphoreError));
    assert_eq!(sem.available_permits(), 2);
    assert!(BoundedSemaphoreError.to_string().contains("too many times"));
}

#[test]
fn plain_semaphore_may_grow() {
    let sem = Semaphore::new(1);
    sem.release(2);
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn error_types_are_errors_with_messages() {
    let errs: Vec<Box<dyn Error>> = vec![
        Box::new(AcquireError),
        Box::new(TryAcquireError::NoPermits),
        Box::new(TryLockError),
        Box::new(BoundedSemaphoreError),
        Box::new(BrokenBarrierError),
        Box::new(TaskDoneError),
        Box::new(QueueShutDown(())),
        Box::new(PutNowaitError::QueueFull(1)),
        Box::new(GetNowaitError::QueueEmpty),
        Box::new(SendError(1)),
        Box::new(TrySendError::Full(1)),
        Box::new(RecvError),
        Box::new(TryRecvError::Closed),
    ];
    for e in errs {
        assert!(e.to_string().len() > 10, "{e:?}");
    }
}

#[test]
fn event_woken_by_set_returns_even_if_cleared() {
    let ev = Event::new();
    let p = Probe::new();
    let mut w = ev.wait();
    assert!(p.poll(&mut w).is_pending());
    ev.set();
    ev.clear();
    assert!(p.poll(&mut w).is_ready());
    // A wait that starts after the clear blocks.
    let mut w2 = ev.wait();
    assert!(p.poll(&mut w2).is_pending());
    ev.set();
    assert!(p.poll(&mut w2).is_ready());
    assert!(ev.is_set());
    block_on(ev.wait()); // set: returns at once
}

#[test]
fn event_across_threads() {
    let ev = Arc::new(Event::new());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let ev = ev.clone();
            thread::spawn(move || block_on(ev.wait()))
        })
        .collect();
    ev.set();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(ev.waiters(), 0);
}

#[test]
fn barrier_indices_are_unique_over_cycles() {
    const PARTIES: usize = 4;
    const CYCLES: usize = 50;
    let b = Arc::new(Barrier::new(PARTIES));
    let leaders = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..PARTIES)
        .map(|_| {
            let (b, leaders) = (b.clone(), leaders.clone());
            thread::spawn(move || {
                (0..CYCLES)
                    .map(|_| {
                        let r = block_on(b.wait()).unwrap();
                        if r.is_leader() {
                            leaders.fetch_add(1, Ordering::SeqCst);
                        }
                        r.index()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let per_thread: Vec<Vec<usize>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    // A thread cannot start cycle k+1 before cycle k released everyone, so
    // the k-th result of every thread belongs to cycle k.
    for cycle in 0..CYCLES {
        let mut idx: Vec<usize> = per_thread.iter().map(|v| v[cycle]).collect();
        idx.sort();
        assert_eq!(idx, (0..PARTIES).collect::<Vec<_>>(), "cycle {cycle}");
    }
    assert_eq!(leaders.load(Ordering::SeqCst), CYCLES);
    assert_eq!(b.waiters(), 0);
}

#[test]
fn barrier_abort_breaks_current_and_later_waits() {
    let b = Barrier::new(3);
    let p = Probe::new();
    let mut w = b.wait();
    assert!(p.poll(&mut w).is_pending());
    b.abort();
    assert!(p.woken());
    assert_eq!(p.poll(&mut w), Poll::Ready(Err(BrokenBarrierError)));
    assert!(b.is_broken());
    assert_eq!(block_on(b.wait()), Err(BrokenBarrierError));
    b.reset();
    assert!(!b.is_broken());
}

#[test]
fn barrier_reset_breaks_current_waiters_only() {
    let b = Barrier::new(2);
    let p = Probe::new();
    let mut w = b.wait();
    assert!(p.poll(&mut w).is_pending());
    b.reset();
    assert_eq!(p.poll(&mut w), Poll::Ready(Err(BrokenBarrierError)));
    assert_eq!(b.n_waiting(), 0);
    let mut w1 = b.wait();
    assert!(p.poll(&mut w1).is_pending());
    assert!(block_on(b.wait()).unwrap().is_leader());
    assert!(matches!(p.poll(&mut w1), Poll::Ready(Ok(r)) if r.index() == 0));
}

#[test]
fn condition_wait_for_across_threads() {
    let cond = Arc::new(Condition::new(0u32));
    let consumers: Vec<_> = (0..3)
        .map(|i| {
            let cond = cond.clone();
            thread::spawn(move || {
                block_on(async {
                    let g = cond.lock().await;
                    let g = cond.wait_for(g, |v| *v > i).await;
                    *g
                })
            })
        })
        .collect();
    for _ in 0..3 {
        block_on(async {
            *cond.lock().await += 1;
        });
        cond.notify_all();
    }
    for c in consumers {
        assert!(c.join().unwrap() >= 1);
    }
    assert_eq!(cond.waiters(), 0);
    assert!(!cond.lock_ref().is_locked());
}

#[test]
#[should_panic(expected = "another lock")]
fn condition_wait_with_a_foreign_guard_panics() {
    let cond = Condition::new(());
    let other = Lock::new(());
    let g = other.try_lock().unwrap();
    drop(cond.wait(g));
}

#[test]
fn condition_wait_for_true_predicate_returns_at_once() {
    let cond = Condition::new(5);
    let p = Probe::new();
    let mut f = Box::pin(cond.wait_for(cond.try_lock().unwrap(), |v| *v == 5));
    assert!(matches!(p.poll(&mut f), Poll::Ready(g) if *g == 5));
}

#[test]
fn lock_counts_across_threads() {
    let lock = Arc::new(Lock::new(0u64));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let lock = lock.clone();
            thread::spawn(move || {
                for _ in 0..1000 {
                    block_on(async { *lock.lock().await += 1 });
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*block_on(lock.lock()), 4000);
    assert_eq!(lock.waiters(), 0);
}

#[test]
fn oneshot_send_recv_and_drops() {
    let (tx, rx) = oneshot::channel();
    let p = Probe::new();
    let mut rx = rx;
    assert!(p.poll(&mut rx).is_pending());
    assert!(!tx.is_closed());
    tx.send(5).unwrap();
    assert!(p.woken());
    assert_eq!(p.poll(&mut rx), Poll::Ready(Ok(5)));

    let (tx, mut rx) = oneshot::channel::<u8>();
    assert!(p.poll(&mut rx).is_pending());
    drop(tx);
    assert_eq!(p.poll(&mut rx), Poll::Ready(Err(RecvError)));

    let (mut tx, rx) = oneshot::channel::<String>();
    let closed = Probe::new();
    assert!(closed.poll(&mut tx.closed()).is_pending());
    drop(rx);
    assert!(closed.woken());
    assert!(tx.is_closed());
    assert_eq!(tx.send("x".into()), Err("x".to_string()));

    let (tx, rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let t = thread::spawn(move || tx.send(vec![1, 2]).unwrap());
    assert_eq!(block_on(rx), Ok(vec![1, 2]));
    t.join().unwrap();
}

#[test]
fn oneshot_receiver_drop_drops_the_value() {
    let token = Arc::new(());
    let (tx, rx) = oneshot::channel();
    tx.send(token.clone()).unwrap();
    assert_eq!(Arc::strong_count(&token), 2);
    drop(rx);
    assert_eq!(Arc::strong_count(&token), 1);
}

#[test]
fn channel_last_sender_drop_closes_after_draining() {
    let (tx, rx) = channel(4);
    let tx2 = tx.clone();
    tx.try_send(1).unwrap();
    drop(tx);
    assert!(!rx.is_closed(), "one sender left");
    tx2.try_send(2).unwrap();
    drop(tx2);
    assert!(rx.is_closed());
    assert_eq!(block_on(rx.recv()), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(block_on(rx.recv()), Err(RecvError));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn channel_last_receiver_drop_fails_senders_and_drops_values() {
    let token = Arc::new(());
    let (tx, rx) = channel(1);
    tx.try_send(token.clone()).unwrap();
    let p = Probe::new();
    let mut blocked = tx.send(token.clone());
    assert!(p.poll(&mut blocked).is_pending());
    let rx2 = rx.clone();
    drop(rx);
    assert!(!tx.is_closed());
    drop(rx2);
    assert!(tx.is_closed());
    assert!(p.woken());
    let Poll::Ready(Err(SendError(back))) = p.poll(&mut blocked) else {
        panic!("the blocked send must fail and give the value back")
    };
    drop(back);
    assert_eq!(Arc::strong_count(&token), 1, "buffered value dropped");
    assert!(matches!(
        tx.try_send(token.clone()),
        Err(TrySendError::Closed(_))
    ));
}

#[test]
fn channel_close_wakes_receivers_and_streams_end() {
    use futures_util::StreamExt;
    let (tx, rx) = unbounded_channel::<u32>();
    let p = Probe::new();
    let mut r = rx.recv();
    assert!(p.poll(&mut r).is_pending());
    tx.close();
    assert_eq!(p.poll(&mut r), Poll::Ready(Err(RecvError)));
    drop(r);

    let (tx, mut rx) = channel(3);
    let t = thread::spawn(move || {
        block_on(async {
            for i in 0..100u32 {
                tx.send(i).await.unwrap();
            }
        })
    });
    let mut got = Vec::new();
    block_on(async {
        while let Some(v) = rx.next().await {
            got.push(v);
        }
    });
    t.join().unwrap();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
    assert_eq!(rx.capacity(), Some(3));
    assert_eq!(rx.waiters(), 0);
}

#[test]
fn priority_queue_is_smallest_first() {
    let q = PriorityQueue::new();
    for v in [5, 1, 4, 2, 3] {
        q.put_nowait((v, format!("job{v}"))).unwrap();
    }
    let order: Vec<_> = (0..5).map(|_| q.get_nowait().unwrap().0).collect();
    assert_eq!(order, [1, 2, 3, 4, 5]);
}

#[test]
fn lifo_queue_is_last_in_first_out() {
    let q = LifoQueue::bounded(3);
    for v in 1..=3 {
        block_on(q.put(v)).unwrap();
    }
    assert!(q.full());
    assert_eq!(q.put_nowait(4), Err(PutNowaitError::QueueFull(4)));
    let order: Vec<_> = (0..3).map(|_| block_on(q.get()).unwrap()).collect();
    assert_eq!(order, [3, 2, 1]);
    assert!(q.empty());
}

#[test]
fn join_waits_for_every_task_done() {
    let q = Queue::new();
    let p = Probe::new();
    q.put_nowait(1).unwrap();
    q.put_nowait(2).unwrap();
    let mut j = q.join();
    assert!(p.poll(&mut j).is_pending());
    q.get_nowait().unwrap();
    q.get_nowait().unwrap();
    q.task_done().unwrap();
    assert!(!p.woken());
    q.task_done().unwrap();
    assert!(p.woken());
    assert!(p.poll(&mut j).is_ready());
    block_on(q.join());
}

#[test]
fn shutdown_graceful() {
    let q = Queue::bounded(2);
    q.put_nowait(1).unwrap();
    q.put_nowait(2).unwrap();
    let p = Probe::new();
    let mut blocked_put = q.put(3);
    assert!(p.poll(&mut blocked_put).is_pending());
    q.shutdown(false);
    assert_eq!(p.poll(&mut blocked_put), Poll::Ready(Err(QueueShutDown(3))));
    assert_eq!(q.put_nowait(4), Err(PutNowaitError::QueueShutDown(4)));
    assert_eq!(block_on(q.put(5)), Err(QueueShutDown(5)));
    // Gets drain what is left, then fail.
    assert_eq!(block_on(q.get()), Ok(1));
    assert_eq!(q.get_nowait(), Ok(2));
    assert_eq!(block_on(q.get()), Err(QueueShutDown(())));
    assert_eq!(q.get_nowait(), Err(GetNowaitError::QueueShutDown));
    // join still waits for the two items taken.
    let mut j = q.join();
    assert!(p.poll(&mut j).is_pending());
    q.task_done().unwrap();
    q.task_done().unwrap();
    assert!(p.poll(&mut j).is_ready());
}

#[test]
fn shutdown_wakes_blocked_getters() {
    let q = Queue::<u8>::new();
    let p = Probe::new();
    let mut g = q.get();
    assert!(p.poll(&mut g).is_pending());
    q.shutdown(false);
    assert!(p.woken());
    assert_eq!(p.poll(&mut g), Poll::Ready(Err(QueueShutDown(()))));
}

#[test]
fn shutdown_immediate_discards_and_counts_done() {
    let token = Arc::new(());
    let q = Queue::new();
    for _ in 0..3 {
        q.put_nowait(token.clone()).unwrap();
    }
    let taken = q.get_nowait().unwrap(); // taken, not yet done
    let p = Probe::new();
    let mut j = q.join();
    assert!(p.poll(&mut j).is_pending());
    q.shutdown(true);
    assert_eq!(
        Arc::strong_count(&token),
        2,
        "the 2 queued items were dropped"
    );
    assert_eq!(q.qsize(), 0);
    assert!(q.get_nowait().is_err());
    assert!(
        p.poll(&mut j).is_pending(),
        "the taken item is not done yet"
    );
    drop(taken);
    q.task_done().unwrap();
    assert!(p.poll(&mut j).is_ready());
    assert_eq!(q.task_done(), Err(TaskDoneError));
}

#[test]
fn handles_are_send_sync_clone() {
    fn check<T: Send + Sync + Clone>() {}
    fn check_ss<T: Send + Sync>() {}
    check::<Queue<String>>();
    check::<PriorityQueue<u32>>();
    check::<LifoQueue<String>>();
    check::<Sender<String>>();
    check::<Receiver<String>>();
    check_ss::<Lock<String>>();
    check_ss::<RwLock<String>>();
    check_ss::<Semaphore>();
    check_ss::<Condition<String>>();
    check_ss::<Barrier>();
    check_ss::<Event>();
    check_ss::<Notify>();
    check_ss::<oneshot::Sender<String>>();
    check_ss::<oneshot::Receiver<String>>();
    fn check_send<T: Send>(_: &T) {}
    let q = Queue::<String>::new();
    check_send(&q.get());
    check_send(&q.put(String::new()));
    let l = Lock::new(1);
    check_send(&l.lock());
}

#[test]
fn impossible_acquire_many_panics_instead_of_hanging() {
    let m = panic_message(|| drop(BoundedSemaphore::new(2).acquire_many(3)));
    assert!(m.contains("wait forever"), "{m}");
    let m = panic_message(|| drop(Semaphore::new(0).acquire_many(usize::MAX)));
    assert!(m.contains("wait forever"), "{m}");
}
