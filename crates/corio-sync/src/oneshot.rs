//! A one-shot channel: one value, from one [`Sender`] to one [`Receiver`]
//! (asyncio's bare `Future` used as a result slot).
//!
//! ```
//! # use corio_sync::__doc_support::block_on;
//! use corio_sync::oneshot;
//! let (tx, rx) = oneshot::channel();
//! std::thread::spawn(move || tx.send(42).unwrap());
//! assert_eq!(block_on(rx), Ok(42));
//! ```

use crate::error::{RecvError, TryRecvError};
use crate::loom::{Arc, Mutex};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

struct State<T> {
    value: Option<T>,
    /// Set when the value was sent (and possibly taken since).
    sent: bool,
    tx_alive: bool,
    /// False once the receiver is dropped or closed.
    rx_open: bool,
    rx_waker: Option<Waker>,
    tx_waker: Option<Waker>,
}

struct Inner<T> {
    state: Mutex<State<T>>,
}

/// Creates a one-shot channel.
///
/// ```
/// use corio_sync::oneshot;
/// let (tx, rx) = oneshot::channel::<u8>();
/// tx.send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: Mutex::new(State {
            value: None,
            sent: false,
            tx_alive: true,
            rx_open: true,
            rx_waker: None,
            tx_waker: None,
        }),
    });
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver { inner },
    )
}

fn set_waker(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(w) if w.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

/// Sends the one value. Dropping it unsent makes the receiver fail with
/// [`RecvError`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::oneshot;
/// let (tx, rx) = oneshot::channel::<u8>();
/// drop(tx);
/// assert!(block_on(rx).is_err());
/// ```
pub struct Sender<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`; gives it back if the receiver is gone or closed.
    ///
    /// ```
    /// use corio_sync::oneshot;
    /// let (tx, rx) = oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(5), Err(5));
    /// ```
    pub fn send(self, value: T) -> Result<(), T> {
        let waker = {
            let mut s = self.inner.state.lock();
            if !s.rx_open {
                return Err(value);
            }
            s.value = Some(value);
            s.sent = true;
            s.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Whether the receiver is gone or closed (a `send` would fail).
    ///
    /// ```
    /// use corio_sync::oneshot;
    /// let (tx, rx) = oneshot::channel::<u8>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        !self.inner.state.lock().rx_open
    }

    /// Waits until the receiver is gone or closed: lets a producer stop
    /// working on a result nobody wants.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::oneshot;
    /// let (mut tx, rx) = oneshot::channel::<u8>();
    /// std::thread::spawn(move || drop(rx));
    /// block_on(tx.closed());
    /// assert!(tx.is_closed());
    /// ```
    pub fn closed(&mut self) -> Closed<'_, T> {
        Closed { tx: self }
    }

    /// Poll form of [`closed`](Self::closed).
    ///
    /// ```
    /// use corio_sync::oneshot;
    /// use std::task::{Context, Waker};
    /// let (mut tx, rx) = oneshot::channel::<u8>();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(tx.poll_closed(&mut cx).is_pending());
    /// drop(rx);
    /// assert!(tx.poll_closed(&mut cx).is_ready());
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.inner.state.lock();
        if !s.rx_open {
            Poll::Ready(())
        } else {
            set_waker(&mut s.tx_waker, cx.waker());
            Poll::Pending
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut s = self.inner.state.lock();
            s.tx_alive = false;
            s.tx_waker = None;
            s.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Future returned by [`Sender::closed`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::oneshot;
/// let (mut tx, rx) = oneshot::channel::<u8>();
/// rx.close();
/// block_on(tx.closed());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Closed<'a, T> {
    tx: &'a mut Sender<T>,
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().tx.poll_closed(cx)
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed").finish_non_exhaustive()
    }
}

/// Receives the one value; `.await` it (it is a `Future`) or poll it with
/// [`try_recv`](Self::try_recv).
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::oneshot;
/// let (tx, rx) = oneshot::channel();
/// tx.send("done").unwrap();
/// assert_eq!(block_on(rx), Ok("done"));
/// ```
pub struct Receiver<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Receiver<T> {
    /// Takes the value if it was sent. `Closed` means it never will be (the
    /// sender is gone, or the value was already taken).
    ///
    /// ```
    /// use corio_sync::{TryRecvError, oneshot};
    /// let (tx, rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut s = self.inner.state.lock();
        match s.value.take() {
            Some(v) => Ok(v),
            None if s.sent || !s.tx_alive => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Refuses the value: a later `send` fails. A value sent before can
    /// still be received.
    ///
    /// ```
    /// use corio_sync::oneshot;
    /// let (tx, rx) = oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&self) {
        let waker = {
            let mut s = self.inner.state.lock();
            s.rx_open = false;
            s.tx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.inner.state.lock();
        match s.value.take() {
            Some(v) => Poll::Ready(Ok(v)),
            None if s.sent || !s.tx_alive => Poll::Ready(Err(RecvError)),
            None => {
                set_waker(&mut s.rx_waker, cx.waker());
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let (waker, _value) = {
            let mut s = self.inner.state.lock();
            s.rx_open = false;
            s.rx_waker = None;
            // The value (if any) is dropped after the lock is released.
            (s.tx_waker.take(), s.value.take())
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Receiver").finish_non_exhaustive()
    }
}
