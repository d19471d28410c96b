//! `async for`: iterating over values that take awaiting to produce. The
//! seeds' async iterators: the `async_range` generator, one number a second
//! (tutorial 000, line 110); the `AsyncRange` class, one every 0.5 s (001
//! line 623); a database cursor, 1 s to execute then 0.1 s a row (001 line
//! 650); and a file reader that is a context manager and an iterator at once
//! (001 line 722).
//!
//! `cargo run --release --example async_streams`
//!
//! asyncio (tutorial 001, line 623):
//!
//! ```python
//! class AsyncRange:
//!     def __aiter__(self):
//!         return self
//!     async def __anext__(self):
//!         if self.current >= self.end:
//!             raise StopAsyncIteration
//!         await asyncio.sleep(0.5)
//!         value = self.current
//!         self.current += 1
//!         return value
//!
//! async def main():
//!     async for number in AsyncRange(1, 5):
//!         print(f"Got number: {number}")
//! ```
//!
//! `__anext__` is `Stream::poll_next`, `StopAsyncIteration` is `None`, and
//! `async for x in s` is `while let Some(x) = next(&mut s).await`. Rust has
//! no stable async generators: the generator becomes a task that sends into
//! a channel (whose `Receiver` is a `Stream`); it may run one item ahead.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_core::Stream;

/// `anext(stream)`: the next item, `None` at the end (`StreamExt::next`).
async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// An async iterator that yields the items of `items`, each after `delay`.
struct Paced<I: Iterator> {
    items: I,
    delay: Duration,
    /// The item being waited for, and its sleep.
    waiting: Option<(I::Item, corio::time::Sleep)>,
}

impl<I: Iterator + Unpin> Stream for Paced<I>
where
    I::Item: Unpin,
{
    type Item = I::Item;

    /// `async def __anext__(self)`
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        if self.waiting.is_none() {
            let Some(item) = self.items.next() else {
                return Poll::Ready(None); // raise StopAsyncIteration
            };
            let sleep = corio::sleep(self.delay);
            self.waiting = Some((item, sleep));
        }
        let (_, sleep) = self.waiting.as_mut().expect("set above");
        ready!(Pin::new(sleep).poll(cx)); // await asyncio.sleep(delay)
        Poll::Ready(self.waiting.take().map(|(item, _)| item))
    }
}

fn paced<I: IntoIterator>(items: I, delay: Duration) -> Paced<I::IntoIter> {
    Paced {
        items: items.into_iter(),
        delay,
        waiting: None,
    }
}

/// Tutorial 000: `async def async_range(start, stop)`, a generator run as a task.
fn async_range(start: u32, stop: u32) -> corio::sync::Receiver<u32> {
    let (tx, rx) = corio::sync::channel(1);
    corio::spawn(async move {
        for i in start..stop {
            corio::sleep(Duration::from_secs(1)).await;
            if tx.send(i).await.is_err() {
                return; // the loop stopped listening
            }
        }
    });
    rx
}

#[corio::main]
async fn main() {
    // asyncio: async for number in async_range(1, 5): print(number)
    let mut numbers = async_range(1, 5);
    while let Some(number) = next(&mut numbers).await {
        println!("{number}");
    }
    println!();

    // asyncio: async for number in AsyncRange(1, 5): print(f"Got number: {number}")
    let mut range = paced(1..5, Duration::from_millis(500));
    while let Some(number) = next(&mut range).await {
        println!("Got number: {number}");
    }
    println!();

    // asyncio: cursor = AsyncDatabaseCursor("SELECT * FROM users"); await cursor.execute()
    corio::sleep(Duration::from_secs(1)).await; // Simulate the database query
    let rows = [(1, "Alice"), (2, "Bob"), (3, "Charlie")];
    let mut cursor = paced(rows, Duration::from_millis(100)); // Simulate fetching each row
    while let Some((_id, name)) = next(&mut cursor).await {
        println!("User: {name}");
    }
    println!();

    // asyncio: async with AsyncFileReader("data.txt") as reader: async for line in reader: print(line)
    corio::sleep(Duration::from_millis(500)).await; // __aenter__: Simulate async file opening
    let mut reader = paced(["Line 1", "Line 2", "Line 3"], Duration::from_millis(100));
    while let Some(line) = next(&mut reader).await {
        println!("{line}");
    }
    corio::sleep(Duration::from_millis(200)).await; // __aexit__
    drop(reader);
}
