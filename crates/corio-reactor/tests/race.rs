//! Readiness against waker registration, with real threads: a driver thread
//! parks in the reactor while two other threads ping-pong over sockets, so
//! edges keep arriving while the readers register their wakers. A lost
//! wake-up would hang; the watchdog turns that into a failure.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::thread;
use std::time::Duration;

use common::{block_on_thread, watchdog};
use corio_reactor::Reactor;
use corio_reactor::net::{TcpStream, UnixStream};

const ROUNDS: u32 = if cfg!(debug_assertions) {
    5_000
} else {
    50_000
};

/// Runs `reactor.park(None)` in a loop on its own thread until stopped.
struct Driver {
    stop: Arc<AtomicBool>,
    reactor: Arc<Reactor>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Driver {
    fn start(reactor: Arc<Reactor>) -> Driver {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (stop, reactor) = (stop.clone(), reactor.clone());
            thread::spawn(move || {
                while !stop.load(SeqCst) {
                    reactor.park(None);
                }
            })
        };
        Driver {
            stop,
            reactor,
            thread: Some(thread),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        self.reactor.notify();
        self.thread.take().unwrap().join().unwrap();
    }
}

trait Stream: Send + Sync + 'static {
    async fn read_exact(&self, buf: &mut [u8]) -> std::io::Result<()>;
    async fn write_all(&self, buf: &[u8]) -> std::io::Result<()>;
}

impl Stream for UnixStream {
    async fn read_exact(&self, buf: &mut [u8]) -> std::io::Result<()> {
        UnixStream::read_exact(self, buf).await
    }
    async fn write_all(&self, buf: &[u8]) -> std::io::Result<()> {
        UnixStream::write_all(self, buf).await
    }
}

impl Stream for TcpStream {
    async fn read_exact(&self, buf: &mut [u8]) -> std::io::Result<()> {
        TcpStream::read_exact(self, buf).await
    }
    async fn write_all(&self, buf: &[u8]) -> std::io::Result<()> {
        TcpStream::write_all(self, buf).await
    }
}

fn ping_pong<S: Stream>(a: S, b: S) {
    let pinger = thread::spawn(move || {
        block_on_thread(async {
            let mut byte = [0u8; 1];
            for i in 0..ROUNDS {
                a.write_all(&[i as u8]).await.unwrap();
                a.read_exact(&mut byte).await.unwrap();
                assert_eq!(byte[0], (i as u8).wrapping_add(1));
            }
        })
    });
    let ponger = thread::spawn(move || {
        block_on_thread(async {
            let mut byte = [0u8; 1];
            for i in 0..ROUNDS {
                b.read_exact(&mut byte).await.unwrap();
                assert_eq!(byte[0], i as u8);
                b.write_all(&[byte[0].wrapping_add(1)]).await.unwrap();
            }
        })
    });
    pinger.join().unwrap();
    ponger.join().unwrap();
}

#[test]
fn unix_ping_pong_across_threads_loses_no_wakeup() {
    watchdog(Duration::from_secs(120), || {
        let reactor = Arc::new(Reactor::new().unwrap());
        let _driver = Driver::start(reactor.clone());
        let (a, b) = {
            let _guard = reactor.handle().enter();
            UnixStream::pair().unwrap()
        };
        ping_pong(a, b);
        assert!(reactor.events_dispatched() > 0);
    });
}

#[test]
fn tcp_ping_pong_across_threads_loses_no_wakeup() {
    watchdog(Duration::from_secs(120), || {
        let reactor = Arc::new(Reactor::new().unwrap());
        let _driver = Driver::start(reactor.clone());
        let (a, b) = {
            let _guard = reactor.handle().enter();
            block_on_thread(corio_reactor::doc_helpers::tcp_pair())
        };
        a.set_nodelay(true).unwrap();
        b.set_nodelay(true).unwrap();
        ping_pong(a, b);
    });
}

/// Sockets registered and dropped on several threads while the driver
/// dispatches events for them: the slab ends empty, nothing hangs.
#[test]
fn register_and_deregister_while_dispatching() {
    watchdog(Duration::from_secs(120), || {
        let reactor = Arc::new(Reactor::new().unwrap());
        let _driver = Driver::start(reactor.clone());
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let handle = reactor.handle();
                thread::spawn(move || {
                    let _guard = handle.enter();
                    for _ in 0..ROUNDS / 20 {
                        let (a, b) = UnixStream::pair().unwrap();
                        block_on_thread(async {
                            a.write_all(b"x").await.unwrap();
                            let mut byte = [0u8; 1];
                            b.read_exact(&mut byte).await.unwrap();
                        });
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(reactor.len(), 0);
    });
}

/// Two threads notify while the parked thread drains the notification: no
/// notification may be lost for good. (Regression: clearing the "notified"
/// flag before draining the eventfd let a racing notify's write be swallowed
/// with the flag left set, so every later notify skipped its write and the
/// driver slept forever with timers pending.)
#[test]
fn concurrent_notifies_never_leave_the_parker_deaf() {
    watchdog(Duration::from_secs(60), || {
        let reactor = Arc::new(Reactor::new().unwrap());
        let parks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let target = if cfg!(debug_assertions) {
            50_000
        } else {
            300_000
        };
        let parker = {
            let (reactor, parks, done) = (reactor.clone(), parks.clone(), done.clone());
            thread::spawn(move || {
                while !done.load(SeqCst) {
                    reactor.park(None);
                    parks.fetch_add(1, SeqCst);
                }
            })
        };
        // Spam notifications until the parker has drained many of them, so
        // that some land in the middle of a drain.
        let notifiers: Vec<_> = (0..2)
            .map(|_| {
                let (handle, parks) = (reactor.handle(), parks.clone());
                thread::spawn(move || {
                    while parks.load(SeqCst) < target {
                        handle.notify();
                    }
                })
            })
            .collect();
        for notifier in notifiers {
            notifier.join().unwrap();
        }
        // The parker must still hear one more notification.
        done.store(true, SeqCst);
        reactor.notify();
        parker.join().unwrap();
    });
}

/// A client that has just connected starts with no optimistic read (its first
/// read would almost always meet `WouldBlock`): bytes the server sends at
/// once, racing with the client's registration, must still be reported by
/// the reactor, over TCP and over Unix sockets.
#[test]
fn a_greeting_sent_while_the_client_registers_is_not_lost() {
    const CONNECTIONS: usize = if cfg!(debug_assertions) { 300 } else { 3_000 };
    watchdog(Duration::from_secs(120), || {
        let reactor = Arc::new(Reactor::new().unwrap());
        let _driver = Driver::start(reactor.clone());
        let _guard = reactor.handle().enter();

        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let tcp_addr = tcp.local_addr().unwrap();
        let dir = std::env::temp_dir().join(format!("corio-greeting-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let unix = std::os::unix::net::UnixListener::bind(&dir).unwrap();
        let greeter = thread::spawn(move || {
            use std::io::Write;
            for _ in 0..CONNECTIONS {
                tcp.accept().unwrap().0.write_all(b"hello").unwrap();
                unix.accept().unwrap().0.write_all(b"hello").unwrap();
            }
        });
        block_on_thread(async {
            for _ in 0..CONNECTIONS {
                let mut greeting = [0u8; 5];
                let client = TcpStream::connect(tcp_addr).await.unwrap();
                client.read_exact(&mut greeting).await.unwrap();
                assert_eq!(&greeting, b"hello");
                let client = UnixStream::connect(&dir).await.unwrap();
                client.read_exact(&mut greeting).await.unwrap();
                assert_eq!(&greeting, b"hello");
            }
        });
        greeter.join().unwrap();
        std::fs::remove_file(&dir).unwrap();
    });
}
