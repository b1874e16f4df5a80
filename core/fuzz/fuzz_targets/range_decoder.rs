//! The range decoder on arbitrary bytes, with arbitrary tables: never panics, never loops.
#![no_main]

use boa_core::testing::fuzz_range_decoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_range_decoder(data));
