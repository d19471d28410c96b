//! Threads racing the fire: drop and poll against the driver, and churn
//! from several threads with a real driver. Counts are checked exactly.
#![cfg(not(loom))]

mod common;

use common::*;
use corio_timer::{Sleep, Timer, sleep};
use std::sync::{Arc, Barrier, Mutex};
use std::task::Poll;
use std::thread;
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);
const ROUNDS: usize = 5_000;

type Act = fn(Sleep, &std::task::Waker) -> (Option<Poll<()>>, Option<Sleep>);

/// Runs `ROUNDS` rounds in which thread A acts on a registered sleep while
/// thread B fires it; `check` sees A's result and both wake counts once
/// both are done (A may hand the sleep back, to be dropped after `check`).
fn race(act: Act, check: fn(Option<Poll<()>>, usize, usize)) {
    let timer = Timer::builder().start_paused(true).shards(1).build();
    let _g = timer.enter();
    let slot: Arc<Mutex<Option<(Sleep, std::task::Waker)>>> = Arc::default();
    let result: Arc<Mutex<Option<Poll<()>>>> = Arc::default();
    let start = Arc::new(Barrier::new(3));
    let end = Arc::new(Barrier::new(3));
    let failed: Arc<Mutex<bool>> = Arc::default();
    let a = {
        let (slot, result, start, end) = (slot.clone(), result.clone(), start.clone(), end.clone());
        let failed = failed.clone();
        thread::spawn(move || {
            for _ in 0..ROUNDS {
                start.wait();
                let (s, w) = slot.lock().unwrap().take().unwrap();
                // (no timer entered here: a registered sleep needs none)
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| act(s, &w))) {
                    Ok((res, kept)) => {
                        *result.lock().unwrap() = res;
                        *slot.lock().unwrap() = kept.map(|s| (s, w));
                    }
                    Err(_) => *failed.lock().unwrap() = true,
                }
                end.wait();
            }
        })
    };
    let b = {
        let (handle, start, end) = (timer.handle().clone(), start.clone(), end.clone());
        thread::spawn(move || {
            for _ in 0..ROUNDS {
                start.wait();
                handle.advance(MS);
                end.wait();
            }
        })
    };
    for _ in 0..ROUNDS {
        let (w1, c1) = counting_waker();
        let (w2, c2) = counting_waker();
        let mut s = sleep(MS);
        assert!(poll_once(&mut s, &w1).is_pending());
        *slot.lock().unwrap() = Some((s, w2));
        start.wait();
        end.wait();
        assert!(!*failed.lock().unwrap(), "thread A panicked");
        check(result.lock().unwrap().take(), c1.get(), c2.get());
        drop(slot.lock().unwrap().take());
        assert_eq!(timer.len(), 0, "leaked an entry");
    }
    a.join().unwrap();
    b.join().unwrap();
}

#[test]
fn drop_while_firing_never_double_wakes_or_leaks() {
    race(
        |s, _| {
            drop(s);
            (None, None)
        },
        |_, c1, c2| {
            assert!(c1 <= 1, "woken {c1} times");
            assert_eq!(c2, 0);
        },
    );
}

#[test]
fn poll_while_firing_never_loses_the_wake_up() {
    race(
        |mut s, w2| (Some(poll_once(&mut s, w2)), Some(s)),
        |res, c1, c2| match res {
            // B fired before A's poll: the old waker was woken, A saw it.
            Some(Poll::Ready(())) => assert_eq!((c1, c2), (1, 0)),
            // A stored its waker first: B must wake that one.
            Some(Poll::Pending) => assert_eq!((c1, c2), (0, 1)),
            None => unreachable!(),
        },
    );
}

#[test]
fn reset_while_firing_waits_for_the_new_deadline() {
    race(
        |mut s, w2| {
            let later = s.deadline() + 10 * MS;
            s.reset(later);
            // Not due at +1 ms, whether or not B fired the old deadline.
            (Some(poll_once(&mut s, w2)), Some(s))
        },
        |res, c1, c2| {
            assert_eq!(res, Some(Poll::Pending));
            assert!(c1 <= 1 && c2 == 0);
        },
    );
}

#[test]
fn churn_from_many_threads_with_a_real_driver() {
    let driver = DriverThread::start(Timer::builder().shards(2));
    let handle = driver.timer().handle().clone();
    let workers: Vec<_> = (0..4u64)
        .map(|t| {
            let handle = handle.clone();
            thread::spawn(move || {
                let _g = handle.enter();
                let waker = std::task::Waker::noop();
                let mut rng = t * 0x9E37_79B9 + 1;
                for i in 0..20_000u64 {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    let mut s = sleep(Duration::from_micros(rng % 3000));
                    let _ = poll_once(&mut s, waker);
                    if i % 100 == 0 {
                        block_on(s); // and some wait for real
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(handle.len(), 0);
}
