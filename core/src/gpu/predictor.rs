//! The GPU engine as a [`Predictor`] (native only: it blocks), so that the one container
//! writer and reader code with it exactly as with the CPU engine and write the same bytes.
//!
//! Whole groups of chunks are coded on the device with many steps per submit
//! ([`Predictor::decode_streams`], [`Predictor::chunk_intervals`]: [`GpuSession`]), in
//! batches of at most [`GpuPredictor::lanes_per_batch`] chunks. The step-by-step
//! interface (`predict`/`advance`, one submit per byte position) serves other callers
//! (the evaluation's tables): its lanes live in batches too; a lane takes a free row the
//! first time it is advanced and gives it back when dropped. Calls are serialised (one
//! submit in flight at a time).
//!
//! With a CPU fallback ([`GpuPredictor::with_cpu_fallback`]), a GPU failure during
//! whole-chunk coding (a lost device, a refused submit, a mapping error) switches the
//! predictor to the CPU engine for good, and the chunk group being coded is finished
//! there: the bytes are the same, so the file is too. Without one the failure is an
//! error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{GpuContext, GpuError, GpuLanes, GpuSession};
use crate::coder::{FrequencyTable, Interval};
use crate::engine::Engine;
use crate::predictor::{CodedStream, DecodedStream, ModelFingerprint, PredictError, Predictor};

/// A batch of lanes on the device and which of its rows are taken.
struct Batch {
    lanes: GpuLanes,
    free: Vec<usize>,
}

/// The device, the model and the batches, behind one lock.
struct Shared {
    /// Whole-chunk coding (and the device and model).
    session: GpuSession,
    /// Lanes of step-by-step coding.
    batches: Vec<Batch>,
}

/// The integer engine on a GPU, as a [`Predictor`].
pub struct GpuPredictor {
    shared: Arc<Mutex<Shared>>,
    fingerprint: ModelFingerprint,
    lanes_per_batch: usize,
    /// The same model on the CPU, to finish on when the GPU fails.
    fallback: Option<Box<Engine>>,
    /// Why the GPU was given up (set once, then every call runs on the fallback).
    failure: Mutex<Option<String>>,
    failed: AtomicBool,
    /// Tests: the number of whole-chunk batches after which the device is destroyed.
    #[cfg(test)]
    lose_device_after: Mutex<Option<usize>>,
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

#[cfg(test)]
fn lock_plain<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
    /// (at least 1, at most what the device's limits allow: [`GpuModel::max_lanes`]).
    ///
    /// # Errors
    /// When the device refuses the model or its kernels.
    pub fn new(
        context: GpuContext,
        engine: &Engine,
        lanes_per_batch: usize,
    ) -> Result<Self, GpuError> {
        let session = pollster::block_on(GpuSession::new(context, engine, lanes_per_batch))?;
        let lanes_per_batch = session.lanes_per_batch();
        Ok(Self {
            shared: Arc::new(Mutex::new(Shared {
                session,
                batches: Vec::new(),
            })),
            fingerprint: engine.fingerprint(),
            lanes_per_batch,
            fallback: None,
            failure: Mutex::new(None),
            failed: AtomicBool::new(false),
            #[cfg(test)]
            lose_device_after: Mutex::new(None),
        })
    }

    /// Finishes on `engine` (the same model, on the CPU) if the GPU fails mid-file,
    /// instead of failing. [`GpuPredictor::fell_back`] tells whether it did.
    #[must_use]
    pub fn with_cpu_fallback(mut self, engine: Engine) -> Self {
        self.fallback = Some(Box::new(engine));
        self
    }

    /// Why the GPU was given up for the CPU fallback, if it was.
    #[must_use]
    pub fn fell_back(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The fallback engine once the GPU has been given up.
    fn on_cpu(&self) -> Option<&Engine> {
        self.failed
            .load(Ordering::Acquire)
            .then_some(self.fallback.as_deref())
            .flatten()
    }

    /// After `error`: the fallback engine (the GPU given up for good), or the error.
    fn give_up_gpu(&self, error: GpuError) -> Result<&Engine, PredictError> {
        let Some(engine) = self.fallback.as_deref() else {
            return Err(error.into());
        };
        self.failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_or_insert_with(|| error.to_string());
        self.failed.store(true, Ordering::Release);
        Ok(engine)
    }

    /// Tests: destroys the device after `batches` more whole-chunk batches (a lost device).
    #[cfg(test)]
    pub(crate) fn lose_device_after(&self, batches: usize) {
        *lock_plain(&self.lose_device_after) = Some(batches);
    }

    /// Tests: destroys the device if its countdown has run out.
    fn maybe_lose_device(&self) {
        #[cfg(test)]
        {
            let mut countdown = lock_plain(&self.lose_device_after);
            match *countdown {
                Some(0) => lock(&self.shared).session.context().device.destroy(),
                Some(n) => *countdown = Some(n - 1),
                None => {}
            }
        }
    }

    /// Codes with `steps` positions per lane per submit (at least 1: decoding steps, and
    /// the teacher-forced window when encoding) instead of the adapter's default
    /// (`BOA_GPU_STEPS` in the CLI). The bytes are the same for any value.
    #[must_use]
    pub fn with_steps_per_submit(self, steps: u32) -> Self {
        lock(&self.shared).session.set_steps_per_submit(steps);
        self
    }

    /// Positions per lane per submit for a batch of `lanes` chunks.
    #[must_use]
    pub fn steps_per_submit(&self, lanes: usize) -> u32 {
        lock(&self.shared).session.steps_per_submit(lanes)
    }

    /// Lanes per GPU batch.
    #[must_use]
    pub fn lanes_per_batch(&self) -> usize {
        self.lanes_per_batch
    }

    /// The adapter the device runs on.
    #[must_use]
    pub fn adapter(&self) -> super::AdapterSummary {
        lock(&self.shared).session.context().adapter().clone()
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
                let lanes = pollster::block_on(self.session.step_lanes(new_batch))?;
                let mut free: Vec<usize> = (0..new_batch).rev().collect();
                let row = free.pop().unwrap_or(0);
                self.batches.push(Batch { lanes, free });
                (self.batches.len() - 1, row)
            }
        };
        self.batches[batch]
            .lanes
            .reset_lane(self.session.context(), row);
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
            let (context, model) = (shared.session.context(), shared.session.model());
            let tables = pollster::block_on(batch.lanes.step(context, model, &inputs))?;
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

    fn decode_streams(
        &self,
        streams: &[CodedStream<'_>],
    ) -> Option<Result<Vec<DecodedStream>, PredictError>> {
        Some(self.decode_whole(streams, false))
    }

    fn chunk_intervals(
        &self,
        chunks: &[&[u8]],
        each: &mut dyn FnMut(usize, Interval),
    ) -> Option<Result<(), PredictError>> {
        Some(self.intervals_whole(chunks, false, each))
    }

    fn decode_mixed_streams(
        &self,
        streams: &[CodedStream<'_>],
    ) -> Option<Result<Vec<DecodedStream>, PredictError>> {
        Some(self.decode_whole(streams, true))
    }

    fn chunk_mixed_intervals(
        &self,
        chunks: &[&[u8]],
        each: &mut dyn FnMut(usize, Interval),
    ) -> Option<Result<(), PredictError>> {
        Some(self.intervals_whole(chunks, true, each))
    }
}

impl GpuPredictor {
    /// [`Predictor::decode_streams`] (with `mixing`: [`Predictor::decode_mixed_streams`]):
    /// batch by batch on the GPU; on a failure with a fallback, the whole group again on
    /// the CPU (decoding has no partial output).
    fn decode_whole(
        &self,
        streams: &[CodedStream<'_>],
        mixing: bool,
    ) -> Result<Vec<DecodedStream>, PredictError> {
        if let Some(engine) = self.on_cpu() {
            return decode_on_cpu(engine, streams, mixing);
        }
        let mut decoded = Vec::with_capacity(streams.len());
        let batches = lock(&self.shared).session.coding_batches(
            streams,
            |s| s.stream.len(),
            |s| s.len,
            mixing,
        );
        for batch in batches {
            self.maybe_lose_device();
            let outcome =
                pollster::block_on(lock(&self.shared).session.decode_batch(batch, mixing));
            match outcome {
                Ok(batch) => decoded.extend(batch),
                Err(error) => {
                    let engine = self.give_up_gpu(error)?;
                    return decode_on_cpu(engine, streams, mixing);
                }
            }
        }
        Ok(decoded)
    }

    /// [`Predictor::chunk_intervals`]: batch by batch on the GPU; on a failure with a
    /// fallback, every chunk continues on the CPU from the interval it had reached.
    fn intervals_whole(
        &self,
        chunks: &[&[u8]],
        mixing: bool,
        emit: &mut dyn FnMut(usize, Interval),
    ) -> Result<(), PredictError> {
        let mut given = vec![0usize; chunks.len()];
        let mut counted = |i: usize, interval| {
            given[i] += 1;
            emit(i, interval);
        };
        if self.on_cpu().is_none() {
            let mut first = 0;
            let batches =
                lock(&self.shared)
                    .session
                    .coding_batches(chunks, |c| c.len(), |c| c.len(), mixing);
            for batch in batches {
                self.maybe_lose_device();
                let mut each = |i, interval| counted(first + i, interval);
                let outcome = pollster::block_on(
                    lock(&self.shared)
                        .session
                        .intervals_batch(batch, mixing, &mut each),
                );
                if let Err(error) = outcome {
                    self.give_up_gpu(error)?;
                    break;
                }
                first += batch.len();
            }
        }
        let Some(engine) = self.on_cpu() else {
            return Ok(());
        };
        for (i, chunk) in chunks.iter().enumerate() {
            let (skip, mut position) = (given[i], 0usize);
            let mut each = |table: &FrequencyTable| {
                if position >= skip
                    && let Some(&symbol) = chunk.get(position)
                {
                    emit(i, table.interval(symbol));
                }
                position += 1;
            };
            crate::mixing::chunk_tables_as_coded(engine, mixing, chunk, &mut each)?;
        }
        Ok(())
    }
}

/// Decodes `streams` on the CPU engine (mixed with context models if `mixing`).
fn decode_on_cpu(
    engine: &Engine,
    streams: &[CodedStream<'_>],
    mixing: bool,
) -> Result<Vec<DecodedStream>, PredictError> {
    Ok(if mixing {
        let mixed = crate::mixing::Mixing::new(engine);
        crate::container::chunk::decode_on_host(&mixed, streams)?
    } else {
        crate::container::chunk::decode_on_host(engine, streams)?
    })
}
