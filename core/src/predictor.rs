//! The interface between a byte model and the codec.
//!
//! A [`Predictor`] yields, for each chunk being coded, the [`FrequencyTable`] of its next
//! byte. The codec drives it in two schedules that must give identical tables:
//! - **encoding** is teacher-forced: [`Predictor::chunk_tables`] sees the whole chunk at
//!   once and may run each layer over all positions (matrix-matrix work);
//! - **decoding** steps many chunks ("lanes") together: [`Predictor::predict`] gives each
//!   lane its next table, the codec decodes one byte per lane, and
//!   [`Predictor::advance`] feeds those bytes back.
//!
//! Every chunk starts from [`Predictor::new_lane`]: state is reset per chunk, so chunks
//! are independent and can be decoded in any order, in any grouping.

use crate::coder::{FrequencyTable, Interval};

/// Identifies a model: the BLAKE3 hash of its file's bytes (32 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModelFingerprint(pub [u8; 32]);

impl ModelFingerprint {
    /// The fingerprint of a model file's bytes.
    #[must_use]
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(*blake3::hash(bytes).as_bytes())
    }

    /// The first 8 bytes in hex: enough to tell models apart in messages.
    #[must_use]
    pub fn short(&self) -> String {
        hex(&self.0[..8])
    }
}

impl std::fmt::Display for ModelFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl std::fmt::Debug for ModelFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ModelFingerprint({self})")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An error raised by a predictor (a lost GPU device, say); the codec passes it on.
pub type PredictError = Box<dyn std::error::Error + Send + Sync>;

/// One range-coded chunk for [`Predictor::decode_streams`].
#[derive(Debug, Clone, Copy)]
pub struct CodedStream<'a> {
    /// The chunk's range-coded stream.
    pub stream: &'a [u8],
    /// The chunk's length in bytes: how many symbols to decode.
    pub len: usize,
}

/// A chunk decoded by [`Predictor::decode_streams`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedStream {
    /// The decoded bytes (`len` of them).
    pub bytes: Vec<u8>,
    /// Bytes of the stream the decoder consumed, the zeros it reads past its end
    /// included: what [`crate::coder::check_stream_end`] checks.
    pub read: usize,
}

/// A byte model that produces frequency tables for the codec.
///
/// # Contract
/// For any chunk `x`, the table [`Predictor::chunk_tables`] gives for position `i` must
/// equal the one [`Predictor::predict`] gives after a fresh lane was
/// [`advanced`](Predictor::advance) with `x[0..i]`, whatever the batch the lane was in.
/// Encoders and decoders rely on this to stay in step.
pub trait Predictor: Sync {
    /// The state of one chunk being coded.
    type Lane: Send;

    /// The fingerprint of the model; `.boa` files record it.
    fn fingerprint(&self) -> ModelFingerprint;

    /// A lane at the start of a chunk (no byte seen yet).
    fn new_lane(&self) -> Self::Lane;

    /// Writes into `tables[i]` the table of the next byte of `lanes[i]`.
    /// `tables.len() == lanes.len()`.
    ///
    /// # Errors
    /// Whatever the model's machinery reports.
    fn predict(
        &self,
        lanes: &mut [Self::Lane],
        tables: &mut [FrequencyTable],
    ) -> Result<(), PredictError>;

    /// Feeds `bytes[i]` to `lanes[i]`. `bytes.len() == lanes.len()`.
    ///
    /// # Errors
    /// Whatever the model's machinery reports.
    fn advance(&self, lanes: &mut [Self::Lane], bytes: &[u8]) -> Result<(), PredictError>;

    /// How many chunks this predictor wants coded in lock step, one [`Predictor::predict`]
    /// and [`Predictor::advance`] per byte position for all of them, when encoding too.
    /// 0 (the default): the codec codes chunks one by one with
    /// [`Predictor::chunk_tables`], on its threads. A GPU asks for many: its cost is per
    /// step, not per lane. Either way the bytes written are the same.
    fn lock_step_lanes(&self) -> usize {
        0
    }

    /// Decodes whole chunks with the predictor's own range decoder, exactly as
    /// [`crate::coder::RangeDecoder`] driven by [`Predictor::predict`] would (a GPU runs
    /// the decoder in its shaders, so no table crosses to the host). Every stream's first
    /// four bytes have been checked ([`crate::coder::RangeDecoder::new`]); the codec
    /// checks ends and CRCs. `None` (the default): the codec steps lanes itself.
    fn decode_streams(
        &self,
        _streams: &[CodedStream<'_>],
    ) -> Option<Result<Vec<DecodedStream>, PredictError>> {
        None
    }

    /// Teacher-forced intervals for a group of chunks: calls `each(i, interval)` with the
    /// interval of every byte of `chunks[i]` under its table, each chunk's in order (the
    /// chunks interleaved as the predictor likes). The range encoder needs no more of a
    /// table, so a GPU sends 4 bytes per byte instead of a table. `None` (the default):
    /// the codec asks for tables.
    fn chunk_intervals(
        &self,
        _chunks: &[&[u8]],
        _each: &mut dyn FnMut(usize, Interval),
    ) -> Option<Result<(), PredictError>> {
        None
    }

    /// [`Predictor::decode_streams`] with the predictor's tables mixed with context
    /// models ([`crate::mixing::Mixing`] asks: a GPU mixes in its shaders too). `None`
    /// (the default): the mixing steps lanes on the host.
    fn decode_mixed_streams(
        &self,
        _streams: &[CodedStream<'_>],
    ) -> Option<Result<Vec<DecodedStream>, PredictError>> {
        None
    }

    /// [`Predictor::chunk_intervals`] under the mixed tables (see
    /// [`Predictor::decode_mixed_streams`]). `None` (the default): the mixing asks for
    /// tables.
    fn chunk_mixed_intervals(
        &self,
        _chunks: &[&[u8]],
        _each: &mut dyn FnMut(usize, Interval),
    ) -> Option<Result<(), PredictError>> {
        None
    }

    /// Teacher-forced tables for a whole chunk: calls `each(table_i)` for `i` in order,
    /// where `table_i` predicts `chunk[i]` from `chunk[..i]`.
    ///
    /// The default steps a single lane; models override it with a faster whole-chunk
    /// schedule that gives the same tables.
    ///
    /// # Errors
    /// Whatever the model's machinery reports.
    fn chunk_tables(
        &self,
        chunk: &[u8],
        each: &mut dyn FnMut(&FrequencyTable),
    ) -> Result<(), PredictError> {
        let mut lane = [self.new_lane()];
        let mut table = [FrequencyTable::uniform()];
        for &byte in chunk {
            self.predict(&mut lane, &mut table)?;
            each(&table[0]);
            self.advance(&mut lane, &[byte])?;
        }
        Ok(())
    }
}
