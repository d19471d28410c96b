//! The shared first-come first-served waiter list.
//!
//! Every primitive of the crate keeps its waiters in a [`WaitList`] that lives
//! inside the primitive's mutex, next to the state it guards. A waiter is a
//! node in a slab; queued nodes are also linked into a doubly linked FIFO list
//! (through slab keys), so removal from the middle is O(1).
//!
//! A node is in one of two states:
//!
//! * **queued**: waiting in line; `req` says what it waits for (a number of
//!   permits, an item to put, ...);
//! * **granted**: taken out of the line and given a result `G` (permits, an
//!   item, an error...) but its future has not resumed yet.
//!
//! The node stays in the slab until the future that created it either
//! consumes the grant ([`WaitList::poll`]) or is dropped
//! ([`WaitList::remove`]). So a slab key is owned by exactly one future for
//! its whole life and is never reused under it, and a future that is dropped
//! after being granted gets its grant back from `remove` and can hand it to
//! the next waiter: no wake-up, permit or item is ever lost.
//!
//! Wakers are never called under the primitive's mutex: the operations that
//! grant return the waker, the caller collects it in a [`WakeList`] and wakes
//! after unlocking.

use slab::Slab;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::task::Waker;

const NIL: usize = usize::MAX;

struct Node<R, G> {
    prev: usize,
    next: usize,
    waker: Option<Waker>,
    req: R,
    /// `None` while queued, `Some` once granted.
    grant: Option<G>,
}

/// What [`WaitList::remove`] found.
pub(crate) enum Removed<R, G> {
    /// The waiter was still in line. `was_head` tells whether it was first,
    /// which matters when the head blocked the line (a large acquire).
    Queued { was_head: bool },
    /// The waiter had been granted `grant` but never consumed it.
    Granted { req: R, grant: G },
}

/// A FIFO list of waiters with per-waiter state. See the module docs.
pub(crate) struct WaitList<R, G> {
    nodes: Slab<Node<R, G>>,
    head: usize,
    tail: usize,
    queued: usize,
}

impl<R, G> WaitList<R, G> {
    pub(crate) fn new() -> Self {
        WaitList {
            nodes: Slab::new(),
            head: NIL,
            tail: NIL,
            queued: 0,
        }
    }

    /// Number of registered waiters: queued plus granted-but-not-resumed.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Number of waiters still in line.
    pub(crate) fn queued(&self) -> usize {
        self.queued
    }

    /// Appends a waiter at the back of the line and returns its key.
    pub(crate) fn push_back(&mut self, req: R, waker: &Waker) -> usize {
        let key = self.nodes.insert(Node {
            prev: self.tail,
            next: NIL,
            waker: Some(waker.clone()),
            req,
            grant: None,
        });
        if self.tail == NIL {
            self.head = key;
        } else {
            self.nodes[self.tail].next = key;
        }
        self.tail = key;
        self.queued += 1;
        key
    }

    /// The key of the first waiter in line.
    pub(crate) fn front(&self) -> Option<usize> {
        (self.head != NIL).then_some(self.head)
    }

    /// What the waiter `key` asked for.
    pub(crate) fn req(&self, key: usize) -> &R {
        &self.nodes[key].req
    }

    fn unlink(&mut self, key: usize) {
        let (prev, next) = {
            let n = &self.nodes[key];
            (n.prev, n.next)
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.nodes[prev].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.nodes[next].prev = prev;
        }
        self.queued -= 1;
    }

    /// Takes the queued waiter `key` out of line and gives it `grant`.
    /// Returns the waker to call once the primitive's lock is released.
    pub(crate) fn grant(&mut self, key: usize, grant: G) -> Option<Waker> {
        debug_assert!(self.nodes[key].grant.is_none(), "granted twice");
        self.unlink(key);
        let node = &mut self.nodes[key];
        node.grant = Some(grant);
        node.waker.take()
    }

    /// Grants the first waiter in line, if any.
    pub(crate) fn grant_front(&mut self, grant: G) -> Result<Option<Waker>, G> {
        match self.front() {
            Some(key) => Ok(self.grant(key, grant)),
            None => Err(grant),
        }
    }

    /// Grants every queued waiter, in order, with `make(req)`.
    pub(crate) fn grant_all(&mut self, wakers: &mut WakeList, mut make: impl FnMut(&mut R) -> G) {
        while let Some(key) = self.front() {
            let g = make(&mut self.nodes[key].req);
            wakers.push(self.grant(key, g));
        }
    }

    /// Called by the owning future when it is polled: if granted, removes the
    /// node and returns its request and grant; otherwise refreshes the waker.
    pub(crate) fn poll(&mut self, key: usize, waker: &Waker) -> Option<(R, G)> {
        let node = &mut self.nodes[key];
        if node.grant.is_some() {
            let node = self.nodes.remove(key);
            // The `is_some` check above makes this infallible.
            node.grant.map(|g| (node.req, g))
        } else {
            match &mut node.waker {
                Some(w) if w.will_wake(waker) => {}
                slot => *slot = Some(waker.clone()),
            }
            None
        }
    }

    /// Called by the owning future when it is dropped before consuming its
    /// grant: removes the node whatever its state.
    pub(crate) fn remove(&mut self, key: usize) -> Removed<R, G> {
        if self.nodes[key].grant.is_none() {
            let was_head = self.head == key;
            self.unlink(key);
            self.nodes.remove(key);
            Removed::Queued { was_head }
        } else {
            let node = self.nodes.remove(key);
            match node.grant {
                Some(grant) => Removed::Granted {
                    req: node.req,
                    grant,
                },
                None => unreachable!("checked above"),
            }
        }
    }
}

/// Wakers collected under a lock, to be woken after it is released.
///
/// The first waker is stored inline, so the common single wake-up does not
/// allocate. Dropping the list wakes whatever it still holds, so declaring
/// it *before* the lock guard also wakes outside the lock.
#[derive(Default)]
pub(crate) struct WakeList {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakeList {
    #[inline]
    pub(crate) fn new() -> Self {
        WakeList {
            first: None,
            rest: Vec::new(),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        if let Some(w) = waker {
            if self.first.is_none() {
                self.first = Some(w);
            } else {
                self.rest.push(w);
            }
        }
    }

    /// Wakes everything collected. Call with no lock held.
    ///
    /// Inlined down to one test when nothing was collected (the common
    /// case: an operation that found nobody waiting).
    ///
    /// A waker may panic (a foreign executor's, or a hand-written
    /// combinator's). The panic reaches the caller, as from any call, but
    /// only after every other waker was woken: the waiters behind a bad waker
    /// were already granted under the lock and must not sleep forever.
    #[inline]
    pub(crate) fn wake_all(&mut self) {
        if let Some(w) = self.first.take() {
            // `rest` only fills once `first` is taken.
            if self.rest.is_empty() {
                w.wake(); // a panic here leaves nobody unwoken
            } else {
                self.wake_many(w);
            }
        }
    }

    #[cold]
    fn wake_many(&mut self, first: Waker) {
        let mut panic = None;
        for w in std::iter::once(first).chain(self.rest.drain(..)) {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| w.wake())) {
                panic.get_or_insert(payload);
            }
        }
        if let Some(payload) = panic {
            resume_unwind(payload);
        }
    }
}

impl Drop for WakeList {
    #[inline]
    fn drop(&mut self) {
        if self.first.is_some() {
            if std::thread::panicking() {
                // Unwinding already: a second panic would abort the process.
                let _ = catch_unwind(AssertUnwindSafe(|| self.wake_all()));
            } else {
                self.wake_all();
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn fifo_grant_and_remove() {
        let w = Waker::noop();
        let mut l: WaitList<u32, &str> = WaitList::new();
        let a = l.push_back(1, w);
        let b = l.push_back(2, w);
        let c = l.push_back(3, w);
        assert_eq!((l.len(), l.queued()), (3, 3));
        assert_eq!(l.front(), Some(a));
        // Remove from the middle keeps the order of the rest.
        assert!(matches!(l.remove(b), Removed::Queued { was_head: false }));
        assert!(l.grant_front("x").is_ok());
        assert_eq!(l.front(), Some(c));
        assert_eq!(l.poll(a, w), Some((1, "x")));
        assert!(l.poll(c, w).is_none());
        let _ = l.grant(c, "y");
        assert!(matches!(
            l.remove(c),
            Removed::Granted { req: 3, grant: "y" }
        ));
        assert_eq!((l.len(), l.queued(), l.front()), (0, 0, None));
        assert!(l.grant_front("z").is_err());
    }

    struct Counting(std::sync::atomic::AtomicUsize);
    impl std::task::Wake for Counting {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    struct Panicking;
    impl std::task::Wake for Panicking {
        fn wake(self: std::sync::Arc<Self>) {
            panic!("bad waker");
        }
    }

    /// A panicking waker does not keep the others in the list asleep, and
    /// its panic reaches the caller.
    #[test]
    fn a_panicking_waker_wakes_the_rest_then_panics() {
        for bad in 0..3 {
            let count = std::sync::Arc::new(Counting(Default::default()));
            let mut list = WakeList::new();
            for i in 0..3 {
                list.push(Some(if i == bad {
                    Waker::from(std::sync::Arc::new(Panicking))
                } else {
                    Waker::from(count.clone())
                }));
            }
            let caught = catch_unwind(AssertUnwindSafe(|| list.wake_all()));
            assert!(caught.is_err(), "the panic reaches the caller");
            assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 2);
            drop(list); // nothing left to wake
            assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 2);
        }
    }
}
