//! The work-stealing task scheduler of the [corio] async runtime.
//!
//! This crate runs futures on a pool of worker threads. It knows nothing about
//! I/O or time: idle workers park through the [`park::Park`] trait, which the
//! `corio` facade implements with its reactor and timer wheel. Use the `corio`
//! crate unless you are building a runtime of your own.
//!
//! # Design
//!
//! * **Tasks** ([`task`]): one allocation per task holding the header (an atomic
//!   state word, the vtable, the id), the scheduler reference, the future and
//!   then its output in the same place, and a cold trailer (registry links,
//!   join waker, name, parent, spawn time, poll count). Waking by reference
//!   takes no reference count unless the task must be queued.
//! * **Scheduling**: each worker has a `crossbeam_deque::Worker` queue and a
//!   LIFO slot for the task most recently woken by the running task (at most 3
//!   LIFO polls in a row); spawns and wakes from other threads go to a global
//!   `crossbeam_deque::Injector`, which each worker checks first every 61 ticks.
//!   Idle workers steal half of a random victim's queue; at most half of them
//!   search at once, and a wake-up goes to one sleeping worker only when nobody
//!   is searching.
//! * **Parking**: one idle worker parks in the driver, the others on their own
//!   condvars; unparks are aimed at one thread.
//! * **Cooperation** ([`budget`]): a task gets 128 units per poll; resources
//!   spend one per operation and make the task yield when they run out.
//! * **Blocking pool**: [`spawn_blocking`] runs closures on extra threads that
//!   grow on demand (up to 512) and retire after 10 s idle.
//! * **Registry**: the runtime holds every live task, so shutdown cancels them
//!   all and [`Handle::tasks`] lists them.
//!
//! * **Metrics** ([`metrics`]): always on; each worker counts its task runs,
//!   steals and parks on its own cache line; [`Handle::metrics`] takes a snapshot.
//!
//! Dependencies: `crossbeam-deque` (the work-stealing deques and the injector),
//! `crossbeam-utils` (`CachePadded` for the registry shards and the worker
//! counters), `parking_lot` (small, fast mutexes and condvars for the short
//! critical sections), `loom` (model checking, only under `--cfg loom`),
//! `tracing` (only with the `tracing` feature: the ecosystem's structured
//! diagnostics, which subscribers such as `tracing-subscriber` consume).
//!
//! # The `tracing` feature
//!
//! Off by default; with it off the code below is not compiled at all. With it
//! on, every span and event has target `corio::task`:
//!
//! | what | level | fields |
//! | --- | --- | --- |
//! | span `task`, one per task, entered around each poll | DEBUG | `task.id`, `task.name`, `task.parent` (the spawning task's id), `task.kind` (`task` or `blocking`) |
//! | event `spawn` | DEBUG | in the task's span |
//! | event `poll`, after each poll | TRACE | `outcome`: `pending`, `ready` or `panicked` |
//! | event `wake` | TRACE | in the task's span |
//! | event `cancel` (asked through [`Task::cancel`]) | DEBUG | |
//! | event `complete` | DEBUG | `outcome`: `ok`, `cancelled` or `panicked` |
//! | event `slow poll` (debug mode only, see [`Builder::debug`]) | WARN | `duration`, `threshold` |
//! | event `unhandled panic` | ERROR | `task.id`, `task.name`, `error` |
//!
//! Task spans have no parent span (a parent's span would otherwise stay open
//! as long as its longest-lived descendant); `task.parent` links them.
//! A panic nobody awaits, and a slow poll with no
//! [`on_slow_poll`](Builder::on_slow_poll) hook, are reported through
//! `tracing` when a subscriber listens at that level, and on stderr otherwise
//! (a hook set with [`on_unhandled_panic`](Builder::on_unhandled_panic) still
//! replaces the default report). With the feature on and no subscriber, the
//! hooks cost a few level checks per task event (see docs/architecture.md for
//! the measured cost).
//!
//! ```
//! // With `features = ["tracing"]` and, for instance,
//! // `tracing_subscriber::fmt().with_env_filter("corio::task=debug").init()`,
//! // every task's life is logged; the code that spawns does not change:
//! let rt = corio_executor::Runtime::new().unwrap();
//! let task = corio_executor::task::Builder::new().name("traced").spawn_on(rt.handle(), async { 1 });
//! assert_eq!(rt.block_on(task).unwrap(), 1);
//! ```
//!
//! # Example
//!
//! ```
//! use corio_executor::Runtime;
//!
//! let rt = Runtime::new().unwrap();
//! let answer = rt.block_on(async {
//!     let task = corio_executor::spawn(async { 40 + 2 });
//!     task.await.unwrap()
//! });
//! assert_eq!(answer, 42);
//! ```
//!
//! [corio]: https://docs.rs/corio

mod blocking;
pub mod budget;
mod builder;
mod context;
mod loom;
pub mod metrics;
pub mod park;
mod registry;
mod runtime;
mod scheduler;
pub mod task;
#[cfg(feature = "tracing")]
mod trace;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use builder::Builder;
pub use context::{EnterGuard, NoRuntime};
pub use metrics::{BlockingMetrics, ExecutorMetrics, WorkerMetrics};
pub use runtime::{Handle, Runtime, WeakHandle};
pub use task::{SlowPoll, Task, TaskError, TaskId, TaskInfo, TaskState};

/// Spawns a task on the current runtime.
///
/// # Panics
///
/// Outside a runtime (with a message naming the fix); use
/// [`Handle::try_current`] to check first, or [`Handle::spawn`].
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::new().unwrap();
/// let v = rt.block_on(async { corio_executor::spawn(async { 7 }).await.unwrap() });
/// assert_eq!(v, 7);
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match context::with_current(|handle| handle.spawn(future)) {
        Ok(task) => task,
        Err(e) => panic!("spawn(): {e}"),
    }
}

/// Runs a blocking closure on the current runtime's blocking pool.
///
/// # Panics
///
/// Outside a runtime (with a message naming the fix).
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::new().unwrap();
/// let n = rt.block_on(async { corio_executor::spawn_blocking(|| 2 + 2).await.unwrap() });
/// assert_eq!(n, 4);
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> Task<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match context::with_current(|handle| handle.spawn_blocking(f)) {
        Ok(task) => task,
        Err(e) => panic!("spawn_blocking(): {e}"),
    }
}

/// Yields once: the current task goes to the back of its worker's queue so
/// others can run, then continues (asyncio's `await asyncio.sleep(0)`).
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     for _ in 0..3 {
///         corio_executor::yield_now().await;
///     }
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
