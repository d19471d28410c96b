//! Waiting on several tasks at once: asyncio's `wait` and `as_completed`.
//!
//! | asyncio | corio | difference |
//! | --- | --- | --- |
//! | `await asyncio.wait(tasks)` | [`wait(tasks, ReturnWhen::AllCompleted, None)`](crate::wait) | `(done, pending)` are `Vec`s in input order, not sets |
//! | `wait(..., return_when=FIRST_COMPLETED)` | [`ReturnWhen::FirstCompleted`] | none |
//! | `wait(..., return_when=FIRST_EXCEPTION)` | [`ReturnWhen::FirstException`] | a panic is the exception; use [`try_wait`](crate::try_wait) to count an `Err` output too |
//! | `wait(..., timeout=t)` | `wait(tasks, when, Some(t))` | none: nothing is cancelled, unfinished tasks come back in `pending` |
//! | `wait(set())` raises `ValueError` | `Err(WaitError::Empty)` | an error value, not an exception |
//! | `for c in as_completed(aws): await c` | [`as_completed(tasks)`](crate::as_completed), a [`Stream`] of `Result<T, TaskError>` | takes spawned [`Task`]s, not coroutines |
//! | `async for t in as_completed(aws)` (3.13) | [`as_completed_tasks(tasks)`](crate::as_completed_tasks), a [`Stream`] of finished [`Task`]s | none |
//! | `as_completed(aws, timeout=t)` | [`AsCompleted::timeout`]: items become `Result<_, Elapsed>` | none: one deadline; the tasks left keep running ([`AsCompletedTimeout::into_remaining`]) |
//!
//! Neither `wait` nor `as_completed` ever cancels a task, also on timeout and
//! when their future or stream is dropped (dropping a [`Task`] handle detaches
//! the task).
//!
//! Under the hood both share one small structure, a *ready set*: every task
//! gets its own waker that, when the task finishes, pushes the task's index
//! onto a shared ready list and wakes the waiter. A wake-up therefore costs
//! O(1) and each poll only looks at the tasks that finished, never at all of
//! them (the same idea as `FuturesUnordered`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use corio_executor::{Task, TaskError};
use corio_timer::{Elapsed, Sleep, Timeout};
use futures_core::Stream;

// ----- the ready set ---------------------------------------------------------

/// A set of task handles that learns which of them finished without polling
/// them all: each task's join waker is a [`SlotWaker`] that queues the task's
/// index on a shared ready list.
pub(crate) struct ReadySet<T> {
    slots: Vec<Slot<T>>,
    /// Indices to look at now (taken from the shared list), read from `cursor`.
    local: Vec<usize>,
    cursor: usize,
    queue: Arc<ReadyQueue>,
    /// Slots that hold a task not yet seen finished.
    unfinished: usize,
    /// Slots that hold a task.
    held: usize,
}

struct Slot<T> {
    task: Option<Task<T>>,
    finished: bool,
    /// The slot's waker, made on its first poll.
    waker: Option<(Arc<SlotWaker>, Waker)>,
}

struct ReadyQueue {
    inner: Mutex<ReadyInner>,
}

struct ReadyInner {
    ready: Vec<usize>,
    waiter: Option<Waker>,
}

struct SlotWaker {
    index: usize,
    /// Set while the index sits in a ready list (so it is queued once).
    queued: AtomicBool,
    queue: Arc<ReadyQueue>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let waiter = {
            let mut inner = lock(&self.queue.inner);
            inner.ready.push(self.index);
            inner.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

impl<T> ReadySet<T> {
    pub(crate) fn new(tasks: impl IntoIterator<Item = Task<T>>) -> ReadySet<T> {
        let slots: Vec<Slot<T>> = tasks
            .into_iter()
            .map(|task| Slot {
                task: Some(task),
                finished: false,
                waker: None,
            })
            .collect();
        ReadySet {
            // Every task is looked at once, in input order, to register its waker.
            local: (0..slots.len()).collect(),
            cursor: 0,
            unfinished: slots.len(),
            held: slots.len(),
            slots,
            queue: Arc::new(ReadyQueue {
                inner: Mutex::new(ReadyInner {
                    ready: Vec::new(),
                    waiter: None,
                }),
            }),
        }
    }

    /// Number of slots (tasks given at the start).
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Tasks still held (finished or not).
    pub(crate) fn held(&self) -> usize {
        self.held
    }

    /// The index of a task that finished since the last call, `None` once
    /// every task held has been reported, or `Pending` (the waker is
    /// registered) until one finishes.
    pub(crate) fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Option<usize>> {
        loop {
            while let Some(&index) = self.local.get(self.cursor) {
                self.cursor += 1;
                let slot = &mut self.slots[index];
                let Some(task) = slot.task.as_mut() else {
                    continue;
                };
                if slot.finished {
                    continue;
                }
                let (flag, waker) = slot.waker.get_or_insert_with(|| {
                    let flag = Arc::new(SlotWaker {
                        index,
                        queued: AtomicBool::new(false),
                        queue: self.queue.clone(),
                    });
                    let waker = Waker::from(flag.clone());
                    (flag, waker)
                });
                // Cleared before looking, so a wake-up from now on queues it again.
                flag.queued.store(false, Ordering::Release);
                if task
                    .poll_finished(&mut Context::from_waker(waker))
                    .is_ready()
                {
                    slot.finished = true;
                    self.unfinished -= 1;
                    return Poll::Ready(Some(index));
                }
            }
            if self.unfinished == 0 {
                return Poll::Ready(None);
            }
            self.local.clear();
            self.cursor = 0;
            let mut inner = lock(&self.queue.inner);
            if inner.ready.is_empty() {
                if !inner
                    .waiter
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    inner.waiter = Some(cx.waker().clone());
                }
                return Poll::Pending;
            }
            std::mem::swap(&mut inner.ready, &mut self.local);
        }
    }

    pub(crate) fn task_mut(&mut self, index: usize) -> Option<&mut Task<T>> {
        self.slots[index].task.as_mut()
    }

    /// Takes the task out of its slot.
    pub(crate) fn take(&mut self, index: usize) -> Option<Task<T>> {
        let slot = &mut self.slots[index];
        let task = slot.task.take()?;
        self.held -= 1;
        if !slot.finished {
            self.unfinished -= 1;
        }
        slot.waker = None;
        Some(task)
    }

    /// Every task still held, in input order, with whether it has finished
    /// (seen finished, or finished by now).
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = (bool, Task<T>)> + '_ {
        self.unfinished = 0;
        self.held = 0;
        self.local.clear();
        self.cursor = 0;
        self.slots.iter_mut().filter_map(|slot| {
            slot.waker = None;
            let task = slot.task.take()?;
            let finished = slot.finished || task.is_finished();
            Some((finished, task))
        })
    }
}

// ----- wait ------------------------------------------------------------------

/// When [`wait`](crate::wait) returns: asyncio's `return_when`.
///
/// ```
/// use corio::ReturnWhen;
/// let when = ReturnWhen::FirstCompleted;
/// assert_ne!(when, ReturnWhen::AllCompleted);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnWhen {
    /// When every task has finished (or the timeout passed). asyncio's `ALL_COMPLETED`.
    #[default]
    AllCompleted,
    /// When any task has finished, however it finished. asyncio's `FIRST_COMPLETED`.
    FirstCompleted,
    /// When a task has failed (a panic; with [`try_wait`](crate::try_wait) also
    /// an `Err` output), or else when all have finished. A cancelled task is not a
    /// failure. asyncio's `FIRST_EXCEPTION`.
    FirstException,
}

/// Why [`wait`](crate::wait) could not wait.
///
/// ```
/// corio::run(async {
///     let err = corio::wait(Vec::<corio::Task<()>>::new(), corio::ReturnWhen::AllCompleted, None)
///         .await
///         .unwrap_err();
///     assert_eq!(err, corio::WaitError::Empty);
///     assert!(err.to_string().contains("no tasks"));
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitError {
    /// The set of tasks was empty: there is nothing to wait for (asyncio raises `ValueError`).
    Empty,
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Empty => f.write_str(
                "wait() was given no tasks: pass at least one Task \
                 (asyncio raises ValueError('Set of Tasks/Futures is empty.'))",
            ),
        }
    }
}

impl std::error::Error for WaitError {}

/// The future of [`wait`](crate::wait) and [`try_wait`](crate::try_wait):
/// gives `(done, pending)`.
///
/// Dropping it detaches the tasks it held (they keep running).
///
/// ```
/// corio::run(async {
///     let tasks = vec![corio::spawn(async { 1 })];
///     let wait: corio::Wait<i32> = corio::wait(tasks, corio::ReturnWhen::AllCompleted, None);
///     let (done, pending) = wait.await.unwrap();
///     assert_eq!((done.len(), pending.len()), (1, 0));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<T> {
    set: ReadySet<T>,
    when: ReturnWhen,
    deadline: Option<Instant>,
    sleep: Option<Sleep>,
    is_failure: fn(&mut Task<T>) -> bool,
    returned: bool,
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("tasks", &self.set.len())
            .field("when", &self.when)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// `(done, pending)`: the finished tasks and the others, each in input order.
pub type WaitOutput<T> = (Vec<Task<T>>, Vec<Task<T>>);

fn panicked<T>(task: &mut Task<T>) -> bool {
    matches!(task.peek(), Some(Err(e)) if e.is_panic())
}

fn panicked_or_err<T, E>(task: &mut Task<Result<T, E>>) -> bool {
    matches!(task.peek(), Some(Err(e)) if e.is_panic()) || matches!(task.peek(), Some(Ok(Err(_))))
}

/// Waits for the tasks until `when` says to stop or `timeout` passes, and
/// gives them back split into `(done, pending)`: asyncio's `asyncio.wait`.
///
/// * Nothing is ever cancelled: on timeout the unfinished tasks are simply in
///   `pending`, still running; dropping the `Wait` detaches them.
/// * Every task in `done` has finished, so awaiting it is immediate.
///   `done` holds every task finished by the time `wait` returns, which may
///   be more than one even with [`ReturnWhen::FirstCompleted`].
/// * Both lists keep the input order.
/// * An empty input gives `Err(WaitError::Empty)` (asyncio's `ValueError`).
/// * [`ReturnWhen::FirstException`] counts a panic; use [`try_wait`] for
///   tasks returning `Result` to count an `Err` output too.
///
/// The timeout counts from the call. Wake-ups cost O(1): each task has its
/// own waker feeding a ready list, so tasks are not re-polled on every wake.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use corio::ReturnWhen;
///
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let fast = corio::spawn(async { corio::sleep(Duration::from_secs(1)).await; "fast" });
///     let slow = corio::spawn(async { corio::sleep(Duration::from_secs(5)).await; "slow" });
///     let (done, pending) = corio::wait([fast, slow], ReturnWhen::FirstCompleted, None).await.unwrap();
///     assert_eq!(done.len(), 1);
///     assert_eq!(pending.len(), 1); // still running, not cancelled
///     for task in done {
///         assert_eq!(task.await.unwrap(), "fast");
///     }
///     for task in pending {
///         assert_eq!(task.await.unwrap(), "slow");
///     }
/// });
/// ```
pub fn wait<T>(
    tasks: impl IntoIterator<Item = Task<T>>,
    when: ReturnWhen,
    timeout: Option<Duration>,
) -> Wait<T> {
    Wait::new(tasks, when, timeout, panicked::<T>)
}

/// [`wait`] for tasks whose output is a `Result`: with
/// [`ReturnWhen::FirstException`], an `Err` output counts as a failure as
/// well as a panic (Python's exception being Rust's `Err`).
///
/// ```
/// use std::time::Duration;
/// use corio::ReturnWhen;
///
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let bad = corio::spawn(async { corio::sleep(Duration::from_secs(1)).await; Err::<u32, _>("bad") });
///     let slow = corio::spawn(async { corio::sleep(Duration::from_secs(9)).await; Ok::<_, &str>(1) });
///     let (done, pending) = corio::try_wait([bad, slow], ReturnWhen::FirstException, None).await.unwrap();
///     assert_eq!((done.len(), pending.len()), (1, 1));
///     assert_eq!(pending.into_iter().next().unwrap().await.unwrap(), Ok(1));
/// });
/// ```
pub fn try_wait<T, E>(
    tasks: impl IntoIterator<Item = Task<Result<T, E>>>,
    when: ReturnWhen,
    timeout: Option<Duration>,
) -> Wait<Result<T, E>> {
    Wait::new(tasks, when, timeout, panicked_or_err::<T, E>)
}

impl<T> Wait<T> {
    fn new(
        tasks: impl IntoIterator<Item = Task<T>>,
        when: ReturnWhen,
        timeout: Option<Duration>,
        is_failure: fn(&mut Task<T>) -> bool,
    ) -> Wait<T> {
        Wait {
            set: ReadySet::new(tasks),
            when,
            deadline: timeout.and_then(|d| corio_timer::now().checked_add(d)),
            sleep: None,
            is_failure,
            returned: false,
        }
    }

    fn split(&mut self) -> WaitOutput<T> {
        self.returned = true;
        self.sleep = None;
        let mut done = Vec::new();
        let mut pending = Vec::new();
        for (finished, task) in self.set.drain() {
            if finished {
                done.push(task);
            } else {
                pending.push(task);
            }
        }
        (done, pending)
    }
}

impl<T> Future for Wait<T> {
    type Output = Result<WaitOutput<T>, WaitError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(!this.returned, "`Wait` polled after it returned");
        if this.set.len() == 0 {
            this.returned = true;
            return Poll::Ready(Err(WaitError::Empty));
        }
        loop {
            match this.set.poll_finished(cx) {
                Poll::Ready(None) => return Poll::Ready(Ok(this.split())),
                Poll::Ready(Some(index)) => {
                    let stop = match this.when {
                        ReturnWhen::AllCompleted => false,
                        ReturnWhen::FirstCompleted => true,
                        ReturnWhen::FirstException => {
                            let task = this.set.task_mut(index).expect("a finished task is held");
                            (this.is_failure)(task)
                        }
                    };
                    if stop {
                        return Poll::Ready(Ok(this.split()));
                    }
                }
                Poll::Pending => break,
            }
        }
        if let Some(deadline) = this.deadline {
            let sleep = this
                .sleep
                .get_or_insert_with(|| corio_timer::sleep_until(deadline));
            if Pin::new(sleep).poll(cx).is_ready() {
                return Poll::Ready(Ok(this.split()));
            }
        }
        Poll::Pending
    }
}

// ----- as_completed ----------------------------------------------------------

/// The stream of [`as_completed`]: each task's outcome, in completion order.
///
/// Besides [`Stream`], it has an inherent [`next`](AsCompleted::next), so no
/// extension trait is needed. Dropping it detaches the tasks not yet yielded.
///
/// ```
/// corio::run(async {
///     let mut stream: corio::AsCompleted<u8> = corio::as_completed([corio::spawn(async { 7 })]);
///     assert_eq!(stream.next().await.unwrap().unwrap(), 7);
///     assert!(stream.next().await.is_none());
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<T> {
    set: ReadySet<T>,
    /// A finished task whose output could not be read yet (the cooperative
    /// budget was spent): read it first on the next poll.
    reading: Option<usize>,
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.set.held())
            .finish_non_exhaustive()
    }
}

/// Yields the outcome of each task as it finishes, in completion order:
/// asyncio's `as_completed`.
///
/// Nothing is cancelled: dropping the stream detaches the tasks it still
/// holds, and [`into_remaining`](AsCompleted::into_remaining) gives them back.
/// Add a deadline for the whole stream with [`timeout`](AsCompleted::timeout).
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let tasks = [3u64, 1, 2].map(|s| corio::spawn(async move {
///         corio::sleep(Duration::from_secs(s)).await;
///         s
///     }));
///     let mut order = Vec::new();
///     let mut stream = corio::as_completed(tasks);
///     while let Some(outcome) = stream.next().await {
///         order.push(outcome.unwrap());
///     }
///     assert_eq!(order, [1, 2, 3]);
/// });
/// ```
pub fn as_completed<T>(tasks: impl IntoIterator<Item = Task<T>>) -> AsCompleted<T> {
    AsCompleted {
        set: ReadySet::new(tasks),
        reading: None,
    }
}

impl<T> AsCompleted<T> {
    /// The next outcome in completion order, or `None` when every task has been yielded.
    ///
    /// ```
    /// corio::run(async {
    ///     let mut s = corio::as_completed([corio::spawn(async { "a" })]);
    ///     assert_eq!(s.next().await.unwrap().unwrap(), "a");
    /// });
    /// ```
    #[allow(clippy::should_implement_trait)] // the name of `StreamExt::next`, awaited like it
    pub fn next(&mut self) -> impl Future<Output = Option<Result<T, TaskError>>> + '_ {
        std::future::poll_fn(move |cx| self.poll_item(cx))
    }

    /// A deadline for the whole stream, `duration` from now: after it, each
    /// item is `Err(Elapsed)` (once per task not yet yielded, then the stream
    /// ends), and the tasks keep running; take them back with
    /// [`AsCompletedTimeout::into_remaining`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
    /// rt.block_on(async {
    ///     let slow = corio::spawn(async { corio::sleep(Duration::from_secs(60)).await; 1 });
    ///     let mut s = corio::as_completed([slow]).timeout(Duration::from_secs(1));
    ///     assert!(s.next().await.unwrap().is_err()); // Elapsed
    ///     let slow = s.into_remaining().pop().unwrap();
    ///     assert_eq!(slow.await.unwrap(), 1); // it kept running
    /// });
    /// ```
    pub fn timeout(self, duration: Duration) -> AsCompletedTimeout<T> {
        AsCompletedTimeout {
            inner: self,
            deadline: Deadline::after(duration),
        }
    }

    /// Gives back the tasks not yet yielded (finished or not), in input order.
    ///
    /// ```
    /// corio::run(async {
    ///     let s = corio::as_completed([corio::spawn(async { 1 }), corio::spawn(async { 2 })]);
    ///     assert_eq!(s.into_remaining().len(), 2);
    /// });
    /// ```
    pub fn into_remaining(mut self) -> Vec<Task<T>> {
        self.set.drain().map(|(_, task)| task).collect()
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, TaskError>>> {
        let index = match self.reading {
            Some(index) => index,
            None => match self.set.poll_finished(cx) {
                Poll::Ready(Some(index)) => index,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            },
        };
        let task = self.set.task_mut(index).expect("a finished task is held");
        match Pin::new(task).poll(cx) {
            Poll::Ready(outcome) => {
                self.reading = None;
                drop(self.set.take(index));
                Poll::Ready(Some(outcome))
            }
            Poll::Pending => {
                // Finished, but the budget says yield first; we were woken.
                self.reading = Some(index);
                Poll::Pending
            }
        }
    }

    fn remaining(&self) -> usize {
        self.set.held()
    }
}

impl<T> Stream for AsCompleted<T> {
    type Item = Result<T, TaskError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.remaining();
        (n, Some(n))
    }
}

/// The stream of [`as_completed_tasks`]: each task's handle once it has
/// finished, in completion order (asyncio 3.13's `async for t in as_completed(..)`).
///
/// ```
/// corio::run(async {
///     let mut s: corio::AsCompletedTasks<u8> = corio::as_completed_tasks([corio::spawn(async { 4 })]);
///     let task = s.next().await.unwrap();
///     assert!(task.is_finished());
///     assert_eq!(task.await.unwrap(), 4);
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompletedTasks<T> {
    set: ReadySet<T>,
}

impl<T> fmt::Debug for AsCompletedTasks<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompletedTasks")
            .field("remaining", &self.set.held())
            .finish_non_exhaustive()
    }
}

/// Yields the tasks themselves as they finish, in completion order, so you
/// can tell which one finished (by [`Task::id`], [`Task::name`] or your own
/// bookkeeping) and then await it (immediate). asyncio 3.13's
/// `async for task in as_completed(tasks)`.
///
/// Nothing is cancelled; dropping the stream detaches the tasks it holds.
///
/// ```
/// use std::time::Duration;
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let slow = corio::task::Builder::new().name("slow")
///         .spawn(async { corio::sleep(Duration::from_secs(2)).await });
///     let fast = corio::task::Builder::new().name("fast")
///         .spawn(async { corio::sleep(Duration::from_secs(1)).await });
///     let mut s = corio::as_completed_tasks([slow, fast]);
///     assert_eq!(s.next().await.unwrap().name(), Some("fast"));
///     assert_eq!(s.next().await.unwrap().name(), Some("slow"));
/// });
/// ```
pub fn as_completed_tasks<T>(tasks: impl IntoIterator<Item = Task<T>>) -> AsCompletedTasks<T> {
    AsCompletedTasks {
        set: ReadySet::new(tasks),
    }
}

impl<T> AsCompletedTasks<T> {
    /// The next finished task, or `None` when every task has been yielded.
    ///
    /// ```
    /// corio::run(async {
    ///     let mut s = corio::as_completed_tasks([corio::spawn(async {})]);
    ///     assert!(s.next().await.unwrap().is_finished());
    ///     assert!(s.next().await.is_none());
    /// });
    /// ```
    #[allow(clippy::should_implement_trait)] // the name of `StreamExt::next`, awaited like it
    pub fn next(&mut self) -> impl Future<Output = Option<Task<T>>> + '_ {
        std::future::poll_fn(move |cx| self.poll_item(cx))
    }

    /// A deadline for the whole stream, `duration` from now; see
    /// [`AsCompleted::timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
    /// rt.block_on(async {
    ///     let never = corio::spawn(std::future::pending::<()>());
    ///     let mut s = corio::as_completed_tasks([never]).timeout(Duration::from_secs(1));
    ///     assert!(s.next().await.unwrap().is_err());
    ///     assert!(s.next().await.is_none());
    ///     let never = s.into_remaining().pop().unwrap();
    ///     assert!(!never.is_finished());
    /// });
    /// ```
    pub fn timeout(self, duration: Duration) -> AsCompletedTasksTimeout<T> {
        AsCompletedTasksTimeout {
            inner: self,
            deadline: Deadline::after(duration),
        }
    }

    /// Gives back the tasks not yet yielded (finished or not), in input order.
    ///
    /// ```
    /// corio::run(async {
    ///     let s = corio::as_completed_tasks([corio::spawn(async {})]);
    ///     assert_eq!(s.into_remaining().len(), 1);
    /// });
    /// ```
    pub fn into_remaining(mut self) -> Vec<Task<T>> {
        self.set.drain().map(|(_, task)| task).collect()
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Task<T>>> {
        match self.set.poll_finished(cx) {
            Poll::Ready(Some(index)) => Poll::Ready(self.set.take(index)),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Stream for AsCompletedTasks<T> {
    type Item = Task<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.set.held();
        (n, Some(n))
    }
}

/// One deadline for a whole stream, and what happens after it.
struct Deadline {
    /// Fires with the `Elapsed` to hand out; `None` for a deadline too far away to represent.
    timer: Option<Timeout<std::future::Pending<()>>>,
    /// Set once the deadline passed: the error, and how many to hand out still.
    expired: Option<(Elapsed, usize)>,
}

impl Deadline {
    fn after(duration: Duration) -> Deadline {
        Deadline {
            timer: corio_timer::now()
                .checked_add(duration)
                .map(|at| corio_timer::timeout_at(at, std::future::pending())),
            expired: None,
        }
    }

    /// After the deadline: `Some(Some(err))` while errors are owed, then `Some(None)`.
    fn after_expiry(&mut self) -> Option<Option<Elapsed>> {
        let (elapsed, left) = self.expired.as_mut()?;
        if *left == 0 {
            return Some(None);
        }
        *left -= 1;
        Some(Some(*elapsed))
    }

    /// Polls the deadline; on expiry, owes `remaining` errors and returns the first.
    fn poll_expired(&mut self, cx: &mut Context<'_>, remaining: usize) -> Poll<Option<Elapsed>> {
        let Some(timer) = self.timer.as_mut() else {
            return Poll::Pending;
        };
        match Pin::new(timer).poll(cx) {
            Poll::Ready(Err(elapsed)) => {
                self.timer = None;
                self.expired = Some((elapsed, remaining));
                Poll::Ready(self.after_expiry().flatten())
            }
            _ => Poll::Pending,
        }
    }
}

/// [`AsCompleted`] with one deadline for the whole stream (see [`AsCompleted::timeout`]).
///
/// ```
/// use std::time::Duration;
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let t = corio::spawn(async { 5 });
///     let mut s: corio::AsCompletedTimeout<i32> = corio::as_completed([t]).timeout(Duration::from_secs(1));
///     assert_eq!(s.next().await.unwrap().unwrap().unwrap(), 5);
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompletedTimeout<T> {
    inner: AsCompleted<T>,
    deadline: Deadline,
}

impl<T> fmt::Debug for AsCompletedTimeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompletedTimeout")
            .field("remaining", &self.inner.remaining())
            .field("expired", &self.deadline.expired.is_some())
            .finish_non_exhaustive()
    }
}

impl<T> AsCompletedTimeout<T> {
    /// The next outcome, `Err(Elapsed)` once the deadline has passed (once per
    /// task not yet yielded), or `None` at the end.
    ///
    /// ```
    /// use std::time::Duration;
    /// corio::run(async {
    ///     let mut s = corio::as_completed([corio::spawn(async { 1 })]).timeout(Duration::from_secs(5));
    ///     assert_eq!(s.next().await.unwrap().unwrap().unwrap(), 1);
    ///     assert!(s.next().await.is_none());
    /// });
    /// ```
    #[allow(clippy::should_implement_trait)] // the name of `StreamExt::next`, awaited like it
    pub fn next(
        &mut self,
    ) -> impl Future<Output = Option<Result<Result<T, TaskError>, Elapsed>>> + '_ {
        std::future::poll_fn(move |cx| self.poll_item(cx))
    }

    /// Gives back the tasks not yet yielded, in input order (after a timeout:
    /// the ones that were still running, and keep running).
    ///
    /// ```
    /// use std::time::Duration;
    /// corio::run(async {
    ///     let s = corio::as_completed([corio::spawn(async { 1 })]).timeout(Duration::from_secs(5));
    ///     let tasks = s.into_remaining();
    ///     assert_eq!(tasks.len(), 1);
    /// });
    /// ```
    pub fn into_remaining(self) -> Vec<Task<T>> {
        self.inner.into_remaining()
    }

    fn poll_item(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Result<T, TaskError>, Elapsed>>> {
        if let Some(owed) = self.deadline.after_expiry() {
            return Poll::Ready(owed.map(Err));
        }
        match self.inner.poll_item(cx) {
            Poll::Ready(Some(outcome)) => return Poll::Ready(Some(Ok(outcome))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        self.deadline
            .poll_expired(cx, self.inner.remaining())
            .map(|e| e.map(Err))
    }
}

impl<T> Stream for AsCompletedTimeout<T> {
    type Item = Result<Result<T, TaskError>, Elapsed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}

/// [`AsCompletedTasks`] with one deadline for the whole stream (see [`AsCompletedTasks::timeout`]).
///
/// ```
/// use std::time::Duration;
/// corio::run(async {
///     let mut s: corio::AsCompletedTasksTimeout<()> =
///         corio::as_completed_tasks([corio::spawn(async {})]).timeout(Duration::from_secs(1));
///     assert!(s.next().await.unwrap().is_ok());
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompletedTasksTimeout<T> {
    inner: AsCompletedTasks<T>,
    deadline: Deadline,
}

impl<T> fmt::Debug for AsCompletedTasksTimeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompletedTasksTimeout")
            .field("remaining", &self.inner.set.held())
            .field("expired", &self.deadline.expired.is_some())
            .finish_non_exhaustive()
    }
}

impl<T> AsCompletedTasksTimeout<T> {
    /// The next finished task, `Err(Elapsed)` once the deadline has passed
    /// (once per task not yet yielded), or `None` at the end.
    ///
    /// ```
    /// use std::time::Duration;
    /// corio::run(async {
    ///     let mut s = corio::as_completed_tasks([corio::spawn(async { 2 })]).timeout(Duration::from_secs(1));
    ///     assert_eq!(s.next().await.unwrap().unwrap().await.unwrap(), 2);
    /// });
    /// ```
    #[allow(clippy::should_implement_trait)] // the name of `StreamExt::next`, awaited like it
    pub fn next(&mut self) -> impl Future<Output = Option<Result<Task<T>, Elapsed>>> + '_ {
        std::future::poll_fn(move |cx| self.poll_item(cx))
    }

    /// Gives back the tasks not yet yielded, in input order.
    ///
    /// ```
    /// use std::time::Duration;
    /// corio::run(async {
    ///     let s = corio::as_completed_tasks([corio::spawn(async {})]).timeout(Duration::from_secs(1));
    ///     assert_eq!(s.into_remaining().len(), 1);
    /// });
    /// ```
    pub fn into_remaining(self) -> Vec<Task<T>> {
        self.inner.into_remaining()
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Task<T>, Elapsed>>> {
        if let Some(owed) = self.deadline.after_expiry() {
            return Poll::Ready(owed.map(Err));
        }
        match self.inner.poll_item(cx) {
            Poll::Ready(Some(task)) => return Poll::Ready(Some(Ok(task))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        self.deadline
            .poll_expired(cx, self.inner.set.held())
            .map(|e| e.map(Err))
    }
}

impl<T> Stream for AsCompletedTasksTimeout<T> {
    type Item = Result<Task<T>, Elapsed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}
