//! The `.boa` readers (streaming and random access) on arbitrary bytes: never panic,
//! never hang, never allocate without bound.
#![no_main]

use boa_core::testing::fuzz_container_decoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_container_decoder(data));
