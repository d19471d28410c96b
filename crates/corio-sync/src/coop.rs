//! The cooperative budget, when corio-sync runs on corio.
//!
//! With the `budget` feature (the `corio` facade turns it on), an operation
//! that would complete at once (a `get` on a non-empty queue, an `acquire` of
//! a free permit) first spends a unit of the corio task's budget, so a task
//! that always finds its queue full of items still yields now and then and
//! cannot starve the tasks queued behind it on its worker. Outside a corio
//! task, and without the feature, it costs nothing.

#[cfg(feature = "budget")]
pub(crate) use corio_executor::budget::poll_proceed;

#[cfg(not(feature = "budget"))]
#[inline(always)]
pub(crate) fn poll_proceed(_cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
    std::task::Poll::Ready(())
}
