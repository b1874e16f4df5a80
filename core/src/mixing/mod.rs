//! Context mixing: the neural table mixed, bit by bit, with adaptive integer context
//! models, so that coding follows data that drifts away from what the network learnt.
//!
//! Each byte is seen as 8 binary decisions down a bit tree of 255 nodes. For every node,
//! twelve stretched predictions — the neural table's, a bias, order-0/1/2/3/4/6 byte
//! contexts, three record contexts (the record length found online by
//! [`context::RecordDetector`]) and the match model — are weighted by an integer
//! [`mixer::Mixer`] whose weights learn as the chunk is coded. The 255 mixed node
//! probabilities become the byte's [`FrequencyTable`] ([`state::tree_table`]), so the
//! range coder and the `.boa` format are unchanged but for one header flag.
//!
//! Invariants (`docs/engine.md`, "Context mixing"): 32-bit integer arithmetic only, no
//! float; state per chunk, reset per chunk; the table for position `i` depends only on
//! the neural table for `i` and the chunk's bytes before `i`. So every engine (CPU,
//! wasm, GPU) that gives the same neural tables gives the same mixed tables. The mixing
//! runs on the host, after the neural table — except where the predictor codes whole
//! chunks with mixing itself ([`Predictor::decode_mixed_streams`]): the GPU runs the
//! same arithmetic in `shaders/mixing.wgsl`.

pub mod context;
pub mod counter;
pub mod logistic;
pub mod mixer;
pub mod state;

use crate::coder::{FrequencyTable, Interval};
use crate::predictor::{CodedStream, DecodedStream, ModelFingerprint, PredictError, Predictor};
use logistic::StretchTable;
use state::MixState;

/// Most lanes stepped together with context mixing, when coding or decoding: each lane
/// holds ≈ 29 MB of context tables, so 4 lanes per thread bound the memory while the
/// neural engine still batches. Lanes never change the coded bytes.
pub const MAX_LANES: usize = 4;

/// A predictor whose tables are `inner`'s mixed with context models.
pub struct Mixing<'p, P> {
    inner: &'p P,
    stretch: StretchTable,
}

impl<'p, P: Predictor> Mixing<'p, P> {
    /// Mixes `inner`'s tables.
    #[must_use]
    pub fn new(inner: &'p P) -> Self {
        Self {
            inner,
            stretch: StretchTable::new(),
        }
    }
}

/// A chunk being coded: the neural lane, its last table and the mixing state.
pub struct MixLane<L> {
    inner: L,
    neural: FrequencyTable,
    state: Box<MixState>,
}

impl<P: Predictor> Predictor for Mixing<'_, P> {
    type Lane = MixLane<P::Lane>;

    /// The neural model's fingerprint: mixing is a coding choice, recorded by the
    /// `.boa` header's flag, not a different model.
    fn fingerprint(&self) -> ModelFingerprint {
        self.inner.fingerprint()
    }

    fn new_lane(&self) -> Self::Lane {
        MixLane {
            inner: self.inner.new_lane(),
            neural: FrequencyTable::uniform(),
            state: Box::new(MixState::new()),
        }
    }

    fn predict(
        &self,
        lanes: &mut [Self::Lane],
        tables: &mut [FrequencyTable],
    ) -> Result<(), PredictError> {
        let mut inner: Vec<P::Lane> = lanes
            .iter_mut()
            .map(|lane| std::mem::replace(&mut lane.inner, self.inner.new_lane()))
            .collect();
        let outcome = self.inner.predict(&mut inner, tables);
        for (lane, inner) in lanes.iter_mut().zip(inner) {
            lane.inner = inner;
        }
        outcome?;
        for (lane, table) in lanes.iter_mut().zip(tables.iter_mut()) {
            lane.neural = table.clone();
            *table = lane.state.predict(&lane.neural, &self.stretch);
        }
        Ok(())
    }

    fn advance(&self, lanes: &mut [Self::Lane], bytes: &[u8]) -> Result<(), PredictError> {
        for (lane, &byte) in lanes.iter_mut().zip(bytes) {
            lane.state.update(byte, &lane.neural, &self.stretch);
        }
        let mut inner: Vec<P::Lane> = lanes
            .iter_mut()
            .map(|lane| std::mem::replace(&mut lane.inner, self.inner.new_lane()))
            .collect();
        let outcome = self.inner.advance(&mut inner, bytes);
        for (lane, inner) in lanes.iter_mut().zip(inner) {
            lane.inner = inner;
        }
        outcome
    }

    fn lock_step_lanes(&self) -> usize {
        self.inner.lock_step_lanes().min(MAX_LANES)
    }

    /// The inner predictor's own mixed decoding, if it has one (a GPU's shaders).
    fn decode_streams(
        &self,
        streams: &[CodedStream<'_>],
    ) -> Option<Result<Vec<DecodedStream>, PredictError>> {
        self.inner.decode_mixed_streams(streams)
    }

    /// The inner predictor's own mixed intervals, if it has them (a GPU's shaders).
    fn chunk_intervals(
        &self,
        chunks: &[&[u8]],
        each: &mut dyn FnMut(usize, Interval),
    ) -> Option<Result<(), PredictError>> {
        self.inner.chunk_mixed_intervals(chunks, each)
    }

    fn chunk_tables(
        &self,
        chunk: &[u8],
        each: &mut dyn FnMut(&FrequencyTable),
    ) -> Result<(), PredictError> {
        let mut state = MixState::new();
        let mut bytes = chunk.iter();
        self.inner.chunk_tables(chunk, &mut |neural| {
            let mixed = state.predict(neural, &self.stretch);
            each(&mixed);
            if let Some(&byte) = bytes.next() {
                state.update(byte, neural, &self.stretch);
            }
        })
    }
}

/// `predictor`'s teacher-forced tables of `chunk` as a file coded with (`mixing`) or
/// without context mixing codes it: mixed by a fresh [`MixState`], or the predictor's own.
///
/// # Errors
/// What the predictor reports.
pub fn chunk_tables_as_coded<P: Predictor>(
    predictor: &P,
    mixing: bool,
    chunk: &[u8],
    each: &mut dyn FnMut(&FrequencyTable),
) -> Result<(), PredictError> {
    if mixing {
        Mixing::new(predictor).chunk_tables(chunk, each)
    } else {
        predictor.chunk_tables(chunk, each)
    }
}

#[cfg(test)]
mod tests;
