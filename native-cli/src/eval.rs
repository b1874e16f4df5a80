//! `boa eval`: bits per byte of the float model, the integer engine and the coded file,
//! the losses between them, and (with `--plots`) charts of the engine's predictions.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use boa_core::container::{CompressOptions, compress_to_vec};
use boa_core::quantize::{engine_chunked_bpb, float_chunked_bpb};
use serde_json::json;

use crate::cli::EvalArgs;
use crate::model_cmds::load;
use crate::plots::Prediction;
use crate::progress::bytes_bar;

pub fn eval(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let started = Instant::now();
    let mut out = serde_json::Map::new();
    out.insert("bytes".into(), json!(bytes.len()));
    out.insert("chunk_len".into(), json!(args.chunk_len));
    let chunk_len = args.chunk_len as usize;
    let engine = match (&args.model, &args.checkpoint) {
        (Some(path), _) => Some(crate::codec_cmds::load_engine(path)?.0),
        (None, None) => Some(crate::bundled::default_engine()?),
        (None, Some(_)) => None,
    };
    if args.plots.is_some() && engine.is_none() {
        bail!("--plots charts the integer model's predictions: give it with -m MODEL.boam");
    }
    let temperature = engine.as_ref().and_then(|e| e.model().temperature());
    let mut float_bpb = None;
    if let Some(checkpoint) = &args.checkpoint {
        let model = load(checkpoint)?;
        let measure = |label: &str, t: f64| {
            let bar = bytes_bar(bytes.len() as u64, !args.no_progress, label);
            let bpb = float_chunked_bpb(&model, &bytes, chunk_len, t, &mut |done| {
                bar.set_position(done as u64)
            });
            bar.finish_and_clear();
            bpb
        };
        let bpb = measure("float model", 1.0);
        out.insert("float_bpb".into(), json!(bpb));
        let at_engine_temperature =
            temperature.map(|t| measure("float model at the engine's temperature", t));
        float_bpb = Some((bpb, at_engine_temperature));
    }
    if let Some(engine) = &engine {
        // With plots, one pass over the file gives both the charts and the bits per byte.
        let predictions = match &args.plots {
            Some(_) => Some(engine_predictions(engine, &bytes, chunk_len)?),
            None => None,
        };
        let engine_bpb = match &predictions {
            Some(p) => p.iter().map(|p| p.bits).sum::<f64>() / p.len().max(1) as f64,
            None => {
                engine_chunked_bpb(engine, &bytes, chunk_len).map_err(|e| anyhow::anyhow!(e))?
            }
        };
        engine_figures(
            engine,
            &bytes,
            args.chunk_len,
            engine_bpb,
            float_bpb,
            &mut out,
        )?;
        out.insert("temperature".into(), json!(temperature));
        if let (Some(dir), Some(predictions)) = (&args.plots, &predictions) {
            let (charts, top1) = write_eval_plots(predictions, dir, &args.file)?;
            out.insert("top1_accuracy".into(), json!(top1));
            out.insert("plots".into(), json!(charts));
        }
    }
    out.insert("seconds".into(), json!(started.elapsed().as_secs_f64()));
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Object(out))?
        );
    } else {
        print_eval(&args.file, &out);
    }
    Ok(ExitCode::SUCCESS)
}

/// Engine bits per byte, coded size, ratio and the losses against the float model (as
/// trained, and at the temperature the engine uses: the pure cost of integer arithmetic).
fn engine_figures(
    engine: &boa_core::Engine,
    bytes: &[u8],
    chunk_len: u32,
    engine_bpb: f64,
    float_bpb: Option<(f64, Option<f64>)>,
    out: &mut serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<()> {
    let packed = compress_to_vec(
        engine,
        bytes,
        // Every chunk coded: this measures the coder against the engine's ideal cost.
        &CompressOptions {
            chunk_len,
            store_incompressible: false,
            ..CompressOptions::default()
        },
    )?;
    let coded_bpb = packed.len() as f64 * 8.0 / bytes.len().max(1) as f64;
    out.insert("engine_bpb".into(), json!(engine_bpb));
    out.insert("coded_bytes".into(), json!(packed.len()));
    out.insert("coded_bpb".into(), json!(coded_bpb));
    out.insert(
        "ratio".into(),
        json!(bytes.len() as f64 / packed.len().max(1) as f64),
    );
    out.insert(
        "coder_overhead_pct".into(),
        json!((coded_bpb / engine_bpb - 1.0) * 100.0),
    );
    // The same, split: the range-coded streams alone, and the container's framing.
    let file = boa_core::BoaFile::open(std::io::Cursor::new(&packed))?;
    let streams: u64 = file.chunks().iter().map(|c| u64::from(c.stream_len)).sum();
    let ideal_bytes = engine_bpb * bytes.len() as f64 / 8.0;
    out.insert(
        "stream_overhead_pct".into(),
        json!((streams as f64 / ideal_bytes - 1.0) * 100.0),
    );
    out.insert("framing_bytes".into(), json!(packed.len() as u64 - streams));
    if let Some((float, at_temperature)) = float_bpb {
        out.insert(
            "quantization_loss_pct".into(),
            json!((engine_bpb / float - 1.0) * 100.0),
        );
        if let Some(same) = at_temperature {
            out.insert("float_bpb_same_temperature".into(), json!(same));
            out.insert(
                "quantization_loss_same_temperature_pct".into(),
                json!((engine_bpb / same - 1.0) * 100.0),
            );
        }
    }
    Ok(())
}

/// Writes the charts of `boa eval --plots`; returns their paths and the top-1 accuracy
/// (the fraction of bytes that were the most probable prediction).
fn write_eval_plots(
    predictions: &[Prediction],
    dir: &Path,
    file: &Path,
) -> anyhow::Result<(Vec<String>, f64)> {
    let title = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    let paths = crate::plots::write_plots(dir, predictions, &title)
        .with_context(|| format!("cannot write the plots into {}", dir.display()))?;
    let top1 =
        predictions.iter().filter(|p| p.rank == 0).count() as f64 / predictions.len().max(1) as f64;
    let paths = paths.iter().map(|p| p.display().to_string()).collect();
    Ok((paths, top1))
}

/// What the engine predicted for every byte, in chunks of `chunk_len` (as `boa compress`
/// codes them), the chunks in parallel.
fn engine_predictions(
    engine: &boa_core::Engine,
    bytes: &[u8],
    chunk_len: usize,
) -> anyhow::Result<Vec<Prediction>> {
    use boa_core::predictor::Predictor;
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

fn print_eval(file: &Path, out: &serde_json::Map<String, serde_json::Value>) {
    println!("{}", file.display());
    for (key, value) in out {
        match value.as_f64() {
            Some(v) if value.is_f64() => println!("  {key:<40} {v:.4}"),
            _ if value.is_array() => {
                let items = value.as_array().into_iter().flatten();
                let text: Vec<String> = items
                    .map(|v| v.as_str().unwrap_or_default().into())
                    .collect();
                println!("  {key:<40} {}", text.join(", "));
            }
            _ => println!("  {key:<40} {value}"),
        }
    }
}
