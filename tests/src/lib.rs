//! Shared helpers of corio's integration tests: drop counters, a watchdog so a
//! hang fails the test instead of stalling CI, and thread counting.

pub mod stress;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Counts how many values of a family were dropped.
///
/// ```
/// let drops = corio_tests::DropCounter::new();
/// drop(drops.token());
/// assert_eq!(drops.count(), 1);
/// ```
#[derive(Clone, Default, Debug)]
pub struct DropCounter(Arc<AtomicUsize>);

/// One value that bumps its [`DropCounter`] when dropped.
#[derive(Debug)]
pub struct DropToken(Arc<AtomicUsize>);

impl DropCounter {
    /// A counter at zero.
    pub fn new() -> DropCounter {
        DropCounter::default()
    }

    /// A value to move into a future; its drop is counted.
    pub fn token(&self) -> DropToken {
        DropToken(self.0.clone())
    }

    /// Drops counted so far.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Runs `f` on its own thread and fails the test if it takes longer than `limit`
/// (a hang becomes a clear failure instead of a stuck CI run).
///
/// ```
/// assert_eq!(corio_tests::within(std::time::Duration::from_secs(5), || 3), 3);
/// ```
pub fn within<R: Send + 'static>(limit: Duration, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let result = f();
        let _ = tx.send(());
        result
    });
    match rx.recv_timeout(limit) {
        Ok(()) => thread.join().expect("the test body panicked"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Ok(_) => unreachable!("sent before returning"),
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("the test did not finish within {limit:?}: something hangs")
        }
    }
}

/// Number of threads in this process (Linux: entries of /proc/self/task).
///
/// ```
/// assert!(corio_tests::thread_count() >= 1);
/// ```
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Number of open file descriptors of this process (Linux: /proc/self/fd).
///
/// ```
/// assert!(corio_tests::fd_count() >= 3);
/// ```
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Waits until `condition` holds, checking every millisecond, for at most `limit`.
/// Returns whether it held. For states that only change on a timer of the code
/// under test (a thread retiring after its keep-alive), not as a stand-in for
/// synchronisation.
///
/// ```
/// assert!(corio_tests::eventually(std::time::Duration::from_secs(1), || true));
/// ```
pub fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Number of this process's threads whose name starts with `prefix`
/// (Linux: /proc/self/task/*/comm; names are cut at 15 bytes).
///
/// ```
/// std::thread::Builder::new().name("probe-x".into()).spawn(|| {
///     assert_eq!(corio_tests::threads_named("probe-"), 1);
/// }).unwrap().join().unwrap();
/// ```
pub fn threads_named(prefix: &str) -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with(prefix))
        .count()
}

/// What a story printed, each line with the (virtual) time it was printed at:
/// the tests of the seed examples compare it with asyncio's output.
///
/// ```
/// let rt = corio::Runtime::builder().worker_threads(1).start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let log = corio_tests::StoryLog::new();
///     log.print("start");
///     corio::sleep(std::time::Duration::from_secs(2)).await;
///     log.print("end");
///     assert_eq!(log.time_of("end"), std::time::Duration::from_secs(2));
/// });
/// ```
#[derive(Clone, Debug)]
pub struct StoryLog {
    start: std::time::Instant,
    lines: Arc<std::sync::Mutex<Vec<(Duration, String)>>>,
}

impl StoryLog {
    /// A log whose clock starts now; make it inside the runtime (its clock may be virtual).
    pub fn new() -> StoryLog {
        StoryLog {
            start: corio::time::now(),
            lines: Arc::default(),
        }
    }

    /// Records a line at the current time.
    pub fn print(&self, line: impl Into<String>) {
        let at = self.elapsed();
        self.lines.lock().unwrap().push((at, line.into()));
    }

    /// Time since the log was made.
    pub fn elapsed(&self) -> Duration {
        corio::time::now() - self.start
    }

    /// Every line so far, with its time.
    pub fn lines(&self) -> Vec<(Duration, String)> {
        self.lines.lock().unwrap().clone()
    }

    /// The time of the one line equal to `line` (fails if there is not exactly one).
    pub fn time_of(&self, line: &str) -> Duration {
        let lines = self.lines();
        let found: Vec<_> = lines.iter().filter(|(_, l)| l == line).collect();
        assert_eq!(found.len(), 1, "{line:?} should appear once in {lines:#?}");
        found[0].0
    }
}

impl Default for StoryLog {
    fn default() -> Self {
        Self::new()
    }
}

/// Closes `socket` with `SO_LINGER` 0, so its peer gets a reset (`ECONNRESET`),
/// not an end of stream.
///
/// ```
/// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
/// let (server, _) = listener.accept().unwrap();
/// corio_tests::reset_connection(server);
/// # drop(client);
/// ```
pub fn reset_connection(socket: impl std::os::fd::AsRawFd) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket fd and a `linger` of the right size.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt(SO_LINGER)");
    drop(socket);
}
