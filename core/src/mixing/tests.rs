use super::*;
use crate::testing::{AdaptiveOrder1, FixedTable};

fn records(count: u32) -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..count {
        data.extend_from_slice(&[0xA5, 0x5A, (i % 7) as u8, (i * 13) as u8]);
        data.extend_from_slice(&(1000 + i * 3).to_le_bytes());
        data.extend_from_slice(b"hit;");
    }
    data
}

fn cost_bits<P: Predictor>(predictor: &P, chunk: &[u8]) -> f64 {
    let mut bits = 0.0;
    let mut bytes = chunk.iter();
    predictor
        .chunk_tables(chunk, &mut |table| {
            if let Some(&b) = bytes.next() {
                bits += table.cost_bits(b);
            }
        })
        .expect("tables");
    bits
}

#[test]
fn stepping_lanes_gives_the_whole_chunk_tables() {
    let neural = AdaptiveOrder1::new(24, 60_000);
    let mixing = Mixing::new(&neural);
    let chunks = [
        records(300),
        b"abracadabra abracadabra, abracadabra!".repeat(20),
    ];
    let mut whole: Vec<Vec<FrequencyTable>> = Vec::new();
    for chunk in &chunks {
        let mut tables = Vec::new();
        mixing
            .chunk_tables(chunk, &mut |t| tables.push(t.clone()))
            .expect("tables");
        whole.push(tables);
    }
    let mut lanes: Vec<_> = chunks.iter().map(|_| mixing.new_lane()).collect();
    let mut tables = vec![FrequencyTable::uniform(); chunks.len()];
    let shortest = chunks.iter().map(Vec::len).min().unwrap_or(0);
    for i in 0..shortest {
        mixing.predict(&mut lanes, &mut tables).expect("predict");
        for (c, table) in tables.iter().enumerate() {
            assert!(*table == whole[c][i], "chunk {c}, position {i}");
        }
        let bytes: Vec<u8> = chunks.iter().map(|c| c[i]).collect();
        mixing.advance(&mut lanes, &bytes).expect("advance");
    }
}

#[test]
fn mixing_beats_a_model_that_knows_nothing_about_records() {
    let data = records(2000);
    let neural = FixedTable::skewed();
    let alone = cost_bits(&neural, &data);
    let mixed = cost_bits(&Mixing::new(&neural), &data);
    assert!(
        mixed < alone * 0.25,
        "mixed {mixed:.0} bits, alone {alone:.0}"
    );
}

#[test]
fn mixing_costs_little_where_the_neural_model_is_right() {
    // The neural model here knows the data's exact distribution (uniform bytes): mixing
    // must not lose much to it.
    let data = crate::rng::XorShift64::new(7).bytes(20_000);
    let neural = FixedTable::new(FrequencyTable::uniform());
    let alone = cost_bits(&neural, &data);
    let mixed = cost_bits(&Mixing::new(&neural), &data);
    assert!(
        mixed < alone * 1.02,
        "mixed {mixed:.0} bits, alone {alone:.0}"
    );
}

/// Golden: the mixed tables' costs for a fixed input, in exact integer frequencies, so a
/// change to the mixing rules (which would break old files) cannot pass unnoticed.
#[test]
fn golden_mixed_frequencies() {
    let data = records(64);
    let neural = FixedTable::skewed();
    let mixing = Mixing::new(&neural);
    let mut hash = blake3::Hasher::new();
    let mut bytes = data.iter();
    mixing
        .chunk_tables(&data, &mut |t| {
            if let Some(&b) = bytes.next() {
                hash.update(&t.frequency(b).to_le_bytes());
            }
        })
        .expect("tables");
    let digest = hash.finalize().to_hex().to_string();
    assert_eq!(&digest[..16], "5bfaeb5a4eba774e");
}
