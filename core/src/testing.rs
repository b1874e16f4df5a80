//! Small deterministic predictors for tests, fuzzing and benchmarks.
//!
//! They are not neural: they exist so that the codec and the container can be tested
//! before (and independently of) the model, with tables that really adapt to the data.

use crate::coder::{FrequencyTable, SYMBOLS};
use crate::predictor::{ModelFingerprint, PredictError, Predictor};

/// An adaptive order-1 model: counts of each byte after each previous byte.
///
/// Tables come from [`FrequencyTable::from_counts`] over `counts[prev]`, where each count
/// starts at 1 and grows by `increment` each time the byte follows `prev`; a context's
/// counts are halved when their sum passes `limit`. The first byte of a chunk uses
/// context 0.
#[derive(Debug, Clone)]
pub struct AdaptiveOrder1 {
    increment: u32,
    limit: u32,
}

/// One chunk's state for [`AdaptiveOrder1`].
#[derive(Debug, Clone)]
pub struct Order1Lane {
    previous: u8,
    counts: Vec<[u32; SYMBOLS]>,
    sums: Vec<u32>,
}

impl Default for AdaptiveOrder1 {
    fn default() -> Self {
        Self::new(24, 1 << 16)
    }
}

impl AdaptiveOrder1 {
    /// A model adding `increment` per occurrence and halving past `limit`.
    #[must_use]
    pub fn new(increment: u32, limit: u32) -> Self {
        Self { increment, limit }
    }

    /// The bytes that stand in for this model's file, hashed for its fingerprint.
    #[must_use]
    pub fn model_bytes(&self) -> Vec<u8> {
        let mut bytes = b"boa-test-adaptive-order1".to_vec();
        bytes.extend_from_slice(&self.increment.to_le_bytes());
        bytes.extend_from_slice(&self.limit.to_le_bytes());
        bytes
    }

    fn table(lane: &Order1Lane) -> FrequencyTable {
        FrequencyTable::from_counts(&lane.counts[usize::from(lane.previous)])
    }

    fn update(&self, lane: &mut Order1Lane, byte: u8) {
        let context = usize::from(lane.previous);
        let counts = &mut lane.counts[context];
        counts[usize::from(byte)] += self.increment;
        lane.sums[context] += self.increment;
        if lane.sums[context] > self.limit {
            for c in counts.iter_mut() {
                *c = (*c).div_ceil(2);
            }
            lane.sums[context] = counts.iter().sum();
        }
        lane.previous = byte;
    }
}

impl Predictor for AdaptiveOrder1 {
    type Lane = Order1Lane;

    fn fingerprint(&self) -> ModelFingerprint {
        ModelFingerprint::of_bytes(&self.model_bytes())
    }

    fn new_lane(&self) -> Order1Lane {
        Order1Lane {
            previous: 0,
            counts: vec![[1; SYMBOLS]; SYMBOLS],
            sums: vec![SYMBOLS as u32; SYMBOLS],
        }
    }

    fn predict(
        &self,
        lanes: &mut [Order1Lane],
        tables: &mut [FrequencyTable],
    ) -> Result<(), PredictError> {
        for (lane, table) in lanes.iter().zip(tables.iter_mut()) {
            *table = Self::table(lane);
        }
        Ok(())
    }

    fn advance(&self, lanes: &mut [Order1Lane], bytes: &[u8]) -> Result<(), PredictError> {
        for (lane, &byte) in lanes.iter_mut().zip(bytes) {
            self.update(lane, byte);
        }
        Ok(())
    }
}
