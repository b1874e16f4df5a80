//! The forward pass over a batch of rows, shared by both schedules.
//!
//! A *row* is one byte position. When encoding, the rows are consecutive positions of
//! one chunk and share one recurrent state, visited in order; when decoding, each row is
//! a different chunk (a lane) with its own state. Every kernel computes a row from that
//! row's inputs and state only, with exact integer sums, so both schedules give the same
//! numbers bit for bit.

use super::Engine;
use super::kernels::{ScanRow, conv_step, layer_norm, linear, lut_i16, scan_step};

/// The recurrent state of one chunk being coded: per block, the convolution history
/// (`[(K−1)][d_inner]`) and the SSM state (`[d_inner][d_state]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecurrentState {
    conv: Vec<Vec<i16>>,
    ssm: Vec<Vec<i32>>,
}

impl RecurrentState {
    pub(crate) fn zeros(engine: &Engine) -> Self {
        let d = engine.model.dims;
        Self {
            conv: vec![vec![0; (d.d_conv - 1) * d.d_inner]; d.num_layers],
            ssm: vec![vec![0; d.d_inner * d.d_state]; d.num_layers],
        }
    }
}

/// Which state each row uses.
pub(crate) enum States<'a> {
    /// All rows are consecutive positions of one chunk.
    Sequence(&'a mut RecurrentState),
    /// Row `r` belongs to `states[r]`.
    Lanes(Vec<&'a mut RecurrentState>),
}

impl States<'_> {
    fn get(&mut self, row: usize) -> &mut RecurrentState {
        match self {
            States::Sequence(state) => state,
            States::Lanes(states) => states[row],
        }
    }
}

/// Scratch buffers for a batch of rows.
#[derive(Default)]
pub(crate) struct Workspace {
    x: Vec<i16>,
    normed: Vec<i16>,
    x_in: Vec<i16>,
    z: Vec<i16>,
    conv: Vec<i16>,
    u: Vec<i16>,
    delta_low: Vec<i16>,
    b: Vec<i16>,
    c: Vec<i16>,
    delta_pre: Vec<i16>,
    delta: Vec<i32>,
    decay: Vec<i32>,
    gated: Vec<i16>,
    mixed: Vec<i16>,
    hidden: Vec<i16>,
    activated: Vec<i16>,
    update: Vec<i16>,
    pub logits: Vec<i16>,
}

fn sized(buffer: &mut Vec<i16>, len: usize) -> &mut [i16] {
    buffer.resize(len, 0);
    &mut buffer[..len]
}

impl Engine {
    /// Runs `bytes` (one per row) through the model; the logits of row `r` (the next
    /// byte's) are left in `ws.logits[r·256..]`.
    pub(crate) fn forward_rows(&self, bytes: &[u8], mut states: States<'_>, ws: &mut Workspace) {
        let m = &self.model;
        let d = m.dims;
        let rows = bytes.len();
        let x = sized(&mut ws.x, rows * d.d_model);
        for (row, &byte) in x.chunks_exact_mut(d.d_model).zip(bytes) {
            let start = usize::from(byte) * d.d_model;
            row.copy_from_slice(&m.embedding[start..start + d.d_model]);
        }
        for layer in 0..d.num_layers {
            self.block_rows(layer, rows, &mut states, ws);
        }
        let hidden = sized(&mut ws.hidden, rows * d.d_model);
        linear(&self.head_hidden, &ws.x, hidden);
        for v in hidden.iter_mut() {
            *v = (*v).max(0);
        }
        linear(
            &self.head_logits,
            &ws.hidden,
            sized(&mut ws.logits, rows * 256),
        );
    }

    fn block_rows(&self, layer: usize, rows: usize, states: &mut States<'_>, ws: &mut Workspace) {
        let m = &self.model;
        let d = m.dims;
        let (dm, di, n) = (d.d_model, d.d_inner, d.d_state);
        let block = &m.blocks[layer];
        let wide = &self.blocks[layer];

        self.norm_rows(block.ln1_eps, &ws.x, sized(&mut ws.normed, rows * dm));
        linear(&wide.in_x, &ws.normed, sized(&mut ws.x_in, rows * di));
        linear(&wide.in_z, &ws.normed, sized(&mut ws.z, rows * di));
        let conv = sized(&mut ws.conv, rows * di);
        for (r, (x_in, out)) in ws
            .x_in
            .chunks_exact(di)
            .zip(conv.chunks_exact_mut(di))
            .enumerate()
        {
            let history = &mut states.get(r).conv[layer];
            conv_step(&block.conv, d.d_conv, history, x_in, out);
        }
        lut_i16(&block.silu_conv, &ws.conv, sized(&mut ws.u, rows * di));
        linear(
            &wide.x_delta,
            &ws.u,
            sized(&mut ws.delta_low, rows * d.dt_rank),
        );
        linear(&wide.x_b, &ws.u, sized(&mut ws.b, rows * n));
        linear(&wide.x_c, &ws.u, sized(&mut ws.c, rows * n));
        linear(
            &wide.dt_proj,
            &ws.delta_low,
            sized(&mut ws.delta_pre, rows * di),
        );
        ws.delta.clear();
        ws.delta.extend(
            ws.delta_pre
                .iter()
                .map(|&v| block.softplus.lookup(i32::from(v))),
        );
        ws.decay.resize(n, 0);
        let gated = sized(&mut ws.gated, rows * di);
        for (r, out) in gated.chunks_exact_mut(di).enumerate() {
            let row = ScanRow {
                u: &ws.u[r * di..(r + 1) * di],
                delta: &ws.delta[r * di..(r + 1) * di],
                b: &ws.b[r * n..(r + 1) * n],
                c: &ws.c[r * n..(r + 1) * n],
                z: &ws.z[r * di..(r + 1) * di],
            };
            let state = &mut states.get(r).ssm[layer];
            scan_step(
                &block.scan,
                &m.exp2,
                &block.silu_z,
                &row,
                state,
                &mut ws.decay,
                out,
            );
        }
        linear(&wide.out_proj, &ws.gated, sized(&mut ws.mixed, rows * dm));
        self.norm_rows(block.ln2_eps, &ws.mixed, sized(&mut ws.normed, rows * dm));
        linear(
            &wide.ff_expand,
            &ws.normed,
            sized(&mut ws.hidden, rows * 4 * dm),
        );
        lut_i16(
            &block.gelu,
            &ws.hidden,
            sized(&mut ws.activated, rows * 4 * dm),
        );
        linear(
            &wide.ff_contract,
            &ws.activated,
            sized(&mut ws.update, rows * dm),
        );
        for (x, &f) in ws.x.iter_mut().zip(&ws.update) {
            *x = super::fixed::clamp_i16(i64::from(*x) + i64::from(f));
        }
    }

    fn norm_rows(&self, eps: u32, x: &[i16], out: &mut [i16]) {
        let m = &self.model;
        let dm = m.dims.d_model;
        for (x_row, out_row) in x.chunks_exact(dm).zip(out.chunks_exact_mut(dm)) {
            layer_norm(
                &m.inv_sqrt,
                u32::from(m.ln_var_shift),
                u32::from(m.ln_out_frac),
                eps,
                x_row,
                out_row,
            );
        }
    }
}
