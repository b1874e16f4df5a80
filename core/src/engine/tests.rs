//! Engine tests that need no trained model. Those that quantize a float model (feature
//! `model`) live in `model_tests` below; golden vectors are in the `tests/` crate.

use super::fixed::{I16_MAX, reference};
use super::kernels::{WideLinear, linear};
use super::model::QLinear;

#[test]
fn the_worst_case_dot_product_does_not_overflow() {
    // A row at the validation limit: Σ|w|·32767 + |b| ≤ 2^31 − 1, every input at ±32767
    // with the sign of its weight. Debug builds panic on overflow, so this proves the bound.
    let inputs = 515;
    let weights: Vec<i8> = (0..inputs)
        .map(|i| if i % 2 == 0 { 127 } else { -127 })
        .collect();
    let abs_sum: i64 = weights.iter().map(|&w| i64::from(w).abs()).sum();
    let bias = (i64::from(i32::MAX) - abs_sum * i64::from(I16_MAX)) as i32;
    let layer = QLinear {
        inputs,
        outputs: 1,
        weights: weights.clone(),
        bias: vec![bias],
        multiplier: vec![1 << 15],
        shift: vec![62],
    };
    layer
        .validate("worst", inputs, 1)
        .expect("at the limit, still valid");
    let x: Vec<i16> = weights
        .iter()
        .map(|&w| if w > 0 { 32_767 } else { -32_767 })
        .collect();
    let mut out = [0i16];
    linear(&WideLinear::from(&layer), &x, &mut out);
    assert_eq!(out[0], 0); // (2^31 − 1) · 2^15 / 2^62 rounds to 0

    let mut over = layer.clone();
    over.bias[0] += 1;
    assert!(over.validate("over", inputs, 1).is_err());
}

#[test]
fn reference_tables_are_valid() {
    assert!(super::fixed::Exp2Table::new(reference::exp2_entries()).is_some());
    assert!(super::fixed::InvSqrtTable::new(reference::inv_sqrt_entries()).is_some());
}

#[cfg(feature = "model")]
mod model_tests {
    use std::sync::OnceLock;

    use burn::tensor::activation::softmax;

    use crate::coder::FrequencyTable;
    use crate::container::{
        CompressOptions, DecompressOptions, compress_to_vec, decompress_to_vec,
    };
    use crate::engine::{Engine, MODEL_VERSION, ModelFileError, QuantizedModel};
    use crate::model::config::ModelConfig;
    use crate::model::{BoaBytePredictor, byte_tensor};
    use crate::predictor::Predictor;
    use crate::quantize::{QuantizeOptions, quantize};

    /// Bytes with structure a model can pick up: a noisy counter and repeated words.
    fn sample(len: usize, seed: u32) -> Vec<u8> {
        let mut rng = crate::rng::XorShift64::new(u64::from(seed).wrapping_mul(2_654_435_761));
        (0..len)
            .map(|i| {
                let x = rng.next_u64();
                match i % 8 {
                    0..=3 => b"boa!"[i % 4],
                    4 => (i / 8) as u8,
                    _ => (x % 7) as u8 + b'0',
                }
            })
            .collect()
    }

    struct Fixture {
        float: BoaBytePredictor,
        engine: Engine,
        bytes: Vec<u8>,
    }

    /// A seeded random 2-layer model (d_model 16), quantized once for all tests.
    fn fixture() -> &'static Fixture {
        static FIXTURE: OnceLock<Fixture> = OnceLock::new();
        FIXTURE.get_or_init(|| {
            let _guard = crate::rng_lock();
            let device = burn::tensor::Device::flex();
            device.seed(7);
            let float = BoaBytePredictor::new(&ModelConfig::new(16, 2), &device);
            let calib = sample(3000, 1);
            let (model, _) = quantize(
                &float,
                &calib,
                &QuantizeOptions::default(),
                &mut |_, _, _| {},
            )
            .expect("quantizes");
            let bytes = model.to_bytes();
            Fixture {
                float,
                engine: Engine::from_bytes(&bytes).expect("loads"),
                bytes,
            }
        })
    }

    fn chunk_tables(engine: &Engine, chunk: &[u8]) -> Vec<FrequencyTable> {
        let mut tables = Vec::new();
        engine
            .chunk_tables(chunk, &mut |t| tables.push(t.clone()))
            .expect("tables");
        tables
    }

    #[test]
    fn encode_and_decode_schedules_give_identical_tables() {
        let engine = &fixture().engine;
        // Chunks of different lengths, longer than one encoding pass.
        let chunks: Vec<Vec<u8>> = [700, 1, 513, 256, 90]
            .iter()
            .enumerate()
            .map(|(i, &n)| sample(n, i as u32 + 10))
            .collect();
        let expected: Vec<Vec<FrequencyTable>> =
            chunks.iter().map(|c| chunk_tables(engine, c)).collect();
        for group in [1usize, 2, 5] {
            for start in (0..chunks.len()).step_by(group) {
                let members = &chunks[start..(start + group).min(chunks.len())];
                let mut lanes: Vec<_> = members.iter().map(|_| engine.new_lane()).collect();
                let mut tables = vec![FrequencyTable::uniform(); members.len()];
                let longest = members.iter().map(Vec::len).max().unwrap_or(0);
                for position in 0..longest {
                    // Lanes whose chunk ended drop out, as the container does.
                    let live: Vec<usize> = (0..members.len())
                        .filter(|&i| members[i].len() > position)
                        .collect();
                    let mut live_lanes: Vec<_> = live.iter().map(|&i| lanes[i].clone()).collect();
                    engine
                        .predict(&mut live_lanes, &mut tables[..live.len()])
                        .expect("predict");
                    for (k, &i) in live.iter().enumerate() {
                        assert_eq!(
                            tables[k],
                            expected[start + i][position],
                            "chunk {} position {position} group {group}",
                            start + i
                        );
                    }
                    let bytes: Vec<u8> = live.iter().map(|&i| members[i][position]).collect();
                    engine.advance(&mut live_lanes, &bytes).expect("advance");
                    for (lane, &i) in live_lanes.into_iter().zip(&live) {
                        lanes[i] = lane;
                    }
                }
            }
        }
    }

    #[test]
    fn files_are_identical_for_any_batch_lanes_and_threads() {
        let engine = &fixture().engine;
        let data = sample(5000, 3);
        let options = |batch_chunks| CompressOptions {
            chunk_len: 700,
            batch_chunks,
            embedded_model: None,
            store_incompressible: false,
            mixing: false,
        };
        let reference = compress_to_vec(engine, &data, &options(1)).expect("compresses");
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            pool.install(|| {
                assert_eq!(
                    compress_to_vec(engine, &data, &options(5)).expect("compresses"),
                    reference
                );
                for lanes in [1, 3, 16] {
                    let decoded = decompress_to_vec(
                        engine,
                        &reference,
                        &DecompressOptions {
                            lanes,
                            batch_chunks: 0,
                        },
                    )
                    .expect("decodes");
                    assert_eq!(decoded, data, "lanes {lanes}, threads {threads}");
                }
            });
        }
    }

    #[test]
    fn engine_logits_track_the_float_model() {
        let Fixture { float, engine, .. } = fixture();
        let input = sample(600, 5);
        let logit_frac = engine
            .model()
            .formats
            .iter()
            .find(|f| f.name == "logits")
            .map_or(0, |f| i32::from(f.frac));
        let codes = engine.sequence_logits(&input);
        let device = float.embedding.weight.device();
        let reference =
            crate::quantize::host_values(float.forward(byte_tensor(&input, 1, &device)));
        let scale = f64::from(-logit_frac).exp2();
        let mut worst = 0f64;
        let mut largest = 0f64;
        for (&q, &f) in codes.iter().zip(&reference) {
            worst = worst.max((f64::from(q) * scale - f64::from(f)).abs());
            largest = largest.max(f64::from(f).abs());
        }
        assert!(
            worst < 0.02 * largest.max(1.0),
            "largest logit error {worst} (logits up to {largest})"
        );
        // And the probabilities agree closely.
        let probs = crate::quantize::host_values(softmax(
            float.forward(byte_tensor(&input, 1, &device)),
            2,
        ));
        let table = engine.table(&codes[..256]).expect("table");
        let p0 = f64::from(table.frequency(input[1])) / 65_536.0;
        assert!((p0 - f64::from(probs[usize::from(input[1])])).abs() < 0.01);
    }

    #[test]
    fn the_model_file_round_trips_and_rejects_damage() {
        let bytes = &fixture().bytes;
        let model = QuantizedModel::from_bytes(bytes).expect("reads");
        assert_eq!(&model.to_bytes(), bytes);
        for len in (0..bytes.len()).step_by(97) {
            assert!(
                QuantizedModel::from_bytes(&bytes[..len]).is_err(),
                "truncated to {len}"
            );
        }
        for at in (0..bytes.len()).step_by(31) {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x24;
            assert!(
                QuantizedModel::from_bytes(&damaged).is_err(),
                "flip at {at}"
            );
        }
        let newer_version = MODEL_VERSION + 1;
        let mut newer = bytes.clone();
        newer[8..10].copy_from_slice(&newer_version.to_le_bytes());
        assert!(matches!(
            QuantizedModel::from_bytes(&newer),
            Err(ModelFileError::UnsupportedVersion(v)) if v == newer_version
        ));
    }

    #[test]
    fn a_model_whose_accumulator_could_overflow_is_refused() {
        let mut model = QuantizedModel::from_bytes(&fixture().bytes).expect("reads");
        let layer = &mut model.blocks[0].ff_contract;
        for w in layer.weights.iter_mut().take(layer.inputs) {
            *w = 127;
        }
        layer.bias[0] = i32::MAX - 10;
        let error = Engine::new(model).err().expect("refused");
        assert!(error.to_string().contains("overflow"), "{error}");
    }
}
