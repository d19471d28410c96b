//! Rate limiting: at most N operations per period.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use corio_sync::Lock;

/// Allows at most `max` acquisitions in any window of `period` (a sliding
/// window): the limiter of asyncio programs that call a rate-limited API.
///
/// Waiters are served first come, first served. Acquiring takes a slot in
/// the window; nothing needs releasing. Combine it with a
/// [`Semaphore`](crate::Semaphore) to also bound how many calls run at once.
/// Time is the runtime's clock, so a paused (virtual) clock drives it too.
///
/// Unlike a token bucket, which would let a call through every `period / max`
/// after the first burst, the window lets `max` calls through at once, then
/// the next `max` a `period` after the first ones began, which is what
/// "5 requests per 2 seconds" means to most APIs.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use corio::limit::RateLimiter;
///
/// let rt = corio::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let limiter = RateLimiter::new(5, Duration::from_secs(2));
///     let start = corio::time::now();
///     for _ in 0..15 {
///         limiter.acquire().await;
///     }
///     // 5 at 0 s, 5 at 2 s, 5 at 4 s.
///     assert_eq!(corio::time::now() - start, Duration::from_secs(4));
/// });
/// ```
#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    period: Duration,
    /// When the acquisitions of the current window happened, oldest first.
    /// The lock also queues waiters in arrival order.
    window: Lock<VecDeque<Instant>>,
}

impl RateLimiter {
    /// A limiter of `max` acquisitions per `period`.
    ///
    /// # Panics
    ///
    /// If `max` is 0 (nothing could ever pass): use a positive number.
    ///
    /// ```
    /// let limiter = corio::limit::RateLimiter::new(10, std::time::Duration::from_secs(1));
    /// assert_eq!(limiter.max(), 10);
    /// ```
    pub fn new(max: usize, period: Duration) -> RateLimiter {
        assert!(
            max > 0,
            "RateLimiter::new(0, ..) would never let anything through: use max >= 1"
        );
        RateLimiter {
            max,
            period,
            window: Lock::new(VecDeque::with_capacity(max)),
        }
    }

    /// Waits until the window has room, then takes a slot in it.
    ///
    /// ```
    /// corio::run(async {
    ///     let limiter = corio::limit::RateLimiter::new(2, std::time::Duration::from_millis(10));
    ///     limiter.acquire().await;
    ///     limiter.acquire().await; // both pass at once; a third would wait ~10 ms
    /// });
    /// ```
    pub async fn acquire(&self) {
        let mut window = self.window.lock().await;
        loop {
            let now = corio_timer::now();
            while window
                .front()
                .is_some_and(|&t| now.saturating_duration_since(t) >= self.period)
            {
                window.pop_front();
            }
            if window.len() < self.max {
                window.push_back(now);
                return;
            }
            // Holding the lock keeps later callers queued behind us, in order.
            let oldest = *window.front().expect("the window is full, so not empty");
            corio_timer::sleep_until(oldest + self.period).await;
        }
    }

    /// Takes a slot if the window has room now, without waiting.
    ///
    /// ```
    /// let limiter = corio::limit::RateLimiter::new(1, std::time::Duration::from_secs(60));
    /// # let rt = corio::Runtime::new().unwrap(); let _g = rt.handle().enter();
    /// assert!(limiter.try_acquire());
    /// assert!(!limiter.try_acquire());
    /// ```
    pub fn try_acquire(&self) -> bool {
        let Ok(mut window) = self.window.try_lock() else {
            return false;
        };
        let now = corio_timer::now();
        while window
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= self.period)
        {
            window.pop_front();
        }
        if window.len() < self.max {
            window.push_back(now);
            true
        } else {
            false
        }
    }

    /// The most acquisitions per period.
    ///
    /// ```
    /// assert_eq!(corio::limit::RateLimiter::new(3, std::time::Duration::from_secs(1)).max(), 3);
    /// ```
    pub fn max(&self) -> usize {
        self.max
    }

    /// The length of the window.
    ///
    /// ```
    /// let l = corio::limit::RateLimiter::new(3, std::time::Duration::from_secs(1));
    /// assert_eq!(l.period(), std::time::Duration::from_secs(1));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}
