//! Shutdown under load (the `stress` binary's `shutdown` scenario, CI-sized):
//! the runtime is dropped while tasks wait on sockets, timers, queues, locks,
//! events and `spawn_blocking`; every pending future is dropped exactly once,
//! every runtime thread is joined, every descriptor closed, and the memory
//! of the tasks freed. Alone in its test binary, so the allocation, thread
//! and descriptor counts see no other test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::SeqCst};
use std::time::Duration;

use corio_tests::stress::shutdown;
use corio_tests::within;

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
fn shutdown_with_100k_pending_tasks_drops_and_frees_each_joins_every_thread_closes_every_fd() {
    within(Duration::from_secs(120), || {
        // Warm up the thread-locals and lazily allocated statics of a runtime
        // (and of the reactor: a socket pair, a listener).
        shutdown::run(&shutdown::Config {
            tasks: 200,
            workers: 2,
            seed: 1,
        });
        let bytes_before = LIVE_BYTES.load(SeqCst);

        let report = shutdown::run(&shutdown::Config {
            tasks: 100_000,
            workers: 2,
            seed: 0x5EED_0003,
        });
        println!("{}", report.figures());
        assert_eq!(report.dropped, 100_000);
        assert_eq!(report.threads_after, 0);
        assert_eq!(report.fds.0, report.fds.1);

        let leaked = LIVE_BYTES.load(SeqCst) - bytes_before;
        // 100 000 tasks are ~20 MB; what remains must be noise (thread-local
        // caches), not tasks.
        assert!(
            leaked < 64 * 1024,
            "{leaked} bytes still allocated after shutdown"
        );
    });
}
