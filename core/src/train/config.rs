//! Experiment files: YAML with BOA's keys (`name`, `file_path`, `device`, `precision`,
//! `model_path`, `dataloader`, `model`, `training`, `splits`, …). Paths are relative to
//! the YAML file. Unknown keys are errors.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{DeviceKind, Precision, TrainError};
use crate::model::{ModelConfig, Preset};

/// A whole experiment file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// Name of the experiment (used in file names and reports).
    pub name: String,
    /// The training data.
    pub file_path: PathBuf,
    /// Whether to show progress bars (BOA key; the CLI decides from the terminal too).
    #[serde(default = "yes")]
    pub progress: bool,
    /// `cpu` (the default), `cuda` or `wgpu`.
    #[serde(default = "default_device")]
    pub device: DeviceKind,
    /// `fp32` (the default), `bf16`, `fp16` (`fp8` is refused with an explanation).
    #[serde(default = "default_precision")]
    pub precision: Precision,
    /// Folder for checkpoints (the final model goes to `model_path/final`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_path: Option<PathBuf>,
    /// Sequence length and batch size.
    pub dataloader: DataloaderConfig,
    /// Model size.
    pub model: ModelSection,
    /// Optimisation.
    pub training: TrainingSection,
    /// Fractions of train, validation and test data.
    #[serde(default = "default_splits")]
    pub splits: [f64; 3],
    /// Compression settings (used by `boa run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<CompressionSection>,
}

/// `dataloader:` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataloaderConfig {
    /// Bytes per training sequence (the model predicts `seq_len − 1` of them).
    pub seq_len: usize,
    /// Sequences per optimiser step.
    pub batch_size: usize,
}

/// `model:` section: a preset, explicit sizes, or a preset with overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSection {
    /// `tiny`, `boa` or `boa-8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// Width (overrides the preset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d_model: Option<usize>,
    /// Depth (overrides the preset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_layers: Option<usize>,
}

/// `training:` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSection {
    /// AdamW learning rate.
    pub lr: f64,
    /// Passes over the training split.
    pub epochs: usize,
    /// AdamW weight decay (matrices only; not norms, biases, `A_log`, `D`).
    #[serde(default = "default_weight_decay")]
    pub weight_decay: f64,
    /// Seed of the initial weights and of the batch order.
    #[serde(default)]
    pub seed: u64,
    /// Start reading `file_path` at this byte.
    #[serde(default)]
    pub data_offset: u64,
    /// Use at most this many bytes of `file_path` (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_bytes: Option<u64>,
    /// Stop training once this many seconds (wall clock, from the first step, the
    /// per-epoch evaluations included) are spent, at a step boundary; `epochs` is then an
    /// upper bound. The test evaluation and the integer model come after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_budget_s: Option<f64>,
    /// How the learning rate moves over the run (`constant`, the default, or `cosine`).
    #[serde(default, skip_serializing_if = "LrSchedule::is_constant")]
    pub lr_schedule: LrSchedule,
    /// Steps over which the learning rate rises linearly from `lr / warmup_steps` to `lr`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub warmup_steps: usize,
    /// Which model `final/` holds: the `best` epoch by validation loss (the default) or
    /// the `last` one. Without validation data both are the last.
    #[serde(default, skip_serializing_if = "FinalModel::is_best")]
    pub final_model: FinalModel,
}

/// `training.lr_schedule`: the learning rate as a function of the run's progress
/// `p ∈ [0, 1]`, the larger of steps done / steps planned (`epochs` × steps per epoch) and
/// seconds spent / `time_budget_s`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LrSchedule {
    /// `lr` throughout (after any warm-up).
    #[default]
    Constant,
    /// Cosine decay from `lr` at `p = 0` to `lr / 10` at `p = 1` (after any warm-up).
    Cosine,
}

impl LrSchedule {
    fn is_constant(&self) -> bool {
        *self == Self::Constant
    }

    /// The learning rate at progress `p` (clamped to `[0, 1]`) and optimiser step `step`
    /// (from 1), for base rate `lr` and `warmup` warm-up steps.
    #[must_use]
    pub fn rate(self, lr: f64, p: f64, step: usize, warmup: usize) -> f64 {
        let warm = if step < warmup {
            step as f64 / warmup as f64
        } else {
            1.0
        };
        let shape = match self {
            Self::Constant => 1.0,
            Self::Cosine => 0.1 + 0.45 * (1.0 + (std::f64::consts::PI * p.clamp(0.0, 1.0)).cos()),
        };
        lr * warm * shape
    }
}

/// `training.final_model`: which weights the run ends with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FinalModel {
    /// The epoch (whole, or the last one the time budget cut short) with the lowest
    /// validation bits per byte.
    #[default]
    Best,
    /// The weights after the last step.
    Last,
}

impl FinalModel {
    fn is_best(&self) -> bool {
        *self == Self::Best
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `compression:` section (BOA keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompressionSection {
    /// Number of chunks to cut the file into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks_count: Option<usize>,
    /// The file to compress (defaults to `file_path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_to_compress: Option<PathBuf>,
    /// Mix the model's predictions with adaptive context models while coding (not a
    /// BOA key; `boa compress --mixing`). Default: off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mixing: bool,
}

fn yes() -> bool {
    true
}
fn default_device() -> DeviceKind {
    DeviceKind::Cpu
}
fn default_precision() -> Precision {
    Precision::Fp32
}
fn default_splits() -> [f64; 3] {
    [0.8, 0.1, 0.1]
}
fn default_weight_decay() -> f64 {
    0.01
}

impl ExperimentConfig {
    /// Reads and validates an experiment file; relative paths become relative to it.
    ///
    /// # Errors
    /// [`TrainError::Config`] naming the file and the bad key or value.
    pub fn load(path: &Path) -> Result<Self, TrainError> {
        Self::load_with(path, |_| {})
    }

    /// Reads an experiment file, applies `overrides` (command-line flags, which win over
    /// the file), then validates the result. Values serde types (`device`, `precision`,
    /// sizes) must be valid in the file itself; checks of ranges (`training.epochs: 0`)
    /// come after the flags, so a flag can replace such a value.
    ///
    /// # Errors
    /// [`TrainError::Config`] naming the file and the bad key or value.
    pub fn load_with(path: &Path, overrides: impl FnOnce(&mut Self)) -> Result<Self, TrainError> {
        let text = std::fs::read_to_string(path).map_err(|e| TrainError::Config {
            file: path.to_path_buf(),
            message: format!("cannot read it: {e}"),
        })?;
        let mut config: Self = serde_norway::from_str(&text).map_err(|e| TrainError::Config {
            file: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.file_path = base.join(&config.file_path);
        if let Some(model_path) = &config.model_path {
            config.model_path = Some(base.join(model_path));
        }
        if let Some(compression) = &mut config.compression
            && let Some(file) = &compression.file_to_compress
        {
            compression.file_to_compress = Some(base.join(file));
        }
        overrides(&mut config);
        config.validate().map_err(|message| TrainError::Config {
            file: path.to_path_buf(),
            message,
        })?;
        Ok(config)
    }

    /// The model size this experiment asks for.
    ///
    /// # Errors
    /// An unknown preset, or neither preset nor sizes.
    pub fn model_config(&self) -> Result<ModelConfig, String> {
        let base = match self.model.preset {
            Some(preset) => ModelConfig::preset(preset),
            None => match (self.model.d_model, self.model.num_layers) {
                (Some(d), Some(n)) => ModelConfig::new(d, n),
                _ => {
                    return Err(
                        "model: give `preset` or both `d_model` and `num_layers`".to_string()
                    );
                }
            },
        };
        let config = ModelConfig {
            d_model: self.model.d_model.unwrap_or(base.d_model),
            num_layers: self.model.num_layers.unwrap_or(base.num_layers),
            ..base
        };
        config.validate()?;
        Ok(config)
    }

    /// Where checkpoints go: `model_path`, or `checkpoints/NAME` beside the data.
    #[must_use]
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.model_path
            .clone()
            .unwrap_or_else(|| PathBuf::from("checkpoints").join(&self.name))
    }

    /// Checks values that serde cannot.
    ///
    /// # Errors
    /// A message naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.dataloader.seq_len < 2 {
            return Err("dataloader.seq_len must be at least 2".into());
        }
        if self.dataloader.batch_size == 0 {
            return Err("dataloader.batch_size must be at least 1".into());
        }
        if !(self.training.lr > 0.0 && self.training.lr.is_finite()) {
            return Err(format!(
                "training.lr must be a positive number, not {}",
                self.training.lr
            ));
        }
        if self.training.epochs == 0 {
            return Err("training.epochs must be at least 1".into());
        }
        if let Some(budget) = self.training.time_budget_s
            && !(budget > 0.0 && budget.is_finite())
        {
            return Err(format!(
                "training.time_budget_s must be a positive number of seconds, not {budget}"
            ));
        }
        if !(0.0..1.0).contains(&self.training.weight_decay) {
            return Err("training.weight_decay must be in [0, 1)".into());
        }
        let sum: f64 = self.splits.iter().sum();
        if self.splits.iter().any(|s| !(0.0..=1.0).contains(s)) || (sum - 1.0).abs() > 1e-6 {
            return Err(format!(
                "splits {:?} must be three fractions summing to 1",
                self.splits
            ));
        }
        if self.splits[0] == 0.0 {
            return Err("splits: the training fraction must be above 0".into());
        }
        self.model_config()?;
        Ok(())
    }
}
