//! The sync workloads (issue 4): corio-sync's primitives on corio beside
//! `tokio::sync` (and `async-channel`) on tokio.
//!
//! Each workload is written once, generic over the runtime ([`Rt`]) and over
//! the primitive (the small traits below), and each row of the report pits
//! one corio primitive on corio against one comparator on tokio, named in the
//! workload (`mpmc_queue(Queue vs async-channel)`). The comparator's runtime
//! is tokio, so a row measures primitive and scheduler together, as a user
//! of either stack would see them.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use crate::{Corio, Rt, Sample, Tokio, timed};

/// The sync workloads, by name: `base(corio primitive vs comparator)`.
pub const SYNC_WORKLOADS: &[&str] = &[
    "mpmc_queue(Queue vs async-channel)",
    "mpmc_channel(channel vs async-channel)",
    "mpsc_queue(Queue vs tokio mpsc)",
    "semaphore_uncontended(Semaphore vs tokio Semaphore)",
    "semaphore_contended(Semaphore vs tokio Semaphore)",
    "lock(Lock vs tokio Mutex)",
    "oneshot_ping_pong(oneshot vs tokio oneshot)",
];

/// The part of a workload's name before its `(... vs ...)`.
pub fn base_name(workload: &str) -> &str {
    workload.split('(').next().unwrap_or(workload)
}

/// Runs one sync workload once with corio's primitives on corio.
pub fn run_sync_corio(rt: &Corio, name: &str) -> Sample {
    match base_name(name) {
        "mpmc_queue" => timed(|| mpmc::<Corio, CorioQueue>(rt, 4, 4)),
        "mpmc_channel" => timed(|| mpmc::<Corio, CorioChannel>(rt, 4, 4)),
        "mpsc_queue" => timed(|| mpmc::<Corio, CorioQueue>(rt, 4, 1)),
        "semaphore_uncontended" => semaphore_uncontended::<Corio, corio::Semaphore>(rt),
        "semaphore_contended" => timed(|| semaphore_contended::<Corio, corio::Semaphore>(rt)),
        "lock" => timed(|| lock::<Corio, corio::Lock<u64>>(rt)),
        "oneshot_ping_pong" => timed(|| oneshot_ping_pong(rt)),
        other => panic!("unknown workload {other}"),
    }
}

/// Runs one sync workload once with the comparator named in it, on tokio.
pub fn run_sync_tokio(rt: &Tokio, name: &str) -> Sample {
    use tokio::sync::{Mutex, Semaphore};
    match base_name(name) {
        "mpmc_queue" | "mpmc_channel" => timed(|| mpmc::<Tokio, AsyncChannel>(rt, 4, 4)),
        "mpsc_queue" => timed(|| mpmc::<Tokio, TokioMpsc>(rt, 4, 1)),
        "semaphore_uncontended" => semaphore_uncontended::<Tokio, Semaphore>(rt),
        "semaphore_contended" => timed(|| semaphore_contended::<Tokio, Semaphore>(rt)),
        "lock" => timed(|| lock::<Tokio, Mutex<u64>>(rt)),
        "oneshot_ping_pong" => timed(|| oneshot_ping_pong(rt)),
        other => panic!("unknown workload {other}"),
    }
}

// ---- queues and channels --------------------------------------------------

/// A bounded queue of `u64` with clonable senders: one impl per contender.
pub trait Pipe {
    /// The sending end.
    type Tx: Clone + Send + Sync + 'static;
    /// The receiving end.
    type Rx: Send + 'static;
    /// A queue holding at most `capacity` items.
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx);
    /// One receiving end per consumer (clones; a single-consumer queue allows one).
    fn consumers(rx: Self::Rx, n: usize) -> Vec<Self::Rx>;
    /// Sends, waiting for room.
    fn send(tx: &Self::Tx, value: u64) -> impl Future<Output = ()> + Send;
    /// Receives, waiting for an item.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = u64> + Send;
}

/// corio's asyncio `Queue` (no `task_done`: nobody joins).
pub struct CorioQueue;
/// corio's MPMC `channel`.
pub struct CorioChannel;
/// `async-channel`'s bounded MPMC channel.
pub struct AsyncChannel;
/// tokio's `mpsc` (one consumer).
pub struct TokioMpsc;

impl Pipe for CorioQueue {
    type Tx = corio::Queue<u64>;
    type Rx = corio::Queue<u64>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        let queue = corio::Queue::bounded(capacity);
        (queue.clone(), queue)
    }
    fn consumers(rx: Self::Rx, n: usize) -> Vec<Self::Rx> {
        vec![rx; n]
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.put(value).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.get().await.unwrap()
    }
}

impl Pipe for CorioChannel {
    type Tx = corio::sync::Sender<u64>;
    type Rx = corio::sync::Receiver<u64>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        corio::sync::channel(capacity)
    }
    fn consumers(rx: Self::Rx, n: usize) -> Vec<Self::Rx> {
        vec![rx; n]
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.unwrap()
    }
}

impl Pipe for AsyncChannel {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }
    fn consumers(rx: Self::Rx, n: usize) -> Vec<Self::Rx> {
        vec![rx; n]
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.unwrap()
    }
}

impl Pipe for TokioMpsc {
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }
    fn consumers(rx: Self::Rx, n: usize) -> Vec<Self::Rx> {
        assert_eq!(n, 1, "tokio's mpsc has a single consumer");
        vec![rx]
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.unwrap()
    }
}

/// `producers` tasks pass 1 000 000 `u64` through a queue of capacity 1 024
/// to `consumers` tasks (each takes an equal share); the sum is checked.
pub fn mpmc<R: Rt, P: Pipe>(rt: &R, producers: u64, consumers: u64) {
    const ITEMS: u64 = 1_000_000;
    rt.block_on(async {
        let (tx, rx) = P::bounded(1024);
        let sending: Vec<_> = (0..producers)
            .map(|p| {
                let tx = tx.clone();
                R::spawn_here(async move {
                    for i in (p..ITEMS).step_by(producers as usize) {
                        P::send(&tx, i).await;
                    }
                })
            })
            .collect();
        drop(tx);
        let receiving: Vec<_> = P::consumers(rx, consumers as usize)
            .into_iter()
            .map(|mut rx| {
                R::spawn_here(async move {
                    let mut sum = 0;
                    for _ in 0..ITEMS / consumers {
                        sum += P::recv(&mut rx).await;
                    }
                    sum
                })
            })
            .collect();
        for task in sending {
            task.await;
        }
        let mut sum = 0;
        for task in receiving {
            sum += task.await;
        }
        assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
    });
}

// ---- semaphores -------------------------------------------------------------

/// A counting semaphore: corio's or tokio's.
pub trait Sem: Send + Sync + 'static {
    /// A semaphore with `permits` permits.
    fn new(permits: usize) -> Self;
    /// Acquires a permit, awaits `inside` while holding it, releases it.
    fn with_permit<F: Future + Send>(&self, inside: F) -> impl Future<Output = F::Output> + Send;
    /// Permits free now.
    fn available(&self) -> usize;
}

impl Sem for corio::Semaphore {
    fn new(permits: usize) -> Self {
        corio::Semaphore::new(permits)
    }
    async fn with_permit<F: Future + Send>(&self, inside: F) -> F::Output {
        let _permit = self.acquire().await.unwrap();
        inside.await
    }
    fn available(&self) -> usize {
        self.available_permits()
    }
}

impl Sem for tokio::sync::Semaphore {
    fn new(permits: usize) -> Self {
        tokio::sync::Semaphore::new(permits)
    }
    async fn with_permit<F: Future + Send>(&self, inside: F) -> F::Output {
        let _permit = self.acquire().await.unwrap();
        inside.await
    }
    fn available(&self) -> usize {
        self.available_permits()
    }
}

/// One task takes and returns a permit 1 000 000 times (nobody else wants
/// one); judged on the time per acquire/release pair.
pub fn semaphore_uncontended<R: Rt, S: Sem>(rt: &R) -> Sample {
    const PAIRS: u32 = 1_000_000;
    let sem = Arc::new(S::new(10));
    let per_pair = rt.block_on(rt.spawn(async move {
        let start = Instant::now();
        for _ in 0..PAIRS {
            sem.with_permit(async {}).await;
        }
        let elapsed = start.elapsed();
        assert_eq!(sem.available(), 10);
        elapsed / PAIRS
    }));
    Sample::wall(per_pair)
}

/// 100 tasks contend for 10 permits, 1 000 acquisitions each, holding the
/// permit across one yield (so 90 tasks are always queued for one).
pub fn semaphore_contended<R: Rt, S: Sem>(rt: &R) {
    let sem = Arc::new(S::new(10));
    rt.block_on(async {
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let sem = sem.clone();
                R::spawn_here(async move {
                    for _ in 0..1_000 {
                        sem.with_permit(R::yield_now()).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
    });
    assert_eq!(sem.available(), 10);
}

// ---- locks ------------------------------------------------------------------

/// An async mutex around a counter: corio's `Lock` or tokio's `Mutex`.
pub trait Counter: Send + Sync + 'static {
    /// A counter at zero.
    fn zero() -> Self;
    /// Takes the lock and adds one.
    fn increment(&self) -> impl Future<Output = ()> + Send;
    /// Takes the lock and reads the count.
    fn count(&self) -> impl Future<Output = u64> + Send;
}

impl Counter for corio::Lock<u64> {
    fn zero() -> Self {
        corio::Lock::new(0)
    }
    async fn increment(&self) {
        *self.lock().await += 1;
    }
    async fn count(&self) -> u64 {
        *self.lock().await
    }
}

impl Counter for tokio::sync::Mutex<u64> {
    fn zero() -> Self {
        tokio::sync::Mutex::new(0)
    }
    async fn increment(&self) {
        *self.lock().await += 1;
    }
    async fn count(&self) -> u64 {
        *self.lock().await
    }
}

/// 8 tasks each increment one locked counter 100 000 times.
pub fn lock<R: Rt, C: Counter>(rt: &R) {
    rt.block_on(async {
        let counter = Arc::new(C::zero());
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let counter = counter.clone();
                R::spawn_here(async move {
                    for _ in 0..100_000 {
                        counter.increment().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
        assert_eq!(counter.count().await, 800_000);
    });
}

// ---- oneshot ----------------------------------------------------------------

/// A message carrying the oneshot sender for its answer.
struct Ball<R: Rt>(u64, R::Sender<Ball<R>>);

/// 10 000 round trips between two tasks; every message is a fresh oneshot
/// that carries the sender of the reply.
pub fn oneshot_ping_pong<R: Rt>(rt: &R) {
    const MESSAGES: u64 = 2 * 10_000;
    async fn player<R: Rt>(mut inbox: R::Receiver<Ball<R>>) -> u64 {
        loop {
            let Ball(n, reply) = inbox.await;
            let (tx, next) = R::oneshot();
            // The last answer may go to a player that has left: send ignores that.
            R::send(reply, Ball(n + 1, tx));
            if n + 1 >= MESSAGES {
                return n;
            }
            inbox = next;
        }
    }
    rt.block_on(async {
        let (to_a, inbox_a) = R::oneshot();
        let (to_b, inbox_b) = R::oneshot();
        let a = R::spawn_here(player::<R>(inbox_a));
        let b = R::spawn_here(player::<R>(inbox_b));
        R::send(to_a, Ball(0, to_b));
        let (a, b) = (a.await, b.await);
        assert_eq!(a.max(b), MESSAGES);
        assert_eq!(a.min(b), MESSAGES - 1);
    });
}
