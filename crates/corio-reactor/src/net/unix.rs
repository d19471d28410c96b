//! Unix-domain stream sockets: [`UnixListener`], [`UnixStream`] and its owned halves.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use socket2::{Domain, SockAddr, Socket, Type};

use super::{impl_async_read, impl_async_write, stream_methods};
use crate::async_io::Async;
use crate::source::Direction;

macro_rules! doc_pair {
    () => {
        "# let (a, b) = corio_reactor::net::UnixStream::pair().unwrap();"
    };
}

/// A Unix-domain socket listening for connections.
///
/// ```
/// # corio_reactor::doc_helpers::block_on(async {
/// use corio_reactor::net::{UnixListener, UnixStream};
/// use corio_reactor::doc_helpers::join;
/// let dir = corio_reactor::doc_helpers::temp_dir();
/// let path = dir.join("sock");
/// let listener = UnixListener::bind(&path).unwrap();
/// let (accepted, connected) = join(listener.accept(), UnixStream::connect(&path)).await;
/// let ((server_side, _peer), client) = (accepted.unwrap(), connected.unwrap());
/// client.write_all(b"hi").await.unwrap();
/// let mut buf = [0u8; 2];
/// server_side.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"hi");
/// # });
/// ```
pub struct UnixListener {
    io: Async<net::UnixListener>,
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnixListener")
            .field(self.io.get_ref())
            .finish()
    }
}

impl UnixListener {
    /// Binds a listener to the filesystem `path` (which must not exist yet)
    /// and registers it with the current reactor. Binding needs no waiting,
    /// so unlike [`TcpListener::bind`](super::TcpListener::bind) this is not
    /// `async` (as in tokio).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let dir = corio_reactor::doc_helpers::temp_dir();
    /// let path = dir.join("bind");
    /// let listener = corio_reactor::net::UnixListener::bind(&path).unwrap();
    /// assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// # });
    /// ```
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        UnixListener::from_std(net::UnixListener::bind(path)?)
    }

    /// Wraps a std listener: puts it in non-blocking mode and registers it.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let dir = corio_reactor::doc_helpers::temp_dir();
    /// let path = dir.join("std");
    /// let std_listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    /// let listener = corio_reactor::net::UnixListener::from_std(std_listener).unwrap();
    /// # let _ = listener;
    /// # });
    /// ```
    pub fn from_std(listener: net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: Async::new_nonblocking(listener)?,
        })
    }

    /// Deregisters the listener and returns the std one (still non-blocking).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let dir = corio_reactor::doc_helpers::temp_dir();
    /// let path = dir.join("into");
    /// let listener = corio_reactor::net::UnixListener::bind(&path).unwrap();
    /// let std_listener: std::os::unix::net::UnixListener = listener.into_std().unwrap();
    /// # let _ = std_listener;
    /// # });
    /// ```
    pub fn into_std(self) -> io::Result<net::UnixListener> {
        self.io.into_inner()
    }

    /// Waits for a connection. Errors (such as `EMFILE`) are returned to the
    /// caller and the listener stays usable, as for
    /// [`TcpListener::accept`](super::TcpListener::accept).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let dir = corio_reactor::doc_helpers::temp_dir();
    /// let path = dir.join("accept");
    /// let listener = corio_reactor::net::UnixListener::bind(&path).unwrap();
    /// let _client = std::os::unix::net::UnixStream::connect(&path).unwrap();
    /// let (stream, _addr) = listener.accept().await.unwrap();
    /// # let _ = stream;
    /// # });
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Poll form of [`accept`](UnixListener::accept).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let dir = corio_reactor::doc_helpers::temp_dir();
    /// let path = dir.join("poll");
    /// let listener = corio_reactor::net::UnixListener::bind(&path).unwrap();
    /// let _client = std::os::unix::net::UnixStream::connect(&path).unwrap();
    /// let (_stream, _addr) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
    /// # });
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) = ready!(self.io.poll_read_with(cx, |l| l.accept()))?;
        Poll::Ready(UnixStream::from_std(stream).map(|s| (s, addr)))
    }

    /// The accepted connections as a `futures_core::Stream` (it never ends).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use futures_core::Stream;
    /// let dir = corio_reactor::doc_helpers::temp_dir();
    /// let path = dir.join("incoming");
    /// let listener = corio_reactor::net::UnixListener::bind(&path).unwrap();
    /// let _client = std::os::unix::net::UnixStream::connect(&path).unwrap();
    /// let mut incoming = listener.incoming();
    /// let first = std::future::poll_fn(|cx| std::pin::Pin::new(&mut incoming).poll_next(cx)).await;
    /// assert!(first.unwrap().is_ok());
    /// # });
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address the listener is bound to.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let dir = corio_reactor::doc_helpers::temp_dir();
    /// let path = dir.join("addr");
    /// let listener = corio_reactor::net::UnixListener::bind(&path).unwrap();
    /// assert!(listener.local_addr().unwrap().as_pathname().is_some());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

/// The stream of connections of a [`UnixListener`]; see [`UnixListener::incoming`].
///
/// ```
/// # corio_reactor::doc_helpers::with_reactor(|| {
/// let dir = corio_reactor::doc_helpers::temp_dir();
/// let path = dir.join("inc");
/// let listener = corio_reactor::net::UnixListener::bind(&path).unwrap();
/// let incoming: corio_reactor::net::unix::Incoming<'_> = listener.incoming();
/// # let _ = incoming;
/// # });
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a UnixListener,
}

impl futures_core::Stream for Incoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let accepted = ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(accepted.map(|(stream, _)| stream)))
    }
}

/// A Unix-domain stream connection; same shape as [`TcpStream`](super::TcpStream).
///
/// ```
/// # corio_reactor::doc_helpers::block_on(async {
/// let (a, b) = corio_reactor::net::UnixStream::pair().unwrap();
/// a.write_all(b"ping").await.unwrap();
/// let mut buf = [0u8; 4];
/// b.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"ping");
/// # });
/// ```
pub struct UnixStream {
    io: Async<net::UnixStream>,
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnixStream")
            .field(self.io.get_ref())
            .finish()
    }
}

impl UnixStream {
    /// Connects to the socket at `path`, without blocking the thread.
    ///
    /// If the listener's backlog is full, Linux fails a non-blocking
    /// Unix-domain connect with `WouldBlock` at once (there is no readiness to
    /// wait for); that error is returned, as tokio does.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let dir = corio_reactor::doc_helpers::temp_dir();
    /// let path = dir.join("connect");
    /// let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    /// let stream = corio_reactor::net::UnixStream::connect(&path).await.unwrap();
    /// let (_server_side, _) = listener.accept().unwrap();
    /// # let _ = stream;
    /// # });
    /// ```
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        match socket.connect(&SockAddr::unix(path)?) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "the Unix socket's listener has a full backlog",
                ));
            }
            Err(e) => return Err(e),
        }
        let stream = UnixStream {
            io: Async::new_nonblocking(net::UnixStream::from(std::os::fd::OwnedFd::from(socket)))?,
        };
        // As for TCP: no optimistic first read on a client that just connected.
        stream.io.source().clear_initial_readiness(Direction::Read);
        poll_fn(|cx| stream.poll_connected(cx)).await?;
        Ok(stream)
    }

    fn poll_connected(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let event = ready!(self.io.poll_ready(Direction::Write, cx))?;
            let socket = self.io.get_ref();
            if let Some(e) = socket.take_error()? {
                return Poll::Ready(Err(e));
            }
            match socket.peer_addr() {
                Ok(_) => return Poll::Ready(Ok(())),
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    self.io.source().clear_readiness(event);
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// A connected pair of streams, both registered with the current reactor.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let (a, b) = corio_reactor::net::UnixStream::pair().unwrap();
    /// b.write_all(b"x").await.unwrap();
    /// let mut buf = [0u8; 1];
    /// a.read_exact(&mut buf).await.unwrap();
    /// # });
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a connected std stream: puts it in non-blocking mode and registers it.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = corio_reactor::net::UnixStream::from_std(a).unwrap();
    /// # let _ = a;
    /// # });
    /// ```
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            io: Async::new_nonblocking(stream)?,
        })
    }

    /// Deregisters the stream and returns the std one (still non-blocking).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let (a, _b) = corio_reactor::net::UnixStream::pair().unwrap();
    /// let a: std::os::unix::net::UnixStream = a.into_std().unwrap();
    /// # let _ = a;
    /// # });
    /// ```
    pub fn into_std(self) -> io::Result<net::UnixStream> {
        self.io.into_inner()
    }

    stream_methods!();

    /// Splits the stream into owned read and write halves; see
    /// [`TcpStream::into_split`](super::TcpStream::into_split).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let (a, b) = corio_reactor::net::UnixStream::pair().unwrap();
    /// let (reader, writer) = a.into_split();
    /// writer.write_all(b"x").await.unwrap();
    /// b.write_all(b"y").await.unwrap();
    /// let mut buf = [0u8; 1];
    /// reader.read_exact(&mut buf).await.unwrap();
    /// assert_eq!(&buf, b"y");
    /// # });
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let shared = Arc::new(self);
        (
            OwnedReadHalf {
                stream: shared.clone(),
            },
            OwnedWriteHalf { stream: shared },
        )
    }

    /// The local address of the connection.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let (a, _b) = corio_reactor::net::UnixStream::pair().unwrap();
    /// assert!(a.local_addr().unwrap().is_unnamed());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The remote address of the connection.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let (a, _b) = corio_reactor::net::UnixStream::pair().unwrap();
    /// assert!(a.peer_addr().unwrap().is_unnamed());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl_async_read!(UnixStream, this => this.io);
impl_async_write!(UnixStream, this => this.io);
impl_async_read!(&UnixStream, this => this.io);
impl_async_write!(&UnixStream, this => this.io);

/// The read half of a [`UnixStream`], from [`UnixStream::into_split`].
///
/// ```
/// # corio_reactor::doc_helpers::block_on(async {
/// let (a, b) = corio_reactor::net::UnixStream::pair().unwrap();
/// let (reader, _writer) = a.into_split();
/// b.write_all(b"hi").await.unwrap();
/// let mut buf = [0u8; 2];
/// reader.read_exact(&mut buf).await.unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: Arc<UnixStream>,
}

/// The write half of a [`UnixStream`], from [`UnixStream::into_split`].
/// Dropping it shuts down the write side of the connection.
///
/// ```
/// # corio_reactor::doc_helpers::block_on(async {
/// let (a, b) = corio_reactor::net::UnixStream::pair().unwrap();
/// let (_reader, writer) = a.into_split();
/// drop(writer);
/// let mut buf = [0u8; 1];
/// assert_eq!(b.read(&mut buf).await.unwrap(), 0);
/// # });
/// ```
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: Arc<UnixStream>,
}

impl OwnedReadHalf {
    /// Reads into `buf`; 0 means end of stream.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let (a, b) = corio_reactor::net::UnixStream::pair().unwrap();
    /// let (reader, _writer) = a.into_split();
    /// b.write_all(b"x").await.unwrap();
    /// let mut buf = [0u8; 4];
    /// assert_eq!(reader.read(&mut buf).await.unwrap(), 1);
    /// # });
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf).await
    }

    /// Fills all of `buf`; `UnexpectedEof` if the stream ends first.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let (a, b) = corio_reactor::net::UnixStream::pair().unwrap();
    /// let (reader, _writer) = a.into_split();
    /// b.write_all(b"xy").await.unwrap();
    /// let mut buf = [0u8; 2];
    /// reader.read_exact(&mut buf).await.unwrap();
    /// # });
    /// ```
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        self.stream.read_exact(buf).await
    }
}

impl OwnedWriteHalf {
    /// Writes some of `buf`.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let (a, _b) = corio_reactor::net::UnixStream::pair().unwrap();
    /// let (_reader, writer) = a.into_split();
    /// assert_eq!(writer.write(b"abc").await.unwrap(), 3);
    /// # });
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf).await
    }

    /// Writes all of `buf`.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let (a, _b) = corio_reactor::net::UnixStream::pair().unwrap();
    /// let (_reader, writer) = a.into_split();
    /// writer.write_all(b"abc").await.unwrap();
    /// # });
    /// ```
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.stream.write_all(buf).await
    }

    /// Shuts down the write side now (dropping the half does it too).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let (a, b) = corio_reactor::net::UnixStream::pair().unwrap();
    /// let (_reader, writer) = a.into_split();
    /// writer.shutdown().unwrap();
    /// let mut buf = [0u8; 1];
    /// assert_eq!(b.read(&mut buf).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn shutdown(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

impl_async_read!(OwnedReadHalf, this => this.stream.io);
impl_async_write!(OwnedWriteHalf, this => this.stream.io);
