//! Hash maps and small sets keyed by node or query ids, for lookups on the hot path.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A fast, deterministic hasher for `u32` ids (and `u64` pairs of them): protocols look
/// per-query and per-node state up on every message, where SipHash would dominate. Maps using
/// it are never iterated.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A hash map keyed by query or node ids (lookups only, never iterated).
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
/// A hash set of query or node ids (lookups only, never iterated).
pub type IdSet<K> = HashSet<K, BuildHasherDefault<IdHasher>>;

/// Entries up to which a [`SmallSet`] is a plain vector.
const SMALL: usize = 64;

/// A set of ids that is an unsorted vector while it holds at most 64 and a hash set beyond:
/// for the few nodes or links one walk touches, a scan of a line or two beats hashing and
/// grows with fewer allocations. Never iterated.
#[derive(Clone, Debug)]
pub enum SmallSet<K> {
    /// At most [`SMALL`] entries, unordered.
    Few(Vec<K>),
    /// More.
    Many(IdSet<K>),
}

impl<K> Default for SmallSet<K> {
    fn default() -> Self {
        SmallSet::Few(Vec::new())
    }
}

impl<K: Copy + Eq + Hash> SmallSet<K> {
    /// Adds `k`; returns whether it was new.
    #[inline]
    pub fn insert(&mut self, k: K) -> bool {
        match self {
            SmallSet::Few(v) => {
                if v.contains(&k) {
                    return false;
                }
                if v.len() < SMALL {
                    v.push(k);
                } else {
                    let mut set: IdSet<K> = v.drain(..).collect();
                    set.insert(k);
                    *self = SmallSet::Many(set);
                }
                true
            }
            SmallSet::Many(set) => set.insert(k),
        }
    }

    /// Whether `k` is in the set.
    #[inline]
    pub fn contains(&self, k: &K) -> bool {
        match self {
            SmallSet::Few(v) => v.contains(k),
            SmallSet::Many(set) => set.contains(k),
        }
    }

    /// Removes `k`; returns whether it was there.
    pub fn remove(&mut self, k: &K) -> bool {
        match self {
            SmallSet::Few(v) => match v.iter().position(|x| x == k) {
                Some(i) => {
                    v.swap_remove(i);
                    true
                }
                None => false,
            },
            SmallSet::Many(set) => set.remove(k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Sample, StreamKind, stream};
    use std::collections::BTreeSet;

    #[test]
    fn a_small_set_agrees_with_a_reference_across_the_switch() {
        // Keys from a range of 100 so that sets fill past the switch at 64 and ops collide.
        let mut r = stream(3, 0, StreamKind::Protocol, 0);
        let (mut set, mut reference) = (SmallSet::default(), BTreeSet::new());
        let mut switched = false;
        for step in 0..20_000 {
            let k = r.below(100);
            match r.below(3) {
                0 | 1 if step < 10_000 || r.below(2) == 0 => {
                    assert_eq!(set.insert(k), reference.insert(k), "insert {k} at {step}")
                }
                0 | 1 => assert_eq!(set.remove(&k), reference.remove(&k), "remove {k} at {step}"),
                _ => assert_eq!(set.contains(&k), reference.contains(&k), "contains {k}"),
            }
            switched |= matches!(set, SmallSet::Many(_));
        }
        assert!(switched, "the set grew past the vector");
        let mut few = SmallSet::default();
        assert!(few.insert(7u64) && !few.insert(7) && few.remove(&7) && !few.contains(&7));
    }
}
