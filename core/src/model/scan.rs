//! The selective scan of Mamba v1 (Gu & Dao 2023, Algorithm 2), as one burn operation
//! with a hand-written backward pass.
//!
//! For every batch row `b` and channel `d`, with state `h ∈ R^N` starting at 0:
//!
//! ```text
//! h_t = exp(Δ_t[d] · A[d]) ⊙ h_{t−1} + Δ_t[d] · B_t · u_t[d]        (discretised SSM, eq. 2a/4)
//! y_t[d] = C_t · h_t + D[d] · u_t[d]                                 (eq. 2b, plus the skip)
//! ```
//!
//! Written as tensor operations this is a loop of `L` small steps whose cost is all
//! per-operation overhead and whose autodiff graph keeps `L` copies of the state. Here the
//! forward and backward passes are plain loops over host `f32` memory instead, parallel
//! over (batch row, block of channels): the forward keeps no state, the backward
//! recomputes the states of one block at a time. On burn's GPU backends (`CubeBackend`:
//! CUDA, wgpu) the same two passes run as CubeCL kernels on the device ([`cube`]); the
//! host loops stay the reference the kernels are tested against.

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    AutodiffBackend, Backend, Dispatch, Flex, TensorMetadata, backend_extension, read_sync,
};
use burn::tensor::{DType, Tensor, TensorData};
use rayon::prelude::*;

#[cfg(any(feature = "cuda", feature = "wgpu"))]
mod cube;

/// Channels per parallel task (8 measured fastest on 2 cores: the backward pass's buffers
/// of a task, `2 · L · 8 · N` floats, stay in cache); bounds the state buffer to
/// `L · 8 · N` floats per task.
const CHANNEL_BLOCK: usize = 8;

/// Sizes of one scan: batch rows, time steps, channels, state size.
#[derive(Debug, Clone, Copy)]
pub struct ScanDims {
    /// Batch rows.
    pub batch: usize,
    /// Time steps.
    pub len: usize,
    /// Channels (`d_inner`).
    pub channels: usize,
    /// State size per channel.
    pub state: usize,
}

/// The scan's inputs on the host, row-major: `u`, `delta` `[batch, len, channels]`; `a`
/// `[channels, state]`; `b`, `c` `[batch, len, state]`; `d` `[channels]`.
#[derive(Debug, Clone, Copy)]
pub struct ScanInputs<'a> {
    /// Input signal.
    pub u: &'a [f32],
    /// Step sizes Δ (after softplus).
    pub delta: &'a [f32],
    /// State matrix `A` (negative).
    pub a: &'a [f32],
    /// Input projection `B_t`.
    pub b: &'a [f32],
    /// Output projection `C_t`.
    pub c: &'a [f32],
    /// Skip weights `D`.
    pub d: &'a [f32],
    /// Sizes.
    pub dims: ScanDims,
}

/// Gradients of the loss with respect to each scan input, same layouts as the inputs.
#[derive(Debug, Clone)]
pub struct ScanGradients {
    /// ∂L/∂u.
    pub u: Vec<f32>,
    /// ∂L/∂Δ.
    pub delta: Vec<f32>,
    /// ∂L/∂A.
    pub a: Vec<f32>,
    /// ∂L/∂B.
    pub b: Vec<f32>,
    /// ∂L/∂C.
    pub c: Vec<f32>,
    /// ∂L/∂D.
    pub d: Vec<f32>,
}

/// One parallel task: a batch row and a block of channels.
#[derive(Debug, Clone, Copy)]
struct Task {
    row: usize,
    first: usize,
    count: usize,
}

fn tasks(dims: ScanDims) -> Vec<Task> {
    (0..dims.batch)
        .flat_map(|row| {
            (0..dims.channels)
                .step_by(CHANNEL_BLOCK)
                .map(move |first| Task {
                    row,
                    first,
                    count: CHANNEL_BLOCK.min(dims.channels - first),
                })
        })
        .collect()
}

impl ScanInputs<'_> {
    /// Runs the scan from the states `h0` (`[batch, channels, state]`, or zeros when
    /// `None`); returns `y` (`[batch, len, channels]`) and the final states.
    #[must_use]
    pub fn forward(&self, h0: Option<&[f32]>) -> (Vec<f32>, Vec<f32>) {
        let ScanDims {
            batch,
            len,
            channels,
            state,
        } = self.dims;
        let parts: Vec<(Task, Vec<f32>, Vec<f32>)> = tasks(self.dims)
            .into_par_iter()
            .map(|task| {
                let (y, h) = forward_task(self, task, h0);
                (task, y, h)
            })
            .collect();
        let mut y = vec![0f32; batch * len * channels];
        let mut h_last = vec![0f32; batch * channels * state];
        for (task, part, h) in parts {
            for t in 0..len {
                let at = (task.row * len + t) * channels + task.first;
                y[at..at + task.count].copy_from_slice(&part[t * task.count..(t + 1) * task.count]);
            }
            let at = (task.row * channels + task.first) * state;
            h_last[at..at + task.count * state].copy_from_slice(&h);
        }
        (y, h_last)
    }

    /// Gradients of `Σ grad_y ⊙ y` (that is, the backward pass of a zero-state scan).
    #[must_use]
    pub fn backward(&self, grad_y: &[f32]) -> ScanGradients {
        let ScanDims {
            batch,
            len,
            channels,
            state,
        } = self.dims;
        let parts: Vec<(Task, TaskGradients)> = tasks(self.dims)
            .into_par_iter()
            .map(|task| (task, backward_task(self, task, grad_y)))
            .collect();
        let mut grads = ScanGradients {
            u: vec![0f32; batch * len * channels],
            delta: vec![0f32; batch * len * channels],
            a: vec![0f32; channels * state],
            b: vec![0f32; batch * len * state],
            c: vec![0f32; batch * len * state],
            d: vec![0f32; channels],
        };
        for (task, part) in parts {
            for t in 0..len {
                let at = (task.row * len + t) * channels + task.first;
                let from = t * task.count..(t + 1) * task.count;
                grads.u[at..at + task.count].copy_from_slice(&part.u[from.clone()]);
                grads.delta[at..at + task.count].copy_from_slice(&part.delta[from]);
            }
            let rows = task.row * len * state..(task.row + 1) * len * state;
            add_into(&mut grads.b[rows.clone()], &part.b);
            add_into(&mut grads.c[rows], &part.c);
            let block = task.first * state..(task.first + task.count) * state;
            add_into(&mut grads.a[block], &part.a);
            add_into(&mut grads.d[task.first..task.first + task.count], &part.d);
        }
        grads
    }

    fn bc_at(&self, row: usize, t: usize) -> (&[f32], &[f32]) {
        let state = self.dims.state;
        let at = (row * self.dims.len + t) * state;
        (&self.b[at..at + state], &self.c[at..at + state])
    }
}

/// The forward scan of one task: its part of `y` (`[len, count]`) and its final states.
#[multiversion::multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
fn forward_task(inputs: &ScanInputs<'_>, task: Task, h0: Option<&[f32]>) -> (Vec<f32>, Vec<f32>) {
    let ScanDims {
        len,
        channels,
        state,
        ..
    } = inputs.dims;
    let mut h = vec![0f32; task.count * state];
    if let Some(h0) = h0 {
        let at = (task.row * channels + task.first) * state;
        h.copy_from_slice(&h0[at..at + task.count * state]);
    }
    let mut y = vec![0f32; len * task.count];
    let mut decay = vec![0f32; state];
    for t in 0..len {
        let (bt, ct) = inputs.bc_at(task.row, t);
        let base = (task.row * len + t) * channels + task.first;
        for j in 0..task.count {
            let channel = task.first + j;
            let (delta, u) = (inputs.delta[base + j], inputs.u[base + j]);
            let a = &inputs.a[channel * state..(channel + 1) * state];
            let hj = &mut h[j * state..(j + 1) * state];
            decays(delta, a, &mut decay);
            let input = delta * u;
            for ((h, &decay), &b) in hj.iter_mut().zip(&decay).zip(bt) {
                *h = decay * *h + input * b;
            }
            y[t * task.count + j] = dot(ct, hj) + inputs.d[channel] * u;
        }
    }
    (y, h)
}

/// The backward scan of one task: recompute its states, then run the recurrence back.
#[multiversion::multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
fn backward_task(inputs: &ScanInputs<'_>, task: Task, grad_y: &[f32]) -> TaskGradients {
    let ScanDims {
        len,
        channels,
        state,
        ..
    } = inputs.dims;
    let width = task.count * state;
    // states[t] = h_{t−1} for t = 0..=len (states[0] = 0); decay[t] = exp(Δ_t A).
    let mut states = vec![0f32; (len + 1) * width];
    let mut decay = vec![0f32; len * width];
    for t in 0..len {
        let (bt, _) = inputs.bc_at(task.row, t);
        let base = (task.row * len + t) * channels + task.first;
        let (before, after) = states.split_at_mut((t + 1) * width);
        let previous = &before[t * width..];
        let next = &mut after[..width];
        let decay_t = &mut decay[t * width..(t + 1) * width];
        for j in 0..task.count {
            let channel = task.first + j;
            let (delta, u) = (inputs.delta[base + j], inputs.u[base + j]);
            let a = &inputs.a[channel * state..(channel + 1) * state];
            let range = j * state..(j + 1) * state;
            decays(delta, a, &mut decay_t[range.clone()]);
            let input = delta * u;
            for (((next, &previous), &decay), &b) in next[range.clone()]
                .iter_mut()
                .zip(&previous[range.clone()])
                .zip(&decay_t[range])
                .zip(bt)
            {
                *next = decay * previous + input * b;
            }
        }
    }
    let mut out = TaskGradients {
        u: vec![0f32; len * task.count],
        delta: vec![0f32; len * task.count],
        a: vec![0f32; width],
        b: vec![0f32; len * state],
        c: vec![0f32; len * state],
        d: vec![0f32; task.count],
    };
    let mut grad_h = vec![0f32; width];
    let mut gh = vec![0f32; state];
    let mut scaled = vec![0f32; state];
    for t in (0..len).rev() {
        let (bt, ct) = inputs.bc_at(task.row, t);
        let base = (task.row * len + t) * channels + task.first;
        let h_prev = &states[t * width..(t + 1) * width];
        let h_now = &states[(t + 1) * width..(t + 2) * width];
        let decay_t = &decay[t * width..(t + 1) * width];
        let (grad_b, grad_c) = (
            &mut out.b[t * state..(t + 1) * state],
            &mut out.c[t * state..(t + 1) * state],
        );
        for j in 0..task.count {
            let channel = task.first + j;
            let (delta, u, g) = (inputs.delta[base + j], inputs.u[base + j], grad_y[base + j]);
            let a = &inputs.a[channel * state..(channel + 1) * state];
            let range = j * state..(j + 1) * state;
            let (grad_hj, h_prev, h_now, decay_j) = (
                &mut grad_h[range.clone()],
                &h_prev[range.clone()],
                &h_now[range.clone()],
                &decay_t[range.clone()],
            );
            // ∂L/∂h_t = what flows back from h_{t+1} + what y_t asks of h_t.
            for ((gh, &back), &c) in gh.iter_mut().zip(grad_hj.iter()).zip(ct) {
                *gh = back + c * g;
            }
            for (grad_c, &h) in grad_c.iter_mut().zip(h_now) {
                *grad_c += g * h;
            }
            // h_t = decay ⊙ h_{t−1} + Δ·u·B_t, decay = exp(Δ·A).
            for (((scaled, &gh), &h), &decay) in scaled.iter_mut().zip(&gh).zip(h_prev).zip(decay_j)
            {
                *scaled = gh * h * decay;
            }
            for ((grad_a, &scaled), &_a) in out.a[range.clone()].iter_mut().zip(&scaled).zip(a) {
                *grad_a += scaled * delta;
            }
            let input = delta * u;
            for (grad_b, &gh) in grad_b.iter_mut().zip(&gh) {
                *grad_b += gh * input;
            }
            let gh_dot_b = dot(&gh, bt);
            out.delta[t * task.count + j] = dot(&scaled, a) + u * gh_dot_b;
            out.u[t * task.count + j] = g * inputs.d[channel] + delta * gh_dot_b;
            out.d[j] += g * u;
            for ((grad_h, &gh), &decay) in grad_hj.iter_mut().zip(&gh).zip(decay_j) {
                *grad_h = gh * decay;
            }
        }
    }
    out
}

/// `out[n] = exp(delta · a[n])` for every state index, with [`exp_approx`].
#[inline]
fn decays(delta: f32, a: &[f32], out: &mut [f32]) {
    for (o, &a) in out.iter_mut().zip(a) {
        *o = exp_approx(delta * a);
    }
}

/// `Σ x[n] · y[n]` with four partial sums, so that the compiler can vectorise it.
#[inline]
fn dot(x: &[f32], y: &[f32]) -> f32 {
    let mut sums = [0f32; 4];
    let (xc, yc) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: f32 = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (a, b) in xc.zip(yc) {
        for i in 0..4 {
            sums[i] += a[i] * b[i];
        }
    }
    (sums[0] + sums[1]) + (sums[2] + sums[3]) + tail
}

/// `e^x` to a relative error below `2·10⁻⁷ + 10⁻⁷·|x|` (training only; never on the
/// coding path).
///
/// `e^x = 2^i · 2^f` with `i = round(x·log2 e)` and `|f| ≤ ½`; `2^f = e^(f·ln 2)` by its
/// Taylor series to degree 6 (error below `(ln 2 / 2)^7 / 7! ≈ 1.2·10⁻⁷`); `2^i` is built
/// in the exponent bits. Results below 2^-126 flush to 2^-126·2^f ≈ 0. Branch-free, so
/// loops of it vectorise, unlike calls to libm's `expf`.
#[inline]
#[must_use]
pub fn exp_approx(x: f32) -> f32 {
    const ROUNDER: f32 = 12_582_912.0; // 1.5 · 2^23: adding it rounds to an integer
    let t = (x * std::f32::consts::LOG2_E).clamp(-126.0, 126.0);
    let rounded = (t + ROUNDER) - ROUNDER;
    let y = (t - rounded) * std::f32::consts::LN_2;
    let p = 1.0
        + y * (1.0
            + y * (0.5
                + y * (1.0 / 6.0 + y * (1.0 / 24.0 + y * (1.0 / 120.0 + y * (1.0 / 720.0))))));
    p * f32::from_bits(((rounded as i32 + 127) as u32) << 23)
}

/// A task's share of the gradients (its channels, all time steps).
struct TaskGradients {
    u: Vec<f32>,
    delta: Vec<f32>,
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
    d: Vec<f32>,
}

fn add_into(target: &mut [f32], part: &[f32]) {
    for (t, p) in target.iter_mut().zip(part) {
        *t += p;
    }
}

#[cfg(test)]
thread_local! {
    /// Tensors [`to_host`] has read back on this thread (tests check that the GPU
    /// backends' scan reads none).
    static HOST_READS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many tensors the scan has read back to the host on this thread so far.
#[cfg(all(test, feature = "wgpu"))]
pub(crate) fn host_reads() -> u64 {
    HOST_READS.with(std::cell::Cell::get)
}

/// Reads a tensor back to host `f32`s with its shape.
pub(crate) fn to_host<B: Backend>(tensor: FloatTensor<B>) -> (Vec<f32>, Vec<usize>) {
    #[cfg(test)]
    HOST_READS.with(|reads| reads.set(reads.get() + 1));
    let data =
        read_sync(B::float_into_data(tensor)).expect("reading a tensor back from its device");
    let shape = data.shape().to_vec();
    let values = data
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 data after conversion");
    (values, shape)
}

fn from_host<B: Backend>(
    values: Vec<f32>,
    shape: Vec<usize>,
    device: &B::Device,
    dtype: DType,
) -> FloatTensor<B> {
    B::float_from_data(TensorData::new(values, shape).convert_dtype(dtype), device)
}

/// Backends that can run the selective scan. Implemented for the CPU backend (`Flex`, the
/// host loops), the GPU backends (`CubeBackend`, the kernels of [`cube`], also under
/// burn's operation fusion), and for autodiff over any of them.
#[backend_extension(
    Flex,
    Autodiff,
    Cube: cfg(any(feature = "cuda", feature = "wgpu")),
    Fusion: cfg(any(feature = "cuda", feature = "wgpu"))
)]
pub trait ScanBackend: Backend {
    /// `y = scan(u, Δ, A, B, C, D)` from zero states; shapes as in [`ScanInputs`].
    #[fusion(dtype = u, shape = u)]
    fn selective_scan(
        u: FloatTensor<Self>,
        delta: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
        d: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// The gradients of `Σ grad_y ⊙ scan(u, Δ, A, B, C, D)` with respect to
    /// `(u, Δ, A, B, C, D)`, each in its input's shape.
    #[fusion(meta = |u, delta, a, b, c, d, _grad_y| (
        u.clone(),
        delta.clone(),
        a.clone(),
        b.clone(),
        c.clone(),
        d.clone()
    ))]
    #[allow(clippy::type_complexity)]
    fn selective_scan_backward(
        u: FloatTensor<Self>,
        delta: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
        d: FloatTensor<Self>,
        grad_y: FloatTensor<Self>,
    ) -> (
        FloatTensor<Self>,
        FloatTensor<Self>,
        FloatTensor<Self>,
        FloatTensor<Self>,
        FloatTensor<Self>,
        FloatTensor<Self>,
    );
}

/// `(∂u, ∂Δ, ∂A, ∂B, ∂C, ∂D)` on backend `B`, what
/// [`ScanBackend::selective_scan_backward`] returns (the trait spells the tuple out, as
/// `backend_extension` reads it there).
pub type ScanGradientTensors<B> = (
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
);

/// The six inputs read back to the host, with their sizes.
struct HostInputs {
    values: [Vec<f32>; 6],
    dims: ScanDims,
    shape: Vec<usize>,
}

impl HostInputs {
    fn read<B: Backend>(inputs: [FloatTensor<B>; 6]) -> Self {
        let state = inputs[2].shape().dims::<2>()[1];
        let mut shape = Vec::new();
        let values = inputs.map(|t| {
            let (v, s) = to_host::<B>(t);
            if shape.is_empty() {
                shape = s;
            }
            v
        });
        let dims = ScanDims {
            batch: shape[0],
            len: shape[1],
            channels: shape[2],
            state,
        };
        Self {
            values,
            dims,
            shape,
        }
    }

    fn scan(&self) -> ScanInputs<'_> {
        let [u, delta, a, b, c, d] = &self.values;
        ScanInputs {
            u,
            delta,
            a,
            b,
            c,
            d,
            dims: self.dims,
        }
    }
}

impl ScanBackend for Flex {
    fn selective_scan(
        u: FloatTensor<Self>,
        delta: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
        d: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let (device, dtype) = (u.device(), u.dtype());
        let host = HostInputs::read::<Self>([u, delta, a, b, c, d]);
        let (y, _) = host.scan().forward(None);
        from_host::<Self>(y, host.shape.clone(), &device, dtype)
    }

    fn selective_scan_backward(
        u: FloatTensor<Self>,
        delta: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
        d: FloatTensor<Self>,
        grad_y: FloatTensor<Self>,
    ) -> ScanGradientTensors<Self> {
        let inputs = [u, delta, a, b, c, d];
        let device = grad_y.device();
        let shapes = inputs.each_ref().map(|t| t.shape().to_vec());
        let dtypes = inputs.each_ref().map(|t| t.dtype());
        let host = HostInputs::read::<Self>(inputs);
        let (grad_y, _) = to_host::<Self>(grad_y);
        let g = host.scan().backward(&grad_y);
        let mut k = 0;
        let [gu, gdelta, ga, gb, gc, gd] = [g.u, g.delta, g.a, g.b, g.c, g.d].map(|grad| {
            let tensor = from_host::<Self>(grad, shapes[k].clone(), &device, dtypes[k]);
            k += 1;
            tensor
        });
        (gu, gdelta, ga, gb, gc, gd)
    }
}

#[derive(Debug)]
struct ScanBackward;

impl<B: ScanBackend> Backward<B, 6> for ScanBackward {
    /// The inputs; states are recomputed.
    type State = [FloatTensor<B>; 6];

    fn backward(self, ops: Ops<Self::State, 6>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad_y = grads.consume::<B>(&ops.node);
        let [u, delta, a, b, c, d] = ops.state;
        let (gu, gdelta, ga, gb, gc, gd) = B::selective_scan_backward(u, delta, a, b, c, d, grad_y);
        for (parent, grad) in ops.parents.into_iter().zip([gu, gdelta, ga, gb, gc, gd]) {
            if let Some(node) = parent {
                grads.register::<B>(node.id, grad);
            }
        }
    }
}

impl<B: ScanBackend, C: CheckpointStrategy> ScanBackend for Autodiff<B, C> {
    fn selective_scan(
        u: FloatTensor<Self>,
        delta: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
        d: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let nodes = [
            u.node(),
            delta.node(),
            a.node(),
            b.node(),
            c.node(),
            d.node(),
        ];
        match ScanBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let state = [u, delta, a, b, c, d].map(|t| t.into_primitive());
                let [pu, pdelta, pa, pb, pc, pd] = state.clone();
                let out = B::selective_scan(pu, pdelta, pa, pb, pc, pd);
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::selective_scan(
                u.into_primitive(),
                delta.into_primitive(),
                a.into_primitive(),
                b.into_primitive(),
                c.into_primitive(),
                d.into_primitive(),
            )),
        }
    }

    /// The inner backend's gradients, as constants (training never differentiates the
    /// gradients themselves).
    fn selective_scan_backward(
        u: FloatTensor<Self>,
        delta: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
        d: FloatTensor<Self>,
        grad_y: FloatTensor<Self>,
    ) -> ScanGradientTensors<Self> {
        let [u, delta, a, b, c, d, grad_y] = [u, delta, a, b, c, d, grad_y].map(Self::inner);
        let (gu, gdelta, ga, gb, gc, gd) = B::selective_scan_backward(u, delta, a, b, c, d, grad_y);
        let outer = Self::from_inner;
        (
            outer(gu),
            outer(gdelta),
            outer(ga),
            outer(gb),
            outer(gc),
            outer(gd),
        )
    }
}

/// The selective scan over whole sequences from zero states, differentiable.
///
/// `u`, `delta`: `[batch, len, channels]`; `a`: `[channels, state]`; `b`, `c`:
/// `[batch, len, state]`; `d`: `[channels]`. Returns `y`: `[batch, len, channels]`.
#[must_use]
pub fn selective_scan(
    u: Tensor<3>,
    delta: Tensor<3>,
    a: Tensor<2>,
    b: Tensor<3>,
    c: Tensor<3>,
    d: Tensor<1>,
) -> Tensor<3> {
    Tensor::from_dispatch(<Dispatch as ScanBackend>::selective_scan(
        u.into_dispatch(),
        delta.into_dispatch(),
        a.into_dispatch(),
        b.into_dispatch(),
        c.into_dispatch(),
        d.into_dispatch(),
    ))
}

/// Reads a tensor of any rank back to host `f32`s, row-major (inference paths, reports
/// and tests): the one readback of the crate.
#[must_use]
pub fn host_values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 data after conversion")
}
