#![cfg(not(loom))]
//! Timers registered just before a higher level's slot boundary.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::Duration;

#[test]
fn next_deadline_is_never_later_than_the_earliest_timer_across_level_boundaries() {
    for start_ms in [60u64, 63, 4090, 4095, 8190, 8191, 262_140, 262_143] {
        for delay_ms in 1..=50u64 {
            let timer = corio_timer::Timer::builder()
                .start_paused(true)
                .shards(1)
                .build();
            let _guard = timer.enter();
            timer.advance(Duration::from_millis(start_ms));
            let origin = timer.now();
            let mut nap = corio_timer::sleep(Duration::from_millis(delay_ms));
            let mut cx = Context::from_waker(Waker::noop());
            assert!(Pin::new(&mut nap).poll(&mut cx).is_pending());
            let next = timer.next_deadline().expect("a timer is registered");
            assert!(
                next <= nap.deadline(),
                "start {start_ms} ms, delay {delay_ms} ms: next {:?} after the deadline {:?}",
                next - origin,
                nap.deadline() - origin
            );
            // And driving the timer by its own next deadlines fires the sleep on time.
            let mut steps = 0;
            while Pin::new(&mut nap).poll(&mut cx).is_pending() {
                let next = timer.next_deadline().expect("still registered");
                let now = timer.now();
                assert!(next >= now || steps == 0, "next deadline in the past");
                timer.advance(next.saturating_duration_since(now));
                steps += 1;
                assert!(
                    steps < 10,
                    "start {start_ms}, delay {delay_ms}: too many steps"
                );
            }
            assert_eq!(timer.now() - origin, Duration::from_millis(delay_ms));
        }
    }
}
