//! hyper 1.x on corio (feature `hyper`): the example server
//! (crates/corio/examples/hello_http.rs, included below) checked byte for
//! byte with a plain std `TcpStream`, a hyper client on corio talking to it,
//! and hyper's timer running on corio's (virtual) clock. No tokio runtime is
//! started anywhere in this process.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use corio::compat::hyper::{CorioExecutor, CorioIo};
use corio::net::{TcpListener, TcpStream};
use corio_tests::{threads_named, within};
use http_body_util::{BodyExt, Full};
use hyper::Request;

#[allow(dead_code)] // its `main` is the example's, unused here
#[path = "../../crates/corio/examples/hello_http.rs"]
mod hello_http;

const LIMIT: Duration = Duration::from_secs(20);

/// A runtime serving the example's `serve` on a free port of 127.0.0.1.
fn start_server(paused: bool) -> (corio::Runtime, SocketAddr) {
    let runtime = corio::Runtime::builder()
        .worker_threads(2)
        .start_paused(paused)
        .build()
        .unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    drop(runtime.spawn(hello_http::serve(listener)));
    (runtime, addr)
}

/// Reads one response with a `content-length` from a blocking stream: the
/// head up to the blank line, then exactly that many body bytes.
fn read_response(stream: &mut std::net::TcpStream) -> Vec<u8> {
    let mut response = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(head_end) = find(&response, b"\r\n\r\n") {
            let head = std::str::from_utf8(&response[..head_end]).unwrap();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length: "))
                .expect("a content-length header")
                .parse()
                .unwrap();
            if response.len() >= head_end + 4 + length {
                assert_eq!(
                    response.len(),
                    head_end + 4 + length,
                    "bytes after the body"
                );
                return response;
            }
        }
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "the server closed mid-response: {response:?}");
        response.extend_from_slice(&chunk[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The value of the response's `date` header, checked to be an RFC 9110
/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
fn imf_date(response: &[u8]) -> String {
    let text = std::str::from_utf8(response).unwrap();
    let date = text
        .split("\r\n")
        .find_map(|line| line.strip_prefix("date: "))
        .expect("a date header")
        .to_owned();
    let b = date.as_bytes();
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    assert_eq!(b.len(), 29, "date {date:?}");
    assert!(days.contains(&&date[..3]), "date {date:?}");
    assert_eq!(&date[3..5], ", ", "date {date:?}");
    assert!(date.ends_with(" GMT"), "date {date:?}");
    for (i, c) in b.iter().enumerate() {
        if [5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24].contains(&i) {
            assert!(c.is_ascii_digit(), "date {date:?}");
        }
    }
    date
}

#[test]
fn example_server_speaks_http11_byte_for_byte() {
    within(LIMIT, || {
        let (runtime, addr) = start_server(false);
        let mut client = std::net::TcpStream::connect(addr).unwrap();

        // Keep-alive: two requests on one connection.
        for path in ["/", "/anything?at=all"] {
            let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            client.write_all(request.as_bytes()).unwrap();
            let response = read_response(&mut client);
            let date = imf_date(&response);
            let expected = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: 13\r\ndate: {date}\r\n\r\nHello, World!"
            );
            assert_eq!(
                String::from_utf8(response).unwrap(),
                expected,
                "response to GET {path}"
            );
        }

        // `Connection: close`: the answer says so, then the server hangs up.
        client
            .write_all(b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
            .unwrap();
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).unwrap();
        let date = imf_date(&rest);
        let expected = format!(
            "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 13\r\ndate: {date}\r\n\r\nHello, World!"
        );
        assert_eq!(String::from_utf8(rest).unwrap(), expected);

        // A malformed request gets hyper's 400, then the connection closes.
        let mut bad = std::net::TcpStream::connect(addr).unwrap();
        bad.write_all(b"NOT HTTP AT ALL\r\n\r\n").unwrap();
        let mut answer = Vec::new();
        bad.read_to_end(&mut answer).unwrap();
        let answer = String::from_utf8(answer).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "answer to garbage: {answer:?}"
        );

        assert_eq!(threads_named("tokio"), 0, "no tokio runtime thread");
        drop(runtime);
    });
}

#[test]
fn hyper_client_on_corio_talks_to_hyper_server_on_corio() {
    within(LIMIT, || {
        let (runtime, addr) = start_server(false);
        runtime.block_on(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(CorioIo::new(stream))
                    .await
                    .unwrap();
            // The client connection's background half runs as a corio task.
            hyper::rt::Executor::execute(&CorioExecutor::new(), async move {
                connection.await.expect("the client connection failed");
            });

            for i in 0..3 {
                sender.ready().await.unwrap();
                let request = Request::post(format!("/request/{i}"))
                    .header("host", "127.0.0.1")
                    .body(Full::new(Bytes::from(format!("body {i}"))))
                    .unwrap();
                let response = sender.send_request(request).await.unwrap();
                assert_eq!(response.status(), 200);
                assert_eq!(response.headers()["content-length"], "13");
                let body = response.into_body().collect().await.unwrap().to_bytes();
                assert_eq!(&body[..], hello_http::HELLO);
            }
        });
        assert_eq!(threads_named("tokio"), 0, "no tokio runtime thread");
    });
}

#[test]
fn header_read_timeout_runs_on_corio_virtual_clock() {
    within(LIMIT, || {
        // Paused clock: hyper's 30 s header-read timeout (on `CorioTimer`)
        // passes in virtual time as soon as every task waits. (Only a client
        // that is cut off is checked here: with virtual time, a server waiting
        // on an outside client may time it out before its bytes arrive.)
        let (runtime, addr) = start_server(true);
        let start = runtime.handle().now();
        let real_start = Instant::now();

        let mut slow = std::net::TcpStream::connect(addr).unwrap();
        // Half a request head, and never the rest.
        let _ = slow.write_all(b"GET / HTTP/1.1\r\nHost: 127.");
        let mut answer = Vec::new();
        match slow.read_to_end(&mut answer) {
            Ok(_) => assert!(
                answer.is_empty(),
                "no response to a timed-out head: {answer:?}"
            ),
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
        }

        let waited = runtime.handle().now() - start;
        assert!(
            waited >= Duration::from_secs(30),
            "the server hung up after {waited:?} of corio time, before hyper's 30 s header timeout"
        );
        assert!(
            real_start.elapsed() < Duration::from_secs(15),
            "virtual time: no real 30 s wait"
        );
    });
}

#[test]
fn header_read_timeout_on_the_real_clock() {
    within(LIMIT, || {
        const TIMEOUT: Duration = Duration::from_millis(300);
        let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        drop(runtime.spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(corio::compat::hyper::CorioTimer::new())
                .header_read_timeout(TIMEOUT);
            let result = builder
                .serve_connection(
                    CorioIo::new(stream),
                    hyper::service::service_fn(hello_http::hello),
                )
                .await;
            assert!(result.unwrap_err().is_timeout());
        }));

        let start = Instant::now();
        let mut slow = std::net::TcpStream::connect(addr).unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: 127.").unwrap();
        let mut answer = Vec::new();
        match slow.read_to_end(&mut answer) {
            Ok(_) => assert!(
                answer.is_empty(),
                "no response to a timed-out head: {answer:?}"
            ),
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
        }
        assert!(
            start.elapsed() >= TIMEOUT,
            "cut off after {:?}, before the {TIMEOUT:?} header timeout",
            start.elapsed()
        );
    });
}

/// HTTP/2 (cleartext, prior knowledge) with hyper on corio at both ends: one
/// connection, 20 requests in flight at once. hyper runs each h2 stream and
/// the connection's background work through `CorioExecutor`.
#[test]
fn http2_multiplexes_concurrent_requests_on_one_connection() {
    use hyper::body::Incoming;
    use hyper::service::service_fn;

    within(LIMIT, || {
        let runtime = corio::Runtime::builder().worker_threads(2).build().unwrap();
        runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = corio::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let service = service_fn(|request: Request<Incoming>| async move {
                    let path = request.uri().path().to_string();
                    let body = request.into_body().collect().await?.to_bytes();
                    let reply = format!("{path}:{}", String::from_utf8_lossy(&body));
                    Ok::<_, hyper::Error>(hyper::Response::new(Full::new(Bytes::from(reply))))
                });
                hyper::server::conn::http2::Builder::new(CorioExecutor::new())
                    .serve_connection(CorioIo::new(stream), service)
                    .await
            });

            let stream = TcpStream::connect(addr).await.unwrap();
            let (sender, connection) =
                hyper::client::conn::http2::handshake(CorioExecutor::new(), CorioIo::new(stream))
                    .await
                    .unwrap();
            let driver = corio::spawn(connection);
            let requests = (0..20).map(|i| {
                let mut sender = sender.clone();
                async move {
                    let request = Request::post(format!("http://{addr}/stream/{i}"))
                        .body(Full::new(Bytes::from(format!("body {i}"))))
                        .unwrap();
                    let response = sender.send_request(request).await.unwrap();
                    assert_eq!(response.version(), hyper::Version::HTTP_2);
                    assert_eq!(response.status(), 200);
                    response.into_body().collect().await.unwrap().to_bytes()
                }
            });
            let bodies = corio::gather(requests.map(corio::spawn)).await;
            for (i, body) in bodies.into_iter().enumerate() {
                let body = body.unwrap();
                assert_eq!(&body[..], format!("/stream/{i}:body {i}").as_bytes());
            }
            // Closing the client ends both connection tasks. The server's
            // closing `shutdown(Write)` may find the client's side already
            // gone (`NotConnected`), which is the end of a connection too.
            drop(sender);
            driver.await.unwrap().unwrap();
            if let Err(e) = server.await.unwrap() {
                let io = std::error::Error::source(&e)
                    .and_then(|s| s.downcast_ref::<io::Error>())
                    .map(io::Error::kind);
                assert_eq!(io, Some(io::ErrorKind::NotConnected), "{e:?}");
            }
        });
        assert_eq!(threads_named("tokio"), 0, "no tokio runtime thread");
    });
}
