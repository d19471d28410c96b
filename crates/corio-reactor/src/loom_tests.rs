//! loom models of a source's readiness and waker hand-off.
//!
//! The poller is real I/O that loom cannot see, so the models drive the
//! registry (slab) and the sources directly: `Registry::dispatch` is exactly
//! what `Reactor::park` does with each batch of events.

use std::future::poll_fn;
use std::task::{Context, Poll, Waker};

use loom::future::block_on;
use loom::thread;

use crate::loom::Arc;
use crate::registry::Registry;
use crate::source::{Direction, READ_CLOSED, READABLE, Source, WRITABLE};

fn wake_all(wakers: Vec<Waker>) {
    wakers.into_iter().for_each(Waker::wake);
}

/// A registered source whose readiness for `direction` has been consumed (as
/// after an operation that returned `WouldBlock`).
fn not_ready_source(registry: &Registry, direction: Direction) -> Arc<Source> {
    let source = registry.insert(7, None).unwrap();
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    match source.poll_ready(direction, &mut cx) {
        Poll::Ready(Ok(event)) => source.clear_readiness(event),
        other => panic!("a fresh source starts ready, got {other:?}"),
    }
    assert!(!source.is_ready(direction));
    source
}

fn dispatch(registry: &Registry, key: usize, bits: usize) {
    let mut wakers = Vec::new();
    registry.dispatch([(key, bits)], &mut wakers);
    wake_all(wakers);
}

/// Readiness arriving while the reader registers its waker is never lost:
/// the reader's `block_on` always finishes.
#[test]
fn readiness_while_registering_waker() {
    loom::model(|| {
        let registry = Arc::new(Registry::new());
        let source = not_ready_source(&registry, Direction::Read);
        let key = source.key();
        let reactor = registry.clone();
        let t = thread::spawn(move || dispatch(&reactor, key, READABLE));
        block_on(poll_fn(|cx| source.poll_readable(cx))).unwrap();
        t.join().unwrap();
        assert!(registry.remove(&source, &mut Vec::new()));
    });
}

/// A failed attempt clears readiness only if no newer edge arrived: an edge
/// that lands between the attempt and its clear survives.
#[test]
fn clear_keeps_an_edge_that_arrived_meanwhile() {
    loom::model(|| {
        let registry = Arc::new(Registry::new());
        let source = registry.insert(7, None).unwrap();
        let key = source.key();
        // The attempt observed the (optimistic) readiness...
        let waker = Waker::noop();
        let event = match source.poll_ready(Direction::Read, &mut Context::from_waker(waker)) {
            Poll::Ready(Ok(event)) => event,
            other => panic!("expected readiness, got {other:?}"),
        };
        let reactor = registry.clone();
        let t = thread::spawn(move || dispatch(&reactor, key, READABLE));
        // ...its syscall returned WouldBlock, so it clears what it saw.
        source.clear_readiness(event);
        // Either the new edge survived the clear or it wakes us.
        block_on(poll_fn(|cx| source.poll_readable(cx))).unwrap();
        t.join().unwrap();
        assert!(registry.remove(&source, &mut Vec::new()));
    });
}

/// A short read clears readiness while the peer's FIN (readable + read-closed)
/// is being delivered: the FIN is never lost, the next poll sees it.
#[test]
fn short_read_clear_against_half_close() {
    loom::model(|| {
        let registry = Arc::new(Registry::new());
        let source = registry.insert(7, None).unwrap();
        let key = source.key();
        let reader = source.clone();
        let t = thread::spawn(move || {
            // A read of 3 bytes into 16: a short transfer.
            let n = block_on(poll_fn(|cx| {
                reader.poll_stream_read(cx, 16, || Ok((3, None)))
            }))
            .unwrap();
            assert_eq!(n, 3);
            // The FIN, however it raced with that read, is seen.
            block_on(poll_fn(|cx| reader.poll_readable(cx))).unwrap();
        });
        dispatch(&registry, key, READABLE | READ_CLOSED);
        t.join().unwrap();
        assert!(registry.remove(&source, &mut Vec::new()));
    });
}

/// Two tasks waiting on the same direction are both woken by one edge.
#[test]
fn two_waiters_on_one_direction() {
    loom::model(|| {
        let registry = Arc::new(Registry::new());
        let source = not_ready_source(&registry, Direction::Write);
        let key = source.key();
        let other = source.clone();
        let waiter = thread::spawn(move || {
            block_on(poll_fn(|cx| other.poll_writable(cx))).unwrap();
        });
        let reactor = registry.clone();
        let t = thread::spawn(move || dispatch(&reactor, key, WRITABLE));
        block_on(poll_fn(|cx| source.poll_writable(cx))).unwrap();
        t.join().unwrap();
        waiter.join().unwrap();
        assert!(registry.remove(&source, &mut Vec::new()));
    });
}

/// Deregistration racing a wake: the waiting task always finishes (ready or
/// with an error), and no waker stays stored in the source afterwards (a
/// stored waker could keep its task, and so the socket, alive).
#[test]
fn deregister_against_wake() {
    loom::model(|| {
        let registry = Arc::new(Registry::new());
        let source = not_ready_source(&registry, Direction::Read);
        let key = source.key();
        let reactor = registry.clone();
        let t = thread::spawn(move || dispatch(&reactor, key, READABLE | WRITABLE));
        let owner = registry.clone();
        let dropped = source.clone();
        let d = thread::spawn(move || {
            let mut wakers = Vec::new();
            assert!(owner.remove(&dropped, &mut wakers));
            wake_all(wakers);
        });
        let _ready_or_error = block_on(poll_fn(|cx| source.poll_readable(cx)));
        t.join().unwrap();
        d.join().unwrap();
        assert!(!source.is_registered());
        assert_eq!(source.waiter_count(Direction::Read), 0);
        assert_eq!(registry.len(), 0);
        // A poll after deregistration fails instead of waiting forever.
        assert!(block_on(poll_fn(|cx| source.poll_readable(cx))).is_err());
    });
}

/// Reactor shutdown racing a task that starts waiting: the task gets an error.
#[test]
fn shutdown_against_waiting_task() {
    loom::model(|| {
        let registry = Arc::new(Registry::new());
        let source = not_ready_source(&registry, Direction::Write);
        let reactor = registry.clone();
        let t = thread::spawn(move || {
            let mut wakers = Vec::new();
            reactor.shutdown(&mut wakers);
            wake_all(wakers);
        });
        assert!(block_on(poll_fn(|cx| source.poll_writable(cx))).is_err());
        t.join().unwrap();
        assert!(registry.insert(8, None).is_err());
        assert!(registry.remove(&source, &mut Vec::new()));
    });
}

/// A net socket's first wait (which adds its fd to the poller, see
/// `ReactorHandle::register_lazily`) racing its deregistration: the fd is
/// deleted from the poller exactly when it was added (a delete of an fd that
/// never joined would fail with `ENOENT`, one left behind would outlive the
/// socket), and the waiting task finishes with an error. The poller is a real
/// epoll set; only the source's own synchronisation is explored.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn first_wait_against_deregistration() {
    use std::os::fd::AsRawFd;

    use crate::reactor::Backend;

    loom::model(|| {
        let backend = std::sync::Arc::new(Backend::new().unwrap());
        let (socket, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd = socket.as_raw_fd();
        let registry = Arc::new(Registry::new());
        let source = registry
            .insert(fd, Some(std::sync::Arc::downgrade(&backend)))
            .unwrap();
        // The optimistic first read met `WouldBlock` (nothing is ever sent).
        let waker = Waker::noop();
        match source.poll_ready(Direction::Read, &mut Context::from_waker(waker)) {
            Poll::Ready(Ok(event)) => source.clear_readiness(event),
            other => panic!("a fresh source starts ready, got {other:?}"),
        }
        let (owner, dropped, poller) = (registry.clone(), source.clone(), backend.clone());
        let d = thread::spawn(move || {
            let mut wakers = Vec::new();
            if owner.remove(&dropped, &mut wakers) {
                poller.delete(fd).unwrap();
            }
            wake_all(wakers);
        });
        assert!(block_on(poll_fn(|cx| source.poll_readable(cx))).is_err());
        d.join().unwrap();
        assert!(!backend.polled_fds().contains(&fd));
        assert_eq!(registry.len(), 0);
    });
}
