//! A runtime on a paused (virtual) clock still serves I/O from outside it.
//!
//! Regression: when a paused runtime went idle, its driver polled for ready
//! I/O once before jumping the clock; a task that this poll woke went to the
//! parking worker's own queue, and the worker then blocked in the driver
//! with the task stranded there until some later event. A client that acts
//! the moment the server goes quiet (connect right after the last close)
//! hit that window often.

use std::io::{Read, Write};
use std::time::Duration;

use corio::net::TcpListener;
use corio_tests::within;

fn serve_one_byte_per_connection(workers: usize) {
    let runtime = corio::Runtime::builder()
        .worker_threads(workers)
        .start_paused(true)
        .build()
        .unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    drop(runtime.spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            drop(corio::spawn(async move {
                let mut byte = [0u8; 1];
                stream.read_exact(&mut byte).await.unwrap();
                stream.write_all(&byte).await.unwrap();
                // Dropping the stream closes it: the client sees the end.
            }));
        }
    }));
    for i in 0..300u32 {
        let mut client = std::net::TcpStream::connect(addr).unwrap();
        client.write_all(&[i as u8]).unwrap();
        let mut answer = Vec::new();
        client.read_to_end(&mut answer).unwrap();
        assert_eq!(answer, [i as u8], "connection {i}");
    }
}

#[test]
fn paused_runtime_with_one_worker_serves_outside_clients() {
    within(Duration::from_secs(60), || serve_one_byte_per_connection(1));
}

#[test]
fn paused_runtime_with_two_workers_serves_outside_clients() {
    within(Duration::from_secs(60), || serve_one_byte_per_connection(2));
}
