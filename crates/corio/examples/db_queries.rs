//! Three SQL queries gathered on an asyncpg connection, simulated: connect,
//! run `users`, `products` and `orders` at once, print each query and its
//! rows, close (tutorial 000, section 4.2, line 149).
//!
//! `cargo run --release --example db_queries`
//!
//! asyncio:
//!
//! ```python
//! async def run_query(conn, query):
//!     result = await conn.fetch(query)
//!     return result
//!
//! async def main():
//!     conn = await asyncpg.connect(user='user', password='password',
//!                                  database='database', host='localhost')
//!     queries = ["SELECT * FROM users LIMIT 10",
//!                "SELECT * FROM products LIMIT 10",
//!                "SELECT * FROM orders LIMIT 10"]
//!     results = await asyncio.gather(*(run_query(conn, query) for query in queries))
//!     for query, result in zip(queries, results):
//!         print(f"Query: {query}")
//!         print(f"Result: {result}\n")
//!     await conn.close()
//! ```
//!
//! SIMULATED: there is no database. Connecting takes 0.2 s, each query 0.5 s
//! and returns made-up rows (the seed implies no figures), so the three
//! queries take 0.5 s together rather than 1.5 s. With a real asyncpg
//! connection they could not overlap: one connection runs one query at a
//! time (gathering on it raises "another operation is in progress"); a
//! connection pool is the real-world fix.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// A simulated connection: `conn` in the seed.
struct Connection;

impl Connection {
    /// `await asyncpg.connect(...)`
    async fn connect() -> Connection {
        corio::sleep(Duration::from_millis(200)).await;
        Connection
    }

    /// `await conn.fetch(query)`: rows as text.
    async fn fetch(&self, query: &str) -> Vec<String> {
        corio::sleep(Duration::from_millis(500)).await;
        let table = query.split_whitespace().nth(3).unwrap_or("?");
        (1..=10)
            .map(|id| format!("<Record id={id} table='{table}'>"))
            .collect()
    }

    /// `await conn.close()`
    async fn close(self) {
        corio::sleep(Duration::from_millis(50)).await;
    }
}

async fn run_query(conn: Arc<Connection>, query: &'static str) -> Vec<String> {
    conn.fetch(query).await
}

#[corio::main]
async fn main() {
    let start = Instant::now();
    let conn = Arc::new(Connection::connect().await);
    let queries = [
        "SELECT * FROM users LIMIT 10",
        "SELECT * FROM products LIMIT 10",
        "SELECT * FROM orders LIMIT 10",
    ];
    let queried = Instant::now();
    // asyncio: await asyncio.gather(*(run_query(conn, query) for query in queries))
    let results = corio::gather(queries.map(|query| run_query(conn.clone(), query))).await;
    let querying = queried.elapsed().as_secs_f64();
    for (query, result) in queries.iter().zip(results) {
        println!("Query: {query}");
        println!("Result: [{}]\n", result.join(", "));
    }
    Arc::into_inner(conn)
        .expect("the queries are done")
        .close()
        .await;
    println!(
        "(3 queries in {querying:.1} s; {:.1} s with connect and close)",
        start.elapsed().as_secs_f64()
    );
}
