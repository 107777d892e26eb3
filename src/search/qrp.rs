//! The Query Routing Protocol as deployed (Rohrs, "Query Routing for the Gnutella Network" v1.0,
//! 2002; Fisk, "Gnutella Ultrapeer Query Routing" v0.1, 2003).
//!
//! A leaf sends each of its ultrapeers a query route table: `2^table_bits` slots with the slot
//! of every keyword of every shared file set. An ultrapeer passes a query to a leaf only if
//! every keyword of the query hashes to a set slot, so a leaf whose slots are set by other
//! files' keywords receives queries it cannot answer (false positives). With last-hop routing
//! an ultrapeer's table is its own files plus all its leaves' tables, and a query on its last
//! mesh hop goes only to ultrapeers whose table matches.
//!
//! floodsim objects have no names: object `o` has `keywords_per_object` keywords, keyword `j`
//! being the 16 lower-case hex digits of SplitMix64(o·256 + j); a query for `o` carries all of
//! them. They are hashed with the specification's hash function.

use crate::content::{Content, ObjectId};
use crate::rng::splitmix64;
use crate::topology::{NodeId, Overlay};

use super::gnutella::HEADER_BYTES;

/// The QRP hash of `keyword` into a table of `2^bits` slots (Rohrs 2002, "Hashing Details"):
/// the lower-cased bytes are XORed together as little-endian 32-bit words, the result is
/// multiplied by 0x4F1BBCDC and bits `32 − bits … 31` of the product are the slot.
pub fn hash(keyword: &[u8], bits: u32) -> u32 {
    let folded = keyword.iter().enumerate().fold(0u32, |x, (i, &b)| {
        x ^ (u32::from(b.to_ascii_lowercase()) << (8 * (i % 4)))
    });
    let product = u64::from(folded).wrapping_mul(0x4F1B_BCDC) as u32;
    if bits == 0 { 0 } else { product >> (32 - bits) }
}

/// Keyword `j` of object `object`: 16 lower-case hex digits of SplitMix64(object·256 + j).
pub fn keyword(object: ObjectId, j: u32) -> [u8; 16] {
    let x = splitmix64((u64::from(object) << 8) | u64::from(j));
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = b"0123456789abcdef"[((x >> (60 - 4 * i)) & 0xF) as usize];
    }
    out
}

/// Messages and bytes of sending one full table over one connection: a RESET (header + 6
/// bytes) then `data` bytes of compressed patch in PATCH messages of at most 1 KB of data
/// each (header + 5 bytes each; at most 255 of them, so larger patches get larger chunks).
pub fn table_transfer(data: u64) -> (u64, u64) {
    let chunk = 1024u64.max(data.div_ceil(255));
    let patches = data.div_ceil(chunk).max(1);
    let header = u64::from(HEADER_BYTES);
    (1 + patches, header + 6 + patches * (header + 5) + data)
}

/// The PATCH of a table sent for the first time: a leaf's table has 4-bit entries, a set slot
/// being 1 − INFINITY = −6 (INFINITY = 7, the specification's examples), the high nibble
/// first; an ultrapeer's table has 1-bit entries (Fisk 2003), the high bit first. The data is
/// zlib-compressed (COMPRESSOR = 1) at zlib's default level, as LimeWire's `Deflater` did.
pub fn compressed_patch(set: impl Iterator<Item = u32>, table_bits: u32, leaf: bool) -> Vec<u8> {
    use std::io::Write;
    let entry_bits = if leaf { 4 } else { 1 };
    let mut patch = vec![0u8; ((1usize << table_bits) * entry_bits).div_ceil(8)];
    for slot in set {
        let bit = slot as usize * entry_bits;
        let value: u8 = if leaf { 0xA } else { 1 };
        patch[bit / 8] |= value << (8 - entry_bits - bit % 8);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&patch).expect("writing to memory");
    z.finish().expect("writing to memory")
}

/// QRP settings of a run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct QrpConfig {
    /// Slots per table: `2^table_bits`.
    pub table_bits: u32,
    /// Keywords of each object (and of each query).
    pub keywords_per_object: u32,
    /// Whether ultrapeers exchange aggregate tables and filter a query's last mesh hop.
    pub last_hop: bool,
}

/// Every node's route table (leaves; ultrapeers too with last-hop routing) and every object's
/// keyword slots.
#[derive(Clone, Debug)]
pub struct QrpTables {
    config: QrpConfig,
    /// 64-bit words per table.
    words: usize,
    /// `table[v]`: index of node `v`'s table, or `u32::MAX`.
    table: Vec<u32>,
    bits: Vec<u64>,
    /// `keywords_per_object` slots per object.
    slots: Vec<u32>,
    /// Bytes of each table's compressed first PATCH.
    patch_bytes: Vec<u32>,
}

impl QrpTables {
    /// Builds the tables of `overlay`'s leaves from what they hold in `content`, and with
    /// last-hop routing each ultrapeer's aggregate of its own files and its leaves' tables (its
    /// leaves as the overlay was built).
    pub fn build(config: QrpConfig, overlay: &Overlay, content: &Content) -> Self {
        let k = config.keywords_per_object;
        let slots = (0..content.objects())
            .flat_map(|o| (0..k).map(move |j| hash(&keyword(o, j), config.table_bits)))
            .collect();
        let n = overlay.node_count();
        let mut table = vec![u32::MAX; n as usize];
        let mut count = 0u32;
        for v in 0..n {
            if config.last_hop || !overlay.is_ultrapeer(v) {
                table[v as usize] = count;
                count += 1;
            }
        }
        let words = ((1usize << config.table_bits) / 64).max(1);
        let mut tables = QrpTables {
            config,
            words,
            table,
            bits: vec![0; words * count as usize],
            slots,
            patch_bytes: Vec::new(),
        };
        for o in 0..content.objects() {
            for &h in content.holders(o) {
                tables.insert(h, o);
                if config.last_hop && !overlay.is_ultrapeer(h) {
                    for &up in overlay.neighbours(h) {
                        if overlay.is_ultrapeer(up) {
                            tables.insert(up, o);
                        }
                    }
                }
            }
        }
        tables.patch_bytes = (0..n)
            .filter(|&v| tables.table[v as usize] != u32::MAX)
            .map(|v| {
                let set = (0..1u32 << config.table_bits).filter(|&s| tables.slot_set(v, s));
                compressed_patch(set, config.table_bits, !overlay.is_ultrapeer(v)).len() as u32
            })
            .collect();
        tables
    }

    /// Messages and bytes of `node` sending its table over one connection (none without a
    /// table).
    pub fn transfer(&self, node: NodeId) -> Option<(u64, u64)> {
        let t = self.table[node as usize];
        (t != u32::MAX).then(|| table_transfer(u64::from(self.patch_bytes[t as usize])))
    }

    /// The settings.
    pub fn config(&self) -> QrpConfig {
        self.config
    }

    fn object_slots(&self, object: ObjectId) -> &[u32] {
        let k = self.config.keywords_per_object as usize;
        &self.slots[object as usize * k..(object as usize + 1) * k]
    }

    fn insert(&mut self, node: NodeId, object: ObjectId) {
        let t = self.table[node as usize];
        if t == u32::MAX {
            return;
        }
        let base = t as usize * self.words;
        let k = self.config.keywords_per_object as usize;
        for i in 0..k {
            let s = self.slots[object as usize * k + i] as usize;
            self.bits[base + s / 64] |= 1 << (s % 64);
        }
    }

    /// Whether `node`'s table has every keyword slot of `object` set (true for a node without
    /// a table: queries to it are not filtered).
    pub fn matches(&self, node: NodeId, object: ObjectId) -> bool {
        let t = self.table[node as usize];
        if t == u32::MAX {
            return true;
        }
        let table = &self.bits[t as usize * self.words..(t as usize + 1) * self.words];
        self.object_slots(object)
            .iter()
            .all(|&s| table[s as usize / 64] & (1 << (s % 64)) != 0)
    }

    /// Whether `node`'s table has slot `slot` set (for tests of the fill rate).
    pub fn slot_set(&self, node: NodeId, slot: u32) -> bool {
        let t = self.table[node as usize];
        t != u32::MAX
            && self.bits[t as usize * self.words + slot as usize / 64] & (1 << (slot % 64)) != 0
    }

    /// Bytes the tables of a network of `nodes` nodes, `ultrapeers` of them ultrapeers, and
    /// `objects` objects take.
    pub fn memory(config: QrpConfig, nodes: u64, ultrapeers: u64, objects: u64) -> u64 {
        let tables = if config.last_hop {
            nodes
        } else {
            nodes - ultrapeers.min(nodes)
        };
        let table_bytes = ((1u64 << config.table_bits) / 8).max(8);
        4 * nodes + tables * (table_bytes + 4) + 4 * objects * u64::from(config.keywords_per_object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_the_specifications_test_vectors() {
        // Rohrs 2002, Appendix A (the reference implementation's unit tests).
        let vectors: &[(&str, u32, u32)] = &[
            ("", 13, 0),
            ("eb", 13, 6791),
            ("ebc", 13, 7082),
            ("ebck", 13, 6698),
            ("ebckl", 13, 3179),
            ("ebcklm", 13, 3235),
            ("ebcklme", 13, 6438),
            ("ebcklmen", 13, 1062),
            ("ebcklmenq", 13, 3527),
            ("", 16, 0),
            ("n", 16, 65003),
            ("nd", 16, 54193),
            ("ndf", 16, 4953),
            ("ndfl", 16, 58201),
            ("ndfla", 16, 34830),
            ("ndflal", 16, 36910),
            ("ndflale", 16, 34586),
            ("ndflalem", 16, 37658),
            ("ndflaleme", 16, 45559),
            ("ol2j34lj", 10, 318),
            ("asdfas23", 10, 503),
            ("9um3o34fd", 10, 758),
            ("a234d", 10, 281),
            ("a3f", 10, 767),
            ("3nja9", 10, 581),
            ("2459345938032343", 10, 146),
            ("7777a88a8a8a8", 10, 342),
            ("asdfjklkj3k", 10, 861),
            ("adfk32l", 10, 1011),
            ("zzzzzzzzzzz", 10, 944),
            ("3NJA9", 10, 581),
            ("3nJa9", 10, 581),
        ];
        for &(word, bits, expected) in vectors {
            assert_eq!(
                hash(word.as_bytes(), bits),
                expected,
                "hash({word:?}, {bits})"
            );
        }
    }

    #[test]
    fn a_table_costs_a_reset_and_1_kb_patches() {
        // 32 KB (2^16 uncompressed 4-bit slots): RESET (29 bytes) + 32 PATCHes of 28 + 1024.
        assert_eq!(table_transfer(32_768), (33, 29 + 32 * (28 + 1024)));
        // 12 bytes: one short PATCH.
        assert_eq!(table_transfer(12), (2, 29 + 28 + 12));
    }

    #[test]
    fn patches_follow_the_specifications_examples() {
        // Rohrs 2002, Appendix B: an 8-slot table with "test" (slot 2), then "qrp" (slot 7).
        assert_eq!((hash(b"test", 3), hash(b"qrp", 3)), (2, 7));
        // Example 4: the 4-bit patch 00 a0 00 00, zlib-compressed, is 12 bytes.
        let z = compressed_patch([2].into_iter(), 3, true);
        assert_eq!(z.len(), 12, "{z:02x?}");
        assert_eq!(&z[..2], &[0x78, 0x9c], "zlib header at the default level");
    }
}
