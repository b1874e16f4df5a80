//! End-to-end tests of the user-facing workflow: `demo`, zstd-style `compress` and
//! `decompress`, `baseline`, `eval --plots`, `new-experiment` and `run` with every flag.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn boa() -> Command {
    Command::cargo_bin("boa").expect("binary built")
}

/// Failing runs: exit code 1 and stderr naming what is wrong.
trait Fails {
    /// Runs the command; asserts exit code 1 and that stderr contains every needle.
    fn fails(&mut self, needles: &[&str]);
}

impl Fails for Command {
    fn fails(&mut self, needles: &[&str]) {
        let assert = self.assert().code(1);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "stderr lacks `{needle}`:\n{stderr}"
            );
        }
    }
}

/// Real detector data: the start of the bundled sample (KM3NeT hit amplitudes).
fn sample(len: usize) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/km3-amplitudes.bin");
    let mut bytes = std::fs::read(path).expect("bundled sample");
    bytes.truncate(len);
    bytes
}

/// A model that is not the bundled one.
fn other_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/engine-tiny.boam")
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn is_png(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n"))
}

#[test]
fn demo_compares_the_bundled_model_with_the_baselines() {
    let output = boa()
        .args(["demo", "--bytes", "16384", "--json"])
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["identical"], true);
    let names: Vec<&str> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "boa (bundled model)",
            "xz -9e",
            "zlib -9",
            "zstd -19",
            "brotli -q 11"
        ]
    );
    let boa_bytes = report["results"][0]["compressed_bytes"]
        .as_u64()
        .expect("size");
    let xz_bytes = report["results"][1]["compressed_bytes"]
        .as_u64()
        .expect("size");
    assert!(boa_bytes < xz_bytes, "boa {boa_bytes} vs xz {xz_bytes}");
    boa()
        .args(["demo", "--bytes", "4096"])
        .assert()
        .success()
        .stdout(predicate::str::contains("| boa (bundled model) |"))
        .stdout(predicate::str::contains("round trip identical"));
    boa()
        .args(["demo", "--bytes", "999999999"])
        .fails(&["--bytes must be"]);
}

#[test]
fn compress_and_decompress_name_files_like_zstd() {
    let dir = TempDir::new().expect("tempdir");
    let data = sample(20_000);
    let input = dir.path().join("hits.bin");
    std::fs::write(&input, &data).expect("write");
    // file → file.boa with the bundled model; the input stays (-k is the default).
    boa().arg("compress").arg(&input).assert().success();
    assert_eq!(files_in(dir.path()), ["hits.bin", "hits.bin.boa"]);
    // No overwriting without -f, and the existing file is untouched.
    let before = std::fs::read(dir.path().join("hits.bin.boa")).expect("read");
    boa()
        .args(["compress", "-k"])
        .arg(&input)
        .fails(&["already exists (use -f/--force"]);
    assert_eq!(
        std::fs::read(dir.path().join("hits.bin.boa")).expect("read"),
        before
    );
    boa()
        .args(["compress", "-f"])
        .arg(&input)
        .assert()
        .success();
    // file.boa → file, --rm removes the input once done.
    std::fs::remove_file(&input).expect("rm");
    boa()
        .args(["decompress", "--rm", "-q"])
        .arg(dir.path().join("hits.bin.boa"))
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    assert_eq!(files_in(dir.path()), ["hits.bin"]);
    assert_eq!(std::fs::read(&input).expect("read"), data);
    // -o names the output; --rm removes the input of compress too.
    let named = dir.path().join("named.boa");
    boa()
        .args(["compress", "--rm", "-o"])
        .arg(&named)
        .arg(&input)
        .assert()
        .success();
    assert_eq!(files_in(dir.path()), ["named.boa"]);
    // -c writes to stdout.
    boa()
        .args(["decompress", "-c"])
        .arg(&named)
        .assert()
        .success()
        .stdout(data.clone());
}

#[test]
fn dash_means_stdin_and_stdout() {
    let data = sample(12_000);
    let packed = boa()
        .args(["compress", "-", "-o", "-"])
        .write_stdin(data.clone())
        .output()
        .expect("run");
    assert!(
        packed.status.success(),
        "{}",
        String::from_utf8_lossy(&packed.stderr)
    );
    assert!(
        packed.stdout.starts_with(b"\x89BOA"),
        "a .boa stream on stdout"
    );
    // With no file at all, stdin goes to stdout as well; lanes never change the bytes.
    boa()
        .args(["decompress", "--lanes", "3"])
        .write_stdin(packed.stdout.clone())
        .assert()
        .success()
        .stdout(data);
    // Garbage on stdin is a clear error and nothing on stdout.
    boa()
        .arg("decompress")
        .write_stdin(b"not a boa file at all, just some text".to_vec())
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("cannot decompress stdin"));
}

#[test]
fn bad_inputs_are_clear_errors_that_leave_nothing_behind() {
    let dir = TempDir::new().expect("tempdir");
    let input = dir.path().join("run.bin");
    std::fs::write(&input, sample(20_000)).expect("write");
    boa()
        .args(["compress", "--chunk-len", "4096"])
        .arg(&input)
        .assert()
        .success();
    let packed = std::fs::read(dir.path().join("run.bin.boa")).expect("read");
    std::fs::remove_file(&input).expect("rm");

    // A missing file.
    boa()
        .args(["compress", "no-such-file"])
        .current_dir(dir.path())
        .fails(&["cannot read no-such-file"]);
    // A truncated .boa: an error and no output file, not even a partial one.
    let truncated = dir.path().join("cut.bin.boa");
    std::fs::write(&truncated, &packed[..packed.len() * 2 / 3]).expect("write");
    boa()
        .arg("decompress")
        .arg(&truncated)
        .fails(&["truncated"]);
    assert_eq!(files_in(dir.path()), ["cut.bin.boa", "run.bin.boa"]);
    // The wrong model for a file: both fingerprints named, no output.
    boa()
        .arg("decompress")
        .arg(dir.path().join("run.bin.boa"))
        .arg("-m")
        .arg(other_model())
        .fails(&["model mismatch", "was given"]);
    assert_eq!(files_in(dir.path()), ["cut.bin.boa", "run.bin.boa"]);
    // A file made with a model that is neither embedded nor bundled.
    let foreign = dir.path().join("foreign.boa");
    boa()
        .args(["compress", "-q", "-m"])
        .arg(other_model())
        .arg("-o")
        .arg(&foreign)
        .arg(dir.path().join("cut.bin.boa"))
        .assert()
        .success();
    boa()
        .args(["decompress", "-c"])
        .arg(&foreign)
        .fails(&["give it with -m"]);
    // Names that cannot be derived, and inputs that already look compressed.
    boa()
        .args(["decompress"])
        .arg(dir.path().join("cut.bin.boa").with_extension("bin"))
        .fails(&["does not end in .boa"]);
    boa()
        .arg("compress")
        .arg(dir.path().join("run.bin.boa"))
        .fails(&["already ends in .boa"]);
    // A model file that is not a model.
    boa()
        .args(["compress", "-m"])
        .arg(dir.path().join("run.bin.boa"))
        .arg("-c")
        .arg(&truncated)
        .fails(&["cannot load model"]);
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_error_not_a_success() {
    let packed = boa()
        .args(["compress", "-c"])
        .write_stdin(sample(8_000))
        .output()
        .expect("run");
    assert!(packed.status.success());
    let dir = TempDir::new().expect("tempdir");
    let path = dir.path().join("x.boa");
    std::fs::write(&path, &packed.stdout).expect("write");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("boa"))
        .args(["decompress", "-c"])
        .arg(&path)
        .stdout(std::process::Stdio::from(full))
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("No space left on device"), "{stderr}");
}

#[test]
fn baseline_prints_a_table_and_json_beside_boa() {
    let dir = TempDir::new().expect("tempdir");
    let input = dir.path().join("hits.bin");
    std::fs::write(&input, sample(16_384)).expect("write");
    boa()
        .arg("baseline")
        .arg(&input)
        .assert()
        .success()
        .stdout(predicate::str::contains("| xz -9e |"))
        .stdout(predicate::str::contains("| brotli -q 11 |"))
        .stdout(predicate::str::contains("compress MB/s"));
    let output = boa()
        .args(["baseline", "--json", "-m", "default", "--chunk-len", "4096"])
        .arg(&input)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let results = report["results"].as_array().expect("results");
    assert_eq!(results.len(), 5);
    assert_eq!(results[0]["name"], "boa (default)");
    for result in results {
        assert_eq!(result["original_bytes"], 16_384);
        assert!(result["ratio"].as_f64().expect("ratio") > 1.0);
    }
    boa()
        .args(["baseline", "missing.bin"])
        .fails(&["cannot read missing.bin"]);
}

#[test]
fn eval_writes_the_four_plots() {
    let dir = TempDir::new().expect("tempdir");
    let input = dir.path().join("hits.bin");
    std::fs::write(&input, sample(12_000)).expect("write");
    let plots = dir.path().join("plots");
    let output = boa()
        .args(["eval", "--json", "--chunk-len", "4096", "--plots"])
        .arg(&plots)
        .arg(&input)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let top1 = report["top1_accuracy"].as_f64().expect("top-1");
    assert!(top1 > 0.5 && top1 <= 1.0, "top-1 accuracy {top1}");
    assert_eq!(
        files_in(&plots),
        [
            "bits-per-byte.png",
            "calibration.png",
            "confusion.png",
            "top-k.png"
        ]
    );
    for name in files_in(&plots) {
        assert!(is_png(&plots.join(name)));
    }
    // Plots need the integer model's predictions.
    boa()
        .args(["eval", "--checkpoint", "x", "--plots"])
        .arg(&plots)
        .arg(&input)
        .fails(&["--plots"]);
}

#[test]
fn new_experiment_asks_through_stdin_and_validates_answers() {
    let dir = TempDir::new().expect("tempdir");
    std::fs::create_dir(dir.path().join("data")).expect("mkdir");
    std::fs::write(dir.path().join("data/run.bin"), sample(4096)).expect("write");
    // name (one refused), data, device (one refused), precision, preset, seq_len, batch,
    // lr (one refused), epochs, chunks, file to compress (default).
    let answers = "bad name!\nmy-run\ndata/run.bin\ntpu\ncpu\n\ntiny\n128\n\nminus\n0.01\n2\n3\n\n";
    boa()
        .arg("new-experiment")
        .current_dir(dir.path())
        .write_stdin(answers)
        .assert()
        .success()
        .stderr(predicate::str::contains("use 1 to 64 letters"))
        .stderr(predicate::str::contains("choose one of cpu, cuda, wgpu"))
        .stderr(predicate::str::contains("give a learning rate"));
    let yaml = std::fs::read_to_string(dir.path().join("experiments/my-run.yaml")).expect("yaml");
    for line in [
        "name: my-run",
        "file_path: ../data/run.bin",
        "device: cpu",
        "precision: fp32",
        "preset: tiny",
        "seq_len: 128",
        "batch_size: 32",
        "lr: 0.01",
        "epochs: 2",
        "chunks_count: 3",
        "file_to_compress: ../data/run.bin",
        "model_path: ../checkpoints/my-run",
    ] {
        assert!(yaml.contains(line), "missing `{line}` in\n{yaml}");
    }
    // Answers that run out are an error, and nothing is written.
    boa()
        .args(["new-experiment", "-o", "short.yaml"])
        .current_dir(dir.path())
        .write_stdin("x\n")
        .fails(&["answers ended"]);
    assert!(!dir.path().join("short.yaml").exists());
    // Non-interactive: flags and --yes; flag values are validated; no silent overwrite.
    boa()
        .args([
            "new-experiment",
            "--yes",
            "--name",
            "flags",
            "--epochs",
            "1",
        ])
        .args([
            "--file-path",
            "data/run.bin",
            "--device",
            "wgpu",
            "--precision",
            "bf16",
        ])
        .current_dir(dir.path())
        .assert()
        .success();
    let yaml = std::fs::read_to_string(dir.path().join("experiments/flags.yaml")).expect("yaml");
    assert!(
        yaml.contains("device: wgpu") && yaml.contains("preset: boa"),
        "{yaml}"
    );
    boa()
        .args([
            "new-experiment",
            "--yes",
            "--name",
            "flags",
            "--file-path",
            "data/run.bin",
        ])
        .current_dir(dir.path())
        .fails(&["already exists"]);
    boa()
        .args([
            "new-experiment",
            "--yes",
            "--name",
            "x",
            "--file-path",
            "nope.bin",
        ])
        .current_dir(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--file-path: nope.bin is not a file",
        ));
}

/// A folder with `experiments/e2e.yaml`: the tiny preset, one short epoch on real data.
fn experiment_folder(extra_yaml: &str) -> TempDir {
    let dir = TempDir::new().expect("tempdir");
    std::fs::create_dir(dir.path().join("experiments")).expect("mkdir");
    std::fs::write(dir.path().join("hits.bin"), sample(12_288)).expect("write");
    let yaml = format!(
        "name: e2e\nfile_path: ../hits.bin\nprogress: false\nmodel_path: ../models/e2e\n\
         dataloader:\n  seq_len: 64\n  batch_size: 8\nmodel:\n  preset: tiny\n\
         training:\n  lr: 0.01\n  epochs: 1\ncompression:\n  chunks_count: 2\n{extra_yaml}"
    );
    std::fs::write(dir.path().join("experiments/e2e.yaml"), yaml).expect("yaml");
    dir
}

fn run_in(dir: &TempDir) -> Command {
    let mut command = boa();
    command.current_dir(dir.path()).args(["run", "--config"]);
    command
}

#[test]
fn run_steps_one_at_a_time() {
    let dir = experiment_folder("");
    let models = dir.path().join("models/e2e");
    // Nothing trained yet: compressing is a clear error.
    run_in(&dir)
        .args(["e2e", "--compress-only"])
        .fails(&["there is no model"]);
    run_in(&dir)
        .args([
            "e2e",
            "--train-only",
            "--no-progress",
            "--device",
            "cpu",
            "--precision",
            "fp32",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("train").and(predicate::str::contains("compress").not()));
    assert!(models.join("final/model.boam").is_file());
    assert!(!models.join("e2e.boa").exists());
    // Trained checkpoints are never overwritten; --resume continues from them.
    run_in(&dir)
        .args(["e2e", "--train-only"])
        .fails(&["already holds checkpoints"]);
    run_in(&dir)
        .args(["e2e", "--train-only", "--resume"])
        .assert()
        .success();
    run_in(&dir)
        .args(["experiments/e2e.yaml", "--compress-only", "--show-timings"])
        .assert()
        .success()
        .stdout(predicate::str::contains("| compress |"));
    assert!(models.join("e2e.boa").is_file());
    // chunks_count: 2 cuts the file into two chunks.
    boa()
        .args(["info", "--json"])
        .arg(models.join("e2e.boa"))
        .assert()
        .success()
        .stdout(predicate::str::contains("\"chunk_count\": 2"));
    run_in(&dir)
        .args(["e2e", "--decompress-only", "--verify"])
        .assert()
        .success()
        .stderr(predicate::str::contains("verified: 12288 bytes identical"));
    assert_eq!(
        std::fs::read(models.join("e2e.decompressed")).expect("read"),
        sample(12_288)
    );
    run_in(&dir)
        .args(["e2e", "--evaluate-only"])
        .assert()
        .success()
        .stdout(predicate::str::contains("engine_bpb"));
    assert_eq!(files_in(&models.join("plots")).len(), 4);
    run_in(&dir)
        .args(["e2e", "--comparison-baseline-only"])
        .assert()
        .success()
        .stdout(predicate::str::contains("| zstd -19 |"));
    // The *-only flags exclude each other; --verify needs a decompression.
    run_in(&dir)
        .args(["e2e", "--train-only", "--compress-only"])
        .assert()
        .code(2);
    run_in(&dir)
        .args(["e2e", "--compress-only", "--verify"])
        .fails(&["--verify"]);
    // A damaged .boa fails decompression and --verify never claims success.
    let boa_file = models.join("e2e.boa");
    let mut bytes = std::fs::read(&boa_file).expect("read");
    bytes.truncate(bytes.len() - 9);
    std::fs::write(&boa_file, bytes).expect("write");
    run_in(&dir)
        .args(["e2e", "--decompress-only", "--verify"])
        .fails(&["decompress failed"]);
}

#[test]
fn run_whole_pipeline_with_flags_overriding_the_yaml() {
    // A file asking for fp8 is invalid in itself: named, with the key, flags or not.
    let dir = experiment_folder("precision: fp8\n");
    run_in(&dir).args(["e2e", "--train-only"]).fails(&[
        "e2e.yaml",
        "precision",
        "fp8 is not supported",
    ]);
    run_in(&dir)
        .args(["e2e", "--train-only", "--precision", "fp32"])
        .fails(&["e2e.yaml", "fp8 is not supported"]);
    // Flags are typed: an unknown device is a usage error (exit 2) before anything runs.
    run_in(&dir)
        .args(["e2e", "--device", "foo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("device `foo` is unknown"));
    // The file asks for bf16; --precision fp32 wins.
    let dir = experiment_folder("precision: bf16\n");
    run_in(&dir)
        .args([
            "e2e",
            "--precision",
            "fp32",
            "--verify",
            "--evaluate",
            "--show-timings",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "train → compress → decompress → verify → evaluate",
        ))
        .stderr(predicate::str::contains("verified"))
        .stdout(predicate::str::contains("| train |"))
        .stdout(predicate::str::contains("| evaluate |"))
        .stdout(predicate::str::contains("| total |"));
    // --model-path: another folder, or a ready model file (then nothing is trained).
    let given = dir.path().join("given.boam");
    std::fs::copy(other_model(), &given).expect("copy");
    run_in(&dir)
        .args([
            "e2e",
            "--precision",
            "fp32",
            "--model-path",
            "given.boam",
            "--verify",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("compress → decompress → verify"))
        .stderr(predicate::str::contains("training").not());
    assert!(
        dir.path().join("e2e.boa").is_file(),
        "products go beside the model file"
    );
}

#[test]
fn run_reports_bad_experiment_files_by_key_and_file() {
    let dir = experiment_folder("colour: blue\n");
    run_in(&dir)
        .args(["e2e"])
        .fails(&["e2e.yaml", "unknown field `colour`"]);
    std::fs::write(
        dir.path().join("experiments/zero.yaml"),
        "name: z\nfile_path: x\ndataloader:\n  seq_len: 64\n  batch_size: 8\nmodel:\n  preset: tiny\ntraining:\n  lr: 0.01\n  epochs: 0\n",
    )
    .expect("yaml");
    run_in(&dir)
        .args(["zero"])
        .fails(&["zero.yaml", "training.epochs"]);
    std::fs::write(
        dir.path().join("experiments/broken.yaml"),
        "name: [unclosed\n",
    )
    .expect("yaml");
    run_in(&dir).args(["broken"]).fails(&["broken.yaml"]);
    run_in(&dir)
        .args(["missing"])
        .fails(&["no experiment missing"]);
}

/// The interactive prompts, driven through a pseudo-terminal made by util-linux `script`.
#[cfg(unix)]
#[test]
fn new_experiment_prompts_on_a_terminal() {
    use std::io::Write;
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: `script` (util-linux) is not installed, no pseudo-terminal to drive");
        return;
    }
    let dir = TempDir::new().expect("tempdir");
    std::fs::write(dir.path().join("hits.bin"), sample(4096)).expect("write");
    let boa_path = assert_cmd::cargo::cargo_bin("boa");
    let command = format!("{} new-experiment -o tty.yaml", boa_path.display());
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script");
    let mut keys = child.stdin.take().expect("stdin");
    // Name, data file, device (arrow down: cuda), then Enter for every default.
    let mut presses: Vec<&[u8]> = vec![b"tty-run\r", b"hits.bin\r", b"\x1b[B", b"\r"];
    presses.extend(std::iter::repeat_n(&b"\r"[..], 8));
    for press in presses {
        std::thread::sleep(std::time::Duration::from_millis(300));
        keys.write_all(press).expect("type");
        keys.flush().expect("flush");
    }
    drop(keys);
    let output = child.wait_with_output().expect("wait");
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{screen}");
    let yaml = std::fs::read_to_string(dir.path().join("tty.yaml")).expect("yaml");
    assert!(yaml.contains("name: tty-run"), "{yaml}");
    assert!(yaml.contains("device: cuda"), "{yaml}");
    assert!(
        yaml.contains("preset: boa"),
        "the GPU default preset: {yaml}"
    );
    assert!(screen.contains("Learning rate"), "{screen}");
}

/// The whole pipeline on GPUs (a build with `--features wgpu`; lavapipe in CI): trained
/// on burn's wgpu device with the scan's CubeCL kernels, quantized, compressed and
/// decompressed by the engine's WGSL shaders, verified; and the file is byte for byte
/// the one the CPU engine writes from the same model.
#[cfg(feature = "wgpu")]
#[test]
fn run_trains_codes_and_verifies_on_the_gpu() {
    let dir = experiment_folder("");
    run_in(&dir)
        .args(["e2e", "--device", "wgpu", "--backend", "gpu", "--verify"])
        .assert()
        .success()
        .stderr(predicate::str::contains("verified: 12288 bytes identical"));
    let models = dir.path().join("models/e2e");
    let on_cpu = boa()
        .arg("compress")
        .arg(dir.path().join("hits.bin"))
        .arg("-m")
        .arg(models.join("final/model.boam"))
        .args(["--chunk-len", "6144", "--backend", "cpu", "-c"])
        .output()
        .expect("run");
    assert!(
        on_cpu.status.success(),
        "{}",
        String::from_utf8_lossy(&on_cpu.stderr)
    );
    assert_eq!(
        on_cpu.stdout,
        std::fs::read(models.join("e2e.boa")).expect("the pipeline's .boa"),
        "the GPU engine's file differs from the CPU engine's"
    );
}
