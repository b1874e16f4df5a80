//! `boa eval`: bits per byte of the float model, the integer engine and the coded file,
//! the losses between them, and (with `--plots`) charts of the engine's predictions.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use boa_core::container::{CompressOptions, compress_to_vec, cross_entropy_bpb};
use boa_core::mixing::Mixing;
use boa_core::predictor::Predictor;
use boa_core::quantize::float_chunked_bpb;
use serde::Serialize;

use crate::backend::{Backend, BackendChoice, with_predictor};
use crate::cli::EvalArgs;
use crate::model_cmds::load;
use crate::plots::Prediction;
use crate::progress::bytes_bar;

/// What to evaluate: `eval`'s flags as plain values (`boa run --evaluate` builds one too).
#[derive(Debug, Clone, Copy)]
pub struct Evaluation<'a> {
    /// The file to measure.
    pub file: &'a Path,
    /// A float checkpoint (boa folder or BOA `.pt`).
    pub checkpoint: Option<&'a Path>,
    /// An integer model; with neither this nor a checkpoint, the bundled model.
    pub model: Option<&'a Path>,
    /// Chunk length in bytes, as `compress` cuts the file.
    pub chunk_len: u32,
    /// Show progress bars.
    pub progress: bool,
    /// Write the charts of the engine's predictions into this folder.
    pub plots: Option<&'a Path>,
    /// Where the integer engine runs (the figures are the same on every backend).
    pub backend: BackendChoice,
    /// Measure the engine with context mixing, as `compress --mixing` codes.
    pub mixing: bool,
}

/// `boa eval`'s figures. Bits per byte (bpb) are averages over the whole file, every
/// chunk starting from the model's zero state; percentages are relative excesses.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Bytes measured.
    pub bytes: usize,
    /// Chunk length in bytes.
    pub chunk_len: u32,
    /// The float model's cross-entropy at temperature 1 (given a checkpoint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub float_bpb: Option<f64>,
    /// The integer engine's figures (given a model, or by default).
    #[serde(flatten)]
    pub engine: Option<EngineFigures>,
    /// Wall time of the whole evaluation.
    pub seconds: f64,
}

/// The integer engine's figures in an [`EvalReport`].
#[derive(Debug, Clone, Serialize)]
pub struct EngineFigures {
    /// Where the engine ran: `CPU` or `GPU (adapter)`.
    pub backend: String,
    /// Whether the engine's tables were mixed with context models (`--mixing`).
    pub mixing: bool,
    /// The engine's cross-entropy: what an ideal coder would spend (mixed, with `--mixing`).
    pub engine_bpb: f64,
    /// With `--mixing`: the network's own cross-entropy, without the context models.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neural_bpb: Option<f64>,
    /// The file as `.boa` with every chunk coded (none stored).
    pub coded_bytes: usize,
    /// `coded_bytes` in bits per input byte.
    pub coded_bpb: f64,
    /// Input bytes per coded byte.
    pub ratio: f64,
    /// `coded_bpb` over `engine_bpb`: coder and container together.
    pub coder_overhead_pct: f64,
    /// The range-coded streams alone over the ideal cost.
    pub stream_overhead_pct: f64,
    /// Header, records, index and footer bytes.
    pub framing_bytes: u64,
    /// The softmax temperature the engine applies (`None`: 1).
    pub temperature: Option<f64>,
    /// Engine over float bpb, each at its own temperature (given a checkpoint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantization_loss_pct: Option<f64>,
    /// The float model at the engine's temperature (given a checkpoint and a temperature).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub float_bpb_same_temperature: Option<f64>,
    /// Engine over float bpb at the same temperature: the cost of integer arithmetic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantization_loss_same_temperature_pct: Option<f64>,
    /// Fraction of bytes that were the most probable prediction (with plots).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top1_accuracy: Option<f64>,
    /// The charts written (with plots).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plots: Option<Vec<String>>,
}

pub fn eval(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let report = evaluate(&Evaluation {
        file: &args.file,
        checkpoint: args.checkpoint.as_deref(),
        model: args.model.as_deref(),
        chunk_len: args.chunk_len,
        progress: !args.no_progress,
        plots: args.plots.as_deref(),
        backend: args.engine.backend,
        mixing: args.mixing,
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        report.print(&args.file);
    }
    Ok(ExitCode::SUCCESS)
}

/// Measures what `job` asks for.
pub fn evaluate(job: &Evaluation) -> anyhow::Result<EvalReport> {
    let bytes =
        std::fs::read(job.file).with_context(|| format!("cannot read {}", job.file.display()))?;
    let started = Instant::now();
    let chunk_len = job.chunk_len as usize;
    let engine = match (job.model, job.checkpoint) {
        (Some(path), _) => Some(crate::codec_cmds::load_engine(path)?.0),
        (None, None) => Some(crate::bundled::default_engine()?),
        (None, Some(_)) => None,
    };
    if job.plots.is_some() && engine.is_none() {
        bail!("--plots charts the integer model's predictions: give it with -m MODEL.boam");
    }
    let temperature = engine.as_ref().and_then(|e| e.model().temperature());
    let mut float_bpb = None;
    if let Some(checkpoint) = job.checkpoint {
        let model = load(checkpoint)?;
        let measure = |label: &str, t: f64| {
            let bar = bytes_bar(bytes.len() as u64, job.progress, label);
            let bpb = float_chunked_bpb(&model, &bytes, chunk_len, t, &mut |done| {
                bar.set_position(done as u64)
            });
            bar.finish_and_clear();
            bpb
        };
        let bpb = measure("float model", 1.0);
        let at_engine_temperature =
            temperature.map(|t| measure("float model at the engine's temperature", t));
        float_bpb = Some((bpb, at_engine_temperature));
    }
    let engine = match engine {
        Some(engine) => {
            let backend = Backend::open(engine, job.backend, false)?;
            Some(engine_report(
                &backend,
                temperature,
                &bytes,
                job,
                float_bpb,
            )?)
        }
        None => None,
    };
    Ok(EvalReport {
        bytes: bytes.len(),
        chunk_len: job.chunk_len,
        float_bpb: float_bpb.map(|(bpb, _)| bpb),
        engine,
        seconds: started.elapsed().as_secs_f64(),
    })
}

impl EvalReport {
    /// Prints the report as `key value` lines under the file's name.
    pub fn print(&self, file: &Path) {
        println!("{}", file.display());
        let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(self) else {
            return;
        };
        for (key, value) in &fields {
            match value {
                serde_json::Value::Number(n) if n.is_f64() => {
                    println!("  {key:<40} {:.4}", n.as_f64().unwrap_or_default())
                }
                serde_json::Value::Array(items) => {
                    let text: Vec<&str> = items.iter().filter_map(|v| v.as_str()).collect();
                    println!("  {key:<40} {}", text.join(", "));
                }
                _ => println!("  {key:<40} {value}"),
            }
        }
    }
}

/// The engine's figures: bits per byte (from the plots' prediction pass when there is
/// one), charts, and the coded file. `temperature`: the model's softmax temperature.
fn engine_report(
    backend: &Backend,
    temperature: Option<f64>,
    bytes: &[u8],
    job: &Evaluation,
    float_bpb: Option<(f64, Option<f64>)>,
) -> anyhow::Result<EngineFigures> {
    let chunk_len = job.chunk_len as usize;
    // With plots, one pass over the file gives both the charts and the bits per byte.
    let (engine_bpb, charts) = match job.plots {
        Some(dir) => {
            let predictions = with_predictor!(backend, |p| engine_predictions(
                p, bytes, chunk_len, job.mixing
            ))?;
            let bpb =
                predictions.iter().map(|p| p.bits).sum::<f64>() / predictions.len().max(1) as f64;
            (bpb, Some(write_eval_plots(&predictions, dir, job.file)?))
        }
        None => (
            with_predictor!(backend, |p| engine_bpb(p, bytes, chunk_len, job.mixing))?,
            None,
        ),
    };
    let neural_bpb = if job.mixing {
        Some(with_predictor!(backend, |p| cross_entropy_bpb(
            p, bytes, chunk_len
        ))?)
    } else {
        None
    };
    // Every chunk coded: this measures the coder against the engine's ideal cost.
    let options = CompressOptions {
        chunk_len: job.chunk_len,
        store_incompressible: false,
        mixing: job.mixing,
        ..CompressOptions::default()
    };
    let packed = with_predictor!(backend, |p| compress_to_vec(p, bytes, &options))?;
    let coded_bpb = packed.len() as f64 * 8.0 / bytes.len().max(1) as f64;
    // The same, split: the range-coded streams alone, and the container's framing.
    let file = boa_core::BoaFile::open(std::io::Cursor::new(&packed))?;
    let streams: u64 = file.chunks().iter().map(|c| u64::from(c.stream_len)).sum();
    let ideal_bytes = engine_bpb * bytes.len() as f64 / 8.0;
    let loss = |float: f64| (engine_bpb / float - 1.0) * 100.0;
    let same_temperature = float_bpb.and_then(|(_, same)| same);
    let (top1_accuracy, plots) = charts.unzip();
    Ok(EngineFigures {
        backend: backend.describe(),
        mixing: job.mixing,
        engine_bpb,
        neural_bpb,
        coded_bytes: packed.len(),
        coded_bpb,
        ratio: bytes.len() as f64 / packed.len().max(1) as f64,
        coder_overhead_pct: (coded_bpb / engine_bpb - 1.0) * 100.0,
        stream_overhead_pct: (streams as f64 / ideal_bytes - 1.0) * 100.0,
        framing_bytes: packed.len() as u64 - streams,
        temperature,
        quantization_loss_pct: float_bpb.map(|(float, _)| loss(float)),
        float_bpb_same_temperature: same_temperature,
        quantization_loss_same_temperature_pct: same_temperature.map(loss),
        top1_accuracy,
        plots,
    })
}

/// Writes the charts of `boa eval --plots`; returns the top-1 accuracy and their paths
/// (the fraction of bytes that were the most probable prediction).
fn write_eval_plots(
    predictions: &[Prediction],
    dir: &Path,
    file: &Path,
) -> anyhow::Result<(f64, Vec<String>)> {
    let title = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    let paths = crate::plots::write_plots(dir, predictions, &title)
        .with_context(|| format!("cannot write the plots into {}", dir.display()))?;
    let top1 =
        predictions.iter().filter(|p| p.rank == 0).count() as f64 / predictions.len().max(1) as f64;
    let paths = paths.iter().map(|p| p.display().to_string()).collect();
    Ok((top1, paths))
}

/// The engine's cross-entropy in chunks of `chunk_len`, its tables mixed if `mixing`.
fn engine_bpb<P: Predictor>(
    engine: &P,
    bytes: &[u8],
    chunk_len: usize,
    mixing: bool,
) -> Result<f64, boa_core::ContainerError> {
    if mixing {
        cross_entropy_bpb(&Mixing::new(engine), bytes, chunk_len)
    } else {
        cross_entropy_bpb(engine, bytes, chunk_len)
    }
}

/// What the engine predicted for every byte, in chunks of `chunk_len` (as `boa compress`
/// codes them, mixed if `mixing`), the chunks in parallel.
fn engine_predictions<P: Predictor>(
    engine: &P,
    bytes: &[u8],
    chunk_len: usize,
    mixing: bool,
) -> anyhow::Result<Vec<Prediction>> {
    if mixing {
        chunk_predictions(&Mixing::new(engine), bytes, chunk_len)
    } else {
        chunk_predictions(engine, bytes, chunk_len)
    }
}

/// [`engine_predictions`] of a predictor as it is.
fn chunk_predictions<P: Predictor>(
    engine: &P,
    bytes: &[u8],
    chunk_len: usize,
) -> anyhow::Result<Vec<Prediction>> {
    use rayon::prelude::*;
    let chunks: Result<Vec<Vec<Prediction>>, _> = bytes
        .par_chunks(chunk_len.max(1))
        .map(|chunk| {
            let mut out = Vec::with_capacity(chunk.len());
            let mut symbols = chunk.iter();
            engine.chunk_tables(chunk, &mut |table| {
                if let Some(&actual) = symbols.next() {
                    out.push(prediction(table, actual));
                }
            })?;
            Ok::<_, boa_core::predictor::PredictError>(out)
        })
        .collect();
    let chunks = chunks.map_err(|e| anyhow::anyhow!(e))?;
    Ok(chunks.into_iter().flatten().collect())
}

/// One byte's prediction from its frequency table. Ties rank by byte value.
fn prediction(table: &boa_core::coder::FrequencyTable, actual: u8) -> Prediction {
    let freq = |s: u8| table.frequency(s);
    let predicted = (0..=255u8)
        .max_by_key(|&s| (freq(s), std::cmp::Reverse(s)))
        .unwrap_or(0);
    let total = f64::from(table.cumulative_table()[256]);
    let ahead = (0..=255u8)
        .filter(|&s| freq(s) > freq(actual) || (freq(s) == freq(actual) && s < actual))
        .count();
    Prediction {
        actual,
        predicted,
        confidence: f64::from(freq(predicted)) / total,
        rank: u8::try_from(ahead).unwrap_or(u8::MAX),
        bits: table.cost_bits(actual),
    }
}
