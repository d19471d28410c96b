//! asyncio streams and files on corio (issue 5): the bad-input and failure
//! cases of `corio::net::{start_server, open_connection, StreamReader,
//! StreamWriter}`, a 1 000-connection echo, descriptor and registration
//! leaks, and `corio::fs` round trips. The EMFILE case is in `emfile.rs`
//! (it lowers a process-wide limit).

use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use corio::net::{ReadError, StreamReader, StreamWriter, TcpStream, open_connection, start_server};
use corio::sync::unbounded_channel;
use corio_tests::{fd_count, within};
use futures_core::Stream;

const LIMIT: Duration = Duration::from_secs(20);

/// The descriptor-leak test counts the whole process's descriptors, so it
/// runs alone; every other test holds this lock shared.
static FDS: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    FDS.read().unwrap_or_else(|e| e.into_inner())
}

/// Polls for the lock rather than queueing on it, so a test that hangs while
/// holding it shared fails alone instead of blocking every later test.
fn exclusive() -> RwLockWriteGuard<'static, ()> {
    let deadline = std::time::Instant::now() + LIMIT;
    loop {
        match FDS.try_write() {
            Ok(guard) => return guard,
            Err(std::sync::TryLockError::Poisoned(e)) => return e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                assert!(std::time::Instant::now() < deadline, "another test hangs");
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

fn runtime() -> corio::Runtime {
    corio::Runtime::builder().worker_threads(2).build().unwrap()
}

/// Runs `body` on a fresh two-worker runtime, failing the test if it hangs.
fn run<F, Fut>(body: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    within(LIMIT, move || {
        let _guard = shared();
        runtime().block_on(body());
    });
}

async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// A server that writes `data` to each client, then closes the connection.
async fn sender(data: &'static [u8]) -> corio::net::Server {
    start_server(
        move |_reader, writer: StreamWriter| async move {
            writer.write(data);
            writer.close();
            writer.wait_closed().await.unwrap();
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap()
}

/// A server that echoes every byte it reads until end of stream.
async fn echo_server() -> corio::net::Server {
    start_server(
        |mut reader: StreamReader, writer: StreamWriter| async move {
            loop {
                match reader.read(64 * 1024).await {
                    Ok(data) if !data.is_empty() => {
                        writer.write(&data);
                        if writer.drain().await.is_err() {
                            break;
                        }
                    }
                    _ => break,
                }
            }
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap()
}

#[test]
fn readexactly_at_eof_gives_the_partial_bytes_and_the_expected_count() {
    run(|| async {
        let server = sender(b"0123456789").await;
        let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
        assert_eq!(reader.readexactly(4).await.unwrap(), b"0123");
        match reader.readexactly(16).await {
            Err(ReadError::IncompleteRead(e)) => {
                assert_eq!(e.partial, b"456789");
                assert_eq!(e.expected, Some(16));
                assert_eq!(
                    e.to_string(),
                    "6 bytes read on a total of 16 expected bytes: the stream ended first"
                );
                let as_io: io::Error = e.into();
                assert_eq!(as_io.kind(), io::ErrorKind::UnexpectedEof);
            }
            other => panic!("expected IncompleteRead, got {other:?}"),
        }
        assert!(reader.at_eof());
        // `readuntil` at EOF: IncompleteRead without an expected count.
        let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
        match reader.readuntil(b"\n").await {
            Err(ReadError::IncompleteRead(e)) => {
                assert_eq!(e.partial, b"0123456789");
                assert_eq!(e.expected, None);
            }
            other => panic!("expected IncompleteRead, got {other:?}"),
        }
    });
}

#[test]
fn readuntil_past_the_limit_errors_and_the_data_stays_buffered() {
    run(|| async {
        // No separator within the limit.
        let server = sender(&[b'x'; 40]).await;
        let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
        reader.set_limit(16);
        match reader.readuntil(b"\n").await {
            Err(ReadError::LimitOverrun(e)) => {
                assert!(!e.separator_found());
                assert!(!e.discarded());
                assert!(e.consumed() > 16, "{e}");
                assert!(e.to_string().contains("still buffered"), "{e}");
                let as_io: io::Error = e.into();
                assert_eq!(as_io.kind(), io::ErrorKind::InvalidData);
            }
            other => panic!("expected LimitOverrun, got {other:?}"),
        }
        // Nothing was lost: every byte is still there to read.
        assert_eq!(reader.readexactly(40).await.unwrap(), [b'x'; 40]);

        // The separator found, but past the limit.
        let server = sender(b"aaaaaaaaaaaaaaaaaaaa\nrest").await;
        let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
        reader.set_limit(16);
        match reader.readuntil(b"\n").await {
            Err(ReadError::LimitOverrun(e)) => {
                assert!(e.separator_found());
                assert_eq!(e.consumed(), 20);
            }
            other => panic!("expected LimitOverrun, got {other:?}"),
        }
        // With a larger limit the same call succeeds on the buffered bytes.
        reader.set_limit(64);
        assert_eq!(
            reader.readuntil(b"\n").await.unwrap(),
            b"aaaaaaaaaaaaaaaaaaaa\n"
        );
        assert_eq!(reader.read_to_end().await.unwrap(), b"rest");
    });
}

#[test]
fn readline_past_the_limit_discards_the_line_as_asyncio_does() {
    run(|| async {
        let server = sender(b"short\nxxxxxxxxxxxxxxxxxxxx\nnext\n").await;
        let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
        reader.set_limit(8);
        assert_eq!(reader.readline().await.unwrap(), b"short\n");
        match reader.readline().await {
            Err(ReadError::LimitOverrun(e)) => {
                assert!(e.discarded());
                assert!(e.to_string().contains("discarded"), "{e}");
            }
            other => panic!("expected LimitOverrun, got {other:?}"),
        }
        // The long line is gone; the next one reads normally.
        assert_eq!(reader.readline().await.unwrap(), b"next\n");
        assert_eq!(reader.readline().await.unwrap(), b"");

        // No newline at all: the buffer is cleared, then end of stream.
        let server = sender(&[b'y'; 30]).await;
        let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
        reader.set_limit(8);
        assert!(
            matches!(reader.readline().await, Err(ReadError::LimitOverrun(e)) if e.discarded())
        );
        let rest = reader.read_to_end().await.unwrap();
        assert!(
            rest.len() < 30,
            "the over-long line was dropped: {} bytes left",
            rest.len()
        );
    });
}

#[test]
fn lines_stream_yields_each_line_then_ends() {
    run(|| async {
        let server = sender(b"one\ntwo\nthree").await;
        let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
        let mut lines = reader.lines();
        let mut seen = Vec::new();
        while let Some(line) = next(&mut lines).await {
            seen.push(line.unwrap());
        }
        assert_eq!(seen, [&b"one\n"[..], b"two\n", b"three"]);
    });
}

#[test]
fn connecting_to_a_closed_port_is_refused() {
    run(|| async {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let err = open_connection(port).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        // A closed server refuses too.
        let server = echo_server().await;
        let addr = server.local_addr();
        server.close();
        server.wait_closed().await;
        let err = open_connection(addr).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn a_peer_reset_mid_read_fails_only_that_stream() {
    run(|| async {
        let (tx, rx) = unbounded_channel::<(String, io::Result<()>)>();
        let server = start_server(
            move |mut reader: StreamReader, writer: StreamWriter| {
                let tx = tx.clone();
                async move {
                    let peer = writer.peer_addr().unwrap().to_string();
                    let outcome = loop {
                        match reader.readline().await {
                            Ok(line) if line.is_empty() => break Ok(()),
                            Ok(line) => {
                                writer.write(&line);
                                if let Err(e) = writer.drain().await {
                                    break Err(e);
                                }
                            }
                            Err(e) => break Err(e.into()),
                        }
                    };
                    let _ = tx.try_send((peer, outcome));
                }
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();

        let (mut healthy_reader, healthy) = open_connection(server.local_addr()).await.unwrap();
        healthy.write(b"before\n");
        assert_eq!(healthy_reader.readline().await.unwrap(), b"before\n");

        // The victim sends half a line, so the server is mid-read, then resets.
        let victim = TcpStream::connect(server.local_addr()).await.unwrap();
        let victim_addr = victim.local_addr().unwrap().to_string();
        victim.write_all(b"half a li").await.unwrap();
        corio_tests::reset_connection(victim);

        let (peer, outcome) = rx.recv().await.unwrap();
        assert_eq!(peer, victim_addr);
        let err = outcome.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");

        // The other connection and the server are unaffected.
        healthy.write(b"after\n");
        assert_eq!(healthy_reader.readline().await.unwrap(), b"after\n");
        assert!(server.is_serving());
        let (mut fresh_reader, fresh) = open_connection(server.local_addr()).await.unwrap();
        fresh.write(b"fresh\n");
        assert_eq!(fresh_reader.readline().await.unwrap(), b"fresh\n");
        assert!(rx.try_recv().is_err(), "no other connection failed");
    });
}

#[test]
fn stream_writer_as_async_write_waits_at_the_high_water_mark_then_flushes_and_closes() {
    use futures_io::AsyncWrite;
    const CHUNK: usize = 16 * 1024;
    const CHUNKS: usize = 256; // 4 MiB
    run(|| async {
        let (a, b) = corio::net::UnixStream::pair().unwrap();
        let writer = Arc::new(StreamWriter::new(a.into_split().1));
        let (start_tx, start_rx) = corio::sync::oneshot::channel::<()>();
        let reading = corio::spawn(async move {
            // The reader starts only once the writer is above the mark.
            start_rx.await.unwrap();
            let mut reader = StreamReader::new(b);
            reader.read_to_end().await.unwrap()
        });
        let high = writer.write_buffer_limits().1;
        let (mut peak, mut waits) = (0, 0);
        let mut start_tx = Some(start_tx);
        for i in 0..CHUNKS {
            let chunk = vec![(i % 251) as u8; CHUNK];
            let mut sent = 0;
            while sent < CHUNK {
                sent += std::future::poll_fn(|cx| {
                    let poll = Pin::new(&mut &*writer).poll_write(cx, &chunk[sent..]);
                    waits += usize::from(poll.is_pending());
                    poll
                })
                .await
                .unwrap();
            }
            peak = peak.max(writer.buffer_len());
            if writer.buffer_len() > high {
                if let Some(tx) = start_tx.take() {
                    tx.send(()).unwrap();
                }
            }
        }
        assert!(waits > 0, "the writer never had to wait (peak {peak})");
        assert!(peak <= high + CHUNK, "buffer reached {peak}, mark {high}");
        std::future::poll_fn(|cx| Pin::new(&mut &*writer).poll_flush(cx))
            .await
            .unwrap();
        assert_eq!(writer.buffer_len(), 0, "a flush leaves nothing buffered");
        std::future::poll_fn(|cx| Pin::new(&mut &*writer).poll_close(cx))
            .await
            .unwrap();
        let err = std::future::poll_fn(|cx| Pin::new(&mut &*writer).poll_write(cx, b"late"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
        let received = reading.await.unwrap();
        assert_eq!(received.len(), CHUNK * CHUNKS);
        for (i, chunk) in received.chunks(CHUNK).enumerate() {
            assert!(
                chunk.iter().all(|&byte| byte == (i % 251) as u8),
                "chunk {i}"
            );
        }
    });
}

#[test]
fn drain_keeps_a_fast_writer_bounded_by_the_high_water_mark() {
    const CHUNK: usize = 16 * 1024;
    let total: usize = if cfg!(debug_assertions) {
        24 << 20
    } else {
        64 << 20
    };
    run(move || async move {
        let (waited_tx, waited_rx) = corio::sync::oneshot::channel::<()>();
        let waited_tx = Arc::new(std::sync::Mutex::new(Some(waited_tx)));
        let peaks = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let server = {
            let peaks = peaks.clone();
            start_server(
                move |_reader, writer: StreamWriter| {
                    let (peaks, waited_tx) = (peaks.clone(), waited_tx.clone());
                    async move {
                        let (high, _low) = (writer.write_buffer_limits().1, ());
                        let mut chunk = vec![0u8; CHUNK];
                        let mut drains_that_waited = 0;
                        for i in 0..total / CHUNK {
                            chunk.fill((i % 251) as u8);
                            writer.write(&chunk);
                            let before = writer.buffer_len();
                            peaks.0.fetch_max(before, SeqCst);
                            if before > high {
                                drains_that_waited += 1;
                                // The reader starts once the writer has had to wait.
                                if let Some(tx) = waited_tx.lock().unwrap().take() {
                                    let _ = tx.send(());
                                }
                            }
                            writer.drain().await.unwrap();
                            peaks.1.fetch_max(writer.buffer_len(), SeqCst);
                        }
                        assert!(drains_that_waited > 0, "the socket never filled up");
                        if let Some(tx) = waited_tx.lock().unwrap().take() {
                            let _ = tx.send(());
                        }
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap()
        };
        let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
        waited_rx.await.unwrap();
        // A slow reader: small reads, checking every byte.
        let mut offset = 0usize;
        while offset < total {
            let data = reader.read(4096).await.unwrap();
            assert!(!data.is_empty(), "stream ended at {offset} of {total}");
            for byte in data {
                assert_eq!(byte, ((offset / CHUNK) % 251) as u8, "byte {offset}");
                offset += 1;
            }
        }
        server.close();
        server.wait_closed().await;
        let high = corio::net::DEFAULT_HIGH_WATER_MARK;
        let (peak, after_drain) = (peaks.0.load(SeqCst), peaks.1.load(SeqCst));
        assert!(after_drain <= high, "after drain: {after_drain} > {high}");
        assert!(
            peak <= high + CHUNK,
            "peak buffer {peak} > {high} + one write"
        );
        assert!(
            peak > high,
            "the test never filled the buffer past the mark"
        );
    });
}

#[test]
fn data_written_without_drain_still_reaches_the_peer() {
    let total = 4 << 20;
    run(move || async move {
        let server = start_server(
            move |_reader, writer: StreamWriter| async move {
                // One big write the socket cannot take at once, no drain:
                // the background flusher sends it, then the drop closes.
                let data: Vec<u8> = (0..total).map(|i| (i % 253) as u8).collect();
                writer.write(&data);
                assert!(writer.buffer_len() > 0);
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let (mut reader, _writer) = open_connection(server.local_addr()).await.unwrap();
        let all = reader.read_to_end().await.unwrap();
        assert_eq!(all.len(), total);
        assert!(all.iter().enumerate().all(|(i, &b)| b == (i % 253) as u8));
    });
}

#[test]
fn a_thousand_connections_echo_every_byte() {
    let (clients, round_trips) = if cfg!(debug_assertions) {
        (200, 20)
    } else {
        (1000, 100)
    };
    run(move || async move {
        let server = echo_server().await;
        let addr = server.local_addr();
        let connecting = Arc::new(corio::Semaphore::new(64)); // stay within the listen backlog
        let all_connected = Arc::new(corio::Barrier::new(clients));
        let tasks: Vec<_> = (0..clients)
            .map(|client| {
                let (connecting, all_connected) = (connecting.clone(), all_connected.clone());
                corio::spawn(async move {
                    let (mut reader, writer) = {
                        let _permit = connecting.acquire().await.unwrap();
                        open_connection(addr).await.unwrap()
                    };
                    all_connected.wait().await.unwrap();
                    for round in 0..round_trips {
                        let message: Vec<u8> = (0..32 + (client + round) % 64)
                            .map(|i| (client * 7 + round * 13 + i) as u8)
                            .collect();
                        writer.write(&message);
                        writer.drain().await.unwrap();
                        let echo = reader.readexactly(message.len()).await.unwrap();
                        assert_eq!(echo, message, "client {client} round {round}");
                    }
                    writer.close();
                    writer.wait_closed().await.unwrap();
                    assert_eq!(reader.read_to_end().await.unwrap(), b"");
                    round_trips
                })
            })
            .collect();
        let mut done = 0;
        for task in tasks {
            done += task.await.unwrap();
        }
        assert_eq!(done, clients * round_trips);
        server.close();
        server.wait_closed().await;
        assert_eq!(server.active_connections(), 0);
    });
}

#[test]
fn dropped_sockets_leave_no_registration_and_no_descriptor() {
    within(LIMIT, || {
        let _alone = exclusive();
        let rt = runtime();
        rt.block_on(async {
            let handle = corio::Handle::current();
            let (sources, fds) = (handle.num_io_sources(), fd_count());

            let server = echo_server().await;
            let mut connections = Vec::new();
            for _ in 0..20 {
                let (mut reader, writer) = open_connection(server.local_addr()).await.unwrap();
                writer.write(b"ping");
                writer.drain().await.unwrap();
                assert_eq!(reader.readexactly(4).await.unwrap(), b"ping");
                connections.push((reader, writer));
            }
            // Each connection: a client socket and an accepted one, plus the listener.
            assert_eq!(handle.num_io_sources(), sources + 41);
            assert_eq!(fd_count(), fds + 41);

            // Half closed politely, half just dropped.
            for (i, (reader, writer)) in connections.into_iter().enumerate() {
                if i % 2 == 0 {
                    writer.close();
                    writer.wait_closed().await.unwrap();
                }
                drop((reader, writer));
            }
            server.close();
            server.wait_closed().await; // every handler ended: their sockets are gone
            drop(server);
            assert_eq!(handle.num_io_sources(), sources);
            assert_eq!(fd_count(), fds);
        });
    });
}

#[test]
fn a_panicking_handler_ends_only_its_connection() {
    within(LIMIT, || {
        let _guard = shared();
        let (reports, panics) = std::sync::mpsc::channel();
        let reports = std::sync::Mutex::new(reports);
        let rt = corio::Runtime::builder()
            .worker_threads(2)
            .on_unhandled_panic(move |e| {
                let report = (e.name().map(str::to_owned), e.to_string());
                let _ = reports.lock().unwrap().send(report);
            })
            .build()
            .unwrap();
        let doomed_addr = rt.block_on(async {
            let server = start_server(
                |mut reader: StreamReader, writer: StreamWriter| async move {
                    while let Ok(line) = reader.readline().await {
                        if line.is_empty() {
                            break;
                        }
                        if line == b"panic\n" {
                            panic!("the handler was told to panic");
                        }
                        writer.write(&line);
                        writer.drain().await.unwrap();
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
            let (mut calm_reader, calm) = open_connection(server.local_addr()).await.unwrap();
            calm.write(b"one\n");
            assert_eq!(calm_reader.readline().await.unwrap(), b"one\n");

            let (mut doomed_reader, doomed) = open_connection(server.local_addr()).await.unwrap();
            let doomed_addr = doomed.local_addr().unwrap();
            doomed.write(b"panic\n");
            // Its connection closes: end of stream, nothing echoed.
            assert_eq!(doomed_reader.read_to_end().await.unwrap(), b"");

            calm.write(b"two\n");
            assert_eq!(calm_reader.readline().await.unwrap(), b"two\n");
            assert!(server.is_serving());
            let (mut late_reader, late) = open_connection(server.local_addr()).await.unwrap();
            late.write(b"three\n");
            assert_eq!(late_reader.readline().await.unwrap(), b"three\n");
            drop((calm, calm_reader, late, late_reader));
            server.close();
            server.wait_closed().await;
            doomed_addr
        });
        // The runtime reports the panic (once, naming the connection's task).
        let (name, message) = panics.recv_timeout(LIMIT).expect("the panic was reported");
        assert_eq!(name.as_deref(), Some(&*format!("conn-{doomed_addr}")));
        assert!(message.contains("told to panic"), "{message}");
        drop(rt);
        assert!(panics.try_recv().is_err(), "only one handler panicked");
    });
}

#[test]
fn wait_closed_waits_for_the_handlers_and_serve_forever_for_close() {
    run(|| async {
        let server = echo_server().await;
        let (mut reader, writer) = open_connection(server.local_addr()).await.unwrap();
        writer.write(b"x");
        assert_eq!(reader.readexactly(1).await.unwrap(), b"x");

        let serving = {
            let server = server.clone();
            corio::spawn(async move { server.serve_forever().await })
        };
        server.close();
        serving.await.unwrap();
        assert!(!server.is_serving());

        // A handler is still running (its client is connected): not closed yet.
        let early = corio::timeout(Duration::from_millis(50), server.wait_closed()).await;
        assert!(
            early.is_err(),
            "wait_closed returned with a handler running"
        );
        // The accepted connection still works after close().
        writer.write(b"y");
        assert_eq!(reader.readexactly(1).await.unwrap(), b"y");

        drop(writer);
        server.wait_closed().await;
        assert_eq!(server.active_connections(), 0);
    });
}

// ---- corio::fs ---------------------------------------------------------------

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("corio-io-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn fs_functions_round_trip() {
    run(|| async {
        let dir = temp_dir("functions");
        let a = dir.join("a.txt");
        corio::fs::write(&a, "alpha\n").await.unwrap();
        assert_eq!(corio::fs::read(&a).await.unwrap(), b"alpha\n");
        assert_eq!(corio::fs::read_to_string(&a).await.unwrap(), "alpha\n");
        assert_eq!(corio::fs::metadata(&a).await.unwrap().len(), 6);

        assert_eq!(corio::fs::copy(&a, dir.join("b.txt")).await.unwrap(), 6);
        corio::fs::rename(dir.join("b.txt"), dir.join("c.txt"))
            .await
            .unwrap();
        assert_eq!(
            corio::fs::metadata(dir.join("b.txt"))
                .await
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
        corio::fs::create_dir_all(dir.join("sub/deeper"))
            .await
            .unwrap();
        assert!(
            corio::fs::metadata(dir.join("sub/deeper"))
                .await
                .unwrap()
                .is_dir()
        );
        for i in 0..70 {
            // more than two batches of the directory stream
            corio::fs::write(dir.join(format!("sub/f{i:02}")), [i as u8])
                .await
                .unwrap();
        }

        let mut names = Vec::new();
        let mut entries = corio::fs::read_dir(&dir).await.unwrap();
        while let Some(entry) = entries.next_entry().await.unwrap() {
            names.push(entry.file_name().into_string().unwrap());
        }
        names.sort();
        assert_eq!(names, ["a.txt", "c.txt", "sub"]);

        let mut entries = corio::fs::read_dir(dir.join("sub")).await.unwrap();
        let mut files = 0;
        while let Some(entry) = next(&mut entries).await {
            let entry = entry.unwrap();
            if entry.file_type().await.unwrap().is_file() {
                assert_eq!(entry.metadata().await.unwrap().len(), 1);
                files += 1;
            }
        }
        assert_eq!(files, 70);

        corio::fs::remove_file(&a).await.unwrap();
        assert_eq!(
            corio::fs::read(&a).await.unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        corio::fs::remove_dir_all(&dir).await.unwrap();
        assert!(!dir.exists());
    });
}

#[test]
fn file_reads_writes_and_seeks_keep_one_position() {
    run(|| async {
        let dir = temp_dir("file");
        let path = dir.join("data.bin");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 241) as u8).collect();
        let mut file = corio::fs::File::create(&path).await.unwrap();
        file.write_all(&data).await.unwrap();
        file.flush().await.unwrap();
        drop(file);

        let mut file = corio::fs::File::options()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        // A small read reads ahead; the write after it must land right after
        // the bytes the caller saw, not after the read-ahead.
        let mut head = [0u8; 10];
        assert_eq!(file.read(&mut head).await.unwrap(), 10);
        assert_eq!(head, data[..10]);
        file.write_all(b"XYZ").await.unwrap();
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 13);
        let mut next3 = [0u8; 3];
        file.read(&mut next3).await.unwrap();
        assert_eq!(next3, data[13..16]);
        assert_eq!(file.seek(SeekFrom::Start(8)).await.unwrap(), 8);
        let mut around = [0u8; 6];
        let mut got = 0;
        while got < around.len() {
            got += file.read(&mut around[got..]).await.unwrap();
        }
        assert_eq!(&around, &[data[8], data[9], b'X', b'Y', b'Z', data[13]]);
        assert_eq!(
            file.seek(SeekFrom::End(-1)).await.unwrap(),
            data.len() as u64 - 1
        );
        let mut rest = Vec::new();
        assert_eq!(file.read_to_end(&mut rest).await.unwrap(), 1);
        file.set_len(100).await.unwrap();
        file.sync_all().await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 100);
        drop(file);

        let on_disk = corio::fs::read(&path).await.unwrap();
        let mut expected = data[..100].to_vec();
        expected[10..13].copy_from_slice(b"XYZ");
        assert_eq!(on_disk, expected);

        // The std file comes back positioned where the async one was.
        let mut file = corio::fs::File::open(&path).await.unwrap();
        let mut two = [0u8; 2];
        file.read(&mut two).await.unwrap();
        let mut std_file = file.into_std().await.unwrap();
        let mut rest = Vec::new();
        std::io::Read::read_to_end(&mut std_file, &mut rest).unwrap();
        assert_eq!(rest, expected[2..]);
        corio::fs::remove_dir_all(&dir).await.unwrap();
    });
}

#[test]
fn file_lines_stream_every_line() {
    run(|| async {
        let dir = temp_dir("lines");
        let path = dir.join("lines.txt");
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&format!("line {i}\n"));
        }
        text.push_str("last, without a newline");
        corio::fs::write(&path, &text).await.unwrap();
        let mut lines = corio::fs::File::open(&path).await.unwrap().lines();
        let mut count = 0;
        let mut last = String::new();
        while let Some(line) = next(&mut lines).await {
            let line = line.unwrap();
            if count < 20_000 {
                assert_eq!(line, format!("line {count}"));
            }
            last = line;
            count += 1;
        }
        assert_eq!(count, 20_001);
        assert_eq!(last, "last, without a newline");

        corio::fs::write(&path, [b'o', b'k', b'\n', 0xff, b'\n'])
            .await
            .unwrap();
        let mut lines = corio::fs::File::open(&path).await.unwrap().lines();
        assert_eq!(next(&mut lines).await.unwrap().unwrap(), "ok");
        let bad = next(&mut lines).await.unwrap().unwrap_err();
        assert_eq!(bad.kind(), io::ErrorKind::InvalidData);
        assert!(next(&mut lines).await.is_none());
        corio::fs::remove_dir_all(&dir).await.unwrap();
    });
}
