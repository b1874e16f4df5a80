//! [`Limits`]: the largest model the integer engine runs, in one place. The model
//! configuration (before training), the quantizer, the `.boam` loader and the GPU engine
//! all check against these, so a model that trains is a model that runs.
//!
//! The bounds keep every size computed from a model file inside 32 bits, so that the
//! loader cannot overflow `usize` on 32-bit targets (wasm32, i686): the largest array is
//! a linear layer of [`Limits::FEATURES`]² = 2^30 weights.

/// The engine's size limits (inclusive; every size is at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits;

impl Limits {
    /// Largest `d_model`.
    pub const D_MODEL: usize = 8192;
    /// Largest number of blocks.
    pub const NUM_LAYERS: usize = 64;
    /// Largest SSM state size per channel.
    pub const D_STATE: usize = 256;
    /// Largest causal convolution width.
    pub const D_CONV: usize = 16;
    /// Largest mixer width (`expand · d_model`).
    pub const D_INNER: usize = 32_768;
    /// Largest rank of Δ's projection.
    pub const DT_RANK: usize = 8192;
    /// Largest input or output count of a linear layer: the feed-forward's `4 · d_model`.
    pub const FEATURES: usize = 4 * Self::D_MODEL;

    /// Checks `1 ≤ value ≤ max` for the size called `name`.
    ///
    /// # Errors
    /// [`InvalidModel::SizeOutOfRange`] naming the size.
    pub fn check(name: &'static str, value: usize, max: usize) -> Result<(), InvalidModel> {
        if (1..=max).contains(&value) {
            Ok(())
        } else {
            Err(InvalidModel::SizeOutOfRange {
                name,
                got: value,
                max,
            })
        }
    }
}

/// Why a model's numbers are unusable: a damaged or hostile file, or a model too large
/// for the engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidModel {
    /// A size outside `1..=max` ([`Limits`]).
    #[error("{name} = {got} is outside 1..={max}, the sizes the integer engine runs")]
    SizeOutOfRange {
        /// Which size.
        name: &'static str,
        /// Its value.
        got: usize,
        /// The largest allowed.
        max: usize,
    },
    /// `d_inner` is not a multiple of `d_model`.
    #[error("d_inner = {d_inner} is not a multiple of d_model = {d_model}")]
    InnerWidth {
        /// Mixer width.
        d_inner: usize,
        /// Residual width.
        d_model: usize,
    },
    /// A linear layer's shape is not the one the architecture needs.
    #[error("{layer}: {got_outputs}×{got_inputs} where {outputs}×{inputs} was expected")]
    LayerShape {
        /// The layer.
        layer: &'static str,
        /// Outputs found.
        got_outputs: usize,
        /// Inputs found.
        got_inputs: usize,
        /// Outputs expected.
        outputs: usize,
        /// Inputs expected.
        inputs: usize,
    },
    /// An array's length does not match the shape it belongs to.
    #[error("{part}: {got} values where {expected} were expected")]
    ArrayLen {
        /// Which array.
        part: &'static str,
        /// Its length.
        got: usize,
        /// The length its shape implies.
        expected: usize,
    },
    /// A requantizer multiplier outside `0..=2^16` or a shift above 62.
    #[error("{layer}: requantizer of channel {channel} out of range")]
    Requantizer {
        /// The layer.
        layer: &'static str,
        /// The channel.
        channel: usize,
    },
    /// A row whose worst-case accumulator does not fit in i32.
    #[error("{layer}: row {row} can overflow its 32-bit accumulator (worst case {worst})")]
    Accumulator {
        /// The layer.
        layer: &'static str,
        /// The row.
        row: usize,
        /// `Σ|W|·32767 + |b|`.
        worst: i64,
    },
    /// The LayerNorm variance shift is odd or above 30.
    #[error("LayerNorm variance shift {got} must be even and ≤ 30")]
    LayerNormShift {
        /// The shift.
        got: u8,
    },
    /// The LayerNorm variance shift lets the sum of squares overflow i32 at this width.
    #[error("LayerNorm variance shift {shift} is too small for d_model = {d_model}")]
    LayerNormShiftTooSmall {
        /// The shift.
        shift: u8,
        /// Residual width.
        d_model: usize,
    },
    /// The LayerNorm output format has more than 15 fraction bits.
    #[error("LayerNorm output format Q{got} is out of range (at most 15 fraction bits)")]
    LayerNormFormat {
        /// Fraction bits.
        got: u8,
    },
    /// A LayerNorm ε of 0.
    #[error("block {block}: LayerNorm ε must be at least 1")]
    LayerNormEpsilon {
        /// The block.
        block: usize,
    },
    /// The number of blocks is not `num_layers`.
    #[error("{got} blocks where num_layers = {expected}")]
    BlockCount {
        /// Blocks found.
        got: usize,
        /// `num_layers`.
        expected: usize,
    },
    /// Softmax constants out of range.
    #[error("softmax constants out of range (multiplier {multiplier}, shift {shift})")]
    Softmax {
        /// The multiplier (must be ≥ 0).
        multiplier: i32,
        /// The shift (must be ≤ 62).
        shift: u8,
    },
    /// A negative decay constant.
    #[error("block {block}: scan decay constants must be ≥ 0")]
    NegativeDecay {
        /// The block.
        block: usize,
    },
    /// A scan shift above 62.
    #[error("block {block}: scan shift {got} out of range (at most 62)")]
    ScanShift {
        /// The block.
        block: usize,
        /// The shift.
        got: u8,
    },
    /// A table whose entries break its range.
    #[error("{table}: table out of range")]
    Table {
        /// Which table.
        table: &'static str,
    },
    /// A format name that is not UTF-8.
    #[error("a format name is not UTF-8")]
    FormatName,
}
