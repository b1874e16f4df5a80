//! The shaders against the CPU engine, on whatever adapter this machine has (lavapipe in
//! CI). Without an adapter the tests skip with a message, unless `CI=true`: then they fail.

use std::sync::OnceLock;

use super::{FixedCheck, FixedOp, GpuContext};
use crate::engine::fixed::{
    self, Exp2Table, InvSqrtTable, LUT_LEN, LUT_MAX_ENTRY, LUT_MAX_STEP, Lut,
};
use crate::rng::XorShift64;

/// The device and the check kernel, opened once for all tests.
fn gpu() -> Option<&'static (GpuContext, FixedCheck)> {
    static GPU: OnceLock<Option<(GpuContext, FixedCheck)>> = OnceLock::new();
    GPU.get_or_init(|| {
        let opened = GpuContext::new_blocking().and_then(|context| {
            let check = pollster::block_on(FixedCheck::new(&context))?;
            Ok((context, check))
        });
        match opened {
            Ok(gpu) => {
                eprintln!("GPU tests on {:?}", gpu.0.adapter());
                Some(gpu)
            }
            Err(error) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI=true, so the GPU tests must run, but: {error}")
            }
            Err(error) => {
                eprintln!("GPU tests skipped: {error}");
                None
            }
        }
    })
    .as_ref()
}

fn run(op: FixedOp, table: &[i32], args: &[[i32; 4]]) -> Option<Vec<[i32; 2]>> {
    let (context, check) = gpu()?;
    let results = pollster::block_on(check.execute(context, op, table, args));
    Some(results.unwrap_or_else(|e| panic!("{op:?}: {e}")))
}

/// Compares the GPU's first results with `want` element by element.
fn assert_same(
    op: FixedOp,
    table: &[i32],
    args: &[[i32; 4]],
    want: impl Fn(&[i32; 4]) -> [i32; 2],
) {
    let Some(got) = run(op, table, args) else {
        return;
    };
    assert_eq!(got.len(), args.len());
    for (arg, got) in args.iter().zip(&got) {
        assert_eq!(*got, want(arg), "{op:?} of {arg:?}");
    }
}

const EDGES: [i32; 17] = [
    i32::MIN,
    i32::MIN + 1,
    -(1 << 30),
    -65_536,
    -32_768,
    -32_767,
    -255,
    -1,
    0,
    1,
    255,
    32_767,
    32_768,
    65_535,
    65_536,
    1 << 30,
    i32::MAX,
];

const EDGE_SHIFTS: [i32; 12] = [0, 1, 15, 16, 17, 31, 32, 33, 45, 46, 61, 62];

/// Every pair of edge values at every edge shift, then random triples.
fn product_args(
    shifts: std::ops::RangeInclusive<i32>,
    b_range: Option<std::ops::RangeInclusive<i32>>,
) -> Vec<[i32; 4]> {
    let mut rng = XorShift64::new(0x6770_7531);
    let clip_b = |b: i32| {
        b_range
            .as_ref()
            .map_or(b, |r| b.clamp(*r.start(), *r.end()))
    };
    let mut args = Vec::new();
    for &a in &EDGES {
        for &b in &EDGES {
            for &s in EDGE_SHIFTS.iter().filter(|s| shifts.contains(s)) {
                args.push([a, clip_b(b), s, 0]);
            }
        }
    }
    let span = (shifts.end() - shifts.start() + 1) as u64;
    for _ in 0..20_000 {
        let a = rng.next_u64() as i32 >> (rng.next_u64() % 32);
        let b = clip_b(rng.next_u64() as i32 >> (rng.next_u64() % 32));
        let s = shifts.start() + (rng.next_u64() % span) as i32;
        let limit = (rng.next_u64() as i32 >> (rng.next_u64() % 32)).max(0);
        args.push([a, b, s, limit]);
    }
    args
}

fn saturated(value: i64) -> i32 {
    value.clamp(-i64::from(i32::MAX), i64::from(i32::MAX)) as i32
}

#[test]
fn mul_round_matches_the_64_bit_product() {
    let args = product_args(0..=62, None);
    assert_same(FixedOp::MulRound, &[], &args, |&[a, b, s, _]| {
        [saturated(fixed::mul_round(a, b, s as u32)), 0]
    });
}

#[test]
fn mul_round_clamp_matches_the_cpu() {
    let mut args = product_args(0..=62, None);
    for (arg, limit) in args.iter_mut().zip(
        [0, 1, 32_767, 1 << 29, (1 << 30) - 1, i32::MAX]
            .iter()
            .cycle(),
    ) {
        if arg[3] == 0 {
            arg[3] = *limit;
        }
    }
    assert_same(FixedOp::MulRoundClamp, &[], &args, |&[a, b, s, limit]| {
        [fixed::mul_round_clamp(a, b, s as u32, limit), 0]
    });
}

#[test]
fn mul16_matches_the_64_bit_product_where_it_applies() {
    // b a 16-bit code and 16 ≤ shift ≤ 46, as the scan uses it; a whole, unclamped.
    let args = product_args(16..=46, Some(-32_768..=32_767));
    assert_same(FixedOp::Mul16, &[], &args, |&[a, b, s, _]| {
        let wide = fixed::mul_round(a, b, s as u32);
        [
            i32::try_from(wide).unwrap_or_else(|_| panic!("{a}·{b}>>{s} = {wide}")),
            0,
        ]
    });
}

#[test]
fn clamp16_matches_the_cpu() {
    let args: Vec<_> = EDGES.iter().map(|&a| [a, 0, 0, 0]).collect();
    assert_same(FixedOp::Clamp16, &[], &args, |&[a, ..]| {
        [i32::from(fixed::clamp_i16(i64::from(a))), 0]
    });
}

/// Every 16-bit code, the clamped ends beyond, and the edges.
fn every_code() -> Vec<[i32; 4]> {
    (-32_768..=32_767)
        .chain(EDGES)
        .chain([-32_769, 32_768])
        .map(|q| [q, 0, 0, 0])
        .collect()
}

#[test]
fn function_tables_match_the_cpu_on_every_code() {
    // A random walk with the largest steps allowed, and the alternating worst case.
    let mut rng = XorShift64::new(7);
    let mut walk = vec![0i32; LUT_LEN];
    for i in 1..LUT_LEN {
        let step = (rng.next_u64() % (2 * LUT_MAX_STEP as u64 + 1)) as i32 - LUT_MAX_STEP;
        walk[i] = (walk[i - 1] + step).clamp(-LUT_MAX_ENTRY, LUT_MAX_ENTRY);
    }
    let alternating: Vec<i32> = (0..LUT_LEN)
        .map(|i| {
            if i % 2 == 0 {
                -LUT_MAX_ENTRY
            } else {
                -LUT_MAX_ENTRY + LUT_MAX_STEP
            }
        })
        .collect();
    for entries in [walk, alternating] {
        let lut = Lut::new(entries.clone()).expect("a valid table");
        assert_same(FixedOp::LutLookup, &entries, &every_code(), |&[q, ..]| {
            [lut.lookup(q), 0]
        });
    }
}

#[test]
fn exp2_matches_the_cpu() {
    let entries = fixed::reference::exp2_entries();
    let table = Exp2Table::new(entries.clone()).expect("the standard table");
    let mut rng = XorShift64::new(11);
    let args: Vec<_> = (0..(32 << 16))
        .step_by(13)
        .chain(EDGES)
        .chain((29..=32).map(|w| w << 16))
        .chain((0..20_000).map(|_| rng.next_u64() as i32 >> (rng.next_u64() % 32)))
        .map(|y| [y, 0, 0, 0])
        .collect();
    assert_same(FixedOp::Exp2Neg, &entries, &args, |&[y, ..]| {
        [table.exp2_neg(y), 0]
    });
}

#[test]
fn inv_sqrt_matches_the_cpu() {
    let entries = fixed::reference::inv_sqrt_entries();
    let table = InvSqrtTable::new(entries.clone()).expect("the standard table");
    let mut rng = XorShift64::new(13);
    let powers = (0..32).flat_map(|k| {
        let p = 1u32 << k;
        [p.wrapping_sub(1), p, p.wrapping_add(1)]
    });
    let args: Vec<_> = [0u32, 1, 2, 3, 4095, 4096, 4097, 16_383, 16_384, u32::MAX]
        .into_iter()
        .chain(powers)
        .chain((0..20_000).map(|_| (rng.next_u64() as u32) >> (rng.next_u64() % 32)))
        .map(|v| [v as i32, 0, 0, 0])
        .collect();
    assert_same(FixedOp::InvSqrt, &entries, &args, |&[v, ..]| {
        let (t, j) = table.inv_sqrt(v as u32);
        [t, j]
    });
}

#[test]
fn an_empty_check_is_empty() {
    if let Some(results) = run(FixedOp::MulRound, &[], &[]) {
        assert!(results.is_empty());
    }
}

mod forward {
    use super::gpu;
    use crate::coder::FrequencyTable;
    use crate::engine::Engine;
    use crate::gpu::{GpuLanes, GpuModel};
    use crate::predictor::Predictor;

    fn golden(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/golden")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn golden_engine() -> Engine {
        Engine::from_bytes(&golden("engine-tiny.boam")).expect("the golden model")
    }

    /// The CPU's tables for `chunk` (the first is uniform), as frequencies.
    fn cpu_tables(engine: &Engine, chunk: &[u8]) -> Vec<[u32; 256]> {
        let mut out = Vec::new();
        engine
            .chunk_tables(chunk, &mut |t| out.push(frequencies(t)))
            .expect("tables");
        out
    }

    fn frequencies(table: &FrequencyTable) -> [u32; 256] {
        std::array::from_fn(|s| table.frequency(s as u8))
    }

    /// The GPU's tables for each of `chunks` (equal lengths), run as lanes of one batch
    /// in forward passes over `window` positions per lane (1: the decoding schedule; more:
    /// the teacher-forced one), the last window cut short by idle rows.
    fn gpu_tables(
        engine: &Engine,
        chunks: &[&[u8]],
        window: usize,
    ) -> Option<Vec<Vec<[u32; 256]>>> {
        let (context, _) = gpu()?;
        let model = pollster::block_on(GpuModel::new(context, engine)).expect("model");
        let lanes = pollster::block_on(GpuLanes::new(context, &model, chunks.len(), window))
            .expect("lanes");
        assert_eq!(lanes.rows(), chunks.len() * window);
        let tables =
            pollster::block_on(lanes.chunk_tables(context, &model, chunks)).expect("tables");
        let uniform = frequencies(&FrequencyTable::uniform());
        let out = tables
            .into_iter()
            .map(|rest| std::iter::once(uniform).chain(rest).collect())
            .collect();
        Some(out)
    }

    #[test]
    fn every_lane_gets_the_cpu_tables() {
        let engine = golden_engine();
        let input = golden("engine-input.bin");
        for (lanes, window) in [(1, 1), (3, 1), (8, 1), (3, 7), (2, 64), (5, 119)] {
            let chunks: Vec<&[u8]> = (0..lanes).map(|l| &input[l * 500..l * 500 + 120]).collect();
            let Some(got) = gpu_tables(&engine, &chunks, window) else {
                return;
            };
            for (lane, (chunk, got)) in chunks.iter().zip(&got).enumerate() {
                let want = cpu_tables(&engine, chunk);
                assert_eq!(got.len(), want.len());
                for (t, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert_eq!(
                        g, w,
                        "{lanes} lanes, window {window}: lane {lane}, position {t}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_golden_tables_hash_is_reproduced_by_both_schedules() {
        let engine = golden_engine();
        let input = golden("engine-input.bin");
        let want = String::from_utf8(golden("engine-tables.blake3")).expect("text");
        for window in [1, 13, 299] {
            let Some(got) = gpu_tables(&engine, &[&input[..300]], window) else {
                return;
            };
            let mut hasher = blake3::Hasher::new();
            for freqs in &got[0] {
                let table = FrequencyTable::from_frequencies(freqs).expect("a valid table");
                for c in table.cumulative_table() {
                    hasher.update(&c.to_le_bytes());
                }
            }
            assert_eq!(got[0].len(), 300);
            assert_eq!(
                hasher.finalize().to_hex().as_str(),
                want.trim(),
                "window {window}"
            );
        }
    }
}

mod codec {
    use super::gpu;
    use crate::coder::{FrequencyTable, RangeDecoder};
    use crate::container::chunk::encode_chunk;
    use crate::container::{
        CompressOptions, DecompressOptions, compress_to_vec, decompress_to_vec,
    };
    use crate::engine::Engine;
    use crate::gpu::{GpuContext, GpuPredictor};
    use crate::predictor::{CodedStream, Predictor};

    fn golden(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/golden")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The golden model on the GPU, `lanes` per batch (`None` without an adapter).
    fn predictor(lanes: usize) -> Option<(Engine, GpuPredictor)> {
        gpu()?;
        let engine = Engine::from_bytes(&golden("engine-tiny.boam")).expect("golden model");
        let context = GpuContext::new_blocking().expect("a second device");
        let predictor = GpuPredictor::new(context, &engine, lanes).expect("the model");
        Some((engine, predictor))
    }

    #[test]
    fn gpu_encoding_writes_the_golden_file() {
        let input = golden("engine-input.bin");
        let options = CompressOptions {
            chunk_len: 1024,
            store_incompressible: false,
            ..CompressOptions::default()
        };
        for lanes in [1, 3, 16] {
            let Some((_, predictor)) = predictor(lanes) else {
                return;
            };
            let file = compress_to_vec(&predictor, &input, &options).expect("compress");
            assert!(
                file == golden("engine-input.boa"),
                "{lanes} lanes per batch"
            );
        }
    }

    #[test]
    fn gpu_decoding_restores_the_golden_input() {
        let input = golden("engine-input.bin");
        let file = golden("engine-input.boa");
        for (lanes_per_batch, lanes) in [(7, 2), (64, 5), (4, 3)] {
            let Some((_, predictor)) = predictor(lanes_per_batch) else {
                return;
            };
            let options = DecompressOptions {
                lanes,
                batch_chunks: 0,
            };
            let restored = decompress_to_vec(&predictor, &file, &options).expect("decompress");
            assert!(
                restored == input,
                "batches of {lanes_per_batch}, {lanes} lanes"
            );
        }
    }

    #[test]
    fn steps_per_submit_leave_the_bytes_unchanged() {
        let input = golden("engine-input.bin");
        let file = golden("engine-input.boa");
        let options = CompressOptions {
            chunk_len: 1024,
            store_incompressible: false,
            ..CompressOptions::default()
        };
        for (steps, lanes) in [(1, 4), (7, 3), (64, 16)] {
            let Some((_, predictor)) = predictor(lanes) else {
                return;
            };
            let predictor = predictor.with_steps_per_submit(steps);
            assert_eq!(predictor.steps_per_submit(lanes), steps);
            let encoded = compress_to_vec(&predictor, &input, &options).expect("compress");
            assert!(encoded == file, "{steps} steps per submit, {lanes} lanes");
            let decode = DecompressOptions {
                lanes,
                batch_chunks: 0,
            };
            let decoded = decompress_to_vec(&predictor, &file, &decode).expect("decompress");
            assert!(decoded == input, "{steps} steps per submit, {lanes} lanes");
        }
    }

    #[test]
    fn chunks_decode_in_any_order_and_say_how_far_they_read() {
        let Some((engine, predictor)) = predictor(5) else {
            return;
        };
        let predictor = predictor.with_steps_per_submit(7);
        let input = golden("engine-input.bin");
        // Chunks of several lengths, coded by the CPU, one with bytes too many.
        let chunks: Vec<&[u8]> = [0usize, 1, 2, 100, 333, 1000, 3000]
            .iter()
            .scan(0usize, |at, &len| {
                let chunk = input.get(*at..*at + len)?;
                *at += len;
                Some(chunk)
            })
            .collect();
        assert_eq!(chunks.len(), 7);
        let mut streams: Vec<Vec<u8>> = chunks
            .iter()
            .map(|chunk| encode_chunk(&engine, chunk).expect("cpu").stream)
            .collect();
        streams[4].extend([0x5A; 8]);
        let mut order: Vec<usize> = (0..chunks.len()).collect();
        let mut rng = crate::rng::XorShift64::new(12);
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        assert_ne!(order, (0..chunks.len()).collect::<Vec<_>>());
        let coded: Vec<CodedStream<'_>> = order
            .iter()
            .map(|&i| CodedStream {
                stream: &streams[i],
                len: chunks[i].len(),
            })
            .collect();
        let decoded = predictor
            .decode_streams(&coded)
            .expect("the GPU decodes streams")
            .expect("decodes");
        for (&i, got) in order.iter().zip(&decoded) {
            // The CPU's decoding of the same stream.
            let mut cpu = RangeDecoder::new(&streams[i]).expect("start");
            let mut lane = [engine.new_lane()];
            let mut tables = [FrequencyTable::uniform()];
            let mut bytes = Vec::new();
            for _ in 0..chunks[i].len() {
                engine.predict(&mut lane, &mut tables).expect("predict");
                bytes.push(cpu.decode(&tables[0]));
                engine
                    .advance(&mut lane, &bytes[bytes.len() - 1..])
                    .expect("advance");
            }
            assert!(got.bytes == bytes, "chunk {i}");
            assert_eq!(got.read, cpu.bytes_read(), "chunk {i}");
            let extra = streams[i].len().saturating_sub(got.read);
            assert_eq!(extra > 0, i == 4, "chunk {i}: {extra} bytes unread");
            if i != 4 {
                assert!(got.bytes == chunks[i], "chunk {i}");
            }
        }
    }

    #[test]
    fn a_lost_device_is_an_error_or_finishes_on_the_cpu() {
        let input = golden("engine-input.bin");
        let file = golden("engine-input.boa");
        let options = CompressOptions {
            chunk_len: 1024,
            store_incompressible: false,
            ..CompressOptions::default()
        };
        // Batches of 2 chunks: the device is lost after the first batch, mid-file.
        let decode = DecompressOptions {
            lanes: 5,
            batch_chunks: 0,
        };
        let Some((_, strict)) = predictor(2) else {
            return;
        };
        strict.lose_device_after(1);
        let error = decompress_to_vec(&strict, &file, &decode).expect_err("a lost device");
        let reason = std::error::Error::source(&error).map(ToString::to_string);
        assert!(
            reason.as_deref().is_some_and(|r| r.contains("GPU")),
            "{error}: {reason:?}"
        );
        for encode in [false, true] {
            let Some((engine, gpu)) = predictor(2) else {
                return;
            };
            let predictor = gpu.with_cpu_fallback(engine);
            predictor.lose_device_after(1);
            if encode {
                let encoded = compress_to_vec(&predictor, &input, &options).expect("compress");
                assert!(encoded == file, "the file finished on the CPU differs");
            } else {
                let decoded = decompress_to_vec(&predictor, &file, &decode).expect("decompress");
                assert!(decoded == input, "the bytes finished on the CPU differ");
            }
            let reason = predictor.fell_back().expect("it fell back");
            eprintln!("fell back to the CPU: {reason}");
            assert!(!reason.is_empty());
        }
    }

    #[test]
    fn thousands_of_chunks_code_in_bounded_batches() {
        let Some((engine, predictor)) = predictor(256) else {
            return;
        };
        assert!(predictor.lanes_per_batch() <= 256);
        // 2,500 chunks of 2 bytes, every one coded, in groups of 1,000 chunks: each group
        // goes to the device in batches of at most 256 rows.
        let input = &golden("engine-input.bin")[..5000];
        let options = CompressOptions {
            chunk_len: 2,
            store_incompressible: false,
            ..CompressOptions::default()
        };
        let by_cpu = compress_to_vec(&engine, input, &options).expect("cpu");
        let by_gpu = compress_to_vec(&predictor, input, &options).expect("gpu");
        assert!(by_cpu == by_gpu, "the backends wrote different files");
        let decode = DecompressOptions {
            lanes: 1000,
            batch_chunks: 2500,
        };
        assert!(decompress_to_vec(&predictor, &by_cpu, &decode).expect("gpu") == input);
    }

    #[test]
    fn step_by_step_tables_equal_the_cpus() {
        // The predict/advance interface (one submit per position) that evaluation uses.
        let Some((engine, predictor)) = predictor(2) else {
            return;
        };
        let input = golden("engine-input.bin");
        let chunk = &input[..300];
        let mut on_cpu = Vec::new();
        engine
            .chunk_tables(chunk, &mut |t| on_cpu.push(t.clone()))
            .expect("cpu");
        let mut on_gpu = Vec::new();
        let mut lane = [predictor.new_lane()];
        let mut table = [FrequencyTable::uniform()];
        for &byte in chunk {
            predictor.predict(&mut lane, &mut table).expect("predict");
            on_gpu.push(table[0].clone());
            predictor.advance(&mut lane, &[byte]).expect("advance");
        }
        assert!(on_cpu == on_gpu, "the step-by-step tables differ");
    }

    #[test]
    fn cpu_and_gpu_read_each_others_files_and_agree_on_corruption() {
        let Some((engine, predictor)) = predictor(8) else {
            return;
        };
        let data: Vec<u8> = golden("engine-input.bin").repeat(2);
        let options = CompressOptions {
            chunk_len: 700,
            ..CompressOptions::default()
        };
        let by_cpu = compress_to_vec(&engine, &data, &options).expect("cpu");
        let by_gpu = compress_to_vec(&predictor, &data, &options).expect("gpu");
        assert!(by_cpu == by_gpu, "the backends wrote different files");
        let lanes = DecompressOptions::default();
        assert!(decompress_to_vec(&predictor, &by_cpu, &lanes).expect("gpu") == data);
        assert!(decompress_to_vec(&engine, &by_gpu, &lanes).expect("cpu") == data);
        let mut corrupt = by_gpu.clone();
        let middle = corrupt.len() / 2;
        corrupt[middle] ^= 0x10;
        let on_cpu = decompress_to_vec(&engine, &corrupt, &lanes).expect_err("corrupt");
        let on_gpu = decompress_to_vec(&predictor, &corrupt, &lanes).expect_err("corrupt");
        assert_eq!(on_cpu.to_string(), on_gpu.to_string());
    }

    /// Bytes that exercise every context model: 15-byte records (the record detector),
    /// a repeated sentence (the match model), and noise.
    fn mixing_input() -> Vec<u8> {
        let mut data = Vec::new();
        for record in 0u32..160 {
            data.extend_from_slice(&[0xA5, 0x5A, (record % 7) as u8]);
            data.extend_from_slice(&(record * 3).to_le_bytes());
            data.extend_from_slice(&(1000 + record * record).to_le_bytes());
            data.extend_from_slice(&[1, 2, 3, (record % 3) as u8]);
        }
        for _ in 0..12 {
            data.extend_from_slice(b"the detector saw a muon; the detector saw a muon. ");
        }
        let mut rng = crate::rng::XorShift64::new(0x6d69);
        data.extend((0..400).map(|_| rng.next_u64().to_le_bytes()[2]));
        data
    }

    #[test]
    fn context_mixing_on_the_gpu_writes_and_reads_the_cpus_files() {
        let data = mixing_input();
        let options = CompressOptions {
            chunk_len: 1500,
            store_incompressible: false,
            mixing: true,
            ..CompressOptions::default()
        };
        let Some((engine, _)) = predictor(1) else {
            return;
        };
        let by_cpu = compress_to_vec(&engine, &data, &options).expect("cpu");
        for (steps, lanes) in [(64, 4), (7, 3), (1, 1)] {
            let Some((_, predictor)) = predictor(lanes) else {
                return;
            };
            let predictor = predictor.with_steps_per_submit(steps);
            let by_gpu = compress_to_vec(&predictor, &data, &options).expect("gpu");
            assert!(by_gpu == by_cpu, "{steps} steps per submit, {lanes} lanes");
            let decode = DecompressOptions {
                lanes,
                batch_chunks: 0,
            };
            let decoded = decompress_to_vec(&predictor, &by_cpu, &decode).expect("gpu");
            assert!(decoded == data, "{steps} steps per submit, {lanes} lanes");
        }
    }

    #[test]
    fn the_golden_mixing_file_is_written_and_read_on_the_gpu() {
        let input = golden("engine-input.bin");
        let file = golden("engine-input-mixing.boa");
        let Some((_, predictor)) = predictor(4) else {
            return;
        };
        let header = crate::BoaFile::open(std::io::Cursor::new(&file)).expect("golden");
        let options = CompressOptions {
            chunk_len: header.header().chunk_len,
            store_incompressible: false,
            mixing: true,
            ..CompressOptions::default()
        };
        assert!(compress_to_vec(&predictor, &input, &options).expect("gpu") == file);
        let decoded = decompress_to_vec(&predictor, &file, &DecompressOptions::default());
        assert!(decoded.expect("gpu") == input);
    }
}
