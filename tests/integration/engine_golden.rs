//! Golden vectors of the integer engine: a committed `.boam` model and input, the exact
//! `.boa` bytes they give and a hash of the first frequency tables. Any change to these is
//! a change of the engine's arithmetic or of a file format and needs a version bump.
//!
//! Regenerate (only together with a version bump) with `BOA_BLESS_GOLDEN=1`; the model
//! itself is made as `tests/golden/README.md` describes.

use boa_core::Predictor;
use boa_core::coder::TableDigest;
use boa_core::container::FORMAT_VERSION;
use boa_core::container::{CompressOptions, DecompressOptions, compress_to_vec, decompress_to_vec};
use boa_core::engine::{Engine, MODEL_VERSION, QuantizedModel};
use boa_tests::repo_root;

/// Version 1 of the model format: the model the golden `.boa` files name (by the hash of
/// these bytes).
const MODEL: &str = "tests/golden/engine-tiny.boam";
/// The same model as model format version 2 writes it (compact tables and integers).
const MODEL_V2: &str = "tests/golden/engine-tiny-v2.boam";
/// The same model as model format version 3 writes it (version 2's body, packed).
const MODEL_V3: &str = "tests/golden/engine-tiny-v3.boam";
const INPUT: &str = "tests/golden/engine-input.bin";
const OUTPUT: &str = "tests/golden/engine-input.boa";
/// The same, written by format version 1 (before stored chunks): still decodes.
const OUTPUT_V1: &str = "tests/golden/engine-input-v1.boa";
/// The same input coded with context mixing (header flag bit 1).
const OUTPUT_MIXING: &str = "tests/golden/engine-input-mixing.boa";
const TABLES: &str = "tests/golden/engine-tables.blake3";
/// Chunks of 1 KiB: the golden file has several chunks, a short last one included.
const CHUNK_LEN: u32 = 1024;
/// Tables hashed: the first 300 of the first chunk (beyond one 256-position pass).
const HASHED_TABLES: usize = 300;

fn read(path: &str) -> Vec<u8> {
    std::fs::read(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn bless() -> bool {
    std::env::var_os("BOA_BLESS_GOLDEN").is_some()
}

/// The digest of the first tables ([`TableDigest`]: cumulative frequencies, u32
/// little-endian, 257 per table).
fn tables_hash(engine: &Engine, chunk: &[u8]) -> String {
    let mut digest = TableDigest::new();
    engine
        .chunk_tables(&chunk[..HASHED_TABLES], &mut |table| digest.update(table))
        .expect("tables");
    assert_eq!(digest.tables(), HASHED_TABLES);
    digest.hex()
}

#[test]
fn the_engine_reproduces_its_golden_vectors() {
    assert_eq!(
        (FORMAT_VERSION, MODEL_VERSION),
        (2, 3),
        "a new version needs new golden files"
    );
    let engine = Engine::from_bytes(&read(MODEL)).expect("golden model loads");
    let input = read(INPUT);
    // The golden model is untrained: its streams are a little longer than their chunks,
    // which would be stored. Coding them all keeps the engine on the file's path.
    let options = CompressOptions {
        chunk_len: CHUNK_LEN,
        store_incompressible: false,
        ..CompressOptions::default()
    };
    let boa = compress_to_vec(&engine, &input, &options).expect("compresses");
    let hash = tables_hash(&engine, &input);
    if bless() {
        std::fs::write(repo_root().join(OUTPUT), &boa).expect("write golden .boa");
        std::fs::write(repo_root().join(TABLES), format!("{hash}\n")).expect("write hash");
    }
    assert_eq!(
        read(TABLES).trim_ascii(),
        hash.as_bytes(),
        "the engine's frequency tables changed"
    );
    assert_eq!(boa, read(OUTPUT), "the engine's .boa bytes changed");
    for lanes in [1, 4] {
        let decoded = decompress_to_vec(
            &engine,
            &boa,
            &DecompressOptions {
                lanes,
                batch_chunks: 0,
            },
        )
        .expect("decodes");
        assert_eq!(decoded, input);
    }
}

#[test]
fn context_mixing_reproduces_its_golden_file() {
    let engine = Engine::from_bytes(&read(MODEL)).expect("golden model loads");
    let input = read(INPUT);
    let options = CompressOptions {
        chunk_len: CHUNK_LEN,
        store_incompressible: false,
        mixing: true,
        ..CompressOptions::default()
    };
    let boa = compress_to_vec(&engine, &input, &options).expect("compresses");
    if bless() {
        std::fs::write(repo_root().join(OUTPUT_MIXING), &boa).expect("write golden .boa");
    }
    assert_eq!(
        boa,
        read(OUTPUT_MIXING),
        "context mixing's .boa bytes changed"
    );
    assert!(
        boa.len() < read(OUTPUT).len(),
        "mixing pays even on the golden input"
    );
    for lanes in [1, 3] {
        let options = DecompressOptions {
            lanes,
            batch_chunks: 0,
        };
        let decoded = decompress_to_vec(&engine, &boa, &options).expect("decodes");
        assert_eq!(decoded, input);
    }
}

#[test]
fn model_format_2_writes_its_golden_bytes_and_holds_the_same_model() {
    let v1 = read(MODEL);
    assert_eq!(v1[8..10], 1u16.to_le_bytes());
    let model = QuantizedModel::from_bytes(&v1).expect("version 1 loads");
    let v2 = model.to_bytes_version(2);
    if bless() {
        std::fs::write(repo_root().join(MODEL_V2), &v2).expect("write golden .boam");
    }
    assert_eq!(v2, read(MODEL_V2), "model format 2's bytes changed");
    let reread = QuantizedModel::from_bytes(&v2).expect("version 2 loads");
    assert_eq!(reread.to_bytes_version(1), v1);
    // The same tables from either file (the fingerprints differ: they hash the bytes).
    let input = read(INPUT);
    let from_v2 = Engine::from_bytes(&v2).expect("engine");
    assert_eq!(
        tables_hash(&from_v2, &input),
        read(TABLES).trim_ascii().escape_ascii().to_string()
    );
}

#[test]
fn the_version_1_golden_file_still_decodes() {
    let engine = Engine::from_bytes(&read(MODEL)).expect("golden model loads");
    let v1 = read(OUTPUT_V1);
    assert_eq!(v1[8..10], 1u16.to_le_bytes());
    let decoded = decompress_to_vec(&engine, &v1, &DecompressOptions::default()).expect("decodes");
    assert_eq!(decoded, read(INPUT));
}

#[test]
fn the_golden_file_needs_its_own_model() {
    let boa = read(OUTPUT);
    let other = boa_core::testing::AdaptiveOrder1::default();
    let error = decompress_to_vec(&other, &boa, &DecompressOptions::default())
        .expect_err("a different model is refused");
    assert!(error.to_string().contains("model"), "{error}");
}

#[test]
fn model_format_3_writes_its_golden_bytes_and_holds_the_same_model() {
    let model = QuantizedModel::from_bytes(&read(MODEL)).expect("version 1 loads");
    let v3 = model.to_bytes();
    if bless() {
        std::fs::write(repo_root().join(MODEL_V3), &v3).expect("write golden .boam");
    }
    assert_eq!(v3, read(MODEL_V3), "model format 3's bytes changed");
    let reread = QuantizedModel::from_bytes(&v3).expect("version 3 loads");
    assert_eq!(reread.to_bytes_version(2), read(MODEL_V2));
    assert!(
        v3.len() * 3 < read(MODEL_V2).len() * 2,
        "{} bytes",
        v3.len()
    );
    let from_v3 = Engine::from_bytes(&v3).expect("engine");
    assert_eq!(
        tables_hash(&from_v3, &read(INPUT)),
        read(TABLES).trim_ascii().escape_ascii().to_string()
    );
}
