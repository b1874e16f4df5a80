//! The logistic domain in integers: `squash` and `stretch` on 12-bit probabilities.
//!
//! A probability is `p ∈ [1, 4095]` in units of 2^-12; a *stretched* probability is
//! `x ∈ [−2047, 2047]` in units of 1/256 (`x ≈ 256 · ln(p / (1 − p))`). Both functions
//! are integer-only (`docs/engine.md`, "Context mixing"), so every platform agrees.

/// `round(4096 / (1 + e^(−(k − 16) / 2)))` for `k = 0..=32`: the logistic function at
/// every 128th stretched value, which [`squash`] interpolates linearly.
const SQUASH_POINTS: [i32; 33] = [
    1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546, 2048, 2550, 2994, 3349,
    3608, 3785, 3902, 3976, 4022, 4051, 4069, 4079, 4086, 4090, 4092, 4094, 4095,
];

/// The largest stretched value; inputs beyond it are clamped.
pub const STRETCH_LIMIT: i32 = 2047;

/// The logistic function: stretched `x` (1/256 units, clamped to ±2047) to a probability
/// in units of 2^-12, `0..=4095`.
#[inline(always)]
#[must_use]
pub fn squash(x: i32) -> i32 {
    let x = x.clamp(-STRETCH_LIMIT, STRETCH_LIMIT);
    let weight = x & 127;
    let k = ((x >> 7) + 16) as usize;
    (SQUASH_POINTS[k] * (128 - weight) + SQUASH_POINTS[k + 1] * weight + 64) >> 7
}

/// The inverse of [`squash`]: for each 12-bit probability, the smallest stretched value
/// whose squash reaches it (2047 past the last).
pub struct StretchTable {
    values: Box<[i16; 4096]>,
}

impl StretchTable {
    /// Builds the table by inverting [`squash`] (integer only, so identical everywhere).
    #[must_use]
    pub fn new() -> Self {
        let mut values = Box::new([0i16; 4096]);
        let mut next = 0usize;
        for x in -STRETCH_LIMIT..=STRETCH_LIMIT {
            let p = squash(x) as usize;
            while next <= p {
                values[next] = x as i16;
                next += 1;
            }
        }
        for v in values.iter_mut().skip(next) {
            *v = STRETCH_LIMIT as i16;
        }
        Self { values }
    }

    /// The stretched value of `p` (units of 2^-12, clamped to `0..=4095`).
    #[inline(always)]
    #[must_use]
    pub fn stretch(&self, p: i32) -> i32 {
        i32::from(self.values[p.clamp(0, 4095) as usize])
    }
}

impl Default for StretchTable {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squash_points_are_the_logistic_function() {
        for (k, &point) in SQUASH_POINTS.iter().enumerate() {
            let x = (k as f64 - 16.0) / 2.0;
            let exact = (4096.0 / (1.0 + (-x).exp())).round() as i32;
            assert_eq!(point, exact.clamp(1, 4095), "point {k}");
        }
    }

    #[test]
    fn squash_is_monotone_and_stretch_inverts_it() {
        let table = StretchTable::new();
        let mut last = squash(-STRETCH_LIMIT);
        for x in -STRETCH_LIMIT..=STRETCH_LIMIT {
            let p = squash(x);
            assert!(p >= last);
            last = p;
            assert!(squash(table.stretch(p)) == p, "x {x} p {p}");
        }
        assert_eq!(squash(0), 2048);
        assert_eq!(table.stretch(2048), 0);
    }
}
