//! `boa new-experiment`: writes an experiment file, asking for every setting not given as
//! a flag. On a terminal the questions are `dialoguer` prompts; from a pipe, one answer
//! per line (an empty line takes the default), so scripts and tests can drive it; with
//! `--yes`, nothing is asked. Every answer is validated as the experiment loader would,
//! and the file written is loaded back before the command succeeds.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use boa_core::model::Preset;
use boa_core::train::{
    CompressionSection, DataloaderConfig, DeviceKind, ExperimentConfig, FinalModel, LrSchedule,
    ModelSection, Precision, TrainingSection,
};

use crate::cli::NewExperimentArgs;
use crate::io::write_atomically;

/// Asks one question and returns the raw answer.
trait Prompter {
    /// Free text; an empty answer means `default`.
    fn text(&mut self, prompt: &str, default: &str) -> anyhow::Result<String>;
    /// One of `options`.
    fn select(&mut self, prompt: &str, options: &[&str], default: usize) -> anyhow::Result<String>;
    /// Says why an answer was refused.
    fn refuse(&mut self, message: &str);
}

/// `dialoguer` prompts on the terminal.
struct Terminal;

impl Prompter for Terminal {
    fn text(&mut self, prompt: &str, default: &str) -> anyhow::Result<String> {
        let theme = dialoguer::theme::ColorfulTheme::default();
        let mut input = dialoguer::Input::<String>::with_theme(&theme).with_prompt(prompt);
        if !default.is_empty() {
            input = input.default(default.to_string());
        }
        Ok(input.interact_text()?)
    }

    fn select(&mut self, prompt: &str, options: &[&str], default: usize) -> anyhow::Result<String> {
        let theme = dialoguer::theme::ColorfulTheme::default();
        let chosen = dialoguer::Select::with_theme(&theme)
            .with_prompt(prompt)
            .items(options)
            .default(default)
            .interact()?;
        Ok(options.get(chosen).copied().unwrap_or_default().to_string())
    }

    fn refuse(&mut self, message: &str) {
        eprintln!("  ✗ {message}");
    }
}

/// One answer per line from a reader (stdin when it is not a terminal); questions and
/// refusals go to stderr.
struct Lines<R> {
    input: R,
    line: usize,
}

impl<R: BufRead> Lines<R> {
    fn read(&mut self, prompt: &str, hint: &str) -> anyhow::Result<String> {
        eprint!("{prompt} [{hint}]: ");
        std::io::stderr().flush().ok();
        let mut answer = String::new();
        let n = self
            .input
            .read_line(&mut answer)
            .context("cannot read the answers")?;
        self.line += 1;
        if n == 0 {
            bail!(
                "the answers ended before the question `{prompt}` (line {})",
                self.line
            );
        }
        eprintln!();
        Ok(answer.trim().to_string())
    }
}

impl<R: BufRead> Prompter for Lines<R> {
    fn text(&mut self, prompt: &str, default: &str) -> anyhow::Result<String> {
        let answer = self.read(prompt, default)?;
        Ok(if answer.is_empty() {
            default.to_string()
        } else {
            answer
        })
    }

    fn select(&mut self, prompt: &str, options: &[&str], default: usize) -> anyhow::Result<String> {
        let hint = options.join("/");
        let answer = self.read(prompt, &hint)?;
        Ok(if answer.is_empty() {
            options
                .get(default)
                .copied()
                .unwrap_or_default()
                .to_string()
        } else {
            answer
        })
    }

    fn refuse(&mut self, message: &str) {
        eprintln!("  ✗ {message}");
    }
}

/// Answers every question with its default.
struct Defaults;

impl Prompter for Defaults {
    fn text(&mut self, _: &str, default: &str) -> anyhow::Result<String> {
        Ok(default.to_string())
    }

    fn select(&mut self, _: &str, options: &[&str], default: usize) -> anyhow::Result<String> {
        Ok(options
            .get(default)
            .copied()
            .unwrap_or_default()
            .to_string())
    }

    fn refuse(&mut self, _: &str) {}
}

/// Asks until `parse` accepts the answer; with `--yes` (or a flag's value) a refused
/// value is an error instead. `given` is the flag's value, if any.
fn ask<T>(
    prompter: &mut dyn Prompter,
    given: Option<String>,
    question: Question<'_>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> anyhow::Result<T> {
    if let Some(value) = given {
        return parse(&value).map_err(|message| anyhow::anyhow!("--{}: {message}", question.flag));
    }
    for _ in 0..MAX_ATTEMPTS {
        let answer = match question.options {
            Some(options) => prompter.select(question.prompt, options, question.default_option)?,
            None => prompter.text(question.prompt, question.default)?,
        };
        match parse(&answer) {
            Ok(value) => return Ok(value),
            Err(message) => prompter.refuse(&message),
        }
    }
    bail!(
        "no valid answer for `{}` after {MAX_ATTEMPTS} tries",
        question.prompt
    )
}

/// Refused answers allowed per question before giving up (a pipe cannot retype).
const MAX_ATTEMPTS: usize = 5;

/// One question: its prompt, its flag, its default (text or an option's index).
struct Question<'a> {
    prompt: &'a str,
    flag: &'a str,
    default: &'a str,
    options: Option<&'a [&'a str]>,
    default_option: usize,
}

impl<'a> Question<'a> {
    fn text(prompt: &'a str, flag: &'a str, default: &'a str) -> Self {
        Self {
            prompt,
            flag,
            default,
            options: None,
            default_option: 0,
        }
    }

    fn select(prompt: &'a str, flag: &'a str, options: &'a [&'a str], default: usize) -> Self {
        Self {
            prompt,
            flag,
            default: "",
            options: Some(options),
            default_option: default,
        }
    }
}

fn parse_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("`{s}`: use 1 to 64 letters, digits, `-` or `_`"))
    }
}

fn parse_existing_file(s: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(s);
    if s.is_empty() {
        Err("give a file".into())
    } else if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{s} is not a file"))
    }
}

fn parse_number<T>(s: &str, min: T) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    match s.parse::<T>() {
        Ok(v) if v >= min => Ok(v),
        _ => Err(format!("`{s}`: give a whole number ≥ {min}")),
    }
}

fn parse_lr(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        _ => Err(format!("`{s}`: give a learning rate in (0, 1), e.g. 0.003")),
    }
}

fn parse_choice(options: &'static [&'static str]) -> impl Fn(&str) -> Result<String, String> {
    move |s| {
        if options.contains(&s) {
            Ok(s.to_string())
        } else {
            Err(format!("`{s}`: choose one of {}", options.join(", ")))
        }
    }
}

/// The names the prompts offer: the types' own, in their order (the default first).
const DEVICES: &[&str] = &[
    DeviceKind::ALL[0].name(),
    DeviceKind::ALL[1].name(),
    DeviceKind::ALL[2].name(),
];
const PRECISIONS: &[&str] = &[
    Precision::ALL[0].name(),
    Precision::ALL[1].name(),
    Precision::ALL[2].name(),
];
const PRESETS: &[&str] = &[
    Preset::ALL[0].name(),
    Preset::ALL[1].name(),
    Preset::ALL[2].name(),
];

/// A prompt's answer (one of `DEVICES`, `PRECISIONS`, `PRESETS`) as its type.
fn typed<T: std::str::FromStr<Err = String>>(answer: &str) -> anyhow::Result<T> {
    answer.parse().map_err(anyhow::Error::msg)
}
const BUNDLED_SAMPLE: &str = "data/km3-amplitudes.bin";

/// Collects the answers into an experiment (paths as answered, relative to here).
fn questionnaire(
    args: &NewExperimentArgs,
    p: &mut dyn Prompter,
) -> anyhow::Result<ExperimentConfig> {
    let path_flag = |v: &Option<PathBuf>| v.as_ref().map(|p| p.display().to_string());
    let name = ask(
        p,
        args.name.clone(),
        Question::text("Experiment name", "name", "my-experiment"),
        parse_name,
    )?;
    let sample = if Path::new(BUNDLED_SAMPLE).is_file() {
        BUNDLED_SAMPLE
    } else {
        ""
    };
    let file_path = ask(
        p,
        path_flag(&args.file_path),
        Question::text("Training data file", "file-path", sample),
        parse_existing_file,
    )?;
    let device = ask(
        p,
        args.device.map(|v| v.to_string()),
        Question::select("Device", "device", DEVICES, 0),
        parse_choice(DEVICES),
    )?;
    let precision = ask(
        p,
        args.precision.map(|v| v.to_string()),
        Question::select("Precision", "precision", PRECISIONS, 0),
        parse_choice(PRECISIONS),
    )?;
    // The small preset on a CPU, BOA's own size on a GPU.
    let preset_default = usize::from(device != "cpu");
    let preset = ask(
        p,
        args.preset.map(|v| v.to_string()),
        Question::select("Model preset", "preset", PRESETS, preset_default),
        parse_choice(PRESETS),
    )?;
    let seq_len = ask(
        p,
        args.seq_len.map(|v| v.to_string()),
        Question::text("Sequence length (bytes)", "seq-len", "256"),
        |s| parse_number(s, 2usize),
    )?;
    let batch_size = ask(
        p,
        args.batch_size.map(|v| v.to_string()),
        Question::text("Batch size (sequences)", "batch-size", "32"),
        |s| parse_number(s, 1usize),
    )?;
    let lr = ask(
        p,
        args.lr.map(|v| v.to_string()),
        Question::text("Learning rate", "lr", "0.003"),
        parse_lr,
    )?;
    let epochs = ask(
        p,
        args.epochs.map(|v| v.to_string()),
        Question::text("Epochs", "epochs", "4"),
        |s| parse_number(s, 1usize),
    )?;
    let chunks_count = ask(
        p,
        args.chunks_count.map(|v| v.to_string()),
        Question::text(
            "Chunks per compressed file (0: 256 KiB each)",
            "chunks-count",
            "0",
        ),
        |s| parse_number(s, 0usize),
    )?;
    let default_target = file_path.display().to_string();
    let file_to_compress = ask(
        p,
        path_flag(&args.file_to_compress),
        Question::text("File to compress", "file-to-compress", &default_target),
        parse_existing_file,
    )?;
    Ok(ExperimentConfig {
        name,
        file_path,
        progress: true,
        device: typed(&device)?,
        precision: typed(&precision)?,
        model_path: None,
        dataloader: DataloaderConfig {
            seq_len,
            batch_size,
        },
        model: ModelSection {
            preset: Some(typed(&preset)?),
            d_model: None,
            num_layers: None,
        },
        training: TrainingSection {
            lr,
            epochs,
            weight_decay: 0.01,
            seed: 0,
            data_offset: 0,
            data_bytes: None,
            time_budget_s: None,
            lr_schedule: LrSchedule::Constant,
            warmup_steps: 0,
            final_model: FinalModel::Best,
        },
        splits: [0.8, 0.1, 0.1],
        compression: Some(CompressionSection {
            chunks_count: (chunks_count > 0).then_some(chunks_count),
            file_to_compress: Some(file_to_compress),
            mixing: false,
        }),
    })
}

pub fn run(args: &NewExperimentArgs) -> anyhow::Result<ExitCode> {
    let mut experiment = if args.yes {
        questionnaire(args, &mut Defaults)?
    } else if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        questionnaire(args, &mut Terminal)?
    } else {
        let stdin = std::io::stdin();
        questionnaire(
            args,
            &mut Lines {
                input: stdin.lock(),
                line: 0,
            },
        )?
    };
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| Path::new("experiments").join(format!("{}.yaml", experiment.name)));
    let folder = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    relative_paths(&mut experiment, &folder)?;
    experiment.model_path = Some(relative_to(
        &Path::new("checkpoints").join(&experiment.name),
        &folder,
    )?);
    let yaml =
        serde_norway::to_string(&experiment).context("cannot write the experiment as YAML")?;
    let text = format!(
        "# boa experiment, written by `boa new-experiment`. Paths are relative to this file.\n\
         # Run it with: boa run --config {}\n{yaml}",
        output.display()
    );
    write_atomically(&output, args.force, |out| {
        Ok(out.write_all(text.as_bytes())?)
    })?;
    ExperimentConfig::load(&output)
        .with_context(|| format!("{} does not load back", output.display()))?;
    eprintln!(
        "wrote {}; run it with: boa run --config {}",
        output.display(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Makes the experiment's file paths relative to the folder of the YAML file.
fn relative_paths(experiment: &mut ExperimentConfig, folder: &Path) -> anyhow::Result<()> {
    experiment.file_path = relative_to(&experiment.file_path, folder)?;
    if let Some(section) = &mut experiment.compression
        && let Some(file) = &section.file_to_compress
    {
        section.file_to_compress = Some(relative_to(file, folder)?);
    }
    Ok(())
}

/// `target` as seen from `base` (both taken from the current directory).
fn relative_to(target: &Path, base: &Path) -> anyhow::Result<PathBuf> {
    let absolute = |p: &Path| -> anyhow::Result<PathBuf> {
        let joined = std::env::current_dir()
            .context("no current directory")?
            .join(p);
        Ok(normalize(&joined))
    };
    let (target, base) = (absolute(target)?, absolute(base)?);
    let common = target
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    let ups = base.components().count() - common;
    let mut relative: PathBuf = std::iter::repeat_n(Component::ParentDir, ups).collect();
    relative.extend(target.components().skip(common));
    Ok(relative)
}

/// Removes `.` and folds `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_out_of_the_yaml_folder() {
        assert_eq!(
            relative_to(Path::new("data/x.bin"), Path::new("experiments")).ok(),
            Some(PathBuf::from("../data/x.bin"))
        );
        assert_eq!(
            relative_to(Path::new("a/b/c"), Path::new("a/b")).ok(),
            Some(PathBuf::from("c"))
        );
        assert_eq!(
            relative_to(Path::new("./x"), Path::new("e/f/../g")).ok(),
            Some(PathBuf::from("../../x"))
        );
    }

    #[test]
    fn answers_are_validated() {
        assert!(parse_name("run-1_b").is_ok());
        assert!(parse_name("a b").is_err());
        assert!(parse_name("").is_err());
        assert_eq!(parse_number("3", 1usize), Ok(3));
        assert!(parse_number("0", 1usize).is_err());
        assert!(parse_number("x", 1usize).is_err());
        assert!(parse_lr("0.01").is_ok());
        assert!(parse_lr("-1").is_err());
        assert!(parse_choice(DEVICES)("tpu").is_err());
    }
}
