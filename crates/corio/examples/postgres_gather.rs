//! Three SQL queries gathered on a real PostgreSQL server with tokio-postgres
//! on corio: the asyncpg example of tutorial 000, section 4.2 (line 149),
//! whose simulated twin is `db_queries.rs`.
//!
//! ```text
//! eval "$(bash .ci/postgres.sh start)"     # a throw-away server; sets CORIO_PG_URL
//! cargo run --release --features tokio-io --example postgres_gather
//! bash .ci/postgres.sh stop                # stops it and removes its directory
//! ```
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
//! How tokio-postgres runs on corio: corio's `TcpStream` implements tokio's
//! `AsyncRead`/`AsyncWrite` with the `tokio-io` feature, so
//! `Config::connect_raw` speaks the protocol over it, and the `Connection`
//! future it returns (the half that does the socket I/O) is spawned as a corio
//! task. The `Client` sends requests to that task; it ends when the client is
//! dropped (asyncpg's `conn.close()`).
//!
//! The tables are temporary (this session's only), so the example leaves
//! nothing behind. Unlike asyncpg, which raises "another operation is in
//! progress" when three queries are gathered on one connection,
//! tokio-postgres pipelines them; the server still runs one connection's
//! queries one after another, so three `pg_sleep`s take their sum on one
//! connection and about the slowest on three connections.
//!
//! Settings: `CORIO_PG_URL` (a URL or `key=value` string), else libpq's
//! `PGHOST` (127.0.0.1), `PGPORT` (5432), `PGUSER` (postgres), `PGPASSWORD`,
//! `PGDATABASE` (postgres). The host must be a TCP host.

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use corio::Task;
use tokio_postgres::config::Host;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, Config, NoTls, Row};

type BoxError = Box<dyn Error + Send + Sync>;

/// The connection settings from the environment.
fn settings() -> Result<Config, BoxError> {
    if let Ok(url) = std::env::var("CORIO_PG_URL") {
        return url
            .parse()
            .map_err(|e| format!("CORIO_PG_URL={url:?} is not a connection string: {e}").into());
    }
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let mut config = Config::new();
    config
        .host(var("PGHOST", "127.0.0.1"))
        .port(
            var("PGPORT", "5432")
                .parse()
                .map_err(|e| format!("PGPORT: {e}"))?,
        )
        .user(var("PGUSER", "postgres"))
        .dbname(var("PGDATABASE", "postgres"));
    if let Ok(password) = std::env::var("PGPASSWORD") {
        config.password(password);
    }
    Ok(config)
}

/// `await asyncpg.connect(...)`: a TCP connection on corio, the protocol's
/// start-up over it, and the connection future spawned as a corio task.
async fn connect(config: &Config) -> Result<(Client, Task<()>), BoxError> {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        None => "127.0.0.1".to_owned(),
        Some(other) => return Err(format!("{other:?} is not a TCP host").into()),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let stream = corio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| {
            format!(
                "no PostgreSQL server answers on {host}:{port} ({e}).\n\
                 Start a throw-away one with `eval \"$(bash .ci/postgres.sh start)\"` \
                 (it sets CORIO_PG_URL), or point CORIO_PG_URL or PGHOST/PGPORT at a server."
            )
        })?;
    stream.set_nodelay(true)?;
    let (client, connection) = config.connect_raw(stream, NoTls).await?;
    let connection = corio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("connection error: {e}");
        }
    });
    Ok((client, connection))
}

/// `await conn.fetch(query)`
async fn run_query(
    conn: Arc<Client>,
    query: &'static str,
) -> Result<Vec<Row>, tokio_postgres::Error> {
    conn.query(query, &[]).await
}

/// A row as asyncpg prints a `Record`.
fn record(row: &Row) -> String {
    let fields: Vec<String> = row
        .columns()
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let value = match *column.type_() {
                Type::INT4 => row.get::<_, Option<i32>>(i).map(|v| v.to_string()),
                Type::TEXT => row.get::<_, Option<&str>>(i).map(|v| format!("'{v}'")),
                _ => Some("?".to_owned()),
            };
            format!("{}={}", column.name(), value.as_deref().unwrap_or("None"))
        })
        .collect();
    format!("<Record {}>", fields.join(" "))
}

/// Three `pg_sleep`s of 0.1, 0.2 and 0.3 s started together, each on the
/// client given for it; returns the time until all three are done.
async fn three_sleeps(clients: [Arc<Client>; 3]) -> Result<Duration, BoxError> {
    let start = Instant::now();
    let sleeps = [0.1, 0.2, 0.3];
    let done = corio::gather(
        clients
            .into_iter()
            .zip(sleeps)
            .map(|(client, seconds)| async move {
                client.execute("SELECT pg_sleep($1)", &[&seconds]).await
            }),
    )
    .await;
    for result in done {
        result?;
    }
    Ok(start.elapsed())
}

async fn example() -> Result<(), BoxError> {
    let config = settings()?;
    let start = Instant::now();
    let (conn, connection) = connect(&config).await?;
    let version: String = conn.query_one("SHOW server_version", &[]).await?.get(0);
    conn.batch_execute(
        "CREATE TEMP TABLE users (id int, name text);
         INSERT INTO users VALUES (1, 'ada'), (2, 'grace'), (3, 'barbara');
         CREATE TEMP TABLE products AS
             SELECT n AS id, 'product ' || n AS name, n * 250 AS price_cents
             FROM generate_series(1, 20) AS n;
         CREATE TEMP TABLE orders (id int, user_id int, product_id int);
         INSERT INTO orders VALUES (1, 1, 7), (2, 3, 12);",
    )
    .await?;
    println!("connected to PostgreSQL {version}, made three temporary tables\n");

    let conn = Arc::new(conn);
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
        let rows: Vec<String> = result?.iter().map(record).collect();
        println!("Query: {query}");
        println!("Result: [{}]\n", rows.join(", "));
    }
    println!("(3 queries gathered on one connection in {querying:.3} s)\n");

    // The timing story, with queries that take a known time.
    println!("Three pg_sleep queries (0.1 s, 0.2 s, 0.3 s) started together:");
    let one = three_sleeps([conn.clone(), conn.clone(), conn.clone()]).await?;
    println!(
        "  on one connection:    {:.2} s  (pipelined, but the server runs them one after another)",
        one.as_secs_f64()
    );
    let mut pool = Vec::new();
    let mut pool_connections = Vec::new();
    for _ in 0..2 {
        let (client, connection) = connect(&config).await?;
        pool.push(Arc::new(client));
        pool_connections.push(connection);
    }
    let three = three_sleeps([conn.clone(), pool[0].clone(), pool[1].clone()]).await?;
    println!(
        "  on three connections: {:.2} s  (about the slowest: three server processes sleep at once)\n",
        three.as_secs_f64()
    );

    // await conn.close(): dropping the clients ends the connection tasks.
    drop(pool);
    drop(conn);
    connection.await?;
    for connection in pool_connections {
        connection.await?;
    }
    println!(
        "(done in {:.2} s with connects and close)",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

#[corio::main]
async fn main() -> ExitCode {
    match example().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("postgres_gather: {e}");
            ExitCode::FAILURE
        }
    }
}
