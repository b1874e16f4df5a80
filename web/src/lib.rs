//! boa in the browser: JavaScript bindings (wasm-bindgen) to inspect and decompress
//! `.boa` files with the integer engine, bit for bit what the native CLI decodes.
//!
//! Meant to run in a Web Worker (`www/worker.js`), so that the page stays responsive:
//!
//! ```js
//! import init, { inspect, decompress } from "./pkg/boa_web.js";
//! await init();
//! const info = inspect("run.bin.boa", bytes);          // header and chunk table
//! const out = decompress("run.bin.boa", bytes, model, (done, total) => {}); // Uint8Array
//! ```
//!
//! Errors are thrown as JavaScript `Error`s with the CLI's messages.
//!
//! The GPU path (`gpuAdapter`, `decompressGpu`, `compressGpu`: module [`gpu`] over
//! `boa_core::gpu`, the shaders native builds run) goes through the browser's WebGPU and
//! gives the same bytes; its calls are async, and each says which backend ran.

pub mod decode;
pub mod gpu;
#[cfg(target_arch = "wasm32")]
mod webgpu;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::decode::{OpenFile, Summary, decompress_with, summarize};
use boa_core::Predictor;
use boa_core::coder::TableDigest;
use boa_core::container::{CompressOptions, compress_to_vec};

/// Installs the panic hook, so that a bug shows as a readable error in the console.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The file's header and chunk table as a plain object: `version`, `fingerprint`,
/// `embeddedModelBytes` (or `null`), `originalBytes`, `fileBytes`, `chunkLen`, and
/// `chunks` (`[{ bytes, streamBytes }]`). Throws if the bytes are not a valid `.boa` file.
#[wasm_bindgen]
pub fn inspect(name: &str, bytes: &[u8]) -> Result<Object, JsError> {
    let summary = summarize(name, bytes)?;
    summary_object(&summary).map_err(|_| JsError::new("cannot build the summary object"))
}

/// Decompresses a `.boa` file. `model` is a `.boam` file, needed only when the file does
/// not embed its model. `progress(doneBytes, totalBytes)` is called as chunks complete.
/// Returns the original bytes; throws on any corruption, truncation or model mismatch.
#[wasm_bindgen]
pub fn decompress(
    name: &str,
    bytes: &[u8],
    model: Option<Vec<u8>>,
    progress: Option<Function>,
) -> Result<Vec<u8>, JsError> {
    let file = OpenFile::open(name, bytes)?;
    let total = file.summary().original_bytes;
    let engine = file.engine(model.as_deref())?;
    let mut report = progress_reporter(progress.as_ref(), total);
    Ok(decompress_with(name, bytes, &engine, &mut report)?)
}

/// Decompresses the chunks `first..end` of a `.boa` file (as [`decompress`] does the whole
/// file), so that several workers can share a file. Returns their original bytes in order.
/// A worker that decodes several ranges of one file keeps a [`Decoder`] instead.
#[wasm_bindgen(js_name = decompressChunks)]
pub fn decompress_chunk_range(
    name: &str,
    bytes: &[u8],
    model: Option<Vec<u8>>,
    first: u32,
    end: u32,
    progress: Option<Function>,
) -> Result<Vec<u8>, JsError> {
    let mut file = OpenFile::open(name, bytes)?;
    let engine = file.engine(model.as_deref())?;
    decode_range(&mut file, &engine, first, end, progress.as_ref())
}

/// A `.boa` file opened in a worker: its header, index and footer checked and its model
/// loaded (hashed) once, when the file is picked; then `decompressChunks(first, end,
/// progress)` decodes any range of its chunks without reading the file again.
#[wasm_bindgen]
pub struct Decoder {
    file: OpenFile<Vec<u8>>,
    engine: boa_core::Engine,
}

#[wasm_bindgen]
impl Decoder {
    /// Opens `bytes` (a `.boa` file) with the `.boam` model `model`, or the model it
    /// embeds. Throws as [`decompress`] does for a bad file or model.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, bytes: Vec<u8>, model: Option<Vec<u8>>) -> Result<Decoder, JsError> {
        let file = OpenFile::open(name, bytes)?;
        let engine = file.engine(model.as_deref())?;
        Ok(Self { file, engine })
    }

    /// Decompresses the chunks `first..end`, as the function `decompressChunks` does.
    #[wasm_bindgen(js_name = decompressChunks)]
    pub fn decompress_chunks(
        &mut self,
        first: u32,
        end: u32,
        progress: Option<Function>,
    ) -> Result<Vec<u8>, JsError> {
        decode_range(&mut self.file, &self.engine, first, end, progress.as_ref())
    }
}

fn decode_range<B: AsRef<[u8]>>(
    file: &mut OpenFile<B>,
    engine: &boa_core::Engine,
    first: u32,
    end: u32,
    progress: Option<&Function>,
) -> Result<Vec<u8>, JsError> {
    let chunks = first as usize..end as usize;
    let mut report = progress_reporter(progress, file.original_bytes(chunks.clone()));
    Ok(file.decode_chunks(engine, chunks, &mut report)?)
}

/// Compresses `input` on the CPU with the `.boam` model `model`, in chunks of `chunkLen`
/// bytes (0: the CLI's default, 256 KiB), embedding the model when `embed` is true: the
/// file `boa compress` writes from the same input and model. `storeIncompressible`
/// (default true, as the CLI) stores chunks that coding would not shrink; false codes
/// every chunk. `mixing` (default false) mixes the model's tables with adaptive context
/// models, as `boa compress --mixing`. Throws on a bad model or chunk length.
#[wasm_bindgen]
pub fn compress(
    input: &[u8],
    model: &[u8],
    chunk_len: u32,
    embed: bool,
    store_incompressible: Option<bool>,
    mixing: Option<bool>,
) -> Result<Vec<u8>, JsError> {
    let engine = decode::load_model(model)?;
    let options = compress_options(model, chunk_len, embed, store_incompressible, mixing);
    Ok(
        compress_to_vec(&engine, input, &options).map_err(|source| {
            decode::WebError::Container {
                name: "the input".into(),
                source,
            }
        })?,
    )
}

/// The options `boa compress` uses for `chunk_len` (0: its default), `--embed-model` and
/// `--mixing`; `store_incompressible` `None` is its default (true), `mixing` `None` false.
pub(crate) fn compress_options(
    model: &[u8],
    chunk_len: u32,
    embed: bool,
    store_incompressible: Option<bool>,
    mixing: Option<bool>,
) -> CompressOptions<'_> {
    let defaults = CompressOptions::default();
    CompressOptions {
        chunk_len: if chunk_len == 0 {
            defaults.chunk_len
        } else {
            chunk_len
        },
        embedded_model: embed.then_some(model),
        store_incompressible: store_incompressible.unwrap_or(defaults.store_incompressible),
        mixing: mixing.unwrap_or(defaults.mixing),
        ..defaults
    }
}

/// The digest of `input`'s teacher-forced frequency tables with the `.boam` model `model`
/// on the CPU (`TableDigest`: what `tests/golden/engine-tables.blake3` holds for the
/// golden model and input), as `"hex count"`.
#[wasm_bindgen(js_name = tablesDigest)]
pub fn tables_digest(model: &[u8], input: &[u8]) -> Result<String, JsError> {
    let engine = decode::load_model(model)?;
    let mut digest = TableDigest::new();
    engine
        .chunk_tables(input, &mut |table| digest.update(table))
        .map_err(|e| JsError::new(&format!("tables: {e}")))?;
    Ok(format!("{} {}", digest.hex(), digest.tables()))
}

/// Calls `progress(done, total)`, ignoring a callback that throws.
pub(crate) fn progress_reporter(progress: Option<&Function>, total: u64) -> impl FnMut(u64) + '_ {
    move |done: u64| {
        if let Some(callback) = progress {
            // A throwing callback must not abort the decompression.
            let _ = callback.call2(
                &JsValue::NULL,
                &JsValue::from_f64(done as f64),
                &JsValue::from_f64(total as f64),
            );
        }
    }
}

fn summary_object(summary: &Summary) -> Result<Object, JsValue> {
    let object = Object::new();
    let set = |key: &str, value: JsValue| Reflect::set(&object, &JsValue::from_str(key), &value);
    set("version", JsValue::from(summary.version))?;
    set("fingerprint", JsValue::from_str(&summary.fingerprint))?;
    let embedded = summary
        .embedded_model_bytes
        .map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64));
    set("embeddedModelBytes", embedded)?;
    set(
        "originalBytes",
        JsValue::from_f64(summary.original_bytes as f64),
    )?;
    set("fileBytes", JsValue::from_f64(summary.file_bytes as f64))?;
    set("chunkLen", JsValue::from(summary.chunk_len))?;
    set("storedChunks", JsValue::from(summary.stored_chunks))?;
    set("mixing", JsValue::from(summary.mixing))?;
    let chunks = Array::new();
    for &(len, stream) in &summary.chunks {
        let chunk = Object::new();
        Reflect::set(&chunk, &"bytes".into(), &JsValue::from(len))?;
        Reflect::set(&chunk, &"streamBytes".into(), &JsValue::from(stream))?;
        chunks.push(&chunk);
    }
    set("chunks", chunks.into())?;
    Ok(object)
}
