//! [`Interval`]: ticks at a fixed period.

use crate::clock::add_saturating;
use crate::sleep::Sleep;
use futures_core::Stream;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// How late a tick may be before it counts as missed (a timer fires up to
/// about a millisecond late by design, plus scheduling delays).
const MISSED_TOLERANCE: Duration = Duration::from_millis(5);

/// Ticks every `period`, the first tick completing at once.
///
/// # Panics
/// If `period` is zero.
///
/// # Example
///
/// ```
/// use std::{pin::pin, task::{Context, Poll, Waker}, time::Duration};
///
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// let start = timer.now();
/// let mut every = corio_timer::interval(Duration::from_millis(10));
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(every.poll_tick(&mut cx), Poll::Ready(start));
/// assert!(every.poll_tick(&mut cx).is_pending());
/// timer.advance(Duration::from_millis(10));
/// assert_eq!(every.poll_tick(&mut cx), Poll::Ready(start + Duration::from_millis(10)));
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(crate::now(), period)
}

/// Ticks at `start`, then every `period` after it.
///
/// # Panics
/// If `period` is zero.
///
/// # Example
///
/// ```
/// use std::{task::{Context, Poll, Waker}, time::Duration};
///
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// let start = timer.now() + Duration::from_secs(1);
/// let mut every = corio_timer::interval_at(start, Duration::from_secs(1));
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(every.poll_tick(&mut cx).is_pending());
/// timer.advance(Duration::from_secs(1));
/// assert_eq!(every.poll_tick(&mut cx), Poll::Ready(start));
/// ```
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "corio_timer::interval: the period must be non-zero"
    );
    Interval {
        sleep: Sleep::until(start),
        period,
        missed: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when ticks were missed (the task did not call
/// `tick` for more than a period, or the runtime was too busy).
///
/// With period `P`, ticks scheduled at `0, P, 2P, ...`, and the task
/// returning only at `3.5P`:
///
/// * `Burst` (default): the missed ticks complete at once, one per call
///   (`P`, `2P`, `3P`), then the schedule continues (`4P`, `5P`, ...).
/// * `Delay`: one tick completes now, and the schedule restarts from now
///   (`4.5P`, `5.5P`, ...).
/// * `Skip`: one tick completes now and the missed ones are skipped; the
///   schedule keeps its phase (`4P`, `5P`, ...).
///
/// # Example
///
/// ```
/// use corio_timer::MissedTickBehavior;
/// let mut every = {
///     let timer = corio_timer::Timer::builder().start_paused(true).build();
///     let _guard = timer.enter();
///     corio_timer::interval(std::time::Duration::from_secs(1))
/// };
/// every.set_missed_tick_behavior(MissedTickBehavior::Skip);
/// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Skip);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MissedTickBehavior {
    /// Complete the missed ticks as fast as possible, then keep the schedule.
    #[default]
    Burst,
    /// Restart the schedule one period after the late tick completed.
    Delay,
    /// Skip the missed ticks; the next tick is the next one on the original
    /// schedule after now.
    Skip,
}

impl MissedTickBehavior {
    /// The deadline after a tick scheduled at `timeout` completed at `now`.
    fn next_timeout(self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => add_saturating(timeout, period),
            MissedTickBehavior::Delay => add_saturating(now, period),
            MissedTickBehavior::Skip => {
                let late = now.saturating_duration_since(timeout).as_nanos();
                let into_period = (late % period.as_nanos()) as u64;
                add_saturating(now, period - Duration::from_nanos(into_period))
            }
        }
    }
}

/// A stream of ticks, every period (see [`interval`]). `tick().await` gives
/// the instant the tick was scheduled for. Implements
/// [`futures_core::Stream`] (it never ends).
///
/// # Example
///
/// ```
/// fn _poll_as_stream(i: &mut corio_timer::Interval, cx: &mut std::task::Context<'_>) {
///     use futures_core::Stream;
///     let _ = std::pin::Pin::new(i).poll_next(cx);
/// }
/// async fn _every_second() {
///     let mut every = corio_timer::interval(std::time::Duration::from_secs(1));
///     loop {
///         let at = every.tick().await;
///         println!("tick scheduled for {at:?}");
///     }
/// }
/// ```
#[derive(Debug)]
pub struct Interval {
    sleep: Sleep,
    period: Duration,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick; returns the instant it was scheduled for.
    ///
    /// ```
    /// async fn _f(mut every: corio_timer::Interval) {
    ///     let _first = every.tick().await;
    /// }
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick (for hand-written futures).
    ///
    /// ```
    /// use std::task::{Context, Waker};
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let mut every = corio_timer::interval(std::time::Duration::from_secs(1));
    /// assert!(every.poll_tick(&mut Context::from_waker(Waker::noop())).is_ready());
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let timeout = self.sleep.deadline();
        let now = self.sleep.clock_now();
        let next = if now > add_saturating(timeout, MISSED_TOLERANCE) {
            self.missed.next_timeout(timeout, now, self.period)
        } else {
            add_saturating(timeout, self.period)
        };
        self.sleep.reset(next);
        Poll::Ready(timeout)
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let mut every = corio_timer::interval(std::time::Duration::from_secs(1));
    /// every.reset();
    /// # drop(every);
    /// ```
    pub fn reset(&mut self) {
        let now = self.sleep.clock_now();
        self.sleep.reset(add_saturating(now, self.period));
    }

    /// Restarts the schedule: the next tick completes at once.
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let mut every = corio_timer::interval(std::time::Duration::from_secs(1));
    /// every.reset_immediately();
    /// # drop(every);
    /// ```
    pub fn reset_immediately(&mut self) {
        let now = self.sleep.clock_now();
        self.sleep.reset(now);
    }

    /// Restarts the schedule: the next tick is at `deadline`.
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let mut every = corio_timer::interval(std::time::Duration::from_secs(1));
    /// every.reset_at(timer.now() + std::time::Duration::from_millis(10));
    /// # drop(every);
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        self.sleep.reset(deadline);
    }

    /// The period.
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let every = corio_timer::interval(std::time::Duration::from_secs(1));
    /// assert_eq!(every.period(), std::time::Duration::from_secs(1));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The current [`MissedTickBehavior`].
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let every = corio_timer::interval(std::time::Duration::from_secs(1));
    /// assert_eq!(every.missed_tick_behavior(), corio_timer::MissedTickBehavior::Burst);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Sets the [`MissedTickBehavior`].
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let mut every = corio_timer::interval(std::time::Duration::from_secs(1));
    /// every.set_missed_tick_behavior(corio_timer::MissedTickBehavior::Delay);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }
}

impl Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}
