//! Cooperative budget: a task that keeps finding its resources ready is made
//! to yield after a while, so it cannot starve the other tasks on its worker.
//!
//! Every task poll on a worker starts with [`INITIAL`] units. Each operation on
//! a corio resource (a join, a channel receive, a socket read...) calls
//! [`poll_proceed`] first; when the budget is spent, the operation returns
//! `Pending` after waking the task, which goes to the back of the run queue.
//! Outside a task poll (for example in `block_on`'s main future) the budget is
//! unlimited. The other corio crates consume it through this module.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Units of budget a task gets per poll (tokio uses the same figure).
pub const INITIAL: u8 = 128;

thread_local! {
    static BUDGET: Cell<Option<u8>> = const { Cell::new(None) };
}

/// Spends one unit of the current task's budget, or, when it is spent, wakes
/// the task and returns `Pending` so it yields.
///
/// Call it at the start of a resource operation's `poll`; if the operation then
/// returns `Pending` without making progress, call [`refund`].
///
/// # Example
///
/// ```
/// use std::task::{Context, Poll};
/// fn poll_next_item(cx: &mut Context<'_>) -> Poll<u32> {
///     std::task::ready!(corio_executor::budget::poll_proceed(cx));
///     Poll::Ready(7)
/// }
/// # let waker = std::task::Waker::noop();
/// # assert_eq!(poll_next_item(&mut Context::from_waker(&waker)), Poll::Ready(7));
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    BUDGET.with(|budget| match budget.get() {
        None => Poll::Ready(()),
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            budget.set(Some(n - 1));
            Poll::Ready(())
        }
    })
}

/// Gives back the unit taken by [`poll_proceed`] when the operation made no progress.
///
/// ```
/// corio_executor::budget::refund(); // harmless outside a task
/// ```
pub fn refund() {
    BUDGET.with(|budget| {
        if let Some(n) = budget.get() {
            budget.set(Some(n.saturating_add(1).min(INITIAL)));
        }
    });
}

/// True if the current task may still do work before it has to yield
/// (always true outside a task poll).
///
/// ```
/// assert!(corio_executor::budget::has_remaining());
/// ```
pub fn has_remaining() -> bool {
    BUDGET.with(|budget| budget.get() != Some(0))
}

/// Spends one unit of budget, yielding if it is spent. Put it in a long loop
/// that touches no corio resource to keep the task cooperative.
///
/// ```
/// # let rt = corio_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     for _ in 0..1000 {
///         corio_executor::budget::consume_budget().await;
///     }
/// });
/// ```
pub async fn consume_budget() {
    std::future::poll_fn(poll_proceed).await
}

/// Runs `future` with no budget: its resource operations never force a yield.
///
/// ```
/// # let rt = corio_executor::Runtime::new().unwrap();
/// let value = rt.block_on(corio_executor::budget::unconstrained(async { 5 }));
/// assert_eq!(value, 5);
/// ```
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained { future }
}

/// The future returned by [`unconstrained`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Unconstrained<F> {
    future: F,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of `self`.
        let future = unsafe { self.map_unchecked_mut(|s| &mut s.future) };
        let _restore = Scoped::set(None);
        future.poll(cx)
    }
}

/// Sets the budget for a scope and restores the previous one on drop.
pub(crate) struct Scoped(Option<u8>);

impl Scoped {
    pub(crate) fn set(budget: Option<u8>) -> Scoped {
        Scoped(BUDGET.with(|b| b.replace(budget)))
    }
}

impl Drop for Scoped {
    fn drop(&mut self) {
        BUDGET.with(|b| b.set(self.0));
    }
}
