//! TCP: echo round trips, split halves, refused connects, resets, trait impls.
#![cfg(not(loom))]

mod common;

use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use common::{block_on, pattern, spawn, watchdog};
use corio_reactor::Reactor;
use corio_reactor::net::{TcpListener, TcpStream};

/// Echoes every byte back until the peer closes its write side.
async fn echo(stream: TcpStream) -> io::Result<u64> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

/// A listener whose accept loop spawns an echo task per connection.
async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            spawn(async move {
                let _ = echo(stream).await;
            });
        }
    });
    addr
}

#[test]
fn echo_round_trips_of_many_sizes() {
    watchdog(Duration::from_secs(60), || {
        let reactor = Reactor::new().unwrap();
        block_on(&reactor, async {
            let addr = echo_server().await;
            let stream = TcpStream::connect(addr).await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), addr);
            for (i, len) in [1usize, 7, 64, 1500, 65_536, 300_000].iter().enumerate() {
                let sent = pattern(i as u64, *len);
                // Write and read concurrently: a large message does not fit
                // in the socket buffers in one go.
                let (w, r) = corio_reactor::doc_helpers::join(stream.write_all(&sent), async {
                    let mut got = vec![0u8; *len];
                    stream.read_exact(&mut got).await.map(|()| got)
                })
                .await;
                w.unwrap();
                assert_eq!(r.unwrap(), sent, "message {i} of {len} bytes");
            }
        });
        assert!(reactor.events_dispatched() > 0);
    });
}

#[test]
fn split_halves_used_concurrently_by_two_tasks() {
    watchdog(Duration::from_secs(60), || {
        let reactor = Reactor::new().unwrap();
        block_on(&reactor, async {
            let addr = echo_server().await;
            let (reader, writer) = TcpStream::connect(addr).await.unwrap().into_split();
            const LEN: usize = 4 << 20;
            let data = pattern(42, LEN);
            let expected = data.clone();
            // 4 MiB cannot sit in the socket buffers: the writer only finishes
            // if the reader drains the echo at the same time.
            let writing = spawn(async move {
                for chunk in data.chunks(64 * 1024) {
                    writer.write_all(chunk).await.unwrap();
                }
                drop(writer); // shuts down the write side: the echo ends
            });
            let reading = spawn(async move {
                let mut got = Vec::with_capacity(LEN);
                let mut buf = vec![0u8; 32 * 1024];
                loop {
                    let n = reader.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break got;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
            });
            writing.await;
            let got = reading.await;
            assert_eq!(got.len(), expected.len());
            assert!(got == expected, "echoed bytes differ");
        });
    });
}

#[test]
fn connect_to_a_closed_port_is_connection_refused() {
    let reactor = Reactor::new().unwrap();
    block_on(&reactor, async {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        for _ in 0..3 {
            let err = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        }
    });
    assert_eq!(reactor.len(), 0, "a failed connect leaves no registration");
}

#[test]
fn connect_with_no_address_is_an_error() {
    let reactor = Reactor::new().unwrap();
    block_on(&reactor, async {
        let none: &[SocketAddr] = &[];
        let err = TcpStream::connect(none).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    });
}

#[test]
fn peer_reset_mid_read_fails_that_stream_only() {
    watchdog(Duration::from_secs(60), || {
        let reactor = Reactor::new().unwrap();
        block_on(&reactor, async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let victim = TcpStream::connect(addr).await.unwrap();
            let (victim_server, _) = listener.accept().await.unwrap();
            let bystander = TcpStream::connect(addr).await.unwrap();
            let (bystander_server, _) = listener.accept().await.unwrap();

            // The victim waits in a read; the server side then resets.
            let reading = spawn(async move {
                victim.write_all(b"go").await.unwrap();
                let mut buf = [0u8; 16];
                victim.read(&mut buf).await
            });
            let mut go = [0u8; 2];
            victim_server.read_exact(&mut go).await.unwrap();
            socket2::SockRef::from(&victim_server)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(victim_server); // RST
            let err = reading.await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");

            // The other connection is unaffected.
            let echoing = spawn(echo(bystander_server));
            bystander.write_all(b"still here").await.unwrap();
            let mut buf = [0u8; 10];
            bystander.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"still here");
            bystander.shutdown(std::net::Shutdown::Write).unwrap();
            assert_eq!(echoing.await.unwrap(), 10);
        });
    });
}

#[test]
fn read_at_eof_and_read_exact_at_eof() {
    let reactor = Reactor::new().unwrap();
    block_on(&reactor, async {
        let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
        b.write_all(b"ab").await.unwrap();
        drop(b);
        let mut buf = [0u8; 4];
        let err = a.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(a.read(&mut buf).await.unwrap(), 0);
    });
}

#[test]
fn incoming_yields_accepted_streams() {
    let reactor = Reactor::new().unwrap();
    block_on(&reactor, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients: Vec<_> = (0..3)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        let mut incoming = listener.incoming();
        let mut peers = Vec::new();
        for _ in 0..3 {
            let stream = poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut incoming), cx))
                .await
                .unwrap()
                .unwrap();
            peers.push(stream.peer_addr().unwrap());
        }
        let mut expected: Vec<_> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
        peers.sort();
        expected.sort();
        assert_eq!(peers, expected);
    });
}

#[test]
fn nodelay_ttl_and_addresses() {
    let reactor = Reactor::new().unwrap();
    block_on(&reactor, async {
        let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
        assert!(!a.nodelay().unwrap());
        a.set_nodelay(true).unwrap();
        assert!(a.nodelay().unwrap());
        assert_eq!(a.local_addr().unwrap(), b.peer_addr().unwrap());
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
        assert!(a.take_error().unwrap().is_none());
    });
}

#[test]
fn futures_io_traits_work() {
    use futures_io::{AsyncRead, AsyncWrite};
    let reactor = Reactor::new().unwrap();
    block_on(&reactor, async {
        let (mut a, mut b) = corio_reactor::doc_helpers::tcp_pair().await;
        let n = poll_fn(|cx| Pin::new(&mut a).poll_write(cx, b"trait"))
            .await
            .unwrap();
        assert_eq!(n, 5);
        poll_fn(|cx| Pin::new(&mut a).poll_close(cx)).await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 8];
        loop {
            let n = poll_fn(|cx| Pin::new(&mut b).poll_read(cx, &mut buf))
                .await
                .unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"trait");
    });
}

#[cfg(feature = "tokio-io")]
#[test]
fn tokio_io_traits_work() {
    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
    let reactor = Reactor::new().unwrap();
    block_on(&reactor, async {
        let (a, b) = corio_reactor::doc_helpers::tcp_pair().await;
        let (mut reader, mut writer) = a.into_split();
        let mut b = b;
        let n = poll_fn(|cx| Pin::new(&mut writer).poll_write(cx, b"tokio"))
            .await
            .unwrap();
        assert_eq!(n, 5);
        // Uninitialised storage, as hyper and bytes hand it over.
        let mut storage = [std::mem::MaybeUninit::<u8>::uninit(); 5];
        let mut read_buf = ReadBuf::uninit(&mut storage);
        while read_buf.remaining() > 0 {
            poll_fn(|cx| Pin::new(&mut b).poll_read(cx, &mut read_buf))
                .await
                .unwrap();
        }
        assert_eq!(read_buf.filled(), b"tokio");
        poll_fn(|cx| Pin::new(&mut b).poll_shutdown(cx))
            .await
            .unwrap();
        let mut buf = [0u8; 1];
        let mut read_buf = ReadBuf::new(&mut buf);
        poll_fn(|cx| Pin::new(&mut reader).poll_read(cx, &mut read_buf))
            .await
            .unwrap();
        assert!(
            read_buf.filled().is_empty(),
            "EOF after the peer's shutdown"
        );
    });
}

#[test]
fn sockets_need_a_reactor_and_say_so() {
    // No reactor entered on this thread: an error, not a panic.
    let mut bind = Box::pin(TcpListener::bind("127.0.0.1:0"));
    let err = match common::poll_once(&mut bind) {
        std::task::Poll::Ready(result) => result.unwrap_err(),
        std::task::Poll::Pending => panic!("bind does not wait"),
    };
    assert!(
        err.to_string()
            .contains("no corio reactor on this thread: create sockets inside corio::run"),
        "{err}"
    );
    let std_stream = std::os::unix::net::UnixStream::pair().unwrap().0;
    assert!(corio_reactor::net::UnixStream::from_std(std_stream).is_err());
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<TcpListener>();
    check::<TcpStream>();
    check::<corio_reactor::net::tcp::OwnedReadHalf>();
    check::<corio_reactor::net::tcp::OwnedWriteHalf>();
    check::<corio_reactor::net::UdpSocket>();
    check::<corio_reactor::net::UnixListener>();
    check::<corio_reactor::net::UnixStream>();
    check::<Reactor>();
    check::<corio_reactor::ReactorHandle>();
}

/// Data and the peer's FIN queued together: the short read that takes the
/// data must not clear readiness for good, the next read sees EOF.
#[test]
fn short_read_before_a_queued_fin_still_sees_eof() {
    watchdog(Duration::from_secs(30), || {
        let reactor = Reactor::new().unwrap();
        block_on(&reactor, async {
            for deliver_event_first in [false, true] {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let stream = TcpStream::connect(listener.local_addr().unwrap())
                    .await
                    .unwrap();
                let (mut peer, _) = listener.accept().unwrap();
                std::io::Write::write_all(&mut peer, b"abc").unwrap();
                peer.shutdown(std::net::Shutdown::Write).unwrap();
                if deliver_event_first {
                    // The readiness event (data + FIN) reaches the source
                    // before the read.
                    reactor.park(Some(Duration::ZERO));
                }
                let mut buf = [0u8; 16];
                assert_eq!(stream.read(&mut buf).await.unwrap(), 3);
                assert_eq!(stream.read(&mut buf).await.unwrap(), 0, "EOF");
                assert_eq!(stream.read(&mut buf).await.unwrap(), 0, "EOF again");
            }
        });
    });
}
