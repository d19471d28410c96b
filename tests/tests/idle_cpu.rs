//! An idle runtime waiting on one 1 s sleep burns no CPU: the workers park
//! (one in the driver, with the timer's deadline as its timeout) instead of
//! polling. Alone in its test binary so that the process CPU time it reads
//! belongs to this test only.

use std::time::{Duration, Instant};

/// User + system CPU time of this process, from /proc/self/stat.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which may contain spaces) end with ')'.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let hz = 100; // USER_HZ on Linux
    Duration::from_millis(ticks * 1000 / hz)
}

#[test]
fn an_idle_runtime_with_one_pending_sleep_uses_no_cpu() {
    let rt = corio::Runtime::builder().worker_threads(2).build().unwrap();
    rt.block_on(corio::sleep(Duration::from_millis(10))); // warm up
    let cpu_before = process_cpu();
    let start = Instant::now();
    rt.block_on(rt.spawn(corio::sleep(Duration::from_secs(1))))
        .unwrap();
    let wall = start.elapsed();
    let cpu = process_cpu() - cpu_before;
    assert!(wall >= Duration::from_secs(1));
    assert!(wall < Duration::from_millis(1500), "woke late: {wall:?}");
    assert!(
        cpu <= Duration::from_millis(30),
        "an idle second cost {cpu:?} of CPU"
    );
}
