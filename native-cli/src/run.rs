//! `boa run --config NAME|PATH`: an experiment's whole pipeline, as BOA's `main.py` runs
//! it (train → compress → decompress, then verify and evaluate on request), with
//! command-line flags overriding the experiment file.
//!
//! Everything an experiment writes lives in its model folder (`model_path`, default
//! `checkpoints/NAME`): checkpoints, `final/model.boam`, `NAME.boa`, `NAME.decompressed`
//! and `plots/`.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use boa_core::container::MAX_CHUNK_LEN;
use boa_core::train::{CompressionSection, ExperimentConfig};

use crate::baseline::{measure_baselines, print_table};
use crate::cli::{DEFAULT_CHUNK_LEN, RunArgs};
use crate::codec_cmds::{Compression, Output, compress_file, decompress_file};
use crate::eval::Evaluation;

/// The steps of a run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Baselines,
    Train,
    Compress,
    Decompress,
    Verify,
    Evaluate,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Self::Baselines => "baselines",
            Self::Train => "train",
            Self::Compress => "compress",
            Self::Decompress => "decompress",
            Self::Verify => "verify",
            Self::Evaluate => "evaluate",
        }
    }
}

/// An experiment file with the command line applied, and where its products go.
struct Plan {
    experiment: ExperimentConfig,
    /// The integer model: given with `--model-path`, or the one training writes.
    model_file: PathBuf,
    /// Whether `model_file` was given (then nothing is trained).
    model_given: bool,
    /// Continue training from the newest checkpoint.
    resume: bool,
    /// Folder of the products.
    folder: PathBuf,
    progress: bool,
    /// Where the engine compresses and decompresses.
    backend: crate::backend::BackendChoice,
}

impl Plan {
    /// Whether to code with context mixing: `--mixing` or `compression.mixing`.
    fn mixing(&self) -> bool {
        self.experiment
            .compression
            .as_ref()
            .is_some_and(|c| c.mixing)
    }

    fn file_to_compress(&self) -> PathBuf {
        self.experiment
            .compression
            .as_ref()
            .and_then(|c| c.file_to_compress.clone())
            .unwrap_or_else(|| self.experiment.file_path.clone())
    }

    fn compressed(&self) -> PathBuf {
        self.folder.join(format!("{}.boa", self.experiment.name))
    }

    fn decompressed(&self) -> PathBuf {
        self.folder
            .join(format!("{}.decompressed", self.experiment.name))
    }
}

/// `experiments/NAME.yaml` for a bare name, else the path itself.
fn resolve_config(config: &str) -> anyhow::Result<PathBuf> {
    let path = PathBuf::from(config);
    if path.is_file() {
        return Ok(path);
    }
    let named = Path::new("experiments").join(format!("{config}.yaml"));
    if !config.contains(['/', '\\']) && named.is_file() {
        return Ok(named);
    }
    bail!("no experiment {config}: neither a file nor experiments/{config}.yaml")
}

fn plan(args: &RunArgs) -> anyhow::Result<Plan> {
    let config = resolve_config(&args.config)?;
    let experiment = ExperimentConfig::load_with(&config, |experiment| {
        args.hardware.apply(experiment);
        if let Some(path) = &args.model_path {
            experiment.model_path = Some(path.clone());
        }
        if args.mixing {
            experiment
                .compression
                .get_or_insert_with(CompressionSection::default)
                .mixing = true;
        }
    })?;
    let model_path = experiment.checkpoint_dir();
    let model_given =
        model_path.is_file() || model_path.extension().is_some_and(|ext| ext == "boam");
    let (model_file, folder) = if model_given {
        let parent = model_path.parent().unwrap_or(Path::new(".")).to_path_buf();
        (model_path.clone(), parent)
    } else {
        (model_path.join("final").join("model.boam"), model_path)
    };
    Ok(Plan {
        progress: !args.no_progress && experiment.progress,
        experiment,
        model_file,
        model_given,
        resume: args.resume,
        folder,
        backend: args.engine.backend,
    })
}

/// The steps the flags ask for.
fn steps(args: &RunArgs, plan: &Plan) -> anyhow::Result<Vec<Step>> {
    use Step::*;
    let mut steps = if args.comparison_baseline_only {
        vec![Baselines]
    } else if args.train_only {
        if plan.model_given {
            bail!(
                "--train-only, but the model path {} is a model file: give a folder",
                plan.model_file.display()
            );
        }
        vec![Train]
    } else if args.compress_only {
        vec![Compress]
    } else if args.decompress_only {
        vec![Decompress]
    } else if args.evaluate_only {
        vec![Evaluate]
    } else if plan.model_given {
        vec![Compress, Decompress]
    } else {
        vec![Train, Compress, Decompress]
    };
    if args.verify && steps.contains(&Decompress) {
        steps.push(Verify);
    } else if args.verify {
        bail!("--verify checks a decompression: it cannot go with this --*-only flag");
    }
    if args.evaluate && !steps.contains(&Evaluate) {
        if steps == [Baselines] {
            bail!("--evaluate cannot go with --comparison-baseline-only");
        }
        steps.push(Evaluate);
    }
    Ok(steps)
}

pub fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let plan = plan(args)?;
    let steps = steps(args, &plan)?;
    eprintln!(
        "experiment {}: {}",
        plan.experiment.name,
        steps
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(" → ")
    );
    let mut timings = Vec::new();
    let mut status = ExitCode::SUCCESS;
    for step in steps {
        let started = Instant::now();
        let outcome = run_step(step, &plan).with_context(|| {
            format!(
                "experiment {}: {} failed",
                plan.experiment.name,
                step.name()
            )
        })?;
        timings.push((step, started.elapsed().as_secs_f64(), outcome.bytes));
        if !outcome.ok {
            status = ExitCode::FAILURE;
        }
    }
    if args.show_timings {
        print_timings(&timings);
    }
    Ok(status)
}

/// What a step did: bytes it processed (for rates) and whether it succeeded.
struct Outcome {
    bytes: Option<u64>,
    ok: bool,
}

fn run_step(step: Step, plan: &Plan) -> anyhow::Result<Outcome> {
    let done = |bytes| Ok(Outcome { bytes, ok: true });
    match step {
        Step::Baselines => {
            let path = plan.file_to_compress();
            let data =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            println!("{}: {} bytes\n", path.display(), data.len());
            print_table(&measure_baselines(&data)?);
            done(Some(data.len() as u64))
        }
        Step::Train => {
            crate::train::train_experiment(&plan.experiment, plan.resume, plan.progress)?;
            done(None)
        }
        Step::Compress => compress(plan).and_then(|n| done(Some(n))),
        Step::Decompress => decompress(plan).and_then(|n| done(Some(n))),
        Step::Verify => verify(plan),
        Step::Evaluate => evaluate(plan).and_then(|()| done(None)),
    }
}

/// The chunk length `compression.chunks_count` asks for (BOA cuts files into that many
/// chunks), else the default.
fn chunk_len(plan: &Plan, file_len: u64) -> u32 {
    match plan
        .experiment
        .compression
        .as_ref()
        .and_then(|c| c.chunks_count)
    {
        Some(count) if count > 0 => {
            let len = file_len
                .div_ceil(count as u64)
                .clamp(1, u64::from(MAX_CHUNK_LEN));
            u32::try_from(len).unwrap_or(MAX_CHUNK_LEN)
        }
        _ => DEFAULT_CHUNK_LEN,
    }
}

fn model_missing(plan: &Plan) -> anyhow::Error {
    anyhow::anyhow!(
        "there is no model at {}: train it first (boa run --config … --train-only) or give \
         one with --model-path MODEL.boam",
        plan.model_file.display()
    )
}

/// The pipeline's own products are replaced on every run.
fn output_to(path: PathBuf, plan: &Plan) -> Output {
    Output::replacing(path, plan.progress)
}

fn compress(plan: &Plan) -> anyhow::Result<u64> {
    if !plan.model_file.is_file() {
        return Err(model_missing(plan));
    }
    let input = plan.file_to_compress();
    let len = std::fs::metadata(&input)
        .with_context(|| format!("cannot read {}", input.display()))?
        .len();
    let compression = Compression {
        model: Some(plan.model_file.clone()),
        embed_model: false,
        chunk_len: chunk_len(plan, len),
        backend: plan.backend,
        mixing: plan.mixing(),
    };
    compress_file(&input, &compression, &output_to(plan.compressed(), plan))?;
    Ok(len)
}

fn decompress(plan: &Plan) -> anyhow::Result<u64> {
    let input = plan.compressed();
    if !input.is_file() {
        bail!(
            "there is no {} to decompress: compress first (boa run --config … --compress-only)",
            input.display()
        );
    }
    if !plan.model_file.is_file() {
        return Err(model_missing(plan));
    }
    decompress_file(
        &input,
        Some(&plan.model_file),
        0,
        plan.backend,
        &output_to(plan.decompressed(), plan),
    )
}

/// BLAKE3 of a file, streamed.
fn hash_file(path: &Path) -> anyhow::Result<(blake3::Hash, u64)> {
    let mut file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = blake3::Hasher::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut len = 0u64;
    loop {
        let n = file
            .read(&mut buffer)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            return Ok((hasher.finalize(), len));
        }
        hasher.update(&buffer[..n]);
        len += n as u64;
    }
}

fn verify(plan: &Plan) -> anyhow::Result<Outcome> {
    let (original, len) = hash_file(&plan.file_to_compress())?;
    let (restored, _) = hash_file(&plan.decompressed())?;
    let ok = original == restored;
    if ok {
        eprintln!("verified: {} bytes identical (BLAKE3 {original})", len);
    } else {
        eprintln!(
            "VERIFY FAILED: {} differs from {} (BLAKE3 {restored} vs {original})",
            plan.decompressed().display(),
            plan.file_to_compress().display()
        );
    }
    Ok(Outcome {
        bytes: Some(len),
        ok,
    })
}

fn evaluate(plan: &Plan) -> anyhow::Result<()> {
    if !plan.model_file.is_file() {
        return Err(model_missing(plan));
    }
    let checkpoint = plan.folder.join("final");
    let file = plan.file_to_compress();
    let len = std::fs::metadata(&file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    let plots = plan.folder.join("plots");
    let job = Evaluation {
        file: &file,
        checkpoint: (!plan.model_given && checkpoint.join("model.bpk").is_file())
            .then_some(checkpoint.as_path()),
        model: Some(&plan.model_file),
        chunk_len: chunk_len(plan, len),
        progress: plan.progress,
        plots: Some(&plots),
        backend: plan.backend,
        mixing: plan.mixing(),
    };
    crate::eval::evaluate(&job)?.print(&file);
    Ok(())
}

fn print_timings(timings: &[(Step, f64, Option<u64>)]) {
    println!("\n| step | seconds | MB/s |");
    println!("|---|---:|---:|");
    for (step, seconds, bytes) in timings {
        let rate = bytes.map_or("–".to_string(), |b| {
            format!("{:.3}", b as f64 / 1e6 / seconds.max(1e-9))
        });
        println!("| {} | {seconds:.2} | {rate} |", step.name());
    }
    let total: f64 = timings.iter().map(|t| t.1).sum();
    println!("| total | {total:.2} | |");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_experiments_are_errors() {
        assert!(resolve_config("no-such-experiment").is_err());
        assert!(resolve_config("../no/such.yaml").is_err());
    }
}
