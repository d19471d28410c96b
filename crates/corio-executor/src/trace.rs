//! The `tracing` feature's hooks: every span and event the executor emits is
//! made here, so the call sites in the harness stay one line each.
//!
//! Everything is under target `corio::task`:
//!
//! | what | level | fields |
//! | --- | --- | --- |
//! | span `task` (one per task, entered around each poll) | DEBUG | `task.id`, `task.name`, `task.parent`, `task.kind` (`task` or `blocking`) |
//! | event `spawn` | DEBUG | (in the task's span) |
//! | event `poll` (after each poll) | TRACE | `outcome`: `pending`, `ready` or `panicked` |
//! | event `wake` | TRACE | (in the task's span) |
//! | event `cancel` (requested through the handle) | DEBUG | |
//! | event `complete` | DEBUG | `outcome`: `ok`, `cancelled` or `panicked` |
//! | event `slow poll` (debug mode) | WARN | `duration`, `threshold` |
//! | event `unhandled panic` | ERROR | `task.id`, `task.name`, `error` |
//!
//! Task spans have no parent span (a parent's span would otherwise live as long
//! as its longest-lived descendant); the spawning task is the `task.parent` field.

use tracing::{Level, Span};

use crate::task::{TaskError, TaskId};

/// The target of every span and event of the executor.
pub(crate) const TARGET: &str = "corio::task";

/// The span of a new task (disabled, and nearly free, without a subscriber).
pub(crate) fn task_span(
    id: TaskId,
    name: Option<&str>,
    parent: Option<TaskId>,
    kind: &'static str,
) -> Span {
    tracing::span!(
        target: TARGET,
        parent: None,
        Level::DEBUG,
        "task",
        task.id = id.as_u64(),
        task.name = name,
        task.parent = parent.map(TaskId::as_u64),
        task.kind = kind,
    )
}

pub(crate) fn spawn(span: &Span) {
    tracing::debug!(target: TARGET, parent: span, "spawn");
}

/// Called inside the task's entered span.
pub(crate) fn poll(outcome: &'static str) {
    tracing::trace!(target: TARGET, outcome, "poll");
}

pub(crate) fn wake(span: &Span) {
    tracing::trace!(target: TARGET, parent: span, "wake");
}

pub(crate) fn cancel(span: &Span) {
    tracing::debug!(target: TARGET, parent: span, "cancel");
}

pub(crate) fn complete(span: &Span, outcome: &'static str) {
    tracing::debug!(target: TARGET, parent: span, outcome, "complete");
}

/// Called inside the task's entered span.
pub(crate) fn slow_poll(duration: std::time::Duration, threshold: std::time::Duration) {
    tracing::warn!(
        target: TARGET,
        ?duration,
        ?threshold,
        "slow poll: the task held its worker longer than the threshold; move blocking calls to \
         spawn_blocking"
    );
}

/// True if a subscriber listens to slow-poll events (else the report goes to stderr).
pub(crate) fn slow_poll_enabled() -> bool {
    tracing::enabled!(target: TARGET, Level::WARN)
}

/// Reports a panic nobody awaited through `tracing`; false if no subscriber
/// listens (the caller then reports it on stderr).
pub(crate) fn unhandled_panic(error: &TaskError) -> bool {
    if !tracing::enabled!(target: TARGET, Level::ERROR) {
        return false;
    }
    tracing::event!(
        target: TARGET,
        Level::ERROR,
        task.id = error.id().as_u64(),
        task.name = error.name(),
        %error,
        "unhandled panic (nobody awaited this task)"
    );
    true
}
