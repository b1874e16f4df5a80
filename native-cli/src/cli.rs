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
    /// Measure bits per byte on a file: float model, integer engine, coded size.
    Eval(EvalArgs),
    /// Turn a float checkpoint into an integer model file (.boam).
    Quantize(QuantizeArgs),
    /// Compress a file with an integer model.
    Compress(CompressArgs),
    /// Decompress a .boa file.
    Decompress(DecompressArgs),
    /// Compress and decompress in memory; report the size and whether the bytes match.
    Verify(VerifyArgs),
    /// Measure the integer engine's compression and decompression throughput.
    BenchEngine(BenchEngineArgs),
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
    #[arg(long, required_unless_present = "model")]
    pub checkpoint: Option<PathBuf>,
    /// An integer model (.boam): adds the engine's and the coded bits per byte.
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Chunk length in bytes (as `boa compress`).
    #[arg(long, default_value_t = DEFAULT_CHUNK_LEN)]
    pub chunk_len: u32,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

/// Default chunk length: 256 KiB keeps the framing below 0.01 % at ratio 4 while leaving
/// several chunks per megabyte to code in parallel.
pub const DEFAULT_CHUNK_LEN: u32 = 256 << 10;

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
pub struct CompressArgs {
    /// The file to compress.
    pub input: PathBuf,
    /// The integer model (.boam).
    #[arg(long, short)]
    pub model: PathBuf,
    /// Where to write the .boa file.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Store the model in the file, so that it decompresses without it.
    #[arg(long)]
    pub embed_model: bool,
    /// Chunk length in bytes (chunks are coded independently, in parallel).
    #[arg(long, default_value_t = DEFAULT_CHUNK_LEN)]
    pub chunk_len: u32,
    /// Replace an existing output file.
    #[arg(long, short)]
    pub force: bool,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Args)]
pub struct DecompressArgs {
    /// The .boa file.
    pub input: PathBuf,
    /// The integer model (.boam); not needed when the file embeds its model.
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Where to write the original bytes.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Chunks decoded in lock step per thread (0: spread the file's chunks over the
    /// threads, at most 16 per step).
    #[arg(long, default_value_t = 0)]
    pub lanes: usize,
    /// Replace an existing output file.
    #[arg(long, short)]
    pub force: bool,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The file to compress and decompress.
    pub input: PathBuf,
    /// The integer model (.boam).
    #[arg(long, short)]
    pub model: PathBuf,
    /// Chunk length in bytes.
    #[arg(long, default_value_t = DEFAULT_CHUNK_LEN)]
    pub chunk_len: u32,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchEngineArgs {
    /// Integer models (.boam) to measure.
    #[arg(long, short)]
    pub model: Vec<PathBuf>,
    /// Model presets to measure with seeded random weights (tiny, boa, boa-8).
    #[arg(long)]
    pub preset: Vec<String>,
    /// Data to compress (default: synthetic records).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Bytes of the data to use.
    #[arg(long, default_value_t = 1 << 20)]
    pub bytes: usize,
    /// Chunk length in bytes.
    #[arg(long, default_value_t = 64 << 10)]
    pub chunk_len: u32,
    /// Lanes per decoding step (0: the chunks spread over the threads, at most 16).
    #[arg(long, default_value_t = 0)]
    pub lanes: usize,
    /// Threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Timed runs (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}
