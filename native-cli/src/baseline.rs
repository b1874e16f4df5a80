//! `boa baseline` and the tables of `boa demo` and `boa run`: boa beside general-purpose
//! compressors on the same bytes.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use boa_core::container::{CompressOptions, DecompressOptions, compress_to_vec, decompress_to_vec};

use crate::backend::{Backend, with_predictor};
use crate::baselines::{Baseline, BaselineResult, measure, time_round_trip};
use crate::cli::BaselineArgs;
use crate::codec_cmds::load_engine_or_default;

/// One compressor's result on one input. MB are 10^6 bytes.
#[derive(Debug, Clone)]
pub struct Row {
    /// The compressor and its setting.
    pub name: String,
    /// Bytes in.
    pub original_len: u64,
    /// Bytes out.
    pub compressed_len: u64,
    /// Bytes of model needed to decompress that are not in the output (boa without an
    /// embedded model); 0 for the baselines.
    pub model_len: u64,
    /// Wall-clock seconds to compress.
    pub compress_seconds: f64,
    /// Wall-clock seconds to decompress (the round trip was checked).
    pub decompress_seconds: f64,
}

impl Row {
    fn ratio(&self) -> f64 {
        self.original_len as f64 / self.compressed_len.max(1) as f64
    }

    fn ratio_with_model(&self) -> f64 {
        self.original_len as f64 / (self.compressed_len + self.model_len).max(1) as f64
    }

    fn mb_per_s(&self, seconds: f64) -> f64 {
        self.original_len as f64 / 1e6 / seconds.max(1e-9)
    }

    /// The row with its ratios and speeds, for `--json`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "original_bytes": self.original_len,
            "compressed_bytes": self.compressed_len,
            "model_bytes": self.model_len,
            "ratio": self.ratio(),
            "ratio_including_model": self.ratio_with_model(),
            "compress_seconds": self.compress_seconds,
            "decompress_seconds": self.decompress_seconds,
            "compress_mb_per_s": self.mb_per_s(self.compress_seconds),
            "decompress_mb_per_s": self.mb_per_s(self.decompress_seconds),
        })
    }
}

impl From<BaselineResult> for Row {
    fn from(r: BaselineResult) -> Self {
        Self {
            name: r.name,
            original_len: r.original_len,
            compressed_len: r.compressed_len,
            model_len: 0,
            compress_seconds: r.compress_seconds,
            decompress_seconds: r.decompress_seconds,
        }
    }
}

/// Compresses and decompresses `data` in memory with boa; an error if the round trip
/// differs.
pub fn measure_boa(
    name: &str,
    backend: &Backend,
    model_len: u64,
    data: &[u8],
    chunk_len: u32,
) -> anyhow::Result<Row> {
    let options = CompressOptions {
        chunk_len,
        ..CompressOptions::default()
    };
    let chunks = data.len().div_ceil(chunk_len.max(1) as usize) as u64;
    let decompress_options = DecompressOptions {
        lanes: backend.auto_lanes(chunks),
        batch_chunks: 0,
    };
    let result = time_round_trip(
        name,
        data,
        |d| {
            with_predictor!(backend, |p| compress_to_vec(p, d, &options))
                .context("boa failed to compress")
        },
        |packed| {
            with_predictor!(backend, |p| decompress_to_vec(
                p,
                packed,
                &decompress_options
            ))
            .context("boa failed to decompress")
        },
    )?;
    Ok(Row {
        model_len,
        ..Row::from(result)
    })
}

/// Runs every baseline on `data`.
pub fn measure_baselines(data: &[u8]) -> anyhow::Result<Vec<Row>> {
    Baseline::ALL
        .iter()
        .map(|&baseline| measure(baseline, data).map(Row::from))
        .collect()
}

/// Prints a Markdown table, one row per compressor, best ratio first.
pub fn print_table(rows: &[Row]) {
    let mut rows: Vec<&Row> = rows.iter().collect();
    rows.sort_by(|a, b| b.ratio().total_cmp(&a.ratio()));
    println!(
        "| compressor | bytes | ratio | ratio incl. model | compress MB/s | decompress MB/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for row in rows {
        let with_model = if row.model_len > 0 {
            format!("{:.2}", row.ratio_with_model())
        } else {
            "–".to_string()
        };
        println!(
            "| {} | {} | {:.2} | {} | {:.2} | {:.2} |",
            row.name,
            row.compressed_len,
            row.ratio(),
            with_model,
            row.mb_per_s(row.compress_seconds),
            row.mb_per_s(row.decompress_seconds)
        );
    }
}

/// `boa baseline FILE [-m MODEL]`.
pub fn run(args: &BaselineArgs) -> anyhow::Result<ExitCode> {
    let data = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let mut rows = Vec::new();
    if let Some(model) = &args.model {
        let path = (model != Path::new("default")).then_some(model.as_path());
        let (engine, model_bytes) = load_engine_or_default(path)?;
        let name = format!("boa ({})", model.display());
        rows.push(measure_boa(
            &name,
            &Backend::Cpu(Box::new(engine)),
            model_bytes.len() as u64,
            &data,
            args.chunk_len,
        )?);
    }
    rows.extend(measure_baselines(&data)?);
    if args.json {
        let out = serde_json::json!({
            "file": args.file.display().to_string(),
            "bytes": data.len(),
            "results": rows.iter().map(Row::json).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{}: {} bytes\n", args.file.display(), data.len());
        print_table(&rows);
    }
    Ok(ExitCode::SUCCESS)
}
