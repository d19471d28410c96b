//! The slab of registered sources, apart from the poller so loom can model it.
//!
//! Lock order: the slab lock, then a source's waiter lock (dispatch and
//! shutdown nest them that way; nothing takes them the other way round).

use std::io;
use std::os::fd::RawFd;
use std::task::Waker;

use slab::Slab;

use crate::loom::{Arc, AtomicUsize, Mutex, Ordering::Relaxed};
use crate::reactor::Backend;
use crate::source::Source;

struct Sources {
    slab: Slab<Arc<Source>>,
    shutdown: bool,
}

pub(crate) struct Registry {
    sources: Mutex<Sources>,
    /// `slab.len()`, readable without the lock.
    len: AtomicUsize,
}

impl Registry {
    pub(crate) fn new() -> Registry {
        Registry {
            sources: Mutex::new(Sources {
                slab: Slab::new(),
                shutdown: false,
            }),
            len: AtomicUsize::new(0),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    /// Adds a source for `fd` to the slab (not yet to the poller). With
    /// `unpolled`, the source adds itself to that poller when a task first
    /// waits on it; without, the caller adds it now.
    pub(crate) fn insert(
        &self,
        fd: RawFd,
        unpolled: Option<std::sync::Weak<Backend>>,
    ) -> io::Result<Arc<Source>> {
        let mut sources = self.sources.lock();
        if sources.shutdown {
            return Err(io::Error::other("the corio reactor has shut down"));
        }
        let entry = sources.slab.vacant_entry();
        let source = Arc::new(Source::new(entry.key(), fd, unpolled));
        entry.insert(source.clone());
        self.len.store(sources.slab.len(), Relaxed);
        Ok(source)
    }

    /// Removes `source` from the slab, marks it deregistered and moves its
    /// wakers into `wakers`. True if the caller must delete the fd from the
    /// poller: the source was still in the slab (this is the first removal)
    /// and its fd had joined the poller.
    pub(crate) fn remove(&self, source: &Source, wakers: &mut Vec<Waker>) -> bool {
        let removed = {
            let mut sources = self.sources.lock();
            let ours = sources
                .slab
                .get(source.key())
                .is_some_and(|s| std::ptr::eq(&**s, source));
            let removed = ours.then(|| sources.slab.remove(source.key()));
            self.len.store(sources.slab.len(), Relaxed);
            removed
        };
        let in_poller = source.close(false, wakers);
        // The slab's Arc is dropped here, outside the lock.
        removed.is_some() && in_poller
    }

    /// Delivers readiness `bits` to the source under `key` (if it is still
    /// there) for each `(key, bits)`; the wakers go into `wakers`.
    pub(crate) fn dispatch(
        &self,
        events: impl IntoIterator<Item = (usize, usize)>,
        wakers: &mut Vec<Waker>,
    ) {
        let sources = self.sources.lock();
        for (key, bits) in events {
            // A stale event for a key deregistered meanwhile finds nothing, or
            // finds a newer source under a reused key: a spurious readiness,
            // which costs that source one `WouldBlock`, nothing more.
            if let Some(source) = sources.slab.get(key) {
                source.set_readiness(bits, wakers);
            }
        }
    }

    /// Refuses new registrations and fails every registered source.
    pub(crate) fn shutdown(&self, wakers: &mut Vec<Waker>) {
        let mut sources = self.sources.lock();
        sources.shutdown = true;
        for (_, source) in sources.slab.iter() {
            source.close(true, wakers);
        }
    }
}
