//! What a predictor would spend on a file coded in chunks: its cross-entropy, the size an
//! ideal coder would reach (the coded file adds only the coder's and framing's overhead).

use super::ContainerError;
use super::chunk::map_in_parallel;
use crate::predictor::Predictor;

/// Bits per byte of `predictor` on `bytes` cut into chunks of `chunk_len` bytes, each
/// from a fresh state (as [`super::compress`] codes them): the mean of
/// `−log2(f / 2^16)` over every byte. Whole groups of chunks at once where the predictor
/// gives intervals ([`Predictor::chunk_intervals`], a GPU), else chunk by chunk on the
/// codec's threads; the figure is the same either way.
///
/// # Errors
/// Whatever the predictor reports.
pub fn cross_entropy_bpb<P: Predictor>(
    predictor: &P,
    bytes: &[u8],
    chunk_len: usize,
) -> Result<f64, ContainerError> {
    if bytes.is_empty() {
        return Ok(0.0);
    }
    let chunks: Vec<&[u8]> = bytes.chunks(chunk_len.max(1)).collect();
    let mut bits = vec![0f64; chunks.len()];
    let by_intervals = predictor.chunk_intervals(&chunks, &mut |i, interval| {
        if let Some(sum) = bits.get_mut(i) {
            *sum += interval.cost_bits();
        }
    });
    match by_intervals {
        Some(outcome) => outcome.map_err(ContainerError::Predictor)?,
        None => {
            bits = map_in_parallel(&chunks, |chunk| chunk_bits(predictor, chunk))
                .into_iter()
                .collect::<Result<_, _>>()?;
        }
    }
    Ok(bits.iter().sum::<f64>() / bytes.len() as f64)
}

/// The bits `predictor` spends on one chunk.
fn chunk_bits<P: Predictor>(predictor: &P, chunk: &[u8]) -> Result<f64, ContainerError> {
    let mut bits = 0f64;
    let mut symbols = chunk.iter();
    predictor
        .chunk_tables(chunk, &mut |table| {
            if let Some(&symbol) = symbols.next() {
                bits += table.interval(symbol).cost_bits();
            }
        })
        .map_err(ContainerError::Predictor)?;
    Ok(bits)
}
