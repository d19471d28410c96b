//! `gather` returns results in input order, whatever order the work finishes
//! in. The seeds' three programs: five users fetched at once (tutorial 001
//! line 339), slow/fast/medium keeping their order (001 line 360), and a
//! list comprehension of items doubled (001 line 421).
//!
//! `cargo run --release --example gather_order`
//!
//! asyncio (tutorial 001, line 360):
//!
//! ```python
//! async def task_with_delay(delay, value):
//!     await asyncio.sleep(delay)
//!     return value
//!
//! async def main():
//!     results = await asyncio.gather(
//!         task_with_delay(3, "slow"),
//!         task_with_delay(1, "fast"),
//!         task_with_delay(2, "medium"))
//!     print(results)   # ['slow', 'fast', 'medium'] (order preserved)
//! ```
//!
//! About 5 s in all (1 + 3 + 1).

use std::time::{Duration, Instant};

/// `{"id": user_id, "name": f"User {user_id}"}`
#[derive(Debug)]
#[allow(dead_code)] // the fields are printed through Debug
struct User {
    id: u32,
    name: String,
}

async fn fetch_user(user_id: u32) -> User {
    corio::sleep(Duration::from_secs(1)).await;
    User {
        id: user_id,
        name: format!("User {user_id}"),
    }
}

async fn task_with_delay(delay: u64, value: &'static str) -> &'static str {
    corio::sleep(Duration::from_secs(delay)).await;
    value
}

async fn process_item(item: u32) -> u32 {
    corio::sleep(Duration::from_secs(1)).await;
    item * 2
}

#[corio::main]
async fn main() {
    let start = Instant::now();
    // asyncio: await asyncio.gather(fetch_user(1), ..., fetch_user(5))
    let results = corio::gather((1..=5).map(fetch_user)).await;
    println!("{results:?}");
    println!("(5 users in {:.1} s)\n", start.elapsed().as_secs_f64());

    let start = Instant::now();
    let results = corio::gather([
        task_with_delay(3, "slow"),
        task_with_delay(1, "fast"),
        task_with_delay(2, "medium"),
    ])
    .await;
    println!("{results:?}"); // order preserved, though "fast" finished first
    println!("(in {:.1} s: the slowest)\n", start.elapsed().as_secs_f64());

    let start = Instant::now();
    let items = [1, 2, 3, 4, 5];
    // Process all items concurrently. asyncio: gather(*[process_item(item) for item in items])
    let results = corio::gather(items.map(process_item)).await;
    println!("{results:?}");
    println!("(in {:.1} s)", start.elapsed().as_secs_f64());
}
