//! `boa import`, `boa quantize` and `boa eval`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use boa_core::model::BoaBytePredictor;
use boa_core::model::import::import_boa;
use boa_core::train::checkpoint;
use boa_core::train::{DeviceKind, Precision, TrainError};

use std::io::{Read, Write};

use boa_core::ModelFingerprint;
use boa_core::quantize::QuantizeOptions;

use boa_core::engine::QuantizedModel;

use crate::cli::{ConvertModelArgs, ImportArgs, QuantizeArgs};
use crate::progress::bytes_bar;

/// The CPU device, 32-bit floats: float inference happens there.
fn cpu() -> Result<boa_core::model::Device, TrainError> {
    DeviceKind::Cpu.device(Precision::Fp32)
}

/// Loads a float checkpoint: a boa checkpoint folder or a BOA `.pt` file.
pub(crate) fn load(path: &Path) -> anyhow::Result<BoaBytePredictor> {
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

pub fn convert(args: &ConvertModelArgs) -> anyhow::Result<ExitCode> {
    let input = std::fs::read(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let model = QuantizedModel::from_bytes(&input)
        .with_context(|| format!("{} is not a usable model", args.input.display()))?;
    let bytes = model.to_bytes_version(args.version);
    crate::io::write_atomically(&args.output, args.force, |out| {
        out.write_all(&bytes)?;
        Ok(())
    })?;
    eprintln!(
        "wrote {} (model format {}, {} bytes, fingerprint {}) from {} ({} bytes, fingerprint {})",
        args.output.display(),
        args.version,
        bytes.len(),
        ModelFingerprint::of_bytes(&bytes).short(),
        args.input.display(),
        input.len(),
        ModelFingerprint::of_bytes(&input).short()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn quantize(args: &QuantizeArgs) -> anyhow::Result<ExitCode> {
    if args.output.exists() && !args.force {
        bail!(
            "{} already exists (use --force to replace it)",
            args.output.display()
        );
    }
    let model = load(&args.checkpoint)?;
    let calib = read_prefix(&args.calib, args.calib_bytes)?;
    let options = QuantizeOptions {
        calib_bytes: args.calib_bytes,
        ..QuantizeOptions::default()
    };
    let bar = bytes_bar(calib.len() as u64, !args.no_progress, "calibrating");
    let started = Instant::now();
    let (quantized, report) =
        boa_core::quantize::quantize(&model, &calib, &options, &mut |stage, done, total| {
            bar.set_message(stage.to_string());
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })?;
    bar.finish_and_clear();
    let bytes = quantized.to_bytes();
    crate::io::write_atomically(&args.output, args.force, |out| {
        out.write_all(&bytes)?;
        Ok(())
    })?;
    eprintln!(
        "wrote {} ({} bytes, fingerprint {}): calibrated on {} bytes, temperature {:.2} \
         ({:.4} → {:.4} engine bits per byte), {:.1} s",
        args.output.display(),
        bytes.len(),
        ModelFingerprint::of_bytes(&bytes).short(),
        report.calib_bytes,
        report.temperature,
        report.bpb_at_unit_temperature,
        report.bpb,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// The first `limit` bytes of a file.
fn read_prefix(path: &Path, limit: usize) -> anyhow::Result<Vec<u8>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit as u64)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(bytes)
}
