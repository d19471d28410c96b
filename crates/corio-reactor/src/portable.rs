//! Every Unix but Linux: `polling`'s poller as it is (kqueue, event ports...).
//!
//! Same interface as `epoll.rs`. Registration is edge-triggered
//! ([`PollMode::Edge`]); `polling` does not report a peer's half-close
//! separately here, so sources never get `READ_CLOSED` and short reads do not
//! clear readiness (see `Source::poll_stream_read`).

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use polling::{Event, Events, PollMode, Poller};

use crate::source::{READABLE, WRITABLE};

/// The buffer [`Backend::wait`] fills, reused across parks.
pub(crate) type Buffer = Events;

/// A buffer with room for one batch of events.
pub(crate) fn new_buffer() -> Buffer {
    Events::new()
}

pub(crate) struct Backend {
    poller: Poller,
}

impl Backend {
    pub(crate) fn new() -> io::Result<Backend> {
        let poller = Poller::new()?;
        if !poller.supports_edge() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "corio's reactor needs edge-triggered polling (epoll or kqueue)",
            ));
        }
        Ok(Backend { poller })
    }

    /// # Safety
    ///
    /// `fd` must stay open until [`delete`](Backend::delete)d.
    pub(crate) unsafe fn add(&self, fd: RawFd, key: usize) -> io::Result<()> {
        // SAFETY: forwarded from the caller.
        unsafe {
            self.poller
                .add_with_mode(fd, Event::all(key), PollMode::Edge)
        }
    }

    pub(crate) fn delete(&self, fd: RawFd) -> io::Result<()> {
        // SAFETY: `add`'s contract keeps `fd` open until this call returns.
        self.poller.delete(unsafe { BorrowedFd::borrow_raw(fd) })
    }

    pub(crate) fn notify(&self) {
        // An eventfd/pipe write; it cannot fail on a live poller.
        let _ = self.poller.notify();
    }

    pub(crate) fn wait(
        &self,
        buf: &mut Buffer,
        timeout: Option<Duration>,
        ready: &mut Vec<(usize, usize)>,
    ) -> io::Result<()> {
        buf.clear();
        self.poller.wait(buf, timeout)?;
        for event in buf.iter() {
            let mut bits = 0;
            if event.readable {
                bits |= READABLE;
            }
            if event.writable {
                bits |= WRITABLE;
            }
            ready.push((event.key, bits));
        }
        buf.clear();
        Ok(())
    }
}
