//! Training the float model (`docs/model.md`): experiment files, data splits, the AdamW loop
//! with per-epoch checkpoints and resume, and bits-per-byte evaluation.

pub mod checkpoint;
pub mod config;
pub mod data;
pub mod eval;
mod trainer;

use std::path::PathBuf;

use burn::tensor::{Device, FloatDType};

pub use config::{
    CompressionSection, DataloaderConfig, ExperimentConfig, FinalModel, LrSchedule, ModelSection,
    TrainingSection,
};
pub use trainer::{
    BatchProgress, EpochReport, TrainObserver, TrainOptions, TrainReport, time_training_steps,
    train,
};

/// Errors of training and evaluation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// An experiment file is unreadable or invalid.
    #[error("{}: {message}", file.display())]
    Config {
        /// The experiment file.
        file: PathBuf,
        /// What is wrong, naming the key.
        message: String,
    },
    /// The data file is unreadable or too small.
    #[error("{}: {message}", file.display())]
    Data {
        /// The data file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A checkpoint could not be written or read.
    #[error("checkpoint {}: {message}", path.display())]
    Checkpoint {
        /// The checkpoint file or folder.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The requested device or precision is not available in this build or backend.
    #[error("{0}")]
    Unsupported(String),
    /// Checkpoints already exist and neither resuming nor overwriting was asked for.
    #[error("{} already holds checkpoints: pass --resume to continue from the newest, or remove the folder to start over", .0.display())]
    CheckpointsExist(PathBuf),
    /// Training diverged (a loss that is not a number).
    #[error(
        "training diverged at epoch {epoch}, step {step} (loss {loss}); lower training.lr, or train in fp32 or bf16"
    )]
    Diverged {
        /// Epoch (1-based).
        epoch: usize,
        /// Step within the epoch.
        step: usize,
        /// The loss seen.
        loss: f64,
    },
}

/// Floating-point precision of training. Parsed from (and written as) `fp32`, `bf16`,
/// `fp16` by [`FromStr`](std::str::FromStr), which YAML files and command-line flags both
/// use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Precision {
    /// 32-bit floats everywhere.
    Fp32,
    /// bfloat16 tensors (8-bit exponent).
    Bf16,
    /// IEEE half precision.
    Fp16,
}

impl std::str::FromStr for Precision {
    type Err = String;

    /// Parses `fp32`, `bf16`, `fp16`; explains why `fp8` is refused.
    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "fp32" => Ok(Self::Fp32),
            "bf16" => Ok(Self::Bf16),
            "fp16" => Ok(Self::Fp16),
            "fp8" => Err("precision fp8 is not supported: burn 0.22 has no fp8 float type for training on any backend (fp8 exists only for post-training quantization); use fp32, bf16 or fp16".into()),
            other => Err(format!("precision `{other}` is unknown: use fp32, bf16 or fp16")),
        }
    }
}

impl TryFrom<String> for Precision {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        name.parse()
    }
}

impl From<Precision> for &'static str {
    fn from(precision: Precision) -> Self {
        precision.name()
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Precision {
    /// Every precision, the default first.
    pub const ALL: [Self; 3] = [Self::Fp32, Self::Bf16, Self::Fp16];

    /// The name files and flags use.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Fp32 => "fp32",
            Self::Bf16 => "bf16",
            Self::Fp16 => "fp16",
        }
    }

    fn float_dtype(self) -> Option<FloatDType> {
        match self {
            Self::Fp32 => None,
            Self::Bf16 => Some(FloatDType::BF16),
            Self::Fp16 => Some(FloatDType::F16),
        }
    }
}

/// Where tensors live. Parsed from (and written as) `cpu`, `cuda`, `wgpu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum DeviceKind {
    /// The CPU (burn's `flex` backend), all cores.
    Cpu,
    /// The first CUDA GPU (needs the `cuda` feature).
    Cuda,
    /// The default wgpu adapter (needs the `wgpu` feature).
    Wgpu,
}

impl std::str::FromStr for DeviceKind {
    type Err = String;

    /// Parses `cpu`, `cuda`, `wgpu`.
    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "cpu" => Ok(Self::Cpu),
            "cuda" => Ok(Self::Cuda),
            "wgpu" => Ok(Self::Wgpu),
            other => Err(format!(
                "device `{other}` is unknown: use cpu, cuda or wgpu"
            )),
        }
    }
}

impl TryFrom<String> for DeviceKind {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        name.parse()
    }
}

impl From<DeviceKind> for &'static str {
    fn from(device: DeviceKind) -> Self {
        device.name()
    }
}

impl std::fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl DeviceKind {
    /// Every device, the default first.
    pub const ALL: [Self; 3] = [Self::Cpu, Self::Cuda, Self::Wgpu];

    /// The name files and flags use.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
            Self::Wgpu => "wgpu",
        }
    }

    /// The burn device, configured for `precision`.
    ///
    /// # Errors
    /// [`TrainError::Unsupported`] when this build lacks the backend or the backend the
    /// precision.
    pub fn device(self, precision: Precision) -> Result<Device, TrainError> {
        let mut device = match self {
            Self::Cpu => Device::flex(),
            #[cfg(feature = "cuda")]
            Self::Cuda => Device::cuda(0),
            #[cfg(feature = "wgpu")]
            Self::Wgpu => Device::wgpu(Default::default()),
            #[allow(unreachable_patterns)]
            other => {
                return Err(TrainError::Unsupported(format!(
                    "this build of boa has no {other} support: rebuild with `--features {other}`"
                )));
            }
        };
        self.check_precision(precision)?;
        if let Some(dtype) = precision.float_dtype() {
            device.configure(dtype).map_err(|e| {
                TrainError::Unsupported(format!("precision {precision:?} on {self:?}: {e:?}"))
            })?;
        }
        Ok(device)
    }

    /// Whether this device trains in `precision`: bf16 and fp16 on the CPU only. On burn
    /// 0.22.1's fused GPU backends a half-precision model stops with a panic inside burn
    /// (`DTypeMismatch` in `burn-ir`'s graph builder, seen with fp16 on wgpu), so it is
    /// refused here with a clear error instead.
    ///
    /// # Errors
    /// [`TrainError::Unsupported`] for bf16 or fp16 on `cuda` or `wgpu`.
    pub fn check_precision(self, precision: Precision) -> Result<(), TrainError> {
        if self == Self::Cpu || precision == Precision::Fp32 {
            return Ok(());
        }
        Err(TrainError::Unsupported(format!(
            "precision {precision} on {device} is not supported yet: burn 0.22.1's fused GPU \
             backends stop on the mixed float types of a half-precision model; train in fp32 \
             on {device}, or in {precision} on the CPU",
            precision = precision.name(),
            device = self.name(),
        )))
    }
}
#[cfg(test)]
mod tests;
