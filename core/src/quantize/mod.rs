//! The quantizer: a trained float model → the integer [`QuantizedModel`] of a `.boam` file.
//!
//! 1. The float weights are copied to the host and rearranged as the engine computes
//!    (LayerNorm's γ/β folded into the next layer).
//! 2. The float model runs over calibration bytes and records the largest magnitude of
//!    every activation; each gets a fixed-point format with one bit of headroom.
//! 3. Weights become int8 per output channel, biases and scales become integers, the
//!    nonlinearities become tables (`docs/engine.md`).
//! 4. The softmax temperature is chosen to minimise the integer engine's own bits per
//!    byte on the calibration bytes (a float model run through integer arithmetic tends
//!    to be slightly over- or under-confident).

mod build;
mod float;

use crate::coder::FrequencyTable;
use crate::engine::kernels;
use crate::engine::{Engine, QuantizedModel};
use crate::model::{BoaBytePredictor, byte_tensor};
use float::FloatModel;

pub use crate::model::host_values;

/// Why a model could not be quantized.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QuantizeError {
    /// A scale or range the integer formats cannot represent.
    #[error("cannot quantize: {0}")]
    Range(String),
    /// An activation calibration never measured (a bug of the quantizer).
    #[error("calibration recorded no range for {0}")]
    MissingRange(String),
    /// Too little calibration data.
    #[error("calibration needs at least 2 bytes, got {0}")]
    NoCalibration(usize),
    /// The engine refused the result (a bug: the quantizer checks every bound).
    #[error("the quantized model is invalid: {0}")]
    Invalid(#[from] crate::engine::ModelFileError),
}

/// How to quantize.
#[derive(Clone, Debug)]
pub struct QuantizeOptions {
    /// Calibration bytes used to measure activation ranges (from the start of the data).
    pub calib_bytes: usize,
    /// Of those, how many choose the softmax temperature.
    pub temperature_bytes: usize,
}

impl Default for QuantizeOptions {
    fn default() -> Self {
        Self {
            calib_bytes: 64 << 10,
            temperature_bytes: 16 << 10,
        }
    }
}

/// What quantization chose and measured.
#[derive(Clone, Debug)]
pub struct QuantizeReport {
    /// Calibration bytes used for ranges.
    pub calib_bytes: usize,
    /// The softmax temperature chosen.
    pub temperature: f64,
    /// Engine bits per byte on the temperature sample at temperature 1.
    pub bpb_at_unit_temperature: f64,
    /// Engine bits per byte on the temperature sample at the chosen temperature.
    pub bpb: f64,
}

/// Temperatures tried, from sharper to flatter.
const TEMPERATURES: [f64; 20] = [
    0.70, 0.80, 0.85, 0.90, 0.93, 0.96, 0.98, 1.00, 1.02, 1.04, 1.07, 1.10, 1.15, 1.20, 1.30, 1.40,
    1.60, 1.80, 2.00, 2.50,
];

/// Quantizes `model` with ranges measured on `calib`. `progress(stage, done, total)`.
///
/// # Errors
/// [`QuantizeError`] when the data is too short or a value does not fit the formats.
pub fn quantize(
    model: &BoaBytePredictor,
    calib: &[u8],
    options: &QuantizeOptions,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(QuantizedModel, QuantizeReport), QuantizeError> {
    if calib.len() < 2 {
        return Err(QuantizeError::NoCalibration(calib.len()));
    }
    let float = FloatModel::from_burn(model);
    let sample = &calib[..calib.len().min(options.calib_bytes.max(2))];
    let ranges = float.ranges(sample, crate::engine::ENCODE_ROWS, &mut |done| {
        progress("calibrating ranges", done, sample.len());
    });
    let mut quantized = build::build(&float, &ranges, 1.0)?;
    let engine = Engine::new(quantized.clone())?;
    let tuning = &sample[..sample.len().min(options.temperature_bytes.max(2))];
    progress("choosing temperature", 0, tuning.len());
    let logits = engine.sequence_logits(&tuning[..tuning.len() - 1]);
    let logit_frac = quantized.format("logits").unwrap_or(0);
    let mut best = (f64::INFINITY, 1.0);
    let mut at_unit = f64::NAN;
    for temperature in TEMPERATURES {
        let softmax = build::softmax_constants(logit_frac, temperature)?;
        let bits = logits_cost(
            &engine,
            &logits,
            &tuning[1..],
            softmax.multiplier,
            softmax.shift,
        );
        let bpb = (bits + 8.0) / tuning.len() as f64;
        if temperature == 1.0 {
            at_unit = bpb;
        }
        if bpb < best.0 {
            best = (bpb, temperature);
        }
    }
    progress("choosing temperature", tuning.len(), tuning.len());
    quantized.softmax = build::softmax_constants(logit_frac, best.1)?;
    let report = QuantizeReport {
        calib_bytes: sample.len(),
        temperature: best.1,
        bpb_at_unit_temperature: at_unit,
        bpb: best.0,
    };
    Ok((quantized, report))
}

/// Bits to code `targets` with the tables the softmax constants give for `logits`.
fn logits_cost(engine: &Engine, logits: &[i16], targets: &[u8], multiplier: i32, shift: u8) -> f64 {
    let exp2 = &engine.model().exp2;
    let mut freqs = [0u32; 256];
    logits
        .chunks_exact(256)
        .zip(targets)
        .map(|(row, &target)| {
            kernels::softmax(exp2, multiplier, u32::from(shift), row, &mut freqs);
            16.0 - f64::from(freqs[usize::from(target)]).log2()
        })
        .sum()
}

/// The float model's bits per byte coded in chunks of `chunk_len` (each from the zero
/// state, its first byte 8 bits), with its probabilities made into frequency tables the
/// way the integer softmax does (`1 + floor(p · 65280)`, the rest to the likeliest byte).
/// The logits are divided by `temperature` first (1 for the model as trained). This is
/// the baseline that quantization loss is measured against.
#[must_use]
pub fn float_chunked_bpb(
    model: &BoaBytePredictor,
    bytes: &[u8],
    chunk_len: usize,
    temperature: f64,
    progress: &mut dyn FnMut(usize),
) -> f64 {
    use burn::tensor::activation::softmax;
    const SEGMENT: usize = 4096;
    if bytes.is_empty() {
        return 0.0;
    }
    let device = model.embedding.weight.device();
    let mut bits = 0f64;
    let mut done = 0;
    for chunk in bytes.chunks(chunk_len.max(1)) {
        bits += 8.0;
        let mut state = crate::model::ModelState::zeros(&model.config(), 1, &device);
        let inputs = &chunk[..chunk.len() - 1];
        for (s, segment) in inputs.chunks(SEGMENT).enumerate() {
            let (logits, next) = model.forward_from(byte_tensor(segment, 1, &device), state);
            state = next;
            let probs = host_values(softmax(logits / temperature, 2));
            let targets = &chunk[s * SEGMENT + 1..s * SEGMENT + 1 + segment.len()];
            for (row, &target) in probs.chunks_exact(256).zip(targets) {
                bits += float_table(row).cost_bits(target);
            }
        }
        done += chunk.len();
        progress(done);
    }
    bits / bytes.len() as f64
}

/// Probabilities → table by the engine's own rule ([`FrequencyTable::from_weights`]):
/// weights `round(p · 2^24)`, the remainder to the likeliest byte.
fn float_table(probs: &[f32]) -> FrequencyTable {
    let mut weights = [0u32; 256];
    let mut best = 0u8;
    for (i, (&p, w)) in probs.iter().zip(weights.iter_mut()).enumerate() {
        *w = (f64::from(p.clamp(0.0, 1.0)) * f64::from(1u32 << 24)).round() as u32;
        if p > probs[usize::from(best)] {
            best = i as u8;
        }
    }
    FrequencyTable::from_weights(&weights, best)
}
