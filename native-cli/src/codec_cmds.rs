//! `boa compress`, `boa decompress`, `boa verify`: the integer engine through the `.boa`
//! container, with zstd's conventions for inputs and outputs (see [`crate::io`]).
//!
//! [`compress_file`] and [`decompress_file`] are the commands' library layer: plain
//! values in ([`Compression`], [`Output`]), a summary out. `boa run` calls them as the
//! commands do, without building command-line structs.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use boa_core::container::{
    self, BoaFile, CompressOptions, CompressSummary, DecompressOptions, StreamDecoder,
    compress_to_vec, decompress_to_vec,
};
use boa_core::engine::Engine;
use serde_json::json;

use crate::backend::{Backend, BackendChoice, with_predictor};
use crate::bundled;
use crate::cli::{CompressArgs, DecompressArgs, OutputArgs, VerifyArgs};
use crate::io::{self, Source};
use crate::progress::bytes_bar;

/// Reads and loads a `.boam` model; returns the engine and the file's bytes.
pub fn load_engine(path: &Path) -> anyhow::Result<(Engine, Vec<u8>)> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read model {}", path.display()))?;
    let engine = Engine::from_bytes(&bytes)
        .with_context(|| format!("cannot load model {}", path.display()))?;
    Ok((engine, bytes))
}

/// The model at `path`, or the bundled default model.
pub fn load_engine_or_default(path: Option<&Path>) -> anyhow::Result<(Engine, Vec<u8>)> {
    match path {
        Some(path) => load_engine(path),
        None => Ok((bundled::default_engine()?, bundled::DEFAULT_MODEL.to_vec())),
    }
}

fn rate(bytes: u64, seconds: f64) -> String {
    format!("{:.1} KB/s", bytes as f64 / 1000.0 / seconds.max(1e-9))
}

/// Where `compress` or `decompress` writes and what it does around that: the flags of
/// [`OutputArgs`] as a plain value.
#[derive(Debug, Clone)]
pub struct Output {
    /// The output file (`-`: stdout); `None` derives it from the input's name.
    pub path: Option<PathBuf>,
    /// Write to stdout.
    pub stdout: bool,
    /// Replace an existing output; write compressed bytes to a terminal.
    pub force: bool,
    /// Remove the input file once the output is complete.
    pub remove_input: bool,
    /// Show a progress bar (only ever drawn when stderr is a terminal).
    pub progress: bool,
    /// Print no summary line.
    pub quiet: bool,
}

impl Output {
    /// `path`, replaced if it exists, the input kept: how `boa run` writes its products.
    pub fn replacing(path: PathBuf, progress: bool) -> Self {
        Self {
            path: Some(path),
            stdout: false,
            force: true,
            remove_input: false,
            progress,
            quiet: false,
        }
    }
}

impl From<&OutputArgs> for Output {
    fn from(args: &OutputArgs) -> Self {
        Self {
            path: args.output.clone(),
            stdout: args.stdout,
            force: args.force,
            remove_input: args.rm,
            progress: !args.no_progress,
            quiet: args.quiet,
        }
    }
}

/// Removes the input after success when the output asks for it (never stdin).
fn remove_input_if_asked(source: &Source, out: &Output) -> anyhow::Result<()> {
    if let (true, Source::File(path)) = (out.remove_input, source) {
        std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    Ok(())
}

/// How to compress: the model and the container's settings.
#[derive(Debug, Clone)]
pub struct Compression {
    /// The integer model (`.boam`); `None`: the bundled model.
    pub model: Option<PathBuf>,
    /// Store the model in the file.
    pub embed_model: bool,
    /// Chunk length in bytes.
    pub chunk_len: u32,
    /// Where the engine runs (the bytes are the same on every backend).
    pub backend: BackendChoice,
    /// Mix the model's tables with adaptive context models (`--mixing`).
    pub mixing: bool,
}

pub fn compress(args: &CompressArgs) -> anyhow::Result<ExitCode> {
    let compression = Compression {
        model: args.model.clone(),
        embed_model: args.embed_model,
        chunk_len: args.chunk_len,
        backend: args.engine.backend,
        mixing: args.mixing,
    };
    compress_file(&args.input, &compression, &Output::from(&args.out))?;
    Ok(ExitCode::SUCCESS)
}

/// Compresses `input` (`-`: stdin) as `compression` says into `out`; prints a summary
/// line unless `out.quiet`.
pub fn compress_file(
    input: &Path,
    compression: &Compression,
    out: &Output,
) -> anyhow::Result<CompressSummary> {
    let source = Source::parse(input);
    let sink = io::compressed_sink(&source, out.path.as_deref(), out.stdout);
    if let Source::File(path) = &source
        && path.extension().is_some_and(|ext| ext == io::SUFFIX)
        && out.path.is_none()
        && !out.stdout
    {
        bail!(
            "{} already ends in .{} (give an output name with -o to compress it anyway)",
            path.display(),
            io::SUFFIX
        );
    }
    io::check_output(&source, &sink, out.force)?;
    io::refuse_binary_to_terminal(&sink, out.force)?;
    let (engine, model_bytes) = load_engine_or_default(compression.model.as_deref())?;
    let backend = Backend::open(engine, compression.backend, out.quiet)?;
    let input = source.open()?;
    let options = CompressOptions {
        chunk_len: compression.chunk_len,
        embedded_model: compression.embed_model.then_some(model_bytes.as_slice()),
        mixing: compression.mixing,
        ..CompressOptions::default()
    };
    let bar = bytes_bar(source.len(), out.progress, "compressing");
    let started = Instant::now();
    let mut summary = None;
    io::write_sink(&sink, out.force, |writer| {
        let done = with_predictor!(&backend, |predictor| boa_core::container::compress(
            predictor,
            BufReader::new(input),
            writer,
            &options,
            &mut |n| bar.set_position(n),
        ))
        .with_context(|| format!("cannot compress {}", source.display()))?;
        summary = Some(done);
        Ok(())
    })?;
    bar.finish_and_clear();
    let summary = summary.context("the compressor wrote no summary")?;
    remove_input_if_asked(&source, out)?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.quiet {
        let s = &summary;
        eprintln!(
            "{} → {}: {} → {} bytes (ratio {:.3}), {} chunk(s){}, {:.2} s, {}{}",
            source.display(),
            sink.display(),
            s.original_len,
            s.compressed_len,
            s.original_len as f64 / s.compressed_len.max(1) as f64,
            s.chunk_count,
            stored_note(s.stored_chunks),
            seconds,
            rate(s.original_len, seconds),
            on_gpu_note(&backend)
        );
    }
    Ok(summary)
}

/// ` (N stored: …)` when some chunks were stored as they are, else nothing.
fn stored_note(stored: u32) -> String {
    if stored == 0 {
        String::new()
    } else {
        format!(
            " ({stored} stored as they are: the model does not predict them better than 8 bits per byte)"
        )
    }
}

/// ` on GPU (adapter)` for summaries, nothing on the CPU.
fn on_gpu_note(backend: &Backend) -> String {
    match backend {
        Backend::Cpu(_) => String::new(),
        #[cfg(feature = "gpu")]
        Backend::Gpu(..) => format!(" on {}{}", backend.describe(), backend.fallback_note()),
    }
}

/// Lanes per decoding step on this process's threads ([`container::auto_lanes`]).
pub fn auto_lanes(chunks: u64) -> usize {
    container::auto_lanes(chunks, container::threads())
}

/// The engine that decodes a file: `-m`, else the embedded model, else the bundled
/// default when the file was made with it.
fn decoding_engine(
    model: Option<&Path>,
    decoder: &StreamDecoder<impl Read>,
    source: &Source,
) -> anyhow::Result<Engine> {
    if let Some(path) = model {
        return Ok(load_engine(path)?.0);
    }
    if let Some(bytes) = decoder.embedded_model() {
        return Engine::from_bytes(bytes).context("the embedded model is unusable");
    }
    let wanted = decoder.header().fingerprint;
    if wanted == bundled::default_fingerprint() {
        return bundled::default_engine();
    }
    bail!(
        "{} was made with model {wanted}, which it does not embed and which is not the \
         bundled default: give it with -m MODEL.boam",
        source.display()
    )
}

/// The original length and chunk count of a `.boa` file, read from its footer (for the
/// progress bar and the lanes); `None` for pipes.
fn boa_file_sizes(source: &Source) -> Option<(u64, u64)> {
    let Source::File(path) = source else {
        return None;
    };
    let file = BoaFile::open(BufReader::new(File::open(path).ok()?)).ok()?;
    Some((file.original_len(), u64::from(file.footer().chunk_count)))
}

pub fn decompress(args: &DecompressArgs) -> anyhow::Result<ExitCode> {
    decompress_file(
        &args.input,
        args.model.as_deref(),
        args.lanes,
        args.engine.backend,
        &Output::from(&args.out),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Decompresses `input` (`-`: stdin) into `out` with `model`, else the embedded or the
/// bundled model, `lanes` chunks per step (0: automatic); returns the bytes restored and
/// prints a summary line unless `out.quiet`.
pub fn decompress_file(
    input: &Path,
    model: Option<&Path>,
    lanes: usize,
    backend: BackendChoice,
    out: &Output,
) -> anyhow::Result<u64> {
    let source = Source::parse(input);
    let sink = io::decompressed_sink(&source, out.path.as_deref(), out.stdout)?;
    io::check_output(&source, &sink, out.force)?;
    let context = || format!("cannot decompress {}", source.display());
    let sizes = boa_file_sizes(&source);
    let decoder = StreamDecoder::new(BufReader::new(source.open()?)).with_context(context)?;
    let engine = decoding_engine(model, &decoder, &source)?;
    let backend = Backend::open(engine, backend, out.quiet)?;
    let lanes = match (lanes, sizes) {
        (0, Some((_, chunks))) => backend.auto_lanes(chunks),
        (0, None) => backend.auto_lanes(u64::MAX),
        (lanes, _) => lanes,
    };
    let options = DecompressOptions {
        lanes,
        batch_chunks: 0,
    };
    let bar = bytes_bar(sizes.map(|s| s.0), out.progress, "decompressing");
    let started = Instant::now();
    let mut total = 0;
    io::write_sink(&sink, out.force, |writer| {
        total = with_predictor!(&backend, |predictor| decoder.decode_into(
            predictor,
            writer,
            &options,
            &mut |n| bar.set_position(n)
        ))
        .with_context(context)?
        .original_len;
        Ok(())
    })?;
    bar.finish_and_clear();
    remove_input_if_asked(&source, out)?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.quiet {
        eprintln!(
            "{} → {}: {} bytes, checksums verified, {:.2} s, {}{}",
            source.display(),
            sink.display(),
            total,
            seconds,
            rate(total, seconds),
            on_gpu_note(&backend)
        );
    }
    Ok(total)
}

pub fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let (engine, _) = load_engine_or_default(args.model.as_deref())?;
    let backend = Backend::open(engine, args.engine.backend, args.json)?;
    let data = std::fs::read(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let options = CompressOptions {
        chunk_len: args.chunk_len,
        mixing: args.mixing,
        ..CompressOptions::default()
    };
    let started = Instant::now();
    let packed = with_predictor!(&backend, |p| compress_to_vec(p, &data, &options))?;
    let compress_seconds = started.elapsed().as_secs_f64();
    let chunks = data.len().div_ceil(args.chunk_len.max(1) as usize) as u64;
    let started = Instant::now();
    let decode = DecompressOptions {
        lanes: backend.auto_lanes(chunks),
        batch_chunks: 0,
    };
    let unpacked = with_predictor!(&backend, |p| decompress_to_vec(p, &packed, &decode))?;
    let decompress_seconds = started.elapsed().as_secs_f64();
    let identical = unpacked == data;
    if args.json {
        let out = json!({
            "bytes": data.len(),
            "compressed_bytes": packed.len(),
            "ratio": data.len() as f64 / packed.len().max(1) as f64,
            "identical": identical,
            "backend": backend.describe(),
            "compress_seconds": compress_seconds,
            "decompress_seconds": decompress_seconds,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "{}: {} → {} bytes (ratio {:.3}); compress {:.2} s ({}), decompress {:.2} s ({}); {}",
            args.input.display(),
            data.len(),
            packed.len(),
            data.len() as f64 / packed.len().max(1) as f64,
            compress_seconds,
            rate(data.len() as u64, compress_seconds),
            decompress_seconds,
            rate(data.len() as u64, decompress_seconds),
            if identical {
                "round trip identical"
            } else {
                "ROUND TRIP DIFFERS"
            }
        );
    }
    Ok(if identical {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
