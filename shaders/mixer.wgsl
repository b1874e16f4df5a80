// The Mamba mixer's per-channel kernels (docs/engine.md, steps 2.3–2.5): the causal
// convolution with SiLU, elementwise tables, and the selective scan. `conv` and `scan`
// are recurrent: each invocation owns one (lane, channel) and that lane's state of the
// channel, and walks the lane's `window` positions in order (one when decoding; a
// teacher-forced window when encoding), so lanes and channels run in any order and time
// runs in order.
//
// A row whose io byte is 256 or more is idle: it leaves its lane's state alone (lanes of
// one batch may belong to different callers; a chunk may end inside a window).

/// Whether `row` takes part in this step.
fn takes_part(row: u32) -> bool {
    return io[row] < 256u;
}

/// The depthwise convolution over the lane's window, then u = clamp16(silu(conv)).
/// params: width = d_inner, src = x_in, dst = u, table = conv constants (W [d_inner][K],
/// bias, M, S), table2 = the SiLU table, k0 = K, state = the layer's history
/// [(K−1)][d_inner] (oldest first; shifted to take each x). Dispatch: x over channels,
/// y over lanes.
@compute @workgroup_size(64)
fn conv(@builtin(global_invocation_id) id: vec3<u32>) {
    let c = id.x;
    let lane = id.y;
    if c >= params.width || lane >= params.rows / params.window {
        return;
    }
    let history = lane * params.state_stride + params.state + c;
    for (var t = 0u; t < params.window; t++) {
        let row = lane * params.window + t;
        if takes_part(row) {
            conv_position(c, row, history);
        }
    }
}

/// One position of `conv` for channel `c` of `row`, its history at `history`.
fn conv_position(c: u32, row: u32, history: u32) {
    let channels = params.width;
    let width = params.k0;
    let taps = params.table + c * width;
    let constants = params.table + channels * width;
    let x = acts[params.src + row * channels + c];
    var acc = tables[constants + c];
    for (var k = 0u; k + 1u < width; k++) {
        acc += tables[taps + k] * state[history + k * channels];
    }
    acc += tables[taps + width - 1u] * x;
    let out = clamp16(mul_round(acc, tables[constants + channels + c], u32(tables[constants + 2u * channels + c])));
    for (var k = 0u; k + 2u < width; k++) {
        state[history + k * channels] = state[history + (k + 1u) * channels];
    }
    if width > 1u {
        state[history + (width - 2u) * channels] = x;
    }
    acts[params.dst + row * channels + c] = clamp16(lut_lookup(params.table2, out));
}

/// y = lookup(x) elementwise, clamped to 16 bits when k0 = 1. params: width, src, dst,
/// table. Dispatch: x over elements, y over rows.
@compute @workgroup_size(64)
fn lut(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    let row = id.y;
    if i >= params.width || row >= params.rows {
        return;
    }
    let at = row * params.width + i;
    let y = lut_lookup(params.table, acts[params.src + at]);
    acts[params.dst + at] = select(y, clamp16(y), params.k0 == 1u);
}

const STATE_LIMIT: i32 = 1073741823; // 2^30 − 1
const TERM_LIMIT: i32 = 536870912; // 2^29

/// The selective scan over the lane's window for one channel, then the gate.
/// params: width = d_inner, inputs = d_state N, src = u, aux = Δ (i32), aux2 = B [rows][N],
/// aux3 = C [rows][N], aux4 = z, dst = gated output; table = A·log2e [d_inner][N] then
/// D [d_inner]; table2 = exp2, table3 = SiLU(z); k0..k5 = the decay, Δu, input, output,
/// skip and gate shifts; state = the layer's h [d_inner][N].
/// Dispatch: x over channels, y over lanes.
@compute @workgroup_size(64)
fn scan(@builtin(global_invocation_id) id: vec3<u32>) {
    let c = id.x;
    let lane = id.y;
    if c >= params.width || lane >= params.rows / params.window {
        return;
    }
    let h = lane * params.state_stride + params.state + c * params.inputs;
    for (var t = 0u; t < params.window; t++) {
        let row = lane * params.window + t;
        if takes_part(row) {
            scan_position(c, row, h);
        }
    }
}

/// One position of `scan` for channel `c` of `row`, its state h at `h`.
fn scan_position(c: u32, row: u32, h: u32) {
    let channels = params.width;
    let n_state = params.inputs;
    let at = row * channels + c;
    let delta = acts[params.aux + at];
    let u = acts[params.src + at];
    let delta_u = mul_round_clamp(delta, u, params.k1, TERM_LIMIT);
    let output_limit = TERM_LIMIT / i32(n_state);
    let a = params.table + c * n_state;
    let b = params.aux2 + row * n_state;
    let cc = params.aux3 + row * n_state;
    var y = 0;
    for (var n = 0u; n < n_state; n++) {
        let decay = exp2_neg(params.table2, mul_round_clamp(delta, tables[a + n], params.k0, 1073741824));
        let input = mul_round_clamp(delta_u, acts[b + n], params.k2, STATE_LIMIT);
        let kept = mul_round_clamp(state[h + n], decay, 30u, STATE_LIMIT);
        let next = clamp(kept + input, -STATE_LIMIT, STATE_LIMIT);
        state[h + n] = next;
        y += mul_round_clamp(acts[cc + n], next, params.k3, output_limit);
    }
    y += mul_round_clamp(tables[params.table + channels * n_state + c], u, params.k4, TERM_LIMIT);
    let gate = lut_lookup(params.table3, acts[params.aux4 + at]);
    acts[params.dst + at] = clamp16(mul_round(y, gate, params.k5));
}
