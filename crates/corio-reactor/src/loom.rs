//! The one place that switches between the real primitives and loom's models.
//!
//! Everything the readiness/waker hand-off shares between threads (the
//! readiness word of a [`Source`](crate::Source), its waiter lists, the slab of
//! registered sources, the reactor's flags) is reached through this module.
//! Under `--cfg loom` they become loom's checked versions, so the model in
//! `loom_tests.rs` explores the crate's own synchronisation. The `polling`
//! poller and the sockets are real syscalls that loom cannot see; the model
//! drives the registry and the sources directly instead.

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::sync::Arc;
    pub(crate) use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    /// `parking_lot`'s mutex: one byte, no poisoning, adaptive spinning.
    pub(crate) type Mutex<T> = parking_lot::Mutex<T>;
}

#[cfg(loom)]
mod imp {
    pub(crate) use loom::sync::Arc;
    pub(crate) use loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    /// loom's mutex behind `parking_lot`'s guard-returning API.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }

        pub(crate) fn try_lock(&self) -> Option<loom::sync::MutexGuard<'_, T>> {
            self.0.try_lock().ok()
        }
    }
}

pub(crate) use imp::*;
