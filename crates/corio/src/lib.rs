//! corio: a multi-threaded, work-stealing async runtime for Rust, with the
//! front door of Python's asyncio.
//!
//! | asyncio | corio |
//! | --- | --- |
//! | `asyncio.run(main())` | [`corio::run(main())`](run) |
//! | `asyncio.create_task(coro, name=...)` | [`corio::spawn(fut)`](spawn), [`task::Builder::new().name(..).spawn(fut)`](task::Builder) |
//! | `await task` | `task.await` → `Result<T, TaskError>` |
//! | `task.cancel()`, `task.done()`, `task.get_name()` | [`Task::cancel`], [`Task::is_finished`], [`Task::name`] |
//! | `await asyncio.sleep(0)` | [`corio::yield_now().await`](yield_now) |
//! | `asyncio.to_thread(f)` | [`corio::to_thread(f).await`](to_thread) |
//! | `loop.run_in_executor(None, f)` | [`corio::spawn_blocking(f)`](spawn_blocking) |
//!
//! The runtime underneath is [`corio_executor`]'s work-stealing scheduler;
//! `docs/asyncio.md` in the repository maps every asyncio API and says where
//! corio differs (cancellation, above all, is Rust's: a cancelled task's future
//! is dropped at its next await point).
//!
//! # Example
//!
//! ```
//! async fn main_task() -> u64 {
//!     let tasks: Vec<_> = (1..=10u64).map(|i| corio::spawn(async move { i * i })).collect();
//!     let mut total = 0;
//!     for task in tasks {
//!         total += task.await.unwrap();
//!     }
//!     total
//! }
//!
//! assert_eq!(corio::run(main_task()), 385);
//! ```
//!
//! # Observability
//!
//! [`Runtime::metrics`] (always on, cheap) gives per-worker task runs,
//! steals, parks and queue depths, plus the injector, the blocking pool,
//! timers and I/O sources: see [`RuntimeMetrics`] and
//! `examples/metrics.rs`. The `tracing` feature adds a span per task and the
//! task events (spawn, poll, wake, cancel, complete, slow poll, unhandled
//! panic); [`corio_executor`]'s docs list them.

use std::future::Future;

mod runtime;

pub use corio_executor::{BlockingMetrics, ExecutorMetrics, WorkerMetrics};
pub use corio_executor::{NoRuntime, SlowPoll, Task, TaskError, TaskId, TaskInfo, TaskState};
pub use corio_executor::{YieldNow, spawn, spawn_blocking, yield_now};
pub use runtime::{Builder, EnterGuard, Handle, Runtime, RuntimeMetrics};
pub use sync::{
    Barrier, BoundedSemaphore, Condition, Event, LifoQueue, Lock, Notify, PriorityQueue, Queue,
    RwLock, Semaphore,
};
pub use time::{sleep, sleep_until, timeout, timeout_at, wait_for};

pub mod compat;
pub mod fs;
pub mod limit;
pub mod net;

mod gather;
mod group;
mod introspect;
mod shield;
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testing;
mod wait;

pub use gather::{
    Gather, GatherSettled, GatherTuple, GatherTupleFuture, JoinAll, JoinTuple, MaybeDone,
    TryGather, gather, gather_settled, gather_tuple, join_all, try_gather,
};
pub use group::{
    ChildError, GroupClosed, GroupError, GroupHandle, GroupOutput, TaskGroup, task_group,
};
pub use introspect::{all_tasks, current_task};
pub use shield::{Shield, shield};
pub use wait::{
    AsCompleted, AsCompletedTasks, AsCompletedTasksTimeout, AsCompletedTimeout, ReturnWhen, Wait,
    WaitError, WaitOutput, as_completed, as_completed_tasks, try_wait, wait,
};

/// Debugging aids: the live tasks as a tree (asyncio 3.14's `print_call_graph`,
/// by spawn parentage).
///
/// ```
/// corio::run(async {
///     let t = corio::task::Builder::new().name("idle").spawn(std::future::pending::<()>());
///     assert!(corio::debug::dump().contains("'idle'"));
///     t.cancel();
/// });
/// ```
pub mod debug {
    pub use crate::introspect::{dump, render};
}

/// Runs `async fn main` on a new corio runtime: `asyncio.run(main())` as an attribute.
///
/// Options: `worker_threads = N`, `start_paused = true`, `debug`.
///
/// ```
/// #[corio::main(worker_threads = 2)]
/// async fn main() {
///     let task = corio::spawn(async { 1 + 1 });
///     assert_eq!(task.await.unwrap(), 2);
/// }
/// # // doc-tests wrap this in their own main; call ours:
/// # fn _run() { main() }
/// ```
///
/// It only goes on an `async fn`; anything else is a compile error that says so:
///
/// ```compile_fail
/// #[corio::main]
/// fn main() {}
/// ```
pub use corio_macros::main;

/// Runs an `async fn` test on its own corio runtime.
///
/// Options: `worker_threads = N`, `start_paused = true` (virtual time: the
/// test's sleeps take no real time), `debug`.
///
/// ```
/// #[corio::test(worker_threads = 1, start_paused = true)]
/// async fn an_hour_passes_instantly() {
///     corio::sleep(std::time::Duration::from_secs(3600)).await;
/// }
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// #[corio::test(worker_threads = 0)] // at least one worker
/// async fn no_workers() {}
/// ```
pub use corio_macros::test;

/// Synchronisation: asyncio's locks, events, semaphores, queues, and channels.
///
/// They work on any executor; on corio they are what tasks use to coordinate.
///
/// | asyncio | corio |
/// | --- | --- |
/// | `asyncio.Lock()`, `async with lock:` | [`Lock`], `let guard = lock.lock().await;` |
/// | `asyncio.Event()` | [`Event`]: `set`, `clear`, `is_set`, `wait().await` |
/// | `asyncio.Condition()` | [`Condition`]: `wait(guard)`, `wait_for`, `notify(n)`, `notify_all` |
/// | `asyncio.Semaphore(n)`, `BoundedSemaphore(n)` | [`Semaphore`], [`BoundedSemaphore`] |
/// | `asyncio.Barrier(n)` | [`Barrier`] |
/// | `asyncio.Queue()`, `Queue(maxsize=n)` | [`Queue::new()`](sync::Queue), `Queue::bounded(n)` |
/// | `PriorityQueue`, `LifoQueue` | [`PriorityQueue`], [`LifoQueue`] |
/// | memory channels (Trio/AnyIO) | [`channel`](sync::channel), [`unbounded_channel`](sync::unbounded_channel), [`oneshot`](sync::oneshot) |
///
/// # Example
///
/// ```
/// corio::run(async {
///     let queue = corio::Queue::new();
///     let producer = {
///         let queue = queue.clone();
///         corio::spawn(async move {
///             for i in 0..3 {
///                 queue.put(i).await.unwrap();
///             }
///         })
///     };
///     producer.await.unwrap();
///     assert_eq!(queue.get().await.unwrap(), 0);
/// });
/// ```
pub mod sync {
    pub use corio_sync::{
        Acquire, AcquireError, AcquireOwned, Barrier, BarrierWait, BarrierWaitResult,
        BoundedSemaphore, BoundedSemaphoreError, BrokenBarrierError, Condition, ConditionWait,
        Event, EventWait, Fifo, GenericQueue, Get, GetNowaitError, InvalidSizeError, Join, Lifo,
        LifoQueue, Lock, LockFuture, LockGuard, Notified, Notify, OwnedSemaphorePermit, Priority,
        PriorityQueue, Put, PutNowaitError, Queue, QueueShutDown, ReadFuture, Receiver, RecvError,
        RecvFuture, RwLock, RwLockReadGuard, RwLockWriteGuard, Semaphore, SemaphorePermit,
        SendError, SendFuture, Sender, Storage, TaskDoneError, TryAcquireError, TryLockError,
        TryRecvError, TrySendError, WriteFuture, channel, oneshot, try_channel, unbounded_channel,
    };
}

/// Time: sleeping, timeouts, intervals, and the virtual clock for tests.
///
/// | asyncio | corio |
/// | --- | --- |
/// | `await asyncio.sleep(d)` | `corio::sleep(d).await` |
/// | `async with asyncio.timeout(d):` | `corio::timeout(d, fut).await` → `Result<T, Elapsed>` |
/// | `await asyncio.wait_for(aw, d)` | `corio::wait_for(fut, d).await` |
/// | `loop.time()` | [`time::now()`] |
///
/// The clock can be paused ([`Builder::start_paused`], [`time::pause`]): then
/// time moves only by [`time::advance`] or, when every task waits, by jumping
/// to the next timer, so tests of time-based code run in milliseconds.
pub mod time {
    pub use corio_timer::{
        Elapsed, Interval, MissedTickBehavior, Sleep, Timeout, advance, interval, interval_at, now,
        pause, resume, sleep, sleep_until, timeout, timeout_at, wait_for,
    };
}

/// Tasks: the spawn builder, handles and their errors.
pub mod task {
    pub use corio_executor::task::{
        Builder, Task, TaskError, TaskId, TaskInfo, TaskState, current_id,
    };
    pub use corio_executor::{spawn, spawn_blocking, yield_now};
}

/// Cooperative scheduling: how long-running tasks leave room for others.
pub mod budget {
    pub use corio_executor::budget::{
        INITIAL, Unconstrained, consume_budget, has_remaining, unconstrained,
    };
}

/// Runs `main` on a new runtime and returns its output: asyncio's `asyncio.run`.
///
/// The runtime has one worker thread per CPU core; `main` itself runs on the
/// calling thread. When `main` returns, every task it left behind is cancelled
/// (its future dropped) and every runtime thread is joined before `run` returns.
///
/// # Panics
///
/// If called from inside a runtime (a task or another `run`), which would
/// block a thread that runs async code: `.await` the future instead. Panics of
/// `main` itself propagate to the caller.
///
/// # Example
///
/// ```
/// let greeting = corio::run(async {
///     let task = corio::spawn(async { "hello" });
///     format!("{}, world", task.await.unwrap())
/// });
/// assert_eq!(greeting, "hello, world");
/// ```
#[track_caller]
pub fn run<F: Future>(main: F) -> F::Output {
    let runtime =
        Runtime::new().unwrap_or_else(|e| panic!("corio::run could not start its runtime: {e}"));
    runtime.block_on(main)
}

/// Runs the blocking function `f` on the runtime's blocking pool and returns its
/// result: asyncio's `await asyncio.to_thread(f)`.
///
/// Like an exception in asyncio, a panic in `f` comes back out of the `.await`
/// (use [`spawn_blocking`] to get it as a [`TaskError`] instead).
///
/// # Panics
///
/// Outside a runtime; or if `f` panicked; or if the runtime shut down before `f` could start.
///
/// # Example
///
/// ```
/// let len = corio::run(async {
///     corio::to_thread(|| std::fs::read_dir(".").map(|d| d.count()).unwrap_or(0)).await
/// });
/// # let _ = len;
/// ```
#[track_caller]
pub fn to_thread<F, R>(f: F) -> impl Future<Output = R> + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let task = spawn_blocking(f);
    async move {
        match task.await {
            Ok(value) => value,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(cancelled) => {
                panic!("corio::to_thread: {cancelled} (the runtime is shutting down)")
            }
        }
    }
}

/// The README's examples, compiled and run as doc-tests so they stay true.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
