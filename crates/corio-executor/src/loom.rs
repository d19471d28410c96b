//! The one place that switches between the real primitives and loom's models.
//!
//! Everything in this crate that is shared between threads (atomics, cells,
//! mutexes, the work-stealing deques) is reached through this module. Under
//! `--cfg loom` the atomics, cells and locks become loom's checked versions and
//! the crossbeam deques (which loom cannot see into) become simple
//! mutex-protected stand-ins with the same API, so the scheduler code compiles
//! unchanged and its own synchronisation is what the model explores.

#[cfg(not(loom))]
pub(crate) mod imp {
    pub(crate) use std::sync::atomic::{
        AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence,
    };

    pub(crate) use crossbeam_deque::{Injector, Stealer, Worker};

    /// `parking_lot`'s mutex: one byte, no poisoning, adaptive spinning.
    pub(crate) type Mutex<T> = parking_lot::Mutex<T>;
    pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;
    pub(crate) use parking_lot::Condvar;

    /// A zero-cost `UnsafeCell` with loom's closure API.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            Self(std::cell::UnsafeCell::new(value))
        }
        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }

    /// Waits on `condvar` until notified or `timeout` passes; true if it timed out.
    pub(crate) fn wait_timeout<T>(
        condvar: &Condvar,
        guard: &mut MutexGuard<'_, T>,
        timeout: std::time::Duration,
    ) -> bool {
        condvar.wait_for(guard, timeout).timed_out()
    }

    pub(crate) fn spin_loop() {
        std::hint::spin_loop();
    }
}

#[cfg(loom)]
pub(crate) mod imp {
    pub(crate) use loom::sync::Arc;
    pub(crate) use loom::sync::atomic::{
        AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence,
    };

    pub(crate) use loom::cell::UnsafeCell;

    /// loom's mutex behind `parking_lot`'s guard-returning API.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);
    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(loom::sync::Mutex::new(value))
        }
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }
    }

    /// loom's condvar behind `parking_lot`'s `&mut guard` API.
    #[derive(Debug)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Self(loom::sync::Condvar::new())
        }
        pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            replace_guard(guard, |g| self.0.wait(g).unwrap());
        }
        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }
        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    /// loom has no timed waits that make progress; a timed wait is a plain wait
    /// that reports "not timed out".
    pub(crate) fn wait_timeout<T>(
        condvar: &Condvar,
        guard: &mut MutexGuard<'_, T>,
        _timeout: std::time::Duration,
    ) -> bool {
        condvar.wait(guard);
        false
    }

    fn replace_guard<'a, T>(
        slot: &mut MutexGuard<'a, T>,
        f: impl FnOnce(MutexGuard<'a, T>) -> MutexGuard<'a, T>,
    ) {
        // SAFETY: the guard is moved out and a guard for the same mutex is
        // written back before anyone can observe `slot`; `f` (a condvar wait)
        // does not unwind under loom except by aborting the whole model.
        unsafe {
            let guard = std::ptr::read(slot);
            std::ptr::write(slot, f(guard));
        }
    }

    pub(crate) fn spin_loop() {
        loom::thread::yield_now();
    }

    pub(crate) use deque::{Injector, Stealer, Worker};

    /// Stand-ins for crossbeam-deque with the same API, built on loom's mutex.
    mod deque {
        use std::collections::VecDeque;

        use loom::sync::{Arc, Mutex};

        /// The outcome of a steal, as in crossbeam-deque.
        pub(crate) enum Steal<T> {
            Empty,
            Success(T),
            #[allow(dead_code)]
            Retry,
        }

        impl<T> Steal<T> {
            pub(crate) fn is_retry(&self) -> bool {
                matches!(self, Steal::Retry)
            }
            pub(crate) fn is_empty(&self) -> bool {
                matches!(self, Steal::Empty)
            }
            pub(crate) fn success(self) -> Option<T> {
                match self {
                    Steal::Success(t) => Some(t),
                    _ => None,
                }
            }
        }

        pub(crate) struct Worker<T>(Arc<Mutex<VecDeque<T>>>);
        pub(crate) struct Stealer<T>(Arc<Mutex<VecDeque<T>>>);
        pub(crate) struct Injector<T>(Mutex<VecDeque<T>>);

        impl<T> Worker<T> {
            pub(crate) fn new_fifo() -> Self {
                Self(Arc::new(Mutex::new(VecDeque::new())))
            }
            pub(crate) fn stealer(&self) -> Stealer<T> {
                Stealer(self.0.clone())
            }
            pub(crate) fn push(&self, task: T) {
                self.0.lock().unwrap().push_back(task);
            }
            pub(crate) fn pop(&self) -> Option<T> {
                self.0.lock().unwrap().pop_front()
            }
            pub(crate) fn is_empty(&self) -> bool {
                self.0.lock().unwrap().is_empty()
            }
            pub(crate) fn len(&self) -> usize {
                self.0.lock().unwrap().len()
            }
        }

        impl<T> Stealer<T> {
            pub(crate) fn steal_batch_and_pop(&self, dest: &Worker<T>) -> Steal<T> {
                if Arc::ptr_eq(&self.0, &dest.0) {
                    return Steal::Empty;
                }
                let mut src = self.0.lock().unwrap();
                let Some(first) = src.pop_front() else {
                    return Steal::Empty;
                };
                let half = src.len() / 2;
                let moved: Vec<T> = src.drain(..half).collect();
                drop(src);
                let mut dst = dest.0.lock().unwrap();
                dst.extend(moved);
                Steal::Success(first)
            }
            pub(crate) fn is_empty(&self) -> bool {
                self.0.lock().unwrap().is_empty()
            }
            pub(crate) fn len(&self) -> usize {
                self.0.lock().unwrap().len()
            }
        }

        impl<T> Clone for Stealer<T> {
            fn clone(&self) -> Self {
                Stealer(self.0.clone())
            }
        }

        impl<T> Injector<T> {
            pub(crate) fn new() -> Self {
                Self(Mutex::new(VecDeque::new()))
            }
            pub(crate) fn push(&self, task: T) {
                self.0.lock().unwrap().push_back(task);
            }
            pub(crate) fn steal(&self) -> Steal<T> {
                match self.0.lock().unwrap().pop_front() {
                    Some(t) => Steal::Success(t),
                    None => Steal::Empty,
                }
            }
            pub(crate) fn steal_batch_with_limit_and_pop(
                &self,
                dest: &Worker<T>,
                limit: usize,
            ) -> Steal<T> {
                let mut src = self.0.lock().unwrap();
                let Some(first) = src.pop_front() else {
                    return Steal::Empty;
                };
                let take = (src.len() / 2).min(limit.saturating_sub(1));
                let moved: Vec<T> = src.drain(..take).collect();
                drop(src);
                dest.0.lock().unwrap().extend(moved);
                Steal::Success(first)
            }
            pub(crate) fn steal_batch_with_limit(
                &self,
                dest: &Worker<T>,
                limit: usize,
            ) -> Steal<()> {
                let mut src = self.0.lock().unwrap();
                if src.is_empty() {
                    return Steal::Empty;
                }
                let take = src.len().div_ceil(2).min(limit);
                let moved: Vec<T> = src.drain(..take).collect();
                drop(src);
                dest.0.lock().unwrap().extend(moved);
                Steal::Success(())
            }
            pub(crate) fn is_empty(&self) -> bool {
                self.0.lock().unwrap().is_empty()
            }
            pub(crate) fn len(&self) -> usize {
                self.0.lock().unwrap().len()
            }
        }
    }
}

pub(crate) use imp::*;
