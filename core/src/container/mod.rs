//! The `.boa` container: chunked, streamable, randomly accessible.
//!
//! This module frames range-coded chunk streams into a file; it is independent of the
//! coder's internals and of any model (both reach it through [`crate::coder`] and
//! [`crate::predictor::Predictor`]). The byte-level specification is `docs/format.md`.
//!
//! ```text
//! header (52 B) | [model length u64 + model bytes] | chunk records … | 'E' | index | footer (32 B)
//! ```
//!
//! - The input is cut into chunks of `chunk_len` bytes (the last may be shorter). Each
//!   chunk is coded from a fresh predictor state, so chunks decode independently, in
//!   parallel, in any grouping: the batch size is not part of the file.
//! - A chunk record carries the CRC-32 of the chunk's original bytes and the length of
//!   its stream, so a file can be read front to back from a pipe, in parallel.
//! - A chunk whose stream would not be smaller than the chunk is stored as it is
//!   ([`ChunkKind::Stored`]), so a file is never larger than its input plus the framing
//!   ([`max_file_len`]).
//! - The index (stream lengths) and the footer (original length, chunk count, index
//!   offset) come last, so a file can be written front to back to a pipe, and read with
//!   random access by seeking to the footer.
//!
//! Every length, count and offset read from a file is validated before anything is
//! allocated or read on its account; bad input yields a [`ContainerError`].

pub(crate) mod chunk;
mod compress;
mod decompress;
mod error;
mod format;
mod measure;
mod random_access;

pub use chunk::threads;
pub use compress::{CompressOptions, CompressSummary, compress, compress_to_vec};
pub use decompress::{DecompressOptions, DecompressSummary, StreamDecoder, decompress_to_vec};
pub use error::ContainerError;
pub use format::{
    ChunkKind, DEFAULT_CHUNK_LEN, FOOTER_LEN, FORMAT_VERSION, Footer, HEADER_LEN, Header,
    MAX_CHUNK_LEN, MAX_LANES, MAX_MODEL_LEN, OLDEST_READABLE_VERSION, auto_lanes, max_file_len,
    max_stream_len,
};
pub use measure::cross_entropy_bpb;
pub use random_access::{BoaFile, ChunkLocation, ChunkRecord};

#[cfg(test)]
mod tests;
