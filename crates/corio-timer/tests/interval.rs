//! Interval: the three missed-tick behaviours on the virtual clock.
#![cfg(not(loom))]

mod common;

use common::*;
use corio_timer::{MissedTickBehavior, interval, interval_at};
use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

const P: Duration = Duration::from_millis(10);

fn tick(i: &mut corio_timer::Interval) -> Poll<Instant> {
    let (waker, _) = counting_waker();
    i.poll_tick(&mut Context::from_waker(&waker))
}

/// Ticks at 0, then the task is away until 35 ms; returns the start and the
/// interval.
fn missed(
    behavior: MissedTickBehavior,
) -> (
    corio_timer::Timer,
    corio_timer::EnterGuard,
    Instant,
    corio_timer::Interval,
) {
    let (timer, g) = paused();
    let start = timer.now();
    let mut i = interval(P);
    i.set_missed_tick_behavior(behavior);
    assert_eq!(tick(&mut i), Poll::Ready(start), "first tick is immediate");
    assert!(tick(&mut i).is_pending());
    timer.advance(Duration::from_millis(35));
    (timer, g, start, i)
}

#[test]
fn burst_catches_up_then_keeps_the_schedule() {
    let (timer, _g, start, mut i) = missed(MissedTickBehavior::Burst);
    for k in 1..=3 {
        assert_eq!(tick(&mut i), Poll::Ready(start + P * k));
    }
    assert!(tick(&mut i).is_pending());
    timer.advance(Duration::from_millis(4)); // 39 ms
    assert!(tick(&mut i).is_pending());
    timer.advance(Duration::from_millis(1)); // 40 ms
    assert_eq!(tick(&mut i), Poll::Ready(start + P * 4));
}

#[test]
fn delay_restarts_the_schedule_from_now() {
    let (timer, _g, start, mut i) = missed(MissedTickBehavior::Delay);
    assert_eq!(tick(&mut i), Poll::Ready(start + P));
    assert!(tick(&mut i).is_pending());
    timer.advance(Duration::from_millis(9)); // 44 ms
    assert!(tick(&mut i).is_pending());
    timer.advance(Duration::from_millis(1)); // 45 ms = 35 + 10
    assert_eq!(tick(&mut i), Poll::Ready(start + Duration::from_millis(45)));
    timer.advance(P);
    assert_eq!(tick(&mut i), Poll::Ready(start + Duration::from_millis(55)));
}

#[test]
fn skip_drops_missed_ticks_and_keeps_the_phase() {
    let (timer, _g, start, mut i) = missed(MissedTickBehavior::Skip);
    assert_eq!(tick(&mut i), Poll::Ready(start + P));
    assert!(tick(&mut i).is_pending());
    timer.advance(Duration::from_millis(4)); // 39 ms
    assert!(tick(&mut i).is_pending());
    timer.advance(Duration::from_millis(1)); // 40 ms
    assert_eq!(tick(&mut i), Poll::Ready(start + P * 4));
}

#[test]
fn on_time_ticks_follow_the_period_exactly() {
    let (timer, _g) = paused();
    let start = timer.now() + Duration::from_millis(3);
    let mut i = interval_at(start, P);
    assert!(tick(&mut i).is_pending());
    timer.advance(Duration::from_millis(3));
    for k in 0..100 {
        assert_eq!(tick(&mut i), Poll::Ready(start + P * k));
        assert!(tick(&mut i).is_pending());
        timer.advance(P);
    }
    assert_eq!(i.period(), P);
}

#[test]
fn is_a_stream() {
    let (timer, _g) = paused();
    let start = timer.now();
    let mut i = interval(P);
    let (waker, count) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(
        Pin::new(&mut i).poll_next(&mut cx),
        Poll::Ready(Some(start))
    );
    assert!(Pin::new(&mut i).poll_next(&mut cx).is_pending());
    timer.advance(P);
    assert_eq!(count.get(), 1);
    assert_eq!(
        Pin::new(&mut i).poll_next(&mut cx),
        Poll::Ready(Some(start + P))
    );
    assert_eq!(i.size_hint(), (usize::MAX, None));
}

#[test]
fn tick_future_and_reset() {
    let driver = DriverThread::start(corio_timer::Timer::builder());
    let _g = driver.timer().enter();
    let mut i = interval(Duration::from_millis(5));
    let first = block_on(i.tick());
    let second = block_on(i.tick());
    assert_eq!(second - first, Duration::from_millis(5));
    assert!(std::time::Instant::now() >= second);
    i.reset();
    let third = block_on(i.tick());
    assert!(third >= second + Duration::from_millis(5));
}

#[test]
#[should_panic(expected = "period must be non-zero")]
fn zero_period_panics() {
    let _ = interval(Duration::ZERO);
}
