//! The cooperative budget: a task whose resources are always ready still
//! yields, so the other tasks on its worker run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

#[test]
fn a_consumer_that_always_finds_items_lets_its_neighbour_run() {
    // One worker: the consumer and the neighbour share it.
    let rt = corio::Runtime::builder().worker_threads(1).build().unwrap();
    let queue = corio::Queue::new();
    for i in 0..100_000u32 {
        queue.put_nowait(i).unwrap();
    }
    let neighbour_ran = Arc::new(AtomicBool::new(false));
    let consumed_before_neighbour = Arc::new(AtomicUsize::new(usize::MAX));
    let (flag, seen) = (neighbour_ran.clone(), consumed_before_neighbour.clone());
    rt.block_on(rt.spawn(async move {
        let consumer = {
            let (queue, flag, seen) = (queue.clone(), flag.clone(), seen.clone());
            corio::spawn(async move {
                let mut consumed = 0;
                while consumed < 100_000 {
                    queue.get().await.unwrap();
                    consumed += 1;
                    if flag.load(SeqCst) && seen.load(SeqCst) == usize::MAX {
                        seen.store(consumed, SeqCst);
                    }
                }
            })
        };
        let neighbour = corio::spawn(async move { flag.store(true, SeqCst) });
        consumer.await.unwrap();
        neighbour.await.unwrap();
    }))
    .unwrap();
    assert!(neighbour_ran.load(SeqCst));
    let before = consumed_before_neighbour.load(SeqCst);
    let budget = usize::from(corio::budget::INITIAL);
    assert!(
        before <= 2 * budget,
        "the neighbour waited for {before} gets"
    );
}
