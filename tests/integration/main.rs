//! boa's cross-crate tests, one file per topic.

mod fuzz_regressions;
mod golden;
mod shared_data;
