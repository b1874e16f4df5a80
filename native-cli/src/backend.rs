//! `--backend auto|cpu|gpu`: where the integer engine runs. Every backend writes the
//! same bytes (the determinism contract), so `auto` may pick freely: a hardware GPU when
//! there is one, else the CPU. `boa backends` lists what this machine has.

use std::process::ExitCode;

use boa_core::engine::Engine;
#[cfg(feature = "gpu")]
use boa_core::gpu::{GpuContext, GpuPredictor};

/// Which engine to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BackendChoice {
    /// A hardware GPU when there is one, else the CPU.
    #[default]
    Auto,
    /// The CPU engine.
    Cpu,
    /// The GPU engine (also on software adapters such as lavapipe); an error without one.
    Gpu,
}

/// An engine ready to code, on the CPU or on a GPU.
pub enum Backend {
    /// The CPU engine.
    Cpu(Box<Engine>),
    /// The shaders on a GPU, and the same model on the CPU (to check against, or to
    /// finish on).
    #[cfg(feature = "gpu")]
    Gpu(GpuPredictor, Box<Engine>),
}

/// The positive number in the environment variable `name`, if it is set.
#[cfg(feature = "gpu")]
fn positive_env(name: &str) -> anyhow::Result<Option<u32>> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|&n| n > 0)
            .map(Some)
            .ok_or_else(|| anyhow::anyhow!("{name}={text}: give a positive number")),
        Err(_) => Ok(None),
    }
}

/// Lanes per GPU batch: `BOA_GPU_STREAMS`, as in BOA Constrictor, else the default.
#[cfg(feature = "gpu")]
fn gpu_streams() -> anyhow::Result<usize> {
    Ok(positive_env("BOA_GPU_STREAMS")?
        .map_or(boa_core::gpu::DEFAULT_LANES_PER_BATCH, |n| n as usize))
}

/// The GPU engine for `engine`, with `BOA_GPU_STEPS` steps per submit when that is set
/// (else the adapter's default).
#[cfg(feature = "gpu")]
fn gpu_predictor(
    context: GpuContext,
    engine: &Engine,
    lanes: usize,
) -> anyhow::Result<GpuPredictor> {
    let gpu = GpuPredictor::new(context, engine, lanes)?;
    Ok(match positive_env("BOA_GPU_STEPS")? {
        Some(steps) => gpu.with_steps_per_submit(steps),
        None => gpu,
    })
}

impl Backend {
    /// `engine` on the backend `choice` names. `auto` falls back to the CPU with a
    /// one-line note (unless `quiet`); `gpu` without an adapter is an error.
    pub fn open(engine: Engine, choice: BackendChoice, quiet: bool) -> anyhow::Result<Self> {
        Self::open_with_lanes(engine, choice, quiet, None)
    }

    /// [`Backend::open`] with `lanes` per GPU batch instead of `BOA_GPU_STREAMS`'s.
    pub fn open_with_lanes(
        engine: Engine,
        choice: BackendChoice,
        quiet: bool,
        lanes: Option<usize>,
    ) -> anyhow::Result<Self> {
        #[cfg(feature = "gpu")]
        let streams = || match lanes {
            Some(n) if n > 0 => Ok(n),
            _ => gpu_streams(),
        };
        #[cfg(not(feature = "gpu"))]
        let _ = (lanes, quiet);
        match choice {
            BackendChoice::Cpu => Ok(Self::Cpu(Box::new(engine))),
            #[cfg(feature = "gpu")]
            BackendChoice::Gpu => {
                let context = GpuContext::new_blocking()
                    .map_err(|e| anyhow::anyhow!("--backend gpu: {e}"))?;
                let gpu = gpu_predictor(context, &engine, streams()?)
                    .map_err(|e| anyhow::anyhow!("--backend gpu: {e:#}"))?;
                Ok(Self::Gpu(gpu, Box::new(engine)))
            }
            #[cfg(feature = "gpu")]
            BackendChoice::Auto => {
                // Listing adapters is cheaper than opening a device: open one only for
                // hardware (a software adapter computes the same bytes, slower than the
                // CPU engine).
                let adapters = boa_core::gpu::list_adapters_blocking();
                if !adapters
                    .iter()
                    .any(boa_core::gpu::AdapterSummary::is_hardware)
                {
                    note(
                        quiet,
                        &match adapters.first() {
                            Some(a) => format!(
                                "the only GPU adapter, {}, is software: using the CPU (--backend gpu uses it anyway)",
                                a.name
                            ),
                            None => "no GPU adapter found: using the CPU".into(),
                        },
                    );
                    return Ok(Self::Cpu(Box::new(engine)));
                }
                // A GPU that fails mid-file hands over to the CPU: the bytes are the same.
                let opened =
                    GpuContext::new_blocking()
                        .map_err(anyhow::Error::from)
                        .and_then(|context| {
                            let fallback = Engine::new(engine.model().clone())?;
                            Ok(gpu_predictor(context, &engine, streams()?)?
                                .with_cpu_fallback(fallback))
                        });
                Ok(match opened {
                    Ok(gpu) if gpu.adapter().is_hardware() => Self::Gpu(gpu, Box::new(engine)),
                    Ok(gpu) => {
                        note(
                            quiet,
                            &format!(
                                "the GPU picked, {}, is software: using the CPU",
                                gpu.adapter().name
                            ),
                        );
                        Self::Cpu(Box::new(engine))
                    }
                    Err(e) => {
                        note(
                            quiet,
                            &format!("the GPU is unusable ({e:#}): using the CPU"),
                        );
                        Self::Cpu(Box::new(engine))
                    }
                })
            }
            #[cfg(not(feature = "gpu"))]
            BackendChoice::Auto => Ok(Self::Cpu(Box::new(engine))),
            #[cfg(not(feature = "gpu"))]
            BackendChoice::Gpu => {
                anyhow::bail!("--backend gpu: this boa was built without the `gpu` feature")
            }
        }
    }

    /// Lanes to decode in lock step when `--lanes` is 0: a GPU batch, else the chunks
    /// spread over the threads.
    pub fn auto_lanes(&self, chunks: u64) -> usize {
        match self {
            Self::Cpu(_) => crate::codec_cmds::auto_lanes(chunks),
            #[cfg(feature = "gpu")]
            Self::Gpu(gpu, _) => gpu.lanes_per_batch(),
        }
    }

    /// Where the engine runs, for summaries: `CPU` or `GPU (adapter)`.
    pub fn describe(&self) -> String {
        match self {
            Self::Cpu(_) => "CPU".into(),
            #[cfg(feature = "gpu")]
            Self::Gpu(gpu, _) => format!("GPU ({})", gpu.adapter().name),
        }
    }

    /// The model on the CPU (whatever the backend).
    pub fn engine(&self) -> &Engine {
        match self {
            Self::Cpu(engine) => engine,
            #[cfg(feature = "gpu")]
            Self::Gpu(_, engine) => engine,
        }
    }

    /// ` (the GPU failed: …; finished on the CPU)` when `auto`'s GPU gave up mid-way.
    pub fn fallback_note(&self) -> String {
        match self {
            Self::Cpu(_) => String::new(),
            #[cfg(feature = "gpu")]
            Self::Gpu(gpu, _) => gpu
                .fell_back()
                .map(|why| format!(" (the GPU failed: {why}; finished on the CPU)"))
                .unwrap_or_default(),
        }
    }

    /// Whether the engine runs on the CPU.
    pub fn is_cpu(&self) -> bool {
        matches!(self, Self::Cpu(_))
    }
}

/// Runs `$body` with `$p` bound to the backend's predictor (`&impl Predictor`): the
/// container's functions are generic, so each backend gets its own instance.
macro_rules! with_predictor {
    ($backend:expr, |$p:ident| $body:expr) => {
        match $backend {
            $crate::backend::Backend::Cpu(engine) => {
                let $p = &**engine;
                $body
            }
            #[cfg(feature = "gpu")]
            $crate::backend::Backend::Gpu(gpu, _) => {
                let $p = gpu;
                $body
            }
        }
    };
}
pub(crate) use with_predictor;

#[cfg(feature = "gpu")]
fn note(quiet: bool, message: &str) {
    if !quiet {
        eprintln!("boa: note: {message}");
    }
}

/// `boa backends`: every adapter, and what `auto` picks.
pub fn list() -> anyhow::Result<ExitCode> {
    println!(
        "cpu: the integer engine on {} thread(s)",
        boa_core::container::threads()
    );
    #[cfg(feature = "gpu")]
    {
        let adapters = boa_core::gpu::list_adapters_blocking();
        if adapters.is_empty() {
            println!(
                "gpu: no adapter (install a Vulkan driver, e.g. Debian's mesa-vulkan-drivers)"
            );
        }
        for a in &adapters {
            println!(
                "gpu: {} ({:?}, {:?}, driver {}){}",
                a.name,
                a.device_type,
                a.backend,
                if a.driver.is_empty() {
                    "unknown"
                } else {
                    &a.driver
                },
                if a.is_hardware() { "" } else { " — software" }
            );
        }
        let picked = match adapters.iter().find(|a| a.is_hardware()) {
            Some(a) => format!("gpu ({})", a.name),
            None => "cpu".into(),
        };
        println!("auto picks: {picked}");
    }
    #[cfg(not(feature = "gpu"))]
    println!("gpu: not built (the `gpu` feature is off)\nauto picks: cpu");
    Ok(ExitCode::SUCCESS)
}
