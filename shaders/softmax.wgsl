// The integer softmax (docs/engine.md, step 4): a row of 256 logits → frequencies with
// total 2^16, each ≥ 1, exactly as `coder::spread_weights` spreads them.
// params: src = logits [rows][256], dst = offset of the tables in io ([rows][256] u32),
// table = exp2, k0 = multiplier, k1 = shift. Dispatch: x over rows.

@compute @workgroup_size(64)
fn softmax(@builtin(global_invocation_id) id: vec3<u32>) {
    let row = id.x;
    if row >= params.rows {
        return;
    }
    let logits = params.src + row * 256u;
    var best = 0u;
    for (var i = 1u; i < 256u; i++) {
        if acts[logits + i] > acts[logits + best] {
            best = i;
        }
    }
    let top = acts[logits + best];
    var weights: array<u32, 256>;
    var total = 0u;
    for (var i = 0u; i < 256u; i++) {
        let y = mul_round_clamp(top - acts[logits + i], i32(params.k0), params.k1, 1073741824);
        weights[i] = u32((exp2_neg(params.table, y) + 8192) >> 14u);
        total += weights[i];
    }
    let out = params.dst + row * 256u;
    if total == 0u {
        for (var i = 0u; i < 256u; i++) {
            io[out + i] = 256u;
        }
        return;
    }
    // w ≤ 2^16 and 65280 < 2^16: the product fits u32.
    var assigned = 0u;
    for (var i = 0u; i < 256u; i++) {
        let f = 1u + weights[i] * 65280u / total;
        io[out + i] = f;
        assigned += f;
    }
    io[out + best] += 65536u - assigned;
}
