//! Shutdown: task handles that outlive the runtime, spawns after shutdown.

use corio::Runtime;

#[test]
fn task_handles_outliving_the_runtime_report_cancellation() {
    let rt = Runtime::builder().worker_threads(2).build().unwrap();
    let tasks: Vec<_> = (0..1000)
        .map(|_| rt.spawn(std::future::pending::<u32>()))
        .collect();
    drop(rt);
    for task in tasks {
        assert!(task.is_finished());
        let err = futures_lite_block_on(task).unwrap_err();
        assert!(err.is_cancelled());
    }
}

/// Polls a finished task once (it is ready, so no waker is needed).
fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("a task of a shut-down runtime must be finished"),
    }
}

#[test]
fn spawning_after_shutdown_began_cancels_at_once() {
    let rt = Runtime::builder().worker_threads(1).build().unwrap();
    let handle = rt.handle().clone();
    rt.shutdown();
    let task = handle.spawn(async { 1 });
    assert!(task.is_finished());
    assert!(futures_lite_block_on(task).unwrap_err().is_cancelled());
    let task = handle.spawn_blocking(|| 1);
    assert!(futures_lite_block_on(task).unwrap_err().is_cancelled());
}
