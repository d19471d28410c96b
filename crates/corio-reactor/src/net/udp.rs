//! UDP: [`UdpSocket`].

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{self, SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use super::no_addresses;
use crate::async_io::Async;

/// A UDP socket.
///
/// All operations take `&self`; share it (for example in an `Arc`) to send
/// from one task while another receives.
///
/// ```
/// # corio_reactor::doc_helpers::block_on(async {
/// use corio_reactor::net::UdpSocket;
/// let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
/// let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
/// a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
/// let mut buf = [0u8; 16];
/// let (n, from) = b.recv_from(&mut buf).await.unwrap();
/// assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr().unwrap()));
/// # });
/// ```
pub struct UdpSocket {
    io: Async<net::UdpSocket>,
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UdpSocket").field(self.io.get_ref()).finish()
    }
}

fn first_addr<A: ToSocketAddrs>(addr: A) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?.next().ok_or_else(no_addresses)
}

impl UdpSocket {
    /// Binds a socket to `addr` (trying each resolved address in turn) and
    /// registers it with the current reactor.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let socket = corio_reactor::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert_ne!(socket.local_addr().unwrap().port(), 0);
    /// # });
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        UdpSocket::from_std(net::UdpSocket::bind(addr)?)
    }

    /// Wraps a std socket: puts it in non-blocking mode and registers it.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::with_reactor(|| {
    /// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let socket = corio_reactor::net::UdpSocket::from_std(std_socket).unwrap();
    /// # let _ = socket;
    /// # });
    /// ```
    pub fn from_std(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: Async::new_nonblocking(socket)?,
        })
    }

    /// Deregisters the socket and returns the std one (still non-blocking).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let socket = corio_reactor::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let std_socket: std::net::UdpSocket = socket.into_std().unwrap();
    /// # let _ = std_socket;
    /// # });
    /// ```
    pub fn into_std(self) -> io::Result<net::UdpSocket> {
        self.io.into_inner()
    }

    /// Sets the default peer: `send`/`recv` then talk to it only.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use corio_reactor::net::UdpSocket;
    /// let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.connect(b.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    /// # });
    /// ```
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        self.io.get_ref().connect(first_addr(addr)?)
    }

    /// Sends `buf` to the connected peer; returns the bytes sent.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use corio_reactor::net::UdpSocket;
    /// let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.connect(b.local_addr().unwrap()).await.unwrap();
    /// b.connect(a.local_addr().unwrap()).await.unwrap();
    /// a.send(b"hi").await.unwrap();
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv(&mut buf).await.unwrap(), 2);
    /// # });
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.io.poll_write_with(cx, |s| s.send(buf))).await
    }

    /// Receives one datagram from the connected peer into `buf`; returns its
    /// length (a datagram longer than `buf` is truncated).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use corio_reactor::net::UdpSocket;
    /// let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// b.connect(a.local_addr().unwrap()).await.unwrap();
    /// a.send_to(b"hey", b.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0u8; 8];
    /// let n = b.recv(&mut buf).await.unwrap();
    /// assert_eq!(&buf[..n], b"hey");
    /// # });
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.io.poll_read_with(cx, |s| s.recv(buf))).await
    }

    /// Sends `buf` to `target` (the first address it resolves to).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use corio_reactor::net::UdpSocket;
    /// let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert_eq!(a.send_to(b"abc", b.local_addr().unwrap()).await.unwrap(), 3);
    /// # });
    /// ```
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let target = first_addr(target)?;
        poll_fn(|cx| self.poll_send_to(cx, buf, target)).await
    }

    /// Receives one datagram into `buf`; returns its length and its sender.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use corio_reactor::net::UdpSocket;
    /// let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.send_to(b"abc", b.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0u8; 8];
    /// let (n, from) = b.recv_from(&mut buf).await.unwrap();
    /// assert_eq!((n, from), (3, a.local_addr().unwrap()));
    /// # });
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| self.poll_recv_from(cx, buf)).await
    }

    /// Poll form of [`send_to`](UdpSocket::send_to).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use corio_reactor::net::UdpSocket;
    /// let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let to = UdpSocket::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    /// let n = std::future::poll_fn(|cx| a.poll_send_to(cx, b"x", to)).await.unwrap();
    /// assert_eq!(n, 1);
    /// # });
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| s.send_to(buf, target))
    }

    /// Poll form of [`recv_from`](UdpSocket::recv_from).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// use corio_reactor::net::UdpSocket;
    /// let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.send_to(b"x", b.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0u8; 4];
    /// let (n, _) = std::future::poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await.unwrap();
    /// assert_eq!(n, 1);
    /// # });
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_read_with(cx, |s| s.recv_from(buf))
    }

    /// The address the socket is bound to.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let socket = corio_reactor::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert!(socket.local_addr().unwrap().ip().is_loopback());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address (an error if not connected).
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let socket = corio_reactor::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert!(socket.peer_addr().is_err());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `SO_BROADCAST`.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let socket = corio_reactor::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// socket.set_broadcast(true).unwrap();
    /// assert!(socket.broadcast().unwrap());
    /// # });
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// ```
    /// # corio_reactor::doc_helpers::block_on(async {
    /// let socket = corio_reactor::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert!(!socket.broadcast().unwrap());
    /// # });
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}
