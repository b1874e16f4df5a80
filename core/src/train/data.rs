//! Training data: reading a slice of a file, splitting it into train/validation/test
//! sequences, and batching them in a seeded order.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use burn::tensor::{Device, Int, Tensor};

use crate::model::byte_tensor;

use super::TrainError;

/// Reads `length` bytes (all, when `None`) of `path` from `offset`.
///
/// # Errors
/// [`TrainError::Data`] when the file cannot be read or holds fewer bytes.
pub fn read_slice(path: &Path, offset: u64, length: Option<u64>) -> Result<Vec<u8>, TrainError> {
    let fail = |message: String| TrainError::Data {
        file: path.to_path_buf(),
        message,
    };
    let mut file = std::fs::File::open(path).map_err(|e| fail(format!("cannot open it: {e}")))?;
    let size = file.metadata().map_err(|e| fail(e.to_string()))?.len();
    if offset > size {
        return Err(fail(format!(
            "offset {offset} is past its end ({size} bytes)"
        )));
    }
    let available = size - offset;
    let length = length.unwrap_or(available);
    if length > available {
        return Err(fail(format!(
            "asked for {length} bytes from offset {offset}, but only {available} are there"
        )));
    }
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| fail(e.to_string()))?;
    let mut bytes = Vec::with_capacity(length as usize);
    file.take(length)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    Ok(bytes)
}

/// Data cut into sequences of `seq_len` bytes, split in order into train, validation and
/// test (whole sequences; a tail shorter than a sequence is dropped).
#[derive(Debug, Clone)]
pub struct Splits {
    /// Bytes per sequence.
    pub seq_len: usize,
    /// Training sequences, concatenated.
    pub train: Vec<u8>,
    /// Validation sequences, concatenated.
    pub val: Vec<u8>,
    /// Test sequences, concatenated.
    pub test: Vec<u8>,
}

impl Splits {
    /// Splits `data` by the fractions `[train, val, test]` (summing to 1).
    ///
    /// # Errors
    /// A message when the data holds no full training sequence.
    pub fn new(data: &[u8], seq_len: usize, fractions: [f64; 3]) -> Result<Self, String> {
        let sequences = data.len() / seq_len;
        let train = (sequences as f64 * fractions[0]).floor() as usize;
        let val = (sequences as f64 * fractions[1]).floor() as usize;
        let test = sequences - train - val;
        if train == 0 {
            return Err(format!(
                "{} bytes make {sequences} sequences of {seq_len}: too few for a training split",
                data.len()
            ));
        }
        let at = |n: usize| n * seq_len;
        Ok(Self {
            seq_len,
            train: data[..at(train)].to_vec(),
            val: data[at(train)..at(train + val)].to_vec(),
            test: data[at(train + val)..at(train + val + test)].to_vec(),
        })
    }
}

/// Sequence indices of `split` in a seeded order, grouped into batches of `batch_size`
/// (the last batch may be smaller). The same seed and epoch give the same order, so a
/// resumed run sees the batches an uninterrupted one would have.
#[must_use]
pub fn batch_order(
    sequences: usize,
    batch_size: usize,
    seed: u64,
    epoch: usize,
) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..sequences).collect();
    let mut rng = crate::rng::XorShift64::new(
        (seed ^ 0x9E37_79B9_7F4A_7C15)
            .wrapping_add((epoch as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9)),
    );
    for i in (1..order.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order.chunks(batch_size).map(<[usize]>::to_vec).collect()
}

/// The sequences `indices` of `bytes` as a `[batch, seq_len]` tensor of byte values.
#[must_use]
pub fn batch_tensor(
    bytes: &[u8],
    seq_len: usize,
    indices: &[usize],
    device: &Device,
) -> Tensor<2, Int> {
    let rows: Vec<u8> = indices
        .iter()
        .flat_map(|&i| bytes[i * seq_len..(i + 1) * seq_len].iter().copied())
        .collect();
    byte_tensor(&rows, indices.len(), device)
}
