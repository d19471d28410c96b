//! CI-sized soak: the chat server with 100 clients for 5 seconds (the
//! `stress` binary runs 500 clients for 60 s or more). Alone in its test
//! binary, so the resident set size it checks is its own.

use std::time::Duration;

use corio_tests::stress::soak;
use corio_tests::within;

#[test]
fn chat_soak_100_clients_for_5_seconds_delivers_every_line_in_order() {
    let seed = match std::env::var("CORIO_STRESS_SEED") {
        Ok(s) => s.parse().expect("CORIO_STRESS_SEED is a number"),
        Err(_) => 0x5EED_0004,
    };
    corio_tests::stress::raise_fd_limit();
    let config = soak::Config {
        clients: 100,
        duration: Duration::from_secs(5),
        interval: Duration::from_millis(250),
        warmup: Duration::from_secs(1),
        workers: 2,
        seed,
        max_rss_growth_percent: 10.0,
    };
    let report = within(Duration::from_secs(120), move || soak::run(&config));
    println!("{}", report.figures());
    assert!(report.messages > 0);
    assert_eq!(report.deliveries, report.messages * 99);
}
