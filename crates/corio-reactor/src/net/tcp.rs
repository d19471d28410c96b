//! TCP: [`TcpListener`], [`TcpStream`] and the stream's owned halves.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{self, Shutdown, SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use socket2::{Domain, Protocol, Socket, Type};

/// Accepts a connection that is non-blocking from the start: one `accept4`
/// with `SOCK_NONBLOCK` on Linux instead of `accept` plus a second syscall to
/// switch the new socket to non-blocking mode.
#[cfg(target_os = "linux")]
fn accept_nonblocking(listener: &net::TcpListener) -> io::Result<(net::TcpStream, SocketAddr)> {
    use std::os::fd::FromRawFd;
    // SAFETY: `try_init` hands us a zeroed address buffer and its length,
    // which is exactly what `accept4` fills in; the listener's fd is open
    // while we borrow it.
    let (fd, addr) = unsafe {
        socket2::SockAddr::try_init(|storage, len| {
            let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
            match libc::accept4(listener.as_raw_fd(), storage.cast(), len, flags) {
                -1 => Err(io::Error::last_os_error()),
                fd => Ok(fd),
            }
        })?
    };
    // SAFETY: `accept4` returned a new descriptor that nothing else owns.
    let stream = unsafe { net::TcpStream::from_raw_fd(fd) };
    let addr = addr
        .as_socket()
        .ok_or_else(|| io::Error::other("accept returned a non-IP address on a TCP listener"))?;
    Ok((stream, addr))
}

/// Elsewhere: std's accept, then non-blocking mode.
#[cfg(not(target_os = "linux"))]
fn accept_nonblocking(listener: &net::TcpListener) -> io::Result<(net::TcpStream, SocketAddr)> {
    let (stream, addr) = listener.accept()?;
    stream.set_nonblocking(true)?;
    Ok((stream, addr))
}

use super::{impl_async_read, impl_async_write, no_addresses, stream_methods};
use crate::async_io::Async;
use crate::source::Direction;

macro_rules! doc_pair {
    () => {
        "# let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;"
    };
}

/// A TCP socket listening for connections, like `asyncio`'s server socket and
/// tokio's `TcpListener`.
///
/// ```
/// # corio_reactor::doc_helpers::block_on(async {
/// use corio_reactor::net::{TcpListener, TcpStream};
/// use corio_reactor::doc_helpers::join;
///
/// let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let addr = listener.local_addr().unwrap();
/// let (accepted, connected) = join(listener.accept(), TcpStream::connect(addr)).await;
/// let (server_side, peer) = accepted.unwrap();
/// assert_eq!(peer, connected.unwrap().local_addr().unwrap());
/// # let _ = server_side;
/// # });
/// ```
pub struct TcpListener {
    io: Async<net::TcpListener>,
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TcpListener")
            .field(self.io.get_ref())
            .finish()
    }
}

impl TcpListener {
    /// Binds a listener to `addr` (trying each resolved address in turn) and
    /// registers it with the current reactor. Port 0 picks a free port.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let listener = corio_reactor::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// assert_ne!(listener.local_addr().unwrap().port(), 0);
    /// # });
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        TcpListener::from_std(net::TcpListener::bind(addr)?)
    }

    /// Wraps a std listener: puts it in non-blocking mode and registers it.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let listener = corio_reactor::net::TcpListener::from_std(std_listener).unwrap();
    /// # let _ = listener;
    /// # });
    /// ```
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: Async::new_nonblocking(listener)?,
        })
    }

    /// Deregisters the listener and returns the std one (still non-blocking).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let listener = corio_reactor::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let std_listener: std::net::TcpListener = listener.into_std().unwrap();
    /// # let _ = std_listener;
    /// # });
    /// ```
    pub fn into_std(self) -> io::Result<net::TcpListener> {
        self.io.into_inner()
    }

    /// Waits for a connection and returns the new stream (registered with the
    /// current reactor) and the peer's address.
    ///
    /// Errors such as `EMFILE` (no file descriptor left) or `ECONNABORTED` are
    /// returned to the caller, and the listener stays usable: the pending
    /// connection stays queued and the next `accept` tries again at once, so
    /// a server loop decides whether and how long to back off.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use corio_reactor::net::{TcpListener, TcpStream};
    /// let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (stream, peer) = listener.accept().await.unwrap();
    /// assert_eq!(peer, client.local_addr().unwrap());
    /// # let _ = stream;
    /// # });
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Poll form of [`accept`](TcpListener::accept).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let listener = corio_reactor::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (_stream, _peer) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
    /// # });
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = ready!(self.io.poll_read_with(cx, accept_nonblocking))?;
        let io = Async::new_nonblocking(stream)?;
        Poll::Ready(Ok((TcpStream { io }, addr)))
    }

    /// The accepted connections as a `futures_core::Stream` (it never ends;
    /// accept errors come out as items).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use futures_core::Stream;
    /// let listener = corio_reactor::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
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
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let listener = corio_reactor::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// assert!(listener.local_addr().unwrap().ip().is_loopback());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

/// The stream of connections of a [`TcpListener`]; see [`TcpListener::incoming`].
///
/// ```
/// # corio_reactor::doc_helpers::block_on(async {
/// let listener = corio_reactor::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let incoming: corio_reactor::net::tcp::Incoming<'_> = listener.incoming();
/// # let _ = incoming;
/// # });
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl futures_core::Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let accepted = ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(accepted.map(|(stream, _)| stream)))
    }
}

/// A TCP connection.
///
/// Reading and writing take `&self`, so one task can read while another
/// writes through a shared reference; [`into_split`](TcpStream::into_split)
/// gives owned halves for two tasks that need `'static` ownership. Dropping the
/// stream deregisters it and closes the socket.
///
/// ```
/// # corio_reactor::doc_helpers::block_on(async {
/// use corio_reactor::net::TcpStream;
/// let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let addr = server.local_addr().unwrap();
/// let echo = std::thread::spawn(move || {
///     let (mut s, _) = server.accept().unwrap();
///     let mut r = s.try_clone().unwrap();
///     std::io::copy(&mut r, &mut s).unwrap();
/// });
/// let stream = TcpStream::connect(addr).await.unwrap();
/// stream.write_all(b"ping").await.unwrap();
/// let mut buf = [0u8; 4];
/// stream.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"ping");
/// drop(stream);
/// echo.join().unwrap();
/// # });
/// ```
pub struct TcpStream {
    io: Async<net::TcpStream>,
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TcpStream").field(self.io.get_ref()).finish()
    }
}

impl TcpStream {
    /// Opens a connection to `addr`, trying each resolved address in turn.
    ///
    /// The connect is non-blocking: the socket is registered, then the task
    /// waits until it is writable and reads `SO_ERROR`. A closed port gives
    /// `io::ErrorKind::ConnectionRefused`.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use corio_reactor::net::TcpStream;
    /// // A port that nobody listens on (bound, then closed).
    /// let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    /// let err = TcpStream::connect(addr).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// # });
    /// ```
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match TcpStream::connect_addr(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(no_addresses))
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        // Non-blocking from creation on Linux (one syscall fewer per connect).
        #[cfg(target_os = "linux")]
        let socket = Socket::new(
            Domain::for_address(addr),
            Type::from(libc::SOCK_STREAM | libc::SOCK_NONBLOCK),
            Some(Protocol::TCP),
        )?;
        #[cfg(not(target_os = "linux"))]
        let socket = {
            let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
            socket.set_nonblocking(true)?;
            socket
        };
        match socket.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let stream = TcpStream {
            io: Async::new_nonblocking(net::TcpStream::from(socket))?,
        };
        // A client speaks first far more often than it finds bytes waiting
        // the moment it connects: skip the optimistic first read (a syscall
        // that would give `WouldBlock`); the reactor reports any early bytes.
        stream.io.source().clear_initial_readiness(Direction::Read);
        poll_fn(|cx| stream.poll_connected(cx)).await?;
        Ok(stream)
    }

    /// Completes a non-blocking connect: writable, then a peer address, and
    /// only when there is none, `SO_ERROR` (so a connect that has already
    /// completed, as on loopback, costs one syscall here). A fresh source
    /// starts optimistically writable, so a socket still connecting clears
    /// the bit and waits for the real edge.
    fn poll_connected(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let event = ready!(self.io.poll_ready(Direction::Write, cx))?;
            let socket = self.io.get_ref();
            match socket.peer_addr() {
                Ok(_) => return Poll::Ready(Ok(())),
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    if let Some(e) = socket.take_error()? {
                        return Poll::Ready(Err(e));
                    }
                    self.io.source().clear_readiness(event);
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// Wraps a connected std stream: puts it in non-blocking mode and registers it.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = corio_reactor::net::TcpStream::from_std(std_stream).unwrap();
    /// # let _ = stream;
    /// # });
    /// ```
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: Async::new_nonblocking(stream)?,
        })
    }

    /// Deregisters the stream and returns the std one (still non-blocking).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, _b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// let std_stream: std::net::TcpStream = a.into_std().unwrap();
    /// # let _ = std_stream;
    /// # });
    /// ```
    pub fn into_std(self) -> io::Result<net::TcpStream> {
        self.io.into_inner()
    }

    stream_methods!();

    /// Splits the stream into a read half and a write half that can move to
    /// different tasks. They share the socket; it closes when both are dropped.
    /// Dropping the write half shuts down the write side (the peer reads end
    /// of stream), as in tokio.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// let (reader, writer) = a.into_split();
    /// writer.write_all(b"x").await.unwrap();
    /// let mut buf = [0u8; 1];
    /// b.read_exact(&mut buf).await.unwrap();
    /// b.write_all(b"y").await.unwrap();
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
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// assert_eq!(a.local_addr().unwrap(), b.peer_addr().unwrap());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The remote address of the connection.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm when true).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, _b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// a.set_nodelay(true).unwrap();
    /// assert!(a.nodelay().unwrap());
    /// # });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, _b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// assert!(!a.nodelay().unwrap()); // off by default, as in std and tokio
    /// # });
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets the IP time-to-live of outgoing packets.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, _b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// a.set_ttl(60).unwrap();
    /// assert_eq!(a.ttl().unwrap(), 60);
    /// # });
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live of outgoing packets.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, _b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// assert!(a.ttl().unwrap() > 0);
    /// # });
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl_async_read!(TcpStream, this => this.io);
impl_async_write!(TcpStream, this => this.io);
impl_async_read!(&TcpStream, this => this.io);
impl_async_write!(&TcpStream, this => this.io);

/// The read half of a [`TcpStream`], from [`TcpStream::into_split`].
///
/// ```
/// # corio_reactor::doc_helpers::block_on(async {
/// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
/// let (reader, _writer) = a.into_split();
/// b.write_all(b"hi").await.unwrap();
/// let mut buf = [0u8; 2];
/// reader.read_exact(&mut buf).await.unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: Arc<TcpStream>,
}

/// The write half of a [`TcpStream`], from [`TcpStream::into_split`].
/// Dropping it shuts down the write side of the connection.
///
/// ```
/// # corio_reactor::doc_helpers::block_on(async {
/// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
/// let (_reader, writer) = a.into_split();
/// writer.write_all(b"hi").await.unwrap();
/// drop(writer);
/// let mut buf = Vec::new();
/// let mut chunk = [0u8; 8];
/// loop {
///     let n = b.read(&mut chunk).await.unwrap();
///     if n == 0 { break }
///     buf.extend_from_slice(&chunk[..n]);
/// }
/// assert_eq!(buf, b"hi");
/// # });
/// ```
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: Arc<TcpStream>,
}

impl OwnedReadHalf {
    /// Reads into `buf`; 0 means end of stream. See [`TcpStream::read`].
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// let (reader, _writer) = a.into_split();
    /// b.write_all(b"x").await.unwrap();
    /// let mut buf = [0u8; 4];
    /// assert_eq!(reader.read(&mut buf).await.unwrap(), 1);
    /// # });
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf).await
    }

    /// Fills all of `buf`. See [`TcpStream::read_exact`].
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// let (reader, _writer) = a.into_split();
    /// b.write_all(b"xy").await.unwrap();
    /// let mut buf = [0u8; 2];
    /// reader.read_exact(&mut buf).await.unwrap();
    /// # });
    /// ```
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        self.stream.read_exact(buf).await
    }

    /// The remote address of the connection.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// let (reader, _writer) = a.into_split();
    /// assert_eq!(reader.peer_addr().unwrap(), b.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The local address of the connection.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// let (reader, _writer) = a.into_split();
    /// assert_eq!(reader.local_addr().unwrap(), b.peer_addr().unwrap());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl OwnedWriteHalf {
    /// Writes some of `buf`. See [`TcpStream::write`].
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, _b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// let (_reader, writer) = a.into_split();
    /// assert_eq!(writer.write(b"abc").await.unwrap(), 3);
    /// # });
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf).await
    }

    /// Writes all of `buf`. See [`TcpStream::write_all`].
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, _b) = corio_reactor::doc_helpers::tcp_pair().await;
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
    /// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// let (_reader, writer) = a.into_split();
    /// writer.shutdown().unwrap();
    /// let mut buf = [0u8; 1];
    /// assert_eq!(b.read(&mut buf).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn shutdown(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }

    /// Sets `TCP_NODELAY`. See [`TcpStream::set_nodelay`].
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, _b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// let (_reader, writer) = a.into_split();
    /// writer.set_nodelay(true).unwrap();
    /// # });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.stream.set_nodelay(nodelay)
    }

    /// The remote address of the connection.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// let (_reader, writer) = a.into_split();
    /// assert_eq!(writer.peer_addr().unwrap(), b.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The local address of the connection.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// # let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
    /// let (_reader, writer) = a.into_split();
    /// assert_eq!(writer.local_addr().unwrap(), b.peer_addr().unwrap());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

impl_async_read!(OwnedReadHalf, this => this.stream.io);
impl_async_write!(OwnedWriteHalf, this => this.stream.io);
