//! Test helpers: a counting waker, a tiny `block_on`, and a driver thread
//! that parks through the timer the way the runtime's driver does.
#![allow(dead_code)]

use corio_timer::{Builder, Timer, TimerHandle};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::Duration;

/// A waker that counts its wake-ups.
#[derive(Default)]
pub struct Counter(AtomicUsize);

impl Counter {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh counting waker and its counter.
pub fn counting_waker() -> (Waker, Arc<Counter>) {
    let c = Arc::new(Counter::default());
    (Waker::from(c.clone()), c)
}

/// Polls `f` once with `waker`.
pub fn poll_once<F: Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
    std::pin::Pin::new(f).poll(&mut Context::from_waker(waker))
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `f` to completion on this thread (parking between polls).
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

/// A thread that parks in the timer the way a runtime's driver does
/// (`park_with` around `thread::park_timeout`), until dropped.
pub struct DriverThread {
    timer: Timer,
    stop: Arc<AtomicBool>,
    /// Park cycles completed.
    pub cycles: Arc<AtomicUsize>,
    /// Calls of the unpark callback.
    pub unparks: Arc<AtomicUsize>,
    /// Every timeout the driver parked with, in order.
    parks: Arc<(Mutex<Vec<Option<Duration>>>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl DriverThread {
    pub fn start(builder: Builder) -> DriverThread {
        let slot: Arc<OnceLock<Thread>> = Arc::new(OnceLock::new());
        let unparks = Arc::new(AtomicUsize::new(0));
        let (s, u) = (slot.clone(), unparks.clone());
        let timer = builder
            .unpark(move || {
                u.fetch_add(1, Ordering::SeqCst);
                if let Some(t) = s.get() {
                    t.unpark();
                }
            })
            .build();
        let stop = Arc::new(AtomicBool::new(false));
        let cycles = Arc::new(AtomicUsize::new(0));
        let handle: TimerHandle = timer.handle().clone();
        let parks: Arc<(Mutex<Vec<Option<Duration>>>, Condvar)> = Default::default();
        let (st, cy, pk) = (stop.clone(), cycles.clone(), parks.clone());
        let thread = thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                handle.park_with(None, |timeout| {
                    pk.0.lock().unwrap().push(timeout);
                    pk.1.notify_all();
                    match timeout {
                        Some(t) => thread::park_timeout(t),
                        None => thread::park(),
                    }
                });
                cy.fetch_add(1, Ordering::SeqCst);
            }
        });
        slot.set(thread.thread().clone()).unwrap();
        DriverThread {
            timer,
            stop,
            cycles,
            unparks,
            parks,
            thread: Some(thread),
        }
    }

    /// Blocks until the driver's latest park used a timeout matching `pred`.
    pub fn wait_for_park(&self, pred: impl Fn(Option<Duration>) -> bool) {
        let (lock, cv) = &*self.parks;
        let mut parks = lock.lock().unwrap();
        while !parks.last().is_some_and(|&t| pred(t)) {
            parks = cv.wait(parks).unwrap();
        }
    }

    pub fn timer(&self) -> &Timer {
        &self.timer
    }
}

impl Drop for DriverThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            t.join().unwrap();
        }
    }
}

/// A future that is pending `n` times (waking itself), then ready with `v`,
/// and records its drop.
pub struct PendingThen<T> {
    pub n: usize,
    pub value: Option<T>,
    pub dropped: Arc<AtomicBool>,
}

impl<T: Unpin> Future for PendingThen<T> {
    type Output = T;
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if self.n == 0 {
            Poll::Ready(self.value.take().expect("polled after completion"))
        } else {
            self.n -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl<T> Drop for PendingThen<T> {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

pub fn pending_then<T>(n: usize, value: T) -> (PendingThen<T>, Arc<AtomicBool>) {
    let dropped = Arc::new(AtomicBool::new(false));
    (
        PendingThen {
            n,
            value: Some(value),
            dropped: dropped.clone(),
        },
        dropped,
    )
}

/// A paused timer, entered on this thread.
pub fn paused() -> (Timer, corio_timer::EnterGuard) {
    let timer = Timer::builder().start_paused(true).build();
    let guard = timer.enter();
    (timer, guard)
}

/// The text of a caught panic.
pub fn panic_text(err: &(dyn std::any::Any + Send)) -> String {
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
