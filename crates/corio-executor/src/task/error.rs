//! Why awaiting a task gave no value.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use super::TaskId;

/// Why a [`Task`](crate::Task) produced no value: it was cancelled, or it panicked.
///
/// The message names the task (id and name) and the reason.
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
/// let task = corio_executor::task::Builder::new()
///     .name("doomed")
///     .spawn_on(rt.handle(), std::future::pending::<()>());
/// task.cancel();
/// let err = rt.block_on(task).unwrap_err();
/// assert!(err.is_cancelled());
/// assert!(err.to_string().contains("'doomed'"));
/// ```
pub enum TaskError {
    /// The task was cancelled before it finished; its future was dropped.
    Cancelled {
        /// The task's id.
        id: TaskId,
        /// The task's name, if it had one.
        name: Option<Arc<str>>,
    },
    /// The task's future panicked while being polled (or while being dropped on cancellation).
    Panicked {
        /// The task's id.
        id: TaskId,
        /// The task's name, if it had one.
        name: Option<Arc<str>>,
        /// The panic payload, as `std::panic::catch_unwind` returns it.
        payload: Payload,
    },
}

/// A panic payload that can travel inside an error.
///
/// It can only be reached by value ([`TaskError::into_panic`]), which is what
/// makes [`TaskError`] `Sync` (so it fits in `Box<dyn Error + Send + Sync>`).
pub struct Payload(Box<dyn Any + Send + 'static>);

// SAFETY: `Payload` offers no access to its contents through a shared
// reference (no method takes `&self` and reaches the box, except the message
// extraction in `message`, which only reads `&str`/`String` payloads — those
// types are `Sync`); so sharing a `&Payload` between threads cannot race.
unsafe impl Sync for Payload {}

impl Payload {
    fn message(&self) -> Option<&str> {
        if let Some(s) = self.0.downcast_ref::<&'static str>() {
            Some(s)
        } else {
            self.0.downcast_ref::<String>().map(String::as_str)
        }
    }
}

impl TaskError {
    pub(crate) fn cancelled(id: TaskId, name: Option<Arc<str>>) -> TaskError {
        TaskError::Cancelled { id, name }
    }

    pub(crate) fn panicked(
        id: TaskId,
        name: Option<Arc<str>>,
        payload: Box<dyn Any + Send>,
    ) -> TaskError {
        TaskError::Panicked {
            id,
            name,
            payload: Payload(payload),
        }
    }

    /// True if the task was cancelled.
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// task.cancel();
    /// assert!(rt.block_on(task).unwrap_err().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled { .. })
    }

    /// True if the task panicked.
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// let task = rt.spawn(async { panic!("boom") });
    /// assert!(rt.block_on(task).unwrap_err().is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked { .. })
    }

    /// The id of the task that failed.
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// let task = rt.spawn(async { panic!("boom") });
    /// let id = task.id();
    /// assert_eq!(rt.block_on(task).unwrap_err().id(), id);
    /// ```
    pub fn id(&self) -> TaskId {
        match self {
            TaskError::Cancelled { id, .. } | TaskError::Panicked { id, .. } => *id,
        }
    }

    /// The name of the task that failed, if it had one.
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// let task = corio_executor::task::Builder::new().name("fetch").spawn_on(rt.handle(), async { panic!() });
    /// assert_eq!(rt.block_on(task).unwrap_err().name(), Some("fetch"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        match self {
            TaskError::Cancelled { name, .. } | TaskError::Panicked { name, .. } => name.as_deref(),
        }
    }

    /// The panic payload, to resume the panic with `std::panic::resume_unwind`.
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicked (check [`is_panic`](Self::is_panic)
    /// first, or use [`try_into_panic`](Self::try_into_panic)).
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// let task = rt.spawn(async { panic!("boom") });
    /// let payload = rt.block_on(task).unwrap_err().into_panic();
    /// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(err) => {
                panic!("TaskError::into_panic called on an error that is not a panic: {err}")
            }
        }
    }

    /// The panic payload, or the error itself if the task was cancelled.
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// task.cancel();
    /// assert!(rt.block_on(task).unwrap_err().try_into_panic().is_err());
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, TaskError> {
        match self {
            TaskError::Panicked { payload, .. } => Ok(payload.0),
            other => Err(other),
        }
    }

    fn describe_task(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id())?;
        if let Some(name) = self.name() {
            write!(f, " ('{name}')")?;
        }
        Ok(())
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe_task(f)?;
        match self {
            TaskError::Cancelled { .. } => write!(f, " was cancelled before it finished"),
            TaskError::Panicked { payload, .. } => match payload.message() {
                Some(message) => write!(f, " panicked: {message}"),
                None => write!(f, " panicked (with a non-string payload)"),
            },
        }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled { id, name } => f
                .debug_struct("Cancelled")
                .field("id", id)
                .field("name", name)
                .finish(),
            TaskError::Panicked { id, name, payload } => f
                .debug_struct("Panicked")
                .field("id", id)
                .field("name", name)
                .field("message", &payload.message())
                .finish(),
        }
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Payload").field(&self.message()).finish()
    }
}

impl std::error::Error for TaskError {}

impl From<TaskError> for std::io::Error {
    fn from(err: TaskError) -> std::io::Error {
        std::io::Error::other(err)
    }
}
