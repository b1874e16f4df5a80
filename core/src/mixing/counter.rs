//! Adaptive bit probabilities: one `u32` per context and tree node.
//!
//! A counter packs `p` (the probability that the next bit is 1, 22 bits, units of 2^-22)
//! above `n` (how many updates it has seen, 10 bits, saturating at a limit). An update
//! moves `p` towards the bit by `1 / (n + 1.5)`: fast while a context is new, steadier
//! as it fills, never slower than `1 / (limit + 1.5)` so that it keeps following drift.

/// A fresh counter: `p = 1/2`, `n = 0`.
pub const FRESH: u32 = 1 << 31;

/// `⌊32768 / (n + 1.5)⌋` for `n = 0..1024`, built without floats: `65536 / (2n + 3)`.
fn reciprocal(n: u32) -> i32 {
    (65536 / (2 * n + 3)) as i32
}

/// The probability of a 1 in units of 2^-12 (`0..=4095`).
#[inline(always)]
#[must_use]
pub fn p12(counter: u32) -> i32 {
    (counter >> 20) as i32
}

/// `counter` after seeing `bit`, with the count saturating at `limit` (`≤ 1023`).
///
/// All intermediate values fit in an `i32`: `|Δp| < 2^22`, `Δp >> 6` is below 2^16 and
/// the reciprocal below 2^15.
#[must_use]
pub fn update(counter: u32, bit: bool, limit: u32) -> u32 {
    let n = counter & 1023;
    let p = (counter >> 10) as i32;
    let target = if bit { (1 << 22) - 1 } else { 0 };
    let step = (((target - p) >> 6) * reciprocal(n)) >> 9;
    let p = (p + step).clamp(0, (1 << 22) - 1) as u32;
    (p << 10) | (n + 1).min(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_learn_and_keep_adapting() {
        let mut c = FRESH;
        assert_eq!(p12(c), 2048);
        for _ in 0..200 {
            c = update(c, true, 60);
        }
        assert!(p12(c) > 4000, "{}", p12(c));
        assert_eq!(c & 1023, 60);
        for _ in 0..40 {
            c = update(c, false, 60);
        }
        assert!(p12(c) < 2300, "drifting: {}", p12(c));
        for _ in 0..160 {
            c = update(c, false, 60);
        }
        assert!(p12(c) < 200, "drift followed: {}", p12(c));
    }

    #[test]
    fn first_update_moves_two_thirds_of_the_way() {
        let up = update(FRESH, true, 1023);
        let p = (up >> 10) as f64 / f64::from(1 << 22);
        assert!((p - (0.5 + 0.5 / 1.5)).abs() < 1e-3, "{p}");
    }
}
