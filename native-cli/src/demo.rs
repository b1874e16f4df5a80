//! `boa demo`: the bundled model on the bundled sample's held-out part, beside the
//! baselines, with nothing to download or train.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;

use crate::backend::Backend;
use crate::baseline::{Row, measure_baselines, measure_boa, print_table};
use crate::bundled;
use crate::cli::DemoArgs;

/// Chunk length of the demo: 64 KiB gives the two cores 8 chunks of the 512 KiB sample.
const DEMO_CHUNK_LEN: u32 = 64 << 10;

pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let sample = bundled::held_out_sample();
    let len = args.bytes.unwrap_or(sample.len());
    if len == 0 || len > sample.len() {
        bail!("--bytes must be 1 ..= {}", sample.len());
    }
    let data = &sample[..len];
    let started = Instant::now();
    let backend = Backend::open(bundled::default_engine()?, args.engine.backend, false)?;
    let load_seconds = started.elapsed().as_secs_f64();
    if !args.json {
        eprintln!(
            "boa demo: {len} bytes of KM3NeT hit amplitudes (float64) that the bundled model \
             ({} bytes, trained on the sample's first MiB) never saw",
            bundled::DEFAULT_MODEL.len()
        );
        eprintln!("compressing, decompressing and verifying with boa, then the baselines…");
    }
    let chunk_len = DEMO_CHUNK_LEN;
    let boa = measure_boa(
        "boa (bundled model)",
        &backend,
        bundled::DEFAULT_MODEL.len() as u64,
        data,
        chunk_len,
    )?;
    let mut rows: Vec<Row> = vec![boa.clone()];
    rows.extend(measure_baselines(data)?);
    let total_seconds = started.elapsed().as_secs_f64();
    if args.json {
        let out = serde_json::json!({
            "bytes": len,
            "identical": true,
            "model_bytes": bundled::DEFAULT_MODEL.len(),
            "model_fingerprint": bundled::default_fingerprint().to_string(),
            "chunk_len": chunk_len,
            "backend": backend.describe(),
            "results": rows.iter().map(Row::json).collect::<Vec<_>>(),
            "seconds": total_seconds,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!();
    print_table(&rows);
    println!();
    println!(
        "round trip identical ({len} bytes, boa on the {}); timings: load model {:.3} s, \
         boa compress {:.2} s, boa decompress {:.2} s, whole demo {:.1} s",
        backend.describe(),
        load_seconds,
        boa.compress_seconds,
        boa.decompress_seconds,
        total_seconds
    );
    println!(
        "\"ratio incl. model\" counts the model's {} bytes, which a file needs unless the \
         reader already has the model.",
        bundled::DEFAULT_MODEL.len()
    );
    Ok(ExitCode::SUCCESS)
}
