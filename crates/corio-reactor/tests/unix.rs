//! Unix-domain streams: listener round trip, pair, split halves, connect errors.
#![cfg(not(loom))]

mod common;

use std::io;
use std::time::Duration;

use common::{block_on, pattern, spawn, watchdog};
use corio_reactor::Reactor;
use corio_reactor::doc_helpers::temp_dir;
use corio_reactor::net::{UnixListener, UnixStream};

#[test]
fn listener_round_trip() {
    watchdog(Duration::from_secs(30), || {
        let reactor = Reactor::new().unwrap();
        let dir = temp_dir();
        let path = dir.join("echo.sock");
        block_on(&reactor, async {
            let listener = UnixListener::bind(&path).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_pathname(),
                Some(path.as_path())
            );
            spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 4096];
                loop {
                    let n = stream.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    stream.write_all(&buf[..n]).await.unwrap();
                }
            });
            let client = UnixStream::connect(&path).await.unwrap();
            for round in 0..50u64 {
                let msg = pattern(round, 1 + round as usize * 97);
                client.write_all(&msg).await.unwrap();
                let mut got = vec![0u8; msg.len()];
                client.read_exact(&mut got).await.unwrap();
                assert_eq!(got, msg, "round {round}");
            }
        });
        assert_eq!(reactor.len(), 0);
    });
}

#[test]
fn pair_and_split_halves() {
    watchdog(Duration::from_secs(30), || {
        let reactor = Reactor::new().unwrap();
        block_on(&reactor, async {
            let (a, b) = UnixStream::pair().unwrap();
            let (a_read, a_write) = a.into_split();
            const LEN: usize = 2 << 20;
            let data = pattern(9, LEN);
            let expected = data.clone();
            let writer = spawn(async move {
                a_write.write_all(&data).await.unwrap();
            });
            // b echoes everything back, concurrently.
            let echo = spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut left = LEN;
                while left > 0 {
                    let n = b.read(&mut buf).await.unwrap();
                    b.write_all(&buf[..n]).await.unwrap();
                    left -= n;
                }
            });
            let mut got = vec![0u8; LEN];
            a_read.read_exact(&mut got).await.unwrap();
            writer.await;
            echo.await;
            assert!(got == expected);
        });
    });
}

#[test]
fn connect_to_a_missing_path_fails() {
    let reactor = Reactor::new().unwrap();
    let dir = temp_dir();
    block_on(&reactor, async {
        let err = UnixStream::connect(dir.join("nobody")).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
        // A socket file with no listener behind it: refused.
        let path = dir.join("stale");
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let err = UnixStream::connect(&path).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
    });
    assert_eq!(reactor.len(), 0);
}
