//! Coding of single chunks and groups of chunks: the glue between predictor and coder.

use crate::coder::{FrequencyTable, RangeDecoder, RangeEncoder, check_stream_end};
use crate::predictor::{CodedStream, DecodedStream, Predictor};

use super::ContainerError;
use super::format::ChunkKind;

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

/// Encodes a group of chunks in lock step (for predictors that ask for it,
/// [`Predictor::lock_step_lanes`]): one `predict` and one `advance` per byte position for
/// the whole group, teacher-forced. Gives the same streams as [`encode_chunk`].
// `position` indexes every active chunk, which an iterator over one cannot express.
#[allow(clippy::needless_range_loop)]
pub(crate) fn encode_group<P: Predictor>(
    predictor: &P,
    chunks: &[&[u8]],
) -> Result<Vec<EncodedChunk>, ContainerError> {
    let mut encoders: Vec<RangeEncoder> = chunks
        .iter()
        .map(|chunk| RangeEncoder::with_capacity(chunk.len() / 2))
        .collect();
    let mut coded = vec![0usize; chunks.len()];
    let by_intervals = predictor.chunk_intervals(chunks, &mut |i, interval| {
        if let Some(encoder) = encoders.get_mut(i) {
            encoder.encode_interval(interval);
            coded[i] += 1;
        }
    });
    match by_intervals {
        Some(outcome) => {
            outcome.map_err(ContainerError::Predictor)?;
            if let Some(i) = (0..chunks.len()).find(|&i| coded[i] != chunks[i].len()) {
                return Err(ContainerError::Predictor(
                    format!(
                        "predictor gave {} intervals for a chunk of {} bytes",
                        coded[i],
                        chunks[i].len()
                    )
                    .into(),
                ));
            }
        }
        None => encode_group_by_tables(predictor, chunks, &mut encoders)?,
    }
    Ok(encoders
        .into_iter()
        .zip(chunks)
        .map(|(encoder, chunk)| EncodedChunk {
            crc: crc32fast::hash(chunk),
            stream: encoder.finish(),
        })
        .collect())
}

/// [`encode_group`]'s lock step with whole tables: codes `chunks[i]` into `encoders[i]`.
// `position` indexes every active chunk, which an iterator over one cannot express.
#[allow(clippy::needless_range_loop)]
fn encode_group_by_tables<P: Predictor>(
    predictor: &P,
    chunks: &[&[u8]],
    encoders: &mut [RangeEncoder],
) -> Result<(), ContainerError> {
    let mut order: Vec<usize> = (0..chunks.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(chunks[i].len()));
    let mut lanes: Vec<P::Lane> = order.iter().map(|_| predictor.new_lane()).collect();
    let mut tables = vec![FrequencyTable::uniform(); chunks.len()];
    let mut bytes = vec![0u8; chunks.len()];
    let longer_than = |position: usize| {
        order
            .iter()
            .take_while(|&&i| chunks[i].len() > position)
            .count()
    };
    let longest = order.first().map_or(0, |&i| chunks[i].len());
    for position in 0..longest {
        let active = longer_than(position);
        predictor
            .predict(&mut lanes[..active], &mut tables[..active])
            .map_err(ContainerError::Predictor)?;
        for ((byte, table), &i) in bytes[..active].iter_mut().zip(&tables).zip(&order) {
            *byte = chunks[i][position];
            encoders[i].encode(table, *byte);
        }
        // The last byte of a chunk needs no prediction after it.
        let continuing = longer_than(position + 1);
        if continuing > 0 {
            predictor
                .advance(&mut lanes[..continuing], &bytes[..continuing])
                .map_err(ContainerError::Predictor)?;
        }
    }
    Ok(())
}

/// One chunk to decode.
#[derive(Clone, Copy)]
pub(crate) struct ChunkJob<'a> {
    /// Index of the chunk in the file (for error messages).
    pub index: u64,
    /// Original length in bytes.
    pub len: usize,
    /// CRC-32 of the original bytes.
    pub crc: u32,
    /// Whether `stream` is range-coded or the chunk itself.
    pub kind: ChunkKind,
    /// The record's payload: the range-coded stream, or the stored bytes.
    pub stream: &'a [u8],
}

/// Checks a decoded (or stored) chunk against its record's CRC-32.
fn check_crc(job: &ChunkJob<'_>, bytes: &[u8]) -> Result<(), ContainerError> {
    let computed = crc32fast::hash(bytes);
    if computed == job.crc {
        Ok(())
    } else {
        Err(ContainerError::ChunkChecksum {
            chunk: job.index,
            stored: job.crc,
            computed,
        })
    }
}

/// Decodes a group of chunks and checks each one's stream end and CRC-32. Returns the
/// chunks' bytes in order.
///
/// Errors come in the same order whoever decodes: first a bad stream start, then a
/// chunk's trailing bytes or CRC, each in order of decreasing chunk length (the order
/// lanes are stepped in).
pub(crate) fn decode_group<P: Predictor>(
    predictor: &P,
    jobs: &[ChunkJob<'_>],
) -> Result<Vec<Vec<u8>>, ContainerError> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].len));
    let decoders = order
        .iter()
        .map(|&i| {
            RangeDecoder::new(jobs[i].stream).map_err(|source| ContainerError::Coder {
                chunk: jobs[i].index,
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let streams: Vec<CodedStream<'_>> = order
        .iter()
        .map(|&i| CodedStream {
            stream: jobs[i].stream,
            len: jobs[i].len,
        })
        .collect();
    let decoded = match predictor.decode_streams(&streams) {
        Some(outcome) => outcome.map_err(ContainerError::Predictor)?,
        None => decode_in_lock_step(predictor, &streams, decoders)?,
    };
    if decoded.len() != jobs.len() {
        return Err(ContainerError::Predictor(
            format!(
                "predictor decoded {} of {} chunks",
                decoded.len(),
                jobs.len()
            )
            .into(),
        ));
    }
    let mut in_file_order = vec![Vec::new(); jobs.len()];
    for (chunk, &i) in decoded.into_iter().zip(&order) {
        let job = &jobs[i];
        if chunk.bytes.len() != job.len {
            return Err(ContainerError::Predictor(
                format!(
                    "predictor decoded {} bytes of a {}-byte chunk",
                    chunk.bytes.len(),
                    job.len
                )
                .into(),
            ));
        }
        check_stream_end(job.stream.len(), chunk.read).map_err(|source| ContainerError::Coder {
            chunk: job.index,
            source,
        })?;
        check_crc(job, &chunk.bytes)?;
        in_file_order[i] = chunk.bytes;
    }
    Ok(in_file_order)
}

/// Decodes `streams` on the host with `predictor`'s tables, as [`decode_group`] does when
/// the predictor decodes no streams itself (a GPU predictor that lost its device finishes
/// a file with this on the CPU; native only, as that predictor is).
#[cfg(all(feature = "gpu", not(target_arch = "wasm32")))]
pub(crate) fn decode_on_host<P: Predictor>(
    predictor: &P,
    streams: &[CodedStream<'_>],
) -> Result<Vec<DecodedStream>, ContainerError> {
    let mut order: Vec<usize> = (0..streams.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(streams[i].len));
    let sorted: Vec<CodedStream<'_>> = order.iter().map(|&i| streams[i]).collect();
    let decoders = sorted
        .iter()
        .map(|s| RangeDecoder::new(s.stream))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| ContainerError::Coder { chunk: 0, source })?;
    let decoded = decode_in_lock_step(predictor, &sorted, decoders)?;
    let mut in_order = vec![None; streams.len()];
    for (chunk, &i) in decoded.into_iter().zip(&order) {
        in_order[i] = Some(chunk);
    }
    Ok(in_order.into_iter().flatten().collect())
}

/// The host's decoding of [`decode_group`]: one predictor call per byte position for the
/// whole group. `streams` are ordered by decreasing length, so the lanes still decoding
/// are a prefix.
fn decode_in_lock_step<P: Predictor>(
    predictor: &P,
    streams: &[CodedStream<'_>],
    mut decoders: Vec<RangeDecoder<'_>>,
) -> Result<Vec<DecodedStream>, ContainerError> {
    let mut lanes: Vec<P::Lane> = streams.iter().map(|_| predictor.new_lane()).collect();
    let mut tables = vec![FrequencyTable::uniform(); streams.len()];
    let mut bytes = vec![0u8; streams.len()];
    let mut outputs: Vec<Vec<u8>> = streams.iter().map(|s| Vec::with_capacity(s.len)).collect();
    let longest = streams.first().map_or(0, |s| s.len);
    let mut active = streams.len();
    for position in 0..longest {
        while active > 0 && streams[active - 1].len <= position {
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
    Ok(decoders
        .iter()
        .zip(outputs)
        .map(|(decoder, bytes)| DecodedStream {
            bytes,
            read: decoder.bytes_read(),
        })
        .collect())
}

/// Decodes `jobs`: the range-coded ones in groups of `lanes` chunks, the groups in
/// parallel; the stored ones by checking their CRC-32. With `mixing` (the header's flag)
/// the predictor's tables are mixed as [`super::compress`] mixed them. Returns the
/// chunks' bytes in order, or the first error in chunk order.
pub(crate) fn decode_chunks<P: Predictor>(
    predictor: &P,
    jobs: &[ChunkJob<'_>],
    lanes: usize,
    mixing: bool,
) -> Result<Vec<Vec<u8>>, ContainerError> {
    if mixing {
        let lanes = lanes.min(crate::mixing::MAX_LANES);
        decode_chunks_with(&crate::mixing::Mixing::new(predictor), jobs, lanes)
    } else {
        decode_chunks_with(predictor, jobs, lanes)
    }
}

/// [`decode_chunks`] with `predictor` already wrapped as the file asks.
fn decode_chunks_with<P: Predictor>(
    predictor: &P,
    jobs: &[ChunkJob<'_>],
    lanes: usize,
) -> Result<Vec<Vec<u8>>, ContainerError> {
    let (coded, stored): (Vec<&ChunkJob<'_>>, Vec<&ChunkJob<'_>>) =
        jobs.iter().partition(|job| job.kind == ChunkKind::Coded);
    let groups: Vec<Vec<ChunkJob<'_>>> = coded
        .chunks(lanes.max(1))
        .map(|group| group.iter().map(|&&job| job).collect())
        .collect();
    let decoded = map_in_parallel(&groups, |group| decode_group(predictor, group));
    let mut results: Vec<(u64, Result<Vec<u8>, ContainerError>)> = Vec::with_capacity(jobs.len());
    for (group, outcome) in groups.iter().zip(decoded) {
        match outcome {
            Ok(chunks) => results.extend(
                group
                    .iter()
                    .map(|job| job.index)
                    .zip(chunks.into_iter().map(Ok)),
            ),
            Err(error) => results.push((group[0].index, Err(error))),
        }
    }
    for job in stored {
        results.push((
            job.index,
            check_crc(job, job.stream).map(|()| job.stream.to_vec()),
        ));
    }
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, chunk)| chunk).collect()
}

/// Threads chunks are coded on: rayon's pool (all cores unless configured) with the
/// `parallel` feature, else 1.
#[must_use]
pub fn threads() -> usize {
    #[cfg(feature = "parallel")]
    return rayon::current_num_threads();
    #[cfg(not(feature = "parallel"))]
    return 1;
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
