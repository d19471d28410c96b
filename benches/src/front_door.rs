//! The asyncio front door measured: `gather`, `TaskGroup` and `as_completed`
//! against tokio's nearest equivalents.
//!
//! These corio APIs are not in the [`Rt`](crate::Rt) trait, so each workload
//! is written twice, once per runtime, with the same structure: the work is
//! spawned from the main future (`block_on`) and its results collected there.
//!
//! | workload | corio | tokio |
//! | --- | --- | --- |
//! | `gather_100k(gather vs JoinSet)` | `corio::gather` of 100 000 trivial futures | `JoinSet`: spawn 100 000, `join_next` until empty |
//! | `gather_100k(gather vs JoinHandles awaited in order)` | the same | spawn 100 000, await the `JoinHandle`s in order (what `join_all` of handles does) |
//! | `taskgroup_10k` | a `TaskGroup` of 10 000 children that all succeed, `join` | `JoinSet` of 10 000, `join_next` until empty |
//! | `as_completed_10k` | 10 000 tasks sleeping 1..=5 ms (fixed seed), consumed with `as_completed` | the same tasks in a `JoinSet`, `join_next` loop |

use std::time::Duration;

use crate::{Corio, Sample, Tokio, timed};

/// The front-door workloads, by name: `base(corio API vs tokio comparator)`,
/// as the sync group names its rows. Both gather rows run the same corio code.
pub const FRONT_DOOR_WORKLOADS: &[&str] = &[
    GATHER_VS_JOINSET,
    GATHER_VS_HANDLES,
    "taskgroup_10k(TaskGroup vs JoinSet)",
    "as_completed_10k(as_completed vs JoinSet::join_next)",
];

const GATHER_VS_JOINSET: &str = "gather_100k(gather vs JoinSet)";
const GATHER_VS_HANDLES: &str = "gather_100k(gather vs JoinHandles awaited in order)";

/// The part of a workload's name before its `(... vs ...)`.
fn base(name: &str) -> &str {
    name.split('(').next().unwrap_or(name)
}

const GATHER: u32 = 100_000;
const GROUP: u32 = 10_000;
const AS_COMPLETED: usize = 10_000;

/// Runs one front-door workload once on corio.
pub fn run_front_door_corio(rt: &Corio, name: &str) -> Sample {
    match base(name) {
        "gather_100k" => timed(|| gather_100k_corio(rt)),
        "taskgroup_10k" => timed(|| taskgroup_10k_corio(rt)),
        "as_completed_10k" => timed(|| as_completed_10k_corio(rt)),
        other => panic!("unknown workload {other}"),
    }
}

/// Runs one front-door workload once on tokio.
pub fn run_front_door_tokio(rt: &Tokio, name: &str) -> Sample {
    match base(name) {
        "gather_100k" if name == GATHER_VS_HANDLES => timed(|| gather_100k_tokio_handles(rt)),
        "gather_100k" => timed(|| gather_100k_tokio_joinset(rt)),
        "taskgroup_10k" => timed(|| taskgroup_10k_tokio(rt)),
        "as_completed_10k" => timed(|| as_completed_10k_tokio(rt)),
        other => panic!("unknown workload {other}"),
    }
}

/// `corio::gather` of 100 000 trivial futures; every output, in input order.
pub fn gather_100k_corio(rt: &Corio) {
    rt.0.block_on(async {
        let out = corio::gather((0..GATHER).map(|i| async move { i })).await;
        assert_eq!(out.len(), GATHER as usize);
        std::hint::black_box(out.iter().map(|&v| u64::from(v)).sum::<u64>());
    });
}

/// tokio: 100 000 trivial tasks in a `JoinSet`, every output collected.
pub fn gather_100k_tokio_joinset(rt: &Tokio) {
    rt.0.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..GATHER {
            set.spawn(async move { i });
        }
        let mut out = Vec::with_capacity(GATHER as usize);
        while let Some(result) = set.join_next().await {
            out.push(result.expect("benchmark task failed"));
        }
        assert_eq!(out.len(), GATHER as usize);
        std::hint::black_box(out.iter().map(|&v| u64::from(v)).sum::<u64>());
    });
}

/// tokio: 100 000 trivial tasks, their handles awaited in order.
pub fn gather_100k_tokio_handles(rt: &Tokio) {
    rt.0.block_on(async {
        let handles: Vec<_> = (0..GATHER)
            .map(|i| tokio::spawn(async move { i }))
            .collect();
        let mut out = Vec::with_capacity(GATHER as usize);
        for handle in handles {
            out.push(handle.await.expect("benchmark task failed"));
        }
        assert_eq!(out.len(), GATHER as usize);
        std::hint::black_box(out.iter().map(|&v| u64::from(v)).sum::<u64>());
    });
}

/// A `corio::TaskGroup` of 10 000 children that all succeed, joined.
pub fn taskgroup_10k_corio(rt: &Corio) {
    rt.0.block_on(async {
        let group = corio::TaskGroup::<u32, ()>::new();
        for i in 0..GROUP {
            group
                .spawn(async move { Ok(i) })
                .expect("the group is open");
        }
        let out = group.join().await.expect("no child fails");
        assert_eq!(out.len(), GROUP as usize);
        std::hint::black_box(out);
    });
}

/// tokio: a `JoinSet` of 10 000 tasks returning `Result`, every `Ok` collected.
pub fn taskgroup_10k_tokio(rt: &Tokio) {
    rt.0.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..GROUP {
            set.spawn(async move { Ok::<u32, ()>(i) });
        }
        let mut out = Vec::with_capacity(GROUP as usize);
        while let Some(result) = set.join_next().await {
            out.push(
                result
                    .expect("benchmark task failed")
                    .expect("no child fails"),
            );
        }
        assert_eq!(out.len(), GROUP as usize);
        std::hint::black_box(out);
    });
}

/// The sleeps of `as_completed_10k`: 1..=5 ms, a fixed xorshift sequence.
fn short_sleeps() -> impl Iterator<Item = Duration> {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    (0..AS_COMPLETED).map(move |_| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        Duration::from_millis(1 + seed % 5)
    })
}

/// 10 000 tasks sleeping 1..=5 ms, consumed in completion order with `corio::as_completed`.
pub fn as_completed_10k_corio(rt: &Corio) {
    rt.0.block_on(async {
        let tasks: Vec<_> = short_sleeps()
            .enumerate()
            .map(|(i, d)| {
                corio::spawn(async move {
                    corio::sleep(d).await;
                    i
                })
            })
            .collect();
        let mut stream = corio::as_completed(tasks);
        let mut seen = 0usize;
        while let Some(outcome) = stream.next().await {
            std::hint::black_box(outcome.expect("benchmark task failed"));
            seen += 1;
        }
        assert_eq!(seen, AS_COMPLETED);
    });
}

/// tokio: the same 10 000 sleeping tasks in a `JoinSet`, consumed with `join_next`.
pub fn as_completed_10k_tokio(rt: &Tokio) {
    rt.0.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for (i, d) in short_sleeps().enumerate() {
            set.spawn(async move {
                tokio::time::sleep(d).await;
                i
            });
        }
        let mut seen = 0usize;
        while let Some(result) = set.join_next().await {
            std::hint::black_box(result.expect("benchmark task failed"));
            seen += 1;
        }
        assert_eq!(seen, AS_COMPLETED);
    });
}
