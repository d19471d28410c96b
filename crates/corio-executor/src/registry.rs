//! The registry of live tasks: the runtime's strong reference to every task.
//!
//! It is what lets shutdown cancel every remaining task (including tasks that
//! only wait on each other and would otherwise leak), and what
//! [`Handle::tasks`](crate::Handle::tasks) lists. It is a set of intrusive
//! doubly linked lists (the links live in each task's trailer), sharded by task
//! id so that spawns and completions on different threads rarely meet on one
//! lock: one uncontended lock per spawn and one per completion.

use std::ptr::NonNull;

use crossbeam_utils::CachePadded;

use crate::loom::Mutex;
use crate::task::cell::{self, Header, Links};
use crate::task::{OwnedRef, RawTask};

pub(crate) struct Registry {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
    mask: usize,
}

struct Shard {
    head: Option<NonNull<Header>>,
    len: usize,
    closed: bool,
}

// SAFETY: the pointers are tasks the shard holds a reference to; they are only
// followed while the shard's mutex is held, and the tasks are `Send`.
unsafe impl Send for Shard {}

impl Registry {
    /// A registry with about four shards per worker (a power of two).
    pub(crate) fn new(workers: usize) -> Registry {
        let count = (workers.max(1) * 4).next_power_of_two();
        let shards = (0..count)
            .map(|_| {
                CachePadded::new(Mutex::new(Shard {
                    head: None,
                    len: 0,
                    closed: false,
                }))
            })
            .collect();
        Registry {
            shards,
            mask: count - 1,
        }
    }

    fn shard(&self, task: RawTask) -> &Mutex<Shard> {
        &self.shards[task.id().as_u64() as usize & self.mask]
    }

    /// Adds a task with the reference `owned`; gives it back if the runtime is shutting down.
    pub(crate) fn insert(&self, owned: OwnedRef) -> Result<(), OwnedRef> {
        let raw = owned.raw();
        let mut shard = self.shard(raw).lock();
        if shard.closed {
            return Err(owned);
        }
        let old_head = shard.head;
        with_links(raw, |links| {
            links.prev = None;
            links.next = old_head;
            links.linked = true;
        });
        if let Some(old) = old_head {
            with_links(RawTask::from_header(old), |links| {
                links.prev = Some(raw.header_ptr())
            });
        }
        shard.head = Some(raw.header_ptr());
        shard.len += 1;
        std::mem::forget(owned);
        Ok(())
    }

    /// Removes a completed task, returning the registry's reference if it was there.
    pub(crate) fn remove(&self, raw: RawTask) -> Option<OwnedRef> {
        let mut shard = self.shard(raw).lock();
        let (prev, next, linked) =
            with_links(raw, |l| (l.prev, l.next, std::mem::take(&mut l.linked)));
        if !linked {
            return None;
        }
        match prev {
            Some(p) => with_links(RawTask::from_header(p), |l| l.next = next),
            None => shard.head = next,
        }
        if let Some(n) = next {
            with_links(RawTask::from_header(n), |l| l.prev = prev);
        }
        shard.len -= 1;
        // SAFETY: the registry held one reference for the linked task.
        Some(unsafe { OwnedRef::from_raw(raw) })
    }

    /// Stops new insertions and hands out every remaining task, one at a time.
    pub(crate) fn close_and_drain(&self, mut each: impl FnMut(OwnedRef)) {
        for shard in self.shards.iter() {
            shard.lock().closed = true;
        }
        for shard in self.shards.iter() {
            loop {
                let head = shard.lock().head;
                let Some(head) = head else { break };
                if let Some(owned) = self.remove(RawTask::from_header(head)) {
                    each(owned);
                }
            }
        }
    }

    /// Number of live tasks.
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len).sum()
    }

    /// Calls `f` for every live task, a shard at a time, under that shard's lock.
    pub(crate) fn for_each(&self, mut f: impl FnMut(RawTask)) {
        for shard in self.shards.iter() {
            let shard = shard.lock();
            let mut next = shard.head;
            while let Some(ptr) = next {
                let raw = RawTask::from_header(ptr);
                f(raw);
                next = with_links(raw, |l| l.next);
            }
        }
    }
}

/// Touches a task's links. Callers hold the lock of the shard the task belongs to.
fn with_links<R>(raw: RawTask, f: impl FnOnce(&mut Links) -> R) -> R {
    // SAFETY: the links of a task are only accessed under its shard's lock,
    // which every caller holds; the registry's reference keeps the task alive.
    cell::trailer(raw)
        .links
        .with_mut(|links| f(unsafe { &mut *links }))
}
