//! The seeds' cancellation and timeout example (tutorial 000, section 5.3): a
//! 10 s task is given 5 s; the timeout cancels it, the task notices, and main
//! reports the timeout. About 6 s in all.
//!
//! ```text
//! cargo run --release --example timeout_cancel
//! ```
//!
//! asyncio:
//!
//! ```python
//! async def long_running_task():
//!     try:
//!         await asyncio.sleep(10)
//!         print("Task completed")
//!     except asyncio.CancelledError:
//!         print("Task was cancelled")
//!
//! async def main():
//!     task = asyncio.create_task(long_running_task())
//!     try:
//!         await asyncio.wait_for(task, timeout=5)
//!     except asyncio.TimeoutError:
//!         print("Task timed out")
//!     if not task.done():
//!         task.cancel()
//!     await asyncio.sleep(1)
//! ```
//!
//! The difference: in Rust cancellation drops the task's future, so the
//! "except CancelledError" clean-up lives in a `Drop` guard. And dropping a
//! `Task` handle detaches the task, so where asyncio's `wait_for` cancels the
//! awaited task itself, here main cancels it and waits for it to finish.

use std::time::{Duration, Instant};

/// Runs its closure if dropped before being disarmed: the `except` block.
struct OnCancel<F: FnMut()>(Option<F>);

impl<F: FnMut()> Drop for OnCancel<F> {
    fn drop(&mut self) {
        if let Some(mut f) = self.0.take() {
            f();
        }
    }
}

async fn long_running_task() {
    let mut guard = OnCancel(Some(|| println!("Task was cancelled")));
    corio::sleep(Duration::from_secs(10)).await;
    guard.0 = None; // finished: nothing to clean up
    println!("Task completed");
}

fn main() {
    let start = Instant::now();
    corio::run(async {
        let mut task = corio::spawn(long_running_task());
        if corio::wait_for(&mut task, Duration::from_secs(5))
            .await
            .is_err()
        {
            // asyncio's wait_for cancels the task and waits for it before raising.
            task.cancel();
            let _ = (&mut task).await;
            println!("Task timed out");
        }
        if !task.is_finished() {
            task.cancel();
        }
        corio::sleep(Duration::from_secs(1)).await;
    });
    println!("done in {:.1} s", start.elapsed().as_secs_f64());
}
