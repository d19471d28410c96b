//! Shutdown under load: the runtime is dropped while its tasks are blocked
//! on sockets, timers, queues, locks, events and `spawn_blocking`, while a
//! few spin on `yield_now` and a few were spawned but never polled.
//!
//! Afterwards, exactly: every task's future was dropped once, every
//! blocking closure was dropped once (run or not), every worker and pool
//! thread is joined, and the process has as many open file descriptors as
//! before the runtime was built (epoll, the wake-up descriptor and every
//! socket closed). Run it in a process (or test binary) of its own: threads
//! and descriptors are counted process-wide.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use corio::net::{TcpListener, TcpStream, UnixStream};
use corio::{Event, Lock, Queue};

use super::{Rng, secs};
use crate::{DropCounter, fd_count, threads_named};

const THREAD_PREFIX: &str = "sdl~";

/// Sizes of a shutdown run.
///
/// ```
/// let config = corio_tests::stress::shutdown::Config { tasks: 1000, workers: 2, seed: 1 };
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    /// Tasks pending when the runtime is dropped.
    pub tasks: usize,
    /// Worker threads (0: one per core).
    pub workers: usize,
    /// Seed of the tasks' kinds.
    pub seed: u64,
}

/// What was pending at shutdown, and what shutdown cleaned up.
///
/// ```
/// use corio_tests::stress::shutdown;
/// let report = shutdown::run(&shutdown::Config { tasks: 300, workers: 2, seed: 2 });
/// assert_eq!(report.dropped, 300);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Tasks pending at shutdown.
    pub tasks: usize,
    /// Worker threads.
    pub workers: usize,
    /// Seed used.
    pub seed: u64,
    /// Pending on: socket read, timer, queue get, lock, event, `spawn_blocking`,
    /// spinning on `yield_now`, never polled.
    pub per_kind: [usize; 8],
    /// Blocking closures submitted (some running, some queued at shutdown).
    pub blocking: usize,
    /// Sockets (descriptors) owned by pending tasks.
    pub sockets: usize,
    /// Futures dropped (must equal `tasks`).
    pub dropped: usize,
    /// Blocking closures dropped (must equal `blocking`).
    pub blocking_dropped: usize,
    /// Runtime threads seen just before shutdown.
    pub threads_before: usize,
    /// Runtime threads left after shutdown (must be 0).
    pub threads_after: usize,
    /// Open descriptors before the runtime was built, and after it was dropped.
    pub fds: (usize, usize),
    /// How long dropping the runtime took.
    pub shutdown: Duration,
    /// Wall time of the whole run.
    pub wall: Duration,
}

impl Report {
    /// One line with every figure.
    ///
    /// ```
    /// # use corio_tests::stress::shutdown;
    /// let report = shutdown::run(&shutdown::Config { tasks: 100, workers: 1, seed: 1 });
    /// assert!(report.figures().starts_with("shutdown: tasks=100 "));
    /// ```
    pub fn figures(&self) -> String {
        let [io, timer, queue, lock, event, blocking, spinning, unpolled] = self.per_kind;
        format!(
            "shutdown: tasks={} workers={} seed={} pending_on=io:{io},timer:{timer},queue:{queue},lock:{lock},\
             event:{event},spawn_blocking:{blocking},spinning:{spinning},never_polled:{unpolled} \
             blocking_closures={} sockets={} dropped={} blocking_dropped={} threads_before={} \
             threads_after={} fds_before={} fds_after={} shutdown={}s wall={}s leaks=0",
            self.tasks,
            self.workers,
            self.seed,
            self.blocking,
            self.sockets,
            self.dropped,
            self.blocking_dropped,
            self.threads_before,
            self.threads_after,
            self.fds.0,
            self.fds.1,
            secs(self.shutdown),
            secs(self.wall),
        )
    }
}

/// Builds a runtime (8 blocking threads at most), parks `tasks` tasks in it,
/// drops it, and checks that
/// everything was dropped, joined and closed; panics with the seed and the
/// counts otherwise.
///
/// ```
/// use corio_tests::stress::shutdown;
/// let report = shutdown::run(&shutdown::Config { tasks: 500, workers: 2, seed: 4 });
/// assert_eq!(report.threads_after, 0);
/// ```
pub fn run(config: &Config) -> Report {
    let seed = config.seed;
    let n = config.tasks;
    let started = Instant::now();
    let fds_before = fd_count();
    let mut builder = corio::Runtime::builder()
        .thread_name(THREAD_PREFIX)
        .max_blocking_threads(8);
    if config.workers > 0 {
        builder = builder.worker_threads(config.workers);
    }
    let rt = builder
        .build()
        .unwrap_or_else(|e| panic!("could not start a runtime: {e}"));
    let workers = rt.handle().num_workers();

    let drops = DropCounter::new();
    let blocking_drops = DropCounter::new();
    let parked = Arc::new(AtomicUsize::new(0));
    let all_parked = Arc::new(Event::new());
    let queue: Queue<u64> = Queue::new();
    let lock = Arc::new(Lock::new(()));
    let event = Arc::new(Event::new());
    let sockets = (n / 50).min(400) & !1;
    let blocking = (n / 100).clamp(1, 64);
    let unpolled = (n / 100).max(1).min(n);
    let mut rng = Rng::new(seed);
    let mut per_kind = [0usize; 8];
    // Blocking closures wait for this gate, which opens just before the
    // drop: so at shutdown some closures are running and the rest queued.
    let gate = Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));

    // Socket pairs, half TCP and half Unix; both ends go to reading tasks.
    let ends: Vec<Result<TcpStream, UnixStream>> = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind a listener: {e}"));
        let addr = listener.local_addr().expect("a bound listener");
        let mut ends = Vec::with_capacity(sockets);
        for p in 0..sockets / 2 {
            if p % 2 == 0 {
                let connect = corio::spawn(TcpStream::connect(addr));
                let (a, _) = listener.accept().await.expect("accept");
                ends.push(Ok(a));
                ends.push(Ok(connect.await.expect("connect task").expect("connect")));
            } else {
                let (a, b) = UnixStream::pair().expect("socketpair");
                ends.push(Err(a));
                ends.push(Err(b));
            }
        }
        ends
    });

    // The tasks that park: every one counts itself parked just before its
    // first await, so shutdown comes when all of them wait.
    let parking = n - unpolled;
    let mut ends = ends.into_iter();
    for i in 0..parking {
        let kind = if i < sockets {
            0
        } else if i < sockets + blocking {
            5
        } else if rng.percent(1) {
            6
        } else {
            1 + rng.below(4) as usize
        };
        per_kind[kind] += 1;
        let token = drops.token();
        let (parked, all_parked) = (parked.clone(), all_parked.clone());
        let mark = move || {
            if parked.fetch_add(1, Ordering::SeqCst) + 1 == parking {
                all_parked.set();
            }
        };
        let (queue, lock, event) = (queue.clone(), lock.clone(), event.clone());
        let socket = if kind == 0 { ends.next() } else { None };
        let closure_token = (kind == 5).then(|| blocking_drops.token());
        let nap = Duration::from_millis(10 + rng.below(40));
        let handle = rt.handle().clone();
        let gate = gate.clone();
        drop(rt.spawn(async move {
            let _token = token;
            match kind {
                0 => {
                    let mut byte = [0u8; 1];
                    mark();
                    let _ = match socket.expect("a socket for an I/O task") {
                        Ok(s) => s.read(&mut byte).await,
                        Err(s) => s.read(&mut byte).await,
                    };
                    unreachable!("nobody writes to these sockets");
                }
                1 => {
                    mark();
                    corio::sleep(Duration::from_secs(3600)).await;
                }
                2 => {
                    mark();
                    let _ = queue.get().await;
                    unreachable!("nobody puts into this queue");
                }
                3 => {
                    // The first lock task takes the lock and parks holding it.
                    let guard = lock.lock();
                    mark();
                    let _guard = guard.await;
                    std::future::pending::<()>().await;
                }
                4 => {
                    mark();
                    event.wait().await;
                    unreachable!("nobody sets this event");
                }
                5 => {
                    let closure_token = closure_token.expect("a token for the closure");
                    let work = handle.spawn_blocking(move || {
                        let _closure_token = closure_token;
                        let (open, opened) = &*gate;
                        let mut open = open.lock().unwrap();
                        while !*open {
                            open = opened.wait(open).unwrap();
                        }
                        drop(open);
                        std::thread::sleep(nap);
                    });
                    mark();
                    let _ = work.await;
                    std::future::pending::<()>().await;
                }
                _ => {
                    mark();
                    loop {
                        corio::yield_now().await;
                    }
                }
            }
        }));
    }
    rt.block_on(all_parked.wait());
    // Spawned last, from outside: most are never polled before the drop.
    for _ in 0..unpolled {
        let token = drops.token();
        drop(rt.spawn(async move {
            let _token = token;
            std::future::pending::<()>().await;
        }));
    }
    per_kind[7] = unpolled;
    drop(queue);
    drop(lock);
    drop(event);

    let threads_before = threads_named(THREAD_PREFIX);
    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    let shutting = Instant::now();
    drop(rt);
    let shutdown = shutting.elapsed();
    let threads_after = threads_named(THREAD_PREFIX);
    let fds_after = fd_count();

    let fail = |what: &str| format!("seed {seed}: {what}");
    assert_eq!(drops.count(), n, "{}", fail("futures dropped != tasks"));
    assert_eq!(
        blocking_drops.count(),
        blocking,
        "{}",
        fail("blocking closures dropped != submitted")
    );
    assert!(
        threads_before > workers,
        "{}",
        fail("no blocking thread ran")
    );
    assert_eq!(
        threads_after,
        0,
        "{}",
        fail("runtime threads left after shutdown")
    );
    assert_eq!(
        fds_after,
        fds_before,
        "{}",
        fail("descriptors left open after shutdown")
    );
    Report {
        tasks: n,
        workers,
        seed,
        per_kind,
        blocking,
        sockets,
        dropped: drops.count(),
        blocking_dropped: blocking_drops.count(),
        threads_before,
        threads_after,
        fds: (fds_before, fds_after),
        shutdown,
        wall: started.elapsed(),
    }
}
