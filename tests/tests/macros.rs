//! `#[corio::main]` and `#[corio::test]` build the runtime they are asked for.

use std::time::{Duration, Instant};

#[corio::test(worker_threads = 1, start_paused = true)]
async fn paused_single_worker_test_sleeps_an_hour_instantly() {
    let real = Instant::now();
    let start = corio::time::now();
    corio::sleep(Duration::from_secs(3600)).await;
    assert!(corio::time::now() - start >= Duration::from_secs(3600));
    assert!(real.elapsed() < Duration::from_secs(5));
    assert_eq!(corio::Handle::current().num_workers(), 1);
}

#[corio::test(worker_threads = 3)]
async fn worker_threads_option_is_applied() {
    assert_eq!(corio::Handle::current().num_workers(), 3);
}

#[corio::test]
async fn default_test_runtime_runs_tasks() {
    let task = corio::spawn(async { 40 + 2 });
    assert_eq!(task.await.unwrap(), 42);
}

#[corio::test(debug, worker_threads = 2)]
async fn debug_option_builds_a_debug_runtime() {
    // A short poll is not reported; the runtime works as usual in debug mode.
    corio::yield_now().await;
}

mod returns_a_result {
    #[corio::test]
    async fn a_test_may_return_a_result() -> Result<(), String> {
        corio::spawn(async { Ok(()) })
            .await
            .map_err(|e| e.to_string())?
    }
}
