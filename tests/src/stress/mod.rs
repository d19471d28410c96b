//! Stress and soak scenarios: the same code runs small in CI
//! (`tests/tests/stress.rs`, `tests/tests/soak.rs`,
//! `tests/tests/shutdown_under_load.rs`) and large in the `stress` binary
//! (`cargo run --release -p corio-tests --bin stress -- all`).
//!
//! Each scenario is a function taking a config (sizes, workers, duration,
//! seed) and returning a report of exact counts. It asserts inside: a
//! failure panics with the numbers that disagree and the seed to replay it.
//! Randomness comes from [`Rng`], seeded from the config, so a run is
//! reproducible up to the scheduling of threads.
//!
//! ```
//! use corio_tests::stress::scheduler;
//! let report = scheduler::run(&scheduler::Config { tasks: 200, workers: 2, seed: 7 });
//! assert_eq!(report.tasks, 200);
//! ```

pub mod cancel;
pub mod scheduler;
pub mod shutdown;
pub mod soak;

use std::time::Duration;

/// A small deterministic pseudo-random generator (splitmix64): fast, no
/// dependency, and the same sequence on every machine for the same seed.
///
/// ```
/// let mut a = corio_tests::stress::Rng::new(42);
/// let mut b = corio_tests::stress::Rng::new(42);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    ///
    /// ```
    /// let _rng = corio_tests::stress::Rng::new(1);
    /// ```
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The generator of item `index` of a run seeded with `seed`: items get
    /// independent streams, so an item's choices do not depend on the order
    /// in which items happen to run.
    ///
    /// ```
    /// use corio_tests::stress::Rng;
    /// assert_eq!(Rng::for_item(1, 5).next_u64(), Rng::for_item(1, 5).next_u64());
    /// assert_ne!(Rng::for_item(1, 5).next_u64(), Rng::for_item(1, 6).next_u64());
    /// ```
    pub fn for_item(seed: u64, index: u64) -> Rng {
        let mut mix = Rng(seed ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
        Rng(mix.next_u64() ^ index)
    }

    /// The next 64 random bits.
    ///
    /// ```
    /// let mut rng = corio_tests::stress::Rng::new(0);
    /// assert_ne!(rng.next_u64(), rng.next_u64());
    /// ```
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    ///
    /// ```
    /// let mut rng = corio_tests::stress::Rng::new(3);
    /// assert!((0..100).all(|_| rng.below(7) < 7));
    /// ```
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::below(0): the range is empty");
        // Multiply-shift: unbiased enough for test choices, no division.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `percent`/100.
    ///
    /// ```
    /// let mut rng = corio_tests::stress::Rng::new(3);
    /// assert!(!rng.percent(0));
    /// assert!(rng.percent(100));
    /// ```
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A seed from the clock, for runs that were not given one (print it!).
///
/// ```
/// let _seed = corio_tests::stress::seed_from_clock();
/// ```
pub fn seed_from_clock() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    Rng::new(nanos).next_u64()
}

/// Resident set size of this process in bytes (Linux: `VmRSS` of
/// /proc/self/status; 0 elsewhere).
///
/// ```
/// assert!(corio_tests::stress::rss_bytes() > 0);
/// ```
pub fn rss_bytes() -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// Raises this process's soft limit of open files to its hard limit (the
/// soak opens two descriptors per client). Returns the soft limit now in force.
///
/// ```
/// assert!(corio_tests::stress::raise_fd_limit() > 0);
/// ```
pub fn raise_fd_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for the call to fill.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 0;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: `raised` is a valid rlimit; the call only reads it.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return raised.rlim_cur;
        }
    }
    limit.rlim_cur
}

/// CPU time (user + system) this process has used so far: next to a wall
/// time on a shared machine, it tells waiting for a core from working.
///
/// ```
/// let before = corio_tests::stress::cpu_time();
/// assert!(corio_tests::stress::cpu_time() >= before);
/// ```
pub fn cpu_time() -> Duration {
    // SAFETY: an all-zero rusage is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is valid and writable for the call.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// A runtime with `workers` threads (0: one per core) and a thread-name
/// prefix, so a scenario can count its threads.
fn runtime(workers: usize, name: &str) -> corio::Runtime {
    let mut builder = corio::Runtime::builder().thread_name(name);
    if workers > 0 {
        builder = builder.worker_threads(workers);
    }
    builder
        .build()
        .unwrap_or_else(|e| panic!("could not start a runtime with {workers} workers: {e}"))
}

/// `d` as seconds with three decimals, for figures lines.
fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}
