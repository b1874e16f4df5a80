//! What the agent does with the cases: write them, compress them, decompress files.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use boa_core::coder::TableDigest;
use boa_core::container::{CompressOptions, DecompressOptions, compress_to_vec, decompress_to_vec};
use boa_core::rng::XorShift64;
use boa_core::{Engine, Predictor, StreamDecoder};

use crate::cases::{self, Case, HASHED_TABLES};

/// Windows through which the GPU's tables are computed: 1 is the decoding schedule, the
/// others the encoding schedule's (a short one, and all positions at once).
#[cfg(feature = "gpu")]
const GPU_WINDOWS: [usize; 3] = [1, 13, HASHED_TABLES];

/// Which engine runs: the CPU (this build's kernels) or, with `--gpu`, the GPU.
#[derive(clap::Args, Debug, Clone)]
pub struct BackendArgs {
    /// Run the engine on the GPU (needs a build with the `gpu` feature).
    #[arg(long)]
    gpu: bool,
    /// GPU lanes per batch.
    #[arg(long, default_value_t = 64)]
    lanes: usize,
}

/// The folder of `file`, against which the paths in it are resolved.
fn folder_of(file: &Path) -> PathBuf {
    file.parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `inputs`: the cases, their bytes, the models and the golden tables' input.
pub fn inputs(out: &Path, quick: bool, repo: &Path, shared: &Path) -> Result<()> {
    let sources = cases::sources(repo, Some(shared))?;
    let planned = cases::plan(quick, &sources, &mut XorShift64::new(0x05ee_db0a));
    let read = |p: &str| fs::read(repo.join(p)).with_context(|| format!("reading {p}"));
    let models = [
        ("bundled", read("data/default.boam")?),
        ("golden", read("tests/golden/engine-tiny.boam")?),
    ];
    let golden_input = read("tests/golden/engine-input.bin")?;
    let tables_input = golden_input
        .get(..HASHED_TABLES)
        .context("tests/golden/engine-input.bin is too short")?;
    cases::write(out, &planned, &models, tables_input)?;
    let bytes: usize = planned.iter().map(|(_, b)| b.len()).sum();
    println!(
        "{} cases, {bytes} input bytes, in {}",
        planned.len(),
        out.display()
    );
    Ok(())
}

/// `produce`: every case's `.boa` file, and `tables.txt` (`schedule digest count` lines).
pub fn produce(cases_file: &Path, out: &Path, args: &BackendArgs) -> Result<()> {
    let dir = folder_of(cases_file);
    let cases = cases::read(cases_file)?;
    fs::create_dir_all(out)?;
    let mut engines = Engines::new(args)?;
    for case in &cases {
        let input = fs::read(dir.join(&case.input)).with_context(|| case.input.clone())?;
        let model = fs::read(dir.join(&case.model)).with_context(|| case.model.clone())?;
        let job = CompressCase {
            case,
            input: &input,
            model: &model,
        };
        let file = engines
            .run(&model, job)
            .with_context(|| format!("case {}", case.id))?;
        fs::write(out.join(format!("{}.boa", case.id)), file)?;
    }
    let golden = fs::read(dir.join("models/golden.boam"))?;
    let tables_input = fs::read(dir.join("tables-input.bin"))?;
    let tables = engines.tables(&golden, &tables_input)?;
    fs::write(out.join("tables.txt"), tables)?;
    println!("{} files in {}", cases.len(), out.display());
    Ok(())
}

/// A job the agent runs on either backend, whose predictor type it is generic over.
trait Job {
    /// What it gives.
    type Output;
    /// Runs it with `predictor`.
    fn run<P: Predictor>(self, predictor: &P) -> Result<Self::Output>;
}

/// Compresses one case: the `.boa` file's bytes.
struct CompressCase<'a> {
    case: &'a Case,
    input: &'a [u8],
    model: &'a [u8],
}

impl Job for CompressCase<'_> {
    type Output = Vec<u8>;

    fn run<P: Predictor>(self, predictor: &P) -> Result<Vec<u8>> {
        let options = CompressOptions {
            chunk_len: self.case.chunk_len,
            embedded_model: self.case.embed.then_some(self.model),
            store_incompressible: self.case.store,
            mixing: self.case.mixing,
            ..CompressOptions::default()
        };
        Ok(compress_to_vec(predictor, self.input, &options)?)
    }
}

/// Decompresses one `.boa` file.
struct DecompressFile<'a>(&'a [u8]);

impl Job for DecompressFile<'_> {
    type Output = Vec<u8>;

    fn run<P: Predictor>(self, predictor: &P) -> Result<Vec<u8>> {
        Ok(decompress_to_vec(
            predictor,
            self.0,
            &DecompressOptions::default(),
        )?)
    }
}

/// `decode`: each job's file decompressed to its output, or its error to `output.err`.
pub fn decode(jobs_file: &Path, args: &BackendArgs) -> Result<()> {
    let dir = folder_of(jobs_file);
    let text = fs::read_to_string(jobs_file).with_context(|| jobs_file.display().to_string())?;
    let mut engines = Engines::new(args)?;
    let (mut restored, mut failed) = (0, 0);
    for (n, line) in text.lines().enumerate() {
        let [boa, model, output] = line.split('\t').collect::<Vec<_>>()[..] else {
            bail!(
                "{}:{}: expected 3 tab-separated fields",
                jobs_file.display(),
                n + 1
            );
        };
        let output = dir.join(output);
        match decode_one(&mut engines, &dir.join(boa), model, &dir) {
            Ok(bytes) => {
                fs::write(&output, bytes)?;
                restored += 1;
            }
            Err(error) => {
                fs::write(output.with_extension("err"), format!("{error:#}"))?;
                failed += 1;
            }
        }
    }
    println!("{restored} files decoded, {failed} errors");
    Ok(())
}

/// The file's embedded model when it has one, else `model` (`-`: none).
fn decode_one(engines: &mut Engines, boa: &Path, model: &str, dir: &Path) -> Result<Vec<u8>> {
    let bytes = fs::read(boa).with_context(|| boa.display().to_string())?;
    let embedded = StreamDecoder::new(bytes.as_slice())?
        .embedded_model()
        .map(<[u8]>::to_vec);
    let model = match (embedded, model) {
        (Some(embedded), _) => embedded,
        (None, "-") => bail!("the file embeds no model and the job names none"),
        (None, path) => fs::read(dir.join(path)).with_context(|| path.to_string())?,
    };
    engines.run(&model, DecompressFile(&bytes))
}

/// `info`: one line saying what this build runs.
pub fn describe(args: &BackendArgs) -> Result<String> {
    let kernels = kernels();
    let endian = if cfg!(target_endian = "big") {
        "big"
    } else {
        "little"
    };
    let mut line = format!(
        "{}, {}-bit usize, {endian}-endian, {kernels} kernels",
        std::env::consts::ARCH,
        usize::BITS
    );
    if args.gpu {
        line.push_str(&format!(", GPU: {}", Engines::new(args)?.adapter()?));
    }
    Ok(line)
}

/// The engine's vector kernels in this build on this CPU.
#[cfg(all(target_arch = "x86_64", not(feature = "portable-kernels")))]
fn kernels() -> &'static str {
    if std::arch::is_x86_feature_detected!("avx2") {
        "AVX2 (chosen at run time)"
    } else {
        "portable (no AVX2 on this CPU)"
    }
}

/// The engine's vector kernels in this build.
#[cfg(not(all(target_arch = "x86_64", not(feature = "portable-kernels"))))]
fn kernels() -> &'static str {
    if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        "SIMD128"
    } else if cfg!(target_arch = "aarch64") {
        "portable (NEON through the compiler's auto-vectorisation)"
    } else {
        "portable"
    }
}

/// The models loaded so far, on the CPU or the GPU, by their bytes.
struct Engines {
    #[cfg(feature = "gpu")]
    args: BackendArgs,
    cpu: HashMap<Vec<u8>, Engine>,
    #[cfg(feature = "gpu")]
    gpu: HashMap<Vec<u8>, boa_core::gpu::GpuPredictor>,
}

impl Engines {
    fn new(args: &BackendArgs) -> Result<Self> {
        if args.gpu && !cfg!(feature = "gpu") {
            bail!("--gpu needs an agent built with the gpu feature");
        }
        Ok(Self {
            #[cfg(feature = "gpu")]
            args: args.clone(),
            cpu: HashMap::new(),
            #[cfg(feature = "gpu")]
            gpu: HashMap::new(),
        })
    }

    fn engine(&mut self, model: &[u8]) -> Result<&Engine> {
        if !self.cpu.contains_key(model) {
            let engine = Engine::from_bytes(model).context("loading the model")?;
            self.cpu.insert(model.to_vec(), engine);
        }
        Ok(&self.cpu[model])
    }

    /// Runs `job` with `model` on this backend.
    fn run<J: Job>(&mut self, model: &[u8], job: J) -> Result<J::Output> {
        #[cfg(feature = "gpu")]
        if self.args.gpu {
            return job.run(self.gpu_predictor(model)?);
        }
        job.run(self.engine(model)?)
    }

    #[cfg(feature = "gpu")]
    fn gpu_predictor(&mut self, model: &[u8]) -> Result<&boa_core::gpu::GpuPredictor> {
        if !self.gpu.contains_key(model) {
            let lanes = self.args.lanes;
            let engine = self.engine(model)?;
            let context = boa_core::gpu::GpuContext::new_blocking()?;
            let predictor = boa_core::gpu::GpuPredictor::new(context, engine, lanes)?;
            self.gpu.insert(model.to_vec(), predictor);
        }
        Ok(&self.gpu[model])
    }

    /// The adapter the GPU backend runs on.
    fn adapter(&mut self) -> Result<String> {
        #[cfg(feature = "gpu")]
        {
            let context = boa_core::gpu::GpuContext::new_blocking()?;
            Ok(format!("{:?}", context.adapter()))
        }
        #[cfg(not(feature = "gpu"))]
        bail!("built without the gpu feature")
    }

    /// `tables.txt`: the digest of `input`'s tables with `model`, per schedule.
    fn tables(&mut self, model: &[u8], input: &[u8]) -> Result<String> {
        #[cfg(feature = "gpu")]
        if self.args.gpu {
            let engine = self.engine(model)?;
            let context = boa_core::gpu::GpuContext::new_blocking()?;
            let mut session =
                pollster::block_on(boa_core::gpu::GpuSession::new(context, engine, 1))?;
            let mut lines = String::new();
            for window in GPU_WINDOWS {
                let digest = pollster::block_on(session.tables_digest(input, window))?;
                lines.push_str(&format!(
                    "gpu-window-{window}\t{}\t{}\n",
                    digest.hex(),
                    digest.tables()
                ));
            }
            return Ok(lines);
        }
        let mut digest = TableDigest::new();
        self.engine(model)?
            .chunk_tables(input, &mut |table| digest.update(table))
            .map_err(|e| anyhow::anyhow!("tables: {e}"))?;
        Ok(format!("cpu\t{}\t{}\n", digest.hex(), digest.tables()))
    }
}
