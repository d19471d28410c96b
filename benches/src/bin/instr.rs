//! Runs one scheduler workload on corio only, a few times, for instruction
//! counting under callgrind (no tokio in the process, no timing):
//!
//! ```text
//! cargo build --release -p corio-benches --bin instr
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/instr [--only spawn_many] [--rounds 3] [--workers 2]
//! ```

use corio_benches::{Corio, Rt, run_scheduler_workload};

fn main() {
    let mut only = String::from("spawn_many");
    let mut rounds = 3usize;
    let mut workers = 2usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--only" => only = value(),
            "--rounds" => rounds = value().parse().expect("--rounds takes a number"),
            "--workers" => workers = value().parse().expect("--workers takes a number"),
            other => panic!("unknown argument {other} (try --only NAME --rounds N --workers N)"),
        }
    }
    let rt = Corio::with_workers(workers);
    for _ in 0..rounds {
        run_scheduler_workload(&rt, &only);
    }
}
