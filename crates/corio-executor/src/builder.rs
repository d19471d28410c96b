//! [`Builder`]: the settings of a [`Runtime`].

use std::fmt;
use std::io;
use std::time::Duration;

use crate::blocking::BlockingPool;
use std::sync::Arc;

use crate::loom::Worker;
use crate::park::{DriverSlot, Park};
use crate::runtime::{Handle, Runtime};
use crate::scheduler::{Config, PanicReporter, Shared, SlowPollReporter, worker};
use crate::task::{Notified, SlowPoll, TaskError};

/// Settings for a [`Runtime`].
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// let rt = corio_executor::Runtime::builder()
///     .worker_threads(2)
///     .thread_name("my-app")
///     .max_blocking_threads(64)
///     .keep_alive(Duration::from_secs(5))
///     .build()
///     .unwrap();
/// assert_eq!(rt.handle().num_workers(), 2);
/// ```
pub struct Builder {
    worker_threads: Option<usize>,
    thread_name: String,
    max_blocking_threads: usize,
    keep_alive: Duration,
    driver: Option<Arc<dyn Park>>,
    on_thread_start: Option<Arc<dyn Fn() + Send + Sync>>,
    on_thread_stop: Option<Arc<dyn Fn() + Send + Sync>>,
    on_unhandled_panic: Option<PanicReporter>,
    debug: bool,
    slow_poll_threshold: Duration,
    on_slow_poll: Option<SlowPollReporter>,
    global_queue_interval: u32,
    event_interval: u32,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("worker_threads", &self.worker_threads)
            .field("thread_name", &self.thread_name)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("keep_alive", &self.keep_alive)
            .field("driver", &self.driver.is_some())
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// The defaults: one worker per CPU core, threads named `corio-worker-N`
    /// and `corio-blocking`, up to 512 blocking threads kept alive 10 s when idle.
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> Builder {
        Builder {
            worker_threads: None,
            thread_name: "corio".to_string(),
            max_blocking_threads: 512,
            keep_alive: Duration::from_secs(10),
            driver: None,
            on_thread_start: None,
            on_thread_stop: None,
            on_unhandled_panic: None,
            debug: std::env::var_os("CORIO_DEBUG").is_some_and(|v| !v.is_empty() && v != "0"),
            slow_poll_threshold: Duration::from_millis(100),
            on_slow_poll: None,
            global_queue_interval: 61,
            event_interval: 61,
        }
    }

    /// Number of worker threads (at least 1; default: the number of CPU cores).
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().worker_threads(1).build().unwrap();
    /// assert_eq!(rt.handle().num_workers(), 1);
    /// ```
    pub fn worker_threads(mut self, n: usize) -> Builder {
        self.worker_threads = Some(n);
        self
    }

    /// Prefix of the threads' names: workers are `{name}-worker-{i}`, pool
    /// threads `{name}-blocking`.
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().thread_name("svc").build().unwrap();
    /// let name = rt.block_on(async {
    ///     corio_executor::spawn(async { std::thread::current().name().unwrap().to_string() }).await.unwrap()
    /// });
    /// assert!(name.starts_with("svc-worker-"));
    /// ```
    pub fn thread_name(mut self, name: impl Into<String>) -> Builder {
        self.thread_name = name.into();
        self
    }

    /// Most threads the blocking pool may have at once (default 512, at least 1).
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().max_blocking_threads(4).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn max_blocking_threads(mut self, n: usize) -> Builder {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking-pool thread waits for work before it exits (default 10 s).
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().keep_alive(std::time::Duration::from_millis(100)).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn keep_alive(mut self, keep_alive: Duration) -> Builder {
        self.keep_alive = keep_alive;
        self
    }

    /// Installs the driver that idle workers park in (the `corio` facade's
    /// reactor and timer wheel). Without one, idle workers sleep on condvars.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let driver = Arc::new(corio_executor::park::CondvarPark::new());
    /// let rt = corio_executor::Builder::new().driver(driver).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn driver(mut self, driver: Arc<dyn Park>) -> Builder {
        self.driver = Some(driver);
        self
    }

    /// Runs `f` on every runtime thread (workers and blocking pool) when it starts.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let counter = started.clone();
    /// let rt = corio_executor::Builder::new()
    ///     .worker_threads(2)
    ///     .on_thread_start(move || { counter.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// drop(rt);
    /// assert_eq!(started.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_start(mut self, f: impl Fn() + Send + Sync + 'static) -> Builder {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on every runtime thread just before it exits.
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().on_thread_stop(|| {}).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_thread_stop(mut self, f: impl Fn() + Send + Sync + 'static) -> Builder {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Where the panics of tasks that nobody awaits are reported (default: a
    /// line on stderr naming the task, or an ERROR `tracing` event with the
    /// `tracing` feature when a subscriber listens). Called once per such panic, on the
    /// thread where it happened (or where the last handle was dropped).
    ///
    /// ```
    /// use std::sync::{Mutex, mpsc};
    /// let (tx, reports) = mpsc::channel();
    /// let tx = Mutex::new(tx);
    /// let rt = corio_executor::Builder::new()
    ///     .on_unhandled_panic(move |err| tx.lock().unwrap().send(err.to_string()).unwrap())
    ///     .build()
    ///     .unwrap();
    /// drop(rt.spawn(async { panic!("nobody is listening") }));
    /// let report = reports.recv().unwrap();
    /// assert!(report.contains("nobody is listening"));
    /// ```
    pub fn on_unhandled_panic(mut self, f: impl Fn(&TaskError) + Send + Sync + 'static) -> Builder {
        self.on_unhandled_panic = Some(Arc::new(f));
        self
    }

    /// Debug mode (asyncio's debug mode; also on when the environment has
    /// `CORIO_DEBUG=1`): every task poll is timed, and one that takes longer
    /// than [`slow_poll_threshold`](Builder::slow_poll_threshold) is reported
    /// with the task's name. It costs two clock reads per poll.
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().debug(true).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn debug(mut self, on: bool) -> Builder {
        self.debug = on;
        self
    }

    /// The poll duration debug mode reports (default 100 ms, as asyncio's
    /// `slow_callback_duration`).
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().debug(true)
    ///     .slow_poll_threshold(std::time::Duration::from_millis(10)).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Builder {
        self.slow_poll_threshold = threshold;
        self
    }

    /// Where debug mode's slow-poll reports go (default: a line on stderr, or
    /// a `tracing` event with the `tracing` feature when a subscriber listens).
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().debug(true)
    ///     .on_slow_poll(|report| eprintln!("{report}")).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_slow_poll(mut self, f: impl Fn(&SlowPoll) + Send + Sync + 'static) -> Builder {
        self.on_slow_poll = Some(Arc::new(f));
        self
    }

    /// A worker takes a task from the global queue first every `n` ticks (default 61).
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().global_queue_interval(31).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn global_queue_interval(mut self, n: u32) -> Builder {
        self.global_queue_interval = n.max(1);
        self
    }

    /// A busy worker polls the driver for I/O and timer events every `n` ticks (default 61).
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().event_interval(31).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn event_interval(mut self, n: u32) -> Builder {
        self.event_interval = n.max(1);
        self
    }

    /// Starts the worker threads.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for `worker_threads(0)`; the OS error if a thread cannot be started.
    ///
    /// ```
    /// let err = corio_executor::Builder::new().worker_threads(0).build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn build(self) -> io::Result<Runtime> {
        let workers = match self.worker_threads {
            Some(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "worker_threads(0): a runtime needs at least one worker thread",
                ));
            }
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let locals: Vec<Worker<Notified>> = (0..workers).map(|_| Worker::new_fifo()).collect();
        let stealers = locals.iter().map(Worker::stealer).collect();
        let driver = self.driver.map(|d| Arc::new(DriverSlot::new(d)));
        let blocking = BlockingPool::new(
            self.max_blocking_threads,
            self.keep_alive,
            format!("{}-blocking", self.thread_name),
        );
        let config = Config {
            global_queue_interval: self.global_queue_interval,
            event_interval: self.event_interval,
            single_fifo: workers == 1,
            max_lifo_polls: 3,
            thread_name: self.thread_name,
            on_thread_start: self.on_thread_start,
            on_thread_stop: self.on_thread_stop,
            on_unhandled_panic: self.on_unhandled_panic,
            slow_poll_threshold: self.debug.then_some(self.slow_poll_threshold),
            on_slow_poll: self.on_slow_poll,
        };
        let shared = Arc::new(Shared::new(stealers, driver, blocking, config));
        let handle = Handle {
            shared: shared.clone(),
        };
        shared.blocking.set_handle(handle.clone());
        let mut threads = Vec::with_capacity(workers);
        for (index, local) in locals.into_iter().enumerate() {
            let worker_handle = handle.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{}-worker-{index}", shared.config.thread_name))
                .spawn(move || worker_main(worker_handle, index, local));
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(error) => {
                    // Stop the workers already started before reporting.
                    drop(Runtime::from_parts(handle, threads));
                    return Err(error);
                }
            }
        }
        Ok(Runtime::from_parts(handle, threads))
    }
}

fn worker_main(handle: Handle, index: usize, local: Worker<Notified>) {
    let _enter = crate::context::enter_async(&handle, "a worker thread");
    let shared = handle.shared.clone();
    if let Some(start) = &shared.config.on_thread_start {
        start();
    }
    worker::run(shared.clone(), index, local);
    if let Some(stop) = &shared.config.on_thread_stop {
        stop();
    }
}
