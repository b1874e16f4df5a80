//! End-to-end tests of the `boa` binary.

use assert_cmd::Command;
use boa_core::container::{CompressOptions, compress_to_vec};
use boa_core::predictor::Predictor;
use boa_core::testing::AdaptiveOrder1;
use predicates::prelude::*;

fn boa() -> Command {
    Command::cargo_bin("boa").expect("binary built")
}

fn write_sample(dir: &tempfile::TempDir, embed: bool) -> (std::path::PathBuf, AdaptiveOrder1) {
    let model = AdaptiveOrder1::default();
    let bytes = model.model_bytes();
    let data: Vec<u8> = b"event 1: 3 hits; event 2: 5 hits; ".repeat(300);
    let options = CompressOptions {
        chunk_len: 4096,
        embedded_model: embed.then_some(bytes.as_slice()),
        ..CompressOptions::default()
    };
    let boa = compress_to_vec(&model, &data, &options).expect("compress");
    let path = dir.path().join("sample.boa");
    std::fs::write(&path, boa).expect("write");
    (path, model)
}

#[test]
fn info_prints_header_chunks_and_checksums() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, model) = write_sample(&dir, false);
    boa()
        .arg("info")
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains(".boa version 2"))
        .stdout(predicate::str::contains("stored        0 of 3 chunks"))
        .stdout(predicate::str::contains(model.fingerprint().to_string()))
        .stdout(predicate::str::contains("10,200 bytes"))
        .stdout(predicate::str::contains(
            "3 of 4,096 bytes (last one 2,008 bytes)",
        ))
        .stdout(predicate::str::contains("header ok, index ok, footer ok"));
}

#[test]
fn info_json_is_machine_readable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, model) = write_sample(&dir, true);
    let output = boa()
        .args(["info", "--json"])
        .arg(&path)
        .output()
        .expect("run");
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["original_bytes"], 10_200);
    assert_eq!(report["chunk_count"], 3);
    assert_eq!(report["model_fingerprint"], model.fingerprint().to_string());
    assert_eq!(
        report["embedded_model_bytes"],
        model.model_bytes().len() as u64
    );
    assert_eq!(report["checksums"]["index"], "ok");
}

#[test]
fn info_on_a_damaged_file_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, _) = write_sample(&dir, false);
    let mut bytes = std::fs::read(&path).expect("read");
    let len = bytes.len();
    bytes[len - 20] ^= 1; // inside the footer
    std::fs::write(&path, &bytes).expect("write");
    boa()
        .arg("info")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a valid .boa file"))
        .stderr(predicate::str::contains("footer checksum mismatch"));
    std::fs::write(&path, &bytes[..len / 2]).expect("write");
    boa().arg("info").arg(&path).assert().code(1);
}

#[test]
fn info_on_other_files_says_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "hello").expect("write");
    boa()
        .arg("info")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a .boa file"));
    boa()
        .arg("info")
        .arg(dir.path().join("missing.boa"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot open"));
}

#[test]
fn usage_errors_exit_with_2() {
    boa().arg("info").assert().code(2);
    boa().arg("frobnicate").assert().code(2);
    // Settings are typed: an unknown value is a usage error naming the value and choices.
    for (flag, value) in [
        ("--device", "tpu"),
        ("--precision", "fp16x"),
        ("--preset", "huge"),
    ] {
        boa()
            .args(["new-experiment", "--yes", flag, value])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("`{value}`")));
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

fn eval_json(checkpoint: &std::path::Path, file: &std::path::Path) -> serde_json::Value {
    let output = boa()
        .args(["eval", "--json", "--checkpoint"])
        .arg(checkpoint)
        .arg(file)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("json")
}

#[test]
fn import_then_eval_agree_with_evaluating_the_pt_directly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("imported");
    boa()
        .arg("import")
        .arg(fixture("boa_tiny.pt"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("d_model 32, 2 layer(s)"));
    let data = dir.path().join("data.bin");
    std::fs::write(&data, b"0123456789".repeat(100)).expect("write");
    let from_folder = eval_json(&out, &data);
    let from_pt = eval_json(&fixture("boa_tiny.pt"), &data);
    assert_eq!(from_folder["bytes"], 1000);
    let (a, b) = (
        from_folder["float_bpb"].as_f64().expect("number"),
        from_pt["float_bpb"].as_f64().expect("number"),
    );
    assert!((a - b).abs() < 1e-9 && a > 0.0 && a < 16.0, "{a} vs {b}");
    // A second import into the same folder needs --force.
    boa()
        .arg("import")
        .arg(fixture("boa_tiny.pt"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--force"));
}

/// Runs `boa train --json` on `config` with `extra` arguments; returns its report.
fn train_json(config: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let output = boa()
        .args(["train", "--no-progress", "--json"])
        .args(extra)
        .arg("--config")
        .arg(config)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    serde_json::from_slice(&output.stdout).expect("json")
}

#[test]
fn train_runs_an_experiment_and_refuses_fp8() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data: Vec<u8> = (0..16_384u32)
        .map(|i| if i % 4 == 0 { (i / 4) as u8 } else { 7 })
        .collect();
    std::fs::write(dir.path().join("data.bin"), data).expect("data");
    let yaml = "name: cli\nfile_path: data.bin\nmodel_path: out\ndataloader:\n  seq_len: 64\n  batch_size: 8\nmodel:\n  preset: tiny\ntraining:\n  lr: 0.01\n  epochs: 1\n";
    let config = dir.path().join("exp.yaml");
    std::fs::write(&config, yaml).expect("yaml");
    let report = train_json(&config, &[]);
    assert_eq!(report["epochs"][0]["epoch"], 1);
    assert!(dir.path().join("out/epoch-0001/optimizer.bpk").is_file());
    assert!(dir.path().join("out/final/model.bpk").is_file());
    // The integer model is written beside the final checkpoint, and it round-trips data.
    let integer = dir.path().join("out/final/model.boam");
    assert_eq!(
        report["integer_model"],
        integer.to_str().expect("utf-8 path")
    );
    boa()
        .args(["verify", "-m"])
        .arg(&integer)
        .arg(dir.path().join("data.bin"))
        .assert()
        .success()
        .stdout(predicate::str::contains("round trip identical"));
    // Half precisions train too (a fresh process: burn sets a device's float type once).
    let bf16_out = dir.path().join("bf16");
    let bf16_out = bf16_out.to_str().expect("utf-8 path");
    let report = train_json(&config, &["--precision", "bf16", "--model-path", bf16_out]);
    let bpb = report["epochs"][0]["val_bpb"].as_f64().expect("val");
    assert!(bpb > 0.0 && bpb < 8.0, "bf16 validation {bpb}");
    boa()
        .args(["train", "--precision", "fp8", "--config"])
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fp8 is not supported"));
    boa()
        .args(["train", "--device", "foo", "--config"])
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("device `foo` is unknown"));
    boa()
        .args(["train", "--config"])
        .arg(&config)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--resume"));
}

/// The test model as an integer model: the fixture imported and quantized on `calib`.
fn quantized_fixture(dir: &std::path::Path, calib: &std::path::Path) -> std::path::PathBuf {
    let model = dir.join("model.boam");
    boa()
        .args(["quantize", "--no-progress", "--calib"])
        .arg(calib)
        .arg(fixture("boa_tiny.pt"))
        .arg("-o")
        .arg(&model)
        .assert()
        .success()
        .stderr(predicate::str::contains("temperature"));
    model
}

#[test]
fn quantize_compress_decompress_verify_and_eval() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data.bin");
    let original: Vec<u8> = (0..6000u32)
        .map(|i| b"0123456789,"[(i * i % 11) as usize])
        .collect();
    std::fs::write(&data, &original).expect("write");
    let model = quantized_fixture(dir.path(), &data);
    let packed = dir.path().join("data.boa");
    let compress = |extra: &[&str]| {
        boa()
            .args(["compress", "--no-progress", "--chunk-len", "1000", "-m"])
            .arg(&model)
            .arg(&data)
            .arg("-o")
            .arg(&packed)
            .args(extra)
            .assert()
    };
    compress(&[])
        .success()
        .stderr(predicate::str::contains("6 chunk(s)"));
    // An existing output needs --force, and is left alone without it.
    let before = std::fs::read(&packed).expect("read");
    compress(&[])
        .code(1)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read(&packed).expect("read"), before);

    let restored = dir.path().join("restored.bin");
    boa()
        .args(["decompress", "--no-progress", "-m"])
        .arg(&model)
        .arg(&packed)
        .arg("-o")
        .arg(&restored)
        .assert()
        .success();
    assert_eq!(std::fs::read(&restored).expect("read"), original);

    // Without the model and without an embedded one: a clear error, no output.
    let missing = dir.path().join("missing.bin");
    boa()
        .args(["decompress", "--no-progress"])
        .arg(&packed)
        .arg("-o")
        .arg(&missing)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("give it with -m MODEL.boam"));
    assert!(!missing.exists());

    // With the model embedded, the file decompresses on its own.
    compress(&["--embed-model", "--force"]).success();
    boa()
        .args(["decompress", "--no-progress", "--force"])
        .arg(&packed)
        .arg("-o")
        .arg(&restored)
        .assert()
        .success();
    assert_eq!(std::fs::read(&restored).expect("read"), original);

    // A truncated file: an error and no partial output.
    let whole = std::fs::read(&packed).expect("read");
    let truncated = dir.path().join("truncated.boa");
    std::fs::write(&truncated, &whole[..whole.len() - 7]).expect("write");
    let partial = dir.path().join("partial.bin");
    boa()
        .args(["decompress", "--no-progress", "-m"])
        .arg(&model)
        .arg(&truncated)
        .arg("-o")
        .arg(&partial)
        .assert()
        .code(1);
    assert!(!partial.exists());

    boa()
        .args(["verify", "--json", "-m"])
        .arg(&model)
        .arg(&data)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"identical\": true"));

    let output = boa()
        .args([
            "eval",
            "--json",
            "--no-progress",
            "--chunk-len",
            "1000",
            "-m",
        ])
        .arg(&model)
        .arg("--checkpoint")
        .arg(fixture("boa_tiny.pt"))
        .arg(&data)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    for key in [
        "bytes",
        "float_bpb",
        "engine_bpb",
        "coded_bpb",
        "ratio",
        "coder_overhead_pct",
        "quantization_loss_pct",
    ] {
        assert!(report[key].is_number(), "{key} missing in {report}");
    }
    let engine = report["engine_bpb"].as_f64().expect("number");
    let coded = report["coded_bpb"].as_f64().expect("number");
    assert!(
        coded >= engine && coded < engine + 0.5,
        "{engine} vs {coded}"
    );
}

#[test]
fn mixing_compresses_smaller_decodes_by_its_flag_and_is_measured_by_eval() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("records.bin");
    // Records of 12 bytes whose fields drift: what the context models follow.
    let original: Vec<u8> = (0..2000u32)
        .flat_map(|i| {
            let mut record = [0u8; 12];
            record[..4].copy_from_slice(&(i / 7).to_le_bytes());
            record[4..8].copy_from_slice(&(1000 + i % 13).to_le_bytes());
            record[8..].copy_from_slice(&(i.wrapping_mul(2_654_435_761) >> 28).to_le_bytes());
            record
        })
        .collect();
    std::fs::write(&data, &original).expect("write");
    let model = quantized_fixture(dir.path(), &data);
    let compressed = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        boa()
            .args(["compress", "--no-progress", "-q", "-m"])
            .arg(&model)
            .arg(&data)
            .arg("-o")
            .arg(&out)
            .args(extra)
            .assert()
            .success();
        out
    };
    let plain = compressed("plain.boa", &[]);
    let mixed = compressed("mixed.boa", &["--mixing"]);
    let len = |path: &std::path::Path| std::fs::metadata(path).expect("stat").len();
    assert!(
        len(&mixed) < len(&plain),
        "{} vs {}",
        len(&mixed),
        len(&plain)
    );
    boa()
        .arg("info")
        .arg(&mixed)
        .assert()
        .success()
        .stdout(predicate::str::contains("coded with context mixing"));
    // The flag, not the command line, tells decompress to mix.
    let restored = dir.path().join("restored.bin");
    boa()
        .args(["decompress", "--no-progress", "-m"])
        .arg(&model)
        .arg(&mixed)
        .arg("-o")
        .arg(&restored)
        .assert()
        .success();
    assert_eq!(std::fs::read(&restored).expect("read"), original);
    let output = boa()
        .args(["eval", "--json", "--no-progress", "--mixing", "-m"])
        .arg(&model)
        .arg(&data)
        .output()
        .expect("run");
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["mixing"], true);
    let mixed_bpb = report["engine_bpb"].as_f64().expect("number");
    let neural_bpb = report["neural_bpb"].as_f64().expect("number");
    assert!(mixed_bpb < neural_bpb, "{mixed_bpb} vs {neural_bpb}");
    assert_eq!(report["coded_bytes"].as_u64(), Some(len(&mixed)));
}

#[test]
fn a_file_decompressed_with_another_model_names_both() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data.bin");
    std::fs::write(&data, b"abcabcabd".repeat(200)).expect("write");
    let model = quantized_fixture(dir.path(), &data);
    let (packed, _) = write_sample(&dir, false); // made with the toy order-1 model
    boa()
        .args(["decompress", "--no-progress", "-m"])
        .arg(&model)
        .arg(&packed)
        .arg("-o")
        .arg(dir.path().join("out.bin"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("model mismatch"));
    // A damaged model file is refused with the reason.
    let mut bytes = std::fs::read(&model).expect("read");
    bytes[100] ^= 1;
    std::fs::write(&model, bytes).expect("write");
    boa()
        .args(["verify", "-m"])
        .arg(&model)
        .arg(&data)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("checksum"));
}

/// Random bytes and data unlike the bundled model's training data: each stays within
/// the input plus the framing (`max_file_len`), round trips, and `info` counts the
/// stored chunks.
#[test]
fn incompressible_input_grows_by_the_framing_only() {
    use boa_core::container::max_file_len;
    let dir = tempfile::tempdir().expect("tempdir");
    let noise = boa_core::rng::XorShift64::new(42).bytes(200_000);
    let text: Vec<u8> = (0..8000)
        .flat_map(|i| format!("track {i}: px={} py={} q=-1\n", i * 7 % 101, i % 13).into_bytes())
        .take(200_000)
        .collect();
    for (name, data) in [("noise.bin", noise), ("tracks.txt", text)] {
        let input = dir.path().join(name);
        std::fs::write(&input, &data).expect("write");
        let packed = dir.path().join(format!("{name}.boa"));
        boa()
            .args(["compress", "-q", "--chunk-len", "65536"])
            .arg(&input)
            .arg("-o")
            .arg(&packed)
            .assert()
            .success();
        let size = std::fs::metadata(&packed).expect("packed").len();
        let bound = max_file_len(data.len() as u64, 65536, None);
        assert!(size <= bound, "{name}: {size} bytes > {bound}");
        let back = dir.path().join(format!("{name}.back"));
        boa()
            .args(["decompress", "-q"])
            .arg(&packed)
            .arg("-o")
            .arg(&back)
            .assert()
            .success();
        assert_eq!(std::fs::read(&back).expect("back"), data, "{name}");
        if name == "noise.bin" {
            boa()
                .arg("info")
                .arg(&packed)
                .assert()
                .success()
                .stdout(predicate::str::contains("stored        4 of 4 chunks"));
        }
    }
}

/// Whether this machine has a GPU adapter (lavapipe counts); with `CI=true` it must.
fn has_gpu_adapter() -> bool {
    let output = boa().arg("backends").output().expect("run");
    let listed = String::from_utf8_lossy(&output.stdout).contains("\ngpu: ")
        && !String::from_utf8_lossy(&output.stdout).contains("gpu: no adapter");
    if !listed {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true, so a GPU adapter (lavapipe) must be present"
        );
        eprintln!("skipped: no GPU adapter");
    }
    listed
}

#[test]
fn backends_lists_the_engines_and_what_auto_picks() {
    boa()
        .arg("backends")
        .assert()
        .success()
        .stdout(predicate::str::contains("cpu: the integer engine on"))
        .stdout(predicate::str::contains("auto picks: "));
}

#[test]
fn gpu_and_cpu_write_the_same_file_and_read_each_others() {
    if !has_gpu_adapter() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let data = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/km3-amplitudes.bin"),
    )
    .expect("bundled sample");
    let input = dir.path().join("in.bin");
    std::fs::write(&input, &data[100_000..112_000]).expect("write");
    let out = |name: &str| dir.path().join(name);
    for backend in ["cpu", "gpu"] {
        boa()
            .args([
                "compress",
                "--chunk-len",
                "3000",
                "--backend",
                backend,
                "-o",
            ])
            .arg(out(&format!("{backend}.boa")))
            .arg(&input)
            .assert()
            .success();
    }
    let cpu = std::fs::read(out("cpu.boa")).expect("read");
    assert!(
        cpu == std::fs::read(out("gpu.boa")).expect("read"),
        "the files differ"
    );
    for (file, backend) in [("cpu.boa", "gpu"), ("gpu.boa", "cpu")] {
        let restored = out(&format!("{file}.{backend}"));
        boa()
            .args(["decompress", "--backend", backend, "-o"])
            .arg(&restored)
            .arg(out(file))
            .assert()
            .success();
        assert!(std::fs::read(&restored).expect("read") == data[100_000..112_000]);
    }
    // A corrupt file is the same clear error on both backends.
    let mut corrupt = cpu;
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0x04;
    std::fs::write(out("corrupt.boa"), &corrupt).expect("write");
    let message = |backend: &str| {
        let output = boa()
            .args(["decompress", "--backend", backend, "-c"])
            .arg(out("corrupt.boa"))
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(1));
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter(|l| l.starts_with("boa: error"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(message("cpu"), message("gpu"));
}

#[test]
fn without_an_adapter_auto_uses_the_cpu_and_gpu_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.bin");
    std::fs::write(&input, b"some bytes to compress").expect("write");
    // No Vulkan driver: what a machine without a GPU stack sees.
    let no_driver = |cmd: &mut Command| {
        cmd.env("VK_DRIVER_FILES", "/nonexistent/icd.json")
            .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
            .env("WGPU_BACKEND", "vulkan");
    };
    let mut auto = boa();
    no_driver(&mut auto);
    auto.args(["compress", "-c"])
        .arg(&input)
        .assert()
        .success()
        .stderr(predicate::str::contains("using the CPU"));
    let mut gpu = boa();
    no_driver(&mut gpu);
    gpu.args(["compress", "--backend", "gpu", "-o"])
        .arg(dir.path().join("out.boa"))
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--backend gpu: no GPU adapter"));
    assert!(
        !dir.path().join("out.boa").exists(),
        "an output was left behind"
    );
}

#[test]
fn eval_and_demo_give_the_same_figures_on_either_backend() {
    if !has_gpu_adapter() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let data = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/km3-amplitudes.bin"),
    )
    .expect("bundled sample");
    let input = dir.path().join("in.bin");
    std::fs::write(&input, &data[200_000..206_000]).expect("write");
    let json = |args: &[&str], steps: &str| -> serde_json::Value {
        let output = boa()
            .args(args)
            .env("BOA_GPU_STEPS", steps)
            .output()
            .expect("run");
        assert!(output.status.success(), "{args:?}: {output:?}");
        serde_json::from_slice(&output.stdout).expect("json")
    };
    let file = input.to_str().expect("utf-8 path");
    let eval = |backend| {
        json(
            &[
                "eval",
                "--json",
                "--no-progress",
                "--chunk-len",
                "1500",
                "--backend",
                backend,
                file,
            ],
            "5",
        )
    };
    let (cpu, gpu) = (eval("cpu"), eval("gpu"));
    assert_eq!(cpu["backend"], "CPU");
    assert!(
        gpu["backend"]
            .as_str()
            .is_some_and(|b| b.starts_with("GPU ("))
    );
    for key in ["engine_bpb", "coded_bytes", "framing_bytes"] {
        assert_eq!(cpu[key], gpu[key], "{key}");
    }
    let demo = |backend| {
        json(
            &["demo", "--json", "--bytes", "5000", "--backend", backend],
            "3",
        )
    };
    let (cpu, gpu) = (demo("cpu"), demo("gpu"));
    assert!(
        gpu["backend"]
            .as_str()
            .is_some_and(|b| b.starts_with("GPU ("))
    );
    let boa_bytes = |v: &serde_json::Value| v["results"][0]["compressed_bytes"].clone();
    assert_eq!(boa_bytes(&cpu), boa_bytes(&gpu));
    // A bad BOA_GPU_STEPS is a clear error, not a silent default.
    boa()
        .args(["compress", "--backend", "gpu", "-c", file])
        .env("BOA_GPU_STEPS", "0")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "BOA_GPU_STEPS=0: give a positive number",
        ));
}
