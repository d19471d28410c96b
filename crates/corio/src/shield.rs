//! Protecting a task from its waiter's cancellation: asyncio's `shield`.
//!
//! | asyncio | corio | difference |
//! | --- | --- | --- |
//! | `await asyncio.shield(task)` | [`shield(task).await`](crate::shield) | takes a spawned [`Task`](crate::Task) (spawn a coroutine first) |
//! | `wait_for(shield(t), d)` times out, `t` runs on | `timeout(d, shield(task))` times out, the task runs on | none |
//! | cancelling the outer future | dropping the [`Shield`](crate::Shield) | the task is detached, and the runtime keeps it alive (asyncio only holds it weakly) |
//! | — | [`Shield::into_task`](crate::Shield::into_task), or awaiting `&mut shield` | get the task back after the waiter gave up, to await it later |
//!
//! In corio, dropping a [`Task`](crate::Task) handle already detaches the
//! task instead of cancelling it, so a shield is mostly a statement of
//! intent. What it adds: it offers no `cancel`, it can be awaited through
//! `&mut` (so a timed-out wait leaves the shield, and the task, in your
//! hands), and it says in the code that cancellation must not reach the task.
//! As in asyncio, a task cancelled by other means ends the shield with
//! `Err(TaskError::Cancelled)`, and a shielded task whose waiter left has
//! its panic reported by the runtime (nobody else will see it).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use corio_executor::{Task, TaskError};

/// A [`Task`] whose waiter's cancellation does not reach it (see [`shield`]).
///
/// ```
/// corio::run(async {
///     let shielded: corio::Shield<u8> = corio::shield(corio::spawn(async { 1 }));
///     assert_eq!(shielded.await.unwrap(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited (the task runs anyway)"]
pub struct Shield<T> {
    task: Task<T>,
}

impl<T> fmt::Debug for Shield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Shield").field(&self.task).finish()
    }
}

/// Wraps `task` so that cancelling (dropping) whoever awaits it does not
/// cancel the task: it keeps running, detached, owned by the runtime.
/// asyncio's `shield`.
///
/// Await it to get the task's outcome. To keep the task after a timeout,
/// await `&mut shield` (a `Shield` is `Unpin`) and await the shield again
/// later, or take the task back with [`Shield::into_task`].
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let save = corio::spawn(async {
///         corio::sleep(Duration::from_secs(5)).await;
///         "saved"
///     });
///     let mut shielded = corio::shield(save);
///     // The waiter gives up after 1 s; the task is not cancelled.
///     assert!(corio::timeout(Duration::from_secs(1), &mut shielded).await.is_err());
///     assert_eq!(shielded.await.unwrap(), "saved");
/// });
/// ```
pub fn shield<T>(task: Task<T>) -> Shield<T> {
    Shield { task }
}

impl<T> Shield<T> {
    /// The shielded task back, to await or cancel it.
    ///
    /// ```
    /// corio::run(async {
    ///     let task = corio::shield(corio::spawn(async { 2 })).into_task();
    ///     assert_eq!(task.await.unwrap(), 2);
    /// });
    /// ```
    pub fn into_task(self) -> Task<T> {
        self.task
    }

    /// True once the task has finished.
    ///
    /// ```
    /// corio::run(async {
    ///     let s = corio::shield(corio::spawn(std::future::pending::<()>()));
    ///     assert!(!s.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// The shielded task's id.
    ///
    /// ```
    /// corio::run(async {
    ///     let task = corio::spawn(async {});
    ///     let id = task.id();
    ///     assert_eq!(corio::shield(task).id(), id);
    /// });
    /// ```
    pub fn id(&self) -> corio_executor::TaskId {
        self.task.id()
    }

    /// The shielded task's name, if it has one.
    ///
    /// ```
    /// corio::run(async {
    ///     let s = corio::shield(corio::task::Builder::new().name("flush").spawn(async {}));
    ///     assert_eq!(s.name(), Some("flush"));
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.task.name()
    }
}

impl<T> Future for Shield<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.get_mut().task).poll(cx)
    }
}
