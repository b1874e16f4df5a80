//! The training loop: AdamW on next-byte cross-entropy, an evaluation and a checkpoint
//! per epoch, resume from the newest checkpoint.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use burn::grad_clipping::GradientClippingConfig;
use burn::module::{Module, ParamGroup};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor};

use super::checkpoint::{self, Progress};
use super::data::{Splits, batch_order, batch_tensor, read_slice};
use super::eval::sequence_bits_per_byte;
use super::{ExperimentConfig, FinalModel, Precision, TrainError};
use crate::model::{BoaBytePredictor, ModelConfig, VOCAB};

/// Choices of a run that are not part of the experiment.
#[derive(Debug, Clone, Default)]
pub struct TrainOptions {
    /// Continue from the newest checkpoint in the checkpoint folder.
    pub resume: bool,
    /// Stop after this many optimiser steps in total (benchmarks); `None` runs all epochs.
    pub max_steps: Option<usize>,
    /// Skip writing checkpoints (benchmarks).
    pub no_checkpoints: bool,
}

/// Where a run stands, after each optimiser step.
#[derive(Debug, Clone)]
pub struct BatchProgress {
    /// Epoch, from 1.
    pub epoch: usize,
    /// Epochs in the run.
    pub epochs: usize,
    /// Steps done in this epoch.
    pub step: usize,
    /// Steps in an epoch.
    pub steps: usize,
    /// Training bytes consumed in this epoch.
    pub bytes: u64,
    /// Training bytes in an epoch.
    pub epoch_bytes: u64,
    /// This step's loss in bits per predicted byte.
    pub loss_bpb: f64,
    /// Training bytes per second in this epoch so far.
    pub bytes_per_second: f64,
    /// The learning rate of this step (after warm-up and schedule).
    pub lr: f64,
    /// Seconds left of `training.time_budget_s`, if there is a budget.
    pub time_left_s: Option<f64>,
}

/// The result of one epoch.
#[derive(Debug, Clone)]
pub struct EpochReport {
    /// Epoch, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch, bits per predicted byte.
    pub train_bpb: f64,
    /// Validation bits per predicted byte, if there is validation data.
    pub val_bpb: Option<f64>,
    /// Training throughput, bytes per second (the epoch's steps only).
    pub bytes_per_second: f64,
    /// Where the checkpoint went (`None` for an epoch the time budget cut short, which is
    /// not checkpointed: resuming starts that epoch again).
    pub checkpoint: Option<PathBuf>,
    /// `false` when the time budget ended the epoch before its last step.
    pub complete: bool,
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// Each epoch run (not those done before a resume).
    pub epochs: Vec<EpochReport>,
    /// Epochs that were already done when the run resumed.
    pub resumed_after: usize,
    /// Test bits per predicted byte of the final model, if there is test data.
    pub test_bpb: Option<f64>,
    /// The final model's folder.
    pub final_checkpoint: Option<PathBuf>,
    /// Optimiser steps taken in this run.
    pub steps: usize,
    /// Training bytes per second over the whole run.
    pub bytes_per_second: f64,
    /// Whether `training.time_budget_s` ended the run (rather than `epochs`).
    pub stopped_by_budget: bool,
    /// The epoch whose weights `final/` holds (`training.final_model`).
    pub final_epoch: Option<usize>,
}

/// Receives progress from [`train`].
pub trait TrainObserver {
    /// After each optimiser step.
    fn step(&mut self, progress: &BatchProgress);
    /// After each epoch's evaluation and checkpoint.
    fn epoch(&mut self, report: &EpochReport);
    /// A one-line message (resuming, evaluating, …).
    fn message(&mut self, text: &str);
}

/// Trains the model an experiment describes.
///
/// # Errors
/// Invalid configuration or data, unsupported device or precision, checkpoint I/O,
/// divergence.
pub fn train(
    experiment: &ExperimentConfig,
    options: &TrainOptions,
    observer: &mut dyn TrainObserver,
) -> Result<TrainReport, TrainError> {
    let config_error = |message: String| TrainError::Config {
        file: PathBuf::from(&experiment.name),
        message,
    };
    let model_config = experiment.model_config().map_err(config_error)?;
    let device = experiment.device.device(experiment.precision)?.autodiff();
    let data = read_slice(
        &experiment.file_path,
        experiment.training.data_offset,
        experiment.training.data_bytes,
    )?;
    let splits = Splits::new(&data, experiment.dataloader.seq_len, experiment.splits).map_err(
        |message| TrainError::Data {
            file: experiment.file_path.clone(),
            message,
        },
    )?;
    let root = experiment.checkpoint_dir();
    let mut run = Run::start(
        experiment,
        options,
        (&model_config, experiment.precision),
        &device,
        &root,
        observer,
    )?;
    run.epochs(&splits, observer)?;
    run.finish(&splits, observer)
}

/// The state of a run in progress.
struct Run<'a> {
    experiment: &'a ExperimentConfig,
    options: &'a TrainOptions,
    device: Device,
    root: PathBuf,
    model: BoaBytePredictor,
    optimizer: ModuleOptimizer,
    progress: Progress,
    reports: Vec<EpochReport>,
    resumed_after: usize,
    steps: usize,
    bytes: u64,
    seconds: f64,
    /// When the first step started: the time budget's origin.
    started: Instant,
    budget: Option<Duration>,
    stopped_by_budget: bool,
    /// The lowest validation bits per byte seen, its epoch and, if it was this run's,
    /// its weights (an earlier run's best is reloaded from its checkpoint).
    best: Option<(f64, usize, Option<BoaBytePredictor>)>,
}

impl<'a> Run<'a> {
    fn start(
        experiment: &'a ExperimentConfig,
        options: &'a TrainOptions,
        (model_config, precision): (&ModelConfig, Precision),
        device: &Device,
        root: &std::path::Path,
        observer: &mut dyn TrainObserver,
    ) -> Result<Self, TrainError> {
        device.seed(experiment.training.seed);
        let mut model = BoaBytePredictor::seeded(model_config, experiment.training.seed, device);
        let mut optimizer = optimizer(experiment.training.weight_decay, precision);
        let mut progress = Progress {
            epoch: 0,
            train_bpb: Vec::new(),
            val_bpb: Vec::new(),
        };
        let existing = if options.no_checkpoints {
            None
        } else {
            checkpoint::newest(root)
        };
        if let Some((dir, saved)) = existing {
            if !options.resume {
                return Err(TrainError::CheckpointsExist(root.to_path_buf()));
            }
            let saved_config = checkpoint::load_config(&dir)?;
            if saved_config != *model_config {
                return Err(TrainError::Checkpoint {
                    path: dir,
                    message: format!(
                        "holds a model of {saved_config:?}, the experiment asks for {model_config:?}"
                    ),
                });
            }
            model = checkpoint::load_model(&dir, device)?;
            optimizer = checkpoint::load_optimizer(&dir, optimizer)?;
            observer.message(&format!(
                "resuming after epoch {} from {}",
                saved.epoch,
                dir.display()
            ));
            progress = saved;
        }
        let resumed_after = progress.epoch;
        let best = progress
            .val_bpb
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (v, i + 1, None)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        Ok(Self {
            experiment,
            options,
            device: device.clone(),
            root: root.to_path_buf(),
            model,
            optimizer,
            progress,
            reports: Vec::new(),
            resumed_after,
            steps: 0,
            bytes: 0,
            seconds: 0.0,
            started: Instant::now(),
            budget: experiment
                .training
                .time_budget_s
                .map(Duration::from_secs_f64),
            stopped_by_budget: false,
            best,
        })
    }

    fn out_of_steps(&self) -> bool {
        self.options.max_steps.is_some_and(|max| self.steps >= max)
    }

    /// Whether the time budget is spent; never before the first step, so a run always
    /// moves its weights at least once.
    fn out_of_time(&self) -> bool {
        self.steps > 0
            && self
                .budget
                .is_some_and(|budget| self.started.elapsed() >= budget)
    }

    fn time_left_s(&self) -> Option<f64> {
        self.budget
            .map(|budget| budget.saturating_sub(self.started.elapsed()).as_secs_f64())
    }

    /// The learning rate of the next step, `steps_per_epoch` giving the planned total.
    fn learning_rate(&self, epoch: usize, step: usize, steps_per_epoch: usize) -> f64 {
        let training = &self.experiment.training;
        let done = (epoch - 1) * steps_per_epoch + step;
        let planned = (training.epochs * steps_per_epoch).max(1);
        let by_steps = done as f64 / planned as f64;
        let by_time = self.budget.map_or(0.0, |budget| {
            self.started.elapsed().as_secs_f64() / budget.as_secs_f64()
        });
        training.lr_schedule.rate(
            training.lr,
            by_steps.max(by_time),
            done + 1,
            training.warmup_steps,
        )
    }

    /// Remembers this run's model if `val_bpb` is the best so far.
    fn consider_best(&mut self, epoch: usize, val_bpb: Option<f64>) {
        if let Some(val) = val_bpb
            && self.best.as_ref().is_none_or(|(best, _, _)| val < *best)
        {
            self.best = Some((val, epoch, Some(self.model.clone())));
        }
    }

    fn epochs(
        &mut self,
        splits: &Splits,
        observer: &mut dyn TrainObserver,
    ) -> Result<(), TrainError> {
        let epochs = self.experiment.training.epochs;
        for epoch in self.progress.epoch + 1..=epochs {
            if self.out_of_steps() {
                break;
            }
            if self.out_of_time() {
                self.stopped_by_budget = true;
                break;
            }
            let (train_bpb, bytes_per_second, complete) = self.epoch(epoch, splits, observer)?;
            let valid = self.model.valid();
            let val_bpb = sequence_bits_per_byte(
                &valid,
                &splits.val,
                splits.seq_len,
                self.experiment.dataloader.batch_size,
            );
            self.consider_best(epoch, val_bpb);
            if complete {
                self.progress.epoch = epoch;
                self.progress.train_bpb.push(train_bpb);
                self.progress.val_bpb.push(val_bpb);
            }
            let checkpoint = if self.options.no_checkpoints || !complete {
                None
            } else {
                let dir = checkpoint::epoch_dir(&self.root, epoch);
                checkpoint::save_training(&dir, &self.model, &self.optimizer, &self.progress)?;
                Some(dir)
            };
            let report = EpochReport {
                epoch,
                train_bpb,
                val_bpb,
                bytes_per_second,
                checkpoint,
                complete,
            };
            observer.epoch(&report);
            self.reports.push(report);
            if !complete {
                self.stopped_by_budget = true;
                break;
            }
        }
        Ok(())
    }

    /// One pass over the training split, or as much of it as the step limit and the time
    /// budget allow; returns its mean loss (bits), bytes/s and whether it was whole.
    fn epoch(
        &mut self,
        epoch: usize,
        splits: &Splits,
        observer: &mut dyn TrainObserver,
    ) -> Result<(f64, f64, bool), TrainError> {
        let seq_len = splits.seq_len;
        let batch_size = self.experiment.dataloader.batch_size;
        let batches = batch_order(
            splits.train.len() / seq_len,
            batch_size,
            self.experiment.training.seed,
            epoch,
        );
        let epoch_bytes = splits.train.len() as u64;
        let loss_fn = CrossEntropyLossConfig::new().init(&self.device);
        let started = Instant::now();
        let (mut bits, mut predicted, mut bytes) = (0f64, 0usize, 0u64);
        let mut complete = true;
        for (step, indices) in batches.iter().enumerate() {
            if self.out_of_steps() {
                break;
            }
            if self.out_of_time() {
                complete = false;
                break;
            }
            let lr = self.learning_rate(epoch, step, batches.len());
            let batch = batch_tensor(&splits.train, seq_len, indices, &self.device);
            let loss = next_byte_loss(&self.model, &loss_fn, batch);
            let loss_bits = f64::from(loss.clone().into_scalar::<f32>()) / std::f64::consts::LN_2;
            if !loss_bits.is_finite() {
                return Err(TrainError::Diverged {
                    epoch,
                    step: step + 1,
                    loss: loss_bits,
                });
            }
            let grads = GradientsParams::from_grads(loss.backward(), &self.model);
            // Cloning a module clones handles to its tensors, not the tensors.
            self.model = self.optimizer.step(lr, self.model.clone(), grads);
            let count = indices.len() * (seq_len - 1);
            bits += loss_bits * count as f64;
            predicted += count;
            bytes += (indices.len() * seq_len) as u64;
            self.steps += 1;
            observer.step(&BatchProgress {
                epoch,
                epochs: self.experiment.training.epochs,
                step: step + 1,
                steps: batches.len(),
                bytes,
                epoch_bytes,
                loss_bpb: loss_bits,
                bytes_per_second: bytes as f64 / started.elapsed().as_secs_f64().max(1e-9),
                lr,
                time_left_s: self.time_left_s(),
            });
        }
        let seconds = started.elapsed().as_secs_f64();
        self.bytes += bytes;
        self.seconds += seconds;
        Ok((
            bits / predicted.max(1) as f64,
            bytes as f64 / seconds.max(1e-9),
            complete,
        ))
    }

    /// The weights `final/` gets, and their epoch (`training.final_model`).
    fn final_weights(&mut self) -> Result<(BoaBytePredictor, Option<usize>), TrainError> {
        let last_epoch = self
            .reports
            .last()
            .map(|r| r.epoch)
            .or(Some(self.progress.epoch));
        if self.experiment.training.final_model == FinalModel::Last {
            return Ok((self.model.clone(), last_epoch));
        }
        match self.best.take() {
            Some((_, epoch, Some(model))) => Ok((model, Some(epoch))),
            Some((_, epoch, None)) => {
                let dir = checkpoint::epoch_dir(&self.root, epoch);
                Ok((checkpoint::load_model(&dir, &self.device)?, Some(epoch)))
            }
            None => Ok((self.model.clone(), last_epoch)),
        }
    }

    fn finish(
        mut self,
        splits: &Splits,
        observer: &mut dyn TrainObserver,
    ) -> Result<TrainReport, TrainError> {
        if self.stopped_by_budget {
            observer.message(&format!(
                "time budget of {:.0} s spent after {} steps",
                self.budget.map_or(0.0, |b| b.as_secs_f64()),
                self.steps
            ));
        }
        let (model, final_epoch) = self.final_weights()?;
        if let Some(epoch) = final_epoch
            && Some(epoch) != self.reports.last().map(|r| r.epoch)
        {
            observer.message(&format!(
                "keeping epoch {epoch}'s weights: the lowest validation loss"
            ));
        }
        let valid = model.valid();
        observer.message("evaluating the test split");
        let test_bpb = sequence_bits_per_byte(
            &valid,
            &splits.test,
            splits.seq_len,
            self.experiment.dataloader.batch_size,
        );
        let final_checkpoint = if self.options.no_checkpoints {
            None
        } else {
            let dir = self.root.join("final");
            checkpoint::save_model(&dir, &valid)?;
            Some(dir)
        };
        Ok(TrainReport {
            epochs: self.reports,
            resumed_after: self.resumed_after,
            test_bpb,
            final_checkpoint,
            steps: self.steps,
            bytes_per_second: self.bytes as f64 / self.seconds.max(1e-9),
            stopped_by_budget: self.stopped_by_budget,
            final_epoch,
        })
    }
}

/// AdamW (β = 0.9, 0.999; ε = 1e-8, PyTorch's defaults; ε = 1e-4 in fp16, where 1e-8
/// rounds to 0 and the first update divides by zero) with weight decay on weight
/// matrices only: norms, biases, `A_log`, `D` and the embedding are not decayed.
pub(super) fn optimizer(weight_decay: f64, precision: Precision) -> ModuleOptimizer {
    let epsilon = if precision == Precision::Fp16 {
        1e-4
    } else {
        1e-8
    };
    let base = AdamWConfig::new()
        .with_beta_1(0.9)
        .with_beta_2(0.999)
        .with_epsilon(epsilon)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)));
    let no_decay = base.clone().with_weight_decay(0.0).build();
    let group = ParamGroup::from_regex(r"(a_log|\.d|ln\d\..*|bias|embedding\.weight)$")
        .expect("a valid regular expression");
    base.with_weight_decay(weight_decay as f32)
        .init()
        .with_group(
            group,
            no_decay,
            Some(GradientClippingConfig::Norm(1.0).init()),
        )
}

/// Mean next-byte cross-entropy (nats) of a `[batch, seq_len]` batch.
pub(super) fn next_byte_loss(
    model: &BoaBytePredictor,
    loss_fn: &burn::nn::loss::CrossEntropyLoss,
    batch: Tensor<2, Int>,
) -> Tensor<1> {
    let [rows, len] = batch.dims();
    let logits = model.forward(batch.clone().narrow(1, 0, len - 1));
    let targets = batch.narrow(1, 1, len - 1);
    loss_fn.forward(
        logits.reshape([rows * (len - 1), VOCAB]),
        targets.reshape([rows * (len - 1)]),
    )
}

/// Times optimiser steps of a fresh model (`config`) on `device` (with autodiff) over
/// batches of `batch × seq_len` bytes cut from `data` in order: `warmup` untimed steps,
/// then the seconds of each of `steps` timed ones. For throughput benchmarks.
///
/// # Panics
/// If `data` is shorter than one batch.
#[must_use]
pub fn time_training_steps(
    config: &ModelConfig,
    device: &Device,
    data: &[u8],
    (batch, seq_len): (usize, usize),
    warmup: usize,
    steps: usize,
) -> Vec<f64> {
    let sequences = data.len() / seq_len;
    assert!(
        sequences >= batch,
        "benchmark data holds fewer than one batch"
    );
    device.seed(0);
    let mut model = BoaBytePredictor::seeded(config, 0, device);
    let mut optimizer = optimizer(0.01, Precision::Fp32);
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut seconds = Vec::with_capacity(steps);
    for step in 0..warmup + steps {
        let first = (step * batch) % (sequences - batch + 1);
        let indices: Vec<usize> = (first..first + batch).collect();
        let started = Instant::now();
        let loss = next_byte_loss(
            &model,
            &loss_fn,
            batch_tensor(data, seq_len, &indices, device),
        );
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(1e-3, model, grads);
        // Reading a parameter back waits for the device to finish the step.
        let _ = model.head.logits.weight.val().sum().into_scalar::<f32>();
        if step >= warmup {
            seconds.push(started.elapsed().as_secs_f64());
        }
    }
    seconds
}
