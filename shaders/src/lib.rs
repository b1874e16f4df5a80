//! boa's integer engine as WGSL compute shaders: the sources, one file per kernel family,
//! for the host code in `boa-core`'s `gpu` module (natively through wgpu, and in the
//! browser through WebGPU) to compile.
//!
//! WGSL has no `#include`: a kernel's module is its family's file appended to the files it
//! needs, in the order [`Kernel::parts`] gives; [`Kernel::source`] builds it. The shaders
//! implement `docs/engine.md` exactly; `docs/gpu.md` describes the buffers and dispatches.
//! Every module is written to WebGPU's default limits (`wgpu::Limits::defaults()`).

/// The fixed-point primitives (`docs/engine.md`, "Notation" and "Tables"): `mul_round`
/// with 16-bit limbs, `mul16`, table lookup, `exp2_neg`, `inv_sqrt`. Functions only, plus
/// the `tables` binding (group 1, binding 0) their table lookups read.
pub const FIXED: &str = include_str!("../fixed.wgsl");

/// Entry point `check`: one primitive of [`FIXED`] over arrays of arguments (tests and
/// self-tests compare it with the CPU engine).
pub const FIXED_CHECK: &str = include_str!("../fixed_check.wgsl");

/// The bindings and per-dispatch parameters every model kernel shares.
pub const LAYOUT: &str = include_str!("../layout.wgsl");

/// Entry point `linear`: the int8 linear layers (and the head's ReLU).
pub const LINEAR: &str = include_str!("../linear.wgsl");

/// Entry points `embed`, `layer_norm`, `residual`: the residual stream.
pub const NORM: &str = include_str!("../norm.wgsl");

/// Entry points `conv`, `lut`, `scan`: the mixer's per-channel kernels.
pub const MIXER: &str = include_str!("../mixer.wgsl");

/// Entry point `softmax`: logits → frequency tables.
pub const SOFTMAX: &str = include_str!("../softmax.wgsl");

/// Entry points `decode` (the range decoder, feeding each lane's next byte to the next
/// step), `feed` and `interval` (teacher forcing over a window: the known bytes in, the
/// intervals the host's range encoder codes out): the range coder over the model's
/// tables. Its own bindings in group 1.
pub const CODER: &str = include_str!("../coder.wgsl");

/// Entry points `mix_init`, `mix_predict`, `mix_learn` (decoding), `mix_first`,
/// `mix_window` (encoding): context mixing of each lane's table on the device
/// (`docs/engine.md`, "Context mixing"), one workgroup per lane. Appended to [`CODER`],
/// whose bindings it shares, plus its own state (group 1, binding 3).
pub const MIXING: &str = include_str!("../mixing.wgsl");

/// A compute module the host builds pipelines from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// [`FIXED_CHECK`] over [`FIXED`].
    FixedCheck,
    /// [`LINEAR`].
    Linear,
    /// [`NORM`].
    Norm,
    /// [`MIXER`].
    Mixer,
    /// [`SOFTMAX`].
    Softmax,
    /// [`CODER`] (without [`FIXED`]: group 1 holds the coder's buffers instead).
    Coder,
    /// [`MIXING`] after [`CODER`].
    Mixing,
}

impl Kernel {
    /// Every kernel, for validation.
    pub const ALL: [Kernel; 7] = [
        Kernel::FixedCheck,
        Kernel::Linear,
        Kernel::Norm,
        Kernel::Mixer,
        Kernel::Softmax,
        Kernel::Coder,
        Kernel::Mixing,
    ];

    /// The module's files, in the order they are joined.
    #[must_use]
    pub fn parts(self) -> &'static [&'static str] {
        match self {
            Self::FixedCheck => &[FIXED, FIXED_CHECK],
            Self::Linear => &[FIXED, LAYOUT, LINEAR],
            Self::Norm => &[FIXED, LAYOUT, NORM],
            Self::Mixer => &[FIXED, LAYOUT, MIXER],
            Self::Softmax => &[FIXED, LAYOUT, SOFTMAX],
            Self::Coder => &[LAYOUT, CODER],
            Self::Mixing => &[LAYOUT, CODER, MIXING],
        }
    }

    /// The module's name, for labels and messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::FixedCheck => "fixed_check",
            Self::Linear => "linear",
            Self::Norm => "norm",
            Self::Mixer => "mixer",
            Self::Softmax => "softmax",
            Self::Coder => "coder",
            Self::Mixing => "mixing",
        }
    }

    /// The module's WGSL source.
    #[must_use]
    pub fn source(self) -> String {
        self.parts().join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses and validates a module as wgpu would before compiling it.
    fn validate(source: &str, name: &str) -> Result<naga::valid::ModuleInfo, String> {
        let module = naga::front::wgsl::parse_str(source)
            .map_err(|e| e.emit_to_string_with_path(source, name))?;
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::default(),
        )
        .validate(&module)
        .map_err(|e| e.emit_to_string_with_path(source, name))
    }

    #[test]
    fn every_kernel_validates() {
        for kernel in Kernel::ALL {
            if let Err(message) = validate(&kernel.source(), kernel.name()) {
                panic!("{} does not validate:\n{message}", kernel.name());
            }
        }
    }

    #[test]
    fn a_broken_module_is_refused() {
        // The validation is not vacuous: a type error in a primitive is caught.
        let broken = Kernel::FixedCheck
            .source()
            .replace("return clamp(v, -I16_MAX, I16_MAX);", "return 1u;");
        assert_ne!(broken, Kernel::FixedCheck.source());
        assert!(validate(&broken, "broken").is_err());
    }

    #[test]
    fn no_constant_shift_reaches_32() {
        // naga emits raw shifts, undefined from 32 on: no literal amount may be that large.
        for part in [
            FIXED,
            FIXED_CHECK,
            LAYOUT,
            LINEAR,
            NORM,
            MIXER,
            SOFTMAX,
            CODER,
            MIXING,
        ] {
            for (at, _) in part.match_indices("<< ").chain(part.match_indices(">> ")) {
                let amount: String = part[at + 3..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if let Ok(n) = amount.parse::<u32>() {
                    assert!(n < 32, "a shift by {n}");
                }
            }
        }
    }

    #[test]
    fn kernels_are_within_webgpu_default_limits() {
        // 256 invocations per workgroup, 16 KiB of workgroup memory.
        for kernel in Kernel::ALL {
            let source = kernel.source();
            let module = naga::front::wgsl::parse_str(&source).expect("parses");
            for entry in &module.entry_points {
                let [x, y, z] = entry.workgroup_size;
                assert!(
                    x * y * z <= 256,
                    "{}: workgroup of {}",
                    entry.name,
                    x * y * z
                );
            }
            let workgroup_bytes: u32 = module
                .global_variables
                .iter()
                .filter(|(_, v)| v.space == naga::AddressSpace::WorkGroup)
                .map(|(_, v)| module.types[v.ty].inner.size(module.to_ctx()))
                .sum();
            assert!(
                workgroup_bytes <= 16 << 10,
                "{workgroup_bytes} bytes of workgroup memory"
            );
        }
    }
}
