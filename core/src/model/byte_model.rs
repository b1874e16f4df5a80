//! [`BoaBytePredictor`]: embedding → blocks → head, BOA's byte model.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::block::MambaBlock;
use super::config::{ModelConfig, VOCAB};
use super::mamba::MambaState;

/// Bytes as a `[rows, bytes.len() / rows]` tensor of byte values (the model's input).
#[must_use]
pub fn byte_tensor(bytes: &[u8], rows: usize, device: &Device) -> Tensor<2, Int> {
    let ids: Vec<i64> = bytes.iter().map(|&b| i64::from(b)).collect();
    Tensor::from_data(
        TensorData::new(ids, [rows, bytes.len() / rows.max(1)]),
        device,
    )
}

/// `Linear(d, d) → ReLU → Linear(d, 256)`; BOA's `head.0` and `head.2`.
#[derive(Module, Debug)]
pub struct Head {
    /// `d → d` (BOA's `head.0`).
    pub hidden: Linear,
    /// `d → 256` logits (BOA's `head.2`).
    pub logits: Linear,
}

impl Head {
    /// Logits over the next byte from the last dimension.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        self.logits.forward(relu(self.hidden.forward(x)))
    }
}

/// The byte model of BOA Constrictor: `Embedding(256, d)`, `num_layers` ×
/// [`MambaBlock`], [`Head`]. Its output at position `t` are the logits of byte `t + 1`.
#[derive(Module, Debug)]
pub struct BoaBytePredictor {
    /// Byte embeddings, `[256, d_model]`.
    pub embedding: Embedding,
    /// The residual blocks.
    pub blocks: Vec<MambaBlock>,
    /// The output head.
    pub head: Head,
}

/// The recurrent state of a whole model: one [`MambaState`] per block.
#[derive(Debug, Clone)]
pub struct ModelState {
    /// Per block, in order.
    pub blocks: Vec<MambaState>,
}

impl ModelState {
    /// The state before the first byte.
    #[must_use]
    pub fn zeros(config: &ModelConfig, batch: usize, device: &Device) -> Self {
        Self {
            blocks: (0..config.num_layers)
                .map(|_| MambaState::zeros(config, batch, device))
                .collect(),
        }
    }
}

impl BoaBytePredictor {
    /// A freshly initialised model (PyTorch-like initialisation; seed the device first
    /// for reproducible weights).
    #[must_use]
    pub fn new(config: &ModelConfig, device: &Device) -> Self {
        Self {
            embedding: EmbeddingConfig::new(VOCAB, config.d_model).init(device),
            blocks: (0..config.num_layers)
                .map(|_| MambaBlock::new(config, device))
                .collect(),
            head: Head {
                hidden: LinearConfig::new(config.d_model, config.d_model).init(device),
                logits: LinearConfig::new(config.d_model, VOCAB).init(device),
            },
        }
    }

    /// A freshly initialised model whose weights depend on `seed` only, not on `device`:
    /// drawn on the CPU, then loaded onto `device` as a checkpoint would be (so a run on a
    /// GPU starts from the weights the same run on the CPU starts from).
    #[must_use]
    pub fn seeded(config: &ModelConfig, seed: u64, device: &Device) -> Self {
        let cpu = Device::flex();
        cpu.seed(seed);
        let weights = Self::new(config, &cpu).into_record();
        Self::new(config, device)
            .try_load_record(weights)
            .expect("a model's weights load into a model of the same sizes")
    }

    /// The model's sizes, read off its parameters.
    #[must_use]
    pub fn config(&self) -> ModelConfig {
        let d_model = self.embedding.weight.dims()[1];
        let mut config = ModelConfig::new(d_model, self.blocks.len());
        if let Some(block) = self.blocks.first() {
            let [d_inner, d_state] = block.mamba.a_log.dims();
            config.d_state = d_state;
            config.expand = d_inner / d_model.max(1);
            config.d_conv = block.mamba.conv1d.weight.dims()[2];
        }
        config
    }

    /// Logits for whole sequences from the zero state: bytes `[batch, len]` →
    /// `[batch, len, 256]`.
    pub fn forward(&self, bytes: Tensor<2, Int>) -> Tensor<3> {
        let mut x = self.embedding.forward(bytes);
        for block in &self.blocks {
            x = block.forward(x);
        }
        self.head.forward(x)
    }

    /// Logits for sequences that continue from `state` (inference: long inputs in
    /// segments); returns the state after the last byte.
    pub fn forward_from(
        &self,
        bytes: Tensor<2, Int>,
        state: ModelState,
    ) -> (Tensor<3>, ModelState) {
        let mut x = self.embedding.forward(bytes);
        let mut next = Vec::with_capacity(self.blocks.len());
        for (block, s) in self.blocks.iter().zip(state.blocks) {
            let (y, s) = block.forward_from(x, s);
            x = y;
            next.push(s);
        }
        (self.head.forward(x), ModelState { blocks: next })
    }

    /// One byte per batch row (`bytes.len()` rows): logits of the next byte, `[batch, 256]`.
    pub fn step(&self, bytes: &[u8], state: ModelState) -> (Tensor<2>, ModelState) {
        let device = self.embedding.weight.device();
        let mut x = self
            .embedding
            .forward(byte_tensor(bytes, bytes.len(), &device))
            .reshape([bytes.len(), self.config().d_model]);
        let mut next = Vec::with_capacity(self.blocks.len());
        for (block, s) in self.blocks.iter().zip(state.blocks) {
            let (y, s) = block.step(x, s);
            x = y;
            next.push(s);
        }
        (self.head.forward(x), ModelState { blocks: next })
    }
}
