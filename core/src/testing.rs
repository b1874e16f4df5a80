//! Small deterministic predictors for tests, fuzzing and benchmarks.
//!
//! They are not neural: they exist so that the codec and the container can be tested
//! before (and independently of) the model, with tables that really adapt to the data.

use crate::coder::{FrequencyTable, SYMBOLS};
use crate::predictor::{ModelFingerprint, PredictError, Predictor};
pub use crate::rng::XorShift64;

/// The input of the worked example of `docs/format.md` (`tests/golden/format-example.boa`,
/// chunk length 16, [`AdaptiveOrder1::default`]): a chunk that codes smaller and a short
/// one that does not, so it is stored.
pub const FORMAT_EXAMPLE: &[u8] = b"BOA!BOA!BOA!BOA!BOA";

/// An adaptive order-1 model: counts of each byte after each previous byte.
///
/// Tables come from [`FrequencyTable::from_counts`] over `counts[prev]`, where each count
/// starts at 1 and grows by `increment` each time the byte follows `prev`; a context's
/// counts are halved when their sum passes `limit`. The first byte of a chunk uses
/// context 0.
#[derive(Debug, Clone)]
pub struct AdaptiveOrder1 {
    increment: u32,
    limit: u32,
}

/// One chunk's state for [`AdaptiveOrder1`].
#[derive(Debug, Clone)]
pub struct Order1Lane {
    previous: u8,
    counts: Vec<[u32; SYMBOLS]>,
    sums: Vec<u32>,
}

impl Default for AdaptiveOrder1 {
    fn default() -> Self {
        Self::new(24, 1 << 16)
    }
}

impl AdaptiveOrder1 {
    /// A model adding `increment` per occurrence and halving past `limit`.
    #[must_use]
    pub fn new(increment: u32, limit: u32) -> Self {
        Self { increment, limit }
    }

    /// The bytes that stand in for this model's file, hashed for its fingerprint.
    #[must_use]
    pub fn model_bytes(&self) -> Vec<u8> {
        let mut bytes = b"boa-test-adaptive-order1".to_vec();
        bytes.extend_from_slice(&self.increment.to_le_bytes());
        bytes.extend_from_slice(&self.limit.to_le_bytes());
        bytes
    }

    fn table(lane: &Order1Lane) -> FrequencyTable {
        FrequencyTable::from_counts(&lane.counts[usize::from(lane.previous)])
    }

    fn update(&self, lane: &mut Order1Lane, byte: u8) {
        let context = usize::from(lane.previous);
        let counts = &mut lane.counts[context];
        counts[usize::from(byte)] += self.increment;
        lane.sums[context] += self.increment;
        if lane.sums[context] > self.limit {
            for c in counts.iter_mut() {
                *c = (*c).div_ceil(2);
            }
            lane.sums[context] = counts.iter().sum();
        }
        lane.previous = byte;
    }
}

impl Predictor for AdaptiveOrder1 {
    type Lane = Order1Lane;

    fn fingerprint(&self) -> ModelFingerprint {
        ModelFingerprint::of_bytes(&self.model_bytes())
    }

    fn new_lane(&self) -> Order1Lane {
        Order1Lane {
            previous: 0,
            counts: vec![[1; SYMBOLS]; SYMBOLS],
            sums: vec![SYMBOLS as u32; SYMBOLS],
        }
    }

    fn predict(
        &self,
        lanes: &mut [Order1Lane],
        tables: &mut [FrequencyTable],
    ) -> Result<(), PredictError> {
        for (lane, table) in lanes.iter().zip(tables.iter_mut()) {
            *table = Self::table(lane);
        }
        Ok(())
    }

    fn advance(&self, lanes: &mut [Order1Lane], bytes: &[u8]) -> Result<(), PredictError> {
        for (lane, &byte) in lanes.iter_mut().zip(bytes) {
            self.update(lane, byte);
        }
        Ok(())
    }
}

/// A model that gives every byte the same fixed table: cheap, for fuzzing and benches.
#[derive(Debug, Clone)]
pub struct FixedTable {
    table: FrequencyTable,
}

impl FixedTable {
    /// A model always predicting `table`.
    #[must_use]
    pub fn new(table: FrequencyTable) -> Self {
        Self { table }
    }

    /// A skewed table: byte `b` weighted `2^20 >> min(20, |b − 32|)`.
    #[must_use]
    pub fn skewed() -> Self {
        let mut counts = [0u32; SYMBOLS];
        for (b, c) in counts.iter_mut().enumerate() {
            *c = (1 << 20) >> (b as i32 - 32).unsigned_abs().min(20);
        }
        Self::new(FrequencyTable::from_counts(&counts))
    }

    /// The bytes that stand in for this model's file: its 256 frequencies.
    #[must_use]
    pub fn model_bytes(&self) -> Vec<u8> {
        (0..=255u8)
            .flat_map(|s| self.table.frequency(s).to_le_bytes())
            .collect()
    }
}

impl Predictor for FixedTable {
    type Lane = ();

    fn fingerprint(&self) -> ModelFingerprint {
        ModelFingerprint::of_bytes(&self.model_bytes())
    }

    fn new_lane(&self) {}

    fn predict(&self, _: &mut [()], tables: &mut [FrequencyTable]) -> Result<(), PredictError> {
        for table in tables {
            table.clone_from(&self.table);
        }
        Ok(())
    }

    fn advance(&self, _: &mut [()], _: &[u8]) -> Result<(), PredictError> {
        Ok(())
    }
}

/// The body of the `range_decoder` fuzz target (and of its regression tests).
///
/// The first byte picks how many tables to cycle through (1–4), the next 8 seed the
/// tables' weights; the rest is the stream. Decodes up to 4 symbols per stream byte.
pub fn fuzz_range_decoder(data: &[u8]) {
    use crate::coder::RangeDecoder;
    let Some((&count, rest)) = data.split_first() else {
        return;
    };
    let (seed, stream) = rest.split_at(rest.len().min(8));
    let mut rng = XorShift64::new(seed.iter().fold(0x9E37_79B9_7F4A_7C15u64, |s, &b| {
        (s ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    }));
    let tables: Vec<FrequencyTable> = (0..usize::from(count % 4) + 1)
        .map(|_| {
            let mut counts = [0u32; SYMBOLS];
            for c in &mut counts {
                let state = rng.next_u64();
                *c = (state >> 40) as u32 >> (state % 24);
            }
            FrequencyTable::from_counts(&counts)
        })
        .collect();
    let Ok(mut decoder) = RangeDecoder::new(stream) else {
        return;
    };
    for i in 0..4 * stream.len() + 16 {
        decoder.decode(&tables[i % tables.len()]);
    }
    let _ = decoder.finish();
}

/// The body of the `container_decoder` fuzz target (and of its regression tests).
///
/// Runs the streaming and the random-access reader on `data`. Where `data` starts like a
/// header, it also runs them on a copy made to pass the header checks (the fuzz model's
/// fingerprint, a chunk length of at most 4 KiB, a correct header CRC) so that the
/// fuzzer explores chunk records, index and footer rather than the header alone.
pub fn fuzz_container_decoder(data: &[u8]) {
    let model = FixedTable::skewed();
    decode_every_way(&model, data);
    if data.len() >= 52 && data[..8] == *b"\x89BOA\r\n\x1a\n" {
        let mut patched = data.to_vec();
        patched[16..48].copy_from_slice(&model.fingerprint().0);
        let chunk_len = u32::from_le_bytes([data[12], data[13], data[14], data[15]]) % 4096 + 1;
        patched[12..16].copy_from_slice(&chunk_len.to_le_bytes());
        let crc = crc32fast::hash(&patched[..48]);
        patched[48..52].copy_from_slice(&crc.to_le_bytes());
        decode_every_way(&model, &patched);
        if patched.len() >= 52 + 32 {
            fix_footer_checksums(&mut patched);
            decode_every_way(&model, &patched);
        }
    }
}

/// Makes the footer's magic and CRC, and the index CRC where the index lies inside the
/// file, valid, so that fuzzing reaches the checks behind them.
fn fix_footer_checksums(file: &mut [u8]) {
    let footer = file.len() - 32;
    let count = u32::from_le_bytes([
        file[footer + 8],
        file[footer + 9],
        file[footer + 10],
        file[footer + 11],
    ]);
    let mut offset = [0u8; 8];
    offset.copy_from_slice(&file[footer + 16..footer + 24]);
    let start = u64::from_le_bytes(offset);
    let end = start.saturating_add(u64::from(count) * 4);
    if end <= footer as u64 {
        let index_crc = crc32fast::hash(&file[start as usize..end as usize]);
        file[footer + 12..footer + 16].copy_from_slice(&index_crc.to_le_bytes());
    }
    let crc = crc32fast::hash(&file[footer..footer + 24]);
    file[footer + 24..footer + 28].copy_from_slice(&crc.to_le_bytes());
    file[footer + 28..].copy_from_slice(b"BOAE");
}

fn decode_every_way(model: &FixedTable, data: &[u8]) {
    use crate::container::{BoaFile, DecompressOptions, decompress_to_vec};
    let options = DecompressOptions {
        lanes: 3,
        batch_chunks: 4,
    };
    let _ = decompress_to_vec(model, data, &options);
    if let Ok(mut file) = BoaFile::open(std::io::Cursor::new(data)) {
        let end = file.original_len().min(1 << 16);
        let _ = file.decode_range(model, end / 3..end, &options);
        let _ = file.embedded_model();
    }
}

/// The fuzz harness of the `.boam` reader: any bytes either load or give an error, and a
/// model that loads runs without panicking. Inputs are also tried with their trailing
/// CRC-32 made valid, so that the fuzzer reaches the checks behind it.
pub fn fuzz_model_file(data: &[u8]) {
    run_model(data);
    if data.len() >= 16 {
        let mut patched = data.to_vec();
        let body = patched.len() - 4;
        let crc = crc32fast::hash(&patched[..body]);
        patched[body..].copy_from_slice(&crc.to_le_bytes());
        run_model(&patched);
    }
}

fn run_model(bytes: &[u8]) {
    if let Ok(engine) = crate::engine::Engine::from_bytes(bytes) {
        let _ = engine.chunk_tables(b"fuzzing boa", &mut |_| {});
    }
}

/// Replays every input kept for the fuzz targets (`core/fuzz/seeds/TARGET/` and every
/// crash the fuzzers ever found, `core/fuzz/regressions/TARGET/`) through the harness
/// functions above, as unit tests, so that they also run on 32-bit targets.
#[cfg(test)]
mod fuzz_replay {
    use std::path::{Path, PathBuf};

    /// Replays the files of `target`; fails unless at least `expected` were found, so a
    /// renamed or emptied folder cannot turn the replay into a test of nothing.
    fn replay(target: &str, run: fn(&[u8]), expected: usize) {
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut count = 0;
        for folder in ["seeds", "regressions"] {
            for path in files_in(&fuzz.join(folder).join(target)) {
                let bytes = std::fs::read(&path).expect("readable input");
                eprintln!("replaying {}", path.display());
                run(&bytes);
                count += 1;
            }
        }
        assert!(
            count >= expected,
            "{target}: replayed {count} inputs, expected at least the {expected} committed"
        );
    }

    fn files_in(folder: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_file())
            .collect();
        files.sort();
        files
    }

    #[test]
    fn container_decoder_inputs_replay() {
        replay("container_decoder", super::fuzz_container_decoder, 12);
    }

    #[test]
    fn range_decoder_inputs_replay() {
        replay("range_decoder", super::fuzz_range_decoder, 3);
    }

    #[test]
    fn model_file_inputs_replay() {
        replay("model_file", super::fuzz_model_file, 3);
    }
}
