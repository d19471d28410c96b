//! The multi-threaded work-stealing scheduler.
//!
//! * [`Shared`] (this file): what all workers share — the global injector, each
//!   worker's stealer and parker, the idle bookkeeping, the registry of live
//!   tasks — and `schedule`, the one function that decides where a woken task goes.
//! * [`worker`]: the run loop of a worker thread.
//! * [`idle`]: which workers search, sleep and get woken.
//!
//! Where a task goes when it becomes runnable:
//! * woken or spawned on a worker of this runtime, during a task's poll: that
//!   worker's LIFO slot (the previous occupant moves to the back of the local
//!   queue, where other workers can steal it);
//! * woken by itself during its own poll (a yield): the back of the local queue;
//! * woken or spawned anywhere else (another thread, `block_on`, the driver of
//!   another runtime): the global injector, and one sleeping worker is woken if
//!   nobody is searching.

pub(crate) mod idle;
pub(crate) mod worker;

use std::time::Instant;

use crate::blocking::BlockingPool;
use std::sync::Arc;

use crossbeam_utils::CachePadded;

use crate::loom::Ordering::{AcqRel, Acquire, SeqCst};
use crate::loom::{AtomicBool, AtomicPtr, AtomicUsize, Injector, Stealer, fence};
use crate::metrics::{ExecutorMetrics, WorkerCounters};
use crate::park::{DriverSlot, Parker};
use crate::registry::Registry;
use crate::task::cell::trailer;
use crate::task::{
    Header, Notified, OwnedRef, RawTask, Schedule, SlowPoll, TaskError, TaskInfo, TaskState,
};
use idle::Idle;

/// Where the panics of tasks that nobody awaits go.
pub(crate) type PanicReporter = std::sync::Arc<dyn Fn(&TaskError) + Send + Sync>;

/// Tuning knobs, fixed when the runtime is built.
#[derive(Clone)]
pub(crate) struct Config {
    /// A worker takes from the global injector first every this many ticks.
    pub(crate) global_queue_interval: u32,
    /// A worker polls the driver for events every this many ticks.
    pub(crate) event_interval: u32,
    /// One worker: every runnable task goes through the injector, so the
    /// runtime has a single FIFO run queue, like asyncio's event loop (the
    /// deterministic mode of the tests); no LIFO slot, no queue jumping.
    pub(crate) single_fifo: bool,
    /// Most LIFO-slot polls in a row before the slot's task goes to the queue.
    pub(crate) max_lifo_polls: u32,
    pub(crate) thread_name: String,
    pub(crate) on_thread_start: Option<std::sync::Arc<dyn Fn() + Send + Sync>>,
    pub(crate) on_thread_stop: Option<std::sync::Arc<dyn Fn() + Send + Sync>>,
    pub(crate) on_unhandled_panic: Option<PanicReporter>,
    /// Debug mode: report polls longer than this.
    pub(crate) slow_poll_threshold: Option<std::time::Duration>,
    pub(crate) on_slow_poll: Option<SlowPollReporter>,
}

/// Where debug mode's slow-poll reports go.
pub(crate) type SlowPollReporter = std::sync::Arc<dyn Fn(&SlowPoll) + Send + Sync>;

/// Everything the workers of one runtime share.
pub(crate) struct Shared {
    pub(crate) remotes: Box<[Remote]>,
    /// Each worker's counters, on their own cache lines, written by that worker only.
    pub(crate) counters: Box<[Arc<CachePadded<WorkerCounters>>]>,
    pub(crate) injector: Injector<Notified>,
    pub(crate) idle: Idle,
    pub(crate) registry: Registry,
    pub(crate) blocking: BlockingPool,
    pub(crate) driver: Option<Arc<DriverSlot>>,
    pub(crate) config: Config,
    shutdown: AtomicBool,
    /// Threads inside `block_on`, and how many of them sleep with no wake-up pending.
    pub(crate) block_on_threads: AtomicUsize,
    pub(crate) block_on_sleeping: AtomicUsize,
}

/// What other threads may touch of a worker.
pub(crate) struct Remote {
    pub(crate) stealer: Stealer<Notified>,
    pub(crate) parker: Parker,
    pub(crate) lifo: LifoSlot,
}

/// A worker's LIFO slot: the task woken most recently by the task it runs.
///
/// The owner fills and empties it. Another worker takes its task only when
/// the owner is stuck in a long poll (the worker watching from the driver,
/// see `worker::WorkerCtx::take_stuck_lifo_task`), so a task that blocks its
/// thread does not hold back the task it just woke. Both sides swap the
/// pointer, so exactly one of them gets the task.
pub(crate) struct LifoSlot(AtomicPtr<Header>);

impl LifoSlot {
    pub(crate) fn new() -> LifoSlot {
        LifoSlot(AtomicPtr::new(std::ptr::null_mut()))
    }

    /// Puts `task` in the slot (or empties it) and returns the previous occupant.
    pub(crate) fn replace(&self, task: Option<Notified>) -> Option<Notified> {
        let new = task.map_or(std::ptr::null_mut(), Notified::into_ptr);
        let old = self.0.swap(new, AcqRel);
        // SAFETY: a non-null pointer in the slot is a queued reference that
        // `into_ptr` gave up, and the swap made it ours alone.
        std::ptr::NonNull::new(old).map(|ptr| unsafe { Notified::from_ptr(ptr) })
    }

    pub(crate) fn take(&self) -> Option<Notified> {
        self.replace(None)
    }

    /// The occupant's address (null if empty), to tell whether it changed.
    pub(crate) fn peek(&self) -> *mut Header {
        self.0.load(Acquire)
    }
}

impl Drop for LifoSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl Shared {
    pub(crate) fn new(
        stealers: Vec<Stealer<Notified>>,
        driver: Option<Arc<DriverSlot>>,
        blocking: BlockingPool,
        config: Config,
    ) -> Shared {
        let workers = stealers.len();
        let remotes = stealers
            .into_iter()
            .map(|stealer| Remote {
                stealer,
                parker: Parker::new(driver.clone()),
                lifo: LifoSlot::new(),
            })
            .collect();
        Shared {
            remotes,
            counters: WorkerCounters::for_workers(workers),
            injector: Injector::new(),
            idle: Idle::new(workers),
            registry: Registry::new(workers),
            blocking,
            driver,
            config,
            shutdown: AtomicBool::new(false),
            block_on_threads: AtomicUsize::new(0),
            block_on_sleeping: AtomicUsize::new(0),
        }
    }

    /// True if nothing can make progress without an outside event: no task
    /// queued, every worker asleep, every `block_on` thread asleep with no
    /// wake-up pending, no blocking closure queued or running.
    pub(crate) fn is_idle(&self) -> bool {
        fence(SeqCst);
        self.idle.num_unparked() == 0
            && self.block_on_threads.load(SeqCst) == self.block_on_sleeping.load(SeqCst)
            && self.blocking.is_idle()
            && !self.has_queued_work()
    }

    /// Tells the driver that the runtime may have gone idle, if it has.
    pub(crate) fn notify_if_idle(&self) {
        if let Some(driver) = &self.driver {
            if self.is_idle() {
                driver.on_runtime_idle();
            }
        }
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(SeqCst)
    }

    /// Queue a task from outside this runtime's workers.
    pub(crate) fn schedule_remote(&self, task: Notified) {
        if self.is_shutdown() {
            // The workers are gone or going; the registry cancels the task.
            drop(task);
            return;
        }
        self.injector.push(task);
        self.notify_parked();
    }

    /// Wakes one sleeping worker if nobody is searching for work.
    pub(crate) fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].parker.unpark();
        }
    }

    /// True if any queue holds a task (used by a worker about to sleep).
    pub(crate) fn has_queued_work(&self) -> bool {
        fence(SeqCst);
        !self.injector.is_empty() || self.remotes.iter().any(|r| !r.stealer.is_empty())
    }

    /// Starts shutdown: workers stop at their next tick.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, SeqCst);
        for remote in self.remotes.iter() {
            remote.parker.unpark();
        }
        if let Some(driver) = &self.driver {
            driver.unpark();
        }
    }

    /// After the workers have stopped: drop queued references, cancel every live task.
    pub(crate) fn finish_shutdown(&self) {
        while let Some(task) = self.injector.steal().success() {
            drop(task);
        }
        self.registry.close_and_drain(OwnedRef::shutdown);
        // Tasks cancelled above may have woken others into the injector.
        while let Some(task) = self.injector.steal().success() {
            drop(task);
        }
    }

    /// Registers a freshly allocated task and queues it.
    pub(crate) fn bind_and_schedule(self: &Arc<Self>, registry_ref: OwnedRef, task: Notified) {
        match self.registry.insert(registry_ref) {
            Ok(()) => self.schedule(task),
            Err(owned) => {
                // Shutting down: the task never runs.
                drop(task);
                owned.shutdown();
            }
        }
    }

    /// A snapshot of the metrics: counters read with relaxed loads, depths read now.
    pub(crate) fn metrics(&self) -> ExecutorMetrics {
        ExecutorMetrics {
            workers: self
                .counters
                .iter()
                .zip(self.remotes.iter())
                .map(|(counters, remote)| counters.snapshot(remote.stealer.len()))
                .collect(),
            injector_depth: self.injector.len(),
            blocking: self.blocking.metrics(),
            alive_tasks: self.registry.len(),
        }
    }

    pub(crate) fn task_infos(&self) -> Vec<TaskInfo> {
        let now = Instant::now();
        let mut infos = Vec::new();
        self.registry
            .for_each(|raw| infos.push(task_info(raw, now)));
        infos.sort_by_key(|info| info.id);
        infos
    }
}

fn task_info(raw: RawTask, now: Instant) -> TaskInfo {
    let trailer = trailer(raw);
    TaskInfo {
        id: raw.id(),
        name: trailer.meta.name.clone(),
        parent: trailer.meta.parent,
        age: now.saturating_duration_since(trailer.meta.spawned_at),
        polls: trailer.polls.load(crate::loom::Ordering::Relaxed),
        busy_time: std::time::Duration::from_nanos(
            trailer.busy_nanos.load(crate::loom::Ordering::Relaxed),
        ),
        state: TaskState::from_snapshot(raw.header().state.load()),
    }
}

/// The default report of a panic nobody awaited: through `tracing` when the
/// feature is on and a subscriber listens, else on stderr.
pub(crate) fn report_unhandled_panic(error: &TaskError) {
    #[cfg(feature = "tracing")]
    if crate::trace::unhandled_panic(error) {
        return;
    }
    eprintln!("corio: {error} (nobody awaited this task, so the panic is reported here)");
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        worker::with_current(self, |local| match local {
            Some(worker) => worker.schedule_local(task, false),
            None => self.schedule_remote(task),
        })
    }

    fn yield_now(&self, task: Notified) {
        worker::with_current(self, |local| match local {
            Some(worker) => worker.schedule_local(task, true),
            None => self.schedule_remote(task),
        })
    }

    fn release(&self, task: RawTask) -> Option<OwnedRef> {
        self.registry.remove(task)
    }

    fn slow_poll_threshold(&self) -> Option<std::time::Duration> {
        self.config.slow_poll_threshold
    }

    fn slow_poll(&self, report: &SlowPoll) {
        match &self.config.on_slow_poll {
            Some(reporter) => reporter(report),
            // The harness has emitted the `tracing` event; stderr if nobody listens.
            #[cfg(feature = "tracing")]
            None if crate::trace::slow_poll_enabled() => {}
            None => eprintln!("corio debug: {report}"),
        }
    }

    fn unhandled_panic(&self, error: &TaskError) {
        match &self.config.on_unhandled_panic {
            Some(report) => report(error),
            None => report_unhandled_panic(error),
        }
    }
}
