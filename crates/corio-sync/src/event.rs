//! `Event` (asyncio's `Event`, clearable) and `Notify` (tokio-style wake-ups).

use crate::loom::Mutex;
use crate::waiters::{Removed, WaitList, WakeList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

#[derive(Debug, Clone, Copy)]
enum Phase {
    Init,
    Waiting(usize),
    Done,
}

struct EventState {
    set: bool,
    waiters: WaitList<(), ()>,
}

/// A flag that tasks can wait on (asyncio's `Event`).
///
/// [`set`](Self::set) wakes every current waiter. A waiter woken by `set`
/// returns even if [`clear`](Self::clear) ran before it resumed, as in asyncio.
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Event;
/// use std::sync::Arc;
/// let ev = Arc::new(Event::new());
/// let ev2 = ev.clone();
/// let t = std::thread::spawn(move || block_on(ev2.wait()));
/// ev.set();
/// t.join().unwrap();
/// assert!(ev.is_set());
/// ```
pub struct Event {
    state: Mutex<EventState>,
}

impl Event {
    /// Creates an event that is not set.
    ///
    /// ```
    /// use corio_sync::Event;
    /// assert!(!Event::new().is_set());
    /// ```
    pub fn new() -> Self {
        Event {
            state: Mutex::new(EventState {
                set: false,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Sets the flag and wakes every waiter.
    ///
    /// ```
    /// use corio_sync::Event;
    /// let ev = Event::new();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ```
    pub fn set(&self) {
        let mut wakers = WakeList::new();
        {
            let mut s = self.state.lock();
            s.set = true;
            s.waiters.grant_all(&mut wakers, |_| ());
        }
        wakers.wake_all();
    }

    /// Resets the flag; later `wait`s block until the next `set`. Waiters
    /// already woken by a `set` still return.
    ///
    /// ```
    /// use corio_sync::Event;
    /// let ev = Event::new();
    /// ev.set();
    /// ev.clear();
    /// assert!(!ev.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.lock().set = false;
    }

    /// Whether the flag is set.
    ///
    /// ```
    /// use corio_sync::Event;
    /// assert!(!Event::new().is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.state.lock().set
    }

    /// Waits until the flag is set (returns at once if it is).
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Event;
    /// let ev = Event::new();
    /// ev.set();
    /// block_on(ev.wait());
    /// ```
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            phase: Phase::Init,
        }
    }

    /// Number of registered `wait` futures.
    ///
    /// ```
    /// use corio_sync::Event;
    /// assert_eq!(Event::new().waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.state.lock().waiters.len()
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        f.debug_struct("Event")
            .field("set", &s.set)
            .field("waiters", &s.waiters.len())
            .finish()
    }
}

/// Future returned by [`Event::wait`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Event;
/// let ev = Event::new();
/// let w = ev.wait();
/// ev.set();
/// block_on(w);
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct EventWait<'a> {
    event: &'a Event,
    phase: Phase,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut s = this.event.state.lock();
        match this.phase {
            Phase::Init => {
                if s.set {
                    this.phase = Phase::Done;
                    Poll::Ready(())
                } else {
                    this.phase = Phase::Waiting(s.waiters.push_back((), cx.waker()));
                    Poll::Pending
                }
            }
            Phase::Waiting(key) => match s.waiters.poll(key, cx.waker()) {
                Some(((), ())) => {
                    this.phase = Phase::Done;
                    Poll::Ready(())
                }
                None => Poll::Pending,
            },
            Phase::Done => panic!("Event::wait future polled after completion"),
        }
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        if let Phase::Waiting(key) = self.phase {
            // A `set` wakes everyone, so a dropped grant has nothing to pass on.
            let _ = self.event.state.lock().waiters.remove(key);
        }
    }
}

/// How a `Notified` was woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    One,
    All,
}

struct NotifyState {
    /// At most one stored wake-up for the next `notified()`.
    permit: bool,
    /// Bumped by every `notify_waiters`.
    generation: usize,
    waiters: WaitList<(), Kind>,
}

/// A low-level wake-up primitive with tokio's `Notify` semantics.
///
/// * [`notify_one`](Self::notify_one) wakes the first waiter in line; with
///   no waiter it stores a single permit that the next
///   [`notified`](Self::notified) consumes at once.
/// * [`notify_waiters`](Self::notify_waiters) wakes every waiter that exists
///   now, including `Notified` futures created but not yet polled, and
///   stores no permit.
/// * A `Notified` woken by `notify_one` and dropped before it resumed passes
///   the wake-up on (to the next waiter, or back into the permit).
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Notify;
/// let n = Notify::new();
/// n.notify_one(); // stored as a permit
/// block_on(n.notified()); // returns at once
/// ```
pub struct Notify {
    state: Mutex<NotifyState>,
}

impl Notify {
    /// Creates a `Notify` with no stored permit.
    ///
    /// ```
    /// use corio_sync::Notify;
    /// let n = Notify::new();
    /// assert_eq!(n.waiters(), 0);
    /// ```
    pub fn new() -> Self {
        Notify {
            state: Mutex::new(NotifyState {
                permit: false,
                generation: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Wakes the first waiter, or stores one permit if nobody waits.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Notify;
    /// let n = Notify::new();
    /// n.notify_one();
    /// n.notify_one(); // permits do not accumulate
    /// block_on(n.notified());
    /// ```
    pub fn notify_one(&self) {
        let mut wakers = WakeList::new();
        {
            let mut s = self.state.lock();
            Self::notify_one_locked(&mut s, &mut wakers);
        }
        wakers.wake_all();
    }

    fn notify_one_locked(s: &mut NotifyState, wakers: &mut WakeList) {
        match s.waiters.grant_front(Kind::One) {
            Ok(w) => wakers.push(w),
            Err(_) => s.permit = true,
        }
    }

    /// Wakes every current waiter (also `Notified` futures not yet polled);
    /// stores no permit.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Notify;
    /// let n = Notify::new();
    /// let a = n.notified();
    /// let b = n.notified();
    /// n.notify_waiters();
    /// block_on(async { a.await; b.await });
    /// ```
    pub fn notify_waiters(&self) {
        let mut wakers = WakeList::new();
        {
            let mut s = self.state.lock();
            s.generation = s.generation.wrapping_add(1);
            s.waiters.grant_all(&mut wakers, |_| Kind::All);
        }
        wakers.wake_all();
    }

    /// A future that completes on the next notification.
    ///
    /// ```
    /// # use corio_sync::__doc_support::block_on;
    /// use corio_sync::Notify;
    /// use std::sync::Arc;
    /// let n = Arc::new(Notify::new());
    /// let n2 = n.clone();
    /// let t = std::thread::spawn(move || block_on(n2.notified()));
    /// n.notify_one();
    /// t.join().unwrap();
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        let generation = self.state.lock().generation;
        Notified {
            notify: self,
            generation,
            phase: Phase::Init,
        }
    }

    /// Number of registered (polled, not finished) `Notified` futures.
    ///
    /// ```
    /// use corio_sync::Notify;
    /// assert_eq!(Notify::new().waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.state.lock().waiters.len()
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        f.debug_struct("Notify")
            .field("permit", &s.permit)
            .field("waiters", &s.waiters.len())
            .finish()
    }
}

/// Future returned by [`Notify::notified`].
///
/// ```
/// # use corio_sync::__doc_support::block_on;
/// use corio_sync::Notify;
/// let n = Notify::new();
/// let fut = n.notified();
/// n.notify_waiters();
/// block_on(fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Notified<'a> {
    notify: &'a Notify,
    generation: usize,
    phase: Phase,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut s = this.notify.state.lock();
        match this.phase {
            Phase::Init => {
                if s.generation != this.generation {
                    this.phase = Phase::Done;
                    Poll::Ready(())
                } else if s.permit {
                    s.permit = false;
                    this.phase = Phase::Done;
                    Poll::Ready(())
                } else {
                    this.phase = Phase::Waiting(s.waiters.push_back((), cx.waker()));
                    Poll::Pending
                }
            }
            Phase::Waiting(key) => match s.waiters.poll(key, cx.waker()) {
                Some(_) => {
                    this.phase = Phase::Done;
                    Poll::Ready(())
                }
                None => Poll::Pending,
            },
            Phase::Done => panic!("Notified future polled after completion"),
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        if let Phase::Waiting(key) = self.phase {
            let mut wakers = WakeList::new();
            {
                let mut s = self.notify.state.lock();
                if let Removed::Granted {
                    grant: Kind::One, ..
                } = s.waiters.remove(key)
                {
                    Notify::notify_one_locked(&mut s, &mut wakers);
                }
            }
            wakers.wake_all();
        }
    }
}
