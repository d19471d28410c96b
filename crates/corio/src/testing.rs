//! Model-based checking of [`StreamReader`], shared by the proptest tests
//! below (`cargo test -p corio`) and the cargo-fuzz target
//! `fuzz/fuzz_targets/stream_reader.rs`. Not part of the API: it exists with
//! the `testing` feature (and in this crate's own tests).
//!
//! [`check_stream_reader`] decodes arbitrary bytes into a [`ReaderScenario`]:
//! a stream cut into chunks (with "not ready yet" pauses between them) and a
//! list of reads. It runs the reads on a [`StreamReader`] over an in-memory
//! source that hands out those chunks, and on the model: the whole stream as
//! one byte string and a read position, with asyncio's rules (the limit
//! counts the bytes before the separator; `readuntil` leaves data buffered on
//! `LimitOverrun`, `readline` discards it; the end of the stream gives
//! `IncompleteRead`, or the partial line). Where the outcome depends on how
//! the stream was chunked (how far the search had gone when it gave up) the
//! model checks the bounds asyncio allows and follows what the reader did.
//! A read may be cancelled (its future dropped) while it waits: no byte may
//! be lost.

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use futures_io::{AsyncBufRead, AsyncRead};

use crate::net::{ReadError, StreamReader};

/// What the source does on one `poll_read`.
#[derive(Clone, PartialEq, Eq)]
pub enum Event {
    /// Not ready yet: `Poll::Pending` (and a wake-up, as a socket would).
    Pending,
    /// Bytes arrived (never empty: an empty read means end of stream). A
    /// read with less room takes what fits; the rest stays for the next.
    Data(Vec<u8>),
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Pending => f.write_str("Pending"),
            Event::Data(d) => write!(f, "Data({:?})", String::from_utf8_lossy(d)),
        }
    }
}

/// One read of a [`ReaderScenario`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOp {
    /// `read(n)`.
    Read(usize),
    /// `readexactly(n)`.
    ReadExactly(usize),
    /// `readuntil(separator)` (an empty separator is an error).
    ReadUntil(Vec<u8>),
    /// `readline()`.
    ReadLine,
    /// `read_to_end()`.
    ReadToEnd,
    /// `set_limit(n)` (`n >= 1`).
    SetLimit(usize),
    /// `AsyncRead::poll_read` into a buffer of `n` bytes.
    PollRead(usize),
    /// `AsyncBufRead::poll_fill_buf`, then `consume(n)`.
    FillBufConsume(usize),
    /// Up to `n` items of `lines()`.
    Lines(usize),
}

/// A stream, a reader's limit and the reads to make; see [`run_stream_reader`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderScenario {
    /// The reader's initial limit (`>= 1`).
    pub limit: usize,
    /// What the source does, in order; after the last event, end of stream.
    pub events: Vec<Event>,
    /// The reads, each with `cancel`: drop it if it has to wait.
    pub ops: Vec<(ReadOp, bool)>,
}

/// An in-memory `AsyncRead` that plays a list of [`Event`]s, then ends.
#[derive(Debug)]
pub struct ChunkedSource {
    events: VecDeque<Event>,
}

impl ChunkedSource {
    /// A source that plays `events`.
    pub fn new(events: impl IntoIterator<Item = Event>) -> Self {
        ChunkedSource {
            events: events.into_iter().collect(),
        }
    }
}

impl AsyncRead for ChunkedSource {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        match self.events.pop_front() {
            None => Poll::Ready(Ok(0)),
            Some(Event::Pending) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(Event::Data(mut data)) => {
                let n = data.len().min(out.len());
                out[..n].copy_from_slice(&data[..n]);
                if n < data.len() {
                    self.events.push_front(Event::Data(data.split_off(n)));
                }
                Poll::Ready(Ok(n))
            }
        }
    }
}

/// Reads the input bytes; past the end every read is zero.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }

    /// A number below `n`, from one byte, or two when `n > 256`.
    fn below(&mut self, n: usize) -> usize {
        let v = if n > 256 {
            usize::from(self.byte()) << 8 | usize::from(self.byte())
        } else {
            usize::from(self.byte())
        };
        v % n
    }
}

/// Stream bytes come from a small alphabet, so separators are frequent.
const ALPHABET: &[u8] = b"\nab\r;=\nx";

fn size(input: &mut Input<'_>) -> usize {
    match input.byte() % 8 {
        0..=4 => input.below(40),
        5 => input.below(300),
        6 => 4096 + input.below(70_000),
        _ => [0, 1, 8 * 1024, 256 * 1024, 1 << 20, u32::MAX as usize][input.below(6)],
    }
}

impl ReaderScenario {
    /// Decodes a scenario from fuzzer (or proptest) bytes.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let mut input = Input(bytes);
        let limit = match input.byte() % 4 {
            3 => crate::net::DEFAULT_LIMIT,
            _ => 1 + input.below(64),
        };
        let mut events = Vec::new();
        for _ in 0..input.byte() % 24 {
            let data: Vec<u8> = match input.byte() % 8 {
                0 => {
                    events.push(Event::Pending);
                    continue;
                }
                // A large chunk: lines of one length.
                7 => {
                    let line = 1 + input.below(20_000);
                    let len = 1 + input.below(70_000);
                    (1..=len)
                        .map(|i| if i % line == 0 { b'\n' } else { b'x' })
                        .collect()
                }
                n => (0..1 + input.below(usize::from(n) * 12))
                    .map(|_| ALPHABET[usize::from(input.byte()) % ALPHABET.len()])
                    .collect(),
            };
            events.push(Event::Data(data));
        }
        let mut ops = Vec::new();
        while !input.0.is_empty() {
            let code = input.byte();
            let op = match code % 16 {
                0 | 1 => ReadOp::Read(size(&mut input)),
                2 | 3 => ReadOp::ReadExactly(size(&mut input)),
                4 | 5 => ReadOp::ReadUntil(
                    (0..input.below(4))
                        .map(|_| ALPHABET[input.below(ALPHABET.len())])
                        .collect(),
                ),
                6..=8 => ReadOp::ReadLine,
                9 => ReadOp::ReadToEnd,
                10 => ReadOp::SetLimit(1 + input.below(80)),
                // The harness allocates this buffer: at most 1 MiB.
                11 | 12 => ReadOp::PollRead(size(&mut input).min(1 << 20)),
                13 | 14 => ReadOp::FillBufConsume(size(&mut input)),
                _ => ReadOp::Lines(input.below(4)),
            };
            ops.push((op, code & 0x80 != 0));
        }
        ReaderScenario { limit, events, ops }
    }
}

/// Decodes `bytes` into a [`ReaderScenario`] and runs it; panics on the
/// first disagreement between the reader and the model.
pub fn check_stream_reader(bytes: &[u8]) {
    run_stream_reader(&ReaderScenario::from_bytes(bytes));
}

/// Polls `future` until it is ready, or, with `cancel`, drops it the first
/// time it is pending (`None`).
fn drive<F: Future>(future: F, cancel: bool) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    // The source is pending at most once per event, so this ends.
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(out) => return Some(out),
            Poll::Pending if cancel => return None,
            Poll::Pending => {}
        }
    }
}

/// The model: the whole stream, how much of it was read, and the limit.
struct Model {
    stream: Vec<u8>,
    pos: usize,
    limit: usize,
}

impl Model {
    fn rest(&self) -> &[u8] {
        &self.stream[self.pos..]
    }

    /// Checks a result that must be the next bytes of the stream, and reads them.
    fn advance(&mut self, got: &[u8], what: &str) {
        assert!(
            self.rest().starts_with(got),
            "{what} gave {:?}, but the stream goes on with {:?}",
            String::from_utf8_lossy(got),
            String::from_utf8_lossy(&self.rest()[..self.rest().len().min(got.len() + 8)])
        );
        self.pos += got.len();
    }

    /// `read(n)` / `poll_read`: at least one byte unless at the end, at most `n`.
    fn read(&mut self, n: usize, got: &[u8], what: &str) {
        assert!(got.len() <= n, "{what}({n}) gave {} bytes", got.len());
        if n > 0 && got.is_empty() {
            assert!(
                self.rest().is_empty(),
                "{what}({n}) gave nothing before the end"
            );
        }
        self.advance(got, what);
    }

    fn readexactly(&mut self, n: usize, got: Result<Vec<u8>, ReadError>) {
        match got {
            Ok(bytes) => {
                assert_eq!(
                    bytes.len(),
                    n,
                    "readexactly({n}) gave {} bytes",
                    bytes.len()
                );
                self.advance(&bytes, "readexactly");
            }
            Err(ReadError::IncompleteRead(e)) => {
                assert_eq!(e.expected, Some(n));
                assert_eq!(e.partial, self.rest(), "readexactly({n}): wrong partial");
                assert!(e.partial.len() < n, "IncompleteRead with enough bytes");
                self.pos = self.stream.len();
            }
            Err(e) => panic!("readexactly({n}): unexpected {e:?}"),
        }
    }

    /// `readuntil(sep)`, or with `line`, `readline()` (which discards an
    /// over-long line and turns the end of the stream into a short line).
    fn readuntil(&mut self, sep: &[u8], line: bool, got: Result<Vec<u8>, ReadError>) {
        let what = if line { "readline" } else { "readuntil" };
        if sep.is_empty() {
            match got {
                Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::InvalidInput => return,
                other => panic!("readuntil(b\"\") gave {other:?}"),
            }
        }
        let rest = self.rest();
        let found = find(rest, sep);
        let limit = self.limit;
        match got {
            Ok(bytes) => match found {
                Some(i) => {
                    assert!(
                        i <= limit,
                        "{what}: separator at {i}, past the limit {limit}"
                    );
                    assert_eq!(bytes, rest[..i + sep.len()], "{what}: wrong bytes");
                    self.pos += bytes.len();
                }
                None => {
                    assert!(line, "readuntil succeeded with no separator left");
                    assert!(
                        rest.len() <= limit,
                        "readline: {} bytes past the limit",
                        rest.len()
                    );
                    assert_eq!(bytes, rest, "readline at the end: wrong bytes");
                    self.pos = self.stream.len();
                }
            },
            Err(ReadError::LimitOverrun(e)) => {
                assert_eq!(e.limit(), limit);
                assert_eq!(e.discarded(), line);
                // Where the search may give up: past the limit, and before
                // the separator (or where it could no longer start).
                let last = found.unwrap_or((rest.len() + 1).saturating_sub(sep.len()));
                assert!(
                    e.consumed() > limit && e.consumed() <= last,
                    "{what}: LimitOverrun consumed {} outside ({limit}, {last}]",
                    e.consumed()
                );
                if e.separator_found() {
                    assert_eq!(
                        Some(e.consumed()),
                        found,
                        "{what}: separator_found is wrong"
                    );
                }
                if line {
                    self.pos += if e.separator_found() {
                        e.consumed() + 1
                    } else {
                        e.consumed()
                    };
                }
            }
            Err(ReadError::IncompleteRead(e)) => {
                assert!(!line, "readline gave IncompleteRead");
                assert_eq!(
                    found, None,
                    "readuntil: IncompleteRead with a separator left"
                );
                assert_eq!(e.expected, None);
                assert_eq!(e.partial, rest, "readuntil: wrong partial");
                assert!(
                    rest.len() < sep.len() || rest.len() + 1 - sep.len() <= limit,
                    "readuntil: IncompleteRead where the limit was overrun"
                );
                self.pos = self.stream.len();
            }
            Err(ReadError::Io(e)) => panic!("{what}: unexpected I/O error {e}"),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Runs `scenario` on a [`StreamReader`] over a [`ChunkedSource`] and on the
/// model; panics on a disagreement.
pub fn run_stream_reader(scenario: &ReaderScenario) {
    let stream: Vec<u8> = scenario
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Data(d) => Some(&d[..]),
            Event::Pending => None,
        })
        .flatten()
        .copied()
        .collect();
    let mut model = Model {
        stream,
        pos: 0,
        limit: scenario.limit,
    };
    let mut reader =
        StreamReader::with_limit(ChunkedSource::new(scenario.events.clone()), scenario.limit);
    for (op, cancel) in &scenario.ops {
        let cancel = *cancel;
        match op {
            ReadOp::Read(n) => {
                if let Some(got) = drive(reader.read(*n), cancel) {
                    model.read(*n, &got.unwrap(), "read");
                }
            }
            ReadOp::ReadExactly(n) => {
                if let Some(got) = drive(reader.readexactly(*n), cancel) {
                    model.readexactly(*n, got);
                }
            }
            ReadOp::ReadUntil(sep) => {
                if let Some(got) = drive(reader.readuntil(sep), cancel) {
                    model.readuntil(sep, false, got);
                }
            }
            ReadOp::ReadLine => {
                if let Some(got) = drive(reader.readline(), cancel) {
                    model.readuntil(b"\n", true, got);
                }
            }
            ReadOp::ReadToEnd => {
                if let Some(got) = drive(reader.read_to_end(), cancel) {
                    let got = got.unwrap();
                    assert_eq!(got, model.rest(), "read_to_end: wrong bytes");
                    model.pos = model.stream.len();
                    assert!(reader.at_eof(), "not at_eof after read_to_end");
                }
            }
            ReadOp::SetLimit(n) => {
                reader.set_limit(*n);
                model.limit = *n;
            }
            ReadOp::PollRead(n) => {
                let mut buf = vec![0; *n];
                let poll = poll_fn(|cx| Pin::new(&mut reader).poll_read(cx, &mut buf));
                if let Some(got) = drive(poll, cancel) {
                    let got = got.unwrap();
                    model.read(*n, &buf[..got], "poll_read");
                }
            }
            ReadOp::FillBufConsume(n) => {
                let poll = poll_fn(|cx| {
                    Pin::new(&mut reader)
                        .poll_fill_buf(cx)
                        .map_ok(|b| b.to_vec())
                });
                if let Some(got) = drive(poll, cancel) {
                    let got = got.unwrap();
                    assert!(model.rest().starts_with(&got), "poll_fill_buf: wrong bytes");
                    assert_eq!(got.is_empty(), model.rest().is_empty());
                    Pin::new(&mut reader).consume(*n);
                    model.pos += got.len().min(*n);
                }
            }
            ReadOp::Lines(count) => {
                let mut lines = reader.lines();
                for _ in 0..*count {
                    let next = poll_fn(|cx| Pin::new(&mut lines).poll_next(cx));
                    match drive(next, cancel) {
                        None => break,
                        Some(None) => {
                            assert!(model.rest().is_empty(), "lines() ended before the stream");
                            break;
                        }
                        Some(Some(line)) => {
                            if let Ok(l) = &line {
                                assert!(!l.is_empty(), "lines() gave an empty line");
                            }
                            model.readuntil(b"\n", true, line);
                        }
                    }
                }
            }
        }
        // What must hold between reads.
        assert_eq!(reader.limit(), model.limit);
        assert!(
            model.rest().starts_with(reader.buffered()),
            "the buffer is not the next bytes of the stream"
        );
        if reader.at_eof() {
            assert!(model.rest().is_empty(), "at_eof with bytes left");
        }
    }
    // Whatever was left is still there.
    let rest = drive(reader.read_to_end(), false).unwrap().unwrap();
    assert_eq!(rest, model.rest(), "bytes lost or invented");
    assert!(reader.at_eof());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Random streams, chunkings and reads against the model.
        #[test]
        fn stream_reader_matches_the_model(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check_stream_reader(&bytes);
        }
    }

    /// The fuzzer's corpus (fuzz/corpus/stream_reader) replayed: every input
    /// that found new coverage, and every crash fixed since, stays a test.
    #[test]
    fn fuzz_corpus_replays() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fuzz/corpus/stream_reader"
        );
        let mut n = 0;
        for entry in std::fs::read_dir(dir).expect("fuzz/corpus/stream_reader is in the repo") {
            check_stream_reader(&std::fs::read(entry.unwrap().path()).unwrap());
            n += 1;
        }
        assert!(n > 0, "empty corpus");
    }

    #[test]
    fn decodes_every_read() {
        let mut bytes = vec![0; 4096];
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        )
        .fill_bytes(&mut bytes);
        let s = ReaderScenario::from_bytes(&bytes);
        for want in [
            "Read(",
            "ReadExactly",
            "ReadUntil",
            "ReadLine",
            "ReadToEnd",
            "SetLimit",
            "PollRead",
            "FillBufConsume",
            "Lines",
        ] {
            assert!(
                s.ops
                    .iter()
                    .any(|(op, _)| format!("{op:?}").starts_with(want)),
                "{want} never decoded"
            );
        }
    }

    /// Regression (found by this model's proptest): `readexactly(n)`
    /// reserved `n` bytes before any arrived, so a huge `n` (a length read
    /// from a peer's header) allocated gigabytes, or panicked with "capacity
    /// overflow", instead of reporting the short stream.
    #[test]
    fn readexactly_of_a_huge_count_reports_the_short_stream() {
        for n in [u32::MAX as usize, isize::MAX as usize, usize::MAX] {
            let source = ChunkedSource::new([Event::Data(b"0123456789".to_vec()), Event::Pending]);
            let mut reader = StreamReader::new(source);
            match drive(reader.readexactly(n), false).unwrap() {
                Err(ReadError::IncompleteRead(e)) => {
                    assert_eq!(e.partial, b"0123456789");
                    assert_eq!(e.expected, Some(n));
                }
                other => panic!("readexactly({n}): {other:?}"),
            }
        }
    }

    /// asyncio's limit rules on one hand-written scenario.
    #[test]
    fn limit_rules_by_hand() {
        run_stream_reader(&ReaderScenario {
            limit: 4,
            events: vec![
                Event::Data(b"abc".to_vec()),
                Event::Pending,
                Event::Data(b"d\nabcdefgh\nxy".to_vec()),
                Event::Pending,
                Event::Data(b";z".to_vec()),
            ],
            ops: vec![
                (ReadOp::ReadLine, true),
                (ReadOp::ReadLine, false),
                (ReadOp::ReadUntil(b"\n".to_vec()), false),
                (ReadOp::ReadLine, false),
                (ReadOp::ReadUntil(b";".to_vec()), true),
                (ReadOp::ReadExactly(5), false),
            ],
        });
    }
}
