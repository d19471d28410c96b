//! loom models of the task state word, the join hand-off and the LIFO slot, run with
//! `RUSTFLAGS="--cfg loom" cargo test -p corio-executor --release --lib`.
//!
//! Each model drives real task cells through a mock scheduler (a queue the
//! model drains by hand), so every interleaving of poll, wake, cancel, handle
//! drop and join is explored. loom's leak check also proves that every task is
//! freed: each cell holds a clone of the mock scheduler's `Arc`.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use loom::future::block_on;
use loom::thread;

use super::cell;
use super::{Notified, OwnedRef, RawTask, Schedule, Task, TaskId, TaskMeta};
use crate::loom::{Arc, AtomicBool, AtomicUsize, Mutex, Ordering::SeqCst};

#[derive(Clone)]
struct Mock(Arc<Mutex<VecDeque<Notified>>>);

impl Schedule for Mock {
    fn schedule(&self, task: Notified) {
        self.0.lock().push_back(task);
    }
    fn release(&self, _task: RawTask) -> Option<OwnedRef> {
        None
    }
    fn unhandled_panic(&self, _error: &super::TaskError) {}
}

impl Mock {
    fn new() -> Mock {
        Mock(Arc::new(Mutex::new(VecDeque::new())))
    }

    fn run_all(&self) -> usize {
        let mut ran = 0;
        loop {
            let next = self.0.lock().pop_front();
            match next {
                Some(task) => {
                    task.run();
                    ran += 1;
                }
                None => return ran,
            }
        }
    }

    fn queued(&self) -> usize {
        self.0.lock().len()
    }

    fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let id = TaskId::next();
        let meta = TaskMeta::new(id, None, "task");
        let raw = cell::allocate(future, self.clone(), id, meta, 2);
        // SAFETY: two references: the handle's and the queue's.
        let (task, notified) = unsafe { (Task::from_raw(raw), Notified::from_raw(raw)) };
        self.schedule(notified);
        task
    }
}

/// A future that is pending until `ready` is set, keeping its latest waker in `waker`.
struct Gate {
    ready: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
    polls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

impl Future for Gate {
    type Output = Counted;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Counted> {
        self.polls.fetch_add(1, SeqCst);
        *self.waker.lock() = Some(cx.waker().clone());
        if self.ready.load(SeqCst) {
            Poll::Ready(Counted(self.drops.clone()))
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

/// An output that counts its drops.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

struct Probe {
    ready: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
    polls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

impl Probe {
    fn new(ready: bool) -> Probe {
        Probe {
            ready: Arc::new(AtomicBool::new(ready)),
            waker: Arc::new(Mutex::new(None)),
            polls: Arc::new(AtomicUsize::new(0)),
            drops: Arc::new(AtomicUsize::new(0)),
        }
    }
    fn gate(&self) -> Gate {
        Gate {
            ready: self.ready.clone(),
            waker: self.waker.clone(),
            polls: self.polls.clone(),
            drops: self.drops.clone(),
        }
    }
    fn waker(&self) -> Waker {
        self.waker.lock().clone().expect("polled once")
    }
}

/// A wake that lands while the task is being polled reschedules it exactly once,
/// and the task completes.
#[test]
fn wake_while_running() {
    loom::model(|| {
        let mock = Mock::new();
        let probe = Probe::new(false);
        let task = mock.spawn(probe.gate());
        assert_eq!(mock.run_all(), 1);
        let waker = probe.waker();
        waker.wake_by_ref(); // queue it; the next poll races the wake below
        let ready = probe.ready.clone();
        let th = thread::spawn(move || {
            ready.store(true, SeqCst);
            waker.wake();
        });
        mock.run_all();
        th.join().unwrap();
        mock.run_all();
        assert!(task.is_finished());
        assert!(probe.polls.load(SeqCst) <= 3);
        drop(block_on(task).unwrap());
        assert_eq!(
            probe.drops.load(SeqCst),
            2,
            "future and output dropped once each"
        );
    });
}

/// Two wakes racing on an idle task queue it once.
#[test]
fn wake_while_notified() {
    loom::model(|| {
        let mock = Mock::new();
        let probe = Probe::new(false);
        let task = mock.spawn(probe.gate());
        mock.run_all();
        let (w1, w2) = (probe.waker(), probe.waker());
        let th = thread::spawn(move || w1.wake());
        w2.wake();
        th.join().unwrap();
        assert_eq!(mock.queued(), 1);
        probe.ready.store(true, SeqCst);
        mock.run_all();
        assert!(block_on(task).is_ok());
    });
}

/// `cancel` racing the poll that completes the task: a `false` from cancel
/// means the value is kept; either way the future is dropped exactly once.
#[test]
fn cancel_against_completion() {
    loom::model(|| {
        let mock = Mock::new();
        let probe = Probe::new(true);
        let task = mock.spawn(probe.gate());
        let runner = mock.clone();
        let th = thread::spawn(move || {
            runner.run_all();
        });
        let requested = task.cancel();
        th.join().unwrap();
        mock.run_all();
        let result = block_on(task);
        if !requested {
            assert!(result.is_ok(), "cancel() said the task had finished");
        }
        if let Err(e) = &result {
            assert!(e.is_cancelled());
        }
        drop(result);
        let expected = if probe.polls.load(SeqCst) > 0 { 2 } else { 1 };
        assert_eq!(probe.drops.load(SeqCst), expected);
    });
}

/// Dropping the handle while the task completes: the output is dropped exactly
/// once, by whichever side owns it, and the task is freed.
#[test]
fn drop_handle_against_completion() {
    loom::model(|| {
        let mock = Mock::new();
        let probe = Probe::new(true);
        let task = mock.spawn(probe.gate());
        let runner = mock.clone();
        let th = thread::spawn(move || {
            runner.run_all();
        });
        drop(task);
        th.join().unwrap();
        assert_eq!(probe.drops.load(SeqCst), 2);
    });
}

/// The join waker hand-off: the handle registers (and replaces) its waker
/// while the task completes on another thread; the joiner is always woken.
#[test]
fn join_waker_hand_off() {
    loom::model(|| {
        let mock = Mock::new();
        let probe = Probe::new(false);
        let mut task = mock.spawn(probe.gate());
        mock.run_all();
        let waker = probe.waker();
        let ready = probe.ready.clone();
        let runner = mock.clone();
        let th = thread::spawn(move || {
            ready.store(true, SeqCst);
            waker.wake();
            runner.run_all();
        });
        // First poll with a throw-away waker, then join for real with another:
        // the second registration replaces the first.
        let noop = Waker::noop();
        let first = Pin::new(&mut task).poll(&mut Context::from_waker(noop));
        let output = match first {
            Poll::Ready(output) => output,
            Poll::Pending => block_on(&mut task),
        };
        assert!(output.is_ok());
        th.join().unwrap();
    });
}

/// Cancelling an idle task submits it once, and the poller drops the future
/// without polling it again.
#[test]
fn cancel_idle_task_against_wake() {
    loom::model(|| {
        let mock = Mock::new();
        let probe = Probe::new(false);
        let task = mock.spawn(probe.gate());
        mock.run_all();
        let waker = probe.waker();
        let th = thread::spawn(move || waker.wake());
        assert!(task.cancel());
        th.join().unwrap();
        assert_eq!(
            mock.queued(),
            1,
            "cancel and wake queue the task once between them"
        );
        mock.run_all();
        assert_eq!(
            probe.polls.load(SeqCst),
            1,
            "a cancelled task is not polled again"
        );
        assert!(block_on(task).unwrap_err().is_cancelled());
        assert_eq!(probe.drops.load(SeqCst), 1);
    });
}

/// A worker's LIFO slot, emptied by its owner and by a worker taking a task
/// stuck there at the same time: exactly one of them gets the task, it runs
/// once, and (loom's leak check) its cell is freed exactly once.
#[test]
fn lifo_slot_take_against_take() {
    loom::model(|| {
        let mock = Mock::new();
        let task = mock.spawn(async { 7 });
        let queued = mock.0.lock().pop_front().expect("spawned tasks are queued");
        let slot = Arc::new(crate::scheduler::LifoSlot::new());
        assert!(slot.replace(Some(queued)).is_none());
        let thief = {
            let slot = slot.clone();
            thread::spawn(move || slot.take().map(Notified::run).is_some())
        };
        let owner_ran = slot.take().map(Notified::run).is_some();
        let thief_ran = thief.join().unwrap();
        assert!(owner_ran ^ thief_ran, "exactly one side takes the task");
        assert_eq!(block_on(task).unwrap(), 7);
    });
}
