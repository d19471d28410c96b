//! Soak: a chat server and its clients in one process, for a set time.
//!
//! The server is the seeds' chat server (crates/corio/examples/chat_server.rs)
//! with one change that makes delivery checkable: lines from all
//! connections go through one hub task that stamps each with a global
//! sequence number, so every client must see every other client's lines in
//! one order. Protocol (one line each):
//!
//! - client → server: `HELLO <id>`, then `MSG <id> <n> <payload>` with
//!   `n = 0, 1, 2, ...`, then `FIN <id> <count>` when it stops sending;
//! - server → client: `WELCOME <id>`, then `<seq> <the client line>` for
//!   every line of every *other* client (no join/leave announcements: all
//!   clients join before the first message and leave after the last).
//!
//! Each client checks, as lines arrive: sequence numbers strictly increase,
//! no line is its own, each sender's `n` is exactly the next one, each
//! payload is the one the sender's seed makes, and `FIN`'s count is the
//! number of lines seen from that sender. After every client has every other
//! client's `FIN`, the harness checks the totals exactly: each client got
//! every line sent by the others, the server delivered exactly that many, and
//! the resident set size at the end is within 10% of the size after warm-up
//! (both taken after `malloc_trim`, so freed buffers do not count).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use corio::net::{StreamReader, StreamWriter, open_connection, start_server};
use corio::{Event, Queue};

use super::{Rng, rss_bytes, runtime, secs};

/// Sizes of a soak run.
///
/// ```
/// let config = corio_tests::stress::soak::Config::default();
/// assert_eq!(config.clients, 500);
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    /// Connected clients (each sends and receives).
    pub clients: usize,
    /// How long the clients keep sending.
    pub duration: Duration,
    /// Mean time between two messages of one client (each wait is drawn
    /// uniformly from half to one and a half times this).
    pub interval: Duration,
    /// When the warm-up resident set size is taken, from the first message.
    pub warmup: Duration,
    /// Worker threads (0: one per core).
    pub workers: usize,
    /// Seed of the payloads and of the send times.
    pub seed: u64,
    /// Largest growth of the resident set size from warm-up to the end, in percent.
    pub max_rss_growth_percent: f64,
}

impl Default for Config {
    /// 500 clients, 60 s, one message per client per second, warm-up 10 s.
    fn default() -> Config {
        Config {
            clients: 500,
            duration: Duration::from_secs(60),
            interval: Duration::from_secs(1),
            warmup: Duration::from_secs(10),
            workers: 0,
            seed: 1,
            max_rss_growth_percent: 10.0,
        }
    }
}

/// What a soak run did, counted exactly.
///
/// ```
/// use std::time::Duration;
/// use corio_tests::stress::soak;
/// let report = soak::run(&soak::Config {
///     clients: 4,
///     duration: Duration::from_millis(300),
///     interval: Duration::from_millis(50),
///     warmup: Duration::from_millis(100),
///     max_rss_growth_percent: 100.0,
///     ..soak::Config::default()
/// });
/// assert_eq!(report.deliveries, report.messages * 3);
/// ```
#[derive(Clone, Debug)]
pub struct Report {
    /// Clients connected.
    pub clients: usize,
    /// Worker threads of the runtime.
    pub workers: usize,
    /// Seed used.
    pub seed: u64,
    /// Chat messages sent by all clients (not counting `FIN`).
    pub messages: u64,
    /// Chat messages received by all clients (each message reaches `clients - 1`).
    pub deliveries: u64,
    /// Bytes the server wrote to clients.
    pub bytes_delivered: u64,
    /// Time spent sending (the configured duration, plus the last wait).
    pub sending: Duration,
    /// Whole run: connecting, sending, the last deliveries, disconnecting.
    pub wall: Duration,
    /// Resident set size after warm-up, bytes.
    pub rss_warm: u64,
    /// Resident set size when the last message was delivered, bytes.
    pub rss_end: u64,
    /// Largest resident set size seen (sampled every 100 ms), bytes.
    pub rss_max: u64,
    /// CPU time (user + system, all threads) of the run.
    pub cpu: Duration,
    /// Sleeps the senders made between messages.
    pub sleeps: u64,
    /// Mean time a sender's sleep woke up after its deadline.
    pub sleep_late_mean: Duration,
    /// Longest time a sender's sleep woke up after its deadline.
    pub sleep_late_max: Duration,
}

impl Report {
    /// One line with every figure, for logs and docs/RELIABILITY.md.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use corio_tests::stress::soak;
    /// # let report = soak::run(&soak::Config { clients: 2, duration: Duration::from_millis(100),
    /// #     interval: Duration::from_millis(20), warmup: Duration::from_millis(50),
    /// #     max_rss_growth_percent: 100.0, ..soak::Config::default() });
    /// assert!(report.figures().starts_with("soak:"));
    /// ```
    pub fn figures(&self) -> String {
        format!(
            "soak: clients={} workers={} seed={} messages={} deliveries={} bytes={} sending={}s wall={}s cpu={}s \
             rss_warm={:.1}MiB rss_end={:.1}MiB rss_max={:.1}MiB growth={:+.2}% sleeps={} late_mean={}ms late_max={}ms lost=0 out_of_order=0",
            self.clients,
            self.workers,
            self.seed,
            self.messages,
            self.deliveries,
            self.bytes_delivered,
            secs(self.sending),
            secs(self.wall),
            secs(self.cpu),
            mib(self.rss_warm),
            mib(self.rss_end),
            mib(self.rss_max),
            growth_percent(self.rss_warm, self.rss_end),
            self.sleeps,
            self.sleep_late_mean.as_secs_f64() * 1000.0,
            self.sleep_late_max.as_secs_f64() * 1000.0,
        )
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn growth_percent(from: u64, to: u64) -> f64 {
    if from == 0 {
        return 0.0;
    }
    (to as f64 - from as f64) * 100.0 / from as f64
}

/// Runs the soak; panics with the seed and the disagreeing counts if a line
/// is lost, duplicated, reordered or corrupted, or if memory grows.
///
/// ```
/// use std::time::Duration;
/// use corio_tests::stress::soak;
/// let report = soak::run(&soak::Config {
///     clients: 3,
///     duration: Duration::from_millis(200),
///     interval: Duration::from_millis(20),
///     warmup: Duration::from_millis(50),
///     max_rss_growth_percent: 100.0,
///     ..soak::Config::default()
/// });
/// assert_eq!(report.clients, 3);
/// ```
pub fn run(config: &Config) -> Report {
    assert!(config.clients >= 2, "a chat needs at least two clients");
    let rt = runtime(config.workers, "soak");
    let workers = rt.handle().num_workers();
    let started = Instant::now();
    let cpu_before = super::cpu_time();
    let outcome = rt.block_on(soak(config.clone()));
    drop(rt);
    let report = Report {
        clients: config.clients,
        workers,
        seed: config.seed,
        messages: outcome.messages,
        deliveries: outcome.deliveries,
        bytes_delivered: outcome.bytes_delivered,
        sending: outcome.sending,
        wall: started.elapsed(),
        rss_warm: outcome.rss_warm,
        rss_end: outcome.rss_end,
        rss_max: outcome.rss_max,
        cpu: super::cpu_time().saturating_sub(cpu_before),
        sleeps: outcome.sleeps,
        sleep_late_mean: outcome.sleep_late_mean,
        sleep_late_max: outcome.sleep_late_max,
    };
    let growth = growth_percent(report.rss_warm, report.rss_end);
    assert!(
        growth <= config.max_rss_growth_percent,
        "seed {}: resident set grew {growth:.2}% from warm-up ({} bytes) to the end ({} bytes), \
         more than {}%",
        config.seed,
        report.rss_warm,
        report.rss_end,
        config.max_rss_growth_percent
    );
    report
}

/// The resident set size after handing the allocator's free pages back to
/// the system (glibc keeps freed memory otherwise): what is left is what the
/// program holds, so growth means a leak, not the high-water mark of a
/// burst of write buffers.
fn trimmed_rss() -> u64 {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator; it has
    // no precondition.
    unsafe {
        libc::malloc_trim(0);
    }
    rss_bytes()
}

/// How late the senders' sleeps woke up, beyond what they asked for.
#[derive(Default)]
struct Lateness {
    count: AtomicU64,
    total_us: AtomicU64,
    max_us: AtomicU64,
}

impl Lateness {
    fn record(&self, late: Duration) {
        let us = late.as_micros() as u64;
        self.count.fetch_add(1, Ordering::Relaxed);
        self.total_us.fetch_add(us, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
    }
}

struct Outcome {
    sleeps: u64,
    sleep_late_mean: Duration,
    sleep_late_max: Duration,
    messages: u64,
    deliveries: u64,
    bytes_delivered: u64,
    sending: Duration,
    rss_warm: u64,
    rss_end: u64,
    rss_max: u64,
}

// ---- the server ----------------------------------------------------------

/// The chat server: connected clients by id, and the hub's queue.
struct Hub {
    clients: Mutex<HashMap<u32, Arc<StreamWriter>>>,
    lines: Queue<(u32, Vec<u8>)>,
    delivered_lines: AtomicU64,
    delivered_bytes: AtomicU64,
}

impl Hub {
    async fn handle_client(self: Arc<Self>, mut reader: StreamReader, writer: StreamWriter) {
        let writer = Arc::new(writer);
        let id = match reader.readline().await {
            Ok(line) => match parse_hello(&line) {
                Some(id) => id,
                None => return,
            },
            Err(_) => return,
        };
        writer.write(format!("WELCOME {id}\n").as_bytes());
        self.clients.lock().unwrap().insert(id, writer.clone());
        loop {
            match reader.readline().await {
                Ok(line) if line.is_empty() => break,
                Ok(line) => {
                    if self.lines.put((id, line)).await.is_err() {
                        break;
                    }
                }
                Err(e) => panic!("server: client {id} failed: {e}"),
            }
        }
        self.clients.lock().unwrap().remove(&id);
        writer.close();
        let _ = writer.wait_closed().await;
    }

    /// The broadcaster: takes lines in arrival order, numbers them, and
    /// writes each to every client but its sender.
    async fn broadcast(self: Arc<Self>) {
        let mut seq: u64 = 0;
        let mut batch: Vec<(u32, Vec<u8>)> = Vec::new();
        let mut out = Vec::new();
        while let Ok(first) = self.lines.get().await {
            batch.push(first);
            while batch.len() < 256 {
                match self.lines.get_nowait() {
                    Ok(line) => batch.push(line),
                    Err(_) => break,
                }
            }
            for (_, line) in batch.iter_mut() {
                let mut stamped = format!("{seq} ").into_bytes();
                stamped.extend_from_slice(line);
                *line = stamped;
                seq += 1;
            }
            let clients: Vec<(u32, Arc<StreamWriter>)> = self
                .clients
                .lock()
                .unwrap()
                .iter()
                .map(|(id, w)| (*id, w.clone()))
                .collect();
            let (mut lines, mut bytes) = (0, 0);
            for (id, writer) in &clients {
                out.clear();
                for (sender, line) in &batch {
                    if sender != id {
                        out.extend_from_slice(line);
                        lines += 1;
                    }
                }
                bytes += out.len() as u64;
                writer.write(&out);
            }
            for (id, writer) in &clients {
                if let Err(e) = writer.drain().await {
                    panic!("server: sending to client {id} failed: {e}");
                }
            }
            self.delivered_lines.fetch_add(lines, Ordering::Relaxed);
            self.delivered_bytes.fetch_add(bytes, Ordering::Relaxed);
            batch.clear();
        }
    }
}

fn parse_hello(line: &[u8]) -> Option<u32> {
    std::str::from_utf8(line)
        .ok()?
        .trim_end()
        .strip_prefix("HELLO ")?
        .parse()
        .ok()
}

/// The payload of message `n` of client `id`: 8 to 72 letters from the seed,
/// so a receiver can check every byte.
fn payload(seed: u64, id: u32, n: u64) -> String {
    let mut rng = Rng::for_item(seed ^ (u64::from(id) << 40), n);
    let len = 8 + rng.below(65) as usize;
    (0..len)
        .map(|_| (b'a' + rng.below(26) as u8) as char)
        .collect()
}

// ---- the clients -----------------------------------------------------------

/// What one client's receiving side saw.
struct Received {
    messages: u64,
}

async fn join(addr: SocketAddr, id: u32) -> (StreamReader, StreamWriter) {
    let (mut reader, writer) = open_connection(addr)
        .await
        .unwrap_or_else(|e| panic!("client {id}: could not connect to {addr}: {e}"));
    writer.write(format!("HELLO {id}\n").as_bytes());
    let welcome = reader
        .readline()
        .await
        .unwrap_or_else(|e| panic!("client {id}: no welcome: {e}"));
    assert_eq!(
        welcome,
        format!("WELCOME {id}\n").as_bytes(),
        "client {id}: unexpected welcome"
    );
    (reader, writer)
}

/// Sends `MSG` lines until `deadline`, then `FIN`; returns how many it sent.
async fn send(
    writer: Arc<StreamWriter>,
    id: u32,
    seed: u64,
    interval: Duration,
    start: Arc<Event>,
    deadline: Instant,
    lateness: Arc<Lateness>,
) -> u64 {
    start.wait().await;
    let mut rng = Rng::for_item(seed.rotate_left(17), u64::from(id));
    let mean = interval.as_micros().max(2) as u64;
    let mut n = 0u64;
    loop {
        let wait = Duration::from_micros(mean / 2 + rng.below(mean));
        if Instant::now() + wait >= deadline {
            break;
        }
        let asleep = Instant::now();
        corio::sleep(wait).await;
        lateness.record(asleep.elapsed().saturating_sub(wait));
        let line = format!("MSG {id} {n} {}\n", payload(seed, id, n));
        writer.write(line.as_bytes());
        n += 1;
        writer
            .drain()
            .await
            .unwrap_or_else(|e| panic!("client {id}: send failed: {e}"));
    }
    writer.write(format!("FIN {id} {n}\n").as_bytes());
    writer
        .drain()
        .await
        .unwrap_or_else(|e| panic!("client {id}: send failed: {e}"));
    n
}

/// Reads every line from the server until every other client's `FIN`,
/// checking order, senders, counts and payloads as they come.
async fn receive(mut reader: StreamReader, id: u32, clients: usize, seed: u64) -> Received {
    let mut next = vec![0u64; clients];
    let mut finished = vec![false; clients];
    let mut fins = 0;
    let mut last_seq: Option<u64> = None;
    let mut messages = 0;
    while fins < clients - 1 {
        let line = reader
            .readline()
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: client {id}: read failed: {e}"));
        assert!(
            !line.is_empty(),
            "seed {seed}: client {id}: the server closed the connection with {} FIN(s) missing",
            clients - 1 - fins
        );
        let text = std::str::from_utf8(&line).expect("ASCII lines");
        let (seq, kind, sender, n, body) = parse_line(text)
            .unwrap_or_else(|| panic!("seed {seed}: client {id}: malformed line {text:?}"));
        assert!(
            last_seq.is_none_or(|last| seq > last),
            "seed {seed}: client {id}: line {seq} after line {last_seq:?}: out of order"
        );
        last_seq = Some(seq);
        assert!(
            sender < clients && sender != id as usize,
            "seed {seed}: client {id}: got a line from {sender}"
        );
        assert!(
            !finished[sender],
            "seed {seed}: client {id}: line from {sender} after its FIN"
        );
        match kind {
            "MSG" => {
                assert_eq!(
                    n, next[sender],
                    "seed {seed}: client {id}: message {n} of {sender} where {} was due (lost or reordered)",
                    next[sender]
                );
                assert_eq!(
                    body,
                    payload(seed, sender as u32, n),
                    "seed {seed}: client {id}: message {n} of {sender} corrupted"
                );
                next[sender] += 1;
                messages += 1;
            }
            "FIN" => {
                assert_eq!(
                    n, next[sender],
                    "seed {seed}: client {id}: {sender} sent {n} messages, {} arrived",
                    next[sender]
                );
                finished[sender] = true;
                fins += 1;
            }
            other => panic!("seed {seed}: client {id}: unknown line kind {other:?}"),
        }
    }
    Received { messages }
}

/// Splits `<seq> <kind> <sender> <n>[ <payload>]`.
fn parse_line(text: &str) -> Option<(u64, &str, usize, u64, &str)> {
    let mut fields = text.trim_end().splitn(5, ' ');
    let seq = fields.next()?.parse().ok()?;
    let kind = fields.next()?;
    let sender = fields.next()?.parse().ok()?;
    let n = fields.next()?.parse().ok()?;
    Some((seq, kind, sender, n, fields.next().unwrap_or("")))
}

async fn soak(config: Config) -> Outcome {
    let hub = Arc::new(Hub {
        clients: Mutex::new(HashMap::new()),
        lines: Queue::bounded(4096),
        delivered_lines: AtomicU64::new(0),
        delivered_bytes: AtomicU64::new(0),
    });
    let server = {
        let hub = hub.clone();
        start_server(
            move |reader, writer| hub.clone().handle_client(reader, writer),
            "127.0.0.1:0",
        )
        .await
        .unwrap_or_else(|e| panic!("could not start the chat server: {e}"))
    };
    let broadcaster = corio::spawn(hub.clone().broadcast());
    let addr = server.local_addr();

    // Everybody joins before anybody talks.
    let mut connections = Vec::with_capacity(config.clients);
    for id in 0..config.clients as u32 {
        connections.push(join(addr, id).await);
    }
    assert_eq!(hub.clients.lock().unwrap().len(), config.clients);

    let lateness = Arc::new(Lateness::default());
    let start = Arc::new(Event::new());
    let begun = Instant::now();
    let deadline = begun + config.duration;
    let mut writers = Vec::with_capacity(config.clients);
    let mut senders = Vec::with_capacity(config.clients);
    let mut receivers = Vec::with_capacity(config.clients);
    for (id, (reader, writer)) in connections.into_iter().enumerate() {
        let id = id as u32;
        let writer = Arc::new(writer);
        writers.push(writer.clone());
        senders.push(corio::spawn(send(
            writer,
            id,
            config.seed,
            config.interval,
            start.clone(),
            deadline,
            lateness.clone(),
        )));
        receivers.push(corio::spawn(receive(
            reader,
            id,
            config.clients,
            config.seed,
        )));
    }

    // RSS: sampled by a plain thread so the figure does not depend on the runtime.
    let sampling = Arc::new(AtomicBool::new(true));
    let rss_max = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (sampling, rss_max) = (sampling.clone(), rss_max.clone());
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                rss_max.fetch_max(rss_bytes(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    start.set();
    corio::sleep(config.warmup.min(config.duration)).await;
    let rss_warm = trimmed_rss();

    let mut sent = Vec::with_capacity(config.clients);
    for task in senders {
        sent.push(task.await.expect("a sender task failed"));
    }
    let sending = begun.elapsed();
    let mut received = Vec::with_capacity(config.clients);
    for task in receivers {
        match task.await {
            Ok(r) => received.push(r),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("a receiver task ended early: {e}"),
        }
    }
    let rss_end = trimmed_rss();
    sampling.store(false, Ordering::Relaxed);
    sampler.join().expect("the RSS sampler panicked");

    let messages: u64 = sent.iter().sum();
    for (id, r) in received.iter().enumerate() {
        assert_eq!(
            r.messages,
            messages - sent[id],
            "seed {}: client {id} received {} messages; the others sent {}",
            config.seed,
            r.messages,
            messages - sent[id]
        );
    }
    let deliveries: u64 = received.iter().map(|r| r.messages).sum();
    assert_eq!(deliveries, messages * (config.clients as u64 - 1));
    let fins = config.clients as u64 * (config.clients as u64 - 1);
    assert_eq!(
        hub.delivered_lines.load(Ordering::Relaxed),
        deliveries + fins,
        "seed {}: the server wrote a different number of lines than the clients read",
        config.seed
    );

    // Everybody leaves; the server sees every end of stream and closes.
    for writer in &writers {
        writer.close();
    }
    for writer in &writers {
        writer
            .wait_closed()
            .await
            .unwrap_or_else(|e| panic!("closing a client failed: {e}"));
    }
    server.close();
    server.wait_closed().await;
    assert_eq!(server.active_connections(), 0);
    assert!(
        hub.clients.lock().unwrap().is_empty(),
        "a handler never left"
    );
    hub.lines.shutdown(false);
    broadcaster.await.expect("the broadcaster failed");
    drop(writers);

    Outcome {
        messages,
        deliveries,
        bytes_delivered: hub.delivered_bytes.load(Ordering::Relaxed),
        sending,
        rss_warm,
        rss_end,
        rss_max: rss_max.load(Ordering::Relaxed).max(rss_end),
        sleeps: lateness.count.load(Ordering::Relaxed),
        sleep_late_mean: Duration::from_micros(
            lateness.total_us.load(Ordering::Relaxed)
                / lateness.count.load(Ordering::Relaxed).max(1),
        ),
        sleep_late_max: Duration::from_micros(lateness.max_us.load(Ordering::Relaxed)),
    }
}
