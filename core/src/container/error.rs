//! [`ContainerError`]: everything that can go wrong reading or writing a `.boa` file.

use crate::coder::CoderError;
use crate::predictor::{ModelFingerprint, PredictError};

/// Errors of the container layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContainerError {
    /// Reading or writing failed.
    #[error("I/O error")]
    Io(#[from] std::io::Error),
    /// The file does not start with the `.boa` magic bytes.
    #[error("not a .boa file (starts with {found:02x?})")]
    NotBoa {
        /// The first bytes found.
        found: Vec<u8>,
    },
    /// The file's format version is not one this build reads.
    #[error(
        ".boa format version {got} is not supported (this build reads versions {oldest} to {newest})"
    )]
    UnsupportedVersion {
        /// Version in the file.
        got: u16,
        /// Oldest version this build reads.
        oldest: u16,
        /// Newest version this build reads (and the one it writes).
        newest: u16,
    },
    /// The header sets flags this build does not know.
    #[error("unknown header flags {flags:#06x}")]
    UnknownFlags {
        /// The flags field.
        flags: u16,
    },
    /// A stored CRC-32 does not match the bytes it covers.
    #[error("{what} checksum mismatch: stored {stored:08x}, computed {computed:08x}")]
    Checksum {
        /// Which part: `header`, `index`, `footer`.
        what: &'static str,
        /// CRC-32 stored in the file.
        stored: u32,
        /// CRC-32 of the bytes read.
        computed: u32,
    },
    /// A chunk's decoded bytes do not match its stored CRC-32.
    #[error(
        "chunk {chunk}: checksum mismatch (stored {stored:08x}, decoded bytes give {computed:08x})"
    )]
    ChunkChecksum {
        /// Chunk index.
        chunk: u64,
        /// CRC-32 stored in the record.
        stored: u32,
        /// CRC-32 of the decoded bytes.
        computed: u32,
    },
    /// The file ended before a part it must contain.
    #[error("file is truncated: it ends inside the {what}")]
    Truncated {
        /// The part being read.
        what: &'static str,
    },
    /// The header's chunk length (or the one asked for) is out of range.
    #[error("chunk length {got} is outside 1..={max}")]
    ChunkLenOutOfRange {
        /// The chunk length.
        got: u32,
        /// [`crate::container::MAX_CHUNK_LEN`].
        max: u32,
    },
    /// The last four bytes are not the footer magic.
    #[error("corrupt .boa file: footer magic is {found:02x?}, expected \"BOAE\"")]
    FooterMagic {
        /// The bytes found.
        found: [u8; 4],
    },
    /// The footer's chunk count disagrees with its original length.
    #[error(
        "corrupt .boa file: footer says {got} chunks, but {original_len} bytes in chunks of {chunk_len} make {expected}"
    )]
    ChunkCount {
        /// Chunk count in the footer.
        got: u32,
        /// `ceil(original_len / chunk_len)`.
        expected: u64,
        /// Original length in the footer.
        original_len: u64,
        /// Chunk length in the header.
        chunk_len: u32,
    },
    /// A record starts with a tag this file's version does not define.
    #[error(
        "corrupt .boa file: chunk {chunk}: record tag {tag:#04x} is not a record of format version {version}"
    )]
    RecordTag {
        /// Chunk index.
        chunk: u64,
        /// The tag byte.
        tag: u8,
        /// The file's format version.
        version: u16,
    },
    /// A final (short) record's length is not below the chunk length.
    #[error("corrupt .boa file: chunk {chunk}: final chunk length {got} is not in 1..{chunk_len}")]
    FinalChunkLen {
        /// Chunk index.
        chunk: u64,
        /// The length in the record.
        got: u32,
        /// Chunk length in the header.
        chunk_len: u32,
    },
    /// A range-coded stream is longer than any chunk of its length can need.
    #[error(
        "corrupt .boa file: chunk {chunk}: stream of {got} bytes exceeds the {max} bytes any chunk of its length needs"
    )]
    StreamTooLong {
        /// Chunk index.
        chunk: u64,
        /// Stream length in the record or index.
        got: u32,
        /// [`crate::container::max_stream_len`] of the chunk's length.
        max: u64,
    },
    /// A stored chunk's payload length is not its original length.
    #[error(
        "corrupt .boa file: chunk {chunk}: a stored chunk of {expected} bytes says it holds {got}"
    )]
    StoredLen {
        /// Chunk index.
        chunk: u64,
        /// Payload length in the record.
        got: u32,
        /// The chunk's original length.
        expected: u32,
    },
    /// A record follows the final (short) chunk.
    #[error("corrupt .boa file: chunk {chunk} follows a final (short) chunk")]
    RecordAfterFinalChunk {
        /// Index of the extra chunk.
        chunk: u64,
    },
    /// More records than a `u32` count can hold.
    #[error("corrupt .boa file: more than 2^32 − 1 chunks")]
    TooManyChunks,
    /// The index and a chunk record disagree.
    #[error("corrupt .boa file: chunk {chunk}: the index says {what} {index}, its record {record}")]
    IndexMismatch {
        /// Chunk index.
        chunk: u64,
        /// Which field: `stream length`, `length`.
        what: &'static str,
        /// The value the index implies.
        index: u64,
        /// The value in the record.
        record: u64,
    },
    /// The footer disagrees with the records read before it.
    #[error("corrupt .boa file: the footer says {what} {footer}, the records {records}")]
    FooterMismatch {
        /// Which field: `original length`, `chunk count`, `index offset`.
        what: &'static str,
        /// The footer's value.
        footer: u64,
        /// The value the records give.
        records: u64,
    },
    /// The index does not lie between the chunk records and the footer.
    #[error(
        "corrupt .boa file: an index of {chunk_count} chunks at offset {index_offset} does not fit between the data (from {data_start}) and the footer (at {footer_offset})"
    )]
    IndexPlacement {
        /// Chunk count in the footer.
        chunk_count: u32,
        /// Index offset in the footer.
        index_offset: u64,
        /// Offset of the first chunk record.
        data_start: u64,
        /// Offset of the footer.
        footer_offset: u64,
    },
    /// The records the index describes do not end where the index begins.
    #[error(
        "corrupt .boa file: chunk records end at offset {records_end}, but the index starts at {index_offset}"
    )]
    RecordsEnd {
        /// Where the records end, summed from the index.
        records_end: u64,
        /// Index offset in the footer.
        index_offset: u64,
    },
    /// The byte before the index is not the end tag.
    #[error("corrupt .boa file: byte before the index is {found:#04x}, not the end tag 'E'")]
    EndTag {
        /// The byte found.
        found: u8,
    },
    /// Bytes follow the footer.
    #[error("corrupt .boa file: data follows the footer (is this several files concatenated?)")]
    TrailingData,
    /// The embedded model's length cannot be right.
    #[error("corrupt .boa file: embedded model length {got} exceeds the {max} bytes possible here")]
    EmbeddedModelLen {
        /// Length in the file.
        got: u64,
        /// The most the file can hold.
        max: u64,
    },
    /// The embedded model is not the model the header names.
    #[error(
        "corrupt .boa file: embedded model hashes to {got}, but the header names model {expected}"
    )]
    EmbeddedModelHash {
        /// BLAKE3 of the embedded bytes.
        got: ModelFingerprint,
        /// The header's fingerprint.
        expected: ModelFingerprint,
    },
    /// The file was compressed with another model than the one given.
    #[error(
        "model mismatch: the file was compressed with model {file}, but model {model} was given"
    )]
    ModelMismatch {
        /// Fingerprint recorded in the file.
        file: ModelFingerprint,
        /// Fingerprint of the model given.
        model: ModelFingerprint,
    },
    /// A chunk's range-coded stream is malformed.
    #[error("chunk {chunk}: bad range-coded stream")]
    Coder {
        /// Chunk index.
        chunk: u64,
        /// What the coder found.
        #[source]
        source: CoderError,
    },
    /// The predictor failed.
    #[error("predictor failed")]
    Predictor(#[source] PredictError),
    /// The caller's options or arguments are invalid.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

impl From<ContainerError> for std::io::Error {
    fn from(error: ContainerError) -> Self {
        match error {
            ContainerError::Io(io) => io,
            other => std::io::Error::new(std::io::ErrorKind::InvalidData, other),
        }
    }
}
