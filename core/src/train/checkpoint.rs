//! Checkpoints: a folder holding `config.json` (the model's sizes), `model.bpk` (burn's
//! burnpack weights) and, for training checkpoints, `optimizer.bpk` and `progress.json`.
//! `progress.json` is written last: a folder without it is an interrupted write and is
//! ignored when resuming.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::TrainError;
use crate::model::{BoaBytePredictor, ModelConfig};

/// What a training checkpoint records besides weights and optimiser state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Epochs completed.
    pub epoch: usize,
    /// Training bits per byte of each completed epoch.
    pub train_bpb: Vec<f64>,
    /// Validation bits per byte of each completed epoch (`None` without validation data).
    pub val_bpb: Vec<Option<f64>>,
}

const CONFIG: &str = "config.json";
const MODEL: &str = "model.bpk";
const OPTIMIZER: &str = "optimizer.bpk";
const PROGRESS: &str = "progress.json";

fn io_error(path: &Path, error: impl std::fmt::Display) -> TrainError {
    TrainError::Checkpoint {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// Writes a model (and its sizes) into the folder `dir`.
///
/// # Errors
/// [`TrainError::Checkpoint`] on I/O or serialisation errors.
pub fn save_model(dir: &Path, model: &BoaBytePredictor) -> Result<(), TrainError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let config = serde_json::to_string_pretty(&model.config()).map_err(|e| io_error(dir, e))?;
    std::fs::write(dir.join(CONFIG), config).map_err(|e| io_error(dir, e))?;
    model
        .clone()
        .save_file(dir.join(MODEL))
        .map_err(|e| io_error(&dir.join(MODEL), format!("{e:?}")))
}

/// Reads the sizes stored in a checkpoint folder.
///
/// # Errors
/// [`TrainError::Checkpoint`] when `config.json` is missing or invalid.
pub fn load_config(dir: &Path) -> Result<ModelConfig, TrainError> {
    let path = dir.join(CONFIG);
    let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, e))?;
    let config: ModelConfig = serde_json::from_str(&text).map_err(|e| io_error(&path, e))?;
    config.validate().map_err(|e| io_error(&path, e))?;
    Ok(config)
}

/// Loads a model saved by [`save_model`] onto `device`.
///
/// # Errors
/// [`TrainError::Checkpoint`] when files are missing or do not fit the stored sizes.
pub fn load_model(dir: &Path, device: &Device) -> Result<BoaBytePredictor, TrainError> {
    let config = load_config(dir)?;
    BoaBytePredictor::new(&config, device)
        .try_load_file(dir.join(MODEL))
        .map_err(|e| io_error(&dir.join(MODEL), format!("{e:?}")))
}

/// Writes a training checkpoint: model, optimiser state, then progress.
///
/// # Errors
/// [`TrainError::Checkpoint`] on I/O errors.
pub fn save_training(
    dir: &Path,
    model: &BoaBytePredictor,
    optimizer: &burn::optim::ModuleOptimizer,
    progress: &Progress,
) -> Result<(), TrainError> {
    save_model(dir, model)?;
    optimizer
        .save(dir.join(OPTIMIZER))
        .map_err(|e| io_error(&dir.join(OPTIMIZER), format!("{e:?}")))?;
    let text = serde_json::to_string_pretty(progress).map_err(|e| io_error(dir, e))?;
    std::fs::write(dir.join(PROGRESS), text).map_err(|e| io_error(dir, e))
}

/// The newest complete training checkpoint under `root` (folders `epoch-NNNN`).
#[must_use]
pub fn newest(root: &Path) -> Option<(PathBuf, Progress)> {
    let entries = std::fs::read_dir(root).ok()?;
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("epoch-"))
        })
        .filter_map(|path| {
            let text = std::fs::read_to_string(path.join(PROGRESS)).ok()?;
            let progress: Progress = serde_json::from_str(&text).ok()?;
            Some((path, progress))
        })
        .max_by_key(|(_, progress)| progress.epoch)
}

/// Loads the optimiser state of a training checkpoint into `optimizer`.
///
/// # Errors
/// [`TrainError::Checkpoint`] when the file is missing or unreadable.
pub fn load_optimizer(
    dir: &Path,
    optimizer: burn::optim::ModuleOptimizer,
) -> Result<burn::optim::ModuleOptimizer, TrainError> {
    optimizer
        .load(dir.join(OPTIMIZER))
        .map_err(|e| io_error(&dir.join(OPTIMIZER), format!("{e:?}")))
}

/// The folder of the checkpoint after `epoch` epochs.
#[must_use]
pub fn epoch_dir(root: &Path, epoch: usize) -> PathBuf {
    root.join(format!("epoch-{epoch:04}"))
}
