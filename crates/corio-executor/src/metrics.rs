//! Runtime metrics: always on, cheap enough to leave on in release builds.
//!
//! Each worker counts what it does (tasks polled, steals, parks) in its own
//! set of counters, which sits alone on its cache line. Only the owning
//! worker writes it, with a plain relaxed load and store (no read-modify-write,
//! no lock), so counting costs a few instructions on a line no other thread
//! writes. Readers (a [`Handle::metrics`](crate::Handle::metrics) call) load
//! the counters with relaxed loads: each counter is exact and monotonic, but a
//! snapshot is not taken at one instant across workers.
//!
//! Queue depths are not counted on the hot path: they are read on demand from
//! the deques themselves (`len`), as is the blocking pool's state (under its
//! lock, which is not on any hot path).
//!
//! # Example
//!
//! ```
//! let rt = corio_executor::Runtime::builder().worker_threads(2).build().unwrap();
//! rt.block_on(async {
//!     let tasks: Vec<_> = (0..100).map(|i| corio_executor::spawn(async move { i })).collect();
//!     for task in tasks {
//!         task.await.unwrap();
//!     }
//! });
//! let metrics = rt.handle().metrics();
//! assert_eq!(metrics.workers.len(), 2);
//! assert!(metrics.total_polls() >= 100);
//! ```

use std::sync::Arc;

use crossbeam_utils::CachePadded;

use crate::loom::{AtomicU64, Ordering::Relaxed};

/// The counters of one worker, written by that worker only.
#[derive(Default)]
pub(crate) struct WorkerCounters {
    /// Task runs (polls, and the runs that only drop a cancelled future).
    polls: AtomicU64,
    /// Successful steals from other workers' queues (one per batch).
    steal_batches: AtomicU64,
    /// Tasks taken by those steals.
    stolen_tasks: AtomicU64,
    /// Times the worker blocked (in the driver or on its condvar).
    parks: AtomicU64,
}

/// Adds `n` to a counter that only the calling thread writes.
#[inline(always)]
fn bump(counter: &AtomicU64, n: u64) {
    // A load and a store, not a `fetch_add`: there is one writer, so no
    // increment can be lost, and no locked instruction is needed.
    counter.store(counter.load(Relaxed).wrapping_add(n), Relaxed);
}

impl WorkerCounters {
    /// One per worker, each on its own cache line (the worker keeps a clone of
    /// its `Arc`, so the hot path reaches its counters with one load).
    pub(crate) fn for_workers(workers: usize) -> Box<[Arc<CachePadded<WorkerCounters>>]> {
        (0..workers).map(|_| Arc::default()).collect()
    }

    /// The owning worker ran `n` tasks.
    #[inline(always)]
    pub(crate) fn add_polls(&self, n: u64) {
        bump(&self.polls, n);
    }

    /// The owning worker stole `tasks` tasks from another worker in one batch.
    #[inline]
    pub(crate) fn add_steal(&self, tasks: u64) {
        bump(&self.steal_batches, 1);
        bump(&self.stolen_tasks, tasks);
    }

    /// The owning worker is about to block.
    #[inline]
    pub(crate) fn add_park(&self) {
        bump(&self.parks, 1);
    }

    pub(crate) fn snapshot(&self, local_queue_depth: usize) -> WorkerMetrics {
        WorkerMetrics {
            polls: self.polls.load(Relaxed),
            steal_batches: self.steal_batches.load(Relaxed),
            stolen_tasks: self.stolen_tasks.load(Relaxed),
            parks: self.parks.load(Relaxed),
            local_queue_depth,
        }
    }
}

/// What one worker thread has done since the runtime started, and its queue now.
///
/// Counters only grow (they wrap after 2^64, which takes centuries).
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
/// rt.block_on(rt.spawn(async {})).unwrap();
/// let worker = &rt.handle().metrics().workers[0];
/// assert!(worker.polls >= 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Tasks run by this worker (each poll of a task, including the final run
    /// that only drops a cancelled task's future).
    pub polls: u64,
    /// Successful steals from other workers' queues: each takes a batch.
    pub steal_batches: u64,
    /// Tasks taken from other workers by those steals.
    pub stolen_tasks: u64,
    /// Times this worker went to sleep for want of work (in the driver or on
    /// its condvar).
    pub parks: u64,
    /// Tasks in this worker's local queue right now (the one-task LIFO slot
    /// is not counted).
    pub local_queue_depth: usize,
}

/// Blocking-pool figures at one moment.
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::new().unwrap();
/// rt.block_on(rt.spawn_blocking(|| ())).unwrap();
/// let pool = rt.handle().metrics().blocking;
/// assert!(pool.threads >= 1 && pool.idle_threads <= pool.threads);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlockingMetrics {
    /// Pool threads alive.
    pub threads: usize,
    /// Of those, threads waiting for a closure.
    pub idle_threads: usize,
    /// Closures running now.
    pub running: usize,
    /// Closures queued, not started.
    pub queued: usize,
}

/// A snapshot of the executor's metrics; see [`Handle::metrics`](crate::Handle::metrics).
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::builder().worker_threads(2).build().unwrap();
/// let metrics = rt.handle().metrics();
/// assert_eq!(metrics.workers.len(), 2);
/// assert_eq!(metrics.injector_depth, 0);
/// assert_eq!(metrics.alive_tasks, 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecutorMetrics {
    /// One entry per worker thread, by worker index.
    pub workers: Vec<WorkerMetrics>,
    /// Tasks in the global injector queue right now.
    pub injector_depth: usize,
    /// The blocking pool.
    pub blocking: BlockingMetrics,
    /// Tasks spawned and not yet finished (blocking closures excluded).
    pub alive_tasks: usize,
}

impl ExecutorMetrics {
    /// Task runs, summed over the workers.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().total_polls(), 0);
    /// ```
    pub fn total_polls(&self) -> u64 {
        self.workers.iter().map(|w| w.polls).sum()
    }

    /// Successful steals (each takes a batch), summed over the workers.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().total_steal_batches(), 0);
    /// ```
    pub fn total_steal_batches(&self) -> u64 {
        self.workers.iter().map(|w| w.steal_batches).sum()
    }

    /// Tasks stolen between workers, summed over the workers.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().total_stolen_tasks(), 0);
    /// ```
    pub fn total_stolen_tasks(&self) -> u64 {
        self.workers.iter().map(|w| w.stolen_tasks).sum()
    }

    /// Parks, summed over the workers.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let _ = rt.handle().metrics().total_parks(); // workers park as soon as they start
    /// ```
    pub fn total_parks(&self) -> u64 {
        self.workers.iter().map(|w| w.parks).sum()
    }

    /// Tasks queued anywhere right now: every local queue and the injector.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().total_queue_depth(), 0);
    /// ```
    pub fn total_queue_depth(&self) -> usize {
        self.injector_depth
            + self
                .workers
                .iter()
                .map(|w| w.local_queue_depth)
                .sum::<usize>()
    }
}
