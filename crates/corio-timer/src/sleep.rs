//! [`Sleep`]: a future that completes at a deadline.

use crate::clock::add_saturating;
use crate::context::{self, NO_TIMER};
use crate::loom::Arc;
use crate::timer::Shard;
use crate::wheel::{Key, Reset};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Waits until `duration` has passed (asyncio's `sleep`).
///
/// The deadline is taken when `sleep` is called, from the current timer's
/// clock (virtual while paused). A sleep made outside any runtime (say, as
/// the argument of `block_on`) takes its deadline from the clock of the
/// runtime that first polls it, so it runs on virtual time there too.
/// `sleep(Duration::ZERO)` yields once: its first poll wakes the task and
/// returns `Pending`, the next returns `Ready` (asyncio's `sleep(0)`), without
/// touching the wheel. Durations too large for an `Instant` saturate to a
/// deadline decades ahead (the sleep never fires in practice).
///
/// # Example
///
/// ```
/// use std::{future::Future, pin::pin, task::{Context, Waker}, time::Duration};
///
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// let mut nap = pin!(corio_timer::sleep(Duration::from_millis(10)));
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(nap.as_mut().poll(&mut cx).is_pending());
/// timer.advance(Duration::from_millis(9));
/// assert!(nap.as_mut().poll(&mut cx).is_pending()); // never early
/// timer.advance(Duration::from_millis(1));
/// assert!(nap.as_mut().poll(&mut cx).is_ready());
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    if duration.is_zero() {
        return Sleep {
            deadline: crate::now(),
            state: State::YieldOnce,
        };
    }
    Sleep::after(duration)
}

/// Waits until `deadline` (an instant of the timer's clock, see
/// [`now`](crate::now)). A deadline already passed completes on the first
/// poll.
///
/// # Example
///
/// ```
/// use std::{future::Future, pin::pin, task::{Context, Waker}, time::Duration};
///
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// let past = corio_timer::now();
/// timer.advance(Duration::from_secs(1));
/// let mut late = pin!(corio_timer::sleep_until(past));
/// assert!(late.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready());
/// assert_eq!(timer.registrations(), 0);
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::until(deadline)
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// Registration is lazy: a `Sleep` enters the timer wheel on its first poll
/// (if its deadline has not passed by then), so creating and dropping one
/// that was never polled costs no lock. Dropping a registered `Sleep` removes
/// its entry. `Sleep` is `Unpin`; it may be moved between polls and dropped
/// from any thread.
///
/// # Example
///
/// ```
/// use std::{future::Future, pin::pin, task::{Context, Waker}, time::Duration};
///
/// let timer = corio_timer::Timer::builder().start_paused(true).build();
/// let _guard = timer.enter();
/// let mut cx = Context::from_waker(Waker::noop());
/// let unpolled = corio_timer::sleep(Duration::from_secs(1));
/// drop(unpolled);
/// assert_eq!(timer.registrations(), 0);
/// let mut polled = corio_timer::sleep(Duration::from_secs(1));
/// assert!(std::pin::Pin::new(&mut polled).poll(&mut cx).is_pending());
/// assert_eq!(timer.len(), 1);
/// drop(polled);
/// assert_eq!(timer.len(), 0);
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    deadline: Instant,
    state: State,
}

#[derive(Debug)]
enum State {
    /// Not in the wheel: never polled, or reset after completing or after
    /// its entry fired. Keeps the shard it was registered in, if any, so
    /// that it registers there again without looking up the context.
    Idle(Option<Arc<Shard>>),
    /// `sleep(ZERO)` not yet polled: yield once.
    YieldOnce,
    /// Made by `sleep(d)` outside any timer's context: the deadline is
    /// `d` after the first poll's time on the clock of the timer found then
    /// (until then `deadline` holds a real-clock estimate).
    Unanchored(Duration),
    /// Made by `sleep(d)` (`d > 0`) in the context of the timer with this
    /// id, at clock tick `now`: its first poll in that timer's context needs
    /// no clock read (`now` is a valid lower bound of the time then).
    Fresh { timer: u64, now: u64 },
    /// In the wheel of `shard` under `key` (or fired there, not yet seen).
    Registered { shard: Arc<Shard>, key: Key },
    /// Completed (keeps its shard, as `Idle` does, for a later reset).
    Done(Option<Arc<Shard>>),
}

impl Sleep {
    /// A sleep for `duration` (> 0) from now, on the current timer's clock.
    pub(crate) fn after(duration: Duration) -> Sleep {
        debug_assert!(!duration.is_zero());
        context::with_current(|current| match current {
            Some((handle, _)) => {
                let clock = handle.clock();
                let now = clock.now();
                Sleep {
                    deadline: add_saturating(now, duration),
                    state: State::Fresh {
                        timer: handle.id(),
                        now: clock.tick_floor(now),
                    },
                }
            }
            None => Sleep {
                deadline: add_saturating(Instant::now(), duration),
                state: State::Unanchored(duration),
            },
        })
    }

    /// A sleep until `deadline` with no yield-once behaviour.
    pub(crate) fn until(deadline: Instant) -> Sleep {
        Sleep {
            deadline,
            state: State::Idle(None),
        }
    }

    /// The instant this sleep completes at (on the timer's clock).
    ///
    /// ```
    /// use std::time::Duration;
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let s = corio_timer::sleep(Duration::from_secs(2));
    /// assert_eq!(s.deadline() - timer.now(), Duration::from_secs(2));
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached on the timer's clock (or the
    /// sleep has completed). A `Sleep` whose deadline has passed may still
    /// return `Pending` once if the wheel has not processed it yet; it never
    /// returns `Ready` before its deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let s = corio_timer::sleep(Duration::from_secs(2));
    /// assert!(!s.is_elapsed());
    /// timer.advance(Duration::from_secs(2));
    /// assert!(s.is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        match &self.state {
            State::Done(_) => true,
            _ => self.clock_now() >= self.deadline,
        }
    }

    /// Changes the deadline, whether or not the sleep has completed; the
    /// sleep then waits for the new deadline. A registered sleep moves in
    /// the wheel (O(1)); an unregistered one stays unregistered until polled.
    ///
    /// ```
    /// use std::{future::Future, pin::Pin, task::{Context, Waker}, time::Duration};
    ///
    /// let timer = corio_timer::Timer::builder().start_paused(true).build();
    /// let _guard = timer.enter();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let mut s = corio_timer::sleep(Duration::from_millis(5));
    /// assert!(Pin::new(&mut s).poll(&mut cx).is_pending());
    /// s.reset(timer.now() + Duration::from_millis(50));
    /// timer.advance(Duration::from_millis(10));
    /// assert!(Pin::new(&mut s).poll(&mut cx).is_pending());
    /// timer.advance(Duration::from_millis(40));
    /// assert!(Pin::new(&mut s).poll(&mut cx).is_ready());
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        self.state = match std::mem::replace(&mut self.state, State::Idle(None)) {
            State::Registered { shard, key } => {
                let when = shard.common.clock.tick_ceil(deadline);
                match shard.reset(key, when) {
                    Reset::Moved(_) => State::Registered { shard, key },
                    Reset::Due(waker) => {
                        waker.wake();
                        State::Done(Some(shard))
                    }
                    // It fired (its wake-up may still arrive: a spurious
                    // wake); the next poll registers the new deadline.
                    Reset::Gone => State::Idle(Some(shard)),
                }
            }
            State::Idle(home) | State::Done(home) => State::Idle(home),
            State::YieldOnce | State::Fresh { .. } | State::Unanchored(_) => State::Idle(None),
        };
    }

    /// The current time on the clock this sleep is measured by.
    pub(crate) fn clock_now(&self) -> Instant {
        match &self.state {
            State::Registered { shard, .. }
            | State::Idle(Some(shard))
            | State::Done(Some(shard)) => shard.common.clock.now(),
            _ => crate::now(),
        }
    }

    /// First poll of a `Fresh` sleep: in the timer it was made in, register
    /// with the tick it was made at as "now" (the wheel completes it at once
    /// if that tick is already processed); elsewhere, take the general path.
    fn poll_fresh(&mut self, cx: &mut Context<'_>, timer: u64, now: u64) -> Poll<()> {
        let deadline = self.deadline;
        let registered = context::with_current(|current| {
            let (handle, hint) = current.filter(|(h, _)| h.id() == timer)?;
            let shard = handle.shard(hint);
            let when = handle.clock().tick_ceil(deadline);
            Some(
                shard
                    .register(when, now, cx.waker())
                    .map(|key| (shard.clone(), key)),
            )
        });
        match registered {
            Some(Some((shard, key))) => {
                self.state = State::Registered { shard, key };
                Poll::Pending
            }
            Some(None) => {
                self.state = State::Done(None);
                Poll::Ready(())
            }
            None => self.poll_idle(cx, None),
        }
    }

    /// First poll (or first after a reset): complete if due, else register
    /// in the shard the sleep used before, or in the current thread's shard.
    fn poll_idle(&mut self, cx: &mut Context<'_>, home: Option<Arc<Shard>>) -> Poll<()> {
        let deadline = self.deadline;
        if let Some(shard) = home {
            let clock = &shard.common.clock;
            let now = clock.now();
            if deadline > now {
                let when = clock.tick_ceil(deadline);
                if let Some(key) = shard.register(when, clock.tick_floor(now), cx.waker()) {
                    self.state = State::Registered { shard, key };
                    return Poll::Pending;
                }
            }
            self.state = State::Done(Some(shard));
            return Poll::Ready(());
        }
        let registered = context::with_current(|current| {
            let Some((handle, hint)) = current else {
                return if deadline <= Instant::now() {
                    Ok(None)
                } else {
                    Err(())
                };
            };
            let clock = handle.clock();
            let now = clock.now();
            if deadline <= now {
                return Ok(None);
            }
            let shard = handle.shard(hint);
            let key = shard.register(clock.tick_ceil(deadline), clock.tick_floor(now), cx.waker());
            Ok(key.map(|key| (shard.clone(), key)))
        });
        match registered {
            Ok(Some((shard, key))) => {
                self.state = State::Registered { shard, key };
                Poll::Pending
            }
            Ok(None) => {
                self.state = State::Done(None);
                Poll::Ready(())
            }
            Err(()) => panic!("{NO_TIMER}"),
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match &mut this.state {
            State::Done(_) => Poll::Ready(()),
            State::YieldOnce => {
                this.state = State::Done(None);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            State::Fresh { timer, now } => {
                let (timer, now) = (*timer, *now);
                this.poll_fresh(cx, timer, now)
            }
            State::Idle(home) => {
                let home = home.take();
                this.poll_idle(cx, home)
            }
            State::Unanchored(duration) => {
                this.deadline = add_saturating(crate::now(), *duration);
                this.poll_idle(cx, None)
            }
            State::Registered { shard, key } => {
                let res = shard.poll_entry(*key, cx.waker());
                if res.is_ready() {
                    let State::Registered { shard, .. } =
                        std::mem::replace(&mut this.state, State::Done(None))
                    else {
                        unreachable!()
                    };
                    this.state = State::Done(Some(shard));
                }
                res
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Registered { shard, key } = &self.state {
            shard.cancel(*key);
        }
    }
}
