//! Accept under EMFILE returns the error and the listener stays usable.
//!
//! Alone in its test binary: it lowers the process's open-file limit.
#![cfg(not(loom))]

mod common;

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

use common::{block_on, watchdog};
use corio_reactor::Reactor;
use corio_reactor::net::TcpListener;

fn nofile_limit() -> libc::rlimit {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit.
    let result = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(result, 0);
    limit
}

fn set_nofile_limit(limit: &libc::rlimit) {
    // SAFETY: `limit` is a valid rlimit; the soft limit stays within the hard one.
    let result = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, limit) };
    assert_eq!(result, 0);
}

fn highest_open_fd() -> i32 {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .max()
        .unwrap()
}

#[test]
fn accept_reports_emfile_and_recovers() {
    watchdog(Duration::from_secs(30), || {
        let reactor = Reactor::new().unwrap();
        block_on(&reactor, async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // Three connections complete in the kernel's backlog.
            let clients: Vec<_> = (0..3)
                .map(|_| std::net::TcpStream::connect(addr).unwrap())
                .collect();

            // No descriptor left: cap the limit and fill every hole below it.
            let original = nofile_limit();
            let capped = libc::rlimit {
                rlim_cur: (highest_open_fd() + 1) as libc::rlim_t,
                rlim_max: original.rlim_max,
            };
            set_nofile_limit(&capped);
            let mut fillers = Vec::new();
            loop {
                match File::open("/dev/null") {
                    Ok(f) => fillers.push(f),
                    Err(e) => {
                        assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
                        break;
                    }
                }
            }

            // accept fails with EMFILE, twice: the error reaches the caller.
            for _ in 0..2 {
                let err = listener.accept().await.unwrap_err();
                assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
            }

            // Free one descriptor: the pending connection is accepted at once.
            let freed = fillers.pop().unwrap();
            let freed_fd = freed.as_raw_fd();
            drop(freed);
            let (first, peer) = listener.accept().await.unwrap();
            assert_eq!(first.as_raw_fd(), freed_fd);
            assert!(clients.iter().any(|c| c.local_addr().unwrap() == peer));

            // Restore the limit; the listener keeps working.
            set_nofile_limit(&original);
            drop(fillers);
            for _ in 0..2 {
                let (stream, _) = listener.accept().await.unwrap();
                drop(stream);
            }
            let late = std::net::TcpStream::connect(addr).unwrap();
            let (stream, peer) = listener.accept().await.unwrap();
            assert_eq!(peer, late.local_addr().unwrap());
            stream.write_all(b"ok").await.unwrap();
            io::Result::Ok(())
        })
        .unwrap();
    });
}
