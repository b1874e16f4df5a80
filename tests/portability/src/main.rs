//! `boa-matrix-agent`: one backend of the portability matrix (`tests/portability/`).
//!
//! The same source is built for every target of the matrix (x86-64 with and without the
//! AVX2 kernels, i686, aarch64 and s390x under qemu-user, wasm32-wasip1 in Node, and the
//! GPU through wgpu); `matrix.mjs` runs each build as a producer (`produce`: the `.boa`
//! file of every case, and the golden tables' digest) and as a decoder (`decode`: every
//! distinct file any producer wrote), then compares the bytes. The agent compares
//! nothing itself: what it writes is the evidence.

mod cases;
mod jobs;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "One backend of boa's portability matrix")]
struct Cli {
    #[command(flatten)]
    backend: jobs::BackendArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes the cases (`cases.tsv`, inputs, models, the tables' input) into `out`.
    Inputs {
        /// The folder to write.
        #[arg(long)]
        out: PathBuf,
        /// About 50 cases instead of at least 1,000.
        #[arg(long)]
        quick: bool,
        /// The repository (its data/, docs/ and golden model).
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// The shared detector data, sliced into more inputs where it exists.
        #[arg(long, default_value = "../shared/data")]
        shared: PathBuf,
    },
    /// Compresses every case of `cases` into `out/<id>.boa`; writes `out/tables.txt`.
    Produce {
        /// The `cases.tsv` that `inputs` wrote.
        #[arg(long)]
        cases: PathBuf,
        /// The folder to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Decompresses every file a `jobs` list names, each to its output path (or, on an
    /// error, the error's text to that path with `.err` appended).
    Decode {
        /// Tab-separated `boa-file model-or-dash output`, relative to the list's folder.
        #[arg(long)]
        jobs: PathBuf,
    },
    /// Prints what this build is: architecture, pointer width, byte order, kernels.
    Info,
}

fn main() -> Result<()> {
    let Cli { backend, command } = Cli::parse();
    match command {
        Command::Inputs {
            out,
            quick,
            repo,
            shared,
        } => jobs::inputs(&out, quick, &repo, &shared),
        Command::Produce { cases, out } => jobs::produce(&cases, &out, &backend),
        Command::Decode { jobs } => jobs::decode(&jobs, &backend),
        Command::Info => {
            println!("{}", jobs::describe(&backend)?);
            Ok(())
        }
    }
}
