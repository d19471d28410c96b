//! The task state word: one `AtomicUsize` that every thread touching a task
//! agrees on.
//!
//! Bits (low to high):
//!
//! | bit | name            | meaning | may not be set when |
//! |-----|-----------------|---------|---------------------|
//! | 0   | `NOTIFIED`      | one `Notified` reference to the task is (or is about to be) in a run queue | - (it stays set after completion, harmlessly) |
//! | 1   | `RUNNING`       | a thread owns the future: it is being polled, or dropped | `COMPLETE` is set |
//! | 2   | `COMPLETE`      | the future is gone; the stage holds the output (or the error) | - |
//! | 3   | `CANCELLED`     | cancellation was requested; the next poller drops the future instead of polling it | - |
//! | 4   | `JOIN_INTEREST` | a `Task<T>` handle is alive and owns the output once `COMPLETE` is set | - |
//! | 5   | `JOIN_WAKER`    | the trailer's join waker is initialised; the handle may not touch it, the runtime may read it (only after `COMPLETE`) | `JOIN_INTEREST` is clear |
//! | 6.. | refcount        | one unit per `Notified`, `Waker`, registry entry and `Task<T>` handle | - |
//!
//! Every transition is one read-modify-write, so a snapshot returned by a
//! transition is what the transition acted on.

use crate::loom::{AtomicUsize, Ordering::*};

const NOTIFIED: usize = 1 << 0;
const RUNNING: usize = 1 << 1;
const COMPLETE: usize = 1 << 2;
const CANCELLED: usize = 1 << 3;
const JOIN_INTEREST: usize = 1 << 4;
const JOIN_WAKER: usize = 1 << 5;
const REF_SHIFT: usize = 6;
const REF_ONE: usize = 1 << REF_SHIFT;

/// The atomic state word of a task.
pub(crate) struct State(AtomicUsize);

/// A copy of the state word, for reading the bits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// What the poller must do after trying to start a poll.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// Poll the future.
    Poll,
    /// Cancellation was requested before the poll: drop the future, complete.
    Cancel,
    /// The task is already complete or owned by another thread: drop the reference.
    Skip,
}

/// What the poller must do after a poll returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// The task waits for a wake; the poller's reference was released.
    Idle,
    /// The task is idle and that was the last reference: deallocate.
    IdleDealloc,
    /// The task was woken during its poll: queue it again with the poller's reference.
    Reschedule,
    /// Cancellation was requested during the poll: drop the future, complete.
    Cancel,
}

/// What a waker must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Nothing to do (already queued, running or complete).
    Nothing,
    /// Nothing to do, and the caller's reference was the last: deallocate.
    Dealloc,
    /// Submit a `Notified` (holding the reference the transition took or kept).
    Submit,
}

/// What `cancel` found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Cancel {
    /// The task already completed; nothing changes.
    AlreadyComplete,
    /// Recorded; the thread that runs the task next drops the future.
    Requested,
    /// Recorded, and the task was idle: submit the `Notified` reference just taken so a worker drops it.
    Submit,
}

impl Snapshot {
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("notified", &self.is_notified())
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}

impl State {
    /// A new task: queued (`NOTIFIED`), with `refs` references, and a handle if `handle`.
    pub(crate) fn new(refs: usize, handle: bool) -> State {
        let join = if handle { JOIN_INTEREST } else { 0 };
        State(AtomicUsize::new((refs * REF_ONE) | NOTIFIED | join))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Acquire))
    }

    fn update<R>(&self, mut f: impl FnMut(Snapshot) -> (Option<usize>, R)) -> (Snapshot, R) {
        let mut current = self.0.load(Acquire);
        loop {
            let (next, result) = f(Snapshot(current));
            let Some(next) = next else {
                return (Snapshot(current), result);
            };
            match self.0.compare_exchange_weak(current, next, AcqRel, Acquire) {
                Ok(_) => return (Snapshot(current), result),
                Err(actual) => current = actual,
            }
        }
    }

    /// A queued reference was popped: take the future for a poll.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.update(|s| {
            debug_assert!(s.is_notified(), "a queued task must be NOTIFIED: {s:?}");
            if s.is_running() || s.is_complete() {
                // Shutdown took the future while this reference was queued.
                return (None, ToRunning::Skip);
            }
            let next = (s.0 & !NOTIFIED) | RUNNING;
            let action = if s.is_cancelled() {
                ToRunning::Cancel
            } else {
                ToRunning::Poll
            };
            (Some(next), action)
        })
        .1
    }

    /// The poll returned `Pending`: give the future back, consuming the poller's reference
    /// unless the task must run again.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.update(|s| {
            debug_assert!(s.is_running(), "{s:?}");
            if s.is_cancelled() {
                return (None, ToIdle::Cancel);
            }
            let mut next = s.0 & !RUNNING;
            if s.is_notified() {
                return (Some(next), ToIdle::Reschedule);
            }
            debug_assert!(s.ref_count() > 0);
            next -= REF_ONE;
            let action = if next >> REF_SHIFT == 0 {
                ToIdle::IdleDealloc
            } else {
                ToIdle::Idle
            };
            (Some(next), action)
        })
        .1
    }

    /// The future is gone and the stage holds the output. Returns the state before.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.0.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete(), "{prev:?}");
        prev
    }

    /// Wake, consuming the caller's reference.
    pub(crate) fn transition_to_notified_by_val(&self) -> Wake {
        self.update(|s| {
            if s.is_running() {
                // The poller sees NOTIFIED when the poll ends; the caller's reference is released.
                let next = (s.0 | NOTIFIED) - REF_ONE;
                debug_assert!(next >> REF_SHIFT > 0);
                (Some(next), Wake::Nothing)
            } else if s.is_complete() || s.is_notified() {
                let next = s.0 - REF_ONE;
                let action = if next >> REF_SHIFT == 0 {
                    Wake::Dealloc
                } else {
                    Wake::Nothing
                };
                (Some(next), action)
            } else {
                // The caller's reference becomes the queued reference.
                (Some(s.0 | NOTIFIED), Wake::Submit)
            }
        })
        .1
    }

    /// Wake, keeping the caller's reference; takes a new one when it must submit.
    pub(crate) fn transition_to_notified_by_ref(&self) -> Wake {
        self.update(|s| {
            if s.is_complete() || s.is_notified() {
                (None, Wake::Nothing)
            } else if s.is_running() {
                (Some(s.0 | NOTIFIED), Wake::Nothing)
            } else {
                (Some((s.0 | NOTIFIED) + REF_ONE), Wake::Submit)
            }
        })
        .1
    }

    /// Request cancellation (from a `Task<T>` handle or a group).
    pub(crate) fn transition_to_cancelled(&self) -> Cancel {
        self.update(|s| {
            if s.is_complete() {
                (None, Cancel::AlreadyComplete)
            } else if s.is_cancelled() {
                (None, Cancel::Requested)
            } else if s.is_running() || s.is_notified() {
                (Some(s.0 | CANCELLED), Cancel::Requested)
            } else {
                (Some((s.0 | CANCELLED | NOTIFIED) + REF_ONE), Cancel::Submit)
            }
        })
        .1
    }

    /// Runtime shutdown: mark cancelled and, if nobody owns the future, take it.
    /// Returns true when the caller now owns the future (`RUNNING` set).
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.update(|s| {
            let take = !s.is_running() && !s.is_complete();
            let next = s.0 | CANCELLED | if take { RUNNING } else { 0 };
            (Some(next), take)
        })
        .1
    }

    /// Store the join waker's presence; fails (returning the state) once complete.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        let (prev, ok) = self.update(|s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                (None, false)
            } else {
                (Some(s.0 | JOIN_WAKER), true)
            }
        });
        if ok { Ok(prev) } else { Err(prev) }
    }

    /// The handle takes back the join waker to replace it; fails once complete.
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        let (prev, ok) = self.update(|s| {
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            if s.is_complete() {
                (None, false)
            } else {
                (Some(s.0 & !JOIN_WAKER), true)
            }
        });
        if ok { Ok(prev) } else { Err(prev) }
    }

    /// The runtime is done waking the join waker after completion. Returns the new state.
    pub(crate) fn unset_join_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.0.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    /// The handle is dropped. Clears `JOIN_INTEREST`, and `JOIN_WAKER` too if the
    /// task is not complete (the handle then owns the waker field again).
    /// Returns the state before.
    pub(crate) fn unset_join_interest(&self) -> Snapshot {
        self.update(|s| {
            debug_assert!(s.is_join_interested());
            let mut next = s.0 & !JOIN_INTEREST;
            if !s.is_complete() {
                next &= !JOIN_WAKER;
            }
            (Some(next), ())
        })
        .0
    }

    pub(crate) fn ref_inc(&self) {
        // Relaxed is enough to take a reference from one we already hold (as Arc does).
        let prev = self.0.fetch_add(REF_ONE, Relaxed);
        assert!(prev <= isize::MAX as usize, "task reference count overflow");
    }

    /// Drops one reference; true if it was the last.
    pub(crate) fn ref_dec(&self) -> bool {
        self.ref_dec_many(1)
    }

    /// Drops `n` references; true if they were the last.
    pub(crate) fn ref_dec_many(&self, n: usize) -> bool {
        let prev = self.0.fetch_sub(n * REF_ONE, AcqRel);
        debug_assert!(prev >> REF_SHIFT >= n, "task reference count underflow");
        prev >> REF_SHIFT == n
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn wake_while_running_reschedules_without_a_new_reference() {
        let s = State::new(2, true);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_notified_by_ref(), Wake::Nothing);
        assert_eq!(s.transition_to_idle(), ToIdle::Reschedule);
        assert_eq!(s.load().ref_count(), 2);
        assert!(s.load().is_notified());
    }

    #[test]
    fn wake_while_notified_is_a_no_op() {
        let s = State::new(2, false);
        assert_eq!(s.transition_to_notified_by_ref(), Wake::Nothing);
        s.ref_inc();
        assert_eq!(s.transition_to_notified_by_val(), Wake::Nothing);
        assert_eq!(s.load().ref_count(), 2);
    }

    #[test]
    fn cancel_after_complete_does_nothing() {
        let s = State::new(2, true);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        s.transition_to_complete();
        assert_eq!(s.transition_to_cancelled(), Cancel::AlreadyComplete);
        assert!(!s.load().is_cancelled());
    }

    #[test]
    fn cancel_while_idle_submits() {
        let s = State::new(2, true);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_idle(), ToIdle::Idle);
        assert_eq!(s.load().ref_count(), 1);
        assert_eq!(s.transition_to_cancelled(), Cancel::Submit);
        assert_eq!(s.load().ref_count(), 2);
        assert_eq!(s.transition_to_running(), ToRunning::Cancel);
    }

    #[test]
    fn shutdown_takes_an_idle_future() {
        let s = State::new(1, false);
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        s.ref_inc();
        assert_eq!(s.transition_to_idle(), ToIdle::Idle);
        assert!(s.transition_to_shutdown());
        assert!(!s.transition_to_shutdown(), "only one owner");
    }
}
