//! Range coder over 256-symbol frequency tables with total exactly 2^16.
//!
//! This module is the entropy-coding layer of boa. It knows nothing of models or files:
//! [`RangeEncoder`] turns `(table, symbol)` pairs into bytes, [`RangeDecoder`] turns the
//! bytes back into symbols given the same tables. The container ([`crate::container`])
//! frames the streams; predictors ([`crate::predictor`]) supply the tables.
//!
//! # Probability one
//!
//! A [`FrequencyTable`] gives every byte value a frequency `f ≥ 1`; the frequencies sum to
//! exactly [`FREQ_TOTAL`] = 2^[`FREQ_TOTAL_LOG2`] = 65,536, so the model's probability of
//! symbol `s` is `f(s) / 2^16`. Sixteen bits is the smallest total that the determinism contract (`docs/architecture.md`) allows
//! (larger totals lose nothing measurable) and the largest for which the coder's interval
//! arithmetic stays within 32-bit operations (see [`scale`]). The floor of 1 caps the cost
//! of any byte at 16 bits.
//!
//! # Arithmetic
//!
//! Only unsigned 32-bit operations that WGSL also has are used: add (with the carry seen
//! as `sum < addend`), subtract, multiply, shifts, compares. No 64-bit integers, no
//! division, no floats. The bitstream is specified in `docs/range-coder.md`.
//!
//! # References
//! - G. N. N. Martin, "Range encoding", 1979.
//! - The carry handling (`cache` + pending `0xFF` bytes) follows Igor Pavlov's LZMA
//!   range coder, with the 33rd bit of `low` kept as a flag.

mod decoder;
mod digest;
mod encoder;
mod frequency;

pub use decoder::RangeDecoder;
pub use digest::TableDigest;
pub use encoder::RangeEncoder;
pub use frequency::{FrequencyTable, Interval, SPREAD, spread_weights};

/// log2 of the frequency total: every table sums to 2^16.
pub const FREQ_TOTAL_LOG2: u32 = 16;
/// The frequency total, "probability one": 65,536.
pub const FREQ_TOTAL: u32 = 1 << FREQ_TOTAL_LOG2;
/// Number of symbols in a table (byte values).
pub const SYMBOLS: usize = 256;
/// The coder keeps `range ≥ RANGE_BOTTOM = 2^24` between symbols; below it, a byte is
/// shifted out (encoder) or in (decoder).
pub const RANGE_BOTTOM: u32 = 1 << 24;

/// Errors of the entropy-coding layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoderError {
    /// A frequency table had a symbol of frequency zero.
    #[error("frequency table gives symbol {symbol} a frequency of 0 (every frequency must be ≥ 1)")]
    ZeroFrequency {
        /// The symbol whose frequency was zero.
        symbol: u8,
    },
    /// A frequency table's frequencies did not sum to 2^16.
    #[error("frequency table sums to {got}, expected {expected}")]
    WrongTotal {
        /// The sum found.
        got: u64,
        /// [`FREQ_TOTAL`].
        expected: u32,
    },
    /// The stream's first four bytes are `FF FF FF FF`, which no encoder emits.
    #[error("range-coded stream starts with FF FF FF FF, which no encoder emits")]
    InvalidStart,
    /// The stream holds bytes after the last one the decoder needed.
    #[error("range-coded stream has {extra} byte(s) after its end")]
    TrailingBytes {
        /// How many bytes were never read.
        extra: usize,
    },
}

/// Checks that a decoder which consumed `read` bytes (real or virtual zeros) read the
/// whole `stream_len`-byte stream: a well-formed stream ends exactly where the decoder
/// stops needing bytes (its trailing zeros dropped).
///
/// # Errors
/// [`CoderError::TrailingBytes`] when bytes remain unread.
pub fn check_stream_end(stream_len: usize, read: usize) -> Result<(), CoderError> {
    match stream_len.checked_sub(read) {
        Some(extra) if extra > 0 => Err(CoderError::TrailingBytes { extra }),
        _ => Ok(()),
    }
}

/// `floor(range · c / 2^16)`, exactly, with 32-bit operations only.
///
/// Splitting `range = hi·2^16 + lo` gives `range·c / 2^16 = hi·c + lo·c / 2^16`, where
/// `hi·c ≤ (2^16−1)·2^16` and `lo·c ≤ (2^16−1)·2^16` both fit in 32 bits for
/// `c ≤ 2^16`, and the sum is at most `range`. `scale(range, 0) = 0` and
/// `scale(range, 2^16) = range`, so the symbol intervals tile `[0, range)` with no gap.
#[inline]
#[must_use]
pub fn scale(range: u32, c: u32) -> u32 {
    debug_assert!(c <= FREQ_TOTAL);
    (range >> 16) * c + (((range & 0xFFFF) * c) >> 16)
}

#[cfg(test)]
mod tests;
