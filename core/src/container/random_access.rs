//! Reading `.boa` files with random access: footer and index first, then only the
//! chunks a byte range needs.

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;

use super::ContainerError;
use super::chunk::{ChunkJob, decode_chunks};
use super::decompress::{DecompressOptions, check_model, read_embedded_model};
use super::format::{
    ChunkKind, FOOTER_LEN, Footer, HEADER_LEN, Header, RecordHeader, TAG_END, check_index_crc,
    check_payload_len, read_array, read_exact_or_truncated, read_vec,
};
use crate::predictor::Predictor;

/// Where a chunk lies, in the original data and in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLocation {
    /// Offset of the chunk's record (its tag byte) in the file.
    pub record_offset: u64,
    /// Offset of the chunk's first byte in the original data.
    pub original_offset: u64,
    /// Original bytes in the chunk.
    pub len: u32,
    /// Bytes of range-coded stream.
    pub stream_len: u32,
}

/// A chunk's record as read from the file, not yet decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRecord {
    /// Range-coded or stored.
    pub kind: ChunkKind,
    /// CRC-32 of the chunk's original bytes.
    pub crc: u32,
    /// The range-coded stream, or the stored bytes.
    pub payload: Vec<u8>,
}

/// An open `.boa` file: header, footer and index read and cross-checked.
#[derive(Debug)]
pub struct BoaFile<R> {
    reader: R,
    file_len: u64,
    /// Offset of the first chunk record (just past the header and any embedded model).
    data_start: u64,
    header: Header,
    footer: Footer,
    chunks: Vec<ChunkLocation>,
}

impl<R: Read + Seek> BoaFile<R> {
    /// Opens a `.boa` file: reads and validates header, footer and index.
    ///
    /// Every offset is checked against the file's length before it is followed, and
    /// the index is allocated only once its size is known to fit in the file.
    ///
    /// # Errors
    /// Any [`ContainerError`] describing what is wrong with the file.
    pub fn open(mut reader: R) -> Result<Self, ContainerError> {
        let file_len = reader.seek(SeekFrom::End(0))?;
        reader.seek(SeekFrom::Start(0))?;
        let header = Header::read(&mut reader)?;
        if file_len < HEADER_LEN + 1 + FOOTER_LEN {
            return Err(ContainerError::Truncated { what: "file" });
        }
        let data_start = if header.embedded_model {
            let room = file_len - HEADER_LEN - 1 - FOOTER_LEN;
            let len = u64::from_le_bytes(read_array(&mut reader, "embedded model length")?);
            let max = room.saturating_sub(8);
            if len > max {
                return Err(ContainerError::EmbeddedModelLen { got: len, max });
            }
            HEADER_LEN + 8 + len
        } else {
            HEADER_LEN
        };
        reader.seek(SeekFrom::Start(file_len - FOOTER_LEN))?;
        let footer = Footer::read(&mut reader, header.chunk_len)?;
        let index = read_index(&mut reader, &footer, data_start, file_len)?;
        let chunks = locate_chunks(&header, &footer, &index, data_start)?;
        let mut file = Self {
            reader,
            file_len,
            data_start,
            header,
            footer,
            chunks,
        };
        file.check_end_tag()?;
        Ok(file)
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The footer.
    pub fn footer(&self) -> &Footer {
        &self.footer
    }

    /// Length of the `.boa` file in bytes.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// Length of the embedded model in bytes, if the file has one.
    pub fn embedded_model_len(&self) -> Option<u64> {
        self.header
            .embedded_model
            .then(|| self.data_start - HEADER_LEN - 8)
    }

    /// Length of the original data in bytes.
    pub fn original_len(&self) -> u64 {
        self.footer.original_len
    }

    /// Where each chunk lies.
    pub fn chunks(&self) -> &[ChunkLocation] {
        &self.chunks
    }

    /// Reads the embedded model, if the file has one, and checks its hash.
    ///
    /// # Errors
    /// I/O errors, or a model whose hash is not the header's fingerprint.
    pub fn embedded_model(&mut self) -> Result<Option<Vec<u8>>, ContainerError> {
        if !self.header.embedded_model {
            return Ok(None);
        }
        self.reader.seek(SeekFrom::Start(HEADER_LEN))?;
        let limit = self.file_len - HEADER_LEN;
        read_embedded_model(&mut self.reader, &self.header, Some(limit)).map(Some)
    }

    /// Where the embedded model lies in the file (byte offsets, within the file's length as
    /// [`BoaFile::open`] checked), if the file has one. Its hash is *not* checked: a caller
    /// that loads it fingerprints it anyway and compares with [`Header::fingerprint`], so
    /// that the model is hashed once; [`BoaFile::embedded_model`] reads and checks it.
    pub fn embedded_model_range(&self) -> Option<Range<u64>> {
        self.header
            .embedded_model
            .then_some(HEADER_LEN + 8..self.data_start)
    }

    /// The reader the file is read through.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// Reads chunk `chunk`'s record: its kind, the CRC-32 of its original bytes and its
    /// payload (range-coded stream or stored bytes), checked against the index.
    ///
    /// # Errors
    /// An index out of range, I/O errors, or a record that disagrees with the index.
    pub fn read_record(&mut self, chunk: usize) -> Result<ChunkRecord, ContainerError> {
        let header = self.record_header(chunk)?;
        let payload = read_vec(&mut self.reader, header.stream_len.into(), "chunk stream")?;
        Ok(ChunkRecord {
            kind: header.kind,
            crc: header.crc,
            payload,
        })
    }

    /// Reads the CRC-32 of chunk `chunk`'s original bytes from its record, checking the
    /// record's framing against the index.
    ///
    /// # Errors
    /// An index out of range, I/O errors, or a record that disagrees with the index.
    pub fn chunk_crc(&mut self, chunk: usize) -> Result<u32, ContainerError> {
        self.record_header(chunk).map(|header| header.crc)
    }

    /// How chunk `chunk` is held: range-coded or stored (read from its record's tag).
    ///
    /// # Errors
    /// As [`BoaFile::chunk_crc`].
    pub fn chunk_kind(&mut self, chunk: usize) -> Result<ChunkKind, ContainerError> {
        self.record_header(chunk).map(|header| header.kind)
    }

    /// Reads chunk `chunk`'s record header, checked against the index; leaves the reader
    /// at the chunk's payload.
    fn record_header(&mut self, chunk: usize) -> Result<RecordHeader, ContainerError> {
        let location = *self.chunks.get(chunk).ok_or_else(|| {
            ContainerError::InvalidArgument(format!(
                "chunk {chunk} does not exist (the file has {})",
                self.chunks.len()
            ))
        })?;
        self.reader.seek(SeekFrom::Start(location.record_offset))?;
        let [tag] = read_array(&mut self.reader, "chunk record")?;
        let record =
            RecordHeader::read_after_tag(&mut self.reader, tag, chunk as u64, &self.header)?;
        for (what, index, in_record) in [
            ("length", location.len, record.len),
            ("stream length", location.stream_len, record.stream_len),
        ] {
            if index != in_record {
                return Err(ContainerError::IndexMismatch {
                    chunk: chunk as u64,
                    what,
                    index: index.into(),
                    record: in_record.into(),
                });
            }
        }
        Ok(record)
    }

    /// Decodes the bytes `range` of the original data, decoding only the chunks that
    /// cover it (each one checked against its CRC-32).
    ///
    /// # Errors
    /// A range past the end, a model mismatch, corruption, I/O or predictor errors.
    pub fn decode_range<P: Predictor>(
        &mut self,
        predictor: &P,
        range: Range<u64>,
        options: &DecompressOptions,
    ) -> Result<Vec<u8>, ContainerError> {
        if range.start > range.end || range.end > self.original_len() {
            return Err(ContainerError::InvalidArgument(format!(
                "range {range:?} is not within the {} bytes of the original data",
                self.original_len()
            )));
        }
        if range.is_empty() {
            return Ok(Vec::new());
        }
        check_model(&self.header, predictor)?;
        let chunk_len = u64::from(self.header.chunk_len);
        let first = (range.start / chunk_len) as usize;
        let last = ((range.end - 1) / chunk_len) as usize;
        let records = (first..=last)
            .map(|i| self.read_record(i))
            .collect::<Result<Vec<_>, _>>()?;
        let jobs: Vec<ChunkJob<'_>> = records
            .iter()
            .zip(first..)
            .map(|(record, i)| ChunkJob {
                index: i as u64,
                len: self.chunks[i].len as usize,
                crc: record.crc,
                kind: record.kind,
                stream: &record.payload,
            })
            .collect();
        let decoded: Vec<u8> =
            decode_chunks(predictor, &jobs, options.lanes(), self.header.mixing)?.concat();
        let skip = (range.start - first as u64 * chunk_len) as usize;
        Ok(decoded[skip..skip + (range.end - range.start) as usize].to_vec())
    }

    fn check_end_tag(&mut self) -> Result<(), ContainerError> {
        self.reader
            .seek(SeekFrom::Start(self.footer.index_offset - 1))?;
        let [tag] = read_array(&mut self.reader, "end tag")?;
        if tag == TAG_END {
            Ok(())
        } else {
            Err(ContainerError::EndTag { found: tag })
        }
    }
}

/// Reads the index after checking that it lies between the data and the footer.
fn read_index(
    reader: &mut (impl Read + Seek),
    footer: &Footer,
    data_start: u64,
    file_len: u64,
) -> Result<Vec<u32>, ContainerError> {
    let index_len = u64::from(footer.chunk_count) * 4;
    let expected_offset = (file_len - FOOTER_LEN).checked_sub(index_len);
    if expected_offset != Some(footer.index_offset) || footer.index_offset < data_start + 1 {
        return Err(ContainerError::IndexPlacement {
            chunk_count: footer.chunk_count,
            index_offset: footer.index_offset,
            data_start,
            footer_offset: file_len - FOOTER_LEN,
        });
    }
    reader.seek(SeekFrom::Start(footer.index_offset))?;
    let mut bytes = vec![0u8; index_len as usize];
    read_exact_or_truncated(reader, &mut bytes, "index")?;
    check_index_crc(&bytes, footer.index_crc)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// Turns the index's stream lengths into chunk locations and checks that the records
/// exactly fill the space between the data start and the end tag.
fn locate_chunks(
    header: &Header,
    footer: &Footer,
    stream_lens: &[u32],
    data_start: u64,
) -> Result<Vec<ChunkLocation>, ContainerError> {
    let chunk_len = u64::from(header.chunk_len);
    let mut chunks = Vec::with_capacity(stream_lens.len());
    let mut record_offset = data_start;
    let mut original_offset = 0u64;
    for (i, &stream_len) in stream_lens.iter().enumerate() {
        let len = (footer.original_len - original_offset).min(chunk_len) as u32;
        let short = u64::from(len) < chunk_len;
        // The index does not say which records are stored: the coded bound holds for both.
        check_payload_len(i as u64, ChunkKind::Coded, len, stream_len)?;
        chunks.push(ChunkLocation {
            record_offset,
            original_offset,
            len,
            stream_len,
        });
        record_offset += RecordHeader::encoded_len(short) + u64::from(stream_len);
        original_offset += u64::from(len);
    }
    if record_offset + 1 != footer.index_offset {
        return Err(ContainerError::RecordsEnd {
            records_end: record_offset,
            index_offset: footer.index_offset,
        });
    }
    Ok(chunks)
}
