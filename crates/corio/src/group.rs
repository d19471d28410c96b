//! Structured concurrency: asyncio's `TaskGroup` (and Trio's nursery).
//!
//! | asyncio | corio | difference |
//! | --- | --- | --- |
//! | `async with TaskGroup() as tg:` | [`TaskGroup::new()`](crate::TaskGroup::new) … [`join().await`](crate::TaskGroup::join), or [`task_group(\|tg\| async { .. })`](crate::task_group) | the group is joined explicitly (or by the scoped form) |
//! | `tg.create_task(coro, name=)` | [`spawn(fut)`](crate::TaskGroup::spawn), [`spawn_named(name, fut)`](crate::TaskGroup::spawn_named) → `Result<TaskId, GroupClosed>` | children return `Result<T, E>`; outputs come back from `join`, not from task handles |
//! | a child raising | a child returning `Err(e)` or panicking | none: the first failure cancels every sibling (and the scoped body) |
//! | `ExceptionGroup` | [`GroupError`](crate::GroupError) `{ errors: Vec<ChildError<E>> }`, in order of occurrence | a panic is [`ChildError::Panicked`](crate::ChildError::Panicked) |
//! | nested groups | a child returning `inner.join().await` | `E = GroupError<E2>`: the inner error nests as one member |
//! | `create_task` while shutting down raises `RuntimeError` | `Err(GroupClosed::ShuttingDown)` / `Err(GroupClosed::Finished)` | an error value |
//! | `TaskGroup.cancel()` (3.15) | [`cancel()`](crate::TaskGroup::cancel) | `join` gives `Ok` with the outputs of the children that had completed |
//! | leaving the `async with` body by an exception | dropping the un-joined `TaskGroup` | cancels the children (without waiting for them) |
//!
//! How it works: each child runs inside a small wrapper that reports how it
//! ended (value, `Err`, panic, cancellation) to the group the moment it
//! happens, so the first failure cancels the siblings at once, even while
//! nobody is polling `join`, and `join` sleeps until the count of live
//! children reaches zero (children spawned by children included), then
//! reads the outputs from the task handles in spawn order. Each spawn and
//! each completion costs O(1); the first failure cancels the others once.
//! (Unlike `wait` and `as_completed`, a group needs no ready list: the
//! children push their own completion.)

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use corio_executor::{Task, TaskError, TaskId};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ----- errors ----------------------------------------------------------------

/// Why a child of a [`TaskGroup`] failed.
///
/// ```
/// let e: corio::ChildError<&str> = corio::ChildError::Failed("no route to host");
/// assert_eq!(e.to_string(), "no route to host");
/// assert!(e.as_failed().is_some());
/// ```
#[derive(Debug)]
pub enum ChildError<E> {
    /// The child returned `Err(e)`.
    Failed(E),
    /// The child panicked (while being polled, or while being dropped on
    /// cancellation); the [`TaskError`] carries the payload.
    Panicked(TaskError),
}

impl<E> ChildError<E> {
    /// The child's `Err` value, if it returned one.
    ///
    /// ```
    /// let e = corio::ChildError::Failed(7);
    /// assert_eq!(e.as_failed(), Some(&7));
    /// ```
    pub fn as_failed(&self) -> Option<&E> {
        match self {
            ChildError::Failed(e) => Some(e),
            ChildError::Panicked(_) => None,
        }
    }

    /// True if the child panicked.
    ///
    /// ```
    /// assert!(!corio::ChildError::Failed(()).is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, ChildError::Panicked(_))
    }
}

impl<E: fmt::Display> fmt::Display for ChildError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildError::Failed(e) => e.fmt(f),
            ChildError::Panicked(e) => e.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for ChildError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ChildError::Failed(e) => e.source(),
            ChildError::Panicked(e) => e.source(),
        }
    }
}

/// Every failure of a [`TaskGroup`]'s children, in order of occurrence:
/// asyncio's `ExceptionGroup`. Displays as a numbered list; a nested group's
/// error (a child that returned another group's `GroupError`) is indented
/// under its entry.
///
/// ```
/// let inner = corio::GroupError { errors: vec![corio::ChildError::Failed("disk full")] };
/// let outer = corio::GroupError { errors: vec![corio::ChildError::Failed(inner)] };
/// let text = outer.to_string();
/// assert!(text.starts_with("1 error in a task group"));
/// assert!(text.contains("\n        [1] disk full"));
/// ```
#[derive(Debug)]
pub struct GroupError<E> {
    /// The failures, first one first.
    pub errors: Vec<ChildError<E>>,
}

impl<E> GroupError<E> {
    /// Number of failures (at least one when returned by `join`).
    ///
    /// ```
    /// let e = corio::GroupError { errors: vec![corio::ChildError::Failed(1), corio::ChildError::Failed(2)] };
    /// assert_eq!(e.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// True if there is no failure (never the case for an error `join` returned).
    ///
    /// ```
    /// let e = corio::GroupError::<()> { errors: vec![] };
    /// assert!(e.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The `Err` values returned by children, in order, skipping panics.
    ///
    /// ```
    /// let e = corio::GroupError { errors: vec![corio::ChildError::Failed("a"), corio::ChildError::Failed("b")] };
    /// assert_eq!(e.failures().collect::<Vec<_>>(), [&"a", &"b"]);
    /// ```
    pub fn failures(&self) -> impl Iterator<Item = &E> {
        self.errors.iter().filter_map(ChildError::as_failed)
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "{n} error{} in a task group (the first cancelled the other children):",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, error) in self.errors.iter().enumerate() {
            let text = error.to_string().replace('\n', "\n      ");
            write!(f, "\n  [{}] {text}", i + 1)?;
        }
        Ok(())
    }
}

impl<E: std::error::Error + 'static> std::error::Error for GroupError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self.errors.first()? {
            ChildError::Failed(e) => Some(e),
            ChildError::Panicked(e) => Some(e),
        }
    }
}

/// Spawning into a [`TaskGroup`] that no longer takes children.
///
/// ```
/// corio::run(async {
///     let group = corio::TaskGroup::<(), ()>::new();
///     group.cancel();
///     let err = group.spawn(async { Ok(()) }).unwrap_err();
///     assert_eq!(err, corio::GroupClosed::ShuttingDown);
///     assert!(err.to_string().contains("shutting down"));
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupClosed {
    /// A child failed, or the group was cancelled or dropped: its children are being cancelled.
    ShuttingDown,
    /// `join` has returned (or is collecting the outputs of a group with no child left).
    Finished,
}

impl fmt::Display for GroupClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupClosed::ShuttingDown => f.write_str(
                "cannot spawn into this task group: it is shutting down \
                 (a child failed, or cancel() was called, or the group was dropped)",
            ),
            GroupClosed::Finished => f.write_str(
                "cannot spawn into this task group: it has finished (every child \
                 ended and join() collected them); make a new TaskGroup",
            ),
        }
    }
}

impl std::error::Error for GroupClosed {}

// ----- the shared state ------------------------------------------------------

type ChildTask<T, E> = Task<Result<T, E>>;

struct Shared<T, E> {
    state: Mutex<State>,
    /// Child handles by spawn index. Lock order: `handles` may be held while
    /// taking `state`, never the other way round.
    handles: Mutex<Vec<Option<ChildTask<T, E>>>>,
    /// Set (before `handles` is walked) once the children are being cancelled.
    cancelling: AtomicBool,
}

struct State {
    next_index: usize,
    /// Two counts per child until its handle is stored, then one until it ends.
    live: usize,
    closed: Option<GroupClosed>,
    /// Spawn indices of the failed children, in order of occurrence.
    failures: Vec<usize>,
    /// The joiner (or the scoped form): woken when `live` reaches zero and
    /// when the group starts shutting down.
    waker: Option<Waker>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    Failed,
    Panicked,
    Cancelled,
}

impl<T, E> Shared<T, E> {
    fn report(&self, index: usize, outcome: Outcome) {
        let (first, waker) = {
            let mut state = lock(&self.state);
            let mut first = false;
            if matches!(outcome, Outcome::Failed | Outcome::Panicked) {
                state.failures.push(index);
                if state.closed.is_none() {
                    state.closed = Some(GroupClosed::ShuttingDown);
                    first = true;
                }
            }
            state.live -= 1;
            let waker = if first || state.live == 0 {
                state.waker.take()
            } else {
                None
            };
            (first, waker)
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        if first {
            self.cancel_children();
        }
    }

    /// One count of `live` goes (a stored handle, or a child's end).
    fn release(&self) {
        let waker = {
            let mut state = lock(&self.state);
            state.live -= 1;
            if state.live == 0 {
                state.waker.take()
            } else {
                None
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn cancel_children(&self) {
        self.cancelling.store(true, Ordering::SeqCst);
        let handles = lock(&self.handles);
        for task in handles.iter().flatten() {
            task.cancel();
        }
    }

    /// `cancel()`, or the owner dropped without joining.
    fn shut_down(&self) {
        let waker = {
            let mut state = lock(&self.state);
            if state.closed.is_some() {
                return;
            }
            state.closed = Some(GroupClosed::ShuttingDown);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        self.cancel_children();
    }

    fn is_closed(&self) -> bool {
        lock(&self.state).closed.is_some()
    }

    /// Ready once no child is left; the group is then finished.
    fn poll_quiet(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = lock(&self.state);
        if state.live == 0 {
            state.closed = Some(GroupClosed::Finished);
            return Poll::Ready(());
        }
        if !state
            .waker
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            state.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// Ready once the group started shutting down (a failure or `cancel`).
    fn poll_shutting_down(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = lock(&self.state);
        if state.closed.is_some() {
            return Poll::Ready(());
        }
        if !state
            .waker
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            state.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<T, E> Shared<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    #[track_caller]
    fn spawn<F>(self: &Arc<Self>, name: Option<&str>, future: F) -> Result<TaskId, GroupClosed>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let runtime = corio_executor::Handle::try_current()
            .unwrap_or_else(|e| panic!("TaskGroup::spawn: {e}"));
        let index = {
            let mut state = lock(&self.state);
            if let Some(closed) = state.closed {
                return Err(closed);
            }
            let index = state.next_index;
            state.next_index += 1;
            state.live += 2;
            index
        };
        let child = Child {
            future,
            reporter: Reporter {
                shared: self.clone(),
                index,
                done: false,
            },
        };
        let mut builder = corio_executor::task::Builder::new();
        if let Some(name) = name {
            builder = builder.name(name);
        }
        let task = builder.spawn_on(&runtime, child);
        let id = task.id();
        {
            let mut handles = lock(&self.handles);
            if handles.len() <= index {
                handles.resize_with(index + 1, || None);
            }
            // A shutdown that walked the handles before this one was stored
            // set `cancelling` first: cancel it ourselves.
            if self.cancelling.load(Ordering::SeqCst) {
                task.cancel();
            }
            handles[index] = Some(task);
        }
        self.release();
        Ok(id)
    }

    /// After `poll_quiet`: every child's outcome, from the handles in spawn order.
    async fn collect(&self) -> Result<Vec<T>, GroupError<E>> {
        let handles = std::mem::take(&mut *lock(&self.handles));
        let failures = std::mem::take(&mut lock(&self.state).failures);
        let mut results = Vec::with_capacity(handles.len());
        let mut errors: Vec<Option<ChildError<E>>> = Vec::new();
        if !failures.is_empty() {
            errors.resize_with(handles.len(), || None);
        }
        let mut unlisted = Vec::new();
        for (index, task) in handles.into_iter().enumerate() {
            let Some(task) = task else { continue };
            // Each child has ended; at most its task is still being completed.
            let error = match task.await {
                Ok(Ok(value)) => {
                    results.push(value);
                    continue;
                }
                Ok(Err(error)) => ChildError::Failed(error),
                Err(error) if error.is_panic() => ChildError::Panicked(error),
                Err(_cancelled) => continue,
            };
            match errors.get_mut(index) {
                Some(slot) => *slot = Some(error),
                None => unlisted.push(error),
            }
        }
        let mut ordered: Vec<ChildError<E>> = failures
            .iter()
            .filter_map(|&index| errors.get_mut(index).and_then(Option::take))
            .collect();
        ordered.extend(errors.into_iter().flatten());
        ordered.extend(unlisted);
        if ordered.is_empty() {
            Ok(results)
        } else {
            Err(GroupError { errors: ordered })
        }
    }
}

/// A child's future and the report of how it ended. Fields drop in order:
/// the future first, then the reporter (which reports a cancellation, or a
/// panic if the future's drop panicked).
struct Child<F, T, E> {
    future: F,
    reporter: Reporter<T, E>,
}

struct Reporter<T, E> {
    shared: Arc<Shared<T, E>>,
    index: usize,
    done: bool,
}

impl<T, E> Reporter<T, E> {
    fn report(&mut self, outcome: Outcome) {
        if !self.done {
            self.done = true;
            self.shared.report(self.index, outcome);
        }
    }
}

impl<T, E> Drop for Reporter<T, E> {
    fn drop(&mut self) {
        let outcome = if std::thread::panicking() {
            Outcome::Panicked
        } else {
            Outcome::Cancelled
        };
        self.report(outcome);
    }
}

/// Reports a panic that unwinds out of the child's poll.
struct PanicGuard<'a, T, E>(&'a mut Reporter<T, E>);

impl<T, E> Drop for PanicGuard<'_, T, E> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.report(Outcome::Panicked);
        }
    }
}

impl<F, T, E> Future for Child<F, T, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned (never moved out; `Child`
        // has no `Drop` of its own); `reporter` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        let guard = PanicGuard(&mut this.reporter);
        let output = std::task::ready!(future.poll(cx));
        drop(guard);
        this.reporter.report(if output.is_ok() {
            Outcome::Completed
        } else {
            Outcome::Failed
        });
        Poll::Ready(output)
    }
}

// ----- TaskGroup -------------------------------------------------------------

/// A group of child tasks that live and fail together: asyncio's
/// `TaskGroup`, Trio's nursery.
///
/// * Children return `Result<T, E>` (Python's exception is Rust's `Err`).
/// * The first failure (an `Err` or a panic) cancels every other child at
///   once; children spawned later are refused with [`GroupClosed`].
/// * [`join`](TaskGroup::join) waits for every child, including children
///   spawned by children through a [`GroupHandle`], and gives every output
///   in spawn order, or a [`GroupError`] listing every failure in order of
///   occurrence.
/// * [`cancel`](TaskGroup::cancel) ends the group without error: `join` gives
///   `Ok` with the outputs of the children that completed, in spawn order
///   (cancelled children contribute nothing; a child that failed anyway is
///   still reported).
/// * Dropping a `TaskGroup` that was not joined (or dropping its `join`
///   future) cancels its children, without waiting for them.
/// * Groups nest: a child can return `inner.join().await`, making
///   `E = GroupError<E2>`; the inner group's errors appear as one entry.
///
/// The scoped form, [`task_group`](crate::task_group), joins for you.
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let group = corio::TaskGroup::new();
///     for i in 1..=3u64 {
///         group.spawn(async move {
///             corio::sleep(Duration::from_secs(4 - i)).await;
///             Ok::<_, String>(i * 100)
///         }).unwrap();
///     }
///     assert_eq!(group.join().await.unwrap(), [100, 200, 300]); // spawn order
///
///     let group = corio::TaskGroup::new();
///     group.spawn(async { corio::sleep(Duration::from_secs(1)).await; Err("bad input".to_string()) }).unwrap();
///     group.spawn(async { corio::sleep(Duration::from_secs(60)).await; Ok(1) }).unwrap(); // cancelled
///     let start = corio::time::now();
///     let err = group.join().await.unwrap_err();
///     assert_eq!(err.failures().collect::<Vec<_>>(), [&"bad input".to_string()]);
///     assert_eq!(corio::time::now() - start, Duration::from_secs(1));
/// });
/// ```
pub struct TaskGroup<T, E> {
    shared: Arc<Shared<T, E>>,
    joined: bool,
}

/// A clonable, `Send + Sync` way into a [`TaskGroup`], for children (or
/// anyone) to spawn siblings or cancel the group. It does not keep the group
/// open: the owner decides when to join.
///
/// ```
/// corio::run(async {
///     let group = corio::TaskGroup::<u32, ()>::new();
///     let handle: corio::GroupHandle<u32, ()> = group.handle();
///     group.spawn(async move {
///         handle.spawn(async { Ok(2) }).unwrap(); // a sibling
///         Ok(1)
///     }).unwrap();
///     assert_eq!(group.join().await.unwrap(), [1, 2]);
/// });
/// ```
pub struct GroupHandle<T, E> {
    shared: Arc<Shared<T, E>>,
}

impl<T, E> Clone for GroupHandle<T, E> {
    fn clone(&self) -> Self {
        GroupHandle {
            shared: self.shared.clone(),
        }
    }
}

impl<T, E> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_group("TaskGroup", &self.shared, f)
    }
}

impl<T, E> fmt::Debug for GroupHandle<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_group("GroupHandle", &self.shared, f)
    }
}

fn debug_group<T, E>(name: &str, shared: &Shared<T, E>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let state = lock(&shared.state);
    f.debug_struct(name)
        .field("spawned", &state.next_index)
        .field("failures", &state.failures.len())
        .field("closed", &state.closed)
        .finish()
}

impl<T, E> Default for TaskGroup<T, E> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<T, E> TaskGroup<T, E> {
    /// An empty, open group.
    ///
    /// ```
    /// let group = corio::TaskGroup::<(), std::io::Error>::new();
    /// # drop(group);
    /// ```
    pub fn new() -> TaskGroup<T, E> {
        TaskGroup {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    next_index: 0,
                    live: 0,
                    closed: None,
                    failures: Vec::new(),
                    waker: None,
                }),
                handles: Mutex::new(Vec::new()),
                cancelling: AtomicBool::new(false),
            }),
            joined: false,
        }
    }

    /// A clonable handle for children to spawn siblings (see [`GroupHandle`]).
    ///
    /// ```
    /// let group = corio::TaskGroup::<(), ()>::new();
    /// let handle = group.handle();
    /// let _also = handle.clone();
    /// ```
    pub fn handle(&self) -> GroupHandle<T, E> {
        GroupHandle {
            shared: self.shared.clone(),
        }
    }

    /// Cancels every child and ends the group without error: `join` then gives
    /// `Ok` with the outputs of the children that had completed, in spawn
    /// order. Later spawns fail with [`GroupClosed::ShuttingDown`]. No effect
    /// once the group is shutting down or finished.
    ///
    /// ```
    /// corio::run(async {
    ///     let group = corio::TaskGroup::<(), ()>::new();
    ///     group.spawn(std::future::pending()).unwrap();
    ///     group.cancel();
    ///     assert_eq!(group.join().await.unwrap(), []);
    /// });
    /// ```
    pub fn cancel(&self) {
        self.shared.shut_down();
    }

    /// True once the group takes no more children (shutting down or finished).
    ///
    /// ```
    /// let group = corio::TaskGroup::<(), ()>::new();
    /// assert!(!group.is_closed());
    /// group.cancel();
    /// assert!(group.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }
}

impl<T, E> TaskGroup<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    /// Spawns `future` as a child of the group: asyncio's `tg.create_task`.
    /// Returns the child's task id, or [`GroupClosed`] (and drops `future`)
    /// if the group is shutting down or finished.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    ///
    /// ```
    /// corio::run(async {
    ///     let group = corio::TaskGroup::<i32, ()>::new();
    ///     let id = group.spawn(async { Ok(1) }).unwrap();
    ///     println!("child {id}");
    ///     assert_eq!(group.join().await.unwrap(), [1]);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Result<TaskId, GroupClosed>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        self.shared.spawn(None, future)
    }

    /// [`spawn`](TaskGroup::spawn) with a task name (shown in errors,
    /// [`all_tasks`](crate::all_tasks) and [`debug::dump`](crate::debug::dump)).
    ///
    /// ```
    /// corio::run(async {
    ///     let group = corio::TaskGroup::<(), ()>::new();
    ///     group.spawn_named("fetch-users", async { Ok(()) }).unwrap();
    ///     group.join().await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_named<F>(&self, name: &str, future: F) -> Result<TaskId, GroupClosed>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        self.shared.spawn(Some(name), future)
    }

    /// Waits for every child (children spawned meanwhile included) and gives
    /// their outputs in spawn order, or every failure in order of occurrence.
    ///
    /// When it returns, every child's future has been dropped. After a
    /// [`cancel`](TaskGroup::cancel) with no failure it is `Ok` with the
    /// outputs of the children that completed. Dropping the `join` future
    /// before it finishes cancels the children.
    ///
    /// ```
    /// corio::run(async {
    ///     let group = corio::TaskGroup::new();
    ///     group.spawn(async { Err::<(), _>("first") }).unwrap();
    ///     let err = group.join().await.unwrap_err();
    ///     assert_eq!(err.len(), 1);
    ///     assert!(err.to_string().contains("first"));
    /// });
    /// ```
    pub async fn join(mut self) -> Result<Vec<T>, GroupError<E>> {
        std::future::poll_fn(|cx| self.shared.poll_quiet(cx)).await;
        self.joined = true;
        self.shared.collect().await
    }
}

impl<T, E> Drop for TaskGroup<T, E> {
    fn drop(&mut self) {
        if !self.joined {
            self.shared.shut_down();
        }
    }
}

impl<T, E> GroupHandle<T, E> {
    /// Cancels the group (see [`TaskGroup::cancel`]).
    ///
    /// ```
    /// corio::run(async {
    ///     let group = corio::TaskGroup::<(), ()>::new();
    ///     let handle = group.handle();
    ///     group.spawn(async move { handle.cancel(); std::future::pending().await }).unwrap();
    ///     assert!(group.join().await.is_ok());
    /// });
    /// ```
    pub fn cancel(&self) {
        self.shared.shut_down();
    }

    /// True once the group takes no more children.
    ///
    /// ```
    /// let group = corio::TaskGroup::<(), ()>::new();
    /// assert!(!group.handle().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }
}

impl<T, E> GroupHandle<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    /// Spawns a child into the group (see [`TaskGroup::spawn`]).
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    ///
    /// ```
    /// corio::run(async {
    ///     let group = corio::TaskGroup::<u8, ()>::new();
    ///     group.handle().spawn(async { Ok(9) }).unwrap();
    ///     assert_eq!(group.join().await.unwrap(), [9]);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Result<TaskId, GroupClosed>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        self.shared.spawn(None, future)
    }

    /// Spawns a named child into the group (see [`TaskGroup::spawn_named`]).
    ///
    /// ```
    /// corio::run(async {
    ///     let group = corio::TaskGroup::<(), ()>::new();
    ///     group.handle().spawn_named("worker", async { Ok(()) }).unwrap();
    ///     group.join().await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_named<F>(&self, name: &str, future: F) -> Result<TaskId, GroupClosed>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        self.shared.spawn(Some(name), future)
    }
}

// ----- the scoped form -------------------------------------------------------

/// What [`task_group`] gives when no child failed.
///
/// ```
/// corio::run(async {
///     let out: corio::GroupOutput<&str, u8> =
///         corio::task_group(|tg| async move { tg.spawn(async { Ok::<_, ()>(1) }).unwrap(); "body" })
///             .await
///             .unwrap();
///     assert_eq!((out.body, out.children), (Some("body"), vec![1]));
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOutput<R, T> {
    /// The body's output; `None` if the group was cancelled before the body
    /// finished (the body is cancelled with the children).
    pub body: Option<R>,
    /// The outputs of the children that completed, in spawn order.
    pub children: Vec<T>,
}

/// The scoped form of [`TaskGroup`]: runs `body` with a [`GroupHandle`],
/// then joins the group, as `async with asyncio.TaskGroup() as tg:` does.
///
/// The body runs in place (on the caller's task). The first failure of a
/// child cancels the siblings *and the body* (its future is dropped), and
/// the result is the [`GroupError`]; [`GroupHandle::cancel`] likewise drops
/// the body and ends the group without error (`body: None`). Otherwise the
/// result holds the body's output and the children's outputs in spawn order.
/// If the body panics, the children are cancelled (not awaited) and the
/// panic propagates.
///
/// ```
/// use std::time::Duration;
///
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let out = corio::task_group(|tg| async move {
///         for i in 0..3u64 {
///             tg.spawn(async move { corio::sleep(Duration::from_secs(i)).await; Ok::<_, String>(i) }).unwrap();
///         }
///         "spawned"
///     })
///     .await
///     .unwrap();
///     assert_eq!(out.body, Some("spawned"));
///     assert_eq!(out.children, [0, 1, 2]);
/// });
/// ```
pub async fn task_group<T, E, R, B, Fut>(body: B) -> Result<GroupOutput<R, T>, GroupError<E>>
where
    T: Send + 'static,
    E: Send + 'static,
    B: FnOnce(GroupHandle<T, E>) -> Fut,
    Fut: Future<Output = R>,
{
    let group = TaskGroup::new();
    let mut body = Box::pin(body(group.handle()));
    let output = std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = body.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        group.shared.poll_shutting_down(cx).map(|()| None)
    })
    .await;
    drop(body);
    let children = group.join().await?;
    Ok(GroupOutput {
        body: output,
        children,
    })
}
