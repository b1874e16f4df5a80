//! The engine's integer kernels, one per operation of `docs/engine.md`. Each works on one
//! row (a position of a chunk, or a lane) or on many rows with no dependence between
//! them, so any batching gives the same numbers.

#[cfg(not(feature = "portable-kernels"))]
use multiversion::multiversion;

use super::fixed::{
    EXP2_FRAC, Exp2Table, I16_MAX, InvSqrtTable, Lut, clamp_i16, mul_round, mul_round_clamp,
};
use super::model::{QConv, QScan};
use crate::coder::spread_weights;

/// A [`super::model::QLinear`] with its weights widened to 16 bits, the layout the dot
/// products vectorise over (`pmaddwd`: 16-bit × 16-bit → 32-bit sums).
#[derive(Clone, Debug)]
pub(crate) struct WideLinear {
    pub inputs: usize,
    pub outputs: usize,
    pub weights: Vec<i16>,
    pub bias: Vec<i32>,
    pub multiplier: Vec<i32>,
    pub shift: Vec<u32>,
}

impl From<&super::model::QLinear> for WideLinear {
    fn from(l: &super::model::QLinear) -> Self {
        Self {
            inputs: l.inputs,
            outputs: l.outputs,
            weights: l.weights.iter().map(|&w| i16::from(w)).collect(),
            bias: l.bias.clone(),
            multiplier: l.multiplier.clone(),
            shift: l.shift.iter().map(|&s| u32::from(s)).collect(),
        }
    }
}

/// `out[r] = requantize(W · x[r] + b)` for every row `r`; `x` is `[rows][inputs]`, `out`
/// `[rows][outputs]`. The sums are exact (bounded when the model was loaded), so the
/// order of additions cannot change them. Where the CPU has AVX2, 4 rows × 2 outputs are
/// computed together ([`super::simd`]); the rest use portable dot products.
#[cfg_attr(
    not(feature = "portable-kernels"),
    multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1"))
)]
pub(crate) fn linear(layer: &WideLinear, x: &[i16], out: &mut [i16]) {
    let (inputs, outputs) = (layer.inputs, layer.outputs);
    let rows = x.len() / inputs;
    let row = |r: usize| &x[r * inputs..(r + 1) * inputs];
    let weights = |o: usize| &layer.weights[o * inputs..(o + 1) * inputs];
    let mut store = |r: usize, o: usize, dot: i32| {
        let value = mul_round(dot + layer.bias[o], layer.multiplier[o], layer.shift[o]);
        out[r * outputs + o] = clamp_i16(value);
    };
    let mut r = 0;
    while r < rows {
        let take = (rows - r).min(4);
        let mut o = 0;
        while o < outputs {
            let blocked = if o + 2 <= outputs {
                dots_rx2(take, r, &row, [weights(o), weights(o + 1)])
            } else {
                None
            };
            if let Some(dots) = blocked {
                for (k, pair) in dots[..take].iter().enumerate() {
                    store(r + k, o, pair[0]);
                    store(r + k, o + 1, pair[1]);
                }
                o += 2;
            } else {
                for k in 0..take {
                    store(r + k, o, dot(row(r + k), weights(o)));
                }
                o += 1;
            }
        }
        r += take;
    }
}

/// The SIMD dot products of rows `r..r + take` (`take ≤ 4`) with two weight rows.
#[inline(always)]
fn dots_rx2<'a>(
    take: usize,
    r: usize,
    row: &impl Fn(usize) -> &'a [i16],
    w: [&[i16]; 2],
) -> Option<[[i32; 2]; 4]> {
    use super::simd::dots_rx2 as dots;
    let widen = |d: &[[i32; 2]]| {
        let mut out = [[0i32; 2]; 4];
        out[..d.len()].copy_from_slice(d);
        out
    };
    match take {
        4 => dots([row(r), row(r + 1), row(r + 2), row(r + 3)], w),
        3 => dots([row(r), row(r + 1), row(r + 2)], w).map(|d| widen(&d)),
        2 => dots([row(r), row(r + 1)], w).map(|d| widen(&d)),
        _ => dots([row(r)], w).map(|d| widen(&d)),
    }
}

/// A portable dot product (the compiler vectorises it).
#[inline(always)]
fn dot(x: &[i16], w: &[i16]) -> i32 {
    x.iter()
        .zip(w)
        .map(|(&a, &b)| i32::from(a) * i32::from(b))
        .sum()
}

/// One position of the causal depthwise convolution. `history` holds the previous
/// `K − 1` inputs, oldest first (`[(K−1)][channels]`); it is shifted to include `x`.
pub(crate) fn conv_step(
    conv: &QConv,
    width: usize,
    history: &mut [i16],
    x: &[i16],
    out: &mut [i16],
) {
    let channels = x.len();
    for c in 0..channels {
        let taps = &conv.weights[c * width..(c + 1) * width];
        let mut acc = conv.bias[c];
        for k in 0..width - 1 {
            acc += i32::from(taps[k]) * i32::from(history[k * channels + c]);
        }
        acc += i32::from(taps[width - 1]) * i32::from(x[c]);
        out[c] = clamp_i16(mul_round(acc, conv.multiplier[c], u32::from(conv.shift[c])));
    }
    if width > 1 {
        history.copy_within(channels.., 0);
        let last = (width - 2) * channels;
        history[last..last + channels].copy_from_slice(x);
    }
}

/// A table applied elementwise, clamped to 16-bit codes (its output feeds a matmul).
pub(crate) fn lut_i16(lut: &Lut, x: &[i16], out: &mut [i16]) {
    for (y, &v) in out.iter_mut().zip(x) {
        *y = clamp_i16(i64::from(lut.lookup(i32::from(v))));
    }
}

/// Magnitude limit of the SSM state `h` and of the input term `Δu·B`: their sum fits i32.
pub(crate) const STATE_LIMIT: i32 = (1 << 30) - 1;
/// Magnitude limit of `Δu` and of the skip term `D·u`.
pub(crate) const TERM_LIMIT: i32 = 1 << 29;

/// The per-position inputs of the scan for one row.
pub(crate) struct ScanRow<'a> {
    pub u: &'a [i16],
    pub delta: &'a [i32],
    pub b: &'a [i16],
    pub c: &'a [i16],
    pub z: &'a [i16],
}

/// One step of the selective scan for one row: updates `state` (`[d_inner][d_state]`)
/// and writes the gated output `y · SiLU(z)` as 16-bit codes. `decay` is scratch space of
/// `d_state` values. Each channel runs in two passes over its states (decays, then the
/// update), plain loops over slices that the compiler vectorises.
#[cfg_attr(
    not(feature = "portable-kernels"),
    multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.2"))
)]
pub(crate) fn scan_step(
    scan: &QScan,
    exp2: &Exp2Table,
    silu_z: &Lut,
    row: &ScanRow<'_>,
    state: &mut [i32],
    decay: &mut [i32],
    out: &mut [i16],
) {
    let n_state = row.b.len();
    let output_limit = TERM_LIMIT / n_state as i32;
    let (decay_shift, delta_u_shift) = (u32::from(scan.decay_shift), u32::from(scan.delta_u_shift));
    let (input_shift, output_shift) = (u32::from(scan.input_shift), u32::from(scan.output_shift));
    let narrow = Mul16::covers(input_shift) && Mul16::covers(output_shift);
    let channels = state
        .chunks_exact_mut(n_state)
        .zip(scan.a_log2e.chunks_exact(n_state));
    for (c, (h, a)) in channels.enumerate() {
        let delta = row.delta[c];
        let u = i32::from(row.u[c]);
        let delta_u = mul_round_clamp(delta, u, delta_u_shift, TERM_LIMIT);
        for (d, &a_n) in decay.iter_mut().zip(a) {
            *d = exp2.exp2_neg(mul_round_clamp(delta, a_n, decay_shift, 1 << 30));
        }
        let mut y = 0i32;
        if narrow {
            // The same values through 32-bit products (see `mul16_round`).
            let (input_round, output_round) = (Mul16::new(input_shift), Mul16::new(output_shift));
            for (((h_n, &d_n), &b_n), &c_n) in h.iter_mut().zip(&*decay).zip(row.b).zip(row.c) {
                let input = input_round
                    .apply(delta_u, i32::from(b_n))
                    .clamp(-STATE_LIMIT, STATE_LIMIT);
                let kept = mul_round_clamp(*h_n, d_n, EXP2_FRAC, STATE_LIMIT);
                *h_n = (kept + input).clamp(-STATE_LIMIT, STATE_LIMIT);
                y += output_round
                    .apply(*h_n, i32::from(c_n))
                    .clamp(-output_limit, output_limit);
            }
        } else {
            for (((h_n, &d_n), &b_n), &c_n) in h.iter_mut().zip(&*decay).zip(row.b).zip(row.c) {
                let input = mul_round_clamp(delta_u, i32::from(b_n), input_shift, STATE_LIMIT);
                let kept = mul_round_clamp(*h_n, d_n, EXP2_FRAC, STATE_LIMIT);
                *h_n = (kept + input).clamp(-STATE_LIMIT, STATE_LIMIT);
                y += mul_round_clamp(i32::from(c_n), *h_n, output_shift, output_limit);
            }
        }
        y += mul_round_clamp(scan.skip[c], u, u32::from(scan.skip_shift), TERM_LIMIT);
        let gate = silu_z.lookup(i32::from(row.z[c]));
        out[c] = clamp_i16(mul_round(y, gate, u32::from(scan.gate_shift)));
    }
}

/// `mul_round(a, b, shift)` for a 16-bit `b` (`−2^15 ≤ b < 2^15`; at `b = 2^15`,
/// `lo·b + 2^15` would reach 2^31) and `16 ≤ shift ≤ 46`, with
/// 32-bit products only, so that 8 lanes fit a vector instead of 4. With
/// `a = hi · 2^16 + lo`, `lo ∈ [0, 2^16)`, nested floors give exactly
/// `floor((a·b + 2^(s−1)) / 2^s) = floor((hi·b + floor((lo·b + 2^(s−1)) / 2^16)) / 2^(s−16))`,
/// where `2^(s−1)` is added before the inner shift when `s = 16` and after it (as
/// `2^(s−17)`) otherwise. Every intermediate stays within ±(2^31 − 1).
#[derive(Clone, Copy)]
pub(crate) struct Mul16 {
    before: i32,
    after: i32,
    shift: u32,
}

impl Mul16 {
    /// Whether `shift` is in the range this method is exact for.
    pub(crate) fn covers(shift: u32) -> bool {
        (16..=46).contains(&shift)
    }

    /// The constants for `shift` (which [`Mul16::covers`]).
    pub(crate) fn new(shift: u32) -> Self {
        Self {
            before: if shift == 16 { 1 << 15 } else { 0 },
            after: if shift > 16 { 1 << (shift - 17) } else { 0 },
            shift: shift - 16,
        }
    }

    /// `mul_round(a, b, shift)` for `−2^15 ≤ b < 2^15`.
    #[inline(always)]
    pub(crate) fn apply(self, a: i32, b: i32) -> i32 {
        let (hi, lo) = (a >> 16, a & 0xFFFF);
        (hi * b + ((lo * b + self.before) >> 16) + self.after) >> self.shift
    }
}

/// Integer LayerNorm of one row without γ/β (folded into the next layer): `x` in any
/// format → `(x − mean) / √(var + ε)` with `out_frac` fraction bits.
///
/// `var_shift` (even) keeps `Σ (c² >> var_shift)` within i32 (checked at load time).
pub(crate) fn layer_norm(
    inv_sqrt: &InvSqrtTable,
    var_shift: u32,
    out_frac: u32,
    eps: u32,
    x: &[i16],
    out: &mut [i16],
) {
    let d = x.len() as i32;
    let sum: i32 = x.iter().map(|&v| i32::from(v)).sum();
    let mean = sum / d;
    let centred = |v: i16| (i32::from(v) - mean).clamp(-I16_MAX, I16_MAX);
    let squares: i32 = x
        .iter()
        .map(|&v| (centred(v) * centred(v)) >> var_shift)
        .sum();
    let variance = (squares as u32 / d as u32).saturating_add(eps);
    let (t, j) = inv_sqrt.inv_sqrt(variance);
    let shift = (36 + j + (var_shift / 2) as i32 - out_frac as i32).max(0) as u32;
    for (y, &v) in out.iter_mut().zip(x) {
        *y = clamp_i16(mul_round(centred(v), t, shift));
    }
}

/// The integer softmax: logits (16-bit codes) → frequencies with total 2^16, each ≥ 1.
///
/// `e_i = round(2^−y_i · 2^16)` with `y_i = (max − l_i) · multiplier >> shift` (Q16),
/// then [`spread_weights`]: `f_i = 1 + floor(e_i · 65280 / Σe)`, what the floors leave to
/// the first largest logit. `e_i ≤ 2^16` and `Σe ≤ 2^24`, so every step fits 32 bits.
pub(crate) fn softmax(
    exp2: &Exp2Table,
    multiplier: i32,
    shift: u32,
    logits: &[i16],
    freqs: &mut [u32; 256],
) {
    let mut best = 0;
    for (i, &l) in logits.iter().enumerate() {
        if l > logits[best] {
            best = i;
        }
    }
    let max = i32::from(logits[best]);
    let mut weights = [0u32; 256];
    for (w, &l) in weights.iter_mut().zip(logits) {
        let y = mul_round_clamp(max - i32::from(l), multiplier, shift, 1 << 30);
        *w = ((exp2.exp2_neg(y) + (1 << 13)) >> 14) as u32;
    }
    *freqs = spread_weights(&weights, best);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixed::reference;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_32_bit_product_equals_mul_round(a in any::<i32>(), b in -32_768i32..=32_767, shift in 16u32..=46) {
            prop_assert_eq!(i64::from(Mul16::new(shift).apply(a, b)), mul_round(a, b, shift));
        }
    }

    #[test]
    fn the_32_bit_product_is_exact_at_the_extremes() {
        for a in [
            i32::MIN,
            i32::MIN + 1,
            -65_537,
            -65_536,
            -1,
            0,
            1,
            65_535,
            65_536,
            i32::MAX,
        ] {
            for b in [-32_768, -32_767, -1, 0, 1, 32_767] {
                for shift in 16..=46 {
                    assert_eq!(
                        i64::from(Mul16::new(shift).apply(a, b)),
                        mul_round(a, b, shift),
                        "{a}·{b} >> {shift}"
                    );
                }
            }
        }
    }

    #[test]
    fn softmax_gives_valid_tables_for_extreme_logits() {
        let exp2 = Exp2Table::new(reference::exp2_entries()).expect("table");
        let cases: [[i16; 256]; 3] = [
            [0; 256],
            std::array::from_fn(|i| if i == 7 { 32_767 } else { -32_767 }),
            std::array::from_fn(|i| (i as i16) * 100 - 12_800),
        ];
        for logits in cases {
            for (multiplier, shift) in [(1, 0), (1 << 16, 0), (1, 62), (65_536, 4)] {
                let mut freqs = [0u32; 256];
                softmax(&exp2, multiplier, shift, &logits, &mut freqs);
                assert_eq!(freqs.iter().sum::<u32>(), 1 << 16);
                assert!(freqs.iter().all(|&f| f >= 1));
            }
        }
    }

    #[test]
    fn layer_norm_worst_case_fits_and_normalises() {
        let inv_sqrt = InvSqrtTable::new(reference::inv_sqrt_entries()).expect("table");
        let d = 8192usize;
        // Largest spread: half at +32767, half at −32767; the squares sum is the worst.
        let x: Vec<i16> = (0..d)
            .map(|i| if i % 2 == 0 { 32_767 } else { -32_767 })
            .collect();
        let mut out = vec![0i16; d];
        let var_shift = 14; // the smallest even shift with d · 2^(30 − s) < 2^31
        layer_norm(&inv_sqrt, var_shift, 11, 1, &x, &mut out);
        // Normalised ±1 in Q11.
        assert!(
            out.iter().all(|&v| (i32::from(v).abs() - 2048).abs() <= 2),
            "{:?}",
            &out[..4]
        );
        // Constant input: zero variance, ε keeps it finite.
        let flat = vec![1234i16; 256];
        let mut out = vec![0i16; 256];
        layer_norm(&inv_sqrt, 8, 11, 1, &flat, &mut out);
        assert!(out.iter().all(|&v| v == 0));
    }

    #[test]
    fn conv_history_shifts_in_order() {
        let conv = QConv {
            weights: vec![1, 10, 100, 1000],
            bias: vec![0],
            multiplier: vec![1],
            shift: vec![0],
        };
        let mut history = vec![0i16; 3];
        let mut out = [0i16];
        for x in 1..=5i16 {
            conv_step(&conv, 4, &mut history, &[x], &mut out);
        }
        // y_5 = 1·2 + 10·3 + 100·4 + 1000·5
        assert_eq!(out[0], 5432);
        assert_eq!(history, vec![3, 4, 5]);
    }
}
