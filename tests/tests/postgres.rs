//! tokio-postgres on corio against a real PostgreSQL server: `connect_raw`
//! over corio's `TcpStream` (tokio's io traits through corio's `tokio-io`
//! feature), the connection future spawned as a corio task, queries gathered
//! with `corio::gather`, a bad query's error, and the connection task ending
//! when its client is dropped.
//!
//! The server: `CORIO_PG_URL` (set by `eval "$(bash .ci/postgres.sh start)"`,
//! as `.ci/run` does). When it is unset and `CORIO_REQUIRE_PG` is unset too,
//! the tests start a throw-away server with `.ci/postgres.sh start` if
//! PostgreSQL's server binaries are installed (and stop it when the test
//! process exits), and otherwise skip with a note naming the script. With
//! `CORIO_REQUIRE_PG=1` a missing server fails the tests.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use corio::Task;
use corio_tests::within;
use tokio_postgres::config::Host;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls};

const LIMIT: Duration = Duration::from_secs(30);

/// The script that installs, starts and stops the throw-away server.
fn script() -> String {
    format!("{}/../.ci/postgres.sh", env!("CARGO_MANIFEST_DIR"))
}

/// The data directory of a server this process started, for the exit hook.
static OWN_SERVER: OnceLock<String> = OnceLock::new();

extern "C" fn stop_own_server() {
    if let Some(dir) = OWN_SERVER.get() {
        let _ = Command::new("bash")
            .args([&script(), "stop", dir])
            .stderr(Stdio::null())
            .status();
    }
}

/// Starts a throw-away server with the script; `None` when PostgreSQL's
/// binaries are not installed.
fn start_own_server() -> Option<String> {
    let has_binaries = Command::new("bash")
        .args([&script(), "bindir"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !has_binaries {
        return None;
    }
    let out = Command::new("bash")
        .args([&script(), "start"])
        .stderr(Stdio::inherit())
        .output()
        .expect("run bash .ci/postgres.sh start");
    assert!(
        out.status.success(),
        "`bash .ci/postgres.sh start` failed ({}): see its messages above",
        out.status
    );
    let stdout = String::from_utf8(out.stdout).expect("the script prints UTF-8");
    let setting = |name: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(&format!("export {name}=")))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("`.ci/postgres.sh start` printed no {name}: {stdout:?}"))
    };
    let (url, dir) = (setting("CORIO_PG_URL"), setting("CORIO_PG_DIR"));
    OWN_SERVER.set(dir).expect("started once");
    // SAFETY: `stop_own_server` is an `extern "C" fn()` that does not unwind
    // (it ignores every error) and only reads a `OnceLock` that is never
    // cleared, so it is sound to run at any point of the process's exit.
    let registered = unsafe { libc::atexit(stop_own_server) };
    assert_eq!(registered, 0, "atexit could not register the server's stop");
    Some(url)
}

/// The server's connection settings, or `None` (after a note on stderr) when
/// there is no server and none is required.
fn server() -> Option<Config> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    let url = URL.get_or_init(|| {
        if let Ok(url) = std::env::var("CORIO_PG_URL") {
            return Some(url);
        }
        let required = std::env::var("CORIO_REQUIRE_PG").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "CORIO_REQUIRE_PG=1 but CORIO_PG_URL is unset: start a server with \
             `eval \"$(bash .ci/postgres.sh start)\"` (it installs PostgreSQL if needed)"
        );
        let url = start_own_server();
        if url.is_none() {
            // Straight to the process's stderr, past the test harness's
            // capture, and once: every test of this file skips.
            let _ = writeln!(
                std::io::stderr(),
                "tests/tests/postgres.rs skipped: no PostgreSQL server (CORIO_PG_URL is unset and \
                 the server binaries are missing); `bash .ci/postgres.sh install` installs them, \
                 `eval \"$(bash .ci/postgres.sh start)\"` starts one"
            );
        }
        url
    });
    let url = url.as_ref()?;
    Some(
        url.parse()
            .unwrap_or_else(|e| panic!("CORIO_PG_URL={url:?} is not a connection string: {e}")),
    )
}

/// Connects over corio's `TcpStream` and spawns the connection future as a
/// corio task; the task's output is the connection's end (`Ok` once the
/// client is dropped).
async fn connect(config: &Config) -> (Client, Task<Result<(), tokio_postgres::Error>>) {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        other => panic!("CORIO_PG_URL must name a TCP host, not {other:?}"),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let stream = corio::net::TcpStream::connect((host.as_str(), port))
        .await
        .unwrap_or_else(|e| {
            panic!("no PostgreSQL server answers on {host}:{port} ({e}); is CORIO_PG_URL stale?")
        });
    stream.set_nodelay(true).unwrap();
    let (client, connection) = config.connect_raw(stream, NoTls).await.unwrap();
    (client, corio::spawn(connection))
}

/// Runs `body` with the server's settings on a fresh two-worker runtime,
/// failing the test if it hangs; skips when there is no server.
fn with_server<F, Fut>(body: F)
where
    F: FnOnce(Config) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let Some(config) = server() else { return };
    within(LIMIT, move || {
        let runtime = corio::Runtime::builder().worker_threads(2).build().unwrap();
        runtime.block_on(body(config));
    });
}

#[test]
fn three_queries_gathered_on_one_connection() {
    with_server(|config| async move {
        let (client, connection) = connect(&config).await;
        client
            .batch_execute(
                "CREATE TEMP TABLE users (id int, name text);
                 INSERT INTO users VALUES (1, 'ada'), (2, 'grace'), (3, 'barbara');
                 CREATE TEMP TABLE products AS SELECT n AS id, 'product ' || n AS name
                     FROM generate_series(1, 25) AS n;
                 CREATE TEMP TABLE orders (id int, user_id int, total numeric);",
            )
            .await
            .unwrap();
        let client = Arc::new(client);
        let queries = [
            "SELECT id, name FROM users ORDER BY id LIMIT 10",
            "SELECT id, name FROM products ORDER BY id LIMIT 10",
            "SELECT id FROM orders LIMIT 10",
        ];
        let results = corio::gather(queries.map(|query| {
            let client = client.clone();
            async move { client.query(query, &[]).await }
        }))
        .await;
        let [users, products, orders]: [Vec<tokio_postgres::Row>; 3] = results
            .into_iter()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
            .try_into()
            .expect("three results");
        let names: Vec<String> = users.iter().map(|row| row.get("name")).collect();
        assert_eq!(names, ["ada", "grace", "barbara"]);
        let ids: Vec<i32> = products.iter().map(|row| row.get("id")).collect();
        assert_eq!(ids, (1..=10).collect::<Vec<i32>>());
        assert_eq!(products[9].get::<_, &str>("name"), "product 10");
        assert!(orders.is_empty());

        drop(Arc::into_inner(client).expect("the gathered queries are done"));
        corio::timeout(Duration::from_secs(10), connection)
            .await
            .expect("the connection task ends once its client is dropped")
            .expect("the connection task did not panic")
            .expect("the connection closed cleanly");
    });
}

#[test]
fn three_sleeps_over_three_connections_overlap() {
    with_server(|config| async move {
        let mut clients = Vec::new();
        let mut connections = Vec::new();
        for _ in 0..3 {
            let (client, connection) = connect(&config).await;
            clients.push(client);
            connections.push(connection);
        }
        let start = Instant::now();
        let pids = corio::gather(clients.into_iter().map(|client| async move {
            let row = client
                .query_one("SELECT pg_backend_pid(), pg_sleep(0.2)::text", &[])
                .await
                .unwrap();
            row.get::<_, i32>(0)
        }))
        .await;
        let elapsed = start.elapsed();
        // Three server processes slept at once: 0.2 s in all, not 0.6 s.
        assert!(
            elapsed >= Duration::from_millis(200),
            "a 0.2 s sleep took {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_millis(450),
            "three 0.2 s sleeps over three connections took {elapsed:?}: they did not overlap"
        );
        assert!(pids[0] != pids[1] && pids[1] != pids[2] && pids[0] != pids[2]);
        // The clients were dropped inside the gathered tasks.
        for connection in connections {
            corio::timeout(Duration::from_secs(10), connection)
                .await
                .expect("each connection task ends with its client")
                .unwrap()
                .unwrap();
        }
    });
}

#[test]
fn a_bad_query_is_an_error_and_the_connection_goes_on() {
    with_server(|config| async move {
        let (client, connection) = connect(&config).await;
        let client = Arc::new(client);
        let results = corio::gather(
            [
                "SELECT * FROM no_such_table",
                "SELECT 1 / 0",
                "SELEKT 1",
                "SELECT 41 + 1",
            ]
            .map(|query| {
                let client = client.clone();
                async move { client.query_one(query, &[]).await }
            }),
        )
        .await;
        let codes: Vec<Option<&SqlState>> = results[..3]
            .iter()
            .map(|result| result.as_ref().expect_err("a bad query fails").code())
            .collect();
        assert_eq!(
            codes,
            [
                Some(&SqlState::UNDEFINED_TABLE),
                Some(&SqlState::DIVISION_BY_ZERO),
                Some(&SqlState::SYNTAX_ERROR)
            ]
        );
        // tokio-postgres's `Display` of a server error is only "db error":
        // the server's message is in `as_db_error()`.
        let error = results[0].as_ref().unwrap_err();
        let message = error.as_db_error().expect("a server error").message();
        assert!(message.contains("no_such_table"), "{message}");
        let answer: i32 = results[3].as_ref().expect("a good query works").get(0);
        assert_eq!(answer, 42);
        assert!(
            !client.is_closed(),
            "errors of queries leave the connection open"
        );
        drop(results);

        drop(Arc::into_inner(client).expect("the gathered queries are done"));
        corio::timeout(Duration::from_secs(10), connection)
            .await
            .expect("the connection task ends once its client is dropped")
            .unwrap()
            .unwrap();
    });
}

#[test]
fn the_connection_task_ends_when_the_server_closes_it() {
    with_server(|config| async move {
        let (victim, connection) = connect(&config).await;
        let (killer, killer_connection) = connect(&config).await;
        let pid: i32 = victim
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .unwrap()
            .get(0);
        let killed: bool = killer
            .query_one("SELECT pg_terminate_backend($1)", &[&pid])
            .await
            .unwrap()
            .get(0);
        assert!(killed);
        let outcome = corio::timeout(Duration::from_secs(10), connection)
            .await
            .expect("the connection task ends when the server goes away")
            .expect("the connection task did not panic");
        let error = outcome.expect_err("a terminated backend is an error of the connection");
        // The server sends a FATAL "terminating connection due to administrator
        // command" and closes, but that message does not always reach the
        // client before the close (tokio's own sockets see the same): the end
        // may also be "connection closed" or a reset.
        if let Some(code) = error.code() {
            assert_eq!(code, &SqlState::ADMIN_SHUTDOWN, "{error:?}");
        }
        assert!(victim.is_closed());
        let late = victim.query_one("SELECT 1", &[]).await;
        assert!(late.unwrap_err().is_closed());

        drop(killer);
        corio::timeout(Duration::from_secs(10), killer_connection)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    });
}
