//! The float byte model (`docs/architecture.md`, `docs/model.md`): BOA's `BoaBytePredictor` in burn, for training and
//! reference inference. The deterministic integer engine that codes files is separate.
//!
//! - [`config`]: sizes and presets;
//! - [`scan`]: the selective scan as one differentiable operation;
//! - [`mamba`]: the Mamba v1 mixer; [`block`]: BOA's residual block;
//! - [`byte_model`]: the whole model, with three forward paths that agree: whole
//!   sequences (training), sequences continuing from a state (evaluation of long inputs),
//!   and one step (byte-by-byte inference).

pub mod block;
pub mod byte_model;
pub mod config;
pub mod import;
pub mod mamba;
pub mod scan;

pub use burn::tensor::Device;
pub use byte_model::{BoaBytePredictor, ModelState, byte_tensor};
pub use config::{ModelConfig, Preset, VOCAB};
pub use scan::host_values;

#[cfg(test)]
mod tests;
