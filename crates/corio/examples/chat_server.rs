//! The seeds' chat server (tutorial 001, "비동기 채팅 서버", `class
//! ChatServer`): every line a client sends goes to every *other* client, and
//! joins and leaves are announced. This program starts the server and three
//! scripted clients (alice, bob, carol) on 127.0.0.1 that join, talk and
//! leave, prints what each client receives, and ends.
//!
//! ```text
//! cargo run --release --example chat_server
//! ```
//!
//! asyncio:
//!
//! ```python
//! class ChatServer:
//!     async def handle_client(self, reader, writer):
//!         self.clients.add(writer)
//!         try:
//!             while True:
//!                 data = await reader.read(100)
//!                 if not data:
//!                     break
//!                 await self.broadcast(f"{addr}: {data.decode()}", writer)
//!         finally:
//!             self.clients.remove(writer)
//!             writer.close()
//!             await writer.wait_closed()
//!
//!     async def broadcast(self, message, sender):
//!         for client in self.clients:
//!             if client != sender:
//!                 client.write(message.encode())
//!                 await client.drain()
//! ```
//!
//! Differences: a client's first line is its name (so joins and leaves can
//! be announced by name, not by address), and the server reads lines rather
//! than 100-byte chunks, so a message is never cut in two.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use corio::net::{StreamReader, StreamWriter, open_connection, start_server};

/// `class ChatServer`: the connected clients, by name.
#[derive(Clone, Default)]
struct ChatServer {
    clients: Arc<Mutex<BTreeMap<String, Arc<StreamWriter>>>>,
}

impl ChatServer {
    /// `async def handle_client(self, reader, writer)`.
    async fn handle_client(self, mut reader: StreamReader, writer: StreamWriter) {
        let addr = writer.peer_addr().expect("a TCP peer");
        let writer = Arc::new(writer);
        let name = match reader.readline().await {
            Ok(line) if !line.is_empty() => String::from_utf8_lossy(&line).trim().to_owned(),
            _ => return,
        };
        println!("server: {name} connected from {addr}");
        let others = self.clients.lock().unwrap().len();
        writer.write(format!("*** welcome {name}, {others} other(s) here\n").as_bytes());
        self.clients
            .lock()
            .unwrap()
            .insert(name.clone(), writer.clone());
        self.broadcast(&format!("*** {name} joined\n"), &name).await;

        // try: while True: data = await reader.readline() ...
        loop {
            match reader.readline().await {
                Ok(line) if line.is_empty() => break,
                Ok(line) => {
                    let message = String::from_utf8_lossy(&line);
                    println!("server: received from {name}: {}", message.trim_end());
                    self.broadcast(&format!("{name}: {message}"), &name).await;
                }
                Err(e) => {
                    println!("server: error from {name}: {e}");
                    break;
                }
            }
        }
        // finally: remove the client, tell the others, close.
        println!("server: {name} disconnected");
        self.clients.lock().unwrap().remove(&name);
        self.broadcast(&format!("*** {name} left\n"), &name).await;
        writer.close();
        let _ = writer.wait_closed().await;
    }

    /// `async def broadcast(self, message, sender)`: to every client but the sender.
    async fn broadcast(&self, message: &str, sender: &str) {
        let recipients: Vec<(String, Arc<StreamWriter>)> = self
            .clients
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _)| name.as_str() != sender)
            .map(|(name, writer)| (name.clone(), writer.clone()))
            .collect();
        for (name, client) in recipients {
            client.write(message.as_bytes());
            if let Err(e) = client.drain().await {
                println!("server: error broadcasting to {name}: {e}");
            }
        }
    }
}

/// A scripted chat client.
struct Client {
    name: &'static str,
    reader: StreamReader,
    writer: StreamWriter,
}

impl Client {
    /// Connects, sends its name, and waits for the welcome.
    async fn join(name: &'static str, addr: std::net::SocketAddr) -> std::io::Result<Client> {
        let (reader, writer) = open_connection(addr).await?;
        writer.write(format!("{name}\n").as_bytes());
        let mut client = Client {
            name,
            reader,
            writer,
        };
        client.receive(1).await?;
        Ok(client)
    }

    fn say(&self, message: &str) {
        println!("{:>5} says: {message}", self.name);
        self.writer.write(format!("{message}\n").as_bytes());
    }

    /// Reads and prints `n` lines.
    async fn receive(&mut self, n: usize) -> std::io::Result<()> {
        for _ in 0..n {
            let line = self.reader.readline().await?;
            println!(
                "{:>5} got:  {}",
                self.name,
                String::from_utf8_lossy(&line).trim_end()
            );
        }
        Ok(())
    }

    /// Leaves: closes its side; the server sees the end of stream.
    async fn leave(self) -> std::io::Result<()> {
        println!("{:>5} leaves", self.name);
        self.writer.close();
        self.writer.wait_closed().await
    }
}

// The clients are driven by one script, and every line is printed after the
// server line it depends on (the server prints, then forwards), so the output
// comes out in this order on any number of workers.
#[corio::main]
async fn main() -> std::io::Result<()> {
    let chat = ChatServer::default();
    let server = start_server(
        move |reader, writer| chat.clone().handle_client(reader, writer),
        "127.0.0.1:0",
    )
    .await?;
    println!("Chat server running on {}", server.local_addr());

    let mut alice = Client::join("alice", server.local_addr()).await?;
    let mut bob = Client::join("bob", server.local_addr()).await?;
    alice.receive(1).await?; // *** bob joined
    let mut carol = Client::join("carol", server.local_addr()).await?;
    alice.receive(1).await?; // *** carol joined
    bob.receive(1).await?;

    alice.say("hi everyone");
    bob.receive(1).await?;
    carol.receive(1).await?;

    bob.say("hello alice");
    alice.receive(1).await?;
    carol.receive(1).await?;

    carol.say("gotta go, bye!");
    alice.receive(1).await?;
    bob.receive(1).await?;
    carol.leave().await?;
    alice.receive(1).await?; // *** carol left
    bob.receive(1).await?;

    alice.leave().await?;
    bob.receive(1).await?; // *** alice left
    bob.leave().await?;

    server.close();
    server.wait_closed().await; // every handler has finished
    println!("Chat server closed");
    Ok(())
}
