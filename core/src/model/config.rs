//! [`ModelConfig`]: the size of a BOA byte model, and its named presets.

use serde::{Deserialize, Serialize};

use crate::engine::Limits;

/// Size of a `BoaBytePredictor` (BOA's architecture, `docs/model.md`).
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

/// A named model size: `tiny` (d 32, 1 layer: fast tests), `boa` (d 256, 1 layer: BOA's
/// shipped experiments), `boa-8` (d 256, 8 layers). Parsed from (and written as) those
/// names by [`FromStr`](std::str::FromStr), which YAML files and flags both use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Preset {
    /// d_model 32, 1 layer.
    Tiny,
    /// d_model 256, 1 layer (BOA's experiments).
    Boa,
    /// d_model 256, 8 layers.
    Boa8,
}

impl Preset {
    /// Every preset, smallest first.
    pub const ALL: [Self; 3] = [Self::Tiny, Self::Boa, Self::Boa8];

    /// The name files and flags use.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Tiny => "tiny",
            Self::Boa => "boa",
            Self::Boa8 => "boa-8",
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| format!("unknown preset `{name}` (known: tiny, boa, boa-8)"))
    }
}

impl TryFrom<String> for Preset {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        name.parse()
    }
}

impl From<Preset> for &'static str {
    fn from(preset: Preset) -> Self {
        preset.name()
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
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

    /// The sizes of a named [`Preset`].
    #[must_use]
    pub fn preset(preset: Preset) -> Self {
        match preset {
            Preset::Tiny => Self::new(32, 1),
            Preset::Boa => Self::new(256, 1),
            Preset::Boa8 => Self::new(256, 8),
        }
    }

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

    /// Checks that every size is usable, by training and by the integer engine alike
    /// (the engine's [`Limits`]), so that a model that trains also quantizes and runs.
    ///
    /// # Errors
    /// A message naming the bad field.
    pub fn validate(&self) -> Result<(), String> {
        if self.expand == 0 {
            return Err("model.expand must be at least 1".into());
        }
        let d_inner = self.d_model.saturating_mul(self.expand);
        for (name, value, max) in [
            ("d_model", self.d_model, Limits::D_MODEL),
            ("num_layers", self.num_layers, Limits::NUM_LAYERS),
            ("d_state", self.d_state, Limits::D_STATE),
            ("d_conv", self.d_conv, Limits::D_CONV),
            ("d_inner (expand · d_model)", d_inner, Limits::D_INNER),
        ] {
            Limits::check(name, value, max).map_err(|e| format!("model.{e}"))?;
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
