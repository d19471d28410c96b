//! `Semaphore` and `BoundedSemaphore`; also the base of `Lock` and `RwLock`.

use crate::error::{AcquireError, BoundedSemaphoreError, TryAcquireError};
use crate::loom::Mutex;
use crate::waiters::{Removed, WaitList, WakeList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
// `self: Arc<Self>` needs std's Arc (loom's cannot be a receiver type); the
// semaphore's state is still loom-checked through the shim's `Mutex`.
use std::sync::Arc;
use std::task::{Context, Poll};

/// The largest number of permits a semaphore can hold.
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

fn check_request(n: usize) {
    assert!(
        n <= MAX_PERMITS,
        "acquire_many({n}): a semaphore never holds more than usize::MAX >> 3 permits, so this would wait forever"
    );
}

struct State {
    permits: usize,
    closed: bool,
    /// `Some(initial)` for a `BoundedSemaphore`.
    bound: Option<usize>,
    /// Bounded only: permits taken out with `forget()` and not yet released.
    forgotten: usize,
    /// Each waiter asks for a number of permits; the grant says whether it
    /// got them (`true`) or the semaphore was closed (`false`).
    waiters: WaitList<usize, bool>,
}

impl State {
    /// Hands free permits to the waiters at the front of the line, in order.
    /// A head that needs more than is free blocks the ones behind it (no
    /// barging), which is what keeps `RwLock` writers from starving.
    fn assign(&mut self, wakers: &mut WakeList) {
        while let Some(key) = self.waiters.front() {
            let need = *self.waiters.req(key);
            if need > self.permits {
                break;
            }
            self.permits -= need;
            wakers.push(self.waiters.grant(key, true));
        }
    }

    fn add(&mut self, n: usize, wakers: &mut WakeList) {
        self.permits = self
            .permits
            .checked_add(n)
            .filter(|p| *p <= MAX_PERMITS)
            .expect("a semaphore cannot hold more than usize::MAX >> 3 permits");
        self.assign(wakers);
    }
}

/// A counting semaphore (asyncio's `Semaphore`) with FIFO-fair waiters.
///
/// `acquire().await` waits for a permit and returns a [`SemaphorePermit`]
/// that gives it back when dropped (asyncio's `async with sem:`). Waiters are
/// served strictly in arrival order: a newcomer never takes a permit while
/// others wait, even if one is free. Dropping an `acquire` future leaks no
/// permit: if it had already been granted permits, they go to the next in line.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Semaphore;
/// let sem = Semaphore::new(2);
/// block_on(async {
///     let a = sem.acquire().await.unwrap();
///     let _b = sem.acquire().await.unwrap();
///     assert_eq!(sem.available_permits(), 0);
///     drop(a);
///     assert_eq!(sem.available_permits(), 1);
/// });
/// ```
pub struct Semaphore {
    state: Mutex<State>,
}

impl Semaphore {
    /// Creates a semaphore with `permits` free permits.
    ///
    /// Panics if `permits` exceeds `usize::MAX >> 3`.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// assert_eq!(Semaphore::new(3).available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Self {
        Self::with_bound(permits, None)
    }

    pub(crate) fn with_bound(permits: usize, bound: Option<usize>) -> Self {
        assert!(
            permits <= MAX_PERMITS,
            "Semaphore::new({permits}): at most usize::MAX >> 3 permits are supported"
        );
        Semaphore {
            state: Mutex::new(State {
                permits,
                closed: false,
                bound,
                forgotten: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Waits for one permit.
    ///
    /// Fails only if the semaphore is (or gets) closed.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(1);
    /// let permit = block_on(sem.acquire()).unwrap();
    /// assert_eq!(permit.num_permits(), 1);
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits at once. The request keeps its place in line
    /// until all `n` are free.
    ///
    /// Panics if `n` exceeds `usize::MAX >> 3` (it could never be granted).
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(5);
    /// let permit = block_on(sem.acquire_many(3)).unwrap();
    /// assert_eq!(sem.available_permits(), 2);
    /// drop(permit);
    /// assert_eq!(sem.available_permits(), 5);
    /// ```
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        check_request(n);
        Acquire {
            sem: self,
            st: AcquireState::new(n),
        }
    }

    /// Like [`acquire`](Self::acquire), but the permit owns an `Arc` of the
    /// semaphore, so it can move into a spawned task.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Semaphore;
    /// use std::sync::Arc;
    /// let sem = Arc::new(Semaphore::new(1));
    /// let permit = block_on(sem.clone().acquire_owned()).unwrap();
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn acquire_owned(self: Arc<Self>) -> AcquireOwned {
        self.acquire_many_owned(1)
    }

    /// Owned version of [`acquire_many`](Self::acquire_many).
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Semaphore;
    /// use std::sync::Arc;
    /// let sem = Arc::new(Semaphore::new(4));
    /// let permit = block_on(sem.clone().acquire_many_owned(4)).unwrap();
    /// assert_eq!(permit.num_permits(), 4);
    /// ```
    pub fn acquire_many_owned(self: Arc<Self>, n: usize) -> AcquireOwned {
        check_request(n);
        AcquireOwned {
            sem: self,
            st: AcquireState::new(n),
        }
    }

    /// Takes one permit if one is free and nobody is waiting.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(1);
    /// let p = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// drop(p);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is waiting.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_err());
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_take(n).map(|()| SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Owned version of [`try_acquire`](Self::try_acquire).
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// use std::sync::Arc;
    /// let sem = Arc::new(Semaphore::new(1));
    /// let p = sem.clone().try_acquire_owned().unwrap();
    /// assert_eq!(sem.available_permits(), 0);
    /// drop(p);
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Owned version of [`try_acquire_many`](Self::try_acquire_many).
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// use std::sync::Arc;
    /// let sem = Arc::new(Semaphore::new(3));
    /// let p = sem.clone().try_acquire_many_owned(2).unwrap();
    /// assert_eq!(p.num_permits(), 2);
    /// ```
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_take(n)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    pub(crate) fn try_take(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut s = self.state.lock();
        if s.closed {
            Err(TryAcquireError::Closed)
        } else if s.waiters.queued() == 0 && s.permits >= n {
            s.permits -= n;
            Ok(())
        } else {
            Err(TryAcquireError::NoPermits)
        }
    }

    /// Adds `n` permits, waking waiters in order. Unlike a
    /// [`BoundedSemaphore`], a plain semaphore may grow past its initial value.
    ///
    /// Panics if the total would exceed `usize::MAX >> 3`.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        let mut wakers = WakeList::new();
        {
            let mut s = self.state.lock();
            s.add(n, &mut wakers);
        }
        wakers.wake_all();
    }

    /// asyncio's name for [`add_permits`](Self::add_permits).
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(1);
    /// sem.release(1);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn release(&self, n: usize) {
        self.add_permits(n)
    }

    /// Permits free right now.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(2);
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.state.lock().permits
    }

    /// asyncio's `locked()`: true when an `acquire` would have to wait (no
    /// permit free, or others already waiting).
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(1);
    /// assert!(!sem.locked());
    /// let _p = sem.try_acquire().unwrap();
    /// assert!(sem.locked());
    /// ```
    pub fn locked(&self) -> bool {
        let s = self.state.lock();
        s.permits == 0 || s.waiters.queued() > 0
    }

    /// Closes the semaphore: every waiter and every later `acquire` fails
    /// with [`AcquireError`]. Permits already held stay valid.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(1);
    /// let held = sem.try_acquire().unwrap();
    /// sem.close();
    /// assert!(sem.is_closed());
    /// assert!(block_on(sem.acquire()).is_err());
    /// drop(held);
    /// ```
    pub fn close(&self) {
        let mut wakers = WakeList::new();
        {
            let mut s = self.state.lock();
            s.closed = true;
            s.waiters.grant_all(&mut wakers, |_| false);
        }
        wakers.wake_all();
    }

    /// Whether [`close`](Self::close) was called.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// assert!(!Semaphore::new(1).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    /// Number of `acquire` futures registered (waiting, or granted and not
    /// yet resumed). Goes back to zero when they complete or are dropped.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// assert_eq!(Semaphore::new(1).waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.state.lock().waiters.len()
    }

    /// Returns `n` permits from a dropped permit guard.
    pub(crate) fn give_back(&self, n: usize) {
        self.add_permits(n)
    }

    pub(crate) fn poll_acquire(
        &self,
        st: &mut AcquireState,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), AcquireError>> {
        if matches!(st.phase, Phase::Init) {
            std::task::ready!(crate::coop::poll_proceed(cx));
        }
        let mut s = self.state.lock();
        match st.phase {
            Phase::Init => {
                if s.closed {
                    st.phase = Phase::Done;
                    Poll::Ready(Err(AcquireError))
                } else if s.waiters.queued() == 0 && s.permits >= st.n {
                    s.permits -= st.n;
                    st.phase = Phase::Done;
                    Poll::Ready(Ok(()))
                } else {
                    st.phase = Phase::Waiting(s.waiters.push_back(st.n, cx.waker()));
                    Poll::Pending
                }
            }
            Phase::Waiting(key) => match s.waiters.poll(key, cx.waker()) {
                Some((_, granted)) => {
                    st.phase = Phase::Done;
                    Poll::Ready(if granted { Ok(()) } else { Err(AcquireError) })
                }
                None => Poll::Pending,
            },
            Phase::Done => panic!("semaphore acquire future polled after completion"),
        }
    }

    /// Called when an acquire future is dropped: leaves the line, and gives
    /// permits it was granted but never used to the next waiters.
    pub(crate) fn cancel_acquire(&self, st: &mut AcquireState) {
        let Phase::Waiting(key) = std::mem::replace(&mut st.phase, Phase::Done) else {
            return;
        };
        let mut wakers = WakeList::new();
        {
            let mut s = self.state.lock();
            match s.waiters.remove(key) {
                Removed::Granted { req, grant: true } => s.add(req, &mut wakers),
                // The head may have been blocking smaller requests behind it.
                Removed::Queued { was_head: true, .. } => s.assign(&mut wakers),
                _ => {}
            }
        }
        wakers.wake_all();
    }

    /// Bounded semaphores: records that `n` permits left the RAII scheme.
    fn note_forgotten(&self, n: usize) {
        let mut s = self.state.lock();
        if s.bound.is_some() {
            s.forgotten += n;
        }
    }

    /// Bounded semaphores: releases `n` forgotten permits, or errors.
    fn release_bounded(&self, n: usize) -> Result<(), BoundedSemaphoreError> {
        let mut wakers = WakeList::new();
        {
            let mut s = self.state.lock();
            if n > s.forgotten {
                return Err(BoundedSemaphoreError);
            }
            s.forgotten -= n;
            s.add(n, &mut wakers);
        }
        wakers.wake_all();
        Ok(())
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        f.debug_struct("Semaphore")
            .field("permits", &s.permits)
            .field("closed", &s.closed)
            .field("waiters", &s.waiters.len())
            .finish()
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Phase {
    Init,
    Waiting(usize),
    Done,
}

/// The per-future part of an acquire: how many permits, and where in line.
#[derive(Debug)]
pub(crate) struct AcquireState {
    n: usize,
    phase: Phase,
}

impl AcquireState {
    pub(crate) fn new(n: usize) -> Self {
        AcquireState {
            n,
            phase: Phase::Init,
        }
    }
}

/// Future returned by [`Semaphore::acquire`] and
/// [`Semaphore::acquire_many`]. Dropping it gives up its place in line
/// without losing any permit.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Semaphore;
/// let sem = Semaphore::new(1);
/// let fut = sem.acquire();
/// drop(fut); // never polled: nothing happened
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    st: AcquireState,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let sem = this.sem;
        sem.poll_acquire(&mut this.st, cx).map(|r| {
            r.map(|()| SemaphorePermit {
                sem,
                permits: this.st.n,
            })
        })
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.sem.cancel_acquire(&mut self.st);
    }
}

/// Future returned by [`Semaphore::acquire_owned`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Semaphore;
/// use std::sync::Arc;
/// let sem = Arc::new(Semaphore::new(1));
/// let fut = sem.clone().acquire_owned();
/// assert!(block_on(fut).is_ok());
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct AcquireOwned {
    sem: Arc<Semaphore>,
    st: AcquireState,
}

impl Future for AcquireOwned {
    type Output = Result<OwnedSemaphorePermit, AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.sem.poll_acquire(&mut this.st, cx).map(|r| {
            r.map(|()| OwnedSemaphorePermit {
                sem: this.sem.clone(),
                permits: this.st.n,
            })
        })
    }
}

impl Drop for AcquireOwned {
    fn drop(&mut self) {
        self.sem.cancel_acquire(&mut self.st);
    }
}

/// Permits borrowed from a [`Semaphore`]; dropping the guard gives them back.
///
/// ```
/// use corio_sync::Semaphore;
/// let sem = Semaphore::new(1);
/// {
///     let _permit = sem.try_acquire().unwrap();
///     assert_eq!(sem.available_permits(), 0);
/// }
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: usize,
}

impl SemaphorePermit<'_> {
    /// Keeps the permits out of the semaphore for good (asyncio's acquire
    /// without release). On a [`BoundedSemaphore`] they may later be returned
    /// with [`BoundedSemaphore::release`].
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.sem.note_forgotten(self.permits);
        self.permits = 0;
    }

    /// How many permits this guard holds.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(3);
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.sem.give_back(self.permits);
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

/// Permits owned together with an `Arc` of their [`Semaphore`] (`'static`,
/// so they can move into spawned tasks); dropping gives them back.
///
/// ```
/// use corio_sync::Semaphore;
/// use std::sync::Arc;
/// let sem = Arc::new(Semaphore::new(1));
/// let permit = sem.clone().try_acquire_owned().unwrap();
/// assert!(Arc::ptr_eq(permit.semaphore(), &sem));
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: usize,
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// use std::sync::Arc;
    /// let sem = Arc::new(Semaphore::new(1));
    /// sem.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.sem.note_forgotten(self.permits);
        self.permits = 0;
    }

    /// How many permits this guard holds.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// use std::sync::Arc;
    /// let sem = Arc::new(Semaphore::new(1));
    /// assert_eq!(sem.try_acquire_owned().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore these permits came from.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// use std::sync::Arc;
    /// let sem = Arc::new(Semaphore::new(2));
    /// let p = sem.clone().try_acquire_owned().unwrap();
    /// assert_eq!(p.semaphore().available_permits(), 1);
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.sem.give_back(self.permits);
        }
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

/// A semaphore that refuses to grow past its initial value (asyncio's
/// `BoundedSemaphore`).
///
/// Permits taken with `acquire` come back automatically when their guard
/// drops and can never overflow. The asyncio style "acquire now, release
/// later" is `acquire().await?.forget()` followed by `release(1)`; a
/// `release` with no forgotten permit outstanding is the asyncio
/// `ValueError`, here [`BoundedSemaphoreError`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::BoundedSemaphore;
/// let sem = BoundedSemaphore::new(1);
/// block_on(sem.acquire()).unwrap().forget();
/// assert_eq!(sem.available_permits(), 0);
/// assert!(sem.release(1).is_ok());
/// assert!(sem.release(1).is_err()); // released too many times
/// ```
#[derive(Debug)]
pub struct BoundedSemaphore {
    sem: Semaphore,
    initial: usize,
}

impl BoundedSemaphore {
    /// Creates a bounded semaphore with `permits` permits (also its bound).
    ///
    /// ```
    /// use corio_sync::BoundedSemaphore;
    /// assert_eq!(BoundedSemaphore::new(2).initial_permits(), 2);
    /// ```
    pub fn new(permits: usize) -> Self {
        BoundedSemaphore {
            sem: Semaphore::with_bound(permits, Some(permits)),
            initial: permits,
        }
    }

    /// Waits for one permit. See [`Semaphore::acquire`].
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(1);
    /// let _p = block_on(sem.acquire()).unwrap();
    /// assert!(sem.locked());
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        self.sem.acquire()
    }

    /// Waits for `n` permits. See [`Semaphore::acquire_many`].
    ///
    /// Panics if `n` exceeds the bound: it could never be granted.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(3);
    /// assert_eq!(block_on(sem.acquire_many(2)).unwrap().num_permits(), 2);
    /// ```
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        assert!(
            n <= self.initial,
            "BoundedSemaphore::acquire_many({n}): only {} permits exist, so this would wait forever",
            self.initial
        );
        self.sem.acquire_many(n)
    }

    /// Takes one permit if free. See [`Semaphore::try_acquire`].
    ///
    /// ```
    /// use corio_sync::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(1);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.sem.try_acquire()
    }

    /// Takes `n` permits if free. See [`Semaphore::try_acquire_many`].
    ///
    /// ```
    /// use corio_sync::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(1);
    /// assert!(sem.try_acquire_many(2).is_err());
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.sem.try_acquire_many(n)
    }

    /// Returns `n` permits that were taken out with `forget()`. Errors (and
    /// changes nothing) if that would raise the count above the initial value.
    ///
    /// ```
    /// use corio_sync::{BoundedSemaphore, BoundedSemaphoreError};
    /// let sem = BoundedSemaphore::new(2);
    /// sem.try_acquire_many(2).unwrap().forget();
    /// assert_eq!(sem.release(3), Err(BoundedSemaphoreError));
    /// assert_eq!(sem.release(2), Ok(()));
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn release(&self, n: usize) -> Result<(), BoundedSemaphoreError> {
        self.sem.release_bounded(n)
    }

    /// Permits free right now.
    ///
    /// ```
    /// use corio_sync::BoundedSemaphore;
    /// assert_eq!(BoundedSemaphore::new(4).available_permits(), 4);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.sem.available_permits()
    }

    /// The bound: the number of permits it was created with.
    ///
    /// ```
    /// use corio_sync::BoundedSemaphore;
    /// assert_eq!(BoundedSemaphore::new(4).initial_permits(), 4);
    /// ```
    pub fn initial_permits(&self) -> usize {
        self.initial
    }

    /// True when an `acquire` would have to wait.
    ///
    /// ```
    /// use corio_sync::BoundedSemaphore;
    /// assert!(BoundedSemaphore::new(0).locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.sem.locked()
    }

    /// Closes the semaphore. See [`Semaphore::close`].
    ///
    /// ```
    /// use corio_sync::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(1);
    /// sem.close();
    /// assert!(sem.try_acquire().is_err());
    /// ```
    pub fn close(&self) {
        self.sem.close()
    }

    /// Number of registered `acquire` futures.
    ///
    /// ```
    /// use corio_sync::BoundedSemaphore;
    /// assert_eq!(BoundedSemaphore::new(1).waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.sem.waiters()
    }
}
