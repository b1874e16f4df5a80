//! The GPU engine (WGSL through wgpu) against the CPU engine on a `boa`-preset model
//! (d_model 256, 1 layer, seeded random weights quantized on the bundled sample): the
//! same `.boa` bytes, each backend decoding the other's file, and the same error on a
//! corrupt stream. Skips without a GPU adapter, unless `CI=true` (then it fails).

use boa_core::container::{CompressOptions, DecompressOptions, compress_to_vec, decompress_to_vec};
use boa_core::engine::Engine;
use boa_core::gpu::{GpuContext, GpuPredictor};
use boa_core::model::BoaBytePredictor;
use boa_core::model::config::{ModelConfig, Preset};
use boa_core::quantize::{QuantizeOptions, quantize};

/// A device, or `None` (the test skips) where there is no adapter outside CI.
fn gpu() -> Option<GpuContext> {
    match GpuContext::new_blocking() {
        Ok(context) => {
            eprintln!("GPU test on {:?}", context.adapter());
            Some(context)
        }
        Err(error) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true, so the GPU tests must run, but: {error}")
        }
        Err(error) => {
            eprintln!("GPU test skipped: {error}");
            None
        }
    }
}

fn bundled_sample() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/km3-amplitudes.bin");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `boa` preset with seeded random weights, quantized on `calibration`.
fn boa_preset(calibration: &[u8]) -> Engine {
    let config = ModelConfig::preset(Preset::Boa);
    assert_eq!((config.d_model, config.num_layers), (256, 1));
    let device = boa_core::model::Device::flex();
    device.seed(11);
    let float = BoaBytePredictor::new(&config, &device);
    let (model, _) = quantize(
        &float,
        calibration,
        &QuantizeOptions::default(),
        &mut |_, _, _| {},
    )
    .expect("quantizes");
    Engine::new(model).expect("an engine")
}

#[test]
fn a_boa_preset_model_writes_and_reads_the_same_bytes_on_cpu_and_gpu() {
    let Some(context) = gpu() else {
        return;
    };
    let sample = bundled_sample();
    let engine = boa_preset(&sample[..4096]);
    let input = &sample[8192..8192 + 900];
    let gpu = GpuPredictor::new(context, &engine, 3)
        .expect("the model on the GPU")
        .with_steps_per_submit(16);
    let options = CompressOptions {
        chunk_len: 225,
        store_incompressible: false,
        ..CompressOptions::default()
    };
    let on_cpu = compress_to_vec(&engine, input, &options).expect("CPU compress");
    let on_gpu = compress_to_vec(&gpu, input, &options).expect("GPU compress");
    assert!(on_cpu == on_gpu, "the GPU's file differs from the CPU's");
    let decode = DecompressOptions {
        lanes: 4,
        batch_chunks: 0,
    };
    let by_gpu = decompress_to_vec(&gpu, &on_cpu, &decode).expect("GPU decompress");
    assert!(by_gpu == input, "the GPU decoded the CPU's file wrongly");
    let by_cpu = decompress_to_vec(&engine, &on_gpu, &decode).expect("CPU decompress");
    assert!(by_cpu == input, "the CPU decoded the GPU's file wrongly");

    // A flipped byte in the last chunk's stream: both backends refuse it alike.
    let mut corrupt = on_cpu.clone();
    let at = corrupt.len() - 40;
    corrupt[at] ^= 0x5a;
    let cpu_error = decompress_to_vec(&engine, &corrupt, &decode).expect_err("CPU refuses");
    let gpu_error = decompress_to_vec(&gpu, &corrupt, &decode).expect_err("GPU refuses");
    assert_eq!(cpu_error.to_string(), gpu_error.to_string());
}
