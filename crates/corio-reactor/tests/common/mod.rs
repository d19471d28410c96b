//! A tiny single-threaded executor that drives a reactor, for the tests.
//!
//! `block_on(&reactor, main)` enters the reactor, polls `main` and every task
//! spawned with [`spawn`], and parks in `reactor.park(None)` when nothing is
//! runnable. Wakers from other threads push the task and notify the reactor.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::ThreadId;
use std::time::Duration;

use corio_reactor::{Reactor, ReactorHandle};

type LocalFuture = Pin<Box<dyn Future<Output = ()>>>;

const MAIN: usize = usize::MAX;

struct ReadyQueue {
    queue: Mutex<VecDeque<usize>>,
    handle: ReactorHandle,
    thread: ThreadId,
}

struct TaskWaker {
    id: usize,
    queued: AtomicBool,
    ready: Arc<ReadyQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, SeqCst) {
            self.ready.queue.lock().unwrap().push_back(self.id);
            if std::thread::current().id() != self.ready.thread {
                self.ready.handle.notify();
            }
        }
    }
}

struct Task {
    future: Option<LocalFuture>,
    waker: Arc<TaskWaker>,
}

struct Executor {
    tasks: RefCell<Vec<Option<Task>>>,
    ready: Arc<ReadyQueue>,
}

thread_local! {
    static EXECUTOR: RefCell<Option<Rc<Executor>>> = const { RefCell::new(None) };
}

/// Runs `future` as a task of the current `block_on`; the handle awaits its output.
pub fn spawn<T: 'static>(future: impl Future<Output = T> + 'static) -> JoinHandle<T> {
    let slot = Rc::new(RefCell::new(JoinSlot {
        output: None,
        waker: None,
    }));
    let out = slot.clone();
    let task: LocalFuture = Box::pin(async move {
        let value = future.await;
        let mut slot = out.borrow_mut();
        slot.output = Some(value);
        if let Some(w) = slot.waker.take() {
            w.wake();
        }
    });
    let executor = EXECUTOR.with(|e| e.borrow().clone().expect("spawn inside common::block_on"));
    let mut tasks = executor.tasks.borrow_mut();
    let id = tasks.len();
    let waker = Arc::new(TaskWaker {
        id,
        queued: AtomicBool::new(false),
        ready: executor.ready.clone(),
    });
    tasks.push(Some(Task {
        future: Some(task),
        waker: waker.clone(),
    }));
    drop(tasks);
    waker.wake_by_ref();
    JoinHandle { slot }
}

struct JoinSlot<T> {
    output: Option<T>,
    waker: Option<Waker>,
}

/// Awaits a spawned task's output.
pub struct JoinHandle<T> {
    slot: Rc<RefCell<JoinSlot<T>>>,
}

impl<T> Future for JoinHandle<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.slot.borrow_mut();
        match slot.output.take() {
            Some(v) => Poll::Ready(v),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Runs `main` and the tasks it spawns on this thread, parking in `reactor`.
pub fn block_on<F: Future>(reactor: &Reactor, main: F) -> F::Output {
    let _guard = reactor.handle().enter();
    let ready = Arc::new(ReadyQueue {
        queue: Mutex::new(VecDeque::new()),
        handle: reactor.handle(),
        thread: std::thread::current().id(),
    });
    let executor = Rc::new(Executor {
        tasks: RefCell::new(Vec::new()),
        ready: ready.clone(),
    });
    let previous = EXECUTOR.with(|e| e.replace(Some(executor.clone())));
    struct Restore(Option<Rc<Executor>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            EXECUTOR.with(|e| *e.borrow_mut() = previous);
        }
    }
    let _restore = Restore(previous);

    let main_waker = Arc::new(TaskWaker {
        id: MAIN,
        queued: AtomicBool::new(false),
        ready: ready.clone(),
    });
    main_waker.wake_by_ref();
    let main_waker_std = Waker::from(main_waker.clone());
    let mut main = std::pin::pin!(main);
    loop {
        let batch: Vec<usize> = ready.queue.lock().unwrap().drain(..).collect();
        if batch.is_empty() {
            reactor.park(None);
            continue;
        }
        for id in batch {
            if id == MAIN {
                main_waker.queued.store(false, SeqCst);
                if let Poll::Ready(v) = main
                    .as_mut()
                    .poll(&mut Context::from_waker(&main_waker_std))
                {
                    return v;
                }
                continue;
            }
            let (mut future, waker) = {
                let mut tasks = executor.tasks.borrow_mut();
                let Some(task) = tasks[id].as_mut() else {
                    continue;
                };
                task.waker.queued.store(false, SeqCst);
                (
                    task.future.take().expect("not polled re-entrantly"),
                    task.waker.clone(),
                )
            };
            let waker = Waker::from(waker);
            let done = future
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready();
            let mut tasks = executor.tasks.borrow_mut();
            if done {
                tasks[id] = None;
            } else if let Some(task) = tasks[id].as_mut() {
                task.future = Some(future);
            }
        }
    }
}

/// Runs `f` on a new thread and fails the test if it takes longer than
/// `limit` (a lost wake-up shows up as a hang; this turns it into a failure).
pub fn watchdog<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => {
            worker.join().unwrap();
            value
        }
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("test did not finish within {limit:?}: a lost wake-up or a hang"),
    }
}

/// A thread-parking `block_on` that does NOT drive the reactor: for tests
/// where another thread parks in the reactor.
pub fn block_on_thread<F: Future>(future: F) -> F::Output {
    struct Unparker {
        thread: std::thread::Thread,
        woken: AtomicBool,
    }
    impl Wake for Unparker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.woken.store(true, SeqCst);
            self.thread.unpark();
        }
    }
    let unparker = Arc::new(Unparker {
        thread: std::thread::current(),
        woken: AtomicBool::new(true),
    });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if unparker.woken.swap(false, SeqCst) {
            if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                return v;
            }
        } else {
            std::thread::park();
        }
    }
}

/// Number of open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// A byte pattern that depends on `seed`, for checking every byte.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Polls `future` once with a no-op waker.
pub fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}
