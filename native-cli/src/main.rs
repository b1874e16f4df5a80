//! `boa`: neural lossless compression from the command line.
//!
//! Exit codes: 0 success; 1 failure (unreadable, corrupt or mismatched input, I/O
//! errors); 2 invalid command line. A closed output pipe ends the program quietly with 0.

mod backend;
mod baseline;
mod baselines;
mod bench_engine;
mod bundled;
mod cli;
mod codec_cmds;
mod demo;
mod environment;
mod eval;
mod info;
mod io;
mod model_cmds;
mod new_experiment;
mod plots;
mod progress;
mod run;
mod train;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    environment::prepare();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("boa: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Run(args) => run::run(&args),
        Command::NewExperiment(args) => new_experiment::run(&args),
        Command::Baseline(args) => baseline::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Train(args) => train::run(&args),
        Command::BenchTrain(args) => train::bench(&args),
        Command::Import(args) => model_cmds::import(&args),
        Command::Eval(args) => eval::eval(&args),
        Command::Quantize(args) => model_cmds::quantize(&args),
        Command::ConvertModel(args) => model_cmds::convert(&args),
        Command::Compress(args) => codec_cmds::compress(&args),
        Command::Decompress(args) => codec_cmds::decompress(&args),
        Command::Verify(args) => codec_cmds::verify(&args),
        Command::BenchEngine(args) => bench_engine::run(&args),
        Command::Backends => backend::list(),
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
