//! From float weights and measured ranges to a [`QuantizedModel`]: fixed-point formats,
//! int8 weights per output channel, requantization multipliers, tables.

use crate::engine::fixed::{
    self, Exp2Table, I16_MAX, InvSqrtTable, LUT_LEN, LUT_MAX_ENTRY, LUT_MAX_STEP, Lut,
};
use crate::engine::model::{
    Dims, NamedFormat, QBlock, QConv, QLinear, QScan, QSoftmax, QuantizedModel,
};

use super::QuantizeError;
use super::float::{
    Activation, BlockPart, FloatBlock, FloatLinear, FloatModel, LAYER_NORM_EPS, Ranges, gelu, silu,
    softplus,
};

/// 16-bit activations use at most half their range on the calibration data: one bit of
/// headroom for inputs the calibration did not see.
const I16_TARGET: f64 = 16_384.0;
/// 32-bit intermediates (Δ, Δu, h, y) use at most 2^24 on calibration data: far from
/// the clamps at 2^29 and 2^30, with 24 bits of precision.
const I32_TARGET: f64 = (1u32 << 24) as f64;
/// Largest int8 weight code.
const WEIGHT_MAX: f64 = 127.0;
/// Largest convolution weight code (the convolution has few taps, so 14 bits fit).
const CONV_WEIGHT_MAX: f64 = 8191.0;

/// Fraction bits so that `max · 2^frac ≤ target`, within `−31 ..= 40`.
fn frac_for(max: f32, target: f64) -> i32 {
    if max <= 0.0 || !max.is_finite() {
        return 20;
    }
    ((target / f64::from(max)).log2().floor() as i32).clamp(-31, 40)
}

/// Accumulates the chosen formats (for the file's self-description).
#[derive(Default)]
struct Formats(Vec<NamedFormat>);

impl Formats {
    fn add(&mut self, name: &str, frac: i32) -> i32 {
        self.0.push(NamedFormat {
            name: name.to_owned(),
            frac: frac as i8,
        });
        frac
    }
}

/// `value · 2^frac` rounded and clamped to `±limit`.
fn code(value: f64, frac: i32, limit: f64) -> f64 {
    (value * f64::from(frac).exp2())
        .round()
        .clamp(-limit, limit)
}

/// `real ≈ multiplier · 2^−shift`, multiplier in `[2^14, 2^15]`, shift `0 ..= 62`.
fn requantizer(real: f64, what: &str) -> Result<(i32, u8), QuantizeError> {
    if real <= 0.0 || !real.is_finite() {
        return Ok((0, 0));
    }
    let shift = 14 - real.log2().floor() as i32;
    if shift < 0 {
        return Err(QuantizeError::Range(format!(
            "{what}: scale {real} is too large"
        )));
    }
    let shift = shift.min(62);
    let multiplier = (real * f64::from(shift).exp2()).round();
    Ok((multiplier as i32, shift as u8))
}

/// A right shift `a_frac + b_frac − out_frac`, or an error if the output format is finer
/// than the product's.
fn product_shift(a_frac: i32, b_frac: i32, out_frac: i32, what: &str) -> Result<u8, QuantizeError> {
    let shift = a_frac + b_frac - out_frac;
    u8::try_from(shift)
        .ok()
        .filter(|&s| s <= 62)
        .ok_or_else(|| QuantizeError::Range(format!("{what}: product shift {shift} out of range")))
}

/// Quantizes a dense layer: int8 weights per output row (scaled down further where the
/// worst-case accumulator would not fit i32), bias in accumulator units, requantizer to
/// the output format.
fn linear(
    l: &FloatLinear,
    in_frac: i32,
    out_frac: i32,
    what: &str,
) -> Result<QLinear, QuantizeError> {
    let mut q = QLinear {
        inputs: l.inputs,
        outputs: l.outputs,
        weights: Vec::with_capacity(l.weights.len()),
        bias: Vec::with_capacity(l.outputs),
        multiplier: Vec::with_capacity(l.outputs),
        shift: Vec::with_capacity(l.outputs),
    };
    for (o, row) in l.weights.chunks_exact(l.inputs).enumerate() {
        let (codes, bias, scale) = quantize_row(row, f64::from(l.bias[o]), in_frac, WEIGHT_MAX)?;
        q.weights.extend(codes.iter().map(|&w| w as i8));
        q.bias.push(bias);
        let (m, s) = requantizer(scale * f64::from(out_frac - in_frac).exp2(), what)?;
        q.multiplier.push(m);
        q.shift.push(s);
    }
    Ok(q)
}

/// One output row: weight codes (`|w| ≤ max_code`), bias in accumulator units, and the
/// real value of one weight code. Shrinks the scale until `Σ|w|·32767 + |b| < 2^31`.
fn quantize_row(
    row: &[f32],
    bias: f64,
    in_frac: i32,
    max_code: f64,
) -> Result<(Vec<i32>, i32, f64), QuantizeError> {
    if !bias.is_finite() || row.iter().any(|w| !w.is_finite()) {
        return Err(QuantizeError::Range(
            "the model has a weight or bias that is not finite (NaN or ∞)".into(),
        ));
    }
    let largest = row.iter().fold(0f64, |m, &w| m.max(f64::from(w).abs()));
    let mut scale = if largest > 0.0 {
        largest / max_code
    } else {
        1.0
    };
    for _ in 0..64 {
        let codes: Vec<i32> = row
            .iter()
            .map(|&w| (f64::from(w) / scale).round() as i32)
            .collect();
        let acc_unit = scale * f64::from(-in_frac).exp2();
        let bias_code = (bias / acc_unit).round();
        let worst = codes.iter().map(|&w| f64::from(w.abs())).sum::<f64>() * f64::from(I16_MAX)
            + bias_code.abs();
        if worst <= f64::from(i32::MAX) {
            return Ok((codes, bias_code as i32, scale));
        }
        scale *= 1.0 + (worst / f64::from(i32::MAX) - 1.0).max(0.01);
    }
    Err(QuantizeError::Range(format!(
        "a layer row cannot be quantized (bias {bias}, input fraction bits {in_frac}, \
         largest weight {largest})"
    )))
}

/// A table of `f` from input codes with `in_frac` bits to output codes with `out_frac`
/// bits (lowered until the table's entries and steps are within bounds).
fn lut(f: impl Fn(f64) -> f64, in_frac: i32, out_frac: i32) -> Result<(Lut, i32), QuantizeError> {
    let mut out_frac = out_frac;
    loop {
        let entries: Vec<i32> = (0..LUT_LEN)
            .map(|i| {
                let input = (i as f64 * 16.0 - 32_768.0) * f64::from(-in_frac).exp2();
                code(f(input), out_frac, f64::from(LUT_MAX_ENTRY)) as i32
            })
            .collect();
        let steep = entries
            .windows(2)
            .any(|w| (w[1] - w[0]).abs() > LUT_MAX_STEP);
        if !steep && let Some(table) = Lut::new(entries) {
            return Ok((table, out_frac));
        }
        out_frac -= 1;
        if out_frac < -31 {
            return Err(QuantizeError::Range("a function table does not fit".into()));
        }
    }
}

/// Fraction bits of LayerNorm's output: `|(x − mean)/σ| ≤ √d`, so `15 − ⌈log2 √d⌉`.
fn ln_out_frac(d_model: usize) -> i32 {
    let log2_d = (d_model as f64).log2().ceil() as i32;
    15 - (log2_d + 1) / 2
}

/// The smallest even shift with `d · 2^(30 − s) ≤ 2^31 − 1`.
fn ln_var_shift(d_model: usize) -> u8 {
    (0u8..=30)
        .step_by(2)
        .find(|&s| (d_model as u64) << (30 - u32::from(s)) <= i32::MAX as u64)
        .unwrap_or(30)
}

/// ε in variance units for an input with `in_frac` bits (≥ 1).
fn ln_eps(in_frac: i32, var_shift: u8) -> u32 {
    let eps = LAYER_NORM_EPS * f64::from(2 * in_frac - i32::from(var_shift)).exp2();
    eps.round().clamp(1.0, f64::from(1u32 << 30)) as u32
}

/// Builds the integer model. `temperature` divides the logits in the softmax.
pub(super) fn build(
    float: &FloatModel,
    ranges: &Ranges,
    temperature: f64,
) -> Result<QuantizedModel, QuantizeError> {
    let mut formats = Formats::default();
    let residual = formats.add(
        "residual",
        frac_for(ranges.get(Activation::Residual)?, I16_TARGET),
    );
    let ln_frac = formats.add("layer_norm", ln_out_frac(float.d_model));
    let var_shift = ln_var_shift(float.d_model);
    let embedding = float
        .embedding
        .iter()
        .map(|&v| code(f64::from(v), residual, f64::from(I16_MAX)) as i16)
        .collect();
    let mut blocks = Vec::with_capacity(float.blocks.len());
    for (layer, block) in float.blocks.iter().enumerate() {
        let context = BlockContext {
            float,
            ranges,
            layer,
            residual,
            ln_frac,
            var_shift,
        };
        blocks.push(context.build(block, &mut formats)?);
    }
    let hidden = formats.add(
        "head.hidden",
        frac_for(ranges.get(Activation::HeadHidden)?, I16_TARGET),
    );
    let logits = formats.add(
        "logits",
        frac_for(ranges.get(Activation::Logits)?, I16_TARGET),
    );
    let model = QuantizedModel {
        dims: Dims {
            d_model: float.d_model,
            num_layers: float.blocks.len(),
            d_state: float.d_state,
            d_conv: float.d_conv,
            d_inner: float.d_inner,
            dt_rank: float.dt_rank,
        },
        embedding,
        ln_var_shift: var_shift,
        ln_out_frac: ln_frac as u8,
        blocks,
        head_hidden: linear(&float.head_hidden, residual, hidden, "head.hidden")?,
        head_logits: linear(&float.head_logits, hidden, logits, "head.logits")?,
        softmax: softmax_constants(logits, temperature)?,
        exp2: Exp2Table::new(fixed::reference::exp2_entries())
            .ok_or_else(|| QuantizeError::Range("exp2 table".into()))?,
        inv_sqrt: InvSqrtTable::new(fixed::reference::inv_sqrt_entries())
            .ok_or_else(|| QuantizeError::Range("inverse square root table".into()))?,
        formats: formats.0,
    };
    model
        .validate()
        .map_err(|e| QuantizeError::Invalid(e.into()))?;
    Ok(model)
}

/// `(max − l) · multiplier >> shift` = `(max − l) · 2^−logit_frac · log2(e) / T` in Q16.
pub(super) fn softmax_constants(
    logit_frac: i32,
    temperature: f64,
) -> Result<QSoftmax, QuantizeError> {
    let real = std::f64::consts::LOG2_E / temperature * f64::from(16 - logit_frac).exp2();
    let (multiplier, shift) = requantizer(real, "softmax")?;
    Ok(QSoftmax { multiplier, shift })
}

struct BlockContext<'a> {
    float: &'a FloatModel,
    ranges: &'a Ranges,
    layer: usize,
    residual: i32,
    ln_frac: i32,
    var_shift: u8,
}

impl BlockContext<'_> {
    fn key(&self, part: BlockPart) -> Activation {
        Activation::Block {
            layer: self.layer,
            part,
        }
    }

    fn build(&self, b: &FloatBlock, formats: &mut Formats) -> Result<QBlock, QuantizeError> {
        let (di, n, k) = (self.float.d_inner, self.float.d_state, self.float.d_conv);
        let ln = self.ln_frac;
        let frac = |part, target: f64| -> Result<i32, QuantizeError> {
            Ok(frac_for(self.ranges.get(self.key(part))?, target))
        };
        let f_in_x = frac(BlockPart::InX, I16_TARGET)?;
        let f_z = frac(BlockPart::Z, I16_TARGET)?;
        let f_conv = frac(BlockPart::Conv, I16_TARGET)?;
        let f_delta_low = frac(BlockPart::DeltaLow, I16_TARGET)?;
        let f_b = frac(BlockPart::B, I16_TARGET)?;
        let f_c = frac(BlockPart::C, I16_TARGET)?;
        let f_delta_pre = frac(BlockPart::DeltaPre, I16_TARGET)?;
        let (softplus_table, f_delta) = lut(
            |v| f64::from(softplus(v as f32)),
            f_delta_pre,
            frac(BlockPart::Delta, I32_TARGET)?,
        )?;
        let (silu_conv, f_u) = lut(
            |v| f64::from(silu(v as f32)),
            f_conv,
            frac(BlockPart::U, I16_TARGET)?,
        )?;
        let (silu_z, f_silu_z) = lut(
            |v| f64::from(silu(v as f32)),
            f_z,
            frac(BlockPart::SiluZ, I32_TARGET)?,
        )?;
        let f_delta_u = frac(BlockPart::DeltaU, I32_TARGET)?.min(f_delta + f_u);
        // The scan's Δu·B and C·h products are 32-bit friendly when their shifts are ≥ 16
        // (`Mul16` in the engine): give up fraction bits of h and y for that while at
        // least 2^20 codes remain for their calibrated range.
        let narrow = |frac_for_target: i32, wanted: i32| {
            frac_for_target.min(wanted.max(frac_for_target - 4))
        };
        let f_h = narrow(frac(BlockPart::H, I32_TARGET)?, f_delta_u + f_b - 16);
        // y is a sum of d_state terms each clamped to 2^29 / d_state: keep terms below that.
        let term_target = f64::from(1u32 << 29) / n as f64 / 8.0;
        let f_y = narrow(
            frac(BlockPart::Y, I32_TARGET)?.min(frac(BlockPart::YTerm, term_target)?),
            f_c + f_h - 16,
        );
        let f_gated = frac(BlockPart::Gated, I16_TARGET)?;
        let f_mixed = frac(BlockPart::Mixed, I16_TARGET)?;
        let f_ff_hidden = frac(BlockPart::FfHidden, I16_TARGET)?;
        let (gelu_table, f_act) = lut(
            |v| f64::from(gelu(v as f32)),
            f_ff_hidden,
            frac(BlockPart::FfActivated, I16_TARGET)?,
        )?;
        for (part, value) in [
            (BlockPart::InX, f_in_x),
            (BlockPart::Z, f_z),
            (BlockPart::Conv, f_conv),
            (BlockPart::U, f_u),
            (BlockPart::DeltaLow, f_delta_low),
            (BlockPart::B, f_b),
            (BlockPart::C, f_c),
            (BlockPart::DeltaPre, f_delta_pre),
            (BlockPart::Delta, f_delta),
            (BlockPart::SiluZ, f_silu_z),
            (BlockPart::DeltaU, f_delta_u),
            (BlockPart::H, f_h),
            (BlockPart::Y, f_y),
            (BlockPart::Gated, f_gated),
            (BlockPart::Mixed, f_mixed),
            (BlockPart::FfHidden, f_ff_hidden),
            (BlockPart::FfActivated, f_act),
        ] {
            formats.add(&self.key(part).name(), value);
        }

        let max_a = b.a.iter().fold(0f32, |m, a| m.max(a.abs())) * std::f32::consts::LOG2_E;
        let f_a = frac_for(max_a, I32_TARGET);
        let max_skip = b.skip.iter().fold(0f32, |m, v| m.max(v.abs()));
        let f_skip = frac_for(max_skip, I32_TARGET);
        formats.add(&format!("block{}.a_log2e", self.layer), f_a);
        formats.add(&format!("block{}.skip", self.layer), f_skip);
        let scan = QScan {
            a_log2e: b
                .a
                .iter()
                .map(|&a| code(f64::from(a.abs()) * std::f64::consts::LOG2_E, f_a, 2e9) as i32)
                .collect(),
            decay_shift: product_shift(f_delta, f_a, 16, "decay")?,
            delta_u_shift: product_shift(f_delta, f_u, f_delta_u, "Δu")?,
            input_shift: product_shift(f_delta_u, f_b, f_h, "Δu·B")?,
            output_shift: product_shift(f_c, f_h, f_y, "C·h")?,
            skip: b
                .skip
                .iter()
                .map(|&v| code(f64::from(v), f_skip, 2e9) as i32)
                .collect(),
            skip_shift: product_shift(f_skip, f_u, f_y, "D·u")?,
            gate_shift: product_shift(f_y, f_silu_z, f_gated, "gate")?,
        };
        let ln_in = |frac| ln_eps(frac, self.var_shift);
        Ok(QBlock {
            ln1_eps: ln_in(self.residual),
            in_x: linear(&b.in_x, ln, f_in_x, "in_x")?,
            in_z: linear(&b.in_z, ln, f_z, "in_z")?,
            conv: self.conv(b, k, di, f_in_x, f_conv)?,
            silu_conv,
            x_delta: linear(&b.x_delta, f_u, f_delta_low, "x_delta")?,
            x_b: linear(&b.x_b, f_u, f_b, "x_b")?,
            x_c: linear(&b.x_c, f_u, f_c, "x_c")?,
            dt_proj: linear(&b.dt_proj, f_delta_low, f_delta_pre, "dt_proj")?,
            softplus: softplus_table,
            scan,
            silu_z,
            out_proj: linear(&b.out_proj, f_gated, f_mixed, "out_proj")?,
            ln2_eps: ln_in(f_mixed),
            ff_expand: linear(&b.ff_expand, ln, f_ff_hidden, "ff_expand")?,
            gelu: gelu_table,
            ff_contract: linear(&b.ff_contract, f_act, self.residual, "ff_contract")?,
        })
    }

    fn conv(
        &self,
        b: &FloatBlock,
        k: usize,
        di: usize,
        in_frac: i32,
        out_frac: i32,
    ) -> Result<QConv, QuantizeError> {
        let mut conv = QConv {
            weights: Vec::with_capacity(di * k),
            bias: Vec::with_capacity(di),
            multiplier: Vec::with_capacity(di),
            shift: Vec::with_capacity(di),
        };
        for c in 0..di {
            let taps = &b.conv_weights[c * k..(c + 1) * k];
            let (codes, bias, scale) =
                quantize_row(taps, f64::from(b.conv_bias[c]), in_frac, CONV_WEIGHT_MAX)?;
            conv.weights.extend(codes.iter().map(|&w| w as i16));
            conv.bias.push(bias);
            let (m, s) = requantizer(scale * f64::from(out_frac - in_frac).exp2(), "conv")?;
            conv.multiplier.push(m);
            conv.shift.push(s);
        }
        Ok(conv)
    }
}
