//! [`FrequencyTable`]: a validated 256-symbol table with total 2^16.

use super::{CoderError, FREQ_TOTAL, SYMBOLS};

/// Cumulative frequencies of the 256 byte values.
///
/// Invariants, checked when the table is built: `cumulative[0] = 0`,
/// `cumulative[256] = 2^16`, and `cumulative[s + 1] − cumulative[s] = f(s) ≥ 1` for every
/// symbol `s`. A table can only be built through [`FrequencyTable::from_frequencies`],
/// [`FrequencyTable::from_counts`] or [`FrequencyTable::uniform`], so every table the coder
/// sees satisfies them.
#[derive(Clone, PartialEq, Eq)]
pub struct FrequencyTable {
    cumulative: [u32; SYMBOLS + 1],
}

impl FrequencyTable {
    /// Every symbol at frequency 256 (8 bits each).
    #[must_use]
    pub fn uniform() -> Self {
        let mut cumulative = [0u32; SYMBOLS + 1];
        for (s, c) in cumulative.iter_mut().enumerate() {
            *c = (s as u32) << 8;
        }
        Self { cumulative }
    }

    /// Builds a table from frequencies that are all ≥ 1 and sum to exactly 2^16.
    ///
    /// # Errors
    /// [`CoderError::ZeroFrequency`] or [`CoderError::WrongTotal`] when the frequencies
    /// break the invariants.
    pub fn from_frequencies(freqs: &[u32; SYMBOLS]) -> Result<Self, CoderError> {
        let total: u64 = freqs.iter().map(|&f| u64::from(f)).sum();
        if total != u64::from(FREQ_TOTAL) {
            return Err(CoderError::WrongTotal {
                got: total,
                expected: FREQ_TOTAL,
            });
        }
        if let Some(symbol) = freqs.iter().position(|&f| f == 0) {
            return Err(CoderError::ZeroFrequency {
                symbol: symbol as u8,
            });
        }
        let mut cumulative = [0u32; SYMBOLS + 1];
        for (s, &f) in freqs.iter().enumerate() {
            cumulative[s + 1] = cumulative[s] + f;
        }
        Ok(Self { cumulative })
    }

    /// Scales arbitrary non-negative counts to a valid table, deterministically, by
    /// [`spread_weights`] with the remainder to the first symbol of largest count.
    /// All-zero counts give the uniform table. This is a convenience for simple adaptive
    /// models (tests, benchmarks); the integer engine feeds the same rule the weights of
    /// its integer softmax.
    #[must_use]
    pub fn from_counts(counts: &[u32; SYMBOLS]) -> Self {
        let mut most = 0;
        for s in 1..SYMBOLS {
            if counts[s] > counts[most] {
                most = s;
            }
        }
        Self::from_valid(&spread_weights(counts, most))
    }

    /// The table [`spread_weights`] gives `weights`, the remainder going to `largest`.
    #[must_use]
    pub fn from_weights(weights: &[u32; SYMBOLS], largest: u8) -> Self {
        Self::from_valid(&spread_weights(weights, usize::from(largest)))
    }

    /// A table from frequencies known to satisfy the invariants.
    fn from_valid(freqs: &[u32; SYMBOLS]) -> Self {
        let mut cumulative = [0u32; SYMBOLS + 1];
        for (s, &f) in freqs.iter().enumerate() {
            cumulative[s + 1] = cumulative[s] + f;
        }
        debug_assert_eq!(cumulative[SYMBOLS], FREQ_TOTAL);
        Self { cumulative }
    }

    /// Frequency of `symbol`, in units of 2^-16.
    #[inline]
    #[must_use]
    pub fn frequency(&self, symbol: u8) -> u32 {
        let s = usize::from(symbol);
        self.cumulative[s + 1] - self.cumulative[s]
    }

    /// Sum of the frequencies of all symbols below `symbol`.
    #[inline]
    #[must_use]
    pub fn cumulative(&self, symbol: u8) -> u32 {
        self.cumulative[usize::from(symbol)]
    }

    /// The interval `symbol` is coded with.
    #[inline]
    #[must_use]
    pub fn interval(&self, symbol: u8) -> Interval {
        Interval {
            start: self.cumulative(symbol),
            size: self.frequency(symbol),
        }
    }

    /// The 257 cumulative frequencies, `0 = c[0] < c[1] < … < c[256] = 2^16`.
    #[inline]
    #[must_use]
    pub fn cumulative_table(&self) -> &[u32; SYMBOLS + 1] {
        &self.cumulative
    }

    /// The ideal code length of `symbol` under this table, `−log2(f / 2^16)` bits.
    ///
    /// Float, for reports only: nothing that decides a coded byte uses it.
    #[must_use]
    pub fn cost_bits(&self, symbol: u8) -> f64 {
        self.interval(symbol).cost_bits()
    }
}

/// Frequencies left to share after the floor of 1 per symbol: `2^16 − 256`.
pub const SPREAD: u32 = FREQ_TOTAL - SYMBOLS as u32;

/// The one rule that turns weights into frequencies (`docs/engine.md`, "Frequency
/// table"): `f_s = 1 + floor(w_s · SPREAD / Σw)`, and what the floors leave (< 256)
/// goes to symbol `largest`. All-zero weights give the uniform table (256 each).
///
/// Invariants: every `f_s ≥ 1`, `Σf = 2^16`. Computed in u64 here; the integer engine's
/// weights are ≤ 2^16 with `Σw ≤ 2^24`, so each product is below 2^32 and a WGSL
/// engine can compute the same numbers in u32.
#[must_use]
pub fn spread_weights(weights: &[u32; SYMBOLS], largest: usize) -> [u32; SYMBOLS] {
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if total == 0 {
        return [FREQ_TOTAL / SYMBOLS as u32; SYMBOLS];
    }
    let mut freqs = [0u32; SYMBOLS];
    for (f, &w) in freqs.iter_mut().zip(weights) {
        // w · SPREAD / total ≤ SPREAD < 2^16, so it fits.
        *f = 1 + (u64::from(w) * u64::from(SPREAD) / total) as u32;
    }
    let assigned: u32 = freqs.iter().sum();
    freqs[largest % SYMBOLS] += FREQ_TOTAL - assigned;
    freqs
}

impl std::fmt::Debug for FrequencyTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let freqs: Vec<u32> = (0..=255u8).map(|s| self.frequency(s)).collect();
        f.debug_struct("FrequencyTable")
            .field("frequencies", &freqs)
            .finish()
    }
}

/// A symbol's share of probability one: `[start, start + size)` in units of 2^-16, with
/// `size ≥ 1` and `start + size ≤ 2^16`. What the range encoder needs of a table (a GPU
/// sends these, not whole tables, for encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    /// Sum of the frequencies of the symbols below this one.
    pub start: u32,
    /// The symbol's frequency.
    pub size: u32,
}

impl Interval {
    /// The interval of `bit` under a binary decision whose 1 has probability
    /// `p1 / 2^16` (`1 ≤ p1 < 2^16`): 0 takes `[0, 2^16 − p1)`, 1 takes `[2^16 − p1, 2^16)`.
    #[must_use]
    pub fn of_bit(p1: u32, bit: bool) -> Self {
        debug_assert!((1..FREQ_TOTAL).contains(&p1));
        let zero = FREQ_TOTAL - p1;
        if bit {
            Self {
                start: zero,
                size: p1,
            }
        } else {
            Self {
                start: 0,
                size: zero,
            }
        }
    }

    /// The ideal code length of a symbol with this interval, `−log2(size / 2^16)` bits.
    ///
    /// Float, for reports only: nothing that decides a coded byte uses it.
    #[must_use]
    pub fn cost_bits(&self) -> f64 {
        16.0 - f64::from(self.size).log2()
    }

    /// The interval packed as `start | size << 16` (as `shaders/coder.wgsl` writes it) if
    /// it is a valid one: `size ≥ 1`, `start + size ≤ 2^16`.
    #[must_use]
    pub fn from_packed(packed: u32) -> Option<Self> {
        let interval = Self {
            start: packed & 0xFFFF,
            size: packed >> 16,
        };
        (interval.size >= 1 && interval.start + interval.size <= FREQ_TOTAL).then_some(interval)
    }
}
