//! The hierarchical timing wheel: 6 levels of 64 slots, 1 tick (1 ms) wide
//! at level 0 and 64 times wider at each level up (level 5 slots are ~12.4
//! days wide, the whole wheel spans 2^36 ms, about 2.2 years).
//!
//! * An entry with deadline `when` lives at the lowest level whose slot width
//!   separates `when` from `elapsed` (the last processed tick):
//!   `level = msb((elapsed ^ when) | 63) / 6`, `slot = (when >> 6*level) & 63`.
//!   Deadlines further than the wheel's span sit in the top level, in the
//!   slot that comes round last, and are re-inserted when it expires
//!   ("cascaded" again), so a sleep of many years costs one re-insertion
//!   every ~2 years and never overflows.
//! * Each slot is a doubly linked list threaded through a slab of entries by
//!   `u32` index, so insert and cancel are O(1). Each level keeps a `u64`
//!   occupancy bitmap: the next slot to expire is a rotate plus
//!   `trailing_zeros`, O(levels).
//! * Processing a higher-level slot moves its entries down (they are
//!   re-inserted relative to the new `elapsed`); level-0 slots fire.
//! * Entries are addressed by generation-checked keys: firing or cancelling
//!   frees the slab node and bumps its generation, so a stale key (a `Sleep`
//!   whose entry already fired) is recognised and never touches a reused node.
//!
//! The wheel itself is single-threaded; the shard in `timer.rs` puts it
//! behind a mutex.

use std::task::Waker;

/// Number of levels.
pub(crate) const LEVELS: usize = 6;
/// Bits of the tick consumed by one level.
const LEVEL_BITS: u32 = 6;
/// Slots per level.
const SLOTS: usize = 1 << LEVEL_BITS;
/// Mask of a slot index.
const SLOT_MASK: u64 = SLOTS as u64 - 1;
/// Ticks spanned by the whole wheel (one rotation of the top level).
pub(crate) const WHEEL_SPAN: u64 = 1 << (LEVEL_BITS as usize * LEVELS);
/// "No node" in the intrusive lists and the free list.
const NIL: u32 = u32::MAX;

/// Identifies one registered entry: slab index plus generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    index: u32,
    generation: u32,
}

/// A registered timer.
#[derive(Debug)]
struct Entry {
    /// Deadline tick (fires once `elapsed >= when`).
    when: u64,
    waker: Waker,
    prev: u32,
    next: u32,
    level: u8,
    slot: u8,
}

#[derive(Debug)]
enum NodeState {
    Occupied(Entry),
    Vacant { next_free: u32 },
}

#[derive(Debug)]
struct Node {
    /// Bumped each time the node is freed, so old keys stop matching.
    generation: u32,
    state: NodeState,
}

/// The next slot to expire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Expiration {
    pub(crate) level: usize,
    pub(crate) slot: usize,
    /// First tick of the slot: when it must be processed.
    pub(crate) deadline: u64,
}

/// The key no longer names an entry.
#[derive(Debug)]
pub(crate) struct Gone;

/// What `reset` did.
#[derive(Debug)]
pub(crate) enum Reset {
    /// The key no longer names an entry (it fired, or was cancelled).
    Gone,
    /// The new deadline is already due: the entry was removed; here is its waker.
    Due(Waker),
    /// The entry now waits in the slot that expires at this tick.
    Moved(u64),
}

/// A hierarchical timing wheel (single-threaded).
#[derive(Debug)]
pub(crate) struct Wheel {
    /// Every entry with `when <= elapsed` has fired.
    elapsed: u64,
    occupied: [u64; LEVELS],
    heads: [[u32; SLOTS]; LEVELS],
    nodes: Vec<Node>,
    free: u32,
    len: usize,
    registrations: u64,
}

impl Default for Wheel {
    fn default() -> Self {
        Self::new()
    }
}

impl Wheel {
    /// An empty wheel at tick 0.
    pub(crate) fn new() -> Self {
        Wheel {
            elapsed: 0,
            occupied: [0; LEVELS],
            heads: [[NIL; SLOTS]; LEVELS],
            nodes: Vec::new(),
            free: NIL,
            len: 0,
            registrations: 0,
        }
    }

    /// The last processed tick.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Number of registered entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Number of successful insertions ever.
    pub(crate) fn registrations(&self) -> u64 {
        self.registrations
    }

    /// Moves `elapsed` forward to `now` when nothing expires at or before
    /// `now` (`next_hint` is a lower bound of the next expiration). Keeps
    /// fresh insertions in low levels when the wheel has been idle.
    #[inline]
    pub(crate) fn catch_up(&mut self, now: u64, next_hint: u64) {
        if now > self.elapsed && next_hint > now {
            self.elapsed = now;
        }
    }

    /// Registers `waker` to fire at tick `when`. Returns the key and the
    /// first tick of the slot it went into, or gives the waker back if
    /// `when` is already due (`when <= elapsed`).
    pub(crate) fn insert(&mut self, when: u64, waker: Waker) -> Result<(Key, u64), Waker> {
        if when <= self.elapsed {
            return Err(waker);
        }
        let index = self.alloc(Entry {
            when,
            waker,
            prev: NIL,
            next: NIL,
            level: 0,
            slot: 0,
        });
        let deadline = self.link(index);
        self.len += 1;
        self.registrations += 1;
        let generation = self.nodes[index as usize].generation;
        Ok((Key { index, generation }, deadline))
    }

    /// Cancels the entry and returns its waker (for the caller to drop
    /// outside any lock), or `None` if the key is stale (already fired or
    /// cancelled).
    pub(crate) fn remove(&mut self, key: Key) -> Option<Waker> {
        self.entry(key)?;
        self.unlink(key.index);
        Some(self.free_node(key.index))
    }

    /// Whether the key still names a registered entry.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn contains(&self, key: Key) -> bool {
        self.entry(key).is_some()
    }

    /// Stores `waker` in the entry unless the stored one wakes the same
    /// task; returns the replaced waker (to drop outside any lock). `Err` if
    /// the key is stale (the entry fired).
    pub(crate) fn update_waker(&mut self, key: Key, waker: &Waker) -> Result<Option<Waker>, Gone> {
        match self.entry_mut(key) {
            Some(e) if e.waker.will_wake(waker) => Ok(None),
            Some(e) => Ok(Some(std::mem::replace(&mut e.waker, waker.clone()))),
            None => Err(Gone),
        }
    }

    /// Moves the entry to a new deadline.
    pub(crate) fn reset(&mut self, key: Key, when: u64) -> Reset {
        if self.entry(key).is_none() {
            return Reset::Gone;
        }
        self.unlink(key.index);
        if when <= self.elapsed {
            return Reset::Due(self.free_node(key.index));
        }
        if let NodeState::Occupied(e) = &mut self.nodes[key.index as usize].state {
            e.when = when;
        }
        Reset::Moved(self.link(key.index))
    }

    /// The next slot to expire, if any entry is registered. Lower levels
    /// always expire before higher ones, so the first occupied level wins.
    pub(crate) fn next_expiration(&self) -> Option<Expiration> {
        (0..LEVELS).find_map(|level| {
            let occupied = self.occupied[level];
            if occupied == 0 {
                return None;
            }
            let pos = slot_of(self.elapsed, level);
            let slot = (pos + occupied.rotate_right(pos as u32).trailing_zeros() as usize) % SLOTS;
            Some(Expiration {
                level,
                slot,
                deadline: slot_deadline(self.elapsed, level, slot),
            })
        })
    }

    /// The tick at which the next slot must be processed (a lower bound of
    /// the earliest entry's deadline; exact when that entry is in level 0).
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.next_expiration().map(|e| e.deadline)
    }

    /// Fires everything due at tick `now`: pushes the wakers of expired
    /// entries onto `wakers` (the caller wakes them after unlocking) and
    /// cascades higher-level slots down. Stops after a whole slot once
    /// `wakers` holds `limit` or more, returning false ("call again");
    /// returns true when everything due at `now` was handled.
    pub(crate) fn process(&mut self, now: u64, wakers: &mut Vec<Waker>, limit: usize) -> bool {
        if now - self.elapsed.min(now) >= WHEEL_SPAN && self.len > 0 {
            self.jump(now, wakers);
            return true;
        }
        while let Some(exp) = self.next_expiration() {
            if exp.deadline > now {
                break;
            }
            self.elapsed = self.elapsed.max(exp.deadline);
            let mut index = std::mem::replace(&mut self.heads[exp.level][exp.slot], NIL);
            self.occupied[exp.level] &= !(1 << exp.slot);
            while index != NIL {
                let (next, when) = match &self.nodes[index as usize].state {
                    NodeState::Occupied(e) => (e.next, e.when),
                    NodeState::Vacant { .. } => unreachable!("vacant node in a slot list"),
                };
                if when <= self.elapsed {
                    wakers.push(self.free_node(index));
                } else {
                    self.link(index);
                }
                index = next;
            }
            if wakers.len() >= limit {
                return false;
            }
        }
        self.elapsed = self.elapsed.max(now);
        true
    }

    /// Processes a jump of a whole rotation or more (a virtual clock's
    /// `advance`) at once: fires every entry due at `now` and re-links the
    /// others relative to `now`. Walking the slots instead would cost a pass
    /// per rotation for each entry parked beyond the span (2^26 passes for a
    /// jump to `MAX_TICK`); this costs one pass over the slab.
    fn jump(&mut self, now: u64, wakers: &mut Vec<Waker>) {
        self.occupied = [0; LEVELS];
        self.heads = [[NIL; SLOTS]; LEVELS];
        self.elapsed = now;
        for index in 0..self.nodes.len() {
            let when = match &self.nodes[index].state {
                NodeState::Occupied(e) => e.when,
                NodeState::Vacant { .. } => continue,
            };
            // `nodes` has at most `NIL` entries (see `alloc`).
            let index = index as u32;
            if when <= now {
                wakers.push(self.free_node(index));
            } else {
                self.link(index);
            }
        }
    }

    /// Removes every entry, pushing their wakers (shutdown), and frees the
    /// slab's memory. Generations restart, so this must only be used when no
    /// key will be looked up again (the timer is shut down).
    pub(crate) fn drain(&mut self, wakers: &mut Vec<Waker>) {
        for node in self.nodes.drain(..) {
            if let NodeState::Occupied(e) = node.state {
                wakers.push(e.waker);
            }
        }
        let elapsed = self.elapsed;
        let registrations = self.registrations;
        *self = Wheel::new();
        self.elapsed = elapsed;
        self.registrations = registrations;
    }

    fn entry(&self, key: Key) -> Option<&Entry> {
        match self.nodes.get(key.index as usize) {
            Some(Node {
                generation,
                state: NodeState::Occupied(e),
            }) if *generation == key.generation => Some(e),
            _ => None,
        }
    }

    fn entry_mut(&mut self, key: Key) -> Option<&mut Entry> {
        match self.nodes.get_mut(key.index as usize) {
            Some(Node {
                generation,
                state: NodeState::Occupied(e),
            }) if *generation == key.generation => Some(e),
            _ => None,
        }
    }

    fn alloc(&mut self, entry: Entry) -> u32 {
        if self.free != NIL {
            let index = self.free;
            let node = &mut self.nodes[index as usize];
            match node.state {
                NodeState::Vacant { next_free } => self.free = next_free,
                NodeState::Occupied(_) => unreachable!("occupied node on the free list"),
            }
            node.state = NodeState::Occupied(entry);
            index
        } else {
            let index = u32::try_from(self.nodes.len())
                .ok()
                .filter(|&i| i != NIL)
                .expect("more than 4 billion timers registered in one wheel shard");
            self.nodes.push(Node {
                generation: 0,
                state: NodeState::Occupied(entry),
            });
            index
        }
    }

    /// Frees an (already unlinked) node and returns its waker.
    fn free_node(&mut self, index: u32) -> Waker {
        let node = &mut self.nodes[index as usize];
        node.generation = node.generation.wrapping_add(1);
        let state = std::mem::replace(
            &mut node.state,
            NodeState::Vacant {
                next_free: self.free,
            },
        );
        self.free = index;
        self.len -= 1;
        match state {
            NodeState::Occupied(e) => e.waker,
            NodeState::Vacant { .. } => unreachable!("freeing a vacant node"),
        }
    }

    fn occupied_entry(&mut self, index: u32) -> &mut Entry {
        match &mut self.nodes[index as usize].state {
            NodeState::Occupied(e) => e,
            NodeState::Vacant { .. } => unreachable!("vacant node linked"),
        }
    }

    /// Puts the node at the head of the slot its deadline maps to (relative
    /// to `elapsed`; requires `when > elapsed`). Returns the slot's deadline.
    fn link(&mut self, index: u32) -> u64 {
        let elapsed = self.elapsed;
        let when = self.occupied_entry(index).when;
        debug_assert!(when > elapsed);
        let (level, slot) = position(elapsed, when);
        let head = self.heads[level][slot];
        {
            let e = self.occupied_entry(index);
            e.level = level as u8;
            e.slot = slot as u8;
            e.prev = NIL;
            e.next = head;
        }
        if head != NIL {
            self.occupied_entry(head).prev = index;
        }
        self.heads[level][slot] = index;
        self.occupied[level] |= 1 << slot;
        slot_deadline(elapsed, level, slot)
    }

    /// Takes the node out of its slot list.
    fn unlink(&mut self, index: u32) {
        let (prev, next, level, slot) = {
            let e = self.occupied_entry(index);
            (e.prev, e.next, e.level as usize, e.slot as usize)
        };
        if prev == NIL {
            self.heads[level][slot] = next;
            if next == NIL {
                self.occupied[level] &= !(1 << slot);
            }
        } else {
            self.occupied_entry(prev).next = next;
        }
        if next != NIL {
            self.occupied_entry(next).prev = prev;
        }
    }
}

/// The slot `tick` falls in at `level`.
#[inline]
fn slot_of(tick: u64, level: usize) -> usize {
    ((tick >> (LEVEL_BITS as usize * level)) & SLOT_MASK) as usize
}

/// Level and slot for an entry due at `when` (> `elapsed`).
#[inline]
fn position(elapsed: u64, when: u64) -> (usize, usize) {
    let masked = (elapsed ^ when) | SLOT_MASK;
    if masked < WHEEL_SPAN {
        let level = ((63 - masked.leading_zeros()) / LEVEL_BITS) as usize;
        (level, slot_of(when, level))
    } else {
        // Beyond the top level's current rotation. If `when` comes before
        // the top level's current slot comes round again, its natural slot
        // (in the next rotation) is right; otherwise park it in the slot that
        // comes round last, to be re-inserted from there.
        let top = LEVELS - 1;
        let slot_range = 1u64 << (LEVEL_BITS as usize * top);
        let level_start = elapsed & !(WHEEL_SPAN - 1);
        let pos = slot_of(elapsed, top);
        if when < level_start + WHEEL_SPAN + pos as u64 * slot_range {
            (top, slot_of(when, top))
        } else {
            (top, (pos + SLOTS - 1) % SLOTS)
        }
    }
}

/// The first tick of `slot` at `level`, seen from `elapsed`: in the current
/// rotation of that level if the slot is still ahead, else in the next.
#[inline]
fn slot_deadline(elapsed: u64, level: usize, slot: usize) -> u64 {
    let slot_range = 1u64 << (LEVEL_BITS as usize * level);
    let level_range = slot_range << LEVEL_BITS;
    let level_start = elapsed & !(level_range - 1);
    let deadline = level_start + slot as u64 * slot_range;
    if slot > slot_of(elapsed, level) {
        deadline
    } else {
        deadline + level_range
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    /// A waker that records its id into a shared log when woken.
    struct Tag(usize, Arc<std::sync::Mutex<Vec<usize>>>);
    impl Wake for Tag {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    fn waker(id: usize, log: &Arc<std::sync::Mutex<Vec<usize>>>) -> Waker {
        Waker::from(Arc::new(Tag(id, log.clone())))
    }

    /// Processes up to `now` and wakes what fired; returns how many fired.
    fn fire(w: &mut Wheel, now: u64) -> usize {
        let mut wakers = Vec::new();
        while !w.process(now, &mut wakers, 1000) {}
        let n = wakers.len();
        wakers.into_iter().for_each(Waker::wake);
        n
    }

    #[test]
    fn level_zero_fires_exactly() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        w.insert(10, waker(1, &log)).unwrap();
        assert_eq!(w.next_deadline(), Some(10));
        assert_eq!(fire(&mut w, 9), 0);
        assert!(log.lock().unwrap().is_empty());
        assert_eq!(fire(&mut w, 10), 1);
        assert_eq!(*log.lock().unwrap(), vec![1]);
        assert_eq!(w.len(), 0);
        assert_eq!(w.next_deadline(), None);
    }

    #[test]
    fn already_due_is_refused() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        fire(&mut w, 100);
        assert!(w.insert(100, waker(1, &log)).is_err());
        assert!(w.insert(50, waker(1, &log)).is_err());
        assert!(w.insert(101, waker(1, &log)).is_ok());
    }

    #[test]
    fn cascades_through_every_level() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        // One deadline per level, plus an odd one in each.
        let whens: Vec<u64> = (0..LEVELS)
            .map(|l| (1u64 << (6 * l)) * 3 + 17)
            .chain([70, 5000, 300_000, 20_000_000, 1_500_000_000, 60_000_000_000])
            .collect();
        for (i, &when) in whens.iter().enumerate() {
            let (_, d) = w.insert(when, waker(i, &log)).unwrap();
            assert!(d <= when, "slot deadline {d} after entry deadline {when}");
        }
        let mut sorted: Vec<(u64, usize)> = whens.iter().copied().zip(0..).collect();
        sorted.sort();
        for &(when, id) in &sorted {
            // The wheel never reports work later than the earliest deadline,
            // and after cascading its report becomes exact.
            let mut steps = 0;
            loop {
                let next = w.next_deadline().unwrap();
                assert!(next <= when);
                if next == when {
                    break;
                }
                assert_eq!(fire(&mut w, next), 0, "fired early at {next}");
                steps += 1;
                assert!(steps <= LEVELS, "too many cascade steps");
            }
            assert_eq!(fire(&mut w, when - 1), 0);
            assert_eq!(fire(&mut w, when), 1);
            assert_eq!(log.lock().unwrap().pop(), Some(id));
        }
        assert_eq!(w.len(), 0);
    }

    #[test]
    fn beyond_the_span_waits_in_the_top_level() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        fire(&mut w, 123_456);
        let far = 5 * WHEEL_SPAN + 77;
        w.insert(far, waker(9, &log)).unwrap();
        let mut hops = 0;
        while let Some(next) = w.next_deadline() {
            assert!(next <= far);
            let fired = fire(&mut w, next);
            if next == far {
                assert_eq!(fired, 1);
            } else {
                assert_eq!(fired, 0);
            }
            hops += 1;
            assert!(hops < 64, "no progress");
        }
        assert_eq!(*log.lock().unwrap(), vec![9]);
        assert_eq!(w.elapsed(), far);
    }

    #[test]
    fn natural_top_level_slot_across_the_rotation_is_not_late() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        // elapsed in slot 10 of the top level; deadline in slot 2 of the
        // next rotation (under the span away, but the bits differ above it).
        let sr = 1u64 << 30;
        fire(&mut w, 10 * sr + 5);
        let when = WHEEL_SPAN + 2 * sr + 99;
        w.insert(when, waker(1, &log)).unwrap();
        let mut last = 0;
        while let Some(next) = w.next_deadline() {
            assert!(next <= when && next > last);
            last = next;
            fire(&mut w, next);
        }
        assert_eq!(last, when);
        assert_eq!(*log.lock().unwrap(), vec![1]);
    }

    #[test]
    fn max_tick_does_not_overflow() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        let when = crate::clock::MAX_TICK;
        let (key, d) = w.insert(when, waker(1, &log)).unwrap();
        assert!(d < when);
        fire(&mut w, d);
        assert!(w.contains(key) || log.lock().unwrap().is_empty());
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn remove_and_stale_keys() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        let (a, _) = w.insert(5, waker(1, &log)).unwrap();
        let (b, _) = w.insert(5, waker(2, &log)).unwrap();
        let (c, _) = w.insert(5, waker(3, &log)).unwrap();
        assert!(w.remove(b).is_some());
        assert!(w.remove(b).is_none());
        assert_eq!(fire(&mut w, 5), 2);
        assert!(!w.contains(a) && !w.contains(c));
        // The freed nodes are reused with new generations.
        let (d, _) = w.insert(9, waker(4, &log)).unwrap();
        assert!(w.remove(a).is_none() && w.remove(c).is_none() && w.contains(d));
        assert!(w.update_waker(a, &waker(5, &log)).is_err());
        assert!(matches!(w.reset(a, 100), Reset::Gone));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn reset_moves_and_fires_due() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        let (a, _) = w.insert(5000, waker(1, &log)).unwrap();
        assert!(matches!(w.reset(a, 7), Reset::Moved(7)));
        assert_eq!(w.next_deadline(), Some(7));
        fire(&mut w, 3);
        assert!(matches!(w.reset(a, 2), Reset::Due(_)));
        assert_eq!(w.len(), 0);
    }

    #[test]
    fn update_waker_replaces_other_tasks_waker() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        let (a, _) = w.insert(3, waker(1, &log)).unwrap();
        assert!(w.update_waker(a, &waker(2, &log)).unwrap().is_some());
        fire(&mut w, 3);
        assert_eq!(*log.lock().unwrap(), vec![2]);
    }

    /// Regression (found by the wheel's model, `testing.rs`): a jump of the
    /// clock to `MAX_TICK` with a timer parked beyond the span walked the top
    /// level once per rotation, 2^25 passes (0.85 s in release) in one call.
    #[test]
    fn a_jump_past_far_timers_is_one_pass() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        w.insert(1 << 61, waker(1, &log)).unwrap();
        w.insert(5, waker(2, &log)).unwrap();
        w.insert(crate::clock::MAX_TICK, waker(3, &log)).unwrap();
        let far = (1u64 << 61) + 3 * WHEEL_SPAN + 5;
        w.insert(far, waker(4, &log)).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(fire(&mut w, 1 << 61), 2);
        log.lock().unwrap().sort();
        assert_eq!(*log.lock().unwrap(), vec![1, 2]);
        assert_eq!(w.elapsed(), 1 << 61);
        // The rest is placed relative to the new time: exact again.
        assert_eq!(fire(&mut w, far - 1), 0);
        assert_eq!(fire(&mut w, far), 1);
        assert_eq!(fire(&mut w, crate::clock::MAX_TICK), 1);
        assert_eq!(w.len(), 0);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn process_stops_at_the_limit_and_resumes() {
        let count = Arc::new(AtomicUsize::new(0));
        struct Count(Arc<AtomicUsize>);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::Relaxed);
            }
        }
        let mut w = Wheel::new();
        for t in 1..=10u64 {
            for _ in 0..10 {
                w.insert(t, Waker::from(Arc::new(Count(count.clone()))))
                    .unwrap();
            }
        }
        let mut wakers = Vec::new();
        assert!(!w.process(10, &mut wakers, 25));
        assert_eq!(wakers.len(), 30);
        assert!(w.process(10, &mut wakers, 1000));
        assert_eq!(wakers.len(), 100);
        assert_eq!(w.len(), 0);
    }
}
