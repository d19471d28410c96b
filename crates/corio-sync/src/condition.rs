//! `Condition<T>`: asyncio's `Condition`, over a `Lock<T>` it owns.

use crate::lock::{Lock, LockFuture, LockGuard};
use crate::loom::Mutex;
use crate::semaphore::AcquireState;
use crate::waiters::{Removed, WaitList, WakeList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A condition variable over a [`Lock<T>`] that it owns (asyncio's
/// `Condition`).
///
/// Take the lock with [`lock`](Self::lock), check your predicate, and call
/// [`wait(guard)`](Self::wait): it registers the waiter, releases the lock,
/// waits for a [`notify`](Self::notify), re-acquires the lock and gives the
/// guard back. Waiters are woken first come first served.
///
/// **Cancellation.** asyncio re-acquires the lock even when `wait()` is
/// cancelled. A Rust future cannot await in `Drop`, so here the guard is
/// *moved into* the wait future: if the future is dropped, the lock is
/// released (or never re-taken) and the caller holds no guard — the compiler
/// will not let code touch the data without one, so nobody can hold
/// "nothing" by mistake. A waiter that was notified and then dropped before
/// it resumed passes its notification to the next waiter.
///
/// Unlike asyncio, `notify` does not require holding the lock (as with
/// `std::sync::Condvar`); a waiter registers before it releases the lock, so
/// a change made under the lock and followed by `notify` is never missed.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Condition;
/// use std::sync::Arc;
/// let cond = Arc::new(Condition::new(false));
/// let c2 = cond.clone();
/// let waiter = std::thread::spawn(move || {
///     block_on(async {
///         let ready = c2.lock().await;
///         let ready = c2.wait_for(ready, |r| *r).await;
///         assert!(*ready);
///     })
/// });
/// block_on(async {
///     *cond.lock().await = true;
///     cond.notify_all();
/// });
/// waiter.join().unwrap();
/// ```
pub struct Condition<T> {
    lock: Lock<T>,
    waiters: Mutex<WaitList<(), ()>>,
}

impl<T> Condition<T> {
    /// Creates a condition whose lock protects `value`.
    ///
    /// ```
    /// use corio_sync::Condition;
    /// let c = Condition::new(0);
    /// assert!(!c.lock_ref().is_locked());
    /// ```
    pub fn new(value: T) -> Self {
        Condition::with_lock(Lock::new(value))
    }

    /// Creates a condition over an existing lock.
    ///
    /// ```
    /// use corio_sync::{Condition, Lock};
    /// let c = Condition::with_lock(Lock::new(1));
    /// assert_eq!(*c.try_lock().unwrap(), 1);
    /// ```
    pub fn with_lock(lock: Lock<T>) -> Self {
        Condition {
            lock,
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Waits for the condition's lock.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Condition;
    /// let c = Condition::new(1);
    /// assert_eq!(*block_on(c.lock()), 1);
    /// ```
    pub fn lock(&self) -> LockFuture<'_, T> {
        self.lock.lock()
    }

    /// Takes the condition's lock if it is free.
    ///
    /// ```
    /// use corio_sync::Condition;
    /// let c = Condition::new(());
    /// let _g = c.try_lock().unwrap();
    /// assert!(c.try_lock().is_err());
    /// ```
    pub fn try_lock(&self) -> Result<LockGuard<'_, T>, crate::TryLockError> {
        self.lock.try_lock()
    }

    /// The underlying lock.
    ///
    /// ```
    /// use corio_sync::Condition;
    /// let c = Condition::new(());
    /// assert!(!c.lock_ref().is_locked());
    /// ```
    pub fn lock_ref(&self) -> &Lock<T> {
        &self.lock
    }

    /// Releases the lock held by `guard`, waits for a notification, then
    /// re-acquires the lock and returns the new guard.
    ///
    /// Panics if `guard` belongs to a different lock (asyncio's
    /// `RuntimeError`). See the type docs for cancellation.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Condition;
    /// use std::sync::Arc;
    /// let c = Arc::new(Condition::new(0));
    /// let c2 = c.clone();
    /// let t = std::thread::spawn(move || block_on(async {
    ///     let mut g = c2.lock().await;
    ///     while *g == 0 {
    ///         g = c2.wait(g).await;
    ///     }
    ///     *g
    /// }));
    /// block_on(async { *c.lock().await = 7 });
    /// // Either the waiter is registered already (it registers before it
    /// // releases the lock), or it will see 7 before waiting at all.
    /// c.notify(1);
    /// assert_eq!(t.join().unwrap(), 7);
    /// ```
    pub fn wait<'a>(&'a self, guard: LockGuard<'a, T>) -> ConditionWait<'a, T> {
        assert!(
            std::ptr::eq(guard.lock, &self.lock),
            "Condition::wait: the guard belongs to another lock; pass a guard from this condition's lock()"
        );
        ConditionWait {
            cond: self,
            phase: WaitPhase::Start(Some(guard)),
        }
    }

    /// Waits until `predicate` returns true for the protected value; returns
    /// at once if it already does. Returns the guard (asyncio's `wait_for`).
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Condition;
    /// let c = Condition::new(3);
    /// let g = block_on(async { c.wait_for(c.lock().await, |v| *v == 3).await });
    /// assert_eq!(*g, 3);
    /// ```
    pub async fn wait_for<'a>(
        &'a self,
        mut guard: LockGuard<'a, T>,
        mut predicate: impl FnMut(&mut T) -> bool,
    ) -> LockGuard<'a, T> {
        while !predicate(&mut guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// Wakes up to `n` waiters, first come first served.
    ///
    /// ```
    /// use corio_sync::Condition;
    /// let c = Condition::new(());
    /// c.notify(1); // nobody waits: nothing happens
    /// assert_eq!(c.waiters(), 0);
    /// ```
    pub fn notify(&self, n: usize) {
        let mut wakers = WakeList::new();
        {
            let mut w = self.waiters.lock();
            for _ in 0..n {
                match w.grant_front(()) {
                    Ok(waker) => wakers.push(waker),
                    Err(()) => break,
                }
            }
        }
        wakers.wake_all();
    }

    /// Wakes every waiter.
    ///
    /// ```
    /// use corio_sync::Condition;
    /// Condition::new(()).notify_all();
    /// ```
    pub fn notify_all(&self) {
        let mut wakers = WakeList::new();
        self.waiters.lock().grant_all(&mut wakers, |_| ());
        wakers.wake_all();
    }

    /// Number of registered `wait` futures that wait for a notification.
    ///
    /// ```
    /// use corio_sync::Condition;
    /// assert_eq!(Condition::new(()).waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.waiters.lock().len()
    }
}

impl<T: fmt::Debug> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("lock", &self.lock)
            .field("waiters", &self.waiters())
            .finish()
    }
}

enum WaitPhase<'a, T> {
    /// Not polled yet: still holds the caller's guard.
    Start(Option<LockGuard<'a, T>>),
    /// Registered, lock released, waiting for a notification.
    Waiting(usize),
    /// Notified; re-acquiring the lock.
    Relocking(AcquireState),
    Done,
}

/// Future returned by [`Condition::wait`]. Owns the guard until it is polled;
/// dropping it never leaves the lock held.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Condition;
/// let c = Condition::new(());
/// let w = c.wait(c.try_lock().unwrap());
/// drop(w); // releases the lock
/// assert!(!c.lock_ref().is_locked());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ConditionWait<'a, T> {
    cond: &'a Condition<T>,
    phase: WaitPhase<'a, T>,
}

impl<'a, T> Future for ConditionWait<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let cond = this.cond;
        loop {
            match &mut this.phase {
                WaitPhase::Start(guard) => {
                    // Register before releasing the lock so a notify issued by
                    // the next holder cannot be missed.
                    let key = cond.waiters.lock().push_back((), cx.waker());
                    let guard = guard.take();
                    this.phase = WaitPhase::Waiting(key);
                    drop(guard);
                    return Poll::Pending;
                }
                WaitPhase::Waiting(key) => {
                    if cond.waiters.lock().poll(*key, cx.waker()).is_none() {
                        return Poll::Pending;
                    }
                    this.phase = WaitPhase::Relocking(AcquireState::new(1));
                }
                WaitPhase::Relocking(st) => {
                    let guard = std::task::ready!(cond.lock.poll_lock(st, cx));
                    this.phase = WaitPhase::Done;
                    return Poll::Ready(guard);
                }
                WaitPhase::Done => panic!("Condition::wait future polled after completion"),
            }
        }
    }
}

impl<T> Drop for ConditionWait<'_, T> {
    fn drop(&mut self) {
        match &mut self.phase {
            WaitPhase::Waiting(key) => {
                let mut wakers = WakeList::new();
                {
                    let mut w = self.cond.waiters.lock();
                    if let Removed::Granted { .. } = w.remove(*key) {
                        // Notified but never resumed: pass it on.
                        if let Ok(waker) = w.grant_front(()) {
                            wakers.push(waker);
                        }
                    }
                }
                wakers.wake_all();
            }
            WaitPhase::Relocking(st) => self.cond.lock.cancel_lock(st),
            // `Start` drops the guard (unlocking); `Done` has nothing left.
            WaitPhase::Start(_) | WaitPhase::Done => {}
        }
    }
}

impl<T> fmt::Debug for ConditionWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionWait").finish_non_exhaustive()
    }
}
