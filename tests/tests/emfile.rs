//! The accept loop out of file descriptors (issue 5): with the process
//! limited to 64 open files, a flood of connections makes `accept` fail with
//! `EMFILE`; the server reports it, stays alive, and accepts the waiting
//! connections once descriptors are free.
//!
//! Alone in its own test binary: `RLIMIT_NOFILE` is process-wide.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use corio::net::{StreamReader, StreamWriter, start_server};
use corio_tests::{eventually, within};

const CLIENTS: usize = 8;

fn set_open_files_limit(soft: libc::rlim_t) -> libc::rlimit {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `old` is a valid `rlimit` to fill in.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) }, 0);
    let new = libc::rlimit {
        rlim_cur: soft,
        rlim_max: old.rlim_max,
    };
    // SAFETY: a valid `rlimit`; lowering the soft limit is always allowed.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) }, 0);
    old
}

/// An unconnected TCP socket (so connecting it later needs no new descriptor).
fn tcp_socket() -> OwnedFd {
    // SAFETY: plain socket(2); the fd is checked, then owned.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
    // SAFETY: `fd` is a fresh descriptor nobody else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

fn connect(socket: &OwnedFd, port: u16) {
    let addr = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes([127, 0, 0, 1]),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: a valid socket and a `sockaddr_in` of the size given.
    let rc = unsafe {
        libc::connect(
            socket.as_raw_fd(),
            (&addr as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "connect: {}", std::io::Error::last_os_error());
}

#[test]
fn the_accept_loop_survives_emfile_and_accepts_again() {
    within(Duration::from_secs(30), || {
        let old = set_open_files_limit(64);
        let rt = corio::Runtime::builder().worker_threads(2).build().unwrap();
        rt.block_on(async {
            let server = start_server(
                |mut reader: StreamReader, writer: StreamWriter| async move {
                    writer.write(b"hi\n");
                    let _ = writer.drain().await;
                    let _ = reader.read_to_end().await; // until the client leaves
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
            let port = server.local_addr().port();

            // The clients' sockets first, then every other descriptor taken.
            let sockets: Vec<OwnedFd> = (0..CLIENTS).map(|_| tcp_socket()).collect();
            let mut hog = Vec::new();
            loop {
                match std::fs::File::open("/dev/null") {
                    Ok(file) => hog.push(file),
                    Err(e) => {
                        assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
                        break;
                    }
                }
            }
            assert!(hog.len() < 64, "the limit is in force");

            // The flood: the kernel queues the connections; accept has no descriptor.
            for socket in &sockets {
                connect(socket, port);
            }
            assert!(
                eventually(Duration::from_secs(5), || server.accept_errors() >= 2),
                "the accept loop did not meet EMFILE (errors: {})",
                server.accept_errors()
            );
            let error = server.last_accept_error().expect("an accept error");
            assert_eq!(error.raw_os_error(), Some(libc::EMFILE), "{error}");
            assert!(server.is_serving(), "the server stays up");
            assert_eq!(server.active_connections(), 0);

            // Free the descriptors: every waiting connection is accepted and served.
            drop(hog);
            let mut clients: Vec<TcpStream> = sockets.into_iter().map(TcpStream::from).collect();
            for client in &mut clients {
                client
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let mut greeting = [0u8; 3];
                client.read_exact(&mut greeting).unwrap();
                assert_eq!(&greeting, b"hi\n");
            }
            assert_eq!(server.active_connections(), CLIENTS);

            // And new connections too.
            let (mut reader, writer) = corio::net::open_connection(server.local_addr())
                .await
                .unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"hi\n");
            for client in &mut clients {
                client.write_all(b"bye").unwrap();
            }
            drop((clients, reader, writer));
            server.close();
            server.wait_closed().await;
            assert_eq!(server.active_connections(), 0);
        });
        drop(rt);
        set_open_files_limit(old.rlim_cur);
    });
}
