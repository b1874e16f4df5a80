// Fixed-point primitives of the integer engine: docs/engine.md, "Notation" and "Tables".
// Each function computes exactly what the function of the same name in
// core/src/engine/fixed.rs (or engine/kernels.rs for `mul16`) computes; the GPU tests
// compare them on random and edge inputs.
//
// WGSL rules this file keeps (see docs/gpu.md): i32 arithmetic wraps; `>>` on i32 is
// arithmetic; shift amounts are u32 and never reach 32 (naga emits raw SPIR-V shifts,
// undefined from 32 on); no i64, so the one wide product uses 16-bit limbs.
//
// A module that includes this file binds the model's tables, end to end, as
// `tables` (group 1, binding 0); table functions take the offset of their table there.

@group(1) @binding(0) var<storage, read> tables: array<i32>;

const I16_MAX: i32 = 32767;
const I32_MAX: i32 = 2147483647;

/// Clamps to the 16-bit activation range −32767 ..= 32767.
fn clamp16(v: i32) -> i32 {
    return clamp(v, -I16_MAX, I16_MAX);
}

/// A 64-bit two's complement value as two words.
struct Wide {
    hi: u32,
    lo: u32,
}

/// |a| as u32 (2^31 for i32::MIN).
fn unsigned_abs(a: i32) -> u32 {
    return select(u32(a), 0u - u32(a), a < 0);
}

/// The unsigned 64-bit product of two u32, from 16-bit limbs.
fn mul_u32_wide(a: u32, b: u32) -> Wide {
    let a1 = a >> 16u;
    let a0 = a & 0xFFFFu;
    let b1 = b >> 16u;
    let b0 = b & 0xFFFFu;
    let low = a0 * b0;
    let mid1 = a1 * b0;
    let mid2 = a0 * b1;
    let high = a1 * b1;
    let lo1 = low + (mid1 << 16u);
    let lo2 = lo1 + (mid2 << 16u);
    let carries = select(0u, 1u, lo1 < low) + select(0u, 1u, lo2 < lo1);
    return Wide(high + (mid1 >> 16u) + (mid2 >> 16u) + carries, lo2);
}

/// A 64-bit value saturated to −2^31+1 ..= 2^31−1.
fn saturate_wide(w: Wide) -> i32 {
    let hi = i32(w.hi);
    let fits = (hi == 0 && w.lo < 0x80000000u) || (hi == -1 && w.lo > 0x80000000u);
    if fits {
        return i32(w.lo);
    }
    return select(I32_MAX, -I32_MAX, hi < 0);
}

/// floor((a·b + 2^(shift−1)) / 2^shift) (a·b when shift = 0), saturated to
/// ±(2^31 − 1): `fixed::mul_round_u32`. 0 ≤ shift ≤ 62.
fn mul_round(a: i32, b: i32, shift: u32) -> i32 {
    var w = mul_u32_wide(unsigned_abs(a), unsigned_abs(b));
    if (a < 0) != (b < 0) {
        let lo = ~w.lo + 1u;
        w = Wide(~w.hi + select(0u, 1u, lo == 0u), lo);
    }
    if shift == 0u {
        return saturate_wide(w);
    }
    // Add 2^(shift−1), then shift the 64-bit value right, arithmetically.
    var add_hi = 0u;
    var add_lo = 0u;
    if shift > 32u {
        add_hi = 1u << (shift - 33u);
    } else {
        add_lo = 1u << (shift - 1u);
    }
    let lo = w.lo + add_lo;
    let hi = w.hi + add_hi + select(0u, 1u, lo < w.lo);
    if shift >= 32u {
        return saturate_wide(Wide(u32(i32(hi) >> 31u), u32(i32(hi) >> min(shift - 32u, 31u))));
    }
    return saturate_wide(Wide(u32(i32(hi) >> shift), (lo >> shift) | (hi << (32u - shift))));
}

/// mul_round clamped to −limit ..= limit (limit < 2^31).
fn mul_round_clamp(a: i32, b: i32, shift: u32, limit: i32) -> i32 {
    return clamp(mul_round(a, b, shift), -limit, limit);
}

/// mul_round(a, b, shift) for −2^15 ≤ b < 2^15 and 16 ≤ shift ≤ 46 with 32-bit products only
/// (`kernels::Mul16`): with a = hi·2^16 + lo,
/// floor((hi·b + floor((lo·b + before) / 2^16) + after) / 2^(shift−16)).
fn mul16(a: i32, b: i32, shift: u32) -> i32 {
    let before = select(0, 32768, shift == 16u);
    let after = (1 << (shift - 16u)) >> 1u; // 2^(shift−17), or 0 when shift = 16
    let hi = a >> 16u;
    let lo = a & 0xFFFF;
    return (hi * b + ((lo * b + before) >> 16u) + after) >> (shift - 16u);
}

/// Linear interpolation in the 4097-entry table at `base`, at a 16-bit position `u`.
fn interpolate(base: u32, u: u32) -> i32 {
    let i = base + (u >> 4u);
    let r = i32(u & 15u);
    let a = tables[i];
    let b = tables[i + 1u];
    return a + (((b - a) * r + 8) >> 4u);
}

/// A function table (`fixed::Lut`) at `base`, at input code `q`.
fn lut_lookup(base: u32, q: i32) -> i32 {
    return interpolate(base, u32(clamp(q, -32768, 32767) + 32768));
}

/// 2^−y in Q30 for y in Q16 (negative y counts as 0; 0 once y ≥ 31) from the exp2 table at
/// `base` (`fixed::Exp2Table::exp2_neg`).
fn exp2_neg(base: u32, y_in: i32) -> i32 {
    let y = max(y_in, 0);
    let whole = y >> 16u;
    let t = interpolate(base, u32(y & 0xFFFF));
    let w = u32(min(whole, 30));
    let rounded = (t + ((1 << w) >> 1u)) >> w;
    return select(rounded, 0, whole > 30);
}

/// (T, j) with 1/√v ≈ T · 2^−(36 + j) from the 3072-entry table at `base` (v = 0 counts
/// as 1; `fixed::InvSqrtTable::inv_sqrt`).
fn inv_sqrt(base: u32, v_in: u32) -> vec2<i32> {
    let v = max(v_in, 1u);
    let k = 31 - i32(countLeadingZeros(v)) - 12;
    let k_even = k - (k & 1);
    var m: u32;
    if k_even >= 0 {
        m = v >> u32(k_even);
    } else {
        m = v << u32(-k_even);
    }
    return vec2<i32>(tables[base + (m >> 2u) - 1024u], k_even / 2);
}
