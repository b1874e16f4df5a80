// Context mixing on the GPU (docs/engine.md, "Context mixing"; the CPU's
// boa-core/src/mixing): each lane's neural table mixed, bit-tree node by node, with
// adaptive integer context models, the match model and the record contexts, through an
// integer mixer that learns as the chunk is coded. 32-bit integer arithmetic only, as on
// the CPU, so the mixed tables — and the files — are the CPU's.
//
// One workgroup per lane, one invocation per bit-tree node (invocation 0 helps): the
// 255 node predictions run in parallel; what follows a byte (counters, weights, the
// record and match models, the next contexts) is sequential in invocation 0, except the
// reset of a claimed block, which every invocation shares. Appended to coder.wgsl (its
// bindings, `Lane`, `input_byte`).
//
//   group 1, binding 3  mixing  [lanes][params.k1] u32: each lane's mixing state at the
//                            offsets below, zeroed by the host before `mix_init`
//
// Schedules (after begin_coding's uniform tables):
//   decoding  each step [mix_predict, decode, mix_learn, forward pass]: the decoder
//             consumes the mixed table; mix_learn learns the byte it wrote to io[row].
//   encoding  once [mix_first] (the first byte, under the uniform table, as the host
//             codes it), then each window [feed, forward pass, mix_window, interval]:
//             mix_window walks the window in order, mixing each active row's table in
//             place and learning the byte that follows.

/// Context models: order 0, 1, 2, 3, 4, 6 and three record contexts.
const MODELS: u32 = 9u;
/// Mixer inputs per node: neural, bias, the nine models, the match.
const INPUTS: u32 = 12u;
/// Counters per block: the tag, then the 255 nodes.
const BLOCK: u32 = 256u;
/// A fresh counter: p = 1/2, n = 0.
const FRESH: u32 = 2147483648u;
const COUNTER_LIMIT: u32 = 255u;
const MATCH_BUCKETS: u32 = 16u;
const BIAS: i32 = 256;
const STRETCH_LIMIT: i32 = 2047;
const UNIT_WEIGHT: i32 = 65536;
const WEIGHT_LIMIT: i32 = 524287;
const LEARNING_SHIFT: u32 = 10u;
const MATCH_MIN_LENGTH: u32 = 6u;
const MATCH_TABLE_BITS: u32 = 18u;
const MATCH_MAX_VERIFY: u32 = 32u;
const MATCH_MAX_LENGTH: u32 = 65535u;
const RECORD_VOTES: u32 = 16u;
const RECORD_MAX_LENGTH: u32 = 4096u;
/// The tree's mass at the root (coder::SPREAD = 2^16 − 256).
const TREE_SPREAD: u32 = 65280u;

// A lane's state, in u32 offsets from its start (lane · params.k1).
/// The context tables: model 0 one block, model 1 256, models 2–8 4096 each.
const TABLES_AT: u32 = 0u;
const MATCH_TABLE_AT: u32 = 7405824u;
const WEIGHTS_AT: u32 = 7667968u;
const INPUTS_AT: u32 = 7674112u;
const MIXED_AT: u32 = 7677184u;
const MATCH_COUNTERS_AT: u32 = 7677440u;
/// The offset (within the lane) of the current block of each model.
const BLOCKS_AT: u32 = 7677456u;
const LAST_POSITION_AT: u32 = 7677472u;
const LAST_DISTANCE_AT: u32 = 7677728u;
/// candidate, candidate votes, record length, match pointer, match length, history length.
const SCALARS_AT: u32 = 7677984u;
const CANDIDATE: u32 = 7677984u;
const VOTES: u32 = 7677985u;
const RECORD_LENGTH: u32 = 7677986u;
const MATCH_POINTER: u32 = 7677987u;
const MATCH_LENGTH: u32 = 7677988u;
const HISTORY_LEN: u32 = 7677989u;
/// The stretch table (StretchTable): 4096 i16, two per u32 (low half first).
const STRETCH_AT: u32 = 7678000u;
/// The chunk's bytes so far, 4 per u32, little-endian, to the end of the lane.
const HISTORY_AT: u32 = 7680048u;

@group(1) @binding(3) var<storage, read_write> mixing: array<u32>;

/// round(4096 / (1 + e^(−(k − 16) / 2))), k = 0..=32 (logistic.rs).
var<private> SQUASH_POINTS: array<i32, 33> = array<i32, 33>(
    1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546, 2048, 2550, 2994,
    3349, 3608, 3785, 3902, 3976, 4022, 4051, 4069, 4079, 4086, 4090, 4092, 4094, 4095);

var<workgroup> wg_cumulative: array<u32, 257>;
var<workgroup> wg_mass: array<u32, 512>;
var<workgroup> wg_mixed: array<i32, 256>;
/// The blocks claimed by the last context selection that need fresh counters (0: none).
var<workgroup> wg_reset: array<u32, 9>;
var<workgroup> wg_flag: u32;

/// Stretched x (1/256 units) to a probability in 2^-12 units (logistic::squash).
fn squash(x0: i32) -> i32 {
    let x = clamp(x0, -STRETCH_LIMIT, STRETCH_LIMIT);
    let weight = x & 127;
    let k = u32((x >> 7u) + 16);
    return (SQUASH_POINTS[k] * (128 - weight) + SQUASH_POINTS[k + 1u] * weight + 64) >> 7u;
}

/// The smallest x in ±2047 whose squash reaches p (StretchTable::new; squash(2047) is
/// 4095, so every p in 0..=4095 has one).
fn stretch_exact(p: i32) -> i32 {
    var lo = -STRETCH_LIMIT;
    var hi = STRETCH_LIMIT;
    while lo < hi {
        let mid = (lo + hi) >> 1u;
        if squash(mid) >= p {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

/// The stretched value of p (clamped to 0..=4095) from the lane's table.
fn stretch(base: u32, p0: i32) -> i32 {
    let p = u32(clamp(p0, 0, 4095));
    let word = bitcast<i32>(mixing[base + STRETCH_AT + (p >> 1u)]);
    return select(word << 16u, word, (p & 1u) == 1u) >> 16u;
}

fn p12(counter: u32) -> i32 {
    return i32(counter >> 20u);
}

/// counter::update: p moves 1/(n + 1.5) of the way to the bit; n saturates at `limit`.
fn counter_update(counter: u32, bit: bool, limit: u32) -> u32 {
    let n = counter & 1023u;
    let p = i32(counter >> 10u);
    let goal = select(0, 4194303, bit);
    let delta = (((goal - p) >> 6u) * i32(65536u / (2u * n + 3u))) >> 9u;
    let q = u32(clamp(p + delta, 0, 4194303));
    return (q << 10u) | min(n + 1u, limit);
}

fn hash_step(hash: u32, value: u32) -> u32 {
    let x = (hash ^ value) * 2654435761u;
    return (x << 13u) | (x >> 19u);
}

fn depth(node: u32) -> u32 {
    return firstLeadingBit(node);
}

fn node_of(byte: u32, d: u32) -> u32 {
    return (256u | byte) >> (8u - d);
}

/// Byte `i` of the lane's history (i < its length).
fn history_byte(base: u32, i: u32) -> u32 {
    return (mixing[base + HISTORY_AT + (i >> 2u)] >> ((i & 3u) * 8u)) & 255u;
}

fn push_history(base: u32, byte: u32) {
    let i = mixing[base + HISTORY_LEN];
    let at = base + HISTORY_AT + (i >> 2u);
    mixing[at] = mixing[at] | (byte << ((i & 3u) * 8u));
    mixing[base + HISTORY_LEN] = i + 1u;
}

/// The match's expected byte, or 256 without a match.
fn expected_byte(base: u32) -> u32 {
    if mixing[base + MATCH_LENGTH] == 0u {
        return 256u;
    }
    return history_byte(base, mixing[base + MATCH_POINTER]);
}

/// The offset of model m's block `index` within a lane.
fn block_offset(m: u32, index: u32) -> u32 {
    var blocks_before = 0u;
    if m == 1u {
        blocks_before = 1u;
    } else if m >= 2u {
        blocks_before = 257u + (m - 2u) * 4096u;
    }
    return TABLES_AT + (blocks_before + index) * BLOCK;
}

/// Claims a block for model m (ContextTable::claim): notes it for a reset when its tag
/// differs. Invocation 0 only; [`reset_claimed`] then resets in parallel.
fn claim(base: u32, m: u32, index: u32, tag: u32) {
    let offset = block_offset(m, index);
    mixing[base + BLOCKS_AT + m] = offset;
    wg_reset[m] = 0u;
    if mixing[base + offset] != tag {
        mixing[base + offset] = tag;
        wg_reset[m] = offset + 1u;
    }
}

fn block_for_hash(base: u32, m: u32, hash: u32) {
    claim(base, m, hash >> 20u, (hash & 65535u) | 65536u);
}

/// Byte k back (1 = the last), 0 before the chunk's start.
fn back(base: u32, n: u32, k: u32) -> u32 {
    if k <= n {
        return history_byte(base, n - k);
    }
    return 0u;
}

fn order_hash(base: u32, n: u32, k: u32) -> u32 {
    var x = hash_step(0u, k);
    for (var i = 1u; i <= k; i++) {
        x = hash_step(x, back(base, n, i));
    }
    return x;
}

/// Hashes the next byte's contexts and claims their blocks (MixState::select_contexts).
fn select_contexts(base: u32) {
    let n = mixing[base + HISTORY_LEN];
    let r = mixing[base + RECORD_LENGTH];
    var column = 0u;
    var above = 0u;
    var above2 = 0u;
    if r != 0u {
        column = n % r;
        above = back(base, n, r);
        above2 = back(base, n, 2u * r);
    }
    claim(base, 0u, 0u, 1u);
    claim(base, 1u, back(base, n, 1u), 1u);
    block_for_hash(base, 2u, order_hash(base, n, 2u));
    block_for_hash(base, 3u, order_hash(base, n, 3u));
    block_for_hash(base, 4u, order_hash(base, n, 4u));
    block_for_hash(base, 5u, order_hash(base, n, 6u));
    block_for_hash(base, 6u, hash_step(hash_step(hash_step(7u, r), column), above));
    block_for_hash(base, 7u, hash_step(hash_step(hash_step(8u, r), above), above2));
    block_for_hash(base, 8u, hash_step(hash_step(hash_step(hash_step(9u, r), column), above), back(base, n, 1u)));
}

/// Every invocation: fresh counters in the blocks [`claim`] noted (entries 1..=255).
fn reset_claimed(base: u32, node: u32) {
    workgroupBarrier();
    if node > 0u {
        for (var m = 0u; m < MODELS; m++) {
            let claimed = wg_reset[m];
            if claimed != 0u {
                mixing[base + claimed - 1u + node] = FRESH;
            }
        }
    }
    storageBarrier();
    workgroupBarrier();
}

/// Sees `byte` at `position` (from 1): a distance that recurs votes (RecordDetector::see).
fn see_record(base: u32, byte: u32, position: u32) {
    let last = mixing[base + LAST_POSITION_AT + byte];
    let gap = position - last;
    if last != 0u && gap == mixing[base + LAST_DISTANCE_AT + byte] && gap >= 2u && gap <= RECORD_MAX_LENGTH {
        if gap == mixing[base + RECORD_LENGTH] {
            mixing[base + VOTES] = 0u;
        } else if gap == mixing[base + CANDIDATE] {
            let votes = mixing[base + VOTES] + 1u;
            mixing[base + VOTES] = votes;
            if votes >= RECORD_VOTES {
                mixing[base + RECORD_LENGTH] = gap;
                mixing[base + VOTES] = 0u;
            }
        } else {
            mixing[base + CANDIDATE] = gap;
            mixing[base + VOTES] = 1u;
        }
    }
    mixing[base + LAST_DISTANCE_AT + byte] = gap;
    mixing[base + LAST_POSITION_AT + byte] = position;
}

/// After the history's last byte was appended (MatchModel::see).
fn see_match(base: u32, byte: u32) {
    let run = mixing[base + MATCH_LENGTH];
    let pointer = mixing[base + MATCH_POINTER];
    if run > 0u && history_byte(base, pointer) == byte {
        mixing[base + MATCH_LENGTH] = min(run + 1u, MATCH_MAX_LENGTH);
        mixing[base + MATCH_POINTER] = pointer + 1u;
    } else {
        mixing[base + MATCH_LENGTH] = 0u;
    }
    let end = mixing[base + HISTORY_LEN];
    if end < MATCH_MIN_LENGTH {
        return;
    }
    var hash = 0u;
    for (var i = end - MATCH_MIN_LENGTH; i < end; i++) {
        hash = hash_step(hash, history_byte(base, i));
    }
    let slot = base + MATCH_TABLE_AT + (hash >> (32u - MATCH_TABLE_BITS));
    let candidate = mixing[slot];
    if mixing[base + MATCH_LENGTH] == 0u && candidate != 0u {
        let start = candidate - 1u;
        var same = 0u;
        let most = min(MATCH_MAX_VERIFY, start);
        for (var k = 1u; k <= most; k++) {
            if history_byte(base, start - k) != history_byte(base, end - k) {
                break;
            }
            same += 1u;
        }
        if same >= MATCH_MIN_LENGTH {
            mixing[base + MATCH_LENGTH] = same;
            mixing[base + MATCH_POINTER] = start;
        }
    }
    mixing[slot] = end + 1u;
}

/// For a node on the expected byte's path (expected < 256): the predicted bit (0 or 1)
/// and the counter's bucket as bit | bucket << 1; else 0xFFFFFFFF.
fn match_bit(base: u32, expected: u32, node: u32) -> u32 {
    if expected >= 256u {
        return 4294967295u;
    }
    let d = depth(node);
    if node_of(expected, d) != node {
        return 4294967295u;
    }
    let bucket = min(mixing[base + MATCH_LENGTH], MATCH_BUCKETS - 1u);
    return ((expected >> (7u - d)) & 1u) | (bucket << 1u);
}

/// The neural table's probability (2^-12 units, 1..=4095) that node's bit is 1.
fn table_bit_probability(node: u32) -> i32 {
    let d = depth(node);
    let width = 256u >> d;
    let low = (node - (1u << d)) * width;
    let mid = low + width / 2u;
    let high = low + width;
    let ones = wg_cumulative[high] - wg_cumulative[mid];
    let total = wg_cumulative[high] - wg_cumulative[low];
    return clamp(i32((ones << 12u) / total), 1, 4095);
}

/// Every invocation: the mixed table of row `row`'s neural table (io), written over it;
/// each node's inputs and mixed probability kept for the learning (MixState::predict).
fn predict(base: u32, row: u32, node: u32) {
    let table = params.src + row * 256u;
    if node == 0u {
        var sum = 0u;
        wg_cumulative[0] = 0u;
        for (var s = 0u; s < 256u; s++) {
            sum += io[table + s];
            wg_cumulative[s + 1u] = sum;
        }
    }
    workgroupBarrier();
    if node > 0u {
        let expected = expected_byte(base);
        var weight_set = node;
        if expected < 256u {
            weight_set += 256u;
        }
        var inputs: array<i32, 12>;
        inputs[0] = stretch(base, table_bit_probability(node));
        inputs[1] = BIAS;
        for (var m = 0u; m < MODELS; m++) {
            inputs[2u + m] = stretch(base, p12(mixing[base + mixing[base + BLOCKS_AT + m] + node]));
        }
        inputs[11] = 0;
        let matched = match_bit(base, expected, node);
        if matched != 4294967295u {
            let s = stretch(base, p12(mixing[base + MATCH_COUNTERS_AT + (matched >> 1u)]));
            inputs[11] = select(-s, s, (matched & 1u) == 1u);
        }
        var acc = 0;
        for (var i = 0u; i < INPUTS; i++) {
            let w = bitcast<i32>(mixing[base + WEIGHTS_AT + weight_set * INPUTS + i]);
            acc += (inputs[i] * w) >> 16u;
            mixing[base + INPUTS_AT + node * INPUTS + i] = bitcast<u32>(inputs[i]);
        }
        let mixed = clamp(squash(clamp(acc, -STRETCH_LIMIT, STRETCH_LIMIT)), 1, 4095);
        mixing[base + MIXED_AT + node] = u32(mixed);
        wg_mixed[node] = mixed;
    }
    if node == 1u {
        wg_mass[1] = TREE_SPREAD;
    }
    workgroupBarrier();
    // tree_table: each level's nodes split their mass, then every leaf gets + 1.
    for (var d = 0u; d < 8u; d++) {
        if node > 0u && depth(node) == d {
            let ones = (wg_mass[node] * u32(wg_mixed[node])) >> 12u;
            wg_mass[2u * node + 1u] = ones;
            wg_mass[2u * node] = wg_mass[node] - ones;
        }
        workgroupBarrier();
    }
    io[table + node] = wg_mass[256u + node] + 1u;
    storageBarrier();
    workgroupBarrier();
}

/// Invocation 0: learns `byte` after [`predict`], then moves to the next byte's contexts
/// (MixState::update); every invocation then resets the claimed blocks.
fn learn(base: u32, byte: u32, node: u32) {
    if node == 0u {
        let expected = expected_byte(base);
        var offset = 0u;
        if expected < 256u {
            offset = 256u;
        }
        for (var d = 0u; d < 8u; d++) {
            let n = node_of(byte, d);
            let bit = ((byte >> (7u - d)) & 1u) == 1u;
            for (var m = 0u; m < MODELS; m++) {
                let at = base + mixing[base + BLOCKS_AT + m] + n;
                mixing[at] = counter_update(mixing[at], bit, COUNTER_LIMIT);
            }
            let matched = match_bit(base, expected, n);
            if matched != 4294967295u {
                let at = base + MATCH_COUNTERS_AT + (matched >> 1u);
                mixing[at] = counter_update(mixing[at], bit == ((matched & 1u) == 1u), COUNTER_LIMIT);
            }
            let err = (i32(bit) << 12u) - i32(mixing[base + MIXED_AT + n]);
            let weights = base + WEIGHTS_AT + (offset + n) * INPUTS;
            for (var i = 0u; i < INPUTS; i++) {
                let x = bitcast<i32>(mixing[base + INPUTS_AT + n * INPUTS + i]);
                let w = bitcast<i32>(mixing[weights + i]) + ((x * err) >> LEARNING_SHIFT);
                mixing[weights + i] = bitcast<u32>(clamp(w, -WEIGHT_LIMIT, WEIGHT_LIMIT));
            }
        }
        push_history(base, byte);
        see_record(base, byte, mixing[base + HISTORY_LEN]);
        see_match(base, byte);
        select_contexts(base);
    }
    reset_claimed(base, node);
}

/// Whether `value` (invocation 0's) holds, uniformly for the workgroup.
fn uniform_flag(node: u32, value: bool) -> bool {
    // Every invocation has read the last flag before invocation 0 writes the next.
    workgroupBarrier();
    if node == 0u {
        wg_flag = u32(value);
    }
    return workgroupUniformLoad(&wg_flag) != 0u;
}

/// A fresh state in every lane (the host zeroed `mixing`): the stretch table, the neural
/// weights at 1.0, fresh match counters, every node's probability 1/2, the first byte's
/// contexts claimed.
/// Dispatch: one workgroup per lane.
@compute @workgroup_size(256)
fn mix_init(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    let node = local.x;
    let base = wg.x * params.k1;
    for (var pair = node; pair < 2048u; pair += 256u) {
        let low = u32(stretch_exact(i32(2u * pair))) & 65535u;
        let high = u32(stretch_exact(i32(2u * pair + 1u))) << 16u;
        mixing[base + STRETCH_AT + pair] = low | high;
    }
    for (var weight_set = node; weight_set < 512u; weight_set += 256u) {
        mixing[base + WEIGHTS_AT + weight_set * INPUTS] = bitcast<u32>(UNIT_WEIGHT);
    }
    mixing[base + MIXED_AT + node] = 2048u;
    if node < MATCH_BUCKETS {
        mixing[base + MATCH_COUNTERS_AT + node] = FRESH;
    }
    if node == 0u {
        select_contexts(base);
    }
    reset_claimed(base, node);
}

/// Decoding, before `decode` (window 1, row = lane): the lane's next table mixed.
@compute @workgroup_size(256)
fn mix_predict(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    let node = local.x;
    let row = wg.x;
    var busy = false;
    if node == 0u {
        let lane = lanes[row];
        busy = lane.done < lane.len;
    }
    if uniform_flag(node, busy) {
        predict(row * params.k1, row, node);
    }
}

/// Decoding, after `decode`: the byte it wrote to io[row] learnt (idle rows: nothing).
@compute @workgroup_size(256)
fn mix_learn(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    let node = local.x;
    let row = wg.x;
    if uniform_flag(node, node == 0u && io[row] < IDLE) {
        learn(row * params.k1, io[row], node);
    }
}

/// Encoding, before the first window: the chunk's first byte, coded by the host under
/// the uniform table (io's, from begin_coding), learnt.
@compute @workgroup_size(256)
fn mix_first(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    let node = local.x;
    let index = wg.x;
    let row = index * params.window;
    var busy = false;
    if node == 0u {
        busy = lanes[index].len > 0u;
    }
    if uniform_flag(node, busy) {
        let base = index * params.k1;
        predict(base, row, node);
        learn(base, input_byte(lanes[index], 0u), node);
    }
}

/// Encoding, after a window's forward pass (`feed` has advanced done past it): each
/// active row in order, its table mixed and the byte it codes learnt.
@compute @workgroup_size(256)
fn mix_window(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    let node = local.x;
    let index = wg.x;
    let base = index * params.k1;
    for (var t = 0u; t < params.window; t++) {
        let row = index * params.window + t;
        if uniform_flag(node, node == 0u && io[row] < IDLE) {
            predict(base, row, node);
            let lane = lanes[index];
            let p = lane.done - params.window + t;
            learn(base, input_byte(lane, p + 1u), node);
        }
    }
}
