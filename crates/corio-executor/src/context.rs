//! Which runtime the current thread belongs to.
//!
//! Worker threads, blocking-pool threads and threads inside
//! [`Runtime::block_on`](crate::Runtime::block_on) carry the runtime's
//! [`Handle`] in a thread-local, so `spawn` and friends need no handle argument.
//! Workers and `block_on` threads also count as *async* threads: blocking on a
//! runtime there would deadlock, so it is refused with a clear message.

use std::cell::{Cell, RefCell};
use std::fmt;

use crate::runtime::Handle;

thread_local! {
    static HANDLE: RefCell<Option<Handle>> = const { RefCell::new(None) };
    static IN_ASYNC: Cell<bool> = const { Cell::new(false) };
}

/// The error for asking for the current runtime on a thread that has none.
///
/// # Example
///
/// ```
/// let err = corio_executor::Handle::try_current().unwrap_err();
/// assert!(err.to_string().contains("no corio runtime"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRuntime(());

impl fmt::Display for NoRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "no corio runtime is running on this thread: call this from inside `corio::run(...)`, \
             a task, or `Runtime::block_on`; or keep a `Handle` (from `Handle::current()` or \
             `runtime.handle()`) and call `handle.spawn(...)`, or `handle.enter()` first",
        )
    }
}

impl std::error::Error for NoRuntime {}

/// Restores the thread's previous runtime context when dropped.
///
/// Returned by [`Handle::enter`]; keep it alive for as long as the thread should
/// count as inside the runtime.
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// std::thread::spawn(move || {
///     let _guard = handle.enter();
///     let task = corio_executor::spawn(async { 1 }); // finds the runtime
///     drop(task);
/// }).join().unwrap();
/// ```
#[must_use = "the context is left as soon as the guard is dropped"]
pub struct EnterGuard {
    previous_handle: Option<Handle>,
    previous_async: bool,
    // Context is per thread: the guard must be dropped where it was made.
    _not_send: std::marker::PhantomData<*const ()>,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous_handle.take();
        HANDLE.with(|h| *h.borrow_mut() = previous);
        IN_ASYNC.with(|a| a.set(self.previous_async));
    }
}

fn enter(handle: &Handle, is_async: bool) -> EnterGuard {
    let previous_handle = HANDLE.with(|h| h.borrow_mut().replace(handle.clone()));
    let previous_async = IN_ASYNC.with(|a| a.replace(is_async || a.get()));
    EnterGuard {
        previous_handle,
        previous_async,
        _not_send: std::marker::PhantomData,
    }
}

/// Enter `handle`'s runtime on a thread that will run async code (a worker or
/// `block_on`). Panics if the thread already runs async code.
pub(crate) fn enter_async(handle: &Handle, what: &str) -> EnterGuard {
    if IN_ASYNC.with(|a| a.get()) {
        panic!(
            "{what} was called from a thread that is already running async code (inside a task \
             or another `block_on`/`corio::run`), which would block that thread: `.await` the \
             future instead, or move the blocking call to `spawn_blocking`"
        );
    }
    enter(handle, true)
}

/// Enter `handle`'s runtime on a thread that may block (the blocking pool, user threads).
pub(crate) fn enter_blocking(handle: &Handle) -> EnterGuard {
    enter(handle, false)
}

/// Calls `f` with the current runtime's handle.
pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> Result<R, NoRuntime> {
    HANDLE.with(|h| match &*h.borrow() {
        Some(handle) => Ok(f(handle)),
        None => Err(NoRuntime(())),
    })
}
