//! The task allocation, its vtable, and the harness: the code that polls,
//! completes, cancels and frees a task.
//!
//! Layout (`repr(C)`, one allocation):
//!
//! ```text
//! Header  | state word, vtable, id                  (hot, 24 bytes)
//! S       | the scheduler the task belongs to       (an Arc: 8 bytes)
//! Stage   | Running(F) | Finished(output) | Consumed (the future, then its output, in place)
//! Trailer | registry links, join waker, metadata    (cold)
//! ```
//!
//! Who may touch what:
//! * the stage belongs to the thread that set `RUNNING` until it sets `COMPLETE`;
//!   after that, to the `Task<T>` handle if `JOIN_INTEREST` was set at completion,
//!   otherwise to the completing thread;
//! * the join waker belongs to the handle while `JOIN_WAKER` is clear and the task
//!   is not complete; once `JOIN_WAKER` is set the handle only reads it and the
//!   runtime reads it (to wake it) after completion; it is dropped on deallocation
//!   or by the handle while it owns it;
//! * the registry links belong to whoever holds the registry shard's lock;
//! * the metadata is written before the task is shared and never again.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::error::TaskError;
use super::state::{State, ToIdle, ToRunning};
use super::{Notified, OwnedRef, RawTask, Schedule, TaskId, TaskMeta, waker};
use crate::loom::{AtomicU64, Ordering, UnsafeCell};

/// The hot part of every task, at offset 0 of the allocation.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    pub(crate) id: TaskId,
}

/// Per-(future, scheduler) functions, so untyped pointers can drive typed tasks.
pub(crate) struct Vtable {
    poll: unsafe fn(RawTask),
    schedule: unsafe fn(RawTask),
    dealloc: unsafe fn(RawTask),
    try_read_output: unsafe fn(RawTask, *mut (), &Waker),
    poll_finished: unsafe fn(RawTask, &Waker) -> bool,
    peek_output: unsafe fn(RawTask) -> *const (),
    drop_join_handle: unsafe fn(RawTask),
    shutdown: unsafe fn(RawTask),
    trailer_offset: usize,
}

/// The cold part of every task.
pub(crate) struct Trailer {
    pub(crate) links: UnsafeCell<Links>,
    waker: UnsafeCell<Option<Waker>>,
    pub(crate) meta: TaskMeta,
    /// Written only by the thread that owns the future; read by anyone.
    pub(crate) polls: AtomicU64,
    /// Nanoseconds spent in polls, measured in debug mode only (same writer rule).
    pub(crate) busy_nanos: AtomicU64,
}

/// A task's place in a registry shard's intrusive list.
#[derive(Default)]
pub(crate) struct Links {
    pub(crate) prev: Option<NonNull<Header>>,
    pub(crate) next: Option<NonNull<Header>>,
    pub(crate) linked: bool,
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, TaskError>),
    Consumed,
}

#[repr(C)]
struct Cell<F: Future, S> {
    header: Header,
    scheduler: S,
    stage: UnsafeCell<Stage<F>>,
    trailer: Trailer,
}

/// Allocates a task. It starts queued (`NOTIFIED`) with `refs` references;
/// `JOIN_INTEREST` is set (the caller builds the handle from one reference).
pub(crate) fn allocate<F, S>(
    future: F,
    scheduler: S,
    id: TaskId,
    meta: TaskMeta,
    refs: usize,
) -> RawTask
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let cell = Box::new(Cell {
        header: Header {
            state: State::new(refs, true),
            vtable: vtable::<F, S>(),
            id,
        },
        scheduler,
        stage: UnsafeCell::new(Stage::Running(future)),
        trailer: Trailer {
            links: UnsafeCell::new(Links::default()),
            waker: UnsafeCell::new(None),
            meta,
            polls: AtomicU64::new(0),
            busy_nanos: AtomicU64::new(0),
        },
    });
    let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
    RawTask::from_header(ptr)
}

fn vtable<F, S>() -> &'static Vtable
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    &const {
        Vtable {
            poll: poll_impl::<F, S>,
            schedule: schedule_impl::<F, S>,
            dealloc: dealloc_impl::<F, S>,
            try_read_output: try_read_output_impl::<F, S>,
            poll_finished: poll_finished_impl::<F, S>,
            peek_output: peek_output_impl::<F, S>,
            drop_join_handle: drop_join_handle_impl::<F, S>,
            shutdown: shutdown_impl::<F, S>,
            trailer_offset: std::mem::offset_of!(Cell<F, S>, trailer),
        }
    }
}

// ----- untyped entry points (used through `RawTask`) -------------------------

/// Polls the task, consuming one queued reference.
///
/// # Safety
/// The caller owns one reference and the `NOTIFIED` bit on its behalf.
pub(crate) unsafe fn poll(raw: RawTask) {
    // SAFETY: forwarded contract.
    unsafe { (raw.header().vtable.poll)(raw) }
}

/// Queues the task, handing over one reference.
///
/// # Safety
/// The caller owns one reference and set `NOTIFIED` on its behalf.
pub(crate) unsafe fn schedule(raw: RawTask) {
    // SAFETY: forwarded contract.
    unsafe { (raw.header().vtable.schedule)(raw) }
}

/// Drops one reference, freeing the task if it was the last.
///
/// # Safety
/// The caller owns one reference.
pub(crate) unsafe fn drop_reference(raw: RawTask) {
    if raw.header().state.ref_dec() {
        // SAFETY: that was the last reference.
        unsafe { (raw.header().vtable.dealloc)(raw) }
    }
}

/// Frees the task.
///
/// # Safety
/// No reference remains.
pub(crate) unsafe fn dealloc(raw: RawTask) {
    // SAFETY: forwarded contract.
    unsafe { (raw.header().vtable.dealloc)(raw) }
}

/// Writes `Poll::Ready(output)` to `dst` if the task is complete, else registers `waker`.
///
/// # Safety
/// The caller is the task's handle, and `dst` points to a
/// `Poll<Result<T, TaskError>>` of the task's output type.
pub(crate) unsafe fn try_read_output(raw: RawTask, dst: *mut (), waker: &Waker) {
    // SAFETY: forwarded contract.
    unsafe { (raw.header().vtable.try_read_output)(raw, dst, waker) }
}

/// True if the task is complete (its output untouched); otherwise registers `waker`.
///
/// # Safety
/// The caller is the task's handle.
pub(crate) unsafe fn poll_finished(raw: RawTask, waker: &Waker) -> bool {
    // SAFETY: forwarded contract.
    unsafe { (raw.header().vtable.poll_finished)(raw, waker) }
}

/// A pointer to the finished `Result<T, TaskError>`, or null if the task is
/// not complete or its output was taken.
///
/// # Safety
/// The caller is the task's handle, holds it exclusively while it uses the
/// pointer, and reads it as the task's output type.
pub(crate) unsafe fn peek_output(raw: RawTask) -> *const () {
    // SAFETY: forwarded contract.
    unsafe { (raw.header().vtable.peek_output)(raw) }
}

/// The handle is gone: give up join interest and the handle's reference.
///
/// # Safety
/// The caller is the task's handle and is being dropped.
pub(crate) unsafe fn drop_join_handle(raw: RawTask) {
    // SAFETY: forwarded contract.
    unsafe { (raw.header().vtable.drop_join_handle)(raw) }
}

/// Cancels the task in place if no thread owns its future, consuming one reference.
///
/// # Safety
/// The caller owns one reference.
pub(crate) unsafe fn shutdown(raw: RawTask) {
    // SAFETY: forwarded contract.
    unsafe { (raw.header().vtable.shutdown)(raw) }
}

/// The cold part of the task.
pub(crate) fn trailer(raw: RawTask) -> &'static Trailer {
    let header = raw.header();
    // SAFETY: `trailer_offset` is the offset of the trailer in this task's
    // `Cell`, so the pointer is in bounds and aligned. The `'static` is a lie
    // told to the caller, who must not keep the reference past its own
    // reference to the task (all callers are crate-internal and do not).
    unsafe {
        &*raw
            .header_ptr()
            .cast::<u8>()
            .as_ptr()
            .add(header.vtable.trailer_offset)
            .cast::<Trailer>()
    }
}

// ----- typed implementations -------------------------------------------------

fn cell<F: Future, S>(raw: RawTask) -> &'static Cell<F, S> {
    // SAFETY: the vtable that led here was made for exactly this `Cell<F, S>`,
    // whose header is at offset 0 (`repr(C)`); the caller holds a reference so
    // the allocation is live (the `'static` does not escape the harness).
    unsafe { raw.header_ptr().cast::<Cell<F, S>>().as_ref() }
}

thread_local! {
    static CURRENT_TASK: std::cell::Cell<Option<TaskId>> = const { std::cell::Cell::new(None) };
}

/// The id of the task being polled on this thread, if any.
pub(crate) fn current_task_id() -> Option<TaskId> {
    CURRENT_TASK.with(|c| c.get())
}

unsafe fn poll_impl<F, S>(raw: RawTask)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let cell = cell::<F, S>(raw);
    match cell.header.state.transition_to_running() {
        ToRunning::Skip => {
            // SAFETY: we own the queued reference.
            unsafe { drop_reference(raw) }
        }
        ToRunning::Cancel => {
            cancel_future(cell);
            complete(raw, cell, 1);
        }
        ToRunning::Poll => {
            // The waker borrows the queued reference for the duration of the poll.
            let waker = ManuallyDrop::new(waker::borrowed(raw));
            let mut cx = Context::from_waker(&waker);
            let previous = CURRENT_TASK.with(|c| c.replace(Some(cell.header.id)));
            let threshold = cell.scheduler.slow_poll_threshold();
            let started = threshold.map(|_| std::time::Instant::now());
            #[cfg(feature = "tracing")]
            let entered = cell.trailer.meta.span.enter();
            let result = catch_unwind(AssertUnwindSafe(|| {
                cell.stage.with_mut(|stage| {
                    // SAFETY: RUNNING is ours, so is the stage.
                    match unsafe { &mut *stage } {
                        Stage::Running(future) => {
                            // SAFETY: the future never moves: it lives in the
                            // heap cell until it is dropped in place.
                            unsafe { std::pin::Pin::new_unchecked(future) }.poll(&mut cx)
                        }
                        _ => unreachable!("a running task has a future"),
                    }
                })
            }));
            CURRENT_TASK.with(|c| c.set(previous));
            #[cfg(feature = "tracing")]
            crate::trace::poll(match &result {
                Ok(Poll::Pending) => "pending",
                Ok(Poll::Ready(_)) => "ready",
                Err(_) => "panicked",
            });
            if let (Some(threshold), Some(started)) = (threshold, started) {
                let duration = started.elapsed();
                let busy = &cell.trailer.busy_nanos;
                let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
                busy.store(
                    busy.load(Ordering::Relaxed).saturating_add(nanos),
                    Ordering::Relaxed,
                );
                if duration >= threshold {
                    #[cfg(feature = "tracing")]
                    crate::trace::slow_poll(duration, threshold);
                    cell.scheduler.slow_poll(&super::SlowPoll {
                        id: cell.header.id,
                        name: cell.trailer.meta.name.clone(),
                        duration,
                        threshold,
                    });
                }
            }
            #[cfg(feature = "tracing")]
            drop(entered);
            let polls = &cell.trailer.polls;
            polls.store(polls.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            match result {
                Ok(Poll::Ready(output)) => {
                    // Dropping a finished future cannot panic: the future value is
                    // dropped, but its state machine is already at its end.
                    let _ = set_stage(cell, Stage::Finished(Ok(output)));
                    complete(raw, cell, 1);
                }
                Err(payload) => {
                    // The poll's panic is the outcome; a second panic while
                    // dropping the broken future is swallowed.
                    let error = TaskError::panicked(
                        cell.header.id,
                        cell.trailer.meta.name.clone(),
                        payload,
                    );
                    let _ = set_stage(cell, Stage::Consumed);
                    let _ = set_stage(cell, Stage::Finished(Err(error)));
                    complete(raw, cell, 1);
                }
                Ok(Poll::Pending) => match cell.header.state.transition_to_idle() {
                    ToIdle::Idle => {}
                    // SAFETY: that was the last reference.
                    ToIdle::IdleDealloc => unsafe { dealloc(raw) },
                    ToIdle::Reschedule => {
                        // SAFETY: the queued reference is handed back to the queue, NOTIFIED is set.
                        cell.scheduler.yield_now(unsafe { Notified::from_raw(raw) })
                    }
                    ToIdle::Cancel => {
                        cancel_future(cell);
                        complete(raw, cell, 1);
                    }
                },
            }
        }
    }
}

/// Replaces the stage (the caller owns it), dropping the old value; a panic
/// while dropping it comes back as an error for the task's result.
fn set_stage<F: Future, S>(cell: &Cell<F, S>, stage: Stage<F>) -> Result<(), TaskError> {
    // SAFETY: the caller owns the stage (see the module docs).
    let old = cell
        .stage
        .with_mut(|p| unsafe { std::mem::replace(&mut *p, stage) });
    catch_unwind(AssertUnwindSafe(move || drop(old))).map_err(|payload| {
        TaskError::panicked(cell.header.id, cell.trailer.meta.name.clone(), payload)
    })
}

/// Drops the future of a cancelled task and records the outcome.
fn cancel_future<F: Future, S>(cell: &Cell<F, S>) {
    let outcome = match set_stage(cell, Stage::Consumed) {
        Ok(()) => TaskError::cancelled(cell.header.id, cell.trailer.meta.name.clone()),
        Err(panic_in_drop) => panic_in_drop,
    };
    let _ = set_stage(cell, Stage::Finished(Err(outcome)));
}

/// The stage holds the outcome: leave the registry, publish the outcome, wake
/// the joiner, and drop the registry's reference and `refs` the caller owns.
fn complete<F: Future, S: Schedule>(raw: RawTask, cell: &Cell<F, S>, refs: usize) {
    // Leave the registry first, so that whoever sees the task finish also sees
    // it gone from the live-task count.
    let released = cell.scheduler.release(raw).map_or(0, |owned| {
        std::mem::forget(owned);
        1
    });
    #[cfg(feature = "tracing")]
    trace_complete(cell);
    let snapshot = cell.header.state.transition_to_complete();
    if !snapshot.is_join_interested() {
        // Nobody will read the output; it is ours to drop.
        // SAFETY: without join interest the completing thread owns the stage.
        let old = cell
            .stage
            .with_mut(|p| unsafe { std::mem::replace(&mut *p, Stage::Consumed) });
        if let Stage::Finished(Err(error)) = &old {
            if error.is_panic() {
                cell.scheduler.unhandled_panic(error);
            }
        }
        let _ = catch_unwind(AssertUnwindSafe(move || drop(old)));
    } else if snapshot.is_join_waker_set() {
        cell.trailer.waker.with(|w| {
            // SAFETY: JOIN_WAKER is set and the task is complete: the runtime may
            // read the waker, and the handle does not write it.
            if let Some(waker) = unsafe { &*w } {
                let _ = catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref()));
            }
        });
        cell.header.state.unset_join_waker_after_complete();
    }
    if cell.header.state.ref_dec_many(refs + released) {
        // SAFETY: those were the last references.
        unsafe { dealloc(raw) }
    }
}

/// The `complete` event, with the outcome the stage holds.
#[cfg(feature = "tracing")]
fn trace_complete<F: Future, S>(cell: &Cell<F, S>) {
    // SAFETY: called before COMPLETE is set: the completing thread owns the stage.
    let outcome = cell.stage.with(|p| match unsafe { &*p } {
        Stage::Finished(Ok(_)) => "ok",
        Stage::Finished(Err(e)) if e.is_cancelled() => "cancelled",
        Stage::Finished(Err(_)) => "panicked",
        _ => "unknown",
    });
    crate::trace::complete(&cell.trailer.meta.span, outcome);
}

unsafe fn schedule_impl<F, S>(raw: RawTask)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: the caller hands over a reference and set NOTIFIED.
    cell::<F, S>(raw)
        .scheduler
        .schedule(unsafe { Notified::from_raw(raw) });
}

unsafe fn dealloc_impl<F, S>(raw: RawTask)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let ptr = raw.header_ptr().cast::<Cell<F, S>>().as_ptr();
    // SAFETY: no reference remains, so nobody else can reach the cell; it was
    // made by `Box::new` in `allocate`.
    let cell = unsafe { Box::from_raw(ptr) };
    // A future or output whose destructor panics must not unwind into a waker or the scheduler.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(cell)));
}

unsafe fn try_read_output_impl<F, S>(raw: RawTask, dst: *mut (), waker: &Waker)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let cell = cell::<F, S>(raw);
    if !can_read_output(cell, waker) {
        return;
    }
    // SAFETY: complete with join interest: the handle owns the stage.
    let stage = cell
        .stage
        .with_mut(|p| unsafe { std::mem::replace(&mut *p, Stage::Consumed) });
    let Stage::Finished(output) = stage else {
        panic!("a task's output was read twice (a Task<T> polled after it returned Ready)");
    };
    let dst = dst.cast::<Poll<Result<F::Output, TaskError>>>();
    // SAFETY: the caller passes a pointer to this output type (see `try_read_output`).
    unsafe { *dst = Poll::Ready(output) };
}

unsafe fn poll_finished_impl<F, S>(raw: RawTask, waker: &Waker) -> bool
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    can_read_output(cell::<F, S>(raw), waker)
}

unsafe fn peek_output_impl<F, S>(raw: RawTask) -> *const ()
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let cell = cell::<F, S>(raw);
    if !cell.header.state.load().is_complete() {
        return std::ptr::null();
    }
    // SAFETY: complete with join interest: the stage belongs to the handle,
    // which holds itself exclusively while it reads through this pointer.
    cell.stage.with(|p| match unsafe { &*p } {
        Stage::Finished(output) => output as *const Result<F::Output, TaskError> as *const (),
        _ => std::ptr::null(),
    })
}

/// True if the task is complete; otherwise the handle's waker is registered.
fn can_read_output<F: Future, S>(cell: &Cell<F, S>, waker: &Waker) -> bool {
    let state = &cell.header.state;
    let snapshot = state.load();
    if snapshot.is_complete() {
        return true;
    }
    let result = if snapshot.is_join_waker_set() {
        // SAFETY: with JOIN_WAKER set the handle may read the waker.
        let same = cell
            .trailer
            .waker
            .with(|w| unsafe { (*w).as_ref().is_some_and(|w| w.will_wake(waker)) });
        if same {
            return false;
        }
        state
            .unset_join_waker()
            .and_then(|_| set_join_waker(cell, waker))
    } else {
        set_join_waker(cell, waker)
    };
    match result {
        Ok(_) => false,
        Err(snapshot) => {
            debug_assert!(snapshot.is_complete());
            true
        }
    }
}

fn set_join_waker<F: Future, S>(
    cell: &Cell<F, S>,
    waker: &Waker,
) -> Result<super::state::Snapshot, super::state::Snapshot> {
    // SAFETY: JOIN_WAKER is clear and the task is not complete (or the
    // transition below fails): the handle owns the waker field.
    cell.trailer
        .waker
        .with_mut(|w| unsafe { *w = Some(waker.clone()) });
    let result = cell.header.state.set_join_waker();
    if result.is_err() {
        // Completed meanwhile; the runtime did not see JOIN_WAKER, the field is still ours.
        // SAFETY: as above.
        cell.trailer.waker.with_mut(|w| unsafe { *w = None });
    }
    result
}

unsafe fn drop_join_handle_impl<F, S>(raw: RawTask)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let cell = cell::<F, S>(raw);
    let before = cell.header.state.unset_join_interest();
    if before.is_complete() {
        // The output is ours (join interest was set at completion).
        // SAFETY: see the module docs: the handle owns the stage after completion.
        let old = cell
            .stage
            .with_mut(|p| unsafe { std::mem::replace(&mut *p, Stage::Consumed) });
        if let Stage::Finished(Err(error)) = &old {
            if error.is_panic() {
                cell.scheduler.unhandled_panic(error);
            }
        }
        let _ = catch_unwind(AssertUnwindSafe(move || drop(old)));
    } else {
        // JOIN_WAKER is now clear and the task not complete: the waker is ours.
        // SAFETY: as the comment says.
        let old = cell.trailer.waker.with_mut(|w| unsafe { (*w).take() });
        drop(old);
    }
    // SAFETY: the handle's reference.
    unsafe { drop_reference(raw) }
}

unsafe fn shutdown_impl<F, S>(raw: RawTask)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let cell = cell::<F, S>(raw);
    if cell.header.state.transition_to_shutdown() {
        cancel_future(cell);
        complete(raw, cell, 1);
    } else {
        // SAFETY: the caller's reference.
        unsafe { drop_reference(raw) }
    }
}

/// Turn a queued reference into an owned one (used when a queue is drained at shutdown).
pub(crate) fn notified_into_owned(task: Notified) -> OwnedRef {
    let raw = task_raw(&task);
    std::mem::forget(task);
    // SAFETY: the queued reference moves into the new value.
    unsafe { OwnedRef::from_raw(raw) }
}

fn task_raw(task: &Notified) -> RawTask {
    task.raw
}

#[cfg(all(test, not(loom)))]
mod tests {
    #[test]
    fn header_fits_in_a_cache_line() {
        assert!(std::mem::size_of::<super::Header>() <= 64);
        assert!(
            std::mem::size_of::<super::Header>() <= 24,
            "state, vtable and id only"
        );
    }
}
