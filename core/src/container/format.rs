//! Sizes, constants and the paired `read`/`write` of every fixed-layout part of a file.
//! All integers are little-endian; checksums are CRC-32 (IEEE 802.3, as in zlib and gzip).

use std::io::{self, Read, Write};

use super::ContainerError;
use crate::predictor::ModelFingerprint;

/// The first 8 bytes of every `.boa` file: `89 'B' 'O' 'A' '\r' '\n' 1A '\n'`.
pub const MAGIC: [u8; 8] = *b"\x89BOA\r\n\x1a\n";
/// The last 4 bytes of every `.boa` file.
pub const FOOTER_MAGIC: [u8; 4] = *b"BOAE";
/// The format version this build writes. Version 2 added stored chunks (tags `S`, `T`).
pub const FORMAT_VERSION: u16 = 2;
/// The oldest format version this build reads: every version from it to
/// [`FORMAT_VERSION`] decodes.
pub const OLDEST_READABLE_VERSION: u16 = 1;
/// Header size in bytes.
pub const HEADER_LEN: u64 = 52;
/// Footer size in bytes.
pub const FOOTER_LEN: u64 = 32;
/// Header flag: a model file follows the header.
pub const FLAG_EMBEDDED_MODEL: u16 = 1;
/// Header flag: the chunks were coded with the neural tables mixed with context models
/// ([`crate::mixing`], `docs/engine.md`, "Context mixing"). A reader that does not know
/// the flag refuses the file ([`ContainerError::UnknownFlags`]) rather than decode it wrongly.
pub const FLAG_MIXING: u16 = 2;
/// Every header flag this build knows.
const KNOWN_FLAGS: u16 = FLAG_EMBEDDED_MODEL | FLAG_MIXING;
/// Largest chunk length, 16 MiB: bounds the memory one chunk needs.
pub const MAX_CHUNK_LEN: u32 = 1 << 24;
/// Chunk length used when none is chosen, by the library and every command: 256 KiB.
/// Each chunk costs ≈ 13 bytes of framing and index, ≈ 1 byte of coder termination and a
/// model that starts from its zero state; measured with the bundled model on 4 MiB of
/// held-out amplitudes (README, "Chunk length"), 256 KiB codes smaller than 64 KiB while
/// leaving 4 chunks per MiB to decode in parallel.
pub const DEFAULT_CHUNK_LEN: u32 = 256 << 10;

/// Most chunks stepped together through one predictor call when decoding (a "wave" of
/// lanes): the integer engine batches its matrix products over the lanes, and 16 lanes
/// fill its 4×2-blocked kernels while a 2-core machine still gets one group per core on
/// a file of 32 chunks. See [`auto_lanes`].
pub const MAX_LANES: usize = 16;

/// Lanes for decoding `chunks` chunks on `threads` threads: the chunks spread evenly over
/// the threads, `1..=MAX_LANES` per step. The lanes never change the decoded bytes.
#[must_use]
pub fn auto_lanes(chunks: u64, threads: usize) -> usize {
    chunks
        .div_ceil(threads.max(1) as u64)
        .clamp(1, MAX_LANES as u64) as usize
}
/// Largest embedded model, 1 GiB.
pub const MAX_MODEL_LEN: u64 = 1 << 30;

/// Record tag: a range-coded chunk of exactly `chunk_len` bytes.
pub const TAG_FULL_CHUNK: u8 = b'C';
/// Record tag: the range-coded final chunk, shorter than `chunk_len`; its length follows.
pub const TAG_LAST_CHUNK: u8 = b'L';
/// Record tag (version ≥ 2): a chunk of exactly `chunk_len` bytes stored as they are,
/// because coding would not have made it smaller.
pub const TAG_STORED_FULL_CHUNK: u8 = b'S';
/// Record tag (version ≥ 2): the final chunk, shorter than `chunk_len`, stored as it is;
/// its length follows.
pub const TAG_STORED_LAST_CHUNK: u8 = b'T';
/// Record tag: no more chunks; the index follows.
pub const TAG_END: u8 = b'E';

/// Upper bound on the stream of a chunk of `len` bytes.
///
/// Each symbol has frequency ≥ 1 of 2^16 and an interval of at least
/// `floor(range / 2^16)` with `range ≥ 2^24`, so it costs at most
/// `16 − log2(1 − 2^-8) < 16.006` bits; termination adds at most 4 bytes.
#[must_use]
pub const fn max_stream_len(len: u32) -> u64 {
    2 * len as u64 + len as u64 / 512 + 8
}

/// The largest `.boa` file that `original_len` bytes can become, in chunks of `chunk_len`
/// bytes, with an embedded model of `model_len` bytes if any: the input itself plus the
/// framing (header, model, 9 bytes per record, 4 more for a short last one, the end tag,
/// 4 index bytes per chunk, footer), since a chunk is stored as it is when coding would
/// not make it smaller.
#[must_use]
pub fn max_file_len(original_len: u64, chunk_len: u32, model_len: Option<u64>) -> u64 {
    let chunks = original_len.div_ceil(u64::from(chunk_len.max(1)));
    let short = u64::from(!original_len.is_multiple_of(u64::from(chunk_len.max(1))));
    HEADER_LEN
        + model_len.map_or(0, |len| 8 + len)
        + original_len
        + chunks * (RecordHeader::encoded_len(false) + 4)
        + short * 4
        + 1
        + FOOTER_LEN
}

/// The fixed-size header at the start of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Format version ([`FORMAT_VERSION`]).
    pub version: u16,
    /// Whether a model file follows the header.
    pub embedded_model: bool,
    /// Whether the chunks were coded with context mixing ([`FLAG_MIXING`]).
    pub mixing: bool,
    /// Bytes per chunk (the last chunk may be shorter), `1..=MAX_CHUNK_LEN`.
    pub chunk_len: u32,
    /// The model the chunks were coded with.
    pub fingerprint: ModelFingerprint,
}

impl Header {
    /// Writes the 52 header bytes.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let bytes = self.to_bytes();
        out.write_all(&bytes)
    }

    fn to_bytes(&self) -> [u8; HEADER_LEN as usize] {
        let mut bytes = [0u8; HEADER_LEN as usize];
        bytes[0..8].copy_from_slice(&MAGIC);
        bytes[8..10].copy_from_slice(&self.version.to_le_bytes());
        let flags = if self.embedded_model {
            FLAG_EMBEDDED_MODEL
        } else {
            0
        } | if self.mixing { FLAG_MIXING } else { 0 };
        bytes[10..12].copy_from_slice(&flags.to_le_bytes());
        bytes[12..16].copy_from_slice(&self.chunk_len.to_le_bytes());
        bytes[16..48].copy_from_slice(&self.fingerprint.0);
        let crc = crc32fast::hash(&bytes[0..48]);
        bytes[48..52].copy_from_slice(&crc.to_le_bytes());
        bytes
    }

    /// Reads and validates a header.
    ///
    /// # Errors
    /// [`ContainerError::NotBoa`], [`ContainerError::UnsupportedVersion`],
    /// [`ContainerError::UnknownFlags`], a header [`ContainerError::Checksum`], or a chunk
    /// length out of range, checked in that order.
    pub fn read(input: &mut impl Read) -> Result<Self, ContainerError> {
        let mut bytes = Vec::with_capacity(HEADER_LEN as usize);
        input.take(HEADER_LEN).read_to_end(&mut bytes)?;
        if bytes.len() < MAGIC.len() || bytes[0..8] != MAGIC {
            bytes.truncate(MAGIC.len());
            return Err(ContainerError::NotBoa { found: bytes });
        }
        if bytes.len() < HEADER_LEN as usize {
            return Err(ContainerError::Truncated { what: "header" });
        }
        let version = u16_at(&bytes, 8);
        if !(OLDEST_READABLE_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(ContainerError::UnsupportedVersion {
                got: version,
                oldest: OLDEST_READABLE_VERSION,
                newest: FORMAT_VERSION,
            });
        }
        let flags = u16_at(&bytes, 10);
        if flags & !KNOWN_FLAGS != 0 {
            return Err(ContainerError::UnknownFlags { flags });
        }
        check_crc("header", &bytes[0..48], u32_at(&bytes, 48))?;
        let chunk_len = u32_at(&bytes, 12);
        validate_chunk_len(chunk_len)?;
        let mut fingerprint = [0u8; 32];
        fingerprint.copy_from_slice(&bytes[16..48]);
        Ok(Self {
            version,
            embedded_model: flags & FLAG_EMBEDDED_MODEL != 0,
            mixing: flags & FLAG_MIXING != 0,
            chunk_len,
            fingerprint: ModelFingerprint(fingerprint),
        })
    }
}

/// Checks `1 ≤ chunk_len ≤ MAX_CHUNK_LEN`.
pub(crate) fn validate_chunk_len(chunk_len: u32) -> Result<(), ContainerError> {
    if chunk_len == 0 || chunk_len > MAX_CHUNK_LEN {
        Err(ContainerError::ChunkLenOutOfRange {
            got: chunk_len,
            max: MAX_CHUNK_LEN,
        })
    } else {
        Ok(())
    }
}

/// The fixed-size footer at the end of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footer {
    /// Length of the original data in bytes.
    pub original_len: u64,
    /// Number of chunks, `ceil(original_len / chunk_len)`.
    pub chunk_count: u32,
    /// CRC-32 of the index bytes.
    pub index_crc: u32,
    /// Offset of the index from the start of the file.
    pub index_offset: u64,
}

impl Footer {
    /// Writes the 32 footer bytes.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let mut bytes = [0u8; FOOTER_LEN as usize];
        bytes[0..8].copy_from_slice(&self.original_len.to_le_bytes());
        bytes[8..12].copy_from_slice(&self.chunk_count.to_le_bytes());
        bytes[12..16].copy_from_slice(&self.index_crc.to_le_bytes());
        bytes[16..24].copy_from_slice(&self.index_offset.to_le_bytes());
        let crc = crc32fast::hash(&bytes[0..24]);
        bytes[24..28].copy_from_slice(&crc.to_le_bytes());
        bytes[28..32].copy_from_slice(&FOOTER_MAGIC);
        out.write_all(&bytes)
    }

    /// Reads a footer and checks its magic and CRC; `chunk_len` checks the chunk count.
    ///
    /// # Errors
    /// [`ContainerError::Truncated`], a corrupt magic or count, or a footer
    /// [`ContainerError::Checksum`].
    pub fn read(input: &mut impl Read, chunk_len: u32) -> Result<Self, ContainerError> {
        let bytes: [u8; FOOTER_LEN as usize] = read_array(input, "footer")?;
        if bytes[28..32] != FOOTER_MAGIC {
            let mut found = [0u8; 4];
            found.copy_from_slice(&bytes[28..32]);
            return Err(ContainerError::FooterMagic { found });
        }
        check_crc("footer", &bytes[0..24], u32_at(&bytes, 24))?;
        let footer = Self {
            original_len: u64_at(&bytes, 0),
            chunk_count: u32_at(&bytes, 8),
            index_crc: u32_at(&bytes, 12),
            index_offset: u64_at(&bytes, 16),
        };
        let expected = footer.original_len.div_ceil(u64::from(chunk_len));
        if u64::from(footer.chunk_count) != expected {
            return Err(ContainerError::ChunkCount {
                got: footer.chunk_count,
                expected,
                original_len: footer.original_len,
                chunk_len,
            });
        }
        Ok(footer)
    }
}

/// How a chunk's bytes are held in its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    /// Range-coded with the model's tables (tags `C`, `L`).
    Coded,
    /// The original bytes as they are (tags `S`, `T`; version ≥ 2): written when coding
    /// would not have made the chunk smaller, so no chunk grows beyond its framing.
    Stored,
}

/// The framing in front of a chunk's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordHeader {
    /// Original bytes in the chunk.
    pub len: u32,
    /// Whether this is a final chunk shorter than `chunk_len` (tags `L`, `T`).
    pub short: bool,
    /// Range-coded or stored.
    pub kind: ChunkKind,
    /// CRC-32 of the original bytes.
    pub crc: u32,
    /// Bytes of payload that follow: the range-coded stream, or `len` stored bytes.
    pub stream_len: u32,
}

impl RecordHeader {
    /// Bytes of framing before the payload: tag, [length], CRC, payload length.
    pub fn encoded_len(short: bool) -> u64 {
        if short { 13 } else { 9 }
    }

    fn tag(&self) -> u8 {
        match (self.kind, self.short) {
            (ChunkKind::Coded, false) => TAG_FULL_CHUNK,
            (ChunkKind::Coded, true) => TAG_LAST_CHUNK,
            (ChunkKind::Stored, false) => TAG_STORED_FULL_CHUNK,
            (ChunkKind::Stored, true) => TAG_STORED_LAST_CHUNK,
        }
    }

    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&[self.tag()])?;
        if self.short {
            out.write_all(&self.len.to_le_bytes())?;
        }
        out.write_all(&self.crc.to_le_bytes())?;
        out.write_all(&self.stream_len.to_le_bytes())
    }

    /// Reads the rest of a record header whose tag was already read, in a file of format
    /// `version`.
    pub fn read_after_tag(
        input: &mut impl Read,
        tag: u8,
        chunk: u64,
        header: &Header,
    ) -> Result<Self, ContainerError> {
        let chunk_len = header.chunk_len;
        let (kind, short) = match tag {
            TAG_FULL_CHUNK => (ChunkKind::Coded, false),
            TAG_LAST_CHUNK => (ChunkKind::Coded, true),
            TAG_STORED_FULL_CHUNK if header.version >= 2 => (ChunkKind::Stored, false),
            TAG_STORED_LAST_CHUNK if header.version >= 2 => (ChunkKind::Stored, true),
            other => {
                return Err(ContainerError::RecordTag {
                    chunk,
                    tag: other,
                    version: header.version,
                });
            }
        };
        let len = if short {
            let len = u32::from_le_bytes(read_array(input, "chunk record")?);
            if len == 0 || len >= chunk_len {
                return Err(ContainerError::FinalChunkLen {
                    chunk,
                    got: len,
                    chunk_len,
                });
            }
            len
        } else {
            chunk_len
        };
        let crc = u32::from_le_bytes(read_array(input, "chunk record")?);
        let stream_len = u32::from_le_bytes(read_array(input, "chunk record")?);
        check_payload_len(chunk, kind, len, stream_len)?;
        Ok(Self {
            len,
            short,
            kind,
            crc,
            stream_len,
        })
    }
}

/// A stored chunk's payload is its `len` bytes; a coded one's at most
/// [`max_stream_len`]`(len)` (`kind` unknown, as in the index: the larger bound).
pub(crate) fn check_payload_len(
    chunk: u64,
    kind: ChunkKind,
    len: u32,
    stream_len: u32,
) -> Result<(), ContainerError> {
    match kind {
        ChunkKind::Stored if stream_len != len => Err(ContainerError::StoredLen {
            chunk,
            got: stream_len,
            expected: len,
        }),
        _ if u64::from(stream_len) > max_stream_len(len) => Err(ContainerError::StreamTooLong {
            chunk,
            got: stream_len,
            max: max_stream_len(len),
        }),
        _ => Ok(()),
    }
}

/// Reads exactly `N` bytes; an early end is [`ContainerError::Truncated`] naming `what`.
pub(crate) fn read_array<const N: usize>(
    input: &mut impl Read,
    what: &'static str,
) -> Result<[u8; N], ContainerError> {
    let mut bytes = [0u8; N];
    read_exact_or_truncated(input, &mut bytes, what)?;
    Ok(bytes)
}

/// [`Read::read_exact`], with an early end reported as [`ContainerError::Truncated`].
pub(crate) fn read_exact_or_truncated(
    input: &mut impl Read,
    buffer: &mut [u8],
    what: &'static str,
) -> Result<(), ContainerError> {
    input.read_exact(buffer).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => ContainerError::Truncated { what },
        _ => ContainerError::Io(e),
    })
}

/// Reads exactly `len` bytes into a new vector that grows only as bytes arrive, so a
/// hostile length on a truncated input cannot make a large allocation.
pub(crate) fn read_vec(
    input: &mut impl Read,
    len: u64,
    what: &'static str,
) -> Result<Vec<u8>, ContainerError> {
    let mut bytes = Vec::with_capacity(len.min(1 << 20) as usize);
    input.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(ContainerError::Truncated { what });
    }
    Ok(bytes)
}

fn check_crc(what: &'static str, bytes: &[u8], stored: u32) -> Result<(), ContainerError> {
    let computed = crc32fast::hash(bytes);
    if computed == stored {
        Ok(())
    } else {
        Err(ContainerError::Checksum {
            what,
            stored,
            computed,
        })
    }
}

pub(crate) fn check_index_crc(index: &[u8], stored: u32) -> Result<(), ContainerError> {
    check_crc("index", index, stored)
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}
