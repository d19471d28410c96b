//! Debug mode names the task that blocks its worker.

use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn a_slow_poll_is_reported_with_the_task_name_and_fast_ones_are_not() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let rt = corio::Runtime::builder()
        .worker_threads(2)
        .debug(true)
        .slow_poll_threshold(Duration::from_millis(50))
        .on_slow_poll(move |report| sink.lock().unwrap().push(report.clone()))
        .build()
        .unwrap();
    rt.block_on(async {
        let blocker = corio::task::Builder::new().name("blocker").spawn(async {
            std::thread::sleep(Duration::from_millis(120)); // the pitfall: blocks the worker
        });
        let polite = corio::task::Builder::new().name("polite").spawn(async {
            corio::to_thread(|| std::thread::sleep(Duration::from_millis(120))).await; // the fix
        });
        blocker.await.unwrap();
        polite.await.unwrap();
    });
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].name.as_deref(), Some("blocker"));
    assert!(reports[0].duration >= Duration::from_millis(120));
    assert!(reports[0].to_string().contains("to_thread"));
}

#[test]
fn without_debug_mode_nothing_is_measured() {
    let reports = Arc::new(Mutex::new(0));
    let sink = reports.clone();
    let rt = corio::Runtime::builder()
        .worker_threads(1)
        .debug(false)
        .slow_poll_threshold(Duration::from_millis(1))
        .on_slow_poll(move |_| *sink.lock().unwrap() += 1)
        .build()
        .unwrap();
    rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(20)) }))
        .unwrap();
    assert_eq!(*reports.lock().unwrap(), 0);
}
