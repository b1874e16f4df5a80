//! The range coder on the GPU (`shaders/coder.wgsl`): whole chunks coded with many
//! positions per submit, no host round trip per byte.
//!
//! Decoding ([`decode_streams`]) runs steps of [range decoder, forward pass] over lanes
//! of window 1: the decoder consumes each lane's table and writes its next byte where the
//! forward pass reads it. Encoding ([`encode_intervals`]) is teacher-forced over windows
//! ([`EncodingPlan`]): [feed the window's known bytes, forward pass over lanes × window
//! rows, the interval of each row's next byte], which the host's range encoder codes
//! (4 bytes per byte read back instead of a 1 KiB table). After each submit only what its
//! steps or windows produced (and the lanes' coder state) is read back.
//!
//! With context mixing (the `.boa` header's flag) the tables are mixed on the device too
//! (`shaders/mixing.wgsl`): decoding steps become [mix, decode, learn, forward pass],
//! encoding windows [feed, forward pass, mix and learn the window, interval]. Each lane
//! then holds ≈ 30.7 MB of mixing state ([`mixing_lanes`] bounds a batch by it).

use super::{GpuContext, GpuError, GpuLanes, GpuModel};
use crate::coder::{FrequencyTable, Interval, RangeDecoder};
use crate::predictor::{CodedStream, DecodedStream};

/// Positions per lane per submit (decoding steps; encoding window positions) on a
/// hardware GPU unless told otherwise.
pub const DEFAULT_STEPS_PER_SUBMIT: u32 = 64;

/// Row-positions (lanes × positions per lane) per submit on a software adapter
/// (lavapipe, SwiftShader), which runs a submit on the CPU in one go: small enough that
/// no submit keeps the machine busy for long (well under a second for the bundled model),
/// so no driver watchdog is ever reached.
const SOFTWARE_ROW_STEPS: u32 = 4096;

/// Positions per lane per submit for `lanes` lanes on `context`'s adapter:
/// [`DEFAULT_STEPS_PER_SUBMIT`] on hardware; on a software adapter as many as keep a
/// submit within [`SOFTWARE_ROW_STEPS`] row-positions (at least 1).
#[must_use]
pub fn default_steps_per_submit(context: &GpuContext, lanes: usize) -> u32 {
    if context.adapter().is_hardware() {
        DEFAULT_STEPS_PER_SUBMIT
    } else {
        let lanes = u32::try_from(lanes.max(1)).unwrap_or(u32::MAX);
        (SOFTWARE_ROW_STEPS / lanes).clamp(1, DEFAULT_STEPS_PER_SUBMIT)
    }
}

/// u32 values of a lane's mixing state before its history (`HISTORY_AT` in
/// `shaders/mixing.wgsl`): the nine context tables (28,929 blocks of 256 counters), the
/// match table (2^18), the mixer's weights and the per-byte scratch and scalars.
pub const MIXING_STATE_WORDS: u64 = 7_680_048;

/// u32 values of mixing state per lane for chunks of at most `longest` bytes.
fn mixing_stride(longest: u32) -> u64 {
    MIXING_STATE_WORDS + u64::from(longest).div_ceil(4)
}

/// Bytes the lanes' mixing states may take on `context`'s device: one buffer, bound whole.
fn mixing_limit(context: &GpuContext) -> u64 {
    let limits = context.device.limits();
    limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size)
}

/// The most lanes that can code chunks of at most `longest` bytes with context mixing on
/// `context`'s device (their states must fit one storage binding); 0 if not even one.
#[must_use]
pub fn mixing_lanes(context: &GpuContext, longest: usize) -> usize {
    let longest = u32::try_from(longest).unwrap_or(u32::MAX);
    usize::try_from(mixing_limit(context) / (mixing_stride(longest) * 4)).unwrap_or(usize::MAX)
}

/// One row's coder state: `Lane` of `shaders/coder.wgsl`, field for field.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct LaneRecord {
    stream_at: u32,
    stream_len: u32,
    len: u32,
    done: u32,
    position: u32,
    range: u32,
    value: u32,
}

/// u32 values per `Lane`.
const LANE_WORDS: usize = 8;

impl LaneRecord {
    fn words(&self) -> [u32; LANE_WORDS] {
        [
            self.stream_at,
            self.stream_len,
            self.len,
            self.done,
            self.position,
            self.range,
            self.value,
            0,
        ]
    }

    fn from_words(w: &[u32]) -> Self {
        Self {
            stream_at: w[0],
            stream_len: w[1],
            len: w[2],
            done: w[3],
            position: w[4],
            range: w[5],
            value: w[6],
        }
    }
}

/// The lanes' input bytes packed 4 per u32 (little-endian), each lane's starting at a
/// word boundary, and each lane's record pointing at them.
fn pack_inputs(inputs: &[&[u8]]) -> Result<(Vec<u32>, Vec<LaneRecord>), GpuError> {
    let too_large = || GpuError::TooLarge("a group's streams exceed 4 GiB".into());
    let mut bytes = Vec::with_capacity(inputs.iter().map(|i| i.len() + 3).sum());
    let mut records = Vec::with_capacity(inputs.len());
    for input in inputs {
        records.push(LaneRecord {
            stream_at: u32::try_from(bytes.len()).map_err(|_| too_large())?,
            stream_len: u32::try_from(input.len()).map_err(|_| too_large())?,
            ..LaneRecord::default()
        });
        bytes.extend_from_slice(input);
        bytes.resize(bytes.len().next_multiple_of(4), 0);
    }
    let words = bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect();
    Ok((words, records))
}

/// Decodes `streams` (at most one per lane of `lanes`, whose window must be 1) with
/// `period` steps per submit: each one's bytes and how far its stream was read, as
/// [`RangeDecoder`] would give.
///
/// With `mixing`, the tables are mixed as the `.boa` header's flag asks.
///
/// # Errors
/// [`GpuError::TooLarge`] for more streams than lanes, lanes with a window, or a group
/// beyond the device's buffer limits; a bad stream start as [`GpuError::TooLarge`] too
/// (the container checks starts before calling); device failures.
pub async fn decode_streams(
    context: &GpuContext,
    model: &GpuModel,
    lanes: &GpuLanes,
    streams: &[CodedStream<'_>],
    period: u32,
    mixing: bool,
) -> Result<Vec<DecodedStream>, GpuError> {
    if lanes.window() != 1 {
        return Err(GpuError::TooLarge(format!(
            "decoding runs one position per step, not windows of {}",
            lanes.window()
        )));
    }
    let inputs: Vec<&[u8]> = streams.iter().map(|s| s.stream).collect();
    let (words, mut records) = pack_inputs(&inputs)?;
    for (record, stream) in records.iter_mut().zip(streams) {
        let decoder = RangeDecoder::new(stream.stream)
            .map_err(|e| GpuError::TooLarge(format!("a stream the GPU cannot start: {e}")))?;
        (record.range, record.value) = decoder.state();
        record.position = decoder.bytes_read() as u32;
        record.len = lane_len(stream.len)?;
    }
    let coding = Coding {
        words: &words,
        records: &records,
        period: period.max(1),
        mixing,
        encoding: false,
    };
    let buffers = start(context, model, lanes, &coding).await?;
    let rows = lanes.rows();
    let longest = records.iter().map(|r| r.len).max().unwrap_or(0);
    let mut outputs: Vec<Vec<u8>> = streams.iter().map(|s| Vec::with_capacity(s.len)).collect();
    let mut finals = records.clone();
    let mut first = 0u32;
    while first < longest {
        let count = coding.period.min(longest - first);
        let read = submit(context, &buffers, count, &|pass| {
            lanes.record_decoding_step(pass, model, &buffers.group, mixing);
        })
        .await?;
        let (steps, lane_words) = read.split_at(buffers.steps_bytes as usize / 4);
        for t in 0..count {
            for (row, lane) in records.iter().enumerate() {
                if first + t < lane.len {
                    let value = steps[t as usize * rows + row];
                    let byte = u8::try_from(value).map_err(|_| {
                        GpuError::Readback(format!("the GPU decoded {value}, not a byte"))
                    })?;
                    outputs[row].push(byte);
                }
            }
        }
        for (row, record) in finals.iter_mut().enumerate() {
            *record = LaneRecord::from_words(&lane_words[row * LANE_WORDS..]);
        }
        first += count;
    }
    Ok(outputs
        .into_iter()
        .zip(finals)
        .map(|(bytes, lane)| DecodedStream {
            bytes,
            read: lane.position as usize,
        })
        .collect())
}

/// How teacher-forced encoding walks a group of chunks: forward passes over `window`
/// positions of every lane, `windows_per_submit` of them per submit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodingPlan {
    /// Positions per lane in one forward pass (rows = lanes × window).
    pub window: usize,
    /// Forward passes per submit.
    pub windows_per_submit: u32,
}

impl EncodingPlan {
    /// About `positions` positions per lane per submit for `lanes` lanes: one window of
    /// that many when the device's limits allow ([`GpuModel::max_window`]), else the
    /// longest window allowed, as many times as make up `positions`.
    #[must_use]
    pub fn new(context: &GpuContext, model: &GpuModel, lanes: usize, positions: u32) -> Self {
        let positions = positions.max(1) as usize;
        let window = positions.min(model.max_window(context, lanes));
        Self {
            window,
            windows_per_submit: u32::try_from(positions / window).unwrap_or(u32::MAX).max(1),
        }
    }
}

/// Teacher-forced intervals of `chunks` (at most one per lane of `lanes`), windows of
/// `lanes.window()` positions, `windows_per_submit` per submit: calls `each(i, interval)`
/// for every byte of `chunks[i]`, each chunk's in order (its first byte's under the
/// uniform table, on the host — with `mixing` too: a fresh mixing state passes the
/// uniform table through).
///
/// # Errors
/// As [`decode_streams`]; [`GpuError::Readback`] if the device returns an interval that
/// is not one.
pub async fn encode_intervals(
    context: &GpuContext,
    model: &GpuModel,
    lanes: &GpuLanes,
    chunks: &[&[u8]],
    windows_per_submit: u32,
    mixing: bool,
    each: &mut dyn FnMut(usize, Interval),
) -> Result<(), GpuError> {
    let (words, mut records) = pack_inputs(chunks)?;
    for (record, chunk) in records.iter_mut().zip(chunks) {
        record.len = lane_len(chunk.len())?;
    }
    let coding = Coding {
        words: &words,
        records: &records,
        period: windows_per_submit.max(1),
        mixing,
        encoding: true,
    };
    let buffers = start(context, model, lanes, &coding).await?;
    let uniform = FrequencyTable::uniform();
    for (i, chunk) in chunks.iter().enumerate() {
        if let Some(&first) = chunk.first() {
            each(i, uniform.interval(first));
        }
    }
    let (rows, window) = (lanes.rows(), lanes.window());
    // Positions 0 .. len − 1 are inputs: the last byte's table codes nothing.
    let longest = records.iter().map(|r| r.len as usize).max().unwrap_or(0);
    let windows = longest.saturating_sub(1).div_ceil(window);
    let mut first = 0usize;
    while first < windows {
        let count = (coding.period as usize).min(windows - first);
        let read = submit(context, &buffers, count as u32, &|pass| {
            lanes.record_encoding_window(pass, model, &buffers.group, mixing);
        })
        .await?;
        for w in 0..count {
            for (lane, record) in records.iter().enumerate() {
                for t in 0..window {
                    let p = (first + w) * window + t;
                    if p + 1 >= record.len as usize {
                        break;
                    }
                    let packed = read[w * rows + lane * window + t];
                    let interval = Interval::from_packed(packed).ok_or_else(|| {
                        GpuError::Readback(format!("the GPU returned {packed:#x}, not an interval"))
                    })?;
                    each(lane, interval);
                }
            }
        }
        first += count;
    }
    Ok(())
}

fn lane_len(len: usize) -> Result<u32, GpuError> {
    u32::try_from(len).map_err(|_| GpuError::TooLarge(format!("a chunk of {len} bytes")))
}

/// What one coding run codes.
struct Coding<'a> {
    /// The lanes' input bytes, packed ([`pack_inputs`]).
    words: &'a [u32],
    /// One record per lane in use (lanes beyond them stay idle).
    records: &'a [LaneRecord],
    /// Steps (decoding) or windows (encoding) per submit, at least 1.
    period: u32,
    /// Whether the tables are mixed with context models.
    mixing: bool,
    /// Teacher forcing (else decoding).
    encoding: bool,
}

impl Coding<'_> {
    /// u32 values of mixing state per lane (0 without mixing).
    fn mixing_stride(&self) -> u64 {
        if self.mixing {
            let longest = self.records.iter().map(|r| r.len).max().unwrap_or(0);
            mixing_stride(longest)
        } else {
            0
        }
    }
}

/// The device buffers of one coding run.
struct CodingBuffers {
    lanes: wgpu::Buffer,
    steps: wgpu::Buffer,
    readback: wgpu::Buffer,
    /// Every lane's mixing state (4 bytes without mixing: a binding is never empty).
    mixing: wgpu::Buffer,
    group: wgpu::BindGroup,
    /// Bytes of `steps` (the lanes follow them in `readback`).
    steps_bytes: u64,
}

/// Readies `lanes` for `coding`: its buffers, every lane at the zero state (with mixing,
/// a fresh mixing state, and when encoding each chunk's first byte learnt).
async fn start(
    context: &GpuContext,
    model: &GpuModel,
    lanes: &GpuLanes,
    coding: &Coding<'_>,
) -> Result<CodingBuffers, GpuError> {
    if coding.records.len() > lanes.lanes() {
        return Err(GpuError::TooLarge(format!(
            "{} chunks for {} lanes",
            coding.records.len(),
            lanes.lanes()
        )));
    }
    let buffers = buffers(context, model, lanes, coding).await?;
    let stride = u32::try_from(coding.mixing_stride())
        .map_err(|_| GpuError::TooLarge("a lane's mixing state exceeds 16 GiB".into()))?;
    lanes.begin_coding(context, coding.period, stride);
    if coding.mixing {
        context
            .checked("the mixing state", || {
                let mut encoder = context.device.create_command_encoder(&Default::default());
                encoder.clear_buffer(&buffers.mixing, 0, None);
                {
                    let mut pass = encoder.begin_compute_pass(&Default::default());
                    lanes.record_mixing_start(&mut pass, model, &buffers.group, coding.encoding);
                }
                context.queue.submit([encoder.finish()]);
            })
            .await?;
    }
    Ok(buffers)
}

/// Creates the run's buffers: the lanes' records (idle rows: length 0), the packed
/// inputs, the steps' outputs and the readback buffer.
async fn buffers(
    context: &GpuContext,
    model: &GpuModel,
    lanes: &GpuLanes,
    coding: &Coding<'_>,
) -> Result<CodingBuffers, GpuError> {
    let device = &context.device;
    let limit = device.limits().max_storage_buffer_binding_size;
    let steps_bytes = u64::from(coding.period) * lanes.rows() as u64 * 4;
    let inputs_bytes = coding.words.len() as u64 * 4;
    if steps_bytes.max(inputs_bytes) > limit {
        return Err(GpuError::TooLarge(format!(
            "a coding run of {inputs_bytes} input bytes and {steps_bytes} output bytes \
             per submit; this GPU binds at most {limit}"
        )));
    }
    let mixing_bytes = coding.mixing_stride() * lanes.lanes() as u64 * 4;
    let mixing_limit = mixing_limit(context);
    if mixing_bytes > mixing_limit {
        return Err(GpuError::TooLarge(format!(
            "{} lanes of context mixing take {mixing_bytes} bytes; this GPU binds at most \
             {mixing_limit}",
            lanes.lanes()
        )));
    }
    let mut records = vec![0u32; lanes.lanes() * LANE_WORDS];
    for (slot, record) in records.chunks_exact_mut(LANE_WORDS).zip(coding.records) {
        slot.copy_from_slice(&record.words());
    }
    let lanes_bytes = records.len() as u64 * 4;
    context
        .checked("the coder's buffers", || {
            let init = |label, contents: &[u32], usage| {
                context.buffer_with(label, bytemuck::cast_slice(contents), usage)
            };
            let lanes = init(
                "coder lanes",
                &records,
                wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            );
            // A binding is never empty.
            let words = if coding.words.is_empty() {
                &[0][..]
            } else {
                coding.words
            };
            let streams = init("coder inputs", words, wgpu::BufferUsages::STORAGE);
            let steps = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("coder steps"),
                size: steps_bytes.max(4),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            });
            let readback = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("coder readback"),
                size: steps_bytes + lanes_bytes,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let mixing = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("coder mixing"),
                size: mixing_bytes.max(4),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("coder"),
                layout: model.coder_layout(),
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: lanes.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: streams.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: steps.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: mixing.as_entire_binding(),
                    },
                ],
            });
            CodingBuffers {
                lanes,
                steps,
                readback,
                mixing,
                group,
                steps_bytes,
            }
        })
        .await
}

/// One submit of `count` steps or windows, each recorded by `record`; returns what they
/// produced, then the lanes' records.
async fn submit(
    context: &GpuContext,
    buffers: &CodingBuffers,
    count: u32,
    record: &dyn Fn(&mut wgpu::ComputePass<'_>),
) -> Result<Vec<u32>, GpuError> {
    context
        .checked("a coding submit", || {
            let mut encoder = context.device.create_command_encoder(&Default::default());
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                for _ in 0..count {
                    record(&mut pass);
                }
            }
            encoder.copy_buffer_to_buffer(
                &buffers.steps,
                0,
                &buffers.readback,
                0,
                buffers.steps_bytes,
            );
            encoder.copy_buffer_to_buffer(
                &buffers.lanes,
                0,
                &buffers.readback,
                buffers.steps_bytes,
                buffers.lanes.size(),
            );
            context.queue.submit([encoder.finish()]);
        })
        .await?;
    let bytes = context.read(&buffers.readback).await?;
    Ok(bytemuck::pod_collect_to_vec(&bytes))
}

#[cfg(test)]
mod tests {
    use super::MIXING_STATE_WORDS;

    #[test]
    fn the_mixing_state_size_is_the_shaders() {
        let history_at = format!("const HISTORY_AT: u32 = {MIXING_STATE_WORDS}u;");
        assert!(boa_shaders::MIXING.contains(&history_at), "{history_at}");
    }
}
