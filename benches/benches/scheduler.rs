//! Scheduler benchmarks, corio beside tokio, 2 worker threads each.
//!
//! `cargo bench -p corio-benches --bench scheduler`

use corio_benches::{Corio, Rt, SCHEDULER_WORKLOADS, Tokio, run_scheduler_workload};
use criterion::{Criterion, criterion_group, criterion_main};

const WORKERS: usize = 2;

fn scheduler(c: &mut Criterion) {
    let corio = Corio::with_workers(WORKERS);
    let tokio = Tokio::with_workers(WORKERS);
    for &workload in SCHEDULER_WORKLOADS {
        let mut group = c.benchmark_group(workload);
        group.sample_size(20);
        group.bench_function(Corio::NAME, |b| {
            b.iter(|| run_scheduler_workload(&corio, workload))
        });
        group.bench_function(Tokio::NAME, |b| {
            b.iter(|| run_scheduler_workload(&tokio, workload))
        });
        group.finish();
    }
}

criterion_group!(benches, scheduler);
criterion_main!(benches);
