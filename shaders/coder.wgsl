// The range coder's two halves over the tables the model has just written
// (docs/range-coder.md), one invocation per row (lane). Each step of a submit is
// [`decode` or `interval`, then the model's forward pass]: the kernel here consumes the
// row's table and writes the row's next input byte to io[row], where `embed` reads it.
//
//   decode    the range decoder: the next byte of the lane's coded stream;
//   interval  teacher forcing: the lane's next byte is known (a chunk being encoded);
//             the kernel gives the interval [start, start + size) the host's range
//             encoder codes it with, so the bytes written are the CPU's.
//
// A lane that has produced its `len` bytes sets io[row] to 256 (idle: the model leaves
// its state alone, mixer.wgsl) and writes nothing more.
//
//   group 1, binding 0  lanes    one Lane per row
//   group 1, binding 1  streams  every lane's input bytes (a coded stream, or the chunk
//                                being encoded), 4 per u32, little-endian
//   group 1, binding 2  steps    [period][rows] u32: what each step of a submit produced
//                                (decode: the byte; interval: start | size << 16), at
//                                [(done mod period) · rows + row]
//
// params: rows, src = offset of the tables in io ([rows][256]), k0 = period (steps per
// submit). Dispatch: x over rows.

struct Lane {
    /// Where the lane's bytes start in `streams` (bytes), and how many there are.
    stream_at: u32,
    stream_len: u32,
    /// Bytes to produce (the chunk's length), and produced so far.
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

/// Where this step's output of `row` goes in `steps`.
fn step_slot(lane: Lane, row: u32) -> u32 {
    return (lane.done % params.k0) * params.rows + row;
}

/// The next byte of each lane's stream (RangeDecoder::decode): the symbol s with
/// scale(c[s]) ≤ value < scale(c[s+1]), found by a linear walk (the same s as the CPU's
/// binary search: scale is strictly increasing in c here, since every f ≥ 1 and
/// range ≥ 2^24), then the interval narrowed and bytes shifted in.
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

/// The interval of each lane's known next byte under its table (FrequencyTable::interval),
/// packed start | size << 16 (start < 2^16; size ≤ 2^16 − 255), then that byte fed on.
@compute @workgroup_size(64)
fn interval(@builtin(global_invocation_id) id: vec3<u32>) {
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
    let symbol = input_byte(lane, lane.done);
    var start = 0u;
    for (var s = 0u; s < symbol; s++) {
        start += io[table + s];
    }
    steps[step_slot(lane, row)] = start | (io[table + symbol] << 16u);
    lane.done += 1u;
    lanes[row] = lane;
    io[row] = symbol;
}
