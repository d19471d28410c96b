//! Linux: epoll driven directly, on the epoll fd that `polling` created.
//!
//! Two things `polling` 3.x cannot give us on Linux:
//!
//! - **Cheap waits.** `Poller::wait` always costs five syscalls: it arms its
//!   timerfd (`timerfd_settime` + `epoll_ctl`), calls `epoll_wait`, then reads
//!   and re-arms its notification eventfd (`read` + `epoll_ctl`), even with no
//!   timeout and no notification (measured here: 2.2-2.4 µs for a zero-timeout
//!   poll against 0.2 µs for a bare `epoll_wait(0)`). A parked driver pays
//!   that on every wake-up, about twice per echo round trip. Here a park is
//!   one `epoll_wait` (timeouts rounded up to the millisecond, the timer
//!   wheel's resolution), and [`notify`](Epoll::notify) writes our own
//!   eventfd, once until the next park that may block drains it (the eventfd is
//!   level-triggered, and zero-timeout polls leave it: see `wait`).
//! - **`EPOLLRDHUP`.** `polling` does not ask for it, so a peer's FIN looks
//!   like plain readability. Knowing it lets a short read clear readiness
//!   safely (see `Source::poll_stream_read`), which saves the `recv` that would
//!   only return `WouldBlock`, as tokio does.
//!
//! So on Linux the reactor registers fds itself (`EPOLLIN | EPOLLOUT |
//! EPOLLRDHUP | EPOLLET`, the key in `epoll_event.u64`) and waits itself;
//! `polling` owns the epoll fd and serves every other platform.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::Duration;

use polling::Poller;

use crate::source::{READ_CLOSED, READABLE, WRITABLE};

/// Key of the reactor's own eventfd (slab keys never get near it).
const NOTIFY_KEY: u64 = u64::MAX - 1;

const READ_FLAGS: u32 =
    (libc::EPOLLIN | libc::EPOLLPRI | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32;
const WRITE_FLAGS: u32 = (libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR) as u32;
const CLOSED_FLAGS: u32 = (libc::EPOLLRDHUP | libc::EPOLLHUP) as u32;

/// Events fetched per `epoll_wait` (as `polling::Events::new`).
const CAPACITY: usize = 1024;

/// The buffer [`Backend::wait`] fills, reused across parks.
pub(crate) type Buffer = Vec<libc::epoll_event>;

/// A buffer with room for one batch of events.
pub(crate) fn new_buffer() -> Buffer {
    Vec::with_capacity(CAPACITY)
}

pub(crate) struct Backend {
    /// Owns the epoll fd (and a timerfd and an eventfd that stay unused here).
    _poller: Poller,
    /// `_poller`'s epoll fd.
    epoll: RawFd,
    eventfd: OwnedFd,
    /// True between a `notify` that wrote the eventfd and the `wait` that
    /// drained it: repeated notifies cost one atomic swap.
    notified: AtomicBool,
}

fn check(result: libc::c_int) -> io::Result<libc::c_int> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

impl Backend {
    /// A new epoll set (created by `polling`) with a fresh eventfd for notify.
    pub(crate) fn new() -> io::Result<Backend> {
        let poller = Poller::new()?;
        // SAFETY: plain syscall; no pointers.
        let fd = check(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let eventfd = unsafe { OwnedFd::from_raw_fd(fd) };
        let epoll = Backend {
            epoll: poller.as_raw_fd(),
            _poller: poller,
            eventfd,
            notified: AtomicBool::new(false),
        };
        // Level-triggered, unlike the sockets: a notify stays reported until
        // a blocking wait drains it (see `wait`).
        epoll.ctl(libc::EPOLL_CTL_ADD, fd, libc::EPOLLIN as u32, NOTIFY_KEY)?;
        Ok(epoll)
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, flags: u32, key: u64) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: flags,
            u64: key,
        };
        // SAFETY: `event` is a valid epoll_event for the duration of the call.
        check(unsafe { libc::epoll_ctl(self.epoll, op, fd, &mut event) }).map(drop)
    }

    /// Registers `fd` under `key` for both directions, edge-triggered.
    ///
    /// # Safety
    ///
    /// `fd` must stay open until [`delete`](Backend::delete)d (the same
    /// contract as `polling::Poller::add`; epoll itself is memory-safe).
    pub(crate) unsafe fn add(&self, fd: RawFd, key: usize) -> io::Result<()> {
        let flags = (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32;
        self.ctl(libc::EPOLL_CTL_ADD, fd, flags, key as u64)
    }

    /// Removes `fd` (which must still be open).
    pub(crate) fn delete(&self, fd: RawFd) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Wakes the thread in [`wait`](Backend::wait), or makes the next one return.
    pub(crate) fn notify(&self) {
        if !self.notified.swap(true, SeqCst) {
            let one: u64 = 1;
            // SAFETY: writes 8 bytes from a valid `u64` to our eventfd.
            let _ = unsafe { libc::write(self.eventfd.as_raw_fd(), (&raw const one).cast(), 8) };
        }
    }

    fn drain_eventfd(&self) {
        // Drain first, then clear the flag. The other order loses wake-ups
        // for good: a notify between the clear and the read would have its
        // write swallowed by the read while leaving the flag set, so every
        // later notify would skip its write and the next wait would sleep
        // through them. In this order a notify that lands between the read
        // and the clear finds the flag set and skips its write, which is
        // harmless: this thread is awake and returns from `wait` now.
        let mut count: u64 = 0;
        // SAFETY: reads at most 8 bytes into a valid `u64`; non-blocking.
        let _ = unsafe { libc::read(self.eventfd.as_raw_fd(), (&raw mut count).cast(), 8) };
        self.notified.store(false, SeqCst);
    }

    /// One `epoll_wait`; the sources' `(key, readiness bits)` go into `ready`.
    /// `buf`'s capacity bounds how many events are fetched.
    pub(crate) fn wait(
        &self,
        buf: &mut Buffer,
        timeout: Option<Duration>,
        ready: &mut Vec<(usize, usize)>,
    ) -> io::Result<()> {
        buf.clear();
        let timeout_ms = match timeout {
            None => -1,
            // Round up: waking before the deadline would only park again.
            Some(t) => i32::try_from(t.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX),
        };
        let capacity = i32::try_from(buf.capacity()).unwrap_or(i32::MAX);
        // SAFETY: `buf` has room for `capacity` events, which is all the
        // kernel may write; `epoll` is the poller's fd, open while it lives.
        let n =
            check(unsafe { libc::epoll_wait(self.epoll, buf.as_mut_ptr(), capacity, timeout_ms) })?;
        // SAFETY: the kernel initialised the first `n` entries.
        unsafe { buf.set_len(n as usize) };
        for event in buf.iter() {
            // Copy the fields out of the (packed on x86-64) struct.
            let (flags, key) = (event.events, event.u64);
            if key == NOTIFY_KEY {
                // Only a wait that could have blocked consumes a notify. A
                // zero-timeout poll (a busy or spinning worker passing by)
                // leaves it for the next blocking wait, which it must wake:
                // the notifier meant the thread that parks in the driver,
                // and that thread may be about to block right after such a
                // poll (the paused clock's pre-poll in the facade does).
                if timeout != Some(Duration::ZERO) {
                    self.drain_eventfd();
                }
                continue;
            }
            if key == u64::MAX {
                // `polling`'s own timerfd/eventfd key; never armed here.
                continue;
            }
            let mut bits = 0;
            if flags & READ_FLAGS != 0 {
                bits |= READABLE;
            }
            if flags & WRITE_FLAGS != 0 {
                bits |= WRITABLE;
            }
            if flags & CLOSED_FLAGS != 0 {
                bits |= READ_CLOSED;
            }
            ready.push((key as usize, bits));
        }
        Ok(())
    }
}

#[cfg(test)]
impl Backend {
    /// The fds in this epoll set, from `/proc/self/fdinfo` (`tfd:` lines).
    pub(crate) fn polled_fds(&self) -> Vec<RawFd> {
        let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", self.epoll)).unwrap();
        info.lines()
            .filter_map(|line| line.strip_prefix("tfd:"))
            .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
            .collect()
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        // Out of the epoll set before the eventfd closes.
        let _ = self.delete(self.eventfd.as_raw_fd());
    }
}
