//! The selective scan as CubeCL kernels, for burn's `CubeBackend` (CUDA, wgpu: Vulkan,
//! Metal, DX12), so that training on a GPU keeps every tensor on the device.
//!
//! Both kernels run one cube per (block of channels, batch row) and one unit per channel,
//! time sequential inside, the channel's `N` states in registers (a local array of the
//! comptime state size). They compute in `f32` whatever the tensors' float type (bf16 and
//! fp16 training read and write their own type), and follow the host loops of
//! [`super::ScanInputs`] operation for operation, with the device's `exp` in place of
//! [`super::exp_approx`]:
//!
//! - forward: `h_t = exp(Δ_t·A) ⊙ h_{t−1} + Δ_t·u_t·B_t`, `y_t = C_t·h_t + D·u_t`;
//! - backward: a forward sweep writes the states `h_t` to a scratch tensor of
//!   `batch · len · N · channels` `f32`s (4 bytes each; channels innermost, so that a
//!   cube's units read and write adjacent words), then the sweep back in time computes
//!   the six gradients. `∂L/∂B_t` and `∂L/∂C_t` sum over channels: the units of a cube
//!   add theirs in shared memory in a fixed order, and the blocks' partial sums, like
//!   the batch rows' parts of `∂L/∂A` and `∂L/∂D`, are added by burn's `sum_dim` on the
//!   device. Nothing is read back to the host.

use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{DType, Shape, TensorMetadata};
use burn_cubecl::cubecl::prelude::*;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::tensor::CubeTensor;
use burn_cubecl::{CubeBackend, cubecl};

use super::ScanBackend;

/// Units (channels) per cube: 64, fewer for large state sizes so that the backward
/// kernel's shared memory, `2 · N · units` `f32`s, stays within WebGPU's 16 KiB.
fn units_per_cube(state: usize) -> usize {
    const SHARED_F32S: usize = 16 * 1024 / 4;
    (SHARED_F32S / (2 * state.max(1))).clamp(1, 64)
}

/// The forward scan: `y` (`[batch, len, channels]`) from zero states.
#[cube(launch)]
fn scan_forward_kernel<F: Float>(
    u: &Tensor<F>,
    delta: &Tensor<F>,
    a: &Tensor<F>,
    b: &Tensor<F>,
    c: &Tensor<F>,
    d: &Tensor<F>,
    y: &mut Tensor<F>,
    #[comptime] state: usize,
    #[define(F)] _dtype: ElemType,
) {
    let row = CUBE_POS_Y as usize;
    let channel = CUBE_POS_X as usize * CUBE_DIM_X as usize + UNIT_POS_X as usize;
    let len = u.shape(1);
    let channels = u.shape(2);
    if channel >= channels {
        terminate!();
    }
    let mut h = Array::<f32>::new(state);
    let mut a_row = Array::<f32>::new(state);
    for n in 0..state {
        a_row[n] = f32::cast_from(a[channel * state + n]);
    }
    let skip = f32::cast_from(d[channel]);
    for t in 0..len {
        let at = (row * len + t) * channels + channel;
        let step = f32::cast_from(delta[at]);
        let input = f32::cast_from(u[at]);
        let drive = step * input;
        let bc = (row * len + t) * state;
        let mut out = 0f32;
        for n in 0..state {
            let next = (step * a_row[n]).exp() * h[n] + drive * f32::cast_from(b[bc + n]);
            h[n] = next;
            out += f32::cast_from(c[bc + n]) * next;
        }
        y[at] = F::cast_from(out + skip * input);
    }
}

/// The backward scan from `∂L/∂y`. Writes `∂L/∂u`, `∂L/∂Δ` whole, and partial sums:
/// `grad_a_rows` `[batch, channels, N]`, `grad_d_rows` `[batch, channels]` (one per
/// batch row), `grad_b_blocks`, `grad_c_blocks` `[batch, len, blocks, N]` (one per cube
/// of channels). `states` is scratch, `[batch, len, N, channels]`.
#[cube(launch)]
fn scan_backward_kernel<F: Float>(
    u: &Tensor<F>,
    delta: &Tensor<F>,
    a: &Tensor<F>,
    b: &Tensor<F>,
    c: &Tensor<F>,
    d: &Tensor<F>,
    grad_y: &Tensor<F>,
    states: &mut Tensor<f32>,
    grad_u: &mut Tensor<F>,
    grad_delta: &mut Tensor<F>,
    grad_a_rows: &mut Tensor<F>,
    grad_d_rows: &mut Tensor<F>,
    grad_b_blocks: &mut Tensor<F>,
    grad_c_blocks: &mut Tensor<F>,
    #[comptime] state: usize,
    #[comptime] units: usize,
    #[define(F)] _dtype: ElemType,
) {
    let row = CUBE_POS_Y as usize;
    let block = CUBE_POS_X as usize;
    let blocks = CUBE_COUNT_X as usize;
    let unit = UNIT_POS_X as usize;
    let len = u.shape(1);
    let channels = u.shape(2);
    // Units past the last channel stay to the end: they take part in every barrier,
    // with ∂L/∂y = 0, so that what they add in shared memory is zero.
    let valid = block * units + unit < channels;
    let channel = if valid { block * units + unit } else { 0usize };

    let mut a_row = Array::<f32>::new(state);
    for n in 0..state {
        a_row[n] = f32::cast_from(a[channel * state + n]);
    }
    let skip = f32::cast_from(d[channel]);

    // Forward sweep: the states h_t, t = 0..len.
    let mut h = Array::<f32>::new(state);
    for t in 0..len {
        let at = (row * len + t) * channels + channel;
        let step = f32::cast_from(delta[at]);
        let drive = step * f32::cast_from(u[at]);
        let bc = (row * len + t) * state;
        for n in 0..state {
            h[n] = (step * a_row[n]).exp() * h[n] + drive * f32::cast_from(b[bc + n]);
            if valid {
                states[((row * len + t) * state + n) * channels + channel] = h[n];
            }
        }
    }

    // Backward sweep. `grad_h` is ∂L/∂h_t flowing back from h_{t+1}.
    let mut grad_h = Array::<f32>::new(state);
    let mut grad_a = Array::<f32>::new(state);
    let mut grad_skip = 0f32;
    let mut shared = Shared::<[f32]>::new_slice(2 * state * units);
    for back in 0..len {
        let t = len - 1 - back;
        let at = (row * len + t) * channels + channel;
        let step = f32::cast_from(delta[at]);
        let input = f32::cast_from(u[at]);
        let drive = step * input;
        let g = if valid {
            f32::cast_from(grad_y[at])
        } else {
            0f32
        };
        let bc = (row * len + t) * state;
        let mut gh_dot_b = 0f32;
        let mut scaled_dot_a = 0f32;
        for n in 0..state {
            let h_now = if valid {
                states[((row * len + t) * state + n) * channels + channel]
            } else {
                0f32
            };
            let h_prev = if valid && t > 0 {
                states[((row * len + t - 1) * state + n) * channels + channel]
            } else {
                0f32
            };
            let decay = (step * a_row[n]).exp();
            let gh = grad_h[n] + f32::cast_from(c[bc + n]) * g;
            let scaled = gh * h_prev * decay;
            grad_a[n] += scaled * step;
            scaled_dot_a += scaled * a_row[n];
            gh_dot_b += gh * f32::cast_from(b[bc + n]);
            shared[n * units + unit] = gh * drive;
            shared[(state + n) * units + unit] = g * h_now;
            grad_h[n] = gh * decay;
        }
        if valid {
            grad_delta[at] = F::cast_from(scaled_dot_a + input * gh_dot_b);
            grad_u[at] = F::cast_from(g * skip + step * gh_dot_b);
        }
        grad_skip += g * input;
        sync_cube();
        // Units add the block's columns, each in channel order.
        let mut column = unit;
        while column < 2 * state {
            let mut sum = 0f32;
            for j in 0..units {
                sum += shared[column * units + j];
            }
            let n = column % state;
            let out = ((row * len + t) * blocks + block) * state + n;
            if column < state {
                grad_b_blocks[out] = F::cast_from(sum);
            } else {
                grad_c_blocks[out] = F::cast_from(sum);
            }
            column += units;
        }
        sync_cube();
    }
    if valid {
        for n in 0..state {
            grad_a_rows[(row * channels + channel) * state + n] = F::cast_from(grad_a[n]);
        }
        grad_d_rows[row * channels + channel] = F::cast_from(grad_skip);
    }
}

/// The launch geometry of one scan: sizes, cubes, units per cube.
struct Geometry {
    batch: usize,
    len: usize,
    channels: usize,
    state: usize,
    units: usize,
    blocks: usize,
}

impl Geometry {
    fn of(u: &CubeTensor, a: &CubeTensor) -> Self {
        let [batch, len, channels] = u.shape().dims::<3>();
        let state = a.shape().dims::<2>()[1];
        let units = units_per_cube(state).min(channels.max(1));
        Self {
            batch,
            len,
            channels,
            state,
            units,
            blocks: channels.div_ceil(units),
        }
    }

    fn cube_count(&self) -> CubeCount {
        CubeCount::Static(self.blocks as u32, self.batch as u32, 1)
    }

    fn cube_dim(&self) -> CubeDim {
        CubeDim::new_1d(self.units as u32)
    }

    fn is_empty(&self) -> bool {
        self.batch * self.len * self.channels == 0
    }
}

fn empty_like(like: &CubeTensor, shape: impl Into<Shape>, dtype: DType) -> CubeTensor {
    empty_device_dtype(
        like.client.clone(),
        like.device.clone(),
        shape.into(),
        dtype,
    )
}

fn zeros_like(like: &CubeTensor, shape: impl Into<Shape>) -> CubeTensor {
    CubeBackend::float_zeros(shape.into(), &like.device, like.dtype.into())
}

/// The six inputs made contiguous (the kernels index them row-major).
fn contiguous(inputs: [CubeTensor; 6]) -> [CubeTensor; 6] {
    inputs.map(into_contiguous)
}

/// `y = scan(u, Δ, A, B, C, D)` on the tensors' device.
pub(super) fn forward(inputs: [CubeTensor; 6]) -> CubeTensor {
    let [u, delta, a, b, c, d] = contiguous(inputs);
    let geometry = Geometry::of(&u, &a);
    let y = empty_like(&u, u.shape(), u.dtype);
    if geometry.is_empty() {
        return y;
    }
    let dtype = burn::backend::cubecl::dtype_to_storage_type(u.dtype);
    scan_forward_kernel::launch(
        &u.client.clone(),
        geometry.cube_count(),
        geometry.cube_dim(),
        u.into_tensor_arg(),
        delta.into_tensor_arg(),
        a.into_tensor_arg(),
        b.into_tensor_arg(),
        c.into_tensor_arg(),
        d.into_tensor_arg(),
        y.clone().into_tensor_arg(),
        geometry.state,
        dtype,
    );
    y
}

/// The gradients of the six inputs from `∂L/∂y`, in the inputs' order and shapes.
pub(super) fn backward(inputs: [CubeTensor; 6], grad_y: CubeTensor) -> [CubeTensor; 6] {
    let [u, delta, a, b, c, d] = contiguous(inputs);
    let grad_y = into_contiguous(grad_y);
    let g = Geometry::of(&u, &a);
    let Geometry {
        batch,
        len,
        channels,
        state,
        blocks,
        ..
    } = g;
    if g.is_empty() {
        return [
            zeros_like(&u, [batch, len, channels]),
            zeros_like(&u, [batch, len, channels]),
            zeros_like(&u, [channels, state]),
            zeros_like(&u, [batch, len, state]),
            zeros_like(&u, [batch, len, state]),
            zeros_like(&u, [channels]),
        ];
    }
    let dtype = u.dtype;
    let states = empty_like(&u, [batch, len, state, channels], DType::F32);
    let grad_u = empty_like(&u, [batch, len, channels], dtype);
    let grad_delta = empty_like(&u, [batch, len, channels], dtype);
    let grad_a_rows = empty_like(&u, [batch, channels, state], dtype);
    let grad_d_rows = empty_like(&u, [batch, channels], dtype);
    let grad_b_blocks = empty_like(&u, [batch, len, blocks, state], dtype);
    let grad_c_blocks = empty_like(&u, [batch, len, blocks, state], dtype);
    scan_backward_kernel::launch(
        &u.client.clone(),
        g.cube_count(),
        g.cube_dim(),
        u.into_tensor_arg(),
        delta.into_tensor_arg(),
        a.into_tensor_arg(),
        b.into_tensor_arg(),
        c.into_tensor_arg(),
        d.into_tensor_arg(),
        grad_y.into_tensor_arg(),
        states.into_tensor_arg(),
        grad_u.clone().into_tensor_arg(),
        grad_delta.clone().into_tensor_arg(),
        grad_a_rows.clone().into_tensor_arg(),
        grad_d_rows.clone().into_tensor_arg(),
        grad_b_blocks.clone().into_tensor_arg(),
        grad_c_blocks.clone().into_tensor_arg(),
        state,
        g.units,
        burn::backend::cubecl::dtype_to_storage_type(dtype),
    );
    let sum = |t: CubeTensor, dim: usize, shape: Shape| {
        CubeBackend::float_reshape(CubeBackend::float_sum_dim(t, dim), shape)
    };
    [
        grad_u,
        grad_delta,
        sum(grad_a_rows, 0, [channels, state].into()),
        sum(grad_b_blocks, 2, [batch, len, state].into()),
        sum(grad_c_blocks, 2, [batch, len, state].into()),
        sum(grad_d_rows, 0, [channels].into()),
    ]
}

impl ScanBackend for CubeBackend {
    fn selective_scan(
        u: FloatTensor<Self>,
        delta: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
        d: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        forward([u, delta, a, b, c, d])
    }

    fn selective_scan_backward(
        u: FloatTensor<Self>,
        delta: FloatTensor<Self>,
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
        d: FloatTensor<Self>,
        grad_y: FloatTensor<Self>,
    ) -> super::ScanGradientTensors<Self> {
        let [u, delta, a, b, c, d] = backward([u, delta, a, b, c, d], grad_y);
        (u, delta, a, b, c, d)
    }
}

#[cfg(all(test, feature = "wgpu"))]
mod tests {
    use burn::tensor::{Device, Distribution, Tensor};

    use super::super::{host_reads, host_values, selective_scan};

    /// burn's wgpu device (lavapipe in CI: these tests need a Vulkan, Metal or DX12
    /// adapter, as the engine's GPU tests do).
    fn wgpu() -> Device {
        Device::wgpu(Default::default()).autodiff()
    }

    /// `y` and the six gradients of `Σ w ⊙ y`, the inputs moved to `device` first.
    fn scan_and_gradients(
        inputs: &(
            Tensor<3>,
            Tensor<3>,
            Tensor<2>,
            Tensor<3>,
            Tensor<3>,
            Tensor<1>,
        ),
        weights: &Tensor<3>,
        device: &Device,
    ) -> [Vec<f32>; 7] {
        let on = |t: &Tensor<3>| t.clone().to_device(device).detach().require_grad();
        let (u, delta, b, c) = (on(&inputs.0), on(&inputs.1), on(&inputs.3), on(&inputs.4));
        let a = inputs.2.clone().to_device(device).detach().require_grad();
        let d = inputs.5.clone().to_device(device).detach().require_grad();
        let y = selective_scan(
            u.clone(),
            delta.clone(),
            a.clone(),
            b.clone(),
            c.clone(),
            d.clone(),
        );
        let grads = (y.clone() * weights.clone().to_device(device))
            .sum()
            .backward();
        let grad3 = |t: &Tensor<3>| host_values(t.grad(&grads).expect("gradient"));
        [
            host_values(y),
            grad3(&u),
            grad3(&delta),
            host_values(a.grad(&grads).expect("gradient")),
            grad3(&b),
            grad3(&c),
            host_values(d.grad(&grads).expect("gradient")),
        ]
    }

    fn worst_difference(a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs() / (1.0 + y.abs()))
            .fold(0f32, f32::max)
    }

    #[test]
    fn the_kernels_match_the_host_loops_and_never_read_back() {
        let _rng = crate::rng_lock();
        let cpu = Device::flex().autodiff();
        cpu.seed(23);
        let gpu = wgpu();
        let uniform = |lo, hi| Distribution::Uniform(lo, hi);
        // Channels below, at and past one cube of 64; state sizes 1, 5, 16 (Mamba's).
        for (batch, len, channels, n) in [(1, 1, 1, 1), (2, 9, 70, 5), (3, 40, 128, 16)] {
            let inputs = (
                Tensor::<3>::random([batch, len, channels], uniform(-1.0, 1.0), &cpu),
                Tensor::<3>::random([batch, len, channels], uniform(0.01, 0.5), &cpu),
                Tensor::<2>::random([channels, n], uniform(-2.0, -0.1), &cpu),
                Tensor::<3>::random([batch, len, n], uniform(-1.0, 1.0), &cpu),
                Tensor::<3>::random([batch, len, n], uniform(-1.0, 1.0), &cpu),
                Tensor::<1>::random([channels], uniform(-1.0, 1.0), &cpu),
            );
            let weights = Tensor::<3>::random([batch, len, channels], uniform(-1.0, 1.0), &cpu);
            let reference = scan_and_gradients(&inputs, &weights, &cpu);
            let reads = host_reads();
            let on_gpu = scan_and_gradients(&inputs, &weights, &gpu);
            assert_eq!(
                host_reads(),
                reads,
                "the scan read tensors back to the host"
            );
            for (name, (gpu, cpu)) in ["y", "∂u", "∂Δ", "∂A", "∂B", "∂C", "∂D"]
                .iter()
                .zip(on_gpu.iter().zip(&reference))
            {
                let worst = worst_difference(gpu, cpu);
                assert!(
                    worst <= 1e-4,
                    "{name} at {batch}×{len}×{channels}, N {n}: worst relative difference {worst}"
                );
            }
        }
    }
}
