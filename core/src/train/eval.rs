//! Bits per byte of the float model.

use burn::tensor::activation::log_softmax;

use crate::model::{BoaBytePredictor, ModelState, byte_tensor};

/// Bytes per forward pass when evaluating a long input.
const SEGMENT: usize = 4096;

/// The float model's cross-entropy over `bytes`, in bits per byte, read as one sequence
/// from the zero state. The first byte has no prediction and counts 8 bits (BOA stores
/// each chunk's first byte raw).
///
/// `progress` is called with the bytes done after each segment.
pub fn bits_per_byte(
    model: &BoaBytePredictor,
    bytes: &[u8],
    progress: &mut dyn FnMut(usize),
) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let device = model.embedding.weight.device();
    let mut state = ModelState::zeros(&model.config(), 1, &device);
    let mut nats = 0f64;
    let mut start = 0;
    while start < bytes.len() {
        let end = (start + SEGMENT).min(bytes.len());
        let (logits, next) = model.forward_from(byte_tensor(&bytes[start..end], 1, &device), state);
        state = next;
        // logits[t] predicts bytes[start + t + 1]; the file's last logits predict nothing.
        let targets = &bytes[start + 1..(end + 1).min(bytes.len())];
        if !targets.is_empty() {
            let log_probs = log_softmax(logits.narrow(1, 0, targets.len()), 2);
            nats -= f64::from(
                log_probs
                    .gather(2, byte_tensor(targets, 1, &device).unsqueeze_dim(2))
                    .sum()
                    .into_scalar::<f32>(),
            );
        }
        progress(end);
        start = end;
    }
    (8.0 + nats / std::f64::consts::LN_2) / bytes.len() as f64
}

/// Mean cross-entropy in bits per predicted byte over sequences of `seq_len` bytes, each
/// from the zero state (the validation measure of training).
pub fn sequence_bits_per_byte(
    model: &BoaBytePredictor,
    bytes: &[u8],
    seq_len: usize,
    batch: usize,
) -> Option<f64> {
    let sequences = bytes.len() / seq_len;
    if sequences == 0 {
        return None;
    }
    let device = model.embedding.weight.device();
    let mut nats = 0f64;
    for first in (0..sequences).step_by(batch) {
        let count = batch.min(sequences - first);
        let chunk = &bytes[first * seq_len..(first + count) * seq_len];
        let tensor = byte_tensor(chunk, count, &device);
        let logits = model.forward(tensor.clone().narrow(1, 0, seq_len - 1));
        let targets = tensor.narrow(1, 1, seq_len - 1).unsqueeze_dim::<3>(2);
        nats -= f64::from(
            log_softmax(logits, 2)
                .gather(2, targets)
                .sum()
                .into_scalar::<f32>(),
        );
    }
    Some(nats / std::f64::consts::LN_2 / (sequences * (seq_len - 1)) as f64)
}
