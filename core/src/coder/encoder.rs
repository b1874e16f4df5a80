//! [`RangeEncoder`]: symbols in, bytes out.

use super::{FREQ_TOTAL, FrequencyTable, Interval, RANGE_BOTTOM, scale};

/// Range encoder with 32-bit `low`/`range` and deferred carry propagation.
///
/// State between symbols: the coded number is `[bytes out] cache [pending × FF] low`,
/// read as one big-endian fraction, and the encoder's interval is `[low, low + range)`
/// in the last 32 bits of it. Invariants:
/// - `range ≥ 2^24` between symbols (so every symbol interval is ≥ 256 wide);
/// - `carry` is the 33rd bit of `low`: it is set at most once between two byte shifts;
/// - `cache + carry ≤ 0xFF`, so a carry never needs to reach bytes already written.
///
/// The first byte LZMA's encoder emits is always 0 (the initial `cache`); boa does not
/// write it. See `docs/range-coder.md` for the bitstream.
#[derive(Debug, Clone)]
pub struct RangeEncoder {
    low: u32,
    range: u32,
    carry: bool,
    cache: u8,
    /// Number of `0xFF` bytes between `cache` and `low`.
    pending: u64,
    /// Whether `cache` holds a real byte (false only before the first shift).
    has_cache: bool,
    out: Vec<u8>,
    /// What the carry tests check really happened.
    #[cfg(test)]
    pub(crate) carry_stats: CarryStats,
}

/// Carries propagated and the longest run of pending `0xFF` bytes (tests only).
#[cfg(test)]
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CarryStats {
    /// Byte shifts that added a carry into `cache` (and the pending bytes).
    pub carries: u64,
    /// Longest run of `0xFF` bytes a carry turned into zeros.
    pub longest_carried_run: u64,
}

impl Default for RangeEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl RangeEncoder {
    /// A fresh encoder: `low = 0`, `range = 2^32 − 1`.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// A fresh encoder whose output buffer holds `bytes` without growing.
    #[must_use]
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            low: 0,
            range: u32::MAX,
            carry: false,
            cache: 0,
            pending: 0,
            has_cache: false,
            out: Vec::with_capacity(bytes),
            #[cfg(test)]
            carry_stats: CarryStats::default(),
        }
    }

    /// Encodes `symbol` with the probability `table` gives it.
    #[inline]
    pub fn encode(&mut self, table: &FrequencyTable, symbol: u8) {
        self.encode_interval(table.interval(symbol));
    }

    /// Encodes a symbol given only its interval under its table (`table.interval(symbol)`):
    /// the same bytes as [`RangeEncoder::encode`].
    #[inline]
    pub fn encode_interval(&mut self, interval: Interval) {
        debug_assert!(interval.size >= 1 && interval.start + interval.size <= FREQ_TOTAL);
        let lo = scale(self.range, interval.start);
        let hi = scale(self.range, interval.start + interval.size);
        self.add_to_low(lo);
        self.range = hi - lo;
        while self.range < RANGE_BOTTOM {
            self.shift_low();
            self.range <<= 8;
        }
    }

    /// Number of bytes written so far (the final stream is a few bytes longer).
    #[must_use]
    pub fn bytes_written(&self) -> usize {
        self.out.len()
    }

    /// Terminates the stream and returns it.
    ///
    /// Picks the number in `[low, low + range)` whose low 24 bits are zero (one exists
    /// because `range ≥ 2^24`), writes its bytes, then drops trailing zero bytes: the
    /// decoder reads zeros past the end of its input, so they carry no information.
    #[must_use]
    pub fn finish(mut self) -> Vec<u8> {
        let mask = RANGE_BOTTOM - 1;
        self.add_to_low(mask);
        self.low &= !mask;
        for _ in 0..5 {
            self.shift_low();
        }
        while self.out.last() == Some(&0) {
            self.out.pop();
        }
        self.out
    }

    #[inline]
    fn add_to_low(&mut self, x: u32) {
        let (sum, overflowed) = self.low.overflowing_add(x);
        debug_assert!(
            !(overflowed && self.carry),
            "two carries in one byte period"
        );
        self.low = sum;
        self.carry |= overflowed;
    }

    /// Moves the top byte of `low` into `cache`, writing out what can no longer change.
    #[inline]
    fn shift_low(&mut self) {
        if self.low < 0xFF00_0000 || self.carry {
            let carry = u8::from(self.carry);
            #[cfg(test)]
            if self.carry {
                self.carry_stats.carries += 1;
                let run = &mut self.carry_stats.longest_carried_run;
                *run = (*run).max(self.pending);
            }
            if self.has_cache {
                debug_assert!(self.cache < 0xFF || carry == 0);
                self.out.push(self.cache.wrapping_add(carry));
            }
            let filler = 0xFFu8.wrapping_add(carry);
            for _ in 0..self.pending {
                self.out.push(filler);
            }
            self.pending = 0;
            self.cache = (self.low >> 24) as u8;
            self.has_cache = true;
        } else {
            self.pending += 1;
        }
        self.low <<= 8;
        self.carry = false;
    }
}
