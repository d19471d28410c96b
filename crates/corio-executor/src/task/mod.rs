//! Tasks: one allocation holding the state word, the future and its output.
//!
//! * `state`: the atomic state word and its transitions.
//! * `cell`: the memory layout, the vtable and the code that polls, completes,
//!   cancels and frees a task (the "harness").
//! * `handle`: [`Task<T>`], the handle a spawner awaits.
//! * `error`: [`TaskError`].
//! * `id`: [`TaskId`] and where ids come from.
//!
//! References: a task is freed when its reference count reaches zero. The
//! references are the queued `Notified`, every `Waker`, the runtime's
//! registry entry and the `Task<T>` handle.

pub(crate) mod cell;
pub(crate) mod error;
pub(crate) mod handle;
pub(crate) mod id;
pub(crate) mod state;
mod waker;

use std::ptr::NonNull;

pub use error::TaskError;
pub use handle::Task;
pub use id::TaskId;

pub(crate) use cell::Header;

/// Where a task goes when it is woken, and who holds it while it is alive.
///
/// Implemented by the work-stealing scheduler and by the blocking pool (and by
/// mock schedulers in the loom models).
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// Queue a woken (or newly spawned) task.
    fn schedule(&self, task: Notified);

    /// Queue a task that woke itself during its own poll (a yield): it goes
    /// behind the work already queued.
    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }

    /// The task completed: remove it from the registry of live tasks, returning
    /// the registry's reference if it held one.
    fn release(&self, task: RawTask) -> Option<OwnedRef>;

    /// A task that nobody will join panicked; report it once.
    fn unhandled_panic(&self, error: &TaskError);

    /// Debug mode: polls longer than this are reported (`None`: not measured).
    fn slow_poll_threshold(&self) -> Option<std::time::Duration> {
        None
    }

    /// Debug mode: one poll of a task took longer than the threshold.
    fn slow_poll(&self, _report: &SlowPoll) {}
}

/// Debug mode's report of one poll that held a worker too long.
///
/// A poll that takes long means the task blocks its worker (a blocking call,
/// a long computation) and every other task queued there waits.
///
/// # Example
///
/// ```
/// use std::sync::{Mutex, mpsc};
/// use std::time::Duration;
/// let (tx, reports) = mpsc::channel();
/// let tx = Mutex::new(tx);
/// let rt = corio_executor::Runtime::builder()
///     .debug(true)
///     .slow_poll_threshold(Duration::from_millis(20))
///     .on_slow_poll(move |report| tx.lock().unwrap().send(report.to_string()).unwrap())
///     .build()
///     .unwrap();
/// let task = corio_executor::task::Builder::new()
///     .name("sleepy")
///     .spawn_on(rt.handle(), async { std::thread::sleep(Duration::from_millis(50)) });
/// rt.block_on(task).unwrap();
/// assert!(reports.recv().unwrap().contains("'sleepy'"));
/// ```
#[derive(Debug, Clone)]
pub struct SlowPoll {
    /// The task's id.
    pub id: TaskId,
    /// The task's name, if any.
    pub name: Option<std::sync::Arc<str>>,
    /// How long the poll took.
    pub duration: std::time::Duration,
    /// The threshold it crossed.
    pub threshold: std::time::Duration,
}

impl std::fmt::Display for SlowPoll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " ('{name}')")?;
        }
        write!(
            f,
            " held its worker for {:.3?} in one poll (slow-poll threshold {:?}): something in it \
             blocks the thread; move blocking calls to `corio::to_thread` / `spawn_blocking`",
            self.duration, self.threshold
        )
    }
}

/// A pointer to a task that owns no reference; the caller keeps the task alive.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: a `RawTask` is only a pointer; every access through it goes through the
// task's atomic state word or through data whose ownership the state word
// hands to exactly one thread at a time (see `cell`). The futures inside are `Send`.
unsafe impl Send for RawTask {}
// SAFETY: as for `Send`: shared access is mediated by the atomic state word.
unsafe impl Sync for RawTask {}

impl RawTask {
    pub(crate) fn from_header(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: whoever made this `RawTask` keeps a reference alive, so the
        // allocation (and the header at its start) is valid.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn header_ptr(&self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn id(&self) -> TaskId {
        self.header().id
    }
}

/// One counted reference to a task (the registry's, or the runtime's during shutdown).
pub(crate) struct OwnedRef {
    raw: RawTask,
}

impl OwnedRef {
    /// # Safety
    /// The caller gives up one reference it owns to the new value.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> OwnedRef {
        OwnedRef { raw }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// Runtime shutdown: cancel the task in place if no thread owns its future.
    pub(crate) fn shutdown(self) {
        let raw = self.raw;
        std::mem::forget(self);
        // SAFETY: the reference we own is handed to the harness, which releases it.
        unsafe { cell::shutdown(raw) }
    }
}

impl Drop for OwnedRef {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { cell::drop_reference(self.raw) }
    }
}

/// A task that is queued to run, owning the reference its queue entry holds.
pub(crate) struct Notified {
    raw: RawTask,
}

impl Notified {
    /// # Safety
    /// The caller gives up one reference it owns, and the task's `NOTIFIED`
    /// bit is set on its behalf.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified {
        Notified { raw }
    }

    /// The queued reference as a pointer (for a worker's LIFO slot).
    pub(crate) fn into_ptr(self) -> *mut Header {
        let ptr = self.raw.header_ptr().as_ptr();
        std::mem::forget(self);
        ptr
    }

    /// Takes back a reference given up by [`into_ptr`](Self::into_ptr).
    ///
    /// # Safety
    /// `ptr` came from `into_ptr` and is taken back only once.
    pub(crate) unsafe fn from_ptr(ptr: NonNull<Header>) -> Notified {
        Notified {
            raw: RawTask::from_header(ptr),
        }
    }

    /// Poll the task (or drop its future if it was cancelled), consuming this reference.
    pub(crate) fn run(self) {
        let raw = self.raw;
        std::mem::forget(self);
        // SAFETY: the queued reference is handed to the harness.
        unsafe { cell::poll(raw) }
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        // A queued task dropped without running (the runtime is shutting down):
        // only the reference goes; the registry cancels the task itself.
        // SAFETY: we own one reference.
        unsafe { cell::drop_reference(self.raw) }
    }
}

/// Per-task facts kept for introspection and error messages.
pub(crate) struct TaskMeta {
    pub(crate) name: Option<std::sync::Arc<str>>,
    pub(crate) parent: Option<TaskId>,
    pub(crate) spawned_at: std::time::Instant,
    /// The task's span, entered around each poll (feature `tracing`).
    #[cfg(feature = "tracing")]
    pub(crate) span: tracing::Span,
}

impl TaskMeta {
    /// The facts of a task being spawned now from this thread (`kind` is
    /// `"task"` or `"blocking"`, for the `tracing` span). Inlined: built in
    /// place, it costs what the struct literal it replaced cost.
    #[inline(always)]
    pub(crate) fn new(id: TaskId, name: Option<std::sync::Arc<str>>, kind: &'static str) -> Self {
        let parent = cell::current_task_id();
        #[cfg(feature = "tracing")]
        let span = crate::trace::task_span(id, name.as_deref(), parent, kind);
        #[cfg(feature = "tracing")]
        crate::trace::spawn(&span);
        #[cfg(not(feature = "tracing"))]
        let _ = (id, kind);
        TaskMeta {
            name,
            parent,
            spawned_at: std::time::Instant::now(),
            #[cfg(feature = "tracing")]
            span,
        }
    }
}

/// A point-in-time description of a live task.
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
/// let task = rt.spawn(std::future::pending::<()>());
/// let infos = rt.handle().tasks();
/// assert_eq!(infos.len(), 1);
/// assert_eq!(infos[0].id, task.id());
/// ```
#[derive(Debug, Clone)]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// The name given at spawn, if any.
    pub name: Option<std::sync::Arc<str>>,
    /// The task that was running on the spawning thread, if any.
    pub parent: Option<TaskId>,
    /// Time since the task was spawned.
    pub age: std::time::Duration,
    /// How many times the future has been polled.
    pub polls: u64,
    /// Time spent inside the future's polls (measured in debug mode only;
    /// zero otherwise).
    pub busy_time: std::time::Duration,
    /// What the task is doing right now.
    pub state: TaskState,
}

/// What a live task is doing, as seen in [`TaskInfo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Queued to run.
    Scheduled,
    /// Being polled on a thread right now.
    Running,
    /// Waiting for a wake-up.
    Idle,
    /// Finished; the output waits for its handle.
    Complete,
    /// Cancellation requested, not yet carried out.
    Cancelling,
}

impl TaskState {
    pub(crate) fn from_snapshot(s: state::Snapshot) -> TaskState {
        if s.is_complete() {
            TaskState::Complete
        } else if s.is_cancelled() {
            TaskState::Cancelling
        } else if s.is_running() {
            TaskState::Running
        } else if s.is_notified() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        }
    }
}

/// Spawns tasks with options (a name, for now).
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::new().unwrap();
/// let task = corio_executor::task::Builder::new().name("fetch-users").spawn_on(rt.handle(), async { 1 });
/// assert_eq!(task.name(), Some("fetch-users"));
/// assert_eq!(rt.block_on(task).unwrap(), 1);
/// ```
#[derive(Debug, Default, Clone)]
#[must_use = "a Builder does nothing until you call spawn"]
pub struct Builder {
    name: Option<std::sync::Arc<str>>,
}

impl Builder {
    /// A builder with no options set.
    ///
    /// ```
    /// let builder = corio_executor::task::Builder::new();
    /// # drop(builder);
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task; the name shows in [`Task::name`], errors, and task listings.
    ///
    /// ```
    /// let builder = corio_executor::task::Builder::new().name("reader");
    /// # drop(builder);
    /// ```
    pub fn name(mut self, name: impl AsRef<str>) -> Builder {
        self.name = Some(std::sync::Arc::from(name.as_ref()));
        self
    }

    /// Spawns `future` on the current runtime.
    ///
    /// # Panics
    ///
    /// Outside a runtime, with a message naming the fix.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let task = corio_executor::task::Builder::new().name("child").spawn(async { 5 });
    ///     assert_eq!(task.await.unwrap(), 5);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> Task<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match crate::context::with_current(|handle| handle.spawn_named(future, self.name)) {
            Ok(task) => task,
            Err(e) => panic!("task::Builder::spawn(): {e}"),
        }
    }

    /// Spawns `future` on the runtime of `handle`.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new().unwrap();
    /// let task = corio_executor::task::Builder::new().name("x").spawn_on(rt.handle(), async {});
    /// rt.block_on(task).unwrap();
    /// ```
    pub fn spawn_on<F>(self, handle: &impl AsRef<crate::Handle>, future: F) -> Task<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.as_ref().spawn_named(future, self.name)
    }
}

/// The id of the task being polled on this thread (`None` outside a task,
/// including in `block_on`'s main future).
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::new().unwrap();
/// let task = rt.spawn(async { corio_executor::task::current_id() });
/// let id = task.id();
/// assert_eq!(rt.block_on(task).unwrap(), Some(id));
/// assert_eq!(corio_executor::task::current_id(), None);
/// ```
pub fn current_id() -> Option<TaskId> {
    cell::current_task_id()
}

#[cfg(all(test, loom))]
mod loom_tests;
