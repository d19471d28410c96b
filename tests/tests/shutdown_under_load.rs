//! Shutdown under load: every pending future is dropped exactly once, its
//! memory is freed, and no runtime thread is left behind. Alone in its test
//! binary, so the allocation count sees no other test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};
use std::time::Duration;

use corio::Runtime;
use corio_tests::{DropCounter, threads_named, within};

/// Counts the bytes this test binary has allocated and not freed.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn shutdown_with_100k_pending_tasks_drops_and_frees_each_and_joins_every_thread() {
    within(Duration::from_secs(120), || {
        // Warm up the thread-locals and lazily allocated statics of a runtime.
        drop(Runtime::builder().worker_threads(2).build().unwrap());
        let bytes_before = LIVE_BYTES.load(SeqCst);

        let rt = Runtime::builder()
            .worker_threads(2)
            .thread_name("sdt")
            .build()
            .unwrap();
        let drops = DropCounter::new();
        let n = 100_000;
        for i in 0..n {
            let token = drops.token();
            // Pending forever, in different ways: never polled, parked on
            // another task, or parked after a first poll.
            let task = rt.spawn(async move {
                let _token = token;
                if i % 3 == 0 {
                    corio::yield_now().await;
                }
                std::future::pending::<()>().await;
            });
            drop(task); // detached: the runtime still owns the task
        }
        // A blocking closure running during shutdown is waited for.
        let blocking = rt.spawn_blocking(|| std::thread::sleep(Duration::from_millis(50)));
        drop(blocking);
        assert!(threads_named("sdt-worker") == 2, "two workers run");
        rt.shutdown();

        assert_eq!(
            drops.count(),
            n,
            "every pending future dropped exactly once"
        );
        assert_eq!(threads_named("sdt-"), 0, "every runtime thread joined");
        let leaked = LIVE_BYTES.load(SeqCst) - bytes_before;
        // 100 000 tasks are ~20 MB; what remains must be noise (thread-local
        // caches), not tasks.
        assert!(
            leaked < 64 * 1024,
            "{leaked} bytes still allocated after shutdown"
        );
    });
}
