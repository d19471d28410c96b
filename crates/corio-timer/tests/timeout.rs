//! Timeout / wait_for semantics.
#![cfg(not(loom))]

mod common;

use common::*;
use corio_timer::{Elapsed, timeout, timeout_at, wait_for};
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

#[test]
fn ready_on_first_poll_returns_the_value_without_registering() {
    let (timer, _g) = paused();
    let (waker, _) = counting_waker();
    let mut t = Box::pin(timeout(Duration::from_secs(1), async { 42 }));
    assert_eq!(
        t.as_mut().poll(&mut std::task::Context::from_waker(&waker)),
        Poll::Ready(Ok(42))
    );
    assert_eq!(timer.registrations(), 0);
    assert_eq!(timer.len(), 0);
}

#[test]
fn ready_on_first_poll_needs_no_runtime_at_all() {
    // With no timer in context, touching the wheel (or its clock) would panic.
    let (waker, _) = counting_waker();
    let mut t = Box::pin(wait_for(std::future::ready("ok"), Duration::from_secs(1)));
    let res = t.as_mut().poll(&mut std::task::Context::from_waker(&waker));
    assert_eq!(res, Poll::Ready(Ok("ok")));
}

#[test]
fn zero_limit_gives_the_value_if_ready_on_the_first_poll() {
    let (timer, _g) = paused();
    let (waker, _) = counting_waker();
    let mut t = Box::pin(timeout(Duration::ZERO, std::future::ready(1)));
    assert_eq!(poll_once(&mut t, &waker), Poll::Ready(Ok(1)));
    let mut t = Box::pin(timeout_at(timer.now() - MS, std::future::ready(2)));
    assert_eq!(poll_once(&mut t, &waker), Poll::Ready(Ok(2)));
    assert_eq!(timer.registrations(), 0);
}

#[test]
fn zero_limit_cancels_a_future_that_is_not_ready_on_the_first_poll() {
    let (timer, _g) = paused();
    let (waker, _) = counting_waker();
    for mk in [0u8, 1, 2] {
        let (inner, dropped) = pending_then(1, 5);
        let mut t = Box::pin(match mk {
            0 => timeout(Duration::ZERO, inner),
            1 => wait_for(inner, Duration::ZERO),
            _ => timeout_at(timer.now(), inner),
        });
        assert_eq!(
            poll_once(&mut t, &waker),
            Poll::Ready(Err(Elapsed::new_for_tests()))
        );
        assert!(dropped.load(Ordering::SeqCst), "inner future not dropped");
    }
    assert_eq!(timer.registrations(), 0);
}

#[test]
fn expiry_drops_the_inner_future_before_returning_elapsed() {
    let (timer, _g) = paused();
    let (waker, count) = counting_waker();
    let (inner, dropped) = pending_then(usize::MAX, ());
    let mut t = Box::pin(timeout(10 * MS, inner));
    assert!(poll_once(&mut t, &waker).is_pending());
    assert_eq!(timer.len(), 1);
    assert!(!dropped.load(Ordering::SeqCst));
    timer.advance(9 * MS);
    assert!(poll_once(&mut t, &waker).is_pending());
    timer.advance(MS);
    assert!(count.get() >= 1);
    let res = poll_once(&mut t, &waker);
    // The drop flag is observed at the moment poll returns Elapsed.
    assert!(dropped.load(Ordering::SeqCst));
    assert!(matches!(res, Poll::Ready(Err(_))));
    assert_eq!(timer.len(), 0);
    assert!(t.get_ref().is_none());
}

#[test]
fn completing_in_time_cancels_the_timer() {
    let (timer, _g) = paused();
    let (waker, _) = counting_waker();
    let (inner, dropped) = pending_then(3, "v");
    let mut t = Box::pin(timeout(Duration::from_secs(5), inner));
    for _ in 0..3 {
        assert!(poll_once(&mut t, &waker).is_pending());
    }
    assert_eq!(timer.len(), 1);
    assert_eq!(poll_once(&mut t, &waker), Poll::Ready(Ok("v")));
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(timer.len(), 0);
}

#[test]
fn ready_value_wins_even_after_the_deadline() {
    let (timer, _g) = paused();
    let (waker, _) = counting_waker();
    let (inner, _) = pending_then(1, 9);
    let mut t = Box::pin(timeout(5 * MS, inner));
    assert!(poll_once(&mut t, &waker).is_pending());
    timer.advance(Duration::from_secs(1));
    // the inner future is polled first, and is ready now
    assert_eq!(poll_once(&mut t, &waker), Poll::Ready(Ok(9)));
}

#[test]
fn the_limit_starts_at_the_first_poll() {
    let (timer, _g) = paused();
    let (waker, _) = counting_waker();
    let mut t = Box::pin(timeout(10 * MS, std::future::pending::<()>()));
    assert_eq!(t.deadline(), None);
    timer.advance(Duration::from_secs(1));
    let start = timer.now();
    assert!(poll_once(&mut t, &waker).is_pending());
    assert_eq!(t.deadline(), Some(start + 10 * MS));
    timer.advance(10 * MS);
    assert!(poll_once(&mut t, &waker).is_ready());
}

#[test]
fn huge_limits_do_not_overflow() {
    let (timer, _g) = paused();
    let (waker, _) = counting_waker();
    let mut t = Box::pin(timeout(Duration::MAX, std::future::pending::<()>()));
    assert!(poll_once(&mut t, &waker).is_pending());
    timer.advance(Duration::from_secs(10 * 365 * 24 * 3600));
    assert!(poll_once(&mut t, &waker).is_pending());
}

#[test]
fn polling_after_completion_panics() {
    let (_timer, _g) = paused();
    let (waker, _) = counting_waker();
    let mut t = Box::pin(timeout(MS, std::future::ready(())));
    assert!(poll_once(&mut t, &waker).is_ready());
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(&mut t, &waker);
    }))
    .unwrap_err();
    assert!(panic_text(&*err).contains("after completion"));
}

#[test]
fn elapsed_is_a_helpful_error() {
    let e = Elapsed::new_for_tests();
    let text = e.to_string();
    assert!(
        text.contains("timed out") && text.contains("deadline"),
        "{text}"
    );
    let _: &dyn std::error::Error = &e;
    assert_eq!(std::io::Error::from(e).kind(), std::io::ErrorKind::TimedOut);
}

#[test]
fn works_with_a_real_driver() {
    let driver = DriverThread::start(corio_timer::Timer::builder());
    let _g = driver.timer().enter();
    let start = std::time::Instant::now();
    let res = block_on(timeout(20 * MS, std::future::pending::<()>()));
    assert!(res.is_err());
    assert!(start.elapsed() >= 20 * MS);
    let res = block_on(timeout(Duration::from_secs(10), corio_timer::sleep(5 * MS)));
    assert!(res.is_ok());
    assert_eq!(driver.timer().len(), 0);
}
