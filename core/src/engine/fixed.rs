//! Fixed-point primitives of the integer engine. `docs/engine.md` is their specification;
//! the WGSL shaders (not written yet) will implement the same functions.
//!
//! Conventions:
//! - a *code* `q` with `f` fraction bits stands for the real number `q · 2^−f`;
//! - `>>` on signed values is an arithmetic shift, i.e. floor division by a power of two;
//! - [`mul_round`] is the only product wider than 32 bits. The CPU computes it with `i64`
//!   for speed; [`mul_round_u32`] computes the same value with 32-bit operations only
//!   (16-bit limbs), as the shaders must, and a property test proves the two equal.

/// Largest magnitude of a 16-bit activation code (symmetric: −32767 ..= 32767).
pub const I16_MAX: i32 = 32_767;

/// Entries of a [`Lut`]: 4096 segments over the 16-bit input range, plus the end point.
pub const LUT_LEN: usize = 4097;

/// Largest magnitude of a [`Lut`] entry, and of the difference between neighbours
/// ([`LUT_MAX_STEP`]): with these bounds interpolation cannot overflow 32 bits.
pub const LUT_MAX_ENTRY: i32 = 1 << 30;
/// See [`LUT_MAX_ENTRY`].
pub const LUT_MAX_STEP: i32 = 1 << 26;

/// `round(a · b / 2^shift)`, ties towards +∞: `floor((a·b + 2^(shift−1)) / 2^shift)`
/// for `shift ≥ 1`, `a·b` for `shift = 0`. Exact (the product is formed in 64 bits);
/// callers clamp the result to their format. `shift ≤ 62`.
#[inline(always)]
#[must_use]
pub fn mul_round(a: i32, b: i32, shift: u32) -> i64 {
    // (1 << shift) >> 1 is 2^(shift−1), or 0 when shift = 0: no branch, so loops vectorise.
    (i64::from(a) * i64::from(b) + ((1i64 << shift) >> 1)) >> shift
}

/// [`mul_round`] clamped to `−limit ..= limit`, as an `i32` (`limit < 2^31`).
#[inline(always)]
#[must_use]
pub fn mul_round_clamp(a: i32, b: i32, shift: u32, limit: i32) -> i32 {
    mul_round(a, b, shift).clamp(-i64::from(limit), i64::from(limit)) as i32
}

/// [`mul_round`] with 32-bit operations only, saturated to `−2^31+1 ..= 2^31−1`: the
/// algorithm the shaders use. Equal to `mul_round(a, b, shift)` clamped to that range.
#[must_use]
pub fn mul_round_u32(a: i32, b: i32, shift: u32) -> i32 {
    let negative = (a < 0) != (b < 0);
    let (hi, lo) = mul_u32_wide(a.unsigned_abs(), b.unsigned_abs());
    // Negate the 64-bit magnitude (two's complement over two words) when the sign is −.
    let (mut hi, mut lo) = if negative {
        let lo_n = (!lo).wrapping_add(1);
        let hi_n = (!hi).wrapping_add(u32::from(lo_n == 0));
        (hi_n, lo_n)
    } else {
        (hi, lo)
    };
    if shift > 0 {
        // add 2^(shift−1) to the 64-bit two's complement value (hi, lo)
        let (add_hi, add_lo) = if shift > 32 {
            (1u32 << (shift - 33), 0u32)
        } else {
            (0u32, 1u32 << (shift - 1))
        };
        let (sum_lo, carry) = lo.overflowing_add(add_lo);
        hi = hi.wrapping_add(add_hi).wrapping_add(u32::from(carry));
        lo = sum_lo;
        // arithmetic shift right of (hi, lo) by shift
        if shift >= 32 {
            lo = ((hi as i32) >> (shift - 32).min(31)) as u32;
            hi = ((hi as i32) >> 31) as u32;
        } else {
            lo = (lo >> shift) | (hi << (32 - shift));
            hi = ((hi as i32) >> shift) as u32;
        }
    }
    saturate_wide(hi as i32, lo)
}

/// The unsigned 64-bit product of two u32 as (high, low) words, from 16-bit limbs.
fn mul_u32_wide(a: u32, b: u32) -> (u32, u32) {
    let (a1, a0) = (a >> 16, a & 0xFFFF);
    let (b1, b0) = (b >> 16, b & 0xFFFF);
    let low = a0 * b0;
    let mid1 = a1 * b0;
    let mid2 = a0 * b1;
    let high = a1 * b1;
    let (lo, c1) = low.overflowing_add(mid1 << 16);
    let (lo, c2) = lo.overflowing_add(mid2 << 16);
    let hi = high + (mid1 >> 16) + (mid2 >> 16) + u32::from(c1) + u32::from(c2);
    (hi, lo)
}

/// A 64-bit two's complement value (hi, lo) saturated to `−2^31+1 ..= 2^31−1`.
fn saturate_wide(hi: i32, lo: u32) -> i32 {
    let fits = (hi == 0 && lo < 0x8000_0000) || (hi == -1 && lo > 0x8000_0000);
    if fits {
        lo as i32
    } else if hi < 0 {
        -i32::MAX
    } else {
        i32::MAX
    }
}

/// Clamps to the 16-bit activation range `−32767 ..= 32767`.
#[inline(always)]
#[must_use]
pub fn clamp_i16(value: i64) -> i16 {
    value.clamp(-i64::from(I16_MAX), i64::from(I16_MAX)) as i16
}

/// A function tabulated over 16-bit input codes: 4096 segments of 16 codes each, linear
/// interpolation between the 4097 end points.
///
/// `lookup(q) = t[i] + floor((t[i+1] − t[i]) · r + 8) / 16)` with `u = clamp(q, −32768,
/// 32767) + 32768`, `i = u >> 4`, `r = u & 15`. Invariants (checked when a model is
/// loaded): `|t[i]| ≤ 2^30` and `|t[i+1] − t[i]| ≤ 2^26`, so nothing overflows 32 bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lut {
    entries: Box<[i32; LUT_LEN]>,
}

impl Lut {
    /// A table from its 4097 entries, or `None` when they break the invariants.
    #[must_use]
    pub fn new(entries: Vec<i32>) -> Option<Self> {
        // In i64: hostile entries such as i32::MIN must not overflow the check itself.
        let valid = entries.len() == LUT_LEN
            && entries
                .iter()
                .all(|&e| i64::from(e).abs() <= i64::from(LUT_MAX_ENTRY))
            && entries
                .windows(2)
                .all(|w| (i64::from(w[1]) - i64::from(w[0])).abs() <= i64::from(LUT_MAX_STEP));
        let entries = entries.into_boxed_slice().try_into().ok()?;
        valid.then_some(Self { entries })
    }

    /// The table's entries.
    #[must_use]
    pub fn entries(&self) -> &[i32] {
        self.entries.as_slice()
    }

    /// The interpolated value at input code `q`.
    #[inline(always)]
    #[must_use]
    pub fn lookup(&self, q: i32) -> i32 {
        let u = (q.clamp(-32_768, 32_767) + 32_768) as usize;
        interpolate(&self.entries, u)
    }
}

/// Linear interpolation in a 4097-entry table at a 16-bit position `u` (`0 ..= 65535`):
/// `t[i] + (((t[i+1] − t[i]) · r + 8) >> 4)` with `i = u >> 4`, `r = u & 15`.
#[inline(always)]
fn interpolate(entries: &[i32; LUT_LEN], u: usize) -> i32 {
    let (i, r) = (u >> 4, (u & 15) as i32);
    let (a, b) = (entries[i], entries[i + 1]);
    a + (((b - a) * r + 8) >> 4)
}

/// Fraction bits of [`Exp2Table`] outputs: `2^−y` is returned in Q30.
pub const EXP2_FRAC: u32 = 30;
/// Fraction bits of the exponent `y` given to [`Exp2Table::exp2_neg`] (Q16).
pub const EXP2_IN_FRAC: u32 = 16;

/// `2^−y` for `y ≥ 0` by range reduction: `2^−y = 2^−frac(y) · 2^−int(y)`, the fraction
/// from a 4097-entry table `E[i] = round(2^30 · 2^(−i/4096))` with linear interpolation
/// over the low 4 bits, the integer part as a rounding right shift.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exp2Table {
    entries: Box<[i32; LUT_LEN]>,
}

impl Exp2Table {
    /// A table from its entries, or `None` unless there are 4097, decreasing, within
    /// `[2^29, 2^30]`.
    #[must_use]
    pub fn new(entries: Vec<i32>) -> Option<Self> {
        let valid = entries.len() == LUT_LEN
            && entries
                .iter()
                .all(|&e| ((1 << 29)..=(1 << 30)).contains(&e))
            && entries.windows(2).all(|w| w[1] <= w[0]);
        let entries = entries.into_boxed_slice().try_into().ok()?;
        valid.then_some(Self { entries })
    }

    /// The table's entries.
    #[must_use]
    pub fn entries(&self) -> &[i32] {
        self.entries.as_slice()
    }

    /// `2^−y` in Q30 for `y ≥ 0` in Q16 (negative `y` counts as 0); 0 once `y ≥ 31`.
    #[inline(always)]
    #[must_use]
    pub fn exp2_neg(&self, y: i32) -> i32 {
        let y = y.max(0);
        let whole = y >> EXP2_IN_FRAC;
        let t = interpolate(&self.entries, (y & 0xFFFF) as usize);
        // Selects rather than branches, so that loops over many exponents vectorise.
        let w = whole.min(30);
        let rounded = (t + ((1 << w) >> 1)) >> w;
        if whole > 30 { 0 } else { rounded }
    }
}

/// Fraction bits of [`InvSqrtTable`] entries relative to their mantissa (see there).
pub const INV_SQRT_FRAC: u32 = 36;
/// Entries of an [`InvSqrtTable`]: mantissas `m ∈ [2^12, 2^14)` in steps of 4.
pub const INV_SQRT_LEN: usize = 3072;

/// `1/√V` for `V ≥ 1` (`u32`): write `V = m · 4^j` with `m ∈ [2^12, 2^14)`, then
/// `1/√V ≈ T[(m >> 2) − 1024] · 2^−36 · 2^−j`, where `T[k] = round(2^36 / √(4k + 4098))`
/// (the middle of the entry's 4 mantissas).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvSqrtTable {
    entries: Vec<i32>,
}

impl InvSqrtTable {
    /// A table from its entries, or `None` unless there are 3072 within `[2^29, 2^30]`.
    #[must_use]
    pub fn new(entries: Vec<i32>) -> Option<Self> {
        let valid = entries.len() == INV_SQRT_LEN
            && entries
                .iter()
                .all(|&e| ((1 << 29)..=(1 << 30)).contains(&e));
        valid.then_some(Self { entries })
    }

    /// The table's entries.
    #[must_use]
    pub fn entries(&self) -> &[i32] {
        self.entries.as_slice()
    }

    /// `(T, j)` with `1/√V ≈ T · 2^−(36 + j)`. `V = 0` is treated as 1.
    #[inline(always)]
    #[must_use]
    pub fn inv_sqrt(&self, v: u32) -> (i32, i32) {
        let v = v.max(1);
        let log2 = 31 - v.leading_zeros() as i32;
        let k = log2 - 12;
        let k_even = k - (k & 1);
        let m = if k_even >= 0 {
            v >> k_even
        } else {
            v << (-k_even)
        };
        let index = ((m >> 2) - 1024) as usize;
        (self.entries[index], k_even / 2)
    }
}

/// The standard tables, computed in floating point (quantizer only; decoders read them
/// from the model file).
pub mod reference {
    use super::{INV_SQRT_FRAC, INV_SQRT_LEN, LUT_LEN};

    /// `E[i] = round(2^30 · 2^(−i/4096))`.
    #[must_use]
    pub fn exp2_entries() -> Vec<i32> {
        (0..LUT_LEN)
            .map(|i| ((1u64 << 30) as f64 * (-(i as f64) / 4096.0).exp2()).round() as i32)
            .collect()
    }

    /// `T[k] = round(2^36 / √(4k + 4098))`.
    #[must_use]
    pub fn inv_sqrt_entries() -> Vec<i32> {
        (0..INV_SQRT_LEN)
            .map(|k| {
                let mid = (4 * k + 4098) as f64;
                ((1u64 << INV_SQRT_FRAC) as f64 / mid.sqrt()).round() as i32
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_u32_product_equals_the_64_bit_one(a in any::<i32>(), b in any::<i32>(), shift in 0u32..=62) {
            let wide = mul_round(a, b, shift).clamp(-i64::from(i32::MAX), i64::from(i32::MAX));
            prop_assert_eq!(i64::from(mul_round_u32(a, b, shift)), wide);
        }

        #[test]
        fn the_u32_product_equals_the_64_bit_one_on_small_values(a in -70_000i32..70_000, b in -70_000i32..70_000, shift in 0u32..=40) {
            let wide = mul_round(a, b, shift).clamp(-i64::from(i32::MAX), i64::from(i32::MAX));
            prop_assert_eq!(i64::from(mul_round_u32(a, b, shift)), wide);
        }
    }

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(mul_round(3, 1, 1), 2); // 1.5 → 2
        assert_eq!(mul_round(-3, 1, 1), -1); // −1.5 → −1
        assert_eq!(mul_round(-5, 1, 2), -1); // −1.25 → −1
        assert_eq!(mul_round(i32::MIN, i32::MIN, 0), 1i64 << 62);
    }

    #[test]
    fn exp2_is_accurate_and_monotone() {
        let table = Exp2Table::new(reference::exp2_entries()).expect("valid table");
        let mut previous = i32::MAX;
        for y in (0..(32 << 16)).step_by(97) {
            let got = table.exp2_neg(y);
            assert!(got <= previous, "not monotone at {y}");
            previous = got;
            let want = (1u64 << 30) as f64 * (-(f64::from(y)) / 65536.0).exp2();
            assert!(
                (f64::from(got) - want).abs() <= 2.0 + want * 1e-7,
                "y={y}: {got} vs {want}"
            );
        }
        assert_eq!(table.exp2_neg(0), 1 << 30);
        assert_eq!(table.exp2_neg(-5), 1 << 30);
        assert_eq!(table.exp2_neg(31 << 16), 0);
        assert_eq!(table.exp2_neg(i32::MAX), 0);
    }

    #[test]
    fn inv_sqrt_is_accurate_over_the_whole_range() {
        let table = InvSqrtTable::new(reference::inv_sqrt_entries()).expect("valid table");
        for v in (1u32..=u32::MAX)
            .step_by(65_521)
            .chain([1, 2, 3, 4095, 4096, u32::MAX])
        {
            let (t, j) = table.inv_sqrt(v);
            let got = f64::from(t) * (-(36.0 + f64::from(j))).exp2();
            let want = 1.0 / f64::from(v).sqrt();
            assert!((got / want - 1.0).abs() < 2.5e-4, "v={v}: {got} vs {want}");
        }
    }

    #[test]
    fn lut_interpolates_and_rejects_bad_tables() {
        let entries: Vec<i32> = (0..LUT_LEN as i32).map(|i| i * 16).collect();
        let lut = Lut::new(entries).expect("valid");
        assert_eq!(lut.lookup(-32_768), 0);
        assert_eq!(lut.lookup(0), 32_768);
        assert_eq!(lut.lookup(32_767), 65_535);
        assert_eq!(lut.lookup(i32::MAX), 65_535);
        assert!(Lut::new(vec![0; 10]).is_none());
        // Found by the model_file fuzzer: extreme entries must be refused, not overflow.
        let mut extreme = vec![0; LUT_LEN];
        extreme[5] = i32::MIN;
        assert!(Lut::new(extreme.clone()).is_none());
        extreme[5] = i32::MAX;
        extreme[6] = i32::MIN;
        assert!(Lut::new(extreme).is_none());
        let mut steep = vec![0; LUT_LEN];
        steep[1] = LUT_MAX_STEP + 1;
        assert!(Lut::new(steep).is_none());
    }

    #[test]
    fn worst_case_lut_interpolation_fits_32_bits() {
        // Alternating extreme entries: the largest step at every segment.
        let entries: Vec<i32> = (0..LUT_LEN)
            .map(|i| {
                if i % 2 == 0 {
                    LUT_MAX_ENTRY - LUT_MAX_STEP
                } else {
                    LUT_MAX_ENTRY
                }
            })
            .collect();
        let lut = Lut::new(entries).expect("valid");
        for q in -32_768..=32_767 {
            let v = lut.lookup(q);
            assert!((LUT_MAX_ENTRY - LUT_MAX_STEP..=LUT_MAX_ENTRY).contains(&v));
        }
    }
}
