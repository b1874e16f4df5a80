//! [`MambaBlock`]: BOA's residual block, `x + FF(LN2(Mamba(LN1(x))))`.

use burn::module::Module;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::config::ModelConfig;
use super::mamba::{Mamba, MambaState};

/// `Linear(d, 4d) → GELU (exact, erf) → Linear(4d, d)`; BOA's `ff.0` and `ff.2`.
#[derive(Module, Debug)]
pub struct FeedForward {
    /// `d → 4d` (BOA's `ff.0`).
    pub expand: Linear,
    /// `4d → d` (BOA's `ff.2`).
    pub contract: Linear,
}

impl FeedForward {
    fn new(d_model: usize, device: &Device) -> Self {
        Self {
            expand: LinearConfig::new(d_model, 4 * d_model).init(device),
            contract: LinearConfig::new(4 * d_model, d_model).init(device),
        }
    }

    /// Applies the feed-forward to the last dimension.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        self.contract.forward(gelu_erf(self.expand.forward(x)))
    }
}

/// Exact GELU, `x · Φ(x) = ½ · x · (1 + erf(x / √2))`, written out so that its gradient
/// is autodiff's of `erf` on every backend: burn 0.22.1's fused `gelu` backward on its GPU
/// backends is off by up to 9·10⁻⁴ (measured on wgpu), enough to steer GPU training away
/// from the CPU's.
pub(crate) fn gelu_erf<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    (x.clone() * std::f32::consts::FRAC_1_SQRT_2)
        .erf()
        .add_scalar(1.0)
        * x
        * 0.5
}

/// One block of the model. Note that BOA normalises the mixer's output (`ln2`) before
/// the feed-forward and adds only the feed-forward's output to the residual stream.
#[derive(Module, Debug)]
pub struct MambaBlock {
    /// LayerNorm before the mixer.
    pub ln1: LayerNorm,
    /// The Mamba v1 mixer.
    pub mamba: Mamba,
    /// LayerNorm between mixer and feed-forward.
    pub ln2: LayerNorm,
    /// The feed-forward.
    pub ff: FeedForward,
}

impl MambaBlock {
    /// A freshly initialised block.
    #[must_use]
    pub fn new(config: &ModelConfig, device: &Device) -> Self {
        Self {
            ln1: LayerNormConfig::new(config.d_model).init(device),
            mamba: Mamba::new(config, device),
            ln2: LayerNormConfig::new(config.d_model).init(device),
            ff: FeedForward::new(config.d_model, device),
        }
    }

    /// Whole sequences from the zero state: `[batch, len, d_model]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let y = self.mamba.forward(self.ln1.forward(x.clone()));
        x + self.ff.forward(self.ln2.forward(y))
    }

    /// Sequences continuing from `state` (inference).
    pub fn forward_from(&self, x: Tensor<3>, state: MambaState) -> (Tensor<3>, MambaState) {
        let (y, state) = self.mamba.forward_from(self.ln1.forward(x.clone()), state);
        (x + self.ff.forward(self.ln2.forward(y)), state)
    }

    /// One step: `[batch, d_model]`.
    pub fn step(&self, x: Tensor<2>, state: MambaState) -> (Tensor<2>, MambaState) {
        let (y, state) = self.mamba.step(self.ln1.forward(x.clone()), state);
        (x + self.ff.forward(self.ln2.forward(y)), state)
    }
}
