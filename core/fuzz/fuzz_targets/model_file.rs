//! The `.boam` model reader on arbitrary bytes: never panics; a model it accepts runs
//! without overflow (this target is run with overflow checks, `-a`).
#![no_main]

use boa_core::testing::fuzz_model_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_model_file(data));
