// Applies one primitive of fixed.wgsl to arrays of arguments, so that tests (and a
// start-up self-test) can compare the GPU's results with the CPU engine's.
// Compiled after fixed.wgsl (boa_shaders::FIXED_CHECK).

/// Which primitive (`gpu::FixedOp`), and how many elements.
struct CheckParams {
    op: u32,
    count: u32,
    table: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> params: CheckParams;
/// Per element: a, b, shift, limit.
@group(0) @binding(1) var<storage, read> args: array<vec4<i32>>;
/// Per element: two results (the second is used by inv_sqrt only).
@group(0) @binding(2) var<storage, read_write> results: array<vec2<i32>>;

@compute @workgroup_size(64)
fn check(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if i >= params.count {
        return;
    }
    let a = args[i].x;
    let b = args[i].y;
    let shift = u32(args[i].z);
    let limit = args[i].w;
    var out = vec2<i32>(0, 0);
    switch params.op {
        case 0u: { out.x = mul_round(a, b, shift); }
        case 1u: { out.x = mul_round_clamp(a, b, shift, limit); }
        case 2u: { out.x = mul16(a, b, shift); }
        case 3u: { out.x = clamp16(a); }
        case 4u: { out.x = lut_lookup(params.table, a); }
        case 5u: { out.x = exp2_neg(params.table, a); }
        case 6u: { out = inv_sqrt(params.table, u32(a)); }
        default: { }
    }
    results[i] = out;
}
