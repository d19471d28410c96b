//! [`Elapsed`]: the error of a timed-out [`timeout`](crate::timeout).

use std::fmt;

/// The error of [`timeout`](crate::timeout), [`timeout_at`](crate::timeout_at)
/// and [`wait_for`](crate::wait_for) when the deadline passed before the
/// future completed. By the time it is returned, the future has been dropped
/// (cancelled).
///
/// # Example
///
/// ```
/// use std::{future::Future, pin::pin, task::{Context, Poll, Waker}, time::Duration};
///
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// let mut t = pin!(corio_timer::timeout(Duration::ZERO, std::future::pending::<()>()));
/// let Poll::Ready(Err(e)) = t.as_mut().poll(&mut Context::from_waker(Waker::noop())) else {
///     unreachable!()
/// };
/// assert!(e.to_string().contains("timed out"));
/// let io: std::io::Error = e.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elapsed(());

impl Elapsed {
    pub(crate) fn new() -> Self {
        Elapsed(())
    }

    /// An `Elapsed` value, for tests of code that handles timeouts.
    ///
    /// ```
    /// let e = corio_timer::Elapsed::new_for_tests();
    /// assert_eq!(e, corio_timer::Elapsed::new_for_tests());
    /// ```
    #[doc(hidden)]
    pub fn new_for_tests() -> Self {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "timed out: the deadline elapsed before the operation completed \
             (a `timeout`/`wait_for` drops its future; `as_completed` leaves the tasks running)",
        )
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(e: Elapsed) -> Self {
        std::io::Error::new(std::io::ErrorKind::TimedOut, e)
    }
}
