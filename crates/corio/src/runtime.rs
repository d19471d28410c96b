//! The runtime: corio's executor with its driver (the timer wheel, and the
//! reactor) installed, and every runtime thread entered into both.

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use corio_executor::park::Park;
use corio_executor::{
    EnterGuard as ExecutorGuard, ExecutorMetrics, NoRuntime, SlowPoll, Task, TaskError, TaskInfo,
    WeakHandle,
};
use corio_reactor::{EnterGuard as ReactorGuard, Reactor, ReactorHandle};
use corio_timer::{EnterGuard as TimerGuard, Timer, TimerHandle};

/// A corio runtime: worker threads, a blocking pool, a timer wheel, and the
/// tasks spawned on them. [`corio::run`](crate::run) makes one for you.
///
/// Dropping it (or calling [`shutdown`](Runtime::shutdown)) cancels every task
/// left, drops every pending timer, and joins every thread.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// let rt = corio::Runtime::builder().worker_threads(2).build().unwrap();
/// let out = rt.block_on(async {
///     corio::sleep(Duration::from_millis(5)).await;
///     corio::spawn(async { 21 * 2 }).await.unwrap()
/// });
/// assert_eq!(out, 42);
/// ```
pub struct Runtime {
    executor: Option<corio_executor::Runtime>,
    handle: Handle,
    timer: Timer,
}

/// A reference to a runtime, to spawn on it and enter it from any thread.
///
/// # Example
///
/// ```
/// let rt = corio::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let task = std::thread::spawn(move || handle.spawn(async { 5 })).join().unwrap();
/// assert_eq!(rt.block_on(task).unwrap(), 5);
/// ```
#[derive(Clone)]
pub struct Handle {
    executor: corio_executor::Handle,
    timer: TimerHandle,
    reactor: ReactorHandle,
}

/// Settings for a [`Runtime`].
///
/// # Example
///
/// ```
/// let rt = corio::Runtime::builder()
///     .worker_threads(1)      // the deterministic mode: one worker, FIFO order...
///     .start_paused(true)     // ...and a virtual clock
///     .build()
///     .unwrap();
/// let start = rt.handle().now();
/// rt.block_on(corio::sleep(std::time::Duration::from_secs(3600))); // returns at once
/// assert_eq!(rt.handle().now() - start, std::time::Duration::from_secs(3600));
/// ```
pub struct Builder {
    executor: corio_executor::Builder,
    start_paused: bool,
    on_thread_start: Option<Arc<dyn Fn() + Send + Sync>>,
    on_thread_stop: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// What idle workers park in: the timer wheel around the I/O reactor.
struct Driver {
    timer: TimerHandle,
    reactor: Reactor,
    runtime: OnceLock<WeakHandle>,
}

impl Park for Driver {
    fn park(&self, timeout: Option<Duration>) {
        if timeout != Some(Duration::ZERO) && self.timer.is_paused() && self.runtime_is_idle() {
            // Virtual time: once ready I/O is dispatched, nothing can run until
            // a timer fires, so jump to it.
            self.reactor.park(Some(Duration::ZERO));
            if !self.runtime_is_idle() {
                // That I/O woke tasks (into this worker's own queue, with no
                // wake-up for anyone): return and run them. Blocking in the
                // driver now would strand them until the next event.
                return;
            }
            if self.timer.auto_advance() {
                return;
            }
        }
        self.timer.park_with(timeout, |t| self.reactor.park(t));
    }

    fn unpark(&self) {
        self.reactor.notify();
    }

    fn on_runtime_idle(&self) {
        if self.timer.is_paused() {
            // Wake the driver so that it auto-advances the clock.
            self.reactor.notify();
        }
    }
}

impl Driver {
    fn runtime_is_idle(&self) -> bool {
        self.runtime
            .get()
            .and_then(WeakHandle::upgrade)
            .is_some_and(|h| h.is_idle())
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("executor", &self.executor)
            .field("start_paused", &self.start_paused)
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// The defaults: one worker per core, real time.
    ///
    /// ```
    /// let rt = corio::Builder::new().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> Builder {
        Builder {
            executor: corio_executor::Builder::new(),
            start_paused: false,
            on_thread_start: None,
            on_thread_stop: None,
        }
    }

    /// Number of worker threads (default: one per core). With one worker the
    /// runtime runs tasks in FIFO order, like asyncio's loop.
    ///
    /// ```
    /// let rt = corio::Builder::new().worker_threads(1).build().unwrap();
    /// assert_eq!(rt.handle().num_workers(), 1);
    /// ```
    pub fn worker_threads(mut self, n: usize) -> Builder {
        self.executor = self.executor.worker_threads(n);
        self
    }

    /// Start with the clock paused: time only moves when every task waits on
    /// a timer (it then jumps to the next one), or by [`time::advance`](crate::time::advance).
    /// Works with any number of workers.
    ///
    /// ```
    /// let rt = corio::Builder::new().start_paused(true).build().unwrap();
    /// let real = std::time::Instant::now();
    /// rt.block_on(corio::sleep(std::time::Duration::from_secs(10)));
    /// assert!(real.elapsed() < std::time::Duration::from_secs(5));
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Builder {
        self.start_paused = paused;
        self
    }

    /// Prefix of the threads' names (`{name}-worker-{i}`, `{name}-blocking`; default `corio`).
    ///
    /// ```
    /// let rt = corio::Builder::new().thread_name("api").build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn thread_name(mut self, name: impl Into<String>) -> Builder {
        self.executor = self.executor.thread_name(name);
        self
    }

    /// Most blocking-pool threads at once (default 512).
    ///
    /// ```
    /// let rt = corio::Builder::new().max_blocking_threads(8).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn max_blocking_threads(mut self, n: usize) -> Builder {
        self.executor = self.executor.max_blocking_threads(n);
        self
    }

    /// How long an idle blocking-pool thread lives (default 10 s).
    ///
    /// ```
    /// let rt = corio::Builder::new().keep_alive(std::time::Duration::from_secs(1)).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn keep_alive(mut self, keep_alive: Duration) -> Builder {
        self.executor = self.executor.keep_alive(keep_alive);
        self
    }

    /// Runs `f` on every runtime thread when it starts.
    ///
    /// ```
    /// let rt = corio::Builder::new().on_thread_start(|| {}).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_thread_start(mut self, f: impl Fn() + Send + Sync + 'static) -> Builder {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on every runtime thread before it exits.
    ///
    /// ```
    /// let rt = corio::Builder::new().on_thread_stop(|| {}).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_thread_stop(mut self, f: impl Fn() + Send + Sync + 'static) -> Builder {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Where panics of tasks nobody awaits are reported (default: stderr).
    ///
    /// ```
    /// let rt = corio::Builder::new().on_unhandled_panic(|err| eprintln!("lost: {err}")).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_unhandled_panic(mut self, f: impl Fn(&TaskError) + Send + Sync + 'static) -> Builder {
        self.executor = self.executor.on_unhandled_panic(f);
        self
    }

    /// Debug mode (also on with `CORIO_DEBUG=1` in the environment): a task
    /// poll that holds its worker longer than
    /// [`slow_poll_threshold`](Builder::slow_poll_threshold) is reported with
    /// the task's name, as asyncio's debug mode reports slow callbacks.
    ///
    /// ```
    /// let rt = corio::Builder::new().debug(true).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn debug(mut self, on: bool) -> Builder {
        self.executor = self.executor.debug(on);
        self
    }

    /// The poll duration debug mode reports (default 100 ms).
    ///
    /// ```
    /// let rt = corio::Builder::new().debug(true)
    ///     .slow_poll_threshold(std::time::Duration::from_millis(50)).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Builder {
        self.executor = self.executor.slow_poll_threshold(threshold);
        self
    }

    /// Where debug mode's slow-poll reports go (default: stderr).
    ///
    /// ```
    /// let rt = corio::Builder::new().debug(true).on_slow_poll(|r| eprintln!("{r}")).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_slow_poll(mut self, f: impl Fn(&SlowPoll) + Send + Sync + 'static) -> Builder {
        self.executor = self.executor.on_slow_poll(f);
        self
    }

    /// A worker takes from the global queue first every `n` ticks (default 61).
    ///
    /// ```
    /// let rt = corio::Builder::new().global_queue_interval(31).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn global_queue_interval(mut self, n: u32) -> Builder {
        self.executor = self.executor.global_queue_interval(n);
        self
    }

    /// A busy worker polls for I/O and timer events every `n` ticks (default 61).
    ///
    /// ```
    /// let rt = corio::Builder::new().event_interval(31).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn event_interval(mut self, n: u32) -> Builder {
        self.executor = self.executor.event_interval(n);
        self
    }

    /// Starts the runtime.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for `worker_threads(0)`; the OS error if a thread cannot start.
    ///
    /// ```
    /// assert!(corio::Builder::new().worker_threads(0).build().is_err());
    /// ```
    pub fn build(self) -> io::Result<Runtime> {
        let reactor = Reactor::new()?;
        let unparker = reactor.handle();
        let timer = Timer::builder()
            .start_paused(self.start_paused)
            .unpark(move || unparker.notify())
            .build();
        let reactor_handle = reactor.handle();
        let driver = Arc::new(Driver {
            timer: timer.handle().clone(),
            reactor,
            runtime: OnceLock::new(),
        });

        let thread_timer = timer.handle().clone();
        let thread_reactor = reactor_handle.clone();
        let user_start = self.on_thread_start;
        let user_stop = self.on_thread_stop;
        let executor = self
            .executor
            .driver(driver.clone())
            .on_thread_start(move || {
                // Runtime threads stay in the timer's and the reactor's context until they exit.
                std::mem::forget(thread_timer.enter());
                std::mem::forget(thread_reactor.enter());
                if let Some(start) = &user_start {
                    start();
                }
            })
            .on_thread_stop(move || {
                if let Some(stop) = &user_stop {
                    stop();
                }
            })
            .build()?;
        let _ = driver.runtime.set(executor.handle().downgrade());
        let handle = Handle {
            executor: executor.handle().clone(),
            timer: timer.handle().clone(),
            reactor: reactor_handle,
        };
        Ok(Runtime {
            executor: Some(executor),
            handle,
            timer,
        })
    }
}

impl Runtime {
    /// A runtime with the default settings (one worker per core).
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A [`Builder`] to choose the settings.
    ///
    /// ```
    /// let rt = corio::Runtime::builder().worker_threads(2).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Runs `future` on the calling thread until it completes; tasks it spawns run on the workers.
    ///
    /// # Panics
    ///
    /// When called from a thread that already runs async code (`.await` instead).
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 1 + 2 }), 3);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task on this runtime.
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// let task = rt.spawn(async { "hi" });
    /// assert_eq!(rt.block_on(task).unwrap(), "hi");
    /// ```
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on this runtime's blocking pool.
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(rt.spawn_blocking(|| 4)).unwrap(), 4);
    /// ```
    pub fn spawn_blocking<F, R>(&self, f: F) -> Task<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// The runtime's handle.
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// # drop(handle);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// A snapshot of the runtime's metrics; see [`Handle::metrics`].
    ///
    /// ```
    /// let rt = corio::Runtime::builder().worker_threads(1).build().unwrap();
    /// assert_eq!(rt.metrics().workers.len(), 1);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// Shuts down now (the same as dropping): cancels the tasks left, drops
    /// pending timers, joins every thread.
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// let task = rt.spawn(corio::sleep(std::time::Duration::from_secs(60)));
    /// rt.shutdown();
    /// assert!(task.is_finished());
    /// ```
    pub fn shutdown(self) {}
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Tasks first (their timers leave the wheel as they are dropped), then the wheel.
        drop(self.executor.take());
        self.timer.handle().shutdown();
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.handle.num_workers())
            .finish_non_exhaustive()
    }
}

impl AsRef<corio_executor::Handle> for Handle {
    fn as_ref(&self) -> &corio_executor::Handle {
        &self.executor
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.num_workers())
            .finish_non_exhaustive()
    }
}

/// A snapshot of a runtime's metrics, from [`Runtime::metrics`] or [`Handle::metrics`].
///
/// Always on, and cheap: each worker counts its task runs, steals and parks on
/// its own cache line with plain relaxed stores (no shared read-modify-write on
/// the hot path); depths and sizes are read when the snapshot is taken. Each
/// figure is exact, but they are not read at one instant, so a snapshot taken
/// under load may be slightly inconsistent across fields (a task can show in
/// no queue, or in two). Counters only grow: subtract two snapshots for rates.
///
/// # Example
///
/// ```
/// let rt = corio::Runtime::builder().worker_threads(2).build().unwrap();
/// let before = rt.metrics();
/// rt.block_on(async {
///     let tasks: Vec<_> = (0..50).map(|_| corio::spawn(async {})).collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
/// });
/// let after = rt.metrics();
/// assert!(after.total_polls() - before.total_polls() >= 50);
/// assert_eq!(after.total_queue_depth(), 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// The executor's figures: per worker, tasks run (`polls`), steals
    /// (`steal_batches`, `stolen_tasks`), `parks` and `local_queue_depth`;
    /// the injector's depth, the blocking pool, live tasks; and their totals.
    /// Also reachable directly on the snapshot (`metrics.workers`,
    /// `metrics.total_polls()`), through `Deref`.
    pub executor: ExecutorMetrics,
    /// Pending timers in the timer wheel.
    pub timers: usize,
    /// I/O sources (sockets) registered with the reactor.
    pub io_sources: usize,
}

impl std::ops::Deref for RuntimeMetrics {
    type Target = ExecutorMetrics;

    fn deref(&self) -> &ExecutorMetrics {
        &self.executor
    }
}

/// Keeps the calling thread inside a runtime until dropped; see [`Handle::enter`].
#[must_use = "the runtime is left as soon as the guard is dropped"]
pub struct EnterGuard {
    _timer: TimerGuard,
    _reactor: ReactorGuard,
    _executor: ExecutorGuard,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

impl Handle {
    /// The handle of the runtime this thread is in.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix; see [`try_current`](Handle::try_current).
    ///
    /// ```
    /// corio::run(async {
    ///     let handle = corio::Handle::current();
    ///     assert!(handle.num_workers() >= 1);
    /// });
    /// ```
    pub fn current() -> Handle {
        Handle::try_current().unwrap_or_else(|e| panic!("Handle::current(): {e}"))
    }

    /// The handle of the runtime this thread is in, or [`NoRuntime`].
    ///
    /// ```
    /// assert!(corio::Handle::try_current().is_err());
    /// ```
    pub fn try_current() -> Result<Handle, NoRuntime> {
        let executor = corio_executor::Handle::try_current()?;
        let timer = TimerHandle::try_current().expect("every corio runtime thread has a timer");
        let reactor =
            ReactorHandle::try_current().expect("every corio runtime thread has a reactor");
        Ok(Handle {
            executor,
            timer,
            reactor,
        })
    }

    /// Spawns a task; see [`corio::spawn`](crate::spawn).
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// let task = rt.handle().spawn(async { 1 });
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// ```
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.executor.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool; see [`corio::spawn_blocking`](crate::spawn_blocking).
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// let task = rt.handle().spawn_blocking(|| 2);
    /// assert_eq!(rt.block_on(task).unwrap(), 2);
    /// ```
    pub fn spawn_blocking<F, R>(&self, f: F) -> Task<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.executor.spawn_blocking(f)
    }

    /// Runs `future` to completion on the calling thread, inside the runtime.
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let v = std::thread::spawn(move || handle.block_on(async { 3 })).join().unwrap();
    /// assert_eq!(v, 3);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _timer = self.timer.enter();
        let _reactor = self.reactor.enter();
        self.executor.block_on(future)
    }

    /// Makes this thread count as inside the runtime (spawn, timers) until the guard drops.
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// let _guard = rt.handle().enter();
    /// let sleep = corio::sleep(std::time::Duration::from_millis(1)); // finds the timer
    /// # drop(sleep);
    /// ```
    pub fn enter(&self) -> EnterGuard {
        EnterGuard {
            _timer: self.timer.enter(),
            _reactor: self.reactor.enter(),
            _executor: self.executor.enter(),
        }
    }

    /// Number of worker threads.
    ///
    /// ```
    /// let rt = corio::Runtime::builder().worker_threads(2).build().unwrap();
    /// assert_eq!(rt.handle().num_workers(), 2);
    /// ```
    pub fn num_workers(&self) -> usize {
        self.executor.num_workers()
    }

    /// Number of tasks not yet finished.
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().num_alive_tasks(), 0);
    /// ```
    pub fn num_alive_tasks(&self) -> usize {
        self.executor.num_alive_tasks()
    }

    /// Every live task: id, name, parent, age, polls, state.
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// let t = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().tasks().len(), 1);
    /// # drop(t);
    /// ```
    pub fn tasks(&self) -> Vec<TaskInfo> {
        self.executor.tasks()
    }

    /// Blocking-pool figures: threads alive, closures running, closures queued.
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().blocking_stats(), (0, 0, 0));
    /// ```
    pub fn blocking_stats(&self) -> (usize, usize, usize) {
        self.executor.blocking_stats()
    }

    /// Number of pending timers.
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().num_timers(), 0);
    /// ```
    pub fn num_timers(&self) -> usize {
        self.timer.len()
    }

    /// Number of I/O sources (sockets) registered with the runtime's reactor.
    ///
    /// ```
    /// let rt = corio::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().num_io_sources(), 0);
    /// ```
    pub fn num_io_sources(&self) -> usize {
        self.reactor.len()
    }

    /// A snapshot of the runtime's metrics: per worker, tasks run, steals
    /// (batches and tasks), parks and local queue depth; the injector's depth;
    /// the blocking pool; live tasks; pending timers; registered I/O sources.
    /// Always on and cheap: see [`RuntimeMetrics`].
    ///
    /// ```
    /// let rt = corio::Runtime::builder().worker_threads(2).build().unwrap();
    /// rt.block_on(async { corio::spawn(async {}).await.unwrap() });
    /// let m = rt.handle().metrics();
    /// assert_eq!(m.workers.len(), 2);
    /// assert!(m.total_polls() >= 1);
    /// assert_eq!((m.timers, m.io_sources), (0, 0));
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics {
            executor: self.executor.metrics(),
            timers: self.num_timers(),
            io_sources: self.num_io_sources(),
        }
    }

    /// The runtime's clock: real time, or virtual time while paused.
    ///
    /// ```
    /// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
    /// let t = rt.handle().now();
    /// assert_eq!(rt.handle().now(), t); // paused: time stands still
    /// ```
    pub fn now(&self) -> std::time::Instant {
        self.timer.now()
    }
}
