use std::io::Cursor;

use proptest::prelude::*;

use super::*;
use crate::predictor::{ModelFingerprint, Predictor};
use crate::testing::AdaptiveOrder1;

/// Text-like bytes with structure an order-1 model can learn.
fn sample(len: usize, seed: u64) -> Vec<u8> {
    let words: [&[u8]; 6] = [
        b"muon ",
        b"neutrino ",
        b"hit ",
        b"dom 42 ",
        b"t=17.5ns ",
        b"\x00\x01\x02\x03",
    ];
    let mut rng = crate::rng::XorShift64::new(seed);
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        out.extend_from_slice(words[(rng.next_u64() % 6) as usize]);
    }
    out.truncate(len);
    out
}

fn options(chunk_len: u32) -> CompressOptions<'static> {
    CompressOptions {
        chunk_len,
        ..CompressOptions::default()
    }
}

fn round_trip(data: &[u8], chunk_len: u32) -> Vec<u8> {
    let model = AdaptiveOrder1::default();
    let boa = compress_to_vec(&model, data, &options(chunk_len)).expect("compress");
    let back = decompress_to_vec(&model, &boa, &DecompressOptions::default()).expect("decompress");
    assert_eq!(back, data);
    boa
}

#[test]
fn round_trips_at_many_sizes() {
    for (len, chunk_len) in [
        (0, 16),
        (1, 16),
        (15, 16),
        (16, 16),
        (17, 16),
        (1000, 64),
        (5000, 1 << 16),
    ] {
        let data = sample(len, len as u64 + 1);
        let boa = round_trip(&data, chunk_len);
        let file = BoaFile::open(Cursor::new(&boa)).expect("open");
        assert_eq!(file.original_len(), len as u64);
        assert_eq!(file.chunks().len(), len.div_ceil(chunk_len as usize));
        assert_eq!(file.embedded_model_range(), None);
    }
}

#[test]
fn compresses_structured_data() {
    let data = sample(100_000, 7);
    let boa = round_trip(&data, 1 << 14);
    assert!(boa.len() < data.len() / 3, "{} bytes", boa.len());
}

#[test]
fn file_does_not_depend_on_batch_size_and_any_batch_decodes_it() {
    let model = AdaptiveOrder1::default();
    let data = sample(20_000, 3);
    let reference = compress_to_vec(&model, &data, &options(1000)).expect("compress");
    for batch_chunks in [1, 2, 3, 7, 64] {
        let opts = CompressOptions {
            batch_chunks,
            ..options(1000)
        };
        assert_eq!(
            compress_to_vec(&model, &data, &opts).expect("compress"),
            reference
        );
    }
    for (lanes, batch_chunks) in [(1, 1), (1, 5), (3, 7), (8, 0), (64, 64), (0, 0)] {
        let opts = DecompressOptions {
            lanes,
            batch_chunks,
        };
        assert_eq!(
            decompress_to_vec(&model, &reference, &opts).expect("decompress"),
            data
        );
    }
}

/// A predictor that asks the codec to encode its chunks in lock step, as a GPU does.
struct LockStep(AdaptiveOrder1, usize);

impl Predictor for LockStep {
    type Lane = <AdaptiveOrder1 as Predictor>::Lane;

    fn fingerprint(&self) -> ModelFingerprint {
        self.0.fingerprint()
    }

    fn new_lane(&self) -> Self::Lane {
        self.0.new_lane()
    }

    fn predict(
        &self,
        lanes: &mut [Self::Lane],
        tables: &mut [crate::FrequencyTable],
    ) -> Result<(), crate::predictor::PredictError> {
        self.0.predict(lanes, tables)
    }

    fn advance(
        &self,
        lanes: &mut [Self::Lane],
        bytes: &[u8],
    ) -> Result<(), crate::predictor::PredictError> {
        self.0.advance(lanes, bytes)
    }

    fn chunk_tables(
        &self,
        _: &[u8],
        _: &mut dyn FnMut(&crate::FrequencyTable),
    ) -> Result<(), crate::predictor::PredictError> {
        Err("a lock-step predictor is never asked for a chunk's tables".into())
    }

    fn lock_step_lanes(&self) -> usize {
        self.1
    }
}

#[test]
fn lock_step_encoding_writes_the_same_file() {
    let data = sample(20_500, 4);
    let reference =
        compress_to_vec(&AdaptiveOrder1::default(), &data, &options(1000)).expect("compress");
    for lanes in [1, 3, 8, 64] {
        let model = LockStep(AdaptiveOrder1::default(), lanes);
        for batch_chunks in [0, 1, 5] {
            let opts = CompressOptions {
                batch_chunks,
                ..options(1000)
            };
            let file = compress_to_vec(&model, &data, &opts).expect("compress");
            assert!(
                file == reference,
                "{lanes} lanes, batches of {batch_chunks}"
            );
        }
    }
    // A short last chunk, and a chunk of one byte.
    for len in [1, 999, 1001] {
        let data = sample(len, 5);
        assert_eq!(
            compress_to_vec(
                &LockStep(AdaptiveOrder1::default(), 4),
                &data,
                &options(1000)
            )
            .expect("compress"),
            compress_to_vec(&AdaptiveOrder1::default(), &data, &options(1000)).expect("compress")
        );
    }
}

/// A reader that hands out at most 3 bytes per call, like a slow pipe.
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = buffer.len().min(3).min(self.0.len());
        buffer[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn streams_through_pipes_in_both_directions() {
    let model = AdaptiveOrder1::default();
    let data = sample(9_999, 11);
    let mut boa = Vec::new();
    let mut seen = Vec::new();
    let summary = compress(&model, Trickle(&data), &mut boa, &options(500), &mut |n| {
        seen.push(n)
    })
    .expect("compress");
    assert_eq!(summary.original_len, 9_999);
    assert_eq!(summary.compressed_len, boa.len() as u64);
    assert_eq!(summary.chunk_count, 20);
    assert_eq!(seen.last(), Some(&9_999));
    let mut out = Vec::new();
    let summary = StreamDecoder::new(Trickle(&boa))
        .expect("header")
        .decode_into(&model, &mut out, &DecompressOptions::default(), &mut |_| {})
        .expect("decompress");
    assert_eq!(out, data);
    assert_eq!(summary.compressed_len, boa.len() as u64);
}

#[test]
fn random_access_decodes_only_what_is_asked() {
    let model = AdaptiveOrder1::default();
    let data = sample(10_000, 5);
    let boa = compress_to_vec(&model, &data, &options(777)).expect("compress");
    let mut file = BoaFile::open(Cursor::new(&boa)).expect("open");
    for range in [
        0..0,
        0..1,
        776..778,
        1500..1600,
        0..10_000,
        9_990..10_000,
        5000..5000,
    ] {
        let got = file
            .decode_range(&model, range.clone(), &DecompressOptions::default())
            .expect("range");
        assert_eq!(got, &data[range.start as usize..range.end as usize]);
    }
    assert!(matches!(
        file.decode_range(&model, 9_000..10_001, &DecompressOptions::default()),
        Err(ContainerError::InvalidArgument(_))
    ));
}

#[test]
fn random_access_needs_only_the_chunks_of_the_range() {
    // Corrupting chunk 0 must not affect a range inside chunk 2.
    let model = AdaptiveOrder1::default();
    let data = sample(3_000, 9);
    let mut boa = compress_to_vec(&model, &data, &options(1000)).expect("compress");
    let first_stream = HEADER_LEN as usize + 9 + 5;
    boa[first_stream] ^= 0x55;
    let mut file = BoaFile::open(Cursor::new(&boa)).expect("open");
    let got = file
        .decode_range(&model, 2_100..2_200, &DecompressOptions::default())
        .expect("range in an intact chunk");
    assert_eq!(got, &data[2_100..2_200]);
    assert!(
        file.decode_range(&model, 0..10, &DecompressOptions::default())
            .is_err()
    );
}

#[test]
fn embedded_model_is_stored_and_checked() {
    let model = AdaptiveOrder1::default();
    let bytes = model.model_bytes();
    let data = sample(4_000, 2);
    let opts = CompressOptions {
        embedded_model: Some(&bytes),
        ..options(1024)
    };
    let boa = compress_to_vec(&model, &data, &opts).expect("compress");
    let decoder = StreamDecoder::new(boa.as_slice()).expect("header");
    assert!(decoder.header().embedded_model);
    assert_eq!(decoder.embedded_model(), Some(bytes.as_slice()));
    assert_eq!(
        decompress_to_vec(&model, &boa, &DecompressOptions::default()).expect("decode"),
        data
    );
    let mut file = BoaFile::open(Cursor::new(&boa)).expect("open");
    assert_eq!(file.embedded_model().expect("model"), Some(bytes.clone()));
    let range = file.embedded_model_range().expect("an embedded model");
    assert_eq!(
        &boa[range.start as usize..range.end as usize],
        bytes.as_slice()
    );
    assert_eq!(file.get_ref().get_ref().len(), boa.len());

    let other = AdaptiveOrder1::new(3, 999);
    let wrong = CompressOptions {
        embedded_model: Some(&bytes),
        ..options(1024)
    };
    assert!(matches!(
        compress_to_vec(&other, &data, &wrong),
        Err(ContainerError::ModelMismatch { .. })
    ));
}

#[test]
fn wrong_model_is_an_error_naming_both_fingerprints() {
    let model = AdaptiveOrder1::default();
    let other = AdaptiveOrder1::new(5, 1 << 12);
    let boa = compress_to_vec(&model, b"some bytes", &options(4)).expect("compress");
    let error =
        decompress_to_vec(&other, &boa, &DecompressOptions::default()).expect_err("mismatch");
    let message = error.to_string();
    assert!(
        message.contains(&model.fingerprint().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&other.fingerprint().to_string()),
        "{message}"
    );
    let mut file = BoaFile::open(Cursor::new(&boa)).expect("open");
    assert!(matches!(
        file.decode_range(&other, 0..3, &DecompressOptions::default()),
        Err(ContainerError::ModelMismatch { .. })
    ));
}

#[test]
fn layout_matches_the_specification() {
    let model = AdaptiveOrder1::default();
    let data = b"abc".repeat(200);
    let boa = compress_to_vec(&model, &data, &options(256)).expect("compress");
    assert_eq!(&boa[..8], b"\x89BOA\r\n\x1a\n");
    assert_eq!(&boa[8..10], &2u16.to_le_bytes());
    assert_eq!(&boa[12..16], &256u32.to_le_bytes());
    assert_eq!(&boa[16..48], &model.fingerprint().0);
    assert_eq!(boa[52], b'C');
    assert_eq!(&boa[boa.len() - 4..], b"BOAE");
    let mut file = BoaFile::open(Cursor::new(&boa)).expect("open");
    let chunks = file.chunks().to_vec();
    assert_eq!(chunks.len(), 3);
    assert_eq!(boa[chunks[2].record_offset as usize], b'L');
    assert_eq!(chunks[2].len, 88);
    assert_eq!(boa[file.footer().index_offset as usize - 1], b'E');
    for chunk in 0..3 {
        assert_eq!(file.chunk_kind(chunk).expect("kind"), ChunkKind::Coded);
    }
}

/// Bytes from a xorshift generator: nothing an order-1 model can learn.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    crate::rng::XorShift64::new(seed).bytes(len)
}

#[test]
fn chunks_that_coding_would_not_shrink_are_stored() {
    let model = AdaptiveOrder1::default();
    // Chunks 0 and 2 are noise (stored), chunk 1 a run (coded), chunk 3 short noise.
    let data = [noise(100, 1), vec![b'z'; 100], noise(100, 2), noise(40, 3)].concat();
    let boa = compress_to_vec(&model, &data, &options(100)).expect("compress");
    let mut file = BoaFile::open(Cursor::new(&boa)).expect("open");
    let kinds: Vec<ChunkKind> = (0..4).map(|c| file.chunk_kind(c).expect("kind")).collect();
    use ChunkKind::{Coded, Stored};
    assert_eq!(kinds, [Stored, Coded, Stored, Stored]);
    let tags: Vec<u8> = file
        .chunks()
        .iter()
        .map(|c| boa[c.record_offset as usize])
        .collect();
    assert_eq!(tags, *b"SCST");
    // A stored record holds the chunk's bytes as they are, right after its 9-byte framing.
    let first = file.chunks()[0];
    assert_eq!(first.stream_len, 100);
    assert_eq!(
        &boa[first.record_offset as usize + 9..][..100],
        &data[..100]
    );
    let back = decompress_to_vec(&model, &boa, &DecompressOptions::default()).expect("decode");
    assert_eq!(back, data);
    assert_eq!(
        file.decode_range(&model, 50..330, &DecompressOptions::default())
            .expect("range"),
        &data[50..330]
    );
}

#[test]
fn a_damaged_stored_chunk_fails_its_checksum() {
    let model = AdaptiveOrder1::default();
    let data = noise(300, 9);
    let mut boa = compress_to_vec(&model, &data, &options(100)).expect("compress");
    boa[52 + 9 + 5] ^= 1;
    assert!(matches!(
        decompress_to_vec(&model, &boa, &DecompressOptions::default()),
        Err(ContainerError::ChunkChecksum { chunk: 0, .. })
    ));
    let mut file = BoaFile::open(Cursor::new(&boa)).expect("open");
    assert!(matches!(
        file.decode_range(&model, 0..10, &DecompressOptions::default()),
        Err(ContainerError::ChunkChecksum { chunk: 0, .. })
    ));
}

#[test]
fn a_stored_record_must_hold_exactly_its_chunk() {
    let model = AdaptiveOrder1::default();
    let mut boa = compress_to_vec(&model, &noise(100, 4), &options(100)).expect("compress");
    assert_eq!(boa[52], b'S');
    // Claim a 99-byte payload for the 100-byte chunk.
    boa[52 + 5..52 + 9].copy_from_slice(&99u32.to_le_bytes());
    assert!(matches!(
        decompress_to_vec(&model, &boa, &DecompressOptions::default()),
        Err(ContainerError::StoredLen {
            chunk: 0,
            got: 99,
            expected: 100
        })
    ));
}

#[test]
fn version_1_files_decode_and_refuse_stored_records() {
    // A version-1 file is a version-2 file without stored records.
    let model = AdaptiveOrder1::default();
    let data = b"abc".repeat(100);
    let mut boa = compress_to_vec(&model, &data, &options(128)).expect("compress");
    set_version(&mut boa, 1);
    let back = decompress_to_vec(&model, &boa, &DecompressOptions::default()).expect("v1");
    assert_eq!(back, data);
    let mut stored = compress_to_vec(&model, &noise(50, 5), &options(128)).expect("compress");
    set_version(&mut stored, 1);
    assert!(matches!(
        decompress_to_vec(&model, &stored, &DecompressOptions::default()),
        Err(ContainerError::RecordTag {
            chunk: 0,
            tag: b'T',
            version: 1
        })
    ));
    set_version(&mut stored, 3);
    assert!(matches!(
        decompress_to_vec(&model, &stored, &DecompressOptions::default()),
        Err(ContainerError::UnsupportedVersion {
            got: 3,
            oldest: 1,
            newest: 2
        })
    ));
}

fn mixing_options(chunk_len: u32) -> CompressOptions<'static> {
    CompressOptions {
        mixing: true,
        ..options(chunk_len)
    }
}

#[test]
fn mixed_files_round_trip_by_stream_and_by_range_and_set_the_flag() {
    let model = AdaptiveOrder1::default();
    let data = sample(9000, 11);
    let plain = compress_to_vec(&model, &data, &options(2048)).expect("compress");
    let mixed = compress_to_vec(&model, &data, &mixing_options(2048)).expect("compress");
    assert_eq!(u16::from_le_bytes([plain[10], plain[11]]), 0);
    assert_eq!(
        u16::from_le_bytes([mixed[10], mixed[11]]),
        format::FLAG_MIXING
    );
    assert!(
        mixed.len() < plain.len(),
        "{} vs {}",
        mixed.len(),
        plain.len()
    );
    for lanes in [1, 3, 16] {
        let options = DecompressOptions {
            lanes,
            ..DecompressOptions::default()
        };
        assert_eq!(
            decompress_to_vec(&model, &mixed, &options).expect("decodes"),
            data
        );
    }
    let mut file = BoaFile::open(Cursor::new(&mixed)).expect("open");
    assert!(file.header().mixing);
    let range = file
        .decode_range(&model, 3000..7000, &DecompressOptions::default())
        .expect("range");
    assert_eq!(range, &data[3000..7000]);
}

#[test]
fn mixed_files_do_not_depend_on_the_batch_and_decode_only_with_mixing() {
    let model = AdaptiveOrder1::default();
    let data = sample(7000, 12);
    let reference = compress_to_vec(&model, &data, &mixing_options(1000)).expect("compress");
    for batch_chunks in [1, 2, 7] {
        let options = CompressOptions {
            batch_chunks,
            ..mixing_options(1000)
        };
        assert_eq!(
            compress_to_vec(&model, &data, &options).expect("compress"),
            reference
        );
    }
    // Clearing the flag (and fixing the header's CRC) decodes without mixing: the chunk
    // checksums catch it rather than yield wrong bytes.
    let mut unflagged = reference.clone();
    set_flags(&mut unflagged, 0);
    assert!(matches!(
        decompress_to_vec(&model, &unflagged, &DecompressOptions::default()),
        Err(ContainerError::ChunkChecksum { .. } | ContainerError::Coder { .. })
    ));
}

#[test]
fn unknown_header_flags_are_refused() {
    let model = AdaptiveOrder1::default();
    let mut boa = compress_to_vec(&model, b"flags", &mixing_options(64)).expect("compress");
    set_flags(&mut boa, format::FLAG_MIXING | 4);
    assert!(matches!(
        decompress_to_vec(&model, &boa, &DecompressOptions::default()),
        Err(ContainerError::UnknownFlags { flags: 6 })
    ));
    assert!(matches!(
        BoaFile::open(Cursor::new(&boa)),
        Err(ContainerError::UnknownFlags { flags: 6 })
    ));
}

/// Rewrites the header's version field and its CRC.
fn set_version(boa: &mut [u8], version: u16) {
    set_header_u16(boa, 8, version);
}

/// Rewrites the header's flags field and its CRC.
fn set_flags(boa: &mut [u8], flags: u16) {
    set_header_u16(boa, 10, flags);
}

/// Rewrites the header's `u16` at `offset` and the header CRC.
fn set_header_u16(boa: &mut [u8], offset: usize, value: u16) {
    boa[offset..offset + 2].copy_from_slice(&value.to_le_bytes());
    let crc = crc32fast::hash(&boa[..48]);
    boa[48..52].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn options_are_validated() {
    let model = AdaptiveOrder1::default();
    for chunk_len in [0, MAX_CHUNK_LEN + 1] {
        assert!(matches!(
            compress_to_vec(&model, b"x", &options(chunk_len)),
            Err(ContainerError::ChunkLenOutOfRange { .. })
        ));
    }
}

/// Opens and decodes `bytes` both ways; either may fail, neither may panic.
/// Returns what the streaming decoder produced, if it accepted the file.
fn decode_hostile(bytes: &[u8]) -> Option<Vec<u8>> {
    let model = AdaptiveOrder1::default();
    let options = DecompressOptions {
        lanes: 3,
        batch_chunks: 5,
    };
    if let Ok(mut file) = BoaFile::open(Cursor::new(bytes)) {
        let len = file.original_len();
        let _ = file.decode_range(&model, 0..len.min(4096), &options);
        let _ = file.embedded_model();
    }
    decompress_to_vec(&model, bytes, &options).ok()
}

#[test]
fn every_truncation_is_an_error() {
    let model = AdaptiveOrder1::default();
    let bytes = model.model_bytes();
    let opts = CompressOptions {
        embedded_model: Some(&bytes),
        ..options(100)
    };
    let boa = compress_to_vec(&model, &sample(1_000, 4), &opts).expect("compress");
    for len in 0..boa.len() {
        assert!(
            decode_hostile(&boa[..len]).is_none(),
            "truncated to {len} bytes was accepted"
        );
        assert!(
            BoaFile::open(Cursor::new(&boa[..len])).is_err(),
            "opened at {len}"
        );
    }
}

#[test]
fn no_single_byte_corruption_changes_the_output_unnoticed() {
    let model = AdaptiveOrder1::default();
    let data = sample(600, 8);
    let boa = compress_to_vec(&model, &data, &options(128)).expect("compress");
    let mut unnoticed = 0;
    for at in 0..boa.len() {
        for flip in [0x01u8, 0x80, 0xFF] {
            let mut bad = boa.clone();
            bad[at] ^= flip;
            // The last bits of a stream's termination may be free (any value inside the
            // final interval decodes alike): such a flip may pass, but only unharmful.
            if let Some(decoded) = decode_hostile(&bad) {
                assert_eq!(
                    decoded, data,
                    "flip {flip:#x} at {at} changed the output unnoticed"
                );
                unnoticed += 1;
            }
        }
    }
    // At most the three flips of each of the 5 streams' last byte.
    assert!(unnoticed <= 15, "{unnoticed} harmless flips");
}

#[test]
fn hostile_lengths_do_not_allocate() {
    // A valid header claiming a 1 GiB embedded model, then nothing.
    let model = AdaptiveOrder1::default();
    let mut boa = compress_to_vec(
        &model,
        b"",
        &CompressOptions {
            embedded_model: Some(&model.model_bytes()),
            ..options(16)
        },
    )
    .expect("compress");
    boa.truncate(HEADER_LEN as usize);
    boa.extend_from_slice(&(MAX_MODEL_LEN).to_le_bytes());
    assert!(matches!(
        StreamDecoder::new(boa.as_slice()),
        Err(ContainerError::Truncated { .. })
    ));
    boa.truncate(HEADER_LEN as usize);
    boa.extend_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        StreamDecoder::new(boa.as_slice()),
        Err(ContainerError::EmbeddedModelLen {
            got: u64::MAX,
            max: MAX_MODEL_LEN
        })
    ));
}

#[test]
fn concatenated_files_are_refused() {
    let model = AdaptiveOrder1::default();
    let boa = compress_to_vec(&model, b"hello", &options(16)).expect("compress");
    let twice = [boa.clone(), boa].concat();
    assert!(matches!(
        decompress_to_vec(&model, &twice, &DecompressOptions::default()),
        Err(ContainerError::TrailingData)
    ));
}

#[test]
fn fingerprints_print_as_hex() {
    let fingerprint = ModelFingerprint([0xab; 32]);
    assert_eq!(fingerprint.to_string(), "ab".repeat(32));
    assert_eq!(fingerprint.short(), "ab".repeat(8));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_data_round_trips(
        data in prop::collection::vec(any::<u8>(), 0..3000),
        chunk_len in 1u32..700,
        lanes in 0usize..9,
    ) {
        let model = AdaptiveOrder1::default();
        let boa = compress_to_vec(&model, &data, &options(chunk_len)).expect("compress");
        let opts = DecompressOptions { lanes, batch_chunks: 0 };
        prop_assert_eq!(decompress_to_vec(&model, &boa, &opts).expect("decompress"), data);
    }

    #[test]
    fn no_file_is_larger_than_its_input_plus_the_framing(
        data in prop::collection::vec(any::<u8>(), 0..3000),
        chunk_len in 1u32..700,
        embed in any::<bool>(),
    ) {
        let model = AdaptiveOrder1::default();
        let model_bytes = model.model_bytes();
        let opts = CompressOptions {
            embedded_model: embed.then_some(model_bytes.as_slice()),
            ..options(chunk_len)
        };
        let boa = compress_to_vec(&model, &data, &opts).expect("compress");
        let bound = max_file_len(data.len() as u64, chunk_len, embed.then_some(model_bytes.len() as u64));
        prop_assert!(boa.len() as u64 <= bound, "{} > {bound}", boa.len());
        prop_assert_eq!(decompress_to_vec(&model, &boa, &DecompressOptions::default()).expect("decompress"), data);
    }

    #[test]
    fn valid_header_with_random_body_never_panics(
        body in prop::collection::vec(any::<u8>(), 0..400),
        chunk_len in 1u32..64,
    ) {
        let model = AdaptiveOrder1::default();
        let mut bytes = compress_to_vec(&model, b"", &options(chunk_len)).expect("compress");
        bytes.truncate(HEADER_LEN as usize);
        bytes.extend_from_slice(&body);
        decode_hostile(&bytes);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        decode_hostile(&bytes);
    }
}

#[test]
fn an_index_larger_than_the_file_is_refused() {
    // A footer (with a valid CRC) claiming more chunks than the file could index.
    let model = AdaptiveOrder1::default();
    let mut boa = compress_to_vec(&model, &[7u8; 64], &options(1)).expect("compress");
    let footer_at = boa.len() - FOOTER_LEN as usize;
    let bogus = Footer {
        original_len: 60_000,
        chunk_count: 60_000,
        index_crc: 0,
        index_offset: 3,
    };
    let mut bytes = Vec::new();
    bogus.write(&mut bytes).expect("write");
    boa[footer_at..].copy_from_slice(&bytes);
    assert!(matches!(
        BoaFile::open(Cursor::new(&boa)),
        Err(ContainerError::IndexPlacement {
            chunk_count: 60_000,
            ..
        })
    ));
}
