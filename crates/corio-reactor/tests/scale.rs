//! Many concurrent connections to an echo server, every byte checked, on a
//! single-threaded harness: 1 000 connections x 100 round trips in release,
//! 200 x 20 in debug builds.
#![cfg(not(loom))]

mod common;

use std::io;
use std::time::{Duration, Instant};

use common::{block_on, pattern, spawn, watchdog};
use corio_reactor::Reactor;
use corio_reactor::net::{TcpListener, TcpStream};

const CONNECTIONS: usize = if cfg!(debug_assertions) { 200 } else { 1_000 };
const ROUND_TRIPS: usize = if cfg!(debug_assertions) { 20 } else { 100 };
const MESSAGE: usize = 64;

#[test]
fn many_connections_many_round_trips() {
    watchdog(Duration::from_secs(120), || {
        let reactor = Reactor::new().unwrap();
        let start = Instant::now();
        let total = block_on(&reactor, async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            spawn(async move {
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    spawn(async move {
                        let mut buf = [0u8; 4096];
                        loop {
                            match stream.read(&mut buf).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => stream.write_all(&buf[..n]).await.unwrap(),
                            }
                        }
                    });
                }
            });
            let clients: Vec<_> = (0..CONNECTIONS)
                .map(|c| {
                    spawn(async move {
                        let stream = TcpStream::connect(addr).await?;
                        stream.set_nodelay(true)?;
                        let mut got = [0u8; MESSAGE];
                        for r in 0..ROUND_TRIPS {
                            let msg = pattern((c * ROUND_TRIPS + r) as u64, MESSAGE);
                            stream.write_all(&msg).await?;
                            stream.read_exact(&mut got).await?;
                            assert_eq!(&got[..], &msg[..], "connection {c} round {r}");
                        }
                        io::Result::Ok(ROUND_TRIPS)
                    })
                })
                .collect();
            let mut total = 0;
            for client in clients {
                total += client.await.unwrap();
            }
            total
        });
        assert_eq!(total, CONNECTIONS * ROUND_TRIPS);
        let elapsed = start.elapsed();
        eprintln!(
            "{CONNECTIONS} connections x {ROUND_TRIPS} round trips: {elapsed:?} ({:.0} round trips/s)",
            total as f64 / elapsed.as_secs_f64()
        );
    });
}
