//! The model's forward pass on the GPU over rows = lanes × window: [`GpuModel`] holds the
//! constants and the pipelines (built once per model), [`GpuLanes`] the activations,
//! states and the recorded dispatches for a number of lanes and positions per lane (built
//! once per batch size). Two schedules share every kernel: decoding, one position for
//! many lanes per step (window 1); teacher-forced encoding, a window of known positions
//! per lane, where every layer but the recurrent two (convolution and scan, sequential in
//! time, parallel over lanes and channels) runs matrix–matrix over all the rows.

use super::pack::{BlockAt, ModelAt, pack};
use super::{GpuContext, GpuError};
use crate::engine::Engine;
use crate::engine::QuantizedModel;
use crate::engine::model::{Dims, QLinear};

/// Invocations per workgroup of every model kernel (their `@workgroup_size`).
const WORKGROUP: u32 = 64;
/// Bytes between two dispatches' parameters (WebGPU's `minUniformBufferOffsetAlignment`).
const PARAMS_STRIDE: u64 = 256;
/// Bytes of one `Params` (21 u32, `shaders/layout.wgsl`).
const PARAMS_BYTES: u64 = 84;
/// u32 values of one `Params`.
const PARAMS_WORDS: usize = 21;

/// The parameters of one dispatch: `Params` of `shaders/layout.wgsl`, field for field.
#[derive(Debug, Default, Clone, Copy)]
struct Params {
    rows: u32,
    window: u32,
    width: u32,
    inputs: u32,
    state_stride: u32,
    src: u32,
    dst: u32,
    aux: u32,
    aux2: u32,
    aux3: u32,
    aux4: u32,
    table: u32,
    table2: u32,
    table3: u32,
    state: u32,
    k: [u32; 6],
}

impl Params {
    fn words(&self) -> [u32; PARAMS_WORDS] {
        let [k0, k1, k2, k3, k4, k5] = self.k;
        [
            self.rows,
            self.window,
            self.width,
            self.inputs,
            self.state_stride,
            self.src,
            self.dst,
            self.aux,
            self.aux2,
            self.aux3,
            self.aux4,
            self.table,
            self.table2,
            self.table3,
            self.state,
            k0,
            k1,
            k2,
            k3,
            k4,
            k5,
        ]
    }
}

/// The entry points, in the order of [`GpuModel::pipelines`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    Linear,
    Embed,
    Residual,
    LayerNorm,
    Conv,
    Lut,
    Scan,
    Softmax,
    /// The range decoder (`shaders/coder.wgsl`).
    Decode,
    /// Teacher forcing: a window's known bytes in (`shaders/coder.wgsl`).
    Feed,
    /// Teacher forcing: the interval of the byte after each row's (`shaders/coder.wgsl`).
    Interval,
    /// Context mixing (`shaders/mixing.wgsl`): a fresh state in every lane.
    MixInit,
    /// Decoding: each lane's next table mixed.
    MixPredict,
    /// Decoding: the byte just decoded learnt.
    MixLearn,
    /// Encoding: each chunk's first byte learnt.
    MixFirst,
    /// Encoding: a window's tables mixed, its bytes learnt.
    MixWindow,
}

impl Entry {
    const ALL: [Entry; 16] = [
        Entry::Linear,
        Entry::Embed,
        Entry::Residual,
        Entry::LayerNorm,
        Entry::Conv,
        Entry::Lut,
        Entry::Scan,
        Entry::Softmax,
        Entry::Decode,
        Entry::Feed,
        Entry::Interval,
        Entry::MixInit,
        Entry::MixPredict,
        Entry::MixLearn,
        Entry::MixFirst,
        Entry::MixWindow,
    ];

    fn kernel(self) -> (boa_shaders::Kernel, &'static str) {
        use boa_shaders::Kernel;
        match self {
            Self::Linear => (Kernel::Linear, "linear"),
            Self::Embed => (Kernel::Norm, "embed"),
            Self::Residual => (Kernel::Norm, "residual"),
            Self::LayerNorm => (Kernel::Norm, "layer_norm"),
            Self::Conv => (Kernel::Mixer, "conv"),
            Self::Lut => (Kernel::Mixer, "lut"),
            Self::Scan => (Kernel::Mixer, "scan"),
            Self::Softmax => (Kernel::Softmax, "softmax"),
            Self::Decode => (Kernel::Coder, "decode"),
            Self::Feed => (Kernel::Coder, "feed"),
            Self::Interval => (Kernel::Coder, "interval"),
            Self::MixInit => (Kernel::Mixing, "mix_init"),
            Self::MixPredict => (Kernel::Mixing, "mix_predict"),
            Self::MixLearn => (Kernel::Mixing, "mix_learn"),
            Self::MixFirst => (Kernel::Mixing, "mix_first"),
            Self::MixWindow => (Kernel::Mixing, "mix_window"),
        }
    }

    /// Workgroups of a dispatch over `rows` rows of `lanes` lanes, `width` wide.
    fn workgroups(self, rows: u32, lanes: u32, width: u32) -> (u32, u32) {
        match self {
            // One invocation per row.
            Self::LayerNorm | Self::Softmax | Self::Decode | Self::Interval => {
                (rows.div_ceil(WORKGROUP), 1)
            }
            // One per lane, walking its window.
            Self::Feed => (lanes.div_ceil(WORKGROUP), 1),
            // One workgroup (of 256: the bit tree's nodes) per lane.
            Self::MixInit
            | Self::MixPredict
            | Self::MixLearn
            | Self::MixFirst
            | Self::MixWindow => (lanes, 1),
            // One per (lane, channel), walking its window.
            Self::Conv | Self::Scan => (width.div_ceil(WORKGROUP), lanes),
            // One per element of a row.
            Self::Linear | Self::Embed | Self::Residual | Self::Lut => {
                (width.div_ceil(WORKGROUP), rows)
            }
        }
    }

    /// Whether group 1 holds the coder's buffers (else the model's constants).
    fn is_coder(self) -> bool {
        !matches!(
            self,
            Self::Linear
                | Self::Embed
                | Self::Residual
                | Self::LayerNorm
                | Self::Conv
                | Self::Lut
                | Self::Scan
                | Self::Softmax
        )
    }
}

/// An integer model on the GPU: its constants and the pipelines of every kernel.
#[derive(Debug)]
pub struct GpuModel {
    dims: Dims,
    at: ModelAt,
    model: QuantizedModel,
    tables: wgpu::Buffer,
    /// Group 0 (params, acts, state, io), group 1 of the model kernels (constants), group 1
    /// of the coder kernels (lanes, streams, steps).
    layouts: [wgpu::BindGroupLayout; 3],
    pipelines: Vec<wgpu::ComputePipeline>,
}

fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

impl GpuModel {
    /// Uploads `engine`'s model and compiles the kernels on `context`'s device.
    pub async fn new(context: &GpuContext, engine: &Engine) -> Result<Self, GpuError> {
        let model = engine.model();
        let (values, at) = pack(model)
            .ok_or_else(|| GpuError::TooLarge("the model has more than 2^32 values".into()))?;
        let bytes = values.len() as u64 * 4;
        let limit = context.device.limits().max_storage_buffer_binding_size;
        if bytes > limit {
            return Err(GpuError::TooLarge(format!(
                "the model's constants take {bytes} bytes; this GPU binds at most {limit}"
            )));
        }
        let device = &context.device;
        let (tables, layouts, pipelines) = context
            .checked("the model's kernels", || {
                let tables = context.buffer_with(
                    "tables",
                    bytemuck::cast_slice(&values),
                    wgpu::BufferUsages::STORAGE,
                );
                let step = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                    label: Some("step"),
                    entries: &[
                        wgpu::BindGroupLayoutEntry {
                            binding: 0,
                            visibility: wgpu::ShaderStages::COMPUTE,
                            ty: wgpu::BindingType::Buffer {
                                ty: wgpu::BufferBindingType::Uniform,
                                has_dynamic_offset: true,
                                min_binding_size: wgpu::BufferSize::new(PARAMS_BYTES),
                            },
                            count: None,
                        },
                        storage_entry(1, false),
                        storage_entry(2, false),
                        storage_entry(3, false),
                    ],
                });
                let constants = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                    label: Some("constants"),
                    entries: &[storage_entry(0, true)],
                });
                let coder = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                    label: Some("coder"),
                    entries: &[
                        storage_entry(0, false),
                        storage_entry(1, true),
                        storage_entry(2, false),
                        storage_entry(3, false),
                    ],
                });
                let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                    label: Some("model"),
                    bind_group_layouts: &[Some(&step), Some(&constants)],
                    immediate_size: 0,
                });
                let coder_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                    label: Some("coder"),
                    bind_group_layouts: &[Some(&step), Some(&coder)],
                    immediate_size: 0,
                });
                let mut modules = std::collections::HashMap::new();
                let pipelines = Entry::ALL
                    .iter()
                    .map(|entry| {
                        let (kernel, name) = entry.kernel();
                        let module = modules.entry(kernel).or_insert_with(|| {
                            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                                label: Some(kernel.name()),
                                source: wgpu::ShaderSource::Wgsl(kernel.source().into()),
                            })
                        });
                        let layout = if entry.is_coder() {
                            &coder_layout
                        } else {
                            &layout
                        };
                        device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                            label: Some(name),
                            layout: Some(layout),
                            module,
                            entry_point: Some(name),
                            compilation_options: wgpu::PipelineCompilationOptions::default(),
                            cache: None,
                        })
                    })
                    .collect();
                (tables, [step, constants, coder], pipelines)
            })
            .await?;
        Ok(Self {
            dims: model.dims,
            at,
            model: model.clone(),
            tables,
            layouts,
            pipelines,
        })
    }

    pub(super) fn pipeline(&self, entry: Entry) -> &wgpu::ComputePipeline {
        &self.pipelines[entry as usize]
    }

    /// The most lanes one batch can have on `context`'s device at window 1: each of its
    /// per-row buffers (activations, state, io) must fit one storage binding, and rows
    /// are dispatched along one workgroup dimension.
    #[must_use]
    pub fn max_lanes(&self, context: &GpuContext) -> usize {
        let state = ((self.dims.d_conv - 1) * self.dims.d_inner
            + self.dims.d_inner * self.dims.d_state)
            * self.dims.num_layers;
        self.max_rows(context, state as u64)
    }

    /// The longest window `lanes` lanes can have on `context`'s device (at least 1):
    /// rows = lanes × window within [`GpuModel::max_lanes`]' limits on rows.
    #[must_use]
    pub fn max_window(&self, context: &GpuContext, lanes: usize) -> usize {
        (self.max_rows(context, 0) / lanes.max(1)).max(1)
    }

    /// The most rows whose activations and io (and `per_row` more values) fit one
    /// storage binding each, and one workgroup dimension.
    fn max_rows(&self, context: &GpuContext, per_row: u64) -> usize {
        let limits = context.device.limits();
        let acts = Acts::new(&self.dims, 1).map_or(u64::MAX, |a| u64::from(a.len));
        let widest = acts.max(per_row).max(257) * 4;
        let by_memory = limits.max_storage_buffer_binding_size / widest.max(1);
        by_memory
            .min(u64::from(limits.max_compute_workgroups_per_dimension))
            .max(1) as usize
    }

    /// The layout of the coder kernels' group 1 (`shaders/coder.wgsl`).
    pub(super) fn coder_layout(&self) -> &wgpu::BindGroupLayout {
        &self.layouts[2]
    }
}

/// Where each activation of a step lives in `acts`: regions `[rows][width]`.
struct Regions {
    next: u32,
    rows: u32,
}

impl Regions {
    fn take(&mut self, width: usize) -> Option<u32> {
        let at = self.next;
        let len = u32::try_from(width).ok()?.checked_mul(self.rows)?;
        self.next = at.checked_add(len)?;
        Some(at)
    }
}

/// One recorded dispatch.
#[derive(Debug, Clone, Copy)]
struct Dispatch {
    entry: Entry,
    /// Index of its parameters in the params buffer.
    params: u32,
    workgroups: (u32, u32),
}

/// The buffers and recorded dispatches of one forward pass over `lanes` × `window` rows.
#[derive(Debug)]
pub struct GpuLanes {
    /// Lanes (each with its own state), positions per lane, and rows = lanes × window.
    lanes: u32,
    window: u32,
    rows: u32,
    /// One `Params` per recorded dispatch, then one for the coder kernels (written before
    /// each submit that uses them), at [`PARAMS_STRIDE`] bytes apart.
    params: wgpu::Buffer,
    state: wgpu::Buffer,
    io: wgpu::Buffer,
    readback: wgpu::Buffer,
    step_group: wgpu::BindGroup,
    constants_group: wgpu::BindGroup,
    dispatches: Vec<Dispatch>,
    /// Offset of the frequency tables in `io` (u32 values).
    tables_at: u32,
    /// Values of state per lane.
    state_stride: u32,
}

/// Builds the dispatch list of one step and the sizes of its buffers.
struct Recorder<'a> {
    model: &'a GpuModel,
    lanes: u32,
    window: u32,
    rows: u32,
    state_stride: u32,
    params: Vec<Params>,
    dispatches: Vec<Dispatch>,
}

impl Recorder<'_> {
    fn push(&mut self, entry: Entry, mut params: Params) {
        params.rows = self.rows;
        params.window = self.window;
        params.state_stride = self.state_stride;
        let workgroups = entry.workgroups(self.rows, self.lanes, params.width);
        self.dispatches.push(Dispatch {
            entry,
            params: self.params.len() as u32,
            workgroups,
        });
        self.params.push(params);
    }

    fn linear(&mut self, layer: &QLinear, table: u32, src: u32, dst: u32, relu: bool) {
        self.push(
            Entry::Linear,
            Params {
                width: layer.outputs as u32,
                inputs: layer.inputs as u32,
                src,
                dst,
                table,
                k: [u32::from(relu), 0, 0, 0, 0, 0],
                ..Params::default()
            },
        );
    }

    fn layer_norm(&mut self, eps: u32, src: u32, dst: u32) {
        let m = &self.model.model;
        self.push(
            Entry::LayerNorm,
            Params {
                inputs: m.dims.d_model as u32,
                src,
                dst,
                table: self.model.at.inv_sqrt,
                k: [
                    u32::from(m.ln_var_shift),
                    u32::from(m.ln_out_frac),
                    eps,
                    0,
                    0,
                    0,
                ],
                ..Params::default()
            },
        );
    }

    fn lut(&mut self, width: usize, table: u32, src: u32, dst: u32, clamp: bool) {
        self.push(
            Entry::Lut,
            Params {
                width: width as u32,
                src,
                dst,
                table,
                k: [u32::from(clamp), 0, 0, 0, 0, 0],
                ..Params::default()
            },
        );
    }
}

/// The activations' regions.
struct Acts {
    x: u32,
    normed: u32,
    x_in: u32,
    z: u32,
    u: u32,
    delta_low: u32,
    b: u32,
    c: u32,
    delta_pre: u32,
    delta: u32,
    gated: u32,
    mixed: u32,
    hidden: u32,
    activated: u32,
    update: u32,
    head: u32,
    logits: u32,
    len: u32,
}

impl Acts {
    fn new(d: &Dims, rows: u32) -> Option<Self> {
        let mut r = Regions { next: 0, rows };
        let (dm, di) = (d.d_model, d.d_inner);
        Some(Self {
            x: r.take(dm)?,
            normed: r.take(dm)?,
            x_in: r.take(di)?,
            z: r.take(di)?,
            u: r.take(di)?,
            delta_low: r.take(d.dt_rank)?,
            b: r.take(d.d_state)?,
            c: r.take(d.d_state)?,
            delta_pre: r.take(di)?,
            delta: r.take(di)?,
            gated: r.take(di)?,
            mixed: r.take(dm)?,
            hidden: r.take(4 * dm)?,
            activated: r.take(4 * dm)?,
            update: r.take(dm)?,
            head: r.take(dm)?,
            logits: r.take(256)?,
            len: r.next,
        })
    }
}

impl GpuLanes {
    /// Buffers and dispatches for `lanes` lanes of `model` with `window` positions each
    /// (1 for decoding), every lane at the zero state.
    pub async fn new(
        context: &GpuContext,
        model: &GpuModel,
        lanes: usize,
        window: usize,
    ) -> Result<Self, GpuError> {
        let too_large = || {
            GpuError::TooLarge(format!(
                "{lanes} lanes of {window} positions do not fit this GPU"
            ))
        };
        let max = context.device.limits().max_compute_workgroups_per_dimension;
        let lanes_u32 = u32::try_from(lanes).ok().filter(|l| (1..=max).contains(l));
        let window_u32 = u32::try_from(window).ok().filter(|&w| w >= 1);
        let (lanes, window) = lanes_u32.zip(window_u32).ok_or_else(too_large)?;
        let rows = lanes
            .checked_mul(window)
            .filter(|&r| r <= max)
            .ok_or_else(too_large)?;
        let d = model.dims;
        let acts = Acts::new(&d, rows).ok_or_else(too_large)?;
        let per_layer = (d.d_conv - 1) * d.d_inner + d.d_inner * d.d_state;
        let state_stride = u32::try_from(per_layer * d.num_layers).map_err(|_| too_large())?;
        let state_len = u64::from(state_stride) * u64::from(lanes);
        let limit = context.device.limits().max_storage_buffer_binding_size;
        if (state_len.max(u64::from(acts.len)) * 4) > limit {
            return Err(too_large());
        }
        let mut rec = Recorder {
            model,
            lanes,
            window,
            rows,
            state_stride,
            params: Vec::new(),
            dispatches: Vec::new(),
        };
        let tables_at = rows;
        record_step(&mut rec, &acts, tables_at);
        let (mut params, dispatches) = (rec.params, rec.dispatches);
        // The coder kernels' slot, rewritten per submit.
        params.push(Params::default());
        let device = &context.device;
        let io_len = u64::from(rows) * 257 * 4;
        let lanes = context
            .checked("the lanes' buffers", || {
                let mut words = vec![0u32; params.len() * (PARAMS_STRIDE as usize / 4)];
                for (slot, p) in words
                    .chunks_exact_mut(PARAMS_STRIDE as usize / 4)
                    .zip(&params)
                {
                    slot[..PARAMS_WORDS].copy_from_slice(&p.words());
                }
                let params = context.buffer_with(
                    "params",
                    bytemuck::cast_slice(&words),
                    wgpu::BufferUsages::UNIFORM,
                );
                let storage = |label, bytes: u64, extra| {
                    device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some(label),
                        size: bytes.max(4),
                        usage: wgpu::BufferUsages::STORAGE | extra,
                        mapped_at_creation: false,
                    })
                };
                let acts_buffer =
                    storage("acts", u64::from(acts.len) * 4, wgpu::BufferUsages::empty());
                let state = storage("state", state_len * 4, wgpu::BufferUsages::COPY_DST);
                let io = storage(
                    "io",
                    io_len,
                    wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
                );
                let readback = device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("readback"),
                    size: u64::from(rows) * 256 * 4,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                let step_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("step"),
                    layout: &model.layouts[0],
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                                buffer: &params,
                                offset: 0,
                                size: wgpu::BufferSize::new(PARAMS_BYTES),
                            }),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: acts_buffer.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: state.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 3,
                            resource: io.as_entire_binding(),
                        },
                    ],
                });
                let constants_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("constants"),
                    layout: &model.layouts[1],
                    entries: &[wgpu::BindGroupEntry {
                        binding: 0,
                        resource: model.tables.as_entire_binding(),
                    }],
                });
                GpuLanes {
                    lanes,
                    window,
                    rows,
                    params,
                    state,
                    io,
                    readback,
                    step_group,
                    constants_group,
                    dispatches,
                    tables_at,
                    state_stride,
                }
            })
            .await?;
        Ok(lanes)
    }

    /// Lanes of this batch.
    #[must_use]
    pub fn lanes(&self) -> usize {
        self.lanes as usize
    }

    /// Positions per lane of one forward pass.
    #[must_use]
    pub fn window(&self) -> usize {
        self.window as usize
    }

    /// Rows of one forward pass: lanes × window, row = lane · window + position.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows as usize
    }

    /// Returns every lane to the zero state (the start of a chunk).
    pub fn reset(&self, context: &GpuContext) {
        let mut encoder = context.device.create_command_encoder(&Default::default());
        encoder.clear_buffer(&self.state, 0, None);
        context.queue.submit([encoder.finish()]);
    }

    /// Returns `lane` to the zero state; `false` if there is no such lane.
    pub fn reset_lane(&self, context: &GpuContext, lane: usize) -> bool {
        if lane >= self.lanes() {
            return false;
        }
        let stride = u64::from(self.state_stride) * 4;
        let mut encoder = context.device.create_command_encoder(&Default::default());
        encoder.clear_buffer(&self.state, lane as u64 * stride, Some(stride));
        context.queue.submit([encoder.finish()]);
        true
    }

    /// Readies every lane for the coder kernels: zero state, no input byte (idle), and
    /// the uniform table (every frequency 256) that codes each chunk's first byte; the
    /// coder's parameters set to `period` steps (or windows) per submit and
    /// `mixing_stride` u32 of mixing state per lane (0 without mixing).
    pub(super) fn begin_coding(&self, context: &GpuContext, period: u32, mixing_stride: u32) {
        let rows = self.rows as usize;
        // Bytes (the first `rows` values) idle, then every table uniform.
        let io = vec![256u32; rows * 257];
        context
            .queue
            .write_buffer(&self.io, 0, bytemuck::cast_slice(&io));
        let coder = Params {
            rows: self.rows,
            window: self.window,
            state_stride: self.state_stride,
            src: self.tables_at,
            k: [period, mixing_stride, 0, 0, 0, 0],
            ..Params::default()
        };
        context.queue.write_buffer(
            &self.params,
            self.coder_slot() * PARAMS_STRIDE,
            bytemuck::cast_slice(&coder.words()),
        );
        let mut encoder = context.device.create_command_encoder(&Default::default());
        encoder.clear_buffer(&self.state, 0, None);
        context.queue.submit([encoder.finish()]);
    }

    /// Records one decoding step into `pass` (window 1): the range decoder (its group 1
    /// being `coder_group`), then the forward pass that turns the bytes it fed into the
    /// next tables; with `mixing`, the table mixed before the decoder and the byte learnt
    /// after it.
    pub(super) fn record_decoding_step(
        &self,
        pass: &mut wgpu::ComputePass<'_>,
        model: &GpuModel,
        coder_group: &wgpu::BindGroup,
        mixing: bool,
    ) {
        debug_assert_eq!(self.window, 1);
        if mixing {
            self.record_coder(pass, model, Entry::MixPredict, coder_group);
        }
        self.record_coder(pass, model, Entry::Decode, coder_group);
        if mixing {
            self.record_coder(pass, model, Entry::MixLearn, coder_group);
        }
        self.record_forward(pass, model);
    }

    /// Records one teacher-forced window into `pass`: the window's known bytes fed, the
    /// forward pass over all its rows, (with `mixing`, each row's table mixed in order)
    /// then each row's interval.
    pub(super) fn record_encoding_window(
        &self,
        pass: &mut wgpu::ComputePass<'_>,
        model: &GpuModel,
        coder_group: &wgpu::BindGroup,
        mixing: bool,
    ) {
        self.record_coder(pass, model, Entry::Feed, coder_group);
        self.record_forward(pass, model);
        if mixing {
            self.record_coder(pass, model, Entry::MixWindow, coder_group);
        }
        self.record_coder(pass, model, Entry::Interval, coder_group);
    }

    /// Records the start of a chunk group coded with mixing (its state zeroed by the
    /// host before): every lane's fresh state, and when `encoding` each chunk's first
    /// byte learnt (the host codes it under the uniform table).
    pub(super) fn record_mixing_start(
        &self,
        pass: &mut wgpu::ComputePass<'_>,
        model: &GpuModel,
        coder_group: &wgpu::BindGroup,
        encoding: bool,
    ) {
        self.record_coder(pass, model, Entry::MixInit, coder_group);
        if encoding {
            self.record_coder(pass, model, Entry::MixFirst, coder_group);
        }
    }

    fn record_coder(
        &self,
        pass: &mut wgpu::ComputePass<'_>,
        model: &GpuModel,
        entry: Entry,
        coder_group: &wgpu::BindGroup,
    ) {
        debug_assert!(entry.is_coder());
        pass.set_pipeline(model.pipeline(entry));
        let offset = (self.coder_slot() * PARAMS_STRIDE) as u32;
        pass.set_bind_group(0, &self.step_group, &[offset]);
        pass.set_bind_group(1, coder_group, &[]);
        let (x, y) = entry.workgroups(self.rows, self.lanes, 0);
        pass.dispatch_workgroups(x, y, 1);
    }

    fn coder_slot(&self) -> u64 {
        self.dispatches.len() as u64
    }

    /// Records the forward pass of one step: reads io's bytes, writes io's tables.
    fn record_forward(&self, pass: &mut wgpu::ComputePass<'_>, model: &GpuModel) {
        pass.set_bind_group(1, &self.constants_group, &[]);
        for d in &self.dispatches {
            pass.set_pipeline(model.pipeline(d.entry));
            let offset = (u64::from(d.params) * PARAMS_STRIDE) as u32;
            pass.set_bind_group(0, &self.step_group, &[offset]);
            pass.dispatch_workgroups(d.workgroups.0, d.workgroups.1, 1);
        }
    }

    /// Teacher-forced frequency tables of `chunks` (at most one per lane), from fresh
    /// states, through windows of [`GpuLanes::window`] positions: for each chunk, the
    /// table of each of its bytes after the first, given the bytes before it (the first
    /// byte's table is the uniform one). Window 1 is the decoding schedule's step, longer
    /// windows the encoding schedule's; the tables are the CPU engine's either way.
    ///
    /// # Errors
    /// More chunks than lanes, or what the device reports.
    pub async fn chunk_tables(
        &self,
        context: &GpuContext,
        model: &GpuModel,
        chunks: &[&[u8]],
    ) -> Result<Vec<Vec<[u32; 256]>>, GpuError> {
        if chunks.len() > self.lanes() {
            return Err(GpuError::TooLarge(format!(
                "{} chunks for {} lanes",
                chunks.len(),
                self.lanes()
            )));
        }
        self.reset(context);
        let window = self.window();
        // Position p of a chunk is an input when a byte follows it.
        let is_input = |chunk: &[u8], p: usize| p + 1 < chunk.len();
        let mut out: Vec<Vec<[u32; 256]>> = chunks
            .iter()
            .map(|c| Vec::with_capacity(c.len().saturating_sub(1)))
            .collect();
        let inputs = chunks
            .iter()
            .map(|c| c.len())
            .max()
            .unwrap_or(0)
            .saturating_sub(1);
        for start in (0..inputs).step_by(window) {
            let mut bytes = vec![None; self.rows()];
            for (lane, chunk) in chunks.iter().enumerate() {
                for t in (0..window).filter(|&t| is_input(chunk, start + t)) {
                    bytes[lane * window + t] = Some(chunk[start + t]);
                }
            }
            let tables = self.step(context, model, &bytes).await?;
            for (lane, (chunk, out)) in chunks.iter().zip(&mut out).enumerate() {
                for t in (0..window).filter(|&t| is_input(chunk, start + t)) {
                    out.push(tables[lane * window + t]);
                }
            }
        }
        Ok(out)
    }

    /// Feeds `inputs[row]` to every row that has one (row = lane · window + position,
    /// positions in order; `None`: the row sits this pass out and its lane's state skips
    /// it) and returns each row's frequencies for the byte after its input (256 per row,
    /// total 2^16; meaningless for idle rows).
    pub async fn step(
        &self,
        context: &GpuContext,
        model: &GpuModel,
        inputs: &[Option<u8>],
    ) -> Result<Vec<[u32; 256]>, GpuError> {
        if inputs.len() != self.rows() {
            return Err(GpuError::TooLarge(format!(
                "{} inputs for {} rows",
                inputs.len(),
                self.rows()
            )));
        }
        /// The io value of an idle row (`shaders/mixer.wgsl`).
        const IDLE: u32 = 256;
        let words: Vec<u32> = inputs.iter().map(|b| b.map_or(IDLE, u32::from)).collect();
        context
            .checked("a step", || {
                context
                    .queue
                    .write_buffer(&self.io, 0, bytemuck::cast_slice(&words));
                let mut encoder = context.device.create_command_encoder(&Default::default());
                self.record_forward(&mut encoder.begin_compute_pass(&Default::default()), model);
                encoder.copy_buffer_to_buffer(
                    &self.io,
                    u64::from(self.tables_at) * 4,
                    &self.readback,
                    0,
                    u64::from(self.rows) * 256 * 4,
                );
                context.queue.submit([encoder.finish()]);
            })
            .await?;
        let bytes = context.read(&self.readback).await?;
        let values: Vec<u32> = bytemuck::pod_collect_to_vec(&bytes);
        Ok(values
            .chunks_exact(256)
            .map(|c| {
                let mut table = [0u32; 256];
                table.copy_from_slice(c);
                table
            })
            .collect())
    }
}

/// The dispatches of one step, in the order of `docs/engine.md`'s forward pass.
fn record_step(rec: &mut Recorder<'_>, a: &Acts, tables_at: u32) {
    let model = rec.model;
    let m = &model.model;
    let d = m.dims;
    rec.push(
        Entry::Embed,
        Params {
            width: d.d_model as u32,
            dst: a.x,
            table: model.at.embedding,
            ..Params::default()
        },
    );
    let per_layer = ((d.d_conv - 1) * d.d_inner + d.d_inner * d.d_state) as u32;
    for (layer, (block, at)) in m.blocks.iter().zip(&model.at.blocks).enumerate() {
        let history = layer as u32 * per_layer;
        record_block(
            rec,
            a,
            block,
            at,
            history,
            history + ((d.d_conv - 1) * d.d_inner) as u32,
        );
    }
    rec.linear(&m.head_hidden, model.at.head_hidden, a.x, a.head, true);
    rec.linear(
        &m.head_logits,
        model.at.head_logits,
        a.head,
        a.logits,
        false,
    );
    rec.push(
        Entry::Softmax,
        Params {
            src: a.logits,
            dst: tables_at,
            table: model.at.exp2,
            k: [
                m.softmax.multiplier as u32,
                u32::from(m.softmax.shift),
                0,
                0,
                0,
                0,
            ],
            ..Params::default()
        },
    );
}

fn record_block(
    rec: &mut Recorder<'_>,
    a: &Acts,
    block: &crate::engine::model::QBlock,
    at: &BlockAt,
    history: u32,
    ssm: u32,
) {
    let d = rec.model.dims;
    rec.layer_norm(block.ln1_eps, a.x, a.normed);
    rec.linear(&block.in_x, at.in_x, a.normed, a.x_in, false);
    rec.linear(&block.in_z, at.in_z, a.normed, a.z, false);
    rec.push(
        Entry::Conv,
        Params {
            width: d.d_inner as u32,
            src: a.x_in,
            dst: a.u,
            table: at.conv,
            table2: at.silu_conv,
            state: history,
            k: [d.d_conv as u32, 0, 0, 0, 0, 0],
            ..Params::default()
        },
    );
    rec.linear(&block.x_delta, at.x_delta, a.u, a.delta_low, false);
    rec.linear(&block.x_b, at.x_b, a.u, a.b, false);
    rec.linear(&block.x_c, at.x_c, a.u, a.c, false);
    rec.linear(&block.dt_proj, at.dt_proj, a.delta_low, a.delta_pre, false);
    rec.lut(d.d_inner, at.softplus, a.delta_pre, a.delta, false);
    let s = &block.scan;
    rec.push(
        Entry::Scan,
        Params {
            width: d.d_inner as u32,
            inputs: d.d_state as u32,
            src: a.u,
            aux: a.delta,
            aux2: a.b,
            aux3: a.c,
            aux4: a.z,
            dst: a.gated,
            table: at.scan,
            table2: rec.model.at.exp2,
            table3: at.silu_z,
            state: ssm,
            k: s.shifts().map(u32::from),
            ..Params::default()
        },
    );
    rec.linear(&block.out_proj, at.out_proj, a.gated, a.mixed, false);
    rec.layer_norm(block.ln2_eps, a.mixed, a.normed);
    rec.linear(&block.ff_expand, at.ff_expand, a.normed, a.hidden, false);
    rec.lut(4 * d.d_model, at.gelu, a.hidden, a.activated, true);
    rec.linear(
        &block.ff_contract,
        at.ff_contract,
        a.activated,
        a.update,
        false,
    );
    rec.push(
        Entry::Residual,
        Params {
            width: d.d_model as u32,
            dst: a.x,
            src: a.update,
            ..Params::default()
        },
    );
}
