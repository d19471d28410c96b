//! The reactor itself: park/notify, counters, the thread-local handle, shutdown.
#![cfg(not(loom))]

mod common;

use std::io::Write;
use std::os::fd::AsRawFd;
use std::task::Poll;
use std::time::{Duration, Instant};

use corio_reactor::net::UnixStream;
use corio_reactor::{Async, Direction, Reactor, ReactorHandle};

#[test]
fn notify_from_another_thread_wakes_park() {
    let reactor = Reactor::new().unwrap();
    // Register something so park really waits in the poller.
    let _guard = reactor.handle().enter();
    let (_a, _b) = UnixStream::pair().unwrap();
    for _ in 0..50 {
        let handle = reactor.handle();
        let t = std::thread::spawn(move || handle.notify());
        reactor.park(None); // returns: before or after the notify, it is seen
        t.join().unwrap();
    }
}

/// A notify is for the thread that parks in the reactor: a zero-timeout poll
/// by another thread passing by (a busy or spinning worker) must not swallow
/// it, or that thread would then block for good. (Seen as a runtime whose
/// shutdown hung: the last worker's pre-park poll took the shutdown notify.)
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn zero_timeout_polls_leave_a_notify_for_the_next_blocking_park() {
    common::watchdog(Duration::from_secs(10), || {
        let reactor = Reactor::new().unwrap();
        let _guard = reactor.handle().enter();
        // A registered source, so zero-timeout parks really poll.
        let (_a, _b) = UnixStream::pair().unwrap();
        reactor.handle().notify();
        reactor.park(Some(Duration::ZERO));
        reactor.park(Some(Duration::ZERO));
        reactor.park(None); // returns at once: the notify is still pending
        // ...and that park consumed it.
        let start = Instant::now();
        reactor.park(Some(Duration::from_millis(20)));
        assert!(start.elapsed() >= Duration::from_millis(15));
    });
}

#[test]
fn park_with_timeout_returns() {
    let reactor = Reactor::new().unwrap();
    let _guard = reactor.handle().enter();
    let (_a, _b) = UnixStream::pair().unwrap();
    reactor.park(Some(Duration::ZERO));
    reactor.park(Some(Duration::ZERO)); // initial edges consumed; nothing left
    let start = Instant::now();
    reactor.park(Some(Duration::from_millis(20)));
    assert!(start.elapsed() >= Duration::from_millis(15));
}

#[test]
fn park_dispatches_events_and_counts_them() {
    let reactor = Reactor::new().unwrap();
    let _guard = reactor.handle().enter();
    let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    let a = Async::new(a).unwrap();
    assert_eq!(reactor.len(), 1);
    // Consume the optimistic readiness with a failed read.
    let mut buf = [0u8; 4];
    let mut read = Box::pin(a.read_with(|s| std::io::Read::read(&mut &*s, &mut buf)));
    assert!(common::poll_once(&mut read).is_pending());
    assert!(!a.source().is_ready(Direction::Read));
    assert_eq!(a.source().waiter_count(Direction::Read), 1);
    b.write_all(b"abc").unwrap();
    let before = reactor.events_dispatched();
    while !a.source().is_ready(Direction::Read) {
        reactor.park(Some(Duration::from_secs(5)));
    }
    assert!(reactor.events_dispatched() > before);
    assert_eq!(a.source().waiter_count(Direction::Read), 0, "waker taken");
    match common::poll_once(&mut read) {
        Poll::Ready(Ok(3)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn dropping_the_reactor_fails_pending_and_later_operations() {
    let reactor = Reactor::new().unwrap();
    let guard = reactor.handle().enter();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut buf = [0u8; 4];
    {
        let mut read = Box::pin(a.read(&mut buf));
        assert!(common::poll_once(&mut read).is_pending());
        drop(guard);
        drop(reactor);
        match common::poll_once(&mut read) {
            Poll::Ready(Err(e)) => assert!(e.to_string().contains("shut down"), "{e}"),
            other => panic!("expected an error, got {other:?}"),
        }
    }
    // New sockets cannot register with a dead reactor either.
    assert!(ReactorHandle::try_current().is_err());
    drop(a); // deregistering after shutdown is fine
}

#[test]
fn registering_after_shutdown_is_refused() {
    let reactor = Reactor::new().unwrap();
    let handle = reactor.handle();
    drop(reactor);
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let err = Async::new_in(a, &handle).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
}

#[test]
fn enter_guards_nest_and_restore() {
    let r1 = Reactor::new().unwrap();
    let r2 = Reactor::new().unwrap();
    let g1 = r1.handle().enter();
    {
        let _g2 = r2.handle().enter();
        let (_a, _b) = UnixStream::pair().unwrap();
        assert_eq!((r1.len(), r2.len()), (0, 2));
    }
    let (_a, _b) = UnixStream::pair().unwrap();
    assert_eq!((r1.len(), r2.len()), (2, 0));
    drop(g1);
    assert!(ReactorHandle::try_current().is_err());
}

#[test]
fn deregister_is_idempotent_and_raw_registration_works() {
    let reactor = Reactor::new().unwrap();
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    // SAFETY: `a` is deregistered below before it is dropped.
    let source = unsafe { reactor.register(a.as_raw_fd()) }.unwrap();
    assert_eq!(reactor.len(), 1);
    assert!(source.is_registered());
    reactor.deregister(&source).unwrap();
    reactor.deregister(&source).unwrap();
    assert!(!source.is_registered());
    assert_eq!(reactor.len(), 0);
}
