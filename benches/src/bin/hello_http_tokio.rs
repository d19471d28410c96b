//! The tokio twin of corio's `hello_http` example (crates/corio/examples/hello_http.rs):
//! the same hyper 1.x "Hello, World!" server, the same settings (HTTP/1.1,
//! keep-alive, `TCP_NODELAY`, hyper's 30 s header-read timeout on the
//! runtime's timer), one tokio task per connection, for benches/http_load.sh.
//!
//! ```text
//! cargo run --release -p corio-benches --bin hello_http_tokio [ADDR]   # ADDR defaults to 127.0.0.1:3001
//! ```
//!
//! The two small adapters hyper needs from tokio (I/O and timer) are written
//! here, as hyper-util's `TokioIo` and `TokioTimer` would be, so the only
//! difference between the two servers is the runtime.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, rt};
use tokio::net::{TcpListener, TcpStream};

const HELLO: &[u8] = b"Hello, World!";

async fn hello(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(HELLO))))
}

/// hyper's `rt::Read`/`rt::Write` over a tokio `TcpStream`.
struct TokioIo(TcpStream);

impl rt::Read for TokioIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: tokio's `ReadBuf` only lets the reader initialise memory.
        let unfilled = unsafe { buf.as_mut() };
        let mut tokio_buf = tokio::io::ReadBuf::uninit(unfilled);
        std::task::ready!(tokio::io::AsyncRead::poll_read(
            Pin::new(&mut self.0),
            cx,
            &mut tokio_buf
        ))?;
        let n = tokio_buf.filled().len();
        // SAFETY: the first `n` bytes of the cursor's unfilled part were filled.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl rt::Write for TokioIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_shutdown(Pin::new(&mut self.0), cx)
    }

    fn is_write_vectored(&self) -> bool {
        tokio::io::AsyncWrite::is_write_vectored(&self.0)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write_vectored(Pin::new(&mut self.0), cx, bufs)
    }
}

/// hyper's `rt::Timer` on tokio's timer (reset in place, as corio's does).
#[derive(Clone, Copy)]
struct TokioTimer;

/// A tokio sleep as hyper's `rt::Sleep`.
struct TokioSleep(Pin<Box<tokio::time::Sleep>>);

impl Future for TokioSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl rt::Sleep for TokioSleep {}

impl rt::Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn rt::Sleep>> {
        Box::pin(TokioSleep(Box::pin(tokio::time::sleep(duration))))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn rt::Sleep>> {
        Box::pin(TokioSleep(Box::pin(tokio::time::sleep_until(
            deadline.into(),
        ))))
    }

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<TokioSleep>() {
            Some(mut ours) => ours.0.as_mut().reset(new_deadline.into()),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

async fn serve(listener: TcpListener) {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
            Err(e) => {
                eprintln!("hello_http_tokio: accept failed: {e}; retrying in 10 ms");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let connection = builder.serve_connection(TokioIo(stream), service_fn(hello));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                if !e.is_incomplete_message() && !e.is_timeout() {
                    eprintln!("hello_http_tokio: connection error: {e}");
                }
            }
        });
    }
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3001".to_owned());
    let listener = match TcpListener::bind(addr.as_str()).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("hello_http_tokio: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("hello_http_tokio (tokio + hyper) listening on http://{local}");
    serve(listener).await;
}
