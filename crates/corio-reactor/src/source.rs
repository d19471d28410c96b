//! A registered I/O source: its readiness word and the wakers of its reader and writer.
//!
//! # The readiness word
//!
//! ```text
//!  bit 0      READABLE      the fd may be readable (an edge arrived, or optimistic start)
//!  bit 1      WRITABLE      the fd may be writable
//!  bit 2      DEREGISTERED  the source left the reactor: polls fail
//!  bit 3      SHUTDOWN      the reactor was dropped: polls fail
//!  bit 4      READ_CLOSED   the peer closed its write side or the socket hung up
//!                           (`EPOLLRDHUP`/`EPOLLHUP`, Linux only); never cleared
//!  bits 16..  tick          bumped by every readiness event the reactor delivers
//! ```
//!
//! The reactor registers every fd in edge-triggered mode, so an edge is reported
//! once. A direction's bit is therefore set by the reactor and cleared only by
//! an operation that returned `WouldBlock`, and only if no new event arrived
//! since the operation read the word (the tick is unchanged): clearing an edge
//! that arrived while the operation ran would lose it for good.
//!
//! # The waker hand-off
//!
//! A task that finds its direction not ready takes the source's waiter lock,
//! reads the readiness word again *under the lock*, and only then stores its
//! waker. The reactor sets the readiness bits first and takes the same lock
//! afterwards to collect the wakers. Whichever of the two takes the lock second
//! sees the other's write, so a readiness edge arriving while a reader
//! registers its waker is never lost. Wakers are called after the lock is
//! released. The same argument covers deregistration and reactor shutdown,
//! which set their bit before collecting the wakers.

use std::fmt;
use std::io;
use std::os::fd::RawFd;
use std::sync::Weak;
use std::task::{Context, Poll, Waker};

use crate::loom::{AtomicUsize, Mutex, Ordering::AcqRel, Ordering::Acquire};
use crate::reactor::Backend;
use crate::stream_read::QueueHint;

pub(crate) const READABLE: usize = 0b0001;
pub(crate) const WRITABLE: usize = 0b0010;
const DEREGISTERED: usize = 0b0100;
const SHUTDOWN: usize = 0b1000;
pub(crate) const READ_CLOSED: usize = 0b1_0000;
const TICK_SHIFT: u32 = 16;
const BITS: usize = (1 << TICK_SHIFT) - 1;

/// A direction of I/O on a source: reading or writing.
///
/// ```
/// use corio_reactor::Direction;
/// assert_ne!(Direction::Read, Direction::Write);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Reading, receiving, accepting.
    Read,
    /// Writing, sending, connecting.
    Write,
}

impl Direction {
    fn bit(self) -> usize {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }
}

/// The readiness a poll observed: which tick it saw, for a later clear.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    tick: usize,
    bit: usize,
}

/// When more distinct wakers than this wait on one direction, the older ones
/// are woken (they re-register if still interested), so wakers left behind by
/// cancelled waits cannot pile up. Far above any sane number of tasks waiting
/// on one direction of one socket: past it, those tasks would keep evicting
/// each other with spurious wake-ups until readiness arrives.
const MAX_EXTRA_WAKERS: usize = 1024;

/// The wakers waiting on one direction: usually one, sometimes several tasks.
#[derive(Default)]
struct Slot {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl Slot {
    /// Stores `waker` unless an equivalent one is already there. Returns wakers
    /// evicted to keep the list bounded; the caller wakes them outside the lock.
    fn register(&mut self, waker: &Waker) -> Vec<Waker> {
        match &self.first {
            None => self.first = Some(waker.clone()),
            Some(first) if first.will_wake(waker) => {}
            Some(_) => {
                if !self.rest.iter().any(|w| w.will_wake(waker)) {
                    if self.rest.len() >= MAX_EXTRA_WAKERS {
                        let mut evicted = std::mem::take(&mut self.rest);
                        evicted.extend(self.first.take());
                        self.first = Some(waker.clone());
                        return evicted;
                    }
                    self.rest.push(waker.clone());
                }
            }
        }
        Vec::new()
    }

    fn take_into(&mut self, out: &mut Vec<Waker>) {
        out.extend(self.first.take());
        out.append(&mut self.rest);
    }

    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }
}

#[derive(Default)]
struct Waiters {
    reader: Slot,
    writer: Slot,
    /// The poller this source joins when a task first waits on it, while it
    /// has not (see `ReactorHandle::register_lazily`); `None` once it has,
    /// or if it joined at registration.
    unpolled: Option<Weak<Backend>>,
}

impl Waiters {
    fn slot(&mut self, direction: Direction) -> &mut Slot {
        match direction {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }
}

/// One fd registered with a [`Reactor`](crate::Reactor): its key, readiness and waiting tasks.
///
/// A source is created by [`ReactorHandle::register`](crate::ReactorHandle::register)
/// and shared as an `Arc`. Tasks wait on it with [`poll_readable`](Source::poll_readable)
/// / [`poll_writable`](Source::poll_writable), or run a non-blocking operation
/// with [`poll_read_with`](Source::poll_read_with) /
/// [`poll_write_with`](Source::poll_write_with), which retry on `WouldBlock`.
/// The net types of this crate do all of this for you; `Source` is for
/// building new I/O types (see [`Async`](crate::Async) for the safe wrapper).
///
/// ```
/// # corio_reactor::doc_helpers::with_reactor(|| {
/// use corio_reactor::Async;
/// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
/// let a = Async::new(a).unwrap();
/// let source = a.source();
/// assert!(source.is_registered());
/// # });
/// ```
pub struct Source {
    key: usize,
    fd: RawFd,
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
    /// Whether stream reads learn the bytes left in the kernel's queue.
    queue_hint: QueueHint,
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Source")
            .field("key", &self.key)
            .field("fd", &self.fd)
            .field("readiness", &(self.readiness.load(Acquire) & BITS))
            .finish()
    }
}

fn check(word: usize, bit: usize) -> Option<io::Result<ReadyEvent>> {
    if word & SHUTDOWN != 0 {
        Some(Err(io::Error::other(
            "the corio reactor this socket was registered with has shut down",
        )))
    } else if word & DEREGISTERED != 0 {
        Some(Err(io::Error::other(
            "the socket was deregistered from the corio reactor",
        )))
    } else if word & bit != 0 {
        Some(Ok(ReadyEvent {
            tick: word >> TICK_SHIFT,
            bit,
        }))
    } else {
        None
    }
}

impl Source {
    /// A fresh source. It starts optimistically readable and writable: the
    /// first operation tries the syscall at once instead of waiting for the
    /// reactor's first edge (a `WouldBlock` then clears the bit as usual).
    ///
    /// With `unpolled`, the fd joins that poller only when a task first waits
    /// on it; without, the caller has added it already.
    pub(crate) fn new(key: usize, fd: RawFd, unpolled: Option<Weak<Backend>>) -> Source {
        Source {
            key,
            fd,
            readiness: AtomicUsize::new(READABLE | WRITABLE),
            waiters: Mutex::new(Waiters {
                unpolled,
                ..Waiters::default()
            }),
            queue_hint: QueueHint::default(),
        }
    }

    /// The key of this source in the reactor's slab (the `polling` event key).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// let _key: usize = a.source().key();
    /// # });
    /// ```
    pub fn key(&self) -> usize {
        self.key
    }

    /// The raw fd this source was registered for.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// use std::os::fd::AsRawFd;
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let fd = a.as_raw_fd();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// assert_eq!(a.source().raw_fd(), fd);
    /// # });
    /// ```
    pub fn raw_fd(&self) -> RawFd {
        self.fd
    }

    /// False once the source has been deregistered or its reactor has shut down.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// assert!(a.source().is_registered());
    /// # });
    /// ```
    pub fn is_registered(&self) -> bool {
        self.readiness.load(Acquire) & (DEREGISTERED | SHUTDOWN) == 0
    }

    /// True if the readiness bit of `direction` is set (the last operation did
    /// not report `WouldBlock`, or an edge arrived since).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// use corio_reactor::Direction;
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// assert!(a.source().is_ready(Direction::Write)); // fresh sources start ready
    /// # });
    /// ```
    pub fn is_ready(&self, direction: Direction) -> bool {
        self.readiness.load(Acquire) & direction.bit() != 0
    }

    /// Number of wakers currently stored for `direction` (for tests).
    #[doc(hidden)]
    pub fn waiter_count(&self, direction: Direction) -> usize {
        self.waiters.lock().slot(direction).len()
    }

    /// Waits until the source may be readable; registers `cx`'s waker otherwise.
    ///
    /// Readiness stays set until an operation run through
    /// [`poll_read_with`](Source::poll_read_with) reports `WouldBlock`, so calling
    /// this again without such an operation returns `Ready` again. Fails once the
    /// source is deregistered or its reactor has shut down.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use std::io::Write;
    /// let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// b.write_all(b"x").unwrap();
    /// std::future::poll_fn(|cx| a.source().poll_readable(cx)).await.unwrap();
    /// # });
    /// ```
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(Direction::Read, cx).map_ok(|_| ())
    }

    /// Waits until the source may be writable; registers `cx`'s waker otherwise.
    /// Same rules as [`poll_readable`](Source::poll_readable).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// std::future::poll_fn(|cx| a.source().poll_writable(cx)).await.unwrap();
    /// # });
    /// ```
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(Direction::Write, cx).map_ok(|_| ())
    }

    /// Readiness of one direction; on `Pending` the waker is stored.
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        let bit = direction.bit();
        if let Some(ready) = check(self.readiness.load(Acquire), bit) {
            return Poll::Ready(ready);
        }
        let mut waiters = self.waiters.lock();
        // Re-read under the lock: the reactor sets the bits before it takes
        // this lock, so either we see them now or it sees our waker.
        if let Some(ready) = check(self.readiness.load(Acquire), bit) {
            return Poll::Ready(ready);
        }
        if let Some(backend) = waiters.unpolled.take() {
            // The first wait: join the poller now. An fd that is already
            // ready is reported at once by the add, as an event the driver
            // delivers like any other, after this lock is released. Not
            // deregistered (checked above, under this lock, which `close`
            // takes after setting its bit), so the fd is still open.
            let added = match backend.upgrade() {
                // SAFETY: `register_lazily`'s caller keeps the fd open until
                // deregistration, which deletes it from the poller first
                // (`close` reports that it joined).
                Some(backend) => unsafe { backend.add(self.fd, self.key) },
                None => Err(io::Error::other(
                    "the corio reactor this socket was registered with has shut down",
                )),
            };
            if let Err(e) = added {
                waiters.unpolled = Some(backend);
                return Poll::Ready(Err(e));
            }
        }
        let evicted = waiters.slot(direction).register(cx.waker());
        drop(waiters);
        crate::reactor::wake_all(evicted);
        Poll::Pending
    }

    /// Clears the bit `event` saw, unless a newer event arrived since.
    /// Drops the optimistic start in `direction` while no event has been
    /// delivered yet (tick 0): for a fresh socket whose first operation in
    /// that direction would only meet `WouldBlock`, such as the first read of
    /// a client that has just connected. A real edge from the reactor (the
    /// registration reports an fd that is already ready) keeps its bit.
    pub(crate) fn clear_initial_readiness(&self, direction: Direction) {
        let bit = match direction {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        };
        self.clear_readiness(ReadyEvent { tick: 0, bit });
    }

    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let mut current = self.readiness.load(Acquire);
        while current >> TICK_SHIFT == event.tick && current & event.bit != 0 {
            match self.readiness.compare_exchange_weak(
                current,
                current & !event.bit,
                AcqRel,
                Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// [`clear_readiness`](Source::clear_readiness) after a short transfer:
    /// kept if the peer's half-close was reported (a read then returns EOF).
    fn clear_after_short_transfer(&self, event: ReadyEvent) {
        if event.bit == READABLE && self.readiness.load(Acquire) & READ_CLOSED != 0 {
            return;
        }
        self.clear_readiness(event);
    }

    /// Runs the non-blocking operation `op` once the source is readable,
    /// retrying while it returns `WouldBlock` (each `WouldBlock` clears the
    /// readiness bit, so the next attempt waits for a new edge).
    ///
    /// Spends one unit of the task's cooperative budget
    /// ([`corio_executor::budget`]); when the budget is spent it returns
    /// `Pending` after waking the task.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use std::io::{Read, Write};
    /// let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// b.write_all(b"hi").unwrap();
    /// let mut buf = [0u8; 8];
    /// let n = std::future::poll_fn(|cx| {
    ///     a.source().poll_read_with(cx, || a.get_ref().read(&mut buf))
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(&buf[..n], b"hi");
    /// # });
    /// ```
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Read, cx, op)
    }

    /// Runs the non-blocking operation `op` once the source is writable,
    /// retrying while it returns `WouldBlock`. Same rules as
    /// [`poll_read_with`](Source::poll_read_with).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use std::io::Write;
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// let n = std::future::poll_fn(|cx| {
    ///     a.source().poll_write_with(cx, || a.get_ref().write(b"hi"))
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(n, 2);
    /// # });
    /// ```
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Write, cx, op)
    }

    /// [`poll_write_with`](Source::poll_write_with) for a byte-stream socket
    /// (TCP, Unix stream) writing up to `len` bytes: a write of some but fewer
    /// than `len` bytes filled the kernel's send buffer, so the writable bit
    /// is cleared at once and the next call waits for a new edge instead of
    /// spending a syscall on `WouldBlock`. An edge that arrived meanwhile has
    /// a newer tick and survives the clear. Not for datagrams, pipes or ttys,
    /// where a short transfer proves nothing.
    pub(crate) fn poll_stream_write(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        op: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_io_hinted(Direction::Write, cx, op, |&n| n > 0 && n < len)
    }

    /// [`poll_read_with`](Source::poll_read_with) for a byte-stream socket
    /// reading up to `len` bytes, whose `op` returns the bytes read and, where
    /// the kernel reports it, how many it still queues (see `stream_read.rs`).
    /// A read of some but fewer than `len` bytes drained the receive queue,
    /// and so did one after which the kernel reports `Some(0)`: readiness is
    /// cleared at once, under the same tick rule as a `WouldBlock`.
    ///
    /// A short read is no proof when the peer's FIN is queued behind the data
    /// (the next read returns 0 without a new edge), so reads use the hint
    /// only where the reactor reports half-closes (`READ_CLOSED`, Linux's
    /// `EPOLLRDHUP`), and never once that bit is set.
    pub(crate) fn poll_stream_read(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        op: impl FnMut() -> io::Result<(usize, Option<usize>)>,
    ) -> Poll<io::Result<usize>> {
        const HALF_CLOSE_REPORTED: bool = cfg!(any(target_os = "linux", target_os = "android"));
        if !HALF_CLOSE_REPORTED {
            return self.poll_io(Direction::Read, cx, op).map_ok(|(n, _)| n);
        }
        self.poll_io_hinted(Direction::Read, cx, op, |&(n, left)| {
            n > 0 && (n < len || left == Some(0))
        })
        .map_ok(|(n, _)| n)
    }

    /// What this source's stream reads know of the kernel's queue.
    pub(crate) fn queue_hint(&self) -> &QueueHint {
        &self.queue_hint
    }

    fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_hinted(direction, cx, op, |_| false)
    }

    /// The retry loop; `exhausted(&result)` says a successful operation left
    /// the direction not ready.
    fn poll_io_hinted<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut() -> io::Result<R>,
        exhausted: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        std::task::ready!(corio_executor::budget::poll_proceed(cx));
        loop {
            let event = match self.poll_ready(direction, cx) {
                Poll::Ready(Ok(event)) => event,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    corio_executor::budget::refund();
                    return Poll::Pending;
                }
            };
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(event),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(value) => {
                    if exhausted(&value) {
                        self.clear_after_short_transfer(event);
                    }
                    return Poll::Ready(Ok(value));
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// Marks `bits` ready (a new tick) and moves the wakers of those
    /// directions into `wakers`. Called by the reactor for each event.
    pub(crate) fn set_readiness(&self, bits: usize, wakers: &mut Vec<Waker>) {
        let mut current = self.readiness.load(Acquire);
        loop {
            let tick = (current >> TICK_SHIFT).wrapping_add(1);
            let new = (tick << TICK_SHIFT) | (current & BITS) | bits;
            match self
                .readiness
                .compare_exchange_weak(current, new, AcqRel, Acquire)
            {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        let mut waiters = self.waiters.lock();
        if bits & READABLE != 0 {
            waiters.reader.take_into(wakers);
        }
        if bits & WRITABLE != 0 {
            waiters.writer.take_into(wakers);
        }
    }

    /// Marks the source deregistered (or its reactor shut down) and moves every
    /// waker into `wakers`, so waiting tasks see the error instead of hanging.
    /// Returns true if the fd had joined the poller (it never will after this).
    pub(crate) fn close(&self, shutdown: bool, wakers: &mut Vec<Waker>) -> bool {
        let bit = if shutdown { SHUTDOWN } else { DEREGISTERED };
        self.readiness.fetch_or(bit, AcqRel);
        let mut waiters = self.waiters.lock();
        waiters.reader.take_into(wakers);
        waiters.writer.take_into(wakers);
        // A lazy source that never waited never joined; none will join now.
        waiters.unpolled.take().is_none()
    }
}
