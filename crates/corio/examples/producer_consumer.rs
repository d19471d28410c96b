//! Producer/consumer over a bounded queue: the Rust twin of the seed's
//! "Implementing the producer-consumer pattern with asyncio.Queue"
//! (2 producers put 5 items each, 3 consumers loop forever, `await
//! queue.join()`, then the consumers are cancelled).
//!
//! `cargo run --release --example producer_consumer`
//!
//! The seed sleeps `random.uniform(..)` amounts; here each task draws whole
//! milliseconds from its own seeded xorshift, so every run tells the same story.

use std::time::Duration;

use corio::Queue;

/// `random.uniform(lo, hi)` in whole milliseconds, from a tiny xorshift64.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D))
    }

    fn uniform_ms(&mut self, lo: u64, hi: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(lo + self.0 % (hi - lo + 1))
    }
}

/// `async def producer(queue, producer_id)`
async fn producer(queue: Queue<String>, producer_id: u64) {
    let mut rng = Rng::new(producer_id);
    for i in 0..5 {
        // await asyncio.sleep(random.uniform(0.1, 0.5))
        corio::sleep(rng.uniform_ms(100, 500)).await;
        let item = format!("Item-{producer_id}-{i}");
        // await queue.put(item): waits while the queue is full
        queue
            .put(item.clone())
            .await
            .expect("the queue is never shut down");
        println!("Producer {producer_id} produced: {item}");
    }
}

/// `async def consumer(queue, consumer_id)`: runs until cancelled.
async fn consumer(queue: Queue<String>, consumer_id: u64) {
    let mut rng = Rng::new(100 + consumer_id);
    loop {
        // item = await queue.get()
        let item = queue.get().await.expect("the queue is never shut down");
        println!("Consumer {consumer_id} consuming: {item}");
        // Simulate processing time: await asyncio.sleep(random.uniform(0.2, 0.8))
        corio::sleep(rng.uniform_ms(200, 800)).await;
        // queue.task_done()
        queue.task_done().expect("one task_done per get");
    }
}

fn main() {
    // asyncio.run(main()) on one worker thread, like asyncio's single event
    // loop, so lines printed at the same instant keep asyncio's order
    // (`corio::run(...)` runs the same code on every core).
    let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
    runtime.block_on(async {
        // queue = asyncio.Queue(maxsize=10)
        let queue = Queue::bounded(10);

        // producers = [asyncio.create_task(producer(queue, i)) for i in range(2)]
        let producers: Vec<_> = (0..2)
            .map(|i| corio::spawn(producer(queue.clone(), i)))
            .collect();
        // consumers = [asyncio.create_task(consumer(queue, i)) for i in range(3)]
        let consumers: Vec<_> = (0..3)
            .map(|i| corio::spawn(consumer(queue.clone(), i)))
            .collect();

        // await asyncio.gather(*producers)
        for task in producers {
            task.await.expect("a producer cannot fail");
        }
        // await queue.join(): every item put has been marked done
        queue.join().await;

        // for consumer_task in consumers: consumer_task.cancel()
        for task in &consumers {
            task.cancel();
        }
        // (asyncio.run then waits for them; awaiting shows they were cancelled)
        for task in consumers {
            assert!(task.await.is_err_and(|e| e.is_cancelled()));
        }
    });
}
