//! The GPU engine as a [`Predictor`] (native only: it blocks), so that the one container
//! writer and reader code with it exactly as with the CPU engine and write the same bytes.
//!
//! Tables are computed by the shaders, one step for a batch of lanes per call; the range
//! coder runs on the host. Lanes live in batches of at most
//! [`GpuPredictor::lanes_per_batch`] rows; a lane takes a free row the first time it is
//! advanced and gives it back when dropped. Calls are serialised (one step in flight at
//! a time).

use std::sync::{Arc, Mutex, MutexGuard};

use super::{GpuContext, GpuError, GpuLanes, GpuModel};
use crate::coder::FrequencyTable;
use crate::engine::Engine;
use crate::predictor::{ModelFingerprint, PredictError, Predictor};

/// Lanes per GPU batch unless told otherwise (`BOA_GPU_STREAMS` in the CLI).
pub const DEFAULT_LANES_PER_BATCH: usize = 256;

/// A batch of lanes on the device and which of its rows are taken.
struct Batch {
    lanes: GpuLanes,
    free: Vec<usize>,
}

/// The device, the model and the batches, behind one lock.
struct Shared {
    context: GpuContext,
    model: GpuModel,
    batches: Vec<Batch>,
}

/// The integer engine on a GPU, as a [`Predictor`].
pub struct GpuPredictor {
    shared: Arc<Mutex<Shared>>,
    fingerprint: ModelFingerprint,
    lanes_per_batch: usize,
}

impl std::fmt::Debug for GpuPredictor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuPredictor")
            .field("fingerprint", &self.fingerprint)
            .field("lanes_per_batch", &self.lanes_per_batch)
            .finish_non_exhaustive()
    }
}

/// One chunk being coded on the GPU: its row (once it has one) and its next table.
pub struct GpuLane {
    shared: Arc<Mutex<Shared>>,
    row: Option<(usize, usize)>,
    next: Option<FrequencyTable>,
}

impl Drop for GpuLane {
    fn drop(&mut self) {
        if let Some((batch, row)) = self.row {
            let mut shared = lock(&self.shared);
            if let Some(batch) = shared.batches.get_mut(batch) {
                batch.free.push(row);
            }
        }
    }
}

/// The lock, also after a panic elsewhere (the state it guards stays consistent: rows
/// are only handed out and back).
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl GpuPredictor {
    /// `engine`'s model on `context`'s device, in batches of `lanes_per_batch` lanes
    /// (at least 1).
    ///
    /// # Errors
    /// When the device refuses the model or its kernels.
    pub fn new(
        context: GpuContext,
        engine: &Engine,
        lanes_per_batch: usize,
    ) -> Result<Self, GpuError> {
        let model = pollster::block_on(GpuModel::new(&context, engine))?;
        Ok(Self {
            shared: Arc::new(Mutex::new(Shared {
                context,
                model,
                batches: Vec::new(),
            })),
            fingerprint: engine.fingerprint(),
            lanes_per_batch: lanes_per_batch.max(1),
        })
    }

    /// Lanes per GPU batch.
    #[must_use]
    pub fn lanes_per_batch(&self) -> usize {
        self.lanes_per_batch
    }

    /// The adapter the device runs on.
    #[must_use]
    pub fn adapter(&self) -> super::AdapterSummary {
        lock(&self.shared).context.adapter().clone()
    }
}

impl Shared {
    /// A free row, in a new batch of `new_batch` rows if every batch is full; its state
    /// is zeroed.
    fn take_row(&mut self, new_batch: usize) -> Result<(usize, usize), GpuError> {
        let found = self
            .batches
            .iter_mut()
            .enumerate()
            .find_map(|(b, batch)| batch.free.pop().map(|row| (b, row)));
        let (batch, row) = match found {
            Some(slot) => slot,
            None => {
                let lanes =
                    pollster::block_on(GpuLanes::new(&self.context, &self.model, new_batch))?;
                let mut free: Vec<usize> = (0..new_batch).rev().collect();
                let row = free.pop().unwrap_or(0);
                self.batches.push(Batch { lanes, free });
                (self.batches.len() - 1, row)
            }
        };
        self.batches[batch].lanes.reset_lane(&self.context, row);
        Ok((batch, row))
    }
}

impl Predictor for GpuPredictor {
    type Lane = GpuLane;

    fn fingerprint(&self) -> ModelFingerprint {
        self.fingerprint
    }

    fn new_lane(&self) -> GpuLane {
        GpuLane {
            shared: Arc::clone(&self.shared),
            row: None,
            next: None,
        }
    }

    fn predict(
        &self,
        lanes: &mut [GpuLane],
        tables: &mut [FrequencyTable],
    ) -> Result<(), PredictError> {
        for (lane, table) in lanes.iter().zip(tables.iter_mut()) {
            *table = lane.next.clone().unwrap_or_else(FrequencyTable::uniform);
        }
        Ok(())
    }

    fn advance(&self, lanes: &mut [GpuLane], bytes: &[u8]) -> Result<(), PredictError> {
        let mut shared = lock(&self.shared);
        // New batches are as large as the lanes still without a row need (a GPU step
        // costs the same for every row of its batch), at most `lanes_per_batch`.
        let mut homeless = lanes.iter().filter(|lane| lane.row.is_none()).count();
        for lane in lanes.iter_mut().filter(|lane| lane.row.is_none()) {
            lane.row = Some(shared.take_row(homeless.clamp(1, self.lanes_per_batch))?);
            homeless -= 1;
        }
        let shared = &mut *shared;
        for (b, batch) in shared.batches.iter().enumerate() {
            let mut inputs = vec![None; batch.lanes.lanes()];
            let mut any = false;
            for (lane, &byte) in lanes.iter().zip(bytes) {
                if let Some((lane_batch, row)) = lane.row
                    && lane_batch == b
                {
                    inputs[row] = Some(byte);
                    any = true;
                }
            }
            if !any {
                continue;
            }
            let tables =
                pollster::block_on(batch.lanes.step(&shared.context, &shared.model, &inputs))?;
            for lane in lanes.iter_mut() {
                if let Some((lane_batch, row)) = lane.row
                    && lane_batch == b
                {
                    lane.next = Some(FrequencyTable::from_frequencies(&tables[row])?);
                }
            }
        }
        Ok(())
    }

    fn lock_step_lanes(&self) -> usize {
        self.lanes_per_batch
    }
}
