//! Time for the corio runtime: a hierarchical timer wheel, the [`Sleep`],
//! [`Timeout`] and [`Interval`] futures, and a virtual clock.
//!
//! The crate knows nothing about the executor. The `corio` facade builds a
//! [`Timer`] per runtime, installs its handle on every runtime thread
//! ([`TimerHandle::enter`]) and wraps the timer around its inner parker
//! (the I/O reactor) with [`TimerHandle::park_with`].
//!
//! # Design
//!
//! **Wheel.** Six levels of 64 slots; a level-0 slot is one millisecond
//! ("tick") and each level's slots are 64 times wider than the level
//! below, so the wheel spans 2^36 ms (about 2.2 years). An entry goes in the
//! lowest level whose slot separates its deadline from the last processed
//! tick; when a higher-level slot comes due its entries move down, and
//! level-0 slots fire. Each level has a `u64` occupancy bitmap, so the next
//! expiration is a rotate plus `trailing_zeros` per level. Slots are doubly
//! linked lists threaded by index through a slab of entries, so insert and
//! cancel are O(1). Deadlines beyond the span sit in the top level and are
//! re-inserted from there every ~2 years: a sleep of `u64::MAX / 2` seconds
//! neither overflows nor fires.
//!
//! **Rounding.** A deadline is rounded *up* to the next tick and the current
//! time *down*, so a timer never fires before its deadline and fires at most
//! about a millisecond after it (plus the time the driver takes to wake). A
//! deadline on an exact millisecond of the timer's tick grid is not pushed a
//! millisecond later (tokio adds one), and pausing the clock aligns virtual
//! time to the grid, so `sleep(10 ms)` fires exactly when virtual time has
//! advanced 10 ms.
//!
//! **Entries and races.** Each entry is addressed by a generation-checked
//! key (slab index + generation). Firing and cancelling both free the slab
//! node under the shard's lock and bump its generation, so exactly one of
//! "cancelled" and "fired" wins, a fired entry's waker is taken once (woken
//! once), and a stale key never touches a reused node. Wakers are woken,
//! and replaced wakers dropped, outside the lock, in batches of up to 256.
//! The loom models in `src/loom_models.rs` check drop, poll, reset and
//! shutdown racing with the fire, and the driver wake-up protocol.
//!
//! **Sharding.** The timer has several wheels ("shards", by default twice
//! the number of CPUs), each behind its own `parking_lot::Mutex`. A thread
//! registers its timers in one shard (picked round-robin the first time it
//! needs one, kept in a thread-local), so workers that create and drop
//! timers do not contend on one lock the way tokio's single driver lock
//! does. Each shard publishes a lower bound of its next expiration in an
//! atomic, so the driver finds the next deadline and skips idle shards
//! without locking, and workers passing by can fire due timers with
//! [`TimerHandle::try_process_due`] (which skips a shard someone else holds).
//!
//! **Lazy registration.** A [`Sleep`] enters the wheel on its first poll, so
//! one that is never polled costs no lock. A [`Timeout`] polls its future
//! first and creates its sleep only if the future is pending, so a timeout
//! around a future that is ready at once never touches the wheel (nor the
//! clock). `sleep(d)` reads the clock once, when it is made; its first poll
//! registers with that reading as "now" (a lower bound, so still never
//! early) instead of reading the clock again. If its deadline had passed
//! already, the wheel completes it at once when it knows that time has
//! been processed, and otherwise it fires on the driver's next wake-up.
//!
//! **Virtual clock.** Each timer has a clock: real time, or paused virtual
//! time (an atomic count of nanoseconds past the timer's origin, shared by
//! all threads, so it works with any number of workers). [`pause`],
//! [`advance`] and [`resume`] act on the current timer; when every task is
//! idle, the driver calls [`TimerHandle::auto_advance`], which jumps virtual
//! time to the next deadline and fires it. `advance` is synchronous: it
//! moves the clock and fires what is due on the calling thread.
//!
//! **Driver protocol.** [`TimerHandle::before_park`] announces, in an atomic,
//! the tick the driver will sleep until and returns the park timeout;
//! registering a timer due earlier than that calls the unpark callback given
//! to [`Builder::unpark`] (only then: never on the common path);
//! [`TimerHandle::after_park`] ends the announcement and fires what is due.
//! [`TimerHandle::park_with`] does all three.
//!
//! **Shutdown.** [`TimerHandle::shutdown`] (or dropping the [`Timer`])
//! removes every entry and drops its waker without waking it: pending
//! timers never fire, and their futures are dropped with their tasks.
//!
//! # Dependencies
//!
//! * `parking_lot`: the shard mutexes (small, fast uncontended, `try_lock`).
//! * `futures-core`: the `Stream` trait that [`Interval`] implements.
//! * `pin-project-lite`: safe pin projection in [`Timeout`].
//! * `loom` (only with `--cfg loom`): model checking through `src/loom.rs`.
//!
//! # Example
//!
//! ```
//! use std::{future::Future, pin::pin, task::{Context, Poll, Waker}, time::Duration};
//!
//! // A runtime would do this on each thread; here we drive the timer by hand.
//! let timer = corio_timer::Timer::builder().start_paused(true).build();
//! let _guard = timer.enter();
//! let mut cx = Context::from_waker(Waker::noop());
//!
//! let mut nap = pin!(corio_timer::sleep(Duration::from_secs(3)));
//! let mut slow = pin!(corio_timer::timeout(Duration::from_secs(1), std::future::pending::<()>()));
//! assert!(nap.as_mut().poll(&mut cx).is_pending());
//! assert!(slow.as_mut().poll(&mut cx).is_pending());
//!
//! assert!(timer.auto_advance()); // jumps 1 s: the timeout fires
//! assert!(matches!(slow.as_mut().poll(&mut cx), Poll::Ready(Err(_))));
//! assert!(nap.as_mut().poll(&mut cx).is_pending());
//! assert!(timer.auto_advance()); // jumps to 3 s
//! assert!(nap.as_mut().poll(&mut cx).is_ready());
//! ```

mod clock;
mod context;
mod error;
mod interval;
mod loom;
#[cfg(all(loom, test))]
mod loom_models;
mod sleep;
#[cfg(any(all(test, not(loom)), feature = "testing"))]
#[doc(hidden)]
pub mod testing;
mod timeout;
mod timer;
mod wheel;

pub use context::EnterGuard;
pub use error::Elapsed;
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Timeout, timeout, timeout_at, wait_for};
pub use timer::{Builder, Timer, TimerHandle};

use std::time::{Duration, Instant};

/// The current time on the current timer's clock (virtual while paused), or
/// `Instant::now()` outside a runtime. Use it instead of `Instant::now()`
/// when computing deadlines in code that may run under a paused clock.
///
/// ```
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// let t = corio_timer::now();
/// corio_timer::advance(std::time::Duration::from_secs(5));
/// assert_eq!(corio_timer::now() - t, std::time::Duration::from_secs(5));
/// ```
pub fn now() -> Instant {
    context::with_current(|h| h.map_or_else(Instant::now, |(h, _)| h.now()))
}

/// Pauses the current timer's clock (see [`TimerHandle::pause`]).
///
/// # Panics
/// Outside a runtime.
///
/// ```
/// let timer = corio_timer::Timer::new();
/// let _guard = timer.enter();
/// corio_timer::pause();
/// assert!(timer.is_paused());
/// ```
pub fn pause() {
    with_handle(TimerHandle::pause)
}

/// Resumes the current timer's clock (see [`TimerHandle::resume`]).
///
/// # Panics
/// Outside a runtime.
///
/// ```
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// corio_timer::resume();
/// assert!(!timer.is_paused());
/// ```
pub fn resume() {
    with_handle(TimerHandle::resume)
}

/// Advances the current timer's paused clock by `duration` and fires what is
/// then due (see [`TimerHandle::advance`]; synchronous).
///
/// # Panics
/// Outside a runtime, or if the clock is not paused.
///
/// ```
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// let t = timer.now();
/// corio_timer::advance(std::time::Duration::from_millis(1500));
/// assert_eq!(timer.now() - t, std::time::Duration::from_millis(1500));
/// ```
pub fn advance(duration: Duration) {
    with_handle(|h| h.advance(duration))
}

/// Whether the current timer's clock is paused (false outside a runtime).
///
/// ```
/// assert!(!corio_timer::is_paused());
/// ```
pub fn is_paused() -> bool {
    context::with_current(|h| h.is_some_and(|(h, _)| h.is_paused()))
}

fn with_handle(f: impl FnOnce(&TimerHandle)) {
    let handle = TimerHandle::current();
    f(&handle)
}
