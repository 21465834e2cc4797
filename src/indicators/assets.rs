//! The live assets by key, each with the contribution it made: what an update or a removal looks
//! up to take an asset's previous contribution back out.
//!
//! The map is split into shards by the key's hash, so that the workers of a parallel rebuild
//! each fill their own shards, without a lock; the hash is computed once per asset, by the
//! worker that evaluates it, and kept in the map's key.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

use super::facts::AssetKey;

/// A multiply-rotate hasher (FxHash's): SipHash was a tenth of a rebuild. Keys are the DSI's
/// own inventory identifiers and entity names, not input from the network, so the flooding
/// resistance SipHash buys is not needed here.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(K);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Shards of the map: a power of two, enough for the cores of a large server to take a few
/// each, few enough that a small fleet does not pay for many empty tables.
pub(crate) const SHARDS: usize = 16;
const SHARD_BITS: u32 = SHARDS.trailing_zeros();

/// The hash of an asset's key, mixed so that its top bits (the shard) and its low bits (the
/// bucket within the shard) are both spread: FxHash alone leaves the low bits weak.
pub(crate) fn hash_key(k: &AssetKey) -> u64 {
    let h = BuildHasherDefault::<FastHasher>::default().hash_one(k);
    // The finaliser of MurmurHash3.
    let h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    let h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

pub(crate) fn shard_of(hash: u64) -> usize {
    (hash >> (64 - SHARD_BITS)) as usize
}

/// A key with its hash, which the shard's table uses instead of hashing the strings again.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Keyed {
    hash: u64,
    key: AssetKey,
}

impl Hash for Keyed {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// One shard: the hash is already mixed, so the table's hasher only multiplies it once.
#[derive(Debug)]
pub(crate) struct Shard<V>(FastMap<Keyed, V>);

impl<V> Default for Shard<V> {
    fn default() -> Self {
        Shard(FastMap::default())
    }
}

impl<V> Shard<V> {
    /// Adds or replaces; returns the value replaced.
    pub(crate) fn insert(&mut self, hash: u64, key: AssetKey, v: V) -> Option<V> {
        self.0.insert(Keyed { hash, key }, v)
    }

    pub(crate) fn remove(&mut self, hash: u64, key: AssetKey) -> Option<V> {
        self.0.remove(&Keyed { hash, key })
    }

    pub(crate) fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }
}

/// Every live asset, in [`SHARDS`] shards.
#[derive(Debug)]
pub(crate) struct Assets<V> {
    pub(crate) shards: Vec<Shard<V>>,
}

impl<V: Send> Assets<V> {
    pub(crate) fn new() -> Self {
        Assets {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }

    pub(crate) fn insert(&mut self, key: AssetKey, v: V) -> Option<V> {
        let hash = hash_key(&key);
        self.shards[shard_of(hash)].insert(hash, key, v)
    }

    pub(crate) fn remove(&mut self, key: AssetKey) -> Option<V> {
        let hash = hash_key(&key);
        self.shards[shard_of(hash)].remove(hash, key)
    }

    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.0.len()).sum()
    }

    /// Empties every shard, keeping their tables, on `workers` threads: at a million assets
    /// that is two million strings to free.
    pub(crate) fn clear(&mut self, workers: usize) {
        let per = SHARDS.div_ceil(workers.max(1));
        std::thread::scope(|s| {
            let mut chunks = self.shards.chunks_mut(per);
            let first = chunks.next();
            for chunk in chunks {
                s.spawn(move || chunk.iter_mut().for_each(|m| m.0.clear()));
            }
            if let Some(chunk) = first {
                chunk.iter_mut().for_each(|m| m.0.clear());
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> AssetKey {
        AssetKey {
            source: "glpi".into(),
            external_id: id.into(),
        }
    }

    #[test]
    fn a_key_is_found_again_in_its_shard_and_replaced_or_removed() {
        let mut a: Assets<u32> = Assets::new();
        for i in 0..1000 {
            assert_eq!(a.insert(key(&i.to_string()), i), None);
        }
        assert_eq!(a.len(), 1000);
        assert!(a.shards.iter().all(|s| !s.0.is_empty()), "keys spread");
        assert_eq!(a.insert(key("7"), 70), Some(7));
        assert_eq!(a.remove(key("7")), Some(70));
        assert_eq!(a.remove(key("7")), None);
        assert_eq!(a.len(), 999);
        a.clear(3);
        assert_eq!(a.len(), 0);
    }
}
