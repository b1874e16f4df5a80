//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// boa: lossless compression with a neural byte model that decodes anywhere, bit for bit.
#[derive(Debug, Parser)]
#[command(name = "boa", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show a .boa file's header, chunk table and checksums.
    Info(InfoArgs),
    /// Train a byte model as an experiment file describes.
    Train(TrainArgs),
    /// Measure training throughput (bytes per second) of a model preset.
    BenchTrain(BenchTrainArgs),
    /// Convert a BOA Constrictor PyTorch checkpoint (.pt) into a boa checkpoint.
    Import(ImportArgs),
    /// Measure a model's bits per byte on a file.
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The .boa file.
    pub file: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The experiment file (YAML).
    #[arg(long, short)]
    pub config: PathBuf,
    /// Continue from the newest checkpoint in the experiment's model_path.
    #[arg(long)]
    pub resume: bool,
    /// Overrides the experiment's device: cpu, cuda or wgpu.
    #[arg(long)]
    pub device: Option<String>,
    /// Overrides the experiment's precision: fp32, bf16 or fp16.
    #[arg(long)]
    pub precision: Option<String>,
    /// Overrides the experiment's number of epochs.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Overrides where checkpoints go.
    #[arg(long)]
    pub model_path: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchTrainArgs {
    /// Model presets to measure (tiny, boa, boa-8).
    #[arg(long, default_values_t = [String::from("boa")])]
    pub preset: Vec<String>,
    /// Device: cpu, cuda or wgpu.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Sequences per step.
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    /// Bytes per sequence.
    #[arg(long, default_value_t = 512)]
    pub seq_len: usize,
    /// Timed steps (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub steps: usize,
    /// Untimed steps first.
    #[arg(long, default_value_t = 1)]
    pub warmup: usize,
    /// Data to train on (default: the bundled detector-data sample, else a synthetic one).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// BOA's checkpoint: a PyTorch state_dict of BoaBytePredictor.
    pub checkpoint: PathBuf,
    /// The boa checkpoint folder to write.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Replace an existing output folder's model.
    #[arg(long, short)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The file to measure.
    pub file: PathBuf,
    /// A float checkpoint: a boa checkpoint folder, or a BOA .pt file.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
}
