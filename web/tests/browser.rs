//! The wasm engine in a real browser (headless Chromium through `wasm-bindgen-test`):
//! its frequency tables and decoded bytes must equal the engine's golden vectors, which
//! the native build reproduces too (`tests/integration/engine_golden.rs`).
//!
//! Run with `web/run-browser-tests` (what `.ci/run` does).
#![cfg(target_arch = "wasm32")]

use boa_core::Predictor;
use boa_core::coder::TableDigest;
use boa_core::container::{CompressOptions, compress_to_vec};
use boa_core::engine::Engine;
use boa_web::decode::{OpenFile, decompress_with, engine_for, summarize};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const MODEL: &[u8] = include_bytes!("../../tests/golden/engine-tiny.boam");
const INPUT: &[u8] = include_bytes!("../../tests/golden/engine-input.bin");
const OUTPUT: &[u8] = include_bytes!("../../tests/golden/engine-input.boa");
const TABLES: &str = include_str!("../../tests/golden/engine-tables.blake3");
/// The golden input coded with context mixing (`tests/integration/engine_golden.rs`).
const MIXED: &[u8] = include_bytes!("../../tests/golden/engine-input-mixing.boa");
/// As in the native golden test: the first 300 tables of the first chunk.
const HASHED_TABLES: usize = 300;

fn engine() -> Engine {
    Engine::from_bytes(MODEL).expect("golden model")
}

#[wasm_bindgen_test]
fn frequency_tables_equal_the_golden_hash() {
    let mut digest = TableDigest::new();
    engine()
        .chunk_tables(&INPUT[..HASHED_TABLES], &mut |table| digest.update(table))
        .unwrap();
    assert_eq!(digest.tables(), HASHED_TABLES);
    assert_eq!(digest.hex(), TABLES.trim());
}

/// Model format 3 unpacks (context mixing over the model's bytes) to the same model, in
/// wasm as natively: version 2's golden bytes, the same tables.
#[wasm_bindgen_test]
fn model_format_3_unpacks_to_the_golden_model() {
    const V2: &[u8] = include_bytes!("../../tests/golden/engine-tiny-v2.boam");
    const V3: &[u8] = include_bytes!("../../tests/golden/engine-tiny-v3.boam");
    let model = boa_core::engine::QuantizedModel::from_bytes(V3).unwrap();
    assert_eq!(model.to_bytes_version(2), V2);
    assert_eq!(model.to_bytes(), V3);
}

#[wasm_bindgen_test]
fn the_golden_file_decodes_to_the_golden_input() {
    let summary = summarize("engine-input.boa", OUTPUT).unwrap();
    assert_eq!(summary.original_bytes, INPUT.len() as u64);
    let engine = engine_for("engine-input.boa", OUTPUT, Some(MODEL)).unwrap();
    let out = decompress_with("engine-input.boa", OUTPUT, &engine, &mut |_| {}).unwrap();
    assert_eq!(out, INPUT);
}

#[wasm_bindgen_test]
fn compressing_in_the_browser_gives_the_golden_bytes() {
    // As tests/integration/engine_golden.rs: every chunk coded, none stored.
    let options = CompressOptions {
        chunk_len: 1024,
        store_incompressible: false,
        ..CompressOptions::default()
    };
    let packed = compress_to_vec(&engine(), INPUT, &options).unwrap();
    assert_eq!(packed, OUTPUT);
}

#[wasm_bindgen_test]
fn context_mixing_writes_and_reads_its_golden_file() {
    let options = CompressOptions {
        chunk_len: 1024,
        store_incompressible: false,
        mixing: true,
        ..CompressOptions::default()
    };
    assert_eq!(compress_to_vec(&engine(), INPUT, &options).unwrap(), MIXED);
    let out = decompress_with("engine-input-mixing.boa", MIXED, &engine(), &mut |_| {}).unwrap();
    assert_eq!(out, INPUT);
}

#[wasm_bindgen_test]
fn the_bindings_decompress_and_throw_readable_errors() {
    let out = boa_web::decompress("engine-input.boa", OUTPUT, Some(MODEL.to_vec()), None).unwrap();
    assert_eq!(out, INPUT);
    let info = boa_web::inspect("engine-input.boa", OUTPUT).unwrap();
    let chunks = js_sys::Reflect::get(&info, &"chunks".into()).unwrap();
    assert_eq!(js_sys::Array::from(&chunks).length(), 5);
    let message = |result: Result<Vec<u8>, wasm_bindgen::JsError>| {
        let error = result
            .err()
            .unwrap_or_else(|| panic!("an error was expected"));
        String::from(js_sys::Error::from(wasm_bindgen::JsValue::from(error)).message())
    };
    // No model: the file's name, its model's fingerprint and what to do, as the CLI says it.
    let no_model = message(boa_web::decompress("engine-input.boa", OUTPUT, None, None));
    assert!(
        no_model.starts_with("engine-input.boa was made with model ")
            && no_model.ends_with("which it does not embed: give the model file (.boam)"),
        "{no_model}"
    );
    // A damaged file: named, with what is wrong.
    let mut damaged = OUTPUT.to_vec();
    damaged[20] ^= 1;
    let bad = message(boa_web::decompress(
        "x.boa",
        &damaged,
        Some(MODEL.to_vec()),
        None,
    ));
    assert!(
        bad.starts_with("cannot decompress x.boa: ") && bad.contains("header checksum mismatch"),
        "{bad}"
    );
    // A model that is not a model.
    let not_model = message(boa_web::decompress(
        "x.boa",
        OUTPUT,
        Some(b"nope".to_vec()),
        None,
    ));
    assert!(
        not_model.starts_with("cannot load model given: not a boa model file"),
        "{not_model}"
    );
}

#[wasm_bindgen_test]
fn the_cpu_compress_binding_writes_what_the_cli_writes() {
    // The CLI's options (stored chunks allowed), the model embedded: a file that decodes
    // alone, whose every chunk restores the input.
    let packed = boa_web::compress(INPUT, MODEL, 1024, true, None, None).unwrap();
    let options = CompressOptions {
        chunk_len: 1024,
        embedded_model: Some(MODEL),
        ..CompressOptions::default()
    };
    assert_eq!(packed, compress_to_vec(&engine(), INPUT, &options).unwrap());
    let out = boa_web::decompress("x.boa", &packed, None, None).unwrap();
    assert_eq!(out, INPUT);
}

/// WebGPU: the shaders the native build runs, through the browser.
mod webgpu {
    use super::*;
    use boa_core::gpu::{GpuContext, GpuSession};
    use boa_web::gpu::{compress_on_gpu, decompress_on_gpu, self_test};

    /// Set when `web/run-browser-tests` runs in CI (`.ci/run` exports `CI=true`): there a
    /// missing WebGPU adapter fails these tests instead of skipping them.
    const IN_CI: bool = option_env!("CI").is_some();

    /// A session of the golden model on the browser's WebGPU adapter (`None`, with a
    /// note, where there is none and this is not CI).
    async fn session(lanes: usize) -> Option<GpuSession> {
        match GpuContext::new().await {
            Ok(context) => Some(GpuSession::new(context, &engine(), lanes).await.unwrap()),
            Err(error) if !IN_CI => {
                wasm_bindgen_test::console_log!("skipped: no WebGPU adapter ({error})");
                None
            }
            Err(error) => panic!("CI and no WebGPU adapter in this browser: {error}"),
        }
    }

    #[wasm_bindgen_test]
    async fn an_adapter_is_found_and_passes_the_self_test() {
        let Some(mut session) = session(4).await else {
            return;
        };
        let adapter = session.context().adapter().clone();
        wasm_bindgen_test::console_log!("WebGPU adapter: {adapter:?}");
        assert_eq!(adapter.backend, boa_core::gpu::wgpu::Backend::BrowserWebGpu);
        self_test(&mut session, &engine()).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn the_golden_tables_hash_is_reproduced_by_both_schedules() {
        let Some(mut session) = session(1).await else {
            return;
        };
        for window in [1, 13, 299] {
            let digest = session
                .tables_digest(&INPUT[..HASHED_TABLES], window)
                .await
                .unwrap();
            assert_eq!(digest.tables(), HASHED_TABLES);
            assert_eq!(digest.hex(), TABLES.trim(), "window {window}");
        }
    }

    #[wasm_bindgen_test]
    async fn webgpu_writes_and_reads_the_golden_file() {
        let Some(mut session) = session(3).await else {
            return;
        };
        let engine = engine();
        let options = CompressOptions {
            chunk_len: 1024,
            store_incompressible: false,
            ..CompressOptions::default()
        };
        let (file, report) = compress_on_gpu(&mut session, &engine, INPUT, &options, &mut |_| {})
            .await
            .unwrap();
        assert_eq!(file, OUTPUT);
        assert_eq!((report.gpu_chunks, report.cpu_chunks), (5, 0));
        let mut opened = OpenFile::open("engine-input.boa", OUTPUT).unwrap();
        let (out, report) =
            decompress_on_gpu(&mut session, &engine, &mut opened, 0..5, &mut |_| {})
                .await
                .unwrap();
        assert_eq!(out, INPUT);
        assert_eq!((report.gpu_chunks, report.cpu_chunks), (5, 0));
    }
}
