//! Every socket dropped leaves no registration and no fd behind.
//!
//! Alone in its test binary: it counts the whole process's open fds.
#![cfg(not(loom))]

mod common;

use std::time::Duration;

use common::{block_on, open_fds, spawn, watchdog};
use corio_reactor::Reactor;
use corio_reactor::doc_helpers::temp_dir;
use corio_reactor::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};

#[test]
fn dropped_sockets_leave_no_registration_and_no_fd() {
    watchdog(Duration::from_secs(60), || {
        let reactor = Reactor::new().unwrap();
        let dir = temp_dir();
        // Warm up (lazily opened fds, thread-locals) before taking the baseline.
        block_on(&reactor, async {
            let (_a, _b) = corio_reactor::doc_helpers::tcp_pair().await;
        });
        let fds_before = open_fds();
        assert_eq!(reactor.len(), 0);

        block_on(&reactor, async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spawn(async move {
                let mut streams = Vec::new();
                for _ in 0..100 {
                    let (stream, _) = listener.accept().await.unwrap();
                    let mut byte = [0u8; 1];
                    stream.read_exact(&mut byte).await.unwrap();
                    stream.write_all(&byte).await.unwrap();
                    streams.push(stream);
                }
                streams
            });
            let mut clients = Vec::new();
            for i in 0..100u8 {
                let client = TcpStream::connect(addr).await.unwrap();
                client.write_all(&[i]).await.unwrap();
                let mut byte = [0u8; 1];
                client.read_exact(&mut byte).await.unwrap();
                assert_eq!(byte[0], i);
                clients.push(client);
            }
            let server_side = server.await;
            // 100 + 100 streams (the listener was dropped with its task).
            assert_eq!(reactor.len(), 200);
            assert!(open_fds() >= fds_before + 200);
            // Half of them through split halves.
            let halves: Vec<_> = clients.drain(..50).map(TcpStream::into_split).collect();
            drop(halves);
            drop(clients);
            drop(server_side);

            // UDP, Unix listener/streams/pairs, failed connects.
            let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let path = dir.join("leak.sock");
            let unix_listener = UnixListener::bind(&path).unwrap();
            let unix_client = UnixStream::connect(&path).await.unwrap();
            let (unix_server, _) = unix_listener.accept().await.unwrap();
            let (p, q) = UnixStream::pair().unwrap();
            assert_eq!(reactor.len(), 6);
            drop((udp, unix_listener, unix_client, unix_server, p, q));
            let closed = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap();
            assert!(TcpStream::connect(closed).await.is_err());
        });
        assert_eq!(reactor.len(), 0, "registrations left behind");
        assert_eq!(open_fds(), fds_before, "file descriptors left behind");
    });
}
