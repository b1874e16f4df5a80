//! Import of BOA Constrictor checkpoints: a PyTorch `state_dict` of BOA's
//! `BoaBytePredictor` (`torch.save(model.state_dict(), path)`).
//!
//! BOA's key names map onto this crate's modules by a rename table; burn-store's PyTorch
//! adapter transposes `Linear` weights (`[out, in]` → `[in, out]`) and renames LayerNorm
//! `weight`/`bias` to `gamma`/`beta`. The model's sizes are read off the tensors' shapes.

use std::path::{Path, PathBuf};

use burn::store::{ModuleSnapshot, ModuleStore, PytorchStore};
use burn::tensor::Device;

use super::{BoaBytePredictor, ModelConfig};

/// BOA key → this crate's module path, applied in order.
pub const KEY_RENAMES: [(&str, &str); 6] = [
    (r"^blocks\.(\d+)\.ff\.0\.", "blocks.$1.ff.expand."),
    (r"^blocks\.(\d+)\.ff\.2\.", "blocks.$1.ff.contract."),
    (r"^head\.0\.", "head.hidden."),
    (r"^head\.2\.", "head.logits."),
    (r"\.A_log$", ".a_log"),
    (r"\.D$", ".d"),
];

/// Errors of checkpoint import.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file could not be read as a PyTorch checkpoint.
    #[error("{}: cannot read it as a PyTorch checkpoint: {message}", path.display())]
    Unreadable {
        /// The checkpoint.
        path: PathBuf,
        /// The reader's message.
        message: String,
    },
    /// The checkpoint is not a BOA byte model.
    #[error("{}: not a BOA BoaBytePredictor state_dict: {message}", path.display())]
    NotBoa {
        /// The checkpoint.
        path: PathBuf,
        /// What is missing or wrong.
        message: String,
    },
}

/// Loads a BOA checkpoint onto `device`.
///
/// # Errors
/// [`ImportError`] when the file is unreadable or not a complete BOA model.
pub fn import_boa(path: &Path, device: &Device) -> Result<BoaBytePredictor, ImportError> {
    let unreadable = |message: String| ImportError::Unreadable {
        path: path.to_path_buf(),
        message,
    };
    let not_boa = |message: String| ImportError::NotBoa {
        path: path.to_path_buf(),
        message,
    };
    let mut store = PytorchStore::from_file(path);
    for (from, to) in KEY_RENAMES {
        store = store.with_key_remapping(from, to);
    }
    let config = infer_config(&mut store).map_err(|e| match e {
        Inference::Store(message) => unreadable(message),
        Inference::Shape(message) => not_boa(message),
    })?;
    let mut model = BoaBytePredictor::new(&config, device);
    let result = model
        .load_from(&mut store)
        .map_err(|e| unreadable(format!("{e:?}")))?;
    if !result.missing.is_empty() || !result.errors.is_empty() || !result.unused.is_empty() {
        return Err(not_boa(format!(
            "missing {:?}, unexpected {:?}, errors {:?}",
            result.missing, result.unused, result.errors
        )));
    }
    Ok(model)
}

enum Inference {
    Store(String),
    Shape(String),
}

/// Reads d_model, layer count, d_state, d_conv and expand off the tensors' shapes.
fn infer_config(store: &mut PytorchStore) -> Result<ModelConfig, Inference> {
    let keys = store
        .keys()
        .map_err(|e| Inference::Store(format!("{e:?}")))?;
    let mut shape = |name: &str| -> Result<Vec<usize>, Inference> {
        let tensor = store
            .get_tensor(name)
            .map_err(|e| Inference::Store(format!("{e:?}")))?
            .ok_or_else(|| Inference::Shape(format!("no tensor `{name}`")))?;
        Ok(tensor.shape.to_vec())
    };
    let embedding = shape("embedding.weight")?;
    let [vocab, d_model] = embedding[..] else {
        return Err(Inference::Shape(format!(
            "embedding.weight has shape {embedding:?}"
        )));
    };
    if vocab != super::VOCAB {
        return Err(Inference::Shape(format!(
            "embedding has {vocab} rows, not 256"
        )));
    }
    let num_layers = (0..)
        .take_while(|i| keys.iter().any(|k| k.starts_with(&format!("blocks.{i}."))))
        .count();
    if num_layers == 0 {
        return Err(Inference::Shape("no `blocks.N.` tensors".into()));
    }
    let a_log = shape("blocks.0.mamba.a_log")?;
    let conv = shape("blocks.0.mamba.conv1d.weight")?;
    let (&[d_inner, d_state], &[_, _, d_conv]) = (&a_log[..], &conv[..]) else {
        return Err(Inference::Shape(format!(
            "A_log {a_log:?} or conv1d.weight {conv:?} has the wrong rank"
        )));
    };
    if d_model == 0 || d_inner % d_model != 0 {
        return Err(Inference::Shape(format!(
            "d_inner {d_inner} is no multiple of d_model {d_model}"
        )));
    }
    let config = ModelConfig {
        d_model,
        num_layers,
        d_state,
        d_conv,
        expand: d_inner / d_model,
    };
    config.validate().map_err(Inference::Shape)?;
    Ok(config)
}
