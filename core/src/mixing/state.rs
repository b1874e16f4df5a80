//! One chunk's mixing state: the context models, the match model, the mixer, and the
//! bit-tree arithmetic that turns 255 node probabilities into a frequency table.

use super::context::{ContextTable, MatchModel, RecordDetector, hash_step};
use super::counter::{self, p12};
use super::logistic::StretchTable;
use super::mixer::{INPUTS, Mixer};
use crate::coder::{FrequencyTable, SPREAD};

/// Context models, in input order after the neural input and the bias.
const MODELS: usize = 9;
/// `log2` of each context model's block count (see [`ContextTable::new`]).
const INDEX_BITS: [u32; MODELS] = [0, 8, 12, 12, 12, 12, 12, 12, 12];
/// Counts at which counters stop slowing down.
const COUNTER_LIMIT: u32 = 255;
/// Match-length buckets for the match model's counters.
const MATCH_BUCKETS: usize = 16;
/// The bias input (1.0 in stretched units).
const BIAS: i32 = 256;

/// The depth of node `j` (`1..=255`) in the byte's bit tree: 0 for the root.
fn depth(node: usize) -> u32 {
    node.ilog2()
}

/// The node that decides bit `depth` (0 = the most significant) of `byte`.
fn node_of(byte: u8, depth: u32) -> usize {
    (256 | usize::from(byte)) >> (8 - depth)
}

/// The probability (2^-12 units, `1..=4095`) that the bit at `node` is 1 under `table`.
fn table_bit_probability(cumulative: &[u32; 257], node: usize) -> i32 {
    let d = depth(node);
    let width = 256usize >> d;
    let low = (node - (1 << d)) * width;
    let (mid, high) = (low + width / 2, low + width);
    let ones = cumulative[high] - cumulative[mid];
    let all = cumulative[high] - cumulative[low];
    (((ones << 12) / all) as i32).clamp(1, 4095)
}

/// The mixing state of one chunk (reset per chunk: a new one per lane).
pub struct MixState {
    tables: Vec<ContextTable>,
    /// The block of the current context in each table.
    blocks: [usize; MODELS],
    history: Vec<u8>,
    records: RecordDetector,
    matcher: MatchModel,
    /// The match model's counters: is the expected bit right, per length bucket.
    match_counters: [u32; MATCH_BUCKETS],
    mixer: Mixer,
    /// The inputs and the mixed probability of every node, from the last prediction.
    inputs: Vec<[i32; INPUTS]>,
    mixed: [i32; 256],
    predicted: bool,
}

impl MixState {
    /// The state at the start of a chunk.
    #[must_use]
    pub fn new() -> Self {
        let mut state = Self {
            tables: INDEX_BITS
                .iter()
                .map(|&bits| ContextTable::new(bits))
                .collect(),
            blocks: [0; MODELS],
            history: Vec::new(),
            records: RecordDetector::new(),
            matcher: MatchModel::new(),
            match_counters: [counter::FRESH; MATCH_BUCKETS],
            mixer: Mixer::new(),
            inputs: vec![[0; INPUTS]; 256],
            mixed: [2048; 256],
            predicted: false,
        };
        state.select_contexts();
        state
    }

    /// The table of the next byte, mixing `neural`'s prediction with the context models.
    pub fn predict(&mut self, neural: &FrequencyTable, stretch: &StretchTable) -> FrequencyTable {
        let cumulative = neural.cumulative_table();
        let expected = self.matcher.expected(&self.history);
        let set_offset = if expected.is_some() { 256 } else { 0 };
        for node in 1..256 {
            let inputs = self.node_inputs(node, cumulative, expected, stretch);
            self.mixed[node] = self.mixer.mix(set_offset + node, &inputs);
            self.inputs[node] = inputs;
        }
        self.predicted = true;
        tree_table(&self.mixed)
    }

    /// Codes one byte bit by bit, most significant first, and learns from it: `code(p)`
    /// gets the probability (2^-12 units, `1..=4095`) that the next bit is 1 and gives the
    /// bit (an encoder the byte's, a decoder the one it decoded). Only the 8 nodes on the
    /// byte's path are mixed, so it costs ≈ 1/30 of [`MixState::predict`]; the learning
    /// is [`MixState::update`]'s, so both paths keep the same state.
    pub fn code_bits(
        &mut self,
        neural: &FrequencyTable,
        stretch: &StretchTable,
        mut code: impl FnMut(i32) -> bool,
    ) -> u8 {
        let cumulative = neural.cumulative_table();
        let expected = self.matcher.expected(&self.history);
        let set_offset = if expected.is_some() { 256 } else { 0 };
        let mut node = 1;
        while node < 256 {
            let inputs = self.node_inputs(node, cumulative, expected, stretch);
            self.mixed[node] = self.mixer.mix(set_offset + node, &inputs);
            self.inputs[node] = inputs;
            node = 2 * node + usize::from(code(self.mixed[node]));
        }
        self.predicted = true;
        let byte = (node - 256) as u8;
        self.update(byte, neural, stretch);
        byte
    }

    #[inline(always)]
    fn node_inputs(
        &self,
        node: usize,
        cumulative: &[u32; 257],
        expected: Option<(u8, u32)>,
        stretch: &StretchTable,
    ) -> [i32; INPUTS] {
        let mut inputs = [0; INPUTS];
        inputs[0] = stretch.stretch(table_bit_probability(cumulative, node));
        inputs[1] = BIAS;
        for (m, table) in self.tables.iter().enumerate() {
            inputs[2 + m] = stretch.stretch(p12(table.block(self.blocks[m])[node]));
        }
        if let Some((bit, bucket)) = match_bit(expected, node) {
            let s = stretch.stretch(p12(self.match_counters[bucket]));
            inputs[INPUTS - 1] = if bit { s } else { -s };
        }
        inputs
    }

    /// Learns from the byte that came, then moves to the next byte's contexts.
    /// `neural` is the table [`MixState::predict`] was given (used only if it was not).
    pub fn update(&mut self, byte: u8, neural: &FrequencyTable, stretch: &StretchTable) {
        if !self.predicted {
            self.predict(neural, stretch);
        }
        let expected = self.matcher.expected(&self.history);
        let set_offset = if expected.is_some() { 256 } else { 0 };
        for d in 0..8 {
            let node = node_of(byte, d);
            let bit = (byte >> (7 - d)) & 1 == 1;
            for (m, table) in self.tables.iter_mut().enumerate() {
                let block = table.block_mut(self.blocks[m]);
                block[node] = counter::update(block[node], bit, COUNTER_LIMIT);
            }
            if let Some((expected_bit, bucket)) = match_bit(expected, node) {
                let c = &mut self.match_counters[bucket];
                *c = counter::update(*c, bit == expected_bit, COUNTER_LIMIT);
            }
            self.mixer
                .learn(set_offset + node, &self.inputs[node], self.mixed[node], bit);
        }
        self.history.push(byte);
        self.records.see(byte, self.history.len() as u32);
        self.matcher.see(&self.history);
        self.predicted = false;
        self.select_contexts();
    }

    /// Hashes the contexts of the next byte and claims their blocks.
    fn select_contexts(&mut self) {
        let h = &self.history;
        let n = h.len();
        let back = |k: usize| if k <= n { u32::from(h[n - k]) } else { 0 };
        let r = self.records.length() as usize;
        let (column, above, above2) = if r == 0 {
            (0, 0, 0)
        } else {
            ((n % r) as u32, back(r), back(2 * r))
        };
        let order = |k: usize| (1..=k).fold(hash_step(0, k as u32), |x, i| hash_step(x, back(i)));
        let record = |id: u32, values: &[u32]| {
            values
                .iter()
                .fold(hash_step(id, r as u32), |x, &v| hash_step(x, v))
        };
        let hashes = [
            order(2),
            order(3),
            order(4),
            order(6),
            record(7, &[column, above]),
            record(8, &[above, above2]),
            record(9, &[column, above, back(1)]),
        ];
        self.blocks[0] = self.tables[0].block_at(0);
        self.blocks[1] = self.tables[1].block_at(back(1) as usize);
        for (m, &hash) in hashes.iter().enumerate() {
            self.blocks[2 + m] = self.tables[2 + m].block_for_hash(hash);
        }
    }
}

impl Default for MixState {
    fn default() -> Self {
        Self::new()
    }
}

/// For a node on the expected byte's path, the bit the match predicts there and the
/// length bucket of its counter.
fn match_bit(expected: Option<(u8, u32)>, node: usize) -> Option<(bool, usize)> {
    let (byte, length) = expected?;
    let d = depth(node);
    (node_of(byte, d) == node).then(|| {
        let bucket = (length as usize).min(MATCH_BUCKETS - 1);
        ((byte >> (7 - d)) & 1 == 1, bucket)
    })
}

/// The frequency table of 255 node probabilities (`mixed[node]`, 2^-12 units, `1..=4095`):
/// each node splits its mass `m` into `m · p >> 12` for the 1-branch and the rest for the
/// 0-branch, from `SPREAD` at the root; each symbol gets its leaf's mass + 1, so every
/// frequency is ≥ 1 and they sum to 2^16. Masses stay below 2^16, products below 2^28.
#[must_use]
pub fn tree_table(mixed: &[i32; 256]) -> FrequencyTable {
    let mut mass = [0u32; 512];
    mass[1] = SPREAD;
    for node in 1..256 {
        let ones = (mass[node] * mixed[node] as u32) >> 12;
        mass[2 * node + 1] = ones;
        mass[2 * node] = mass[node] - ones;
    }
    let mut freqs = [0u32; 256];
    for (s, f) in freqs.iter_mut().enumerate() {
        *f = mass[256 + s] + 1;
    }
    match FrequencyTable::from_frequencies(&freqs) {
        Ok(table) => table,
        Err(_) => unreachable!("the tree's leaves sum to SPREAD + 256 = 2^16, each ≥ 1"),
    }
}
