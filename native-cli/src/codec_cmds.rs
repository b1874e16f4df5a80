//! `boa compress`, `boa decompress`, `boa verify`: the integer engine through the `.boa`
//! container.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use boa_core::container::{
    BoaFile, CompressOptions, DecompressOptions, StreamDecoder, compress_to_vec, decompress_to_vec,
};
use boa_core::engine::Engine;
use serde_json::json;

use crate::cli::{CompressArgs, DecompressArgs, VerifyArgs};
use crate::progress::bytes_bar;

/// Reads and loads a `.boam` model; returns the engine and the file's bytes.
pub fn load_engine(path: &Path) -> anyhow::Result<(Engine, Vec<u8>)> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read model {}", path.display()))?;
    let engine = Engine::from_bytes(&bytes)
        .with_context(|| format!("cannot load model {}", path.display()))?;
    Ok((engine, bytes))
}

/// Writes through a temporary file next to `path`, renamed into place only when `write`
/// succeeds: a failure never leaves a partial output. Refuses to replace a file unless
/// `force`.
pub fn write_atomically(
    path: &Path,
    force: bool,
    write: impl FnOnce(&mut BufWriter<File>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if path.exists() && !force {
        bail!(
            "{} already exists (use --force to replace it)",
            path.display()
        );
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temp = tempfile::NamedTempFile::new_in(&parent)
        .with_context(|| format!("cannot create a file in {}", parent.display()))?;
    let mut writer = BufWriter::new(temp.reopen()?);
    write(&mut writer)?;
    writer
        .flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    drop(writer);
    readable_by_all(temp.path())?;
    let persisted = if force {
        temp.persist(path)
    } else {
        temp.persist_noclobber(path)
    };
    persisted.with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Temporary files are private (0600); outputs get the usual 0644.
#[cfg(unix)]
fn readable_by_all(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))?;
    Ok(())
}

#[cfg(not(unix))]
fn readable_by_all(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

fn rate(bytes: u64, seconds: f64) -> String {
    format!("{:.1} KB/s", bytes as f64 / 1000.0 / seconds.max(1e-9))
}

pub fn compress(args: &CompressArgs) -> anyhow::Result<ExitCode> {
    let (engine, model_bytes) = load_engine(&args.model)?;
    let input =
        File::open(&args.input).with_context(|| format!("cannot read {}", args.input.display()))?;
    let total = input.metadata().map(|m| m.len()).unwrap_or(0);
    let options = CompressOptions {
        chunk_len: args.chunk_len,
        batch_chunks: 0,
        embedded_model: args.embed_model.then_some(model_bytes.as_slice()),
    };
    let bar = bytes_bar(total, !args.no_progress, "compressing");
    let started = Instant::now();
    let mut summary = None;
    write_atomically(&args.output, args.force, |out| {
        let done = boa_core::container::compress(
            &engine,
            BufReader::new(input),
            out,
            &options,
            &mut |n| {
                bar.set_position(n);
            },
        )?;
        summary = Some(done);
        Ok(())
    })?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(s) = summary {
        eprintln!(
            "{} → {}: {} → {} bytes (ratio {:.3}), {} chunk(s), {:.2} s, {}",
            args.input.display(),
            args.output.display(),
            s.original_len,
            s.compressed_len,
            s.original_len as f64 / s.compressed_len.max(1) as f64,
            s.chunk_count,
            seconds,
            rate(s.original_len, seconds)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Lanes per decoding step: the file's chunks spread over the threads, 1 ..= 16.
pub fn auto_lanes(chunks: u64) -> usize {
    let threads = rayon::current_num_threads() as u64;
    chunks.div_ceil(threads.max(1)).clamp(1, 16) as usize
}

pub fn decompress(args: &DecompressArgs) -> anyhow::Result<ExitCode> {
    let open =
        || File::open(&args.input).with_context(|| format!("cannot read {}", args.input.display()));
    let context = || format!("cannot decompress {}", args.input.display());
    let mut file = BoaFile::open(BufReader::new(open()?)).with_context(context)?;
    let embedded = if args.model.is_none() {
        file.embedded_model().with_context(context)?
    } else {
        None
    };
    let engine = match (&args.model, embedded) {
        (Some(path), _) => load_engine(path)?.0,
        (None, Some(bytes)) => {
            Engine::from_bytes(&bytes).context("the embedded model is unusable")?
        }
        (None, None) => bail!(
            "{} does not embed its model: give the model with --model MODEL.boam",
            args.input.display()
        ),
    };
    let lanes = if args.lanes == 0 {
        auto_lanes(u64::from(file.footer().chunk_count))
    } else {
        args.lanes
    };
    let total = file.original_len();
    drop(file);
    let options = DecompressOptions {
        lanes,
        batch_chunks: 0,
    };
    let bar = bytes_bar(total, !args.no_progress, "decompressing");
    let started = Instant::now();
    write_atomically(&args.output, args.force, |out| {
        StreamDecoder::new(BufReader::new(open()?))?
            .decode_into(&engine, out, &options, &mut |n| bar.set_position(n))
            .with_context(|| format!("cannot decompress {}", args.input.display()))?;
        Ok(())
    })?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{} → {}: {} bytes, checksums verified, {:.2} s, {}",
        args.input.display(),
        args.output.display(),
        total,
        seconds,
        rate(total, seconds)
    );
    Ok(ExitCode::SUCCESS)
}

pub fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let (engine, _) = load_engine(&args.model)?;
    let data = std::fs::read(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let options = CompressOptions {
        chunk_len: args.chunk_len,
        ..CompressOptions::default()
    };
    let started = Instant::now();
    let packed = compress_to_vec(&engine, &data, &options)?;
    let compress_seconds = started.elapsed().as_secs_f64();
    let chunks = data.len().div_ceil(args.chunk_len.max(1) as usize) as u64;
    let started = Instant::now();
    let unpacked = decompress_to_vec(
        &engine,
        &packed,
        &DecompressOptions {
            lanes: auto_lanes(chunks),
            batch_chunks: 0,
        },
    )?;
    let decompress_seconds = started.elapsed().as_secs_f64();
    let identical = unpacked == data;
    if args.json {
        let out = json!({
            "bytes": data.len(),
            "compressed_bytes": packed.len(),
            "ratio": data.len() as f64 / packed.len().max(1) as f64,
            "identical": identical,
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
