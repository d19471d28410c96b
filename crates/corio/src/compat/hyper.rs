//! hyper 1.x on corio (feature `hyper`): hyper's runtime traits implemented
//! for corio, so hyper servers and clients run with no tokio runtime in the
//! process.
//!
//! hyper 1.x knows no runtime; it asks for four things, and this module has
//! one type for each (they play the parts of hyper-util's `TokioExecutor`,
//! `TokioTimer` and `TokioIo`):
//!
//! | hyper needs | corio gives | used for |
//! | --- | --- | --- |
//! | `rt::Executor` | [`CorioExecutor`]: spawns on the current (or a given) corio runtime | HTTP/2 streams, a client connection's background task |
//! | `rt::Timer` (+ `rt::Sleep`) | [`CorioTimer`] (sleeps are [`CorioSleep`]s on corio's timer wheel, virtual clock included) | header read timeouts, keep-alive |
//! | `rt::Read` + `rt::Write` | [`CorioIo`] around anything with tokio's `AsyncRead`/`AsyncWrite` (corio's sockets and files with this feature) | the connection itself |
//!
//! [`CorioIo`] also works the other way round: around a hyper I/O object (an
//! upgraded connection, say) it gives tokio's and futures-io's `AsyncRead` and
//! `AsyncWrite`.
//!
//! hyper's own features (`http1`, `http2`, `server`, `client`) are the
//! user's to turn on in their `Cargo.toml`; this feature only needs hyper's
//! always-present `rt` module.
//!
//! # Example: a server and a client, both on corio
//!
//! ```
//! use std::convert::Infallible;
//! use bytes::Bytes;
//! use http_body_util::{BodyExt, Full};
//! use hyper::{Request, Response, body::Incoming, service::service_fn};
//! use corio::compat::hyper::{CorioExecutor, CorioIo, CorioTimer};
//! use corio::net::{TcpListener, TcpStream};
//!
//! async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
//!     Ok(Response::new(Full::new(Bytes::from_static(b"Hello, World!"))))
//! }
//!
//! corio::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     // The server: one corio task per connection.
//!     corio::spawn(async move {
//!         loop {
//!             let (stream, _) = listener.accept().await.unwrap();
//!             corio::spawn(async move {
//!                 let _ = hyper::server::conn::http1::Builder::new()
//!                     .timer(CorioTimer::new())
//!                     .serve_connection(CorioIo::new(stream), service_fn(hello))
//!                     .await;
//!             });
//!         }
//!     });
//!
//!     // The client: the connection runs as a corio task, through the executor.
//!     let stream = TcpStream::connect(addr).await.unwrap();
//!     let (mut sender, conn) = hyper::client::conn::http1::handshake(CorioIo::new(stream)).await.unwrap();
//!     hyper::rt::Executor::execute(&CorioExecutor::new(), async move { let _ = conn.await; });
//!     let request = Request::get("/").header("host", "localhost").body(Full::<Bytes>::default()).unwrap();
//!     let response = sender.send_request(request).await.unwrap();
//!     assert_eq!(response.status(), 200);
//!     let body = response.into_body().collect().await.unwrap().to_bytes();
//!     assert_eq!(&body[..], b"Hello, World!");
//! });
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ::hyper::rt;

use crate::Handle;
use crate::time::Sleep;

/// hyper's `rt::Executor` on corio: each future hyper hands over becomes a
/// detached corio task (the runtime owns it; a panic in it is reported, as
/// for any detached task).
///
/// [`CorioExecutor::new`] spawns on the runtime current at each `execute`
/// call (so it panics outside a runtime, as [`spawn`](crate::spawn) does);
/// [`CorioExecutor::with_handle`] always spawns on the given runtime, from
/// any thread.
///
/// ```
/// use hyper::rt::Executor;
/// use corio::compat::hyper::CorioExecutor;
///
/// corio::run(async {
///     let (tx, rx) = corio::sync::oneshot::channel();
///     CorioExecutor::new().execute(async move { tx.send(7).unwrap() });
///     assert_eq!(rx.await.unwrap(), 7);
/// });
/// ```
#[derive(Clone, Debug, Default)]
pub struct CorioExecutor {
    handle: Option<Handle>,
}

impl CorioExecutor {
    /// An executor that spawns on the runtime current when hyper calls it.
    ///
    /// ```
    /// let executor = corio::compat::hyper::CorioExecutor::new(); // no runtime needed yet
    /// # drop(executor);
    /// ```
    pub fn new() -> CorioExecutor {
        CorioExecutor { handle: None }
    }

    /// An executor that spawns on `handle`'s runtime, whichever thread hyper
    /// calls it from.
    ///
    /// ```
    /// use hyper::rt::Executor;
    ///
    /// let runtime = corio::Runtime::new().unwrap();
    /// let executor = corio::compat::hyper::CorioExecutor::with_handle(runtime.handle().clone());
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// executor.execute(async move { tx.send("ran on corio").unwrap() }); // from outside the runtime
    /// assert_eq!(rx.recv().unwrap(), "ran on corio");
    /// ```
    pub fn with_handle(handle: Handle) -> CorioExecutor {
        CorioExecutor {
            handle: Some(handle),
        }
    }
}

impl<F> rt::Executor<F> for CorioExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    #[track_caller]
    fn execute(&self, future: F) {
        // Dropping the `Task` handle detaches the task; the runtime keeps it.
        match &self.handle {
            Some(handle) => drop(handle.spawn(future)),
            None => drop(crate::spawn(future)),
        }
    }
}

/// hyper's `rt::Timer` on corio's timer wheel.
///
/// Its clock is corio's ([`time::now`](crate::time::now)), so a runtime
/// with a paused clock runs hyper's timeouts on virtual time too. `reset`
/// moves the existing [`CorioSleep`] instead of allocating a new one (hyper
/// resets its header-read timer once per request).
///
/// ```
/// use std::time::Duration;
/// use hyper::rt::Timer;
/// use corio::compat::hyper::{CorioSleep, CorioTimer};
///
/// let runtime = corio::Runtime::builder().start_paused(true).build().unwrap();
/// runtime.block_on(async {
///     let timer = CorioTimer::new();
///     let start = timer.now();
///     let mut sleep = timer.sleep(Duration::from_secs(30));
///     timer.reset(&mut sleep, start + Duration::from_secs(60));
///     let moved = sleep.as_mut().downcast_mut_pin::<CorioSleep>().unwrap();
///     assert_eq!(moved.deadline(), start + Duration::from_secs(60)); // the same sleep, moved
///     sleep.await; // a minute of virtual time, no real wait
///     assert_eq!(timer.now() - start, Duration::from_secs(60));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct CorioTimer {
    _private: (),
}

impl CorioTimer {
    /// A timer on the current corio runtime's clock (each sleep takes the
    /// runtime that polls it first, as [`sleep`](crate::sleep) does).
    ///
    /// ```
    /// let timer = corio::compat::hyper::CorioTimer::new();
    /// let mut builder = hyper::server::conn::http1::Builder::new();
    /// builder.timer(timer); // then `builder.serve_connection(io, service)`
    /// ```
    pub fn new() -> CorioTimer {
        CorioTimer { _private: () }
    }
}

impl rt::Timer for CorioTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn rt::Sleep>> {
        Box::pin(CorioSleep {
            inner: crate::time::sleep(duration),
        })
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn rt::Sleep>> {
        Box::pin(CorioSleep {
            inner: crate::time::sleep_until(deadline),
        })
    }

    fn now(&self) -> Instant {
        crate::time::now()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<CorioSleep>() {
            Some(mut ours) => ours.inner.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// The sleeps [`CorioTimer`] gives hyper: a corio [`Sleep`] that is also
/// hyper's `rt::Sleep` (`Send + Sync + Unpin`).
///
/// ```
/// use hyper::rt::Timer;
/// use corio::compat::hyper::{CorioSleep, CorioTimer};
///
/// corio::run(async {
///     let mut sleep = CorioTimer::new().sleep(std::time::Duration::from_millis(1));
///     assert!(sleep.as_mut().downcast_mut_pin::<CorioSleep>().is_some());
///     sleep.await;
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct CorioSleep {
    inner: Sleep,
}

impl CorioSleep {
    /// When the sleep completes, on corio's clock.
    ///
    /// ```
    /// use hyper::rt::Timer;
    /// use corio::compat::hyper::{CorioSleep, CorioTimer};
    ///
    /// corio::run(async {
    ///     let deadline = corio::time::now() + std::time::Duration::from_secs(1);
    ///     let mut sleep = CorioTimer::new().sleep_until(deadline);
    ///     assert_eq!(sleep.as_mut().downcast_mut_pin::<CorioSleep>().unwrap().deadline(), deadline);
    /// });
    /// ```
    pub fn deadline(&self) -> Instant {
        self.inner.deadline()
    }
}

impl Future for CorioSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl rt::Sleep for CorioSleep {}

// hyper's `rt::Sleep` needs `Send + Sync`; `reset` relies on `Unpin`.
const _: () = {
    const fn sleep_fits_hyper<T: Send + Sync + Unpin + 'static>() {}
    sleep_fits_hyper::<CorioSleep>();
};

pin_project_lite::pin_project! {
    /// Adapts I/O between tokio's traits and hyper's: around a value with
    /// tokio's `AsyncRead`/`AsyncWrite` (corio's sockets and files with the
    /// `tokio-io` feature, which `hyper` turns on) it is hyper's
    /// `rt::Read`/`rt::Write`; around a hyper I/O object (such as
    /// `hyper::upgrade::Upgraded`) it is tokio's and futures-io's
    /// `AsyncRead`/`AsyncWrite`.
    ///
    /// Reads go straight into hyper's uninitialised buffer: nothing is zeroed.
    ///
    /// ```
    /// use corio::compat::hyper::CorioIo;
    /// use corio::net::{TcpListener, TcpStream};
    ///
    /// corio::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let io = CorioIo::new(stream); // ready for hyper's `serve_connection` or `handshake`
    ///     assert!(io.inner().peer_addr().is_ok());
    ///     let stream: TcpStream = io.into_inner();
    ///     # drop(stream);
    /// });
    /// ```
    #[derive(Debug)]
    pub struct CorioIo<T> {
        #[pin]
        inner: T,
    }
}

impl<T> CorioIo<T> {
    /// Wraps `inner`.
    ///
    /// ```
    /// let io = corio::compat::hyper::CorioIo::new(std::io::empty());
    /// # drop(io);
    /// ```
    pub fn new(inner: T) -> CorioIo<T> {
        CorioIo { inner }
    }

    /// The wrapped value.
    ///
    /// ```
    /// let io = corio::compat::hyper::CorioIo::new(5u8);
    /// assert_eq!(*io.inner(), 5);
    /// ```
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped value, mutably.
    ///
    /// ```
    /// let mut io = corio::compat::hyper::CorioIo::new(5u8);
    /// *io.inner_mut() += 1;
    /// assert_eq!(io.into_inner(), 6);
    /// ```
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the value.
    ///
    /// ```
    /// assert_eq!(corio::compat::hyper::CorioIo::new("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: tokio::io::AsyncRead> rt::Read for CorioIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: tokio's `ReadBuf` lets the reader only initialise memory
        // (never de-initialise it), which is all `as_mut` asks of us.
        let unfilled = unsafe { buf.as_mut() };
        let mut tokio_buf = tokio::io::ReadBuf::uninit(unfilled);
        match tokio::io::AsyncRead::poll_read(self.project().inner, cx, &mut tokio_buf) {
            Poll::Ready(Ok(())) => {
                let n = tokio_buf.filled().len();
                // SAFETY: the `n` filled bytes of `tokio_buf` are the first
                // `n` bytes of the cursor's unfilled part, and are initialised.
                unsafe { buf.advance(n) };
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl<T: tokio::io::AsyncWrite> rt::Write for CorioIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write(self.project().inner, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_flush(self.project().inner, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_shutdown(self.project().inner, cx)
    }

    fn is_write_vectored(&self) -> bool {
        tokio::io::AsyncWrite::is_write_vectored(&self.inner)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write_vectored(self.project().inner, cx, bufs)
    }
}

impl<T: rt::Read> tokio::io::AsyncRead for CorioIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        tokio_buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let filled = tokio_buf.filled().len();
        // SAFETY: hyper's `ReadBuf` lets the reader only initialise memory
        // (never de-initialise it), which is all `unfilled_mut` asks of us.
        let unfilled = unsafe { tokio_buf.unfilled_mut() };
        let mut buf = rt::ReadBuf::uninit(unfilled);
        std::task::ready!(rt::Read::poll_read(
            self.project().inner,
            cx,
            buf.unfilled()
        ))?;
        let n = buf.filled().len();
        // SAFETY: the `n` filled bytes of `buf` are the first `n` unfilled
        // bytes of `tokio_buf`, and are initialised.
        unsafe { tokio_buf.assume_init(n) };
        tokio_buf.set_filled(filled + n);
        Poll::Ready(Ok(()))
    }
}

impl<T: rt::Write> tokio::io::AsyncWrite for CorioIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        rt::Write::poll_write(self.project().inner, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        rt::Write::poll_flush(self.project().inner, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        rt::Write::poll_shutdown(self.project().inner, cx)
    }

    fn is_write_vectored(&self) -> bool {
        rt::Write::is_write_vectored(&self.inner)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        rt::Write::poll_write_vectored(self.project().inner, cx, bufs)
    }
}

impl<T: rt::Read> futures_io::AsyncRead for CorioIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = rt::ReadBuf::new(dst);
        std::task::ready!(rt::Read::poll_read(
            self.project().inner,
            cx,
            buf.unfilled()
        ))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

impl<T: rt::Write> futures_io::AsyncWrite for CorioIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        rt::Write::poll_write(self.project().inner, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        rt::Write::poll_write_vectored(self.project().inner, cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        rt::Write::poll_flush(self.project().inner, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        rt::Write::poll_shutdown(self.project().inner, cx)
    }
}
