//! UDP: send_to/recv_from, connected send/recv, many datagrams, shared sockets.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{block_on, spawn, watchdog};
use corio_reactor::Reactor;
use corio_reactor::net::UdpSocket;

#[test]
fn send_to_and_recv_from() {
    let reactor = Reactor::new().unwrap();
    block_on(&reactor, async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        assert_eq!(a.send_to(b"hello", b_addr).await.unwrap(), 5);
        let mut buf = [0u8; 64];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"hello"[..], a_addr));
        b.send_to(b"world", from).await.unwrap();
        let (n, from) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"world"[..], b_addr));
    });
}

#[test]
fn connected_send_and_recv() {
    let reactor = Reactor::new().unwrap();
    block_on(&reactor, async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
        a.send(b"ping").await.unwrap();
        let mut buf = [0u8; 16];
        let n = b.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"ping");
    });
}

/// A receiver waiting before anything is sent is woken by the datagram; two
/// tasks receiving on one shared socket each get their datagram.
#[test]
fn waiting_receivers_are_woken() {
    watchdog(Duration::from_secs(30), || {
        let reactor = Reactor::new().unwrap();
        block_on(&reactor, async {
            let server = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            let addr = server.local_addr().unwrap();
            let receivers: Vec<_> = (0..2)
                .map(|_| {
                    let server = server.clone();
                    spawn(async move {
                        let mut buf = [0u8; 8];
                        let (n, _) = server.recv_from(&mut buf).await.unwrap();
                        buf[..n].to_vec()
                    })
                })
                .collect();
            // Let both receivers register before sending.
            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            std::future::poll_fn({
                let mut yielded = false;
                move |cx| {
                    if yielded {
                        std::task::Poll::Ready(())
                    } else {
                        yielded = true;
                        cx.waker().wake_by_ref();
                        std::task::Poll::Pending
                    }
                }
            })
            .await;
            client.send_to(b"one", addr).await.unwrap();
            client.send_to(b"two", addr).await.unwrap();
            let mut got = Vec::new();
            for r in receivers {
                got.push(r.await);
            }
            got.sort();
            assert_eq!(got, vec![b"one".to_vec(), b"two".to_vec()]);
        });
    });
}

#[test]
fn a_thousand_datagrams_in_order() {
    watchdog(Duration::from_secs(30), || {
        let reactor = Reactor::new().unwrap();
        block_on(&reactor, async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b_addr = b.local_addr().unwrap();
            let mut buf = [0u8; 8];
            for i in 0u32..1000 {
                a.send_to(&i.to_le_bytes(), b_addr).await.unwrap();
                let (n, _) = b.recv_from(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], &i.to_le_bytes());
            }
        });
    });
}
