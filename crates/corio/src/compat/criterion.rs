//! criterion's `AsyncExecutor` for corio (feature `criterion`): benchmark
//! async code on corio with `Bencher::to_async`, as criterion's own
//! `async_tokio` feature does for tokio.
//!
//! Implemented for [`Runtime`], `&Runtime`, [`Handle`] and `&Handle`; each
//! `block_on` is the runtime's own ([`Runtime::block_on`]): the future runs on
//! the calling thread while the runtime's workers run whatever it spawns.
//!
//! # Example
//!
//! In `benches/my_bench.rs` (with `harness = false`, and corio's `criterion`
//! feature on in `[dev-dependencies]`):
//!
//! ```no_run
//! use criterion::{Criterion, criterion_group, criterion_main};
//!
//! fn spawn_and_join(c: &mut Criterion) {
//!     let runtime = corio::Runtime::new().unwrap();
//!     c.bench_function("spawn and join", |b| {
//!         b.to_async(&runtime).iter(|| async { corio::spawn(async { 1 }).await.unwrap() })
//!     });
//! }
//!
//! criterion_group!(benches, spawn_and_join);
//! criterion_main!(benches);
//! ```
//!
//! The trait itself, called by hand:
//!
//! ```
//! use criterion::async_executor::AsyncExecutor;
//!
//! let runtime = corio::Runtime::new().unwrap();
//! let answer = AsyncExecutor::block_on(&runtime, async { corio::spawn(async { 6 * 7 }).await.unwrap() });
//! assert_eq!(answer, 42);
//! ```

use std::future::Future;

use ::criterion::async_executor::AsyncExecutor;

use crate::{Handle, Runtime};

/// ```
/// use criterion::async_executor::AsyncExecutor;
/// let runtime = corio::Runtime::new().unwrap();
/// assert_eq!(AsyncExecutor::block_on(&runtime, async { 1 }), 1);
/// ```
impl AsyncExecutor for Runtime {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        Runtime::block_on(self, future)
    }
}

/// ```
/// use criterion::async_executor::AsyncExecutor;
/// let runtime = corio::Runtime::new().unwrap();
/// assert_eq!(AsyncExecutor::block_on(&&runtime, async { 2 }), 2);
/// ```
impl AsyncExecutor for &Runtime {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        Runtime::block_on(self, future)
    }
}

/// ```
/// use criterion::async_executor::AsyncExecutor;
/// let runtime = corio::Runtime::new().unwrap();
/// let handle = runtime.handle().clone();
/// assert_eq!(AsyncExecutor::block_on(&handle, async { 3 }), 3);
/// ```
impl AsyncExecutor for Handle {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        Handle::block_on(self, future)
    }
}

/// ```
/// use criterion::async_executor::AsyncExecutor;
/// let runtime = corio::Runtime::new().unwrap();
/// let handle = runtime.handle();
/// assert_eq!(AsyncExecutor::block_on(&handle, async { 4 }), 4);
/// ```
impl AsyncExecutor for &Handle {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        Handle::block_on(self, future)
    }
}
