//! Files, like aiofiles: every blocking file system call runs on the
//! runtime's blocking pool ([`spawn_blocking`](crate::spawn_blocking)), so a
//! task that reads a file never stalls a worker.
//!
//! | aiofiles / asyncio | corio | difference |
//! | --- | --- | --- |
//! | `async with aiofiles.open(p) as f: await f.read()` | [`read(p).await`](read), [`read_to_string(p).await`](read_to_string) | whole-file helpers, as `pathlib.Path.read_bytes` |
//! | `async with aiofiles.open(p, 'w') as f: await f.write(s)` | [`write(p, s).await`](fn@write) | |
//! | `aiofiles.open(p, mode)` | [`File::open`], [`File::create`], [`OpenOptions`] | the mode is a builder, as in std; closed on drop |
//! | `f.read(n)`, `f.write(b)`, `f.seek(o)`, `f.flush()` | [`File::read`], [`File::write`], [`File::seek`], [`File::flush`] (and `futures_io`'s `AsyncRead`/`AsyncWrite`/`AsyncSeek`) | writes are write-behind: an error can surface on the next call or on `flush` |
//! | `async for line in f` | [`File::lines`] (a `futures_core::Stream` of `String`s) | lines come without their `\n` (or `\r\n`), as std's `lines()` |
//! | `os.fsync(f.fileno())` | [`File::sync_all`], [`File::sync_data`] | |
//! | `aiofiles.os.stat`, `rename`, `remove`, `makedirs`, `mkdir`, `rmdir`, `scandir` | [`metadata`], [`rename`], [`remove_file`], [`create_dir_all`], [`create_dir`], [`remove_dir`], [`read_dir`] (a `Stream`) | |
//! | `shutil.copyfile`, `shutil.rmtree` (in a thread) | [`copy`], [`remove_dir_all`] | |
//!
//! Like [`spawn_blocking`](crate::spawn_blocking), these functions must run
//! inside a corio runtime (they panic outside one, with a message saying so).
//! A panic in the blocking call comes back out of the `.await`; a runtime
//! shutting down before the call ran gives an `io::Error`.
//!
//! A [`File`] has one blocking operation in flight at a time and a buffer of
//! at most 2 MiB, as tokio's `File`: a read reads ahead into the buffer, a
//! write copies into it and returns at once while the pool writes it
//! (call [`File::flush`] to wait and see errors).
//!
//! # Example
//!
//! ```
//! use futures_core::Stream;
//!
//! corio::run(async {
//!     let dir = std::env::temp_dir().join(format!("corio-fs-example-{}", std::process::id()));
//!     corio::fs::create_dir_all(&dir).await?;
//!     let path = dir.join("greeting.txt");
//!
//!     corio::fs::write(&path, "hello\nworld\n").await?;
//!     assert_eq!(corio::fs::read_to_string(&path).await?, "hello\nworld\n");
//!
//!     let mut lines = corio::fs::File::open(&path).await?.lines();
//!     let mut seen = Vec::new();
//!     while let Some(line) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut lines).poll_next(cx)).await {
//!         seen.push(line?);
//!     }
//!     assert_eq!(seen, ["hello", "world"]);
//!
//!     corio::fs::remove_dir_all(&dir).await?;
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs as stdfs;
use std::future::{Future, poll_fn};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use corio_executor::{Task, TaskError};
use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};

/// The largest buffer a [`File`] hands to one blocking call (tokio's figure).
const MAX_BUF: usize = 2 * 1024 * 1024;
/// A [`File`] read asks the pool for at least this much (read-ahead).
const MIN_READ: usize = 8 * 1024;
/// Directory entries fetched per trip to the pool.
const DIR_BATCH: usize = 32;

fn blocking_failed(e: TaskError) -> io::Error {
    if e.is_panic() {
        std::panic::resume_unwind(e.into_panic());
    }
    io::Error::other(format!(
        "corio::fs: the blocking call did not run ({e}): the runtime is shutting down"
    ))
}

/// Runs `f` on the blocking pool.
async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match corio_executor::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) => Err(blocking_failed(e)),
    }
}

/// Reads a whole file into bytes: `std::fs::read` on the blocking pool.
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("data.bin");
/// corio::fs::write(&path, [1u8, 2, 3]).await.unwrap();
/// assert_eq!(corio::fs::read(&path).await.unwrap(), [1, 2, 3]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || stdfs::read(path)).await
}

/// Reads a whole UTF-8 file into a `String`: `std::fs::read_to_string` on the blocking pool.
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("note.txt");
/// corio::fs::write(&path, "hi").await.unwrap();
/// assert_eq!(corio::fs::read_to_string(&path).await.unwrap(), "hi");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || stdfs::read_to_string(path)).await
}

/// Creates or truncates a file and writes `contents`: `std::fs::write` on
/// the blocking pool (the bytes are copied first).
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// corio::fs::write(dir.join("out.txt"), "contents").await.unwrap();
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || stdfs::write(path, contents)).await
}

/// Copies a file's contents (and permissions) to another path; returns the
/// number of bytes copied: `std::fs::copy` on the blocking pool.
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// corio::fs::write(dir.join("a"), "abc").await.unwrap();
/// assert_eq!(corio::fs::copy(dir.join("a"), dir.join("b")).await.unwrap(), 3);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || stdfs::copy(from, to)).await
}

/// Renames a file or directory, replacing `to` if it is a file:
/// `std::fs::rename` on the blocking pool (asyncio users: `os.replace`).
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// corio::fs::write(dir.join("old"), "x").await.unwrap();
/// corio::fs::rename(dir.join("old"), dir.join("new")).await.unwrap();
/// assert!(!dir.join("old").exists());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || stdfs::rename(from, to)).await
}

/// Removes a file: `std::fs::remove_file` on the blocking pool.
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// corio::fs::write(dir.join("tmp"), "x").await.unwrap();
/// corio::fs::remove_file(dir.join("tmp")).await.unwrap();
/// let err = corio::fs::remove_file(dir.join("tmp")).await.unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || stdfs::remove_file(path)).await
}

/// Creates a directory (its parent must exist): `std::fs::create_dir` on the blocking pool.
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// corio::fs::create_dir(dir.join("sub")).await.unwrap();
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || stdfs::create_dir(path)).await
}

/// Creates a directory and any missing parents (`os.makedirs(p, exist_ok=True)`):
/// `std::fs::create_dir_all` on the blocking pool.
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// corio::fs::create_dir_all(dir.join("a/b/c")).await.unwrap();
/// assert!(dir.join("a/b/c").is_dir());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || stdfs::create_dir_all(path)).await
}

/// Removes an empty directory: `std::fs::remove_dir` on the blocking pool.
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(dir.join("empty")).unwrap();
/// corio::fs::remove_dir(dir.join("empty")).await.unwrap();
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || stdfs::remove_dir(path)).await
}

/// Removes a directory and everything in it: `std::fs::remove_dir_all` on the blocking pool.
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(dir.join("x/y")).unwrap();
/// corio::fs::remove_dir_all(&dir).await.unwrap();
/// assert!(!dir.exists());
/// # });
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || stdfs::remove_dir_all(path)).await
}

/// A path's metadata, following symlinks (`os.stat`): `std::fs::metadata` on the blocking pool.
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// corio::fs::write(dir.join("f"), "12345").await.unwrap();
/// let meta = corio::fs::metadata(dir.join("f")).await.unwrap();
/// assert!(meta.is_file());
/// assert_eq!(meta.len(), 5);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<stdfs::Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || stdfs::metadata(path)).await
}

// ---- read_dir ----------------------------------------------------------------

/// Lists a directory (`os.scandir`): a [`ReadDir`] stream of its entries,
/// fetched from the blocking pool 32 at a time. `.` and `..` are skipped;
/// the order is the file system's.
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// corio::fs::write(dir.join("one"), "").await.unwrap();
/// let mut entries = corio::fs::read_dir(&dir).await.unwrap();
/// let mut names = Vec::new();
/// while let Some(entry) = entries.next_entry().await.unwrap() {
///     names.push(entry.file_name());
/// }
/// assert_eq!(names, ["one"]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify(move || stdfs::read_dir(path)).await?;
    Ok(ReadDir {
        std: Some(std),
        buffered: VecDeque::new(),
        pending: None,
        done: false,
    })
}

type DirBatch = (stdfs::ReadDir, VecDeque<io::Result<DirEntry>>, bool);

/// The entries of a directory, from [`read_dir`]: a `futures_core::Stream`
/// of `io::Result<DirEntry>`, also readable with [`next_entry`](ReadDir::next_entry).
///
/// ```
/// use futures_core::Stream;
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # std::fs::write(dir.join("f"), "").unwrap();
/// let mut entries = corio::fs::read_dir(&dir).await.unwrap();
/// let mut count = 0;
/// while let Some(entry) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut entries).poll_next(cx)).await {
///     entry.unwrap();
///     count += 1;
/// }
/// assert_eq!(count, 1);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct ReadDir {
    /// The std iterator, when no batch is being fetched.
    std: Option<stdfs::ReadDir>,
    buffered: VecDeque<io::Result<DirEntry>>,
    pending: Option<Task<DirBatch>>,
    done: bool,
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir")
            .field("buffered", &self.buffered.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl ReadDir {
    /// The next entry, or `None` at the end.
    ///
    /// ```
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let mut entries = corio::fs::read_dir(&dir).await.unwrap();
    /// assert!(entries.next_entry().await.unwrap().is_none()); // empty directory
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_entry(cx)).await.transpose()
    }

    fn poll_entry(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<DirEntry>>> {
        loop {
            if let Some(entry) = self.buffered.pop_front() {
                return Poll::Ready(Some(entry));
            }
            if self.done {
                return Poll::Ready(None);
            }
            if let Some(task) = self.pending.as_mut() {
                let fetched = ready!(Pin::new(task).poll(cx));
                self.pending = None;
                match fetched {
                    Ok((std, batch, done)) => {
                        self.std = Some(std);
                        self.buffered = batch;
                        self.done = done;
                    }
                    Err(e) => {
                        self.done = true;
                        return Poll::Ready(Some(Err(blocking_failed(e))));
                    }
                }
                continue;
            }
            let Some(mut std) = self.std.take() else {
                self.done = true;
                continue;
            };
            self.pending = Some(corio_executor::spawn_blocking(move || {
                let mut batch = VecDeque::with_capacity(DIR_BATCH);
                for _ in 0..DIR_BATCH {
                    match std.next() {
                        Some(entry) => batch.push_back(entry.map(|e| DirEntry(Arc::new(e)))),
                        None => return (std, batch, true),
                    }
                }
                (std, batch, false)
            }));
        }
    }
}

impl futures_core::Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_entry(cx)
    }
}

/// One entry of a [`ReadDir`].
///
/// ```
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # std::fs::write(dir.join("f.txt"), "abc").unwrap();
/// let mut entries = corio::fs::read_dir(&dir).await.unwrap();
/// let entry = entries.next_entry().await.unwrap().unwrap();
/// assert_eq!(entry.file_name(), "f.txt");
/// assert_eq!(entry.path(), dir.join("f.txt"));
/// assert!(entry.file_type().await.unwrap().is_file());
/// assert_eq!(entry.metadata().await.unwrap().len(), 3);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct DirEntry(Arc<stdfs::DirEntry>);

impl DirEntry {
    /// The entry's full path (the directory's path joined with the file name).
    ///
    /// ```
    /// # fn f(entry: corio::fs::DirEntry) {
    /// println!("{}", entry.path().display());
    /// # }
    /// ```
    pub fn path(&self) -> PathBuf {
        self.0.path()
    }

    /// The entry's file name.
    ///
    /// ```
    /// # fn f(entry: corio::fs::DirEntry) {
    /// println!("{}", entry.file_name().to_string_lossy());
    /// # }
    /// ```
    pub fn file_name(&self) -> OsString {
        self.0.file_name()
    }

    /// The entry's metadata, not following symlinks, on the blocking pool.
    ///
    /// ```
    /// # async fn f(entry: corio::fs::DirEntry) -> std::io::Result<()> {
    /// let len = entry.metadata().await?.len();
    /// # let _ = len; Ok(()) }
    /// ```
    pub async fn metadata(&self) -> io::Result<stdfs::Metadata> {
        let entry = self.0.clone();
        asyncify(move || entry.metadata()).await
    }

    /// The entry's file type, on the blocking pool (usually known from the
    /// listing itself, without another system call).
    ///
    /// ```
    /// # async fn f(entry: corio::fs::DirEntry) -> std::io::Result<()> {
    /// if entry.file_type().await?.is_dir() { /* recurse */ }
    /// # Ok(()) }
    /// ```
    pub async fn file_type(&self) -> io::Result<stdfs::FileType> {
        let entry = self.0.clone();
        asyncify(move || entry.file_type()).await
    }
}

// ---- File --------------------------------------------------------------------

/// Options for opening a [`File`], as `std::fs::OpenOptions` (the `mode`
/// string of `aiofiles.open`): `read`, `write`, `append`, `truncate`,
/// `create`, `create_new`.
///
/// ```
/// use corio::fs::OpenOptions;
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("log.txt");
/// let mut log = OpenOptions::new().append(true).create(true).open(&path).await.unwrap();
/// log.write_all(b"first\n").await.unwrap();
/// log.flush().await.unwrap();
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct OpenOptions(stdfs::OpenOptions);

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions::new()
    }
}

impl OpenOptions {
    /// All options off (as `std::fs::OpenOptions::new`).
    ///
    /// ```
    /// let options = corio::fs::OpenOptions::new();
    /// # let _ = options;
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions(stdfs::OpenOptions::new())
    }

    /// Open for reading (`'r'`).
    ///
    /// ```
    /// let mut options = corio::fs::OpenOptions::new();
    /// options.read(true);
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Open for writing (`'w'` without truncation; see [`truncate`](Self::truncate)).
    ///
    /// ```
    /// let mut options = corio::fs::OpenOptions::new();
    /// options.write(true);
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Every write goes to the end of the file (`'a'`).
    ///
    /// ```
    /// let mut options = corio::fs::OpenOptions::new();
    /// options.append(true);
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Truncate the file to 0 bytes on open (needs `write`).
    ///
    /// ```
    /// let mut options = corio::fs::OpenOptions::new();
    /// options.write(true).truncate(true);
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Create the file if it is missing (needs `write` or `append`).
    ///
    /// ```
    /// let mut options = corio::fs::OpenOptions::new();
    /// options.write(true).create(true);
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Create the file, failing if it exists (`'x'`).
    ///
    /// ```
    /// let mut options = corio::fs::OpenOptions::new();
    /// options.write(true).create_new(true);
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// Opens `path` with these options, on the blocking pool.
    ///
    /// ```
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let file = corio::fs::OpenOptions::new()
    ///     .write(true)
    ///     .create_new(true)
    ///     .open(dir.join("fresh"))
    ///     .await
    ///     .unwrap();
    /// # drop(file);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let options = self.0.clone();
        let std = asyncify(move || options.open(path)).await?;
        Ok(File::from_std(std))
    }
}

/// The buffer a [`File`] lends to its blocking calls.
#[derive(Default)]
struct Buf {
    buf: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.buf.len() - self.pos);
        dst[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        n
    }

    fn copy_from(&mut self, src: &[u8]) -> usize {
        let n = src.len().min(MAX_BUF);
        self.buf.extend_from_slice(&src[..n]);
        n
    }

    fn read_from(&mut self, file: &stdfs::File, max: usize) -> io::Result<usize> {
        self.buf.resize(max, 0);
        let result = loop {
            match (&mut &*file).read(&mut self.buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        self.buf.truncate(*result.as_ref().unwrap_or(&0));
        self.pos = 0;
        result
    }

    fn write_to(&mut self, file: &stdfs::File) -> io::Result<()> {
        let result = (&mut &*file).write_all(&self.buf[self.pos..]);
        self.buf.clear();
        self.pos = 0;
        result
    }

    /// Drops the read-ahead; returns how far the OS file position is ahead
    /// of the caller's position, as a (non-positive) relative seek.
    fn discard_read(&mut self) -> i64 {
        let ahead = (self.buf.len() - self.pos) as i64;
        self.buf.clear();
        self.pos = 0;
        -ahead
    }
}

enum Operation {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
}

enum State {
    Idle(Option<Buf>),
    Busy(Task<(Operation, Buf)>),
}

/// An open file whose reads, writes and seeks run on the blocking pool:
/// aiofiles' file object. Implements `futures_io::AsyncRead`, `AsyncWrite`
/// and `AsyncSeek`, and has the usual methods inherent, so no extension
/// trait is needed. Closed when dropped (call [`flush`](File::flush) first to
/// see write errors: writes are write-behind).
///
/// ```
/// use std::io::SeekFrom;
/// # corio::run(async {
/// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("file.txt");
/// let mut file = corio::fs::File::create(&path).await.unwrap();
/// file.write_all(b"hello world").await.unwrap();
/// file.flush().await.unwrap();
///
/// let mut file = corio::fs::File::open(&path).await.unwrap();
/// file.seek(SeekFrom::Start(6)).await.unwrap();
/// let mut word = String::new();
/// file.read_to_string(&mut word).await.unwrap();
/// assert_eq!(word, "world");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
pub struct File {
    std: Arc<stdfs::File>,
    state: State,
    /// The kind of a failed write-behind, reported by the next write or flush.
    last_write_err: Option<io::ErrorKind>,
    /// The position of the seek `poll_seek` started and has not returned yet.
    seeking: Option<SeekFrom>,
    /// The seek tokio's `start_seek` asked for, until `poll_complete` returns it.
    #[cfg(feature = "tokio-io")]
    tokio_seek: Option<SeekFrom>,
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File")
            .field("std", &self.std)
            .field("busy", &matches!(self.state, State::Busy(_)))
            .finish_non_exhaustive()
    }
}

impl File {
    /// Opens a file for reading (`aiofiles.open(p, 'rb')`).
    ///
    /// ```
    /// # corio::run(async {
    /// let err = corio::fs::File::open("/no/such/file").await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Creates or truncates a file for writing (`aiofiles.open(p, 'wb')`).
    ///
    /// ```
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let mut file = corio::fs::File::create(dir.join("new.txt")).await.unwrap();
    /// file.write_all(b"data").await.unwrap();
    /// file.sync_all().await.unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Options to open a file with; see [`OpenOptions`].
    ///
    /// ```
    /// let mut options = corio::fs::File::options();
    /// options.read(true).write(true);
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open std file.
    ///
    /// ```
    /// # corio::run(async {
    /// let std_file = std::fs::File::open("/dev/null").unwrap();
    /// let mut file = corio::fs::File::from_std(std_file);
    /// let mut buf = [0u8; 4];
    /// assert_eq!(file.read(&mut buf).await.unwrap(), 0);
    /// # });
    /// ```
    pub fn from_std(std: stdfs::File) -> File {
        File {
            std: Arc::new(std),
            state: State::Idle(Some(Buf::default())),
            last_write_err: None,
            seeking: None,
            #[cfg(feature = "tokio-io")]
            tokio_seek: None,
        }
    }

    /// Waits for the operation in flight, then returns the std file,
    /// positioned where this file's reads and writes left it.
    ///
    /// ```
    /// # corio::run(async {
    /// let file = corio::fs::File::open("/dev/null").await.unwrap();
    /// let std_file: std::fs::File = file.into_std().await.unwrap();
    /// # drop(std_file);
    /// # });
    /// ```
    pub async fn into_std(mut self) -> io::Result<stdfs::File> {
        poll_fn(|cx| self.poll_idle(cx)).await?;
        if let Some(kind) = self.last_write_err.take() {
            return Err(kind.into());
        }
        let back = self.idle_buf().discard_read();
        let std = self.std.clone();
        drop(self);
        if back != 0 {
            let seek_std = std.clone();
            asyncify(move || (&mut &*seek_std).seek(SeekFrom::Current(back))).await?;
        }
        Arc::try_unwrap(std)
            .map_err(|_| io::Error::other("corio::fs::File::into_std: the file is still shared"))
    }

    /// Reads into `buf`; 0 at the end of the file.
    ///
    /// ```
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # std::fs::write(dir.join("f"), "abc").unwrap();
    /// let mut file = corio::fs::File::open(dir.join("f")).await.unwrap();
    /// let mut buf = [0u8; 2];
    /// assert_eq!(file.read(&mut buf).await.unwrap(), 2);
    /// assert_eq!(&buf, b"ab");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| Pin::new(&mut *self).poll_read(cx, buf)).await
    }

    /// Reads to the end of the file, appending to `buf`; returns how many bytes were read.
    ///
    /// ```
    /// # corio::run(async {
    /// let mut file = corio::fs::File::open("/dev/null").await.unwrap();
    /// let mut all = Vec::new();
    /// assert_eq!(file.read_to_end(&mut all).await.unwrap(), 0);
    /// # });
    /// ```
    pub async fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let mut chunk = vec![0u8; 64 * 1024];
        let mut total = 0;
        loop {
            match self.read(&mut chunk).await? {
                0 => return Ok(total),
                n => {
                    buf.extend_from_slice(&chunk[..n]);
                    total += n;
                }
            }
        }
    }

    /// Reads the rest of a UTF-8 file, appending to `buf`; an `InvalidData`
    /// error (and `buf` untouched) if it is not UTF-8.
    ///
    /// ```
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # std::fs::write(dir.join("f"), "text").unwrap();
    /// let mut file = corio::fs::File::open(dir.join("f")).await.unwrap();
    /// let mut text = String::new();
    /// file.read_to_string(&mut text).await.unwrap();
    /// assert_eq!(text, "text");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn read_to_string(&mut self, buf: &mut String) -> io::Result<usize> {
        let mut bytes = Vec::new();
        let n = self.read_to_end(&mut bytes).await?;
        let text =
            String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        buf.push_str(&text);
        Ok(n)
    }

    /// Writes some of `buf` (at most 2 MiB) into the file's buffer and starts
    /// writing it on the pool; returns how many bytes were taken. An error of
    /// an earlier write comes out here or from [`flush`](Self::flush).
    ///
    /// ```
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let mut file = corio::fs::File::create(dir.join("f")).await.unwrap();
    /// assert_eq!(file.write(b"abc").await.unwrap(), 3);
    /// file.flush().await.unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| Pin::new(&mut *self).poll_write(cx, buf)).await
    }

    /// Writes all of `buf`.
    ///
    /// ```
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let mut file = corio::fs::File::create(dir.join("f")).await.unwrap();
    /// file.write_all(&vec![7u8; 5_000_000]).await.unwrap();
    /// file.flush().await.unwrap();
    /// assert_eq!(corio::fs::metadata(dir.join("f")).await.unwrap().len(), 5_000_000);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Waits until every write has reached the OS; returns a write's error if one failed.
    ///
    /// ```
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let mut file = corio::fs::File::create(dir.join("f")).await.unwrap();
    /// file.write_all(b"x").await.unwrap();
    /// file.flush().await.unwrap();
    /// assert_eq!(std::fs::read(dir.join("f")).unwrap(), b"x");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| Pin::new(&mut *self).poll_flush(cx)).await
    }

    /// Moves the file position; returns the new position from the start.
    ///
    /// ```
    /// use std::io::SeekFrom;
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # std::fs::write(dir.join("f"), "0123456789").unwrap();
    /// let mut file = corio::fs::File::open(dir.join("f")).await.unwrap();
    /// assert_eq!(file.seek(SeekFrom::End(-3)).await.unwrap(), 7);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        poll_fn(|cx| Pin::new(&mut *self).poll_seek(cx, pos)).await
    }

    /// Flushes, then `fsync`s data and metadata (`os.fsync`).
    ///
    /// ```
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let mut file = corio::fs::File::create(dir.join("f")).await.unwrap();
    /// file.write_all(b"durable").await.unwrap();
    /// file.sync_all().await.unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.flush().await?;
        let std = self.std.clone();
        asyncify(move || std.sync_all()).await
    }

    /// Flushes, then `fdatasync`s (data, and only the metadata needed to read it).
    ///
    /// ```
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let mut file = corio::fs::File::create(dir.join("f")).await.unwrap();
    /// file.write_all(b"data").await.unwrap();
    /// file.sync_data().await.unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.flush().await?;
        let std = self.std.clone();
        asyncify(move || std.sync_data()).await
    }

    /// Truncates or extends the file to `len` bytes (after the writes in flight).
    ///
    /// ```
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let mut file = corio::fs::File::create(dir.join("f")).await.unwrap();
    /// file.set_len(100).await.unwrap();
    /// assert_eq!(file.metadata().await.unwrap().len(), 100);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub async fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.flush().await?;
        let back = self.idle_buf().discard_read();
        let std = self.std.clone();
        asyncify(move || {
            if back != 0 {
                (&mut &*std).seek(SeekFrom::Current(back))?;
            }
            std.set_len(len)
        })
        .await
    }

    /// The file's metadata (`os.fstat`), on the blocking pool.
    ///
    /// ```
    /// # corio::run(async {
    /// let file = corio::fs::File::open("/dev/null").await.unwrap();
    /// assert!(!file.metadata().await.unwrap().is_dir());
    /// # });
    /// ```
    pub async fn metadata(&self) -> io::Result<stdfs::Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// The lines of the rest of the file, as a `futures_core::Stream` of
    /// `io::Result<String>` without the line endings (`\n` or `\r\n`):
    /// `async for line in f`. Invalid UTF-8 gives an `InvalidData` error.
    ///
    /// ```
    /// use futures_core::Stream;
    /// # corio::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-fs-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # std::fs::write(dir.join("f"), "a\r\nb\nc").unwrap();
    /// let mut lines = corio::fs::File::open(dir.join("f")).await.unwrap().lines();
    /// let mut all = Vec::new();
    /// while let Some(line) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut lines).poll_next(cx)).await {
    ///     all.push(line.unwrap());
    /// }
    /// assert_eq!(all, ["a", "b", "c"]);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # });
    /// ```
    pub fn lines(self) -> FileLines {
        FileLines {
            file: self,
            buf: Vec::new(),
            start: 0,
            end: 0,
            scanned: 0,
            eof: false,
        }
    }

    /// The idle state's buffer (only after `poll_idle` returned ready).
    fn idle_buf(&mut self) -> &mut Buf {
        match &mut self.state {
            State::Idle(Some(buf)) => buf,
            _ => unreachable!("the file is idle here"),
        }
    }

    /// Waits for the operation in flight, keeping a failed write's error.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if matches!(self.state, State::Busy(_)) {
            let (op, buf) = ready!(self.poll_task(cx))?;
            self.state = State::Idle(Some(buf));
            self.note(op);
        }
        Poll::Ready(Ok(()))
    }

    fn note(&mut self, op: Operation) {
        match op {
            Operation::Write(Err(e)) => self.last_write_err = Some(e.kind()),
            Operation::Seek(_) => self.seeking = None,
            _ => {}
        }
    }

    /// Polls the operation in flight (the state must be busy). If the pool
    /// could not run it (the runtime is shutting down), the file becomes idle
    /// with an empty buffer and the error is returned.
    fn poll_task(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(Operation, Buf)>> {
        let State::Busy(task) = &mut self.state else {
            unreachable!("only called when busy")
        };
        match ready!(Pin::new(task).poll(cx)) {
            Ok(done) => Poll::Ready(Ok(done)),
            Err(e) => {
                self.state = State::Idle(Some(Buf::default()));
                Poll::Ready(Err(blocking_failed(e)))
            }
        }
    }

    fn spawn(&mut self, f: impl FnOnce() -> (Operation, Buf) + Send + 'static) {
        self.state = State::Busy(corio_executor::spawn_blocking(f));
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if dst.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            match &mut this.state {
                State::Idle(slot) => {
                    let mut buf = slot.take().expect("an idle file has its buffer");
                    if !buf.is_empty() {
                        let n = buf.copy_to(dst);
                        *slot = Some(buf);
                        return Poll::Ready(Ok(n));
                    }
                    let std = this.std.clone();
                    let max = dst.len().clamp(MIN_READ, MAX_BUF);
                    this.spawn(move || {
                        let result = buf.read_from(&std, max);
                        (Operation::Read(result), buf)
                    });
                }
                State::Busy(_) => {
                    let (op, mut buf) = ready!(this.poll_task(cx))?;
                    match op {
                        Operation::Read(Ok(_)) => {
                            // 0 bytes read is the end of the file: report it, do not read again.
                            let n = buf.copy_to(dst);
                            this.state = State::Idle(Some(buf));
                            return Poll::Ready(Ok(n));
                        }
                        Operation::Read(Err(e)) => {
                            buf.discard_read();
                            this.state = State::Idle(Some(buf));
                            return Poll::Ready(Err(e));
                        }
                        other => {
                            this.state = State::Idle(Some(buf));
                            this.note(other);
                        }
                    }
                }
            }
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(kind) = this.last_write_err.take() {
            return Poll::Ready(Err(kind.into()));
        }
        loop {
            match &mut this.state {
                State::Idle(slot) => {
                    let mut buf = slot.take().expect("an idle file has its buffer");
                    // Read-ahead moved the OS position past the caller's: go back first.
                    let back = if buf.is_empty() {
                        0
                    } else {
                        buf.discard_read()
                    };
                    let n = buf.copy_from(src);
                    let std = this.std.clone();
                    this.spawn(move || {
                        let result = if back != 0 {
                            (&mut &*std)
                                .seek(SeekFrom::Current(back))
                                .and_then(|_| buf.write_to(&std))
                        } else {
                            buf.write_to(&std)
                        };
                        (Operation::Write(result), buf)
                    });
                    return Poll::Ready(Ok(n));
                }
                State::Busy(_) => {
                    let (op, buf) = ready!(this.poll_task(cx))?;
                    this.state = State::Idle(Some(buf));
                    match op {
                        Operation::Write(Err(e)) => return Poll::Ready(Err(e)),
                        other => this.note(other),
                    }
                }
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_idle(cx))?;
        match this.last_write_err.take() {
            Some(kind) => Poll::Ready(Err(kind.into())),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Idle(slot) => {
                    let mut buf = slot.take().expect("an idle file has its buffer");
                    let mut target = pos;
                    if !buf.is_empty() {
                        let back = buf.discard_read();
                        if let SeekFrom::Current(offset) = &mut target {
                            *offset += back;
                        }
                    }
                    let std = this.std.clone();
                    this.seeking = Some(pos);
                    this.spawn(move || {
                        let result = (&mut &*std).seek(target);
                        (Operation::Seek(result), buf)
                    });
                }
                State::Busy(_) => {
                    let (op, buf) = ready!(this.poll_task(cx))?;
                    this.state = State::Idle(Some(buf));
                    match op {
                        Operation::Seek(result) if this.seeking == Some(pos) => {
                            this.seeking = None;
                            return Poll::Ready(result);
                        }
                        other => this.note(other),
                    }
                }
            }
        }
    }
}

/// tokio's read trait (feature `tokio-io`), for tokio-based libraries: the
/// same read-ahead as the `futures_io` one.
///
/// ```
/// use tokio::io::AsyncRead;
/// # corio::run(async {
/// let mut file = corio::fs::File::open("/dev/null").await.unwrap();
/// let mut storage = [0u8; 8];
/// let mut buf = tokio::io::ReadBuf::new(&mut storage);
/// std::future::poll_fn(|cx| std::pin::Pin::new(&mut file).poll_read(cx, &mut buf)).await.unwrap();
/// assert!(buf.filled().is_empty()); // end of file
/// # });
/// ```
#[cfg(feature = "tokio-io")]
impl tokio::io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = ready!(AsyncRead::poll_read(self, cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

/// tokio's write trait (feature `tokio-io`): write-behind as the
/// `futures_io` one; `poll_shutdown` flushes (the file closes on drop).
///
/// ```
/// use tokio::io::AsyncWrite;
/// # corio::run(async {
/// let mut file = corio::fs::File::create("/dev/null").await.unwrap();
/// let n = std::future::poll_fn(|cx| std::pin::Pin::new(&mut file).poll_write(cx, b"abc")).await.unwrap();
/// assert_eq!(n, 3);
/// std::future::poll_fn(|cx| std::pin::Pin::new(&mut file).poll_shutdown(cx)).await.unwrap();
/// # });
/// ```
#[cfg(feature = "tokio-io")]
impl tokio::io::AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write(self, cx, src)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_flush(self, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_close(self, cx)
    }
}

/// tokio's seek trait (feature `tokio-io`): `start_seek` records the target
/// and `poll_complete` runs it on the blocking pool. `poll_complete` with no
/// seek started waits for the operation in flight and returns the position.
/// A second `start_seek` before the first completed is an error, as in tokio.
///
/// ```
/// use tokio::io::AsyncSeek;
/// use std::{io::SeekFrom, pin::Pin, future::poll_fn};
/// # corio::run(async {
/// # let path = std::env::temp_dir().join(format!("corio-fs-tokio-seek-{}", std::process::id()));
/// corio::fs::write(&path, "hello world").await.unwrap();
/// let mut file = corio::fs::File::open(&path).await.unwrap();
/// Pin::new(&mut file).start_seek(SeekFrom::Start(6)).unwrap();
/// assert_eq!(poll_fn(|cx| Pin::new(&mut file).poll_complete(cx)).await.unwrap(), 6);
/// let mut rest = String::new();
/// file.read_to_string(&mut rest).await.unwrap();
/// assert_eq!(rest, "world");
/// # corio::fs::remove_file(&path).await.unwrap();
/// # });
/// ```
#[cfg(feature = "tokio-io")]
impl tokio::io::AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let this = self.get_mut();
        if this.tokio_seek.is_some() {
            return Err(io::Error::other(
                "corio::fs::File: start_seek called while another seek is in progress; \
                 call poll_complete until it returns first",
            ));
        }
        this.tokio_seek = Some(position);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        let target = this.tokio_seek.unwrap_or(SeekFrom::Current(0));
        let result = ready!(AsyncSeek::poll_seek(Pin::new(&mut *this), cx, target));
        this.tokio_seek = None;
        Poll::Ready(result)
    }
}

/// The lines of a [`File`]; see [`File::lines`].
///
/// ```
/// # corio::run(async {
/// let lines: corio::fs::FileLines = corio::fs::File::open("/dev/null").await.unwrap().lines();
/// # drop(lines);
/// # });
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct FileLines {
    file: File,
    /// Initialised storage; unread bytes are `buf[start..end]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// How far (from `start`) the newline search has looked.
    scanned: usize,
    eof: bool,
}

impl FileLines {
    fn take_line(&mut self, len: usize, skip: usize) -> io::Result<String> {
        let mut line = &self.buf[self.start..self.start + len];
        if line.last() == Some(&b'\r') && skip == 1 {
            line = &line[..line.len() - 1];
        }
        let text = std::str::from_utf8(line)
            .map(str::to_owned)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e));
        self.start += len + skip;
        self.scanned = 0;
        text
    }
}

impl futures_core::Stream for FileLines {
    type Item = io::Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            let data = &this.buf[this.start..this.end];
            if let Some(i) = data[this.scanned..].iter().position(|&b| b == b'\n') {
                let len = this.scanned + i;
                return Poll::Ready(Some(this.take_line(len, 1)));
            }
            this.scanned = data.len();
            if this.eof {
                if data.is_empty() {
                    return Poll::Ready(None);
                }
                return Poll::Ready(Some(this.take_line(data.len(), 0)));
            }
            if this.start > 0 {
                this.buf.copy_within(this.start..this.end, 0);
                this.end -= this.start;
                this.start = 0;
            }
            if this.buf.len() - this.end < MIN_READ {
                let grown = (this.buf.len() * 2).max(this.end + 64 * 1024);
                this.buf.resize(grown, 0);
            }
            let end = this.end;
            match ready!(Pin::new(&mut this.file).poll_read(cx, &mut this.buf[end..])) {
                Ok(0) => this.eof = true,
                Ok(n) => this.end += n,
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
        }
    }
}
