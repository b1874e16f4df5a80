//! The fixed-point primitives of `fixed.wgsl`, applied to arrays of arguments on the GPU
//! (entry point `check` of `fixed_check.wgsl`): how tests prove the shaders compute what
//! `engine::fixed` computes, and how a start-up self-test can.

use super::{GpuContext, GpuError};

/// A primitive of `fixed.wgsl`. The discriminant is the shader's `op`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixedOp {
    /// `mul_round(a, b, shift)`, saturated to ±(2^31 − 1) (`fixed::mul_round_u32`).
    MulRound = 0,
    /// `mul_round_clamp(a, b, shift, limit)`.
    MulRoundClamp = 1,
    /// `mul16(a, b, shift)` for `−2^15 ≤ b < 2^15`, `16 ≤ shift ≤ 46`.
    Mul16 = 2,
    /// `clamp16(a)`.
    Clamp16 = 3,
    /// A function table's `lookup(a)`.
    LutLookup = 4,
    /// `exp2_neg(a)`.
    Exp2Neg = 5,
    /// `inv_sqrt(a as u32)`: `(T, j)`.
    InvSqrt = 6,
}

/// Arguments of one element: `[a, b, shift, limit]` (unused ones are ignored).
pub type FixedArgs = [i32; 4];

/// Workgroup size of `check` (its `@workgroup_size`).
const WORKGROUP: u32 = 64;

/// The `check` pipeline, built once.
#[derive(Debug)]
pub struct FixedCheck {
    pipeline: wgpu::ComputePipeline,
}

impl FixedCheck {
    /// Compiles `fixed_check.wgsl` on `context`'s device.
    pub async fn new(context: &GpuContext) -> Result<Self, GpuError> {
        let kernel = boa_shaders::Kernel::FixedCheck;
        let device = &context.device;
        let pipeline = context
            .checked("the fixed-point check kernel", || {
                let source = kernel.source();
                let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: Some(kernel.name()),
                    source: wgpu::ShaderSource::Wgsl(source.into()),
                });
                device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(kernel.name()),
                    layout: None,
                    module: &module,
                    entry_point: Some("check"),
                    compilation_options: wgpu::PipelineCompilationOptions::default(),
                    cache: None,
                })
            })
            .await?;
        Ok(Self { pipeline })
    }

    /// Applies `op` to every element of `args`, with `table` (a function, exp2 or
    /// inv_sqrt table; may be empty for the products) bound as the model's tables.
    /// Returns two values per element (the second is `inv_sqrt`'s `j`, else 0).
    pub async fn execute(
        &self,
        context: &GpuContext,
        op: FixedOp,
        table: &[i32],
        args: &[FixedArgs],
    ) -> Result<Vec<[i32; 2]>, GpuError> {
        if args.is_empty() {
            return Ok(Vec::new());
        }
        let count = u32::try_from(args.len())
            .ok()
            .filter(|&n| {
                n.div_ceil(WORKGROUP)
                    <= context.device.limits().max_compute_workgroups_per_dimension
            })
            .ok_or_else(|| GpuError::TooLarge(format!("{} elements in one check", args.len())))?;
        let device = &context.device;
        let params = [op as u32, count, 0, 0];
        // A binding cannot be empty: products get a one-entry table they never read.
        let table = if table.is_empty() { &[0][..] } else { table };
        let result_bytes = u64::from(count) * 8;
        let (bind_groups, results, readback) = context
            .checked("the fixed-point check's buffers", || {
                let init =
                    |label, contents: &[u8], usage| context.buffer_with(label, contents, usage);
                let params = init(
                    "params",
                    bytemuck::cast_slice(&params),
                    wgpu::BufferUsages::UNIFORM,
                );
                let args = init(
                    "args",
                    bytemuck::cast_slice(args),
                    wgpu::BufferUsages::STORAGE,
                );
                let tables = init(
                    "tables",
                    bytemuck::cast_slice(table),
                    wgpu::BufferUsages::STORAGE,
                );
                let results = device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("results"),
                    size: result_bytes,
                    usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: false,
                });
                let readback = device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("readback"),
                    size: result_bytes,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                let group = |index: u32, buffers: &[&wgpu::Buffer]| {
                    let entries: Vec<_> = buffers
                        .iter()
                        .zip(0..)
                        .map(|(buffer, binding)| wgpu::BindGroupEntry {
                            binding,
                            resource: buffer.as_entire_binding(),
                        })
                        .collect();
                    device.create_bind_group(&wgpu::BindGroupDescriptor {
                        label: None,
                        layout: &self.pipeline.get_bind_group_layout(index),
                        entries: &entries,
                    })
                };
                let groups = [group(0, &[&params, &args, &results]), group(1, &[&tables])];
                (groups, results, readback)
            })
            .await?;
        context
            .checked("the fixed-point check's dispatch", || {
                let mut encoder = device.create_command_encoder(&Default::default());
                {
                    let mut pass = encoder.begin_compute_pass(&Default::default());
                    pass.set_pipeline(&self.pipeline);
                    for (index, group) in (0..).zip(&bind_groups) {
                        pass.set_bind_group(index, group, &[]);
                    }
                    pass.dispatch_workgroups(count.div_ceil(WORKGROUP), 1, 1);
                }
                encoder.copy_buffer_to_buffer(&results, 0, &readback, 0, result_bytes);
                context.queue.submit([encoder.finish()]);
            })
            .await?;
        let bytes = context.read(&readback).await?;
        Ok(bytemuck::pod_collect_to_vec(&bytes))
    }
}
