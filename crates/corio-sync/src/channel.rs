//! Multi-producer multi-consumer channels (Trio's memory channels, with
//! clonable ends), built on the queue core.
//!
//! The channel closes for good when the last [`Sender`] is dropped (receivers
//! drain what is buffered, then get [`RecvError`]), when the last
//! [`Receiver`] is dropped (buffered values are dropped, sends fail with
//! [`SendError`]), or when either side calls `close()` (buffered values can
//! still be received).

use crate::error::{GetNowaitError, InvalidSizeError, PutNowaitError, RecvError, SendError};
use crate::error::{TryRecvError, TrySendError};
use crate::loom::{Arc, AtomicUsize, Ordering};
use crate::queue::{Core, Fifo, Get, Phase, Put, PutState};
use futures_core::Stream;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

struct Chan<T> {
    core: Core<T, Fifo<T>>,
    senders: AtomicUsize,
    receivers: AtomicUsize,
}

/// Creates a channel that buffers up to `capacity` values; `send` waits
/// while it is full.
///
/// Panics if `capacity` is 0 (rendezvous channels are not supported); see
/// [`try_channel`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::channel;
/// let (tx, rx) = channel(8);
/// let t = std::thread::spawn(move || {
///     block_on(async {
///         for i in 0..100 {
///             tx.send(i).await.unwrap();
///         }
///     })
/// });
/// let mut sum = 0;
/// block_on(async {
///     while let Ok(v) = rx.recv().await {
///         sum += v;
///     }
/// });
/// t.join().unwrap();
/// assert_eq!(sum, 4950);
/// ```
///
/// ```should_panic
/// corio_sync::channel::<u8>(0);
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    match try_channel(capacity) {
        Ok(pair) => pair,
        Err(e) => panic!("{e}"),
    }
}

/// Like [`channel`] but returns an error for a capacity of 0.
///
/// ```
/// use corio_sync::try_channel;
/// assert!(try_channel::<u8>(0).is_err());
/// assert!(try_channel::<u8>(1).is_ok());
/// ```
pub fn try_channel<T>(capacity: usize) -> Result<(Sender<T>, Receiver<T>), InvalidSizeError> {
    if capacity == 0 {
        return Err(InvalidSizeError {
            msg: "channel(0): capacity must be at least 1; use unbounded_channel() for no limit",
        });
    }
    Ok(make(capacity))
}

/// Creates a channel with no capacity limit; `send` never waits.
///
/// ```
/// use corio_sync::unbounded_channel;
/// let (tx, rx) = unbounded_channel();
/// for i in 0..1000 {
///     tx.try_send(i).unwrap();
/// }
/// assert_eq!(rx.len(), 1000);
/// ```
pub fn unbounded_channel<T>() -> (Sender<T>, Receiver<T>) {
    make(0)
}

fn make<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan {
        core: Core::new(capacity),
        senders: AtomicUsize::new(1),
        receivers: AtomicUsize::new(1),
    });
    (
        Sender { chan: chan.clone() },
        Receiver {
            chan,
            stream: Phase::Init,
        },
    )
}

/// The sending end of a channel; clone it for more producers.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::unbounded_channel;
/// let (tx, rx) = unbounded_channel();
/// let tx2 = tx.clone();
/// block_on(async {
///     tx.send(1).await.unwrap();
///     tx2.send(2).await.unwrap();
/// });
/// drop((tx, tx2)); // last sender gone: the channel closes
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert_eq!(rx.try_recv(), Ok(2));
/// assert!(rx.try_recv().is_err());
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends a value, waiting while the channel is full. Fails (giving the
    /// value back) if the channel is or gets closed.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::channel;
    /// let (tx, rx) = channel(1);
    /// block_on(tx.send("hi")).unwrap();
    /// assert_eq!(rx.try_recv(), Ok("hi"));
    /// ```
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            put: Put {
                core: &self.chan.core,
                st: PutState::new(value),
            },
        }
    }

    /// Sends a value if there is room right now.
    ///
    /// ```
    /// use corio_sync::{TrySendError, channel};
    /// let (tx, _rx) = channel(1);
    /// assert!(tx.try_send(1).is_ok());
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.core.try_put(value).map_err(|e| match e {
            PutNowaitError::QueueFull(v) => TrySendError::Full(v),
            PutNowaitError::QueueShutDown(v) => TrySendError::Closed(v),
        })
    }

    /// Whether the channel is closed (no receiver left, or `close` called).
    ///
    /// ```
    /// use corio_sync::channel;
    /// let (tx, rx) = channel::<u8>(1);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.core.is_shutdown()
    }

    /// Closes the channel for every handle: sends fail, buffered values can
    /// still be received.
    ///
    /// ```
    /// use corio_sync::channel;
    /// let (tx, rx) = channel(2);
    /// tx.try_send(1).unwrap();
    /// tx.close();
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn close(&self) {
        self.chan.core.shutdown(false)
    }

    /// Values buffered in the channel.
    ///
    /// ```
    /// use corio_sync::channel;
    /// let (tx, _rx) = channel(4);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.core.qsize()
    }

    /// Whether no value is buffered.
    ///
    /// ```
    /// use corio_sync::channel;
    /// let (tx, _rx) = channel::<u8>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity, or `None` for an unbounded channel.
    ///
    /// ```
    /// use corio_sync::{channel, unbounded_channel};
    /// assert_eq!(channel::<u8>(4).0.capacity(), Some(4));
    /// assert_eq!(unbounded_channel::<u8>().0.capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        let c = self.chan.core.maxsize();
        (c > 0).then_some(c)
    }

    /// Number of registered `send` and `recv` futures on this channel.
    ///
    /// ```
    /// use corio_sync::channel;
    /// assert_eq!(channel::<u8>(1).0.waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.chan.core.waiters()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.chan.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.core.shutdown(false);
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// The receiving end of a channel; clone it for more consumers (each value
/// goes to one of them). Also a [`Stream`] that ends when the channel is
/// closed and drained.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::unbounded_channel;
/// use futures_util::StreamExt;
/// let (tx, rx) = unbounded_channel();
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// drop(tx);
/// let all: Vec<i32> = block_on(rx.collect());
/// assert_eq!(all, [1, 2]);
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
    /// The pending receive of the `Stream` implementation.
    stream: Phase,
}

impl<T> Receiver<T> {
    /// Receives the next value, waiting while the channel is empty. Fails
    /// once the channel is closed and drained. Dropping the future loses no
    /// value.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::channel;
    /// let (tx, rx) = channel(1);
    /// tx.try_send(3).unwrap();
    /// assert_eq!(block_on(rx.recv()), Ok(3));
    /// ```
    pub fn recv(&self) -> RecvFuture<'_, T> {
        RecvFuture {
            get: Get {
                core: &self.chan.core,
                phase: Phase::Init,
            },
        }
    }

    /// Receives a value if one is buffered.
    ///
    /// ```
    /// use corio_sync::{TryRecvError, channel};
    /// let (tx, rx) = channel::<u8>(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// # drop(tx);
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.core.try_get().map_err(|e| match e {
            GetNowaitError::QueueEmpty => TryRecvError::Empty,
            GetNowaitError::QueueShutDown => TryRecvError::Closed,
        })
    }

    /// Closes the channel: sends fail, buffered values can still be received.
    ///
    /// ```
    /// use corio_sync::channel;
    /// let (tx, rx) = channel::<u8>(1);
    /// rx.close();
    /// assert!(tx.try_send(1).is_err());
    /// ```
    pub fn close(&self) {
        self.chan.core.shutdown(false)
    }

    /// Whether the channel is closed (it may still hold values).
    ///
    /// ```
    /// use corio_sync::channel;
    /// let (tx, rx) = channel::<u8>(1);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.core.is_shutdown()
    }

    /// Values buffered in the channel.
    ///
    /// ```
    /// use corio_sync::channel;
    /// let (tx, rx) = channel(4);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.core.qsize()
    }

    /// Whether no value is buffered.
    ///
    /// ```
    /// use corio_sync::channel;
    /// let (_tx, rx) = channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity, or `None` for an unbounded channel.
    ///
    /// ```
    /// use corio_sync::channel;
    /// assert_eq!(channel::<u8>(2).1.capacity(), Some(2));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        let c = self.chan.core.maxsize();
        (c > 0).then_some(c)
    }

    /// Number of registered `send` and `recv` futures on this channel.
    ///
    /// ```
    /// use corio_sync::channel;
    /// assert_eq!(channel::<u8>(1).1.waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.chan.core.waiters()
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            chan: self.chan.clone(),
            stream: Phase::Init,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.core.cancel_get(&mut self.stream);
        if self.chan.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            // Nobody can receive any more: drop what is buffered.
            self.chan.core.shutdown(true);
        }
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let r = std::task::ready!(this.chan.core.poll_get(&mut this.stream, cx));
        this.stream = Phase::Init;
        Poll::Ready(r.ok())
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Future returned by [`Sender::send`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::channel;
/// let (tx, _rx) = channel(1);
/// let fut = tx.send(1);
/// assert!(block_on(fut).is_ok());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a, T> {
    put: Put<'a, T, Fifo<T>>,
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.get_mut().put)
            .poll(cx)
            .map(|r| r.map_err(|e| SendError(e.0)))
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture").finish_non_exhaustive()
    }
}

/// Future returned by [`Receiver::recv`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::channel;
/// let (tx, rx) = channel(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(block_on(rx.recv()), Ok(1));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RecvFuture<'a, T> {
    get: Get<'a, T, Fifo<T>>,
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.get_mut().get)
            .poll(cx)
            .map(|r| r.map_err(|_| RecvError))
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture").finish_non_exhaustive()
    }
}
