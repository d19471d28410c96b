//! `Lock<T>` (asyncio's `Lock`, an async mutex) and the FIFO-fair `RwLock<T>`.
//!
//! Both are a [`Semaphore`](crate::Semaphore) plus an `UnsafeCell`: `Lock`
//! uses one permit, `RwLock` gives readers one permit each and writers all of
//! them. The semaphore's strict FIFO order is what makes both fair.

use crate::error::TryLockError;
use crate::loom::UnsafeCell;
use crate::semaphore::{AcquireState, MAX_PERMITS, Semaphore};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

/// An async mutual-exclusion lock that owns the data it protects
/// (asyncio's `Lock`, with an RAII guard instead of `async with`).
///
/// Waiters get the lock in arrival order; a dropped `lock()` future never
/// leaves the lock held: if it had been handed the lock, it passes it on.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Lock;
/// let lock = Lock::new(Vec::new());
/// block_on(async {
///     lock.lock().await.push(1);
///     assert_eq!(*lock.lock().await, [1]);
/// });
/// ```
///
/// A guard cannot outlive its lock:
///
/// ```compile_fail,E0597
/// use corio_sync::Lock;
/// let guard = {
///     let lock = Lock::new(1);
///     lock.try_lock().unwrap()
/// };
/// drop(guard);
/// ```
pub struct Lock<T> {
    sem: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands out access to `T` to one holder at a time (the
// single semaphore permit), possibly on another thread, so sharing a `Lock`
// only needs `T: Send`, exactly as for `std::sync::Mutex`.
unsafe impl<T: Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    /// Creates an unlocked lock around `value`.
    ///
    /// ```
    /// use corio_sync::Lock;
    /// let lock = Lock::new(5);
    /// assert!(!lock.is_locked());
    /// ```
    pub fn new(value: T) -> Self {
        Lock {
            sem: Semaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// Waits for the lock, first come first served.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Lock;
    /// let lock = Lock::new(0);
    /// block_on(async { *lock.lock().await += 1 });
    /// assert_eq!(lock.into_inner(), 1);
    /// ```
    pub fn lock(&self) -> LockFuture<'_, T> {
        LockFuture {
            lock: self,
            st: AcquireState::new(1),
        }
    }

    /// Takes the lock if it is free and nobody waits for it.
    ///
    /// ```
    /// use corio_sync::Lock;
    /// let lock = Lock::new(());
    /// let g = lock.try_lock().unwrap();
    /// assert!(lock.try_lock().is_err());
    /// drop(g);
    /// assert!(lock.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<LockGuard<'_, T>, TryLockError> {
        self.sem
            .try_take(1)
            .map(|()| LockGuard::new(self))
            .map_err(|_| TryLockError)
    }

    /// Whether someone holds the lock (asyncio's `locked()`).
    ///
    /// ```
    /// use corio_sync::Lock;
    /// let lock = Lock::new(());
    /// let _g = lock.try_lock().unwrap();
    /// assert!(lock.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.sem.available_permits() == 0
    }

    /// Consumes the lock and returns the data.
    ///
    /// ```
    /// use corio_sync::Lock;
    /// assert_eq!(Lock::new("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    /// Mutable access without locking: `&mut self` proves nobody else can.
    ///
    /// ```
    /// use corio_sync::Lock;
    /// let mut lock = Lock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` means no guard exists (guards borrow the lock).
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// Number of registered `lock()` futures.
    ///
    /// ```
    /// use corio_sync::Lock;
    /// assert_eq!(Lock::new(()).waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.sem.waiters()
    }

    pub(crate) fn poll_lock(
        &self,
        st: &mut AcquireState,
        cx: &mut Context<'_>,
    ) -> Poll<LockGuard<'_, T>> {
        // The semaphore of a lock is never closed.
        self.sem.poll_acquire(st, cx).map(|r| {
            r.map(|()| LockGuard::new(self))
                .expect("lock semaphore closed")
        })
    }

    pub(crate) fn cancel_lock(&self, st: &mut AcquireState) {
        self.sem.cancel_acquire(st)
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.is_locked())
            .field("waiters", &self.waiters())
            .finish_non_exhaustive()
    }
}

/// Future returned by [`Lock::lock`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Lock;
/// let lock = Lock::new(1);
/// let fut = lock.lock();
/// assert_eq!(*block_on(fut), 1);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct LockFuture<'a, T> {
    lock: &'a Lock<T>,
    st: AcquireState,
}

impl<'a, T> Future for LockFuture<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.lock.poll_lock(&mut this.st, cx)
    }
}

impl<T> Drop for LockFuture<'_, T> {
    fn drop(&mut self) {
        self.lock.cancel_lock(&mut self.st);
    }
}

impl<T> fmt::Debug for LockFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockFuture").finish_non_exhaustive()
    }
}

/// Holds a [`Lock`]; gives access to the data; unlocks when dropped.
///
/// ```
/// use corio_sync::Lock;
/// let lock = Lock::new(String::new());
/// let mut g = lock.try_lock().unwrap();
/// g.push_str("hi");
/// drop(g);
/// assert!(!lock.is_locked());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a, T> {
    pub(crate) lock: &'a Lock<T>,
    /// Makes the guard `Sync` only if `T: Sync` (it hands out `&T`).
    _marker: PhantomData<&'a mut T>,
}

impl<'a, T> LockGuard<'a, T> {
    fn new(lock: &'a Lock<T>) -> Self {
        LockGuard {
            lock,
            _marker: PhantomData,
        }
    }
}

impl<T> Deref for LockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock's only permit, so no `&mut T`
        // exists elsewhere for as long as `&self` lives.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock's only permit and `&mut self` is
        // unique, so this is the only reference to the data.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.give_back(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Permits a writer takes: all of them.
const MAX_READERS: usize = MAX_PERMITS;

/// A reader-writer lock, FIFO fair: a waiting writer blocks readers that
/// arrive after it, so writers are never starved.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::RwLock;
/// let lock = RwLock::new(1);
/// block_on(async {
///     let r1 = lock.read().await;
///     let r2 = lock.read().await;
///     assert_eq!(*r1 + *r2, 2);
///     drop((r1, r2));
///     *lock.write().await += 1;
/// });
/// assert_eq!(lock.into_inner(), 2);
/// ```
pub struct RwLock<T> {
    sem: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: readers on several threads share `&T` at once (needs `T: Sync`) and
// a writer may be on any thread (needs `T: Send`), as for `std::sync::RwLock`.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// Creates an unlocked reader-writer lock around `value`.
    ///
    /// ```
    /// use corio_sync::RwLock;
    /// let lock = RwLock::new(0u8);
    /// assert!(lock.try_write().is_ok());
    /// ```
    pub fn new(value: T) -> Self {
        RwLock {
            sem: Semaphore::new(MAX_READERS),
            data: UnsafeCell::new(value),
        }
    }

    /// Waits for shared access.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::RwLock;
    /// let lock = RwLock::new(3);
    /// assert_eq!(*block_on(lock.read()), 3);
    /// ```
    pub fn read(&self) -> ReadFuture<'_, T> {
        ReadFuture {
            lock: self,
            st: AcquireState::new(1),
        }
    }

    /// Waits for exclusive access.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::RwLock;
    /// let lock = RwLock::new(3);
    /// *block_on(lock.write()) = 4;
    /// assert_eq!(*block_on(lock.read()), 4);
    /// ```
    pub fn write(&self) -> WriteFuture<'_, T> {
        WriteFuture {
            lock: self,
            st: AcquireState::new(MAX_READERS),
        }
    }

    /// Takes shared access if possible right now.
    ///
    /// ```
    /// use corio_sync::RwLock;
    /// let lock = RwLock::new(());
    /// let _r = lock.try_read().unwrap();
    /// assert!(lock.try_read().is_ok());
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.sem
            .try_take(1)
            .map(|()| RwLockReadGuard { lock: self })
            .map_err(|_| TryLockError)
    }

    /// Takes exclusive access if possible right now.
    ///
    /// ```
    /// use corio_sync::RwLock;
    /// let lock = RwLock::new(());
    /// let _w = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.sem
            .try_take(MAX_READERS)
            .map(|()| RwLockWriteGuard::new(self))
            .map_err(|_| TryLockError)
    }

    /// Consumes the lock and returns the data.
    ///
    /// ```
    /// use corio_sync::RwLock;
    /// assert_eq!(RwLock::new(9).into_inner(), 9);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    /// Mutable access without locking: `&mut self` proves nobody else can.
    ///
    /// ```
    /// use corio_sync::RwLock;
    /// let mut lock = RwLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` means no guard exists (guards borrow the lock).
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// Number of registered `read()`/`write()` futures.
    ///
    /// ```
    /// use corio_sync::RwLock;
    /// assert_eq!(RwLock::new(()).waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.sem.waiters()
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock")
            .field("waiters", &self.waiters())
            .finish_non_exhaustive()
    }
}

/// Future returned by [`RwLock::read`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::RwLock;
/// let lock = RwLock::new('a');
/// assert_eq!(*block_on(lock.read()), 'a');
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ReadFuture<'a, T> {
    lock: &'a RwLock<T>,
    st: AcquireState,
}

impl<'a, T> Future for ReadFuture<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let lock = this.lock;
        lock.sem.poll_acquire(&mut this.st, cx).map(|r| {
            r.expect("rwlock semaphore closed");
            RwLockReadGuard { lock }
        })
    }
}

impl<T> Drop for ReadFuture<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.cancel_acquire(&mut self.st);
    }
}

impl<T> fmt::Debug for ReadFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadFuture").finish_non_exhaustive()
    }
}

/// Future returned by [`RwLock::write`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::RwLock;
/// let lock = RwLock::new(0);
/// *block_on(lock.write()) = 1;
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WriteFuture<'a, T> {
    lock: &'a RwLock<T>,
    st: AcquireState,
}

impl<'a, T> Future for WriteFuture<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let lock = this.lock;
        lock.sem.poll_acquire(&mut this.st, cx).map(|r| {
            r.expect("rwlock semaphore closed");
            RwLockWriteGuard::new(lock)
        })
    }
}

impl<T> Drop for WriteFuture<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.cancel_acquire(&mut self.st);
    }
}

impl<T> fmt::Debug for WriteFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteFuture").finish_non_exhaustive()
    }
}

/// Shared access to an [`RwLock`]'s data.
///
/// ```
/// use corio_sync::RwLock;
/// let lock = RwLock::new(vec![1]);
/// let r = lock.try_read().unwrap();
/// assert_eq!(r.len(), 1);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T> {
    lock: &'a RwLock<T>,
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: a read guard holds one permit, so no writer (who needs all
        // permits) holds `&mut T` while this guard lives.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.give_back(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive access to an [`RwLock`]'s data.
///
/// ```
/// use corio_sync::RwLock;
/// let lock = RwLock::new(1);
/// *lock.try_write().unwrap() = 5;
/// assert_eq!(*lock.try_read().unwrap(), 5);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
    /// Makes the guard `Sync` only if `T: Sync`, `Send` only if `T: Send`.
    _marker: PhantomData<&'a mut T>,
}

impl<'a, T> RwLockWriteGuard<'a, T> {
    fn new(lock: &'a RwLock<T>) -> Self {
        RwLockWriteGuard {
            lock,
            _marker: PhantomData,
        }
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: a write guard holds every permit: no other guard exists.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: a write guard holds every permit and `&mut self` is unique.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.give_back(MAX_READERS);
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
