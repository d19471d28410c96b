//! The clock every timer in the crate reads: real time, or a virtual clock
//! that only moves when told to (`pause`, `advance`, auto-advance).
//!
//! Times are kept as nanoseconds past the timer's `origin` (an `Instant`
//! taken when the timer was built). The wheel counts whole milliseconds past
//! the same origin ("ticks"): a deadline becomes the tick *rounded up*, the
//! current time the tick *rounded down*, so a timer never fires early.

use crate::loom::{AtomicI64, AtomicU8, AtomicU64, Mutex, Ordering};
use std::time::{Duration, Instant};

/// Nanoseconds in one wheel tick (1 ms).
pub(crate) const NANOS_PER_TICK: u64 = 1_000_000;

/// The largest tick the wheel is ever given (keeps its arithmetic far from
/// overflow; 2^62 ms is about 146 million years).
pub(crate) const MAX_TICK: u64 = 1 << 62;

/// Real time, `Instant::now()`.
const REAL: u8 = 0;
/// Virtual time, frozen at `frozen` nanoseconds past the origin.
const PAUSED: u8 = 1;
/// Real time shifted by `shift` nanoseconds (after a `resume`).
const SHIFTED: u8 = 2;

/// A clock shared by all threads of one timer.
#[derive(Debug)]
pub(crate) struct Clock {
    origin: Instant,
    mode: AtomicU8,
    /// Virtual nanoseconds past `origin` while paused.
    frozen: AtomicU64,
    /// Nanoseconds added to real time after a resume (virtual - real).
    shift: AtomicI64,
    /// Serialises pause/resume transitions (rare; never on a hot path).
    transition: Mutex<()>,
}

impl Clock {
    /// A clock starting now, real or paused.
    pub(crate) fn new(start_paused: bool) -> Self {
        Clock {
            origin: Instant::now(),
            mode: AtomicU8::new(if start_paused { PAUSED } else { REAL }),
            frozen: AtomicU64::new(0),
            shift: AtomicI64::new(0),
            transition: Mutex::new(()),
        }
    }

    /// The instant tick 0 stands for.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn origin(&self) -> Instant {
        self.origin
    }

    /// The current time on this clock.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        match self.mode.load(Ordering::Acquire) {
            REAL => Instant::now(),
            PAUSED => self.at_nanos(self.frozen.load(Ordering::Acquire)),
            _ => {
                let real = nanos_between(self.origin, Instant::now()) as i128;
                let shifted = real + self.shift.load(Ordering::Relaxed) as i128;
                self.at_nanos(shifted.clamp(0, u64::MAX as i128) as u64)
            }
        }
    }

    /// Whether the clock is paused (virtual).
    pub(crate) fn is_paused(&self) -> bool {
        self.mode.load(Ordering::Acquire) == PAUSED
    }

    /// Freezes the clock. The frozen time is rounded *up* to a whole
    /// millisecond past the origin, so that `sleep(n ms)` deadlines taken
    /// while paused fall exactly on ticks (and `advance(n ms)` fires them
    /// exactly). Does nothing if already paused.
    pub(crate) fn pause(&self) {
        let _t = self.transition.lock();
        if self.is_paused() {
            return;
        }
        let nanos = nanos_between(self.origin, self.now());
        let ticks = nanos
            .div_ceil(NANOS_PER_TICK)
            .min(u64::MAX / NANOS_PER_TICK);
        self.frozen.store(ticks * NANOS_PER_TICK, Ordering::Release);
        self.mode.store(PAUSED, Ordering::Release);
    }

    /// Lets the clock run again from where virtual time stood. Does nothing
    /// if not paused.
    pub(crate) fn resume(&self) {
        let _t = self.transition.lock();
        if !self.is_paused() {
            return;
        }
        let real = nanos_between(self.origin, Instant::now()) as i128;
        let virt = self.frozen.load(Ordering::Acquire) as i128;
        let shift = (virt - real).clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        self.shift.store(shift, Ordering::Relaxed);
        self.mode.store(SHIFTED, Ordering::Release);
    }

    /// Moves paused time forward by `d` (saturating).
    ///
    /// # Panics
    /// If the clock is not paused.
    pub(crate) fn advance(&self, d: Duration) {
        assert!(
            self.is_paused(),
            "corio_timer::advance: the clock is not paused; call corio_timer::pause() \
             (or build the runtime with start_paused(true)) first"
        );
        let add = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .frozen
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_add(add))
            });
    }

    /// Moves paused time forward to `tick` if it is behind it.
    pub(crate) fn advance_to_tick(&self, tick: u64) {
        let nanos = tick.saturating_mul(NANOS_PER_TICK);
        self.frozen.fetch_max(nanos, Ordering::AcqRel);
    }

    /// The tick `t` falls in (rounded down): everything due at or before this
    /// tick is due at `t`.
    #[inline]
    pub(crate) fn tick_floor(&self, t: Instant) -> u64 {
        let d = t.saturating_duration_since(self.origin);
        d.as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(d.subsec_nanos()) / NANOS_PER_TICK)
            .min(MAX_TICK)
    }

    /// The first tick at or after `t` (rounded up): a timer for `t` in this
    /// tick's slot never fires before `t`, and an exact-millisecond deadline
    /// is not pushed a millisecond later.
    #[inline]
    pub(crate) fn tick_ceil(&self, t: Instant) -> u64 {
        let d = t.saturating_duration_since(self.origin);
        d.as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(d.subsec_nanos()).div_ceil(NANOS_PER_TICK))
            .min(MAX_TICK)
    }

    /// The instant a tick stands for.
    pub(crate) fn tick_instant(&self, tick: u64) -> Instant {
        add_saturating(self.origin, Duration::from_millis(tick))
    }

    fn at_nanos(&self, nanos: u64) -> Instant {
        add_saturating(self.origin, Duration::from_nanos(nanos))
    }
}

/// Nanoseconds from `from` to `to` (0 if `to` is earlier), saturating.
fn nanos_between(from: Instant, to: Instant) -> u64 {
    u64::try_from(to.saturating_duration_since(from).as_nanos()).unwrap_or(u64::MAX)
}

/// A point so far ahead that nothing waits for it in practice (about 30
/// years), without overflowing `Instant`.
pub(crate) fn far_future(base: Instant) -> Instant {
    const YEAR: u64 = 365 * 24 * 3600;
    [30 * YEAR, YEAR, 24 * 3600, 1]
        .into_iter()
        .find_map(|s| base.checked_add(Duration::from_secs(s)))
        .unwrap_or(base)
}

/// `base + d`, or "far future" when that does not fit in an `Instant`.
pub(crate) fn add_saturating(base: Instant, d: Duration) -> Instant {
    base.checked_add(d).unwrap_or_else(|| far_future(base))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn ticks_round_deadlines_up_and_now_down() {
        let c = Clock::new(true);
        let o = c.origin();
        assert_eq!(c.tick_ceil(o + Duration::from_millis(10)), 10);
        assert_eq!(c.tick_floor(o + Duration::from_millis(10)), 10);
        assert_eq!(c.tick_ceil(o + Duration::from_micros(10_001)), 11);
        assert_eq!(c.tick_floor(o + Duration::from_micros(10_999)), 10);
        assert_eq!(c.tick_ceil(o), 0);
        assert_eq!(c.tick_instant(7), o + Duration::from_millis(7));
    }

    #[test]
    fn paused_clock_moves_only_when_advanced() {
        let c = Clock::new(false);
        c.pause();
        let a = c.now();
        // frozen on a whole millisecond
        assert_eq!(c.tick_ceil(a), c.tick_floor(a));
        assert_eq!(c.now(), a);
        c.advance(Duration::from_millis(5));
        assert_eq!(c.now(), a + Duration::from_millis(5));
        c.advance_to_tick(c.tick_floor(a)); // behind: no-op
        assert_eq!(c.now(), a + Duration::from_millis(5));
        c.resume();
        assert!(c.now() >= a + Duration::from_millis(5));
        assert!(!c.is_paused());
    }

    #[test]
    fn huge_durations_saturate() {
        let c = Clock::new(true);
        c.advance(Duration::MAX);
        let _ = c.now();
        assert!(c.tick_floor(c.now()) <= MAX_TICK);
        let far = add_saturating(Instant::now(), Duration::from_secs(u64::MAX / 2));
        assert!(far > Instant::now() + Duration::from_secs(3600 * 24 * 365));
    }

    #[test]
    #[should_panic(expected = "not paused")]
    fn advance_requires_pause() {
        Clock::new(false).advance(Duration::from_millis(1));
    }
}
