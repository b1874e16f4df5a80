// Linear layers (docs/engine.md, "Linear layers"): for row r and output o,
// acc = bias[o] + Σ_i W[o,i] · x[r,i] (exact in i32: bounded when the model is loaded),
// y = clamp16(mul_round(acc, M[o], S[o])), then max(y, 0) when k0 = 1 (the head's ReLU).
//
// params: src = x [rows][inputs], dst = y [rows][width], table = the layer's constants
// (W [width][inputs], bias [width], M [width], S [width]).
// Dispatch: x over outputs (64 per workgroup), y over rows.

@compute @workgroup_size(64)
fn linear(@builtin(global_invocation_id) id: vec3<u32>) {
    let o = id.x;
    let row = id.y;
    if o >= params.width || row >= params.rows {
        return;
    }
    let n = params.inputs;
    let w = params.table + o * n;
    let x = params.src + row * n;
    var acc = tables[params.table + params.width * n + o];
    for (var i = 0u; i < n; i++) {
        acc += tables[w + i] * acts[x + i];
    }
    let constants = params.table + params.width * n + params.width;
    var y = clamp16(mul_round(acc, tables[constants + o], u32(tables[constants + params.width + o])));
    if params.k0 == 1u {
        y = max(y, 0);
    }
    acts[params.dst + row * params.width + o] = y;
}
