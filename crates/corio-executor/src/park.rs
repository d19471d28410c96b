//! How an idle worker waits for work: the [`Park`] trait and the condvar default.
//!
//! The executor knows nothing about I/O or time. When a worker has nothing to run
//! it parks; a runtime may install one *driver* (a [`Park`] implementation that
//! also waits for I/O readiness and timers). Only one worker at a time parks in
//! the driver; the others sleep on their own condvar, so an unpark is always
//! aimed at one thread.

use std::time::Duration;

/// Something a thread can block in until it is unparked or a timeout elapses.
///
/// The runtime's driver (the reactor and the timer wheel, composed by the `corio`
/// facade) implements this trait. `park` may process events (fire timers, wake
/// sockets' tasks) before it returns; the wakers it calls schedule tasks on the
/// runtime as usual.
///
/// # Example
///
/// ```
/// use corio_executor::park::Park;
/// use std::time::Duration;
///
/// struct Nothing;
/// impl Park for Nothing {
///     fn park(&self, timeout: Option<Duration>) {
///         if let Some(t) = timeout { std::thread::sleep(t.min(Duration::from_millis(1))) }
///     }
///     fn unpark(&self) {}
/// }
/// Nothing.park(Some(Duration::ZERO));
/// ```
pub trait Park: Send + Sync + 'static {
    /// Blocks until [`unpark`](Park::unpark) is called or `timeout` elapses
    /// (`None`: no limit; `Some(Duration::ZERO)`: poll events and return at once).
    /// An `unpark` that came before this call makes it return promptly.
    /// Spurious returns are allowed.
    fn park(&self, timeout: Option<Duration>);

    /// Makes the thread blocked in [`park`](Park::park) return, or the next call
    /// return at once. Callable from any thread.
    fn unpark(&self);

    /// Called when the runtime may have become idle: no task queued or
    /// running, every worker and `block_on` thread asleep, no blocking closure
    /// running (check with [`Handle::is_idle`](crate::Handle::is_idle)). A
    /// driver with a virtual clock uses it to jump to the next timer; the
    /// default does nothing. It runs on the thread that went idle last, so it
    /// must be cheap and must not block.
    fn on_runtime_idle(&self) {}
}

#[cfg(loom)]
use crate::loom::Arc;
use crate::loom::{
    AtomicBool, AtomicUsize, Condvar, Mutex,
    Ordering::{Relaxed, SeqCst},
    wait_timeout,
};

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// The default [`Park`]: a mutex, a condvar and a notified flag.
///
/// An `unpark` that comes before `park` is remembered (one of them), so no
/// wake-up is lost; `unpark` on a thread that is not parked costs one atomic swap.
///
/// # Example
///
/// ```
/// use corio_executor::park::{CondvarPark, Park};
/// use std::sync::Arc;
/// let park = Arc::new(CondvarPark::new());
/// let unparker = park.clone();
/// let t = std::thread::spawn(move || unparker.unpark());
/// park.park(None); // returns once the other thread has unparked us
/// t.join().unwrap();
/// ```
#[derive(Debug)]
pub struct CondvarPark {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
}

impl Default for CondvarPark {
    fn default() -> Self {
        Self::new()
    }
}

impl CondvarPark {
    /// A parker with no pending unpark.
    ///
    /// ```
    /// let park = corio_executor::park::CondvarPark::new();
    /// # let _ = park;
    /// ```
    pub fn new() -> CondvarPark {
        CondvarPark {
            state: AtomicUsize::new(EMPTY),
            mutex: Mutex::new(()),
            condvar: Condvar::new(),
        }
    }
}

impl Park for CondvarPark {
    fn park(&self, timeout: Option<Duration>) {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }
        let mut guard = self.mutex.lock();
        if self
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
            .is_err()
        {
            // Notified between the first check and taking the lock.
            self.state.store(EMPTY, SeqCst);
            return;
        }
        let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
        loop {
            let timed_out = match deadline {
                None => {
                    self.condvar.wait(&mut guard);
                    false
                }
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    left.is_zero() || wait_timeout(&self.condvar, &mut guard, left)
                }
            };
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
            if timed_out {
                // Leave PARKED_CONDVAR, keeping a notification that races in.
                if self
                    .state
                    .compare_exchange(PARKED_CONDVAR, EMPTY, SeqCst, SeqCst)
                    .is_err()
                {
                    self.state.store(EMPTY, SeqCst);
                }
                return;
            }
        }
    }

    fn unpark(&self) {
        if self.state.swap(NOTIFIED, SeqCst) == PARKED_CONDVAR {
            // Taking the lock orders this notify after the parker's wait began.
            drop(self.mutex.lock());
            self.condvar.notify_one();
        }
    }
}

/// The runtime's driver and the lock that lets one worker at a time park in it.
pub(crate) struct DriverSlot {
    driver: std::sync::Arc<dyn Park>,
    busy: AtomicBool,
    /// Taken by the one condvar sleeper that wakes now and then to check on
    /// the driver (see [`Parker::park`]).
    sentry: AtomicBool,
    /// Bumped each time a worker enters the driver (to wait or just to poll
    /// events): the sentry's sign that the driver is attended.
    visits: AtomicUsize,
}

impl DriverSlot {
    pub(crate) fn new(driver: std::sync::Arc<dyn Park>) -> DriverSlot {
        DriverSlot {
            driver,
            busy: AtomicBool::new(false),
            sentry: AtomicBool::new(false),
            visits: AtomicUsize::new(0),
        }
    }

    fn try_lock(&self) -> bool {
        !self.busy.load(SeqCst) && !self.busy.swap(true, SeqCst)
    }

    fn unlock(&self) {
        self.busy.store(false, SeqCst);
    }

    fn claim_sentry(&self) -> bool {
        !self.sentry.load(SeqCst) && !self.sentry.swap(true, SeqCst)
    }

    fn release_sentry(&self) {
        self.sentry.store(false, SeqCst);
    }

    /// Polls the driver for events without blocking, unless another thread is in it.
    pub(crate) fn poll_events(&self) {
        if self.try_lock() {
            self.park_driver(Some(Duration::ZERO));
            self.unlock();
        }
    }

    /// Parks in the driver, containing a panic that comes out of it: a waker
    /// the driver called panicked (a foreign executor's or a hand-written
    /// combinator's; the driver woke every other waker first). No task called
    /// that waker, so the process's panic hook, which already ran, is where it
    /// is reported; the worker and the driver slot carry on.
    fn park_driver(&self, timeout: Option<Duration>) {
        self.visits.fetch_add(1, Relaxed);
        let _ =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.driver.park(timeout)));
    }

    pub(crate) fn unpark(&self) {
        self.driver.unpark();
    }

    pub(crate) fn on_runtime_idle(&self) {
        self.driver.on_runtime_idle();
    }
}

/// A worker's parker: it blocks in the driver when the driver is free, on its
/// own condvar otherwise, and its unpark reaches whichever of the two it is in.
pub(crate) struct Parker {
    own: CondvarPark,
    driver: Option<std::sync::Arc<DriverSlot>>,
}

/// A worker's sentry state across the rounds of one park (see [`Parker::park`]).
#[derive(Debug)]
pub(crate) struct Sentry {
    /// How long the next sentry round sleeps.
    pub(crate) timeout: Duration,
    /// The driver's visit count when this worker last went to sleep as the
    /// sentry: a different count later means the driver was attended.
    visits_seen: Option<usize>,
}

impl Sentry {
    pub(crate) fn new(timeout: Duration) -> Sentry {
        Sentry {
            timeout,
            visits_seen: None,
        }
    }
}

/// Where [`Parker::park`] slept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parked {
    /// In the driver.
    InDriver,
    /// On the condvar, until unparked.
    OnCondvar,
    /// On the condvar as the sentry: until unparked or the sentry's timeout.
    AsSentry,
}

impl Parker {
    pub(crate) fn new(driver: Option<std::sync::Arc<DriverSlot>>) -> Parker {
        Parker {
            own: CondvarPark::new(),
            driver,
        }
    }

    /// Blocks until unparked (or a driver event, or a spurious wake-up), in
    /// the driver if it is free, else on this worker's condvar.
    ///
    /// In the driver it also returns after `watch`, if given (the worker loop
    /// passes one while another worker is awake, to look for a task stuck in
    /// a busy worker's LIFO slot).
    ///
    /// On the condvar, one sleeper at a time is the *sentry*: it also returns
    /// after `sentry.timeout`. The worker that holds the driver may leave it
    /// to run a task that then blocks its thread for seconds. A sentry that
    /// finds the driver free and not entered by anyone for a whole round takes
    /// it over, so timers and I/O keep being served. A driver that busy
    /// workers keep polling between tasks is left to them (taking it would
    /// move the tasks it wakes to another thread). The worker loop doubles the
    /// timeout each round up to a cap, so an idle runtime wakes a few times a
    /// second at most, and only that one thread.
    pub(crate) fn park(&self, watch: Option<Duration>, sentry: &mut Sentry) -> Parked {
        let Some(slot) = &self.driver else {
            self.own.park(None);
            return Parked::OnCondvar;
        };
        if self.own.state.load(SeqCst) == NOTIFIED {
            self.own.state.store(EMPTY, SeqCst);
            return Parked::OnCondvar;
        }
        let attended = sentry
            .visits_seen
            .is_some_and(|seen| seen != slot.visits.load(Relaxed));
        if !attended && slot.try_lock() {
            sentry.visits_seen = None;
            if self
                .own
                .state
                .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
                .is_ok()
            {
                slot.park_driver(watch);
            }
            // Leave the driver, consuming any unpark that arrived meanwhile.
            self.own.state.store(EMPTY, SeqCst);
            slot.unlock();
            return Parked::InDriver;
        }
        if slot.claim_sentry() {
            sentry.visits_seen = Some(slot.visits.load(Relaxed));
            self.own.park(Some(sentry.timeout));
            slot.release_sentry();
            return Parked::AsSentry;
        }
        sentry.visits_seen = None;
        self.own.park(None);
        Parked::OnCondvar
    }

    pub(crate) fn unpark(&self) {
        match self.own.state.swap(NOTIFIED, SeqCst) {
            PARKED_CONDVAR => {
                drop(self.own.mutex.lock());
                self.own.condvar.notify_one();
            }
            PARKED_DRIVER => {
                if let Some(slot) = &self.driver {
                    slot.unpark();
                }
            }
            _ => {}
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    /// An unpark from another thread is never lost, whichever side runs first.
    #[test]
    fn unpark_is_never_lost() {
        loom::model(|| {
            let park = Arc::new(CondvarPark::new());
            let unparker = park.clone();
            let t = loom::thread::spawn(move || unparker.unpark());
            park.park(None);
            t.join().unwrap();
        });
    }

    /// Two unparks and two parks: the second park returns too.
    #[test]
    fn repeated_unparks_each_release_a_park() {
        loom::model(|| {
            let park = Arc::new(CondvarPark::new());
            let unparker = park.clone();
            let t = loom::thread::spawn(move || {
                unparker.unpark();
            });
            park.park(None);
            t.join().unwrap();
            park.unpark();
            park.park(None);
        });
    }

    /// A mock driver: a CondvarPark inside a driver slot.
    struct MockDriver(CondvarPark);
    impl Park for MockDriver {
        fn park(&self, timeout: Option<Duration>) {
            self.0.park(timeout)
        }
        fn unpark(&self) {
            self.0.unpark()
        }
    }

    /// A worker parked in the driver is reached by its unpark.
    #[test]
    fn unpark_reaches_a_worker_parked_in_the_driver() {
        loom::model(|| {
            let slot = std::sync::Arc::new(DriverSlot::new(std::sync::Arc::new(MockDriver(
                CondvarPark::new(),
            ))));
            let parker = Arc::new(Parker::new(Some(slot)));
            let unparker = parker.clone();
            let t = loom::thread::spawn(move || unparker.unpark());
            parker.park(None, &mut Sentry::new(Duration::from_millis(10)));
            t.join().unwrap();
        });
    }
}
