//! The one place that chooses between the real synchronisation types
//! (`std` atomics and `Arc`, `parking_lot::Mutex`) and loom's model-checked
//! ones. Everything else in the crate reaches atomics, locks, `Arc`, fences
//! and thread-locals through this module.
//!
//! loom's types are used only for the crate's own unit tests under
//! `--cfg loom` (`cfg(all(loom, test))`, as tokio does): the models live in
//! `src/loom_models.rs`, and the library that doc-tests and other crates
//! link against keeps the real types even when built with `--cfg loom`
//! (loom's types panic outside `loom::model`).

#[cfg(not(all(loom, test)))]
mod imp {
    pub(crate) use parking_lot::Mutex;
    pub(crate) use std::sync::Arc;
    pub(crate) use std::sync::atomic::{
        AtomicBool, AtomicI64, AtomicU8, AtomicU64, Ordering, fence,
    };

    /// Declares a thread-local with a `const` initialiser (cheapest access).
    macro_rules! thread_local_const {
        ($vis:vis static $name:ident: $t:ty = $init:expr;) => {
            std::thread_local! { $vis static $name: $t = const { $init }; }
        };
    }
    pub(crate) use thread_local_const;
}

#[cfg(all(loom, test))]
mod imp {
    pub(crate) use loom::sync::Arc;
    pub(crate) use loom::sync::atomic::{
        AtomicBool, AtomicI64, AtomicU8, AtomicU64, Ordering, fence,
    };

    /// `parking_lot`-shaped wrapper around loom's mutex (no poisoning).
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            self.0.lock().expect("loom mutex poisoned")
        }

        pub(crate) fn try_lock(&self) -> Option<loom::sync::MutexGuard<'_, T>> {
            self.0.try_lock().ok()
        }
    }

    /// loom's thread-locals have no `const` form; same syntax otherwise.
    macro_rules! thread_local_const {
        ($vis:vis static $name:ident: $t:ty = $init:expr;) => {
            loom::thread_local! { $vis static $name: $t = $init; }
        };
    }
    pub(crate) use thread_local_const;
}

pub(crate) use imp::*;

/// A process-wide counter that only hands out shard *hints*. It never orders
/// memory for anything else, so it stays a real `std` atomic under loom too
/// (loom cannot build statics with non-`const` constructors).
pub(crate) static NEXT_SHARD_HINT: std::sync::atomic::AtomicU32 =
    std::sync::atomic::AtomicU32::new(0);
