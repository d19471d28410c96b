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
use crate::loom::{Arc, AtomicUsize, Ordering, UnsafeCell};
use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll, Waker};

// One state word holds everything; its bits are only ever set, except the
// two `*_WAKER_SET` bits, which their registrant also clears.
//
// * `VALUE_SENT`: set once, by `send`, after it wrote `value`, and only while
//   `CLOSED` is clear (a compare-exchange), so a value sent after a close is
//   never published. From then on the sender never touches `value` and the
//   receiver owns it.
// * `TX_DROPPED`: set once, by a `Sender` dropped without a successful send.
//   `TX_DONE = VALUE_SENT | TX_DROPPED`: the sender is gone for good.
// * `CLOSED`: set by `Receiver::close` and by the receiver's drop. Only the
//   RMW that sets it first may wake the sender.
// * `RX_WAKER_SET` / `TX_WAKER_SET`: the receiver's / sender's waker is in
//   `rx_waker` / `tx_waker`. The registrant (the receiver for `rx_waker`,
//   the sender for `tx_waker`) writes its slot only while the bit is clear,
//   then sets the bit with a release RMW. While the bit is set the slot is
//   read-only: the registrant reads it (`will_wake`) and the peer reads it
//   (`wake_by_ref`) at most once, right after the RMW that made the peer
//   done (`TX_DONE` for `rx_waker`, the first `CLOSED` for `tx_waker`), and
//   only if that RMW saw the bit set. The registrant clears the bit (to swap
//   wakers, or on the receiver's drop) with an RMW, and writes the slot
//   again only if that RMW saw the peer not yet done. So every write to a
//   slot is ordered against every peer read by the state word, and once the
//   peer is done its slot is never written again.
// * `VALUE_TAKEN`: claimed by `try_recv` before it touches `value`
//   (`try_recv` takes `&self`, so two threads may race in it); a `try_recv`
//   that finds it set leaves `value` alone. `poll` and the receiver's drop
//   hold `&mut`/ownership, so no `try_recv` overlaps them and they need no
//   claim (a taken value is a `None` in `value`).
//
// Wakers are woken by reference and stay in their slot; the last `Arc`
// drops them, with a value nobody took, when it drops the `Inner`.
const VALUE_SENT: usize = 1 << 0;
const TX_DROPPED: usize = 1 << 1;
const CLOSED: usize = 1 << 2;
const RX_WAKER_SET: usize = 1 << 3;
const TX_WAKER_SET: usize = 1 << 4;
const VALUE_TAKEN: usize = 1 << 5;
/// The sender is done: it sent, or was dropped.
const TX_DONE: usize = VALUE_SENT | TX_DROPPED;

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    rx_waker: UnsafeCell<Option<Waker>>,
    tx_waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: both ends share `Inner` and reach its cells only as the state-word
// protocol above allows: `value` is written by the sender before it
// publishes `VALUE_SENT` (release) and touched by the receiver only after it
// observed `VALUE_SENT` (acquire), by one receiver method at a time (`&mut`,
// ownership or the `VALUE_TAKEN` claim); a waker slot is written only by its
// registrant while its bit is clear, and otherwise only read through
// `&Waker` (`Waker` is `Sync`). A `T` moves between threads but is never
// shared by reference, so `T: Send` is enough. (`Send` is automatic: every
// field is `Send` when `T` is.)
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    /// Stores `waker` in the registrant's `slot` (flagged by `bit`) unless
    /// the waker there already wakes the same task. `cur` is the state the
    /// registrant last loaded, with none of `done` (the peer's done bits).
    /// `Err(state)` if the peer got done first: then do not wait.
    fn register(
        &self,
        slot: &UnsafeCell<Option<Waker>>,
        bit: usize,
        done: usize,
        cur: usize,
        waker: &Waker,
    ) -> Result<(), usize> {
        if cur & bit != 0 {
            // SAFETY: the bit is set, so nobody writes the slot (only the
            // registrant, we, write it, and only while the bit is clear); our
            // shared read may overlap the peer's.
            let same = slot.with(|p| unsafe { &*p }.as_ref().is_some_and(|w| w.will_wake(waker)));
            if same {
                return Ok(());
            }
            let prev = self.state.fetch_and(!bit, Ordering::AcqRel);
            if prev & done != 0 {
                // The peer saw the bit set and may be reading the slot.
                return Err(prev);
            }
        }
        let new = waker.clone();
        // SAFETY: the bit is clear and only we set it, so the peer's done RMW
        // (before or after this point) sees it clear and the peer does not
        // read the slot until the release RMW below; we are its only writer.
        let old = slot.with_mut(|p| unsafe { (*p).replace(new) });
        // A waker's drop may run foreign code: not inside the cell access.
        drop(old);
        let prev = self.state.fetch_or(bit, Ordering::AcqRel);
        if prev & done != 0 {
            return Err(prev);
        }
        Ok(())
    }

    /// The sender's end when it did not send (dropped unsent, or its send
    /// failed): mark it done and wake a waiting receiver.
    fn drop_tx(&self) {
        let prev = self.state.fetch_or(TX_DROPPED, Ordering::AcqRel);
        if prev & RX_WAKER_SET != 0 {
            wake(&self.rx_waker);
        }
    }

    /// Takes the value out. Call only after observing `VALUE_SENT` (with
    /// acquire) and with no other receiver access to `value` overlapping.
    fn take_value(&self) -> Option<T> {
        // SAFETY: `VALUE_SENT` was observed with acquire, so the sender's
        // write is visible and the sender never touches `value` again; the
        // caller rules out other receiver accesses.
        self.value.with_mut(|p| unsafe { (*p).take() })
    }
}

/// Wakes the registrant's waker in `slot`. Call only right after the RMW
/// that made this side done, and only if it saw the slot's bit set.
fn wake(slot: &UnsafeCell<Option<Waker>>) {
    slot.with(|p| {
        // SAFETY: the caller's RMW saw the bit set (acquire, so the waker
        // written before the registrant's release is visible), and the
        // registrant never writes the slot once this side is done; shared
        // reads may overlap.
        let waker = unsafe { &*p };
        if let Some(w) = waker {
            w.wake_by_ref();
        }
    });
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
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_waker: UnsafeCell::new(None),
        tx_waker: UnsafeCell::new(None),
    });
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver { inner },
    )
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
        let inner = &*self.inner;
        let mut cur = inner.state.load(Ordering::Acquire);
        if cur & CLOSED != 0 {
            return Err(value); // `self` drops: `drop_tx`
        }
        // SAFETY: `VALUE_SENT` is clear (only we set it), so the receiver
        // does not touch `value` and we are its only user.
        inner.value.with_mut(|p| unsafe { *p = Some(value) });
        loop {
            if cur & CLOSED != 0 {
                // SAFETY: as above: `VALUE_SENT` is still clear.
                let value = inner.value.with_mut(|p| unsafe { (*p).take() });
                // The `Some` was stored just above.
                return Err(value.unwrap_or_else(|| unreachable!()));
            }
            match inner.state.compare_exchange_weak(
                cur,
                cur | VALUE_SENT,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        if cur & RX_WAKER_SET != 0 {
            wake(&inner.rx_waker);
        }
        // Done: release our reference without running `Drop` (which would
        // mark the sender dropped unsent).
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is
        // moved out of it exactly once.
        drop(unsafe { ptr::read(&this.inner) });
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
        self.inner.state.load(Ordering::Acquire) & CLOSED != 0
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
        let inner = &*self.inner;
        let cur = inner.state.load(Ordering::Acquire);
        if cur & CLOSED != 0 {
            return Poll::Ready(());
        }
        match inner.register(&inner.tx_waker, TX_WAKER_SET, CLOSED, cur, cx.waker()) {
            Ok(()) => Poll::Pending,
            Err(_) => Poll::Ready(()),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.inner.drop_tx();
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
        let inner = &*self.inner;
        let cur = inner.state.load(Ordering::Acquire);
        if cur & VALUE_SENT == 0 {
            return Err(if cur & TX_DROPPED != 0 {
                TryRecvError::Closed
            } else {
                TryRecvError::Empty
            });
        }
        if cur & VALUE_TAKEN != 0
            || inner.state.fetch_or(VALUE_TAKEN, Ordering::Acquire) & VALUE_TAKEN != 0
        {
            return Err(TryRecvError::Closed);
        }
        // We hold the `VALUE_TAKEN` claim: no other `try_recv` touches
        // `value`, and `poll`/drop cannot run during a `&self` borrow.
        inner.take_value().ok_or(TryRecvError::Closed)
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
        let inner = &*self.inner;
        let prev = inner.state.fetch_or(CLOSED, Ordering::AcqRel);
        if prev & (CLOSED | TX_DONE | TX_WAKER_SET) == TX_WAKER_SET {
            wake(&inner.tx_waker);
        }
    }

    /// The outcome once the sender is done (`state` has one of `TX_DONE`).
    fn finish(&self, state: usize) -> Result<T, RecvError> {
        if state & VALUE_SENT != 0 {
            // `&mut self` (in `poll`) rules out a concurrent `try_recv`.
            self.inner.take_value().ok_or(RecvError)
        } else {
            Err(RecvError)
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = &*this.inner;
        let cur = inner.state.load(Ordering::Acquire);
        if cur & TX_DONE != 0 {
            return Poll::Ready(this.finish(cur));
        }
        match inner.register(&inner.rx_waker, RX_WAKER_SET, TX_DONE, cur, cx.waker()) {
            Ok(()) => Poll::Pending,
            Err(state) => Poll::Ready(this.finish(state)),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let inner = &*self.inner;
        let mut cur = inner.state.load(Ordering::Acquire);
        // Until the sender is done: close, and withdraw our waker so that a
        // later `Sender` drop does not wake a task that stopped waiting.
        while cur & TX_DONE == 0 {
            let new = (cur | CLOSED) & !RX_WAKER_SET;
            if new == cur {
                return;
            }
            match inner
                .state
                .compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    if cur & (CLOSED | TX_WAKER_SET) == TX_WAKER_SET {
                        wake(&inner.tx_waker);
                    }
                    return;
                }
                Err(actual) => cur = actual,
            }
        }
        if cur & VALUE_SENT != 0 {
            // Drop an untaken value now, not whenever the last `Arc` goes.
            drop(inner.take_value());
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Receiver").finish_non_exhaustive()
    }
}
