//! [`Timeout`]: run a future with a time limit.

use crate::error::Elapsed;
use crate::sleep::Sleep;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Runs `future` with a time limit of `duration` (asyncio's
/// `asyncio.timeout` / `wait_for`, in tokio's argument order).
///
/// * The future is always polled first: if it is ready on a poll, its value
///   is returned, even when the limit has passed (so a `timeout` around a
///   future that is ready at once never touches the timer wheel, nor even
///   the clock).
/// * The limit starts at the first poll (as asyncio's `wait_for` starts when
///   awaited). With a zero limit, a future ready on its first poll returns
///   its value and any other gives [`Elapsed`]. (asyncio's
///   `wait_for(coro, 0)` differs: it never starts the coroutine.)
/// * On expiry, the future is dropped before `Err(Elapsed)` is returned.
///
/// # Example
///
/// ```
/// use std::{future::Future, pin::pin, task::{Context, Poll, Waker}, time::Duration};
///
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// let mut cx = Context::from_waker(Waker::noop());
///
/// let mut quick = pin!(corio_timer::timeout(Duration::from_secs(1), async { 7 }));
/// assert_eq!(quick.as_mut().poll(&mut cx), Poll::Ready(Ok(7)));
/// assert_eq!(timer.registrations(), 0); // never touched the wheel
///
/// let mut slow = pin!(corio_timer::timeout(Duration::from_secs(1), std::future::pending::<u8>()));
/// assert!(slow.as_mut().poll(&mut cx).is_pending());
/// timer.advance(Duration::from_secs(1));
/// assert!(matches!(slow.as_mut().poll(&mut cx), Poll::Ready(Err(_))));
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout::new(future, Limit::After(duration))
}

/// Runs `future` until `deadline` (an instant of the timer's clock); like
/// [`timeout`] otherwise. With a deadline already passed, a future ready on
/// its first poll returns its value and any other gives [`Elapsed`].
///
/// # Example
///
/// ```
/// use std::{future::Future, pin::pin, task::{Context, Poll, Waker}, time::Duration};
///
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// let deadline = timer.now() + Duration::from_millis(30);
/// let mut t = pin!(corio_timer::timeout_at(deadline, std::future::pending::<()>()));
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(t.as_mut().poll(&mut cx).is_pending());
/// timer.advance(Duration::from_millis(30));
/// assert!(t.as_mut().poll(&mut cx).is_ready());
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout::new(future, Limit::At(deadline))
}

/// asyncio's `wait_for(aw, timeout)`, in asyncio's argument order: the same
/// as [`timeout(duration, future)`](timeout).
///
/// # Example
///
/// ```
/// use std::{future::Future, pin::pin, task::{Context, Poll, Waker}, time::Duration};
///
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// let mut w = pin!(corio_timer::wait_for(async { "done" }, Duration::ZERO));
/// let res = w.as_mut().poll(&mut Context::from_waker(Waker::noop()));
/// assert_eq!(res, Poll::Ready(Ok("done")));
/// ```
pub fn wait_for<F: Future>(future: F, duration: Duration) -> Timeout<F> {
    timeout(duration, future)
}

/// The time limit of a [`Timeout`].
#[derive(Debug, Clone, Copy)]
enum Limit {
    /// Relative; becomes `At` on the first poll that needs it.
    After(Duration),
    At(Instant),
}

pin_project! {
    /// The future returned by [`timeout`], [`timeout_at`] and [`wait_for`]:
    /// the inner future's output, or [`Elapsed`] if the deadline passed
    /// first.
    ///
    /// It holds the inner future and, only once the inner future returned
    /// `Pending`, a [`Sleep`] for the deadline. Polling it after it returned
    /// `Ready` panics.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// let t: corio_timer::Timeout<std::future::Ready<u8>> =
    ///     corio_timer::timeout(Duration::from_secs(1), std::future::ready(1));
    /// assert!(t.deadline().is_none()); // not started yet
    /// assert!(t.get_ref().is_some());
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Timeout<F> {
        #[pin]
        future: Option<F>,
        limit: Limit,
        sleep: Option<Sleep>,
    }
}

impl<F> Timeout<F> {
    fn new(future: F, limit: Limit) -> Self {
        Timeout {
            future: Some(future),
            limit,
            sleep: None,
        }
    }

    /// The deadline, once known: at once for [`timeout_at`], from the first
    /// poll on for [`timeout`] and [`wait_for`] (`None` before).
    ///
    /// ```
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let at = timer.now();
    /// assert_eq!(corio_timer::timeout_at(at, async {}).deadline(), Some(at));
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        match self.limit {
            Limit::At(at) => Some(at),
            Limit::After(_) => None,
        }
    }

    /// The inner future (`None` once the `Timeout` has completed).
    ///
    /// ```
    /// let t = corio_timer::timeout(std::time::Duration::ZERO, std::future::ready(3));
    /// assert!(t.get_ref().is_some());
    /// ```
    pub fn get_ref(&self) -> Option<&F> {
        self.future.as_ref()
    }

    /// The inner future, mutably (`None` once the `Timeout` has completed).
    /// Takes `&mut self`, so it is only usable before the `Timeout` is pinned
    /// (or when it is `Unpin`).
    ///
    /// ```
    /// let mut t = corio_timer::timeout(std::time::Duration::ZERO, std::future::ready(1));
    /// assert!(t.get_mut().is_some());
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut F> {
        self.future.as_mut()
    }

    /// Takes the inner future back (`None` once the `Timeout` has completed).
    ///
    /// ```
    /// let t = corio_timer::timeout(std::time::Duration::ZERO, std::future::ready(3));
    /// assert!(t.into_inner().is_some());
    /// ```
    pub fn into_inner(self) -> Option<F> {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let future = this
            .future
            .as_mut()
            .as_pin_mut()
            .expect("`Timeout` polled after completion");
        if let Poll::Ready(out) = future.poll(cx) {
            this.future.set(None);
            *this.sleep = None;
            return Poll::Ready(Ok(out));
        }
        let sleep = match this.sleep {
            Some(sleep) => sleep,
            None => {
                let sleep = match *this.limit {
                    Limit::At(at) => Sleep::until(at),
                    Limit::After(d) if d.is_zero() => Sleep::until(crate::now()),
                    Limit::After(d) => Sleep::after(d),
                };
                *this.limit = Limit::At(sleep.deadline());
                this.sleep.insert(sleep)
            }
        };
        if Pin::new(sleep).poll(cx).is_ready() {
            // Cancel the inner future before reporting the timeout.
            this.future.set(None);
            *this.sleep = None;
            return Poll::Ready(Err(Elapsed::new()));
        }
        Poll::Pending
    }
}
