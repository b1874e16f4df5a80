//! [`ModelConfig`]: the size of a BOA byte model, and its named presets.

use serde::{Deserialize, Serialize};

/// Size of a `BoaBytePredictor` (BOA's architecture, DESIGN §2).
///
/// Derived sizes are methods, not fields: [`ModelConfig::d_inner`],
/// [`ModelConfig::dt_rank`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Width of the residual stream (BOA: 256).
    pub d_model: usize,
    /// Number of `x + FF(LN2(Mamba(LN1(x))))` blocks (BOA: 1).
    pub num_layers: usize,
    /// SSM state size per channel, `N` (Mamba v1: 16).
    #[serde(default = "default_d_state")]
    pub d_state: usize,
    /// Width of the causal depthwise convolution (Mamba v1: 4).
    #[serde(default = "default_d_conv")]
    pub d_conv: usize,
    /// `d_inner = expand · d_model` (Mamba v1: 2).
    #[serde(default = "default_expand")]
    pub expand: usize,
}

fn default_d_state() -> usize {
    16
}
fn default_d_conv() -> usize {
    4
}
fn default_expand() -> usize {
    2
}

/// Number of byte values: the vocabulary of every model.
pub const VOCAB: usize = 256;

impl ModelConfig {
    /// A Mamba v1 model of the given width and depth (d_state 16, d_conv 4, expand 2).
    #[must_use]
    pub fn new(d_model: usize, num_layers: usize) -> Self {
        Self {
            d_model,
            num_layers,
            d_state: default_d_state(),
            d_conv: default_d_conv(),
            expand: default_expand(),
        }
    }

    /// The named presets: `tiny` (d 32, 1 layer: fast tests), `boa` (d 256, 1 layer: BOA's
    /// shipped experiments), `boa-8` (d 256, 8 layers).
    #[must_use]
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "tiny" => Some(Self::new(32, 1)),
            "boa" => Some(Self::new(256, 1)),
            "boa-8" => Some(Self::new(256, 8)),
            _ => None,
        }
    }

    /// Names accepted by [`ModelConfig::preset`].
    pub const PRESETS: [&'static str; 3] = ["tiny", "boa", "boa-8"];

    /// Channels inside a Mamba mixer, `expand · d_model`.
    #[must_use]
    pub fn d_inner(&self) -> usize {
        self.expand * self.d_model
    }

    /// Rank of the Δ projection, `ceil(d_model / 16)`.
    #[must_use]
    pub fn dt_rank(&self) -> usize {
        self.d_model.div_ceil(16)
    }

    /// Checks that every size is usable.
    ///
    /// # Errors
    /// A message naming the bad field.
    pub fn validate(&self) -> Result<(), String> {
        for (name, value) in [
            ("d_model", self.d_model),
            ("num_layers", self.num_layers),
            ("d_state", self.d_state),
            ("d_conv", self.d_conv),
            ("expand", self.expand),
        ] {
            if value == 0 {
                return Err(format!("model.{name} must be at least 1"));
            }
        }
        if self.d_model > 8192 || self.num_layers > 256 || self.d_state > 256 || self.d_conv > 64 {
            return Err(format!("model size {self:?} is out of the supported range"));
        }
        Ok(())
    }

    /// Number of trainable parameters.
    #[must_use]
    pub fn parameter_count(&self) -> usize {
        let (d, di, n, r, k) = (
            self.d_model,
            self.d_inner(),
            self.d_state,
            self.dt_rank(),
            self.d_conv,
        );
        let mamba =
            d * 2 * di + di * k + di + di * (r + 2 * n) + r * di + di + di * n + di + di * d;
        let block = 2 * (2 * d) + mamba + (d * 4 * d + 4 * d) + (4 * d * d + d);
        VOCAB * d + self.num_layers * block + (d * d + d) + (d * VOCAB + VOCAB)
    }
}
