//! Task ids: unique in the process, cheap to hand out.
//!
//! A global counter shared by every spawning thread would put one contended
//! cache line on the spawn path. Each thread instead takes a block of ids at a
//! time from the global counter and hands them out from a thread-local cell.

use std::cell::Cell;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// A task's id: unique among all tasks of all runtimes in this process.
///
/// # Example
///
/// ```
/// let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
/// let a = rt.spawn(async {});
/// let b = rt.spawn(async {});
/// assert_ne!(a.id(), b.id());
/// println!("{}", a.id()); // prints the number
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct TaskId(NonZeroU64);

impl TaskId {
    /// The id as a number.
    ///
    /// ```
    /// # let rt = corio_executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// let task = rt.spawn(async {});
    /// assert!(task.id().as_u64() > 0);
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }

    pub(crate) fn next() -> TaskId {
        const BLOCK: u64 = 1024;
        static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);
        thread_local! {
            // (next id, end of this thread's block)
            static IDS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
        }
        IDS.with(|ids| {
            let (mut next, mut end) = ids.get();
            if next == end {
                next = NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed);
                end = next + BLOCK;
            }
            ids.set((next + 1, end));
            TaskId(NonZeroU64::new(next).expect("ids start at 1 and never wrap"))
        })
    }
}

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
