//! What ships inside the `boa` binary: a slice of real detector data and the default
//! integer model trained on it (see `data/README.md` and `experiments/default.yaml`).

use anyhow::Context;
use boa_core::ModelFingerprint;
use boa_core::engine::Engine;

/// The default model (`data/default.boam`): the `tiny` preset trained on the first
/// [`SAMPLE_TRAINED_BYTES`] of [`SAMPLE`].
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../../data/default.boam");

/// 1.5 MiB of KM3NeT hit amplitudes (little-endian float64), MIT © Tamas Gal / KM3NeT.
pub const SAMPLE: &[u8] = include_bytes!("../../data/km3-amplitudes.bin");

/// Bytes at the start of [`SAMPLE`] the default model was trained on (with its
/// validation and test splits); the rest is data it never saw.
pub const SAMPLE_TRAINED_BYTES: usize = 1 << 20;

/// The part of the sample the default model never saw: what `boa demo` compresses.
pub fn held_out_sample() -> &'static [u8] {
    SAMPLE.get(SAMPLE_TRAINED_BYTES..).unwrap_or(SAMPLE)
}

/// Loads the default model.
pub fn default_engine() -> anyhow::Result<Engine> {
    Engine::from_bytes(DEFAULT_MODEL).context("the bundled default model is unusable")
}

/// The default model's fingerprint (the BLAKE3 hash of its file).
pub fn default_fingerprint() -> ModelFingerprint {
    ModelFingerprint::of_bytes(DEFAULT_MODEL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_model_loads_and_the_sample_is_split() {
        assert!(default_engine().is_ok());
        assert_eq!(SAMPLE.len(), 3 << 19);
        assert_eq!(held_out_sample().len(), 1 << 19);
        assert!(
            SAMPLE.len() <= 2_000_000,
            "the bundled sample must stay ≤ 2 MB"
        );
    }
}
