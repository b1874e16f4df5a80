//! The integer engine on a GPU: WGSL compute shaders (crate `boa-shaders`) run through
//! wgpu — Vulkan, Metal or DX12 natively, WebGPU in the browser. Feature `gpu`.
//!
//! The shaders compute exactly what the CPU engine computes (`docs/engine.md`); the tests
//! compare them primitive by primitive on a real adapter (lavapipe, software Vulkan, in
//! CI). Everything here is `async` inside, so the same code runs on wasm32, where nothing
//! may block; native callers use the `*_blocking` wrappers. `docs/gpu.md` describes the
//! kernels, buffers and dispatches.

mod codec;
mod context;
mod fixed_check;
mod forward;
mod pack;
#[cfg(not(target_arch = "wasm32"))]
mod predictor;
mod session;
#[cfg(test)]
mod tests;

pub use codec::{
    DEFAULT_STEPS_PER_SUBMIT, EncodingPlan, MIXING_STATE_WORDS, decode_streams,
    default_steps_per_submit, encode_intervals, mixing_lanes,
};
#[cfg(not(target_arch = "wasm32"))]
pub use context::list_adapters_blocking;
pub use context::{AdapterSummary, GpuContext, list_adapters};
pub use fixed_check::{FixedCheck, FixedOp};
pub use forward::{GpuLanes, GpuModel};
#[cfg(not(target_arch = "wasm32"))]
pub use predictor::{GpuLane, GpuPredictor};
pub use session::{DEFAULT_LANES_PER_BATCH, GpuSession};
/// The wgpu this module is built on (its adapter types appear in [`AdapterSummary`]).
pub use wgpu;

/// Why GPU work could not be done. The CPU engine computes the same bytes, so a caller
/// may fall back to it on any of these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GpuError {
    /// No adapter (no Vulkan/Metal/DX12 driver, or no WebGPU in this browser).
    #[error("no GPU adapter found (install a Vulkan driver, e.g. Debian's mesa-vulkan-drivers)")]
    NoAdapter(#[from] wgpu::RequestAdapterError),
    /// The adapter refused to open a device with the limits the kernels need.
    #[error("the GPU adapter {adapter} refused a device: {source}")]
    Device {
        /// The adapter's name.
        adapter: String,
        /// wgpu's reason.
        source: wgpu::RequestDeviceError,
    },
    /// wgpu refused a shader, pipeline, buffer or command (a validation or memory error).
    #[error("the GPU refused {what}: {message}")]
    Refused {
        /// What was being done.
        what: &'static str,
        /// wgpu's message.
        message: String,
    },
    /// Reading results back failed (a lost device, or a mapping error).
    #[error("cannot read results back from the GPU: {0}")]
    Readback(String),
    /// Arguments the kernels cannot take (sizes beyond the device's limits).
    #[error("{0}")]
    TooLarge(String),
    /// The GPU computed a table that is not a frequency table (a broken driver or kernel).
    #[error("the GPU computed an invalid frequency table: {0}")]
    InvalidTable(#[from] crate::coder::CoderError),
}
