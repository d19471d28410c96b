//! Sleep semantics: yield-once, past and huge deadlines, never early,
//! laziness, reset, the context, shutdown, and the driver protocol.
#![cfg(not(loom))]

mod common;

use common::*;
use corio_timer::{Timer, sleep, sleep_until};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

const MS: Duration = Duration::from_millis(1);

#[test]
fn zero_sleep_yields_once_then_completes() {
    let (timer, _g) = paused();
    let (waker, count) = counting_waker();
    let mut s = sleep(Duration::ZERO);
    assert_eq!(poll_once(&mut s, &waker), Poll::Pending);
    assert_eq!(count.get(), 1, "the task must be woken to be polled again");
    assert_eq!(poll_once(&mut s, &waker), Poll::Ready(()));
    assert_eq!(timer.registrations(), 0);
}

#[test]
fn zero_sleep_needs_no_runtime() {
    let (waker, count) = counting_waker();
    let mut s = sleep(Duration::ZERO);
    assert!(poll_once(&mut s, &waker).is_pending());
    assert!(poll_once(&mut s, &waker).is_ready());
    assert_eq!(count.get(), 1);
}

#[test]
fn past_deadline_fires_at_once() {
    let (timer, _g) = paused();
    let past = timer.now();
    timer.advance(Duration::from_secs(2));
    let (waker, count) = counting_waker();
    let mut s = sleep_until(past);
    assert_eq!(poll_once(&mut s, &waker), Poll::Ready(()));
    assert_eq!(count.get(), 0);
    let mut now = sleep_until(timer.now());
    assert_eq!(poll_once(&mut now, &waker), Poll::Ready(()));
    assert_eq!(timer.registrations(), 0);
    assert!(s.is_elapsed());
}

#[test]
fn past_deadline_on_the_real_clock_fires_at_once() {
    let timer = Timer::new();
    let _g = timer.enter();
    let (waker, _) = counting_waker();
    let mut s = sleep_until(Instant::now());
    assert_eq!(poll_once(&mut s, &waker), Poll::Ready(()));
}

#[test]
fn huge_deadlines_neither_overflow_nor_fire() {
    let (timer, _g) = paused();
    let (waker, count) = counting_waker();
    let start = timer.now();
    let mut a = sleep(Duration::from_secs(u64::MAX / 2));
    let mut b = sleep(Duration::MAX);
    assert!(a.deadline() > start + Duration::from_secs(20 * 365 * 24 * 3600));
    assert!(poll_once(&mut a, &waker).is_pending());
    assert!(poll_once(&mut b, &waker).is_pending());
    assert_eq!(timer.len(), 2);
    // Three virtual years pass (the top level of the wheel spans ~2.2):
    for _ in 0..(3 * 365) {
        timer.advance(Duration::from_secs(24 * 3600));
    }
    assert!(poll_once(&mut a, &waker).is_pending());
    assert!(poll_once(&mut b, &waker).is_pending());
    assert_eq!(count.get(), 0);
    assert_eq!(timer.len(), 2);
    assert!(timer.next_deadline().unwrap() <= a.deadline());
    drop((a, b));
    assert_eq!(timer.len(), 0);
}

#[test]
fn a_sleep_past_its_deadline_at_its_first_poll_completes_at_once() {
    let (timer, _g) = paused();
    let (waker, _) = counting_waker();
    let mut s = sleep(10 * MS);
    timer.advance(20 * MS);
    assert_eq!(poll_once(&mut s, &waker), Poll::Ready(()));
    assert_eq!(timer.registrations(), 0);
}

#[test]
fn a_sleep_made_under_one_timer_polled_under_another() {
    let (waker, _) = counting_waker();
    let a = Timer::builder().start_paused(true).build();
    let mut s = {
        let _g = a.enter();
        sleep(10 * MS)
    };
    let b = Timer::builder().start_paused(true).build();
    let _g = b.enter();
    assert!(poll_once(&mut s, &waker).is_pending());
    assert_eq!((a.len(), b.len()), (0, 1));
    b.advance(Duration::from_secs(1));
    assert!(poll_once(&mut s, &waker).is_ready());
}

#[test]
fn never_early_on_the_virtual_clock() {
    let (timer, _g) = paused();
    let (waker, count) = counting_waker();
    let mut s = sleep(10 * MS);
    assert!(poll_once(&mut s, &waker).is_pending());
    timer.advance(9 * MS);
    assert_eq!(count.get(), 0);
    assert!(poll_once(&mut s, &waker).is_pending());
    timer.advance(MS);
    assert_eq!(count.get(), 1, "fired exactly at 10 ms");
    assert!(poll_once(&mut s, &waker).is_ready());
}

#[test]
fn never_early_to_the_millisecond_for_many_durations() {
    let (timer, _g) = paused();
    for ms in [
        1u64, 2, 5, 63, 64, 65, 100, 4095, 4096, 4097, 70_000, 300_001,
    ] {
        let (waker, count) = counting_waker();
        let mut s = sleep(Duration::from_millis(ms));
        assert!(poll_once(&mut s, &waker).is_pending());
        timer.advance(Duration::from_millis(ms - 1));
        assert!(
            poll_once(&mut s, &waker).is_pending(),
            "{ms} ms fired early"
        );
        assert_eq!(count.get(), 0, "{ms} ms woke early");
        timer.advance(MS);
        assert_eq!(count.get(), 1, "{ms} ms did not fire on time");
        assert!(poll_once(&mut s, &waker).is_ready());
    }
    assert_eq!(timer.len(), 0);
}

#[test]
fn sub_millisecond_deadlines_round_up_never_down() {
    let (timer, _g) = paused();
    let (waker, _) = counting_waker();
    let mut s = sleep(Duration::from_micros(1500));
    assert!(poll_once(&mut s, &waker).is_pending());
    timer.advance(Duration::from_micros(1499));
    assert!(poll_once(&mut s, &waker).is_pending());
    timer.advance(Duration::from_micros(1));
    // At the deadline, but the wheel's tick (1 ms) has not ended: pending
    // is allowed, early never is; within the next millisecond it fires.
    timer.advance(Duration::from_micros(500));
    assert!(poll_once(&mut s, &waker).is_ready());
}

#[test]
fn never_early_on_the_real_clock() {
    let driver = DriverThread::start(Timer::builder());
    let _g = driver.timer().enter();
    for ms in [1u64, 3, 10, 25] {
        let requested = Duration::from_millis(ms);
        let start = Instant::now();
        let s = sleep(requested);
        let deadline = s.deadline();
        block_on(s);
        assert!(Instant::now() >= deadline, "{ms} ms sleep woke early");
        assert!(start.elapsed() >= requested);
    }
    assert_eq!(driver.timer().len(), 0);
}

#[test]
fn driver_is_woken_for_an_earlier_timer() {
    let driver = DriverThread::start(Timer::builder());
    let timer = driver.timer();
    let _g = timer.enter();
    let (waker, _) = counting_waker();
    let mut long = sleep(Duration::from_secs(60));
    assert!(poll_once(&mut long, &waker).is_pending());
    // Wait until the driver sleeps towards the 60 s timer (~57 s: the
    // wheel wakes it early once, to move the entry down a level).
    driver.wait_for_park(|t| t.is_some_and(|t| t > Duration::from_secs(30)));
    let before = driver.unparks.load(Ordering::SeqCst);
    let start = Instant::now();
    block_on(sleep(20 * MS));
    // Had the driver kept sleeping towards the 60 s timer, we would hang.
    assert!(start.elapsed() < Duration::from_secs(30));
    assert_eq!(driver.unparks.load(Ordering::SeqCst), before + 1);
    // A later timer does not disturb the driver.
    driver.wait_for_park(|t| t.is_some_and(|t| t > Duration::from_secs(30)));
    let mut later = sleep(Duration::from_secs(120));
    assert!(poll_once(&mut later, &waker).is_pending());
    assert_eq!(driver.unparks.load(Ordering::SeqCst), before + 1);
}

#[test]
fn an_idle_driver_does_not_spin() {
    let driver = DriverThread::start(Timer::builder());
    let _g = driver.timer().enter();
    block_on(sleep(Duration::from_millis(200)));
    // One cycle per registration wake-up, one per timer: never a polling loop.
    let cycles = driver.cycles.load(Ordering::SeqCst);
    assert!(
        cycles <= 10,
        "driver looped {cycles} times for one 200 ms sleep"
    );
}

#[test]
fn never_polled_sleep_costs_nothing() {
    let (timer, _g) = paused();
    for _ in 0..1000 {
        drop(sleep(Duration::from_secs(1)));
    }
    assert_eq!(timer.registrations(), 0);
}

#[test]
fn dropping_a_registered_sleep_removes_its_entry() {
    let (timer, _g) = paused();
    let (waker, count) = counting_waker();
    let mut s = sleep(5 * MS);
    assert!(poll_once(&mut s, &waker).is_pending());
    assert_eq!(timer.len(), 1);
    drop(s);
    assert_eq!(timer.len(), 0);
    timer.advance(10 * MS);
    assert_eq!(count.get(), 0);
    assert_eq!(timer.next_deadline(), None);
}

#[test]
fn a_million_timers_inserted_and_cancelled_leave_the_wheel_empty() {
    let timer = Timer::builder().start_paused(true).build();
    let _g = timer.enter();
    let waker = std::task::Waker::noop();
    let mut sleeps: Vec<_> = (0..1_000_000u64)
        .map(|i| {
            // spread over every level of the wheel
            let mut s = sleep(Duration::from_millis(1 + (i * 7919) % 100_000_000));
            assert!(poll_once(&mut s, waker).is_pending());
            s
        })
        .collect();
    assert_eq!(timer.len(), 1_000_000);
    // cancel in an interleaved order
    let mut i = 0;
    while !sleeps.is_empty() {
        i = (i + 7) % sleeps.len();
        drop(sleeps.swap_remove(i));
    }
    assert_eq!(timer.len(), 0);
    assert!(timer.is_empty());
    assert_eq!(timer.next_deadline(), None);
}

#[test]
fn reset_moves_a_registered_sleep() {
    let (timer, _g) = paused();
    let (waker, count) = counting_waker();
    let start = timer.now();
    let mut s = sleep(100 * MS);
    assert!(poll_once(&mut s, &waker).is_pending());
    s.reset(start + 10 * MS);
    assert_eq!(s.deadline(), start + 10 * MS);
    timer.advance(10 * MS);
    assert_eq!(count.get(), 1);
    assert!(poll_once(&mut s, &waker).is_ready());
    // reset after completion: waits again
    s.reset(start + 30 * MS);
    assert!(poll_once(&mut s, &waker).is_pending());
    timer.advance(19 * MS);
    assert!(poll_once(&mut s, &waker).is_pending());
    timer.advance(MS);
    assert!(poll_once(&mut s, &waker).is_ready());
    // reset into the past while registered
    s.reset(timer.now() + 50 * MS);
    assert!(poll_once(&mut s, &waker).is_pending());
    s.reset(start);
    assert!(poll_once(&mut s, &waker).is_ready());
    assert_eq!(timer.len(), 0);
}

#[test]
fn reset_of_a_fired_but_unpolled_sleep_waits_for_the_new_deadline() {
    let (timer, _g) = paused();
    let (waker, _) = counting_waker();
    let mut s = sleep(5 * MS);
    assert!(poll_once(&mut s, &waker).is_pending());
    timer.advance(5 * MS); // fired, not yet observed
    s.reset(timer.now() + 5 * MS);
    assert!(poll_once(&mut s, &waker).is_pending());
    timer.advance(5 * MS);
    assert!(poll_once(&mut s, &waker).is_ready());
}

#[test]
fn polling_with_another_waker_wakes_the_new_one() {
    let (timer, _g) = paused();
    let (w1, c1) = counting_waker();
    let (w2, c2) = counting_waker();
    let mut s = sleep(5 * MS);
    assert!(poll_once(&mut s, &w1).is_pending());
    assert!(poll_once(&mut s, &w2).is_pending());
    timer.advance(5 * MS);
    assert_eq!((c1.get(), c2.get()), (0, 1));
}

#[test]
fn without_a_runtime_registration_panics_with_the_fix() {
    let (waker, _) = counting_waker();
    let mut s = sleep(Duration::from_secs(1));
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(&mut s, &waker);
    }))
    .unwrap_err();
    let msg = panic_text(&*err);
    assert!(msg.contains("corio::run / Runtime::block_on"), "{msg}");
}

#[test]
fn a_sleep_created_outside_can_be_polled_inside() {
    let s = sleep(Duration::from_millis(5));
    let driver = DriverThread::start(Timer::builder());
    let _g = driver.timer().enter();
    block_on(s);
}

#[test]
fn timers_registered_on_one_thread_fire_from_another() {
    let timer = Timer::builder().start_paused(true).shards(4).build();
    let handle = timer.handle().clone();
    let counters: Vec<_> = std::thread::scope(|scope| {
        (0..4)
            .map(|i| {
                let handle = handle.clone();
                scope.spawn(move || {
                    let _g = handle.enter();
                    let (waker, count) = counting_waker();
                    let mut s = sleep(Duration::from_millis(10 * (i + 1)));
                    assert!(poll_once(&mut s, &waker).is_pending());
                    std::mem::forget(s); // keep it registered beyond the thread
                    count
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(timer.len(), 4);
    let start = timer.now();
    for (i, c) in counters.iter().enumerate() {
        assert!(timer.auto_advance());
        assert_eq!(
            timer.now() - start,
            Duration::from_millis(10 * (i as u64 + 1))
        );
        assert_eq!(c.get(), 1);
    }
    assert!(!timer.auto_advance());
    assert_eq!(timer.len(), 0);
}

#[test]
fn shutdown_drops_entries_without_waking_and_polls_panic() {
    let timer = Timer::builder().start_paused(true).build();
    let _g = timer.enter();
    let (waker, count) = counting_waker();
    let mut sleeps: Vec<_> = (1..=100)
        .map(|i| {
            let mut s = sleep(Duration::from_millis(i));
            assert!(poll_once(&mut s, &waker).is_pending());
            s
        })
        .collect();
    assert_eq!(timer.len(), 100);
    timer.shutdown();
    assert_eq!(timer.len(), 0);
    assert_eq!(count.get(), 0);
    // the waker's clones held by the wheel were released
    assert_eq!(Arc::strong_count(&count), 2);
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(&mut sleeps[0], &waker);
    }));
    assert!(panicked.is_err());
    drop(sleeps); // dropping after shutdown is fine
    let mut fresh = sleep(Duration::from_secs(1));
    assert!(
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = poll_once(&mut fresh, &waker);
        }))
        .is_err()
    );
}

#[test]
fn dropping_the_timer_shuts_it_down() {
    let flag = Arc::new(AtomicBool::new(false));
    let handle = {
        let timer = Timer::new();
        timer.handle().clone()
    };
    assert!(handle.is_shutdown());
    assert!(!flag.load(Ordering::SeqCst));
}

#[test]
fn is_elapsed_follows_the_clock() {
    let (timer, _g) = paused();
    let (waker, _) = counting_waker();
    let mut s = sleep(3 * MS);
    assert!(!s.is_elapsed());
    assert!(poll_once(&mut s, &waker).is_pending());
    assert!(!s.is_elapsed());
    timer.advance(3 * MS);
    assert!(s.is_elapsed());
}

#[test]
fn public_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Timer>();
    send_sync::<corio_timer::TimerHandle>();
    send_sync::<corio_timer::Sleep>();
    send_sync::<corio_timer::Interval>();
    send_sync::<corio_timer::Elapsed>();
    send_sync::<corio_timer::Timeout<std::future::Ready<u8>>>();
    fn unpin<T: Unpin>() {}
    unpin::<corio_timer::Sleep>();
    unpin::<corio_timer::Interval>();
}

#[test]
fn a_sleep_made_outside_any_timer_runs_on_the_clock_that_polls_it() {
    use std::{future::Future, pin::Pin, task::Context, task::Waker};
    let mut nap = corio_timer::sleep(Duration::from_secs(3600)); // no timer here
    let timer = corio_timer::Timer::builder().start_paused(true).build();
    let _guard = timer.enter();
    let start = timer.now();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(Pin::new(&mut nap).poll(&mut cx).is_pending());
    assert!(timer.auto_advance());
    assert!(Pin::new(&mut nap).poll(&mut cx).is_ready());
    assert_eq!(
        timer.now() - start,
        Duration::from_secs(3600),
        "virtual, exact"
    );
}
