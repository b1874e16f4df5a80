// The residual stream: embedding, LayerNorm, residual addition (docs/engine.md, steps 1
// and 2.1, and the block's x ← clamp16(x + ·)).

/// x[r] = embedding[byte[r]]. params: width = d_model, dst = x, table = embedding
/// [256][d_model]; the bytes are io[0 .. rows] (256 or more: the row is idle, mixer.wgsl).
/// Dispatch: x over features, y over rows.
@compute @workgroup_size(64)
fn embed(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    let row = id.y;
    if i >= params.width || row >= params.rows {
        return;
    }
    let byte = io[row] & 255u;
    acts[params.dst + row * params.width + i] = tables[params.table + byte * params.width + i];
}

/// x[r,i] = clamp16(x[r,i] + update[r,i]). params: width, dst = x, src = update.
@compute @workgroup_size(64)
fn residual(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    let row = id.y;
    if i >= params.width || row >= params.rows {
        return;
    }
    let at = row * params.width + i;
    acts[params.dst + at] = clamp16(acts[params.dst + at] + acts[params.src + at]);
}

/// Integer LayerNorm of one row (γ, β folded into the next layer). params: inputs = d,
/// src = x, dst = n, table = inv_sqrt table, k0 = var_shift (even), k1 = out_frac,
/// k2 = ε (variance units). Dispatch: x over rows.
@compute @workgroup_size(64)
fn layer_norm(@builtin(global_invocation_id) id: vec3<u32>) {
    let row = id.x;
    if row >= params.rows {
        return;
    }
    let d = params.inputs;
    let x = params.src + row * d;
    var sum = 0;
    for (var i = 0u; i < d; i++) {
        sum += acts[x + i];
    }
    let mean = sum / i32(d);
    var squares = 0;
    for (var i = 0u; i < d; i++) {
        let c = clamp16(acts[x + i] - mean);
        squares += (c * c) >> params.k0;
    }
    // (squares / d) + ε, saturating in u32.
    let quotient = u32(squares) / d;
    let with_eps = quotient + params.k2;
    let variance = select(with_eps, 0xFFFFFFFFu, with_eps < quotient);
    let root = inv_sqrt(params.table, variance);
    let shift = u32(max(36 + root.y + i32(params.k0 / 2u) - i32(params.k1), 0));
    let out = params.dst + row * d;
    for (var i = 0u; i < d; i++) {
        acts[out + i] = clamp16(mul_round(clamp16(acts[x + i] - mean), root.x, shift));
    }
}
