//! `boa info`: what a `.boa` file holds, read from its header, index and footer.

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;

use anyhow::Context;
use boa_core::container::{BoaFile, ChunkKind, ContainerError, FOOTER_LEN};
use serde::Serialize;

use crate::cli::InfoArgs;

/// Everything `boa info` reports.
#[derive(Debug, Serialize)]
struct Report {
    file: String,
    file_bytes: u64,
    format_version: u16,
    /// Whether the chunks were coded with context mixing (header flag bit 1).
    mixing: bool,
    model_fingerprint: String,
    embedded_model_bytes: Option<u64>,
    original_bytes: u64,
    chunk_len: u32,
    chunk_count: u32,
    /// Chunks held as they are because coding would not have made them smaller.
    stored_chunks: u32,
    last_chunk_bytes: u32,
    stream_bytes: StreamStats,
    ratio: f64,
    bits_per_byte: f64,
    framing_bytes: u64,
    checksums: Checksums,
}

#[derive(Debug, Serialize)]
struct StreamStats {
    total: u64,
    min: u32,
    median: u32,
    max: u32,
}

#[derive(Debug, Serialize)]
struct Checksums {
    algorithm: &'static str,
    header: &'static str,
    footer: &'static str,
    index: &'static str,
    records: &'static str,
    chunks_stored: u32,
    chunks_verified: bool,
}

pub fn run(args: &InfoArgs) -> anyhow::Result<ExitCode> {
    let path = &args.file;
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut boa = BoaFile::open(BufReader::new(file))
        .with_context(|| format!("{} is not a valid .boa file", path.display()))?;
    let report = build_report(&path.display().to_string(), &mut boa)
        .with_context(|| format!("{} has a damaged chunk record", path.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn build_report<R: std::io::Read + std::io::Seek>(
    name: &str,
    boa: &mut BoaFile<R>,
) -> Result<Report, ContainerError> {
    // Opening checked header, footer and index CRCs; reading each record's framing
    // checks it against the index.
    let mut stored_chunks = 0u32;
    for chunk in 0..boa.chunks().len() {
        if boa.chunk_kind(chunk)? == ChunkKind::Stored {
            stored_chunks += 1;
        }
    }
    let header = boa.header().clone();
    let footer = boa.footer().clone();
    let mut lens: Vec<u32> = boa.chunks().iter().map(|c| c.stream_len).collect();
    lens.sort_unstable();
    let total: u64 = lens.iter().map(|&l| u64::from(l)).sum();
    let embedded_model_bytes = boa.embedded_model_len();
    let original = footer.original_len;
    Ok(Report {
        file: name.to_string(),
        file_bytes: boa.file_len(),
        format_version: header.version,
        mixing: header.mixing,
        model_fingerprint: header.fingerprint.to_string(),
        embedded_model_bytes,
        original_bytes: original,
        chunk_len: header.chunk_len,
        chunk_count: footer.chunk_count,
        stored_chunks,
        last_chunk_bytes: boa.chunks().last().map_or(0, |c| c.len),
        stream_bytes: StreamStats {
            total,
            min: lens.first().copied().unwrap_or(0),
            median: lens.get(lens.len() / 2).copied().unwrap_or(0),
            max: lens.last().copied().unwrap_or(0),
        },
        ratio: if boa.file_len() == 0 {
            0.0
        } else {
            original as f64 / boa.file_len() as f64
        },
        bits_per_byte: if original == 0 {
            0.0
        } else {
            boa.file_len() as f64 * 8.0 / original as f64
        },
        framing_bytes: boa.file_len() - total - embedded_model_bytes.unwrap_or(0),
        checksums: Checksums {
            algorithm: "CRC-32 (IEEE 802.3)",
            header: "ok",
            footer: "ok",
            index: "ok",
            records: "ok",
            chunks_stored: footer.chunk_count,
            chunks_verified: false,
        },
    })
}

fn print_table(r: &Report) {
    let model = match r.embedded_model_bytes {
        Some(bytes) => format!("{} (embedded, {} bytes)", r.model_fingerprint, group(bytes)),
        None => format!("{} (not embedded)", r.model_fingerprint),
    };
    println!("file          {} ({} bytes)", r.file, group(r.file_bytes));
    let mixing = if r.mixing {
        ", coded with context mixing"
    } else {
        ""
    };
    println!("format        .boa version {}{mixing}", r.format_version);
    println!("model         {model}");
    println!("original      {} bytes", group(r.original_bytes));
    println!(
        "chunks        {} of {} bytes (last one {} bytes)",
        group(r.chunk_count.into()),
        group(r.chunk_len.into()),
        group(r.last_chunk_bytes.into())
    );
    println!(
        "stored        {} of {} chunks held as they are (coding would not have made them smaller)",
        group(r.stored_chunks.into()),
        group(r.chunk_count.into())
    );
    println!(
        "streams       {} bytes; per chunk min {} / median {} / max {}",
        group(r.stream_bytes.total),
        group(r.stream_bytes.min.into()),
        group(r.stream_bytes.median.into()),
        group(r.stream_bytes.max.into())
    );
    println!(
        "framing       {} bytes (header, record framing, index, footer of {FOOTER_LEN})",
        group(r.framing_bytes)
    );
    println!(
        "ratio         {:.3} ({:.4} bits per byte, everything included)",
        r.ratio, r.bits_per_byte
    );
    println!(
        "checksums     {}: header {}, index {}, footer {}, chunk records {}; {} chunk checksums stored, verified when decoded",
        r.checksums.algorithm,
        r.checksums.header,
        r.checksums.index,
        r.checksums.footer,
        r.checksums.records,
        group(r.checksums.chunks_stored.into())
    );
}

/// `1234567` → `1,234,567`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_thousands() {
        assert_eq!(super::group(0), "0");
        assert_eq!(super::group(999), "999");
        assert_eq!(super::group(1000), "1,000");
        assert_eq!(super::group(1_234_567), "1,234,567");
    }
}
