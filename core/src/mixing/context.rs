//! What the context models see: the chunk so far, its record length, the longest match.

use super::counter::FRESH;

/// Multiplies in one value: a 32-bit hash step (wrapping, identical everywhere).
#[must_use]
pub fn hash_step(hash: u32, value: u32) -> u32 {
    (hash ^ value).wrapping_mul(0x9E37_79B1).rotate_left(13)
}

/// A table of counter blocks, one block of 256 counters per context: entry 0 holds the
/// context's tag, entries `1..=255` the counters of the bit-tree nodes. A block whose tag
/// differs from the context's (another context hashed there, or none yet) is reset to
/// fresh counters before use, so a collision costs statistics, never correctness.
pub struct ContextTable {
    blocks: Vec<u32>,
    index_bits: u32,
}

/// Counters per block: the tag and the 255 nodes of the byte's bit tree.
pub const BLOCK: usize = 256;

impl ContextTable {
    /// A table of `2^index_bits` blocks (`4 · 256 · 2^index_bits` bytes, zeroed lazily by
    /// the allocator: untouched blocks cost no memory).
    #[must_use]
    pub fn new(index_bits: u32) -> Self {
        Self {
            blocks: vec![0; BLOCK << index_bits],
            index_bits,
        }
    }

    /// The offset of the block for the context hashed to `hash`: its top `index_bits`
    /// bits pick the block, its low 16 bits (with bit 16 set, so never 0) are the tag.
    pub fn block_for_hash(&mut self, hash: u32) -> usize {
        let index = if self.index_bits == 0 {
            0
        } else {
            (hash >> (32 - self.index_bits)) as usize
        };
        self.claim(index, (hash & 0xFFFF) | 0x1_0000)
    }

    /// The offset of block `index` (`< 2^index_bits`) for a context that owns it alone.
    pub fn block_at(&mut self, index: usize) -> usize {
        self.claim(index, 1)
    }

    fn claim(&mut self, index: usize, tag: u32) -> usize {
        let offset = index * BLOCK;
        if self.blocks[offset] != tag {
            self.blocks[offset] = tag;
            self.blocks[offset + 1..offset + BLOCK].fill(FRESH);
        }
        offset
    }

    /// The counters of a block (index 0 is the tag).
    #[inline(always)]
    #[must_use]
    pub fn block(&self, offset: usize) -> &[u32] {
        &self.blocks[offset..offset + BLOCK]
    }

    /// The counters of a block, to update.
    pub fn block_mut(&mut self, offset: usize) -> &mut [u32] {
        &mut self.blocks[offset..offset + BLOCK]
    }
}

/// Finds the record length of the bytes seen so far, online: a byte value that recurs
/// at the same distance twice in a row votes for that distance; a distance with
/// [`RecordDetector::VOTES`] more votes than the current length (and at least that many)
/// becomes the record length. 0 until one is found.
pub struct RecordDetector {
    last_position: [u32; 256],
    last_distance: [u32; 256],
    candidate: u32,
    candidate_votes: u32,
    length: u32,
}

impl RecordDetector {
    /// Consecutive agreeing votes that make a candidate the record length.
    pub const VOTES: u32 = 16;
    /// The longest record length detected, in bytes.
    pub const MAX_LENGTH: u32 = 4096;

    /// A detector that has seen nothing.
    #[must_use]
    pub fn new() -> Self {
        Self {
            last_position: [0; 256],
            last_distance: [0; 256],
            candidate: 0,
            candidate_votes: 0,
            length: 0,
        }
    }

    /// The record length found so far (0: none).
    #[must_use]
    pub fn length(&self) -> u32 {
        self.length
    }

    /// Sees `byte` at `position` (bytes since the start of the chunk, counting from 1).
    pub fn see(&mut self, byte: u8, position: u32) {
        let b = usize::from(byte);
        let distance = position - self.last_position[b];
        if self.last_position[b] != 0
            && distance == self.last_distance[b]
            && (2..=Self::MAX_LENGTH).contains(&distance)
        {
            self.vote(distance);
        }
        self.last_distance[b] = distance;
        self.last_position[b] = position;
    }

    fn vote(&mut self, distance: u32) {
        if distance == self.length {
            self.candidate_votes = 0;
            return;
        }
        if distance == self.candidate {
            self.candidate_votes += 1;
            if self.candidate_votes >= Self::VOTES {
                self.length = distance;
                self.candidate_votes = 0;
            }
        } else {
            self.candidate = distance;
            self.candidate_votes = 1;
        }
    }
}

impl Default for RecordDetector {
    fn default() -> Self {
        Self::new()
    }
}

/// The longest earlier repeat: after [`MatchModel::MIN_LENGTH`] bytes that occurred
/// before, the byte that followed them then is the prediction, as long as it keeps
/// coming true.
pub struct MatchModel {
    /// For the hash of the last `MIN_LENGTH` bytes, the position after them + 1 (0: none).
    table: Vec<u32>,
    /// Where the predicted byte is in the history, when `length > 0`.
    pointer: usize,
    /// The length of the current match in bytes (0: no match).
    length: u32,
}

impl MatchModel {
    /// Bytes that must repeat before a match is taken.
    pub const MIN_LENGTH: usize = 6;
    const TABLE_BITS: u32 = 18;
    /// How far back a new match is verified and measured.
    const MAX_VERIFY: usize = 32;
    /// Match lengths counted; longer ones count as this.
    pub const MAX_LENGTH: u32 = 65535;

    /// No match yet.
    #[must_use]
    pub fn new() -> Self {
        Self {
            table: vec![0; 1 << Self::TABLE_BITS],
            pointer: 0,
            length: 0,
        }
    }

    /// The predicted next byte and the match length, if there is a match.
    #[must_use]
    pub fn expected(&self, history: &[u8]) -> Option<(u8, u32)> {
        (self.length > 0).then(|| (history[self.pointer], self.length))
    }

    /// Updates after `history`'s last byte was appended.
    pub fn see(&mut self, history: &[u8]) {
        let Some((&byte, _)) = history.split_last() else {
            return;
        };
        if self.length > 0 && history[self.pointer] == byte {
            self.length = (self.length + 1).min(Self::MAX_LENGTH);
            self.pointer += 1;
        } else {
            self.length = 0;
        }
        let end = history.len();
        if end < Self::MIN_LENGTH {
            return;
        }
        let hash = history[end - Self::MIN_LENGTH..]
            .iter()
            .fold(0u32, |h, &b| hash_step(h, u32::from(b)));
        let slot = (hash >> (32 - Self::TABLE_BITS)) as usize;
        if self.length == 0 {
            self.take_match(history, self.table[slot] as usize);
        }
        self.table[slot] = end as u32 + 1;
    }

    /// Takes the match ending at `candidate − 1` (a position after an earlier occurrence,
    /// + 1) if at least `MIN_LENGTH` bytes before it equal the last ones.
    fn take_match(&mut self, history: &[u8], candidate: usize) {
        if candidate == 0 {
            return;
        }
        let start = candidate - 1;
        let end = history.len();
        let same = (1..=Self::MAX_VERIFY.min(start))
            .take_while(|&k| history[start - k] == history[end - k])
            .count();
        if same >= Self::MIN_LENGTH {
            self.length = same as u32;
            self.pointer = start;
        }
    }
}

impl Default for MatchModel {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_length_is_found() {
        let mut detector = RecordDetector::new();
        let mut position = 0;
        for record in 0u32..200 {
            for field in 0..12u32 {
                position += 1;
                let byte = if field < 4 {
                    field as u8
                } else {
                    (record * 7 + field) as u8
                };
                detector.see(byte, position);
            }
        }
        assert_eq!(detector.length(), 12);
    }

    #[test]
    fn a_repeat_is_matched_and_followed() {
        let text = b"the quick brown fox jumps; the quick brown fox jumps";
        let mut model = MatchModel::new();
        let mut history = Vec::new();
        let mut right = 0;
        for &byte in text {
            if let Some((expected, _)) = model.expected(&history) {
                right += usize::from(expected == byte);
            }
            history.push(byte);
            model.see(&history);
        }
        assert!(right >= 18, "{right} bytes predicted");
    }

    #[test]
    fn a_collision_resets_the_block() {
        let mut table = ContextTable::new(1);
        let a = table.block_for_hash(0x0000_0001);
        table.block_mut(a)[5] = 7;
        let again = table.block_for_hash(0x0000_0001);
        assert_eq!(table.block(again)[5], 7);
        let b = table.block_for_hash(0x0000_0002);
        assert_eq!(a, b);
        assert_eq!(table.block(b)[5], FRESH);
    }
}
