//! Reading a byte stream and learning, in the same syscall, whether the
//! kernel's receive queue is now empty.
//!
//! A stream read that fills the caller's whole buffer says nothing about what
//! is left: the next read may find more bytes or only `WouldBlock`. In a
//! request/response protocol that reads exact sizes (a 64-byte echo, a
//! length-prefixed frame) that `WouldBlock` is every other `recv`. On Linux a
//! TCP socket with the `TCP_INQ` option on returns, with each `recvmsg`, a
//! control message holding the bytes still queued after the read, counted
//! after the socket's backlog was processed (and reported as 1, not 0, once
//! the peer's FIN is queued, so an end of stream is never hidden). Zero means
//! every byte that arrived before the read's end was consumed and any later
//! byte brings a new readiness edge: the reader can clear readiness and wait
//! for that edge instead of spending a syscall to meet `WouldBlock`.
//!
//! The option costs one `setsockopt`, made lazily on the first read that fills
//! its buffer (a stream whose reads come back short never needs it: a short
//! read already proves the queue empty). Sockets that refuse it (Unix
//! streams, kernels before 4.18) are remembered and read as before.

use std::io;
use std::os::fd::RawFd;
#[cfg(any(target_os = "linux", target_os = "android"))]
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};

/// Whether a source's reads ask the kernel for the bytes left (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct QueueHint {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    state: AtomicU8,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
const NOT_ASKED: u8 = 0;
#[cfg(any(target_os = "linux", target_os = "android"))]
const ON: u8 = 1;
#[cfg(any(target_os = "linux", target_os = "android"))]
const REFUSED: u8 = 2;

impl QueueHint {
    /// Reads the stream `fd` into `iovs` (at most [`MAX_IOVECS`] of them):
    /// the byte count and, where the kernel reports it, the bytes it still queues.
    pub(crate) fn recv(
        &self,
        fd: RawFd,
        iovs: &mut [libc::iovec],
    ) -> io::Result<(usize, Option<usize>)> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.state.load(Relaxed) == ON {
            return recv_with_inq(fd, iovs);
        }
        let n = match iovs {
            // SAFETY: the iovec describes a buffer valid for writes of its
            // length (the caller built it from a `&mut` buffer).
            [one] => unsafe { libc::read(fd, one.iov_base, one.iov_len) },
            // SAFETY: as above for each of at most MAX_IOVECS iovecs.
            _ => unsafe { libc::readv(fd, iovs.as_ptr(), iovs.len().min(MAX_IOVECS) as _) },
        };
        Ok((
            usize::try_from(n).map_err(|_| io::Error::last_os_error())?,
            None,
        ))
    }

    /// Called after a read of `n` bytes into a buffer of `len`: a read that
    /// filled its buffer turns the option on, once, if the socket takes it.
    pub(crate) fn after_read(&self, fd: RawFd, n: usize, len: usize) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if n == len && n > 0 && self.state.load(Relaxed) == NOT_ASKED {
            let on: libc::c_int = 1;
            // SAFETY: passes a valid `c_int` and its size; `fd` is open.
            let result = unsafe {
                libc::setsockopt(
                    fd,
                    libc::SOL_TCP,
                    libc::TCP_INQ,
                    (&raw const on).cast(),
                    size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            self.state
                .store(if result == 0 { ON } else { REFUSED }, Relaxed);
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let _ = (fd, n, len);
    }

    /// True once reads report the bytes left (for tests).
    #[cfg(test)]
    pub(crate) fn is_on(&self) -> bool {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        return self.state.load(Relaxed) == ON;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        false
    }
}

/// At most this many buffers per `readv`/`recvmsg`/`sendmsg` (Linux's
/// `IOV_MAX`; more is `EMSGSIZE`).
pub(crate) const MAX_IOVECS: usize = 1024;

/// `recvmsg` with room for the `TCP_CM_INQ` control message.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn recv_with_inq(fd: RawFd, iovs: &mut [libc::iovec]) -> io::Result<(usize, Option<usize>)> {
    // Room for one cmsghdr and an int (CMSG_SPACE(4) is 24 on 64-bit Linux),
    // aligned as a cmsghdr must be.
    let mut control = [0u64; 4];
    // SAFETY: an all-zero `msghdr` is valid (no name, no buffers yet).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iovs.as_mut_ptr();
    msg.msg_iovlen = iovs.len().min(MAX_IOVECS) as _;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of_val(&control) as _;
    // SAFETY: `msg` points to valid iovecs (writable buffers of their
    // lengths) and to `control`, all alive for the call; `fd` is open.
    let n = unsafe { libc::recvmsg(fd, &mut msg, 0) };
    let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
    let mut left = None;
    // SAFETY: the kernel filled `msg`'s control area and set its length;
    // the CMSG_ macros stay within it.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_TCP && (*cmsg).cmsg_type == libc::TCP_CM_INQ {
                let inq = libc::CMSG_DATA(cmsg).cast::<libc::c_int>().read_unaligned();
                left = usize::try_from(inq).ok();
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok((n, left))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::future::poll_fn;
    use std::io::Write;
    use std::net::{Shutdown, TcpListener, TcpStream};

    use crate::Async;
    use crate::doc_helpers::block_on;
    use crate::source::Direction;

    /// A connected pair: the reader registered (lazily, like the net types), the writer plain std.
    fn tcp_pair() -> (Async<TcpStream>, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        reader.set_nonblocking(true).unwrap();
        (Async::new_nonblocking(reader).unwrap(), writer)
    }

    async fn read(reader: &Async<TcpStream>, buf: &mut [u8]) -> usize {
        poll_fn(|cx| reader.poll_read_buf(cx, true, buf))
            .await
            .unwrap()
    }

    #[test]
    fn a_read_that_fills_its_buffer_turns_the_hint_on_and_an_empty_queue_clears_readiness() {
        block_on(async {
            let (reader, mut writer) = tcp_pair();
            let hint = reader.source().queue_hint();
            let mut buf = [0u8; 64];
            writer.write_all(&[1; 64]).unwrap();
            assert_eq!(read(&reader, &mut buf).await, 64);
            assert!(
                hint.is_on(),
                "a read that filled its buffer asks for TCP_INQ"
            );

            // Exactly a buffer's worth again: the kernel says nothing is left,
            // so readiness is cleared without a `WouldBlock` read.
            writer.write_all(&[2; 64]).unwrap();
            assert_eq!(read(&reader, &mut buf).await, 64);
            assert_eq!(buf, [2; 64]);
            assert!(!reader.source().is_ready(Direction::Read));

            // Two buffers' worth: after the first read the kernel still holds
            // 64 bytes, so readiness stays and the second read gets them.
            writer.write_all(&[3; 128]).unwrap();
            let mut got = 0;
            while got < 128 {
                got += read(&reader, &mut buf).await;
            }
            assert_eq!(buf, [3; 64]);

            // Bytes that arrive after the clear bring a new edge: no hang.
            writer.write_all(&[4; 64]).unwrap();
            assert_eq!(read(&reader, &mut buf).await, 64);
            assert_eq!(buf, [4; 64]);
        });
    }

    #[test]
    fn data_then_a_fin_reads_the_data_then_the_end_of_stream() {
        block_on(async {
            let (reader, mut writer) = tcp_pair();
            let mut buf = [0u8; 64];
            for round in 0..2 {
                writer.write_all(&[round; 64]).unwrap();
                assert_eq!(read(&reader, &mut buf).await, 64);
            }
            assert!(!reader.source().is_ready(Direction::Read));
            // Data then the FIN (on loopback both are queued when these
            // calls return): the read that drains the data must not clear
            // readiness, or the end of stream, which brings no new edge,
            // would never be read.
            writer.write_all(&[9; 64]).unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
            let mut got = 0;
            while got < 64 {
                got += read(&reader, &mut buf).await;
            }
            assert_eq!(buf, [9; 64]);
            assert_eq!(read(&reader, &mut buf).await, 0, "end of stream");
        });
    }

    #[test]
    fn a_unix_stream_refuses_the_hint_and_reads_as_before() {
        block_on(async {
            let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            let a = Async::new_nonblocking(a).unwrap();
            let mut buf = [0u8; 8];
            for round in 0..3u8 {
                b.write_all(&[round; 8]).unwrap();
                assert_eq!(
                    poll_fn(|cx| a.poll_read_buf(cx, true, &mut buf))
                        .await
                        .unwrap(),
                    8
                );
                assert_eq!(buf, [round; 8]);
            }
            assert!(!a.source().queue_hint().is_on());
        });
    }
}
