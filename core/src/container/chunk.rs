//! Coding of single chunks and groups of chunks: the glue between predictor and coder.

use crate::coder::{FrequencyTable, RangeDecoder, RangeEncoder};
use crate::predictor::Predictor;

use super::ContainerError;

/// A chunk coded: the CRC-32 of its bytes and its range-coded stream.
pub(crate) struct EncodedChunk {
    pub crc: u32,
    pub stream: Vec<u8>,
}

/// Encodes one chunk from a fresh predictor state, with teacher-forced tables.
pub(crate) fn encode_chunk<P: Predictor>(
    predictor: &P,
    chunk: &[u8],
) -> Result<EncodedChunk, ContainerError> {
    let mut encoder = RangeEncoder::with_capacity(chunk.len() / 2);
    let mut symbols = chunk.iter();
    let mut tables_seen = 0usize;
    predictor
        .chunk_tables(chunk, &mut |table| {
            if let Some(&symbol) = symbols.next() {
                encoder.encode(table, symbol);
            }
            tables_seen += 1;
        })
        .map_err(ContainerError::Predictor)?;
    if tables_seen != chunk.len() {
        return Err(ContainerError::Predictor(
            format!(
                "predictor gave {tables_seen} tables for a chunk of {} bytes",
                chunk.len()
            )
            .into(),
        ));
    }
    Ok(EncodedChunk {
        crc: crc32fast::hash(chunk),
        stream: encoder.finish(),
    })
}

/// One chunk to decode.
pub(crate) struct ChunkJob<'a> {
    /// Index of the chunk in the file (for error messages).
    pub index: u64,
    /// Original length in bytes.
    pub len: usize,
    /// CRC-32 of the original bytes.
    pub crc: u32,
    /// The range-coded stream.
    pub stream: &'a [u8],
}

/// Decodes a group of chunks in lock step, one predictor call per byte position for the
/// whole group, and checks each chunk's CRC-32. Returns the chunks' bytes in order.
///
/// Lanes whose chunk has ended drop out of the step: chunks are ordered by decreasing
/// length first (only a file's last chunk is shorter), so the active lanes are a prefix.
pub(crate) fn decode_group<P: Predictor>(
    predictor: &P,
    jobs: &[ChunkJob<'_>],
) -> Result<Vec<Vec<u8>>, ContainerError> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].len));
    let mut decoders = order
        .iter()
        .map(|&i| {
            RangeDecoder::new(jobs[i].stream).map_err(|source| ContainerError::Coder {
                chunk: jobs[i].index,
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut lanes: Vec<P::Lane> = order.iter().map(|_| predictor.new_lane()).collect();
    let mut tables = vec![FrequencyTable::uniform(); jobs.len()];
    let mut bytes = vec![0u8; jobs.len()];
    let mut outputs: Vec<Vec<u8>> = order
        .iter()
        .map(|&i| Vec::with_capacity(jobs[i].len))
        .collect();
    let longest = order.first().map_or(0, |&i| jobs[i].len);
    let mut active = jobs.len();
    for position in 0..longest {
        while active > 0 && jobs[order[active - 1]].len <= position {
            active -= 1;
        }
        predictor
            .predict(&mut lanes[..active], &mut tables[..active])
            .map_err(ContainerError::Predictor)?;
        for lane in 0..active {
            let byte = decoders[lane].decode(&tables[lane]);
            bytes[lane] = byte;
            outputs[lane].push(byte);
        }
        predictor
            .advance(&mut lanes[..active], &bytes[..active])
            .map_err(ContainerError::Predictor)?;
    }
    let mut in_file_order = vec![Vec::new(); jobs.len()];
    for ((decoder, output), &i) in decoders.into_iter().zip(outputs).zip(&order) {
        let job = &jobs[i];
        decoder.finish().map_err(|source| ContainerError::Coder {
            chunk: job.index,
            source,
        })?;
        let computed = crc32fast::hash(&output);
        if computed != job.crc {
            return Err(ContainerError::ChunkChecksum {
                chunk: job.index,
                stored: job.crc,
                computed,
            });
        }
        in_file_order[i] = output;
    }
    Ok(in_file_order)
}

/// Decodes `jobs` in groups of `lanes` chunks, the groups in parallel; returns the
/// chunks' bytes in order, or the first error in chunk order.
pub(crate) fn decode_chunks<P: Predictor>(
    predictor: &P,
    jobs: &[ChunkJob<'_>],
    lanes: usize,
) -> Result<Vec<Vec<u8>>, ContainerError> {
    let groups: Vec<&[ChunkJob<'_>]> = jobs.chunks(lanes.max(1)).collect();
    let decoded = map_in_parallel(&groups, |group| decode_group(predictor, group));
    let mut chunks = Vec::with_capacity(jobs.len());
    for group in decoded {
        chunks.extend(group?);
    }
    Ok(chunks)
}

/// `items.iter().map(f)`, on all cores when the `parallel` feature is on; order kept.
pub(crate) fn map_in_parallel<T: Sync, U: Send>(
    items: &[T],
    f: impl Fn(&T) -> U + Sync + Send,
) -> Vec<U> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}
