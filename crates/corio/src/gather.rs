//! Running futures together and collecting every output: asyncio's `gather`.
//!
//! | asyncio | corio | difference |
//! | --- | --- | --- |
//! | `await asyncio.gather(a(), b())` (same type) | [`gather(iter)`](crate::gather) → `Vec<T>` in input order | the first panic cancels the siblings still running, waits for them, then resumes the panic |
//! | `await asyncio.gather(a(), b(), c())` (mixed types) | [`gather!(a, b, c)`](crate::gather!) → a tuple | as above |
//! | `gather(...)` raising the first exception | [`try_gather(iter)`](crate::try_gather) for `Result` outputs → `Result<Vec<T>, E>` | the first `Err` cancels the siblings still running (asyncio lets them run on) |
//! | `gather(..., return_exceptions=True)` | [`gather_settled(iter)`](crate::gather_settled) → `Vec<Result<T, TaskError>>` | none: never cancels, outcomes in place |
//! | cancelling the gather | dropping the future | cancels every child still running (it does not wait for them) |
//! | `gather()` | `gather(Vec::<F>::new())` → `vec![]` at once | none |
//! | — (no asyncio equivalent) | [`join_all(iter)`](crate::join_all), [`join!(a, b)`](crate::join!) | poll non-`Send` futures in place, on the caller's task, without spawning |
//!
//! `gather`, `try_gather` and `gather_settled` spawn every future as a task
//! (so they need `Send + 'static` futures and a runtime) and therefore run
//! them in parallel on all workers. They are O(n) overall: the handles are
//! awaited in input order, and each child's wrapper reports a failure through
//! a shared flag and waker, so a failure is noticed at once without polling
//! every child on every wake-up.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use corio_executor::{Task, TaskError};

type Payload = Box<dyn Any + Send + 'static>;

const NO_FAILURE: usize = usize::MAX;

/// What the children of one gather share with it: the index of the first
/// child that failed (in completion order) and the gatherer's waker.
struct Shared {
    first_failure: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}

impl Shared {
    fn new() -> Arc<Shared> {
        Arc::new(Shared {
            first_failure: AtomicUsize::new(NO_FAILURE),
            waker: Mutex::new(None),
        })
    }

    fn first_failure(&self) -> Option<usize> {
        match self.first_failure.load(Ordering::Acquire) {
            NO_FAILURE => None,
            index => Some(index),
        }
    }

    /// Child `index` failed; the first one wakes the gatherer.
    fn fail(&self, index: usize) {
        if self
            .first_failure
            .compare_exchange(NO_FAILURE, index, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            let waker = self
                .waker
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    fn register(&self, waker: &Waker) {
        let mut slot = self.waker.lock().unwrap_or_else(PoisonError::into_inner);
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }
}

/// The future each child task runs: the user's future, with its panic caught
/// and its failure (a panic, or an output `is_failure` picks) reported.
struct Child<F: Future> {
    future: F,
    shared: Arc<Shared>,
    index: usize,
    is_failure: fn(&F::Output) -> bool,
}

impl<F: Future> Future for Child<F> {
    type Output = Result<F::Output, Payload>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // `Child` (which has no `Drop` and hands out no `&mut F`); the other
        // fields are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                if (this.is_failure)(&output) {
                    this.shared.fail(this.index);
                }
                Poll::Ready(Ok(output))
            }
            Err(payload) => {
                this.shared.fail(this.index);
                Poll::Ready(Err(payload))
            }
        }
    }
}

/// Why an ordered gather stopped early.
enum Failure<O> {
    Panic(Payload),
    Output(O),
    Task(TaskError),
}

type ChildTask<O> = Task<Result<O, Payload>>;

/// The engine of `gather` and `try_gather`: children spawned in order,
/// awaited in order; on the first failure the rest are cancelled and awaited.
struct Ordered<O, R> {
    tasks: VecDeque<ChildTask<O>>,
    /// Input index of `tasks.front()`.
    next: usize,
    results: Vec<R>,
    shared: Arc<Shared>,
    is_failure: fn(&O) -> bool,
    /// Splits an output into a result, or gives it back as a failure.
    split: fn(O) -> Result<R, O>,
    /// Set once a failure is known: (the first failing index, its outcome so far).
    failing: Option<(usize, Option<Failure<O>>)>,
    spawned: usize,
}

impl<O: Send + 'static, R> Ordered<O, R> {
    fn new(capacity: usize, is_failure: fn(&O) -> bool, split: fn(O) -> Result<R, O>) -> Self {
        Ordered {
            tasks: VecDeque::with_capacity(capacity),
            next: 0,
            results: Vec::with_capacity(capacity),
            shared: Shared::new(),
            is_failure,
            split,
            failing: None,
            spawned: 0,
        }
    }

    #[track_caller]
    fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = O> + Send + 'static,
    {
        let child = Child {
            future,
            shared: self.shared.clone(),
            index: self.spawned,
            is_failure: self.is_failure,
        };
        self.spawned += 1;
        self.tasks.push_back(corio_executor::spawn(child));
    }

    #[track_caller]
    fn spawn_all<I>(iter: I, is_failure: fn(&O) -> bool, split: fn(O) -> Result<R, O>) -> Self
    where
        I: IntoIterator,
        I::Item: Future<Output = O> + Send + 'static,
    {
        let iter = iter.into_iter();
        let mut this = Ordered::new(iter.size_hint().0, is_failure, split);
        for future in iter {
            this.spawn(future);
        }
        this
    }

    fn classify(
        is_failure: fn(&O) -> bool,
        outcome: Result<Result<O, Payload>, TaskError>,
    ) -> Result<O, Failure<O>> {
        match outcome {
            Ok(Ok(output)) if !is_failure(&output) => Ok(output),
            Ok(Ok(output)) => Err(Failure::Output(output)),
            Ok(Err(payload)) => Err(Failure::Panic(payload)),
            Err(error) => Err(Failure::Task(error)),
        }
    }

    /// A failure is known (seen at `index`, or flagged by a child): cancel
    /// every child not yet awaited.
    fn start_failing(&mut self, seen: Option<(usize, Failure<O>)>) {
        let first = match (self.shared.first_failure(), &seen) {
            (Some(first), _) => first,
            (None, Some((index, _))) => {
                // A failure no wrapper flagged (a child cancelled by the
                // runtime shutting down): flag it for the others.
                self.shared.fail(*index);
                self.shared.first_failure().unwrap_or(*index)
            }
            (None, None) => unreachable!("start_failing without a failure"),
        };
        // Keep what we saw, even if it was not the first (a fallback).
        self.failing = Some((first, seen.map(|(_, failure)| failure)));
        for task in &self.tasks {
            task.cancel();
        }
    }

    fn poll_ordered(&mut self, cx: &mut Context<'_>) -> Poll<Result<Vec<R>, Failure<O>>> {
        // The shared flag is read once per poll and before sleeping, not per
        // child: while handles are ready, a failure further on waits a little.
        if self.failing.is_none() && self.shared.first_failure().is_some() {
            self.start_failing(None);
        }
        while self.failing.is_none() {
            let Some(task) = self.tasks.front_mut() else {
                return Poll::Ready(Ok(std::mem::take(&mut self.results)));
            };
            match Pin::new(task).poll(cx) {
                Poll::Ready(outcome) => {
                    self.tasks.pop_front();
                    let index = self.next;
                    self.next += 1;
                    match Self::classify(self.is_failure, outcome).map(self.split) {
                        Ok(Ok(result)) => self.results.push(result),
                        Ok(Err(output)) => {
                            self.start_failing(Some((index, Failure::Output(output))))
                        }
                        Err(failure) => self.start_failing(Some((index, failure))),
                    }
                }
                Poll::Pending => {
                    self.shared.register(cx.waker());
                    if self.shared.first_failure().is_none() {
                        return Poll::Pending;
                    }
                    self.start_failing(None);
                }
            }
        }
        // Failing: wait for every child still there (cancelled, so their
        // futures are dropped), keeping the outcome of the first failure.
        while let Some(task) = self.tasks.front_mut() {
            let outcome = std::task::ready!(Pin::new(task).poll(cx));
            self.tasks.pop_front();
            let index = self.next;
            self.next += 1;
            let (first, kept) = self.failing.as_mut().expect("failing");
            if index == *first {
                if let Err(failure) = Self::classify(self.is_failure, outcome) {
                    *kept = Some(failure);
                }
            }
        }
        let (_, kept) = self.failing.take().expect("failing");
        self.results = Vec::new();
        Poll::Ready(Err(
            kept.expect("the failure that stopped a gather is known")
        ))
    }
}

impl<O, R> Ordered<O, R> {
    /// Cancels every child not yet awaited (dropping a gather).
    fn cancel_rest(&self) {
        for task in &self.tasks {
            task.cancel();
        }
    }
}

fn never(_: &impl Sized) -> bool {
    false
}

fn resume_failure<O>(failure: Failure<O>) -> ! {
    match failure {
        Failure::Panic(payload) => resume_unwind(payload),
        Failure::Task(error) => match error.try_into_panic() {
            Ok(payload) => resume_unwind(payload),
            Err(error) => panic!("corio::gather: {error} (is the runtime shutting down?)"),
        },
        Failure::Output(_) => unreachable!("gather counts no output as a failure"),
    }
}

/// The future of [`gather`]: every output, in input order.
///
/// Dropping it cancels the children still running.
///
/// ```
/// corio::run(async {
///     let g: corio::Gather<u32> = corio::gather((1..=3).map(|i| async move { i * 10 }));
///     assert_eq!(g.await, [10, 20, 30]);
/// });
/// ```
#[must_use = "futures do nothing unless awaited (the children run anyway; dropping this cancels them)"]
pub struct Gather<T> {
    inner: Ordered<T, T>,
}

// The outputs are never pinned.
impl<T> Unpin for Gather<T> {}

impl<T> fmt::Debug for Gather<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("children", &self.inner.spawned)
            .field("done", &self.inner.next)
            .finish_non_exhaustive()
    }
}

/// Runs every future as a task and gives their outputs in input order:
/// asyncio's `gather`.
///
/// * Every future is spawned at once (so they run in parallel on all
///   workers); an empty input gives an empty `Vec` at once.
/// * If a child panics, the children still running are cancelled, `gather`
///   waits until they have finished (their futures dropped), then resumes
///   the first panic (in completion order) in the caller. Unlike asyncio,
///   the siblings are cancelled (as in a `TaskGroup`).
/// * Dropping the `Gather` cancels every child still running.
/// * O(n) overall, also for 100 000 children.
///
/// For `Result` outputs whose first `Err` should stop everything, use
/// [`try_gather`]; to keep every outcome, [`gather_settled`]; for mixed
/// types, [`gather!`](crate::gather!).
///
/// # Panics
///
/// Outside a runtime (it spawns); and, when awaited, with a child's panic.
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let start = corio::time::now();
///     let jobs = (1..=5u64).rev().map(|i| async move {
///         corio::sleep(Duration::from_secs(i)).await;
///         i
///     });
///     assert_eq!(corio::gather(jobs).await, [5, 4, 3, 2, 1]); // input order
///     assert_eq!(corio::time::now() - start, Duration::from_secs(5)); // not 15
/// });
/// ```
#[track_caller]
pub fn gather<I>(futures: I) -> Gather<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    Gather {
        inner: Ordered::spawn_all(futures, never, Ok),
    }
}

impl<T: Send + 'static> Future for Gather<T> {
    type Output = Vec<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
        match std::task::ready!(self.get_mut().inner.poll_ordered(cx)) {
            Ok(results) => Poll::Ready(results),
            Err(failure) => resume_failure(failure),
        }
    }
}

impl<T> Drop for Gather<T> {
    fn drop(&mut self) {
        self.inner.cancel_rest();
    }
}

/// The future of [`try_gather`]: every `Ok` value in input order, or the first `Err`.
///
/// Dropping it cancels the children still running.
///
/// ```
/// corio::run(async {
///     let g: corio::TryGather<u8, String> = corio::try_gather((1..=2).map(|i| async move { Ok(i) }));
///     assert_eq!(g.await, Ok(vec![1, 2]));
/// });
/// ```
#[must_use = "futures do nothing unless awaited (the children run anyway; dropping this cancels them)"]
pub struct TryGather<T, E> {
    inner: Ordered<Result<T, E>, T>,
}

// The outputs are never pinned.
impl<T, E> Unpin for TryGather<T, E> {}

impl<T, E> fmt::Debug for TryGather<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGather")
            .field("children", &self.inner.spawned)
            .field("done", &self.inner.next)
            .finish_non_exhaustive()
    }
}

/// Like [`gather`] for futures returning `Result`: all the `Ok` values in
/// input order, or the first `Err` (in completion order), Python's first
/// exception propagating.
///
/// On the first `Err` (or panic), the children still running are cancelled
/// and awaited (their futures dropped) before `try_gather` returns the error
/// (or resumes the panic). Unlike asyncio, the siblings do not run on.
///
/// # Panics
///
/// Outside a runtime; and, when awaited, with a child's panic.
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let jobs = [1u64, 2, 30].map(|s| async move {
///         corio::sleep(Duration::from_secs(s)).await;
///         if s == 2 { Err(format!("job {s} failed")) } else { Ok(s) }
///     });
///     let start = corio::time::now();
///     assert_eq!(corio::try_gather(jobs).await, Err("job 2 failed".to_string()));
///     // The 30 s job was cancelled, not waited for.
///     assert_eq!(corio::time::now() - start, Duration::from_secs(2));
/// });
/// ```
#[track_caller]
pub fn try_gather<I, T, E>(futures: I) -> TryGather<T, E>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    TryGather {
        inner: Ordered::spawn_all(futures, Result::is_err, |r| r.map_err(Err)),
    }
}

impl<T: Send + 'static, E: Send + 'static> Future for TryGather<T, E> {
    type Output = Result<Vec<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match std::task::ready!(self.get_mut().inner.poll_ordered(cx)) {
            Ok(results) => Poll::Ready(Ok(results)),
            Err(Failure::Output(Err(error))) => Poll::Ready(Err(error)),
            Err(Failure::Output(Ok(_))) => unreachable!("an Ok output is not a failure"),
            Err(failure) => resume_failure(failure),
        }
    }
}

impl<T, E> Drop for TryGather<T, E> {
    fn drop(&mut self) {
        self.inner.cancel_rest();
    }
}

/// The future of [`gather_settled`]: every outcome, in input order.
///
/// Dropping it cancels the children still running.
///
/// ```
/// corio::run(async {
///     let g: corio::GatherSettled<u8> = corio::gather_settled([async { 1 }]);
///     assert_eq!(g.await[0].as_ref().unwrap(), &1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited (the children run anyway; dropping this cancels them)"]
pub struct GatherSettled<T> {
    tasks: VecDeque<Task<T>>,
    results: Vec<Result<T, TaskError>>,
}

// The outputs are never pinned.
impl<T> Unpin for GatherSettled<T> {}

impl<T> fmt::Debug for GatherSettled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherSettled")
            .field("done", &self.results.len())
            .field("running", &self.tasks.len())
            .finish()
    }
}

/// Runs every future as a task and gives every outcome in input order, a
/// panic or cancellation as a [`TaskError`] in its place: asyncio's
/// `gather(..., return_exceptions=True)`. It never cancels a child because
/// another failed; dropping it cancels the children still running (as
/// cancelling asyncio's gather does).
///
/// # Panics
///
/// Outside a runtime (it spawns).
///
/// # Example
///
/// ```
/// corio::run(async {
///     let outcomes = corio::gather_settled((0..3).map(|i| async move {
///         if i == 1 { panic!("job 1 broke") }
///         i
///     }))
///     .await;
///     assert_eq!(outcomes[0].as_ref().unwrap(), &0);
///     assert!(outcomes[1].as_ref().unwrap_err().is_panic());
///     assert_eq!(outcomes[2].as_ref().unwrap(), &2);
/// });
/// ```
#[track_caller]
pub fn gather_settled<I>(futures: I) -> GatherSettled<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    let iter = futures.into_iter();
    let mut tasks = VecDeque::with_capacity(iter.size_hint().0);
    for future in iter {
        tasks.push_back(corio_executor::spawn(future));
    }
    GatherSettled {
        results: Vec::with_capacity(tasks.len()),
        tasks,
    }
}

impl<T> Future for GatherSettled<T> {
    type Output = Vec<Result<T, TaskError>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while let Some(task) = this.tasks.front_mut() {
            let outcome = std::task::ready!(Pin::new(task).poll(cx));
            this.tasks.pop_front();
            this.results.push(outcome);
        }
        Poll::Ready(std::mem::take(&mut this.results))
    }
}

impl<T> Drop for GatherSettled<T> {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.cancel();
        }
    }
}

// ----- gather! ---------------------------------------------------------------

/// A tuple of futures that [`gather!`](crate::gather!) (or [`gather_tuple`])
/// can run as tasks: implemented for tuples of 1 to 12 `Send + 'static` futures.
///
/// ```
/// use corio::GatherTuple;
/// fn takes<G: GatherTuple>(g: G) -> corio::GatherTupleFuture<G> { corio::gather_tuple(g) }
/// corio::run(async {
///     assert_eq!(takes((async { 1 }, async { "two" })).await, (1, "two"));
/// });
/// ```
pub trait GatherTuple {
    /// The tuple of the futures' outputs.
    type Output;

    /// Spawns every future (outputs boxed); an implementation detail of [`gather_tuple`].
    #[doc(hidden)]
    fn spawn_boxed(self) -> Gather<Box<dyn Any + Send>>;

    /// Unboxes the outputs; an implementation detail of [`gather_tuple`].
    #[doc(hidden)]
    fn unbox(outputs: Vec<Box<dyn Any + Send>>) -> Self::Output;
}

/// The future of [`gather!`](crate::gather!) and [`gather_tuple`]: the
/// tuple of outputs. Dropping it cancels the children still running.
///
/// ```
/// corio::run(async {
///     let g: corio::GatherTupleFuture<_> = corio::gather_tuple((async { 1 }, async { 'x' }));
///     assert_eq!(g.await, (1, 'x'));
/// });
/// ```
#[must_use = "futures do nothing unless awaited (the children run anyway; dropping this cancels them)"]
pub struct GatherTupleFuture<G: GatherTuple> {
    inner: Gather<Box<dyn Any + Send>>,
    _tuple: PhantomData<fn() -> G>,
}

impl<G: GatherTuple> fmt::Debug for GatherTupleFuture<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherTupleFuture")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<G: GatherTuple> Future for GatherTupleFuture<G> {
    type Output = G::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<G::Output> {
        Pin::new(&mut self.get_mut().inner).poll(cx).map(G::unbox)
    }
}

/// [`gather`] for a tuple of futures of different types: the function
/// behind [`gather!`](crate::gather!), with the same semantics.
///
/// # Panics
///
/// Outside a runtime; and, when awaited, with a child's panic.
///
/// ```
/// corio::run(async {
///     let (n, s) = corio::gather_tuple((async { 1 + 1 }, async { "two" })).await;
///     assert_eq!((n, s), (2, "two"));
/// });
/// ```
#[track_caller]
pub fn gather_tuple<G: GatherTuple>(futures: G) -> GatherTupleFuture<G> {
    GatherTupleFuture {
        inner: futures.spawn_boxed(),
        _tuple: PhantomData,
    }
}

fn unbox_next<T: 'static>(outputs: &mut std::vec::IntoIter<Box<dyn Any + Send>>) -> T {
    *outputs
        .next()
        .expect("one output per future")
        .downcast::<T>()
        .unwrap_or_else(|_| unreachable!("outputs keep their types and order"))
}

/// Runs futures of different types as tasks and gives the tuple of their
/// outputs, in argument order: asyncio's `gather(a(), b(), c())`.
///
/// The semantics of [`gather`]: a panic in one cancels the others still
/// running, waits for them, and resumes the panic; dropping the future
/// cancels the children. Up to 12 futures, each `Send + 'static`. For
/// non-`Send` futures polled in place, see [`join!`](crate::join!).
///
/// ```
/// use std::time::Duration;
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let toast = async { corio::sleep(Duration::from_secs(2)).await; "toast" };
///     let coffee = async { corio::sleep(Duration::from_secs(3)).await; 1u8 };
///     let eggs = async { corio::sleep(Duration::from_secs(7)).await; vec!["egg"; 2] };
///     let start = corio::time::now();
///     let (t, c, e) = corio::gather!(toast, coffee, eggs).await;
///     assert_eq!((t, c, e.len()), ("toast", 1, 2));
///     assert_eq!(corio::time::now() - start, Duration::from_secs(7)); // not 12
/// });
/// ```
#[macro_export]
macro_rules! gather {
    ($($future:expr),+ $(,)?) => {
        $crate::gather_tuple(($($future,)+))
    };
}

/// Polls the futures of a tuple together on the current task, in place,
/// without spawning, and gives the tuple of their outputs once all are done.
///
/// For futures that are not `Send` or borrow local data (it is the
/// `futures::join!` of Rust, with no cancellation of siblings: a panic
/// simply unwinds out of the poll). Every future is polled on each wake-up,
/// which is right for a handful of futures. Up to 12 futures.
///
/// ```
/// use std::rc::Rc;
/// corio::run(async {
///     let shared = Rc::new(5); // not Send: could not be spawned
///     let a = async { *shared + 1 };
///     let b = async { corio::yield_now().await; *shared * 2 };
///     assert_eq!(corio::join!(a, b).await, (6, 10));
/// });
/// ```
#[macro_export]
macro_rules! join {
    ($($future:expr),+ $(,)?) => {
        $crate::JoinTuple::new((
            $($crate::MaybeDone::new(::core::future::IntoFuture::into_future($future)),)+
        ))
    };
}

// ----- polling in place: join_all, join! --------------------------------------

enum MaybeDoneState<F: Future> {
    Future(F),
    Done(F::Output),
    Gone,
}

/// A future, then its output once it has finished: the building block of
/// [`join_all`] and [`join!`](crate::join!). Polling it gives `()` when the
/// future has finished; [`take_output`](MaybeDone::take_output) gives the output.
///
/// ```
/// use std::pin::pin;
/// corio::run(async {
///     let mut slot = pin!(corio::MaybeDone::new(async { 3 }));
///     slot.as_mut().await;
///     assert_eq!(slot.as_mut().take_output(), Some(3));
///     assert_eq!(slot.as_mut().take_output(), None);
/// });
/// ```
pub struct MaybeDone<F: Future> {
    state: MaybeDoneState<F>,
}

impl<F: Future> fmt::Debug for MaybeDone<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            MaybeDoneState::Future(_) => "running",
            MaybeDoneState::Done(_) => "done",
            MaybeDoneState::Gone => "taken",
        };
        f.debug_struct("MaybeDone").field("state", &state).finish()
    }
}

impl<F: Future> MaybeDone<F> {
    /// Wraps a future that has not finished yet.
    ///
    /// ```
    /// let slot = corio::MaybeDone::new(async { 1 });
    /// assert!(!slot.is_done());
    /// ```
    pub fn new(future: F) -> MaybeDone<F> {
        MaybeDone {
            state: MaybeDoneState::Future(future),
        }
    }

    /// True once the future has finished and its output not yet taken.
    ///
    /// ```
    /// use std::pin::pin;
    /// corio::run(async {
    ///     let mut slot = pin!(corio::MaybeDone::new(async {}));
    ///     slot.as_mut().await;
    ///     assert!(slot.is_done());
    /// });
    /// ```
    pub fn is_done(&self) -> bool {
        matches!(self.state, MaybeDoneState::Done(_))
    }

    /// The output, once (`None` before the future finished or after it was taken).
    ///
    /// ```
    /// use std::pin::pin;
    /// let mut slot = pin!(corio::MaybeDone::new(async { 1 }));
    /// assert_eq!(slot.as_mut().take_output(), None); // not polled yet
    /// ```
    pub fn take_output(self: Pin<&mut Self>) -> Option<F::Output> {
        // SAFETY: the future (pinned) is only dropped in place here or moved
        // never; the output is not pinned, so moving it out is fine.
        let this = unsafe { self.get_unchecked_mut() };
        match &this.state {
            MaybeDoneState::Done(_) => {}
            _ => return None,
        }
        match std::mem::replace(&mut this.state, MaybeDoneState::Gone) {
            MaybeDoneState::Done(output) => Some(output),
            _ => unreachable!(),
        }
    }
}

impl<F: Future> Future for MaybeDone<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the future inside is structurally pinned: it is polled in
        // place and replaced (dropped in place) once it has finished.
        let this = unsafe { self.get_unchecked_mut() };
        match &mut this.state {
            MaybeDoneState::Future(future) => {
                // SAFETY: see above; `this` is pinned, so is the future in it.
                let future = unsafe { Pin::new_unchecked(future) };
                let output = std::task::ready!(future.poll(cx));
                this.state = MaybeDoneState::Done(output);
                Poll::Ready(())
            }
            MaybeDoneState::Done(_) => Poll::Ready(()),
            MaybeDoneState::Gone => panic!("MaybeDone polled after its output was taken"),
        }
    }
}

/// The future of [`join!`](crate::join!): a tuple of [`MaybeDone`]s polled
/// together in place; gives the tuple of outputs. It is a future for tuples
/// of 1 to 12 `MaybeDone`s.
///
/// ```
/// corio::run(async {
///     let j = corio::JoinTuple::new((corio::MaybeDone::new(async { 1 }), corio::MaybeDone::new(async { 2 })));
///     assert_eq!(j.await, (1, 2));
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct JoinTuple<T> {
    futures: T,
}

impl<T> JoinTuple<T> {
    /// Joins a tuple of [`MaybeDone`]s (what [`join!`](crate::join!) writes for you).
    ///
    /// ```
    /// corio::run(async {
    ///     let j = corio::JoinTuple::new((corio::MaybeDone::new(async { "one" }),));
    ///     assert_eq!(j.await, ("one",));
    /// });
    /// ```
    pub fn new(futures: T) -> JoinTuple<T> {
        JoinTuple { futures }
    }
}

macro_rules! tuple_impls {
    ($( ($($T:ident $v:ident $i:tt),+) )+) => {$(
        impl<$($T),+> GatherTuple for ($($T,)+)
        where
            $($T: Future + Send + 'static, $T::Output: Send + 'static,)+
        {
            type Output = ($($T::Output,)+);

            #[track_caller]
            fn spawn_boxed(self) -> Gather<Box<dyn Any + Send>> {
                let ($($v,)+) = self;
                let mut inner = Ordered::new(0, never, Ok);
                $(inner.spawn(async move { Box::new($v.await) as Box<dyn Any + Send> });)+
                Gather { inner }
            }

            fn unbox(outputs: Vec<Box<dyn Any + Send>>) -> Self::Output {
                let mut outputs = outputs.into_iter();
                ($(unbox_next::<$T::Output>(&mut outputs),)+)
            }
        }

        impl<$($T: Future),+> Future for JoinTuple<($(MaybeDone<$T>,)+)> {
            type Output = ($($T::Output,)+);

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                // SAFETY: the `MaybeDone`s are structurally pinned: `JoinTuple`
                // never moves them (no `Drop`, no `&mut` handed out).
                let this = unsafe { self.get_unchecked_mut() };
                let mut all_done = true;
                $(
                    // SAFETY: as above.
                    let slot = unsafe { Pin::new_unchecked(&mut this.futures.$i) };
                    all_done &= slot.poll(cx).is_ready();
                )+
                if !all_done {
                    return Poll::Pending;
                }
                Poll::Ready(($(
                    // SAFETY: as above.
                    unsafe { Pin::new_unchecked(&mut this.futures.$i) }
                        .take_output()
                        .expect("JoinTuple polled after it returned"),
                )+))
            }
        }
    )+};
}

tuple_impls! {
    (A a 0)
    (A a 0, B b 1)
    (A a 0, B b 1, C c 2)
    (A a 0, B b 1, C c 2, D d 3)
    (A a 0, B b 1, C c 2, D d 3, E e 4)
    (A a 0, B b 1, C c 2, D d 3, E e 4, F f 5)
    (A a 0, B b 1, C c 2, D d 3, E e 4, F f 5, G g 6)
    (A a 0, B b 1, C c 2, D d 3, E e 4, F f 5, G g 6, H h 7)
    (A a 0, B b 1, C c 2, D d 3, E e 4, F f 5, G g 6, H h 7, I i 8)
    (A a 0, B b 1, C c 2, D d 3, E e 4, F f 5, G g 6, H h 7, I i 8, J j 9)
    (A a 0, B b 1, C c 2, D d 3, E e 4, F f 5, G g 6, H h 7, I i 8, J j 9, K k 10)
    (A a 0, B b 1, C c 2, D d 3, E e 4, F f 5, G g 6, H h 7, I i 8, J j 9, K k 10, L l 11)
}

/// The future of [`join_all`]: every output, in input order.
///
/// ```
/// corio::run(async {
///     let j: corio::JoinAll<_> = corio::join_all((1..=2).map(|i| async move { i }));
///     assert_eq!(j.await, [1, 2]);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct JoinAll<F: Future> {
    slots: Pin<Box<[MaybeDone<F>]>>,
}

impl<F: Future> fmt::Debug for JoinAll<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinAll")
            .field("futures", &self.slots.len())
            .finish()
    }
}

/// Polls every future in place on the current task (no spawning, so they
/// may be non-`Send` and borrow local data) and gives their outputs in input
/// order once all are done.
///
/// Every unfinished future is polled on each wake-up, so a wake costs O(n):
/// right for tens of futures; for thousands, [`gather`] (which spawns) is
/// O(n) overall. Nothing is cancelled on a panic: it unwinds out of the poll.
///
/// ```
/// use std::cell::Cell;
/// corio::run(async {
///     let count = Cell::new(0); // borrowed by every future, not Send
///     let futures = (0..3).map(|i| {
///         let count = &count;
///         async move { count.set(count.get() + 1); i }
///     });
///     assert_eq!(corio::join_all(futures).await, [0, 1, 2]);
///     assert_eq!(count.get(), 3);
/// });
/// ```
pub fn join_all<I>(futures: I) -> JoinAll<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    JoinAll {
        slots: Box::into_pin(futures.into_iter().map(MaybeDone::new).collect()),
    }
}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: the slots stay in their pinned box; we only pin each in place.
        let slots = unsafe { self.get_mut().slots.as_mut().get_unchecked_mut() };
        let mut all_done = true;
        for slot in slots.iter_mut() {
            // SAFETY: as above: the slot lives in the pinned box.
            all_done &= unsafe { Pin::new_unchecked(slot) }.poll(cx).is_ready();
        }
        if !all_done {
            return Poll::Pending;
        }
        Poll::Ready(
            slots
                .iter_mut()
                .map(|slot| {
                    // SAFETY: as above.
                    unsafe { Pin::new_unchecked(slot) }
                        .take_output()
                        .expect("JoinAll polled after it returned")
                })
                .collect(),
        )
    }
}
