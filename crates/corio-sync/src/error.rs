//! Error types. Each says what went wrong and what to do about it.

use std::fmt;

macro_rules! unit_error {
    ($(#[$m:meta])* $name:ident, $msg:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($msg)
            }
        }

        impl std::error::Error for $name {}
    };
}

unit_error!(
    /// The semaphore was closed with [`Semaphore::close`](crate::Semaphore::close),
    /// so no permit will ever be handed out again.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::{AcquireError, Semaphore};
    /// let sem = Semaphore::new(0);
    /// sem.close();
    /// assert_eq!(block_on(sem.acquire()).unwrap_err(), AcquireError);
    /// ```
    AcquireError,
    "the semaphore is closed: no permit will be handed out again (create a new semaphore)"
);

unit_error!(
    /// [`Lock::try_lock`](crate::Lock::try_lock) (or an `RwLock::try_*`) found
    /// the lock held, or other tasks waiting for it first.
    ///
    /// ```
    /// use corio_sync::{Lock, TryLockError};
    /// let lock = Lock::new(0);
    /// let _g = lock.try_lock().unwrap();
    /// assert_eq!(lock.try_lock().unwrap_err(), TryLockError);
    /// ```
    TryLockError,
    "the lock is held (or others are waiting for it): await lock() instead"
);

unit_error!(
    /// [`BoundedSemaphore::release`](crate::BoundedSemaphore::release) was
    /// called more often than permits were taken out with `forget()`: the
    /// count would rise above the initial value (asyncio's `ValueError`).
    ///
    /// ```
    /// use corio_sync::{BoundedSemaphore, BoundedSemaphoreError};
    /// let sem = BoundedSemaphore::new(1);
    /// assert_eq!(sem.release(1), Err(BoundedSemaphoreError));
    /// ```
    BoundedSemaphoreError,
    "BoundedSemaphore released too many times: release() may only return permits that were acquired and forget()-ten"
);

unit_error!(
    /// The barrier was aborted, or reset while this task was waiting
    /// (asyncio's `BrokenBarrierError`).
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::{Barrier, BrokenBarrierError};
    /// let b = Barrier::new(2);
    /// b.abort();
    /// assert_eq!(block_on(b.wait()).unwrap_err(), BrokenBarrierError);
    /// ```
    BrokenBarrierError,
    "the barrier is broken (aborted, or reset while waiting): call reset() before using it again"
);

unit_error!(
    /// `task_done()` was called more times than items were put in the queue
    /// (asyncio's `ValueError('task_done() called too many times')`).
    ///
    /// ```
    /// use corio_sync::{Queue, TaskDoneError};
    /// let q = Queue::<u8>::new();
    /// assert_eq!(q.task_done(), Err(TaskDoneError));
    /// ```
    TaskDoneError,
    "task_done() called more times than items were put: call it once per item taken with get()"
);

unit_error!(
    /// The sending side of a channel is gone (every `Sender` dropped or the
    /// channel closed) and no value is left to receive.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::{RecvError, oneshot};
    /// let (tx, rx) = oneshot::channel::<u8>();
    /// drop(tx);
    /// assert_eq!(block_on(rx), Err(RecvError));
    /// ```
    RecvError,
    "the channel is closed and empty: every sender is gone"
);

/// A constructor was given a size that cannot work (`Queue::bounded(0)`,
/// `Barrier::new(0)`, `channel(0)`).
///
/// The panicking constructors (`bounded`, `new`, `channel`) panic with this
/// message; their `try_` twins return it.
///
/// ```
/// use corio_sync::Queue;
/// let err = Queue::<u8>::try_bounded(0).unwrap_err();
/// assert!(err.to_string().contains("Queue::new()"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvalidSizeError {
    pub(crate) msg: &'static str,
}

impl fmt::Display for InvalidSizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.msg)
    }
}

impl std::error::Error for InvalidSizeError {}

/// Why [`Semaphore::try_acquire`](crate::Semaphore::try_acquire) failed.
///
/// ```
/// use corio_sync::{Semaphore, TryAcquireError};
/// let sem = Semaphore::new(0);
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// sem.close();
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryAcquireError {
    /// The semaphore is closed.
    Closed,
    /// Not enough permits are free (or other tasks wait for them first).
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryAcquireError::Closed => "the semaphore is closed",
            TryAcquireError::NoPermits => {
                "no permits available right now: await acquire() to wait for one"
            }
        })
    }
}

impl std::error::Error for TryAcquireError {}

/// The queue was shut down ([`shutdown`](crate::GenericQueue::shutdown)), so
/// this put (or get from an empty queue) fails (asyncio's `QueueShutDown`).
///
/// A failed `put` gives the item back in the field; a failed `get` carries `()`.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::{Queue, QueueShutDown};
/// let q = Queue::new();
/// q.shutdown(false);
/// assert_eq!(block_on(q.put(7)), Err(QueueShutDown(7)));
/// assert_eq!(block_on(q.get()), Err(QueueShutDown(())));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueueShutDown<T = ()>(pub T);

impl<T> fmt::Debug for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueShutDown(..)")
    }
}

impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue was shut down: no more puts, and gets fail once it is empty")
    }
}

impl<T> std::error::Error for QueueShutDown<T> {}

/// Why `put_nowait` failed; the item comes back in either case.
///
/// ```
/// use corio_sync::{PutNowaitError, Queue};
/// let q = Queue::bounded(1);
/// q.put_nowait(1).unwrap();
/// assert_eq!(q.put_nowait(2), Err(PutNowaitError::QueueFull(2)));
/// q.shutdown(false);
/// assert_eq!(q.put_nowait(3), Err(PutNowaitError::QueueShutDown(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum PutNowaitError<T> {
    /// The queue holds `maxsize` items (asyncio's `QueueFull`).
    QueueFull(T),
    /// The queue was shut down (asyncio's `QueueShutDown`).
    QueueShutDown(T),
}

impl<T> PutNowaitError<T> {
    /// The item that could not be put.
    ///
    /// ```
    /// use corio_sync::Queue;
    /// let q = Queue::bounded(1);
    /// q.put_nowait("a").unwrap();
    /// assert_eq!(q.put_nowait("b").unwrap_err().into_inner(), "b");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutNowaitError::QueueFull(t) | PutNowaitError::QueueShutDown(t) => t,
        }
    }
}

impl<T> fmt::Debug for PutNowaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutNowaitError::QueueFull(_) => f.write_str("QueueFull(..)"),
            PutNowaitError::QueueShutDown(_) => f.write_str("QueueShutDown(..)"),
        }
    }
}

impl<T> fmt::Display for PutNowaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutNowaitError::QueueFull(_) => {
                f.write_str("the queue is full: await put() to wait for room")
            }
            PutNowaitError::QueueShutDown(_) => {
                f.write_str("the queue was shut down: it accepts no more items")
            }
        }
    }
}

impl<T> std::error::Error for PutNowaitError<T> {}

/// Why `get_nowait` failed.
///
/// ```
/// use corio_sync::{GetNowaitError, Queue};
/// let q = Queue::<u8>::new();
/// assert_eq!(q.get_nowait(), Err(GetNowaitError::QueueEmpty));
/// q.shutdown(false);
/// assert_eq!(q.get_nowait(), Err(GetNowaitError::QueueShutDown));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GetNowaitError {
    /// Nothing to take right now (asyncio's `QueueEmpty`).
    QueueEmpty,
    /// The queue was shut down and is empty (asyncio's `QueueShutDown`).
    QueueShutDown,
}

impl fmt::Display for GetNowaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GetNowaitError::QueueEmpty => "the queue is empty: await get() to wait for an item",
            GetNowaitError::QueueShutDown => "the queue was shut down and is empty",
        })
    }
}

impl std::error::Error for GetNowaitError {}

/// `send` failed because every receiver is gone or the channel was closed;
/// the value comes back in the field.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::{SendError, channel};
/// let (tx, rx) = channel::<u8>(4);
/// drop(rx);
/// assert_eq!(block_on(tx.send(1)), Err(SendError(1)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the channel is closed (no receiver left, or close() was called)")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why `try_send` failed; the value comes back in either case.
///
/// ```
/// use corio_sync::{TrySendError, channel};
/// let (tx, rx) = channel(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// drop(rx);
/// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrySendError<T> {
    /// The channel's buffer is full.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that could not be sent.
    ///
    /// ```
    /// use corio_sync::channel;
    /// let (tx, _rx) = channel(1);
    /// tx.try_send('a').unwrap();
    /// assert_eq!(tx.try_send('b').unwrap_err().into_inner(), 'b');
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(t) | TrySendError::Closed(t) => t,
        }
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => {
                f.write_str("the channel is full: await send() to wait for room")
            }
            TrySendError::Closed(_) => f.write_str("the channel is closed"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

/// Why `try_recv` failed.
///
/// ```
/// use corio_sync::{TryRecvError, unbounded_channel};
/// let (tx, rx) = unbounded_channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryRecvError {
    /// Nothing to receive right now; senders remain.
    Empty,
    /// The channel is closed and empty.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "the channel is empty: await recv() to wait for a value",
            TryRecvError::Closed => "the channel is closed and empty",
        })
    }
}

impl std::error::Error for TryRecvError {}
