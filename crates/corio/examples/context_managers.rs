//! `async with`: set up and tear down around a body, both steps awaitable.
//! The seeds' async context managers: the minimal one (tutorial 000 line 93),
//! a database that connects, queries and disconnects (000 line 302), and a
//! database connection (001 line 694). The one whose body fails is in
//! cleanup_on_error.rs, with the RAII guards of `async with semaphore:`.
//!
//! `cargo run --release --example context_managers`
//!
//! asyncio (tutorial 000, line 302):
//!
//! ```python
//! class AsyncDatabase:
//!     async def __aenter__(self):
//!         await self.connect()
//!         return self
//!     async def __aexit__(self, exc_type, exc, tb):
//!         await self.disconnect()
//!     ...
//! async def main():
//!     async with AsyncDatabase() as db:
//!         result = await db.query("SELECT * FROM users")
//!         print(result)
//! ```
//!
//! Rust has no async `Drop`, so an exit that must await is a method, and
//! `async_with` runs enter, the body, then exit. (An exit that need not await
//! is a plain RAII guard, see cleanup_on_error.rs.)

use std::time::Duration;

/// `__aenter__` and `__aexit__`.
trait AsyncContextManager {
    async fn enter(&mut self);
    async fn exit(&mut self);
}

/// `async with manager: body`
async fn async_with<M: AsyncContextManager, T>(
    mut manager: M,
    body: impl AsyncFnOnce(&mut M) -> T,
) -> T {
    manager.enter().await;
    let output = body(&mut manager).await;
    manager.exit().await;
    output
}

fn sleep(seconds: f64) -> corio::time::Sleep {
    corio::sleep(Duration::from_secs_f64(seconds))
}

/// Tutorial 000, line 93: `class AsyncContextManager`.
struct Minimal;

impl AsyncContextManager for Minimal {
    async fn enter(&mut self) {
        println!("Entering the context");
        sleep(1.0).await;
    }
    async fn exit(&mut self) {
        println!("Exiting the context");
        sleep(1.0).await;
    }
}

/// Tutorial 000, line 302.
struct AsyncDatabase;

impl AsyncDatabase {
    async fn query(&self, sql: &str) -> &'static str {
        println!("Executing query: {sql}");
        sleep(1.0).await;
        "Query result"
    }
}

impl AsyncContextManager for AsyncDatabase {
    async fn enter(&mut self) {
        println!("Connecting to the database...");
        sleep(1.0).await;
        println!("Connected!");
    }
    async fn exit(&mut self) {
        println!("Disconnecting from the database...");
        sleep(1.0).await;
        println!("Disconnected!");
    }
}

/// Tutorial 001, line 694: an async context manager for database connections.
struct AsyncDatabaseConnection;

impl AsyncDatabaseConnection {
    async fn query(&self, sql: &str) -> String {
        sleep(0.5).await;
        format!("Results for: {sql}")
    }
}

impl AsyncContextManager for AsyncDatabaseConnection {
    async fn enter(&mut self) {
        println!("Opening database connection...");
        sleep(1.0).await; // Simulate connection time
        println!("Database connection opened");
    }
    async fn exit(&mut self) {
        println!("Closing database connection...");
        sleep(0.5).await; // Simulate cleanup
        println!("Database connection closed");
    }
}

#[corio::main]
async fn main() {
    // asyncio: async with AsyncContextManager() as manager: print("Inside the context")
    async_with(Minimal, async |_manager| println!("Inside the context")).await;
    println!();

    // asyncio: async with AsyncDatabase() as db: result = await db.query(...); print(result)
    async_with(AsyncDatabase, async |db| {
        let result = db.query("SELECT * FROM users").await;
        println!("{result}");
    })
    .await;
    println!();

    async_with(AsyncDatabaseConnection, async |db| {
        let result = db.query("SELECT * FROM users").await;
        println!("{result}");
    })
    .await;
    // Connection automatically closed after the with block
}
