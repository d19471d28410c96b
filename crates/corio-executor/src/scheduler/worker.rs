//! The run loop of one worker thread.
//!
//! Each tick a worker takes one task — from the global injector first every
//! `global_queue_interval` ticks (so it cannot starve), otherwise from its own
//! queue, then from the injector — and runs it, then runs whatever the task put
//! in the LIFO slot (at most `max_lifo_polls` in a row, within the same budget).
//! With nothing local it *searches*: steals a batch from a random victim, then
//! from the injector. With nothing anywhere, a searching worker whose last
//! park the driver ended quickly (with I/O or timer tasks) first *spins* for
//! up to 50 µs, polling the driver without blocking and the queues (see
//! [`WorkerCtx::spin`]); then it parks: in the
//! driver if the driver is free (so it also waits for I/O and timers), else
//! on its condvar.
//!
//! The worker counts its task runs, steals and parks in its own
//! [`WorkerCounters`] (see [`metrics`](crate::metrics)): a relaxed load and
//! store each, on a cache line only this thread writes.

use std::cell::{Cell, RefCell};
use std::ptr;
use std::time::Duration;

use crate::budget;
use std::sync::Arc;

use crossbeam_utils::CachePadded;

use crate::loom::{Worker, spin_loop};
use crate::metrics::WorkerCounters;
use crate::task::{Header, Notified};

use super::{LifoSlot, Shared};
use crate::park::{Parked, Sentry};

/// How often the worker parked in the driver looks for a task stuck in a busy
/// worker's LIFO slot (only while some worker is awake; an idle runtime sleeps).
const WATCH: Duration = Duration::from_millis(10);

/// The first and the longest sleep of the sentry, the one condvar sleeper that
/// checks whether the driver was left unattended (see `Parker::park`): a task
/// that blocks the driver's worker holds timers and I/O back this long at most.
const SENTRY_FIRST: Duration = Duration::from_millis(10);
const SENTRY_MAX: Duration = Duration::from_millis(250);

/// How long a searching worker that the driver woke moments ago keeps polling
/// the driver and the queues before it parks (see [`WorkerCtx::spin`]).
const SPIN: Duration = Duration::from_micros(50);

/// A worker spins before parking only if its previous park ended this soon
/// with tasks the driver woke: it is in a rapid I/O sleep/wake cycle, not
/// idling between timers.
const SPIN_AFTER_PARKS_UNDER: Duration = Duration::from_micros(500);

/// The worker-local half of a worker, reachable from its thread only.
pub(crate) struct WorkerCtx {
    shared: Arc<Shared>,
    index: usize,
    local: Worker<Notified>,
    tick: Cell<u32>,
    /// What the other workers' LIFO slots held at this worker's previous look
    /// (see [`take_stuck_lifo_task`](Self::take_stuck_lifo_task)).
    lifo_seen: RefCell<Vec<*mut Header>>,
    rng: Cell<u32>,
    searching: Cell<bool>,
    /// True while a task of this worker is being polled: wakes then go to the LIFO slot.
    in_task: Cell<bool>,
    /// True while this worker is in the driver (parked in it, or polling it in
    /// passing): the tasks it wakes are queued without a wake-up each; the
    /// worker shares them afterwards, once, if there is more than one.
    in_driver: Cell<bool>,
    /// This worker's metrics counters (only this thread writes them).
    counters: Arc<CachePadded<WorkerCounters>>,
    /// True if the last park ended within [`SPIN_AFTER_PARKS_UNDER`] with
    /// tasks the driver woke (I/O or timers) on this worker's queue.
    driver_woke_quickly: Cell<bool>,
}

thread_local! {
    static CURRENT: Cell<*const WorkerCtx> = const { Cell::new(ptr::null()) };
}

/// Calls `f` with this thread's worker if it is a worker of `shared`'s runtime.
pub(crate) fn with_current<R>(shared: &Arc<Shared>, f: impl FnOnce(Option<&WorkerCtx>) -> R) -> R {
    let ctx = CURRENT.with(|c| c.get());
    // SAFETY: the pointer is set by `run` to a `WorkerCtx` on its stack and
    // cleared before that frame ends; only this thread reads it.
    let ctx = unsafe { ctx.as_ref() };
    f(ctx.filter(|ctx| Arc::ptr_eq(&ctx.shared, shared)))
}

/// Runs worker `index` until the runtime shuts down.
pub(crate) fn run(shared: Arc<Shared>, index: usize, local: Worker<Notified>) {
    let ctx = WorkerCtx {
        rng: Cell::new(0x9E37_79B9 ^ (index as u32).wrapping_mul(0x85EB_CA6B) | 1),
        counters: shared.counters[index].clone(),
        index,
        lifo_seen: RefCell::new(vec![ptr::null_mut(); shared.num_workers()]),
        shared,
        local,
        tick: Cell::new(0),
        searching: Cell::new(false),
        in_task: Cell::new(false),
        in_driver: Cell::new(false),
        driver_woke_quickly: Cell::new(false),
    };
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(ptr::null()));
        }
    }
    CURRENT.with(|c| c.set(&ctx));
    let _reset = Reset;
    ctx.run_loop();
    ctx.drain();
}

impl WorkerCtx {
    fn run_loop(&self) {
        let config = &self.shared.config;
        while !self.shared.is_shutdown() {
            let tick = self.tick.get().wrapping_add(1);
            self.tick.set(tick);
            if tick % config.event_interval == 0 {
                if let Some(driver) = &self.shared.driver {
                    self.in_driver.set(true);
                    driver.poll_events();
                    self.in_driver.set(false);
                    if self.local.len() > 1 {
                        self.shared.notify_parked();
                    }
                }
            }
            if let Some(task) = self.next_task(tick) {
                self.run_task(task);
            } else if let Some(task) = self.search().or_else(|| self.spin()) {
                self.run_task(task);
            } else {
                self.park();
            }
        }
    }

    fn next_task(&self, tick: u32) -> Option<Notified> {
        // (A lone worker's local queue only holds tasks older than the injector's.)
        if !self.shared.config.single_fifo && tick % self.shared.config.global_queue_interval == 0 {
            if let Some(task) = self.shared.injector.steal().success() {
                return Some(task);
            }
        }
        self.local.pop().or_else(|| self.steal_from_injector())
    }

    /// Takes this worker's share of the injector (`len / workers + 1`, at most
    /// 128) into the local queue and returns the first. Taking the share, not
    /// just crossbeam's half-batch, keeps a lone worker's order FIFO: a task that
    /// yields goes behind the tasks that were already waiting in the injector.
    fn steal_from_injector(&self) -> Option<Notified> {
        let injector = &self.shared.injector;
        let share = (injector.len() / self.shared.num_workers() + 1).min(128);
        let first = loop {
            let steal = injector.steal_batch_with_limit_and_pop(&self.local, share);
            if !steal.is_retry() {
                break steal.success()?;
            }
            spin_loop();
        };
        while self.local.len() + 1 < share {
            let steal = injector.steal_batch_with_limit(&self.local, share - 1 - self.local.len());
            if steal.is_empty() {
                break;
            }
            if steal.is_retry() {
                spin_loop();
            }
        }
        Some(first)
    }

    /// Steal from other workers, then the injector; refused when half the workers search.
    fn search(&self) -> Option<Notified> {
        if !self.searching.get() {
            if !self.shared.idle.transition_worker_to_searching() {
                return None;
            }
            self.searching.set(true);
        }
        let remotes = &self.shared.remotes;
        let n = remotes.len();
        let start = self.next_random() as usize % n;
        for _ in 0..4 {
            let mut retry = false;
            for i in 0..n {
                let victim = (start + i) % n;
                if victim == self.index {
                    continue;
                }
                let steal = remotes[victim].stealer.steal_batch_and_pop(&self.local);
                retry |= steal.is_retry();
                if let Some(task) = steal.success() {
                    // The local queue was empty (that is why we search): the
                    // batch is what it holds now, plus the task returned.
                    self.counters.add_steal(self.local.len() as u64 + 1);
                    return Some(task);
                }
            }
            if let Some(task) = self.steal_from_injector() {
                return Some(task);
            }
            if !retry {
                break;
            }
            spin_loop();
        }
        None
    }

    /// Before parking, the searching worker polls the driver (without
    /// blocking) and the queues for up to [`SPIN`], if its previous park was
    /// ended quickly by the driver handing it tasks. A worker that the driver
    /// wakes every few microseconds (a socket reader keeping pace with a
    /// writer on another worker) then picks up its next event itself, instead
    /// of sleeping in `epoll_wait` and making the thread that readies the
    /// socket pay for a cross-CPU wake-up (6-23 µs here). While it spins it
    /// counts as searching, so the other workers' wake-ups are skipped too.
    ///
    /// An idle runtime never spins (its parks are long), nor does a worker
    /// that other workers wake (tasks contending for a lock are better left
    /// on the one worker that runs them than pulled over again and again);
    /// a spin that ends in a steal rather than an event is the last until
    /// the driver wakes this worker quickly again.
    fn spin(&self) -> Option<Notified> {
        let driver = self.shared.driver.as_ref()?;
        if !self.searching.get() || !self.driver_woke_quickly.get() {
            return None;
        }
        let start = std::time::Instant::now();
        while start.elapsed() < SPIN && !self.shared.is_shutdown() {
            self.in_driver.set(true);
            driver.poll_events();
            self.in_driver.set(false);
            if let Some(task) = self.local.pop() {
                return Some(task);
            }
            if let Some(task) = self.search() {
                self.driver_woke_quickly.set(false);
                return Some(task);
            }
            spin_loop();
        }
        None
    }

    fn run_task(&self, task: Notified) {
        if self.searching.replace(false) && self.shared.idle.transition_worker_from_searching() {
            // The last searcher found work: there may be more, let another look.
            self.shared.notify_parked();
        }
        let _budget = budget::Scoped::set(Some(budget::INITIAL));
        self.in_task.set(true);
        // Counted before the run, so whoever sees the task's outcome sees the count.
        self.counters.add_polls(1);
        task.run();
        let mut lifo_polls = 0;
        while let Some(next) = self.lifo().take() {
            if lifo_polls >= self.shared.config.max_lifo_polls || !budget::has_remaining() {
                // Two tasks ping-ponging through the slot must not starve the queue.
                self.local.push(next);
                self.shared.notify_parked();
                break;
            }
            lifo_polls += 1;
            self.counters.add_polls(1);
            next.run();
        }
        self.in_task.set(false);
    }

    /// Where a task goes when woken or spawned on this worker.
    pub(crate) fn schedule_local(&self, task: Notified, is_yield: bool) {
        if self.shared.config.single_fifo {
            // The lone worker is awake (it is running this code): no wake-up needed.
            self.shared.injector.push(task);
        } else if self.in_driver.get() {
            self.local.push(task);
        } else if is_yield || !self.in_task.get() {
            self.local.push(task);
            self.shared.notify_parked();
        } else if let Some(previous) = self.lifo().replace(Some(task)) {
            self.local.push(previous);
            self.shared.notify_parked();
        }
    }

    fn park(&self) {
        let idle = &self.shared.idle;
        let was_searching = self.searching.replace(false);
        let last_searcher = idle.transition_worker_to_parked(self.index, was_searching);
        if (last_searcher || !was_searching) && self.shared.has_queued_work() {
            // Work arrived while we were deciding to sleep.
            if !idle.unpark_self(self.index) {
                self.searching.set(true);
            }
            return;
        }
        if !was_searching || last_searcher {
            // Maybe the last thread to go idle: a virtual clock may jump now.
            self.shared.notify_if_idle();
        }
        let parker = &self.shared.remotes[self.index].parker;
        self.note_lifo_slots();
        let mut sentry = Sentry::new(SENTRY_FIRST);
        loop {
            // While another worker is awake, look every WATCH for a task stuck
            // in its LIFO slot (it may be blocked in a long poll).
            let watch = (idle.num_unparked() > 0).then_some(WATCH);
            self.counters.add_park();
            self.in_driver.set(true);
            let slept = std::time::Instant::now();
            let parked = parker.park(watch, &mut sentry);
            let quick = slept.elapsed() < SPIN_AFTER_PARKS_UNDER;
            self.in_driver.set(false);
            if self.shared.is_shutdown() {
                return;
            }
            match parked {
                Parked::InDriver if watch.is_some() => {
                    if let Some(task) = self.take_stuck_lifo_task() {
                        // Taken from another worker: a steal of one task.
                        self.counters.add_steal(1);
                        self.local.push(task);
                    }
                }
                Parked::AsSentry => sentry.timeout = (sentry.timeout * 2).min(SENTRY_MAX),
                _ => {}
            }
            if !self.local.is_empty()
                || (self.shared.config.single_fifo && !self.shared.injector.is_empty())
            {
                // The driver woke tasks onto our queue while we slept.
                self.driver_woke_quickly.set(quick);
                if !idle.unpark_self(self.index) {
                    self.searching.set(true);
                }
                if self.local.len() > 1 {
                    self.shared.notify_parked();
                }
                return;
            }
            if !idle.is_parked(self.index) {
                // A notifier took us off the sleepers list and counted us as
                // searching. Not a driver wake-up: no spin when this search
                // fails (spinning here would keep pulling the busy worker's
                // tasks over, spreading a lock's contenders across CPUs).
                self.driver_woke_quickly.set(false);
                self.searching.set(true);
                return;
            }
        }
    }

    fn lifo(&self) -> &LifoSlot {
        &self.shared.remotes[self.index].lifo
    }

    /// Notes what every LIFO slot holds, for the next [`take_stuck_lifo_task`](Self::take_stuck_lifo_task).
    fn note_lifo_slots(&self) {
        let mut seen = self.lifo_seen.borrow_mut();
        for (seen, remote) in seen.iter_mut().zip(self.shared.remotes.iter()) {
            *seen = remote.lifo.peek();
        }
    }

    /// Takes a task that sat in another worker's LIFO slot since this
    /// worker's previous look: that worker has been in one poll since (a task
    /// blocking its thread), and the task it woke must not wait for it.
    /// Called by the worker parked in the driver, every [`WATCH`] while
    /// another worker is awake.
    fn take_stuck_lifo_task(&self) -> Option<Notified> {
        let mut seen = self.lifo_seen.borrow_mut();
        let mut found = None;
        for (i, remote) in self.shared.remotes.iter().enumerate() {
            let now = remote.lifo.peek();
            if i != self.index && found.is_none() && !now.is_null() && now == seen[i] {
                found = remote.lifo.take();
                seen[i] = ptr::null_mut();
            } else {
                seen[i] = now;
            }
        }
        found
    }

    fn next_random(&self) -> u32 {
        // xorshift32: fast, and good enough to pick a victim.
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.set(x);
        x
    }

    /// At shutdown: drop the references this worker still queues.
    fn drain(&self) {
        drop(self.lifo().take());
        while let Some(task) = self.local.pop() {
            drop(task);
        }
    }
}
