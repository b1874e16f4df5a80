//! [`Mamba`]: the Mamba v1 mixer (Gu & Dao 2023, "Mamba: Linear-Time Sequence Modeling
//! with Selective State Spaces", §3 and Figure 3), with the parameter names of `mamba_ssm`
//! and `mambapy`, so that BOA checkpoints import by renaming.

use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{silu, softplus};
use burn::tensor::{Device, Distribution, Tensor, TensorData};

use super::config::ModelConfig;
use super::scan::{ScanDims, ScanInputs, host_values, selective_scan};

/// Causal depthwise 1-D convolution over time: `y_t = bias + Σ_k w[k] · x_{t−K+1+k}`.
#[derive(Module, Debug)]
pub struct CausalConv1d {
    /// `[channels, 1, K]`, as PyTorch's grouped `Conv1d` stores it.
    pub weight: Param<Tensor<3>>,
    /// `[channels]`.
    pub bias: Param<Tensor<1>>,
}

impl CausalConv1d {
    /// Kernel width `K`.
    fn width(&self) -> usize {
        self.weight.dims()[2]
    }

    /// Convolves `x` (`[batch, len, channels]`) given the `K − 1` inputs before it
    /// (`history`, `[batch, K − 1, channels]`); returns the output and the new history.
    pub fn forward(&self, x: Tensor<3>, history: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
        let [batch, len, channels] = x.dims();
        let width = self.width();
        let extended = Tensor::cat(vec![history, x], 1);
        let weight = self.weight.val();
        let mut y = self
            .bias
            .val()
            .reshape([1, 1, channels])
            .expand([batch, len, channels]);
        for k in 0..width {
            // Taps cut along the weight's own last axis (no transposed view: burn 0.22.1's
            // fused GPU optimiser step mis-updates a parameter whose gradient arrives with
            // swapped strides).
            let tap = weight.clone().narrow(2, k, 1).reshape([1, 1, channels]);
            y = y + extended.clone().narrow(1, k, len) * tap;
        }
        let history = extended.narrow(1, len, width - 1);
        (y, history)
    }
}

/// The Mamba v1 mixer: `out_proj(SSM(SiLU(conv(x))) ⊙ SiLU(z))` with `[x, z] = in_proj(u)`.
#[derive(Module, Debug)]
pub struct Mamba {
    /// `d_model → 2·d_inner`, no bias.
    pub in_proj: Linear,
    /// Causal depthwise convolution of width `d_conv`, with bias.
    pub conv1d: CausalConv1d,
    /// `d_inner → dt_rank + 2·d_state` (Δ, B, C), no bias.
    pub x_proj: Linear,
    /// `dt_rank → d_inner`, with bias; Δ = softplus(dt_proj(·)).
    pub dt_proj: Linear,
    /// `d_inner → d_model`, no bias.
    pub out_proj: Linear,
    /// `log(−A)`, `[d_inner, d_state]`.
    pub a_log: Param<Tensor<2>>,
    /// Skip weights `D`, `[d_inner]`.
    pub d: Param<Tensor<1>>,
}

/// A mixer's recurrent state for one batch: what step `t + 1` needs of steps `≤ t`.
#[derive(Debug, Clone)]
pub struct MambaState {
    /// The last `d_conv − 1` convolution inputs, `[batch, d_conv − 1, d_inner]`.
    pub conv: Tensor<3>,
    /// The SSM states `h`, `[batch, d_inner, d_state]`.
    pub ssm: Tensor<3>,
}

impl MambaState {
    /// The state before the first byte: all zeros.
    #[must_use]
    pub fn zeros(config: &ModelConfig, batch: usize, device: &Device) -> Self {
        Self {
            conv: Tensor::zeros([batch, config.d_conv - 1, config.d_inner()], device),
            ssm: Tensor::zeros([batch, config.d_inner(), config.d_state], device),
        }
    }
}

/// The pieces of a mixer's forward pass before and after the scan.
struct Projected {
    x: Tensor<3>,
    z: Tensor<3>,
    delta: Tensor<3>,
    b: Tensor<3>,
    c: Tensor<3>,
    conv_history: Tensor<3>,
}

impl Mamba {
    /// A freshly initialised mixer, as `mambapy` initialises one: `A = 1..=N` per channel,
    /// `D = 1`, Δ's bias so that softplus(bias) is log-uniform in [0.001, 0.1].
    #[must_use]
    pub fn new(config: &ModelConfig, device: &Device) -> Self {
        let (d, di, n, r, k) = (
            config.d_model,
            config.d_inner(),
            config.d_state,
            config.dt_rank(),
            config.d_conv,
        );
        let a_log: Vec<f32> = (0..di * n).map(|i| ((i % n) as f32 + 1.0).ln()).collect();
        let conv_bound = 1.0 / (k as f64).sqrt();
        let dt_std = 1.0 / (r as f64).sqrt();
        let mut dt_proj = LinearConfig::new(r, di).init(device);
        dt_proj.weight = Param::from_tensor(Tensor::random(
            [r, di],
            Distribution::Uniform(-dt_std, dt_std),
            device,
        ));
        let u: Tensor<1> = Tensor::random([di], Distribution::Uniform(0.0, 1.0), device);
        // In f64 on the host: in a half-precision float type, 1 − exp(−dt) rounds to 0 for
        // the smallest dt and the bias would be −∞.
        let (dt_min, dt_max) = (0.001f64, 0.1f64);
        let inv_dt: Vec<f32> = host_values(u)
            .iter()
            .map(|&u| {
                let dt = (f64::from(u) * (dt_max.ln() - dt_min.ln()) + dt_min.ln())
                    .exp()
                    .max(1e-4);
                // inverse of softplus: dt + log(1 − exp(−dt))
                (dt + (-(-dt).exp_m1()).ln()) as f32
            })
            .collect();
        let inv_dt = Tensor::<1>::from_data(TensorData::new(inv_dt, [di]), device);
        dt_proj.bias = Some(Param::from_tensor(inv_dt));
        Self {
            in_proj: LinearConfig::new(d, 2 * di).with_bias(false).init(device),
            conv1d: CausalConv1d {
                weight: Param::from_tensor(Tensor::random(
                    [di, 1, k],
                    Distribution::Uniform(-conv_bound, conv_bound),
                    device,
                )),
                bias: Param::from_tensor(Tensor::random(
                    [di],
                    Distribution::Uniform(-conv_bound, conv_bound),
                    device,
                )),
            },
            x_proj: LinearConfig::new(di, r + 2 * n)
                .with_bias(false)
                .init(device),
            dt_proj,
            out_proj: LinearConfig::new(di, d).with_bias(false).init(device),
            a_log: Param::from_tensor(Tensor::from_data(TensorData::new(a_log, [di, n]), device)),
            d: Param::from_tensor(Tensor::ones([di], device)),
        }
    }

    fn d_inner(&self) -> usize {
        self.d.dims()[0]
    }

    fn d_state(&self) -> usize {
        self.a_log.dims()[1]
    }

    /// `A = −exp(A_log)`.
    fn a(&self) -> Tensor<2> {
        self.a_log.val().exp().neg()
    }

    fn project(&self, u: Tensor<3>, conv_history: Tensor<3>) -> Projected {
        let [batch, len, _] = u.dims();
        let (di, n) = (self.d_inner(), self.d_state());
        let r = self.dt_proj.weight.dims()[0];
        let xz = self.in_proj.forward(u);
        let x = xz.clone().narrow(2, 0, di);
        let z = xz.narrow(2, di, di);
        let (x, conv_history) = self.conv1d.forward(x, conv_history);
        let x = silu(x);
        let dbc = self.x_proj.forward(x.clone());
        let delta = softplus(self.dt_proj.forward(dbc.clone().narrow(2, 0, r)), 1.0);
        let b = dbc.clone().narrow(2, r, n);
        let c = dbc.narrow(2, r + n, n);
        debug_assert_eq!(delta.dims(), [batch, len, di]);
        Projected {
            x,
            z,
            delta,
            b,
            c,
            conv_history,
        }
    }

    /// Whole sequences from the zero state (training): `[batch, len, d_model]` in and out.
    pub fn forward(&self, u: Tensor<3>) -> Tensor<3> {
        let [batch, _, _] = u.dims();
        let k = self.conv1d.width();
        let history = Tensor::zeros([batch, k - 1, self.d_inner()], &u.device());
        let p = self.project(u, history);
        let y = selective_scan(p.x, p.delta, self.a(), p.b, p.c, self.d.val());
        self.out_proj.forward(y * silu(p.z))
    }

    /// Sequences continuing from `state` (inference, no gradients): returns the output and
    /// the state after the last position.
    pub fn forward_from(&self, u: Tensor<3>, state: MambaState) -> (Tensor<3>, MambaState) {
        let [batch, len, _] = u.dims();
        let device = u.device();
        let p = self.project(u, state.conv);
        let dims = ScanDims {
            batch,
            len,
            channels: self.d_inner(),
            state: self.d_state(),
        };
        let (x, delta, a) = (
            host_values(p.x),
            host_values(p.delta),
            host_values(self.a()),
        );
        let (b, c, d) = (
            host_values(p.b),
            host_values(p.c),
            host_values(self.d.val()),
        );
        let h0 = host_values(state.ssm);
        let inputs = ScanInputs {
            u: &x,
            delta: &delta,
            a: &a,
            b: &b,
            c: &c,
            d: &d,
            dims,
        };
        let (y, h) = inputs.forward(Some(&h0));
        let y: Tensor<3> =
            Tensor::from_data(TensorData::new(y, [batch, len, dims.channels]), &device);
        let ssm = Tensor::from_data(
            TensorData::new(h, [batch, dims.channels, dims.state]),
            &device,
        );
        let out = self.out_proj.forward(y * silu(p.z));
        (
            out,
            MambaState {
                conv: p.conv_history,
                ssm,
            },
        )
    }

    /// One step for a batch (reference inference, tensor operations only): `u_t` is
    /// `[batch, d_model]`; O(1) work per byte. Mirrors the recurrence directly, independent
    /// of the scan's host code, so tests can compare the two.
    pub fn step(&self, u: Tensor<2>, state: MambaState) -> (Tensor<2>, MambaState) {
        let [batch, _] = u.dims();
        let (di, n) = (self.d_inner(), self.d_state());
        let p = self.project(u.unsqueeze_dim(1), state.conv);
        let x = p.x.reshape([batch, di, 1]);
        let delta = p.delta.reshape([batch, di, 1]);
        let b = p.b.reshape([batch, 1, n]);
        let c = p.c.reshape([batch, 1, n]);
        let decay = (delta.clone() * self.a().unsqueeze_dim(0)).exp();
        let ssm = decay * state.ssm + delta * b * x.clone();
        let y = (ssm.clone() * c).sum_dim(2) + x * self.d.val().reshape([1, di, 1]);
        let out = self
            .out_proj
            .forward(y.reshape([batch, di]) * silu(p.z.reshape([batch, di])));
        (
            out,
            MambaState {
                conv: p.conv_history,
                ssm,
            },
        )
    }
}
