//! Whole-chunk coding on a GPU, async, on every platform: the device, one model's
//! kernels, and the batches of lanes a group of chunks is coded in. The native
//! [`super::GpuPredictor`] blocks on it; the browser awaits it.

use super::codec::{self, EncodingPlan};
use super::{GpuContext, GpuError, GpuLanes, GpuModel};
use crate::coder::{FrequencyTable, Interval, TableDigest};
use crate::engine::Engine;
use crate::predictor::{CodedStream, DecodedStream};

/// Lanes per GPU batch unless told otherwise (`BOA_GPU_STREAMS` in the CLI). On an H200 a
/// step costs about the same for 256 and 1,024 rows, so 1,024 lanes decode 3.2× faster
/// (`docs/gpu.md`); batches shrink to the chunks at hand and to the adapter's limits.
pub const DEFAULT_LANES_PER_BATCH: usize = 1024;

/// Lane sets kept for reuse (a file's groups have at most two sizes — full ones and the
/// last — and decoding and encoding differ in window).
const KEPT_LANE_SETS: usize = 3;

/// One model on one device, coding whole groups of chunks: decoding streams
/// ([`GpuSession::decode`]) and teacher-forced intervals ([`GpuSession::intervals`]),
/// the bytes the CPU engine gives.
pub struct GpuSession {
    context: GpuContext,
    model: GpuModel,
    lanes_per_batch: usize,
    /// Positions per lane per submit (decoding steps, encoding window positions);
    /// `None`: [`codec::default_steps_per_submit`].
    steps_per_submit: Option<u32>,
    /// Lanes built so far, by lanes and window.
    lane_sets: Vec<GpuLanes>,
}

impl std::fmt::Debug for GpuSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuSession")
            .field("adapter", &self.context.adapter().name)
            .field("lanes_per_batch", &self.lanes_per_batch)
            .field("steps_per_submit", &self.steps_per_submit)
            .finish_non_exhaustive()
    }
}

impl GpuSession {
    /// `engine`'s model on `context`'s device, in batches of `lanes_per_batch` lanes
    /// (at least 1, at most what the device's limits allow: [`GpuModel::max_lanes`]).
    ///
    /// # Errors
    /// When the device refuses the model or its kernels.
    pub async fn new(
        context: GpuContext,
        engine: &Engine,
        lanes_per_batch: usize,
    ) -> Result<Self, GpuError> {
        let model = GpuModel::new(&context, engine).await?;
        let lanes_per_batch = lanes_per_batch.clamp(1, model.max_lanes(&context));
        Ok(Self {
            context,
            model,
            lanes_per_batch,
            steps_per_submit: None,
            lane_sets: Vec::new(),
        })
    }

    /// Codes with `steps` positions per lane per submit (at least 1) instead of the
    /// adapter's default. The bytes are the same for any value.
    #[must_use]
    pub fn with_steps_per_submit(mut self, steps: u32) -> Self {
        self.set_steps_per_submit(steps);
        self
    }

    /// As [`GpuSession::with_steps_per_submit`], in place.
    pub fn set_steps_per_submit(&mut self, steps: u32) {
        self.steps_per_submit = Some(steps.max(1));
    }

    /// The device.
    #[must_use]
    pub fn context(&self) -> &GpuContext {
        &self.context
    }

    /// The model's kernels and constants.
    #[must_use]
    pub fn model(&self) -> &GpuModel {
        &self.model
    }

    /// The device back, for another model's session.
    #[must_use]
    pub fn into_context(self) -> GpuContext {
        self.context
    }

    /// Lanes per GPU batch.
    #[must_use]
    pub fn lanes_per_batch(&self) -> usize {
        self.lanes_per_batch
    }

    /// Positions per lane per submit for a batch of `lanes` chunks.
    #[must_use]
    pub fn steps_per_submit(&self, lanes: usize) -> u32 {
        self.steps_per_submit
            .unwrap_or_else(|| codec::default_steps_per_submit(&self.context, lanes))
    }

    /// How a batch of `lanes` chunks is encoded: windows of
    /// [`GpuSession::steps_per_submit`] positions where the device's limits allow.
    #[must_use]
    pub fn encoding_plan(&self, lanes: usize) -> EncodingPlan {
        EncodingPlan::new(
            &self.context,
            &self.model,
            lanes,
            self.steps_per_submit(lanes),
        )
    }

    /// `items` cut into batches of at most [`GpuSession::lanes_per_batch`] items whose
    /// input bytes (`bytes(item)`, each padded to 4) fit one storage binding; an item
    /// too large on its own goes alone (and the device refuses it with a clear error).
    #[must_use]
    pub fn batches<'a, T>(&self, items: &'a [T], bytes: impl Fn(&T) -> usize) -> Vec<&'a [T]> {
        let limit = self.context.device.limits().max_storage_buffer_binding_size;
        let mut batches = Vec::new();
        let (mut start, mut sum) = (0, 0u64);
        for (i, item) in items.iter().enumerate() {
            let size = bytes(item).next_multiple_of(4) as u64;
            if i > start && (i - start == self.lanes_per_batch || sum + size > limit) {
                batches.push(&items[start..i]);
                (start, sum) = (i, 0);
            }
            sum += size;
        }
        if start < items.len() {
            batches.push(&items[start..]);
        }
        batches
    }

    /// As [`GpuSession::batches`], for coding `mixing` as the `.boa` header says: with
    /// context mixing, each batch also holds no more lanes than the device can keep
    /// mixing states for ([`codec::mixing_lanes`], by the longest chunk, `len(item)`).
    #[must_use]
    pub fn coding_batches<'a, T>(
        &self,
        items: &'a [T],
        bytes: impl Fn(&T) -> usize,
        len: impl Fn(&T) -> usize,
        mixing: bool,
    ) -> Vec<&'a [T]> {
        let batches = self.batches(items, bytes);
        if !mixing {
            return batches;
        }
        let mut split = Vec::new();
        for batch in batches {
            let longest = batch.iter().map(&len).max().unwrap_or(0);
            let most = codec::mixing_lanes(&self.context, longest).max(1);
            split.extend(batch.chunks(most));
        }
        split
    }

    /// Decodes one batch of at most [`GpuSession::lanes_per_batch`] streams (each one's
    /// first four bytes already checked, as [`crate::coder::RangeDecoder::new`] does),
    /// with context mixing if `mixing` (at most [`codec::mixing_lanes`] streams then).
    ///
    /// # Errors
    /// Whatever the device reports ([`codec::decode_streams`]).
    pub async fn decode_batch(
        &mut self,
        batch: &[CodedStream<'_>],
        mixing: bool,
    ) -> Result<Vec<DecodedStream>, GpuError> {
        let period = self.steps_per_submit(batch.len());
        let at = self.lane_set(batch.len(), 1).await?;
        let lanes = &self.lane_sets[at];
        codec::decode_streams(&self.context, &self.model, lanes, batch, period, mixing).await
    }

    /// Decodes `streams`, batch by batch ([`GpuSession::coding_batches`]), in order.
    ///
    /// # Errors
    /// As [`GpuSession::decode_batch`].
    pub async fn decode(
        &mut self,
        streams: &[CodedStream<'_>],
        mixing: bool,
    ) -> Result<Vec<DecodedStream>, GpuError> {
        let mut decoded = Vec::with_capacity(streams.len());
        for batch in self.coding_batches(streams, |s| s.stream.len(), |s| s.len, mixing) {
            decoded.extend(self.decode_batch(batch, mixing).await?);
        }
        Ok(decoded)
    }

    /// Teacher-forced intervals of one batch of at most [`GpuSession::lanes_per_batch`]
    /// chunks (with `mixing`, at most [`codec::mixing_lanes`]): `each(i, interval)` for
    /// every byte of `chunks[i]`, each chunk's in order.
    ///
    /// # Errors
    /// Whatever the device reports ([`codec::encode_intervals`]).
    pub async fn intervals_batch(
        &mut self,
        batch: &[&[u8]],
        mixing: bool,
        each: &mut dyn FnMut(usize, Interval),
    ) -> Result<(), GpuError> {
        let plan = self.encoding_plan(batch.len());
        let at = self.lane_set(batch.len(), plan.window).await?;
        let lanes = &self.lane_sets[at];
        let windows = plan.windows_per_submit;
        codec::encode_intervals(
            &self.context,
            &self.model,
            lanes,
            batch,
            windows,
            mixing,
            each,
        )
        .await
    }

    /// Teacher-forced intervals of `chunks`, batch by batch: `each(i, interval)` for every
    /// byte of `chunks[i]`, each chunk's in order.
    ///
    /// # Errors
    /// As [`GpuSession::intervals_batch`].
    pub async fn intervals(
        &mut self,
        chunks: &[&[u8]],
        mixing: bool,
        each: &mut dyn FnMut(usize, Interval),
    ) -> Result<(), GpuError> {
        let mut first = 0;
        for batch in self.coding_batches(chunks, |c| c.len(), |c| c.len(), mixing) {
            self.intervals_batch(batch, mixing, &mut |i, interval| each(first + i, interval))
                .await?;
            first += batch.len();
        }
        Ok(())
    }

    /// Teacher-forced frequency tables of `chunks` through windows of `window` positions
    /// ([`GpuLanes::chunk_tables`]: each chunk's tables of its bytes after the first).
    ///
    /// # Errors
    /// What the device reports.
    pub async fn chunk_tables(
        &mut self,
        chunks: &[&[u8]],
        window: usize,
    ) -> Result<Vec<Vec<[u32; 256]>>, GpuError> {
        let mut out = Vec::with_capacity(chunks.len());
        for batch in self.batches(chunks, |c| c.len()) {
            let at = self.lane_set(batch.len(), window.max(1)).await?;
            let lanes = &self.lane_sets[at];
            out.extend(
                lanes
                    .chunk_tables(&self.context, &self.model, batch)
                    .await?,
            );
        }
        Ok(out)
    }

    /// The [`TableDigest`] of `chunk`'s teacher-forced tables through windows of `window`
    /// positions (1: the decoding schedule; more: the encoding one), the uniform table of
    /// its first byte included: what [`crate::Predictor::chunk_tables`] gives on the CPU.
    ///
    /// # Errors
    /// What the device reports; [`GpuError::InvalidTable`] for a table that is not one.
    pub async fn tables_digest(
        &mut self,
        chunk: &[u8],
        window: usize,
    ) -> Result<TableDigest, GpuError> {
        let mut digest = TableDigest::new();
        if chunk.is_empty() {
            return Ok(digest);
        }
        digest.update(&FrequencyTable::uniform());
        for freqs in self.chunk_tables(&[chunk], window).await?.concat() {
            digest.update(&FrequencyTable::from_frequencies(&freqs)?);
        }
        Ok(digest)
    }

    /// The index of a lane set of exactly `lanes` lanes of `window` positions (built on
    /// first use; the oldest dropped beyond [`KEPT_LANE_SETS`]).
    async fn lane_set(&mut self, lanes: usize, window: usize) -> Result<usize, GpuError> {
        if let Some(at) = self
            .lane_sets
            .iter()
            .position(|l| l.lanes() == lanes && l.window() == window)
        {
            return Ok(at);
        }
        let built = GpuLanes::new(&self.context, &self.model, lanes, window).await?;
        if self.lane_sets.len() >= KEPT_LANE_SETS {
            self.lane_sets.remove(0);
        }
        self.lane_sets.push(built);
        Ok(self.lane_sets.len() - 1)
    }

    /// A batch of `lanes` lanes of window 1 for step-by-step coding, its own (not kept).
    ///
    /// # Errors
    /// When the device refuses its buffers.
    pub async fn step_lanes(&self, lanes: usize) -> Result<GpuLanes, GpuError> {
        GpuLanes::new(&self.context, &self.model, lanes, 1).await
    }
}
