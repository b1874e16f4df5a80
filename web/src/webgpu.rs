//! The GPU bindings (wasm32 only): one WebGPU device per worker, opened on first use,
//! and one model's [`GpuSession`] at a time, which must pass [`gpu::self_test`] before
//! it codes anything.

use std::cell::RefCell;

use boa_core::gpu::{DEFAULT_LANES_PER_BATCH, GpuContext, GpuSession};
use boa_core::{Engine, ModelFingerprint, Predictor};
use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::decode::{OpenFile, load_model};
use crate::{compress_options, gpu, progress_reporter};

/// The worker's device and the session of the model used last.
struct State {
    /// Set while no session holds the device.
    context: Option<GpuContext>,
    session: Option<(ModelFingerprint, GpuSession)>,
    /// How the adapter is shown: "WebGPU: name (type)".
    adapter: String,
}

thread_local! {
    /// `None` before the first call, and while a call holds the state.
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
    /// Whether the device was opened (so that a missing state means "busy").
    static OPENED: RefCell<bool> = const { RefCell::new(false) };
}

/// How an adapter is shown: "WebGPU: name (kind)". Browsers may keep the name from wgpu
/// (privacy); `name_hint` (the page's `GPUAdapter.info`) stands in then.
fn describe(summary: &boa_core::gpu::AdapterSummary, name_hint: Option<&str>) -> String {
    use boa_core::gpu::wgpu::DeviceType;
    let name = Some(summary.name.as_str())
        .filter(|n| !n.is_empty())
        .or(name_hint.filter(|n| !n.is_empty()))
        .unwrap_or("adapter");
    let kind = match summary.device_type {
        DeviceType::DiscreteGpu => "discrete GPU",
        DeviceType::IntegratedGpu => "integrated GPU",
        DeviceType::VirtualGpu => "virtual GPU",
        DeviceType::Cpu => "software, on the CPU",
        DeviceType::Other => "unknown kind",
    };
    format!("WebGPU: {name} ({kind})")
}

/// The state, taken for one call (the device opened on first use).
async fn take_state(name_hint: Option<&str>) -> Result<State, JsError> {
    if let Some(state) = STATE.with(|s| s.borrow_mut().take()) {
        return Ok(state);
    }
    if OPENED.with(|o| *o.borrow()) {
        return Err(unavailable("another GPU call is running in this worker"));
    }
    let context = GpuContext::new()
        .await
        .map_err(|e| unavailable(&e.to_string()))?;
    OPENED.with(|o| *o.borrow_mut() = true);
    let adapter = describe(context.adapter(), name_hint);
    Ok(State {
        context: Some(context),
        session: None,
        adapter,
    })
}

fn put_state(state: State) {
    STATE.with(|s| *s.borrow_mut() = Some(state));
}

impl State {
    /// The session for `engine`'s model, built and self-tested if it is not the last one.
    async fn session(&mut self, engine: &Engine) -> Result<&mut GpuSession, String> {
        let fingerprint = engine.fingerprint();
        if self.session.as_ref().is_none_or(|(f, _)| *f != fingerprint) {
            let context = match self.session.take() {
                Some((_, old)) => old.into_context(),
                None => self.context.take().ok_or("the GPU device is gone")?,
            };
            let mut session = GpuSession::new(context, engine, DEFAULT_LANES_PER_BATCH)
                .await
                .map_err(|e| e.to_string())?;
            if let Err(why) = gpu::self_test(&mut session, engine).await {
                self.context = Some(session.into_context());
                return Err(format!("the WebGPU self-test failed: {why}"));
            }
            self.session = Some((fingerprint, session));
        }
        match &mut self.session {
            Some((_, session)) => Ok(session),
            None => Err("no GPU session".into()),
        }
    }
}

/// An error of the GPU itself, not of the file: the page may use the CPU instead.
/// Its message starts with "WebGPU unavailable: ".
fn unavailable(why: &str) -> JsError {
    JsError::new(&format!("WebGPU unavailable: {why}"))
}

/// Runs `code` with the session for `engine`, the state put back afterwards.
async fn with_session<T>(
    engine: &Engine,
    code: impl AsyncFnOnce(&mut GpuSession) -> Result<T, JsError>,
) -> Result<(T, String), JsError> {
    let mut state = take_state(None).await?;
    let outcome = match state.session(engine).await {
        Ok(session) => code(session).await,
        Err(why) => Err(unavailable(&why)),
    };
    let adapter = state.adapter.clone();
    put_state(state);
    outcome.map(|value| (value, adapter))
}

/// Opens the worker's WebGPU device (once) and says which adapter it is on: "WebGPU:
/// name (kind)", with `nameHint` as the name where the browser gives wgpu none. Throws
/// ("WebGPU unavailable: …") where there is no WebGPU or no adapter.
#[wasm_bindgen(js_name = gpuAdapter)]
pub async fn gpu_adapter(name_hint: Option<String>) -> Result<String, JsError> {
    let state = take_state(name_hint.as_deref()).await?;
    let adapter = state.adapter.clone();
    put_state(state);
    Ok(adapter)
}

/// Checks on a few bytes that this worker's WebGPU computes what the CPU engine computes
/// with the `.boam` model `model` (both schedules). Throws with what differed.
#[wasm_bindgen(js_name = gpuSelfTest)]
pub async fn gpu_self_test(model: Vec<u8>) -> Result<String, JsError> {
    let engine = load_model(&model)?;
    with_session(&engine, async |_| Ok(()))
        .await
        .map(|((), adapter)| adapter)
}

/// As `decompressChunks`, on the GPU: decodes chunks `first..end` of a `.boa` file.
/// Throws "WebGPU unavailable: …" when the GPU cannot be used (no adapter, a failed
/// self-test), else the CPU's errors for a bad file. Resolves to `{ bytes, backend, gpuChunks, cpuChunks, note }`: `backend` names the
/// adapter; `cpuChunks` counts chunks the CPU decoded instead (with `note` saying why).
#[wasm_bindgen(js_name = decompressGpu)]
pub async fn decompress_gpu(
    name: String,
    bytes: Vec<u8>,
    model: Option<Vec<u8>>,
    first: u32,
    end: u32,
    progress: Option<Function>,
) -> Result<Object, JsError> {
    let mut file = OpenFile::open(&name, bytes)?;
    let engine = file.engine(model.as_deref())?;
    let range = first as usize..end as usize;
    let mut report = progress_reporter(progress.as_ref(), file.original_bytes(range.clone()));
    let ((out, done), adapter) = with_session(&engine, async |session| {
        Ok(gpu::decompress_on_gpu(session, &engine, &mut file, range, &mut report).await?)
    })
    .await?;
    outcome_object(&out, &adapter, &done)
}

/// As `compress`, with the GPU's intervals: the same file. Resolves to `{ bytes, backend,
/// gpuChunks, cpuChunks, note }`. `progress(doneBytes, totalBytes)` as the GPU works.
#[wasm_bindgen(js_name = compressGpu)]
pub async fn compress_gpu(
    input: Vec<u8>,
    model: Vec<u8>,
    chunk_len: u32,
    embed: bool,
    progress: Option<Function>,
    store_incompressible: Option<bool>,
    mixing: Option<bool>,
) -> Result<Object, JsError> {
    let engine = load_model(&model)?;
    let options = compress_options(&model, chunk_len, embed, store_incompressible, mixing);
    let mut report = progress_reporter(progress.as_ref(), input.len() as u64);
    let ((out, done), adapter) = with_session(&engine, async |session| {
        Ok(gpu::compress_on_gpu(session, &engine, &input, &options, &mut report).await?)
    })
    .await?;
    outcome_object(&out, &adapter, &done)
}

/// As `tablesDigest`, on the GPU through windows of `window` positions (1: the decoding
/// schedule; more: the encoding one). Resolves to `"hex count"`.
#[wasm_bindgen(js_name = gpuTablesDigest)]
pub async fn gpu_tables_digest(
    model: Vec<u8>,
    input: Vec<u8>,
    window: u32,
) -> Result<String, JsError> {
    let engine = load_model(&model)?;
    let (digest, _) = with_session(&engine, async |session| {
        Ok(session.tables_digest(&input, window as usize).await?)
    })
    .await?;
    Ok(format!("{} {}", digest.hex(), digest.tables()))
}

fn outcome_object(bytes: &[u8], adapter: &str, report: &gpu::GpuReport) -> Result<Object, JsError> {
    let object = Object::new();
    let set = |key: &str, value: JsValue| {
        Reflect::set(&object, &JsValue::from_str(key), &value)
            .map(|_| ())
            .map_err(|_| JsError::new("cannot build the result object"))
    };
    set("bytes", Uint8Array::from(bytes).into())?;
    set("backend", JsValue::from_str(adapter))?;
    set("gpuChunks", JsValue::from_f64(report.gpu_chunks as f64))?;
    set("cpuChunks", JsValue::from_f64(report.cpu_chunks as f64))?;
    let note = report
        .note
        .as_deref()
        .map_or(JsValue::NULL, JsValue::from_str);
    set("note", note)?;
    Ok(object)
}
