//! Model-based checking of the timer wheel, shared by the proptest tests
//! below (`cargo test -p corio-timer`) and the cargo-fuzz target
//! `fuzz/fuzz_targets/timer_wheel.rs`. Not part of the API: it exists with
//! the `testing` feature (and in this crate's own tests).
//!
//! [`check_wheel`] decodes arbitrary bytes into [`WheelOp`]s and runs them
//! against a wheel driven the way a timer shard drives it (the shard's
//! lower-bound hint of the next expiration, `catch_up` before registering
//! and when the clock jumps, `process` in batches that other operations may
//! interleave with) and against the model: a sorted list of `(deadline, id)`.
//! After every operation the timers that fired must be exactly the model's
//! timers due at the processed tick (never early, never late: the wheel's
//! granularity is one tick), and the wheel's length and next deadline must
//! agree with the model.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Wake, Waker};

use crate::clock::MAX_TICK;
use crate::wheel::{Key, LEVELS, Reset, WHEEL_SPAN, Wheel};

/// The shard's hint when the wheel is empty.
const NEVER: u64 = u64::MAX;

/// One step of a run; see [`check_wheel`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WheelOp {
    /// Register a timer due `delay` ticks after the clock's current tick
    /// (a timer due at once is completed without entering the wheel).
    Insert {
        /// Ticks from now (0: already due).
        delay: u64,
    },
    /// Cancel the `pick % live`-th live timer (a no-op without any).
    Cancel {
        /// Which live timer.
        pick: usize,
    },
    /// Move the `pick % live`-th live timer to `delay` ticks after now.
    Reset {
        /// Which live timer.
        pick: usize,
        /// Ticks from now.
        delay: u64,
    },
    /// Give the `pick % live`-th live timer another waker (a task polled
    /// from elsewhere): it must still fire once, through the new waker.
    Repoll {
        /// Which live timer.
        pick: usize,
    },
    /// Use the `pick % dead`-th key of a timer that fired or was cancelled:
    /// the wheel must reject it everywhere.
    StaleKey {
        /// Which dead key.
        pick: usize,
    },
    /// The clock moves `by` ticks (clamped to the largest tick) and the
    /// wheel catches up if nothing is due before the new time, as
    /// `Timer::advance` does; nothing is processed.
    Advance {
        /// Ticks.
        by: u64,
    },
    /// One call of `process(now, limit)`: a shard's batch, after which
    /// other operations may run before the rest is processed.
    Process {
        /// Wakers per batch (at least 1).
        limit: usize,
    },
    /// Jump the clock to the wheel's next deadline and process everything
    /// due, as the driver's park loop does with a paused clock.
    RunToNext,
    /// Run the clock forward, deadline after deadline, until the earliest
    /// live timer fires; it must fire at its deadline after a bounded number
    /// of steps.
    RunToEarliest,
}

/// Reads the input bytes; past the end every read is zero.
#[derive(Debug)]
pub struct Input<'a> {
    bytes: &'a [u8],
}

impl<'a> Input<'a> {
    /// Reads `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Input { bytes }
    }

    /// True once every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The next byte (0 past the end).
    pub fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((&b, rest)) => {
                self.bytes = rest;
                b
            }
            None => 0,
        }
    }

    /// A number below `n` (`n >= 1`), from as few bytes as `n` needs.
    pub fn below(&mut self, n: u64) -> u64 {
        let bits = 64 - n.saturating_sub(1).leading_zeros();
        let mut v = 0u64;
        for _ in 0..bits.div_ceil(8) {
            v = v << 8 | u64::from(self.byte());
        }
        v % n.max(1)
    }
}

/// A delay of any magnitude the wheel handles differently: within a level-0
/// slot, within each level, exactly on a level boundary (and one tick either
/// side), beyond the wheel's span.
fn delay(input: &mut Input<'_>) -> u64 {
    match input.byte() % 10 {
        s @ 0..=6 => input.below(1 << (6 * s).max(2)),
        7 => 4 * WHEEL_SPAN + input.below(1 << 40),
        _ => {
            let boundary = 1u64 << (6 * (1 + input.below(LEVELS as u64)));
            (boundary + input.below(3)).saturating_sub(1)
        }
    }
}

/// Decodes operations from fuzzer (or proptest) bytes.
pub fn wheel_ops(bytes: &[u8]) -> Vec<WheelOp> {
    let mut input = Input::new(bytes);
    let mut ops = Vec::new();
    while !input.is_empty() {
        let op = match input.byte() % 16 {
            0..=4 => WheelOp::Insert {
                delay: delay(&mut input),
            },
            5 | 6 => WheelOp::Cancel {
                pick: input.byte().into(),
            },
            7 => WheelOp::Reset {
                pick: input.byte().into(),
                delay: delay(&mut input),
            },
            8 => WheelOp::Repoll {
                pick: input.byte().into(),
            },
            9 => WheelOp::StaleKey {
                pick: input.byte().into(),
            },
            10 | 11 => WheelOp::Advance {
                by: match input.byte() % 8 {
                    7 => MAX_TICK,
                    _ => delay(&mut input),
                },
            },
            12 => WheelOp::Process {
                limit: match input.byte() {
                    0 => usize::MAX,
                    n => usize::from(n % 8) + 1,
                },
            },
            13 | 14 => WheelOp::RunToNext,
            _ => WheelOp::RunToEarliest,
        };
        ops.push(op);
    }
    ops
}

/// Decodes `bytes` into operations and checks the wheel against the model
/// (see the [module docs](self)); panics on the first disagreement.
pub fn check_wheel(bytes: &[u8]) {
    run_wheel(&wheel_ops(bytes));
}

/// Records the id of each timer that fires.
type Log = Arc<Mutex<Vec<usize>>>;

struct Tag {
    id: usize,
    log: Log,
}

impl Wake for Tag {
    fn wake(self: Arc<Self>) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(self.id);
    }
}

/// A live timer of the model.
#[derive(Debug, Clone, Copy)]
struct Live {
    when: u64,
    id: usize,
    key: Key,
}

/// The wheel, driven as a shard drives it, and the model beside it.
struct Harness {
    wheel: Wheel,
    /// The clock's current tick.
    now: u64,
    /// The shard's lower bound of the next expiration.
    hint: u64,
    /// The model: live timers, sorted by `(when, id)`.
    model: BTreeSet<(u64, usize)>,
    /// The live timers' keys, in insertion order (for `pick`).
    live: Vec<Live>,
    /// Keys of timers that fired or were cancelled (the last 64).
    dead: Vec<Key>,
    next_id: usize,
    log: Log,
}

impl Harness {
    fn new() -> Self {
        Harness {
            wheel: Wheel::new(),
            now: 0,
            hint: NEVER,
            model: BTreeSet::new(),
            live: Vec::new(),
            dead: Vec::new(),
            next_id: 0,
            log: Arc::default(),
        }
    }

    fn waker(&self, id: usize) -> Waker {
        Waker::from(Arc::new(Tag {
            id,
            log: self.log.clone(),
        }))
    }

    fn pick(&self, pick: usize) -> Option<usize> {
        (!self.live.is_empty()).then(|| pick % self.live.len())
    }

    fn bury(&mut self, index: usize) -> Live {
        let gone = self.live.swap_remove(index);
        assert!(self.model.remove(&(gone.when, gone.id)));
        if self.dead.len() == 64 {
            self.dead.remove(0);
        }
        self.dead.push(gone.key);
        gone
    }

    fn deadline(&self, delay: u64) -> u64 {
        self.now.saturating_add(delay).min(MAX_TICK)
    }

    /// `Shard::register`.
    fn insert(&mut self, delay: u64) {
        let when = self.deadline(delay);
        self.wheel.catch_up(self.now, self.hint);
        let id = self.next_id;
        self.next_id += 1;
        match self.wheel.insert(when, self.waker(id)) {
            Ok((key, slot)) => {
                assert!(
                    when > self.wheel.elapsed(),
                    "took a timer due at {when}, already processed up to {}",
                    self.wheel.elapsed()
                );
                assert!(
                    slot > self.wheel.elapsed() && slot <= when,
                    "timer due at {when} went into a slot due at {slot} (elapsed {})",
                    self.wheel.elapsed()
                );
                self.hint = self.hint.min(slot);
                self.model.insert((when, id));
                self.live.push(Live { when, id, key });
            }
            Err(_) => assert!(
                when <= self.wheel.elapsed(),
                "refused a timer due at {when}, processed only up to {}",
                self.wheel.elapsed()
            ),
        }
    }

    /// `Shard::cancel`.
    fn cancel(&mut self, pick: usize) {
        let Some(i) = self.pick(pick) else { return };
        let key = self.live[i].key;
        assert!(self.wheel.remove(key).is_some(), "live timer not found");
        self.bury(i);
        if self.wheel.len() == 0 {
            self.hint = NEVER;
        }
    }

    /// `Shard::reset`.
    fn reset(&mut self, pick: usize, delay: u64) {
        let Some(i) = self.pick(pick) else { return };
        let when = self.deadline(delay);
        let Live { when: old, id, key } = self.live[i];
        match self.wheel.reset(key, when) {
            Reset::Moved(slot) => {
                assert!(when > self.wheel.elapsed() && slot > self.wheel.elapsed());
                assert!(
                    slot <= when,
                    "reset to {when} went into a slot due at {slot}"
                );
                self.hint = self.hint.min(slot);
                self.model.remove(&(old, id));
                self.model.insert((when, id));
                self.live[i].when = when;
            }
            Reset::Due(_) => {
                assert!(when <= self.wheel.elapsed(), "reset to {when} reported due");
                self.bury(i);
            }
            Reset::Gone => panic!("live timer reported gone by reset"),
        }
    }

    fn repoll(&mut self, pick: usize) {
        let Some(i) = self.pick(pick) else { return };
        let Live { id, key, .. } = self.live[i];
        // Same task, same waker: kept. Another waker: swapped in.
        let same = self.waker(id);
        let old = self.wheel.update_waker(key, &same);
        assert!(matches!(old, Ok(Some(_))), "a fresh waker was not stored");
        assert!(matches!(self.wheel.update_waker(key, &same), Ok(None)));
    }

    fn stale(&mut self, pick: usize) {
        if self.dead.is_empty() {
            return;
        }
        let key = self.dead[pick % self.dead.len()];
        assert!(
            self.wheel.remove(key).is_none(),
            "a dead key removed a timer"
        );
        assert!(
            self.wheel
                .update_waker(key, &self.waker(usize::MAX))
                .is_err()
        );
        assert!(matches!(self.wheel.reset(key, self.now + 1), Reset::Gone));
    }

    /// `Timer::advance` (`catch_up_all`).
    fn advance(&mut self, by: u64) {
        self.now = self.deadline(by);
        self.wheel.catch_up(self.now, self.hint);
    }

    /// One `Shard::process` batch; true when everything due is processed.
    fn process(&mut self, limit: usize) -> bool {
        let mut wakers = Vec::new();
        let done = self.wheel.process(self.now, &mut wakers, limit);
        assert!(
            done || wakers.len() >= limit,
            "stopped early with {} of {limit} wakers",
            wakers.len()
        );
        self.hint = self.wheel.next_deadline().unwrap_or(NEVER);
        wakers.into_iter().for_each(Waker::wake);
        let fired = std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner));
        for id in fired {
            let i = self
                .live
                .iter()
                .position(|l| l.id == id)
                .unwrap_or_else(|| panic!("timer {id} fired but is not live (fired twice?)"));
            let when = self.live[i].when;
            assert!(
                when <= self.now,
                "timer due at {when} fired early, at {}",
                self.now
            );
            self.bury(i);
        }
        if done {
            assert_eq!(self.wheel.elapsed(), self.now);
            if let Some(&(when, id)) = self.model.first() {
                assert!(
                    when > self.now,
                    "timer {id} due at {when} did not fire at {}",
                    self.now
                );
            }
        }
        done
    }

    fn process_all(&mut self) {
        while !self.process(3) {}
    }

    fn run_to_next(&mut self) {
        if let Some(next) = self.wheel.next_deadline() {
            self.now = self.now.max(next);
            self.process_all();
        }
    }

    fn run_to_earliest(&mut self) {
        let Some(&(when, id)) = self.model.first() else {
            return;
        };
        if when > self.now.saturating_add(2 * WHEEL_SPAN) {
            // Stepping round the top level once per rotation could take
            // 2^26 steps: jump to a rotation before (nothing fires there).
            self.now = when - WHEEL_SPAN;
            self.process_all();
        }
        // Each slot processed before `when` is a cascade of some live timer
        // (at most one per level it passes through) or a far timer's hop
        // round the top level.
        let hops = (when - self.now.min(when)) / (WHEEL_SPAN / 64) + 2;
        let bound = (self.model.len() as u64 + 1) * (LEVELS as u64 + 1) + hops;
        let start = self.now;
        let mut steps = 0;
        while self.model.contains(&(when, id)) {
            let next = self
                .wheel
                .next_deadline()
                .expect("live timers but no deadline");
            assert!(
                next <= when,
                "next deadline {next} is after the earliest timer's {when}"
            );
            self.now = self.now.max(next);
            self.process_all();
            steps += 1;
            assert!(
                steps <= bound,
                "{steps} steps and timer due at {when} not fired"
            );
        }
        if start <= when {
            assert_eq!(self.now, when, "the earliest timer fired late");
        }
    }

    /// What must hold between operations.
    fn check(&self) {
        assert_eq!(self.wheel.len(), self.model.len());
        assert!(self.wheel.elapsed() <= self.now);
        match (self.wheel.next_deadline(), self.model.first()) {
            (None, None) => {}
            (Some(next), Some(&(when, _))) => {
                assert!(
                    next > self.wheel.elapsed() && next <= when,
                    "next deadline {next}, earliest timer {when}, elapsed {}",
                    self.wheel.elapsed()
                );
                assert!(
                    self.hint <= next,
                    "hint {} above next deadline {next}",
                    self.hint
                );
            }
            (next, first) => panic!("next deadline {next:?} but earliest timer {first:?}"),
        }
    }
}

/// Runs `ops` against the wheel and the model; panics on a disagreement.
pub fn run_wheel(ops: &[WheelOp]) {
    let mut h = Harness::new();
    for op in ops {
        match *op {
            WheelOp::Insert { delay } => h.insert(delay),
            WheelOp::Cancel { pick } => h.cancel(pick),
            WheelOp::Reset { pick, delay } => h.reset(pick, delay),
            WheelOp::Repoll { pick } => h.repoll(pick),
            WheelOp::StaleKey { pick } => h.stale(pick),
            WheelOp::Advance { by } => h.advance(by),
            WheelOp::Process { limit } => {
                h.process(limit);
            }
            WheelOp::RunToNext => h.run_to_next(),
            WheelOp::RunToEarliest => h.run_to_earliest(),
        }
        h.check();
    }
    // Everything left fires at its deadline, in order.
    while !h.model.is_empty() {
        h.run_to_earliest();
        h.check();
    }
    assert_eq!(h.wheel.next_deadline(), None);
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// Random operation lists against the sorted-list model.
        #[test]
        fn wheel_matches_the_model(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            check_wheel(&bytes);
        }
    }

    /// The fuzzer's corpus (fuzz/corpus/timer_wheel) replayed: every input
    /// that found new coverage, and every crash fixed since, stays a test.
    #[test]
    fn fuzz_corpus_replays() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/timer_wheel");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).expect("fuzz/corpus/timer_wheel is in the repo") {
            check_wheel(&std::fs::read(entry.unwrap().path()).unwrap());
            n += 1;
        }
        assert!(n > 0, "empty corpus");
    }

    #[test]
    fn decodes_every_operation() {
        let mut bytes = vec![0; 4096];
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        )
        .fill_bytes(&mut bytes);
        let ops = wheel_ops(&bytes);
        for want in [
            "Insert",
            "Cancel",
            "Reset",
            "Repoll",
            "StaleKey",
            "Advance",
            "Process",
            "RunToNext",
            "RunToEarliest",
        ] {
            assert!(
                ops.iter().any(|op| format!("{op:?}").starts_with(want)),
                "{want} never decoded"
            );
        }
    }

    #[test]
    fn far_and_boundary_timers_fire_on_time() {
        run_wheel(&[
            WheelOp::Advance { by: 12_345 },
            WheelOp::Insert {
                delay: 5 * WHEEL_SPAN + 7,
            },
            WheelOp::Insert { delay: 64 },
            WheelOp::Insert { delay: 4095 },
            WheelOp::Insert { delay: 4096 },
            WheelOp::Insert { delay: 4097 },
            WheelOp::Process { limit: 1 },
            WheelOp::Insert { delay: 0 },
            WheelOp::RunToEarliest,
            WheelOp::Advance { by: MAX_TICK },
            WheelOp::Insert { delay: 10 },
        ]);
    }
}
