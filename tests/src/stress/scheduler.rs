//! Scheduler stress: a tree of tasks on all workers with random yields,
//! sleeps, spawns of children and messages between tasks, every count and
//! sum checked exactly.
//!
//! Task `i` (of `0..tasks`) is node `i` of a 4-ary heap: its children are
//! `4i+1 ..= 4i+4`. Its *plan* (how many times it yields, whether and how
//! long it sleeps, which messages it sends to which mailbox, which children
//! it awaits and which it detaches) is a pure function of the seed and `i`,
//! so the expected totals are computed in a plain loop before the run, and
//! the run must hit them exactly. The steps run in a random order, so
//! children are spawned before, between and after the yields and sleeps.
//!
//! A task returns its value plus the results of the children it awaited;
//! a detached child adds its result to a shared sum instead. So the root's
//! result plus the detached sum is the sum of all the values exactly when
//! every task ran once and every output reached its awaiter.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use corio::{Event, Queue};

use super::{Rng, runtime, secs};

const FANOUT: u64 = 4;
const MAILBOXES: usize = 16;

/// Sizes of a scheduler stress run.
///
/// ```
/// let config = corio_tests::stress::scheduler::Config { tasks: 1000, workers: 2, seed: 1 };
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    /// Tasks in the tree.
    pub tasks: usize,
    /// Worker threads (0: one per core).
    pub workers: usize,
    /// Seed of every task's plan.
    pub seed: u64,
}

/// What a run did; every field was checked against the plan.
///
/// ```
/// use corio_tests::stress::scheduler;
/// let report = scheduler::run(&scheduler::Config { tasks: 500, workers: 1, seed: 9 });
/// assert_eq!(report.awaited + report.detached, 499); // every task but the root has a parent
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Tasks run (each exactly once).
    pub tasks: u64,
    /// Worker threads.
    pub workers: usize,
    /// Seed used.
    pub seed: u64,
    /// `yield_now` calls.
    pub yields: u64,
    /// Sleeps (0 to 1 ms each).
    pub sleeps: u64,
    /// Messages sent to mailboxes, and received.
    pub messages: u64,
    /// Sum of the message values (wrapping).
    pub message_sum: u64,
    /// Children whose parent awaited their output.
    pub awaited: u64,
    /// Children detached (their output went to the shared sum).
    pub detached: u64,
    /// Sum of every task's value (wrapping).
    pub value_sum: u64,
    /// Wall time of the run.
    pub wall: Duration,
    /// CPU time (user + system, all threads) of the run.
    pub cpu: Duration,
}

impl Report {
    /// One line with every figure.
    ///
    /// ```
    /// # use corio_tests::stress::scheduler;
    /// let report = scheduler::run(&scheduler::Config { tasks: 10, workers: 1, seed: 1 });
    /// assert!(report.figures().starts_with("scheduler: tasks=10 "));
    /// ```
    pub fn figures(&self) -> String {
        format!(
            "scheduler: tasks={} workers={} seed={} yields={} sleeps={} messages={} spawned_awaited={} \
             spawned_detached={} ops={} wall={}s cpu={}s lost=0 duplicated=0",
            self.tasks,
            self.workers,
            self.seed,
            self.yields,
            self.sleeps,
            self.messages,
            self.awaited,
            self.detached,
            self.ops(),
            secs(self.wall),
            secs(self.cpu),
        )
    }

    /// Operations counted: task runs, yields, sleeps and messages.
    ///
    /// ```
    /// let r = corio_tests::stress::scheduler::Report { tasks: 1, yields: 2, ..Default::default() };
    /// assert_eq!(r.ops(), 3);
    /// ```
    pub fn ops(&self) -> u64 {
        self.tasks + self.yields + self.sleeps + self.messages
    }
}

/// Task `i`'s plan: a pure function of the seed and `i`.
struct Plan {
    value: u64,
    yields: u32,
    sleep: Option<Duration>,
    messages: [(usize, u64); 3],
    message_count: usize,
    /// Bit `k` set: child `k` is detached.
    detach: u8,
    /// The order of the steps (0..8: see `Step`), shuffled.
    order_seed: u64,
}

impl Plan {
    fn of(seed: u64, i: u64) -> Plan {
        let mut rng = Rng::for_item(seed, i);
        let value = rng.next_u64() >> 24;
        let yields = rng.below(4) as u32;
        let sleep = rng
            .percent(5)
            .then(|| Duration::from_micros(rng.below(1001)));
        let message_count = rng.below(4) as usize;
        let mut messages = [(0, 0); 3];
        for m in messages.iter_mut().take(message_count) {
            *m = (rng.below(MAILBOXES as u64) as usize, rng.next_u64() >> 32);
        }
        let detach = rng.below(16) as u8;
        Plan {
            value,
            yields,
            sleep,
            messages,
            message_count,
            detach,
            order_seed: rng.next_u64(),
        }
    }
}

fn children(i: u64, n: u64) -> impl Iterator<Item = u64> {
    (i * FANOUT + 1..=i * FANOUT + FANOUT).filter(move |&c| c < n)
}

/// The totals the plans promise.
fn expected(config: &Config) -> Report {
    let n = config.tasks as u64;
    let mut r = Report {
        tasks: n,
        workers: config.workers,
        seed: config.seed,
        ..Report::default()
    };
    for i in 0..n {
        let plan = Plan::of(config.seed, i);
        r.value_sum = r.value_sum.wrapping_add(plan.value);
        r.yields += u64::from(plan.yields);
        r.sleeps += u64::from(plan.sleep.is_some());
        r.messages += plan.message_count as u64;
        for &(_, v) in &plan.messages[..plan.message_count] {
            r.message_sum = r.message_sum.wrapping_add(v);
        }
        for (k, _) in children(i, n).enumerate() {
            if plan.detach & (1 << k) != 0 {
                r.detached += 1;
            } else {
                r.awaited += 1;
            }
        }
    }
    r
}

struct Shared {
    seed: u64,
    tasks: u64,
    mailboxes: Vec<Queue<u64>>,
    ran: AtomicU64,
    yields: AtomicU64,
    sleeps: AtomicU64,
    awaited: AtomicU64,
    detached: AtomicU64,
    detached_sum: AtomicU64,
    finished: AtomicU64,
    all_finished: Event,
}

impl Shared {
    /// Counts a child whose output has been consumed (added to its parent's
    /// result or to the detached sum): when all `tasks - 1` children are, the
    /// totals are final.
    fn consumed(&self) {
        if self.finished.fetch_add(1, Ordering::AcqRel) + 1 == self.tasks - 1 {
            self.all_finished.set();
        }
    }
}

#[derive(Clone, Copy)]
enum Step {
    Yield,
    Sleep(Duration),
    Message(usize, u64),
    Spawn(usize, u64),
}

fn node(shared: Arc<Shared>, i: u64) -> std::pin::Pin<Box<dyn Future<Output = u64> + Send>> {
    Box::pin(async move {
        shared.ran.fetch_add(1, Ordering::Relaxed);
        let plan = Plan::of(shared.seed, i);
        let mut steps: Vec<Step> = Vec::with_capacity(12);
        steps.extend((0..plan.yields).map(|_| Step::Yield));
        steps.extend(plan.sleep.map(Step::Sleep));
        steps.extend(
            plan.messages[..plan.message_count]
                .iter()
                .map(|&(m, v)| Step::Message(m, v)),
        );
        steps.extend(
            children(i, shared.tasks)
                .enumerate()
                .map(|(k, c)| Step::Spawn(k, c)),
        );
        let mut order = Rng::new(plan.order_seed);
        for k in (1..steps.len()).rev() {
            steps.swap(k, order.below(k as u64 + 1) as usize);
        }

        let mut result = plan.value;
        let mut awaited = Vec::new();
        for step in steps {
            match step {
                Step::Yield => {
                    corio::yield_now().await;
                    shared.yields.fetch_add(1, Ordering::Relaxed);
                }
                Step::Sleep(d) => {
                    corio::sleep(d).await;
                    shared.sleeps.fetch_add(1, Ordering::Relaxed);
                }
                Step::Message(m, v) => shared.mailboxes[m]
                    .put_nowait(v)
                    .unwrap_or_else(|_| panic!("mailbox {m} refused a message")),
                Step::Spawn(k, c) => {
                    let child = node(shared.clone(), c);
                    if plan.detach & (1 << k) != 0 {
                        let shared = shared.clone();
                        drop(corio::spawn(async move {
                            let r = child.await;
                            shared.detached_sum.fetch_add(r, Ordering::Relaxed);
                            shared.detached.fetch_add(1, Ordering::Relaxed);
                            shared.consumed();
                        }));
                    } else {
                        awaited.push(corio::spawn(child));
                    }
                }
            }
        }
        for child in awaited {
            let r = child.await.unwrap_or_else(|e| {
                panic!("seed {}: a child of task {i} failed: {e}", shared.seed)
            });
            result = result.wrapping_add(r);
            shared.awaited.fetch_add(1, Ordering::Relaxed);
            shared.consumed();
        }
        result
    })
}

/// Runs the tree and checks every total against the plans; panics with the
/// seed and the totals if any differs.
///
/// ```
/// use corio_tests::stress::scheduler;
/// let report = scheduler::run(&scheduler::Config { tasks: 2000, workers: 2, seed: 5 });
/// assert_eq!(report.tasks, 2000);
/// ```
pub fn run(config: &Config) -> Report {
    assert!(config.tasks >= 1, "the tree needs a root");
    let want = expected(config);
    let rt = runtime(config.workers, "sched");
    let workers = rt.handle().num_workers();
    let started = Instant::now();
    let cpu_before = super::cpu_time();
    let shared = Arc::new(Shared {
        seed: config.seed,
        tasks: config.tasks as u64,
        mailboxes: (0..MAILBOXES).map(|_| Queue::new()).collect(),
        ran: AtomicU64::new(0),
        yields: AtomicU64::new(0),
        sleeps: AtomicU64::new(0),
        awaited: AtomicU64::new(0),
        detached: AtomicU64::new(0),
        detached_sum: AtomicU64::new(0),
        finished: AtomicU64::new(0),
        all_finished: Event::new(),
    });
    let (root, messages, message_sum) = rt.block_on({
        let shared = shared.clone();
        async move {
            let consumers: Vec<_> = (0..MAILBOXES)
                .map(|m| {
                    let shared = shared.clone();
                    corio::spawn(async move {
                        let (mut count, mut sum) = (0u64, 0u64);
                        while let Ok(v) = shared.mailboxes[m].get().await {
                            count += 1;
                            sum = sum.wrapping_add(v);
                        }
                        (count, sum)
                    })
                })
                .collect();
            let root = corio::spawn(node(shared.clone(), 0))
                .await
                .expect("the root task failed");
            if shared.tasks > 1 {
                shared.all_finished.wait().await;
            }
            for mailbox in &shared.mailboxes {
                mailbox.shutdown(false);
            }
            let (mut messages, mut message_sum) = (0, 0u64);
            for consumer in consumers {
                let (count, sum) = consumer.await.expect("a mailbox consumer failed");
                messages += count;
                message_sum = message_sum.wrapping_add(sum);
            }
            (root, messages, message_sum)
        }
    });
    let wall = started.elapsed();
    let cpu = super::cpu_time().saturating_sub(cpu_before);
    let got = Report {
        tasks: shared.ran.load(Ordering::Relaxed),
        workers: config.workers,
        seed: config.seed,
        yields: shared.yields.load(Ordering::Relaxed),
        sleeps: shared.sleeps.load(Ordering::Relaxed),
        messages,
        message_sum,
        awaited: shared.awaited.load(Ordering::Relaxed),
        detached: shared.detached.load(Ordering::Relaxed),
        value_sum: root.wrapping_add(shared.detached_sum.load(Ordering::Relaxed)),
        wall: Duration::ZERO,
        cpu: Duration::ZERO,
    };
    assert_eq!(
        got, want,
        "seed {}: the run's totals (left) differ from the plans' (right)",
        config.seed
    );
    assert!(
        shared
            .mailboxes
            .iter()
            .all(|m| m.qsize() == 0 && m.waiters() == 0),
        "seed {}: a mailbox kept an item or a waiter",
        config.seed
    );
    assert!(
        crate::eventually(Duration::from_secs(5), || rt.handle().num_alive_tasks()
            == 0),
        "seed {}: {} tasks still alive after every task finished",
        config.seed,
        rt.handle().num_alive_tasks()
    );
    drop(rt);
    Report {
        workers,
        wall,
        cpu,
        ..got
    }
}
