//! An echo server and its client over asyncio-style streams: the Rust twin
//! of the asyncio documentation's "TCP echo server / client using streams"
//! (the seeds have no echo server; their chat server's `handle_client` is
//! the same shape). The server echoes every line; the client, in the same
//! program, sends a few lines, prints the echoes and closes, so it ends.
//!
//! ```text
//! cargo run --release --example echo_server
//! ```
//!
//! asyncio:
//!
//! ```python
//! async def handle_echo(reader, writer):
//!     data = await reader.read(100)
//!     addr = writer.get_extra_info('peername')
//!     print(f"Received {data.decode()!r} from {addr!r}")
//!     writer.write(data)
//!     await writer.drain()
//!     writer.close()
//!     await writer.wait_closed()
//!
//! server = await asyncio.start_server(handle_echo, '127.0.0.1', 8888)
//! ```

use corio::net::{StreamReader, StreamWriter, open_connection, start_server};

/// `async def handle_echo(reader, writer)`: echoes lines until the client leaves.
async fn handle_echo(mut reader: StreamReader, writer: StreamWriter) {
    let addr = writer.peer_addr().expect("a TCP peer");
    loop {
        let line = match reader.readline().await {
            Ok(line) if line.is_empty() => break, // end of stream
            Ok(line) => line,
            Err(e) => {
                println!("server: error from {addr}: {e}");
                break;
            }
        };
        let message = String::from_utf8_lossy(&line);
        println!("server: received {:?} from {addr}", message.trim_end());
        writer.write(&line);
        if let Err(e) = writer.drain().await {
            println!("server: could not send to {addr}: {e}");
            break;
        }
    }
    println!("server: close the connection with {addr}");
    writer.close();
    let _ = writer.wait_closed().await;
}

// Every line printed follows from the one before it (the server prints
// before it echoes; the client prints after it reads), so the order is the
// same on any number of workers.
#[corio::main]
async fn main() -> std::io::Result<()> {
    // Port 0: the system picks a free port (the doc uses 8888).
    let server = start_server(handle_echo, "127.0.0.1:0").await?;
    println!("serving on {}", server.local_addr());

    let (mut reader, writer) = open_connection(server.local_addr()).await?;
    for message in ["Hello World!", "How are you?", "Goodbye."] {
        println!("client: send {message:?}");
        writer.write(format!("{message}\n").as_bytes());
        writer.drain().await?;
        let echo = reader.readline().await?;
        println!(
            "client: received {:?}",
            String::from_utf8_lossy(&echo).trim_end()
        );
    }
    println!("client: close the connection");
    writer.close();
    writer.wait_closed().await?;

    server.close();
    server.wait_closed().await; // the handler has finished
    println!("server closed");
    Ok(())
}
