//! The `Waker` of a task: one reference to the task behind a `RawWaker`.
//!
//! One vtable serves every task: it only needs the header, whose own vtable
//! knows how to schedule and free the typed task.

use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::RawTask;
use super::cell::{self, Header};
use super::state::Wake;

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake_by_val, wake_by_ref, drop_waker);

/// A waker that borrows a reference the caller holds; wrap it in
/// `ManuallyDrop` so dropping it does not release that reference.
pub(super) fn borrowed(raw: RawTask) -> Waker {
    // SAFETY: the vtable's functions treat the data pointer as a task header
    // with one reference, which the caller keeps alive while the waker is used.
    unsafe {
        Waker::from_raw(RawWaker::new(
            raw.header_ptr().as_ptr() as *const (),
            &VTABLE,
        ))
    }
}

fn raw(data: *const ()) -> RawTask {
    // SAFETY: every waker made here carries a non-null header pointer.
    RawTask::from_header(unsafe { NonNull::new_unchecked(data as *mut Header) })
}

unsafe fn clone(data: *const ()) -> RawWaker {
    raw(data).header().state.ref_inc();
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake_by_val(data: *const ()) {
    let task = raw(data);
    #[cfg(feature = "tracing")]
    crate::trace::wake(&cell::trailer(task).meta.span);
    match task.header().state.transition_to_notified_by_val() {
        Wake::Nothing => {}
        // SAFETY: the waker's reference was the last.
        Wake::Dealloc => unsafe { cell::dealloc(task) },
        // SAFETY: the waker's reference becomes the queued one; NOTIFIED is set.
        Wake::Submit => unsafe { cell::schedule(task) },
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    let task = raw(data);
    #[cfg(feature = "tracing")]
    crate::trace::wake(&cell::trailer(task).meta.span);
    match task.header().state.transition_to_notified_by_ref() {
        Wake::Nothing | Wake::Dealloc => {}
        // SAFETY: the transition took a new reference for the queue; NOTIFIED is set.
        Wake::Submit => unsafe { cell::schedule(task) },
    }
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: the waker owns one reference.
    unsafe { cell::drop_reference(raw(data)) }
}
