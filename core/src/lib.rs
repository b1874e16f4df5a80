//! # boa-core
//!
//! The library behind `boa`, a neural lossless compressor: a byte model predicts each
//! next byte, a range coder stores it in about −log2 p bits, and because every
//! probability comes from integer arithmetic, a file compressed anywhere decompresses
//! anywhere, bit for bit.
//!
//! Layers, bottom up:
//! - [`coder`]: the range coder over 256-symbol tables with total 2^16;
//! - [`predictor`]: the interface through which a model feeds tables to the codec;
//! - [`container`]: the chunked `.boa` file format, streaming and random access;
//! - [`engine`]: the deterministic integer model (`.boam` files) that predicts the bytes.

pub mod coder;
pub mod container;
pub mod engine;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod mixing;
pub mod predictor;
pub mod rng;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use coder::FrequencyTable;
pub use container::{BoaFile, CompressOptions, ContainerError, DecompressOptions, StreamDecoder};
pub use engine::{Engine, QuantizedModel};
pub use predictor::{ModelFingerprint, Predictor};
#[cfg(feature = "model")]
pub mod model;
#[cfg(feature = "model")]
pub mod quantize;
#[cfg(feature = "model")]
pub mod train;

/// Serialises tests that draw from a burn device's random generator: the generator is
/// global per device, so a test that needs reproducible weights must not share it.
#[cfg(all(test, feature = "model"))]
pub(crate) fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
