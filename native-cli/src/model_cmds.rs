//! `boa import` and `boa eval`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use boa_core::model::BoaBytePredictor;
use boa_core::model::import::import_boa;
use boa_core::train::checkpoint;
use boa_core::train::eval::bits_per_byte;
use boa_core::train::{DeviceKind, Precision, TrainError};
use serde_json::json;

use crate::cli::{EvalArgs, ImportArgs};
use crate::progress::bytes_bar;

/// The CPU device, 32-bit floats: float inference happens there.
fn cpu() -> Result<boa_core::model::Device, TrainError> {
    DeviceKind::Cpu.device(Precision::Fp32)
}

/// Loads a float checkpoint: a boa checkpoint folder or a BOA `.pt` file.
fn load(path: &Path) -> anyhow::Result<BoaBytePredictor> {
    let device = cpu()?;
    if path.is_dir() {
        Ok(checkpoint::load_model(path, &device)?)
    } else if path.is_file() {
        Ok(import_boa(path, &device)?)
    } else {
        bail!(
            "{} is neither a boa checkpoint folder nor a file",
            path.display()
        )
    }
}

pub fn import(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    if args.output.join("model.bpk").exists() && !args.force {
        bail!(
            "{} already holds a model (use --force to replace it)",
            args.output.display()
        );
    }
    let model = import_boa(&args.checkpoint, &cpu()?)?;
    checkpoint::save_model(&args.output, &model)?;
    let config = model.config();
    eprintln!(
        "imported {} (d_model {}, {} layer(s), {} parameters) into {}",
        args.checkpoint.display(),
        config.d_model,
        config.num_layers,
        config.parameter_count(),
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn eval(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let model = load(&args.checkpoint)?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let bar = bytes_bar(bytes.len() as u64, !args.no_progress, "evaluating");
    let started = Instant::now();
    let bpb = bits_per_byte(&model, &bytes, &mut |done| bar.set_position(done as u64));
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        let out = json!({
            "bytes": bytes.len(),
            "float_bpb": bpb,
            "seconds": seconds,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "{}: {} bytes, float model {bpb:.4} bits per byte ({:.1} s)",
            args.file.display(),
            bytes.len(),
            seconds
        );
    }
    Ok(ExitCode::SUCCESS)
}
