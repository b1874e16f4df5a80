//! General-purpose compressors that boa is compared against.
//!
//! Each [`Baseline`] is one widely used compressor at one fixed, strong setting,
//! run in-process through its Rust crate on exactly the bytes boa sees:
//!
//! - `xz -9e`: LZMA2 preset 9 with the extreme flag, `.xz` container with CRC64
//!   (crate `liblzma`);
//! - `zlib -9`: DEFLATE level 9 in the zlib format, not gzip (crate `flate2`, zlib-rs backend);
//! - `zstd -19`: Zstandard level 19 with content size and checksum in the frame, as the
//!   `zstd` command writes them (crate `zstd`);
//! - `brotli -q 11`: Brotli quality 11 with a 2^22-byte window (pure-Rust crate `brotli`).
//!
//! [`measure`] compresses, decompresses, times both steps and checks the round trip.
//! Decompression never trusts sizes found in the data: output is read through each
//! crate's streaming decoder into a growing `Vec`.

use std::io::Read;
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use flate2::Compression;

/// xz preset: level 9 with the extreme flag (`xz -9e`).
const XZ_PRESET: u32 = 9 | liblzma::stream::PRESET_EXTREME;
/// zlib (DEFLATE) compression level.
const ZLIB_LEVEL: u32 = 9;
/// Zstandard compression level.
const ZSTD_LEVEL: i32 = 19;
/// Brotli quality (0..=11).
const BROTLI_QUALITY: u32 = 11;
/// Brotli window, as log2 of its size in bytes.
const BROTLI_LGWIN: u32 = 22;
/// Size in bytes of the buffers the Brotli readers work through.
const BROTLI_BUFFER_BYTES: usize = 64 * 1024;

/// One general-purpose compressor at a fixed setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// LZMA2 preset 9 extreme in the `.xz` format (`xz -9e`).
    Xz,
    /// DEFLATE level 9 in the zlib format (`zlib -9`).
    Zlib,
    /// Zstandard level 19 (`zstd -19`).
    Zstd,
    /// Brotli quality 11, 2^22-byte window (`brotli -q 11`).
    Brotli,
}

impl Baseline {
    /// Every baseline, in the order reports list them.
    pub const ALL: [Baseline; 4] = [
        Baseline::Xz,
        Baseline::Zlib,
        Baseline::Zstd,
        Baseline::Brotli,
    ];

    /// Short name with the setting, as a command line would spell it.
    pub fn name(self) -> &'static str {
        match self {
            Baseline::Xz => "xz -9e",
            Baseline::Zlib => "zlib -9",
            Baseline::Zstd => "zstd -19",
            Baseline::Brotli => "brotli -q 11",
        }
    }

    /// Compresses `data` (any length, in bytes) into this baseline's format.
    pub fn compress(self, data: &[u8]) -> Result<Vec<u8>> {
        let packed = match self {
            Baseline::Xz => read_all(liblzma::read::XzEncoder::new(data, XZ_PRESET)),
            Baseline::Zlib => read_all(flate2::read::ZlibEncoder::new(
                data,
                Compression::new(ZLIB_LEVEL),
            )),
            Baseline::Zstd => zstd_compress(data),
            Baseline::Brotli => read_all(brotli::CompressorReader::new(
                data,
                BROTLI_BUFFER_BYTES,
                BROTLI_QUALITY,
                BROTLI_LGWIN,
            )),
        };
        packed.with_context(|| format!("{} failed to compress", self.name()))
    }

    /// Decompresses `packed`, which must hold one complete stream made by [`Self::compress`].
    ///
    /// Corrupt or truncated input gives an error, never a panic.
    pub fn decompress(self, packed: &[u8]) -> Result<Vec<u8>> {
        let unpacked = match self {
            Baseline::Xz => read_all(liblzma::read::XzDecoder::new(packed)),
            Baseline::Zlib => read_all(flate2::read::ZlibDecoder::new(packed)),
            Baseline::Zstd => zstd::stream::read::Decoder::new(packed).and_then(read_all),
            Baseline::Brotli => read_all(brotli::Decompressor::new(packed, BROTLI_BUFFER_BYTES)),
        };
        unpacked.with_context(|| format!("{} failed to decompress", self.name()))
    }
}

/// Reads everything a reader yields into a fresh `Vec`.
fn read_all(mut reader: impl Read) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    reader.read_to_end(&mut out)?;
    Ok(out)
}

/// Zstandard at [`ZSTD_LEVEL`], with content size and checksum as the `zstd` tool writes.
fn zstd_compress(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut compressor = zstd::bulk::Compressor::new(ZSTD_LEVEL)?;
    compressor.include_checksum(true)?;
    compressor.include_contentsize(true)?;
    compressor.compress(data)
}

/// What one baseline did to one input.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BaselineResult {
    /// The compressor and its setting ([`Baseline::name`] for the baselines).
    pub name: String,
    /// Input size in bytes.
    pub original_len: u64,
    /// Compressed size in bytes.
    pub compressed_len: u64,
    /// Wall-clock time to compress, in seconds.
    pub compress_seconds: f64,
    /// Wall-clock time to decompress, in seconds.
    pub decompress_seconds: f64,
}

/// Compresses, times, decompresses, times, and checks the round trip (an error if the bytes differ).
pub fn measure(baseline: Baseline, data: &[u8]) -> Result<BaselineResult> {
    time_round_trip(
        baseline.name(),
        data,
        |d| baseline.compress(d),
        |p| baseline.decompress(p),
    )
}

/// Times `compress` then `decompress` on `data` (wall clock) and checks that the round
/// trip gives `data` back; `name` labels the result and the errors.
pub fn time_round_trip(
    name: &str,
    data: &[u8],
    compress: impl FnOnce(&[u8]) -> Result<Vec<u8>>,
    decompress: impl FnOnce(&[u8]) -> Result<Vec<u8>>,
) -> Result<BaselineResult> {
    let started = Instant::now();
    let packed = compress(data)?;
    let compress_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let unpacked = decompress(&packed)?;
    let decompress_seconds = started.elapsed().as_secs_f64();

    ensure!(
        unpacked == data,
        "{name}: round trip changed the data ({} bytes in, {} bytes back)",
        data.len(),
        unpacked.len()
    );
    Ok(BaselineResult {
        name: name.to_string(),
        original_len: data.len() as u64,
        compressed_len: packed.len() as u64,
        compress_seconds,
        decompress_seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A few KB of text-like, repetitive bytes.
    fn structured() -> Vec<u8> {
        (0..200)
            .flat_map(|i| {
                format!("record {i:04}: value={} flag={}\n", i * 37 % 101, i % 3).into_bytes()
            })
            .collect()
    }

    /// Bytes from a fixed xorshift generator, close to incompressible.
    fn noisy(len: usize) -> Vec<u8> {
        let mut rng = boa_core::rng::XorShift64::new(0x9E37_79B9_7F4A_7C15);
        (0..len).map(|_| rng.next_u64() as u8).collect()
    }

    fn assert_round_trip(data: &[u8]) {
        for baseline in Baseline::ALL {
            let packed = baseline.compress(data).unwrap();
            let unpacked = baseline.decompress(&packed).unwrap();
            assert_eq!(unpacked, data, "{}", baseline.name());
        }
    }

    #[test]
    fn round_trip_empty() {
        assert_round_trip(&[]);
    }

    #[test]
    fn round_trip_structured() {
        let data = structured();
        assert!(data.len() > 4000);
        assert_round_trip(&data);
        for baseline in Baseline::ALL {
            let packed = baseline.compress(&data).unwrap();
            assert!(
                packed.len() < data.len() / 2,
                "{} too weak",
                baseline.name()
            );
        }
    }

    #[test]
    fn round_trip_noisy() {
        assert_round_trip(&noisy(5000));
    }

    #[test]
    fn garbage_is_an_error() {
        let garbage = noisy(300);
        for baseline in Baseline::ALL {
            let err = baseline.decompress(&garbage);
            assert!(err.is_err(), "{} accepted garbage", baseline.name());
            let message = format!("{:#}", err.unwrap_err());
            assert!(message.contains(baseline.name()), "{message}");
        }
    }

    #[test]
    fn truncated_is_an_error() {
        let data = structured();
        for baseline in Baseline::ALL {
            let packed = baseline.compress(&data).unwrap();
            for cut in [0, 1, packed.len() / 2, packed.len() - 1] {
                let result = baseline.decompress(&packed[..cut]);
                assert!(
                    result.is_err(),
                    "{} accepted {cut} of {} bytes",
                    baseline.name(),
                    packed.len()
                );
            }
        }
    }

    #[test]
    fn flipped_byte_is_an_error_where_checksummed() {
        // Brotli streams carry no checksum, so a flipped byte may decode to other bytes;
        // `measure` catches that through its round-trip comparison.
        let data = structured();
        for baseline in [Baseline::Xz, Baseline::Zlib, Baseline::Zstd] {
            let mut packed = baseline.compress(&data).unwrap();
            let middle = packed.len() / 2;
            packed[middle] ^= 0x40;
            assert!(baseline.decompress(&packed).is_err(), "{}", baseline.name());
        }
    }

    #[test]
    fn measure_reports_lengths() {
        let data = structured();
        for baseline in Baseline::ALL {
            let result = measure(baseline, &data).unwrap();
            let packed = baseline.compress(&data).unwrap();
            assert_eq!(result.name, baseline.name());
            assert_eq!(result.original_len, data.len() as u64);
            assert_eq!(result.compressed_len, packed.len() as u64);
            assert!(result.compressed_len < result.original_len);
            assert!(result.compress_seconds >= 0.0 && result.decompress_seconds >= 0.0);
        }
    }

    #[test]
    fn names_are_distinct() {
        let names: std::collections::BTreeSet<_> = Baseline::ALL.iter().map(|b| b.name()).collect();
        assert_eq!(names.len(), Baseline::ALL.len());
    }
}
