use std::path::{Path, PathBuf};

use super::checkpoint;
use super::data::{Splits, batch_order};
#[cfg(feature = "wgpu")]
use super::trainer;
use super::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// Bytes with learnable structure: a counter, a constant and noise in 8-byte records.
fn structured(len: usize) -> Vec<u8> {
    let mut rng = crate::rng::XorShift64::new(88_172_645_463_325_253);
    (0..len)
        .map(|i| {
            let state = rng.next_u64();
            match i % 8 {
                0 => (i / 8) as u8,
                1..=3 => 0x40,
                _ => (state >> 60) as u8,
            }
        })
        .collect()
}

fn experiment(dir: &Path, extra: &str) -> PathBuf {
    std::fs::write(dir.join("data.bin"), structured(24 * 1024)).expect("data");
    let yaml = format!(
        "name: unit\nfile_path: data.bin\nmodel_path: ckpt\ndataloader:\n  seq_len: 64\n  batch_size: 8\nmodel:\n  d_model: 16\n  num_layers: 1\ntraining:\n  lr: 0.01\n  epochs: 2\n  seed: 3\n{extra}"
    );
    write(dir, "exp.yaml", &yaml)
}

#[test]
fn experiment_files_resolve_paths_and_name_bad_keys() {
    let _rng = crate::rng_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = experiment(dir.path(), "");
    let config = ExperimentConfig::load(&path).expect("valid");
    assert_eq!(config.file_path, dir.path().join("data.bin"));
    assert_eq!(config.checkpoint_dir(), dir.path().join("ckpt"));
    assert_eq!(config.splits, [0.8, 0.1, 0.1]);
    assert_eq!(config.model_config().expect("model").d_model, 16);

    let bad = write(
        dir.path(),
        "bad.yaml",
        &std::fs::read_to_string(&path)
            .expect("read")
            .replace("lr:", "learning_rate:"),
    );
    let message = ExperimentConfig::load(&bad)
        .expect_err("unknown key")
        .to_string();
    assert!(
        message.contains("bad.yaml") && message.contains("learning_rate"),
        "{message}"
    );

    let fp8 = write(
        dir.path(),
        "fp8.yaml",
        &format!(
            "precision: fp8\n{}",
            std::fs::read_to_string(&path).expect("read")
        ),
    );
    let message = ExperimentConfig::load(&fp8).expect_err("fp8").to_string();
    assert!(message.contains("fp8 is not supported"), "{message}");

    let splits = write(
        dir.path(),
        "splits.yaml",
        &format!(
            "splits: [0.5, 0.5, 0.5]\n{}",
            std::fs::read_to_string(&path).expect("read")
        ),
    );
    assert!(
        ExperimentConfig::load(&splits)
            .expect_err("splits")
            .to_string()
            .contains("splits")
    );
}

#[test]
fn splits_are_whole_sequences_in_order() {
    let _rng = crate::rng_lock();
    let data: Vec<u8> = (0..=255).cycle().take(1000).collect();
    let splits = Splits::new(&data, 100, [0.8, 0.1, 0.1]).expect("splits");
    assert_eq!(
        (splits.train.len(), splits.val.len(), splits.test.len()),
        (800, 100, 100)
    );
    assert_eq!(splits.val[0], data[800]);
    assert!(Splits::new(&data[..50], 100, [0.8, 0.1, 0.1]).is_err());
}

#[test]
fn batch_order_is_a_seeded_permutation() {
    let _rng = crate::rng_lock();
    let a = batch_order(50, 8, 1, 1);
    assert_eq!(a, batch_order(50, 8, 1, 1));
    assert_ne!(a, batch_order(50, 8, 1, 2));
    let mut all: Vec<usize> = a.concat();
    all.sort_unstable();
    assert_eq!(all, (0..50).collect::<Vec<_>>());
    assert_eq!(a.len(), 7);
}

struct Silent;

impl TrainObserver for Silent {
    fn step(&mut self, _: &BatchProgress) {}
    fn epoch(&mut self, _: &EpochReport) {}
    fn message(&mut self, _: &str) {}
}

#[test]
fn training_learns_checkpoints_and_resumes_where_it_stopped() {
    let _rng = crate::rng_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = experiment(dir.path(), "");
    let mut config = ExperimentConfig::load(&path).expect("valid");

    // Two epochs straight.
    config.model_path = Some(dir.path().join("straight"));
    let straight = train(&config, &TrainOptions::default(), &mut Silent).expect("train");
    assert_eq!(straight.epochs.len(), 2);
    let first = &straight.epochs[0];
    let second = &straight.epochs[1];
    assert!(
        second.train_bpb < first.train_bpb,
        "{} → {}",
        first.train_bpb,
        second.train_bpb
    );
    assert!(second.val_bpb.expect("val") < 7.0, "{:?}", second.val_bpb);
    assert!(straight.test_bpb.is_some());
    let final_dir = straight.final_checkpoint.clone().expect("final");
    assert!(checkpoint::load_model(&final_dir, &burn::tensor::Device::flex()).is_ok());

    // One epoch, then a resumed run to two: the same result.
    config.model_path = Some(dir.path().join("resumed"));
    config.training.epochs = 1;
    train(&config, &TrainOptions::default(), &mut Silent).expect("first epoch");
    config.training.epochs = 2;
    let refused = train(&config, &TrainOptions::default(), &mut Silent).expect_err("exists");
    assert!(matches!(refused, TrainError::CheckpointsExist(_)));
    let resume = TrainOptions {
        resume: true,
        ..TrainOptions::default()
    };
    let resumed = train(&config, &resume, &mut Silent).expect("resumed");
    assert_eq!(resumed.resumed_after, 1);
    assert_eq!(resumed.epochs.len(), 1);
    let (a, b) = (
        second.val_bpb.expect("val"),
        resumed.epochs[0].val_bpb.expect("val"),
    );
    assert!((a - b).abs() < 1e-4, "straight {a} vs resumed {b}");
    let (_, progress) = checkpoint::newest(&dir.path().join("resumed")).expect("checkpoint");
    assert_eq!(progress.epoch, 2);
}

#[test]
fn a_time_budget_stops_at_a_step_and_still_writes_the_final_model() {
    let _rng = crate::rng_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = experiment(dir.path(), "  epochs_note: 0\n");
    let bad = ExperimentConfig::load(&path).expect_err("unknown key");
    assert!(bad.to_string().contains("epochs_note"), "{bad}");

    let path = experiment(dir.path(), "  time_budget_s: -3\n");
    let bad = ExperimentConfig::load(&path).expect_err("negative budget");
    assert!(bad.to_string().contains("time_budget_s"), "{bad}");

    // A budget far below one epoch: the first epoch is cut short, evaluated, not
    // checkpointed, and final/ is written.
    let path = experiment(
        dir.path(),
        "  time_budget_s: 0.000001\n  lr_schedule: cosine\n  warmup_steps: 4\n",
    );
    let mut config = ExperimentConfig::load(&path).expect("valid");
    config.training.epochs = 50;
    let mut steps = Steps::default();
    let report = train(&config, &TrainOptions::default(), &mut steps).expect("train");
    assert!(report.stopped_by_budget);
    assert_eq!(report.epochs.len(), 1);
    assert!(!report.epochs[0].complete);
    assert!(report.epochs[0].checkpoint.is_none());
    assert_eq!(report.steps, 1);
    assert!(
        report
            .final_checkpoint
            .expect("final")
            .join("model.bpk")
            .is_file()
    );
    assert!(checkpoint::newest(&config.checkpoint_dir()).is_none());
    assert!(steps.time_left.iter().all(|left| left.is_some()));
}

#[test]
fn learning_rate_schedules_warm_up_and_decay() {
    let lr = 0.01;
    assert_eq!(LrSchedule::Constant.rate(lr, 0.7, 100, 0), lr);
    assert!((LrSchedule::Constant.rate(lr, 0.0, 1, 4) - lr / 4.0).abs() < 1e-12);
    assert!((LrSchedule::Cosine.rate(lr, 0.0, 10, 4) - lr).abs() < 1e-12);
    assert!((LrSchedule::Cosine.rate(lr, 1.0, 10, 4) - lr / 10.0).abs() < 1e-12);
    assert!((LrSchedule::Cosine.rate(lr, 5.0, 10, 4) - lr / 10.0).abs() < 1e-12);
    let mid = LrSchedule::Cosine.rate(lr, 0.5, 10, 0);
    assert!((mid - 0.55 * lr).abs() < 1e-12, "{mid}");
}

#[test]
fn the_final_model_is_the_best_epoch_unless_last_is_asked_for() {
    let _rng = crate::rng_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    // A learning rate high enough that validation gets worse after the first epoch.
    let path = experiment(dir.path(), "");
    let mut config = ExperimentConfig::load(&path).expect("valid");
    config.training.lr = 0.2;
    config.training.epochs = 3;
    for final_model in [FinalModel::Best, FinalModel::Last] {
        config.training.final_model = final_model;
        config.model_path = Some(dir.path().join(format!("{final_model:?}")));
        let report = train(&config, &TrainOptions::default(), &mut Silent).expect("train");
        let vals: Vec<f64> = report
            .epochs
            .iter()
            .map(|e| e.val_bpb.expect("val"))
            .collect();
        let best = vals
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i + 1);
        let expected = match final_model {
            FinalModel::Best => best,
            FinalModel::Last => Some(3),
        };
        assert_eq!(report.final_epoch, expected, "{vals:?}");
        // final/ holds those weights: its validation loss is that epoch's.
        let model = checkpoint::load_model(
            &report.final_checkpoint.expect("final"),
            &burn::tensor::Device::flex(),
        )
        .expect("load");
        let data = std::fs::read(&config.file_path).expect("data");
        let splits = Splits::new(&data, 64, config.splits).expect("splits");
        let val = eval::sequence_bits_per_byte(&model, &splits.val, 64, 8).expect("val");
        let want = vals[expected.expect("epoch") - 1];
        assert!((val - want).abs() < 1e-4, "final {val} vs epoch {want}");
    }
}

#[derive(Default)]
struct Steps {
    time_left: Vec<Option<f64>>,
}

impl TrainObserver for Steps {
    fn step(&mut self, progress: &BatchProgress) {
        self.time_left.push(progress.time_left_s);
    }
    fn epoch(&mut self, _: &EpochReport) {}
    fn message(&mut self, _: &str) {}
}

/// The "done when" of GPU training: the tiny preset trained for 2 epochs on burn's wgpu
/// device (lavapipe in CI) ends where the CPU ends, and its scans never left the device.
#[cfg(feature = "wgpu")]
#[test]
fn the_tiny_preset_trains_on_wgpu_to_the_cpus_losses_with_the_scan_on_the_device() {
    let _rng = crate::rng_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("data.bin"), structured(12 * 1024)).expect("data");
    let yaml = "name: wgpu\nfile_path: data.bin\ndataloader:\n  seq_len: 64\n  batch_size: 8\nmodel:\n  preset: tiny\ntraining:\n  lr: 0.01\n  epochs: 2\n  seed: 5\n";
    let path = write(dir.path(), "exp.yaml", yaml);
    let mut config = ExperimentConfig::load(&path).expect("valid");
    let mut run_on = |device: DeviceKind| {
        config.device = device;
        config.model_path = Some(dir.path().join(device.name()));
        train(&config, &TrainOptions::default(), &mut Silent).expect("train")
    };
    let cpu = run_on(DeviceKind::Cpu);
    let reads = crate::model::scan::host_reads();
    let gpu = run_on(DeviceKind::Wgpu);
    assert_eq!(
        crate::model::scan::host_reads(),
        reads,
        "training on wgpu read scan tensors back to the host"
    );
    assert_eq!(gpu.epochs.len(), 2);
    for (cpu, gpu) in cpu.epochs.iter().zip(&gpu.epochs) {
        let (c, g) = (cpu.val_bpb.expect("val"), gpu.val_bpb.expect("val"));
        eprintln!(
            "epoch {}: validation {c:.6} (CPU), {g:.6} (wgpu)",
            cpu.epoch
        );
        assert!(
            (c - g).abs() < 1e-3,
            "epoch {}: validation {c} bits per byte on the CPU, {g} on wgpu",
            cpu.epoch
        );
    }
    let learned = gpu.epochs[1].val_bpb.expect("val");
    assert!(learned < 7.0, "no better than uniform bytes: {learned}");
}

/// Every parameter after three optimiser steps on burn's wgpu device is the CPU's, from
/// the same seeded weights. This caught two burn 0.22.1 bugs on its GPU backends: `gelu`'s
/// backward (see `block::gelu_erf`) and the fused optimiser step mis-updating a parameter
/// whose gradient had swapped strides (see `CausalConv1d::forward`).
#[cfg(feature = "wgpu")]
#[test]
fn three_optimiser_steps_on_wgpu_leave_the_cpus_weights() {
    use burn::module::{Module, ModuleVisitor, Param};
    use burn::nn::loss::CrossEntropyLossConfig;
    use burn::optim::GradientsParams;
    use burn::tensor::{Device, Tensor};

    use crate::model::{BoaBytePredictor, ModelConfig, Preset};

    /// Every float parameter's values, in the module's order.
    struct Weights(Vec<Vec<f32>>);
    impl ModuleVisitor for Weights {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(crate::model::host_values(param.val()));
        }
    }

    let _rng = crate::rng_lock();
    let config = ModelConfig::preset(Preset::Tiny);
    let data = structured(64 * 24);
    let weights_after_steps = |device: &Device| {
        let mut model = BoaBytePredictor::seeded(&config, 1, device);
        let mut optimizer = trainer::optimizer(0.01, Precision::Fp32);
        let loss_fn = CrossEntropyLossConfig::new().init(device);
        for step in 0..3 {
            let indices: Vec<usize> = (step * 8..step * 8 + 8).collect();
            let batch = super::data::batch_tensor(&data, 64, &indices, device);
            let loss = trainer::next_byte_loss(&model, &loss_fn, batch);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(0.01, model, grads);
        }
        let mut weights = Weights(Vec::new());
        model.visit(&mut weights);
        weights.0
    };
    let cpu = weights_after_steps(&Device::flex().autodiff());
    let gpu = weights_after_steps(&Device::wgpu(Default::default()).autodiff());
    assert_eq!(cpu.len(), gpu.len());
    for (k, (cpu, gpu)) in cpu.iter().zip(&gpu).enumerate() {
        let worst = cpu
            .iter()
            .zip(gpu)
            .map(|(c, g)| (c - g).abs())
            .fold(0f32, f32::max);
        assert!(
            worst < 1e-5,
            "parameter {k} ({} values): up to {worst} apart",
            cpu.len()
        );
    }
}

/// Half precision trains on the CPU only; on GPU devices it is a clear error (burn 0.22.1's
/// fused GPU backends panic on a half-precision model), before the device is configured or used.
#[test]
fn half_precision_is_refused_on_gpu_devices_with_a_clear_error() {
    for device in [DeviceKind::Cuda, DeviceKind::Wgpu] {
        assert!(device.check_precision(Precision::Fp32).is_ok());
        for precision in [Precision::Bf16, Precision::Fp16] {
            let message = device
                .check_precision(precision)
                .expect_err("refused")
                .to_string();
            assert!(
                message.contains(precision.name())
                    && message.contains(device.name())
                    && message.contains("on the CPU"),
                "{message}"
            );
        }
    }
    for precision in Precision::ALL {
        assert!(DeviceKind::Cpu.check_precision(precision).is_ok());
    }
}
