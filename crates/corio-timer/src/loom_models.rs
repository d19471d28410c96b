//! loom models of a timer entry's life: cancel (drop), poll, reset and
//! shutdown racing with the fire, and the driver's park announcement racing
//! with a registration. Run with
//! `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" cargo test -p corio-timer --release`.
//!
//! Each model asserts: at most one wake-up per registration, no lost
//! wake-up (a sleep that returned `Pending` is woken by the fire), and no
//! leaked entry (`len() == 0` at the end; loom also checks that every
//! `Arc` is freed).

use crate::{Timer, sleep};
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting() -> (Waker, std::sync::Arc<Count>) {
    let c = std::sync::Arc::new(Count(AtomicUsize::new(0)));
    (Waker::from(c.clone()), c)
}

fn count(c: &Count) -> usize {
    c.0.load(Ordering::SeqCst)
}

fn poll<F: Future + Unpin>(f: &mut F, w: &Waker) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(w))
}

fn paused_timer() -> Timer {
    Timer::builder().shards(1).start_paused(true).build()
}

#[test]
fn drop_vs_fire() {
    loom::model(|| {
        let timer = paused_timer();
        let _g = timer.enter();
        let (w, c) = counting();
        let mut s = sleep(MS);
        assert!(poll(&mut s, &w).is_pending());
        let h = timer.handle().clone();
        let firer = thread::spawn(move || h.advance(MS));
        drop(s);
        firer.join().unwrap();
        assert!(count(&c) <= 1);
        assert_eq!(timer.len(), 0);
    });
}

#[test]
fn drop_on_another_thread_vs_fire() {
    loom::model(|| {
        let timer = paused_timer();
        let _g = timer.enter();
        let (w, c) = counting();
        let mut s = sleep(MS);
        assert!(poll(&mut s, &w).is_pending());
        let dropper = thread::spawn(move || drop(s));
        timer.advance(MS);
        dropper.join().unwrap();
        assert!(count(&c) <= 1);
        assert_eq!(timer.len(), 0);
    });
}

#[test]
fn poll_vs_fire() {
    loom::model(|| {
        let timer = paused_timer();
        let _g = timer.enter();
        let (w1, c1) = counting();
        let (w2, c2) = counting();
        let mut s = sleep(MS);
        assert!(poll(&mut s, &w1).is_pending());
        let h = timer.handle().clone();
        let firer = thread::spawn(move || h.advance(MS));
        let res = poll(&mut s, &w2);
        firer.join().unwrap();
        match res {
            // fired first: the old waker was woken, once
            Poll::Ready(()) => assert_eq!((count(&c1), count(&c2)), (1, 0)),
            // the new waker was stored first: the fire must wake it
            Poll::Pending => {
                assert_eq!((count(&c1), count(&c2)), (0, 1));
                assert!(poll(&mut s, &w2).is_ready());
            }
        }
        drop(s);
        assert_eq!(timer.len(), 0);
    });
}

#[test]
fn reset_vs_fire() {
    loom::model(|| {
        let timer = paused_timer();
        let _g = timer.enter();
        let (w, c) = counting();
        let mut s = sleep(MS);
        assert!(poll(&mut s, &w).is_pending());
        let later = s.deadline() + 2 * MS;
        let h = timer.handle().clone();
        let firer = thread::spawn(move || h.advance(MS));
        s.reset(later);
        firer.join().unwrap();
        // Whether or not the old deadline fired (at most one wake), the
        // sleep now waits for the new one...
        assert!(count(&c) <= 1);
        let before = count(&c);
        assert!(poll(&mut s, &w).is_pending());
        // ...and fires exactly once more when it comes.
        timer.advance(2 * MS);
        assert_eq!(count(&c), before + 1);
        assert!(poll(&mut s, &w).is_ready());
        assert_eq!(timer.len(), 0);
    });
}

#[test]
fn shutdown_vs_fire_and_drop() {
    loom::model(|| {
        let timer = paused_timer();
        let _g = timer.enter();
        let (w, c) = counting();
        let mut s = sleep(MS);
        assert!(poll(&mut s, &w).is_pending());
        let h = timer.handle().clone();
        let firer = thread::spawn(move || h.advance(MS));
        timer.shutdown();
        firer.join().unwrap();
        drop(s);
        assert!(count(&c) <= 1);
        assert_eq!(timer.len(), 0);
    });
}

#[test]
fn register_vs_park_announcement() {
    loom::model(|| {
        let unparks = std::sync::Arc::new(AtomicUsize::new(0));
        let u = unparks.clone();
        let timer = Timer::builder()
            .shards(1)
            .unpark(move || {
                u.fetch_add(1, Ordering::SeqCst);
            })
            .build();
        let _g = timer.enter();
        let h = timer.handle().clone();
        let driver = thread::spawn(move || h.before_park(None));
        let (w, _) = counting();
        let mut s = sleep(Duration::from_secs(10));
        assert!(poll(&mut s, &w).is_pending());
        let timeout = driver.join().unwrap();
        // Either the driver saw the new timer (and parks until it), or the
        // registration saw the driver's announcement and unparked it.
        assert!(
            timeout.is_some() || unparks.load(Ordering::SeqCst) == 1,
            "lost driver wake-up"
        );
        drop(s);
    });
}

#[test]
fn register_on_another_thread_vs_advance() {
    loom::model(|| {
        let timer = paused_timer();
        let _g = timer.enter();
        let h = timer.handle().clone();
        let mut s = sleep(MS); // due at tick 1, registered by the other thread
        let registrar = thread::spawn(move || {
            let _g = h.enter();
            let (w, c) = counting();
            let res = poll(&mut s, &w);
            (res, s, c)
        });
        timer.advance(MS);
        let (res, s, c) = registrar.join().unwrap();
        // A registration that raced with the advance fires at the next
        // processing at or after its deadline (the driver's next cycle).
        timer.process_due();
        match res {
            Poll::Ready(()) => assert_eq!(count(&c), 0),
            Poll::Pending => assert_eq!(count(&c), 1),
        }
        drop(s);
        assert_eq!(timer.len(), 0);
    });
}
