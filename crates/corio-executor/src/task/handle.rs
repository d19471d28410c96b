//! `Task<T>`: the handle a spawner awaits.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::cell;
use super::{RawTask, TaskError, TaskId, TaskState};
use crate::budget;

/// A handle to a spawned task: a future of the task's output.
///
/// Awaiting it gives `Ok(value)`, or [`TaskError`] if the task was cancelled or
/// panicked. Dropping the handle *detaches* the task: it keeps running, owned by
/// the runtime (as in asyncio and tokio, but unlike asyncio the runtime holds
/// the task strongly, so a detached task never disappears); call
/// [`cancel`](Task::cancel) to stop it.
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::new().unwrap();
/// let task = rt.spawn(async { 6 * 7 });
/// assert_eq!(rt.block_on(task).unwrap(), 42);
/// ```
pub struct Task<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

// SAFETY: the handle only reaches the task through its atomic state word, and
// receives the output `T` by value; moving it to another thread is moving a `T`.
unsafe impl<T: Send> Send for Task<T> {}
// SAFETY: no `&self` method touches the output (only `poll`, which takes
// `Pin<&mut Self>`), so sharing `&Task<T>` shares no `T`.
unsafe impl<T> Sync for Task<T> {}

impl<T> Unpin for Task<T> {}

impl<T> Task<T> {
    /// # Safety
    /// `raw` has `JOIN_INTEREST` set and the caller gives up one reference for the handle;
    /// the task's output type is `T`.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Task<T> {
        Task {
            raw,
            _output: PhantomData,
        }
    }

    /// The task's id, unique in the process.
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async {});
    /// println!("spawned task {}", task.id());
    /// ```
    pub fn id(&self) -> TaskId {
        self.raw.id()
    }

    /// The name given with [`task::Builder::name`](crate::task::Builder::name), if any.
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::new().unwrap();
    /// let task = corio_executor::task::Builder::new().name("worker-1").spawn_on(rt.handle(), async {});
    /// assert_eq!(task.name(), Some("worker-1"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        cell::trailer(self.raw).meta.name.as_deref()
    }

    /// Requests cancellation. Returns `false` if the task had already finished
    /// (its result is kept), `true` otherwise.
    ///
    /// The future is dropped at its next await point (or before its first poll
    /// if it has not started), on a runtime thread; awaiting the handle then gives
    /// [`TaskError::Cancelled`]. If the poll under way when `cancel` is called
    /// completes the task, the completed value wins.
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// assert!(task.cancel());
    /// assert!(rt.block_on(task).unwrap_err().is_cancelled());
    /// ```
    pub fn cancel(&self) -> bool {
        #[cfg(feature = "tracing")]
        crate::trace::cancel(&cell::trailer(self.raw).meta.span);
        match self.raw.header().state.transition_to_cancelled() {
            super::state::Cancel::AlreadyComplete => false,
            super::state::Cancel::Requested => true,
            super::state::Cancel::Submit => {
                // SAFETY: the transition took a reference for the queue and set NOTIFIED.
                unsafe { cell::schedule(self.raw) };
                true
            }
        }
    }

    /// True once the task has finished (with a value, a panic or a cancellation).
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async {});
    /// while !task.is_finished() { std::thread::yield_now() }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// Waits until the task has finished, without taking its output (await the
    /// task afterwards to get it). The building block of `wait` and
    /// `as_completed`.
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::new().unwrap();
    /// let mut task = rt.spawn(async { 3 });
    /// rt.block_on(std::future::poll_fn(|cx| task.poll_finished(cx)));
    /// assert!(task.is_finished());
    /// assert_eq!(rt.block_on(task).unwrap(), 3);
    /// ```
    pub fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: we are the handle.
        if unsafe { cell::poll_finished(self.raw, cx.waker()) } {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// The outcome of a finished task, by reference, without taking it;
    /// `None` while the task runs (or once its output was taken).
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::new().unwrap();
    /// let mut task = rt.spawn(async { 3 });
    /// while !task.is_finished() { std::thread::yield_now() }
    /// assert!(matches!(task.peek(), Some(Ok(&3))));
    /// ```
    pub fn peek(&mut self) -> Option<Result<&T, &TaskError>> {
        // SAFETY: we are the handle, `&mut self` keeps us exclusive while the
        // reference lives, and `T` is the task's output type.
        let ptr = unsafe { cell::peek_output(self.raw) } as *const Result<T, TaskError>;
        // SAFETY: null or a valid pointer to the finished output (see above).
        unsafe { ptr.as_ref() }.map(Result::as_ref)
    }

    /// What the task is doing right now.
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::new().unwrap();
    /// use corio_executor::TaskState;
    /// let task = rt.spawn(std::future::pending::<()>());
    /// assert_ne!(task.state(), TaskState::Complete);
    /// ```
    pub fn state(&self) -> TaskState {
        TaskState::from_snapshot(self.raw.header().state.load())
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        std::task::ready!(budget::poll_proceed(cx));
        let mut out: Poll<Result<T, TaskError>> = Poll::Pending;
        // SAFETY: we are the handle, and `out` has the task's output type.
        unsafe { cell::try_read_output(self.raw, &mut out as *mut _ as *mut (), cx.waker()) };
        if out.is_pending() {
            budget::refund();
        }
        out
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        // SAFETY: the handle is being dropped.
        unsafe { cell::drop_join_handle(self.raw) }
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("state", &self.state())
            .finish()
    }
}
