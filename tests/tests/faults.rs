//! Fault injection (issue 5): one test per fault. Each asserts that (a) the
//! runtime keeps working afterwards and (b) the failure is reported where it
//! belongs: the awaiting `Task` (as `TaskError::Panicked`, naming the task),
//! the runtime's `on_unhandled_panic` hook (once), the task that called a
//! panicking waker, or the I/O call that met the fault.
//!
//! Covered elsewhere, not repeated here: a panicking `start_server` handler
//! (tests/io.rs `a_panicking_handler_ends_only_its_connection`), `EMFILE`
//! under a connection flood (tests/emfile.rs), panics in `to_thread` and in
//! unawaited blocking closures (tests/executor.rs), panics inside `gather`
//! and `TaskGroup` children (tests/front_door.rs).

use std::future::{Future, pending, poll_fn};
use std::io::{self, Read};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use corio::net::{StreamReader, StreamWriter, open_connection, start_server};
use corio::sync::{Event, Queue, Semaphore};
use corio::task::Builder as TaskBuilder;
use corio_tests::{DropCounter, threads_named, within};

const LIMIT: Duration = Duration::from_secs(20);

fn runtime(name: &str, reports: &Arc<Mutex<Vec<String>>>) -> corio::Runtime {
    let sink = reports.clone();
    corio::Runtime::builder()
        .worker_threads(2)
        .thread_name(name)
        .on_unhandled_panic(move |e| sink.lock().unwrap().push(e.to_string()))
        .build()
        .unwrap()
}

/// The runtime still spawns, schedules, sleeps and does I/O.
async fn still_works() {
    let tasks: Vec<_> = (0..100u64)
        .map(|i| corio::spawn(async move { i * 2 }))
        .collect();
    let mut sum = 0;
    for t in tasks {
        sum += t.await.unwrap();
    }
    assert_eq!(sum, 9900);
    let slept = Instant::now();
    corio::sleep(Duration::from_millis(5)).await;
    assert!(slept.elapsed() >= Duration::from_millis(5));
    let server = start_server(
        |mut reader: StreamReader, writer: StreamWriter| async move {
            let line = reader.readline().await.unwrap();
            writer.write(&line);
            writer.drain().await.unwrap();
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let (mut reader, writer) = open_connection(server.local_addr()).await.unwrap();
    writer.write(b"ping\n");
    assert_eq!(reader.readline().await.unwrap(), b"ping\n");
    server.close();
}

/// Waits (yielding) until `condition` holds: for states another task reaches.
async fn until(mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !condition() {
        assert!(Instant::now() < deadline, "the condition never held");
        corio::yield_now().await;
    }
}

fn message(error: corio::TaskError) -> String {
    let payload = error.into_panic();
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Panics when dropped, unless the thread is already unwinding.
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", self.0);
        }
    }
}

/// A waker that panics when woken, as a buggy foreign executor's might.
struct PanickingWaker;

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("this waker panics");
    }
}

fn panicking_waker() -> Waker {
    Waker::from(Arc::new(PanickingWaker))
}

/// Polls `future` once with `waker` (a hand-written combinator's move).
fn poll_with<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

#[test]
fn a_panic_in_poll_goes_to_the_awaiter_or_once_to_the_hook() {
    within(LIMIT, || {
        let reports = Arc::new(Mutex::new(Vec::new()));
        let rt = runtime("f-poll", &reports);
        rt.block_on(async {
            let awaited = TaskBuilder::new()
                .name("awaited")
                .spawn(async { panic!("awaited task broke") });
            let err = awaited.await.unwrap_err();
            assert!(err.is_panic());
            assert_eq!(err.name(), Some("awaited"));
            assert_eq!(message(err), "awaited task broke");

            // A detached panic, and a handle dropped unread after the panic.
            drop(
                TaskBuilder::new()
                    .name("detached")
                    .spawn(async { panic!("detached task broke") }),
            );
            let unread = TaskBuilder::new()
                .name("unread")
                .spawn(async { panic!("unread task broke") });
            until(|| unread.is_finished()).await;
            drop(unread);
            until(|| reports.lock().unwrap().len() == 2).await;
            still_works().await;
        });
        assert_eq!(threads_named("f-poll-worker"), 2, "no worker died");
        drop(rt);
        let mut reports = reports.lock().unwrap().clone();
        reports.sort();
        assert_eq!(reports.len(), 2, "{reports:?}");
        assert!(reports[0].contains("'detached'") && reports[0].contains("detached task broke"));
        assert!(reports[1].contains("'unread'") && reports[1].contains("unread task broke"));
    });
}

#[test]
fn a_panic_in_drop_during_cancel_is_the_cancelled_tasks_outcome() {
    within(LIMIT, || {
        let reports = Arc::new(Mutex::new(Vec::new()));
        let rt = runtime("f-cancel", &reports);
        rt.block_on(async {
            let drops = DropCounter::new();
            let started = Arc::new(Event::new());
            let doomed = TaskBuilder::new().name("doomed").spawn({
                let started = started.clone();
                async move {
                    let _guard = PanicOnDrop("clean-up failed");
                    started.set();
                    pending::<()>().await
                }
            });
            let token = drops.token();
            let bystander = corio::spawn(async move {
                let _token = token;
                pending::<()>().await
            });
            started.wait().await;
            assert!(doomed.cancel());
            let err = doomed.await.unwrap_err();
            assert!(err.is_panic(), "{err}");
            assert_eq!(err.name(), Some("doomed"));
            assert_eq!(message(err), "clean-up failed");

            still_works().await;
            assert_eq!(drops.count(), 0, "the bystander is untouched");
            bystander.cancel();
            assert!(bystander.await.unwrap_err().is_cancelled());
            assert_eq!(drops.count(), 1);
        });
        drop(rt);
        assert!(reports.lock().unwrap().is_empty(), "the awaiter had it");
    });
}

#[test]
fn a_panic_in_drop_at_shutdown_neither_aborts_nor_leaks_other_tasks() {
    within(LIMIT, || {
        let reports = Arc::new(Mutex::new(Vec::new()));
        let rt = runtime("f-shut", &reports);
        let drops = DropCounter::new();
        let started = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            for i in 0..12 {
                let token = drops.token();
                let started = started.clone();
                let name = format!("task-{i}");
                drop(TaskBuilder::new().name(&name).spawn(async move {
                    let _token = token;
                    // Every third task's clean-up panics; the others' must still run.
                    let _guard = (i % 3 == 0).then(|| PanicOnDrop("shutdown clean-up failed"));
                    started.fetch_add(1, Ordering::SeqCst);
                    pending::<()>().await
                }));
            }
            until(|| started.load(Ordering::SeqCst) == 12).await;
        });
        drop(rt); // cancels all twelve in place
        assert_eq!(drops.count(), 12, "every future was dropped, none leaked");
        let reports = reports.lock().unwrap().clone();
        assert_eq!(reports.len(), 4, "{reports:?}");
        for i in [0, 3, 6, 9] {
            let name = format!("'task-{i}'");
            let report = reports.iter().find(|r| r.contains(&name));
            let report = report.unwrap_or_else(|| panic!("{name} not in {reports:?}"));
            assert!(report.contains("shutdown clean-up failed"), "{report}");
        }
        // A new runtime in the same process is unaffected.
        let rt = runtime("f-shut2", &Arc::default());
        rt.block_on(still_works());
    });
}

#[test]
fn a_panicking_waker_fails_the_setter_and_every_other_event_waiter_still_wakes() {
    within(LIMIT, || {
        let rt = runtime("f-event", &Arc::default());
        rt.block_on(async {
            let event = Arc::new(Event::new());
            let mut foreign = Box::pin(event.wait());
            assert!(poll_with(foreign.as_mut(), &panicking_waker()).is_pending());
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let event = event.clone();
                    corio::spawn(async move { event.wait().await })
                })
                .collect();
            until(|| event.waiters() == 4).await;

            let setter = TaskBuilder::new().name("setter").spawn({
                let event = event.clone();
                async move { event.set() }
            });
            let err = setter.await.unwrap_err();
            assert_eq!(err.name(), Some("setter"));
            assert_eq!(message(err), "this waker panics");
            for waiter in waiters {
                corio::timeout(LIMIT, waiter)
                    .await
                    .expect("a waiter behind the panicking waker was never woken")
                    .unwrap();
            }
            assert!(event.is_set());
            assert!(poll_with(foreign.as_mut(), Waker::noop()).is_ready());
            drop(foreign);
            assert_eq!(event.waiters(), 0);
            still_works().await;
        });
    });
}

#[test]
fn a_panicking_waker_during_release_keeps_the_semaphore_consistent() {
    within(LIMIT, || {
        let rt = runtime("f-sem", &Arc::default());
        rt.block_on(async {
            let sem = Arc::new(Semaphore::new(0));
            let mut foreign = Box::pin(sem.acquire());
            assert!(poll_with(foreign.as_mut(), &panicking_waker()).is_pending());
            let acquirers: Vec<_> = (0..2)
                .map(|_| {
                    let sem = sem.clone();
                    corio::spawn(async move { sem.acquire().await.unwrap().forget() })
                })
                .collect();
            until(|| sem.waiters() == 3).await;

            // Three permits for three waiters; the first waiter's waker panics.
            let releaser = TaskBuilder::new().name("releaser").spawn({
                let sem = sem.clone();
                async move { sem.add_permits(3) }
            });
            let err = releaser.await.unwrap_err();
            assert_eq!(err.name(), Some("releaser"));
            assert_eq!(message(err), "this waker panics");
            for acquirer in acquirers {
                corio::timeout(LIMIT, acquirer)
                    .await
                    .expect("an acquirer behind the panicking waker was never woken")
                    .unwrap();
            }
            // The foreign waiter was granted its permit; dropping it unread gives it back.
            assert_eq!((sem.available_permits(), sem.waiters()), (0, 1));
            drop(foreign);
            assert_eq!((sem.available_permits(), sem.waiters()), (1, 0));
            still_works().await;
        });
    });
}

#[test]
fn a_panicking_waker_during_put_loses_no_item_and_no_getter() {
    within(LIMIT, || {
        let rt = runtime("f-queue", &Arc::default());
        rt.block_on(async {
            let queue = Arc::new(Queue::<u32>::new());
            let mut foreign = Box::pin(queue.get());
            assert!(poll_with(foreign.as_mut(), &panicking_waker()).is_pending());
            let getters: Vec<_> = (0..2)
                .map(|_| {
                    let queue = queue.clone();
                    corio::spawn(async move { queue.get().await })
                })
                .collect();
            until(|| queue.getters() == 3).await;

            let putter = TaskBuilder::new().name("putter").spawn({
                let queue = queue.clone();
                async move { queue.put_nowait(7).unwrap() }
            });
            let err = putter.await.unwrap_err();
            assert_eq!(err.name(), Some("putter"));
            // The item went to the foreign getter; dropping it unread passes the item on.
            drop(foreign);
            queue.put_nowait(8).unwrap();
            let mut got = Vec::new();
            for getter in getters {
                got.push(
                    corio::timeout(LIMIT, getter)
                        .await
                        .unwrap()
                        .unwrap()
                        .unwrap(),
                );
            }
            got.sort();
            assert_eq!(got, [7, 8]);
            assert_eq!((queue.qsize(), queue.waiters()), (0, 0));

            // A shutdown wakes every getter though the first one's waker panics.
            let mut foreign = Box::pin(queue.get());
            assert!(poll_with(foreign.as_mut(), &panicking_waker()).is_pending());
            let late = {
                let queue = queue.clone();
                corio::spawn(async move { queue.get().await })
            };
            until(|| queue.getters() == 2).await;
            let closer = corio::spawn({
                let queue = queue.clone();
                async move { queue.shutdown(false) }
            });
            assert!(closer.await.unwrap_err().is_panic());
            let late = corio::timeout(LIMIT, late)
                .await
                .expect("woken by the shutdown");
            assert!(late.unwrap().is_err(), "a shut-down queue refuses the get");
            drop(foreign);
            assert_eq!(queue.waiters(), 0);
            still_works().await;
        });
    });
}

#[test]
fn a_panicking_waker_called_by_the_driver_does_not_stop_timers_io_or_workers() {
    within(LIMIT, || {
        let rt = runtime("f-drv", &Arc::default());
        rt.block_on(async {
            // A sleep and a socket polled by a foreign combinator with a bad waker...
            let mut sleep = Box::pin(corio::sleep(Duration::from_millis(30)));
            assert!(poll_with(sleep.as_mut(), &panicking_waker()).is_pending());
            let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let mut buf = [0u8; 8];
            let mut recv = Box::pin(socket.recv_from(&mut buf));
            assert!(poll_with(recv.as_mut(), &panicking_waker()).is_pending());

            // ...and ordinary tasks waiting for the same deadline and the same event.
            let sleepers: Vec<_> = (0..3)
                .map(|_| corio::spawn(corio::sleep(Duration::from_millis(30))))
                .collect();
            let other = corio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let other_addr = other.local_addr().unwrap();
            let reader = corio::spawn(async move {
                let mut buf = [0u8; 8];
                other.recv_from(&mut buf).await.map(|(n, _)| n)
            });
            let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            sender
                .send_to(b"bad", socket.local_addr().unwrap())
                .unwrap();
            sender.send_to(b"good", other_addr).unwrap();

            for sleeper in sleepers {
                corio::timeout(LIMIT, sleeper).await.unwrap().unwrap();
            }
            let n = corio::timeout(LIMIT, reader).await.unwrap().unwrap();
            assert_eq!(n.unwrap(), 4);
            // The foreign futures themselves are still usable.
            assert!(poll_with(sleep.as_mut(), Waker::noop()).is_ready());
            match poll_with(recv.as_mut(), Waker::noop()) {
                Poll::Ready(Ok((n, _))) => assert_eq!(n, 3),
                other => panic!("the datagram is ready: {other:?}"),
            }
            still_works().await;
        });
        assert_eq!(threads_named("f-drv-worker"), 2, "no worker died");
        rt.block_on(still_works());
    });
}

#[test]
fn a_task_woken_by_a_timer_that_panics_reports_to_its_awaiter() {
    within(LIMIT, || {
        let reports = Arc::new(Mutex::new(Vec::new()));
        let rt = runtime("f-timer", &reports);
        rt.block_on(async {
            let tasks: Vec<_> = (0..20u64)
                .map(|i| {
                    TaskBuilder::new()
                        .name(format!("timed-{i}"))
                        .spawn(async move {
                            corio::sleep(Duration::from_millis(10 + i % 3)).await;
                            if i % 2 == 0 {
                                panic!("woke up broken");
                            }
                            i
                        })
                })
                .collect();
            for (i, task) in tasks.into_iter().enumerate() {
                match task.await {
                    Ok(v) => assert_eq!(v, i as u64),
                    Err(err) => {
                        assert_eq!(i % 2, 0);
                        assert_eq!(err.name(), Some(&*format!("timed-{i}")));
                        assert_eq!(message(err), "woke up broken");
                    }
                }
            }
            still_works().await;
        });
        drop(rt);
        assert!(reports.lock().unwrap().is_empty());
    });
}

/// The worker parked in the driver is the one that blocks: a timer wakes a
/// task there and the task blocks its thread for 2 s, while the other worker
/// sleeps on its condvar. Timers and I/O must not wait for the blocked
/// worker: the sleeper takes over the driver.
#[test]
fn a_task_woken_by_the_driver_that_blocks_leaves_timers_and_io_served() {
    const HOG: Duration = Duration::from_secs(2);
    const BOUND: Duration = Duration::from_millis(700);
    within(LIMIT, || {
        let rt = corio::Runtime::builder().worker_threads(2).build().unwrap();
        let (ran_tx, ran_rx) = std::sync::mpsc::channel::<(&'static str, Instant)>();
        let socket = rt
            .block_on(corio::net::UdpSocket::bind("127.0.0.1:0"))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let start = Instant::now();
        // Spawned from outside, so that every worker is asleep when the
        // timers come due: the task the 50 ms timer wakes runs on the worker
        // that holds the driver, and blocks it.
        let hog = rt.spawn(async move {
            corio::sleep(Duration::from_millis(50)).await;
            std::thread::sleep(HOG);
        });
        let tx = ran_tx.clone();
        drop(rt.spawn(async move {
            corio::sleep(Duration::from_millis(150)).await;
            tx.send(("timer", Instant::now())).unwrap();
        }));
        let tx = ran_tx;
        drop(rt.spawn(async move {
            let mut buf = [0u8; 4];
            socket.recv_from(&mut buf).await.unwrap();
            tx.send(("io", Instant::now())).unwrap();
        }));
        std::thread::sleep(Duration::from_millis(100)); // the hog is running by now
        std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .send_to(b"x", addr)
            .unwrap();
        let mut seen = Vec::new();
        for _ in 0..2 {
            let (name, at) = ran_rx.recv().unwrap();
            let delay = at.saturating_duration_since(start);
            assert!(
                delay < BOUND,
                "'{name}' came {delay:?} after the start, behind a driver worker blocked for {HOG:?}"
            );
            seen.push(name);
        }
        seen.sort();
        assert_eq!(seen, ["io", "timer"]);
        assert!(!hog.is_finished(), "all of that happened during the hog");
        rt.block_on(hog).unwrap();
    });
}

#[test]
fn a_worker_blocked_for_2s_holds_back_neither_its_queued_tasks_nor_timers_nor_io() {
    const HOG: Duration = Duration::from_secs(2);
    const BOUND: Duration = Duration::from_millis(500);
    within(LIMIT, || {
        let slow = Arc::new(Mutex::new(Vec::new()));
        let sink = slow.clone();
        let rt = corio::Runtime::builder()
            .worker_threads(2)
            .debug(true)
            .slow_poll_threshold(Duration::from_millis(500))
            .on_slow_poll(move |report| sink.lock().unwrap().push(report.clone()))
            .build()
            .unwrap();
        rt.block_on(async {
            let ran = Arc::new(Queue::<(&'static str, Instant)>::new());
            let hog_started = Arc::new(Event::new());
            let hog = TaskBuilder::new().name("hog").spawn({
                let ran = ran.clone();
                let hog_started = hog_started.clone();
                async move {
                    // Spawned on the hog's worker: two go to its local queue,
                    // the last one stays in its LIFO slot.
                    for name in ["queued-1", "queued-2", "lifo"] {
                        let ran = ran.clone();
                        drop(corio::spawn(async move {
                            ran.put_nowait((name, Instant::now())).unwrap();
                        }));
                    }
                    hog_started.set();
                    std::thread::sleep(HOG); // the fault: blocks its worker
                }
            });
            hog_started.wait().await;
            let start = Instant::now();

            // Tasks spawned meanwhile, a timer and an I/O event.
            let ran2 = ran.clone();
            drop(corio::spawn(async move {
                ran2.put_nowait(("spawned", Instant::now())).unwrap();
            }));
            let ran2 = ran.clone();
            drop(corio::spawn(async move {
                corio::sleep(Duration::from_millis(20)).await;
                ran2.put_nowait(("timer", Instant::now())).unwrap();
            }));
            let socket = corio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let addr = socket.local_addr().unwrap();
            let ran2 = ran.clone();
            drop(corio::spawn(async move {
                let mut buf = [0u8; 4];
                socket.recv_from(&mut buf).await.unwrap();
                ran2.put_nowait(("io", Instant::now())).unwrap();
            }));
            std::net::UdpSocket::bind("127.0.0.1:0")
                .unwrap()
                .send_to(b"x", addr)
                .unwrap();

            let mut seen = Vec::new();
            for _ in 0..6 {
                let (name, at) = ran.get().await.unwrap();
                let delay = at.saturating_duration_since(start);
                assert!(
                    delay < BOUND,
                    "'{name}' waited {delay:?} for a worker blocked for {HOG:?}"
                );
                seen.push(name);
            }
            seen.sort();
            assert_eq!(
                seen,
                ["io", "lifo", "queued-1", "queued-2", "spawned", "timer"]
            );
            assert!(!hog.is_finished(), "all of that happened during the hog");
            hog.await.unwrap();
        });
        let slow = slow.lock().unwrap();
        assert_eq!(slow.len(), 1, "{slow:?}");
        assert_eq!(slow[0].name.as_deref(), Some("hog"));
        assert!(slow[0].duration >= HOG);
    });
}

/// Counts SIGPIPEs instead of letting one kill the process (restored on drop).
struct SigpipeCounter {
    previous: libc::sigaction,
}

static SIGPIPES: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_sigpipe(_: libc::c_int) {
    SIGPIPES.fetch_add(1, Ordering::SeqCst);
}

impl SigpipeCounter {
    fn install() -> SigpipeCounter {
        // SAFETY: zeroed `sigaction`s are valid to fill in; the handler only
        // touches an atomic, which is async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = count_sigpipe as *const () as libc::sighandler_t;
            let mut previous: libc::sigaction = std::mem::zeroed();
            assert_eq!(libc::sigaction(libc::SIGPIPE, &action, &mut previous), 0);
            SigpipeCounter { previous }
        }
    }
}

impl Drop for SigpipeCounter {
    fn drop(&mut self) {
        // SAFETY: restores the action saved by `install`.
        unsafe { libc::sigaction(libc::SIGPIPE, &self.previous, std::ptr::null_mut()) };
    }
}

fn is_reset(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
    )
}

#[test]
fn a_peer_reset_mid_write_is_an_error_for_the_writer_and_no_sigpipe() {
    within(LIMIT, || {
        let sigpipes = SigpipeCounter::install();
        let rt = runtime("f-reset", &Arc::default());
        rt.block_on(async {
            // The asyncio streams: a handler writing far more than the socket buffers.
            let (tx, rx) = std::sync::mpsc::channel();
            let tx = Arc::new(Mutex::new(tx));
            let server = start_server(
                move |_reader: StreamReader, writer: StreamWriter| {
                    let tx = tx.lock().unwrap().clone();
                    async move {
                        let chunk = vec![b'x'; 1 << 20];
                        let outcome = loop {
                            writer.write(&chunk);
                            if let Err(e) = writer.drain().await {
                                break e;
                            }
                        };
                        tx.send(outcome).unwrap();
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
            let mut peer = std::net::TcpStream::connect(server.local_addr()).unwrap();
            let mut head = [0u8; 64 * 1024];
            peer.read_exact(&mut head).unwrap(); // the writer is mid-stream
            corio_tests::reset_connection(peer);
            let err = corio::to_thread(move || rx.recv_timeout(LIMIT).unwrap()).await;
            assert!(is_reset(&err), "{err:?}");
            assert!(server.is_serving());

            // A raw socket, written with `write` and `write_vectored` after the reset.
            let listener = corio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let writer = TaskBuilder::new().name("writer").spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let chunk = vec![b'y'; 1 << 20];
                let first = loop {
                    if let Err(e) = stream.write_all(&chunk).await {
                        break e;
                    }
                };
                let again = stream.write_all(&chunk).await.unwrap_err();
                let mut stream = stream;
                let vectored = poll_fn(|cx| {
                    let bufs = [io::IoSlice::new(&chunk), io::IoSlice::new(&chunk)];
                    futures_io::AsyncWrite::poll_write_vectored(Pin::new(&mut stream), cx, &bufs)
                })
                .await
                .unwrap_err();
                (first, again, vectored)
            });
            let mut peer = std::net::TcpStream::connect(addr).unwrap();
            peer.read_exact(&mut head).unwrap();
            corio_tests::reset_connection(peer);
            let (first, again, vectored) = writer.await.unwrap();
            assert!(is_reset(&first), "{first:?}");
            assert!(is_reset(&again), "{again:?}");
            assert!(is_reset(&vectored), "{vectored:?}");
            still_works().await;
            server.close();
        });
        assert_eq!(SIGPIPES.load(Ordering::SeqCst), 0, "a write raised SIGPIPE");
        drop(sigpipes);
    });
}
