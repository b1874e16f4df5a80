//! boa's cross-crate tests, one file per topic.

mod engine_golden;
mod golden;
mod gpu_boa_preset;
mod shared_data;
