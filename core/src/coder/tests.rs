use super::*;
use proptest::prelude::*;

/// A table from arbitrary weights (each weight + 1, scaled to 2^16).
fn table_from_weights(weights: &[u32]) -> FrequencyTable {
    let mut counts = [0u32; SYMBOLS];
    for (c, &w) in counts.iter_mut().zip(weights) {
        *c = w;
    }
    FrequencyTable::from_counts(&counts)
}

/// Encodes `symbols[i]` with `tables[i % tables.len()]`, decodes, and checks both the
/// round trip and the size against the ideal code length; returns the stream.
fn round_trip(tables: &[FrequencyTable], symbols: &[u8]) -> Vec<u8> {
    let mut encoder = RangeEncoder::new();
    let mut ideal_bits = 0.0;
    for (i, &s) in symbols.iter().enumerate() {
        let table = &tables[i % tables.len()];
        encoder.encode(table, s);
        ideal_bits += table.cost_bits(s);
    }
    let stream = encoder.finish();
    let mut decoder = RangeDecoder::new(&stream).expect("valid start");
    for (i, &s) in symbols.iter().enumerate() {
        assert_eq!(decoder.decode(&tables[i % tables.len()]), s, "symbol {i}");
    }
    decoder.finish().expect("no trailing bytes");
    let coded_bits = stream.len() as f64 * 8.0;
    assert!(
        coded_bits <= ideal_bits * 1.0005 + 4.0 * 8.0,
        "coded {coded_bits} bits vs ideal {ideal_bits}"
    );
    stream
}

fn skewed_table(peak: u8, sharpness: u32) -> FrequencyTable {
    let mut counts = [0u32; SYMBOLS];
    for (s, c) in counts.iter_mut().enumerate() {
        let distance = (s as i32 - i32::from(peak)).unsigned_abs();
        *c = 1_000_000 >> (distance * sharpness).min(30);
    }
    FrequencyTable::from_counts(&counts)
}

#[test]
fn scale_is_exact() {
    for &range in &[RANGE_BOTTOM, RANGE_BOTTOM + 12345, 0xDEAD_BEEF, u32::MAX] {
        for &c in &[0, 1, 255, 4096, 65_535, FREQ_TOTAL] {
            let exact = (u64::from(range) * u64::from(c)) >> 16;
            assert_eq!(u64::from(scale(range, c)), exact, "range {range:#x} c {c}");
        }
    }
}

#[test]
fn empty_stream_is_empty() {
    assert!(RangeEncoder::new().finish().is_empty());
}

#[test]
fn uniform_bytes_cost_eight_bits() {
    let symbols: Vec<u8> = (0..=255).cycle().take(10_000).collect();
    let stream = round_trip(&[FrequencyTable::uniform()], &symbols);
    assert!(stream.len() <= 10_001, "{} bytes", stream.len());
}

#[test]
fn golden_stream() {
    // Pinned bytes: any change here is a bitstream change (docs/range-coder.md).
    let table = skewed_table(b'a', 2);
    let mut encoder = RangeEncoder::new();
    for &s in b"abracadabra" {
        encoder.encode(&table, s);
    }
    let stream = encoder.finish();
    assert_eq!(stream, GOLDEN_ABRACADABRA, "got {stream:02x?}");
}

const GOLDEN_ABRACADABRA: &[u8] = &[0xc4, 0x5d, 0x3b, 0x66, 0x72, 0xbc, 0x69];

#[test]
fn worst_case_costs_at_most_sixteen_bits_a_symbol() {
    // Every symbol the least likely one: 16 bits each, plus rounding.
    let table = skewed_table(0, 4);
    assert_eq!(table.frequency(255), 1);
    let symbols = vec![255u8; 50_000];
    let stream = round_trip(&[table], &symbols);
    assert!(stream.len() <= 2 * symbols.len() + symbols.len() / 512 + 8);
}

#[test]
fn long_runs_of_ff_bytes_carry_correctly() {
    // Symbol 255 holding almost all the mass pushes `low` to the top of the interval and
    // makes long runs of pending 0xFF bytes, which a later carry turns into zeros.
    let mut counts = [1u32; SYMBOLS];
    counts[255] = 1 << 20;
    let top_heavy = FrequencyTable::from_counts(&counts);
    let mut symbols = vec![255u8; 20_000];
    for i in (0..symbols.len()).step_by(997) {
        symbols[i] = (i % 251) as u8;
    }
    round_trip(&[top_heavy, FrequencyTable::uniform()], &symbols);
    // The property the name promises, checked: symbol 255 at the top of the interval
    // (frequency 8 of 1032) twice, then the heavy symbol 0, keeps `low` near 2^32 so
    // that 0xFF bytes wait and a later addition carries through them.
    let mut counts = [1u32; SYMBOLS];
    counts[0] = 1 << 10;
    counts[255] = 8;
    let table = FrequencyTable::from_counts(&counts);
    let symbols: Vec<u8> = [255, 255, 0].repeat(3000);
    let mut encoder = RangeEncoder::new();
    for &s in &symbols {
        encoder.encode(&table, s);
    }
    let stats = encoder.carry_stats;
    assert!(stats.carries > 1000, "too few carries: {stats:?}");
    assert!(
        stats.longest_carried_run >= 2,
        "no carry went through a run of pending 0xFF bytes: {stats:?}"
    );
    round_trip(&[table], &symbols);
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut encoder = RangeEncoder::new();
    for s in 0..100u8 {
        encoder.encode(&FrequencyTable::uniform(), s);
    }
    let mut stream = encoder.finish();
    stream.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7]);
    let mut decoder = RangeDecoder::new(&stream).expect("valid start");
    for s in 0..100u8 {
        assert_eq!(decoder.decode(&FrequencyTable::uniform()), s);
    }
    assert!(matches!(
        decoder.finish(),
        Err(CoderError::TrailingBytes { .. })
    ));
}

#[test]
fn ff_start_is_rejected() {
    assert_eq!(
        RangeDecoder::new(&[0xFF; 4]).err(),
        Some(CoderError::InvalidStart)
    );
}

#[test]
fn bad_tables_are_rejected() {
    let mut freqs = [256u32; SYMBOLS];
    freqs[3] = 0;
    freqs[4] = 512;
    assert_eq!(
        FrequencyTable::from_frequencies(&freqs),
        Err(CoderError::ZeroFrequency { symbol: 3 })
    );
    freqs[3] = 1;
    assert!(matches!(
        FrequencyTable::from_frequencies(&freqs),
        Err(CoderError::WrongTotal { got: 65_537, .. })
    ));
    let mut huge = [0u32; SYMBOLS];
    huge[0] = u32::MAX;
    huge[1] = u32::MAX;
    assert!(FrequencyTable::from_frequencies(&huge).is_err());
}

fn arbitrary_table() -> impl Strategy<Value = FrequencyTable> {
    prop_oneof![
        prop::collection::vec(0u32..1_000_000, SYMBOLS).prop_map(|w| table_from_weights(&w)),
        (any::<u8>(), 1u32..8).prop_map(|(peak, sharp)| skewed_table(peak, sharp)),
        Just(FrequencyTable::uniform()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tables_from_counts_are_valid(weights in prop::collection::vec(any::<u32>(), SYMBOLS)) {
        let table = table_from_weights(&weights);
        let freqs: Vec<u32> = (0..=255u8).map(|s| table.frequency(s)).collect();
        prop_assert!(freqs.iter().all(|&f| f >= 1));
        prop_assert_eq!(freqs.iter().sum::<u32>(), FREQ_TOTAL);
    }

    #[test]
    fn binary_decisions_round_trip_between_symbols(
        steps in prop::collection::vec((1u32..FREQ_TOTAL, any::<bool>(), any::<u8>()), 0..2000),
    ) {
        // Bits at any probability, interleaved with whole symbols of a skewed table.
        let table = skewed_table(7, 3);
        let mut encoder = RangeEncoder::new();
        for &(p1, bit, symbol) in &steps {
            encoder.encode_interval(Interval::of_bit(p1, bit));
            encoder.encode(&table, symbol);
        }
        let stream = encoder.finish();
        let mut decoder = RangeDecoder::new(&stream).expect("valid start");
        for &(p1, bit, symbol) in &steps {
            prop_assert_eq!(decoder.decode_bit(p1), bit);
            prop_assert_eq!(decoder.decode(&table), symbol);
        }
        prop_assert!(decoder.finish().is_ok());
    }

    #[test]
    fn random_tables_and_symbols_round_trip(
        tables in prop::collection::vec(arbitrary_table(), 1..6),
        symbols in prop::collection::vec(any::<u8>(), 0..3000),
    ) {
        round_trip(&tables, &symbols);
    }

    #[test]
    fn symbols_drawn_from_their_table_cost_near_the_ideal(
        peak in any::<u8>(),
        sharpness in 1u32..6,
        seed in any::<u64>(),
    ) {
        // Symbols sampled from the table itself, the case the coder is built for.
        let table = skewed_table(peak, sharpness);
        let mut rng = crate::rng::XorShift64::new(seed);
        let symbols: Vec<u8> = (0..20_000)
            .map(|_| {
                let target = (rng.next_u64() >> 40) as u32 & 0xFFFF;
                (0..=255u8).rev().find(|&s| table.cumulative(s) <= target).unwrap_or(0)
            })
            .collect();
        round_trip(&[table], &symbols);
    }

    #[test]
    fn garbage_decodes_without_panicking(
        bytes in prop::collection::vec(any::<u8>(), 0..64),
        table in arbitrary_table(),
    ) {
        if let Ok(mut decoder) = RangeDecoder::new(&bytes) {
            for _ in 0..500 {
                decoder.decode(&table);
            }
            let _ = decoder.finish();
        }
    }
}

/// The worked examples of `docs/range-coder.md`, byte for byte.
#[test]
fn documented_examples() {
    let mut freqs = [1u32; SYMBOLS];
    freqs[usize::from(b'a')] = 49_152;
    freqs[usize::from(b'b')] = 16_130;
    let table = FrequencyTable::from_frequencies(&freqs).expect("valid");
    let mut encoder = RangeEncoder::new();
    for &s in b"abbaz" {
        encoder.encode(&table, s);
    }
    assert_eq!(encoder.finish(), [0xbc, 0xe5, 0xbd]);

    let mut freqs = [1u32; SYMBOLS];
    freqs[255] = 65_281;
    let table = FrequencyTable::from_frequencies(&freqs).expect("valid");
    let mut encoder = RangeEncoder::new();
    for s in [0x00, 0x80, 0x80, 0xff] {
        encoder.encode(&table, s);
    }
    let stream = encoder.finish();
    assert_eq!(stream, [0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x01]);
    let mut decoder = RangeDecoder::new(&stream).expect("valid");
    for s in [0x00, 0x80, 0x80, 0xff] {
        assert_eq!(decoder.decode(&table), s);
    }
    decoder.finish().expect("exact end");
}
