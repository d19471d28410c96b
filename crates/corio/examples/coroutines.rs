//! Coroutines return values: `async fn` in, `.await` out, and `asyncio.run`
//! hands back what `main` returned. The seeds' small programs about this:
//! `fetch_data` returning "Data" (tutorial 002 line 46), `my_async_function`
//! returning "Result" (002 line 72), `asyncio.run(main())` returning main's
//! value (001 line 129), the pre-3.7 event loop (001 line 149), and a
//! coroutine object run later (001 line 167).
//!
//! `cargo run --release --example coroutines`
//!
//! asyncio (tutorial 002, line 46):
//!
//! ```python
//! async def fetch_data():
//!     print("Fetching data...")
//!     await asyncio.sleep(1)  # wait 1 second
//!     print("Data fetched!")
//!     return "Data"
//!
//! async def main():
//!     data = await fetch_data()
//!     print(data)
//!
//! asyncio.run(main())
//! ```
//!
//! The seed's `compute_value()` (001 line 129) is never defined; here it
//! sleeps 1 s and returns 42. The seed's last program does not print its
//! result; this one does, to show it.

use std::time::Duration;

/// `async def fetch_data()`
async fn fetch_data() -> &'static str {
    println!("Fetching data...");
    corio::sleep(Duration::from_secs(1)).await; // wait 1 second
    println!("Data fetched!");
    "Data"
}

/// `async def my_async_function()`
async fn my_async_function() -> &'static str {
    corio::sleep(Duration::from_secs(1)).await;
    "Result"
}

/// The seed's undefined `compute_value()`.
async fn compute_value() -> i32 {
    corio::sleep(Duration::from_secs(1)).await;
    42
}

/// `async def my_coroutine()`
async fn my_coroutine() -> &'static str {
    corio::sleep(Duration::from_secs(1)).await;
    "completed"
}

fn main() {
    // asyncio: data = await fetch_data(); print(data)
    corio::run(async {
        let data = fetch_data().await;
        println!("{data}");
    });

    // asyncio: result = await my_async_function(); print(result)
    corio::run(async {
        let result = my_async_function().await;
        println!("{result}");
    });

    // asyncio: final_result = asyncio.run(main()); print(final_result)
    let final_result = corio::run(async { compute_value().await });
    println!("{final_result}");

    // asyncio (before 3.7): loop = asyncio.get_event_loop()
    //                       loop.run_until_complete(main()); loop.close()
    let runtime = corio::Runtime::new().expect("start a runtime");
    let value = runtime.block_on(compute_value());
    drop(runtime); // loop.close(): every thread joined, every leftover task dropped
    println!("{value} (from an explicit Runtime)");

    // asyncio: coro = my_coroutine()  -- nothing runs yet: a future is inert
    let coro = my_coroutine();
    // asyncio: result = asyncio.run(coro)
    let result = corio::run(coro);
    println!("result = {result}");
}
