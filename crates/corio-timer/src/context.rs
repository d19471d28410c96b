//! The thread-local "current timer" and the thread's shard hint.

use crate::loom::{NEXT_SHARD_HINT, thread_local_const};
use crate::timer::TimerHandle;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::sync::atomic::Ordering;

/// Panic message when a timer is needed and none is in context.
pub(crate) const NO_TIMER: &str = "no corio timer in this thread's context: timer futures \
    (sleep, timeout, interval) must be polled, and pause/advance/resume called, from inside \
    a corio runtime (corio::run / Runtime::block_on), or from a thread that entered one \
    with TimerHandle::enter";

/// Unassigned shard hint.
const NO_HINT: u32 = u32::MAX;

struct Context {
    handle: RefCell<Option<TimerHandle>>,
    shard_hint: Cell<u32>,
}

thread_local_const! {
    static CONTEXT: Context = Context {
        handle: RefCell::new(None),
        shard_hint: Cell::new(NO_HINT),
    };
}

/// Calls `f` with the current timer (if any) and this thread's shard hint.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<(&TimerHandle, u32)>) -> R) -> R {
    let mut f = Some(f);
    let res = CONTEXT.try_with(|ctx| {
        let handle = ctx.handle.borrow();
        let f = f.take().expect("called once");
        match handle.as_ref() {
            Some(h) => {
                let mut hint = ctx.shard_hint.get();
                if hint == NO_HINT {
                    hint = NEXT_SHARD_HINT.fetch_add(1, Ordering::Relaxed) & (NO_HINT >> 1);
                    ctx.shard_hint.set(hint);
                }
                f(Some((h, hint)))
            }
            None => f(None),
        }
    });
    match res {
        Ok(r) => r,
        // The thread-local is being destroyed (thread exit): no context.
        Err(_) => (f.take().expect("called once"))(None),
    }
}

/// Installs `handle` as the current timer; returns the previous one.
pub(crate) fn set_current(handle: Option<TimerHandle>) -> Option<TimerHandle> {
    CONTEXT
        .try_with(|ctx| ctx.handle.replace(handle))
        .ok()
        .flatten()
}

/// Makes a timer the current one on this thread until dropped (then the
/// previous one, if any, is current again). Returned by
/// [`TimerHandle::enter`]. Guards must be dropped in the reverse order of
/// their creation, on the thread that made them (the guard is `!Send`).
///
/// # Example
///
/// ```
/// use corio_timer::{Timer, TimerHandle};
///
/// let timer = Timer::new();
/// assert!(TimerHandle::try_current().is_none());
/// {
///     let _guard = timer.enter();
///     assert!(TimerHandle::try_current().is_some());
/// }
/// assert!(TimerHandle::try_current().is_none());
/// ```
#[must_use = "the timer is current only while the guard lives"]
#[derive(Debug)]
pub struct EnterGuard {
    prev: Option<TimerHandle>,
    /// `!Send`: the guard restores this thread's context.
    _not_send: PhantomData<*const ()>,
}

impl EnterGuard {
    pub(crate) fn new(handle: TimerHandle) -> Self {
        EnterGuard {
            prev: set_current(Some(handle)),
            _not_send: PhantomData,
        }
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        set_current(self.prev.take());
    }
}
