//! `Barrier`: asyncio's `Barrier` (3.11), with abort and reset.

use crate::error::{BrokenBarrierError, InvalidSizeError};
use crate::loom::Mutex;
use crate::waiters::{WaitList, WakeList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

struct State {
    broken: bool,
    /// Waiters of the current cycle; each is granted its index or an error.
    waiters: WaitList<(), Result<usize, BrokenBarrierError>>,
}

/// Lets `parties` tasks wait until all of them have arrived (asyncio's
/// `Barrier`).
///
/// Every `wait()` of a cycle returns a unique index in `0..parties`: the
/// tasks that waited get `0, 1, ...` in arrival order, and the last to arrive
/// (the one that releases the others) gets `parties - 1` and is the
/// [leader](BarrierWaitResult::is_leader). The barrier then starts a new
/// cycle. A waiter that is dropped before the barrier trips leaves it (the
/// count goes down), as in asyncio.
///
/// [`abort`](Self::abort) breaks the barrier for current and future waiters;
/// [`reset`](Self::reset) breaks it only for current waiters and makes it
/// usable again.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Barrier;
/// use std::sync::Arc;
/// let b = Arc::new(Barrier::new(3));
/// let threads: Vec<_> = (0..3)
///     .map(|_| {
///         let b = b.clone();
///         std::thread::spawn(move || block_on(b.wait()).unwrap().index())
///     })
///     .collect();
/// let mut idx: Vec<usize> = threads.into_iter().map(|t| t.join().unwrap()).collect();
/// idx.sort();
/// assert_eq!(idx, [0, 1, 2]);
/// ```
pub struct Barrier {
    parties: usize,
    state: Mutex<State>,
}

impl Barrier {
    /// Creates a barrier for `parties` tasks.
    ///
    /// Panics if `parties` is 0 (asyncio's `ValueError`); use
    /// [`try_new`](Self::try_new) to get an error instead.
    ///
    /// ```
    /// use corio_sync::Barrier;
    /// assert_eq!(Barrier::new(2).parties(), 2);
    /// ```
    ///
    /// ```should_panic
    /// corio_sync::Barrier::new(0);
    /// ```
    pub fn new(parties: usize) -> Self {
        match Self::try_new(parties) {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`new`](Self::new) but returns an error for `parties == 0`.
    ///
    /// ```
    /// use corio_sync::Barrier;
    /// assert!(Barrier::try_new(0).is_err());
    /// assert!(Barrier::try_new(1).is_ok());
    /// ```
    pub fn try_new(parties: usize) -> Result<Self, InvalidSizeError> {
        if parties == 0 {
            return Err(InvalidSizeError {
                msg: "Barrier::new(0): a barrier needs at least 1 party (parties >= 1)",
            });
        }
        Ok(Barrier {
            parties,
            state: Mutex::new(State {
                broken: false,
                waiters: WaitList::new(),
            }),
        })
    }

    /// Waits until `parties` tasks are waiting; returns this task's index,
    /// or [`BrokenBarrierError`] if the barrier is or gets aborted or reset.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Barrier;
    /// let b = Barrier::new(1);
    /// let r = block_on(b.wait()).unwrap();
    /// assert!(r.is_leader());
    /// assert_eq!(r.index(), 0);
    /// ```
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            phase: Phase::Init,
        }
    }

    /// Breaks the barrier: current waiters and every later `wait` fail with
    /// [`BrokenBarrierError`] until [`reset`](Self::reset).
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Barrier;
    /// let b = Barrier::new(2);
    /// b.abort();
    /// assert!(b.is_broken());
    /// assert!(block_on(b.wait()).is_err());
    /// ```
    pub fn abort(&self) {
        let mut wakers = WakeList::new();
        {
            let mut s = self.state.lock();
            s.broken = true;
            s.waiters
                .grant_all(&mut wakers, |_| Err(BrokenBarrierError));
        }
        wakers.wake_all();
    }

    /// Fails the current waiters with [`BrokenBarrierError`] and returns the
    /// barrier to its empty, unbroken state.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Barrier;
    /// let b = Barrier::new(1);
    /// b.abort();
    /// b.reset();
    /// assert!(block_on(b.wait()).is_ok());
    /// ```
    pub fn reset(&self) {
        let mut wakers = WakeList::new();
        {
            let mut s = self.state.lock();
            s.broken = false;
            s.waiters
                .grant_all(&mut wakers, |_| Err(BrokenBarrierError));
        }
        wakers.wake_all();
    }

    /// The number of tasks needed to pass.
    ///
    /// ```
    /// use corio_sync::Barrier;
    /// assert_eq!(Barrier::new(4).parties(), 4);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// Tasks currently waiting for this cycle to fill (asyncio's `n_waiting`).
    ///
    /// ```
    /// use corio_sync::Barrier;
    /// assert_eq!(Barrier::new(4).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.state.lock().waiters.queued()
    }

    /// Whether the barrier was aborted (asyncio's `broken`).
    ///
    /// ```
    /// use corio_sync::Barrier;
    /// assert!(!Barrier::new(1).is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        self.state.lock().broken
    }

    /// Number of registered `wait` futures (waiting, or released and not yet
    /// resumed).
    ///
    /// ```
    /// use corio_sync::Barrier;
    /// assert_eq!(Barrier::new(2).waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.state.lock().waiters.len()
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &s.waiters.queued())
            .field("broken", &s.broken)
            .finish()
    }
}

/// What [`Barrier::wait`] returns.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Barrier;
/// let r = block_on(Barrier::new(1).wait()).unwrap();
/// assert_eq!((r.index(), r.is_leader()), (0, true));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    index: usize,
    leader: bool,
}

impl BarrierWaitResult {
    /// This task's unique index in `0..parties` for the cycle.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Barrier;
    /// assert_eq!(block_on(Barrier::new(1).wait()).unwrap().index(), 0);
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// True for exactly one task per cycle: the last to arrive, whose index
    /// is `parties - 1`.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Barrier;
    /// assert!(block_on(Barrier::new(1).wait()).unwrap().is_leader());
    /// ```
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Init,
    Waiting(usize),
    Done,
}

/// Future returned by [`Barrier::wait`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Barrier;
/// let b = Barrier::new(1);
/// let fut = b.wait();
/// assert!(block_on(fut).is_ok());
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    phase: Phase,
}

impl Future for BarrierWait<'_> {
    type Output = Result<BarrierWaitResult, BrokenBarrierError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let parties = this.barrier.parties;
        let mut wakers = WakeList::new();
        let mut s = this.barrier.state.lock();
        match this.phase {
            Phase::Init => {
                if s.broken {
                    this.phase = Phase::Done;
                    return Poll::Ready(Err(BrokenBarrierError));
                }
                if s.waiters.queued() + 1 < parties {
                    this.phase = Phase::Waiting(s.waiters.push_back((), cx.waker()));
                    return Poll::Pending;
                }
                // Last to arrive: release the others with indices in arrival
                // order and start the next cycle.
                let mut next = 0;
                s.waiters.grant_all(&mut wakers, |_| {
                    next += 1;
                    Ok(next - 1)
                });
                drop(s);
                wakers.wake_all();
                this.phase = Phase::Done;
                Poll::Ready(Ok(BarrierWaitResult {
                    index: parties - 1,
                    leader: true,
                }))
            }
            Phase::Waiting(key) => match s.waiters.poll(key, cx.waker()) {
                Some(((), result)) => {
                    this.phase = Phase::Done;
                    Poll::Ready(result.map(|index| BarrierWaitResult {
                        index,
                        leader: false,
                    }))
                }
                None => Poll::Pending,
            },
            Phase::Done => panic!("Barrier::wait future polled after completion"),
        }
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        if let Phase::Waiting(key) = self.phase {
            // Queued: leaves the cycle (n_waiting goes down). Granted: the
            // cycle already completed; nothing to hand on.
            let _ = self.barrier.state.lock().waiters.remove(key);
        }
    }
}
