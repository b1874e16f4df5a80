//! Round trips on slices of the real detector data in `../shared/data`, when present.

use std::io::{Read, Seek, SeekFrom};

use boa_core::container::{
    BoaFile, CompressOptions, DecompressOptions, compress_to_vec, decompress_to_vec,
};
use boa_core::testing::AdaptiveOrder1;
use boa_tests::shared_data;

/// `len` bytes from `offset` of the KM3NeT hits file, or `None` (skipped) without it.
fn km3_slice(offset: u64, len: usize) -> Option<Vec<u8>> {
    let path = shared_data("km3_mchits_soa.bin")?;
    let mut file = std::fs::File::open(path).expect("readable data");
    file.seek(SeekFrom::Start(offset)).expect("seek");
    let mut bytes = vec![0u8; len];
    file.read_exact(&mut bytes).expect("slice inside the file");
    Some(bytes)
}

#[test]
fn detector_data_round_trips_and_random_access_works() {
    // The int32 pmt_id column: the third of the file's columns, at 8 · 779,382 bytes.
    let Some(data) = km3_slice(8 * 779_382, 200_000) else {
        return;
    };
    let model = AdaptiveOrder1::default();
    let options = CompressOptions {
        chunk_len: 1 << 15,
        ..CompressOptions::default()
    };
    let boa = compress_to_vec(&model, &data, &options).expect("compress");
    assert!(boa.len() < data.len() / 2, "{} bytes", boa.len());
    let back = decompress_to_vec(&model, &boa, &DecompressOptions::default()).expect("decode");
    assert_eq!(back, data);
    let mut file = BoaFile::open(std::io::Cursor::new(&boa)).expect("open");
    let range = 100_000..100_500;
    let part = file
        .decode_range(&model, range.clone(), &DecompressOptions::default())
        .expect("range");
    assert_eq!(part, &data[100_000..100_500]);
}
