//! Five independent jobs of one second each: run one after another they take
//! 5 s; gathered, about 1 s (tutorial 004, lines 23 and 35).
//!
//! `cargo run --release --example gather_jobs`
//!
//! asyncio:
//!
//! ```python
//! def job(number):                       # the synchronous version
//!     print(f'Starting job {number}')
//!     time.sleep(1)
//!     print(f'Finishing job {number}')
//!
//! async def job(number):                 # the asynchronous version
//!     print(f'Starting job {number}')
//!     await asyncio.sleep(1)
//!     print(f'Finishing job {number}')
//!
//! async def main():
//!     tasks = [job(i) for i in range(5)]
//!     await asyncio.gather(*tasks)
//!
//! start = time.time()
//! asyncio.run(main())
//! end = time.time()
//! print("전체 소요시간 : ", end - start)   # Total time:
//! ```

use std::time::{Duration, Instant};

fn job_sync(number: u32) {
    println!("Starting job {number}");
    std::thread::sleep(Duration::from_secs(1)); // time.sleep(1): the thread waits
    println!("Finishing job {number}");
}

async fn job(number: u32) {
    println!("Starting job {number}");
    corio::sleep(Duration::from_secs(1)).await; // asyncio.sleep(1): only this task waits
    println!("Finishing job {number}");
}

fn main() {
    let start = Instant::now();
    for i in 0..5 {
        job_sync(i);
    }
    println!("Total time: {:.2} s\n", start.elapsed().as_secs_f64());

    let start = Instant::now();
    // asyncio.run(main()) on one worker thread, asyncio's single loop, so the
    // lines printed at the same moment keep the seed's order.
    let runtime = corio::Runtime::builder().worker_threads(1).build().unwrap();
    runtime.block_on(async {
        // asyncio: await asyncio.gather(*[job(i) for i in range(5)])
        corio::gather((0..5).map(job)).await;
    });
    println!("Total time: {:.2} s", start.elapsed().as_secs_f64());
}
