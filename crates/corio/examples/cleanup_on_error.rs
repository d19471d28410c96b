//! Clean-up that runs even when the body fails: the seed's `AsyncResource`
//! (tutorial 001, line 1225) acquires, its work raises, `__aexit__` cleans up
//! and sees the error, and the error still reaches the caller. Then the
//! `async with` whose exit does not await, `async with semaphore:` (000 line
//! 264, 001 line 883): in Rust a RAII guard.
//!
//! `cargo run --release --example cleanup_on_error`
//!
//! asyncio:
//!
//! ```python
//! class AsyncResource:
//!     async def __aenter__(self):
//!         print("Acquiring resource")
//!         await asyncio.sleep(0.5)
//!         return self
//!     async def __aexit__(self, exc_type, exc_val, exc_tb):
//!         print("Cleaning up resource")
//!         await asyncio.sleep(0.5)
//!         if exc_type is not None:
//!             print(f"Exception during resource use: {exc_val}")
//!         return False   # propagate the exception
//!     async def do_work(self):
//!         await asyncio.sleep(1)
//!         raise ValueError("Something went wrong")
//!
//! async def main():
//!     try:
//!         async with AsyncResource() as resource:
//!             await resource.do_work()
//!     except ValueError as e:
//!         print(f"Caught error: {e}")
//! ```
//!
//! Python's exception is an `Err` here; the async exit gets it to look at.
//! A permit or lock guard releases in `Drop` on every path: an early return,
//! a panic, and the task's cancellation (an `__aexit__` that awaits cannot
//! run on cancellation in Rust: put such clean-up in `Drop`, see timeout_cancel.rs).

use std::time::Duration;

struct AsyncResource;

impl AsyncResource {
    /// `__aenter__`
    async fn acquire() -> AsyncResource {
        println!("Acquiring resource");
        corio::sleep(Duration::from_millis(500)).await;
        AsyncResource
    }

    async fn do_work(&self) -> Result<(), String> {
        corio::sleep(Duration::from_secs(1)).await;
        Err("Something went wrong".to_string()) // raise ValueError("Something went wrong")
    }

    /// `__aexit__`: sees the body's outcome and hands it on (`return False`).
    async fn exit<T>(self, outcome: Result<T, String>) -> Result<T, String> {
        println!("Cleaning up resource");
        corio::sleep(Duration::from_millis(500)).await;
        if let Err(error) = &outcome {
            println!("Exception during resource use: {error}");
        }
        outcome
    }
}

async fn use_resource() -> Result<(), String> {
    // asyncio: async with AsyncResource() as resource: await resource.do_work()
    let resource = AsyncResource::acquire().await;
    let outcome = resource.do_work().await;
    resource.exit(outcome).await
}

#[corio::main]
async fn main() {
    if let Err(e) = use_resource().await {
        println!("Caught error: {e}");
    }
    println!();

    // asyncio: async with semaphore: ...   (the exit does not await: a RAII guard)
    let semaphore = corio::Semaphore::new(3);
    let work = async {
        let _permit = semaphore.acquire().await.expect("never closed");
        println!(
            "inside: {} of 3 permits free",
            semaphore.available_permits()
        );
        Err::<(), _>("the body failed") // leaves early; the permit is still released
    };
    let _ = work.await;
    println!("after: {} of 3 permits free", semaphore.available_permits());

    // asyncio: async with lock: counter += 1   (the guard unlocks on drop)
    let counter = corio::Lock::new(0);
    {
        let mut guard = counter.lock().await;
        *guard += 1;
        println!(
            "inside: counter = {}, lock held: {}",
            *guard,
            counter.try_lock().is_err()
        );
    }
    println!("after: lock held: {}", counter.try_lock().is_err());
}
