//! Writes small `.boa` files made with the test models: the worked example of
//! `docs/format.md` and seed inputs for the `container_decoder` fuzz target.
//!
//! `cargo run -p boa-core --features testing --example write_samples -- DIR`

use std::path::PathBuf;

use boa_core::container::{CompressOptions, compress_to_vec};
use boa_core::testing::{AdaptiveOrder1, FORMAT_EXAMPLE, FixedTable};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    std::fs::create_dir_all(&dir)?;
    let fixed = FixedTable::skewed();
    let fixed_bytes = fixed.model_bytes();
    let order1 = AdaptiveOrder1::default();
    let lines = b"dom 806451572 pmt 3 t=70.1 a=1.0\n".repeat(20);
    let noise = boa_core::rng::XorShift64::new(11).bytes(300);
    let stored_and_coded = [noise.as_slice(), &[b' '; 100], &noise[..50]].concat();
    let samples: [(&str, &[u8], u32, bool); 6] = [
        ("empty.boa", b"", 16, false),
        ("hello.boa", b"hello, hello!", 8, false),
        ("runs.boa", &[b' '; 300], 64, false),
        ("mixed.boa", &lines, 100, false),
        ("embedded.boa", b"0123456789", 4, true),
        ("stored.boa", &stored_and_coded, 128, false),
    ];
    for (name, data, chunk_len, embed) in samples {
        let options = CompressOptions {
            chunk_len,
            embedded_model: embed.then_some(fixed_bytes.as_slice()),
            ..CompressOptions::default()
        };
        let boa = compress_to_vec(&fixed, data, &options)?;
        std::fs::write(dir.join(name), boa)?;
    }
    let example = compress_to_vec(
        &order1,
        FORMAT_EXAMPLE,
        &CompressOptions {
            chunk_len: 16,
            ..CompressOptions::default()
        },
    )?;
    std::fs::write(dir.join("format-example.boa"), example)?;
    let mixing = CompressOptions {
        chunk_len: 200,
        mixing: true,
        ..CompressOptions::default()
    };
    std::fs::write(
        dir.join("context-mixing.boa"),
        compress_to_vec(&fixed, &lines, &mixing)?,
    )?;
    Ok(())
}
