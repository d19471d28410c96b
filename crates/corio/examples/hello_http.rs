//! "Hello, World!" over HTTP/1.1 with hyper 1.x on corio, and no tokio
//! runtime in the process: hyper gets corio's executor, timer and sockets
//! through `corio::compat::hyper` (feature `hyper`). Each connection is a
//! corio task.
//!
//! ```text
//! cargo run --release --features hyper --example hello_http [ADDR]   # ADDR defaults to 127.0.0.1:3000
//! curl http://127.0.0.1:3000/
//! ```
//!
//! benches/src/bin/hello_http_tokio.rs is the same server on tokio, and
//! benches/http_load.sh puts both under `wrk`. tests/tests/http.rs runs this
//! file's `serve` and checks the bytes on the wire.

use std::convert::Infallible;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use corio::compat::hyper::{CorioIo, CorioTimer};
use corio::net::TcpListener;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

/// The body every request gets.
pub const HELLO: &[u8] = b"Hello, World!";

/// The service: every request, whatever its method or path, gets `200 OK`
/// and [`HELLO`].
pub async fn hello(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(HELLO))))
}

/// Accepts connections on `listener` forever, serving each with [`hello`]
/// in its own corio task (HTTP/1.1, keep-alive, hyper's default 30 s
/// header-read timeout on corio's timer).
pub async fn serve(listener: TcpListener) {
    let mut builder = http1::Builder::new();
    builder.timer(CorioTimer::new());
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            // The peer gave up before we took it: nothing to do.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
            // Out of file descriptors or memory, say: back off, then go on.
            Err(e) => {
                eprintln!("hello_http: accept failed: {e}; retrying in 10 ms");
                corio::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // One small response per request: do not let Nagle hold it back.
        let _ = stream.set_nodelay(true);
        let connection = builder.serve_connection(CorioIo::new(stream), service_fn(hello));
        corio::spawn(async move {
            if let Err(e) = connection.await {
                // A client that hangs up mid-request, or is too slow to send
                // its headers (hyper's header-read timeout), is its own business.
                if !e.is_incomplete_message() && !e.is_timeout() {
                    eprintln!("hello_http: connection error: {e}");
                }
            }
        });
    }
}

#[allow(dead_code)] // tests/tests/http.rs includes this file and calls `serve`, not `main`
fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    corio::run(async move {
        let listener = match TcpListener::bind(addr.as_str()).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("hello_http: cannot listen on {addr}: {e}");
                std::process::exit(1);
            }
        };
        let local = listener
            .local_addr()
            .expect("a bound listener has an address");
        println!("hello_http (corio + hyper) listening on http://{local}");
        serve(listener).await;
    });
}
