//! [`QuantizedModel`]: the integer model the engine runs, as stored in a `.boam` file.
//!
//! Every value here is an integer; the fixed-point format of each activation is recorded
//! in [`QuantizedModel::formats`] (informational: the engine needs only the shifts and
//! multipliers). `docs/engine.md` defines how each part is used, `docs/model-format.md`
//! how it is stored.

use super::fixed::{Exp2Table, I16_MAX, InvSqrtTable, Lut};
pub use super::limits::{InvalidModel, Limits};

/// Sizes of the architecture (BOA's `BoaBytePredictor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    /// Width of the residual stream.
    pub d_model: usize,
    /// Number of blocks.
    pub num_layers: usize,
    /// SSM state size `N` per channel.
    pub d_state: usize,
    /// Causal convolution width `K`.
    pub d_conv: usize,
    /// Mixer channels (`expand · d_model`).
    pub d_inner: usize,
    /// Rank of Δ's projection.
    pub dt_rank: usize,
}

/// A linear layer `y = requantize(W·x + b)` over 16-bit input codes.
///
/// Output `o`: `acc = b[o] + Σ_i W[o,i] · x[i]` (exact in i32: the quantizer proves
/// `Σ_i |W[o,i]| · 32767 + |b[o]| ≤ 2^31 − 1` and loading checks it again), then
/// `y[o] = clamp(mul_round(acc, multiplier[o], shift[o]), ±32767)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QLinear {
    /// Input features.
    pub inputs: usize,
    /// Output features.
    pub outputs: usize,
    /// `[outputs][inputs]`, int8 per output channel.
    pub weights: Vec<i8>,
    /// `[outputs]`, in accumulator units.
    pub bias: Vec<i32>,
    /// `[outputs]`, `0 ..= 2^16`.
    pub multiplier: Vec<i32>,
    /// `[outputs]`, `0 ..= 62`.
    pub shift: Vec<u8>,
}

/// The causal depthwise convolution: per channel `c`,
/// `acc = b[c] + Σ_k W[c,k] · x[t−K+1+k, c]`, then requantized like [`QLinear`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QConv {
    /// `[channels][K]`, 16-bit.
    pub weights: Vec<i16>,
    /// `[channels]`, accumulator units.
    pub bias: Vec<i32>,
    /// `[channels]`, `0 ..= 2^16`.
    pub multiplier: Vec<i32>,
    /// `[channels]`, `0 ..= 62`.
    pub shift: Vec<u8>,
}

/// The selective scan's integer constants (see `docs/engine.md`, "Selective scan").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QScan {
    /// `|A[c,n]| · log2(e)`, `[d_inner][d_state]`, ≥ 0.
    pub a_log2e: Vec<i32>,
    /// `Δ · a_log2e` → exponent in Q16.
    pub decay_shift: u8,
    /// `Δ · u` → `Δu`.
    pub delta_u_shift: u8,
    /// `Δu · B` → state units.
    pub input_shift: u8,
    /// `C · h` → output units.
    pub output_shift: u8,
    /// Skip weights `D`, `[d_inner]`.
    pub skip: Vec<i32>,
    /// `D · u` → output units.
    pub skip_shift: u8,
    /// `y · SiLU(z)` → 16-bit gated output.
    pub gate_shift: u8,
}

impl QScan {
    /// The six shifts in file order: decay, Δu, input, output, skip, gate.
    #[must_use]
    pub fn shifts(&self) -> [u8; 6] {
        [
            self.decay_shift,
            self.delta_u_shift,
            self.input_shift,
            self.output_shift,
            self.skip_shift,
            self.gate_shift,
        ]
    }
}

/// One residual block `x + FF(LN2(Mamba(LN1(x))))`. LayerNorm's γ and β are folded into
/// the layers that follow them (`in_x`, `in_z`, `ff_expand`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QBlock {
    /// LN1's ε in variance units.
    pub ln1_eps: u32,
    /// `in_proj`'s first half (the mixer's input), γ/β of LN1 folded in.
    pub in_x: QLinear,
    /// `in_proj`'s second half (the gate `z`), γ/β of LN1 folded in.
    pub in_z: QLinear,
    /// The causal convolution.
    pub conv: QConv,
    /// SiLU after the convolution.
    pub silu_conv: Lut,
    /// `x_proj`'s Δ rows.
    pub x_delta: QLinear,
    /// `x_proj`'s B rows.
    pub x_b: QLinear,
    /// `x_proj`'s C rows.
    pub x_c: QLinear,
    /// `dt_proj` (with its bias).
    pub dt_proj: QLinear,
    /// softplus: Δ's pre-activation → Δ (32-bit codes).
    pub softplus: Lut,
    /// The scan's constants.
    pub scan: QScan,
    /// SiLU of the gate `z`.
    pub silu_z: Lut,
    /// `out_proj`.
    pub out_proj: QLinear,
    /// LN2's ε in variance units.
    pub ln2_eps: u32,
    /// `ff.0`, γ/β of LN2 folded in.
    pub ff_expand: QLinear,
    /// Exact (erf) GELU.
    pub gelu: Lut,
    /// `ff.2`, into the residual stream's format.
    pub ff_contract: QLinear,
}

/// The integer softmax that turns logits into a frequency table (`docs/engine.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QSoftmax {
    /// `(max − logit) · multiplier >> shift` is the exponent in Q16 (log2 units): the
    /// temperature and the logits' format are folded into it.
    pub multiplier: i32,
    /// See `multiplier`; `0 ..= 62`.
    pub shift: u8,
}

/// A named fixed-point format: codes of `name` stand for `code · 2^−frac`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedFormat {
    /// Which activation, e.g. `block0.delta`.
    pub name: String,
    /// Fraction bits.
    pub frac: i8,
}

/// The whole integer model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantizedModel {
    /// Architecture sizes.
    pub dims: Dims,
    /// Fraction bits of every activation (self-description; not used to compute).
    pub formats: Vec<NamedFormat>,
    /// `[256][d_model]`, codes in the residual stream's format.
    pub embedding: Vec<i16>,
    /// LayerNorm: squares are shifted right by this (even) amount before summing.
    pub ln_var_shift: u8,
    /// LayerNorm: fraction bits of the normalised output.
    pub ln_out_frac: u8,
    /// The blocks.
    pub blocks: Vec<QBlock>,
    /// Head `d → d`, followed by ReLU.
    pub head_hidden: QLinear,
    /// Head `d → 256`: the logits.
    pub head_logits: QLinear,
    /// Logits → frequencies.
    pub softmax: QSoftmax,
    /// `2^−y`.
    pub exp2: Exp2Table,
    /// `1/√V`.
    pub inv_sqrt: InvSqrtTable,
}

impl Dims {
    /// Checks that the sizes are within the engine's [`Limits`] and consistent.
    ///
    /// # Errors
    /// The first size out of range.
    pub fn validate(&self) -> Result<(), InvalidModel> {
        Limits::check("d_model", self.d_model, Limits::D_MODEL)?;
        Limits::check("num_layers", self.num_layers, Limits::NUM_LAYERS)?;
        Limits::check("d_state", self.d_state, Limits::D_STATE)?;
        Limits::check("d_conv", self.d_conv, Limits::D_CONV)?;
        Limits::check("d_inner", self.d_inner, Limits::D_INNER)?;
        Limits::check("dt_rank", self.dt_rank, Limits::DT_RANK)?;
        if !self.d_inner.is_multiple_of(self.d_model) {
            return Err(InvalidModel::InnerWidth {
                d_inner: self.d_inner,
                d_model: self.d_model,
            });
        }
        Ok(())
    }
}

/// `part`'s length must be `expected`.
fn check_len(part: &'static str, got: usize, expected: usize) -> Result<(), InvalidModel> {
    if got == expected {
        Ok(())
    } else {
        Err(InvalidModel::ArrayLen {
            part,
            got,
            expected,
        })
    }
}

impl QLinear {
    /// Checks shapes and the accumulator bound.
    pub(crate) fn validate(
        &self,
        layer: &'static str,
        inputs: usize,
        outputs: usize,
    ) -> Result<(), InvalidModel> {
        if self.inputs != inputs || self.outputs != outputs {
            return Err(InvalidModel::LayerShape {
                layer,
                got_outputs: self.outputs,
                got_inputs: self.inputs,
                outputs,
                inputs,
            });
        }
        check_requantizer(layer, &self.multiplier, &self.shift, outputs)?;
        // Shapes are within `Limits::FEATURES`, so the product fits in 32 bits.
        check_len(layer, self.weights.len(), inputs * outputs)?;
        check_len(layer, self.bias.len(), outputs)?;
        for (o, row) in self.weights.chunks(inputs.max(1)).enumerate() {
            let weights = row.iter().map(|&w| i64::from(w).abs()).sum::<i64>();
            check_accumulator(layer, o, weights, self.bias[o])?;
        }
        Ok(())
    }
}

impl QConv {
    /// Checks shapes and the accumulator bound.
    pub(crate) fn validate(&self, channels: usize, width: usize) -> Result<(), InvalidModel> {
        check_requantizer("conv", &self.multiplier, &self.shift, channels)?;
        check_len("conv", self.weights.len(), channels * width)?;
        check_len("conv", self.bias.len(), channels)?;
        for (c, taps) in self.weights.chunks(width.max(1)).enumerate() {
            let weights = taps.iter().map(|&w| i64::from(w).abs()).sum::<i64>();
            check_accumulator("conv", c, weights, self.bias[c])?;
        }
        Ok(())
    }
}

fn check_requantizer(
    layer: &'static str,
    multiplier: &[i32],
    shift: &[u8],
    n: usize,
) -> Result<(), InvalidModel> {
    check_len(layer, multiplier.len(), n)?;
    check_len(layer, shift.len(), n)?;
    let bad = multiplier
        .iter()
        .zip(shift)
        .position(|(&m, &s)| !(0..=1 << 16).contains(&m) || s > 62);
    match bad {
        Some(channel) => Err(InvalidModel::Requantizer { layer, channel }),
        None => Ok(()),
    }
}

/// The worst case of `b + Σ W·x` over all inputs `|x| ≤ 32767` must fit in i32.
fn check_accumulator(
    layer: &'static str,
    row: usize,
    abs_weights: i64,
    bias: i32,
) -> Result<(), InvalidModel> {
    let worst = abs_weights * i64::from(I16_MAX) + i64::from(bias).abs();
    if worst > i64::from(i32::MAX) {
        return Err(InvalidModel::Accumulator { layer, row, worst });
    }
    Ok(())
}

impl QuantizedModel {
    /// The fraction bits recorded for activation `name`, if any.
    #[must_use]
    pub fn format(&self, name: &str) -> Option<i32> {
        self.formats
            .iter()
            .find(|f| f.name == name)
            .map(|f| i32::from(f.frac))
    }

    /// The softmax temperature the quantizer chose, recovered from the softmax constants
    /// and the logits' format (for reports; the engine never computes it).
    #[must_use]
    pub fn temperature(&self) -> Option<f64> {
        let logit_frac = self.format("logits")?;
        let scale = f64::from(self.softmax.multiplier) * (-f64::from(self.softmax.shift)).exp2();
        (scale > 0.0).then(|| std::f64::consts::LOG2_E * f64::from(16 - logit_frac).exp2() / scale)
    }

    /// Checks every shape, range and overflow bound the engine relies on.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), InvalidModel> {
        let d = self.dims;
        d.validate()?;
        check_len("embedding", self.embedding.len(), 256 * d.d_model)?;
        let shift = self.ln_var_shift;
        if !shift.is_multiple_of(2) || shift > 30 {
            return Err(InvalidModel::LayerNormShift { got: shift });
        }
        // Σ over d of (c² >> s) with c² ≤ 2^30 must fit in i32.
        if (d.d_model as u64) << (30 - u32::from(shift)) > i32::MAX as u64 {
            return Err(InvalidModel::LayerNormShiftTooSmall {
                shift,
                d_model: d.d_model,
            });
        }
        if self.ln_out_frac > 15 {
            return Err(InvalidModel::LayerNormFormat {
                got: self.ln_out_frac,
            });
        }
        if self.blocks.len() != d.num_layers {
            return Err(InvalidModel::BlockCount {
                got: self.blocks.len(),
                expected: d.num_layers,
            });
        }
        for (index, block) in self.blocks.iter().enumerate() {
            block.validate(index, &d)?;
        }
        self.head_hidden
            .validate("head.hidden", d.d_model, d.d_model)?;
        self.head_logits.validate("head.logits", d.d_model, 256)?;
        let QSoftmax { multiplier, shift } = self.softmax;
        if multiplier < 0 || shift > 62 {
            return Err(InvalidModel::Softmax { multiplier, shift });
        }
        Ok(())
    }
}

impl QBlock {
    fn validate(&self, block: usize, d: &Dims) -> Result<(), InvalidModel> {
        let (dm, di, n, r) = (d.d_model, d.d_inner, d.d_state, d.dt_rank);
        if self.ln1_eps == 0 || self.ln2_eps == 0 {
            return Err(InvalidModel::LayerNormEpsilon { block });
        }
        self.in_x.validate("in_x", dm, di)?;
        self.in_z.validate("in_z", dm, di)?;
        self.conv.validate(di, d.d_conv)?;
        self.x_delta.validate("x_delta", di, r)?;
        self.x_b.validate("x_b", di, n)?;
        self.x_c.validate("x_c", di, n)?;
        self.dt_proj.validate("dt_proj", r, di)?;
        self.out_proj.validate("out_proj", di, dm)?;
        self.ff_expand.validate("ff_expand", dm, 4 * dm)?;
        self.ff_contract.validate("ff_contract", 4 * dm, dm)?;
        let s = &self.scan;
        check_len("scan decay", s.a_log2e.len(), di * n)?;
        check_len("scan skip", s.skip.len(), di)?;
        if s.a_log2e.iter().any(|&a| a < 0) {
            return Err(InvalidModel::NegativeDecay { block });
        }
        if let Some(&got) = s.shifts().iter().find(|&&x| x > 62) {
            return Err(InvalidModel::ScanShift { block, got });
        }
        Ok(())
    }
}
