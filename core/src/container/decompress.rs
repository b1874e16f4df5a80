//! Reading `.boa` files front to back (from a pipe, if need be).

use std::io::{Read, Write};

use super::ContainerError;
use super::chunk::threads;
use super::chunk::{ChunkJob, decode_chunks};
use super::format::MAX_LANES;
use super::format::{
    FOOTER_LEN, Footer, HEADER_LEN, Header, MAX_MODEL_LEN, RecordHeader, TAG_END, check_index_crc,
    read_array, read_vec,
};
use crate::predictor::{ModelFingerprint, Predictor};

/// How to decompress. No option changes the bytes decoded.
#[derive(Debug, Clone, Default)]
pub struct DecompressOptions {
    /// Chunks stepped together through one predictor call (the "wave"); 0 picks
    /// [`MAX_LANES`] (callers that know the chunk count use [`super::auto_lanes`]).
    pub lanes: usize,
    /// Chunks held in memory and decoded in parallel per batch; 0 picks 1 wave per thread.
    pub batch_chunks: usize,
}

impl DecompressOptions {
    pub(crate) fn lanes(&self) -> usize {
        if self.lanes == 0 {
            MAX_LANES
        } else {
            self.lanes
        }
    }

    fn batch_chunks(&self) -> usize {
        if self.batch_chunks == 0 {
            threads() * self.lanes()
        } else {
            self.batch_chunks
        }
    }
}

/// What a decompression did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecompressSummary {
    /// Bytes written.
    pub original_len: u64,
    /// Bytes of `.boa` read.
    pub compressed_len: u64,
    /// Chunks decoded (stored ones included).
    pub chunk_count: u32,
}

/// A `.boa` stream whose header (and embedded model, if any) has been read.
///
/// Read the header first, to pick the model ([`StreamDecoder::header`],
/// [`StreamDecoder::embedded_model`]), then decode with [`StreamDecoder::decode_into`].
#[derive(Debug)]
pub struct StreamDecoder<R> {
    input: CountingReader<R>,
    header: Header,
    embedded_model: Option<Vec<u8>>,
}

impl<R: Read> StreamDecoder<R> {
    /// Reads the header and any embedded model.
    ///
    /// # Errors
    /// A bad header, a truncated or mismatching embedded model, I/O errors.
    pub fn new(input: R) -> Result<Self, ContainerError> {
        let mut input = CountingReader {
            inner: input,
            read: 0,
        };
        let header = Header::read(&mut input)?;
        let embedded_model = if header.embedded_model {
            Some(read_embedded_model(&mut input, &header, None)?)
        } else {
            None
        };
        Ok(Self {
            input,
            header,
            embedded_model,
        })
    }

    /// The file's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The model file stored in the `.boa` file, if any.
    pub fn embedded_model(&self) -> Option<&[u8]> {
        self.embedded_model.as_deref()
    }

    /// Decodes every chunk into `output`, checking each chunk's CRC-32 before writing it,
    /// then checks the index and footer and that nothing follows them.
    ///
    /// `progress` is called with the number of bytes written after each batch.
    ///
    /// # Errors
    /// [`ContainerError::ModelMismatch`] when `predictor` is not the file's model; any
    /// corruption, truncation or I/O error. Chunks before the bad one have been written.
    pub fn decode_into<P: Predictor>(
        mut self,
        predictor: &P,
        mut output: impl Write,
        options: &DecompressOptions,
        progress: &mut dyn FnMut(u64),
    ) -> Result<DecompressSummary, ContainerError> {
        check_model(&self.header, predictor)?;
        let batch = options.batch_chunks().max(1);
        let mut stream_lens: Vec<u32> = Vec::new();
        let mut original_len = 0u64;
        let mut ended_short = false;
        loop {
            let (records, reached_end) =
                self.read_records(batch, &mut stream_lens, &mut ended_short)?;
            let jobs: Vec<ChunkJob<'_>> = records
                .iter()
                .map(|record| ChunkJob {
                    index: record.index,
                    len: record.header.len as usize,
                    crc: record.header.crc,
                    kind: record.header.kind,
                    stream: &record.stream,
                })
                .collect();
            for chunk in decode_chunks(predictor, &jobs, options.lanes(), self.header.mixing)? {
                output.write_all(&chunk)?;
                original_len += chunk.len() as u64;
            }
            progress(original_len);
            if reached_end {
                break;
            }
        }
        output.flush()?;
        self.read_index_and_footer(&stream_lens, original_len)?;
        Ok(DecompressSummary {
            original_len,
            compressed_len: self.input.read,
            chunk_count: stream_lens.len() as u32,
        })
    }

    /// Reads up to `batch` records; returns them and whether the end tag was reached.
    fn read_records(
        &mut self,
        batch: usize,
        stream_lens: &mut Vec<u32>,
        ended_short: &mut bool,
    ) -> Result<(Vec<Record>, bool), ContainerError> {
        let mut records = Vec::new();
        while records.len() < batch {
            let index = stream_lens.len() as u64;
            let [tag] = read_array(&mut self.input, "chunk records")?;
            if tag == TAG_END {
                return Ok((records, true));
            }
            if *ended_short {
                return Err(ContainerError::RecordAfterFinalChunk { chunk: index });
            }
            if index >= u64::from(u32::MAX) {
                return Err(ContainerError::TooManyChunks);
            }
            let record = RecordHeader::read_after_tag(&mut self.input, tag, index, &self.header)?;
            let stream = read_vec(&mut self.input, record.stream_len.into(), "chunk stream")?;
            *ended_short = record.short;
            stream_lens.push(record.stream_len);
            records.push(Record {
                index,
                header: record,
                stream,
            });
        }
        Ok((records, false))
    }

    fn read_index_and_footer(
        &mut self,
        stream_lens: &[u32],
        original_len: u64,
    ) -> Result<(), ContainerError> {
        let index_offset = self.input.read;
        let mut index = Vec::with_capacity(stream_lens.len() * 4);
        for (chunk, &seen) in stream_lens.iter().enumerate() {
            let entry: [u8; 4] = read_array(&mut self.input, "index")?;
            index.extend_from_slice(&entry);
            let stored = u32::from_le_bytes(entry);
            if stored != seen {
                return Err(ContainerError::IndexMismatch {
                    chunk: chunk as u64,
                    what: "stream length",
                    index: stored.into(),
                    record: seen.into(),
                });
            }
        }
        let footer = Footer::read(&mut self.input, self.header.chunk_len)?;
        check_index_crc(&index, footer.index_crc)?;
        for (what, in_footer, from_records) in [
            ("original length", footer.original_len, original_len),
            (
                "chunk count",
                footer.chunk_count.into(),
                stream_lens.len() as u64,
            ),
            ("index offset", footer.index_offset, index_offset),
        ] {
            if in_footer != from_records {
                return Err(ContainerError::FooterMismatch {
                    what,
                    footer: in_footer,
                    records: from_records,
                });
            }
        }
        let mut probe = [0u8; 1];
        if self.input.read(&mut probe)? != 0 {
            return Err(ContainerError::TrailingData);
        }
        debug_assert!(self.input.read >= HEADER_LEN + FOOTER_LEN);
        Ok(())
    }
}

/// Decompresses a whole `.boa` buffer.
///
/// # Errors
/// As [`StreamDecoder::new`] and [`StreamDecoder::decode_into`].
pub fn decompress_to_vec<P: Predictor>(
    predictor: &P,
    boa: &[u8],
    options: &DecompressOptions,
) -> Result<Vec<u8>, ContainerError> {
    let mut out = Vec::new();
    StreamDecoder::new(boa)?.decode_into(predictor, &mut out, options, &mut |_| {})?;
    Ok(out)
}

/// Checks that `predictor` is the model `header` names.
pub(crate) fn check_model<P: Predictor>(
    header: &Header,
    predictor: &P,
) -> Result<(), ContainerError> {
    let model = predictor.fingerprint();
    if model == header.fingerprint {
        Ok(())
    } else {
        Err(ContainerError::ModelMismatch {
            file: header.fingerprint,
            model,
        })
    }
}

/// Reads the embedded model's length and bytes (the reader is just past the header) and
/// checks its hash. `limit` bounds the length further when the file size is known.
pub(crate) fn read_embedded_model(
    input: &mut impl Read,
    header: &Header,
    limit: Option<u64>,
) -> Result<Vec<u8>, ContainerError> {
    let len = u64::from_le_bytes(read_array(input, "embedded model length")?);
    let max = limit.map_or(MAX_MODEL_LEN, |l| l.min(MAX_MODEL_LEN));
    if len > max {
        return Err(ContainerError::EmbeddedModelLen { got: len, max });
    }
    let model = read_vec(input, len, "embedded model")?;
    let embedded = ModelFingerprint::of_bytes(&model);
    if embedded != header.fingerprint {
        return Err(ContainerError::EmbeddedModelHash {
            got: embedded,
            expected: header.fingerprint,
        });
    }
    Ok(model)
}

/// A chunk record read from the input, not yet decoded.
struct Record {
    index: u64,
    header: RecordHeader,
    stream: Vec<u8>,
}

/// A reader that counts the bytes through it.
#[derive(Debug)]
struct CountingReader<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buffer)?;
        self.read += n as u64;
        Ok(n)
    }
}
