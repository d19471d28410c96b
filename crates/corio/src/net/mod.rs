//! Networking: TCP, UDP and Unix sockets on corio's reactor.
//!
//! | asyncio | corio |
//! | --- | --- |
//! | `loop.create_server`, raw sockets | [`TcpListener::bind(addr).await`](TcpListener), `listener.accept().await` |
//! | `loop.create_connection` | [`TcpStream::connect(addr).await`](TcpStream) |
//! | `loop.create_datagram_endpoint` | [`UdpSocket::bind(addr).await`](UdpSocket) |
//! | Unix sockets | [`UnixListener`], [`UnixStream`] |
//!
//! The streams implement `futures_io::AsyncRead`/`AsyncWrite` (and tokio's
//! I/O traits with the `tokio-io` feature).
//!
//! # Example
//!
//! ```
//! use corio::net::{TcpListener, TcpStream};
//!
//! corio::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     let server = corio::spawn(async move {
//!         let (mut stream, _) = listener.accept().await.unwrap();
//!         let mut buf = [0u8; 5];
//!         stream.read_exact(&mut buf).await.unwrap();
//!         stream.write_all(&buf).await.unwrap();
//!     });
//!     let mut client = TcpStream::connect(addr).await.unwrap();
//!     client.write_all(b"hello").await.unwrap();
//!     let mut echo = [0u8; 5];
//!     client.read_exact(&mut echo).await.unwrap();
//!     assert_eq!(&echo, b"hello");
//!     server.await.unwrap();
//! });
//! ```

pub use corio_reactor::net::{
    TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream, tcp, udp, unix,
};

pub mod streams;
pub use streams::{
    DEFAULT_HIGH_WATER_MARK, DEFAULT_LIMIT, IncompleteReadError, LimitOverrunError, Lines,
    ReadError, Server, StreamReader, StreamWriter, open_connection, open_unix_connection,
    start_server,
};
