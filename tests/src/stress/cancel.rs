//! Cancellation storm: tasks parked on timers, queues, locks, semaphores,
//! events and sockets; about half of them are cancelled at random moments,
//! from other tasks and from plain threads.
//!
//! Afterwards, exactly:
//!
//! - every task's future was dropped once (a drop counter per future);
//! - every task never targeted finished normally, and no more tasks ended
//!   cancelled than `cancel()` calls returned `true`;
//! - no waiter list keeps an entry (`waiters()` of each primitive is 0),
//!   no timer is left in the wheel and no socket is left in the reactor;
//! - the semaphore has all its permits, never had more holders than
//!   permits, and the lock is free and its counter equals the number of
//!   finished critical sections (a lost update would show);
//! - every queue item a `put` accepted was got by exactly one task or is
//!   still in the queue, no item a cancelled `put` carried appeared, and
//!   every item made was dropped once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use corio::net::{TcpListener, TcpStream, UnixStream};
use corio::{Event, Lock, Queue, Semaphore, Task};

use super::{Rng, runtime, secs};
use crate::{DropCounter, DropToken};

const PERMITS: usize = 16;
const ITEMS_PER_PRODUCER: u64 = 4;
const TASK_CANCELLERS: usize = 8;
const THREAD_CANCELLERS: usize = 4;

/// Sizes of a storm.
///
/// ```
/// let config = corio_tests::stress::cancel::Config { tasks: 1000, workers: 2, seed: 1 };
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    /// Tasks parked (about half are cancelled).
    pub tasks: usize,
    /// Worker threads (0: one per core).
    pub workers: usize,
    /// Seed of the tasks' kinds, of who is cancelled, and of the moments.
    pub seed: u64,
}

/// What a storm did, counted exactly.
///
/// ```
/// use corio_tests::stress::cancel;
/// let report = cancel::run(&cancel::Config { tasks: 500, workers: 2, seed: 3 });
/// assert_eq!(report.dropped, 500);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Tasks spawned.
    pub tasks: usize,
    /// Worker threads.
    pub workers: usize,
    /// Seed used.
    pub seed: u64,
    /// Tasks chosen to be cancelled.
    pub targeted: usize,
    /// `cancel()` calls that returned `true`, from tasks.
    pub cancelled_by_tasks: usize,
    /// `cancel()` calls that returned `true`, from plain threads.
    pub cancelled_by_threads: usize,
    /// Tasks whose handle gave `TaskError::Cancelled`.
    pub ended_cancelled: usize,
    /// Tasks that finished normally.
    pub completed: usize,
    /// Futures dropped (must equal `tasks`).
    pub dropped: usize,
    /// Tasks parked on each kind: timer, queue, lock, semaphore, event, socket.
    pub per_kind: [usize; 6],
    /// Queue items put, got by a task, and left in the queue.
    pub items_put: u64,
    /// Queue items got by a task.
    pub items_got: u64,
    /// Queue items left in the queue at the end.
    pub items_left: u64,
    /// Critical sections completed under the lock.
    pub lock_sections: u64,
    /// Permits acquired from the semaphore.
    pub permits_acquired: u64,
    /// Wall time.
    pub wall: Duration,
}

impl Report {
    /// One line with every figure.
    ///
    /// ```
    /// # use corio_tests::stress::cancel;
    /// let report = cancel::run(&cancel::Config { tasks: 100, workers: 1, seed: 1 });
    /// assert!(report.figures().starts_with("cancel: tasks=100 "));
    /// ```
    pub fn figures(&self) -> String {
        let [timer, queue, lock, semaphore, event, socket] = self.per_kind;
        format!(
            "cancel: tasks={} workers={} seed={} targeted={} cancel_true_from_tasks={} \
             cancel_true_from_threads={} ended_cancelled={} completed={} dropped={} \
             parked_on=timer:{timer},queue:{queue},lock:{lock},semaphore:{semaphore},event:{event},socket:{socket} \
             items_put={} items_got={} items_left={} lock_sections={} permits={} wall={}s \
             stale_waiters=0 lost_items=0 lost_permits=0 leaked_timers=0 leaked_sources=0",
            self.tasks,
            self.workers,
            self.seed,
            self.targeted,
            self.cancelled_by_tasks,
            self.cancelled_by_threads,
            self.ended_cancelled,
            self.completed,
            self.dropped,
            self.items_put,
            self.items_got,
            self.items_left,
            self.lock_sections,
            self.permits_acquired,
            secs(self.wall),
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Timer,
    Queue,
    Lock,
    Semaphore,
    Event,
    Socket,
}

/// A queue item: its id, and a token so its drop is counted.
struct Item {
    id: u64,
    _token: DropToken,
}

/// One end of a socket pair the harness writes to at the end.
enum Peer {
    Tcp(TcpStream),
    Unix(UnixStream),
}

struct Shared {
    seed: u64,
    queue: Queue<Item>,
    lock: Lock<u64>,
    semaphore: Semaphore,
    event: Event,
    /// Per item id: 1 once a `put` of it returned `Ok`.
    put_ok: Vec<AtomicU8>,
    /// Per item id: how many times a `get` returned it.
    got: Vec<AtomicU8>,
    items_made: AtomicU64,
    item_drops: DropCounter,
    lock_sections: AtomicU64,
    permits_acquired: AtomicU64,
    holders: AtomicUsize,
    most_holders: AtomicUsize,
}

/// Decrements the holder count when a permit's holder leaves, cancelled or not.
struct Holding<'a>(&'a AtomicUsize);

impl Drop for Holding<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn parked(shared: Arc<Shared>, i: u64, kind: Kind, socket: Option<Peer>) {
    let mut rng = Rng::for_item(shared.seed ^ 0xCA9C, i);
    match kind {
        Kind::Timer => corio::sleep(Duration::from_millis(1 + rng.below(1000))).await,
        Kind::Queue if i % 2 == 0 => {
            for k in 0..ITEMS_PER_PRODUCER {
                let id = i / 2 * ITEMS_PER_PRODUCER + k;
                shared.items_made.fetch_add(1, Ordering::SeqCst);
                let item = Item {
                    id,
                    _token: shared.item_drops.token(),
                };
                if shared.queue.put(item).await.is_err() {
                    return; // shut down: the item came back in the error and is dropped
                }
                shared.put_ok[id as usize].store(1, Ordering::SeqCst);
            }
        }
        Kind::Queue => {
            for _ in 0..ITEMS_PER_PRODUCER {
                let got = if rng.percent(25) {
                    // A get under a timeout: the timer and the waiter race.
                    match corio::timeout(Duration::from_millis(rng.below(5)), shared.queue.get())
                        .await
                    {
                        Ok(got) => got,
                        Err(_elapsed) => continue,
                    }
                } else {
                    shared.queue.get().await
                };
                match got {
                    Ok(item) => {
                        shared.got[item.id as usize].fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => return,
                }
            }
        }
        Kind::Lock => {
            for _ in 0..3 {
                let mut guard = shared.lock.lock().await;
                let before = *guard;
                corio::yield_now().await;
                *guard = before + 1;
                shared.lock_sections.fetch_add(1, Ordering::SeqCst);
            }
        }
        Kind::Semaphore => {
            for _ in 0..3 {
                let permit = shared
                    .semaphore
                    .acquire()
                    .await
                    .expect("the semaphore is never closed");
                shared.permits_acquired.fetch_add(1, Ordering::SeqCst);
                let now = shared.holders.fetch_add(1, Ordering::SeqCst) + 1;
                let _holding = Holding(&shared.holders);
                shared.most_holders.fetch_max(now, Ordering::SeqCst);
                corio::yield_now().await;
                drop(permit);
            }
        }
        Kind::Event => shared.event.wait().await,
        Kind::Socket => {
            let mut byte = [0u8; 1];
            let n = match socket.expect("a socket task has a socket") {
                Peer::Tcp(s) => s.read(&mut byte).await,
                Peer::Unix(s) => s.read(&mut byte).await,
            }
            .unwrap_or_else(|e| panic!("socket task {i}: read failed: {e}"));
            assert_eq!(n, 1, "socket task {i}: end of stream instead of a byte");
        }
    }
}

/// Cancels `targets` in a random order at random moments, from a task.
async fn cancel_from_task(
    targets: Vec<(usize, Task<()>)>,
    seed: u64,
) -> (Vec<(usize, Task<()>)>, usize) {
    let mut rng = Rng::new(seed);
    let mut yes = 0;
    for (_, task) in &targets {
        match rng.below(100) {
            0 => corio::sleep(Duration::from_micros(rng.below(1000))).await,
            1..=20 => corio::yield_now().await,
            _ => {}
        }
        yes += usize::from(task.cancel());
    }
    (targets, yes)
}

/// Cancels `targets` in a random order at random moments, from a plain thread.
fn cancel_from_thread(
    targets: Vec<(usize, Task<()>)>,
    seed: u64,
) -> (Vec<(usize, Task<()>)>, usize) {
    let mut rng = Rng::new(seed);
    let mut yes = 0;
    for (_, task) in &targets {
        match rng.below(100) {
            0..=19 => std::thread::sleep(Duration::from_micros(rng.below(100))),
            20..=39 => std::thread::yield_now(),
            _ => {}
        }
        yes += usize::from(task.cancel());
    }
    (targets, yes)
}

async fn socket_pair(tcp: bool, listener: &TcpListener) -> (Peer, Peer) {
    if tcp {
        let addr = listener.local_addr().expect("a bound listener");
        let connect = corio::spawn(TcpStream::connect(addr));
        let (server, _) = listener
            .accept()
            .await
            .unwrap_or_else(|e| panic!("accept on {addr}: {e}"));
        let client = connect
            .await
            .expect("the connecting task")
            .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        (Peer::Tcp(client), Peer::Tcp(server))
    } else {
        let (a, b) = UnixStream::pair().unwrap_or_else(|e| panic!("socketpair: {e}"));
        (Peer::Unix(a), Peer::Unix(b))
    }
}

/// Runs the storm and checks everything listed in the module docs; panics
/// with the seed and the disagreeing counts otherwise.
///
/// ```
/// use corio_tests::stress::cancel;
/// let report = cancel::run(&cancel::Config { tasks: 2000, workers: 2, seed: 8 });
/// assert_eq!(report.ended_cancelled + report.completed, 2000);
/// ```
pub fn run(config: &Config) -> Report {
    let rt = runtime(config.workers, "cancel");
    let workers = rt.handle().num_workers();
    let started = Instant::now();
    let report = rt.block_on(storm(config.clone(), rt.handle().clone()));
    let timers = rt.handle().num_timers();
    drop(rt);
    assert_eq!(
        timers, 0,
        "seed {}: {timers} timers left in the wheel",
        config.seed
    );
    Report {
        workers,
        wall: started.elapsed(),
        ..report
    }
}

async fn storm(config: Config, handle: corio::Handle) -> Report {
    let seed = config.seed;
    let n = config.tasks;
    let sockets = (n / 50).min(400);
    let items = (n as u64).div_ceil(2) * ITEMS_PER_PRODUCER;
    let shared = Arc::new(Shared {
        seed,
        queue: Queue::bounded(32),
        lock: Lock::new(0),
        semaphore: Semaphore::new(PERMITS),
        event: Event::new(),
        put_ok: (0..items).map(|_| AtomicU8::new(0)).collect(),
        got: (0..items).map(|_| AtomicU8::new(0)).collect(),
        items_made: AtomicU64::new(0),
        item_drops: DropCounter::new(),
        lock_sections: AtomicU64::new(0),
        permits_acquired: AtomicU64::new(0),
        holders: AtomicUsize::new(0),
        most_holders: AtomicUsize::new(0),
    });
    let sources_before = handle.num_io_sources();
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind a listener: {e}"));
    let mut peers = Vec::with_capacity(sockets);
    let drops = DropCounter::new();
    let mut per_kind = [0usize; 6];
    let mut targets: Vec<Vec<(usize, Task<()>)>> = (0..TASK_CANCELLERS + THREAD_CANCELLERS)
        .map(|_| Vec::new())
        .collect();
    let mut kept = Vec::new();
    let mut rng = Rng::new(seed);
    let mut targeted = 0;
    // Held until half the task cancellers are done, so most lock waiters and many
    // semaphore waiters are queued, not running, when the storm hits them;
    // the other permits keep the semaphore busy meanwhile.
    let lock_held = shared.lock.lock().await;
    let permits_held = shared
        .semaphore
        .acquire_many(PERMITS - 4)
        .await
        .expect("the semaphore is never closed");
    for i in 0..n {
        let (kind, socket) = if i < sockets {
            let (ours, theirs) = socket_pair(i % 2 == 0, &listener).await;
            peers.push(theirs);
            (Kind::Socket, Some(ours))
        } else {
            let kind = [
                Kind::Timer,
                Kind::Queue,
                Kind::Lock,
                Kind::Semaphore,
                Kind::Event,
            ][rng.below(5) as usize];
            (kind, None)
        };
        per_kind[kind as usize] += 1;
        let token = drops.token();
        let shared = shared.clone();
        let task = corio::spawn(async move {
            let _token = token;
            parked(shared, i as u64, kind, socket).await;
        });
        if rng.percent(50) {
            targets[targeted % (TASK_CANCELLERS + THREAD_CANCELLERS)].push((i, task));
            targeted += 1;
        } else {
            kept.push((i, task));
        }
    }

    // The storm: cancellers in tasks and in plain threads, all at once.
    let mut cancellers = Vec::new();
    let mut threads = Vec::new();
    for (c, list) in targets.into_iter().enumerate() {
        let mut list = list;
        for k in (1..list.len()).rev() {
            list.swap(k, rng.below(k as u64 + 1) as usize);
        }
        let canceller_seed = rng.next_u64();
        if c < TASK_CANCELLERS {
            cancellers.push(corio::spawn(cancel_from_task(list, canceller_seed)));
        } else {
            threads.push(std::thread::spawn(move || {
                cancel_from_thread(list, canceller_seed)
            }));
        }
    }
    let mut all: Vec<(usize, Task<()>, bool)> =
        kept.into_iter().map(|(i, t)| (i, t, false)).collect();
    let (mut by_tasks, mut by_threads) = (0, 0);
    let mut held = Some((lock_held, permits_held));
    for (c, canceller) in cancellers.into_iter().enumerate() {
        if c == TASK_CANCELLERS / 2 {
            held = None; // the queued lock and semaphore waiters wake while the storm goes on
        }
        let (list, yes) = canceller.await.expect("a canceller task failed");
        by_tasks += yes;
        all.extend(list.into_iter().map(|(i, t)| (i, t, true)));
    }
    drop(held);
    for thread in threads {
        let (list, yes) = corio::to_thread(move || thread.join())
            .await
            .expect("a canceller thread panicked");
        by_threads += yes;
        all.extend(list.into_iter().map(|(i, t)| (i, t, true)));
    }

    // Release everything still parked: the event, the sockets, the queue.
    // Timers expire by themselves; lock and semaphore tasks finish their rounds.
    shared.event.set();
    for peer in &peers {
        // A cancelled reader closed its end: that write fails (EPIPE), and
        // the reader it was for is gone, so the error is expected.
        let _ = match peer {
            Peer::Tcp(s) => s.write_all(b"x").await,
            Peer::Unix(s) => s.write_all(b"x").await,
        };
    }
    shared.queue.shutdown(false);

    let (mut ended_cancelled, mut completed) = (0, 0);
    for (i, task, was_targeted) in all {
        match task.await {
            Ok(()) => completed += 1,
            Err(e) if e.is_cancelled() => {
                assert!(
                    was_targeted,
                    "seed {seed}: task {i} ended cancelled but nobody cancelled it"
                );
                ended_cancelled += 1;
            }
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    drop(peers);
    drop(listener);

    let fail = |what: &str| format!("seed {seed}: {what}");
    assert_eq!(
        completed + ended_cancelled,
        n,
        "{}",
        fail("tasks unaccounted for")
    );
    assert!(
        ended_cancelled <= by_tasks + by_threads,
        "{}",
        fail("more tasks ended cancelled than cancel() calls returned true")
    );
    assert_eq!(drops.count(), n, "{}", fail("futures dropped != tasks"));

    // Waiter lists, permits, the lock.
    assert_eq!(
        shared.semaphore.waiters(),
        0,
        "{}",
        fail("semaphore waiters left")
    );
    assert_eq!(
        shared.semaphore.available_permits(),
        PERMITS,
        "{}",
        fail("semaphore permits lost")
    );
    let most = shared.most_holders.load(Ordering::SeqCst);
    assert!(
        most <= PERMITS,
        "{}",
        fail(&format!("{most} permit holders at once"))
    );
    assert_eq!(shared.lock.waiters(), 0, "{}", fail("lock waiters left"));
    let sections = shared.lock_sections.load(Ordering::SeqCst);
    {
        let guard = shared
            .lock
            .try_lock()
            .unwrap_or_else(|_| panic!("{}", fail("the lock is still held")));
        assert_eq!(
            *guard,
            sections,
            "{}",
            fail("the lock's counter lost an update")
        );
    }
    assert_eq!(shared.event.waiters(), 0, "{}", fail("event waiters left"));
    assert_eq!(shared.queue.waiters(), 0, "{}", fail("queue waiters left"));

    // Queue items: put = got + left, each once.
    let mut left = vec![0u8; items as usize];
    let mut items_left = 0;
    while let Ok(item) = shared.queue.get_nowait() {
        left[item.id as usize] += 1;
        items_left += 1;
    }
    let (mut items_put, mut items_got) = (0, 0);
    for (id, &left) in left.iter().enumerate() {
        let put = shared.put_ok[id].load(Ordering::SeqCst);
        let got = shared.got[id].load(Ordering::SeqCst);
        assert_eq!(
            put,
            got + left,
            "{}",
            fail(&format!(
                "item {id}: put {put} time(s), got {got}, left {left}"
            ))
        );
        items_put += u64::from(put);
        items_got += u64::from(got);
    }
    let made = shared.items_made.load(Ordering::SeqCst);
    assert_eq!(
        shared.item_drops.count() as u64,
        made,
        "{}",
        fail("queue items made != items dropped")
    );
    assert_eq!(
        handle.num_io_sources(),
        sources_before,
        "{}",
        fail("sockets left registered in the reactor")
    );

    Report {
        tasks: n,
        workers: 0,
        seed,
        targeted,
        cancelled_by_tasks: by_tasks,
        cancelled_by_threads: by_threads,
        ended_cancelled,
        completed,
        dropped: drops.count(),
        per_kind,
        items_put,
        items_got,
        items_left,
        lock_sections: sections,
        permits_acquired: shared.permits_acquired.load(Ordering::SeqCst),
        wall: Duration::ZERO,
    }
}
