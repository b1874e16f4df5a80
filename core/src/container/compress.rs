//! Writing `.boa` files front to back (to a pipe, if need be).

use std::io::{Read, Write};

use super::ContainerError;
use super::chunk::{EncodedChunk, encode_chunk, encode_group, map_in_parallel};
use super::format::{
    ChunkKind, DEFAULT_CHUNK_LEN, FORMAT_VERSION, Footer, Header, MAX_MODEL_LEN, RecordHeader,
    TAG_END, validate_chunk_len,
};
use crate::mixing::Mixing;
use crate::predictor::{ModelFingerprint, Predictor};

/// How to compress.
#[derive(Debug, Clone)]
pub struct CompressOptions<'a> {
    /// Bytes per chunk, `1..=MAX_CHUNK_LEN`.
    pub chunk_len: u32,
    /// Chunks read, coded in parallel and written per batch; 0 picks 4 per thread.
    /// Memory use is about `batch_chunks × chunk_len × 3` bytes. Does not change the file.
    pub batch_chunks: usize,
    /// The model file to store in the `.boa` file, making it self-contained. Its BLAKE3
    /// hash must be the predictor's fingerprint.
    pub embedded_model: Option<&'a [u8]>,
    /// Store a chunk as it is when its range-coded stream would not be smaller (the
    /// default), so that no file exceeds [`super::max_file_len`]. `false` codes every
    /// chunk: for measuring the coder, and for golden files that must exercise it.
    pub store_incompressible: bool,
    /// Mix the predictor's tables with adaptive context models ([`crate::mixing`]) and
    /// set the header's [`super::format::FLAG_MIXING`], so that decoders mix the same way.
    /// Off by default: it costs time, and pays on data that drifts from what the model
    /// learnt (`docs/quality.md`).
    pub mixing: bool,
}

impl Default for CompressOptions<'_> {
    fn default() -> Self {
        Self {
            chunk_len: DEFAULT_CHUNK_LEN,
            batch_chunks: 0,
            embedded_model: None,
            store_incompressible: true,
            mixing: false,
        }
    }
}

/// What [`compress`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompressSummary {
    /// Bytes read.
    pub original_len: u64,
    /// Bytes written.
    pub compressed_len: u64,
    /// Chunks written.
    pub chunk_count: u32,
    /// Of those, chunks stored as they are because coding would not have made them smaller.
    pub stored_chunks: u32,
}

/// Compresses everything `input` yields into a `.boa` stream on `output`.
///
/// Writes front to back without seeking; `progress` is called with the number of input
/// bytes done after each batch.
///
/// # Errors
/// Invalid options, a model that does not match the predictor, I/O and predictor errors.
pub fn compress<P: Predictor>(
    predictor: &P,
    input: impl Read,
    output: impl Write,
    options: &CompressOptions<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<CompressSummary, ContainerError> {
    if options.mixing {
        compress_with(&Mixing::new(predictor), input, output, options, progress)
    } else {
        compress_with(predictor, input, output, options, progress)
    }
}

/// [`compress`] with `predictor` already wrapped as `options.mixing` asks.
fn compress_with<P: Predictor>(
    predictor: &P,
    input: impl Read,
    output: impl Write,
    options: &CompressOptions<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<CompressSummary, ContainerError> {
    validate_chunk_len(options.chunk_len)?;
    let mut input = input;
    let mut output = CountingWriter::new(output);
    write_header(predictor, &mut output, options)?;

    let chunk_len = options.chunk_len as usize;
    let lock_step = predictor.lock_step_lanes();
    let batch_chunks = effective_batch(options.batch_chunks).max(lock_step);
    let mut buffer = vec![0u8; chunk_len * batch_chunks];
    let mut stream_lens: Vec<u32> = Vec::new();
    let mut original_len = 0u64;
    let mut stored_chunks = 0u32;
    loop {
        let filled = read_full(&mut input, &mut buffer)?;
        let chunks: Vec<&[u8]> = buffer[..filled].chunks(chunk_len).collect();
        let encoded = encode_batch(predictor, &chunks, lock_step);
        for (chunk, coded) in chunks.iter().zip(encoded?) {
            let short = chunk.len() < chunk_len;
            let record = write_record(
                &mut output,
                chunk,
                short,
                &coded,
                options.store_incompressible,
            )?;
            if record.kind == ChunkKind::Stored {
                stored_chunks += 1;
            }
            stream_lens.push(record.stream_len);
            if stream_lens.len() > u32::MAX as usize {
                return Err(ContainerError::InvalidArgument(
                    "input needs more than 2^32 − 1 chunks; use a larger chunk length".into(),
                ));
            }
        }
        original_len += filled as u64;
        progress(original_len);
        if filled < buffer.len() {
            break;
        }
    }
    write_index_and_footer(&mut output, &stream_lens, original_len)?;
    output.flush()?;
    Ok(CompressSummary {
        original_len,
        compressed_len: output.written,
        chunk_count: stream_lens.len() as u32,
        stored_chunks,
    })
}

/// Encodes a batch of chunks: one by one on the codec's threads, or in lock-step groups
/// of `lock_step` chunks for predictors that ask for it (the same streams either way).
/// The first error in chunk order wins.
fn encode_batch<P: Predictor>(
    predictor: &P,
    chunks: &[&[u8]],
    lock_step: usize,
) -> Result<Vec<EncodedChunk>, ContainerError> {
    if lock_step == 0 {
        return map_in_parallel(chunks, |chunk| encode_chunk(predictor, chunk))
            .into_iter()
            .collect();
    }
    let groups: Vec<&[&[u8]]> = chunks.chunks(lock_step).collect();
    let coded = map_in_parallel(&groups, |group| encode_group(predictor, group));
    let mut out = Vec::with_capacity(chunks.len());
    for group in coded {
        out.extend(group?);
    }
    Ok(out)
}

/// Compresses a buffer into a new `.boa` byte vector.
///
/// # Errors
/// As [`compress`].
pub fn compress_to_vec<P: Predictor>(
    predictor: &P,
    data: &[u8],
    options: &CompressOptions<'_>,
) -> Result<Vec<u8>, ContainerError> {
    let mut out = Vec::with_capacity(data.len() / 2 + 128);
    compress(predictor, data, &mut out, options, &mut |_| {})?;
    Ok(out)
}

/// Chunks read and coded per batch: as asked, else 4 per thread (enough to keep every
/// thread busy while one batch is written).
fn effective_batch(requested: usize) -> usize {
    if requested > 0 {
        requested
    } else {
        4 * super::chunk::threads()
    }
}

fn write_header<P: Predictor>(
    predictor: &P,
    output: &mut impl Write,
    options: &CompressOptions<'_>,
) -> Result<(), ContainerError> {
    let fingerprint = predictor.fingerprint();
    if let Some(model) = options.embedded_model {
        let embedded = ModelFingerprint::of_bytes(model);
        if embedded != fingerprint {
            return Err(ContainerError::ModelMismatch {
                file: embedded,
                model: fingerprint,
            });
        }
        if model.len() as u64 > MAX_MODEL_LEN {
            return Err(ContainerError::InvalidArgument(format!(
                "model of {} bytes is larger than the {MAX_MODEL_LEN} bytes a .boa file can embed",
                model.len()
            )));
        }
    }
    let header = Header {
        version: FORMAT_VERSION,
        embedded_model: options.embedded_model.is_some(),
        mixing: options.mixing,
        chunk_len: options.chunk_len,
        fingerprint,
    };
    header.write(output)?;
    if let Some(model) = options.embedded_model {
        output.write_all(&(model.len() as u64).to_le_bytes())?;
        output.write_all(model)?;
    }
    Ok(())
}

/// Writes a chunk's record: its range-coded stream, or the chunk itself where the stream
/// would not be smaller, so that no chunk costs more than its bytes plus the framing.
fn write_record(
    output: &mut impl Write,
    chunk: &[u8],
    short: bool,
    coded: &EncodedChunk,
    store_incompressible: bool,
) -> Result<RecordHeader, ContainerError> {
    let (kind, payload) = if coded.stream.len() < chunk.len() || !store_incompressible {
        (ChunkKind::Coded, coded.stream.as_slice())
    } else {
        (ChunkKind::Stored, chunk)
    };
    // Both payloads are at most `max_stream_len(MAX_CHUNK_LEN)` < 2^26 bytes.
    let record = RecordHeader {
        len: chunk.len() as u32,
        short,
        kind,
        crc: coded.crc,
        stream_len: payload.len() as u32,
    };
    record.write(output)?;
    output.write_all(payload)?;
    Ok(record)
}

fn write_index_and_footer(
    output: &mut CountingWriter<impl Write>,
    stream_lens: &[u32],
    original_len: u64,
) -> Result<(), ContainerError> {
    output.write_all(&[TAG_END])?;
    let index_offset = output.written;
    let index: Vec<u8> = stream_lens.iter().flat_map(|l| l.to_le_bytes()).collect();
    output.write_all(&index)?;
    Footer {
        original_len,
        chunk_count: stream_lens.len() as u32,
        index_crc: crc32fast::hash(&index),
        index_offset,
    }
    .write(output)?;
    Ok(())
}

/// Fills `buffer` unless the input ends first; returns the bytes read.
fn read_full(input: &mut impl Read, buffer: &mut [u8]) -> Result<usize, ContainerError> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

/// A writer that counts the bytes through it.
struct CountingWriter<W> {
    inner: W,
    written: u64,
}

impl<W: Write> CountingWriter<W> {
    fn new(inner: W) -> Self {
        Self { inner, written: 0 }
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(bytes)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
