//! The body of a version-3 `.boam` file: the version-2 body (every field after the
//! 12-byte preamble, without its CRC) coded bit by bit with boa's own range coder, each
//! bit's probability from context mixing ([`crate::mixing`], [`MixState::code_bits`])
//! with a uniform network table: the counters and the match model learn the varints and
//! `i8` weights as they go, so an embedded model costs little more than its information
//! (`docs/model-format.md`, "Version 3").
//!
//! Invariants: integer-only, so every platform packs and unpacks the same bytes; the
//! unpacked length is bounded by [`MAX_EXPANSION`] times the packed length, so a hostile
//! file can make a reader do no more than that much work.

use crate::coder::{CoderError, FrequencyTable, Interval, RangeDecoder, RangeEncoder};
use crate::mixing::logistic::StretchTable;
use crate::mixing::state::MixState;

/// A packed body unpacks to at most `MAX_EXPANSION · packed + MAX_EXPANSION_SLACK` bytes:
/// models pack 1.3–3×; a writer whose body would pack tighter writes version 2 instead.
pub const MAX_EXPANSION: usize = 16;
/// Bytes allowed beyond `MAX_EXPANSION` times the packed length (tiny bodies).
pub const MAX_EXPANSION_SLACK: usize = 4096;

/// Whether a body of `unpacked` bytes may be stored as `packed` bytes.
#[must_use]
pub fn within_expansion(unpacked: usize, packed: usize) -> bool {
    unpacked
        <= packed
            .saturating_mul(MAX_EXPANSION)
            .saturating_add(MAX_EXPANSION_SLACK)
}

/// `body` as a range-coded stream.
#[must_use]
pub fn pack(body: &[u8]) -> Vec<u8> {
    let (stretch, uniform) = (StretchTable::new(), FrequencyTable::uniform());
    let mut state = MixState::new();
    let mut encoder = RangeEncoder::with_capacity(body.len() / 2);
    for &byte in body {
        let mut bits = (0..8).rev().map(|k| (byte >> k) & 1 == 1);
        state.code_bits(&uniform, &stretch, |p| {
            let bit = bits.next().unwrap_or_default();
            encoder.encode_interval(Interval::of_bit(bit_probability(p), bit));
            bit
        });
    }
    encoder.finish()
}

/// The `len` bytes that [`pack`] coded as `stream`.
///
/// # Errors
/// [`CoderError`] for a stream that does not start as one, or has bytes left over.
pub fn unpack(stream: &[u8], len: usize) -> Result<Vec<u8>, CoderError> {
    let (stretch, uniform) = (StretchTable::new(), FrequencyTable::uniform());
    let mut state = MixState::new();
    let mut decoder = RangeDecoder::new(stream)?;
    let mut body = Vec::with_capacity(len);
    for _ in 0..len {
        let byte = state.code_bits(&uniform, &stretch, |p| {
            decoder.decode_bit(bit_probability(p))
        });
        body.push(byte);
    }
    decoder.finish()?;
    Ok(body)
}

/// A mixed probability (2^-12 units, `1..=4095`) in the coder's 2^-16 units.
fn bit_probability(p: i32) -> u32 {
    (p.clamp(1, 4095) as u32) << 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip_and_repetitive_ones_shrink() {
        let varied: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        for body in [Vec::new(), vec![9], varied.clone()] {
            let packed = pack(&body);
            assert_eq!(unpack(&packed, body.len()).expect("unpacks"), body);
        }
        assert!(pack(&varied).len() < varied.len() / 4);
    }

    #[test]
    fn damage_and_leftovers_are_errors_or_other_bytes() {
        let body: Vec<u8> = (0..3000u32).map(|i| (i * i % 97) as u8).collect();
        let mut packed = pack(&body);
        // The decoder reads up to 4 bytes ahead: more than that left over is an error.
        packed.extend_from_slice(&[1; 8]);
        assert!(unpack(&packed, body.len()).is_err());
        packed.truncate(packed.len() - 8);
        let middle = packed.len() / 2;
        packed[middle] ^= 0x10;
        assert!(unpack(&packed, body.len()).map_or(true, |b| b != body));
    }

    #[test]
    fn the_expansion_bound_holds_at_its_edge() {
        assert!(within_expansion(16 * 10 + 4096, 10));
        assert!(!within_expansion(16 * 10 + 4097, 10));
        assert!(within_expansion(usize::MAX, usize::MAX));
    }
}
