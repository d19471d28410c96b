//! [`Runtime`] (owns the threads) and [`Handle`] (a cheap reference to spawn with).

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::JoinHandle;

use crate::blocking::BlockingTask;
use crate::builder::Builder;
use crate::context::{self, EnterGuard, NoRuntime};
use crate::park::{CondvarPark, Park};
use crate::scheduler::{Shared, worker};
use crate::task::cell;
use crate::task::{Notified, OwnedRef, Task, TaskId, TaskInfo, TaskMeta};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering::SeqCst};

/// A multi-threaded work-stealing runtime: worker threads, a blocking pool, and
/// the tasks spawned on them.
///
/// Dropping the runtime (or calling [`shutdown`](Runtime::shutdown)) stops the
/// workers, drops every task that has not finished (so their handles report
/// [`TaskError::Cancelled`](crate::TaskError)), waits for running blocking
/// closures and joins every thread.
///
/// # Example
///
/// ```
/// use corio_executor::Runtime;
///
/// let rt = Runtime::builder().worker_threads(2).build().unwrap();
/// let sum = rt.block_on(async {
///     let tasks: Vec<_> = (0..10u64).map(|i| corio_executor::spawn(async move { i * i })).collect();
///     let mut sum = 0;
///     for task in tasks {
///         sum += task.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, 285);
/// ```
pub struct Runtime {
    handle: Handle,
    workers: Vec<JoinHandle<()>>,
}

/// A reference to a runtime, to spawn tasks on it from anywhere. Cheap to clone.
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let task = std::thread::spawn(move || handle.spawn(async { "hi" })).join().unwrap();
/// assert_eq!(rt.block_on(task).unwrap(), "hi");
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

impl Runtime {
    /// A runtime with the default settings: one worker per CPU core.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// ```
    pub fn new() -> std::io::Result<Runtime> {
        Builder::new().build()
    }

    /// A [`Builder`] to choose the settings.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::builder().worker_threads(1).thread_name("app").build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn from_parts(handle: Handle, workers: Vec<JoinHandle<()>>) -> Runtime {
        Runtime { handle, workers }
    }

    /// Runs `future` to completion on the calling thread while the workers run
    /// the tasks it spawns, and returns its output.
    ///
    /// # Panics
    ///
    /// If called from a thread that already runs async code (a task, or another
    /// `block_on`): that would block the thread. `.await` the future instead.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let out = rt.block_on(async { corio_executor::spawn(async { 5 }).await.unwrap() });
    /// assert_eq!(out, 5);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task on this runtime. See [`Handle::spawn`].
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { 3 });
    /// assert_eq!(rt.block_on(task).unwrap(), 3);
    /// ```
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool. See [`Handle::spawn_blocking`].
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let task = rt.spawn_blocking(|| std::fs::metadata(".").is_ok());
    /// assert!(rt.block_on(task).unwrap());
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
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let handle: corio_executor::Handle = rt.handle().clone();
    /// # drop(handle);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Shuts the runtime down now (the same as dropping it): unfinished tasks
    /// are cancelled and dropped, running blocking closures are waited for,
    /// every thread is joined.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// rt.shutdown();
    /// assert!(task.is_finished());
    /// ```
    pub fn shutdown(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if worker::with_current(&self.handle.shared, |w| w.is_some()) {
            panic!(
                "a corio runtime was dropped (or shut down) from inside one of its own tasks, \
                 which would wait for the very thread doing it: drop it from outside the runtime"
            );
        }
        let shared = &self.handle.shared;
        shared.begin_shutdown();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        shared.blocking.shutdown();
        shared.finish_shutdown();
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.handle.num_workers())
            .finish_non_exhaustive()
    }
}

impl AsRef<Handle> for Handle {
    fn as_ref(&self) -> &Handle {
        self
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.num_workers())
            .finish_non_exhaustive()
    }
}

/// A [`Handle`] that does not keep the runtime alive; see [`Handle::downgrade`].
#[derive(Clone, Debug)]
pub struct WeakHandle {
    shared: std::sync::Weak<Shared>,
}

impl WeakHandle {
    /// The handle, if the runtime still exists.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// assert!(rt.handle().downgrade().upgrade().is_some());
    /// ```
    pub fn upgrade(&self) -> Option<Handle> {
        self.shared.upgrade().map(|shared| Handle { shared })
    }
}

/// Wakes a thread blocked in `block_on`.
///
/// `state` says whether the thread is awake, asleep with no wake-up pending,
/// or was woken since it last looked. The runtime counts the threads asleep
/// with no wake-up pending, so it knows when it is idle (for the virtual
/// clock): a waker takes the thread out of that count *before* unparking it,
/// and a thread about to sleep first checks that no wake-up came in since its
/// last poll, so a wake-up in flight never looks idle.
struct BlockOnWaker {
    park: CondvarPark,
    state: AtomicU8,
    shared: Arc<Shared>,
}

const AWAKE: u8 = 0;
const SLEEPING: u8 = 1;
const WOKEN: u8 = 2;

impl BlockOnWaker {
    fn wake_up(&self) {
        if self.state.swap(WOKEN, SeqCst) == SLEEPING {
            self.shared.block_on_sleeping.fetch_sub(1, SeqCst);
        }
        self.park.unpark();
    }

    /// Sleeps until woken, unless a wake-up came in since the last poll.
    fn sleep(&self) {
        if self
            .state
            .compare_exchange(AWAKE, SLEEPING, SeqCst, SeqCst)
            .is_ok()
        {
            self.shared.block_on_sleeping.fetch_add(1, SeqCst);
            self.shared.notify_if_idle();
            self.park.park(None);
        }
        if self.state.swap(AWAKE, SeqCst) == SLEEPING {
            // A spurious return: we were still counted as sleeping.
            self.shared.block_on_sleeping.fetch_sub(1, SeqCst);
        }
    }
}

impl Wake for BlockOnWaker {
    fn wake(self: Arc<Self>) {
        self.wake_up();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wake_up();
    }
}

/// Counts a thread in `block_on` for as long as it is there.
struct BlockOnThread<'a>(&'a Shared);

impl Drop for BlockOnThread<'_> {
    fn drop(&mut self) {
        self.0.block_on_threads.fetch_sub(1, SeqCst);
    }
}

impl Handle {
    /// The handle of the runtime this thread is in.
    ///
    /// # Panics
    ///
    /// Outside a runtime, with a message that says how to get in. See
    /// [`try_current`](Handle::try_current) for a non-panicking version.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let handle = corio_executor::Handle::current();
    ///     assert!(handle.num_workers() >= 1);
    /// });
    /// ```
    pub fn current() -> Handle {
        Handle::try_current().unwrap_or_else(|e| panic!("Handle::current(): {e}"))
    }

    /// The handle of the runtime this thread is in, or [`NoRuntime`].
    ///
    /// ```
    /// assert!(corio_executor::Handle::try_current().is_err());
    /// ```
    pub fn try_current() -> Result<Handle, NoRuntime> {
        context::with_current(Handle::clone)
    }

    /// Spawns a task: `future` starts running on a worker, and the returned
    /// [`Task`] gives its output. Dropping the `Task` detaches it (it keeps running).
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let task = rt.handle().spawn(async { 21 * 2 });
    /// assert_eq!(rt.block_on(task).unwrap(), 42);
    /// ```
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_named(future, None)
    }

    pub(crate) fn spawn_named<F>(
        &self,
        future: F,
        name: Option<std::sync::Arc<str>>,
    ) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shared = &self.shared;
        let id = TaskId::next();
        let meta = TaskMeta::new(id, name, "task");
        // Three references: the registry's, the run queue's and the handle's.
        let raw = cell::allocate(future, shared.clone(), id, meta, 3);
        // SAFETY: each of the three values below takes one of the three references;
        // the task starts NOTIFIED with JOIN_INTEREST, as `Notified` and `Task` need.
        let (task, notified, registry) = unsafe {
            (
                Task::from_raw(raw),
                Notified::from_raw(raw),
                OwnedRef::from_raw(raw),
            )
        };
        shared.bind_and_schedule(registry, notified);
        task
    }

    /// Runs the blocking closure `f` on the blocking pool and gives its result
    /// through a [`Task`]. Use it for work that blocks (file I/O, a slow C call,
    /// CPU-heavy loops) so the workers keep serving other tasks.
    ///
    /// The pool grows on demand up to
    /// [`max_blocking_threads`](Builder::max_blocking_threads); a closure that
    /// has started cannot be cancelled (cancelling its task only stops it if it
    /// has not started yet).
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let task = rt.handle().spawn_blocking(|| {
    ///     std::thread::sleep(std::time::Duration::from_millis(5));
    ///     "done"
    /// });
    /// assert_eq!(rt.block_on(task).unwrap(), "done");
    /// ```
    pub fn spawn_blocking<F, R>(&self, f: F) -> Task<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let id = TaskId::next();
        let meta = TaskMeta::new(id, None, "blocking");
        let pool = self.shared.blocking.scheduler();
        // Two references: the pool queue's and the handle's (the registry lists
        // only async tasks).
        let raw = cell::allocate(BlockingTask::new(f), pool.clone(), id, meta, 2);
        // SAFETY: one reference each, as above.
        let (task, notified) = unsafe { (Task::from_raw(raw), Notified::from_raw(raw)) };
        crate::task::Schedule::schedule(&pool, notified);
        task
    }

    /// Makes this thread count as inside the runtime until the guard is
    /// dropped, so `spawn` and `Handle::current` work on it.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let _guard = rt.handle().enter();
    /// let task = corio_executor::spawn(async {});
    /// # drop(task);
    /// ```
    pub fn enter(&self) -> EnterGuard {
        context::enter_blocking(self)
    }

    /// Runs `future` to completion on the calling thread. See [`Runtime::block_on`].
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let v = std::thread::spawn(move || handle.block_on(async { 9 })).join().unwrap();
    /// assert_eq!(v, 9);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = context::enter_async(self, "block_on (or corio::run)");
        self.shared.block_on_threads.fetch_add(1, SeqCst);
        let _counted = BlockOnThread(&self.shared);
        let sleeper = Arc::new(BlockOnWaker {
            park: CondvarPark::new(),
            state: AtomicU8::new(AWAKE),
            shared: self.shared.clone(),
        });
        let waker = Waker::from(sleeper.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            sleeper.sleep();
        }
    }

    /// Number of worker threads.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::builder().worker_threads(3).build().unwrap();
    /// assert_eq!(rt.handle().num_workers(), 3);
    /// ```
    pub fn num_workers(&self) -> usize {
        self.shared.num_workers()
    }

    /// Number of tasks spawned and not yet finished (blocking closures excluded).
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().num_alive_tasks(), 1);
    /// task.cancel();
    /// let _ = rt.block_on(task);
    /// assert_eq!(rt.handle().num_alive_tasks(), 0);
    /// ```
    pub fn num_alive_tasks(&self) -> usize {
        self.shared.registry.len()
    }

    /// A description of every live task (id, name, parent, age, polls, state), by id.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let t = corio_executor::task::Builder::new().name("idle").spawn_on(rt.handle(), std::future::pending::<()>());
    /// let tasks = rt.handle().tasks();
    /// assert_eq!(tasks[0].name.as_deref(), Some("idle"));
    /// # drop(t);
    /// ```
    pub fn tasks(&self) -> Vec<TaskInfo> {
        self.shared.task_infos()
    }

    /// Blocking-pool figures: threads alive, closures running, closures queued.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let (threads, running, queued) = rt.handle().blocking_stats();
    /// assert_eq!((threads, running, queued), (0, 0, 0));
    /// ```
    pub fn blocking_stats(&self) -> (usize, usize, usize) {
        self.shared.blocking.stats()
    }

    /// A snapshot of the runtime's metrics: per worker, the tasks it ran, the
    /// steals it made (batches and tasks), how often it parked, and its local
    /// queue depth; the injector's depth; the blocking pool; live tasks.
    /// Always on: the counters cost a few instructions per task run.
    /// See [`metrics`](crate::metrics).
    ///
    /// ```
    /// let rt = corio_executor::Runtime::builder().worker_threads(2).build().unwrap();
    /// rt.block_on(rt.spawn(async { 1 })).unwrap();
    /// let metrics = rt.handle().metrics();
    /// assert!(metrics.total_polls() >= 1);
    /// assert_eq!(metrics.total_queue_depth(), 0);
    /// ```
    pub fn metrics(&self) -> crate::metrics::ExecutorMetrics {
        self.shared.metrics()
    }

    /// True if nothing in the runtime can make progress without an outside
    /// event (I/O, a timer, another thread): no task queued or running, every
    /// worker and `block_on` thread asleep with no wake-up pending, no blocking
    /// closure queued or running. A driver's virtual clock jumps forward then.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// // Not idle while we ask from inside a running task.
    /// assert!(!rt.block_on(async { corio_executor::spawn(async { corio_executor::Handle::current().is_idle() }).await.unwrap() }));
    /// ```
    pub fn is_idle(&self) -> bool {
        self.shared.is_idle()
    }

    /// A reference to the runtime that does not keep it alive (for a driver
    /// that the runtime itself owns).
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let weak = rt.handle().downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(rt);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakHandle {
        WeakHandle {
            shared: Arc::downgrade(&self.shared),
        }
    }

    /// True if the two handles point at the same runtime.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// assert!(rt.handle().ptr_eq(&rt.handle().clone()));
    /// ```
    pub fn ptr_eq(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}
