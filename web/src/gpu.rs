//! The page's GPU path: the shared GPU runner ([`GpuSession`], the shaders and host code
//! native builds run) on the browser's WebGPU, behind the one container reader and writer.
//!
//! The container is synchronous and a browser may not block, so the GPU work comes
//! first and is awaited: [`prepare_decoding`] decodes a file's coded chunks on the GPU,
//! [`prepare_encoding`] computes an input's teacher-forced intervals; then the container
//! runs as on the CPU with a [`Prepared`] predictor, which answers
//! [`Predictor::decode_streams`] and [`Predictor::chunk_intervals`] from those results and
//! leaves anything not prepared to the CPU engine. Preparation never fails: what the GPU
//! could not do (a lost device, a stream the CPU would refuse, a chunk whose CRC-32 the
//! GPU's bytes miss) is left to the CPU, which gives the same bytes and the same errors.
//! Everything here is plain Rust, tested natively on lavapipe and in the browser.

use std::collections::HashMap;
use std::io::{Read, Seek};
use std::ops::Range;
use std::sync::Mutex;

use boa_core::coder::{FrequencyTable, Interval, RangeDecoder, RangeEncoder};
use boa_core::container::{ChunkKind, CompressOptions, compress_to_vec};
use boa_core::gpu::GpuSession;
use boa_core::predictor::{CodedStream, DecodedStream, PredictError};
use boa_core::{BoaFile, Engine, ModelFingerprint, Predictor};

use crate::decode::{OpenFile, WebError};

/// BLAKE3 of a stream or chunk: how [`Prepared`] finds what was computed for it. A
/// chunk's coding depends only on its bytes (the model's state resets per chunk), so
/// equal keys have equal results.
type Key = [u8; 32];

fn key(bytes: &[u8]) -> Key {
    *blake3::hash(bytes).as_bytes()
}

/// The CPU engine, with results the GPU computed beforehand.
pub struct Prepared<'e> {
    engine: &'e Engine,
    /// Whether the results were computed with context mixing (the file's flag): they
    /// answer [`Predictor::decode_mixed_streams`] then, else [`Predictor::decode_streams`].
    mixing: bool,
    /// Decoded chunks by (stream, length); taken when used.
    decoded: Mutex<HashMap<(Key, usize), DecodedStream>>,
    /// Every byte's interval, by chunk.
    intervals: HashMap<Key, Vec<Interval>>,
}

impl<'e> Prepared<'e> {
    /// `engine` alone: everything on the CPU; GPU results, once added, are for coding
    /// with context mixing if `mixing`.
    #[must_use]
    pub fn new(engine: &'e Engine, mixing: bool) -> Self {
        Self {
            engine,
            mixing,
            decoded: Mutex::new(HashMap::new()),
            intervals: HashMap::new(),
        }
    }

    fn decoded(&self) -> std::sync::MutexGuard<'_, HashMap<(Key, usize), DecodedStream>> {
        self.decoded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Predictor for Prepared<'_> {
    type Lane = <Engine as Predictor>::Lane;

    fn fingerprint(&self) -> ModelFingerprint {
        self.engine.fingerprint()
    }

    fn new_lane(&self) -> Self::Lane {
        self.engine.new_lane()
    }

    fn predict(
        &self,
        lanes: &mut [Self::Lane],
        tables: &mut [FrequencyTable],
    ) -> Result<(), PredictError> {
        self.engine.predict(lanes, tables)
    }

    fn advance(&self, lanes: &mut [Self::Lane], bytes: &[u8]) -> Result<(), PredictError> {
        self.engine.advance(lanes, bytes)
    }

    fn chunk_tables(
        &self,
        chunk: &[u8],
        each: &mut dyn FnMut(&FrequencyTable),
    ) -> Result<(), PredictError> {
        self.engine.chunk_tables(chunk, each)
    }

    /// With intervals prepared, chunks go to [`Predictor::chunk_intervals`] in groups.
    fn lock_step_lanes(&self) -> usize {
        if self.intervals.is_empty() {
            self.engine.lock_step_lanes()
        } else {
            crate::decode::LANES
        }
    }

    fn decode_streams(
        &self,
        streams: &[CodedStream<'_>],
    ) -> Option<Result<Vec<DecodedStream>, PredictError>> {
        if self.mixing {
            return None;
        }
        self.take_decoded(streams)
    }

    fn chunk_intervals(
        &self,
        chunks: &[&[u8]],
        each: &mut dyn FnMut(usize, Interval),
    ) -> Option<Result<(), PredictError>> {
        if self.mixing {
            return None;
        }
        self.prepared_intervals(chunks, each)
    }

    fn decode_mixed_streams(
        &self,
        streams: &[CodedStream<'_>],
    ) -> Option<Result<Vec<DecodedStream>, PredictError>> {
        if !self.mixing {
            return None;
        }
        self.take_decoded(streams)
    }

    fn chunk_mixed_intervals(
        &self,
        chunks: &[&[u8]],
        each: &mut dyn FnMut(usize, Interval),
    ) -> Option<Result<(), PredictError>> {
        if !self.mixing {
            return None;
        }
        self.prepared_intervals(chunks, each)
    }
}

impl Prepared<'_> {
    /// The prepared decodings of `streams`, if every one was prepared.
    fn take_decoded(
        &self,
        streams: &[CodedStream<'_>],
    ) -> Option<Result<Vec<DecodedStream>, PredictError>> {
        let mut decoded = self.decoded();
        let keys: Vec<(Key, usize)> = streams.iter().map(|s| (key(s.stream), s.len)).collect();
        if !keys.iter().all(|k| decoded.contains_key(k)) {
            return None;
        }
        keys.iter()
            .map(|k| decoded.remove(k))
            .collect::<Option<Vec<_>>>()
            .map(Ok)
    }

    /// The prepared intervals of `chunks`, if every one was prepared.
    fn prepared_intervals(
        &self,
        chunks: &[&[u8]],
        each: &mut dyn FnMut(usize, Interval),
    ) -> Option<Result<(), PredictError>> {
        let found: Option<Vec<&Vec<Interval>>> =
            chunks.iter().map(|c| self.intervals.get(&key(c))).collect();
        for (i, intervals) in found?.into_iter().enumerate() {
            for &interval in intervals {
                each(i, interval);
            }
        }
        Some(Ok(()))
    }
}

/// What the GPU did in one preparation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpuReport {
    /// Chunks the GPU coded.
    pub gpu_chunks: usize,
    /// Chunks left to the CPU (stored chunks are neither).
    pub cpu_chunks: usize,
    /// Why the GPU stopped or was overruled, if it was.
    pub note: Option<String>,
}

/// Decodes the coded chunks `chunks` of the `.boa` file `file` on the GPU, in batches;
/// `progress` gets the original bytes decoded so far after each batch.
pub async fn prepare_decoding<'e, R: Read + Seek>(
    session: &mut GpuSession,
    engine: &'e Engine,
    file: &mut BoaFile<R>,
    chunks: Range<usize>,
    progress: &mut dyn FnMut(u64),
) -> (Prepared<'e>, GpuReport) {
    let mixing = file.header().mixing;
    let prepared = Prepared::new(engine, mixing);
    let mut report = GpuReport::default();
    let Some(jobs) = coded_chunks(file, chunks) else {
        return (prepared, report);
    };
    let streams: Vec<CodedStream<'_>> = jobs
        .iter()
        .map(|job| CodedStream {
            stream: &job.stream,
            len: job.len,
        })
        .collect();
    let mut done = 0u64;
    let mut offset = 0;
    for batch in session.coding_batches(&streams, |s| s.stream.len(), |s| s.len, mixing) {
        let batch_jobs = &jobs[offset..offset + batch.len()];
        offset += batch.len();
        match session.decode_batch(batch, mixing).await {
            Ok(decoded) => {
                let mut table = prepared.decoded();
                for (job, chunk) in batch_jobs.iter().zip(decoded) {
                    done += job.len as u64;
                    if crc32fast::hash(&chunk.bytes) == job.crc {
                        table.insert((key(&job.stream), job.len), chunk);
                        report.gpu_chunks += 1;
                    } else {
                        report.cpu_chunks += 1;
                        report.note.get_or_insert_with(|| {
                            "a chunk the GPU decoded failed its CRC-32: the CPU decoded it".into()
                        });
                    }
                }
                progress(done);
            }
            Err(error) => {
                report.cpu_chunks += jobs.len() - (offset - batch.len());
                report.note = Some(format!("the GPU failed, the CPU finished: {error}"));
                break;
            }
        }
    }
    (prepared, report)
}

/// A coded chunk's stream, length and CRC-32, read from the file.
struct CodedChunk {
    stream: Vec<u8>,
    len: usize,
    crc: u32,
}

/// The coded chunks of `chunks` whose streams the range decoder accepts; `None` where
/// the file or the range is not readable (the container reports why).
fn coded_chunks<R: Read + Seek>(
    file: &mut BoaFile<R>,
    chunks: Range<usize>,
) -> Option<Vec<CodedChunk>> {
    let mut coded = Vec::new();
    for chunk in chunks {
        let len = file.chunks().get(chunk)?.len as usize;
        let record = file.read_record(chunk).ok()?;
        if record.kind == ChunkKind::Coded && RangeDecoder::new(&record.payload).is_ok() {
            coded.push(CodedChunk {
                stream: record.payload,
                len,
                crc: record.crc,
            });
        }
    }
    Some(coded)
}

/// Teacher-forced intervals of every `chunk_len`-byte chunk of `input` on the GPU (mixed
/// with context models if `mixing`), in batches; `progress` gets the input bytes done
/// after each batch.
pub async fn prepare_encoding<'e>(
    session: &mut GpuSession,
    engine: &'e Engine,
    input: &[u8],
    chunk_len: usize,
    mixing: bool,
    progress: &mut dyn FnMut(u64),
) -> (Prepared<'e>, GpuReport) {
    let mut prepared = Prepared::new(engine, mixing);
    let mut report = GpuReport::default();
    if chunk_len == 0 {
        return (prepared, report); // the container refuses it
    }
    let chunks: Vec<&[u8]> = input.chunks(chunk_len).collect();
    let (mut done, mut offset) = (0u64, 0);
    for batch in session.coding_batches(&chunks, |c| c.len(), |c| c.len(), mixing) {
        offset += batch.len();
        let mut intervals: Vec<Vec<Interval>> =
            batch.iter().map(|c| Vec::with_capacity(c.len())).collect();
        let outcome = session
            .intervals_batch(batch, mixing, &mut |i, interval| {
                if let Some(chunk) = intervals.get_mut(i) {
                    chunk.push(interval);
                }
            })
            .await;
        if let Err(error) = outcome {
            report.cpu_chunks += chunks.len() - (offset - batch.len());
            report.note = Some(format!("the GPU failed, the CPU finished: {error}"));
            break;
        }
        for (chunk, intervals) in batch.iter().zip(intervals) {
            done += chunk.len() as u64;
            if intervals.len() == chunk.len() {
                prepared.intervals.insert(key(chunk), intervals);
                report.gpu_chunks += 1;
            } else {
                report.cpu_chunks += 1;
            }
        }
        progress(done);
    }
    (prepared, report)
}

/// Compresses `input` with the GPU's intervals: the file the CPU (and the native CLI)
/// would write.
///
/// # Errors
/// What the container reports (an invalid chunk length, a model too large to embed).
pub async fn compress_on_gpu(
    session: &mut GpuSession,
    engine: &Engine,
    input: &[u8],
    options: &CompressOptions<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<(Vec<u8>, GpuReport), WebError> {
    let chunk_len = options.chunk_len as usize;
    let (prepared, report) =
        prepare_encoding(session, engine, input, chunk_len, options.mixing, progress).await;
    let file =
        compress_to_vec(&prepared, input, options).map_err(|source| WebError::Container {
            name: "the input".into(),
            source,
        })?;
    Ok((file, report))
}

/// Decompresses the chunks `chunks` of `file` with the GPU's bytes, checked by the one
/// container reader as on the CPU.
///
/// # Errors
/// As [`OpenFile::decode_chunks`]: corruption, truncation, the wrong model.
pub async fn decompress_on_gpu<B: AsRef<[u8]>>(
    session: &mut GpuSession,
    engine: &Engine,
    file: &mut OpenFile<B>,
    chunks: Range<usize>,
    progress: &mut dyn FnMut(u64),
) -> Result<(Vec<u8>, GpuReport), WebError> {
    let (prepared, report) =
        prepare_decoding(session, engine, file.file_mut(), chunks.clone(), progress).await;
    let on_cpu = report.cpu_chunks > 0;
    let out = file.decode_chunks(&prepared, chunks, &mut |done| {
        if on_cpu {
            progress(done);
        }
    })?;
    Ok((out, report))
}

/// Bytes the self-test codes: text and pseudo-random bytes, two chunks.
fn self_test_chunks() -> [Vec<u8>; 2] {
    let text =
        b"boa self-test: the GPU must agree with the CPU, byte for byte. 0123456789".to_vec();
    let mut rng = boa_core::rng::XorShift64::new(0x0b0a);
    let random = (0..97).map(|_| rng.next_u64().to_le_bytes()[3]).collect();
    [text, random]
}

/// Checks that the GPU computes `engine`'s intervals and decodes its streams, through
/// both schedules, on a few bytes: a browser's WebGPU is used only once this passes.
///
/// # Errors
/// What differed, or what the GPU reported.
pub async fn self_test(session: &mut GpuSession, engine: &Engine) -> Result<(), String> {
    self_test_mode(session, engine, false).await?;
    self_test_mode(session, engine, true)
        .await
        .map_err(|e| format!("with context mixing: {e}"))
}

/// [`self_test`] without or with context mixing.
async fn self_test_mode(
    session: &mut GpuSession,
    engine: &Engine,
    mixing: bool,
) -> Result<(), String> {
    let chunks = self_test_chunks();
    let chunk_refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
    let mut by_gpu: Vec<Vec<Interval>> = vec![Vec::new(); chunks.len()];
    session
        .intervals(&chunk_refs, mixing, &mut |i, interval| {
            by_gpu[i].push(interval);
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut streams = Vec::new();
    for (chunk, gpu) in chunks.iter().zip(&by_gpu) {
        let mut cpu = Vec::with_capacity(chunk.len());
        let mut symbols = chunk.iter();
        let mut each = |table: &FrequencyTable| {
            if let Some(&symbol) = symbols.next() {
                cpu.push(table.interval(symbol));
            }
        };
        boa_core::mixing::chunk_tables_as_coded(engine, mixing, chunk, &mut each)
            .map_err(|e| e.to_string())?;
        if &cpu != gpu {
            return Err("the GPU's intervals differ from the CPU's".into());
        }
        let mut encoder = RangeEncoder::with_capacity(chunk.len());
        cpu.iter()
            .for_each(|&interval| encoder.encode_interval(interval));
        streams.push(encoder.finish());
    }
    let coded: Vec<CodedStream<'_>> = streams
        .iter()
        .zip(&chunks)
        .map(|(stream, chunk)| CodedStream {
            stream,
            len: chunk.len(),
        })
        .collect();
    let decoded = session
        .decode(&coded, mixing)
        .await
        .map_err(|e| e.to_string())?;
    if decoded.iter().map(|d| &d.bytes).ne(chunks.iter()) {
        return Err("the GPU decoded other bytes than the CPU encoded".into());
    }
    Ok(())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use boa_core::gpu::GpuContext;
    use std::io::Cursor;

    const MODEL: &[u8] = include_bytes!("../../tests/golden/engine-tiny.boam");
    const INPUT: &[u8] = include_bytes!("../../tests/golden/engine-input.bin");
    const GOLDEN_BOA: &[u8] = include_bytes!("../../tests/golden/engine-input.boa");

    /// A session on this machine's adapter (lavapipe in CI), or `None` with a note;
    /// with `CI=true` a missing adapter fails.
    fn session(engine: &Engine, lanes: usize) -> Option<GpuSession> {
        match GpuContext::new_blocking() {
            Ok(context) => {
                Some(pollster::block_on(GpuSession::new(context, engine, lanes)).expect("session"))
            }
            Err(error) if std::env::var_os("CI").is_none() => {
                eprintln!("skipped: no GPU adapter ({error})");
                None
            }
            Err(error) => panic!("CI=true and no GPU adapter: {error}"),
        }
    }

    fn golden_engine() -> Engine {
        Engine::from_bytes(MODEL).expect("golden model")
    }

    /// The golden file's chunk table.
    fn golden_chunks() -> Vec<boa_core::container::ChunkLocation> {
        BoaFile::open(Cursor::new(GOLDEN_BOA))
            .expect("golden file")
            .chunks()
            .to_vec()
    }

    /// All of `file` decoded through the GPU path.
    fn decode_on_gpu(
        session: &mut GpuSession,
        engine: &Engine,
        file: &[u8],
    ) -> Result<(Vec<u8>, GpuReport), WebError> {
        let chunks = golden_chunks().len();
        let mut file = OpenFile::open("x.boa", file)?;
        pollster::block_on(decompress_on_gpu(
            session,
            engine,
            &mut file,
            0..chunks,
            &mut |_| {},
        ))
    }

    #[test]
    fn the_self_test_passes() {
        let engine = golden_engine();
        let Some(mut session) = session(&engine, 4) else {
            return;
        };
        pollster::block_on(self_test(&mut session, &engine)).expect("self-test");
    }

    #[test]
    fn gpu_encoding_writes_the_golden_file() {
        let engine = golden_engine();
        let Some(mut session) = session(&engine, 3) else {
            return;
        };
        let header = BoaFile::open(Cursor::new(GOLDEN_BOA)).expect("golden file");
        let options = CompressOptions {
            chunk_len: header.header().chunk_len,
            store_incompressible: false,
            ..CompressOptions::default()
        };
        let mut reports = Vec::new();
        let (file, report) = pollster::block_on(compress_on_gpu(
            &mut session,
            &engine,
            INPUT,
            &options,
            &mut |done| reports.push(done),
        ))
        .expect("compress");
        assert!(file == GOLDEN_BOA, "the GPU-prepared file differs");
        assert_eq!(report.cpu_chunks, 0, "{report:?}");
        assert_eq!(
            report.gpu_chunks,
            INPUT.len().div_ceil(options.chunk_len as usize)
        );
        assert_eq!(reports.last().copied(), Some(INPUT.len() as u64));
    }

    #[test]
    fn gpu_decoding_restores_the_golden_input() {
        let engine = golden_engine();
        let Some(mut session) = session(&engine, 2) else {
            return;
        };
        let (out, report) = decode_on_gpu(&mut session, &engine, GOLDEN_BOA).expect("decompress");
        assert!(out == INPUT, "the GPU-decoded bytes differ");
        let chunks = golden_chunks().len();
        assert_eq!((report.gpu_chunks, report.cpu_chunks), (chunks, 0));
    }

    #[test]
    fn files_with_context_mixing_are_coded_on_the_gpu_to_the_golden_bytes() {
        const MIXED: &[u8] = include_bytes!("../../tests/golden/engine-input-mixing.boa");
        let engine = golden_engine();
        let Some(mut session) = session(&engine, 2) else {
            return;
        };
        let chunks = golden_chunks().len();
        let (out, report) = decode_on_gpu(&mut session, &engine, MIXED).expect("decompress");
        assert!(out == INPUT, "the mixed file decoded to other bytes");
        assert_eq!(
            (report.gpu_chunks, report.cpu_chunks),
            (chunks, 0),
            "{report:?}"
        );
        let options = CompressOptions {
            chunk_len: BoaFile::open(Cursor::new(MIXED))
                .expect("golden")
                .header()
                .chunk_len,
            store_incompressible: false,
            mixing: true,
            ..CompressOptions::default()
        };
        let (file, report) = pollster::block_on(compress_on_gpu(
            &mut session,
            &engine,
            INPUT,
            &options,
            &mut |_| {},
        ))
        .expect("compress");
        assert!(
            file == MIXED,
            "the mixed file differs from its golden bytes"
        );
        assert_eq!(
            (report.gpu_chunks, report.cpu_chunks),
            (chunks, 0),
            "{report:?}"
        );
    }

    #[test]
    fn a_corrupt_file_gives_the_cpus_error() {
        let engine = golden_engine();
        let Some(mut session) = session(&engine, 4) else {
            return;
        };
        let chunks = golden_chunks();
        let first = chunks[0];
        // A byte in the middle of the first chunk's stream.
        let mut corrupt = GOLDEN_BOA.to_vec();
        let at = first.record_offset as usize + 16 + first.stream_len as usize / 2;
        corrupt[at] ^= 0x20;
        let by_cpu = OpenFile::open("x.boa", corrupt.as_slice())
            .and_then(|mut file| file.decode_chunks(&engine, 0..chunks.len(), &mut |_| {}))
            .map(|_| ())
            .expect_err("the CPU accepts a corrupt file");
        let by_gpu = decode_on_gpu(&mut session, &engine, &corrupt)
            .map(|_| ())
            .expect_err("the GPU path accepts a corrupt file");
        assert_eq!(by_gpu.to_string(), by_cpu.to_string());
    }
}
