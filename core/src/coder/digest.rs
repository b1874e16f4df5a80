//! A hash of frequency tables, as the golden vectors store it.

use super::FrequencyTable;

/// BLAKE3 of a sequence of frequency tables, the form of `tests/golden/engine-tables.blake3`:
/// each table's 257 cumulative frequencies as u32 little-endian, tables in order. Two
/// producers of tables agree exactly when their digests (and counts) do.
#[derive(Debug, Clone, Default)]
pub struct TableDigest {
    hasher: blake3::Hasher,
    tables: usize,
}

impl TableDigest {
    /// A digest of no tables.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `table` after those added before.
    pub fn update(&mut self, table: &FrequencyTable) {
        for c in table.cumulative_table() {
            self.hasher.update(&c.to_le_bytes());
        }
        self.tables += 1;
    }

    /// Tables added so far.
    #[must_use]
    pub fn tables(&self) -> usize {
        self.tables
    }

    /// The hash, 64 lowercase hex digits.
    #[must_use]
    pub fn hex(&self) -> String {
        self.hasher.finalize().to_hex().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_depends_on_every_table_and_their_order() {
        let uniform = FrequencyTable::uniform();
        let mut skewed_freqs = [256u32; 256];
        skewed_freqs[0] += 255;
        skewed_freqs[1] -= 255;
        let skewed = FrequencyTable::from_frequencies(&skewed_freqs).expect("valid table");
        let digest = |tables: &[&FrequencyTable]| {
            let mut d = TableDigest::new();
            tables.iter().for_each(|t| d.update(t));
            (d.hex(), d.tables())
        };
        let forward = digest(&[&uniform, &skewed]);
        assert_eq!(forward.1, 2);
        assert_ne!(forward, digest(&[&skewed, &uniform]));
        assert_ne!(forward.0, digest(&[&uniform, &uniform]).0);
        assert_eq!(forward, digest(&[&uniform, &skewed]));
    }
}
