//! The deterministic integer inference engine: BOA's model in fixed-point integers, so
//! that every machine computes the same frequency tables bit for bit.
//!
//! - [`fixed`]: the arithmetic primitives (rounding products, tables);
//! - [`model`]: [`QuantizedModel`], the integer weights, formats and tables;
//! - [`file`]: the `.boam` file that stores it;
//! - [`Engine`]: runs a model as the codec's [`Predictor`], with two schedules: a whole
//!   chunk layer by layer when encoding, one step for many chunks when decoding.
//!
//! `docs/engine.md` specifies every operation; it is the contract the WebAssembly build
//! follows, and the WGSL shaders (`shaders/`, not written yet) will follow.

pub mod file;
pub mod fixed;
mod forward;
pub(crate) mod kernels;
mod limits;
pub mod model;
pub mod packing;
mod simd;
#[cfg(test)]
mod tests;

use crate::coder::FrequencyTable;
use crate::predictor::{ModelFingerprint, PredictError, Predictor};

pub use file::{
    MODEL_MAGIC, MODEL_VERSION, MODEL_VERSION_COMPACT, MODEL_VERSION_FIXED, ModelFileError,
};
pub use forward::RecurrentState;
use forward::{States, Workspace};
use kernels::WideLinear;
pub use model::{Dims, InvalidModel, Limits, QuantizedModel};

/// Positions per pass when encoding a chunk: each layer runs over this many rows at once.
pub const ENCODE_ROWS: usize = 256;

/// The wide (16-bit) weights of one block, for the kernels.
struct WideBlock {
    in_x: WideLinear,
    in_z: WideLinear,
    x_delta: WideLinear,
    x_b: WideLinear,
    x_c: WideLinear,
    dt_proj: WideLinear,
    out_proj: WideLinear,
    ff_expand: WideLinear,
    ff_contract: WideLinear,
}

/// A loaded integer model, ready to predict. Implements [`Predictor`].
pub struct Engine {
    model: QuantizedModel,
    fingerprint: ModelFingerprint,
    blocks: Vec<WideBlock>,
    head_hidden: WideLinear,
    head_logits: WideLinear,
}

/// One chunk being coded: its recurrent state and the table of its next byte.
#[derive(Clone, Debug)]
pub struct EngineLane {
    state: RecurrentState,
    /// `None` before the first byte: the first byte of a chunk is coded uniformly.
    next: Option<FrequencyTable>,
}

impl Engine {
    /// Loads a `.boam` file's bytes; the fingerprint is the BLAKE3 hash of those bytes.
    ///
    /// # Errors
    /// [`ModelFileError`] when the bytes are not a valid model.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelFileError> {
        let model = QuantizedModel::from_bytes(bytes)?;
        Ok(Self::with_fingerprint(
            model,
            ModelFingerprint::of_bytes(bytes),
        ))
    }

    /// An engine for an in-memory model (validated; fingerprint of its serialised bytes).
    ///
    /// # Errors
    /// [`ModelFileError::Invalid`] when the model breaks the engine's invariants.
    pub fn new(model: QuantizedModel) -> Result<Self, ModelFileError> {
        model.validate()?;
        let fingerprint = ModelFingerprint::of_bytes(&model.to_bytes());
        Ok(Self::with_fingerprint(model, fingerprint))
    }

    fn with_fingerprint(model: QuantizedModel, fingerprint: ModelFingerprint) -> Self {
        let blocks = model
            .blocks
            .iter()
            .map(|b| WideBlock {
                in_x: (&b.in_x).into(),
                in_z: (&b.in_z).into(),
                x_delta: (&b.x_delta).into(),
                x_b: (&b.x_b).into(),
                x_c: (&b.x_c).into(),
                dt_proj: (&b.dt_proj).into(),
                out_proj: (&b.out_proj).into(),
                ff_expand: (&b.ff_expand).into(),
                ff_contract: (&b.ff_contract).into(),
            })
            .collect();
        Self {
            head_hidden: (&model.head_hidden).into(),
            head_logits: (&model.head_logits).into(),
            blocks,
            model,
            fingerprint,
        }
    }

    /// The integer model.
    #[must_use]
    pub fn model(&self) -> &QuantizedModel {
        &self.model
    }

    /// Logits (16-bit codes, `[len][256]`) of the byte after each of `bytes`, from the
    /// zero state: what calibration and evaluation inspect.
    #[must_use]
    pub fn sequence_logits(&self, bytes: &[u8]) -> Vec<i16> {
        let mut state = RecurrentState::zeros(self);
        let mut ws = Workspace::default();
        let mut logits = Vec::with_capacity(bytes.len() * 256);
        for block in bytes.chunks(ENCODE_ROWS) {
            self.forward_rows(block, States::Sequence(&mut state), &mut ws);
            logits.extend_from_slice(&ws.logits);
        }
        logits
    }

    /// The frequency table for one row of logits.
    ///
    /// # Errors
    /// Never for a validated model; the table constructor's check is passed on.
    pub fn table(&self, logits: &[i16]) -> Result<FrequencyTable, PredictError> {
        let mut freqs = [0u32; 256];
        kernels::softmax(
            &self.model.exp2,
            self.model.softmax.multiplier,
            u32::from(self.model.softmax.shift),
            logits,
            &mut freqs,
        );
        Ok(FrequencyTable::from_frequencies(&freqs)?)
    }
}

impl Predictor for Engine {
    type Lane = EngineLane;

    fn fingerprint(&self) -> ModelFingerprint {
        self.fingerprint
    }

    fn new_lane(&self) -> EngineLane {
        EngineLane {
            state: RecurrentState::zeros(self),
            next: None,
        }
    }

    fn predict(
        &self,
        lanes: &mut [EngineLane],
        tables: &mut [FrequencyTable],
    ) -> Result<(), PredictError> {
        for (lane, table) in lanes.iter().zip(tables.iter_mut()) {
            *table = lane.next.clone().unwrap_or_else(FrequencyTable::uniform);
        }
        Ok(())
    }

    fn advance(&self, lanes: &mut [EngineLane], bytes: &[u8]) -> Result<(), PredictError> {
        let mut ws = Workspace::default();
        let states = lanes.iter_mut().map(|lane| &mut lane.state).collect();
        self.forward_rows(bytes, States::Lanes(states), &mut ws);
        for (lane, logits) in lanes.iter_mut().zip(ws.logits.chunks_exact(256)) {
            lane.next = Some(self.table(logits)?);
        }
        Ok(())
    }

    fn chunk_tables(
        &self,
        chunk: &[u8],
        each: &mut dyn FnMut(&FrequencyTable),
    ) -> Result<(), PredictError> {
        if chunk.is_empty() {
            return Ok(());
        }
        each(&FrequencyTable::uniform());
        let mut state = RecurrentState::zeros(self);
        let mut ws = Workspace::default();
        // The last byte's prediction is never needed.
        for block in chunk[..chunk.len() - 1].chunks(ENCODE_ROWS) {
            self.forward_rows(block, States::Sequence(&mut state), &mut ws);
            for logits in ws.logits.chunks_exact(256) {
                each(&self.table(logits)?);
            }
        }
        Ok(())
    }
}
