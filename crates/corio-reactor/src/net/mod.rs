//! Non-blocking sockets on the reactor: TCP, UDP and Unix-domain.
//!
//! Each type wraps a std socket in non-blocking mode, registered with the
//! thread's current reactor (an error, never a panic, if there is none); its
//! fd joins the poller at the first operation that has to wait. The
//! streams and their owned halves implement `futures_io::AsyncRead` /
//! `AsyncWrite`, and with the `tokio-io` feature tokio's `AsyncRead` /
//! `AsyncWrite`. Every read, write, accept and receive spends one unit of the
//! task's cooperative budget. A socket deregisters itself from the reactor in
//! `Drop`, before its fd closes.
//!
//! Addresses are resolved with std's `ToSocketAddrs`, which blocks for host
//! names that need DNS: pass IP addresses (or resolve on the blocking pool) in
//! code that must never block a worker.
//!
//! ```
//! # corio_reactor::doc_helpers::block_on(async {
//! use corio_reactor::net::{TcpListener, TcpStream};
//! use corio_reactor::doc_helpers::join;
//!
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let server = async {
//!     let (stream, _) = listener.accept().await?;
//!     let mut buf = [0u8; 5];
//!     stream.read_exact(&mut buf).await?;
//!     stream.write_all(&buf).await?;
//!     std::io::Result::Ok(())
//! };
//! let client = async {
//!     let stream = TcpStream::connect(addr).await?;
//!     stream.write_all(b"hello").await?;
//!     let mut buf = [0u8; 5];
//!     stream.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"hello");
//!     std::io::Result::Ok(())
//! };
//! let (a, b) = join(server, client).await;
//! a?;
//! b?;
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```

pub mod tcp;
pub mod udp;
pub mod unix;

pub use tcp::{TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixListener, UnixStream};

use std::io;

fn no_addresses() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "could not resolve to any address",
    )
}

/// Implements the async read traits for `$ty`, whose `Async` object `$io` is
/// reached from `$this: &$ty`.
macro_rules! impl_async_read {
    ($ty:ty, $this:ident => $io:expr) => {
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $io.poll_read_buf(cx, true, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $io.poll_read_vectored_bufs(cx, true, bufs)
            }
        }

        #[cfg(feature = "tokio-io")]
        impl tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $this = &*self;
                // SAFETY: `poll_read_uninit` only lets the kernel write into
                // the unfilled part; nothing is de-initialised.
                let unfilled = unsafe { buf.unfilled_mut() };
                let n = std::task::ready!($io.poll_read_uninit(cx, unfilled))?;
                // SAFETY: the kernel initialised the first `n` unfilled bytes.
                unsafe { buf.assume_init(n) };
                buf.advance(n);
                std::task::Poll::Ready(Ok(()))
            }
        }
    };
}

/// Implements the async write traits for `$ty`; closing shuts down the write side.
macro_rules! impl_async_write {
    ($ty:ty, $this:ident => $io:expr) => {
        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $io.poll_write_buf(cx, true, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $io.poll_write_vectored_bufs(cx, true, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $this = &*self;
                std::task::Poll::Ready($io.get_ref().shutdown(std::net::Shutdown::Write))
            }
        }

        #[cfg(feature = "tokio-io")]
        impl tokio::io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $io.poll_write_buf(cx, true, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                $io.poll_write_vectored_bufs(cx, true, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $this = &*self;
                std::task::Poll::Ready($io.get_ref().shutdown(std::net::Shutdown::Write))
            }
        }
    };
}

/// The inherent read/write helpers shared by the stream types.
macro_rules! stream_methods {
    () => {
        /// Reads into `buf`; 0 means end of stream (or an empty `buf`).
        ///
        /// ```
        /// # corio_reactor::doc_helpers::block_on(async {
        #[doc = doc_pair!()]
        /// b.write_all(b"abc").await.unwrap();
        /// let mut buf = [0u8; 8];
        /// let n = a.read(&mut buf).await.unwrap();
        /// assert_eq!(&buf[..n], b"abc");
        /// # });
        /// ```
        pub async fn read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
            std::future::poll_fn(|cx| self.io.poll_read_buf(cx, true, buf)).await
        }

        /// Writes some of `buf`; returns how many bytes were written.
        ///
        /// ```
        /// # corio_reactor::doc_helpers::block_on(async {
        #[doc = doc_pair!()]
        /// let n = a.write(b"abc").await.unwrap();
        /// assert_eq!(n, 3);
        /// # let _ = b;
        /// # });
        /// ```
        pub async fn write(&self, buf: &[u8]) -> std::io::Result<usize> {
            std::future::poll_fn(|cx| self.io.poll_write_buf(cx, true, buf)).await
        }

        /// Writes all of `buf`, waiting for room as needed.
        ///
        /// ```
        /// # corio_reactor::doc_helpers::block_on(async {
        #[doc = doc_pair!()]
        /// a.write_all(b"abc").await.unwrap();
        /// let mut buf = [0u8; 3];
        /// b.read_exact(&mut buf).await.unwrap();
        /// # });
        /// ```
        pub async fn write_all(&self, mut buf: &[u8]) -> std::io::Result<()> {
            while !buf.is_empty() {
                match self.write(buf).await? {
                    0 => return Err(std::io::ErrorKind::WriteZero.into()),
                    n => buf = &buf[n..],
                }
            }
            Ok(())
        }

        /// Fills all of `buf`; an `UnexpectedEof` error if the stream ends first.
        ///
        /// ```
        /// # corio_reactor::doc_helpers::block_on(async {
        #[doc = doc_pair!()]
        /// b.write_all(b"abcd").await.unwrap();
        /// let mut buf = [0u8; 4];
        /// a.read_exact(&mut buf).await.unwrap();
        /// assert_eq!(&buf, b"abcd");
        /// # });
        /// ```
        pub async fn read_exact(&self, mut buf: &mut [u8]) -> std::io::Result<()> {
            while !buf.is_empty() {
                match self.read(buf).await? {
                    0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                    n => buf = &mut buf[n..],
                }
            }
            Ok(())
        }

        /// Waits until the stream may be readable.
        ///
        /// ```
        /// # corio_reactor::doc_helpers::block_on(async {
        #[doc = doc_pair!()]
        /// b.write_all(b"x").await.unwrap();
        /// a.readable().await.unwrap();
        /// # });
        /// ```
        pub async fn readable(&self) -> std::io::Result<()> {
            self.io.readable().await
        }

        /// Waits until the stream may be writable.
        ///
        /// ```
        /// # corio_reactor::doc_helpers::block_on(async {
        #[doc = doc_pair!()]
        /// a.writable().await.unwrap();
        /// # let _ = b;
        /// # });
        /// ```
        pub async fn writable(&self) -> std::io::Result<()> {
            self.io.writable().await
        }

        /// Shuts down the read side, the write side or both (see
        /// [`std::net::Shutdown`]); after `Shutdown::Write` the peer reads end
        /// of stream.
        ///
        /// ```
        /// # corio_reactor::doc_helpers::block_on(async {
        #[doc = doc_pair!()]
        /// a.shutdown(std::net::Shutdown::Write).unwrap();
        /// let mut buf = [0u8; 1];
        /// assert_eq!(b.read(&mut buf).await.unwrap(), 0);
        /// # });
        /// ```
        pub fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
            self.io.get_ref().shutdown(how)
        }

        /// The socket's pending error (`SO_ERROR`), clearing it.
        ///
        /// ```
        /// # corio_reactor::doc_helpers::block_on(async {
        #[doc = doc_pair!()]
        /// assert!(a.take_error().unwrap().is_none());
        /// # let _ = b;
        /// # });
        /// ```
        pub fn take_error(&self) -> std::io::Result<Option<std::io::Error>> {
            self.io.get_ref().take_error()
        }
    };
}

pub(crate) use {impl_async_read, impl_async_write, stream_methods};
