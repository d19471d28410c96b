//! The timer: sharded wheels behind mutexes, the shared clock, and the API
//! the runtime's driver calls.

use crate::clock::Clock;
use crate::context::{self, EnterGuard, NO_TIMER};
use crate::loom::{Arc, AtomicBool, AtomicU64, Mutex, Ordering, fence};
use crate::wheel::{Key, Reset, Wheel};
use std::fmt;
use std::task::{Poll, Waker};

/// A panic payload, as `catch_unwind` returns it.
type Panic = Box<dyn std::any::Any + Send>;

/// Wakes every waker, even if one panics (a foreign executor's waker, or a
/// hand-written combinator's): the timers behind it still fire. The first
/// panic is kept in `panic` for the caller to resume once it is consistent.
fn wake_all(wakers: impl Iterator<Item = Waker>, panic: &mut Option<Panic>) {
    for waker in wakers {
        if let Err(payload) =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()))
        {
            panic.get_or_insert(payload);
        }
    }
}
use std::time::{Duration, Instant};

/// Panic message for a timer future polled after its timer shut down.
pub(crate) const SHUT_DOWN: &str = "the corio timer has shut down: a timer future \
    (sleep, timeout, interval) was polled after its runtime shut down";

/// How many wakers `process` collects under one lock hold before it
/// releases the shard lock to wake them.
const WAKE_BATCH: usize = 256;

/// "No deadline" / "no driver parked with a deadline" sentinel ticks.
const NEVER: u64 = u64::MAX;
/// `sleeping_until` value while the driver is not parked.
const NOT_PARKED: u64 = 0;

/// Hands out timer ids (not a synchronisation point: a real atomic even
/// under loom).
static NEXT_TIMER_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The callback that wakes the parked driver.
type Unpark = std::sync::Arc<dyn Fn() + Send + Sync>;

/// State shared by all shards of one timer.
pub(crate) struct Common {
    /// Unique per timer (identifies it in `Sleep`'s fast path).
    id: u64,
    pub(crate) clock: Clock,
    /// The tick the parked driver will wake at: `NOT_PARKED` while it is not
    /// parked, `NEVER` while it parks without a deadline. An insertion that
    /// makes a shard's next expiration earlier than this unparks the driver.
    sleeping_until: AtomicU64,
    unpark: Mutex<Option<Unpark>>,
    shutdown: AtomicBool,
}

impl Common {
    /// Wakes the driver if it sleeps past `tick`. Called after storing the
    /// shard's lowered `next`: store, SeqCst fence, load here; `before_park`
    /// does store, fence, load the other way round (Dekker), so either the
    /// driver sees the new `next` or this sees the driver's announcement.
    fn notify_if_earlier(&self, tick: u64) {
        fence(Ordering::SeqCst);
        if tick < self.sleeping_until.load(Ordering::Relaxed) {
            self.unpark_driver();
        }
    }

    fn unpark_driver(&self) {
        let cb = self.unpark.lock().clone();
        if let Some(cb) = cb {
            cb();
        }
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }
}

/// One wheel and its lock. A thread registers its timers in the shard its
/// hint picks, so workers rarely contend; the driver processes all shards.
pub(crate) struct Shard {
    wheel: Mutex<Wheel>,
    /// A lower bound of the wheel's next expiration tick (`NEVER` if empty).
    /// Written only under the wheel lock; read without it.
    next: AtomicU64,
    pub(crate) common: Arc<Common>,
}

impl fmt::Debug for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shard")
            .field("next", &self.next.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Shard {
    /// Registers a timer due at tick `when`, seen at tick `now`. Returns
    /// `None` when it is already due (`when` is not after the wheel's last
    /// processed tick).
    ///
    /// # Panics
    /// If the timer has shut down.
    pub(crate) fn register(&self, when: u64, now: u64, waker: &Waker) -> Option<Key> {
        let mut wheel = self.wheel.lock();
        if self.common.is_shutdown() {
            drop(wheel);
            panic!("{SHUT_DOWN}");
        }
        let next = self.next.load(Ordering::Relaxed);
        wheel.catch_up(now, next);
        if when <= wheel.elapsed() {
            return None;
        }
        let (key, slot_deadline) = match wheel.insert(when, waker.clone()) {
            Ok(k) => k,
            Err(_) => unreachable!("checked against elapsed above"),
        };
        let earlier = slot_deadline < next;
        if earlier {
            self.next.store(slot_deadline, Ordering::Release);
        }
        drop(wheel);
        if earlier {
            self.common.notify_if_earlier(slot_deadline);
        }
        Some(key)
    }

    /// Polls a registered entry: `Ready` once it has fired, else stores the
    /// waker and returns `Pending`.
    ///
    /// # Panics
    /// If the timer has shut down.
    pub(crate) fn poll_entry(&self, key: Key, waker: &Waker) -> Poll<()> {
        let mut wheel = self.wheel.lock();
        if self.common.is_shutdown() {
            drop(wheel);
            panic!("{SHUT_DOWN}");
        }
        match wheel.update_waker(key, waker) {
            Ok(old) => {
                drop(wheel);
                drop(old); // a waker's drop may run arbitrary code: not under the lock
                Poll::Pending
            }
            Err(_) => Poll::Ready(()),
        }
    }

    /// Cancels a registered entry (no-op if it already fired).
    pub(crate) fn cancel(&self, key: Key) {
        let mut wheel = self.wheel.lock();
        let old = wheel.remove(key);
        if old.is_some() && wheel.len() == 0 {
            // Empty: no stale deadline for the driver to wake up for.
            self.next.store(NEVER, Ordering::Release);
        }
        drop(wheel);
        drop(old);
    }

    /// Moves a registered entry to tick `when`.
    pub(crate) fn reset(&self, key: Key, when: u64) -> Reset {
        let mut wheel = self.wheel.lock();
        let next = self.next.load(Ordering::Relaxed);
        let res = wheel.reset(key, when);
        if let Reset::Moved(slot_deadline) = res {
            if slot_deadline < next {
                self.next.store(slot_deadline, Ordering::Release);
                drop(wheel);
                self.common.notify_if_earlier(slot_deadline);
            }
        }
        res
    }

    /// Fires what is due at tick `now`, waking outside the lock in batches.
    /// With `try_only`, gives up if another thread holds the lock.
    fn process(&self, now: u64, try_only: bool, panic: &mut Option<Panic>) -> usize {
        let mut fired = 0;
        let mut wakers = Vec::new();
        loop {
            if self.next.load(Ordering::Acquire) > now {
                break;
            }
            let mut wheel = if try_only {
                match self.wheel.try_lock() {
                    Some(w) => w,
                    None => break,
                }
            } else {
                self.wheel.lock()
            };
            if self.common.is_shutdown() {
                break;
            }
            let done = wheel.process(now, &mut wakers, WAKE_BATCH);
            self.next
                .store(wheel.next_deadline().unwrap_or(NEVER), Ordering::Release);
            drop(wheel);
            fired += wakers.len();
            wake_all(wakers.drain(..), panic);
            if done {
                break;
            }
        }
        fired
    }

    fn len(&self) -> usize {
        self.wheel.lock().len()
    }

    fn registrations(&self) -> u64 {
        self.wheel.lock().registrations()
    }

    /// Empties the wheel for shutdown; the wakers are dropped, not woken.
    fn drain(&self) {
        let mut wakers = Vec::new();
        {
            let mut wheel = self.wheel.lock();
            wheel.drain(&mut wakers);
            self.next.store(NEVER, Ordering::Release);
        }
        drop(wakers);
    }
}

struct Inner {
    common: Arc<Common>,
    /// Power-of-two many shards.
    shards: Box<[Arc<Shard>]>,
}

/// Builds a [`Timer`].
///
/// # Example
///
/// ```
/// use corio_timer::Timer;
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// let unparks = Arc::new(AtomicUsize::new(0));
/// let counter = unparks.clone();
/// let timer = Timer::builder()
///     .shards(2)
///     .start_paused(true)
///     .unpark(move || { counter.fetch_add(1, Ordering::Relaxed); })
///     .build();
/// assert!(timer.is_paused());
/// # drop(unparks);
/// ```
#[must_use]
pub struct Builder {
    shards: Option<usize>,
    start_paused: bool,
    unpark: Option<Unpark>,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("shards", &self.shards)
            .field("start_paused", &self.start_paused)
            .field("unpark", &self.unpark.is_some())
            .finish()
    }
}

impl Builder {
    /// Number of wheel shards, rounded up to a power of two (1..=64).
    /// Default: twice the available parallelism. Each thread registers its
    /// timers in one shard (picked round-robin the first time it registers
    /// one), so more shards mean less lock contention between workers; the
    /// driver's cost grows by one atomic load per shard.
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().shards(3).build();
    /// # drop(timer);
    /// ```
    pub fn shards(mut self, n: usize) -> Self {
        self.shards = Some(n);
        self
    }

    /// Starts with the virtual clock paused (`Runtime::builder().start_paused(true)`).
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// assert!(timer.is_paused());
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Self {
        self.start_paused = paused;
        self
    }

    /// The callback that wakes the parked driver (for example the inner
    /// parker's `unpark`). The timer calls it only when a timer is
    /// registered that is due before the tick the driver parked until (see
    /// [`TimerHandle::before_park`]), and on [`TimerHandle::resume`]; never
    /// on the common path. It may be called from any thread, with no timer
    /// lock held. [`TimerHandle::shutdown`] drops it (breaking any `Arc`
    /// cycle through the driver).
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().unpark(|| {}).build();
    /// # drop(timer);
    /// ```
    pub fn unpark(mut self, f: impl Fn() + Send + Sync + 'static) -> Self {
        self.unpark = Some(std::sync::Arc::new(f));
        self
    }

    /// Builds the timer.
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().build();
    /// assert!(timer.is_empty());
    /// ```
    pub fn build(self) -> Timer {
        let n = self
            .shards
            .unwrap_or_else(|| {
                2 * std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            })
            .clamp(1, 64)
            .next_power_of_two();
        let common = Arc::new(Common {
            id: NEXT_TIMER_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            clock: Clock::new(self.start_paused),
            sleeping_until: AtomicU64::new(NOT_PARKED),
            unpark: Mutex::new(self.unpark),
            shutdown: AtomicBool::new(false),
        });
        let shards = (0..n)
            .map(|_| {
                Arc::new(Shard {
                    wheel: Mutex::new(Wheel::new()),
                    next: AtomicU64::new(NEVER),
                    common: common.clone(),
                })
            })
            .collect();
        Timer {
            handle: TimerHandle {
                inner: Arc::new(Inner { common, shards }),
            },
        }
    }
}

/// The timer of one runtime: owns the wheels and shuts them down when
/// dropped. Dereferences to its [`TimerHandle`], which has all the methods.
///
/// # How a driver uses it
///
/// The runtime's driver (which owns the timer and an inner parker such as
/// the I/O reactor) parks like this:
///
/// ```
/// use corio_timer::Timer;
/// use std::time::Duration;
///
/// struct Driver { timer: Timer /* , reactor: ... */ }
/// impl Driver {
///     fn park(&self, timeout: Option<Duration>) {
///         // fires what is due after waking; sleeps no later than the next timer
///         self.timer.park_with(timeout, |t| {
///             /* self.reactor.park(t) */
///             # let _ = t;
///         });
///     }
/// }
/// # Driver { timer: Timer::new() }.park(Some(Duration::ZERO));
/// ```
///
/// Workers passing by call [`TimerHandle::try_process_due`] now and then;
/// when every task is idle and the clock is paused, the driver calls
/// [`TimerHandle::auto_advance`].
pub struct Timer {
    handle: TimerHandle,
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Timer").field(&self.handle).finish()
    }
}

impl Default for Timer {
    fn default() -> Self {
        Timer::new()
    }
}

impl Timer {
    /// A timer on the real clock, with default shards and no unpark callback.
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// assert!(!timer.is_paused());
    /// ```
    pub fn new() -> Timer {
        Timer::builder().build()
    }

    /// A [`Builder`] to configure shards, a paused start and the unpark callback.
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// # drop(timer);
    /// ```
    pub fn builder() -> Builder {
        Builder {
            shards: None,
            start_paused: false,
            unpark: None,
        }
    }

    /// A cloneable handle to this timer.
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// let handle = timer.handle().clone();
    /// assert!(handle.is_empty());
    /// ```
    pub fn handle(&self) -> &TimerHandle {
        &self.handle
    }
}

impl std::ops::Deref for Timer {
    type Target = TimerHandle;

    fn deref(&self) -> &TimerHandle {
        &self.handle
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// A cheap, cloneable reference to a [`Timer`]: the context timer futures
/// find (see [`enter`](TimerHandle::enter)), and the driver-facing API.
#[derive(Clone)]
pub struct TimerHandle {
    inner: Arc<Inner>,
}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerHandle")
            .field("shards", &self.inner.shards.len())
            .field("paused", &self.is_paused())
            .field("shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

impl TimerHandle {
    // ----- context -----

    /// Makes this timer the current one on this thread until the guard is
    /// dropped. The runtime does this on every thread it runs tasks on.
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// let _guard = timer.enter();
    /// let sleep = corio_timer::sleep(std::time::Duration::from_secs(1));
    /// # drop(sleep);
    /// ```
    pub fn enter(&self) -> EnterGuard {
        EnterGuard::new(self.clone())
    }

    /// The current thread's timer.
    ///
    /// # Panics
    /// If no timer is current (outside a runtime).
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// let _guard = timer.enter();
    /// let handle = corio_timer::TimerHandle::current();
    /// # drop(handle);
    /// ```
    pub fn current() -> TimerHandle {
        Self::try_current().unwrap_or_else(|| panic!("{NO_TIMER}"))
    }

    /// The current thread's timer, if any.
    ///
    /// ```
    /// assert!(corio_timer::TimerHandle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<TimerHandle> {
        context::with_current(|h| h.map(|(h, _)| h.clone()))
    }

    // ----- clock -----

    /// The current time on this timer's clock (virtual while paused).
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let t = timer.now();
    /// assert_eq!(timer.now(), t); // paused: time stands still
    /// ```
    pub fn now(&self) -> Instant {
        self.inner.common.clock.now()
    }

    /// Whether the clock is paused (virtual time).
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// timer.pause();
    /// assert!(timer.is_paused());
    /// ```
    pub fn is_paused(&self) -> bool {
        self.inner.common.clock.is_paused()
    }

    /// Freezes the clock (idempotent). Virtual time then moves only by
    /// [`advance`](Self::advance) and [`auto_advance`](Self::auto_advance).
    /// The frozen time is rounded up to a whole millisecond of the timer's
    /// tick grid, so whole-millisecond sleeps fire exactly when advanced to.
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// timer.pause();
    /// let t = timer.now();
    /// timer.advance(std::time::Duration::from_secs(3600));
    /// assert_eq!(timer.now() - t, std::time::Duration::from_secs(3600));
    /// ```
    pub fn pause(&self) {
        self.inner.common.clock.pause();
    }

    /// Lets the clock run again, from the virtual time it had reached
    /// (idempotent). Wakes the driver so it re-computes its park timeout.
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// timer.resume();
    /// assert!(!timer.is_paused());
    /// ```
    pub fn resume(&self) {
        self.inner.common.clock.resume();
        self.inner.common.unpark_driver();
    }

    /// Moves the paused clock forward by `d` and fires, on the calling
    /// thread, every timer that is then due (their tasks run once the caller
    /// yields). Synchronous; the facade may wrap it in an async function
    /// that also yields once.
    ///
    /// # Panics
    /// If the clock is not paused.
    ///
    /// ```
    /// use std::{future::Future, pin::pin, task::{Context, Waker}, time::Duration};
    ///
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let mut sleep = pin!(corio_timer::sleep(Duration::from_millis(10)));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(sleep.as_mut().poll(&mut cx).is_pending());
    /// timer.advance(Duration::from_millis(10));
    /// assert!(sleep.as_mut().poll(&mut cx).is_ready());
    /// ```
    pub fn advance(&self, d: Duration) {
        let clock = &self.inner.common.clock;
        clock.advance(d);
        let now = clock.tick_floor(clock.now());
        self.process_tick(now, false);
        self.catch_up_all(now);
    }

    /// Auto-advance: if the clock is paused, jumps virtual time to the next
    /// timer's deadline and fires it (cascading through the wheel as
    /// needed). Returns true if at least one timer fired, false if the clock
    /// is not paused or no timer is registered.
    ///
    /// The driver calls this when the executor reports that every task is
    /// idle: no task runnable on any worker, no blocking task running, and no
    /// I/O event ready (poll I/O with a zero timeout first). Calling it while
    /// some task could still run makes virtual time jump ahead of that task.
    ///
    /// ```
    /// use std::{future::Future, pin::pin, task::{Context, Waker}, time::Duration};
    ///
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let start = timer.now();
    /// let mut sleep = pin!(corio_timer::sleep(Duration::from_secs(3600)));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(sleep.as_mut().poll(&mut cx).is_pending());
    /// assert!(timer.auto_advance());
    /// assert!(sleep.as_mut().poll(&mut cx).is_ready());
    /// assert_eq!(timer.now() - start, Duration::from_secs(3600));
    /// assert!(!timer.auto_advance()); // nothing left
    /// ```
    pub fn auto_advance(&self) -> bool {
        let common = &self.inner.common;
        loop {
            if !common.clock.is_paused() || common.is_shutdown() {
                return false;
            }
            let now = common.clock.tick_floor(common.clock.now());
            if self.process_tick(now, false) > 0 {
                self.catch_up_all(now);
                return true;
            }
            let next = self.min_next();
            if next == NEVER {
                return false;
            }
            if next > now {
                common.clock.advance_to_tick(next);
                if common.clock.tick_floor(common.clock.now()) <= now {
                    return false; // the clock cannot move further
                }
            }
        }
    }

    // ----- driver -----

    /// The instant the driver must wake at to process the next timer, or
    /// `None` if no timer is registered. Never later than the earliest
    /// deadline; it may be earlier (when entries must move down the wheel's
    /// levels), in which case processing at that instant fires nothing and
    /// the next call reports a later instant.
    ///
    /// ```
    /// use std::{future::Future, pin::pin, task::{Context, Waker}, time::Duration};
    ///
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// assert_eq!(timer.next_deadline(), None);
    /// let mut sleep = pin!(corio_timer::sleep(Duration::from_millis(20)));
    /// assert!(sleep.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
    /// assert_eq!(timer.next_deadline(), Some(sleep.deadline()));
    /// ```
    pub fn next_deadline(&self) -> Option<Instant> {
        match self.min_next() {
            NEVER => None,
            tick => Some(self.inner.common.clock.tick_instant(tick)),
        }
    }

    /// Fires every timer due at `now` (an instant of this timer's clock,
    /// see [`now`](Self::now)): wakers are called outside any lock, in
    /// batches. Returns how many fired. Blocks briefly on each shard lock.
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// assert_eq!(timer.process(timer.now()), 0);
    /// ```
    pub fn process(&self, now: Instant) -> usize {
        self.process_tick(self.inner.common.clock.tick_floor(now), false)
    }

    /// Like [`process`](Self::process), but skips every shard another
    /// thread is processing or registering in: cheap and safe to call from
    /// any worker "passing by".
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// assert_eq!(timer.try_process(timer.now()), 0);
    /// ```
    pub fn try_process(&self, now: Instant) -> usize {
        self.process_tick(self.inner.common.clock.tick_floor(now), true)
    }

    /// [`process`](Self::process) at [`now`](Self::now).
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// assert_eq!(timer.process_due(), 0);
    /// ```
    pub fn process_due(&self) -> usize {
        if self.min_next() == NEVER {
            return 0;
        }
        self.process(self.now())
    }

    /// [`try_process`](Self::try_process) at [`now`](Self::now); does not
    /// even read the clock when no timer is registered. This is the
    /// "fire on pass-by" hook for workers (for example every 61 polls).
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// assert_eq!(timer.try_process_due(), 0);
    /// ```
    pub fn try_process_due(&self) -> usize {
        if self.min_next() == NEVER {
            return 0;
        }
        self.try_process(self.now())
    }

    /// Step 1 of a park: announces that the driver is about to block and
    /// returns how long it may block: the smaller of `max` and the time
    /// until [`next_deadline`](Self::next_deadline) (`Some(ZERO)` if a timer
    /// is already due; while the clock is paused, `None` unless one is due,
    /// since virtual time does not pass by waiting). From this call until
    /// [`after_park`](Self::after_park), registering a timer due earlier
    /// calls the unpark callback. Only one thread may be between the two
    /// calls at a time (the thread holding the driver).
    ///
    /// ```
    /// use std::time::Duration;
    /// let timer = corio_timer::Timer::new();
    /// let timeout = timer.before_park(Some(Duration::from_millis(5)));
    /// assert_eq!(timeout, Some(Duration::from_millis(5))); // no timers
    /// // inner.park(timeout);
    /// timer.after_park();
    /// ```
    pub fn before_park(&self, max: Option<Duration>) -> Option<Duration> {
        let common = &self.inner.common;
        // Dekker with `Shard::register`: announce first, then read the
        // shards. A registration either stored its `next` before our read
        // (we see it) or loads our announcement after it (and unparks us).
        common.sleeping_until.store(NEVER, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        let next = self.min_next();
        common
            .sleeping_until
            .store(next.max(NOT_PARKED + 1), Ordering::Relaxed);
        let timer_timeout = if next == NEVER {
            None
        } else {
            let now = common.clock.now();
            if next <= common.clock.tick_floor(now) {
                Some(Duration::ZERO)
            } else if common.clock.is_paused() {
                None
            } else {
                Some(
                    common
                        .clock
                        .tick_instant(next)
                        .saturating_duration_since(now),
                )
            }
        };
        match (max, timer_timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Step 2 of a park, right after the inner park returned: ends the
    /// announcement and fires what is due. Returns how many fired.
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// let _ = timer.before_park(None);
    /// assert_eq!(timer.after_park(), 0);
    /// ```
    pub fn after_park(&self) -> usize {
        self.inner
            .common
            .sleeping_until
            .store(NOT_PARKED, Ordering::Relaxed);
        self.process_due()
    }

    /// A whole park: `park(before_park(max))`, then `after_park()`. `park` is
    /// the inner parker (for example the reactor's poll with a timeout).
    /// Returns how many timers fired.
    ///
    /// ```
    /// use std::time::Duration;
    /// let timer = corio_timer::Timer::new();
    /// let fired = timer.park_with(Some(Duration::from_millis(1)), |t| {
    ///     if let Some(t) = t { std::thread::sleep(t) }
    /// });
    /// assert_eq!(fired, 0);
    /// ```
    pub fn park_with(&self, max: Option<Duration>, park: impl FnOnce(Option<Duration>)) -> usize {
        let timeout = self.before_park(max);
        // The inner parker may resume a waker's panic (the reactor does):
        // leave the parked state and fire what is due before passing it on.
        let parked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| park(timeout)));
        let fired = self.after_park();
        if let Err(payload) = parked {
            std::panic::resume_unwind(payload);
        }
        fired
    }

    // ----- bookkeeping -----

    /// Number of registered (pending) timers across all shards.
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// assert_eq!(timer.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.shards.iter().map(|s| s.len()).sum()
    }

    /// Whether no timer is registered.
    ///
    /// ```
    /// assert!(corio_timer::Timer::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many timers were ever registered in the wheels (a timer future
    /// that completed without waiting, such as a `timeout` whose future was
    /// ready at once, never counts).
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// assert_eq!(timer.registrations(), 0);
    /// ```
    pub fn registrations(&self) -> u64 {
        self.inner.shards.iter().map(|s| s.registrations()).sum()
    }

    /// Shuts the timer down (idempotent; also done when the [`Timer`] is
    /// dropped): every registered entry is removed and its waker dropped,
    /// not woken, so pending timers never fire (their futures go away with
    /// their tasks); the unpark callback is dropped. Polling a timer future
    /// that needs the wheel afterwards panics.
    ///
    /// ```
    /// let timer = corio_timer::Timer::new();
    /// timer.shutdown();
    /// assert!(timer.is_shutdown() && timer.is_empty());
    /// ```
    pub fn shutdown(&self) {
        let common = &self.inner.common;
        if common.shutdown.swap(true, Ordering::AcqRel) {
            return;
        }
        for shard in self.inner.shards.iter() {
            shard.drain();
        }
        let cb = common.unpark.lock().take();
        drop(cb);
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    ///
    /// ```
    /// assert!(!corio_timer::Timer::new().is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.inner.common.is_shutdown()
    }

    // ----- internals -----

    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.common.clock
    }

    /// This timer's unique id.
    pub(crate) fn id(&self) -> u64 {
        self.inner.common.id
    }

    /// Moves every shard's `elapsed` up to `now` where nothing is due
    /// before it (after a clock jump), so that timers registered next are
    /// placed relative to the new time and found due at once if they are.
    fn catch_up_all(&self, now: u64) {
        for shard in self.inner.shards.iter() {
            let mut wheel = shard.wheel.lock();
            let next = shard.next.load(Ordering::Relaxed);
            wheel.catch_up(now, next);
        }
    }

    /// The shard a thread with this hint registers in.
    pub(crate) fn shard(&self, hint: u32) -> &Arc<Shard> {
        let shards = &self.inner.shards;
        &shards[hint as usize & (shards.len() - 1)]
    }

    fn min_next(&self) -> u64 {
        self.inner
            .shards
            .iter()
            .map(|s| s.next.load(Ordering::Acquire))
            .min()
            .unwrap_or(NEVER)
    }

    fn process_tick(&self, now: u64, try_only: bool) -> usize {
        let mut panic = None;
        let fired = self
            .inner
            .shards
            .iter()
            .map(|s| s.process(now, try_only, &mut panic))
            .sum();
        if let Some(payload) = panic {
            // Every due timer fired; now the caller learns about the bad waker.
            std::panic::resume_unwind(payload);
        }
        fired
    }
}
