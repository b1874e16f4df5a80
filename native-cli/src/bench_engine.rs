//! `boa bench-engine`: compression and decompression throughput of the integer engine.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use boa_core::container::{CompressOptions, DecompressOptions, compress_to_vec, decompress_to_vec};
use boa_core::engine::Engine;
use boa_core::model::{BoaBytePredictor, ModelConfig};
use boa_core::quantize::{QuantizeOptions, quantize};
use boa_core::train::{DeviceKind, Precision};

use crate::backend::{Backend, with_predictor};
use crate::cli::BenchEngineArgs;

/// An engine for each requested model: `.boam` files, or presets with seeded random
/// weights quantized on the data (throughput does not depend on training).
fn engines(args: &BenchEngineArgs, data: &[u8]) -> anyhow::Result<Vec<(String, Engine)>> {
    let mut engines = Vec::new();
    for path in &args.model {
        let (engine, _) = crate::codec_cmds::load_engine(path)?;
        engines.push((path.display().to_string(), engine));
    }
    for preset in &args.preset {
        let config = ModelConfig::preset(*preset);
        let device = DeviceKind::Cpu.device(Precision::Fp32)?;
        device.seed(1);
        let float = BoaBytePredictor::new(&config, &device);
        let (model, _) = quantize(&float, data, &QuantizeOptions::default(), &mut |_, _, _| {})?;
        engines.push((format!("{preset} (random weights)"), Engine::new(model)?));
    }
    if engines.is_empty() {
        bail!("give --model FILE.boam or --preset NAME");
    }
    Ok(engines)
}

fn median(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        values[values.len() / 2],
        values[0],
        values[values.len() - 1],
    )
}

pub fn run(args: &BenchEngineArgs) -> anyhow::Result<ExitCode> {
    if args.runs == 0 || args.bytes == 0 {
        bail!("--runs and --bytes must be at least 1");
    }
    let data = match &args.data {
        Some(path) => {
            let mut bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            bytes.truncate(args.bytes);
            bytes
        }
        None => crate::train::synthetic(args.bytes),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()?;
    let threads = pool.current_num_threads();
    println!(
        "{} bytes, chunks of {} bytes, {threads} thread(s), median of {} runs",
        data.len(),
        args.chunk_len,
        args.runs
    );
    println!(
        "| model | backend | lanes | ratio | compress KB/s (median) | min–max | decompress KB/s (median) | min–max | same bytes as CPU |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, engine) in engines(args, &data)? {
        for &lanes in &args.lanes {
            let engine = Engine::new(engine.model().clone())?;
            let backend =
                Backend::open_with_lanes(engine, args.engine.backend, false, Some(lanes))?;
            bench_one(args, &pool, &data, &name, &backend, lanes)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One row of the table: `runs` round trips of `data` through `backend`.
fn bench_one(
    args: &BenchEngineArgs,
    pool: &rayon::ThreadPool,
    data: &[u8],
    name: &str,
    backend: &Backend,
    lanes: usize,
) -> anyhow::Result<()> {
    {
        // Every chunk coded, so that decoding runs the engine on every byte.
        let options = CompressOptions {
            chunk_len: args.chunk_len,
            store_incompressible: false,
            ..CompressOptions::default()
        };
        let chunks = data.len().div_ceil(args.chunk_len.max(1) as usize) as u64;
        let lanes = if lanes == 0 {
            pool.install(|| backend.auto_lanes(chunks))
        } else {
            lanes
        };
        let decode = DecompressOptions {
            lanes,
            batch_chunks: 0,
        };
        let (mut compress_rates, mut decompress_rates, mut ratio) = (Vec::new(), Vec::new(), 0.0);
        let mut packed_once = Vec::new();
        for _ in 0..args.runs {
            let result: anyhow::Result<()> = pool.install(|| {
                let started = Instant::now();
                let packed = with_predictor!(backend, |p| compress_to_vec(p, data, &options))?;
                compress_rates.push(data.len() as f64 / 1000.0 / started.elapsed().as_secs_f64());
                let started = Instant::now();
                let unpacked =
                    with_predictor!(backend, |p| decompress_to_vec(p, &packed, &decode))?;
                decompress_rates.push(data.len() as f64 / 1000.0 / started.elapsed().as_secs_f64());
                if unpacked != data {
                    bail!("round trip differs for {name}");
                }
                ratio = data.len() as f64 / packed.len() as f64;
                packed_once = packed;
                Ok(())
            });
            result?;
        }
        let (c, c_min, c_max) = median(compress_rates);
        let (d, d_min, d_max) = median(decompress_rates);
        let same = pool.install(|| check_against_cpu(backend, data, &packed_once, &options))?;
        println!(
            "| {name} | {} | {lanes} | {ratio:.3} | {c:.1} | {c_min:.1}–{c_max:.1} | {d:.1} | {d_min:.1}–{d_max:.1} | {same} |",
            backend.describe()
        );
    }
    Ok(())
}

/// For a GPU backend, that the CPU engine writes the same file and reads it back (the
/// determinism contract, checked on every benchmark row); an error if not. Returns the
/// table's cell.
fn check_against_cpu(
    backend: &Backend,
    data: &[u8],
    packed: &[u8],
    options: &CompressOptions,
) -> anyhow::Result<&'static str> {
    if backend.is_cpu() {
        return Ok("(is the CPU)");
    }
    let engine = backend.engine();
    let by_cpu = compress_to_vec(engine, data, options)?;
    if by_cpu != packed {
        bail!(
            "{} wrote a different file than the CPU ({} vs {} bytes)",
            backend.describe(),
            packed.len(),
            by_cpu.len()
        );
    }
    if decompress_to_vec(engine, packed, &DecompressOptions::default())? != data {
        bail!("the CPU does not restore {}'s file", backend.describe());
    }
    Ok("yes")
}
