//! Socket operations spend the executor's cooperative budget: a task whose
//! reads are always ready still yields.
#![cfg(not(loom))]

use std::future::poll_fn;
use std::io::Write;
use std::pin::Pin;
use std::task::Poll;

use corio_executor::budget::INITIAL;
use corio_reactor::Reactor;
use corio_reactor::net::UnixStream;

#[test]
fn always_ready_reads_yield_after_the_budget() {
    let reactor = Reactor::new().unwrap();
    let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    let a = {
        let _guard = reactor.handle().enter();
        UnixStream::from_std(a).unwrap()
    };
    b.write_all(&[7u8; 1000]).unwrap();
    let rt = corio_executor::Runtime::new().unwrap();
    let task = rt.spawn(async move {
        // Count the reads that complete within one poll of the task.
        poll_fn(|cx| {
            let mut ready = 0usize;
            loop {
                let mut byte = [0u8; 1];
                match futures_io::AsyncRead::poll_read(Pin::new(&mut &a), cx, &mut byte) {
                    Poll::Ready(Ok(1)) => ready += 1,
                    Poll::Pending => return Poll::Ready(ready),
                    other => panic!("unexpected {other:?}"),
                }
            }
        })
        .await
    });
    let ready = rt.block_on(task).unwrap();
    assert!(
        (1..=INITIAL as usize).contains(&ready),
        "{ready} reads in one poll; the budget is {INITIAL}"
    );
}
