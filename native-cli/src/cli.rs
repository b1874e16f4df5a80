//! Command-line arguments.

use std::path::PathBuf;

use boa_core::model::Preset;
use boa_core::train::{DeviceKind, Precision};
use clap::{Args, Parser, Subcommand};

use crate::backend::BackendChoice;

/// boa: lossless compression with a neural byte model that decodes anywhere, bit for bit.
#[derive(Debug, Parser)]
#[command(name = "boa", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compress, decompress and verify the bundled sample with the bundled model, beside
    /// xz, zlib, zstd and brotli (no downloads, under a minute).
    Demo(DemoArgs),
    /// Run an experiment: train → compress → decompress, as BOA's main.py does.
    Run(RunArgs),
    /// Write a new experiment file, asking for each setting (or taking them as flags).
    NewExperiment(NewExperimentArgs),
    /// Compare general-purpose compressors (and boa, given a model) on a file.
    Baseline(BaselineArgs),
    /// Show a .boa file's header, chunk table and checksums.
    Info(InfoArgs),
    /// Train a byte model as an experiment file describes.
    Train(TrainArgs),
    /// Measure training throughput (bytes per second) of a model preset.
    BenchTrain(BenchTrainArgs),
    /// Convert a BOA Constrictor PyTorch checkpoint (.pt) into a boa checkpoint.
    Import(ImportArgs),
    /// Measure bits per byte on a file: float model, integer engine, coded size.
    Eval(EvalArgs),
    /// Turn a float checkpoint into an integer model file (.boam).
    Quantize(QuantizeArgs),
    /// Rewrite an integer model file (.boam) in another model format version: 2 (compact,
    /// the default) or 1 (for older readers). The model is the same; its fingerprint is not.
    ConvertModel(ConvertModelArgs),
    /// Compress a file with an integer model.
    Compress(CompressArgs),
    /// Decompress a .boa file.
    Decompress(DecompressArgs),
    /// Compress and decompress in memory; report the size and whether the bytes match.
    Verify(VerifyArgs),
    /// Measure the integer engine's compression and decompression throughput.
    BenchEngine(BenchEngineArgs),
    /// List the engines this machine can run (CPU, GPU adapters) and what `auto` picks.
    Backends,
}

/// Where the integer engine runs (`compress`, `decompress`, `verify`, `eval`,
/// `bench-engine`, `demo`, `run`).
#[derive(Debug, Args)]
pub struct BackendArgs {
    /// auto (a hardware GPU when there is one, else the CPU), cpu or gpu. Every backend
    /// writes the same bytes.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The .boa file.
    pub file: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Where and how to train, overriding the experiment file (`boa train`, `boa run`).
#[derive(Debug, Args)]
pub struct HardwareArgs {
    /// Train on cpu, cuda or wgpu (overrides the experiment's `device`).
    #[arg(long)]
    pub device: Option<DeviceKind>,
    /// Train in fp32, bf16 or fp16 (overrides the experiment's `precision`).
    #[arg(long)]
    pub precision: Option<Precision>,
    /// Train for at most SECONDS, stopping at a step boundary (overrides the experiment's
    /// `training.time_budget_s`; `epochs` becomes an upper bound).
    #[arg(long, value_name = "SECONDS")]
    pub time_budget: Option<f64>,
}

impl HardwareArgs {
    /// Applies the flags given to `experiment`.
    pub fn apply(&self, experiment: &mut boa_core::train::ExperimentConfig) {
        if let Some(device) = self.device {
            experiment.device = device;
        }
        if let Some(precision) = self.precision {
            experiment.precision = precision;
        }
        if let Some(seconds) = self.time_budget {
            experiment.training.time_budget_s = Some(seconds);
        }
    }
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The experiment file (YAML).
    #[arg(long, short)]
    pub config: PathBuf,
    /// Continue from the newest checkpoint in the experiment's model_path.
    #[arg(long)]
    pub resume: bool,
    #[command(flatten)]
    pub hardware: HardwareArgs,
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
    #[arg(long, default_values_t = [Preset::Boa])]
    pub preset: Vec<Preset>,
    /// Device: cpu, cuda or wgpu.
    #[arg(long, default_value_t = DeviceKind::Cpu)]
    pub device: DeviceKind,
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
    pub checkpoint: Option<PathBuf>,
    /// An integer model (.boam): adds the engine's and the coded bits per byte. Default,
    /// when no checkpoint is given either: the bundled model.
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Chunk length in bytes (as `boa compress`).
    #[arg(long, default_value_t = DEFAULT_CHUNK_LEN)]
    pub chunk_len: u32,
    /// Measure with context mixing (as `boa compress --mixing`); the report adds the
    /// network's own figure.
    #[arg(long)]
    pub mixing: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Write PNG charts (calibration, top-k accuracy, byte confusion, bits per byte along
    /// the file) of the integer model's predictions into this folder.
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
    #[command(flatten)]
    pub engine: BackendArgs,
}

/// Default chunk length: the library's ([`boa_core::container::DEFAULT_CHUNK_LEN`]).
pub use boa_core::container::DEFAULT_CHUNK_LEN;

#[derive(Debug, Args)]
pub struct QuantizeArgs {
    /// A float checkpoint: a boa checkpoint folder, or a BOA .pt file.
    pub checkpoint: PathBuf,
    /// Calibration data: bytes like those the model will compress.
    #[arg(long)]
    pub calib: PathBuf,
    /// Bytes of the calibration file to use (from its start).
    #[arg(long, default_value_t = 64 << 10)]
    pub calib_bytes: usize,
    /// Where to write the model.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Replace an existing output file.
    #[arg(long, short)]
    pub force: bool,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Args)]
pub struct ConvertModelArgs {
    /// The integer model (.boam), any version this build reads.
    pub input: PathBuf,
    /// Where to write the converted model.
    #[arg(long, short)]
    pub output: PathBuf,
    /// The model format version to write: 3 (packed), 2 (compact, unpacked) or 1.
    #[arg(long, default_value_t = boa_core::engine::MODEL_VERSION, value_parser = clap::value_parser!(u16).range(1..=3))]
    pub version: u16,
    /// Replace an existing output file.
    #[arg(long, short)]
    pub force: bool,
}

/// Where `compress` and `decompress` write, zstd-style.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Where to write (`-` for stdout). Default: INPUT.boa when compressing, INPUT
    /// without .boa when decompressing, stdout when reading stdin.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Write to stdout.
    #[arg(long = "stdout", short = 'c')]
    pub stdout: bool,
    /// Replace an existing output file; write compressed data to a terminal.
    #[arg(long, short)]
    pub force: bool,
    /// Keep the input file (the default; the opposite of --rm).
    #[arg(long, short, conflicts_with = "rm")]
    pub keep: bool,
    /// Remove the input file once the output is complete.
    #[arg(long)]
    pub rm: bool,
    /// No progress bar (bars only ever show when stderr is a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// No summary line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CompressArgs {
    /// The file to compress (`-` or nothing: stdin).
    #[arg(default_value = "-")]
    pub input: PathBuf,
    /// The integer model (.boam). Default: the bundled model (KM3NeT amplitudes).
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Store the model in the file, so that it decompresses without it.
    #[arg(long)]
    pub embed_model: bool,
    /// Mix the model's predictions with adaptive integer context models as it codes
    /// (order 0–6, record and match models): smaller files on data that drifts from what
    /// the model learnt, at some speed (docs/engine.md, "Context mixing").
    #[arg(long)]
    pub mixing: bool,
    /// Chunk length in bytes (chunks are coded independently, in parallel).
    #[arg(long, default_value_t = DEFAULT_CHUNK_LEN)]
    pub chunk_len: u32,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub engine: BackendArgs,
}

#[derive(Debug, Args)]
pub struct DecompressArgs {
    /// The .boa file (`-` or nothing: stdin).
    #[arg(default_value = "-")]
    pub input: PathBuf,
    /// The integer model (.boam). Default: the model embedded in the file, else the
    /// bundled model if the file was made with it.
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Chunks decoded in lock step per thread (0: spread the file's chunks over the
    /// threads, at most 16 per step).
    #[arg(long, default_value_t = 0)]
    pub lanes: usize,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub engine: BackendArgs,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The file to compress and decompress.
    pub input: PathBuf,
    /// The integer model (.boam). Default: the bundled model.
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Chunk length in bytes.
    #[arg(long, default_value_t = DEFAULT_CHUNK_LEN)]
    pub chunk_len: u32,
    /// Code with context mixing (as `boa compress --mixing`).
    #[arg(long)]
    pub mixing: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub engine: BackendArgs,
}

#[derive(Debug, Args)]
pub struct BenchEngineArgs {
    /// Integer models (.boam) to measure.
    #[arg(long, short)]
    pub model: Vec<PathBuf>,
    /// Model presets to measure with seeded random weights (tiny, boa, boa-8).
    #[arg(long)]
    pub preset: Vec<Preset>,
    /// Data to compress (default: synthetic records).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Bytes of the data to use.
    #[arg(long, default_value_t = 1 << 20)]
    pub bytes: usize,
    /// Chunk length in bytes.
    #[arg(long, default_value_t = DEFAULT_CHUNK_LEN)]
    pub chunk_len: u32,
    /// Lanes per decoding step (0: the chunks spread over the threads, at most 16; on a
    /// GPU, `BOA_GPU_STREAMS` or 1024); several values give one row each (a sweep; on a
    /// GPU each is also the batch size).
    #[arg(long, value_delimiter = ',', default_values_t = [0])]
    pub lanes: Vec<usize>,
    /// Threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Timed runs (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    #[command(flatten)]
    pub engine: BackendArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Bytes of the held-out sample to use (at most its 524,288).
    #[arg(long)]
    pub bytes: Option<usize>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub engine: BackendArgs,
}

#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("only")
        .args(["train_only", "compress_only", "decompress_only", "evaluate_only", "comparison_baseline_only"])
))]
pub struct RunArgs {
    /// The experiment: a YAML file, or NAME for experiments/NAME.yaml.
    #[arg(long, short)]
    pub config: String,
    /// Print how long each step took.
    #[arg(long)]
    pub show_timings: bool,
    /// No progress bars (overrides the experiment's `progress`).
    #[arg(long)]
    pub no_progress: bool,
    #[command(flatten)]
    pub hardware: HardwareArgs,
    /// Only train (and write the integer model).
    #[arg(long)]
    pub train_only: bool,
    /// Continue training from the newest checkpoint in the model folder (not a BOA flag).
    #[arg(long)]
    pub resume: bool,
    /// Only compress, with the model already trained.
    #[arg(long)]
    pub compress_only: bool,
    /// Only decompress the experiment's .boa file.
    #[arg(long)]
    pub decompress_only: bool,
    /// The model folder (overrides `model_path`), or an integer model file (.boam) to
    /// use instead of training one.
    #[arg(long)]
    pub model_path: Option<PathBuf>,
    /// After decompressing, check the bytes against the original (exit 1 if they differ).
    #[arg(long)]
    pub verify: bool,
    /// After the pipeline, measure bits per byte and write evaluation plots.
    #[arg(long)]
    pub evaluate: bool,
    /// Only measure bits per byte and write evaluation plots, with the model already trained.
    #[arg(long)]
    pub evaluate_only: bool,
    /// Only run the baseline compressors (xz, zlib, zstd, brotli) on the file to compress.
    #[arg(long)]
    pub comparison_baseline_only: bool,
    /// Code with context mixing (overrides the experiment's `compression.mixing`).
    #[arg(long)]
    pub mixing: bool,
    #[command(flatten)]
    pub engine: BackendArgs,
}

#[derive(Debug, Args)]
pub struct NewExperimentArgs {
    /// Where to write the experiment (default: experiments/NAME.yaml).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Ask nothing: every setting not given as a flag takes its default.
    #[arg(long, short)]
    pub yes: bool,
    /// Replace an existing file.
    #[arg(long, short)]
    pub force: bool,
    /// Experiment name (letters, digits, `-`, `_`).
    #[arg(long)]
    pub name: Option<String>,
    /// The training data.
    #[arg(long)]
    pub file_path: Option<PathBuf>,
    /// cpu, cuda or wgpu.
    #[arg(long)]
    pub device: Option<DeviceKind>,
    /// fp32, bf16 or fp16.
    #[arg(long)]
    pub precision: Option<Precision>,
    /// Model preset: tiny, boa or boa-8.
    #[arg(long)]
    pub preset: Option<Preset>,
    /// Bytes per training sequence.
    #[arg(long)]
    pub seq_len: Option<usize>,
    /// Sequences per step.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Passes over the training split.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Chunks to cut the compressed file into.
    #[arg(long)]
    pub chunks_count: Option<usize>,
    /// The file to compress (default: the training data).
    #[arg(long)]
    pub file_to_compress: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The file to compress.
    pub file: PathBuf,
    /// Also run boa with this integer model (.boam); `default` for the bundled one.
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Chunk length for boa, in bytes.
    #[arg(long, default_value_t = DEFAULT_CHUNK_LEN)]
    pub chunk_len: u32,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}
