// The bindings every model kernel shares (one pipeline layout for all of them), and the
// parameters of one dispatch. Units: every offset counts i32 (or u32) values, not bytes.
//
//   group 0, binding 0  params  one Params per dispatch (uniform, dynamic offset)
//   group 0, binding 1  acts    activations of every row: each named activation is a
//                               region [rows][width] at its own offset (i32 codes);
//                               rows = lanes × window, row = lane · window + t
//   group 0, binding 2  state   the recurrent state: [lanes][state_stride]; per layer the
//                               conv history [(K−1)][d_inner], then h [d_inner][d_state]
//   group 0, binding 3  io      the input bytes [rows] (u32 each; 256 or more: the row is
//                               idle), then the frequency tables [rows][256]
//   group 1, binding 0  tables  the model's constants (fixed.wgsl)

struct Params {
    /// Rows of this dispatch: lanes × window, row = lane · window + t.
    rows: u32,
    /// Positions per lane (1 when decoding; a teacher-forced window when encoding).
    window: u32,
    /// Outputs (or channels, or elements) per row.
    width: u32,
    /// Inputs per row (linear layers, LayerNorm).
    inputs: u32,
    /// Values of state per lane.
    state_stride: u32,
    /// Offsets in `acts` (or `io`), as each kernel documents.
    src: u32,
    dst: u32,
    aux: u32,
    aux2: u32,
    aux3: u32,
    aux4: u32,
    /// Offsets in `tables`.
    table: u32,
    table2: u32,
    table3: u32,
    /// Offset of this layer's state within a lane's.
    state: u32,
    /// Kernel constants (shifts, flags, ε), as each kernel documents.
    k0: u32,
    k1: u32,
    k2: u32,
    k3: u32,
    k4: u32,
    k5: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> acts: array<i32>;
@group(0) @binding(2) var<storage, read_write> state: array<i32>;
@group(0) @binding(3) var<storage, read_write> io: array<u32>;
