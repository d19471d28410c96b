//! `Async<T>`: any non-blocking fd registered with the reactor.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::loom::Arc;
use crate::reactor::ReactorHandle;
use crate::source::{Direction, Source};
use crate::stream_read::MAX_IOVECS;

/// Flags of every send on a stream socket: no `SIGPIPE` where the platform
/// has the flag (elsewhere, like std, rely on the signal being ignored).
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
const SEND_FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
const SEND_FLAGS: libc::c_int = 0;

/// An I/O object registered with a reactor, as in `async-io`.
///
/// Wraps anything that has an fd (a socket, a pipe, a tty...), puts it in
/// non-blocking mode and registers it with the thread's current reactor. The
/// fd is **deregistered before it is closed**: `Async`'s `Drop` deregisters
/// and only then drops the inner object. The net types of this crate are built
/// on it.
///
/// `futures_io::AsyncRead`/`AsyncWrite` are implemented for `Async<T>` and
/// `&Async<T>` whenever `&T` implements `Read`/`Write` (as for std's sockets,
/// pipes and files), so reading and writing can go on from two tasks at once.
///
/// ```
/// # corio_reactor::doc_helpers::block_on(async {
/// use corio_reactor::Async;
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
///
/// let (a, b) = UnixStream::pair().unwrap();
/// let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
/// b.write_with(|s| (&*s).write(b"ping")).await.unwrap();
/// let mut buf = [0u8; 4];
/// a.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
/// assert_eq!(&buf, b"ping");
/// # });
/// ```
pub struct Async<T: AsFd> {
    source: Arc<Source>,
    handle: ReactorHandle,
    /// `None` only during `into_inner` and `drop`.
    io: Option<T>,
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async")
            .field("io", &self.io)
            .field("source", &self.source)
            .finish()
    }
}

impl<T: AsFd> Async<T> {
    /// Puts `io` in non-blocking mode and registers it with the thread's
    /// current reactor. Fails with a clear error if there is none.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// # let _ = a;
    /// # });
    /// ```
    ///
    /// Without a reactor:
    ///
    /// ```
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let err = corio_reactor::Async::new(a).unwrap_err();
    /// assert!(err.to_string().contains("no corio reactor"));
    /// ```
    pub fn new(io: T) -> io::Result<Async<T>> {
        let handle = ReactorHandle::try_current()?;
        Async::new_in(io, &handle)
    }

    /// Like [`new`](Async::new), with an explicit reactor.
    ///
    /// ```
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new_in(a, &reactor.handle()).unwrap();
    /// assert_eq!(reactor.len(), 1);
    /// # drop(a);
    /// ```
    pub fn new_in(io: T, handle: &ReactorHandle) -> io::Result<Async<T>> {
        socket2::SockRef::from(&io).set_nonblocking(true)?;
        let fd = io.as_fd().as_raw_fd();
        // SAFETY: `io` owns `fd` and is dropped only after `deregister`
        // (see `Drop` and `into_inner`).
        let source = unsafe { handle.register(fd) }?;
        Ok(Async::with_source(io, handle, source))
    }

    /// Registers the socket `io`, which the caller has already put in
    /// non-blocking mode, with the current reactor. It joins the poller only
    /// when a task first waits on it (see `ReactorHandle::register_lazily`).
    pub(crate) fn new_nonblocking(io: T) -> io::Result<Async<T>> {
        let handle = ReactorHandle::try_current()?;
        let fd = io.as_fd().as_raw_fd();
        // SAFETY: as in `new_in`.
        let source = unsafe { handle.register_lazily(fd) }?;
        Ok(Async::with_source(io, &handle, source))
    }

    fn with_source(io: T, handle: &ReactorHandle, source: Arc<Source>) -> Async<T> {
        Async {
            source,
            handle: handle.clone(),
            io: Some(io),
        }
    }

    /// The inner I/O object.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// assert!(a.get_ref().peer_addr().is_ok());
    /// # });
    /// ```
    pub fn get_ref(&self) -> &T {
        self.io
            .as_ref()
            .expect("Async's I/O object is present until drop")
    }

    /// The inner I/O object, mutably. Do not replace its fd.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let mut a = corio_reactor::Async::new(a).unwrap();
    /// let _inner: &mut std::os::unix::net::UnixStream = a.get_mut();
    /// # });
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.io
            .as_mut()
            .expect("Async's I/O object is present until drop")
    }

    /// Deregisters the object and gives it back (still in non-blocking mode).
    ///
    /// ```
    /// let reactor = corio_reactor::Reactor::new().unwrap();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new_in(a, &reactor.handle()).unwrap();
    /// let a: std::os::unix::net::UnixStream = a.into_inner().unwrap();
    /// assert_eq!(reactor.len(), 0);
    /// # drop(a);
    /// ```
    pub fn into_inner(mut self) -> io::Result<T> {
        let result = self.handle.deregister(&self.source);
        let io = self
            .io
            .take()
            .expect("Async's I/O object is present until drop");
        result.map(|()| io)
    }

    /// The reactor source of this object.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// assert!(a.source().is_registered());
    /// # });
    /// ```
    pub fn source(&self) -> &Arc<Source> {
        &self.source
    }

    /// Waits until the object may be readable (see [`Source::poll_readable`]).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use std::io::Write;
    /// let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// b.write_all(b"x").unwrap();
    /// a.readable().await.unwrap();
    /// # });
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        poll_fn(|cx| self.source.poll_readable(cx)).await
    }

    /// Waits until the object may be writable (see [`Source::poll_writable`]).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// a.writable().await.unwrap();
    /// # });
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        poll_fn(|cx| self.source.poll_writable(cx)).await
    }

    /// Runs the non-blocking read-side operation `op` on the inner object,
    /// waiting for readability while it returns `WouldBlock`.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use std::io::{Read, Write};
    /// let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// b.write_all(b"hey").unwrap();
    /// let mut buf = [0u8; 3];
    /// let n = a.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
    /// assert_eq!(n, 3);
    /// # });
    /// ```
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_read_with(cx, &mut op)).await
    }

    /// Runs the non-blocking write-side operation `op` on the inner object,
    /// waiting for writability while it returns `WouldBlock`.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use std::io::Write;
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// let n = a.write_with(|s| (&*s).write(b"hey")).await.unwrap();
    /// assert_eq!(n, 3);
    /// # });
    /// ```
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_write_with(cx, &mut op)).await
    }

    /// Poll form of [`read_with`](Async::read_with).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use std::io::{Read, Write};
    /// let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// b.write_all(b"x").unwrap();
    /// let mut buf = [0u8; 1];
    /// let n = std::future::poll_fn(|cx| a.poll_read_with(cx, |s| (&*s).read(&mut buf)))
    ///     .await
    ///     .unwrap();
    /// assert_eq!(n, 1);
    /// # });
    /// ```
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.source.poll_read_with(cx, || op(io))
    }

    /// Poll form of [`write_with`](Async::write_with).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use std::io::Write;
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::Async::new(a).unwrap();
    /// let n = std::future::poll_fn(|cx| a.poll_write_with(cx, |s| (&*s).write(b"x")))
    ///     .await
    ///     .unwrap();
    /// assert_eq!(n, 1);
    /// # });
    /// ```
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.source.poll_write_with(cx, || op(io))
    }

    /// Waits for `direction`'s readiness (internal helper for connect).
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<crate::source::ReadyEvent>> {
        self.source.poll_ready(direction, cx)
    }
}

/// The byte-transfer helpers behind the `AsyncRead`/`AsyncWrite` impls. With
/// `stream` (TCP and Unix streams only) a short transfer clears readiness at
/// once; see `Source::poll_stream_read` and `Source::poll_stream_write`.
impl<T: AsFd> Async<T>
where
    for<'a> &'a T: Read + Write,
{
    /// Writes with `op`; `stream` as for the helpers below.
    fn poll_write_op(
        &self,
        cx: &mut Context<'_>,
        stream: bool,
        len: usize,
        mut op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        if stream {
            self.source.poll_stream_write(cx, len, || op(io))
        } else {
            self.source.poll_write_with(cx, || op(io))
        }
    }

    pub(crate) fn poll_read_buf(
        &self,
        cx: &mut Context<'_>,
        stream: bool,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if stream {
            let mut iov = [libc::iovec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: buf.len(),
            }];
            return self.poll_read_stream(cx, &mut iov);
        }
        let mut io = self.get_ref();
        self.source.poll_read_with(cx, || io.read(buf))
    }

    /// Reads a stream socket into possibly uninitialised memory (tokio's
    /// `ReadBuf`) without zeroing it first; returns how many bytes the kernel wrote.
    #[cfg(feature = "tokio-io")]
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        // The kernel only writes, never reads, these bytes.
        let mut iov = [libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        }];
        self.poll_read_stream(cx, &mut iov)
    }

    pub(crate) fn poll_read_vectored_bufs(
        &self,
        cx: &mut Context<'_>,
        stream: bool,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        if stream {
            // SAFETY: `IoSliceMut` is ABI-compatible with `iovec` on Unix (std
            // guarantees it), and each describes a writable buffer.
            let iovs = unsafe {
                std::slice::from_raw_parts_mut(bufs.as_mut_ptr().cast::<libc::iovec>(), bufs.len())
            };
            return self.poll_read_stream(cx, iovs);
        }
        let mut io = self.get_ref();
        self.source.poll_read_with(cx, || io.read_vectored(bufs))
    }

    /// Reads a stream socket (TCP, Unix) into `iovs`, each a buffer valid for
    /// writes of its length. A short read, or one after which the kernel
    /// reports nothing queued, clears readiness (see `Source::poll_stream_read`
    /// and `stream_read.rs`).
    fn poll_read_stream(
        &self,
        cx: &mut Context<'_>,
        iovs: &mut [libc::iovec],
    ) -> Poll<io::Result<usize>> {
        let fd = self.source.raw_fd();
        let hint = self.source.queue_hint();
        let len = iovs.iter().take(MAX_IOVECS).map(|iov| iov.iov_len).sum();
        let result = self
            .source
            .poll_stream_read(cx, len, || hint.recv(fd, iovs));
        if let Poll::Ready(Ok(n)) = result {
            hint.after_read(fd, n, len);
        }
        result
    }

    /// Writes `buf`. `stream` is true only for the net types' stream sockets
    /// (TCP, Unix), which are written with `send(MSG_NOSIGNAL)`: a write to a
    /// peer that reset the connection is an `EPIPE` error, never a `SIGPIPE`
    /// that kills a process which did not ignore it.
    pub(crate) fn poll_write_buf(
        &self,
        cx: &mut Context<'_>,
        stream: bool,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if stream {
            let fd = self.source.raw_fd();
            return self.poll_write_op(cx, true, buf.len(), |_| {
                // SAFETY: `buf` is valid for reads of `buf.len()` bytes, and
                // `fd` is open: it closes only after `self` is dropped.
                let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), SEND_FLAGS) };
                usize::try_from(n).map_err(|_| io::Error::last_os_error())
            });
        }
        self.poll_write_op(cx, stream, buf.len(), |mut io| io.write(buf))
    }

    /// Writes `bufs`; stream sockets use `sendmsg(MSG_NOSIGNAL)` (std's
    /// `write_vectored` is a `writev`, which raises `SIGPIPE`).
    pub(crate) fn poll_write_vectored_bufs(
        &self,
        cx: &mut Context<'_>,
        stream: bool,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        if stream {
            let fd = self.source.raw_fd();
            return self.poll_write_op(cx, true, len, |_| {
                // SAFETY: an all-zero `msghdr` is valid (no name, no control data).
                let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
                // `IoSlice` is ABI-compatible with `iovec` on Unix (std guarantees it);
                // the kernel only reads the buffers.
                msg.msg_iov = bufs.as_ptr().cast_mut().cast();
                msg.msg_iovlen = bufs.len().min(MAX_IOVECS) as _;
                // SAFETY: `msg` points to `msg_iovlen` valid iovecs whose buffers
                // outlive the call, and `fd` is open (see `poll_write_buf`).
                let n = unsafe { libc::sendmsg(fd, &msg, SEND_FLAGS) };
                usize::try_from(n).map_err(|_| io::Error::last_os_error())
            });
        }
        self.poll_write_op(cx, stream, len, |mut io| io.write_vectored(bufs))
    }

    pub(crate) fn poll_flush_io(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut io = self.get_ref();
        Poll::Ready(io.flush())
    }
}

impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.source.raw_fd()
    }
}

impl<T: AsFd> Drop for Async<T> {
    fn drop(&mut self) {
        if let Some(io) = self.io.take() {
            // Deregister first: the fd must still be open when the poller
            // forgets it. Only then close it by dropping `io`.
            let _ = self.handle.deregister(&self.source);
            drop(io);
        }
    }
}

macro_rules! impl_futures_io {
    ($ty:ty) => {
        impl<T: AsFd> futures_io::AsyncRead for $ty
        where
            for<'a> &'a T: Read + Write,
        {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_read_buf(cx, false, buf)
            }

            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                self.poll_read_vectored_bufs(cx, false, bufs)
            }
        }

        impl<T: AsFd> futures_io::AsyncWrite for $ty
        where
            for<'a> &'a T: Read + Write,
        {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_buf(cx, false, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_vectored_bufs(cx, false, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_flush_io(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_flush_io(cx)
            }
        }
    };
}

impl_futures_io!(Async<T>);
impl_futures_io!(&Async<T>);
