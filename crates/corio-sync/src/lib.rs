//! Async synchronisation primitives, channels and queues with Python
//! asyncio's vocabulary, for any executor.
//!
//! corio-sync depends on no runtime: every type works under corio, tokio,
//! smol or a plain `block_on`, and across threads (everything is `Send +
//! Sync` where the data allows).
//!
//! | asyncio | corio-sync |
//! | --- | --- |
//! | `Lock()`, `async with lock:` | [`Lock<T>`] owns its data; `lock().await` gives a [`LockGuard`] |
//! | — | [`RwLock<T>`], FIFO fair (writers are not starved) |
//! | `Semaphore(n)`, `async with sem:` | [`Semaphore`]; `acquire().await` gives a [`SemaphorePermit`] |
//! | `BoundedSemaphore(n)` | [`BoundedSemaphore`]; over-release is [`BoundedSemaphoreError`] |
//! | `Event()` | [`Event`]: `set`, `clear`, `is_set`, `wait().await` |
//! | `Condition(lock)` | [`Condition<T>`]: `wait(guard).await`, `wait_for`, `notify(n)`, `notify_all` |
//! | `Barrier(n)` | [`Barrier`]: `wait().await` gives an index; `abort`, `reset` |
//! | `Queue`, `LifoQueue`, `PriorityQueue` | [`Queue`], [`LifoQueue`], [`PriorityQueue`]: `put`, `get`, `put_nowait`, `get_nowait`, `task_done`, `join`, `shutdown` |
//! | `Future` as a result slot | [`oneshot`] |
//! | Trio memory channels | [`channel`], [`unbounded_channel`]: clonable MPMC ends |
//! | — | [`Notify`] (tokio's wake-up primitive) |
//!
//! Rules that hold for every type:
//!
//! * **First come, first served.** Waiters are kept in one FIFO list per
//!   primitive and served in order; a newcomer never overtakes them.
//! * **Cancellation is dropping the future, and it is safe.** A dropped
//!   `get` loses no item, a dropped `acquire` leaks no permit, and a waiter
//!   that had been woken (granted) but is dropped before it resumed hands its
//!   wake-up, permit or item to the next waiter.
//! * **RAII instead of `async with`.** Guards release on drop.
//! * **Misuse is an error, not a hang.** Errors implement
//!   [`std::error::Error`] and say what to do. Constructors given an
//!   impossible size (`Queue::bounded(0)`, `Barrier::new(0)`, `channel(0)`)
//!   panic with the fix in the message; each has a `try_` twin returning
//!   [`InvalidSizeError`].
//! * `waiters()` on every primitive counts its registered futures, so tests
//!   can check the lists drain back to zero.
//!
//! Differences from asyncio worth knowing: `Condition::notify` does not
//! require the lock; a dropped `Condition::wait` leaves the lock released
//! (the guard was moved into it) instead of re-acquiring it; `Barrier`
//! indices are handed out in arrival order when the barrier trips, so they
//! stay unique even when a waiter leaves; `BoundedSemaphore::release` only
//! returns permits taken out with `forget()`.
//!
//! Dependencies: `parking_lot` for the short critical sections, `slab` for
//! the waiter lists, `futures-core` for [`Stream`](futures_core::Stream) on
//! the channel receiver.
//!
//! ```
//! # use corio_sync::__doc_support::block_on;
//! use corio_sync::{Queue, Semaphore};
//! use std::sync::Arc;
//! let q = Queue::new();
//! let sem = Arc::new(Semaphore::new(2));
//! block_on(async {
//!     let _permit = sem.acquire().await.unwrap();
//!     q.put("work").await.unwrap();
//!     assert_eq!(q.get().await, Ok("work"));
//!     q.task_done().unwrap();
//!     q.join().await;
//! });
//! ```

mod barrier;
mod channel;
mod condition;
mod coop;
mod error;
mod event;
mod lock;
mod loom;
#[cfg(all(test, loom))]
mod loom_tests;
pub mod oneshot;
mod queue;
mod semaphore;
mod waiters;

pub use barrier::{Barrier, BarrierWait, BarrierWaitResult};
pub use channel::{
    Receiver, RecvFuture, SendFuture, Sender, channel, try_channel, unbounded_channel,
};
pub use condition::{Condition, ConditionWait};
pub use error::{
    AcquireError, BoundedSemaphoreError, BrokenBarrierError, GetNowaitError, InvalidSizeError,
    PutNowaitError, QueueShutDown, RecvError, SendError, TaskDoneError, TryAcquireError,
    TryLockError, TryRecvError, TrySendError,
};
pub use event::{Event, EventWait, Notified, Notify};
pub use lock::{
    Lock, LockFuture, LockGuard, ReadFuture, RwLock, RwLockReadGuard, RwLockWriteGuard, WriteFuture,
};
pub use queue::{
    Fifo, GenericQueue, Get, Join, Lifo, LifoQueue, Priority, PriorityQueue, Put, Queue, Storage,
};
pub use semaphore::{
    Acquire, AcquireOwned, BoundedSemaphore, OwnedSemaphorePermit, Semaphore, SemaphorePermit,
};

/// Helpers for the examples in these docs; not part of the API.
#[doc(hidden)]
pub mod __doc_support {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::{self, Thread};

    struct ThreadWaker(Thread);

    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    /// Runs a future to completion on the current thread.
    pub fn block_on<F: Future>(fut: F) -> F::Output {
        let mut fut = pin!(fut);
        let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            thread::park();
        }
    }
}
