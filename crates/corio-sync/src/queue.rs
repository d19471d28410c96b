//! asyncio's `Queue`, `LifoQueue` and `PriorityQueue`: one generic core over
//! a storage trait. The MPMC channels are built on the same core.
//!
//! Hand-off rules (all under the queue's one mutex):
//!
//! * A put finding getters in line hands its item straight to the first one
//!   (the storage is always empty while getters wait). Otherwise it stores the
//!   item if there is room, or waits in line keeping its item.
//! * A get that frees a slot *reserves* it for the first waiting putter and
//!   wakes it; the putter stores its item when it resumes. A putter dropped
//!   while holding a reservation passes the slot to the next putter, so a
//!   dropped put never delivers its item and never wastes a slot.
//! * A getter dropped after being handed an item passes it to the next getter
//!   or puts it back as the oldest item: a dropped get never consumes one.

use crate::error::{
    GetNowaitError, InvalidSizeError, PutNowaitError, QueueShutDown, TaskDoneError,
};
use crate::loom::{Arc, Mutex, MutexGuard};
use crate::waiters::{Removed, WaitList, WakeList};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

mod sealed {
    pub trait Sealed {}
}

/// How a [`GenericQueue`] orders its items. Implemented by [`Fifo`],
/// [`Lifo`] and [`Priority`]; sealed.
pub trait Storage<T>: Default + sealed::Sealed {
    /// Adds an item.
    fn push(&mut self, item: T);
    /// Removes the next item to hand out.
    fn pop(&mut self) -> Option<T>;
    /// Puts back an item that is older than every stored one.
    fn unget(&mut self, item: T);
    /// Number of stored items.
    fn len(&self) -> usize;
    /// Whether no item is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out storage ([`Queue`]).
#[derive(Debug)]
pub struct Fifo<T>(VecDeque<T>);

/// Last in, first out storage ([`LifoQueue`]).
#[derive(Debug)]
pub struct Lifo<T>(VecDeque<T>);

/// Smallest-first storage ([`PriorityQueue`]), a binary heap.
#[derive(Debug)]
pub struct Priority<T>(BinaryHeap<Reverse<T>>);

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo(VecDeque::new())
    }
}
impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Lifo(VecDeque::new())
    }
}
impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority(BinaryHeap::new())
    }
}
impl<T> sealed::Sealed for Fifo<T> {}
impl<T> sealed::Sealed for Lifo<T> {}
impl<T> sealed::Sealed for Priority<T> {}

impl<T> Storage<T> for Fifo<T> {
    fn push(&mut self, item: T) {
        self.0.push_back(item)
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn unget(&mut self, item: T) {
        self.0.push_front(item)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T> Storage<T> for Lifo<T> {
    fn push(&mut self, item: T) {
        self.0.push_back(item)
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_back()
    }
    fn unget(&mut self, item: T) {
        // Older than everything stored: it belongs at the bottom of the stack.
        self.0.push_front(item)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Ord> Storage<T> for Priority<T> {
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item))
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(t)| t)
    }
    fn unget(&mut self, item: T) {
        self.push(item)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// The fields an uncontended `put` or `get` touches come first (`repr(C)`),
/// so that with the lock word they share one cache line (see [`Core`]); the
/// waiter lists are only read when the invariants below say someone may wait:
///
/// * getters wait only while the storage is empty;
/// * putters wait only while the queue is [`full`](State::full).
#[repr(C)]
struct State<T, S> {
    store: S,
    /// Slots reserved for granted putters that have not resumed yet.
    reserved: usize,
    /// Items put and not yet marked done with `task_done`.
    unfinished: usize,
    shutdown: bool,
    immediate: bool,
    /// Granted `Ok(item)`, or `Err` once shut down.
    getters: WaitList<(), Result<T, ()>>,
    /// Granted `true` with a slot reserved for it, `false` when the queue
    /// shut down. The item stays in the put future.
    putters: WaitList<(), bool>,
    joiners: WaitList<(), ()>,
}

/// The shared part of a queue or channel.
///
/// Aligned to a cache line, lock word first, so that the lock word and the
/// hot fields of [`State`] share one line and nothing else allocated next to
/// the queue does: under contention an operation moves that one line between
/// cores rather than several.
#[repr(C, align(64))]
pub(crate) struct Core<T, S> {
    state: Mutex<State<T, S>>,
    /// 0 means unbounded.
    maxsize: usize,
}

impl<T, S: Storage<T>> State<T, S> {
    /// No room for one more item (reserved slots count as taken).
    fn full(&self, maxsize: usize) -> bool {
        maxsize > 0 && self.store.len() + self.reserved >= maxsize
    }

    /// Whether an item can go straight into storage with nobody waiting:
    /// stored items mean no getter waits, room means no putter waits.
    fn can_store(&self, maxsize: usize) -> bool {
        let ok = !self.store.is_empty() && !self.full(maxsize);
        debug_assert!(!ok || self.getters.queued() + self.putters.queued() == 0);
        ok
    }

    /// Accepts `item` if possible: to a waiting getter, else into storage.
    fn offer(&mut self, maxsize: usize, item: T, wakers: &mut WakeList) -> Result<(), T> {
        // Getters only wait while the storage is empty.
        debug_assert!(self.store.is_empty() || self.getters.queued() == 0);
        let key = if self.store.is_empty() {
            self.getters.front()
        } else {
            None
        };
        if let Some(key) = key {
            wakers.push(self.getters.grant(key, Ok(item)));
        } else if !self.full(maxsize) {
            self.store.push(item);
        } else {
            return Err(item);
        }
        self.unfinished += 1;
        Ok(())
    }

    /// Takes the next item and refills from the first waiting putter.
    fn take(&mut self, maxsize: usize, wakers: &mut WakeList) -> Option<T> {
        // Putters only wait while the queue is full.
        let was_full = self.full(maxsize);
        let item = self.store.pop()?;
        if was_full {
            self.admit_putters(maxsize, wakers);
        } else {
            debug_assert_eq!(self.putters.queued(), 0);
        }
        Some(item)
    }

    fn admit_putters(&mut self, maxsize: usize, wakers: &mut WakeList) {
        while !self.full(maxsize) {
            let Some(key) = self.putters.front() else {
                break;
            };
            self.reserved += 1;
            wakers.push(self.putters.grant(key, true));
        }
    }

    fn done(&mut self, n: usize, wakers: &mut WakeList) {
        self.unfinished -= n;
        if self.unfinished == 0 {
            self.joiners.grant_all(wakers, |_| ());
        }
    }

    /// An item handed to a getter that went away: give it to the next getter,
    /// or put it back as the oldest item (which may exceed `maxsize` for a
    /// moment: losing the item or its place would be worse). After an immediate shutdown it is
    /// discarded (returned to be dropped outside the lock) and counted done.
    fn redeliver(&mut self, item: T, wakers: &mut WakeList) -> Option<T> {
        if self.immediate {
            self.done(1, wakers);
            return Some(item);
        }
        match self.getters.front() {
            Some(key) => wakers.push(self.getters.grant(key, Ok(item))),
            None => self.store.unget(item),
        }
        None
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Phase {
    Init,
    Waiting(usize),
    Done,
}

/// The state of one `put` future: its item and its place in line.
pub(crate) struct PutState<T> {
    item: Option<T>,
    phase: Phase,
}

impl<T> PutState<T> {
    pub(crate) fn new(item: T) -> Self {
        PutState {
            item: Some(item),
            phase: Phase::Init,
        }
    }
}

impl<T, S: Storage<T>> Core<T, S> {
    pub(crate) fn new(maxsize: usize) -> Self {
        Core {
            maxsize,
            state: Mutex::new(State {
                store: S::default(),
                reserved: 0,
                unfinished: 0,
                shutdown: false,
                immediate: false,
                getters: WaitList::new(),
                putters: WaitList::new(),
                joiners: WaitList::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T, S>> {
        self.state.lock()
    }

    pub(crate) fn maxsize(&self) -> usize {
        self.maxsize
    }

    pub(crate) fn try_put(&self, item: T) -> Result<(), PutNowaitError<T>> {
        let mut wakers = WakeList::new();
        let r = {
            let mut s = self.lock();
            if s.shutdown {
                Err(PutNowaitError::QueueShutDown(item))
            } else {
                s.offer(self.maxsize, item, &mut wakers)
                    .map_err(PutNowaitError::QueueFull)
            }
        };
        wakers.wake_all();
        r
    }

    pub(crate) fn poll_put(
        &self,
        st: &mut PutState<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), QueueShutDown<T>>> {
        if matches!(st.phase, Phase::Init) {
            std::task::ready!(crate::coop::poll_proceed(cx));
        }
        let mut wakers = WakeList::new();
        let mut s = self.lock();
        let r = match st.phase {
            Phase::Init => {
                let item = st.item.take().expect("put future polled after completion");
                if s.shutdown {
                    Err(QueueShutDown(item))
                } else if s.can_store(self.maxsize) {
                    // The common case, without looking at the waiter lists.
                    s.store.push(item);
                    s.unfinished += 1;
                    Ok(())
                } else if s.putters.queued() > 0 {
                    // Others wait for room first: no barging.
                    st.item = Some(item);
                    st.phase = Phase::Waiting(s.putters.push_back((), cx.waker()));
                    return Poll::Pending;
                } else {
                    match s.offer(self.maxsize, item, &mut wakers) {
                        Ok(()) => Ok(()),
                        Err(item) => {
                            st.item = Some(item);
                            st.phase = Phase::Waiting(s.putters.push_back((), cx.waker()));
                            return Poll::Pending;
                        }
                    }
                }
            }
            Phase::Waiting(key) => {
                let Some(((), reserved)) = s.putters.poll(key, cx.waker()) else {
                    return Poll::Pending;
                };
                let item = st.item.take().expect("a waiting put keeps its item");
                if reserved {
                    s.reserved -= 1;
                }
                if s.shutdown {
                    Err(QueueShutDown(item))
                } else {
                    // Its slot was reserved: store it even if a redelivered
                    // item (see `redeliver`) took the room meanwhile.
                    s.offer(0, item, &mut wakers).ok();
                    if reserved {
                        // If a waiting getter took the item instead, the
                        // reserved slot is free again: it goes to the next
                        // putter (putters only wait while the queue is full).
                        s.admit_putters(self.maxsize, &mut wakers);
                    }
                    Ok(())
                }
            }
            Phase::Done => panic!("put future polled after completion"),
        };
        st.phase = Phase::Done;
        drop(s);
        wakers.wake_all();
        Poll::Ready(r)
    }

    /// Called when a put future is dropped. Its item (if any) is dropped
    /// with the future, after the lock is released.
    pub(crate) fn cancel_put(&self, st: &mut PutState<T>) {
        if let Phase::Waiting(key) = std::mem::replace(&mut st.phase, Phase::Done) {
            let mut wakers = WakeList::new();
            {
                let mut s = self.lock();
                if let Removed::Granted { grant: true, .. } = s.putters.remove(key) {
                    // Hand the reserved slot to the next putter.
                    s.reserved -= 1;
                    if !s.shutdown {
                        s.admit_putters(self.maxsize, &mut wakers);
                    }
                }
            }
            wakers.wake_all();
        }
    }

    pub(crate) fn try_get(&self) -> Result<T, GetNowaitError> {
        let mut wakers = WakeList::new();
        let r = {
            let mut s = self.lock();
            match s.take(self.maxsize, &mut wakers) {
                Some(item) => Ok(item),
                None if s.shutdown => Err(GetNowaitError::QueueShutDown),
                None => Err(GetNowaitError::QueueEmpty),
            }
        };
        wakers.wake_all();
        r
    }

    pub(crate) fn poll_get(
        &self,
        phase: &mut Phase,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, QueueShutDown>> {
        if matches!(*phase, Phase::Init) {
            std::task::ready!(crate::coop::poll_proceed(cx));
        }
        let mut wakers = WakeList::new();
        let mut s = self.lock();
        let r = match *phase {
            Phase::Init => match s.take(self.maxsize, &mut wakers) {
                Some(item) => Ok(item),
                None if s.shutdown => Err(QueueShutDown(())),
                None => {
                    *phase = Phase::Waiting(s.getters.push_back((), cx.waker()));
                    return Poll::Pending;
                }
            },
            Phase::Waiting(key) => match s.getters.poll(key, cx.waker()) {
                Some(((), r)) => r.map_err(|()| QueueShutDown(())),
                None => return Poll::Pending,
            },
            Phase::Done => panic!("get future polled after completion"),
        };
        *phase = Phase::Done;
        drop(s);
        wakers.wake_all();
        Poll::Ready(r)
    }

    pub(crate) fn cancel_get(&self, phase: &mut Phase) {
        if let Phase::Waiting(key) = std::mem::replace(phase, Phase::Done) {
            let mut wakers = WakeList::new();
            let _discarded = {
                let mut s = self.lock();
                match s.getters.remove(key) {
                    Removed::Granted {
                        grant: Ok(item), ..
                    } => s.redeliver(item, &mut wakers),
                    _ => None,
                }
            };
            wakers.wake_all();
        }
    }

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut wakers = WakeList::new();
        {
            let mut s = self.lock();
            if s.unfinished == 0 {
                return Err(TaskDoneError);
            }
            s.done(1, &mut wakers);
        }
        wakers.wake_all();
        Ok(())
    }

    pub(crate) fn poll_join(&self, phase: &mut Phase, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.lock();
        match *phase {
            Phase::Init if s.unfinished == 0 => {}
            Phase::Init => {
                *phase = Phase::Waiting(s.joiners.push_back((), cx.waker()));
                return Poll::Pending;
            }
            Phase::Waiting(key) => {
                if s.joiners.poll(key, cx.waker()).is_none() {
                    return Poll::Pending;
                }
            }
            Phase::Done => panic!("join future polled after completion"),
        }
        *phase = Phase::Done;
        Poll::Ready(())
    }

    pub(crate) fn cancel_join(&self, phase: &mut Phase) {
        if let Phase::Waiting(key) = std::mem::replace(phase, Phase::Done) {
            let _ = self.lock().joiners.remove(key);
        }
    }

    pub(crate) fn shutdown(&self, immediate: bool) {
        let mut wakers = WakeList::new();
        // Items are dropped after the lock is released.
        let _discarded = {
            let mut s = self.lock();
            s.shutdown = true;
            let mut discarded = S::default();
            if immediate {
                s.immediate = true;
                discarded = std::mem::take(&mut s.store);
                let n = discarded.len().min(s.unfinished);
                s.done(n, &mut wakers);
            }
            s.getters.grant_all(&mut wakers, |_| Err(()));
            // Refused puts keep their item in the request; they take it back.
            s.putters.grant_all(&mut wakers, |_| false);
            discarded
        };
        wakers.wake_all();
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.lock().shutdown
    }

    pub(crate) fn qsize(&self) -> usize {
        self.lock().store.len()
    }

    pub(crate) fn full(&self) -> bool {
        self.lock().full(self.maxsize)
    }

    pub(crate) fn unfinished(&self) -> usize {
        self.lock().unfinished
    }

    pub(crate) fn waiters(&self) -> usize {
        let s = self.lock();
        s.getters.len() + s.putters.len() + s.joiners.len()
    }

    pub(crate) fn getters(&self) -> usize {
        self.lock().getters.len()
    }

    pub(crate) fn putters(&self) -> usize {
        self.lock().putters.len()
    }
}

/// The queue of asyncio, generic over its [`Storage`]. Use it through the
/// aliases [`Queue`] (FIFO), [`LifoQueue`] and [`PriorityQueue`].
///
/// A handle is `Clone + Send + Sync` (an `Arc` inside): clones share one
/// queue, so producers and consumers on different threads or tasks each keep
/// a clone. Waiting `put`s and `get`s are served first come first served. A
/// dropped `get` loses no item; a dropped `put` whose item was not accepted
/// yet takes it with it.
///
/// Constructors: [`new`](Self::new) is unbounded; [`bounded(n)`](Self::bounded)
/// panics for `n == 0` with a message saying what to do, and
/// [`try_bounded`](Self::try_bounded) returns an [`InvalidSizeError`]. (asyncio
/// treats `maxsize <= 0` as unbounded; here that is spelled `new()`.)
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Queue;
/// let q = Queue::bounded(10);
/// let consumer = {
///     let q = q.clone();
///     std::thread::spawn(move || block_on(async {
///         let mut sum = 0;
///         while let Ok(n) = q.get().await {
///             sum += n;
///             q.task_done().unwrap();
///         }
///         sum
///     }))
/// };
/// block_on(async {
///     for i in 1..=100 {
///         q.put(i).await.unwrap();
///     }
///     q.join().await; // every item was taken and marked done
///     q.shutdown(false);
/// });
/// assert_eq!(consumer.join().unwrap(), 5050);
/// ```
pub struct GenericQueue<T, S> {
    core: Arc<Core<T, S>>,
}

/// A first-in first-out queue (asyncio's `Queue`). See [`GenericQueue`] for
/// the methods.
///
/// ```
/// use corio_sync::Queue;
/// let q = Queue::new();
/// q.put_nowait(1).unwrap();
/// q.put_nowait(2).unwrap();
/// assert_eq!(q.get_nowait(), Ok(1));
/// ```
pub type Queue<T> = GenericQueue<T, Fifo<T>>;

/// A last-in first-out queue (asyncio's `LifoQueue`).
///
/// ```
/// use corio_sync::LifoQueue;
/// let q = LifoQueue::new();
/// q.put_nowait(1).unwrap();
/// q.put_nowait(2).unwrap();
/// assert_eq!(q.get_nowait(), Ok(2));
/// ```
pub type LifoQueue<T> = GenericQueue<T, Lifo<T>>;

/// A queue that hands out its smallest item first (asyncio's
/// `PriorityQueue`, a min-heap). Use `(priority, data)` tuples or
/// `std::cmp::Reverse` for largest-first.
///
/// ```
/// use corio_sync::PriorityQueue;
/// let q = PriorityQueue::new();
/// for p in [3, 1, 2] {
///     q.put_nowait((p, "job")).unwrap();
/// }
/// assert_eq!(q.get_nowait().unwrap().0, 1);
/// ```
pub type PriorityQueue<T> = GenericQueue<T, Priority<T>>;

impl<T, S: Storage<T>> GenericQueue<T, S> {
    /// Creates an unbounded queue.
    ///
    /// ```
    /// use corio_sync::Queue;
    /// let q = Queue::<u8>::new();
    /// assert_eq!(q.maxsize(), None);
    /// assert!(!q.full());
    /// ```
    pub fn new() -> Self {
        GenericQueue {
            core: Arc::new(Core::new(0)),
        }
    }

    /// Creates a queue that holds at most `maxsize` items.
    ///
    /// Panics if `maxsize` is 0; see [`try_bounded`](Self::try_bounded).
    ///
    /// ```
    /// use corio_sync::Queue;
    /// let q = Queue::bounded(2);
    /// assert_eq!(q.maxsize(), Some(2));
    /// # let _: &Queue<u8> = &q;
    /// ```
    ///
    /// ```should_panic
    /// corio_sync::Queue::<u8>::bounded(0);
    /// ```
    pub fn bounded(maxsize: usize) -> Self {
        match Self::try_bounded(maxsize) {
            Ok(q) => q,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`bounded`](Self::bounded) but returns an error for 0.
    ///
    /// ```
    /// use corio_sync::Queue;
    /// assert!(Queue::<u8>::try_bounded(0).is_err());
    /// assert!(Queue::<u8>::try_bounded(1).is_ok());
    /// ```
    pub fn try_bounded(maxsize: usize) -> Result<Self, InvalidSizeError> {
        if maxsize == 0 {
            return Err(InvalidSizeError {
                msg: "Queue::bounded(0): maxsize must be at least 1; use Queue::new() for an unbounded queue",
            });
        }
        Ok(GenericQueue {
            core: Arc::new(Core::new(maxsize)),
        })
    }

    /// Puts an item, waiting while the queue is full. Fails only if the
    /// queue is (or gets) shut down; the item comes back in the error.
    /// Dropping the future before it completes never delivers the item.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Queue;
    /// let q = Queue::new();
    /// block_on(q.put("a")).unwrap();
    /// assert_eq!(q.qsize(), 1);
    /// ```
    pub fn put(&self, item: T) -> Put<'_, T, S> {
        Put {
            core: &self.core,
            st: PutState::new(item),
        }
    }

    /// Puts an item if there is room right now.
    ///
    /// ```
    /// use corio_sync::{PutNowaitError, Queue};
    /// let q = Queue::bounded(1);
    /// assert!(q.put_nowait(1).is_ok());
    /// assert_eq!(q.put_nowait(2), Err(PutNowaitError::QueueFull(2)));
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), PutNowaitError<T>> {
        self.core.try_put(item)
    }

    /// Takes the next item, waiting while the queue is empty. After a
    /// shutdown, remaining items are still handed out; then it fails.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Queue;
    /// let q = Queue::new();
    /// q.put_nowait(5).unwrap();
    /// assert_eq!(block_on(q.get()), Ok(5));
    /// ```
    pub fn get(&self) -> Get<'_, T, S> {
        Get {
            core: &self.core,
            phase: Phase::Init,
        }
    }

    /// Takes the next item if there is one.
    ///
    /// ```
    /// use corio_sync::{GetNowaitError, Queue};
    /// let q = Queue::<u8>::new();
    /// assert_eq!(q.get_nowait(), Err(GetNowaitError::QueueEmpty));
    /// ```
    pub fn get_nowait(&self) -> Result<T, GetNowaitError> {
        self.core.try_get()
    }

    /// Marks one item taken with `get` as processed. Errors if called more
    /// times than items were put.
    ///
    /// ```
    /// use corio_sync::Queue;
    /// let q = Queue::new();
    /// q.put_nowait(1).unwrap();
    /// q.get_nowait().unwrap();
    /// assert!(q.task_done().is_ok());
    /// assert!(q.task_done().is_err());
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.core.task_done()
    }

    /// Waits until every item ever put has been marked with `task_done`
    /// (returns at once if none is outstanding).
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Queue;
    /// let q = Queue::new();
    /// q.put_nowait(1).unwrap();
    /// q.get_nowait().unwrap();
    /// q.task_done().unwrap();
    /// block_on(q.join());
    /// ```
    pub fn join(&self) -> Join<'_, T, S> {
        Join {
            core: &self.core,
            phase: Phase::Init,
        }
    }

    /// Shuts the queue down (asyncio 3.13's `shutdown`): every waiting and
    /// later `put` fails with [`QueueShutDown`]; `get` keeps handing out the
    /// items left, then fails. With `immediate`, the items left are dropped
    /// and counted as done (so `join` can return) and every `get` fails at
    /// once. Items already taken still need their `task_done`.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Queue;
    /// let q = Queue::new();
    /// q.put_nowait(1).unwrap();
    /// q.put_nowait(2).unwrap();
    /// q.shutdown(true);
    /// assert!(q.get_nowait().is_err());
    /// block_on(q.join()); // the two discarded items count as done
    /// ```
    pub fn shutdown(&self, immediate: bool) {
        self.core.shutdown(immediate)
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    ///
    /// ```
    /// use corio_sync::Queue;
    /// let q = Queue::<u8>::new();
    /// q.shutdown(false);
    /// assert!(q.is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.core.is_shutdown()
    }

    /// Number of items in the queue.
    ///
    /// ```
    /// use corio_sync::Queue;
    /// let q = Queue::new();
    /// q.put_nowait(()).unwrap();
    /// assert_eq!(q.qsize(), 1);
    /// ```
    pub fn qsize(&self) -> usize {
        self.core.qsize()
    }

    /// The bound given to `bounded`, or `None` for an unbounded queue.
    ///
    /// ```
    /// use corio_sync::Queue;
    /// assert_eq!(Queue::<u8>::bounded(3).maxsize(), Some(3));
    /// ```
    pub fn maxsize(&self) -> Option<usize> {
        (self.core.maxsize() > 0).then_some(self.core.maxsize())
    }

    /// Whether the queue holds no item.
    ///
    /// ```
    /// use corio_sync::Queue;
    /// assert!(Queue::<u8>::new().empty());
    /// ```
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// Whether a put would have to wait: the queue holds `maxsize` items,
    /// counting slots already promised to woken putters (never true for an
    /// unbounded queue).
    ///
    /// ```
    /// use corio_sync::Queue;
    /// let q = Queue::bounded(1);
    /// q.put_nowait(1).unwrap();
    /// assert!(q.full());
    /// ```
    pub fn full(&self) -> bool {
        self.core.full()
    }

    /// Items put and not yet marked done (asyncio's `_unfinished_tasks`).
    ///
    /// ```
    /// use corio_sync::Queue;
    /// let q = Queue::new();
    /// q.put_nowait(1).unwrap();
    /// assert_eq!(q.unfinished_tasks(), 1);
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.core.unfinished()
    }

    /// Number of registered `get`, `put` and `join` futures.
    ///
    /// ```
    /// use corio_sync::Queue;
    /// assert_eq!(Queue::<u8>::new().waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.core.waiters()
    }

    /// Number of registered `get` futures.
    ///
    /// ```
    /// use corio_sync::Queue;
    /// assert_eq!(Queue::<u8>::new().getters(), 0);
    /// ```
    pub fn getters(&self) -> usize {
        self.core.getters()
    }

    /// Number of registered `put` futures.
    ///
    /// ```
    /// use corio_sync::Queue;
    /// assert_eq!(Queue::<u8>::new().putters(), 0);
    /// ```
    pub fn putters(&self) -> usize {
        self.core.putters()
    }
}

impl<T, S: Storage<T>> Default for GenericQueue<T, S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, S> Clone for GenericQueue<T, S> {
    fn clone(&self) -> Self {
        GenericQueue {
            core: self.core.clone(),
        }
    }
}

impl<T, S: Storage<T>> fmt::Debug for GenericQueue<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("qsize", &self.qsize())
            .field("maxsize", &self.maxsize())
            .field("unfinished_tasks", &self.unfinished_tasks())
            .field("shutdown", &self.is_shutdown())
            .finish()
    }
}

/// Future returned by [`GenericQueue::put`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Queue;
/// let q = Queue::new();
/// let fut = q.put(1);
/// assert!(block_on(fut).is_ok());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Put<'a, T, S: Storage<T>> {
    pub(crate) core: &'a Core<T, S>,
    pub(crate) st: PutState<T>,
}

// `Put` holds its item by value and the core only behind a shared reference;
// it is not structurally pinned.
impl<T, S: Storage<T>> Unpin for Put<'_, T, S> {}

impl<T, S: Storage<T>> Future for Put<'_, T, S> {
    type Output = Result<(), QueueShutDown<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.core.poll_put(&mut this.st, cx)
    }
}

impl<T, S: Storage<T>> Drop for Put<'_, T, S> {
    fn drop(&mut self) {
        self.core.cancel_put(&mut self.st);
    }
}

impl<T, S: Storage<T>> fmt::Debug for Put<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put").finish_non_exhaustive()
    }
}

/// Future returned by [`GenericQueue::get`]. Dropping it loses no item.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Queue;
/// let q = Queue::new();
/// q.put_nowait('x').unwrap();
/// assert_eq!(block_on(q.get()), Ok('x'));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a, T, S: Storage<T>> {
    pub(crate) core: &'a Core<T, S>,
    pub(crate) phase: Phase,
}

impl<T, S: Storage<T>> Future for Get<'_, T, S> {
    type Output = Result<T, QueueShutDown>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.core.poll_get(&mut this.phase, cx)
    }
}

impl<T, S: Storage<T>> Drop for Get<'_, T, S> {
    fn drop(&mut self) {
        self.core.cancel_get(&mut self.phase);
    }
}

impl<T, S: Storage<T>> fmt::Debug for Get<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get").finish_non_exhaustive()
    }
}

/// Future returned by [`GenericQueue::join`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Queue;
/// let q = Queue::<u8>::new();
/// block_on(q.join()); // nothing outstanding
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Join<'a, T, S: Storage<T>> {
    core: &'a Core<T, S>,
    phase: Phase,
}

impl<T, S: Storage<T>> Future for Join<'_, T, S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.core.poll_join(&mut this.phase, cx)
    }
}

impl<T, S: Storage<T>> Drop for Join<'_, T, S> {
    fn drop(&mut self) {
        self.core.cancel_join(&mut self.phase);
    }
}

impl<T, S: Storage<T>> fmt::Debug for Join<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    #[derive(Default)]
    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll<F: Future + Unpin>(f: &mut F, c: &Arc<Count>) -> Poll<F::Output> {
        let waker = Waker::from(c.clone());
        Pin::new(f).poll(&mut Context::from_waker(&waker))
    }

    /// A woken putter whose reserved slot goes to a waiting getter frees that
    /// slot: the next putter in line must be let in, or it waits forever.
    #[test]
    fn reserved_put_handed_to_a_getter_admits_the_next_putter() {
        let q = Queue::bounded(1);
        q.put_nowait(0).unwrap();
        let (c1, c2, cg) = (Arc::default(), Arc::default(), Arc::default());
        let mut p1 = q.put(1);
        let mut p2 = q.put(2);
        assert!(poll(&mut p1, &c1).is_pending());
        assert!(poll(&mut p2, &c2).is_pending());
        assert_eq!(q.get_nowait(), Ok(0)); // the slot is reserved for p1
        let mut g = q.get();
        assert!(poll(&mut g, &cg).is_pending());
        // p1 resumes and hands its item straight to the waiting getter.
        assert_eq!(poll(&mut p1, &c1), Poll::Ready(Ok(())));
        assert_eq!(poll(&mut g, &cg), Poll::Ready(Ok(1)));
        assert_eq!(c2.0.load(Ordering::SeqCst), 1, "p2 must be let in");
        assert_eq!(poll(&mut p2, &c2), Poll::Ready(Ok(())));
        assert_eq!(q.get_nowait(), Ok(2));
        drop((p1, p2, g));
        assert_eq!(q.waiters(), 0);
    }
}
