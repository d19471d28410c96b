//! First-come first-served order, cancellation safety and hand-off of
//! wake-ups, checked by polling futures by hand.
#![cfg(not(loom))]

mod common;

use common::Probe;
use corio_sync::*;
use std::task::Poll;

#[test]
fn lock_waiters_are_served_in_order() {
    let lock = Lock::new(Vec::new());
    let guard = lock.try_lock().unwrap();
    let probes: Vec<Probe> = (0..3).map(|_| Probe::new()).collect();
    let mut futs: Vec<_> = (0..3).map(|_| lock.lock()).collect();
    for (p, f) in probes.iter().zip(futs.iter_mut()) {
        assert!(p.poll(f).is_pending());
    }
    assert_eq!(lock.waiters(), 3);
    drop(guard);
    for i in 0..3 {
        // Exactly waiter i was woken, and it gets the lock.
        for (j, p) in probes.iter().enumerate() {
            assert_eq!(p.woken(), j <= i, "after release {i}, waiter {j}");
        }
        let Poll::Ready(mut g) = probes[i].poll(&mut futs[i]) else {
            panic!("waiter {i} was woken but not granted");
        };
        g.push(i);
        for j in i + 1..3 {
            assert!(probes[j].poll(&mut futs[j]).is_pending());
        }
    }
    drop(futs);
    assert_eq!(lock.waiters(), 0);
    assert!(!lock.is_locked());
    assert_eq!(lock.into_inner(), [0, 1, 2]);
}

#[test]
fn lock_granted_then_dropped_passes_the_lock_on() {
    let lock = Lock::new(0);
    let guard = lock.try_lock().unwrap();
    let (pa, pb) = (Probe::new(), Probe::new());
    let mut a = lock.lock();
    let mut b = lock.lock();
    assert!(pa.poll(&mut a).is_pending());
    assert!(pb.poll(&mut b).is_pending());
    drop(guard);
    assert!(pa.woken() && !pb.woken());
    drop(a); // granted, never resumed
    assert!(pb.woken(), "the wake-up must pass to the next waiter");
    let Poll::Ready(g) = pb.poll(&mut b) else {
        panic!("b should hold the lock")
    };
    assert!(lock.is_locked());
    drop(g);
    drop(b);
    assert!(!lock.is_locked());
    assert_eq!(lock.waiters(), 0);
}

#[test]
fn lock_cancelled_waiter_is_removed() {
    let lock = Lock::new(());
    let guard = lock.try_lock().unwrap();
    let (pa, pb) = (Probe::new(), Probe::new());
    let mut a = lock.lock();
    let mut b = lock.lock();
    assert!(pa.poll(&mut a).is_pending());
    assert!(pb.poll(&mut b).is_pending());
    drop(a);
    assert_eq!(lock.waiters(), 1);
    drop(guard);
    assert!(pb.woken());
    assert!(pb.poll(&mut b).is_ready());
}

#[test]
fn semaphore_cancelled_acquire_leaks_no_permit() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let p = Probe::new();
    // Cancelled while queued.
    let mut a = sem.acquire();
    assert!(p.poll(&mut a).is_pending());
    drop(a);
    assert_eq!(sem.waiters(), 0);
    // Cancelled after being granted.
    let mut b = sem.acquire();
    assert!(p.poll(&mut b).is_pending());
    drop(held);
    assert_eq!(sem.available_permits(), 0, "granted to b");
    drop(b);
    assert_eq!(sem.available_permits(), 1, "b's permit came back");
    assert_eq!(sem.waiters(), 0);
}

#[test]
fn semaphore_is_fifo_without_barging() {
    let sem = Semaphore::new(0);
    let (pa, pb) = (Probe::new(), Probe::new());
    let mut a = sem.acquire_many(2);
    let mut b = sem.acquire();
    assert!(pa.poll(&mut a).is_pending());
    assert!(pb.poll(&mut b).is_pending());
    sem.release(1);
    // The head needs 2: b must not overtake it, nor may a newcomer.
    assert!(!pb.woken());
    assert!(sem.try_acquire().is_err());
    assert!(sem.locked());
    sem.release(1);
    assert!(pa.woken() && !pb.woken());
    let Poll::Ready(Ok(pa_permit)) = pa.poll(&mut a) else {
        panic!()
    };
    assert_eq!(pa_permit.num_permits(), 2);
    drop(pa_permit);
    assert!(pb.woken());
    assert!(matches!(pb.poll(&mut b), Poll::Ready(Ok(_))));
    drop((a, b));
    assert_eq!(sem.available_permits(), 2);
    assert_eq!(sem.waiters(), 0);
}

#[test]
fn semaphore_dropping_a_blocking_head_unblocks_the_next() {
    let sem = Semaphore::new(1);
    let (pa, pb) = (Probe::new(), Probe::new());
    let mut a = sem.acquire_many(2);
    let mut b = sem.acquire();
    assert!(pa.poll(&mut a).is_pending());
    assert!(pb.poll(&mut b).is_pending());
    drop(a);
    assert!(pb.woken());
    assert!(matches!(pb.poll(&mut b), Poll::Ready(Ok(_))));
}

#[test]
fn semaphore_close_fails_waiters() {
    let sem = Semaphore::new(0);
    let p = Probe::new();
    let mut a = sem.acquire();
    assert!(p.poll(&mut a).is_pending());
    sem.close();
    assert!(p.woken());
    assert!(matches!(p.poll(&mut a), Poll::Ready(Err(AcquireError))));
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
}

#[test]
fn owned_permit_cancel_and_release() {
    let sem = std::sync::Arc::new(Semaphore::new(1));
    let held = sem.clone().try_acquire_owned().unwrap();
    let p = Probe::new();
    let mut a = sem.clone().acquire_owned();
    assert!(p.poll(&mut a).is_pending());
    drop(held);
    drop(a); // granted, dropped: permit returns
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.waiters(), 0);
}

#[test]
fn rwlock_writer_is_not_starved_by_later_readers() {
    let lock = RwLock::new(0);
    let r1 = lock.try_read().unwrap();
    let (pw, pr) = (Probe::new(), Probe::new());
    let mut w = lock.write();
    assert!(pw.poll(&mut w).is_pending());
    let mut r2 = lock.read();
    assert!(
        pr.poll(&mut r2).is_pending(),
        "reader must queue behind the writer"
    );
    assert!(lock.try_read().is_err());
    drop(r1);
    assert!(pw.woken() && !pr.woken());
    let Poll::Ready(mut g) = pw.poll(&mut w) else {
        panic!()
    };
    *g = 1;
    drop(g);
    assert!(pr.woken());
    let Poll::Ready(r) = pr.poll(&mut r2) else {
        panic!()
    };
    assert_eq!(*r, 1);
    drop(r);
    drop((w, r2));
    assert_eq!(lock.waiters(), 0);
}

#[test]
fn rwlock_readers_admitted_together() {
    let lock = RwLock::new(());
    let w = lock.try_write().unwrap();
    let probes: Vec<Probe> = (0..3).map(|_| Probe::new()).collect();
    let mut reads: Vec<_> = (0..3).map(|_| lock.read()).collect();
    for (p, r) in probes.iter().zip(reads.iter_mut()) {
        assert!(p.poll(r).is_pending());
    }
    drop(w);
    let guards: Vec<_> = probes
        .iter()
        .zip(reads.iter_mut())
        .map(|(p, r)| match p.poll(r) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!("all readers should be admitted"),
        })
        .collect();
    assert_eq!(guards.len(), 3);
}

#[test]
fn queue_getters_are_served_in_order() {
    let q = Queue::new();
    let probes: Vec<Probe> = (0..3).map(|_| Probe::new()).collect();
    let mut gets: Vec<_> = (0..3).map(|_| q.get()).collect();
    for (p, g) in probes.iter().zip(gets.iter_mut()) {
        assert!(p.poll(g).is_pending());
    }
    assert_eq!(q.getters(), 3);
    for v in [10, 20, 30] {
        q.put_nowait(v).unwrap();
    }
    let got: Vec<_> = probes
        .iter()
        .zip(gets.iter_mut())
        .map(|(p, g)| match p.poll(g) {
            Poll::Ready(Ok(v)) => v,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, [10, 20, 30]);
    drop(gets);
    assert_eq!(q.waiters(), 0);
}

#[test]
fn queue_cancelled_get_loses_no_item() {
    let q = Queue::new();
    let (p1, p2) = (Probe::new(), Probe::new());
    let mut g1 = q.get();
    let mut g2 = q.get();
    assert!(p1.poll(&mut g1).is_pending());
    assert!(p2.poll(&mut g2).is_pending());
    q.put_nowait(1).unwrap();
    assert!(p1.woken() && !p2.woken());
    drop(g1); // handed item 1, never resumed
    assert!(p2.woken());
    assert_eq!(p2.poll(&mut g2), Poll::Ready(Ok(1)));
    drop(g2);
    assert_eq!(q.waiters(), 0);
}

#[test]
fn queue_cancelled_get_puts_item_back_as_the_oldest() {
    let p = Probe::new();
    // FIFO: the handed-over item goes back to the front.
    let q = Queue::new();
    let mut g = q.get();
    assert!(p.poll(&mut g).is_pending());
    q.put_nowait(1).unwrap(); // handed to g
    q.put_nowait(2).unwrap();
    drop(g);
    assert_eq!([q.get_nowait(), q.get_nowait()], [Ok(1), Ok(2)]);
    // LIFO: the handed-over item is older than the rest: bottom of the stack.
    let q = LifoQueue::new();
    let mut g = q.get();
    assert!(p.poll(&mut g).is_pending());
    for v in 1..=3 {
        q.put_nowait(v).unwrap();
    }
    drop(g);
    assert_eq!(q.qsize(), 3);
    assert_eq!(
        [q.get_nowait(), q.get_nowait(), q.get_nowait()],
        [Ok(3), Ok(2), Ok(1)]
    );
    assert_eq!(q.unfinished_tasks(), 3, "nothing counted twice");
}

#[test]
fn queue_putters_in_order_and_cancelled_put() {
    let q = Queue::bounded(1);
    q.put_nowait(1).unwrap();
    let (p2, p3, p4) = (Probe::new(), Probe::new(), Probe::new());
    let mut a = q.put(2);
    let mut b = q.put(3);
    let mut c = q.put(4);
    assert!(p2.poll(&mut a).is_pending());
    assert!(p3.poll(&mut b).is_pending());
    assert!(p4.poll(&mut c).is_pending());
    assert_eq!(q.putters(), 3);
    drop(a); // cancelled before it got in: 2 is never put
    assert_eq!(q.get_nowait(), Ok(1));
    assert!(p3.woken() && !p4.woken());
    // The free slot is reserved for 3: nobody can barge in.
    assert_eq!(q.qsize(), 0);
    assert!(q.full());
    assert!(matches!(q.put_nowait(9), Err(PutNowaitError::QueueFull(9))));
    assert_eq!(p3.poll(&mut b), Poll::Ready(Ok(())));
    assert_eq!(q.qsize(), 1);
    assert_eq!(q.get_nowait(), Ok(3));
    assert_eq!(p4.poll(&mut c), Poll::Ready(Ok(())));
    assert_eq!(q.get_nowait(), Ok(4));
    drop((b, c));
    assert_eq!(q.unfinished_tasks(), 3);
    assert_eq!(q.waiters(), 0);
}

#[test]
fn condition_notify_is_fifo_and_passes_on_when_cancelled() {
    let cond = Condition::new(0);
    let probes: Vec<Probe> = (0..3).map(|_| Probe::new()).collect();
    let mut waits = Vec::new();
    for p in &probes {
        let g = cond.try_lock().unwrap();
        let mut w = cond.wait(g);
        assert!(p.poll(&mut w).is_pending());
        assert!(!cond.lock_ref().is_locked(), "wait releases the lock");
        waits.push(Some(w));
    }
    assert_eq!(cond.waiters(), 3);
    cond.notify(1);
    assert!(probes[0].woken() && !probes[1].woken());
    waits[0] = None; // notified, cancelled before resuming
    assert!(probes[1].woken(), "the notification passes on");
    assert!(!probes[2].woken());
    let held = cond.try_lock().unwrap();
    // Waiter 1 is notified but must re-acquire the lock first.
    assert!(probes[1].poll(waits[1].as_mut().unwrap()).is_pending());
    drop(held);
    let Poll::Ready(g) = probes[1].poll(waits[1].as_mut().unwrap()) else {
        panic!("waiter 1 should have re-acquired the lock")
    };
    assert!(cond.lock_ref().is_locked());
    drop(g);
    drop(waits);
    assert_eq!(cond.waiters(), 0);
    assert_eq!(cond.lock_ref().waiters(), 0);
    assert!(!cond.lock_ref().is_locked());
}

#[test]
fn condition_wait_dropped_while_relocking_leaves_lock_free() {
    let cond = Condition::new(());
    let p = Probe::new();
    let mut w = cond.wait(cond.try_lock().unwrap());
    assert!(p.poll(&mut w).is_pending());
    let held = cond.try_lock().unwrap();
    cond.notify_all();
    assert!(p.poll(&mut w).is_pending()); // queued on the lock now
    drop(held);
    drop(w); // granted the lock, dropped: releases it
    assert!(!cond.lock_ref().is_locked());
    assert_eq!(cond.lock_ref().waiters(), 0);
}

#[test]
fn notify_one_fifo_permit_and_pass_on() {
    let n = Notify::new();
    let (pa, pb) = (Probe::new(), Probe::new());
    let mut a = n.notified();
    let mut b = n.notified();
    assert!(pa.poll(&mut a).is_pending());
    assert!(pb.poll(&mut b).is_pending());
    n.notify_one();
    assert!(pa.woken() && !pb.woken());
    drop(a);
    assert!(pb.woken());
    assert!(pb.poll(&mut b).is_ready());
    // A granted-then-dropped waiter with nobody behind it stores the permit.
    let mut c = n.notified();
    assert!(pa.poll(&mut c).is_pending());
    n.notify_one();
    drop(c);
    let mut d = n.notified();
    assert!(pa.poll(&mut d).is_ready(), "permit was kept");
    let mut e = n.notified();
    assert!(pa.poll(&mut e).is_pending(), "only one permit");
    drop(e);
    assert_eq!(n.waiters(), 0);
}

#[test]
fn notify_waiters_wakes_all_and_stores_nothing() {
    let n = Notify::new();
    let p = Probe::new();
    let mut a = n.notified();
    assert!(p.poll(&mut a).is_pending());
    let mut unpolled = n.notified();
    n.notify_waiters();
    assert!(p.poll(&mut a).is_ready());
    assert!(
        p.poll(&mut unpolled).is_ready(),
        "created before notify_waiters"
    );
    let mut later = n.notified();
    assert!(p.poll(&mut later).is_pending(), "no permit stored");
}

#[test]
fn event_waiters_return_to_zero() {
    let ev = Event::new();
    let p = Probe::new();
    let mut a = ev.wait();
    let mut b = ev.wait();
    assert!(p.poll(&mut a).is_pending());
    assert!(p.poll(&mut b).is_pending());
    assert_eq!(ev.waiters(), 2);
    drop(a);
    ev.set();
    drop(b);
    assert_eq!(ev.waiters(), 0);
}

#[test]
fn barrier_cancelled_waiter_leaves_the_cycle() {
    let b = Barrier::new(2);
    let p = Probe::new();
    let mut w = b.wait();
    assert!(p.poll(&mut w).is_pending());
    assert_eq!(b.n_waiting(), 1);
    drop(w);
    assert_eq!(b.n_waiting(), 0);
    let mut w1 = b.wait();
    assert!(p.poll(&mut w1).is_pending());
    let mut w2 = b.wait();
    let Poll::Ready(Ok(r2)) = p.poll(&mut w2) else {
        panic!()
    };
    let Poll::Ready(Ok(r1)) = p.poll(&mut w1) else {
        panic!()
    };
    assert_eq!((r1.index(), r2.index()), (0, 1));
    assert!(r2.is_leader() && !r1.is_leader());
    assert_eq!(b.waiters(), 0);
}

#[test]
fn channel_cancelled_recv_loses_no_value() {
    let (tx, rx) = channel(2);
    let rx2 = rx.clone();
    let (p1, p2) = (Probe::new(), Probe::new());
    let mut r1 = rx.recv();
    let mut r2 = rx2.recv();
    assert!(p1.poll(&mut r1).is_pending());
    assert!(p2.poll(&mut r2).is_pending());
    tx.try_send(7).unwrap();
    drop(r1);
    assert_eq!(p2.poll(&mut r2), Poll::Ready(Ok(7)));
    drop(r2);
    assert_eq!(tx.waiters(), 0);
}

#[test]
fn queue_put_woken_then_dropped_never_delivers_and_passes_the_slot_on() {
    let q = Queue::bounded(1);
    q.put_nowait(1).unwrap();
    let (pa, pb) = (Probe::new(), Probe::new());
    let mut a = q.put(2);
    let mut b = q.put(3);
    assert!(pa.poll(&mut a).is_pending());
    assert!(pb.poll(&mut b).is_pending());
    assert_eq!(q.get_nowait(), Ok(1));
    assert!(pa.woken() && !pb.woken());
    drop(a); // woken with a reserved slot, dropped: 2 must not appear
    assert!(pb.woken(), "the slot passes to the next putter");
    assert_eq!(pb.poll(&mut b), Poll::Ready(Ok(())));
    assert_eq!(q.get_nowait(), Ok(3));
    assert!(q.get_nowait().is_err());
    assert_eq!(q.unfinished_tasks(), 2);
    drop(b);
    assert_eq!(q.waiters(), 0);
}

#[test]
fn queue_reserved_slot_survives_a_redelivered_item() {
    let q = Queue::bounded(1);
    let p = Probe::new();
    q.put_nowait(0).unwrap();
    let mut put = q.put(1);
    assert!(p.poll(&mut put).is_pending());
    assert_eq!(q.get_nowait(), Ok(0)); // the slot is now reserved for `put`
    let mut get = q.get();
    assert!(p.poll(&mut get).is_pending());
    q.put_nowait(2).unwrap(); // handed straight to the waiting getter
    drop(get); // ... which goes away: 2 goes back into the queue
    assert_eq!(q.qsize(), 1);
    // The reserved put still completes (the queue is over its size for a
    // moment rather than losing an item or a reservation).
    assert_eq!(p.poll(&mut put), Poll::Ready(Ok(())));
    assert_eq!([q.get_nowait(), q.get_nowait()], [Ok(2), Ok(1)]);
    assert_eq!(q.unfinished_tasks(), 3);
    drop(put);
    assert_eq!(q.waiters(), 0);
}
