//! The integer mixer: per bit-tree node, a weighted sum of stretched predictions,
//! squashed, with weights that follow the gradient of the coding cost as it codes.

use super::logistic::{STRETCH_LIMIT, squash};

/// Predictions mixed per node: the neural table, a bias, nine context models, the match.
pub const INPUTS: usize = 12;

/// Weight sets: one per bit-tree node (1..=255), twice (no match / a match).
pub const WEIGHT_SETS: usize = 512;

/// 1.0 as a weight (units of 2^-16).
pub const UNIT_WEIGHT: i32 = 1 << 16;

/// Weights are clamped to `±WEIGHT_LIMIT` (±8.0), so that `x · w < 2^30`.
const WEIGHT_LIMIT: i32 = (8 << 16) - 1;

/// The learning rate as a shift: `Δw = (x · err) >> LEARNING_SHIFT`, with `x` in 1/256
/// units and `err` in 2^-12 units (a rate of `2^4 / 2^LEARNING_SHIFT` in natural units).
pub const LEARNING_SHIFT: u32 = 10;

/// The mixer's weights: `WEIGHT_SETS × INPUTS` in units of 2^-16.
pub struct Mixer {
    weights: Vec<i32>,
}

impl Mixer {
    /// Fresh weights: the neural input at 1.0, every other at 0, so that a chunk starts
    /// exactly where the neural model alone would.
    #[must_use]
    pub fn new() -> Self {
        let mut weights = vec![0; WEIGHT_SETS * INPUTS];
        for set in weights.chunks_exact_mut(INPUTS) {
            set[0] = UNIT_WEIGHT;
        }
        Self { weights }
    }

    /// The mixed probability of a 1 (units of 2^-12, `1..=4095`) for `inputs` (stretched,
    /// each within ±2047) under weight set `set`.
    #[inline(always)]
    #[must_use]
    pub fn mix(&self, set: usize, inputs: &[i32; INPUTS]) -> i32 {
        let weights = &self.weights[set * INPUTS..(set + 1) * INPUTS];
        let dot: i32 = inputs
            .iter()
            .zip(weights)
            .map(|(&x, &w)| (x * w) >> 16)
            .sum();
        squash(dot.clamp(-STRETCH_LIMIT, STRETCH_LIMIT)).clamp(1, 4095)
    }

    /// Moves set `set`'s weights along the gradient after `bit` came, where `mixed` is what
    /// [`Mixer::mix`] gave: `err = bit · 4096 − mixed`, `|x · err| < 2^23`.
    pub fn learn(&mut self, set: usize, inputs: &[i32; INPUTS], mixed: i32, bit: bool) {
        let err = (i32::from(bit) << 12) - mixed;
        let weights = &mut self.weights[set * INPUTS..(set + 1) * INPUTS];
        for (w, &x) in weights.iter_mut().zip(inputs) {
            *w = (*w + ((x * err) >> LEARNING_SHIFT)).clamp(-WEIGHT_LIMIT, WEIGHT_LIMIT);
        }
    }
}

impl Default for Mixer {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_mixer_passes_the_neural_input_through() {
        let mixer = Mixer::new();
        let mut inputs = [0; INPUTS];
        inputs[0] = 300;
        inputs[3] = -900;
        assert_eq!(mixer.mix(7, &inputs), squash(300));
    }

    #[test]
    fn the_mixer_learns_to_trust_the_right_input() {
        let mut mixer = Mixer::new();
        let mut inputs = [0; INPUTS];
        inputs[0] = -500; // the neural model says 0
        inputs[5] = 1500; // a context model says 1, and it is right
        for _ in 0..200 {
            let p = mixer.mix(3, &inputs);
            mixer.learn(3, &inputs, p, true);
        }
        assert!(mixer.mix(3, &inputs) > 3500);
    }
}
