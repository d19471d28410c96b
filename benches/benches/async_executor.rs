//! criterion's async benchmarks (`Bencher::to_async`) on corio, through corio's
//! `criterion` feature (`AsyncExecutor` for `&corio::Runtime`), beside the same
//! code on tokio through criterion's `async_tokio`: how a user benchmarks their
//! own async code on corio.
//!
//! `cargo bench -p corio-benches --bench async_executor`

use criterion::{Criterion, criterion_group, criterion_main};

const WORKERS: usize = 2;
const TASKS: u64 = 100;

fn spawn_and_join(c: &mut Criterion) {
    let corio = corio::Runtime::builder()
        .worker_threads(WORKERS)
        .build()
        .expect("a corio runtime");
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .expect("a tokio runtime");

    let mut group = c.benchmark_group("to_async/spawn_100_and_join");
    group.sample_size(20);
    group.bench_function("corio", |b| {
        b.to_async(&corio).iter(|| async {
            let tasks: Vec<_> = (0..TASKS).map(|i| corio::spawn(async move { i })).collect();
            let mut sum = 0;
            for task in tasks {
                sum += task.await.unwrap();
            }
            assert_eq!(sum, TASKS * (TASKS - 1) / 2);
        })
    });
    group.bench_function("tokio", |b| {
        b.to_async(&tokio).iter(|| async {
            let tasks: Vec<_> = (0..TASKS).map(|i| tokio::spawn(async move { i })).collect();
            let mut sum = 0;
            for task in tasks {
                sum += task.await.unwrap();
            }
            assert_eq!(sum, TASKS * (TASKS - 1) / 2);
        })
    });
    group.finish();
}

criterion_group!(benches, spawn_and_join);
criterion_main!(benches);
