//! scheduler (stub).
#![allow(missing_docs)]

#[derive(Clone, Debug)]
pub struct Config {
    pub tasks: usize,
    pub workers: usize,
    pub seed: u64,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub tasks: usize,
}

impl Report {
    pub fn figures(&self) -> String {
        format!("scheduler: tasks={}", self.tasks)
    }
}

pub fn run(config: &Config) -> Report {
    Report { tasks: config.tasks }
}
