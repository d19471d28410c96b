//! Test helpers: a `block_on`, a waker that counts wake-ups, a manual poll,
//! a tiny deterministic RNG and a small thread-pool executor.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on the current thread.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

/// A waker that counts how often it was woken.
#[derive(Default)]
pub struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A waker plus its wake-up count.
pub struct Probe {
    counter: Arc<Counter>,
    waker: Waker,
}

impl Probe {
    pub fn new() -> Self {
        let counter = Arc::new(Counter::default());
        let waker = Waker::from(counter.clone());
        Probe { counter, waker }
    }

    pub fn wakes(&self) -> usize {
        self.counter.0.load(Ordering::SeqCst)
    }

    pub fn woken(&self) -> bool {
        self.wakes() > 0
    }

    /// Polls `fut` once with this probe's waker.
    pub fn poll<F: Future + Unpin>(&self, fut: &mut F) -> Poll<F::Output> {
        Pin::new(fut).poll(&mut Context::from_waker(&self.waker))
    }
}

/// xorshift64*: deterministic, seedable, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A future that is pending `n` times (waking itself) and then ready: a
/// "cancel me after a while" timer made of yields.
pub struct YieldN(pub u32);

impl Future for YieldN {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            Poll::Ready(())
        } else {
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Polls `fut` until it finishes or `cancel` finishes first (then `fut` is
/// dropped, i.e. cancelled). `cancel` is polled first, so a `fut` that was
/// already woken can still be cancelled before it resumes.
pub async fn race<F: Future + Unpin, C: Future + Unpin>(
    mut fut: F,
    mut cancel: C,
) -> Option<F::Output> {
    std::future::poll_fn(move |cx| {
        if Pin::new(&mut cancel).poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Pin::new(&mut fut).poll(cx).map(Some)
    })
    .await
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

struct Task {
    fut: Mutex<Option<BoxFuture>>,
    queued: AtomicBool,
    pool: Arc<PoolShared>,
}

struct PoolShared {
    queue: Mutex<VecDeque<Arc<Task>>>,
    cv: Condvar,
    live: AtomicUsize,
    done: Mutex<bool>,
    done_cv: Condvar,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.pool.queue.lock().unwrap().push_back(self.clone());
            self.pool.cv.notify_one();
        }
    }
}

/// A minimal multi-threaded executor for the tests.
pub struct Pool {
    shared: Arc<PoolShared>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Pool {
    pub fn new(workers: usize) -> Self {
        let shared = Arc::new(PoolShared {
            queue: Mutex::new(VecDeque::new()),
            cv: Condvar::new(),
            live: AtomicUsize::new(0),
            done: Mutex::new(false),
            done_cv: Condvar::new(),
        });
        let threads = (0..workers)
            .map(|_| {
                let shared = shared.clone();
                thread::spawn(move || worker(shared))
            })
            .collect();
        Pool { shared, threads }
    }

    pub fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) {
        self.shared.live.fetch_add(1, Ordering::SeqCst);
        let task = Arc::new(Task {
            fut: Mutex::new(Some(Box::pin(fut))),
            queued: AtomicBool::new(false),
            pool: self.shared.clone(),
        });
        task.wake_by_ref();
    }

    /// Waits until every spawned task finished, then stops the workers.
    pub fn join(self) {
        {
            let mut done = self.shared.done.lock().unwrap();
            while self.shared.live.load(Ordering::SeqCst) != 0 {
                done = self.shared.done_cv.wait(done).unwrap();
            }
            *done = true;
        }
        // A worker checks `done` while holding the queue lock, so taking it
        // here means no worker can miss this notification.
        drop(self.shared.queue.lock().unwrap());
        self.shared.cv.notify_all();
        for t in self.threads {
            t.join().unwrap();
        }
    }
}

fn worker(shared: Arc<PoolShared>) {
    loop {
        let task = {
            let mut q = shared.queue.lock().unwrap();
            loop {
                if let Some(t) = q.pop_front() {
                    break t;
                }
                if *shared.done.lock().unwrap() {
                    return;
                }
                q = shared.cv.wait(q).unwrap();
            }
        };
        task.queued.store(false, Ordering::Release);
        let mut slot = task.fut.lock().unwrap();
        if let Some(fut) = slot.as_mut() {
            let waker = Waker::from(task.clone());
            if fut
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
            {
                *slot = None;
                drop(slot);
                if shared.live.fetch_sub(1, Ordering::SeqCst) == 1 {
                    let _g = shared.done.lock().unwrap();
                    shared.done_cv.notify_all();
                }
            }
        }
    }
}
