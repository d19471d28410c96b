//! The blocking pool: threads for closures that block (`spawn_blocking`,
//! `to_thread`), so they do not stall the workers.
//!
//! It grows on demand, one thread per queued closure that finds no idle
//! thread, up to `max_threads`; a thread idle for `keep_alive` retires. The
//! queue is a `VecDeque` under one mutex with a condvar: blocking closures are
//! long next to a lock acquisition, so this is not a hot path. Shutdown cancels
//! the closures that have not started and joins every thread (so it waits for
//! the closures that have).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use std::sync::Arc;

use crate::loom::{AtomicUsize, Condvar, Mutex, Ordering::SeqCst, wait_timeout};
use crate::runtime::Handle;
use crate::task::{Notified, OwnedRef, RawTask, Schedule, TaskError};

pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    state: Mutex<PoolState>,
    /// Closures queued or running (kept beside the lock so idleness checks need no lock).
    busy: AtomicUsize,
    condvar: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    thread_name: String,
    /// The runtime's handle, entered on every pool thread; taken at shutdown
    /// (it points back at the runtime, so holding it forever would be a cycle).
    handle: Mutex<Option<Handle>>,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Notified>,
    threads: usize,
    idle: usize,
    /// Idle threads that were told to take a queued closure.
    notified: usize,
    /// Closures being run right now.
    running: usize,
    shutdown: bool,
    next_thread_id: usize,
    live: HashMap<usize, JoinHandle<()>>,
    retired: Vec<JoinHandle<()>>,
}

/// A blocking closure as a future that completes on its first poll.
pub(crate) struct BlockingTask<F>(Option<F>);

impl<F> Unpin for BlockingTask<F> {}

impl<F> BlockingTask<F> {
    pub(crate) fn new(f: F) -> BlockingTask<F> {
        BlockingTask(Some(f))
    }
}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.0.take().expect("a blocking task runs once");
        // A blocking closure may run for long; it has no budget to respect.
        let _unlimited = crate::budget::Scoped::set(None);
        Poll::Ready(f())
    }
}

impl BlockingPool {
    pub(crate) fn new(
        max_threads: usize,
        keep_alive: Duration,
        thread_name: String,
    ) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(PoolState::default()),
                busy: AtomicUsize::new(0),
                condvar: Condvar::new(),
                max_threads: max_threads.max(1),
                keep_alive,
                thread_name,
                handle: Mutex::new(None),
            }),
        }
    }

    pub(crate) fn set_handle(&self, handle: Handle) {
        *self.inner.handle.lock() = Some(handle);
    }

    pub(crate) fn scheduler(&self) -> Arc<Inner> {
        self.inner.clone()
    }

    /// Number of pool threads alive, and of closures running or queued.
    pub(crate) fn stats(&self) -> (usize, usize, usize) {
        let state = self.inner.state.lock();
        (state.threads, state.running, state.queue.len())
    }

    /// The pool's figures for [`metrics`](crate::metrics), read under its lock.
    pub(crate) fn metrics(&self) -> crate::metrics::BlockingMetrics {
        let state = self.inner.state.lock();
        crate::metrics::BlockingMetrics {
            threads: state.threads,
            // Threads told to take a closure are about to run it, not idle.
            idle_threads: state.idle.saturating_sub(state.notified),
            running: state.running,
            queued: state.queue.len(),
        }
    }

    /// True if no closure is queued or running.
    pub(crate) fn is_idle(&self) -> bool {
        self.inner.busy.load(SeqCst) == 0
    }

    /// Cancels the closures not started, waits for the others, joins every thread.
    pub(crate) fn shutdown(&self) {
        let (queued, threads) = {
            let mut state = self.inner.state.lock();
            state.shutdown = true;
            let queued: Vec<Notified> = state.queue.drain(..).collect();
            self.inner.busy.fetch_sub(queued.len(), SeqCst);
            let mut threads: Vec<JoinHandle<()>> = state.live.drain().map(|(_, t)| t).collect();
            threads.append(&mut state.retired);
            (queued, threads)
        };
        self.inner.condvar.notify_all();
        for task in queued {
            crate::task::cell::notified_into_owned(task).shutdown();
        }
        // No thread can start after this point (`submit` checks `shutdown`
        // under the lock), so these are all of them.
        for thread in threads {
            let _ = thread.join();
        }
        self.inner.handle.lock().take();
    }
}

impl Inner {
    fn submit(self: &Arc<Self>, task: Notified) {
        let mut state = self.state.lock();
        if state.shutdown {
            drop(state);
            crate::task::cell::notified_into_owned(task).shutdown();
            return;
        }
        state.queue.push_back(task);
        self.busy.fetch_add(1, SeqCst);
        // Reap threads that retired since the last submission.
        let mut i = 0;
        while i < state.retired.len() {
            if state.retired[i].is_finished() {
                let _ = state.retired.swap_remove(i).join();
            } else {
                i += 1;
            }
        }
        if state.idle > state.notified {
            state.notified += 1;
            drop(state);
            self.condvar.notify_one();
        } else if state.threads < self.max_threads {
            state.threads += 1;
            let id = state.next_thread_id;
            state.next_thread_id += 1;
            let inner = self.clone();
            let spawned = std::thread::Builder::new()
                .name(self.thread_name.clone())
                .spawn(move || inner.thread_main(id));
            match spawned {
                Ok(thread) => {
                    state.live.insert(id, thread);
                }
                Err(error) => {
                    // The closure stays queued for an existing thread (if there is one).
                    state.threads -= 1;
                    let orphaned = state.threads == 0;
                    drop(state);
                    eprintln!("corio: could not start a blocking-pool thread: {error}");
                    if orphaned {
                        // No thread will ever take it: cancel it rather than hang its awaiter.
                        let task = self.state.lock().queue.pop_back();
                        if let Some(task) = task {
                            self.busy.fetch_sub(1, SeqCst);
                            crate::task::cell::notified_into_owned(task).shutdown();
                        }
                    }
                }
            }
        }
    }

    fn notify_runtime_if_idle(&self) {
        let handle = self.handle.lock().clone();
        if let Some(handle) = handle {
            handle.shared.notify_if_idle();
        }
    }

    fn thread_main(self: Arc<Self>, id: usize) {
        let handle = self.handle.lock().clone();
        let _enter = handle.as_ref().map(crate::context::enter_blocking);
        let config = handle.as_ref().map(|h| h.shared.config.clone());
        if let Some(start) = config.as_ref().and_then(|c| c.on_thread_start.as_ref()) {
            start();
        }
        self.serve(id);
        if let Some(stop) = config.as_ref().and_then(|c| c.on_thread_stop.as_ref()) {
            stop();
        }
    }

    fn serve(&self, id: usize) {
        let mut state = self.state.lock();
        loop {
            if let Some(task) = state.queue.pop_front() {
                state.running += 1;
                drop(state);
                task.run();
                state = self.state.lock();
                state.running -= 1;
                if self.busy.fetch_sub(1, SeqCst) == 1 {
                    drop(state);
                    self.notify_runtime_if_idle();
                    state = self.state.lock();
                }
                continue;
            }
            if state.shutdown {
                break;
            }
            state.idle += 1;
            let timed_out = wait_timeout(&self.condvar, &mut state, self.keep_alive);
            state.idle -= 1;
            if state.notified > 0 {
                state.notified -= 1;
                continue;
            }
            if timed_out && state.queue.is_empty() && !state.shutdown {
                // Retire: hand our join handle to whoever joins the pool.
                state.threads -= 1;
                if let Some(me) = state.live.remove(&id) {
                    state.retired.push(me);
                }
                break;
            }
        }
    }
}

impl Schedule for Arc<Inner> {
    fn schedule(&self, task: Notified) {
        self.submit(task);
    }

    fn release(&self, _task: RawTask) -> Option<OwnedRef> {
        None
    }

    fn unhandled_panic(&self, error: &TaskError) {
        // Reported where the runtime reports its tasks' panics.
        let handle = self.handle.lock().clone();
        match handle {
            Some(handle) => handle.shared.unhandled_panic(error),
            None => crate::scheduler::report_unhandled_panic(error),
        }
    }
}
