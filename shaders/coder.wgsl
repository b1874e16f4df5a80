// The range coder's two halves over the tables the model has just written
// (docs/range-coder.md). Two schedules:
//
//   decoding  window 1, one row per lane. Each step of a submit is [decode, forward
//             pass]: `decode` consumes the row's table, runs the range decoder and writes
//             the lane's next byte to io[row], where `embed` reads it.
//   encoding  teacher forcing over windows of `window` positions per lane (rows = lanes ×
//             window, the forward pass matrix–matrix over them). Each window is [feed,
//             forward pass, interval]: `feed` writes the window's known bytes, `interval`
//             gives, from each row's table, the interval [start, start + size) of the
//             byte that follows, which the host's range encoder codes: the bytes written
//             are the CPU's.
//
// A lane that has produced its `len` bytes (decoding), or a position whose table would
// code nothing (encoding), is idle: io[row] = 256, and the model leaves its state alone
// (mixer.wgsl).
//
//   group 1, binding 0  lanes    one Lane per lane
//   group 1, binding 1  streams  every lane's input bytes (a coded stream, or the chunk
//                                being encoded), 4 per u32, little-endian
//   group 1, binding 2  steps    [period][rows] u32: what each step (decoding: the byte)
//                                or window (encoding: start | size << 16 per row) of a
//                                submit produced
//
// params: rows, window, src = offset of the tables in io ([rows][256]), k0 = period
// (steps or windows per submit).

struct Lane {
    /// Where the lane's bytes start in `streams` (bytes), and how many there are.
    stream_at: u32,
    stream_len: u32,
    /// Bytes to produce (the chunk's length), and produced so far (decoding) or positions
    /// fed so far, a multiple of the window (encoding).
    len: u32,
    done: u32,
    /// Decoder state: bytes of the stream consumed (zeros past its end included), then
    /// `range` and `value` of coder/decoder.rs, with value < range.
    position: u32,
    range: u32,
    value: u32,
    /// Unused (keeps the stride at 32 bytes).
    reserved: u32,
}

@group(1) @binding(0) var<storage, read_write> lanes: array<Lane>;
@group(1) @binding(1) var<storage, read> streams: array<u32>;
@group(1) @binding(2) var<storage, read_write> steps: array<u32>;

const IDLE: u32 = 256u;
/// The coder keeps range ≥ 2^24 between symbols.
const RANGE_BOTTOM: u32 = 16777216u;

/// floor(range · c / 2^16) for c ≤ 2^16, in 32 bits (coder::scale).
fn scale(range: u32, c: u32) -> u32 {
    return (range >> 16u) * c + (((range & 65535u) * c) >> 16u);
}

/// Byte `i` of the lane's input; 0 past its end, as the CPU decoder reads.
fn input_byte(lane: Lane, i: u32) -> u32 {
    if i >= lane.stream_len {
        return 0u;
    }
    let at = lane.stream_at + i;
    return (streams[at >> 2u] >> ((at & 3u) * 8u)) & 255u;
}

/// Where this decoding step's output of `row` goes in `steps`.
fn step_slot(lane: Lane, row: u32) -> u32 {
    return (lane.done % params.k0) * params.rows + row;
}

/// The next byte of each lane's stream (RangeDecoder::decode; window 1, row = lane): the symbol s with
/// scale(c[s]) ≤ value < scale(c[s+1]), found by a linear walk (the same s as the CPU's
/// binary search: scale is strictly increasing in c here, since every f ≥ 1 and
/// range ≥ 2^24), then the interval narrowed and bytes shifted in. Dispatch: x over rows.
@compute @workgroup_size(64)
fn decode(@builtin(global_invocation_id) id: vec3<u32>) {
    let row = id.x;
    if row >= params.rows {
        return;
    }
    var lane = lanes[row];
    if lane.done >= lane.len {
        io[row] = IDLE;
        return;
    }
    let table = params.src + row * 256u;
    var start = 0u;
    var symbol = 0u;
    var size = io[table];
    while symbol < 255u && scale(lane.range, start + size) <= lane.value {
        start += size;
        symbol += 1u;
        size = io[table + symbol];
    }
    let lo = scale(lane.range, start);
    let hi = scale(lane.range, start + size);
    lane.value -= lo;
    lane.range = hi - lo;
    while lane.range < RANGE_BOTTOM {
        lane.value = (lane.value << 8u) | input_byte(lane, lane.position);
        lane.position += 1u;
        lane.range = lane.range << 8u;
    }
    steps[step_slot(lane, row)] = symbol;
    lane.done += 1u;
    lanes[row] = lane;
    io[row] = symbol;
}

/// Teacher forcing, before a window's forward pass: row (lane, t) takes the lane's byte
/// at position p = done + t as its input when p + 1 < len (its table then codes byte
/// p + 1), else it is idle; then done += window. Dispatch: x over lanes.
@compute @workgroup_size(64)
fn feed(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = id.x;
    if index >= params.rows / params.window {
        return;
    }
    let lane = lanes[index];
    for (var t = 0u; t < params.window; t++) {
        let p = lane.done + t;
        io[index * params.window + t] = select(IDLE, input_byte(lane, p), p + 1u < lane.len);
    }
    lanes[index].done = lane.done + params.window;
}

/// Teacher forcing, after a window's forward pass: the interval of the byte that follows
/// each row's input under the row's table (FrequencyTable::interval), packed
/// start | size << 16 (start < 2^16; size ≤ 2^16 − 255), at
/// steps[(window index mod period) · rows + row]. Idle rows write nothing.
/// Dispatch: x over rows.
@compute @workgroup_size(64)
fn interval(@builtin(global_invocation_id) id: vec3<u32>) {
    let row = id.x;
    if row >= params.rows || io[row] >= IDLE {
        return;
    }
    let lane = lanes[row / params.window];
    // `feed` has advanced done past this window.
    let windows = lane.done / params.window;
    let p = lane.done - params.window + row % params.window;
    let symbol = input_byte(lane, p + 1u);
    let table = params.src + row * 256u;
    var start = 0u;
    for (var s = 0u; s < symbol; s++) {
        start += io[table + s];
    }
    steps[((windows - 1u) % params.k0) * params.rows + row] = start | (io[table + symbol] << 16u);
}
