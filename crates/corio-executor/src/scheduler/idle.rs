//! Searching and parking: which workers are awake, which look for work, and
//! which one to wake when work appears.
//!
//! One atomic word counts the workers that are *searching* (awake, with empty
//! queues, stealing) in its low 16 bits and the workers that are *unparked*
//! (not asleep) above them. A worker is woken only when nobody is searching and
//! someone sleeps; the woken worker starts out searching, and a searching worker
//! that finds work wakes the next one if it was the last searcher. So a burst
//! of spawns wakes workers one at a time, never all at once, and at most about
//! half of the workers search at a time.

use crate::loom::{AtomicUsize, Mutex, Ordering::SeqCst};

const UNPARKED_SHIFT: usize = 16;
const SEARCHING_MASK: usize = (1 << UNPARKED_SHIFT) - 1;
const ONE_UNPARKED: usize = 1 << UNPARKED_SHIFT;
const ONE_SEARCHING: usize = 1;

pub(crate) struct Idle {
    state: AtomicUsize,
    /// Indices of the parked workers.
    sleepers: Mutex<Vec<usize>>,
    workers: usize,
}

fn searching(state: usize) -> usize {
    state & SEARCHING_MASK
}

fn unparked(state: usize) -> usize {
    state >> UNPARKED_SHIFT
}

impl Idle {
    pub(crate) fn new(workers: usize) -> Idle {
        assert!(workers < SEARCHING_MASK, "too many workers");
        Idle {
            state: AtomicUsize::new(workers << UNPARKED_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(workers)),
            workers,
        }
    }

    /// Picks a parked worker to wake for new work, and counts it as searching.
    ///
    /// The caller must have published the work before calling (the read-modify-
    /// write below orders the two, pairing with the re-check a parking worker
    /// does after [`transition_worker_to_parked`](Self::transition_worker_to_parked)).
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.should_notify() {
            return None;
        }
        let index = sleepers.pop()?;
        self.state.fetch_add(ONE_UNPARKED | ONE_SEARCHING, SeqCst);
        Some(index)
    }

    fn should_notify(&self) -> bool {
        // An RMW rather than a load: a full barrier after the caller's push.
        let state = self.state.fetch_add(0, SeqCst);
        searching(state) == 0 && unparked(state) < self.workers
    }

    /// A worker with empty queues asks to search; refused when half already do.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * searching(state) >= self.workers.max(2) {
            return false;
        }
        self.state.fetch_add(ONE_SEARCHING, SeqCst);
        true
    }

    /// A searching worker found work. True if it was the last searcher (it must
    /// then wake another worker, in case there is more work).
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(ONE_SEARCHING, SeqCst);
        debug_assert!(searching(prev) > 0);
        searching(prev) == 1
    }

    /// A worker goes to sleep. True if it was the last searcher.
    ///
    /// After this, the worker must look at every queue once more before it
    /// blocks: work pushed before a notifier read the counts could otherwise be
    /// missed by both.
    pub(crate) fn transition_worker_to_parked(&self, index: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = ONE_UNPARKED | if is_searching { ONE_SEARCHING } else { 0 };
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(index);
        is_searching && searching(prev) == 1
    }

    /// Number of workers not asleep.
    pub(crate) fn num_unparked(&self) -> usize {
        unparked(self.state.load(SeqCst))
    }

    /// A parked worker wakes itself (it found work after all, or the driver gave
    /// it some). Returns false if a notifier already took it off the list (and
    /// counted it as searching).
    pub(crate) fn unpark_self(&self, index: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&i| i == index) {
            Some(position) => {
                sleepers.swap_remove(position);
                self.state.fetch_add(ONE_UNPARKED, SeqCst);
                true
            }
            None => false,
        }
    }

    /// True if the worker is still on the sleepers list (nobody woke it).
    pub(crate) fn is_parked(&self, index: usize) -> bool {
        self.sleepers.lock().contains(&index)
    }
}
