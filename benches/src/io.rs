//! The I/O workloads (issue 5): loopback TCP on corio's reactor beside
//! tokio's, each written twice with the same structure (corio's sockets
//! take `&self`, tokio's `&mut self`; nothing else differs). Every figure
//! is the wall time of the whole job: binding, connecting, transferring and
//! closing.
//!
//! - `tcp_echo`: 50 connections, each making 2 000 round trips of 64 bytes
//!   to a server task per connection (100 000 round trips in all; round
//!   trips per second = 100 000 / time).
//! - `tcp_stream`: one connection carrying 1 GiB in 64 KiB writes
//!   (throughput = 1 GiB / time).
//! - `accept_rate`: 10 000 connect/accept/close cycles, 4 clients at a
//!   time; each client waits for the server's close (its read returns 0)
//!   before connecting again, so the listen backlog never overflows.

use std::time::Instant;

use crate::{Corio, Rt, Sample, Tokio};

/// The I/O workloads, by name.
pub const IO_WORKLOADS: &[&str] = &["tcp_echo", "tcp_stream", "accept_rate"];

/// Connections of `tcp_echo`.
pub const ECHO_CONNECTIONS: usize = 50;
/// Round trips per connection in `tcp_echo`.
pub const ECHO_ROUND_TRIPS: usize = 2_000;
/// Bytes per message in `tcp_echo`.
pub const ECHO_MESSAGE: usize = 64;
/// Bytes sent by `tcp_stream`.
pub const STREAM_BYTES: usize = 1 << 30;
/// Bytes per write in `tcp_stream`.
pub const STREAM_WRITE: usize = 64 * 1024;
/// Cycles of `accept_rate`.
pub const ACCEPTS: usize = 10_000;
/// Clients connecting at once in `accept_rate`.
pub const ACCEPT_CLIENTS: usize = 4;

/// Runs one I/O workload once on corio.
pub fn run_io_corio(rt: &Corio, name: &str) -> Sample {
    match name {
        "tcp_echo" => corio_tcp_echo(rt),
        "tcp_stream" => corio_tcp_stream(rt),
        "accept_rate" => corio_accept_rate(rt),
        other => panic!("unknown workload {other}"),
    }
}

/// Runs one I/O workload once on tokio.
pub fn run_io_tokio(rt: &Tokio, name: &str) -> Sample {
    match name {
        "tcp_echo" => tokio_tcp_echo(rt),
        "tcp_stream" => tokio_tcp_stream(rt),
        "accept_rate" => tokio_accept_rate(rt),
        other => panic!("unknown workload {other}"),
    }
}

// ---- corio ---------------------------------------------------------------------

/// `tcp_echo` on corio.
pub fn corio_tcp_echo(rt: &Corio) -> Sample {
    use corio::net::{TcpListener, TcpStream};
    rt.block_on(async {
        let start = Instant::now();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Corio::spawn_here(async move {
            for _ in 0..ECHO_CONNECTIONS {
                let (stream, _) = listener.accept().await.unwrap();
                stream.set_nodelay(true).unwrap();
                drop(Corio::spawn_here(async move {
                    let mut buf = [0u8; ECHO_MESSAGE];
                    loop {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => stream.write_all(&buf[..n]).await.unwrap(),
                        }
                    }
                }));
            }
        });
        let clients: Vec<_> = (0..ECHO_CONNECTIONS)
            .map(|_| {
                Corio::spawn_here(async move {
                    let stream = TcpStream::connect(addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    let message = [7u8; ECHO_MESSAGE];
                    let mut echo = [0u8; ECHO_MESSAGE];
                    for _ in 0..ECHO_ROUND_TRIPS {
                        stream.write_all(&message).await.unwrap();
                        stream.read_exact(&mut echo).await.unwrap();
                    }
                    assert_eq!(echo, message);
                })
            })
            .collect();
        for client in clients {
            client.await;
        }
        server.await;
        Sample::wall(start.elapsed())
    })
}

/// `tcp_stream` on corio.
pub fn corio_tcp_stream(rt: &Corio) -> Sample {
    use corio::net::{TcpListener, TcpStream};
    rt.block_on(async {
        let start = Instant::now();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let receiver = Corio::spawn_here(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; STREAM_WRITE];
            let mut total = 0;
            loop {
                match stream.read(&mut buf).await.unwrap() {
                    0 => break total,
                    n => total += n,
                }
            }
        });
        let sender = Corio::spawn_here(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            let chunk = vec![1u8; STREAM_WRITE];
            for _ in 0..STREAM_BYTES / STREAM_WRITE {
                stream.write_all(&chunk).await.unwrap();
            }
        });
        sender.await;
        assert_eq!(receiver.await, STREAM_BYTES);
        Sample::wall(start.elapsed())
    })
}

/// `accept_rate` on corio.
pub fn corio_accept_rate(rt: &Corio) -> Sample {
    use corio::net::{TcpListener, TcpStream};
    rt.block_on(async {
        let start = Instant::now();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Corio::spawn_here(async move {
            for _ in 0..ACCEPTS {
                let (stream, _) = listener.accept().await.unwrap();
                drop(stream);
            }
        });
        let clients: Vec<_> = (0..ACCEPT_CLIENTS)
            .map(|_| {
                Corio::spawn_here(async move {
                    let mut byte = [0u8; 1];
                    for _ in 0..ACCEPTS / ACCEPT_CLIENTS {
                        let stream = TcpStream::connect(addr).await.unwrap();
                        // The server's close: end of stream (or a reset).
                        let _ = stream.read(&mut byte).await;
                    }
                })
            })
            .collect();
        for client in clients {
            client.await;
        }
        server.await;
        Sample::wall(start.elapsed())
    })
}

// ---- tokio ---------------------------------------------------------------------

/// `tcp_echo` on tokio.
pub fn tokio_tcp_echo(rt: &Tokio) -> Sample {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    rt.block_on(async {
        let start = Instant::now();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Tokio::spawn_here(async move {
            for _ in 0..ECHO_CONNECTIONS {
                let (mut stream, _) = listener.accept().await.unwrap();
                stream.set_nodelay(true).unwrap();
                drop(Tokio::spawn_here(async move {
                    let mut buf = [0u8; ECHO_MESSAGE];
                    loop {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => stream.write_all(&buf[..n]).await.unwrap(),
                        }
                    }
                }));
            }
        });
        let clients: Vec<_> = (0..ECHO_CONNECTIONS)
            .map(|_| {
                Tokio::spawn_here(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    let message = [7u8; ECHO_MESSAGE];
                    let mut echo = [0u8; ECHO_MESSAGE];
                    for _ in 0..ECHO_ROUND_TRIPS {
                        stream.write_all(&message).await.unwrap();
                        stream.read_exact(&mut echo).await.unwrap();
                    }
                    assert_eq!(echo, message);
                })
            })
            .collect();
        for client in clients {
            client.await;
        }
        server.await;
        Sample::wall(start.elapsed())
    })
}

/// `tcp_stream` on tokio.
pub fn tokio_tcp_stream(rt: &Tokio) -> Sample {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    rt.block_on(async {
        let start = Instant::now();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let receiver = Tokio::spawn_here(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; STREAM_WRITE];
            let mut total = 0;
            loop {
                match stream.read(&mut buf).await.unwrap() {
                    0 => break total,
                    n => total += n,
                }
            }
        });
        let sender = Tokio::spawn_here(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let chunk = vec![1u8; STREAM_WRITE];
            for _ in 0..STREAM_BYTES / STREAM_WRITE {
                stream.write_all(&chunk).await.unwrap();
            }
        });
        sender.await;
        assert_eq!(receiver.await, STREAM_BYTES);
        Sample::wall(start.elapsed())
    })
}

/// `accept_rate` on tokio.
pub fn tokio_accept_rate(rt: &Tokio) -> Sample {
    use tokio::io::AsyncReadExt;
    use tokio::net::{TcpListener, TcpStream};
    rt.block_on(async {
        let start = Instant::now();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Tokio::spawn_here(async move {
            for _ in 0..ACCEPTS {
                let (stream, _) = listener.accept().await.unwrap();
                drop(stream);
            }
        });
        let clients: Vec<_> = (0..ACCEPT_CLIENTS)
            .map(|_| {
                Tokio::spawn_here(async move {
                    let mut byte = [0u8; 1];
                    for _ in 0..ACCEPTS / ACCEPT_CLIENTS {
                        let mut stream = TcpStream::connect(addr).await.unwrap();
                        // The server's close: end of stream (or a reset).
                        let _ = stream.read(&mut byte).await;
                    }
                })
            })
            .collect();
        for client in clients {
            client.await;
        }
        server.await;
        Sample::wall(start.elapsed())
    })
}
