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
    #[error(".boa format version {got} is not supported (this build reads version {supported})")]
    UnsupportedVersion {
        /// Version in the file.
        got: u16,
        /// Version this build reads.
        supported: u16,
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
    /// A field holds a value out of its valid range or inconsistent with another.
    #[error("corrupt .boa file: {0}")]
    Corrupt(String),
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

impl ContainerError {
    pub(crate) fn corrupt(message: impl Into<String>) -> Self {
        Self::Corrupt(message.into())
    }
}

impl From<ContainerError> for std::io::Error {
    fn from(error: ContainerError) -> Self {
        match error {
            ContainerError::Io(io) => io,
            other => std::io::Error::new(std::io::ErrorKind::InvalidData, other),
        }
    }
}
