//! asyncio's streams: [`start_server`], [`open_connection`], [`StreamReader`]
//! and [`StreamWriter`], over corio's TCP (and Unix) sockets.
//!
//! | asyncio | corio | difference |
//! | --- | --- | --- |
//! | `await asyncio.start_server(cb, host, port)` | [`start_server(handler, addr).await`](start_server) → [`Server`] | the handler is a `Fn(StreamReader, StreamWriter) -> impl Future`, cloned per connection; each connection is a task named `conn-{peer}` |
//! | `server.serve_forever()`, `close()`, `wait_closed()`, `is_serving()` | [`Server::serve_forever`], [`Server::close`], [`Server::wait_closed`], [`Server::is_serving`] | dropping the last [`Server`] clone closes it, as `async with server:` does |
//! | `server.sockets[0].getsockname()` | [`Server::local_addr`] | |
//! | `await asyncio.open_connection(host, port)` | [`open_connection(addr).await`](open_connection) | |
//! | `await asyncio.open_unix_connection(path)` | [`open_unix_connection(path).await`](open_unix_connection) | |
//! | `reader.read(n)`, `read(-1)` | [`StreamReader::read`], [`StreamReader::read_to_end`] | `-1` is a separate method |
//! | `reader.readline()` | [`StreamReader::readline`] | over the limit: [`ReadError::LimitOverrun`] with `discarded() == true` instead of `ValueError` |
//! | `reader.readexactly(n)` | [`StreamReader::readexactly`] | [`IncompleteReadError`] is [`ReadError::IncompleteRead`] |
//! | `reader.readuntil(sep)` | [`StreamReader::readuntil`] | [`LimitOverrunError`] is [`ReadError::LimitOverrun`] |
//! | `reader.at_eof()`, `limit=` | [`StreamReader::at_eof`], [`StreamReader::with_limit`], [`StreamReader::set_limit`] | |
//! | `async for line in reader` | [`StreamReader::lines`] (a `futures_core::Stream`) | |
//! | two coroutines reading one reader → `RuntimeError` | impossible: reads take `&mut self` | checked at compile time |
//! | `writer.write(data)`, `writelines(lines)` | [`StreamWriter::write`], [`StreamWriter::writelines`] | |
//! | `await writer.drain()` | [`StreamWriter::drain`] | |
//! | `writer.close()`, `await writer.wait_closed()`, `is_closing()` | [`StreamWriter::close`], [`StreamWriter::wait_closed`], [`StreamWriter::is_closing`] | `close` shuts the write side; the socket closes once the reader is dropped too |
//! | `get_extra_info('peername' / 'sockname')` | [`StreamWriter::peer_addr`], [`StreamWriter::local_addr`] | |
//! | `transport.get_write_buffer_size()`, `set_write_buffer_limits(high, low)` | [`StreamWriter::buffer_len`], [`StreamWriter::set_write_buffer_limits`] | |
//!
//! Errors are types: [`IncompleteReadError`] (the partial bytes and the
//! expected count), [`LimitOverrunError`] (how far the reader looked, and
//! whether the data is still buffered), both gathered in [`ReadError`] with
//! plain `io::Error`s; each converts into `io::Error` (`UnexpectedEof`,
//! `InvalidData`) so `?` works in functions returning `io::Result`.
//!
//! # How writing works
//!
//! As in asyncio, [`write`](StreamWriter::write) never waits: it hands the
//! bytes to the socket at once when the socket's buffer has room, and keeps
//! the rest in the writer's buffer; a small background task then sends it as
//! the socket drains, so data written and never drained still goes out.
//! [`drain`](StreamWriter::drain) waits while the buffer is above the
//! high-water mark (64 KiB by default) until it is back at the low-water mark
//! (a quarter of it), sending as it goes, so a fast writer that drains after
//! each write uses at most about the high-water mark plus one write.
//! Dropping a writer closes it: buffered bytes are still sent, then the write
//! side is shut down.
//!
//! # Example: an echo server and a client
//!
//! ```
//! use corio::net::{StreamReader, StreamWriter, open_connection, start_server};
//!
//! async fn echo(mut reader: StreamReader, writer: StreamWriter) {
//!     while let Ok(line) = reader.readline().await {
//!         if line.is_empty() {
//!             break; // end of stream
//!         }
//!         writer.write(&line);
//!         if writer.drain().await.is_err() {
//!             break;
//!         }
//!     }
//! }
//!
//! corio::run(async {
//!     let server = start_server(echo, "127.0.0.1:0").await?;
//!     let (mut reader, writer) = open_connection(server.local_addr()).await?;
//!     writer.write(b"hello\n");
//!     writer.drain().await?;
//!     assert_eq!(reader.readline().await?, b"hello\n");
//!     writer.close();
//!     writer.wait_closed().await?;
//!     server.close();
//!     server.wait_closed().await;
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```

use std::error::Error;
use std::fmt;
use std::future::{Future, poll_fn};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use corio_reactor::net::{TcpListener, TcpStream, UnixStream, tcp, unix};
use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};

/// The default line limit of a [`StreamReader`]: 64 KiB, as asyncio's `limit=2**16`.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// The default high-water mark of a [`StreamWriter`]: 64 KiB, as asyncio's
/// transports (the low-water mark is a quarter of it).
pub const DEFAULT_HIGH_WATER_MARK: usize = 64 * 1024;

/// How long the accept loop waits before retrying after running out of
/// resources (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`).
const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(20);

/// The first read of a reader asks for this many bytes; later reads double it
/// while they fill the space they were given, up to [`MAX_CHUNK`].
const FIRST_CHUNK: usize = 8 * 1024;
const MAX_CHUNK: usize = 256 * 1024;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Polls `f` once, now, without a waker that anyone will call and without
/// spending the task's cooperative budget (the caller never waits on it).
fn poll_now<T>(f: impl FnMut(&mut Context<'_>) -> Poll<T>) -> Poll<T> {
    let future = pin!(corio_executor::budget::unconstrained(poll_fn(f)));
    future.poll(&mut Context::from_waker(Waker::noop()))
}

fn add_waker(waiters: &mut Vec<Waker>, waker: &Waker) {
    if !waiters.iter().any(|w| w.will_wake(waker)) {
        waiters.push(waker.clone());
    }
}

fn wake_all(waiters: &mut Vec<Waker>) {
    for waker in waiters.drain(..) {
        waker.wake();
    }
}

// ---- errors ------------------------------------------------------------------

/// The stream ended before a read was complete: asyncio's `IncompleteReadError`.
///
/// [`StreamReader::readexactly`] gives it with the expected count;
/// [`StreamReader::readuntil`] with `expected: None` (the separator never
/// came). The bytes that did arrive are in `partial`, and no longer in the
/// reader's buffer. It converts into an `io::Error` of kind `UnexpectedEof`.
///
/// ```
/// use corio::net::IncompleteReadError;
/// let e = IncompleteReadError { partial: vec![0; 18], expected: Some(36) };
/// assert_eq!(e.to_string(), "18 bytes read on a total of 36 expected bytes: the stream ended first");
/// let io: std::io::Error = e.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::UnexpectedEof);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteReadError {
    /// The bytes read before the stream ended.
    pub partial: Vec<u8>,
    /// How many bytes were asked for (`None`: up to a separator).
    pub expected: Option<usize>,
}

impl fmt::Display for IncompleteReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(expected) => write!(
                f,
                "{} bytes read on a total of {expected} expected bytes: the stream ended first",
                self.partial.len()
            ),
            None => write!(
                f,
                "{} bytes read, then the stream ended before the separator",
                self.partial.len()
            ),
        }
    }
}

impl Error for IncompleteReadError {}

impl From<IncompleteReadError> for io::Error {
    fn from(e: IncompleteReadError) -> io::Error {
        io::Error::new(io::ErrorKind::UnexpectedEof, e)
    }
}

/// A separator was not found within the reader's limit: asyncio's `LimitOverrunError`.
///
/// From [`StreamReader::readuntil`] the data stays in the buffer (read it
/// with [`read`](StreamReader::read), or raise the limit and try again); from
/// [`StreamReader::readline`] the over-long line is discarded, as asyncio's
/// `readline` does ([`discarded`](LimitOverrunError::discarded) says which).
/// It converts into an `io::Error` of kind `InvalidData`.
///
/// ```
/// use corio::net::{ReadError, StreamReader, UnixStream};
///
/// # corio::run(async {
/// let (a, b) = UnixStream::pair().unwrap();
/// b.write_all(b"0123456789").await.unwrap();
/// let mut reader = StreamReader::with_limit(a.into_split().0, 4);
/// let Err(ReadError::LimitOverrun(e)) = reader.readuntil(b"\n").await else { panic!() };
/// assert!(!e.separator_found() && !e.discarded());
/// assert!(e.consumed() > e.limit());
/// println!("{e}"); // separator not found in the first 10 bytes, more than the reader's limit of 4 bytes; ...
/// assert_eq!(reader.read(100).await.unwrap(), b"0123456789"); // still buffered
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitOverrunError {
    consumed: usize,
    limit: usize,
    separator_found: bool,
    discarded: bool,
}

impl LimitOverrunError {
    /// How many bytes to consume: the separator's offset when it was found
    /// beyond the limit, else how far the search went (asyncio's `consumed`).
    ///
    /// ```
    /// # fn f(e: corio::net::LimitOverrunError) {
    /// let _how_far: usize = e.consumed();
    /// # }
    /// ```
    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// The reader's limit at the time.
    ///
    /// ```
    /// # fn f(e: corio::net::LimitOverrunError) {
    /// assert!(e.consumed() > e.limit());
    /// # }
    /// ```
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether the separator was found (past the limit).
    ///
    /// ```
    /// # fn f(e: corio::net::LimitOverrunError) {
    /// if e.separator_found() { /* a line longer than the limit */ }
    /// # }
    /// ```
    pub fn separator_found(&self) -> bool {
        self.separator_found
    }

    /// Whether the data was dropped from the buffer (`readline`) rather than
    /// left there (`readuntil`).
    ///
    /// ```
    /// # fn f(e: corio::net::LimitOverrunError) {
    /// if !e.discarded() { /* the bytes can still be read */ }
    /// # }
    /// ```
    pub fn discarded(&self) -> bool {
        self.discarded
    }
}

impl fmt::Display for LimitOverrunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.separator_found {
            write!(
                f,
                "separator found at offset {}, past the reader's limit of {} bytes",
                self.consumed, self.limit
            )?;
        } else {
            write!(
                f,
                "separator not found in the first {} bytes, more than the reader's limit of {} bytes",
                self.consumed, self.limit
            )?;
        }
        if self.discarded {
            write!(
                f,
                "; the line was discarded (raise the limit with StreamReader::set_limit)"
            )
        } else {
            write!(
                f,
                "; the data is still buffered (read it with read(), or raise the limit with StreamReader::set_limit)"
            )
        }
    }
}

impl Error for LimitOverrunError {}

impl From<LimitOverrunError> for io::Error {
    fn from(e: LimitOverrunError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

/// Why a [`StreamReader`] read failed: an I/O error, the stream ending too
/// early, or a separator not found within the limit.
///
/// Converts into `io::Error`, so `?` works in a function returning `io::Result`.
///
/// ```
/// use corio::net::{ReadError, StreamReader};
///
/// # corio::run(async {
/// let (a, b) = corio::net::UnixStream::pair().unwrap();
/// let (_ar, aw) = a.into_split();
/// aw.write_all(b"abc").await.unwrap();
/// drop(aw); // end of stream after 3 bytes
/// let (br, _bw) = b.into_split();
/// let mut reader = StreamReader::new(br);
/// match reader.readexactly(5).await {
///     Err(ReadError::IncompleteRead(e)) => {
///         assert_eq!(e.partial, b"abc");
///         assert_eq!(e.expected, Some(5));
///     }
///     other => panic!("{other:?}"),
/// }
/// # });
/// ```
#[derive(Debug)]
pub enum ReadError {
    /// The socket failed (reset, closed runtime...).
    Io(io::Error),
    /// The stream ended first.
    IncompleteRead(IncompleteReadError),
    /// The separator was not within the limit.
    LimitOverrun(LimitOverrunError),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => e.fmt(f),
            ReadError::IncompleteRead(e) => e.fmt(f),
            ReadError::LimitOverrun(e) => e.fmt(f),
        }
    }
}

impl Error for ReadError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ReadError::Io(e) => Some(e),
            ReadError::IncompleteRead(e) => Some(e),
            ReadError::LimitOverrun(e) => Some(e),
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> ReadError {
        ReadError::Io(e)
    }
}

impl From<ReadError> for io::Error {
    fn from(e: ReadError) -> io::Error {
        match e {
            ReadError::Io(e) => e,
            ReadError::IncompleteRead(e) => e.into(),
            ReadError::LimitOverrun(e) => e.into(),
        }
    }
}

// ---- StreamReader ------------------------------------------------------------

/// The reading side of a connection, with a buffer: asyncio's `StreamReader`.
///
/// Made by [`open_connection`] and handed to [`start_server`]'s handler; over
/// any `futures_io::AsyncRead` transport with [`StreamReader::new`]. Reads
/// take `&mut self`, so two tasks cannot read one reader at once (asyncio
/// checks that at run time). Every read is cancellation-safe: a read dropped
/// while waiting loses no data, what arrived stays buffered.
///
/// It also implements `futures_io::AsyncRead` and `AsyncBufRead`.
///
/// ```
/// use corio::net::{open_connection, start_server};
///
/// corio::run(async {
///     let server = start_server(
///         |_reader, writer: corio::net::StreamWriter| async move {
///             writer.write(b"line one\nline two\nrest");
///         },
///         "127.0.0.1:0",
///     )
///     .await?;
///     let (mut reader, _writer) = open_connection(server.local_addr()).await?;
///     assert_eq!(reader.readline().await?, b"line one\n");
///     assert_eq!(reader.readuntil(b"two").await?, b"line two");
///     assert_eq!(reader.readexactly(1).await?, b"\n");
///     assert_eq!(reader.read_to_end().await?, b"rest");
///     assert!(reader.at_eof());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct StreamReader<R = tcp::OwnedReadHalf> {
    inner: R,
    /// Initialised storage; the unread bytes are `buf[start..end]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// How much the next read asks for.
    chunk: usize,
    eof: bool,
    limit: usize,
    /// How far (from `start`) the current separator search has looked.
    scanned: usize,
}

impl<R> fmt::Debug for StreamReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &(self.end - self.start))
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl<R: AsyncRead + Unpin> StreamReader<R> {
    /// A reader over `inner` with the default limit ([`DEFAULT_LIMIT`], 64 KiB).
    ///
    /// ```
    /// # corio::run(async {
    /// let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// let (read_half, _write_half) = a.into_split();
    /// let reader = corio::net::StreamReader::new(read_half);
    /// assert_eq!(reader.limit(), corio::net::DEFAULT_LIMIT);
    /// # });
    /// ```
    pub fn new(inner: R) -> StreamReader<R> {
        StreamReader::with_limit(inner, DEFAULT_LIMIT)
    }

    /// A reader over `inner` whose [`readline`](Self::readline) and
    /// [`readuntil`](Self::readuntil) accept at most `limit` bytes before the
    /// separator (asyncio's `limit=`).
    ///
    /// # Panics
    ///
    /// If `limit` is 0 (asyncio raises `ValueError`).
    ///
    /// ```
    /// # corio::run(async {
    /// let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// let (read_half, _write_half) = a.into_split();
    /// let reader = corio::net::StreamReader::with_limit(read_half, 1024);
    /// assert_eq!(reader.limit(), 1024);
    /// # });
    /// ```
    pub fn with_limit(inner: R, limit: usize) -> StreamReader<R> {
        assert!(limit > 0, "StreamReader limit must be at least 1 byte");
        StreamReader {
            inner,
            buf: Vec::new(),
            start: 0,
            end: 0,
            chunk: FIRST_CHUNK,
            eof: false,
            limit,
            scanned: 0,
        }
    }

    /// The line limit.
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let reader = corio::net::StreamReader::new(a.into_split().0);
    /// assert_eq!(reader.limit(), 64 * 1024);
    /// # });
    /// ```
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Changes the line limit.
    ///
    /// # Panics
    ///
    /// If `limit` is 0.
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let mut reader = corio::net::StreamReader::new(a.into_split().0);
    /// reader.set_limit(1 << 20);
    /// assert_eq!(reader.limit(), 1 << 20);
    /// # });
    /// ```
    pub fn set_limit(&mut self, limit: usize) {
        assert!(limit > 0, "StreamReader limit must be at least 1 byte");
        self.limit = limit;
    }

    /// The bytes received and not read yet.
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let reader = corio::net::StreamReader::new(a.into_split().0);
    /// assert!(reader.buffered().is_empty());
    /// # });
    /// ```
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// True when the stream has ended and every byte has been read (asyncio's
    /// `at_eof()`: the end is known only once a read has met it).
    ///
    /// ```
    /// # corio::run(async {
    /// let (a, b) = corio::net::UnixStream::pair().unwrap();
    /// drop(b);
    /// let mut reader = corio::net::StreamReader::new(a.into_split().0);
    /// assert!(!reader.at_eof());
    /// assert!(reader.read(10).await.unwrap().is_empty());
    /// assert!(reader.at_eof());
    /// # });
    /// ```
    pub fn at_eof(&self) -> bool {
        self.eof && self.start == self.end
    }

    /// The transport.
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let reader = corio::net::StreamReader::new(a.into_split().0);
    /// let _half: &corio::net::unix::OwnedReadHalf = reader.get_ref();
    /// # });
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The transport, and the bytes buffered but not read.
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let reader = corio::net::StreamReader::new(a.into_split().0);
    /// let (_half, buffered) = reader.into_parts();
    /// assert!(buffered.is_empty());
    /// # });
    /// ```
    pub fn into_parts(self) -> (R, Vec<u8>) {
        let rest = self.buffered().to_vec();
        (self.inner, rest)
    }

    /// Reads up to `n` bytes: whatever is buffered, or else what one read of
    /// the socket brings. Empty at the end of the stream (or for `n == 0`).
    ///
    /// ```
    /// # corio::run(async {
    /// let (a, b) = corio::net::UnixStream::pair().unwrap();
    /// b.write_all(b"hello").await.unwrap();
    /// let mut reader = corio::net::StreamReader::new(a.into_split().0);
    /// assert_eq!(reader.read(3).await.unwrap(), b"hel");
    /// assert_eq!(reader.read(100).await.unwrap(), b"lo");
    /// # });
    /// ```
    pub async fn read(&mut self, n: usize) -> io::Result<Vec<u8>> {
        poll_fn(|cx| self.poll_read_n(cx, n)).await
    }

    /// Reads until the end of the stream (asyncio's `read(-1)`); not bounded
    /// by the limit.
    ///
    /// ```
    /// # corio::run(async {
    /// let (a, b) = corio::net::UnixStream::pair().unwrap();
    /// b.write_all(b"all of it").await.unwrap();
    /// drop(b);
    /// let mut reader = corio::net::StreamReader::new(a.into_split().0);
    /// assert_eq!(reader.read_to_end().await.unwrap(), b"all of it");
    /// # });
    /// ```
    pub async fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        poll_fn(|cx| {
            while !self.eof {
                ready!(self.poll_fill(cx, self.chunk))?;
            }
            Poll::Ready(Ok(self.take(self.end - self.start)))
        })
        .await
    }

    /// Reads exactly `n` bytes (not bounded by the limit). If the stream ends
    /// first: [`ReadError::IncompleteRead`] with the bytes that came and
    /// `expected: Some(n)`.
    ///
    /// ```
    /// # corio::run(async {
    /// let (a, b) = corio::net::UnixStream::pair().unwrap();
    /// b.write_all(b"abcdef").await.unwrap();
    /// drop(b);
    /// let mut reader = corio::net::StreamReader::new(a.into_split().0);
    /// assert_eq!(reader.readexactly(4).await.unwrap(), b"abcd");
    /// let err = reader.readexactly(4).await.unwrap_err();
    /// assert_eq!(err.to_string(), "2 bytes read on a total of 4 expected bytes: the stream ended first");
    /// # });
    /// ```
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        poll_fn(|cx| self.poll_readexactly(cx, n)).await
    }

    /// Reads up to and including `separator`.
    ///
    /// If `separator` is not within the first [`limit`](Self::limit) bytes:
    /// [`ReadError::LimitOverrun`], and the data stays in the buffer. If the
    /// stream ends first: [`ReadError::IncompleteRead`] with what was
    /// buffered (`expected: None`). An empty separator is an `InvalidInput`
    /// error.
    ///
    /// ```
    /// # corio::run(async {
    /// let (a, b) = corio::net::UnixStream::pair().unwrap();
    /// b.write_all(b"key=value;rest").await.unwrap();
    /// let mut reader = corio::net::StreamReader::new(a.into_split().0);
    /// assert_eq!(reader.readuntil(b"=").await.unwrap(), b"key=");
    /// assert_eq!(reader.readuntil(b";").await.unwrap(), b"value;");
    /// # });
    /// ```
    pub async fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, ReadError> {
        self.scanned = 0;
        poll_fn(|cx| self.poll_readuntil(cx, separator)).await
    }

    /// Reads one line, up to and including `b'\n'`; at the end of the stream
    /// the last partial line, then an empty vector.
    ///
    /// A line longer than the limit is discarded (the bytes up to its
    /// newline, or the whole buffer if no newline came) and gives
    /// [`ReadError::LimitOverrun`], as asyncio's `readline` raises
    /// `ValueError`; the next `readline` reads the next line.
    ///
    /// ```
    /// # corio::run(async {
    /// let (a, b) = corio::net::UnixStream::pair().unwrap();
    /// b.write_all(b"one\ntwo").await.unwrap();
    /// drop(b);
    /// let mut reader = corio::net::StreamReader::new(a.into_split().0);
    /// assert_eq!(reader.readline().await.unwrap(), b"one\n");
    /// assert_eq!(reader.readline().await.unwrap(), b"two");
    /// assert_eq!(reader.readline().await.unwrap(), b"");
    /// # });
    /// ```
    pub async fn readline(&mut self) -> Result<Vec<u8>, ReadError> {
        self.scanned = 0;
        poll_fn(|cx| self.poll_readline(cx)).await
    }

    /// The lines, as a `futures_core::Stream` of [`readline`](Self::readline)
    /// results (each with its `b'\n'`), ending at the end of the stream:
    /// asyncio's `async for line in reader`.
    ///
    /// ```
    /// use futures_core::Stream;
    /// use std::pin::Pin;
    ///
    /// # corio::run(async {
    /// let (a, b) = corio::net::UnixStream::pair().unwrap();
    /// b.write_all(b"a\nb\n").await.unwrap();
    /// drop(b);
    /// let mut reader = corio::net::StreamReader::new(a.into_split().0);
    /// let mut lines = reader.lines();
    /// let mut seen = Vec::new();
    /// while let Some(line) = std::future::poll_fn(|cx| Pin::new(&mut lines).poll_next(cx)).await {
    ///     seen.push(line.unwrap());
    /// }
    /// assert_eq!(seen, [b"a\n".to_vec(), b"b\n".to_vec()]);
    /// # });
    /// ```
    pub fn lines(&mut self) -> Lines<'_, R> {
        self.scanned = 0;
        Lines { reader: self }
    }

    /// Removes and returns the first `n` buffered bytes (`n` <= buffered).
    fn take(&mut self, n: usize) -> Vec<u8> {
        let out = self.buf[self.start..self.start + n].to_vec();
        self.consume_bytes(n);
        out
    }

    fn consume_bytes(&mut self, n: usize) {
        self.start += n;
        self.scanned = 0;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// One read from the transport into the buffer, asking for at least
    /// `want` bytes of room. `Ok(0)` means end of stream (also remembered).
    fn poll_fill(&mut self, cx: &mut Context<'_>, want: usize) -> Poll<io::Result<usize>> {
        if self.eof {
            return Poll::Ready(Ok(0));
        }
        let want = want.max(1);
        if self.buf.len() - self.end < want {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < want {
                self.buf.resize(self.end + want, 0);
            }
        }
        let room = self.buf.len() - self.end;
        let n = ready!(Pin::new(&mut self.inner).poll_read(cx, &mut self.buf[self.end..]))?;
        if n == 0 {
            self.eof = true;
        } else {
            self.end += n;
            if n == room && self.chunk < MAX_CHUNK {
                self.chunk *= 2;
            }
        }
        Poll::Ready(Ok(n))
    }

    fn poll_read_n(&mut self, cx: &mut Context<'_>, n: usize) -> Poll<io::Result<Vec<u8>>> {
        if n == 0 {
            return Poll::Ready(Ok(Vec::new()));
        }
        if self.start == self.end && !self.eof {
            ready!(self.poll_fill(cx, self.chunk))?;
        }
        let n = n.min(self.end - self.start);
        Poll::Ready(Ok(self.take(n)))
    }

    fn poll_readexactly(
        &mut self,
        cx: &mut Context<'_>,
        n: usize,
    ) -> Poll<Result<Vec<u8>, ReadError>> {
        loop {
            let have = self.end - self.start;
            if have >= n {
                return Poll::Ready(Ok(self.take(n)));
            }
            if self.eof {
                let partial = self.take(have);
                return Poll::Ready(Err(ReadError::IncompleteRead(IncompleteReadError {
                    partial,
                    expected: Some(n),
                })));
            }
            // Room for the rest, but at most MAX_CHUNK more per read: the
            // buffer grows as bytes arrive, never by a length the peer may
            // have chosen (a 4 GiB `n` read from a header) before they do.
            let want = (n - have).min(MAX_CHUNK).max(self.chunk.min(n));
            ready!(self.poll_fill(cx, want))?;
        }
    }

    fn poll_readuntil(
        &mut self,
        cx: &mut Context<'_>,
        sep: &[u8],
    ) -> Poll<Result<Vec<u8>, ReadError>> {
        if sep.is_empty() {
            return Poll::Ready(Err(ReadError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                "readuntil: the separator must not be empty",
            ))));
        }
        // asyncio's algorithm: search from where the last search stopped;
        // give up once the separator cannot start within the limit.
        let found = loop {
            let data = &self.buf[self.start..self.end];
            if data.len() >= sep.len() {
                if let Some(i) = find(&data[self.scanned..], sep) {
                    break self.scanned + i;
                }
                self.scanned = data.len() + 1 - sep.len();
                if self.scanned > self.limit {
                    return Poll::Ready(Err(ReadError::LimitOverrun(LimitOverrunError {
                        consumed: self.scanned,
                        limit: self.limit,
                        separator_found: false,
                        discarded: false,
                    })));
                }
            }
            if self.eof {
                let partial = self.take(self.end - self.start);
                return Poll::Ready(Err(ReadError::IncompleteRead(IncompleteReadError {
                    partial,
                    expected: None,
                })));
            }
            ready!(self.poll_fill(cx, self.chunk))?;
        };
        if found > self.limit {
            return Poll::Ready(Err(ReadError::LimitOverrun(LimitOverrunError {
                consumed: found,
                limit: self.limit,
                separator_found: true,
                discarded: false,
            })));
        }
        Poll::Ready(Ok(self.take(found + sep.len())))
    }

    fn poll_readline(&mut self, cx: &mut Context<'_>) -> Poll<Result<Vec<u8>, ReadError>> {
        match ready!(self.poll_readuntil(cx, b"\n")) {
            Ok(line) => Poll::Ready(Ok(line)),
            Err(ReadError::IncompleteRead(e)) => Poll::Ready(Ok(e.partial)),
            Err(ReadError::LimitOverrun(mut e)) => {
                let data = &self.buf[self.start..self.end];
                if data.get(e.consumed) == Some(&b'\n') {
                    self.consume_bytes(e.consumed + 1);
                } else {
                    self.consume_bytes(data.len());
                }
                e.discarded = true;
                Poll::Ready(Err(ReadError::LimitOverrun(e)))
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    match needle {
        [byte] => haystack.iter().position(|b| b == byte),
        _ => haystack.windows(needle.len()).position(|w| w == needle),
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for StreamReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.start == this.end {
            if out.len() >= this.chunk {
                // Nothing buffered and a big read: skip the copy.
                if this.eof {
                    return Poll::Ready(Ok(0));
                }
                let n = ready!(Pin::new(&mut this.inner).poll_read(cx, out))?;
                if n == 0 && !out.is_empty() {
                    this.eof = true;
                }
                return Poll::Ready(Ok(n));
            }
            ready!(this.poll_fill(cx, this.chunk))?;
        }
        let n = out.len().min(this.end - this.start);
        out[..n].copy_from_slice(&this.buf[this.start..this.start + n]);
        this.consume_bytes(n);
        Poll::Ready(Ok(n))
    }
}

impl<R: AsyncRead + Unpin> AsyncBufRead for StreamReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.start == this.end {
            ready!(this.poll_fill(cx, this.chunk))?;
        }
        Poll::Ready(Ok(&this.buf[this.start..this.end]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        let amt = amt.min(this.end - this.start);
        this.consume_bytes(amt);
    }
}

/// The lines of a [`StreamReader`]; see [`StreamReader::lines`].
///
/// ```
/// # corio::run(async {
/// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
/// let mut reader = corio::net::StreamReader::new(a.into_split().0);
/// let lines: corio::net::Lines<'_, _> = reader.lines();
/// # drop(lines);
/// # });
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Lines<'a, R> {
    reader: &'a mut StreamReader<R>,
}

impl<R: AsyncRead + Unpin> futures_core::Stream for Lines<'_, R> {
    type Item = Result<Vec<u8>, ReadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match ready!(this.reader.poll_readline(cx)) {
            Ok(line) if line.is_empty() => Poll::Ready(None),
            other => Poll::Ready(Some(other)),
        }
    }
}

// ---- StreamWriter ------------------------------------------------------------

/// The writing side of a connection: asyncio's `StreamWriter`.
///
/// [`write`](Self::write) never waits; [`drain`](Self::drain) waits while the
/// buffer is above the high-water mark (see the [module docs](self) for
/// how bytes reach the socket). Methods take `&self`: share a writer between
/// tasks with an `Arc` (as a chat server does to broadcast). Dropping it
/// closes it, as [`close`](Self::close) does. It also implements
/// `futures_io::AsyncWrite` (on `StreamWriter` and `&StreamWriter`).
///
/// ```
/// use corio::net::{open_connection, start_server};
///
/// corio::run(async {
///     let server = start_server(
///         |mut reader: corio::net::StreamReader, _writer| async move {
///             let all = reader.read_to_end().await.unwrap();
///             assert_eq!(all, b"one two three");
///         },
///         "127.0.0.1:0",
///     )
///     .await?;
///     let (_reader, writer) = open_connection(server.local_addr()).await?;
///     writer.write(b"one ");
///     writer.writelines([&b"two "[..], b"three"]);
///     writer.drain().await?;
///     writer.close();
///     writer.wait_closed().await?;
///     server.close();
///     server.wait_closed().await; // the handler's assertion has run
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct StreamWriter<W = tcp::OwnedWriteHalf>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    shared: Arc<WriterShared<W>>,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
}

struct WriterShared<W> {
    state: Mutex<WriterState<W>>,
    /// Where the background flusher is spawned when the writer is used from
    /// a thread outside the runtime.
    runtime: Option<corio_executor::Handle>,
}

enum Flusher {
    /// None spawned yet (or it has finished).
    None,
    /// Running, or waiting for the socket.
    Busy,
    /// Waiting for work: wake it when bytes are buffered or on close.
    Idle(Waker),
}

struct WriterState<W> {
    transport: Option<W>,
    /// Unsent bytes are `buf[pos..]`.
    buf: Vec<u8>,
    pos: usize,
    high: usize,
    low: usize,
    paused: bool,
    closing: bool,
    closed: bool,
    /// The first write error, kept to report it to every later `drain`.
    error: Option<(io::ErrorKind, String)>,
    /// Bytes were written after `close` (and dropped).
    wrote_after_close: bool,
    flusher: Flusher,
    /// Tasks in `drain` or `wait_closed`.
    waiters: Vec<Waker>,
}

impl<W: AsyncWrite + Unpin> WriterState<W> {
    fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn error(&self) -> Option<io::Error> {
        self.error
            .as_ref()
            .map(|(kind, msg)| io::Error::new(*kind, msg.clone()))
    }

    fn fail(&mut self, e: io::Error) {
        if self.error.is_none() {
            self.error = Some((e.kind(), e.to_string()));
        }
        self.buf = Vec::new();
        self.pos = 0;
        self.paused = false;
        self.transport = None;
        self.set_closed();
    }

    /// The transport is gone: wake everyone waiting, and let an idle
    /// background flusher see it and end.
    fn set_closed(&mut self) {
        self.closed = true;
        wake_all(&mut self.waiters);
        if let Flusher::Idle(waker) = std::mem::replace(&mut self.flusher, Flusher::None) {
            waker.wake();
        }
    }

    fn consumed(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos >= 64 * 1024 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        if self.paused && self.pending() <= self.low {
            self.paused = false;
            wake_all(&mut self.waiters);
        }
    }

    /// Sends what is buffered, then closes the transport if asked to.
    /// `Ready` when there is nothing left to do (done, closed or failed);
    /// `Pending` when waiting for the socket (the waker is registered there).
    fn poll_progress(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            let Some(transport) = self.transport.as_mut() else {
                return Poll::Ready(());
            };
            if self.pos < self.buf.len() {
                match Pin::new(transport).poll_write(cx, &self.buf[self.pos..]) {
                    Poll::Ready(Ok(0)) => self.fail(io::ErrorKind::WriteZero.into()),
                    Poll::Ready(Ok(n)) => self.consumed(n),
                    Poll::Ready(Err(e)) => self.fail(e),
                    Poll::Pending => return Poll::Pending,
                }
            } else if self.closing {
                let _ = ready!(Pin::new(transport).poll_close(cx));
                self.transport = None;
                self.set_closed();
                return Poll::Ready(());
            } else {
                return Poll::Ready(());
            }
        }
    }
}

impl<W> fmt::Debug for StreamWriter<W>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.shared.state);
        f.debug_struct("StreamWriter")
            .field("peer", &self.peer)
            .field("buffered", &state.pending())
            .field("closing", &state.closing)
            .finish_non_exhaustive()
    }
}

impl<W> StreamWriter<W>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// A writer over `inner`, with the default high-water mark
    /// ([`DEFAULT_HIGH_WATER_MARK`], 64 KiB).
    ///
    /// ```
    /// # corio::run(async {
    /// let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// let (_read_half, write_half) = a.into_split();
    /// let writer = corio::net::StreamWriter::new(write_half);
    /// assert_eq!(writer.write_buffer_limits(), (16 * 1024, 64 * 1024));
    /// # });
    /// ```
    pub fn new(inner: W) -> StreamWriter<W> {
        StreamWriter::with_addrs(inner, None, None)
    }

    fn with_addrs(
        inner: W,
        peer: Option<SocketAddr>,
        local: Option<SocketAddr>,
    ) -> StreamWriter<W> {
        StreamWriter {
            shared: Arc::new(WriterShared {
                state: Mutex::new(WriterState {
                    transport: Some(inner),
                    buf: Vec::new(),
                    pos: 0,
                    high: DEFAULT_HIGH_WATER_MARK,
                    low: DEFAULT_HIGH_WATER_MARK / 4,
                    paused: false,
                    closing: false,
                    closed: false,
                    error: None,
                    wrote_after_close: false,
                    flusher: Flusher::None,
                    waiters: Vec::new(),
                }),
                runtime: corio_executor::Handle::try_current().ok(),
            }),
            peer,
            local,
        }
    }

    /// Sends `data`, or buffers what the socket cannot take now; never waits.
    ///
    /// Follow a run of writes with [`drain`](Self::drain) so a fast writer
    /// cannot outrun a slow peer without bound. Writes after
    /// [`close`](Self::close), or after the connection failed, are dropped,
    /// and the next `drain` reports it.
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let writer = corio::net::StreamWriter::new(a.into_split().1);
    /// writer.write(b"GET / HTTP/1.1\r\n\r\n");
    /// writer.drain().await.unwrap();
    /// # });
    /// ```
    pub fn write(&self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let mut state = lock(&self.shared.state);
        let state = &mut *state;
        if state.closing || state.closed {
            state.wrote_after_close = true;
            return;
        }
        let mut data = data;
        if state.pending() == 0 {
            if let Some(transport) = state.transport.as_mut() {
                match poll_now(|cx| Pin::new(&mut *transport).poll_write(cx, data)) {
                    Poll::Ready(Ok(n)) if n > 0 => data = &data[n..],
                    Poll::Ready(Ok(_)) => return state.fail(io::ErrorKind::WriteZero.into()),
                    Poll::Ready(Err(e)) => return state.fail(e),
                    Poll::Pending => {}
                }
            }
            if data.is_empty() {
                return;
            }
        }
        state.buf.extend_from_slice(data);
        if state.pending() > state.high {
            state.paused = true;
        }
        self.kick_flusher(state);
    }

    /// Writes each item of `lines` (no separator is added), as asyncio's `writelines`.
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let writer = corio::net::StreamWriter::new(a.into_split().1);
    /// writer.writelines(["a\n", "b\n"]);
    /// writer.drain().await.unwrap();
    /// # });
    /// ```
    pub fn writelines<I>(&self, lines: I)
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        for line in lines {
            self.write(line.as_ref());
        }
    }

    /// Waits while the buffer is above the high-water mark, sending it to the
    /// socket, until it is down to the low-water mark; returns at once when
    /// it is not above the mark.
    ///
    /// Errors: the connection failed (reset, broken pipe), now or on an
    /// earlier send; or bytes were written after [`close`](Self::close).
    /// Several tasks may drain one writer at once.
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let writer = corio::net::StreamWriter::new(a.into_split().1);
    /// writer.write(&[0u8; 1000]);
    /// writer.drain().await.unwrap();
    /// assert!(writer.buffer_len() <= 64 * 1024);
    /// # });
    /// ```
    pub async fn drain(&self) -> io::Result<()> {
        poll_fn(|cx| {
            let mut state = lock(&self.shared.state);
            let _ = state.poll_progress(cx);
            if let Some(e) = state.error() {
                return Poll::Ready(Err(e));
            }
            if state.wrote_after_close {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "StreamWriter::write after close(): those bytes were dropped",
                )));
            }
            if !state.paused {
                return Poll::Ready(Ok(()));
            }
            add_waker(&mut state.waiters, cx.waker());
            Poll::Pending
        })
        .await
    }

    /// Starts closing: the buffered bytes are still sent (in the background),
    /// then the write side is shut down (the peer reads end of stream). Does
    /// not wait; see [`wait_closed`](Self::wait_closed). Idempotent.
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let writer = corio::net::StreamWriter::new(a.into_split().1);
    /// writer.close();
    /// assert!(writer.is_closing());
    /// writer.wait_closed().await.unwrap();
    /// # });
    /// ```
    pub fn close(&self) {
        let mut state = lock(&self.shared.state);
        let state = &mut *state;
        if state.closing || state.closed {
            return;
        }
        state.closing = true;
        if poll_now(|cx| state.poll_progress(cx)).is_pending() {
            self.kick_flusher(state);
        }
    }

    /// Waits until the writer is closed: every buffered byte sent and the
    /// write side shut down. Returns the connection's error if sending failed.
    /// Waits for a [`close`](Self::close) that has not been called yet, as
    /// asyncio's does.
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let writer = corio::net::StreamWriter::new(a.into_split().1);
    /// writer.write(b"bye\n");
    /// writer.close();
    /// writer.wait_closed().await.unwrap();
    /// # });
    /// ```
    pub async fn wait_closed(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_closed(cx)).await
    }

    fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = lock(&self.shared.state);
        if state.closing {
            let _ = state.poll_progress(cx);
        }
        if state.closed {
            return Poll::Ready(state.error().map_or(Ok(()), Err));
        }
        add_waker(&mut state.waiters, cx.waker());
        Poll::Pending
    }

    /// True once [`close`](Self::close) was called or the connection failed.
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let writer = corio::net::StreamWriter::new(a.into_split().1);
    /// assert!(!writer.is_closing());
    /// writer.close();
    /// assert!(writer.is_closing());
    /// # });
    /// ```
    pub fn is_closing(&self) -> bool {
        let state = lock(&self.shared.state);
        state.closing || state.closed
    }

    /// How many bytes are buffered, not yet handed to the socket (asyncio's
    /// `transport.get_write_buffer_size()`).
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let writer = corio::net::StreamWriter::new(a.into_split().1);
    /// writer.write(b"small");
    /// assert_eq!(writer.buffer_len(), 0); // the socket took it at once
    /// # });
    /// ```
    pub fn buffer_len(&self) -> usize {
        lock(&self.shared.state).pending()
    }

    /// Sets the high- and low-water marks (asyncio's
    /// `transport.set_write_buffer_limits(high, low)`): `drain` waits once the
    /// buffer is above `high`, until it is at most `low`.
    ///
    /// # Panics
    ///
    /// If `low > high` (asyncio raises `ValueError`).
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let writer = corio::net::StreamWriter::new(a.into_split().1);
    /// writer.set_write_buffer_limits(1 << 20, 1 << 18);
    /// assert_eq!(writer.write_buffer_limits(), (1 << 18, 1 << 20));
    /// # });
    /// ```
    pub fn set_write_buffer_limits(&self, high: usize, low: usize) {
        assert!(
            low <= high,
            "set_write_buffer_limits: low ({low}) must not exceed high ({high})"
        );
        let mut state = lock(&self.shared.state);
        state.high = high;
        state.low = low;
        if state.pending() > high {
            state.paused = true;
        } else if state.paused && state.pending() <= low {
            state.paused = false;
            wake_all(&mut state.waiters);
        }
    }

    /// The `(low, high)` water marks (asyncio's `get_write_buffer_limits()`).
    ///
    /// ```
    /// # corio::run(async {
    /// # let (a, _b) = corio::net::UnixStream::pair().unwrap();
    /// # let writer = corio::net::StreamWriter::new(a.into_split().1);
    /// let (low, high) = writer.write_buffer_limits();
    /// assert_eq!(high, 4 * low);
    /// # });
    /// ```
    pub fn write_buffer_limits(&self) -> (usize, usize) {
        let state = lock(&self.shared.state);
        (state.low, state.high)
    }

    /// The peer's address (asyncio's `get_extra_info('peername')`); an
    /// `Unsupported` error for transports that are not TCP connections.
    ///
    /// ```
    /// use corio::net::{open_connection, start_server};
    /// # corio::run(async {
    /// let server = start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
    /// let (_reader, writer) = open_connection(server.local_addr()).await.unwrap();
    /// assert_eq!(writer.peer_addr().unwrap(), server.local_addr());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.peer.ok_or_else(not_tcp)
    }

    /// The local address (asyncio's `get_extra_info('sockname')`); an
    /// `Unsupported` error for transports that are not TCP connections.
    ///
    /// ```
    /// use corio::net::{open_connection, start_server};
    /// # corio::run(async {
    /// let server = start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
    /// let (_reader, writer) = open_connection(server.local_addr()).await.unwrap();
    /// assert!(writer.local_addr().unwrap().ip().is_loopback());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.local.ok_or_else(not_tcp)
    }

    /// Makes sure a background task will send what is buffered (and finish a close).
    fn kick_flusher(&self, state: &mut WriterState<W>) {
        match std::mem::replace(&mut state.flusher, Flusher::Busy) {
            Flusher::Busy => {}
            Flusher::Idle(waker) => waker.wake(),
            Flusher::None => {
                let runtime = corio_executor::Handle::try_current()
                    .ok()
                    .or_else(|| self.shared.runtime.clone());
                match runtime {
                    Some(runtime) => {
                        let shared = self.shared.clone();
                        drop(runtime.spawn(flush_in_background(shared)));
                    }
                    // No runtime to run it: `drain`/`wait_closed` send the bytes.
                    None => state.flusher = Flusher::None,
                }
            }
        }
    }
}

/// The background task of a writer whose socket could not take everything at once.
async fn flush_in_background<W: AsyncWrite + Unpin + Send + 'static>(shared: Arc<WriterShared<W>>) {
    poll_fn(|cx| {
        let mut state = lock(&shared.state);
        if state.poll_progress(cx).is_pending() {
            state.flusher = Flusher::Busy;
            return Poll::Pending;
        }
        if state.closed {
            state.flusher = Flusher::None;
            return Poll::Ready(());
        }
        state.flusher = Flusher::Idle(cx.waker().clone());
        Poll::Pending
    })
    .await;
}

/// For code written against the ecosystem's write trait (`futures::io::copy`,
/// codecs, `AsyncWriteExt`). A write buffers like [`StreamWriter::write`],
/// but returns `Pending` while the buffer is above the high-water mark, as
/// `write` followed by [`drain`](StreamWriter::drain) would wait; a flush
/// waits until every buffered byte is with the socket; a close is
/// [`close`](StreamWriter::close) then [`wait_closed`](StreamWriter::wait_closed).
/// A write after close, or after the connection failed, is an error.
///
/// ```
/// # corio::run(async {
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use futures_io::AsyncWrite;
///
/// let (a, b) = corio::net::UnixStream::pair().unwrap();
/// let mut writer = corio::net::StreamWriter::new(a.into_split().1);
/// let n = poll_fn(|cx| Pin::new(&mut writer).poll_write(cx, b"ping")).await.unwrap();
/// assert_eq!(n, 4);
/// poll_fn(|cx| Pin::new(&mut writer).poll_close(cx)).await.unwrap();
/// let mut reader = corio::net::StreamReader::new(b);
/// assert_eq!(reader.read_to_end().await.unwrap(), b"ping");
/// # });
/// ```
impl<W> AsyncWrite for &StreamWriter<W>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let writer: &StreamWriter<W> = &self;
        {
            let mut state = lock(&writer.shared.state);
            if state.paused {
                let _ = state.poll_progress(cx);
            }
            if let Some(e) = state.error() {
                return Poll::Ready(Err(e));
            }
            if state.closing || state.closed {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "StreamWriter: write after close()",
                )));
            }
            if state.paused {
                // The socket has our waker if it is full; the background
                // flusher wakes the waiters once the buffer is down to the
                // low-water mark.
                add_waker(&mut state.waiters, cx.waker());
                return Poll::Pending;
            }
        }
        writer.write(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = lock(&self.shared.state);
        // `Pending` from it means the socket is full and holds our waker.
        let progress = state.poll_progress(cx);
        if let Some(e) = state.error() {
            return Poll::Ready(Err(e));
        }
        if state.pending() == 0 {
            return Poll::Ready(Ok(()));
        }
        debug_assert!(progress.is_pending(), "bytes left, yet no socket wait");
        Poll::Pending
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.close();
        self.poll_closed(cx)
    }
}

/// As for `&StreamWriter`.
impl<W> AsyncWrite for StreamWriter<W>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_close(cx)
    }
}

impl<W> Drop for StreamWriter<W>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    fn drop(&mut self) {
        self.close();
    }
}

fn not_tcp() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "this StreamWriter is not over a TCP connection, so it has no socket address",
    )
}

/// The reader and writer of a connection; `peer` as `accept` or `connect`
/// gave it (asking the socket fails once the peer has reset it).
fn tcp_streams(stream: TcpStream, peer: Option<SocketAddr>) -> (StreamReader, StreamWriter) {
    // asyncio sets TCP_NODELAY on its stream transports too.
    let _ = stream.set_nodelay(true);
    let peer = peer.or_else(|| stream.peer_addr().ok());
    let local = stream.local_addr().ok();
    let (read_half, write_half) = stream.into_split();
    (
        StreamReader::new(read_half),
        StreamWriter::with_addrs(write_half, peer, local),
    )
}

/// Connects to `addr` and returns a reader and a writer: asyncio's
/// `open_connection(host, port)`. `TCP_NODELAY` is set, as asyncio does.
///
/// A closed port gives an `io::Error` of kind `ConnectionRefused`. Host names
/// are resolved with std's blocking resolver: pass an IP address in code
/// that must never block a worker.
///
/// ```
/// # corio::run(async {
/// let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
/// let err = corio::net::open_connection(closed).await.unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
/// # });
/// ```
pub async fn open_connection<A: ToSocketAddrs>(
    addr: A,
) -> io::Result<(StreamReader, StreamWriter)> {
    let stream = TcpStream::connect(addr).await?;
    Ok(tcp_streams(stream, None))
}

/// Connects to the Unix-domain socket at `path`: asyncio's `open_unix_connection(path)`.
///
/// ```
/// # corio::run(async {
/// let dir = std::env::temp_dir().join(format!("corio-doc-unix-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("sock");
/// let listener = corio::net::UnixListener::bind(&path).unwrap();
/// let server = corio::spawn(async move {
///     let (stream, _) = listener.accept().await.unwrap();
///     stream.write_all(b"hi\n").await.unwrap();
/// });
/// let (mut reader, _writer) = corio::net::open_unix_connection(&path).await.unwrap();
/// assert_eq!(reader.readline().await.unwrap(), b"hi\n");
/// server.await.unwrap();
/// std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn open_unix_connection<P: AsRef<Path>>(
    path: P,
) -> io::Result<(
    StreamReader<unix::OwnedReadHalf>,
    StreamWriter<unix::OwnedWriteHalf>,
)> {
    let stream = UnixStream::connect(path).await?;
    let (read_half, write_half) = stream.into_split();
    Ok((StreamReader::new(read_half), StreamWriter::new(write_half)))
}

// ---- Server ------------------------------------------------------------------

/// Starts a TCP server on `addr` (port 0 picks a free port): asyncio's
/// `start_server(client_connected_cb, host, port)`.
///
/// For each connection, `handler` is cloned and called with the
/// connection's [`StreamReader`] and [`StreamWriter`]; its future runs as a
/// task named `conn-{peer}`. The server is serving when this returns. When
/// the handler's future ends (or panics: that ends only its connection, and
/// the runtime reports the panic), the reader and writer are dropped, which
/// sends what is left and closes the connection.
///
/// The accept loop survives errors: when the process is out of file
/// descriptors (`EMFILE`, `ENFILE`) or memory it reports it once on stderr,
/// retries every 20 ms, and accepts again once descriptors are free (see
/// [`Server::accept_errors`]).
///
/// ```
/// use corio::net::{StreamReader, StreamWriter, open_connection, start_server};
///
/// async fn shout(mut reader: StreamReader, writer: StreamWriter) {
///     while let Ok(line) = reader.readline().await {
///         if line.is_empty() { break }
///         writer.write(&line.to_ascii_uppercase());
///     }
/// }
///
/// corio::run(async {
///     let server = start_server(shout, "127.0.0.1:0").await?;
///     let (mut reader, writer) = open_connection(server.local_addr()).await?;
///     writer.write(b"hello\n");
///     assert_eq!(reader.readline().await?, b"HELLO\n");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub async fn start_server<H, Fut, A>(handler: H, addr: A) -> io::Result<Server>
where
    H: Fn(StreamReader, StreamWriter) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    A: ToSocketAddrs,
{
    let listener = TcpListener::bind(addr).await?;
    let local_addr = listener.local_addr()?;
    let shared = Arc::new(ServerShared {
        local_addr,
        state: Mutex::new(ServerState {
            serving: true,
            accepting: true,
            connections: 0,
            accept_errors: 0,
            last_error: None,
            waiters: Vec::new(),
        }),
    });
    let acceptor = Acceptor {
        listener: Some(listener),
        shared: shared.clone(),
    };
    let accept_task = corio_executor::task::Builder::new()
        .name(format!("server-{local_addr}"))
        .spawn(accept_loop(acceptor, handler));
    Ok(Server {
        inner: Arc::new(ServerInner {
            shared,
            accept_task,
        }),
    })
}

/// A running server, from [`start_server`]: asyncio's `Server`.
///
/// Clones share the server. It stops accepting on [`close`](Self::close),
/// or when the last clone is dropped (as leaving `async with server:` does);
/// connections already accepted go on either way.
///
/// ```
/// # corio::run(async {
/// let server = corio::net::start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
/// assert!(server.is_serving());
/// let stopper = server.clone();
/// corio::spawn(async move { stopper.close() });
/// server.serve_forever().await; // until closed
/// server.wait_closed().await;
/// assert!(!server.is_serving());
/// # });
/// ```
#[derive(Clone)]
pub struct Server {
    inner: Arc<ServerInner>,
}

struct ServerInner {
    shared: Arc<ServerShared>,
    accept_task: corio_executor::Task<()>,
}

impl Drop for ServerInner {
    fn drop(&mut self) {
        self.shared.stop_serving();
        self.accept_task.cancel();
    }
}

struct ServerShared {
    local_addr: SocketAddr,
    state: Mutex<ServerState>,
}

struct ServerState {
    serving: bool,
    /// The accept loop (and so the listening socket) is alive.
    accepting: bool,
    connections: usize,
    accept_errors: u64,
    last_error: Option<(io::ErrorKind, Option<i32>)>,
    waiters: Vec<Waker>,
}

impl ServerShared {
    fn stop_serving(&self) {
        let mut state = lock(&self.state);
        state.serving = false;
        wake_all(&mut state.waiters);
    }
}

/// The accept loop's listener; dropping it (loop cancelled or the runtime
/// shutting down) closes the socket, then marks the loop stopped.
struct Acceptor {
    listener: Option<TcpListener>,
    shared: Arc<ServerShared>,
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        drop(self.listener.take());
        let mut state = lock(&self.shared.state);
        state.accepting = false;
        state.serving = false;
        wake_all(&mut state.waiters);
    }
}

/// Counts one live connection; dropped when its task ends (also by a panic).
struct Connection(Arc<ServerShared>);

impl Connection {
    fn new(shared: &Arc<ServerShared>) -> Connection {
        lock(&shared.state).connections += 1;
        Connection(shared.clone())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut state = lock(&self.0.state);
        state.connections -= 1;
        if state.connections == 0 {
            wake_all(&mut state.waiters);
        }
    }
}

/// Errors after which accepting again at once is right: the failed
/// connection is gone and the next one may be fine.
fn accept_error_is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

async fn accept_loop<H, Fut>(acceptor: Acceptor, handler: H)
where
    H: Fn(StreamReader, StreamWriter) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = acceptor.listener.as_ref().expect("set until dropped");
    let mut reported = false;
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                reported = false;
                let connection = Connection::new(&acceptor.shared);
                let handler = handler.clone();
                let (reader, writer) = tcp_streams(stream, Some(peer));
                drop(
                    corio_executor::task::Builder::new()
                        .name(format!("conn-{peer}"))
                        .spawn(async move {
                            let _connection = connection;
                            handler(reader, writer).await;
                        }),
                );
            }
            Err(e) => {
                {
                    let mut state = lock(&acceptor.shared.state);
                    state.accept_errors += 1;
                    state.last_error = Some((e.kind(), e.raw_os_error()));
                }
                if accept_error_is_transient(&e) {
                    continue;
                }
                if !reported {
                    reported = true;
                    eprintln!(
                        "corio::net server on {}: accept failed: {e}; retrying every {} ms (the server keeps running)",
                        acceptor.shared.local_addr,
                        ACCEPT_RETRY_DELAY.as_millis()
                    );
                }
                crate::sleep(ACCEPT_RETRY_DELAY).await;
            }
        }
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.inner.shared.state);
        f.debug_struct("Server")
            .field("local_addr", &self.inner.shared.local_addr)
            .field("serving", &state.serving)
            .field("connections", &state.connections)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// The address the server listens on (asyncio's `server.sockets[0].getsockname()`).
    ///
    /// ```
    /// # corio::run(async {
    /// let server = corio::net::start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
    /// assert_ne!(server.local_addr().port(), 0);
    /// # });
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.shared.local_addr
    }

    /// True until [`close`](Self::close) (or the runtime shuts down).
    ///
    /// ```
    /// # corio::run(async {
    /// let server = corio::net::start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
    /// assert!(server.is_serving());
    /// server.close();
    /// assert!(!server.is_serving());
    /// # });
    /// ```
    pub fn is_serving(&self) -> bool {
        lock(&self.inner.shared.state).serving
    }

    /// Waits until the server is closed (by [`close`](Self::close) from
    /// another task or clone), as `await server.serve_forever()` does; the
    /// server already accepts connections without it.
    ///
    /// ```
    /// # corio::run(async {
    /// let server = corio::net::start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
    /// let handle = server.clone();
    /// let stop = corio::spawn(async move { handle.close() });
    /// server.serve_forever().await;
    /// # stop.await.unwrap();
    /// # });
    /// ```
    pub async fn serve_forever(&self) {
        poll_fn(|cx| {
            let mut state = lock(&self.inner.shared.state);
            if !state.serving {
                return Poll::Ready(());
            }
            add_waker(&mut state.waiters, cx.waker());
            Poll::Pending
        })
        .await;
    }

    /// Stops accepting and closes the listening socket (asynchronously: see
    /// [`wait_closed`](Self::wait_closed)). Connections already accepted go
    /// on. Idempotent.
    ///
    /// ```
    /// # corio::run(async {
    /// let server = corio::net::start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
    /// server.close();
    /// server.wait_closed().await;
    /// let refused = corio::net::open_connection(server.local_addr()).await.unwrap_err();
    /// assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    /// # });
    /// ```
    pub fn close(&self) {
        self.inner.shared.stop_serving();
        self.inner.accept_task.cancel();
    }

    /// Waits until the server is closed: the accept loop has stopped (its
    /// socket is closed) and, as in asyncio 3.12+, every connection handler
    /// has finished. Before [`close`](Self::close) it waits for it.
    ///
    /// ```
    /// # corio::run(async {
    /// let server = corio::net::start_server(
    ///     |mut reader: corio::net::StreamReader, _| async move { let _ = reader.read_to_end().await; },
    ///     "127.0.0.1:0",
    /// ).await.unwrap();
    /// let (_reader, writer) = corio::net::open_connection(server.local_addr()).await.unwrap();
    /// server.close();
    /// drop(writer); // the handler sees the end of stream and returns
    /// server.wait_closed().await;
    /// assert_eq!(server.active_connections(), 0);
    /// # });
    /// ```
    pub async fn wait_closed(&self) {
        poll_fn(|cx| {
            let mut state = lock(&self.inner.shared.state);
            if !state.accepting && state.connections == 0 {
                return Poll::Ready(());
            }
            add_waker(&mut state.waiters, cx.waker());
            Poll::Pending
        })
        .await;
    }

    /// How many connection handlers are running.
    ///
    /// ```
    /// # corio::run(async {
    /// let server = corio::net::start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
    /// assert_eq!(server.active_connections(), 0);
    /// # });
    /// ```
    pub fn active_connections(&self) -> usize {
        lock(&self.inner.shared.state).connections
    }

    /// How many `accept` calls have failed so far (each out-of-descriptors
    /// retry counts).
    ///
    /// ```
    /// # corio::run(async {
    /// let server = corio::net::start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
    /// assert_eq!(server.accept_errors(), 0);
    /// # });
    /// ```
    pub fn accept_errors(&self) -> u64 {
        lock(&self.inner.shared.state).accept_errors
    }

    /// The last error `accept` gave (for example `EMFILE`: "Too many open
    /// files"), if any.
    ///
    /// ```
    /// # corio::run(async {
    /// let server = corio::net::start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
    /// assert!(server.last_accept_error().is_none());
    /// # });
    /// ```
    pub fn last_accept_error(&self) -> Option<io::Error> {
        lock(&self.inner.shared.state)
            .last_error
            .map(|(kind, code)| code.map_or_else(|| kind.into(), io::Error::from_raw_os_error))
    }
}
