//! Replays every input kept for the fuzz targets: the seeds and every crash the fuzzers
//! ever found (`core/fuzz/regressions/TARGET/`). Each must run without panicking.

use boa_core::testing::{fuzz_container_decoder, fuzz_model_file, fuzz_range_decoder};
use boa_tests::{files_in, repo_root};

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let fuzz = repo_root().join("core/fuzz");
    let mut count = 0;
    for folder in ["seeds", "regressions"] {
        for path in files_in(&fuzz.join(folder).join(target)) {
            let bytes = std::fs::read(&path).expect("readable input");
            eprintln!("replaying {}", path.display());
            run(&bytes);
            count += 1;
        }
    }
    count
}

#[test]
fn container_decoder_inputs_replay() {
    let count = replay("container_decoder", fuzz_container_decoder);
    assert!(
        count >= 5,
        "expected the committed seeds, found {count} inputs"
    );
}

#[test]
fn range_decoder_inputs_replay() {
    replay("range_decoder", fuzz_range_decoder);
}

#[test]
fn model_file_inputs_replay() {
    let count = replay("model_file", fuzz_model_file);
    assert!(
        count >= 1,
        "expected the committed seed, found {count} inputs"
    );
}
