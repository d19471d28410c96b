//! Dinner: pasta (boil water 5 s, cook pasta 8 s) and salad (wash vegetables
//! 3 s, make dressing 2 s) prepared at once with `gather`; dinner is ready
//! when the pasta is, after about 13 s instead of 18 (tutorial 000, section
//! 3.3, line 71).
//!
//! `cargo run --release --example dinner`
//!
//! asyncio:
//!
//! ```python
//! async def cook_pasta():
//!     print("물 끓이는 중...")          # Boiling water...
//!     await asyncio.sleep(5)
//!     print("파스타 넣는 중...")        # Adding the pasta...
//!     await asyncio.sleep(8)
//!     print("파스타 완성!")             # Pasta done!
//!
//! async def make_salad():
//!     print("채소 씻는 중...")          # Washing vegetables...
//!     await asyncio.sleep(3)
//!     print("드레싱 만드는 중...")      # Making the dressing...
//!     await asyncio.sleep(2)
//!     print("샐러드 완성!")             # Salad done!
//!
//! async def prepare_dinner():
//!     await asyncio.gather(cook_pasta(), make_salad())
//!     print("저녁 식사 준비 완료!")     # Dinner is ready!
//!
//! asyncio.run(prepare_dinner())
//! ```

use std::time::{Duration, Instant};

async fn cook_pasta() {
    println!("Boiling water...");
    corio::sleep(Duration::from_secs(5)).await;
    println!("Adding the pasta...");
    corio::sleep(Duration::from_secs(8)).await;
    println!("Pasta done!");
}

async fn make_salad() {
    println!("Washing vegetables...");
    corio::sleep(Duration::from_secs(3)).await;
    println!("Making the dressing...");
    corio::sleep(Duration::from_secs(2)).await;
    println!("Salad done!");
}

// One worker: asyncio's single loop, so the two first lines keep the seed's order.
#[corio::main(worker_threads = 1)]
async fn main() {
    let start = Instant::now();
    // asyncio: await asyncio.gather(cook_pasta(), make_salad()) -- two types, so gather!
    corio::gather!(cook_pasta(), make_salad()).await;
    println!("Dinner is ready!");
    println!(
        "(after {:.1} s: the pasta's 13 s, not 13 + 5)",
        start.elapsed().as_secs_f64()
    );
}
