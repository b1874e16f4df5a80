//! `boa train` (which also writes the integer model) and `boa bench-train`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use boa_core::model::ModelConfig;
use boa_core::quantize::{QuantizeOptions, quantize};
use boa_core::train::checkpoint;
use boa_core::train::data::{Splits, read_slice};
use boa_core::train::{
    BatchProgress, DeviceKind, EpochReport, ExperimentConfig, Precision, TrainObserver,
    TrainOptions, TrainReport, time_training_steps, train,
};
use indicatif::ProgressBar;
use serde_json::json;

use crate::cli::{BenchTrainArgs, TrainArgs};
use crate::progress::bytes_bar;

/// Shows training progress: a bar per epoch, a line per epoch.
struct Console {
    bar: Option<ProgressBar>,
    enabled: bool,
    quiet: bool,
}

impl TrainObserver for Console {
    fn step(&mut self, p: &BatchProgress) {
        let bar = self.bar.get_or_insert_with(|| {
            bytes_bar(
                p.epoch_bytes,
                self.enabled,
                &format!("epoch {}/{}", p.epoch, p.epochs),
            )
        });
        bar.set_position(p.bytes);
        let left = p
            .time_left_s
            .map_or(String::new(), |s| format!(", {} left", clock(s)));
        bar.set_message(format!(
            "epoch {}/{} loss {:.3} bpb, lr {:.2e}{left}",
            p.epoch, p.epochs, p.loss_bpb, p.lr
        ));
    }

    fn epoch(&mut self, r: &EpochReport) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.quiet {
            return;
        }
        let val = r.val_bpb.map_or("n/a".to_string(), |v| format!("{v:.4}"));
        let at = r
            .checkpoint
            .as_ref()
            .map_or(String::new(), |p| format!(", checkpoint {}", p.display()));
        let cut = if r.complete {
            ""
        } else {
            " (cut short by the time budget)"
        };
        eprintln!(
            "epoch {}{cut}: train {:.4} bpb, val {val} bpb, {:.0} B/s{at}",
            r.epoch, r.train_bpb, r.bytes_per_second
        );
    }

    fn message(&mut self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }
}

/// Seconds as `m:ss` (or `h:mm:ss`).
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

pub fn run(args: &TrainArgs) -> anyhow::Result<ExitCode> {
    let experiment = ExperimentConfig::load_with(&args.config, |experiment| {
        args.hardware.apply(experiment);
        if let Some(epochs) = args.epochs {
            experiment.training.epochs = epochs;
        }
        if let Some(path) = &args.model_path {
            experiment.model_path = Some(path.clone());
        }
    })?;
    let progress = !args.no_progress && experiment.progress;
    let (report, integer_model) = train_experiment(&experiment, args.resume, progress)?;
    if args.json {
        let epochs: Vec<_> = report
            .epochs
            .iter()
            .map(|e| json!({"epoch": e.epoch, "complete": e.complete, "train_bpb": e.train_bpb, "val_bpb": e.val_bpb, "bytes_per_second": e.bytes_per_second}))
            .collect();
        let out = json!({
            "name": experiment.name,
            "resumed_after": report.resumed_after,
            "epochs": epochs,
            "test_bpb": report.test_bpb,
            "bytes_per_second": report.bytes_per_second,
            "stopped_by_budget": report.stopped_by_budget,
            "final_epoch": report.final_epoch,
            "final_checkpoint": report.final_checkpoint,
            "integer_model": integer_model,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// Trains an experiment, reporting on stderr, and writes its integer model beside the
/// final checkpoint; returns the report and the integer model's path.
pub(crate) fn train_experiment(
    experiment: &ExperimentConfig,
    resume: bool,
    progress: bool,
) -> anyhow::Result<(TrainReport, Option<PathBuf>)> {
    let model = experiment.model_config().map_err(anyhow::Error::msg)?;
    let budget = experiment
        .training
        .time_budget_s
        .map_or(String::new(), |s| format!(", at most {}", clock(s)));
    eprintln!(
        "training {} ({} parameters: d_model {}, {} layer(s)) on {} in {}, data {}{budget}",
        experiment.name,
        model.parameter_count(),
        model.d_model,
        model.num_layers,
        experiment.device,
        experiment.precision,
        experiment.file_path.display()
    );
    let mut console = Console {
        bar: None,
        enabled: progress,
        quiet: false,
    };
    let options = TrainOptions {
        resume,
        ..TrainOptions::default()
    };
    let report = train(experiment, &options, &mut console)?;
    let test = report.test_bpb.map_or("n/a".into(), |v| format!("{v:.4}"));
    let last = report
        .final_checkpoint
        .as_ref()
        .map(|p| p.display().to_string());
    eprintln!(
        "test {test} bpb; {:.0} training bytes/s; final model in {}",
        report.bytes_per_second,
        last.as_deref().unwrap_or("-")
    );
    let integer_model = match &report.final_checkpoint {
        Some(folder) => Some(write_integer_model(experiment, folder)?),
        None => None,
    };
    Ok((report, integer_model))
}

pub fn bench(args: &BenchTrainArgs) -> anyhow::Result<ExitCode> {
    if args.steps == 0 || args.batch_size == 0 || args.seq_len < 2 {
        bail!("--steps and --batch-size must be at least 1 and --seq-len at least 2");
    }
    let kind = args.device;
    let batch_bytes = args.batch_size * args.seq_len;
    let data = match &args.data {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            if bytes.len() < batch_bytes {
                bail!(
                    "{} holds {} bytes, less than one batch ({batch_bytes})",
                    path.display(),
                    bytes.len()
                );
            }
            bytes
        }
        None => synthetic(batch_bytes * 4),
    };
    println!(
        "| preset | device | batch × seq_len | step s (median) | bytes/s (median) | bytes/s min–max |"
    );
    println!("|---|---|---|---|---|---|");
    for preset in &args.preset {
        let config = ModelConfig::preset(*preset);
        let device = kind.device(Precision::Fp32)?.autodiff();
        let mut seconds = time_training_steps(
            &config,
            &device,
            &data,
            (args.batch_size, args.seq_len),
            args.warmup,
            args.steps,
        );
        seconds.sort_by(f64::total_cmp);
        let median = seconds[seconds.len() / 2];
        let rate = |s: f64| batch_bytes as f64 / s;
        println!(
            "| {preset} | {} | {} × {} | {median:.3} | {:.0} | {:.0}–{:.0} |",
            args.device,
            args.batch_size,
            args.seq_len,
            rate(median),
            rate(seconds[seconds.len() - 1]),
            rate(seconds[0])
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Quantizes the final checkpoint into `FOLDER/model.boam`, calibrated on the start of the
/// training split; returns the file's path.
fn write_integer_model(experiment: &ExperimentConfig, folder: &Path) -> anyhow::Result<PathBuf> {
    let device = DeviceKind::Cpu.device(Precision::Fp32)?;
    let model = checkpoint::load_model(folder, &device)?;
    let data = read_slice(
        &experiment.file_path,
        experiment.training.data_offset,
        experiment.training.data_bytes,
    )?;
    let splits = Splits::new(&data, experiment.dataloader.seq_len, experiment.splits)
        .map_err(anyhow::Error::msg)?;
    let (quantized, report) = quantize(
        &model,
        &splits.train,
        &QuantizeOptions::default(),
        &mut |_, _, _| {},
    )?;
    let path = folder.join("model.boam");
    let bytes = quantized.to_bytes();
    std::fs::write(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!(
        "integer model {} ({} bytes, temperature {:.2}, {:.4} bits per byte on calibration data)",
        path.display(),
        bytes.len(),
        report.temperature,
        report.bpb
    );
    Ok(path)
}

/// Deterministic bytes with some structure (records with counters and noise).
pub(crate) fn synthetic(len: usize) -> Vec<u8> {
    let mut rng = boa_core::rng::XorShift64::new(0x2545_F491_4F6C_DD1D);
    (0..len)
        .map(|i| {
            let state = rng.next_u64();
            match i % 16 {
                0..=3 => (i / 16) as u8,
                4..=7 => 0,
                _ => (state >> 56) as u8 & 0x3F,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn clocks_read_as_minutes_and_hours() {
        assert_eq!(super::clock(0.4), "0:00");
        assert_eq!(super::clock(600.0), "10:00");
        assert_eq!(super::clock(3725.0), "1:02:05");
    }
}
