//! Explicit SIMD dot products for the linear layers, behind a safe interface: AVX2 on
//! x86_64 (chosen at run time) and SIMD128 on wasm32 (chosen at compile time, with
//! `-C target-feature=+simd128`; `web/build-www` builds both flavours).
//!
//! Why `unsafe` here: the compiler does not turn blocked 16-bit dot products into
//! `vpmaddwd` / `i32x4.dot_i16x8_s` reliably, and the linear layers are half of the
//! engine's time. The unsafe code is limited to (1) calling a
//! `#[target_feature(enable = "avx2")]` function, done only after
//! `is_x86_feature_detected!("avx2")` returned true, and (2) unaligned vector loads, each
//! from a slice index range that is checked before the loop. Results are the
//! exact integer sums, identical to the portable code (integer addition is associative and
//! the sums cannot overflow: the model loader bounds them). The `portable-kernels` feature
//! turns the AVX2 path off (and `kernels.rs`'s run-time dispatch), so that the portability
//! matrix can show both give the same bytes.
#![allow(unsafe_code)]

/// Dot products of `R` input rows with 2 weight rows (`[row][weight]`), or `None` when
/// the CPU has no AVX2 (the caller then uses portable code). All slices have the same
/// length.
#[must_use]
pub(crate) fn dots_rx2<const R: usize>(x: [&[i16]; R], w: [&[i16]; 2]) -> Option<[[i32; 2]; R]> {
    #[cfg(all(target_arch = "x86_64", not(feature = "portable-kernels")))]
    {
        let len = w[0].len();
        let same_len = x.iter().chain(&w).all(|s| s.len() == len);
        if same_len && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available (checked just above), and every slice holds `len`
            // values (checked just above), which is all `avx2::dots_rx2` reads.
            return Some(unsafe { avx2::dots_rx2(x, w, len) });
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        let len = w[0].len();
        if x.iter().chain(&w).all(|s| s.len() == len) {
            return Some(simd128::dots_rx2(x, w, len));
        }
    }
    let _ = (x, w);
    None
}

/// Exact sum of products of the values from `body` to `len` (the part a vector loop
/// leaves over).
#[cfg(any(
    all(target_arch = "x86_64", not(feature = "portable-kernels")),
    all(target_arch = "wasm32", target_feature = "simd128")
))]
fn tail_dot(x: &[i16], w: &[i16], body: usize, len: usize) -> i32 {
    x[body..len]
        .iter()
        .zip(&w[body..len])
        .map(|(&a, &b)| i32::from(a) * i32::from(b))
        .sum()
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use core::arch::wasm32::{
        i32x4_add, i32x4_dot_i16x8, i32x4_extract_lane, i32x4_splat, v128, v128_load,
    };

    /// Dot products of `R` rows with 2 weight rows; every slice holds at least `len`
    /// values (checked by the caller).
    pub(super) fn dots_rx2<const R: usize>(
        x: [&[i16]; R],
        w: [&[i16]; 2],
        len: usize,
    ) -> [[i32; 2]; R] {
        let body = len - len % 8;
        let mut acc = [[i32x4_splat(0); 2]; R];
        let mut i = 0;
        while i < body {
            let (w0, w1) = (load(w[0], i), load(w[1], i));
            for (acc_r, x_r) in acc.iter_mut().zip(&x) {
                let v = load(x_r, i);
                acc_r[0] = i32x4_add(acc_r[0], i32x4_dot_i16x8(v, w0));
                acc_r[1] = i32x4_add(acc_r[1], i32x4_dot_i16x8(v, w1));
            }
            i += 8;
        }
        let mut dots = [[0i32; 2]; R];
        for r in 0..R {
            for o in 0..2 {
                dots[r][o] = horizontal_sum(acc[r][o]) + super::tail_dot(x[r], w[o], body, len);
            }
        }
        dots
    }

    /// 8 values from `at`; panics (never reads out of bounds) if fewer remain.
    #[inline(always)]
    fn load(values: &[i16], at: usize) -> v128 {
        let eight = &values[at..at + 8];
        // SAFETY: `eight` holds exactly 8 i16 values (16 bytes, bounds-checked just above);
        // v128.load has no alignment requirement.
        unsafe { v128_load(eight.as_ptr().cast::<v128>()) }
    }

    #[inline(always)]
    fn horizontal_sum(v: v128) -> i32 {
        i32x4_extract_lane::<0>(v)
            + i32x4_extract_lane::<1>(v)
            + i32x4_extract_lane::<2>(v)
            + i32x4_extract_lane::<3>(v)
    }
}

#[cfg(all(target_arch = "x86_64", not(feature = "portable-kernels")))]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm_add_epi32, _mm_cvtsi128_si32, _mm_shuffle_epi32, _mm256_add_epi32,
        _mm256_castsi256_si128, _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_madd_epi16,
        _mm256_setzero_si256,
    };

    /// # Safety
    /// The CPU must support AVX2, and every slice must hold at least `len` values.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn dots_rx2<const R: usize>(
        x: [&[i16]; R],
        w: [&[i16]; 2],
        len: usize,
    ) -> [[i32; 2]; R] {
        let body = len - len % 16;
        let mut acc = [[_mm256_setzero_si256(); 2]; R];
        let mut i = 0;
        while i < body {
            // SAFETY: i + 16 ≤ body ≤ len, and every slice holds ≥ len values.
            let (w0, w1) = unsafe { (load(w[0], i), load(w[1], i)) };
            for (acc_r, x_r) in acc.iter_mut().zip(&x) {
                // SAFETY: as above.
                let v = unsafe { load(x_r, i) };
                acc_r[0] = _mm256_add_epi32(acc_r[0], _mm256_madd_epi16(v, w0));
                acc_r[1] = _mm256_add_epi32(acc_r[1], _mm256_madd_epi16(v, w1));
            }
            i += 16;
        }
        let mut dots = [[0i32; 2]; R];
        for r in 0..R {
            for o in 0..2 {
                dots[r][o] = horizontal_sum(acc[r][o]) + super::tail_dot(x[r], w[o], body, len);
            }
        }
        dots
    }

    /// # Safety
    /// `values` must hold at least `at + 16` elements.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn load(values: &[i16], at: usize) -> __m256i {
        debug_assert!(at + 16 <= values.len());
        // SAFETY: the caller guarantees 16 values from `at`; loadu has no alignment need.
        unsafe { _mm256_loadu_si256(values.as_ptr().add(at).cast::<__m256i>()) }
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn horizontal_sum(v: __m256i) -> i32 {
        let sum = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
        let sum = _mm_add_epi32(sum, _mm_shuffle_epi32::<0b01_00_11_10>(sum));
        let sum = _mm_add_epi32(sum, _mm_shuffle_epi32::<0b10_11_00_01>(sum));
        _mm_cvtsi128_si32(sum)
    }
}
