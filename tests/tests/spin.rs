//! A worker woken moments ago polls for its next event before it parks
//! (`WorkerCtx::spin`), so a socket reader keeping pace with a writer on the
//! other worker is not put to sleep and woken again for every chunk.
//!
//! One test in its own binary: nothing else competes for the two workers.

use std::time::Duration;

use corio::Runtime;
use corio::net::{TcpListener, TcpStream};
use corio_tests::within;

const CHUNK: usize = 64 * 1024;
const CHUNKS: usize = 2048; // 128 MiB

#[test]
fn a_reader_keeping_pace_with_a_writer_on_another_worker_rarely_parks() {
    within(Duration::from_secs(60), || {
        let rt = Runtime::builder().worker_threads(2).build().unwrap();
        let (reads, parks) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let parks_before = corio::Handle::current().metrics().total_parks();
            let reader = corio::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let mut buf = vec![0u8; CHUNK];
                let (mut total, mut reads) = (0, 0u64);
                loop {
                    match stream.read(&mut buf).await.unwrap() {
                        0 => break (total, reads),
                        n => (total, reads) = (total + n, reads + 1),
                    }
                }
            });
            let writer = corio::spawn(async move {
                let stream = TcpStream::connect(addr).await.unwrap();
                let chunk = vec![1u8; CHUNK];
                for _ in 0..CHUNKS {
                    stream.write_all(&chunk).await.unwrap();
                }
            });
            writer.await.unwrap();
            let (total, reads) = reader.await.unwrap();
            assert_eq!(total, CHUNK * CHUNKS);
            let parks = corio::Handle::current().metrics().total_parks() - parks_before;
            (reads, parks)
        });
        // Without the spin nearly every read that drains the socket is
        // followed by a park (measured: 0.8 parks per read); with it, a few
        // hundred parks in all.
        assert!(
            parks * 4 < reads,
            "{parks} parks for {reads} reads: the reader's worker slept between chunks"
        );
    });
}
