//! boa's cross-crate tests, one file per topic.

mod engine_golden;
mod golden;
mod shared_data;
