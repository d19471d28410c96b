//! The workloads corio is measured on, written once and run on both corio and
//! tokio through the small [`Rt`] trait, so the two runtimes run the very same
//! code. Used by the criterion benches (`cargo bench -p corio-benches`) and by
//! the `compare` binary that writes `docs/BENCHMARKS.md`.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::task::{Context, Poll};

/// What a workload needs from a runtime.
pub trait Rt: Sized + Send + Sync + 'static {
    /// The runtime's name in reports.
    const NAME: &'static str;
    /// A join handle whose output is the task's value.
    type Join<T: Send + 'static>: Future<Output = T> + Send + Unpin + 'static;
    /// The sending half of a oneshot channel.
    type Sender<T: Send + 'static>: Send + 'static;
    /// The receiving half of a oneshot channel, as a future of the value.
    type Receiver<T: Send + 'static>: Future<Output = T> + Send + Unpin + 'static;

    /// A multi-threaded runtime with `workers` worker threads.
    fn with_workers(workers: usize) -> Self;
    /// Runs a future to completion on the calling thread.
    fn block_on<F: Future>(&self, future: F) -> F::Output;
    /// Spawns from outside the runtime.
    fn spawn<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Spawns from inside a task of the runtime.
    fn spawn_here<F>(future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Yields to the scheduler once.
    fn yield_now() -> impl Future<Output = ()> + Send;
    /// A oneshot channel.
    fn oneshot<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>);
    /// Sends on a oneshot channel (the receiver is alive).
    fn send<T: Send + 'static>(sender: Self::Sender<T>, value: T);
}

/// A future of `Result<T, E>` that unwraps it (the workloads never fail).
#[derive(Debug)]
pub struct Expect<F>(F);

impl<F, T, E> Future for Expect<F>
where
    F: Future<Output = Result<T, E>> + Unpin,
    E: Debug,
{
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.expect("benchmark task failed"))
    }
}

/// corio's multi-threaded runtime.
pub struct Corio(corio::Runtime);

impl Rt for Corio {
    const NAME: &'static str = "corio";
    type Join<T: Send + 'static> = Expect<corio::Task<T>>;
    type Sender<T: Send + 'static> = corio_sync::oneshot::Sender<T>;
    type Receiver<T: Send + 'static> = Expect<corio_sync::oneshot::Receiver<T>>;

    fn with_workers(workers: usize) -> Self {
        Corio(
            corio::Runtime::builder()
                .worker_threads(workers)
                .build()
                .unwrap(),
        )
    }
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn spawn<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Expect(self.0.spawn(future))
    }
    fn spawn_here<F>(future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Expect(corio::spawn(future))
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        corio::yield_now()
    }
    fn oneshot<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        let (tx, rx) = corio_sync::oneshot::channel();
        (tx, Expect(rx))
    }
    fn send<T: Send + 'static>(sender: Self::Sender<T>, value: T) {
        let _ = sender.send(value);
    }
}

/// tokio's multi-threaded runtime.
pub struct Tokio(tokio::runtime::Runtime);

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    type Join<T: Send + 'static> = Expect<tokio::task::JoinHandle<T>>;
    type Sender<T: Send + 'static> = tokio::sync::oneshot::Sender<T>;
    type Receiver<T: Send + 'static> = Expect<tokio::sync::oneshot::Receiver<T>>;

    fn with_workers(workers: usize) -> Self {
        Tokio(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all()
                .build()
                .unwrap(),
        )
    }
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn spawn<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Expect(self.0.spawn(future))
    }
    fn spawn_here<F>(future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Expect(tokio::spawn(future))
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
    fn oneshot<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (tx, Expect(rx))
    }
    fn send<T: Send + 'static>(sender: Self::Sender<T>, value: T) {
        let _ = sender.send(value);
    }
}

/// A countdown whose last decrement signals a plain thread.
struct Countdown {
    left: AtomicUsize,
    done: SyncSender<()>,
}

impl Countdown {
    fn new(n: usize) -> (Arc<Countdown>, std::sync::mpsc::Receiver<()>) {
        let (done, wait) = sync_channel(1);
        (
            Arc::new(Countdown {
                left: AtomicUsize::new(n),
                done,
            }),
            wait,
        )
    }
    fn tick(&self) {
        if self.left.fetch_sub(1, Relaxed) == 1 {
            self.done.send(()).unwrap();
        }
    }
}

/// The scheduler workloads, by name.
pub const SCHEDULER_WORKLOADS: &[&str] = &[
    "spawn_many",
    "spawn_many_remote",
    "yield_many",
    "ping_pong",
    "chained_spawn",
    "join_100k",
];

/// Runs one scheduler workload once.
pub fn run_scheduler_workload<R: Rt>(rt: &R, name: &str) {
    match name {
        "spawn_many" => spawn_many(rt),
        "spawn_many_remote" => spawn_many_remote(rt),
        "yield_many" => yield_many(rt),
        "ping_pong" => ping_pong(rt),
        "chained_spawn" => chained_spawn(rt),
        "join_100k" => join_100k(rt),
        other => panic!("unknown workload {other}"),
    }
}

/// 10 000 spawns from inside a task; each task counts down, the last signals.
pub fn spawn_many<R: Rt>(rt: &R) {
    const N: usize = 10_000;
    let (countdown, wait) = Countdown::new(N);
    drop(rt.spawn(async move {
        for _ in 0..N {
            let countdown = countdown.clone();
            drop(R::spawn_here(async move { countdown.tick() }));
        }
    }));
    wait.recv().unwrap();
}

/// 10 000 spawns from a plain thread, then every handle awaited.
pub fn spawn_many_remote<R: Rt>(rt: &R) {
    let handles: Vec<_> = (0..10_000u32).map(|i| rt.spawn(async move { i })).collect();
    rt.block_on(async {
        for handle in handles {
            std::hint::black_box(handle.await);
        }
    });
}

/// 200 tasks, each yielding 1 000 times.
pub fn yield_many<R: Rt>(rt: &R) {
    const TASKS: usize = 200;
    let (countdown, wait) = Countdown::new(TASKS);
    for _ in 0..TASKS {
        let countdown = countdown.clone();
        drop(rt.spawn(async move {
            for _ in 0..1_000 {
                R::yield_now().await;
            }
            countdown.tick();
        }));
    }
    wait.recv().unwrap();
}

/// 1 000 pairs of tasks, each pair exchanging one oneshot message each way.
pub fn ping_pong<R: Rt>(rt: &R) {
    const PAIRS: usize = 1_000;
    let (countdown, wait) = Countdown::new(PAIRS);
    drop(rt.spawn(async move {
        for _ in 0..PAIRS {
            let countdown = countdown.clone();
            drop(R::spawn_here(async move {
                let (ping_tx, ping_rx) = R::oneshot::<()>();
                let (pong_tx, pong_rx) = R::oneshot::<()>();
                drop(R::spawn_here(async move {
                    ping_rx.await;
                    R::send(pong_tx, ());
                }));
                R::send(ping_tx, ());
                pong_rx.await;
                countdown.tick();
            }));
        }
    }));
    wait.recv().unwrap();
}

/// A chain of 1 000 tasks, each spawning the next.
pub fn chained_spawn<R: Rt>(rt: &R) {
    fn link<R: Rt>(left: usize, done: SyncSender<()>) {
        if left == 0 {
            done.send(()).unwrap();
        } else {
            drop(R::spawn_here(async move { link::<R>(left - 1, done) }));
        }
    }
    let (done, wait) = sync_channel(1);
    drop(rt.spawn(async move { link::<R>(1_000, done) }));
    wait.recv().unwrap();
}

/// 100 000 trivial tasks spawned from the main future, every handle awaited.
pub fn join_100k<R: Rt>(rt: &R) {
    rt.block_on(async {
        let handles: Vec<_> = (0..100_000u32)
            .map(|i| R::spawn_here(async move { i }))
            .collect();
        let mut sum = 0u64;
        for handle in handles {
            sum += u64::from(handle.await);
        }
        std::hint::black_box(sum);
    });
}
