//! Other crates' runtime traits implemented for corio, each behind a feature.
//!
//! | feature | what runs on corio | module |
//! | --- | --- | --- |
//! | `tokio-io` | tokio's `AsyncRead`/`AsyncWrite` on [`net`](crate::net)'s streams, and `AsyncSeek` too on [`fs::File`](crate::fs::File) | (trait impls, no module) |
//! | `hyper` | hyper 1.x servers and clients: its `rt::Executor`, `rt::Timer`, `rt::Read`/`rt::Write` | `compat::hyper` |
//! | `criterion` | criterion benchmarks of async code: its `AsyncExecutor` for [`Runtime`](crate::Runtime) and [`Handle`](crate::Handle) | `compat::criterion` |
//!
//! Without a feature the modules are absent; futures-io's `AsyncRead`,
//! `AsyncWrite` and `AsyncSeek` and futures-core's `Stream` are always
//! implemented where they fit. `docs/ecosystem.md` in the repository says which
//! crates run on corio and what to do about the ones that call tokio's runtime.
//!
//! # Example
//!
//! ```
//! // Code that compiles with or without the features: the module always exists.
//! # #[allow(unused_imports)]
//! use corio::compat;
//! ```

#[cfg(feature = "criterion")]
pub mod criterion;
#[cfg(feature = "hyper")]
pub mod hyper;
