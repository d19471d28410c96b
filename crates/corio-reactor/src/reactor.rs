//! The reactor: the poller backend, the slab of sources, and the thread-local handle.

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::os::fd::RawFd;
use std::task::Waker;
use std::time::Duration;

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) use crate::epoll::Backend;
#[cfg(any(target_os = "linux", target_os = "android"))]
use crate::epoll::{Buffer, new_buffer};
use crate::loom::{Arc, AtomicU64, Mutex, Ordering::Relaxed};
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) use crate::portable::Backend;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
use crate::portable::{Buffer, new_buffer};
use crate::registry::Registry;
use crate::source::Source;

/// What the thread that parks owns: the event buffer and the wakers to call,
/// all reused from one `park` to the next.
struct Driver {
    events: Buffer,
    /// `(key, readiness bits)` of the events to dispatch.
    ready: Vec<(usize, usize)>,
    wakers: Vec<Waker>,
}

struct Inner {
    /// epoll driven directly on Linux (`epoll.rs`), `polling` elsewhere
    /// (`portable.rs`). Shared with the sources the net types register
    /// lazily (see [`ReactorHandle::register_lazily`]).
    backend: std::sync::Arc<Backend>,
    registry: Registry,
    /// Held by the thread inside [`Reactor::park`]; a second thread returns at once.
    driver: Mutex<Driver>,
    dispatched: AtomicU64,
}

/// The I/O driver: owns the poller (epoll on Linux, a [`polling::Poller`]
/// elsewhere) and the slab of registered sources.
///
/// The runtime's driver thread calls [`park`](Reactor::park) (one thread at a
/// time) and any thread calls [`notify`](Reactor::notify) to wake it. Sockets
/// register through a [`ReactorHandle`], usually the thread's
/// [current](ReactorHandle::current) one, which the runtime installs with
/// [`ReactorHandle::enter`] on each of its threads.
///
/// Dropping the `Reactor` shuts it down: every registered source's pending and
/// later operations fail with an error instead of waiting forever, and new
/// registrations are refused.
///
/// ```
/// use corio_reactor::{Reactor, net::UdpSocket};
/// use std::time::Duration;
///
/// let reactor = Reactor::new().unwrap();
/// let _guard = reactor.handle().enter();
/// let socket = UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0").unwrap()).unwrap();
/// assert_eq!(reactor.len(), 1);
/// reactor.park(Some(Duration::ZERO)); // poll for events without blocking
/// drop(socket);
/// assert_eq!(reactor.len(), 0);
/// ```
pub struct Reactor {
    handle: ReactorHandle,
}

/// A cheap, clonable handle to a [`Reactor`]: registers sources and wakes the driver.
///
/// ```
/// let reactor = corio_reactor::Reactor::new().unwrap();
/// let handle = reactor.handle();
/// let other = handle.clone();
/// other.notify(); // the next park returns at once
/// reactor.park(None);
/// ```
#[derive(Clone)]
pub struct ReactorHandle {
    inner: std::sync::Arc<Inner>,
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("sources", &self.len())
            .field("events_dispatched", &self.events_dispatched())
            .finish()
    }
}

impl fmt::Debug for ReactorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReactorHandle")
            .field("sources", &self.len())
            .finish()
    }
}

impl Reactor {
    /// A new reactor with its own poller (on Linux: the epoll fd, the eventfd
    /// and timerfd `polling` creates with it, which stay unused, and the
    /// reactor's own eventfd for `notify`).
    ///
    /// Fails if the OS refuses the poller, or if the platform's poller has no
    /// edge-triggered mode (every Unix with epoll or kqueue has one).
    ///
    /// ```
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// assert!(reactor.is_empty());
    /// ```
    pub fn new() -> io::Result<Reactor> {
        Ok(Reactor {
            handle: ReactorHandle {
                inner: std::sync::Arc::new(Inner {
                    backend: std::sync::Arc::new(Backend::new()?),
                    registry: Registry::new(),
                    driver: Mutex::new(Driver {
                        events: new_buffer(),
                        ready: Vec::new(),
                        wakers: Vec::new(),
                    }),
                    dispatched: AtomicU64::new(0),
                }),
            },
        })
    }

    /// A handle for registering sources and for [`enter`](ReactorHandle::enter)ing.
    ///
    /// ```
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// let _guard = reactor.handle().enter();
    /// assert!(corio_reactor::ReactorHandle::try_current().is_ok());
    /// ```
    pub fn handle(&self) -> ReactorHandle {
        self.handle.clone()
    }

    /// Waits for I/O events and wakes the tasks waiting on them.
    ///
    /// Blocks until an event arrives, [`notify`](Reactor::notify) is called,
    /// or `timeout` passes (`None`: no limit). `Some(Duration::ZERO)` polls
    /// for events without blocking (and costs nothing while no source is
    /// registered). Spurious returns happen. A `notify` that came before this
    /// call makes it return at once; on Linux a zero-timeout poll leaves a
    /// pending notify for the next park that may block, so a worker passing
    /// by cannot swallow a wake-up meant for the one about to sleep.
    ///
    /// Only one thread should park at a time; a second concurrent call returns
    /// at once without waiting. Wakers are called on the calling thread before
    /// `park` returns, after the slab and source locks are released (only the
    /// right to park is still held, which no waker can want).
    ///
    /// On Linux this is a single `epoll_wait` (timeouts rounded up to the
    /// millisecond); elsewhere `polling::Poller::wait`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// reactor.park(Some(Duration::from_millis(1))); // nothing registered: times out
    /// let handle = reactor.handle();
    /// let t = std::thread::spawn(move || handle.notify());
    /// t.join().unwrap();
    /// reactor.park(None); // returns: the notification is pending
    /// ```
    pub fn park(&self, timeout: Option<Duration>) {
        let inner = &*self.handle.inner;
        if timeout == Some(Duration::ZERO) && inner.registry.len() == 0 {
            return;
        }
        let Some(mut driver) = inner.driver.try_lock() else {
            return;
        };
        let driver = &mut *driver;
        driver.ready.clear();
        let waited = inner
            .backend
            .wait(&mut driver.events, timeout, &mut driver.ready);
        if waited.is_err() {
            // EINTR (a signal) or nothing expected from epoll_wait on a
            // valid fd: a spurious return.
            return;
        }
        if driver.ready.is_empty() {
            return;
        }
        inner
            .dispatched
            .fetch_add(driver.ready.len() as u64, Relaxed);
        inner
            .registry
            .dispatch(driver.ready.drain(..), &mut driver.wakers);
        wake_all(driver.wakers.drain(..));
    }

    /// Wakes the thread blocked in [`park`](Reactor::park), or makes the next
    /// `park` return at once. Callable from any thread; repeated calls before
    /// the next `park` cost one atomic operation.
    ///
    /// ```
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// reactor.notify();
    /// reactor.park(None); // returns at once
    /// ```
    pub fn notify(&self) {
        self.handle.notify();
    }

    /// Registers `fd`; see [`ReactorHandle::register`].
    ///
    /// # Safety
    ///
    /// `fd` must stay open until the returned source is
    /// [`deregister`](Reactor::deregister)ed.
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.set_nonblocking(true).unwrap();
    /// // SAFETY: `a` outlives the registration: it is deregistered below first.
    /// let source = unsafe { reactor.register(a.as_raw_fd()) }.unwrap();
    /// assert_eq!(reactor.len(), 1);
    /// reactor.deregister(&source).unwrap();
    /// assert_eq!(reactor.len(), 0);
    /// ```
    pub unsafe fn register(&self, fd: RawFd) -> io::Result<Arc<Source>> {
        // SAFETY: forwarded from the caller.
        unsafe { self.handle.register(fd) }
    }

    /// Deregisters `source`; see [`ReactorHandle::deregister`].
    ///
    /// ```
    /// # use std::os::fd::AsRawFd;
    /// # let reactor = corio_reactor::Reactor::new().unwrap();
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// // SAFETY: `a` stays open until after the deregistration.
    /// let source = unsafe { reactor.register(a.as_raw_fd()) }.unwrap();
    /// reactor.deregister(&source).unwrap();
    /// drop(a); // only now may the fd close
    /// ```
    pub fn deregister(&self, source: &Source) -> io::Result<()> {
        self.handle.deregister(source)
    }

    /// Number of registered sources.
    ///
    /// ```
    /// assert_eq!(corio_reactor::Reactor::new().unwrap().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.handle.len()
    }

    /// True if no source is registered.
    ///
    /// ```
    /// assert!(corio_reactor::Reactor::new().unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of readiness events delivered by [`park`](Reactor::park) so far.
    ///
    /// ```
    /// assert_eq!(corio_reactor::Reactor::new().unwrap().events_dispatched(), 0);
    /// ```
    pub fn events_dispatched(&self) -> u64 {
        self.handle.inner.dispatched.load(Relaxed)
    }
}

impl Drop for Reactor {
    fn drop(&mut self) {
        let mut wakers = Vec::new();
        self.handle.inner.registry.shutdown(&mut wakers);
        if std::thread::panicking() {
            // Unwinding already: a waker's panic would abort the process.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wake_all(wakers)));
        } else {
            wake_all(wakers);
        }
    }
}

/// Wakes every waker, even if one panics (a foreign executor's waker, or a
/// hand-written combinator's): the tasks behind it must not miss their
/// readiness. The first panic is resumed afterwards, in the caller: the
/// thread that dispatched the event, which the runtime keeps alive.
pub(crate) fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    let mut panic = None;
    for waker in wakers {
        if let Err(payload) =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()))
        {
            panic.get_or_insert(payload);
        }
    }
    if let Some(payload) = panic {
        std::panic::resume_unwind(payload);
    }
}

thread_local! {
    static CURRENT: RefCell<Option<ReactorHandle>> = const { RefCell::new(None) };
}

/// The message of the error returned when an I/O object is created on a
/// thread that has no reactor.
pub(crate) const NO_REACTOR: &str =
    "no corio reactor on this thread: create sockets inside corio::run / a runtime";

impl ReactorHandle {
    /// Makes this reactor the thread's current one until the guard is dropped
    /// (the previous one, if any, comes back then). The runtime does this on
    /// each of its threads; sockets created there register with it.
    ///
    /// ```
    /// use corio_reactor::{Reactor, ReactorHandle};
    /// let reactor = Reactor::new().unwrap();
    /// assert!(ReactorHandle::try_current().is_err());
    /// {
    ///     let _guard = reactor.handle().enter();
    ///     assert!(ReactorHandle::try_current().is_ok());
    /// }
    /// assert!(ReactorHandle::try_current().is_err());
    /// ```
    pub fn enter(&self) -> EnterGuard {
        let previous = CURRENT.with(|current| current.replace(Some(self.clone())));
        EnterGuard {
            previous,
            _not_send: PhantomData,
        }
    }

    /// The thread's current reactor.
    ///
    /// # Panics
    ///
    /// If no reactor was [`enter`](ReactorHandle::enter)ed on this thread; use
    /// [`try_current`](ReactorHandle::try_current) to get an error instead.
    ///
    /// ```
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// let _guard = reactor.handle().enter();
    /// let handle = corio_reactor::ReactorHandle::current();
    /// # let _ = handle;
    /// ```
    pub fn current() -> ReactorHandle {
        match Self::try_current() {
            Ok(handle) => handle,
            Err(e) => panic!("{e}"),
        }
    }

    /// The thread's current reactor, or an error saying that there is none.
    ///
    /// ```
    /// let err = corio_reactor::ReactorHandle::try_current().unwrap_err();
    /// assert!(err.to_string().contains("no corio reactor on this thread"));
    /// ```
    pub fn try_current() -> io::Result<ReactorHandle> {
        CURRENT
            .with(|current| current.borrow().clone())
            .ok_or_else(|| io::Error::other(NO_REACTOR))
    }

    /// Registers `fd` (edge-triggered, for reading and writing) and returns
    /// its [`Source`]. The fd should be in non-blocking mode. The source
    /// starts optimistically readable and writable.
    ///
    /// # Safety
    ///
    /// `fd` must stay open until the returned source is
    /// [`deregister`](ReactorHandle::deregister)ed (the poller keeps a
    /// reference to the open file; see `polling::Poller::add`). [`Async`](crate::Async)
    /// and the net types uphold this for you.
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// let handle = reactor.handle();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// // SAFETY: `a` is deregistered before it is dropped.
    /// let source = unsafe { handle.register(a.as_raw_fd()) }.unwrap();
    /// handle.deregister(&source).unwrap();
    /// ```
    pub unsafe fn register(&self, fd: RawFd) -> io::Result<Arc<Source>> {
        let source = self.inner.registry.insert(fd, None)?;
        // SAFETY: the caller keeps `fd` open until `deregister`, which deletes
        // it from the poller before returning.
        let added = unsafe { self.inner.backend.add(fd, source.key()) };
        if let Err(e) = added {
            let mut wakers = Vec::new();
            self.inner.registry.remove(&source, &mut wakers);
            return Err(e);
        }
        Ok(source)
    }

    /// Like [`register`](ReactorHandle::register), but the fd joins the
    /// poller only when a task first has to wait on it (see
    /// `Source::poll_ready`). A socket served without ever meeting
    /// `WouldBlock` (an accepted connection closed at once, a request answered
    /// from bytes already queued) then costs no `epoll_ctl` at all, neither to
    /// add it nor to delete it. For sockets, which every poller takes: a file
    /// the poller refuses would only say so at its first wait.
    ///
    /// # Safety
    ///
    /// As for [`register`](ReactorHandle::register).
    pub(crate) unsafe fn register_lazily(&self, fd: RawFd) -> io::Result<Arc<Source>> {
        let backend = std::sync::Arc::downgrade(&self.inner.backend);
        self.inner.registry.insert(fd, Some(backend))
    }

    /// Removes `source` from the reactor: it gets no more events, and tasks
    /// waiting on it (and later polls) get an error. Call it **before** the fd
    /// closes. Calling it again does nothing.
    ///
    /// ```
    /// # use std::os::fd::AsRawFd;
    /// # let reactor = corio_reactor::Reactor::new().unwrap();
    /// # let handle = reactor.handle();
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// // SAFETY: `a` is deregistered before it is dropped.
    /// let source = unsafe { handle.register(a.as_raw_fd()) }.unwrap();
    /// handle.deregister(&source).unwrap();
    /// handle.deregister(&source).unwrap(); // no-op
    /// assert!(!source.is_registered());
    /// ```
    pub fn deregister(&self, source: &Source) -> io::Result<()> {
        let mut wakers = Vec::new();
        let in_poller = self.inner.registry.remove(source, &mut wakers);
        let result = if in_poller {
            // `register`'s contract keeps the fd open until this call returns,
            // and `in_poller` says this is the first deregistration of an fd
            // that joined the poller.
            self.inner.backend.delete(source.raw_fd())
        } else {
            Ok(())
        };
        wake_all(wakers);
        result
    }

    /// Wakes the thread parked in the reactor; see [`Reactor::notify`].
    ///
    /// ```
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// reactor.handle().notify();
    /// reactor.park(None); // returns at once
    /// ```
    pub fn notify(&self) {
        self.inner.backend.notify();
    }

    /// Number of registered sources.
    ///
    /// ```
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// assert_eq!(reactor.handle().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.registry.len()
    }

    /// True if no source is registered.
    ///
    /// ```
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// assert!(reactor.handle().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Restores the thread's previous current reactor when dropped; returned by
/// [`ReactorHandle::enter`]. It is not `Send`: drop it on the thread that entered.
///
/// ```
/// let reactor = corio_reactor::Reactor::new().unwrap();
/// let guard = reactor.handle().enter();
/// drop(guard);
/// assert!(corio_reactor::ReactorHandle::try_current().is_err());
/// ```
#[must_use = "the reactor is current only while the guard lives"]
pub struct EnterGuard {
    previous: Option<ReactorHandle>,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // `try_with`: the guard may drop while thread-locals are torn down.
        let _ = CURRENT.try_with(|current| *current.borrow_mut() = previous);
    }
}

#[cfg(all(test, not(loom), any(target_os = "linux", target_os = "android")))]
mod tests {
    use std::future::poll_fn;
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::task::Poll;

    use super::Reactor;
    use crate::doc_helpers::block_on_in;

    #[test]
    fn a_lazily_registered_socket_joins_the_poller_at_its_first_wait_and_leaves_it_on_deregistration()
     {
        let reactor = Reactor::new().unwrap();
        let handle = reactor.handle();
        let backend = &handle.inner.backend;
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let fd = a.as_raw_fd();
        // SAFETY: `a` is deregistered before it is dropped.
        let source = unsafe { handle.register_lazily(fd) }.unwrap();
        assert_eq!(reactor.len(), 1);
        assert!(
            !backend.polled_fds().contains(&fd),
            "no epoll_ctl before a wait"
        );

        // Optimistically readable: the first read needs no poller.
        let mut buf = [0u8; 4];
        let read = |buf: &mut [u8]| std::io::Read::read(&mut &a, buf);
        let none = block_on_in(
            &reactor,
            poll_fn(|cx| match source.poll_read_with(cx, || read(&mut buf)) {
                Poll::Pending => Poll::Ready(None),
                other => Poll::Ready(Some(other)),
            }),
        );
        assert!(none.is_none(), "nothing to read: the task waits");
        assert!(backend.polled_fds().contains(&fd), "the wait added the fd");

        b.write_all(b"ping").unwrap();
        let n = block_on_in(
            &reactor,
            poll_fn(|cx| source.poll_read_with(cx, || read(&mut buf))),
        )
        .unwrap();
        assert_eq!(&buf[..n], b"ping");

        handle.deregister(&source).unwrap();
        assert!(!backend.polled_fds().contains(&fd));
        assert_eq!(reactor.len(), 0);
    }

    #[test]
    fn a_socket_that_never_waits_never_touches_the_poller() {
        let reactor = Reactor::new().unwrap();
        let handle = reactor.handle();
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        b.write_all(b"x").unwrap();
        // SAFETY: `a` is deregistered before it is dropped.
        let source = unsafe { handle.register_lazily(a.as_raw_fd()) }.unwrap();
        let mut buf = [0u8; 1];
        let n = block_on_in(
            &reactor,
            poll_fn(|cx| source.poll_read_with(cx, || std::io::Read::read(&mut &a, &mut buf))),
        )
        .unwrap();
        assert_eq!(n, 1);
        assert!(!handle.inner.backend.polled_fds().contains(&a.as_raw_fd()));
        // Nothing to delete: deregistration succeeds without an epoll_ctl.
        handle.deregister(&source).unwrap();
        assert!(!source.is_registered());
    }

    #[test]
    fn a_lazy_socket_waiting_after_its_reactor_shut_down_gets_an_error() {
        let reactor = Reactor::new().unwrap();
        let handle = reactor.handle();
        let (a, _b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // SAFETY: `a` outlives the source's use; the reactor is gone before it closes.
        let source = unsafe { handle.register_lazily(a.as_raw_fd()) }.unwrap();
        drop(reactor);
        drop(handle);
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        match source.poll_readable(&mut cx) {
            Poll::Ready(Err(e)) => assert!(e.to_string().contains("shut down"), "{e}"),
            other => panic!("expected a shutdown error, got {other:?}"),
        }
    }
}
