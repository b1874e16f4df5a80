//! The float model on the host, arranged exactly as the integer engine computes it
//! (LayerNorm's γ/β folded into the next layer, `in_proj` and `x_proj` split), run over
//! calibration data to measure the range of every activation the engine quantizes.

use std::collections::BTreeMap;

use burn::nn::{LayerNorm, Linear};

use super::QuantizeError;
use crate::model::block::MambaBlock;
use crate::model::{BoaBytePredictor, host_values};

/// LayerNorm's ε in BOA's model (PyTorch's and burn's default).
pub const LAYER_NORM_EPS: f64 = 1e-5;

/// A dense layer on the host: `y = W·x + b`, `W` as `[outputs][inputs]`.
#[derive(Clone, Debug)]
pub struct FloatLinear {
    pub inputs: usize,
    pub outputs: usize,
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

impl FloatLinear {
    fn from_burn(linear: &Linear) -> Self {
        let [inputs, outputs] = linear.weight.dims();
        let stored = host_values(linear.weight.val()); // burn stores [inputs][outputs]
        let mut weights = vec![0f32; inputs * outputs];
        for i in 0..inputs {
            for o in 0..outputs {
                weights[o * inputs + i] = stored[i * outputs + o];
            }
        }
        let bias = linear
            .bias
            .as_ref()
            .map_or_else(|| vec![0f32; outputs], |b| host_values(b.val()));
        Self {
            inputs,
            outputs,
            weights,
            bias,
        }
    }

    /// Rows `start..end` of the output features.
    fn rows(&self, start: usize, end: usize) -> Self {
        Self {
            inputs: self.inputs,
            outputs: end - start,
            weights: self.weights[start * self.inputs..end * self.inputs].to_vec(),
            bias: self.bias[start..end].to_vec(),
        }
    }

    /// Folds a preceding LayerNorm's `γ`, `β` in: `W' = W·diag(γ)`, `b' = b + W·β`.
    fn fold(mut self, gamma: &[f32], beta: &[f32]) -> Self {
        for (o, row) in self.weights.chunks_exact_mut(self.inputs).enumerate() {
            let shift: f32 = row.iter().zip(beta).map(|(w, b)| w * b).sum();
            self.bias[o] += shift;
            for (w, g) in row.iter_mut().zip(gamma) {
                *w *= g;
            }
        }
        self
    }

    /// `out[r] = W·x[r] + b` for each row.
    pub fn forward(&self, x: &[f32], out: &mut Vec<f32>) {
        let rows = x.len() / self.inputs;
        out.resize(rows * self.outputs, 0.0);
        let compute = |(x_row, out_row): (&[f32], &mut [f32])| {
            for (o, y) in out_row.iter_mut().enumerate() {
                let w = &self.weights[o * self.inputs..(o + 1) * self.inputs];
                *y = dot(x_row, w) + self.bias[o];
            }
        };
        use rayon::prelude::*;
        x.par_chunks_exact(self.inputs)
            .zip(out.par_chunks_exact_mut(self.outputs))
            .for_each(compute);
    }
}

/// A dot product with 8 independent partial sums (vectorises).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// One block, arranged as the engine computes it.
#[derive(Clone, Debug)]
pub struct FloatBlock {
    pub in_x: FloatLinear,
    pub in_z: FloatLinear,
    /// `[channels][K]`.
    pub conv_weights: Vec<f32>,
    pub conv_bias: Vec<f32>,
    pub x_delta: FloatLinear,
    pub x_b: FloatLinear,
    pub x_c: FloatLinear,
    pub dt_proj: FloatLinear,
    /// `A = −exp(A_log)`, `[d_inner][d_state]`.
    pub a: Vec<f32>,
    pub skip: Vec<f32>,
    pub out_proj: FloatLinear,
    pub ff_expand: FloatLinear,
    pub ff_contract: FloatLinear,
}

/// The whole model on the host.
#[derive(Clone, Debug)]
pub struct FloatModel {
    pub d_model: usize,
    pub d_inner: usize,
    pub d_state: usize,
    pub d_conv: usize,
    pub dt_rank: usize,
    /// `[256][d_model]`.
    pub embedding: Vec<f32>,
    pub blocks: Vec<FloatBlock>,
    pub head_hidden: FloatLinear,
    pub head_logits: FloatLinear,
}

fn norm_params(ln: &LayerNorm) -> (Vec<f32>, Vec<f32>) {
    let gamma = host_values(ln.gamma.val());
    let beta = ln
        .beta
        .as_ref()
        .map_or_else(|| vec![0f32; gamma.len()], |b| host_values(b.val()));
    (gamma, beta)
}

impl FloatModel {
    /// Copies a burn model's weights to the host.
    #[must_use]
    pub fn from_burn(model: &BoaBytePredictor) -> Self {
        let config = model.config();
        let (di, n, r) = (config.d_inner(), config.d_state, config.dt_rank());
        let block = |b: &MambaBlock| {
            let (g1, b1) = norm_params(&b.ln1);
            let (g2, b2) = norm_params(&b.ln2);
            let in_proj = FloatLinear::from_burn(&b.mamba.in_proj);
            let x_proj = FloatLinear::from_burn(&b.mamba.x_proj);
            FloatBlock {
                in_x: in_proj.rows(0, di).fold(&g1, &b1),
                in_z: in_proj.rows(di, 2 * di).fold(&g1, &b1),
                conv_weights: host_values(b.mamba.conv1d.weight.val()),
                conv_bias: host_values(b.mamba.conv1d.bias.val()),
                x_delta: x_proj.rows(0, r),
                x_b: x_proj.rows(r, r + n),
                x_c: x_proj.rows(r + n, r + 2 * n),
                dt_proj: FloatLinear::from_burn(&b.mamba.dt_proj),
                a: host_values(b.mamba.a_log.val())
                    .iter()
                    .map(|v| -v.exp())
                    .collect(),
                skip: host_values(b.mamba.d.val()),
                out_proj: FloatLinear::from_burn(&b.mamba.out_proj),
                ff_expand: FloatLinear::from_burn(&b.ff.expand).fold(&g2, &b2),
                ff_contract: FloatLinear::from_burn(&b.ff.contract),
            }
        };
        Self {
            d_model: config.d_model,
            d_inner: di,
            d_state: n,
            d_conv: config.d_conv,
            dt_rank: r,
            embedding: host_values(model.embedding.weight.val()),
            blocks: model.blocks.iter().map(block).collect(),
            head_hidden: FloatLinear::from_burn(&model.head.hidden),
            head_logits: FloatLinear::from_burn(&model.head.logits),
        }
    }

    /// Runs `bytes` as one sequence from the zero state (in passes of `rows` positions)
    /// and returns the largest magnitude of every quantized activation, by name.
    #[must_use]
    pub fn ranges(&self, bytes: &[u8], rows: usize, progress: &mut dyn FnMut(usize)) -> Ranges {
        let mut ranges = Ranges::default();
        let mut state = FloatState::zeros(self);
        let mut done = 0;
        for pass in bytes.chunks(rows.max(1)) {
            self.forward(pass, &mut state, &mut ranges);
            done += pass.len();
            progress(done);
        }
        ranges
    }

    fn forward(&self, bytes: &[u8], state: &mut FloatState, ranges: &mut Ranges) -> Vec<f32> {
        let dm = self.d_model;
        let mut x: Vec<f32> = Vec::with_capacity(bytes.len() * dm);
        for &b in bytes {
            let start = usize::from(b) * dm;
            x.extend_from_slice(&self.embedding[start..start + dm]);
        }
        ranges.record(Activation::Residual, &x);
        for (layer, block) in self.blocks.iter().enumerate() {
            self.block(layer, block, &mut x, state, ranges);
        }
        let mut hidden = Vec::new();
        self.head_hidden.forward(&x, &mut hidden);
        hidden.iter_mut().for_each(|v| *v = v.max(0.0));
        ranges.record(Activation::HeadHidden, &hidden);
        let mut logits = Vec::new();
        self.head_logits.forward(&hidden, &mut logits);
        ranges.record(Activation::Logits, &logits);
        logits
    }

    fn block(
        &self,
        layer: usize,
        b: &FloatBlock,
        x: &mut [f32],
        state: &mut FloatState,
        ranges: &mut Ranges,
    ) {
        let (dm, di, n, k) = (self.d_model, self.d_inner, self.d_state, self.d_conv);
        let key = |part| Activation::Block { layer, part };
        let rows = x.len() / dm;
        let normed = layer_norm(x, dm);
        let (mut x_in, mut z) = (Vec::new(), Vec::new());
        b.in_x.forward(&normed, &mut x_in);
        b.in_z.forward(&normed, &mut z);
        ranges.record(key(BlockPart::InX), &x_in);
        ranges.record(key(BlockPart::Z), &z);
        let mut conv = vec![0f32; rows * di];
        let history = &mut state.conv[layer];
        for r in 0..rows {
            history.extend_from_slice(&x_in[r * di..(r + 1) * di]);
            for c in 0..di {
                let mut acc = b.conv_bias[c];
                for tap in 0..k {
                    acc += b.conv_weights[c * k + tap] * history[tap * di + c];
                }
                conv[r * di + c] = acc;
            }
            history.drain(..di);
        }
        ranges.record(key(BlockPart::Conv), &conv);
        let u: Vec<f32> = conv.iter().map(|&v| silu(v)).collect();
        ranges.record(key(BlockPart::U), &u);
        let (mut delta_low, mut bb, mut cc, mut delta_pre) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        b.x_delta.forward(&u, &mut delta_low);
        b.x_b.forward(&u, &mut bb);
        b.x_c.forward(&u, &mut cc);
        b.dt_proj.forward(&delta_low, &mut delta_pre);
        ranges.record(key(BlockPart::DeltaLow), &delta_low);
        ranges.record(key(BlockPart::B), &bb);
        ranges.record(key(BlockPart::C), &cc);
        ranges.record(key(BlockPart::DeltaPre), &delta_pre);
        let delta: Vec<f32> = delta_pre.iter().map(|&v| softplus(v)).collect();
        ranges.record(key(BlockPart::Delta), &delta);
        let silu_z: Vec<f32> = z.iter().map(|&v| silu(v)).collect();
        ranges.record(key(BlockPart::SiluZ), &silu_z);
        let mut gated = vec![0f32; rows * di];
        let h = &mut state.ssm[layer];
        let mut stats = ScanStats::default();
        for r in 0..rows {
            for c in 0..di {
                let (dt, uc) = (delta[r * di + c], u[r * di + c]);
                let dtu = dt * uc;
                stats.delta_u = stats.delta_u.max(dtu.abs());
                let mut y = b.skip[c] * uc;
                for s in 0..n {
                    let i = c * n + s;
                    h[i] = (dt * b.a[i]).exp() * h[i] + dtu * bb[r * n + s];
                    let term = cc[r * n + s] * h[i];
                    stats.h = stats.h.max(h[i].abs());
                    stats.term = stats.term.max(term.abs());
                    y += term;
                }
                stats.y = stats.y.max(y.abs());
                gated[r * di + c] = y * silu_z[r * di + c];
            }
        }
        ranges.max(key(BlockPart::DeltaU), stats.delta_u);
        ranges.max(key(BlockPart::H), stats.h);
        ranges.max(key(BlockPart::YTerm), stats.term);
        ranges.max(key(BlockPart::Y), stats.y);
        ranges.record(key(BlockPart::Gated), &gated);
        let mut mixed = Vec::new();
        b.out_proj.forward(&gated, &mut mixed);
        ranges.record(key(BlockPart::Mixed), &mixed);
        let normed = layer_norm(&mixed, dm);
        let mut hidden = Vec::new();
        b.ff_expand.forward(&normed, &mut hidden);
        ranges.record(key(BlockPart::FfHidden), &hidden);
        let activated: Vec<f32> = hidden.iter().map(|&v| gelu(v)).collect();
        ranges.record(key(BlockPart::FfActivated), &activated);
        let mut update = Vec::new();
        b.ff_contract.forward(&activated, &mut update);
        for (xv, f) in x.iter_mut().zip(&update) {
            *xv += f;
        }
        ranges.record(Activation::Residual, x);
    }
}

#[derive(Default)]
struct ScanStats {
    delta_u: f32,
    h: f32,
    term: f32,
    y: f32,
}

/// The recurrent state of the host model.
struct FloatState {
    conv: Vec<Vec<f32>>,
    ssm: Vec<Vec<f32>>,
}

impl FloatState {
    fn zeros(m: &FloatModel) -> Self {
        Self {
            conv: vec![vec![0f32; (m.d_conv - 1) * m.d_inner]; m.blocks.len()],
            ssm: vec![vec![0f32; m.d_inner * m.d_state]; m.blocks.len()],
        }
    }
}

fn layer_norm(x: &[f32], d: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len());
    for row in x.chunks_exact(d) {
        let mean = row.iter().sum::<f32>() / d as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / d as f32;
        let inv = 1.0 / (var + LAYER_NORM_EPS as f32).sqrt();
        out.extend(row.iter().map(|v| (v - mean) * inv));
    }
    out
}

/// `x · sigmoid(x)`.
pub fn silu(x: f32) -> f32 {
    x / (1.0 + (-x).exp())
}

/// `log(1 + e^x)`, as PyTorch computes it (linear above 20).
pub fn softplus(x: f32) -> f32 {
    if x > 20.0 { x } else { x.exp().ln_1p() }
}

/// Exact GELU, `x · Φ(x)`.
pub fn gelu(x: f32) -> f32 {
    let x = f64::from(x);
    (0.5 * x * (1.0 + erf(x / std::f64::consts::SQRT_2))) as f32
}

/// The error function: its Maclaurin series for |x| < 2, the continued fraction of erfc
/// (Lentz's method) above; |error| < 1e-12. Float code for building tables only.
fn erf(x: f64) -> f64 {
    let a = x.abs();
    let value = if a < 2.0 {
        // Maclaurin series: converges quickly for |x| < 2 (40 terms: < 1e-16).
        let mut term = a;
        let mut sum = a;
        let x2 = a * a;
        for k in 1..60 {
            term *= -x2 / k as f64;
            sum += term / (2 * k + 1) as f64;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        // Continued fraction for erfc (Lentz), accurate for |x| ≥ 2.
        let mut f = a;
        let (mut c, mut d) = (a, 0.0f64);
        for k in 1..200 {
            let an = k as f64 / 2.0;
            d = 1.0 / (a + an * d);
            c = a + an / c;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        1.0 - (-a * a).exp() / (f * std::f64::consts::PI.sqrt())
    };
    value.copysign(x)
}

/// An activation whose range calibration measures: a typed key, so that a misspelt
/// name is a compile error rather than a silent range of 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Activation {
    /// The residual stream (embedding and every block's output).
    Residual,
    /// The head's hidden layer, after ReLU.
    HeadHidden,
    /// The logits.
    Logits,
    /// An activation inside block `layer`.
    Block {
        /// The block.
        layer: usize,
        /// Which activation.
        part: BlockPart,
    },
}

/// The activations of a block that calibration measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BlockPart {
    /// `in_x`.
    InX,
    /// `z`.
    Z,
    /// `conv`.
    Conv,
    /// `u`.
    U,
    /// `delta_low`.
    DeltaLow,
    /// `b`.
    B,
    /// `c`.
    C,
    /// `delta_pre`.
    DeltaPre,
    /// `delta`.
    Delta,
    /// `silu_z`.
    SiluZ,
    /// `delta_u`.
    DeltaU,
    /// `h`.
    H,
    /// `y_term`.
    YTerm,
    /// `y`.
    Y,
    /// `gated`.
    Gated,
    /// `mixed`.
    Mixed,
    /// `ff_hidden`.
    FfHidden,
    /// `ff_activated`.
    FfActivated,
}

impl BlockPart {
    /// The part's name in format names (`block0.NAME`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::InX => "in_x",
            Self::Z => "z",
            Self::Conv => "conv",
            Self::U => "u",
            Self::DeltaLow => "delta_low",
            Self::B => "b",
            Self::C => "c",
            Self::DeltaPre => "delta_pre",
            Self::Delta => "delta",
            Self::SiluZ => "silu_z",
            Self::DeltaU => "delta_u",
            Self::H => "h",
            Self::YTerm => "y_term",
            Self::Y => "y",
            Self::Gated => "gated",
            Self::Mixed => "mixed",
            Self::FfHidden => "ff_hidden",
            Self::FfActivated => "ff_activated",
        }
    }
}

impl Activation {
    /// The name its fixed-point format gets in the `.boam` file (`residual`,
    /// `head.hidden`, `logits`, `block0.in_x`, …).
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::Residual => "residual".into(),
            Self::HeadHidden => "head.hidden".into(),
            Self::Logits => "logits".into(),
            Self::Block { layer, part } => format!("block{layer}.{}", part.name()),
        }
    }
}

/// Largest magnitudes seen, by activation.
#[derive(Clone, Debug, Default)]
pub struct Ranges {
    max: BTreeMap<Activation, f32>,
}

impl Ranges {
    fn record(&mut self, key: Activation, values: &[f32]) {
        let m = values.iter().fold(0f32, |m, v| m.max(v.abs()));
        self.max(key, m);
    }

    fn max(&mut self, key: Activation, value: f32) {
        let entry = self.max.entry(key).or_insert(0.0);
        *entry = entry.max(value);
    }

    /// The largest magnitude seen for `key`.
    ///
    /// # Errors
    /// [`QuantizeError::MissingRange`] when calibration never recorded it (a bug: every
    /// activation the quantizer asks for is recorded on every forward pass).
    pub fn get(&self, key: Activation) -> Result<f32, QuantizeError> {
        self.max
            .get(&key)
            .copied()
            .ok_or_else(|| QuantizeError::MissingRange(key.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_never_recorded_is_an_error() {
        let mut ranges = Ranges::default();
        ranges.record(Activation::Logits, &[1.0, -3.0]);
        assert_eq!(ranges.get(Activation::Logits).ok(), Some(3.0));
        let missing = Activation::Block {
            layer: 1,
            part: BlockPart::DeltaU,
        };
        let error = ranges.get(missing).expect_err("never recorded");
        assert_eq!(
            error.to_string(),
            "calibration recorded no range for block1.delta_u"
        );
    }

    #[test]
    fn erf_matches_known_values() {
        for (x, want) in [
            (0.0, 0.0),
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (3.0, 0.999_977_909_503_001_4),
            (-1.0, -0.842_700_792_949_714_9),
        ] {
            assert!((erf(x) - want).abs() < 1e-12, "erf({x}) = {}", erf(x));
        }
    }
}
