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
use std::time::{Duration, Instant};

pub mod front_door;
pub mod io;
pub mod sync;

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
    /// Sleeps for `duration`.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;
    /// Runs `future` with a deadline; `None` if it expired.
    fn timeout<F>(duration: Duration, future: F) -> impl Future<Output = Option<F::Output>> + Send
    where
        F: Future + Send;
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

impl Corio {
    /// The same runtime in debug mode (every poll timed, slow polls reported).
    pub fn with_workers_debug(workers: usize) -> Corio {
        Corio(
            corio::Runtime::builder()
                .worker_threads(workers)
                .debug(true)
                .build()
                .unwrap(),
        )
    }
}

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
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        corio::sleep(duration)
    }
    async fn timeout<F>(duration: Duration, future: F) -> Option<F::Output>
    where
        F: Future + Send,
    {
        corio::timeout(duration, future).await.ok()
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
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
    async fn timeout<F>(duration: Duration, future: F) -> Option<F::Output>
    where
        F: Future + Send,
    {
        tokio::time::timeout(duration, future).await.ok()
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

/// User + system CPU time of this process so far (Linux, /proc/self/stat; 10 ms resolution).
pub fn process_cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = stat[stat.rfind(')').map_or(0, |i| i + 2)..]
        .split(' ')
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// What one run of a workload measured.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// The figure the workload is judged on (wall time, CPU time or a latency).
    pub value: Duration,
    /// A second figure reported beside it (wall time next to CPU time, the median next to p99).
    pub aside: Option<Duration>,
}

impl Sample {
    /// A sample judged on wall time alone.
    pub fn wall(value: Duration) -> Sample {
        Sample { value, aside: None }
    }
}

/// Runs `f` and returns its wall time.
pub fn timed(f: impl FnOnce()) -> Sample {
    let start = Instant::now();
    f();
    Sample::wall(start.elapsed())
}

/// The time workloads, by name.
pub const TIME_WORKLOADS: &[&str] = &[
    "timers_100k",
    "timeout_no_fire",
    "timer_churn",
    "lateness_10ms",
];

/// Runs one time workload once.
pub fn run_time_workload<R: Rt>(rt: &R, name: &str) -> Sample {
    match name {
        "timers_100k" => timers_100k(rt),
        "timeout_no_fire" => timed(|| timeout_no_fire(rt)),
        "timer_churn" => timed(|| timer_churn(rt)),
        "lateness_10ms" => lateness(rt),
        other => panic!("unknown workload {other}"),
    }
}

/// 100 000 tasks each sleeping a pseudo-random 1..=50 ms (fixed seed).
/// Judged on process CPU time; the wall time is reported beside it.
pub fn timers_100k<R: Rt>(rt: &R) -> Sample {
    const N: usize = 100_000;
    let (countdown, wait) = Countdown::new(N);
    let cpu = process_cpu_time();
    let start = Instant::now();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..N {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let ms = 1 + seed % 50;
        let countdown = countdown.clone();
        drop(rt.spawn(async move {
            R::sleep(Duration::from_millis(ms)).await;
            countdown.tick();
        }));
    }
    wait.recv().unwrap();
    Sample {
        value: process_cpu_time() - cpu,
        aside: Some(start.elapsed()),
    }
}

/// 1 000 000 `timeout(1 s, f)` calls split over two tasks; `f` is ready at
/// once on odd calls and yields once on even ones (so half the timeouts must
/// arm a timer and cancel it).
pub fn timeout_no_fire<R: Rt>(rt: &R) {
    const CALLS: usize = 1_000_000;
    rt.block_on(async {
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                R::spawn_here(async {
                    let mut hits = 0usize;
                    for i in 0..CALLS / 2 {
                        let out = R::timeout(Duration::from_secs(1), async move {
                            if i % 2 == 0 {
                                R::yield_now().await;
                            }
                            i
                        })
                        .await;
                        hits += usize::from(out.is_some());
                    }
                    hits
                })
            })
            .collect();
        let mut hits = 0;
        for task in tasks {
            hits += task.await;
        }
        assert_eq!(hits, CALLS);
    });
}

/// 1 000 000 sleeps created, polled once (so they register) and dropped,
/// across two tasks on the two workers.
pub fn timer_churn<R: Rt>(rt: &R) {
    const SLEEPS: usize = 1_000_000;
    rt.block_on(async {
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                R::spawn_here(async {
                    for _ in 0..SLEEPS / 2 {
                        let mut sleep = std::pin::pin!(R::sleep(Duration::from_secs(1)));
                        std::future::poll_fn(|cx| {
                            let _ = sleep.as_mut().poll(cx);
                            Poll::Ready(())
                        })
                        .await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
    });
}

/// 10 000 sleeps of 10 ms (100 tasks x 100 sleeps in a row): how late each
/// wake-up is. Judged on the p99; the median is reported beside it.
pub fn lateness<R: Rt>(rt: &R) -> Sample {
    const TASKS: usize = 100;
    const SLEEPS: usize = 100;
    let lateness = rt.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                R::spawn_here(async {
                    let mut late = Vec::with_capacity(SLEEPS);
                    for _ in 0..SLEEPS {
                        let start = Instant::now();
                        R::sleep(Duration::from_millis(10)).await;
                        late.push(start.elapsed().saturating_sub(Duration::from_millis(10)));
                    }
                    late
                })
            })
            .collect();
        let mut all = Vec::with_capacity(TASKS * SLEEPS);
        for task in tasks {
            all.extend(task.await);
        }
        all
    });
    let mut lateness = lateness;
    lateness.sort();
    let at = |q: f64| lateness[((lateness.len() as f64 - 1.0) * q) as usize];
    Sample {
        value: at(0.99),
        aside: Some(at(0.5)),
    }
}
