//! [`RangeDecoder`]: bytes in, symbols out.

use super::{
    CoderError, FREQ_TOTAL, FrequencyTable, Interval, RANGE_BOTTOM, check_stream_end, scale,
};

/// Range decoder over a byte slice; reads zeros past its end and never beyond it.
///
/// State: `value` is the coded number minus the encoder's `low`, and `range` the
/// encoder's `range`, so `value < range` at all times. That holds after
/// [`RangeDecoder::new`] (which rejects `FF FF FF FF`) and is kept by every step, whatever
/// the input bytes, so decoding garbage yields garbage symbols (caught by the container's
/// checksums) but never a panic or a loop: each symbol costs O(1) work.
#[derive(Debug, Clone)]
pub struct RangeDecoder<'a> {
    input: &'a [u8],
    /// Bytes consumed, real or virtual zeros; may exceed `input.len()`.
    position: usize,
    range: u32,
    value: u32,
}

impl<'a> RangeDecoder<'a> {
    /// Starts decoding `input`, a stream written by [`super::RangeEncoder`].
    ///
    /// # Errors
    /// [`CoderError::InvalidStart`] when the stream begins with `FF FF FF FF`.
    pub fn new(input: &'a [u8]) -> Result<Self, CoderError> {
        let mut decoder = Self {
            input,
            position: 0,
            range: u32::MAX,
            value: 0,
        };
        for _ in 0..4 {
            decoder.value = (decoder.value << 8) | u32::from(decoder.next_byte());
        }
        if decoder.value == u32::MAX {
            return Err(CoderError::InvalidStart);
        }
        Ok(decoder)
    }

    /// Decodes the next symbol, which was encoded with `table`.
    #[inline]
    pub fn decode(&mut self, table: &FrequencyTable) -> u8 {
        let symbol = self.find_symbol(table);
        self.narrow(table.interval(symbol));
        symbol
    }

    /// Decodes a binary decision encoded as [`Interval::of_bit`]`(p1, bit)`
    /// (`1 ≤ p1 < 2^16`): the same state changes as [`RangeDecoder::decode`] on a
    /// two-symbol table.
    #[inline]
    pub fn decode_bit(&mut self, p1: u32) -> bool {
        let bit = self.value >= scale(self.range, FREQ_TOTAL - p1);
        self.narrow(Interval::of_bit(p1, bit));
        bit
    }

    /// Takes the decoded symbol's `interval` out of `value` and `range`, then refills.
    #[inline]
    fn narrow(&mut self, interval: Interval) {
        let lo = scale(self.range, interval.start);
        let hi = scale(self.range, interval.start + interval.size);
        self.value -= lo;
        self.range = hi - lo;
        while self.range < RANGE_BOTTOM {
            self.value = (self.value << 8) | u32::from(self.next_byte());
            self.range <<= 8;
        }
    }

    /// Checks that the whole input was read: a well-formed stream ends exactly where the
    /// decoder stops needing bytes (its trailing zeros dropped).
    ///
    /// # Errors
    /// [`CoderError::TrailingBytes`] when bytes remain unread.
    pub fn finish(self) -> Result<(), CoderError> {
        check_stream_end(self.input.len(), self.position)
    }

    /// Bytes consumed so far, the zeros read past the input's end included.
    #[must_use]
    pub fn bytes_read(&self) -> usize {
        self.position
    }

    /// The decoder's state `(range, value)`, with `value < range`: what another
    /// implementation of the decoder (`shaders/coder.wgsl`) continues from.
    #[must_use]
    pub fn state(&self) -> (u32, u32) {
        (self.range, self.value)
    }

    /// The symbol `s` with `scale(c[s]) ≤ value < scale(c[s+1])`: a branch-free binary
    /// search, 8 steps of `scale` and compare.
    #[inline]
    fn find_symbol(&self, table: &FrequencyTable) -> u8 {
        let cumulative = table.cumulative_table();
        let mut symbol = 0usize;
        for step in [128, 64, 32, 16, 8, 4, 2, 1] {
            let probe = symbol + step;
            symbol = if scale(self.range, cumulative[probe]) <= self.value {
                probe
            } else {
                symbol
            };
        }
        symbol as u8
    }

    #[inline]
    fn next_byte(&mut self) -> u8 {
        let byte = self.input.get(self.position).copied().unwrap_or(0);
        self.position += 1;
        byte
    }
}
