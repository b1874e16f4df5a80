//! Range coder throughput (MB/s of original bytes) and size against the ideal, on tables
//! shaped like a byte model's: a different peaked table at every position, symbols drawn
//! from them.
//!
//! `cargo bench -p boa-core --bench range_coder`

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use boa_core::coder::{FrequencyTable, RangeDecoder, RangeEncoder, SYMBOLS};
use boa_core::rng::XorShift64;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SYMBOL_COUNT: usize = 1 << 20;

struct Workload {
    name: &'static str,
    tables: Vec<FrequencyTable>,
    /// `(table index, symbol)` for every position.
    symbols: Vec<(u16, u8)>,
}

/// 256 tables with a peak at a random byte, falling off by `2^-(sharpness·distance)`;
/// symbols sampled from the table of their position.
fn workload(name: &'static str, sharpness: u32, seed: u64) -> Workload {
    let mut rng = XorShift64::new(seed);
    let tables: Vec<FrequencyTable> = (0..256)
        .map(|_| {
            let peak = (rng.next_u64() % 256) as i32;
            let mut counts = [0u32; SYMBOLS];
            for (s, c) in counts.iter_mut().enumerate() {
                let distance = (s as i32 - peak).unsigned_abs();
                *c = (1u32 << 30) >> (distance * sharpness).min(30);
            }
            FrequencyTable::from_counts(&counts)
        })
        .collect();
    let symbols = (0..SYMBOL_COUNT)
        .map(|_| {
            let t = (rng.next_u64() % tables.len() as u64) as u16;
            let target = (rng.next_u64() >> 48) as u32;
            let table = &tables[usize::from(t)];
            let s = (0..=255u8)
                .rev()
                .find(|&s| table.cumulative(s) <= target)
                .unwrap_or(0);
            (t, s)
        })
        .collect();
    Workload {
        name,
        tables,
        symbols,
    }
}

fn encode(w: &Workload) -> Vec<u8> {
    let mut encoder = RangeEncoder::with_capacity(w.symbols.len());
    for &(t, s) in &w.symbols {
        encoder.encode(&w.tables[usize::from(t)], s);
    }
    encoder.finish()
}

fn decode(w: &Workload, stream: &[u8]) -> u64 {
    let mut decoder = RangeDecoder::new(stream).expect("valid stream");
    let mut sum = 0u64;
    for &(t, _) in &w.symbols {
        sum += u64::from(decoder.decode(&w.tables[usize::from(t)]));
    }
    sum
}

fn report_overhead(w: &Workload, stream: &[u8]) {
    let ideal_bits: f64 = w
        .symbols
        .iter()
        .map(|&(t, s)| w.tables[usize::from(t)].cost_bits(s))
        .sum();
    let coded_bits = stream.len() as f64 * 8.0;
    eprintln!(
        "{:>8}: {:.4} bits/byte ideal, {} bytes coded vs {:.1} ideal: overhead {:+.5} %",
        w.name,
        ideal_bits / w.symbols.len() as f64,
        stream.len(),
        ideal_bits / 8.0,
        (coded_bits / ideal_bits - 1.0) * 100.0
    );
}

fn bench(c: &mut Criterion) {
    for w in [
        workload("sharp", 3, 1),
        workload("medium", 1, 2),
        workload("uniform", 0, 3),
    ] {
        let stream = encode(&w);
        report_overhead(&w, &stream);
        let mut group = c.benchmark_group(format!("range_coder/{}", w.name));
        group.throughput(Throughput::Bytes(w.symbols.len() as u64));
        group.sample_size(20);
        group.bench_function("encode", |b| b.iter(|| black_box(encode(&w))));
        group.bench_function("decode", |b| b.iter(|| black_box(decode(&w, &stream))));
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
