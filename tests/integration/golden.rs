//! Golden vectors: exact bytes that must not change without a format version bump.

use boa_core::container::ChunkKind;
use boa_core::container::{
    BoaFile, CompressOptions, DecompressOptions, FORMAT_VERSION, compress_to_vec, decompress_to_vec,
};
use boa_core::testing::{AdaptiveOrder1, FORMAT_EXAMPLE};
use boa_tests::repo_root;

#[test]
fn format_example_of_the_docs_is_reproduced_byte_for_byte() {
    let golden = std::fs::read(repo_root().join("tests/golden/format-example.boa"))
        .expect("tests/golden/format-example.boa");
    let model = AdaptiveOrder1::default();
    let options = CompressOptions {
        chunk_len: 16,
        ..CompressOptions::default()
    };
    let boa = compress_to_vec(&model, FORMAT_EXAMPLE, &options).expect("compress");
    assert_eq!(FORMAT_VERSION, 2, "a new version needs new golden files");
    assert_eq!(
        boa, golden,
        "the .boa bytes changed: bump FORMAT_VERSION and the docs"
    );
    let decoded =
        decompress_to_vec(&model, &golden, &DecompressOptions::default()).expect("decode");
    assert_eq!(decoded, FORMAT_EXAMPLE);
    let mut file = BoaFile::open(std::io::Cursor::new(&golden)).expect("open");
    assert_eq!(file.footer().index_offset, 87);
    assert_eq!(file.chunk_kind(0).expect("chunk 0"), ChunkKind::Coded);
    assert_eq!(file.chunk_kind(1).expect("chunk 1"), ChunkKind::Stored);
}

#[test]
fn the_version_1_example_still_decodes() {
    // The worked example of format version 1 (`BOA! BOA!` in chunks of 5), as it was.
    let golden = std::fs::read(repo_root().join("tests/golden/format-example-v1.boa"))
        .expect("tests/golden/format-example-v1.boa");
    assert_eq!(golden[8..10], 1u16.to_le_bytes());
    let decoded = decompress_to_vec(
        &AdaptiveOrder1::default(),
        &golden,
        &DecompressOptions::default(),
    )
    .expect("decode");
    assert_eq!(decoded, b"BOA! BOA!");
}

#[test]
fn docs_show_the_golden_file() {
    // docs/format.md quotes this file's hex dump; keep the two in step.
    let golden =
        std::fs::read(repo_root().join("tests/golden/format-example.boa")).expect("golden file");
    let docs = std::fs::read_to_string(repo_root().join("docs/format.md")).expect("docs");
    for (line, bytes) in golden.chunks(16).enumerate() {
        let hex: Vec<String> = bytes
            .chunks(2)
            .map(|pair| pair.iter().map(|b| format!("{b:02x}")).collect())
            .collect();
        let expected = format!("{:08x}: {}", line * 16, hex.join(" "));
        assert!(
            docs.contains(&expected),
            "docs/format.md lacks `{expected}`"
        );
    }
}
