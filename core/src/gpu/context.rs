//! The device, opened once and shared by every kernel (wgpu's examples' context struct).

use super::GpuError;

/// An adapter as `boa backends` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterSummary {
    /// The adapter's name (e.g. "NVIDIA H200", "llvmpipe (LLVM 15.0.6, 256 bits)").
    pub name: String,
    /// Discrete, integrated, virtual, CPU (software) or other.
    pub device_type: wgpu::DeviceType,
    /// Vulkan, Metal, DX12, GL or WebGPU.
    pub backend: wgpu::Backend,
    /// The driver and its version, as the driver reports them.
    pub driver: String,
}

impl AdapterSummary {
    fn of(info: &wgpu::AdapterInfo) -> Self {
        let driver = [info.driver.as_str(), info.driver_info.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            name: info.name.clone(),
            device_type: info.device_type,
            backend: info.backend,
            driver,
        }
    }

    /// Whether this is real GPU hardware, not a software rasteriser such as lavapipe or
    /// SwiftShader (which compute the same bytes, slowly).
    #[must_use]
    pub fn is_hardware(&self) -> bool {
        matches!(
            self.device_type,
            wgpu::DeviceType::DiscreteGpu | wgpu::DeviceType::IntegratedGpu
        )
    }
}

/// Vulkan, Metal, DX12 or the browser's WebGPU (not GL: its compute support is partial,
/// and probing it prints display-server noise); `WGPU_BACKEND` overrides.
fn instance() -> wgpu::Instance {
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
    descriptor.backends = wgpu::Backends::PRIMARY;
    wgpu::Instance::new(descriptor.with_env())
}

/// Every adapter this machine offers.
pub async fn list_adapters() -> Vec<AdapterSummary> {
    instance()
        .enumerate_adapters(wgpu::Backends::PRIMARY)
        .await
        .iter()
        .map(|adapter| AdapterSummary::of(&adapter.get_info()))
        .collect()
}

/// [`list_adapters`], blocking (native only).
#[cfg(not(target_arch = "wasm32"))]
#[must_use]
pub fn list_adapters_blocking() -> Vec<AdapterSummary> {
    pollster::block_on(list_adapters())
}

/// A device and its queue, with the adapter they came from. Build one per process and
/// share it: pipelines and buffers are made from it once per model.
#[derive(Debug)]
pub struct GpuContext {
    adapter: AdapterSummary,
    /// The device kernels are created on.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
}

impl GpuContext {
    /// Opens the preferred adapter (a high-performance GPU where there is one) with
    /// WebGPU's default limits, which every kernel is written to.
    pub async fn new() -> Result<Self, GpuError> {
        let adapter = instance()
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await?;
        let summary = AdapterSummary::of(&adapter.get_info());
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("boa"),
                required_limits: wgpu::Limits::defaults(),
                ..Default::default()
            })
            .await
            .map_err(|source| GpuError::Device {
                adapter: summary.name.clone(),
                source,
            })?;
        Ok(Self {
            adapter: summary,
            device,
            queue,
        })
    }

    /// [`GpuContext::new`], blocking (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new_blocking() -> Result<Self, GpuError> {
        pollster::block_on(Self::new())
    }

    /// The adapter the device was opened on.
    #[must_use]
    pub fn adapter(&self) -> &AdapterSummary {
        &self.adapter
    }

    /// Runs `make` inside a validation and an out-of-memory error scope; an error wgpu
    /// reports there becomes [`GpuError::Refused`].
    pub(crate) async fn checked<T>(
        &self,
        what: &'static str,
        make: impl FnOnce() -> T,
    ) -> Result<T, GpuError> {
        let memory = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let value = make();
        let refused = |error: wgpu::Error| GpuError::Refused {
            what,
            message: error.to_string(),
        };
        if let Some(error) = validation.pop().await {
            return Err(refused(error));
        }
        if let Some(error) = memory.pop().await {
            return Err(refused(error));
        }
        Ok(value)
    }

    /// A buffer holding `contents` (`COPY_DST` is added to `usage`), written through the
    /// queue: unlike wgpu's `create_buffer_init`, which panics when the device is lost,
    /// a lost device here is an error of the enclosing [`GpuContext::checked`] scope or
    /// of the next readback. `contents.len()` must be a multiple of 4 (0 is made 4).
    pub(crate) fn buffer_with(
        &self,
        label: &'static str,
        contents: &[u8],
        usage: wgpu::BufferUsages,
    ) -> wgpu::Buffer {
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: (contents.len() as u64).max(4),
            usage: usage | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.queue.write_buffer(&buffer, 0, contents);
        buffer
    }

    /// Copies `buffer` (which has `MAP_READ`) to the host once the queue's work is done.
    pub(crate) async fn read(&self, buffer: &wgpu::Buffer) -> Result<Vec<u8>, GpuError> {
        let (sender, receiver) = futures_channel::oneshot::channel();
        buffer.map_async(wgpu::MapMode::Read, .., move |result| {
            // The receiver outlives the callback unless the caller gave up; then no one
            // needs the result.
            let _ = sender.send(result);
        });
        #[cfg(not(target_arch = "wasm32"))]
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        receiver
            .await
            .map_err(|_| GpuError::Readback("the device was lost".into()))?
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        let bytes = buffer
            .get_mapped_range(..)
            .map_err(|e| GpuError::Readback(e.to_string()))?
            .to_vec();
        buffer.unmap();
        Ok(bytes)
    }
}
