//! What the page does with a `.boa` file, in plain Rust (tested natively and in the
//! browser): summarise it, pick its model, decompress it.
//!
//! The predictor is a type parameter, so a WebGPU predictor can take the CPU engine's
//! place without touching the container logic: both produce the same frequency tables.

use std::io::Cursor;
use std::ops::Range;

use boa_core::container::{BoaFile, ChunkKind, ContainerError, DecompressOptions, StreamDecoder};
use boa_core::engine::{Engine, ModelFileError};
use boa_core::{ModelFingerprint, Predictor};

/// Why a file cannot be read or decompressed. Messages match the CLI's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// The `.boa` bytes are not a valid file, or do not decode.
    #[error("cannot decompress {name}: {source}")]
    Container {
        /// The file's name, for the message.
        name: String,
        /// What is wrong.
        source: ContainerError,
    },
    /// The model given (or embedded) is not a usable `.boam` file.
    #[error("cannot load model {name}: {source}")]
    Model {
        /// The model's name, for the message.
        name: String,
        /// What is wrong.
        source: ModelFileError,
    },
    /// The file does not embed its model and none was given.
    #[error(
        "{name} was made with model {fingerprint}, which it does not embed: give the model \
         file (.boam)"
    )]
    NoModel {
        /// The file's name.
        name: String,
        /// The model the file needs.
        fingerprint: ModelFingerprint,
    },
}

/// A `.boa` file's header and chunk table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Format version.
    pub version: u16,
    /// BLAKE3 fingerprint of the model the file needs.
    pub fingerprint: String,
    /// Bytes of the embedded model, if the file carries one.
    pub embedded_model_bytes: Option<u64>,
    /// Bytes once decompressed.
    pub original_bytes: u64,
    /// Bytes of the `.boa` file.
    pub file_bytes: u64,
    /// Bytes per chunk (the last may be shorter).
    pub chunk_len: u32,
    /// `(original bytes, coded stream bytes)` of every chunk.
    pub chunks: Vec<(u32, u32)>,
    /// Chunks held as they are (coding would not have made them smaller).
    pub stored_chunks: u32,
    /// Whether the chunks were coded with context mixing (decoded the same way).
    pub mixing: bool,
}

/// A `.boa` file read once: header, index and footer checked (checksums included), its
/// [`Summary`] built, ready to load its model and decode any range of its chunks. Each
/// call of the bindings opens its file once and hashes its model once.
#[derive(Debug)]
pub struct OpenFile<B> {
    name: String,
    file: BoaFile<Cursor<B>>,
    summary: Summary,
}

impl<B: AsRef<[u8]>> OpenFile<B> {
    /// Reads `bytes`' header, index and footer, and every chunk record's tag.
    ///
    /// # Errors
    /// [`WebError::Container`] for anything that is not a valid `.boa` file.
    pub fn open(name: &str, bytes: B) -> Result<Self, WebError> {
        let in_file = |source| container(name, source);
        let mut file = BoaFile::open(Cursor::new(bytes)).map_err(in_file)?;
        let mut stored_chunks = 0;
        for chunk in 0..file.chunks().len() {
            let kind = file.chunk_kind(chunk).map_err(in_file)?;
            stored_chunks += u32::from(kind == ChunkKind::Stored);
        }
        let summary = Summary {
            version: file.header().version,
            fingerprint: file.header().fingerprint.to_string(),
            embedded_model_bytes: file.embedded_model_len(),
            original_bytes: file.original_len(),
            file_bytes: file.file_len(),
            chunk_len: file.header().chunk_len,
            mixing: file.header().mixing,
            chunks: file
                .chunks()
                .iter()
                .map(|c| (c.len, c.stream_len))
                .collect(),
            stored_chunks,
        };
        Ok(Self {
            name: name.to_string(),
            file,
            summary,
        })
    }

    /// The header and chunk table.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The open file, for readers of its chunk records.
    pub fn file_mut(&mut self) -> &mut BoaFile<Cursor<B>> {
        &mut self.file
    }

    /// Original bytes of the chunks `chunks` (0 for a range outside the file).
    pub fn original_bytes(&self, chunks: Range<usize>) -> u64 {
        self.summary
            .chunks
            .get(chunks)
            .map_or(0, |c| c.iter().map(|&(len, _)| u64::from(len)).sum())
    }

    /// The engine that decodes the file: `model` if given, else the one the file embeds,
    /// hashed once (while loading) and checked against the header's fingerprint.
    ///
    /// # Errors
    /// An unusable model, or a file without a model and none given.
    pub fn engine(&self, model: Option<&[u8]>) -> Result<Engine, WebError> {
        if let Some(model) = model {
            return load_model(model);
        }
        let header = self.file.header();
        let Some(range) = self.file.embedded_model_range() else {
            return Err(WebError::NoModel {
                name: self.name.clone(),
                fingerprint: header.fingerprint,
            });
        };
        // `BoaFile::open` checked the range against the file's length.
        let embedded = self
            .file
            .get_ref()
            .get_ref()
            .as_ref()
            .get(range.start as usize..range.end as usize)
            .ok_or(ContainerError::Truncated {
                what: "embedded model",
            })
            .map_err(|source| container(&self.name, source))?;
        let engine = Engine::from_bytes(embedded).map_err(|source| WebError::Model {
            name: "embedded in the file".to_string(),
            source,
        })?;
        if engine.fingerprint() != header.fingerprint {
            let source = ContainerError::EmbeddedModelHash {
                got: engine.fingerprint(),
                expected: header.fingerprint,
            };
            return Err(container(&self.name, source));
        }
        Ok(engine)
    }

    /// Decompresses the chunks `chunks` (indices into the chunk table), each checked
    /// against its CRC-32; `progress` gets the bytes written so far after each group of
    /// [`LANES`] chunks. Pages decode disjoint chunk ranges in several workers at once and
    /// concatenate the results in order.
    ///
    /// # Errors
    /// [`WebError::Container`]: a range outside the file, corruption, or the wrong model.
    pub fn decode_chunks<P: Predictor>(
        &mut self,
        predictor: &P,
        chunks: Range<usize>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Vec<u8>, WebError> {
        let count = self.file.chunks().len();
        if chunks.start > chunks.end || chunks.end > count {
            let why = format!("chunks {chunks:?} are not within the file's {count} chunks");
            return Err(container(&self.name, ContainerError::InvalidArgument(why)));
        }
        let options = DecompressOptions {
            lanes: LANES,
            batch_chunks: LANES,
        };
        let mut out = Vec::new();
        for group in chunks.clone().step_by(LANES) {
            let last = (group + LANES).min(chunks.end) - 1;
            let locations = self.file.chunks();
            let start = locations[group].original_offset;
            let end = locations[last].original_offset + u64::from(locations[last].len);
            let part = self.file.decode_range(predictor, start..end, &options);
            out.extend(part.map_err(|source| container(&self.name, source))?);
            progress(out.len() as u64);
        }
        Ok(out)
    }
}

fn container(name: &str, source: ContainerError) -> WebError {
    WebError::Container {
        name: name.to_string(),
        source,
    }
}

/// Reads a `.boa` file's header, index and footer (checksums included).
///
/// # Errors
/// [`WebError::Container`] for anything that is not a valid `.boa` file.
pub fn summarize(name: &str, bytes: &[u8]) -> Result<Summary, WebError> {
    OpenFile::open(name, bytes).map(|file| file.summary)
}

/// The engine that decodes `bytes`: the model given, else the one the file embeds.
///
/// # Errors
/// An unusable model, a file without a model and none given, a bad file.
pub fn engine_for(name: &str, bytes: &[u8], model: Option<&[u8]>) -> Result<Engine, WebError> {
    OpenFile::open(name, bytes)?.engine(model)
}

/// The engine of a `.boam` file.
///
/// # Errors
/// [`WebError::Model`] for anything that is not a usable model file.
pub fn load_model(model: &[u8]) -> Result<Engine, WebError> {
    Engine::from_bytes(model).map_err(|source| WebError::Model {
        name: "given".to_string(),
        source,
    })
}

/// Chunks stepped together in the page: fewer than the native
/// [`boa_core::container::MAX_LANES`], because the page reports progress after every group
/// and a worker decodes a quarter of the chunks at most; enough to batch the engine's
/// matrix products.
pub const LANES: usize = 4;

/// Decompresses `bytes` with `predictor`, checking every chunk's CRC-32 and the index;
/// `progress` gets the bytes written so far after each group of [`LANES`] chunks.
///
/// # Errors
/// [`WebError::Container`]: corruption, truncation, or the wrong model.
pub fn decompress_with<P: Predictor>(
    name: &str,
    bytes: &[u8],
    predictor: &P,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<u8>, WebError> {
    let in_file = |source| container(name, source);
    let decoder = StreamDecoder::new(Cursor::new(bytes)).map_err(in_file)?;
    let options = DecompressOptions {
        lanes: LANES,
        batch_chunks: LANES,
    };
    let mut out = Vec::new();
    decoder
        .decode_into(predictor, &mut out, &options, progress)
        .map_err(in_file)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use boa_core::container::{CompressOptions, compress_to_vec};

    const MODEL: &[u8] = include_bytes!("../../tests/golden/engine-tiny.boam");
    const INPUT: &[u8] = include_bytes!("../../tests/golden/engine-input.bin");

    /// The golden input with the golden (untrained) model, every chunk coded so that
    /// decoding runs the engine (the default would store them all: see the next test).
    fn packed(embed: bool) -> Vec<u8> {
        let engine = Engine::from_bytes(MODEL).unwrap();
        let options = CompressOptions {
            chunk_len: 1024,
            embedded_model: embed.then_some(MODEL),
            store_incompressible: false,
            ..CompressOptions::default()
        };
        compress_to_vec(&engine, INPUT, &options).unwrap()
    }

    #[test]
    fn stored_chunks_are_counted_and_decoded() {
        let engine = Engine::from_bytes(MODEL).unwrap();
        let options = CompressOptions {
            chunk_len: 1024,
            ..CompressOptions::default()
        };
        let boa = compress_to_vec(&engine, INPUT, &options).unwrap();
        let summary = summarize("x.boa", &boa).unwrap();
        assert_eq!(summary.stored_chunks, 5);
        assert_eq!(
            summarize("x.boa", &packed(false))
                .map(|s| s.stored_chunks)
                .ok(),
            Some(0)
        );
        let out = decompress_with("x.boa", &boa, &engine, &mut |_| {}).unwrap();
        assert_eq!(out, INPUT);
    }

    #[test]
    fn files_coded_with_mixing_decode_with_mixing() {
        let engine = Engine::from_bytes(MODEL).unwrap();
        let options = CompressOptions {
            chunk_len: 1024,
            store_incompressible: false,
            mixing: true,
            ..CompressOptions::default()
        };
        let boa = compress_to_vec(&engine, INPUT, &options).unwrap();
        assert_ne!(boa, packed(false));
        let summary = summarize("x.boa", &boa).unwrap();
        assert!(summary.mixing);
        assert!(!summarize("x.boa", &packed(false)).unwrap().mixing);
        let out = decompress_with("x.boa", &boa, &engine, &mut |_| {}).unwrap();
        assert_eq!(out, INPUT);
    }

    #[test]
    fn files_with_an_embedded_model_decompress_alone() {
        let boa = packed(true);
        let summary = summarize("x.boa", &boa).unwrap();
        assert_eq!(summary.original_bytes, INPUT.len() as u64);
        assert_eq!(summary.chunks.len(), 5);
        assert_eq!(summary.embedded_model_bytes, Some(MODEL.len() as u64));
        let engine = engine_for("x.boa", &boa, None).unwrap();
        let mut reports = Vec::new();
        let out = decompress_with("x.boa", &boa, &engine, &mut |n| reports.push(n)).unwrap();
        assert_eq!(out, INPUT);
        assert_eq!(reports, [4096, 5000]);
    }

    fn message<T>(result: Result<T, WebError>) -> String {
        match result {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn chunk_ranges_concatenate_to_the_whole_file() {
        let boa = packed(true);
        let mut file = OpenFile::open("x.boa", boa.as_slice()).unwrap();
        let engine = file.engine(None).unwrap();
        let mut whole = Vec::new();
        for range in [0..2, 2..3, 3..5] {
            let mut reports = Vec::new();
            let expected = file.original_bytes(range.clone());
            let part = file
                .decode_chunks(&engine, range, &mut |n| reports.push(n))
                .unwrap();
            assert_eq!(reports.last().copied(), Some(part.len() as u64));
            assert_eq!(part.len() as u64, expected);
            whole.extend(part);
        }
        assert_eq!(whole, INPUT);
        let past_end = message(file.decode_chunks(&engine, 4..6, &mut |_| {}));
        assert!(
            past_end.contains("not within the file's 5 chunks"),
            "{past_end}"
        );
        assert_eq!(file.original_bytes(4..6), 0);
    }

    #[test]
    fn an_embedded_model_that_is_not_the_headers_is_refused() {
        let mut boa = packed(true);
        let range = OpenFile::open("x.boa", boa.as_slice())
            .unwrap()
            .file_mut()
            .embedded_model_range()
            .unwrap();
        // Another valid model of the same length: a weight changed, its CRC-32 redone.
        let model = &mut boa[range.start as usize..range.end as usize];
        let middle = model.len() / 2;
        model[middle] ^= 1;
        let (body, crc) = model.split_at_mut(model.len() - 4);
        crc.copy_from_slice(&crc32fast::hash(body).to_le_bytes());
        let error = message(engine_for("x.boa", &boa, None));
        assert!(error.contains("embedded model hashes to"), "{error}");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let boa = packed(false);
        let no_model = message(engine_for("x.boa", &boa, None));
        assert!(no_model.contains("does not embed"), "{no_model}");
        let bad_model = message(engine_for("x.boa", &boa, Some(b"nope")));
        assert!(bad_model.starts_with("cannot load model"), "{bad_model}");
        let engine = Engine::from_bytes(MODEL).unwrap();
        let cut = &boa[..boa.len() / 2];
        let truncated = message(decompress_with("cut.boa", cut, &engine, &mut |_| {}));
        assert!(
            truncated.starts_with("cannot decompress cut.boa"),
            "{truncated}"
        );
        assert!(summarize("t.txt", b"hello").is_err());
    }
}
