//! CI-sized runs of the stress scenarios (the same code as the `stress`
//! binary, smaller): scheduler stress with 100 000 tasks on 1, 2 and 8
//! workers, and a cancellation storm of 10 000 tasks on 1, 2 and 8 workers.
//! The seed is fixed so CI is reproducible; set `CORIO_STRESS_SEED` to try
//! another (a failure message names the seed). The soak and the shutdown
//! scenario count process-wide resources, so they have test binaries of
//! their own (`soak.rs`, `shutdown_under_load.rs`).

use std::time::Duration;

use corio_tests::stress::{cancel, scheduler};
use corio_tests::within;

fn seed(default: u64) -> u64 {
    match std::env::var("CORIO_STRESS_SEED") {
        Ok(s) => s.parse().expect("CORIO_STRESS_SEED is a number"),
        Err(_) => default,
    }
}

fn scheduler_run(workers: usize) {
    let config = scheduler::Config {
        tasks: 100_000,
        workers,
        seed: seed(0x5EED_0001),
    };
    let report = within(Duration::from_secs(120), move || scheduler::run(&config));
    println!("{}", report.figures());
    assert_eq!(report.tasks, 100_000);
    assert_eq!(report.awaited + report.detached, 99_999);
}

#[test]
fn scheduler_stress_100k_tasks_on_1_worker() {
    scheduler_run(1);
}

#[test]
fn scheduler_stress_100k_tasks_on_2_workers() {
    scheduler_run(2);
}

#[test]
fn scheduler_stress_100k_tasks_on_8_workers() {
    scheduler_run(8);
}

fn storm(workers: usize) {
    let config = cancel::Config {
        tasks: 10_000,
        workers,
        seed: seed(0x5EED_0002),
    };
    let report = within(Duration::from_secs(120), move || cancel::run(&config));
    println!("{}", report.figures());
    assert_eq!(report.dropped, 10_000);
    assert!(
        report.ended_cancelled > 0,
        "the storm cancelled nothing: {}",
        report.figures()
    );
}

#[test]
fn cancellation_storm_10k_tasks_on_1_worker() {
    storm(1);
}

#[test]
fn cancellation_storm_10k_tasks_on_2_workers() {
    storm(2);
}

#[test]
fn cancellation_storm_10k_tasks_on_8_workers() {
    storm(8);
}
