//! The I/O driver of the corio runtime: edge-triggered readiness (epoll on
//! Linux, [`polling`] elsewhere), and non-blocking TCP, UDP and Unix-domain
//! sockets on top of it.
//!
//! The `corio` facade builds the runtime's driver out of a [`Reactor`] and the
//! timer wheel and re-exports [`net`] as `corio::net`. Users normally never
//! touch the reactor itself; they create sockets inside a runtime.
//!
//! # How the runtime drives it
//!
//! 1. Create one [`Reactor`] per runtime ([`Reactor::new`]).
//! 2. On every runtime thread (workers, the `block_on` thread, blocking-pool
//!    threads if they may create sockets), keep the guard of
//!    `reactor.handle().enter()` alive: sockets created there register with
//!    that reactor ([`ReactorHandle::try_current`]). Creating a socket on a
//!    thread without one is an `io::Error` ("no corio reactor on this
//!    thread..."), never a panic.
//! 3. The parked worker that holds the driver calls [`Reactor::park`] with the
//!    timer wheel's next deadline (`None` for no limit; `Some(Duration::ZERO)`
//!    to poll for events without blocking, as a busy runtime should every N
//!    ticks). One thread at a time: a concurrent second call returns at once.
//!    `park` calls the wakers of the ready sources before it returns.
//! 4. Unparking that worker is [`Reactor::notify`] (any thread, cheap when
//!    repeated).
//! 5. Dropping the `Reactor` at runtime shutdown makes every still-registered
//!    socket's pending and later operations fail with an error rather than
//!    hang.
//!
//! # Poll mode: edge-triggered
//!
//! Every fd is registered once, for both directions, edge-triggered
//! (`EPOLLET` on Linux, `EV_CLEAR` on kqueue via [`polling::PollMode::Edge`]).
//! The alternative, oneshot mode (`polling`'s default, used by `async-io`),
//! needs an `epoll_ctl(MOD)` to re-arm before every wait, about 0.4 µs per
//! readiness event on this project's machines; a busy echo connection waits
//! for readiness on nearly every round trip. Edge mode costs one `epoll_ctl`
//! to add the fd and one to delete it, like tokio/mio. The price is that an
//! edge is reported once, so readiness must be remembered (next section).
//!
//! The net types add their fd to the poller lazily: at the first wait, not at
//! creation (`ReactorHandle::register_lazily`). A socket starts
//! optimistically ready, so until an operation meets `WouldBlock` the poller
//! is not needed, and one that never waits (an accepted connection closed at
//! once, a request answered from bytes already queued) costs no `epoll_ctl`
//! at all. The add reports an fd that is already ready as an event at once,
//! so nothing that arrived before it is missed. [`Async::new`] and
//! [`ReactorHandle::register`] add at once, so a file type the poller
//! refuses is reported there.
//!
//! # Backends: epoll directly on Linux, `polling` elsewhere
//!
//! On Linux the reactor drives the epoll fd that `polling` creates itself
//! (`src/epoll.rs`): `polling`'s `wait` costs five syscalls per call (it
//! re-arms a timerfd and its notification eventfd every time: 2.2-2.4 µs for
//! a zero-timeout poll, against 0.2 µs for a bare `epoll_wait`), and it never
//! asks for `EPOLLRDHUP`. A park is therefore one `epoll_wait` (timeouts
//! rounded up to the millisecond, the timer wheel's resolution), `notify` is
//! one write to the reactor's own eventfd (then free until the next park),
//! and a peer's half-close is reported. On a single-connection ping-pong this
//! makes the syscalls per round trip the same as tokio's (2 `sendto`, 4
//! `recvfrom`, 2 `epoll_wait`) instead of 8 more. Other Unixes use `polling`
//! as it is (`src/portable.rs`).
//! # Readiness model
//!
//! Each [`Source`] keeps a readiness word: a readable bit, a writable bit and
//! a tick. The reactor sets a bit (and bumps the tick) for each event; the bit
//! is cleared only when an operation run through [`Source::poll_read_with`] /
//! [`Source::poll_write_with`] returns `WouldBlock`, and only if no event
//! arrived since that operation read the word (same tick), so an edge that
//! arrives during a failed attempt is not lost. A source starts readable and
//! writable, so the first read or write after `accept` is tried at once
//! instead of waiting one reactor round for the initial edge. A client that
//! has just connected starts writable only: its peer has had no time to send
//! anything, so a first read would only meet `WouldBlock` (bytes that do come
//! early are reported by the edge of the poller's add, at that read's wait). Hang-ups
//! and errors make both directions ready; the operation then reports EOF or
//! the error.
//!
//! Byte streams (TCP, Unix streams) also clear readiness after a *short*
//! transfer: a read that returns fewer bytes than asked drained the receive
//! queue, a write that took fewer bytes filled the send buffer, so the next
//! attempt waits for an edge instead of spending a syscall on `WouldBlock`
//! (tokio does the same). A short read is no proof when the peer's FIN is
//! queued behind the data, so reads use this only where half-closes are
//! reported (Linux, `EPOLLRDHUP`): a sticky read-closed bit then keeps the
//! source readable until the read that returns 0.
//!
//! A read that *fills* its buffer proves nothing, and in a protocol that
//! reads exact sizes (a 64-byte echo, a length-prefixed frame) the next read
//! is every other time a `WouldBlock`. On Linux the first such read on a TCP
//! socket turns on `TCP_INQ`; from then on each read is a `recvmsg` that also
//! returns the bytes the kernel still queues, and zero clears readiness like
//! a short read (the kernel reports a queued FIN as one byte, so the end of
//! stream is never hidden). See `src/stream_read.rs`.
//!
//! A task that finds its direction not ready stores its waker under the
//! source's small mutex after re-reading the word under that mutex; the
//! reactor sets the bits before taking the same mutex to collect wakers, so a
//! readiness edge arriving while a reader registers is never missed (checked
//! by loom, see below). Several tasks may wait on the same direction (for
//! example two tasks receiving on one `UdpSocket`); all are woken. A waker is
//! stored once per task (`Waker::will_wake`), and a waiting future that is
//! dropped leaves its waker until the next readiness event or deregistration,
//! which costs at most one spurious wake-up. Wakers are called after every
//! lock is released.
//!
//! # Who deregisters, and when
//!
//! Every socket type owns its fd through [`Async`], whose `Drop` deregisters
//! the source from the poller and the slab **before** the fd is closed (epoll
//! keys registrations by open file, so closing first could leave a stale
//! registration on a `dup`ed fd). Deregistration also drops the stored wakers
//! (a waker can own the task that owns the socket) and fails later polls. An
//! event already fetched for a key that is deregistered meanwhile is dropped,
//! or lands on a newer source that reused the key as a spurious readiness,
//! which costs that source one `WouldBlock` and nothing else.
//!
//! # Dependencies, and why
//!
//! - `polling`: the poller on every Unix but Linux (kqueue, event ports...,
//!   with `Poller::notify` to wake the parked driver); on Linux it creates
//!   the epoll fd, which the reactor then drives itself (see above).
//! - `slab`: the registered sources, indexed by the event key in O(1).
//! - `parking_lot`: the short per-source and slab mutexes (small, no poisoning).
//! - `socket2`: non-blocking `connect` (std's `connect` blocks), which std
//!   cannot do.
//! - `libc`: `epoll_ctl`/`epoll_wait`/`eventfd` on Linux, the `EINPROGRESS`
//!   constant that connect reports, and stream reads as `read`/`readv`/
//!   `recvmsg` on iovecs (so `tokio-io` reads go into tokio's uninitialised
//!   `ReadBuf` memory without zeroing it first, and `TCP_INQ` can be asked).
//! - `futures-core`, `futures-io`: the ecosystem's `Stream`, `AsyncRead`,
//!   `AsyncWrite`.
//! - `corio-executor`: only its cooperative budget (`budget::poll_proceed` at
//!   the start of each read, write, accept and receive; `budget::refund` when
//!   one returns `Pending` without progress).
//! - `tokio` (optional, feature `tokio-io`, no tokio features enabled): only
//!   the `tokio::io::AsyncRead`/`AsyncWrite` traits, so tokio-based libraries
//!   run on corio sockets.
//! - `loom` (only under `--cfg loom`): model checking of the hand-off.
//!
//! # Model checking
//!
//! `src/loom_tests.rs` checks, under `--cfg loom`: readiness arriving while a
//! reader registers its waker; a failed attempt clearing readiness while a
//! new edge arrives; a short read clearing readiness while the peer's
//! half-close arrives; two tasks waiting on one direction; deregistration
//! racing a wake; reactor shutdown racing a waiting task; a socket's first
//! wait (which adds it to a real epoll set) racing its deregistration. Every atomic and
//! lock they touch goes through `src/loom.rs`. Run them with
//! `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" cargo test -p corio-reactor --release --lib`.
//!
//! # Example
//!
//! ```
//! use corio_reactor::Reactor;
//! use corio_reactor::net::UnixStream;
//!
//! let reactor = Reactor::new()?;
//! let _guard = reactor.handle().enter(); // the runtime does this on its threads
//! let (a, b) = UnixStream::pair()?;
//! assert_eq!(reactor.len(), 2);
//! // A stand-in for the runtime: poll the future, park in the reactor while pending.
//! corio_reactor::doc_helpers::block_on_in(&reactor, async {
//!     a.write_all(b"hello").await?;
//!     let mut buf = [0u8; 5];
//!     b.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"hello");
//!     std::io::Result::Ok(())
//! })?;
//! drop((a, b));
//! assert_eq!(reactor.len(), 0);
//! # std::io::Result::Ok(())
//! ```
//!
//! Platform: Unix (epoll on Linux and Android, kqueue on macOS and the BSDs).

#![cfg(unix)]
#![warn(missing_docs)]

mod async_io;
#[cfg(any(target_os = "linux", target_os = "android"))]
mod epoll;
mod loom;
pub mod net;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod portable;
mod reactor;
mod registry;
mod source;
mod stream_read;

#[cfg(all(test, loom))]
mod loom_tests;

pub use async_io::Async;
pub use reactor::{EnterGuard, Reactor, ReactorHandle};
pub use source::{Direction, Source};

/// Helpers for this crate's doc examples and tests: a single-threaded
/// `block_on` driving a fresh reactor, a two-future `join`, a connected TCP
/// pair and a temporary directory. Not part of the API.
#[doc(hidden)]
pub mod doc_helpers {
    use std::future::Future;
    use std::path::{Path, PathBuf};
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::ThreadId;

    use crate::net::{TcpListener, TcpStream};
    use crate::{Reactor, ReactorHandle};

    /// Runs `f` with a fresh reactor entered on this thread.
    pub fn with_reactor<R>(f: impl FnOnce() -> R) -> R {
        let reactor = Reactor::new().expect("a poller");
        let _guard = reactor.handle().enter();
        f()
    }

    /// Runs `future` to completion on this thread with a fresh reactor entered.
    pub fn block_on<F: Future>(future: F) -> F::Output {
        let reactor = Reactor::new().expect("a poller");
        let _guard = reactor.handle().enter();
        block_on_in(&reactor, future)
    }

    struct Signal {
        woken: AtomicBool,
        handle: ReactorHandle,
        thread: ThreadId,
    }

    impl Wake for Signal {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            // From the parking thread itself (inside `park`, or a self-wake
            // during a poll) the flag is enough; other threads must notify.
            if !self.woken.swap(true, SeqCst) && std::thread::current().id() != self.thread {
                self.handle.notify();
            }
        }
    }

    /// Runs `future` on this thread, parking in `reactor` while it is pending.
    pub fn block_on_in<F: Future>(reactor: &Reactor, future: F) -> F::Output {
        let signal = Arc::new(Signal {
            woken: AtomicBool::new(true),
            handle: reactor.handle(),
            thread: std::thread::current().id(),
        });
        let waker = Waker::from(signal.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if signal.woken.swap(false, SeqCst) {
                if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                    return output;
                }
            } else {
                reactor.park(None);
            }
        }
    }

    /// Polls both futures until both are done.
    pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
        let (mut a, mut b) = (pin!(a), pin!(b));
        let (mut out_a, mut out_b) = (None, None);
        std::future::poll_fn(|cx| {
            if out_a.is_none() {
                if let Poll::Ready(v) = a.as_mut().poll(cx) {
                    out_a = Some(v);
                }
            }
            if out_b.is_none() {
                if let Poll::Ready(v) = b.as_mut().poll(cx) {
                    out_b = Some(v);
                }
            }
            if out_a.is_some() && out_b.is_some() {
                Poll::Ready((out_a.take().unwrap(), out_b.take().unwrap()))
            } else {
                Poll::Pending
            }
        })
        .await
    }

    /// A connected pair of TCP streams over loopback.
    pub async fn tcp_pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        let (accepted, connected) = join(listener.accept(), TcpStream::connect(addr)).await;
        (accepted.expect("accept").0, connected.expect("connect"))
    }

    /// A fresh directory, removed with its contents when dropped.
    #[derive(Debug)]
    pub struct TempDir(PathBuf);

    impl std::ops::Deref for TempDir {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Creates a fresh temporary directory.
    pub fn temp_dir() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "corio-reactor-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, SeqCst)
        ));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(path)
    }
}
