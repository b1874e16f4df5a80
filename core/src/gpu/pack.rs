//! The model's constants packed end to end into one `i32` array (the shaders' `tables`
//! binding), and where each part starts. Layouts are those `shaders/*.wgsl` document.

use crate::engine::QuantizedModel;
use crate::engine::fixed::Lut;
use crate::engine::model::{QConv, QLinear};

/// Where one block's constants start in the packed array.
#[derive(Debug, Clone)]
pub(crate) struct BlockAt {
    pub in_x: u32,
    pub in_z: u32,
    pub conv: u32,
    pub silu_conv: u32,
    pub x_delta: u32,
    pub x_b: u32,
    pub x_c: u32,
    pub dt_proj: u32,
    pub softplus: u32,
    /// `A·log2e [d_inner][N]`, then `D [d_inner]`.
    pub scan: u32,
    pub silu_z: u32,
    pub out_proj: u32,
    pub ff_expand: u32,
    pub gelu: u32,
    pub ff_contract: u32,
}

/// Where every part of the model starts in the packed array.
#[derive(Debug, Clone)]
pub(crate) struct ModelAt {
    pub embedding: u32,
    pub exp2: u32,
    pub inv_sqrt: u32,
    pub blocks: Vec<BlockAt>,
    pub head_hidden: u32,
    pub head_logits: u32,
}

/// The packed constants. Offsets are `u32` (WGSL indices); a model too large for that is
/// refused when packing (`None`), and the caller checks the device's binding limit.
struct Packer {
    values: Vec<i32>,
}

impl Packer {
    fn put(&mut self, values: impl IntoIterator<Item = i32>) -> Option<u32> {
        let at = u32::try_from(self.values.len()).ok()?;
        self.values.extend(values);
        Some(at)
    }

    /// `W [outputs][inputs]`, bias, multiplier, shift.
    fn linear(&mut self, l: &QLinear) -> Option<u32> {
        let at = self.put(l.weights.iter().map(|&w| i32::from(w)))?;
        self.put(l.bias.iter().copied())?;
        self.put(l.multiplier.iter().copied())?;
        self.put(l.shift.iter().map(|&s| i32::from(s)))?;
        Some(at)
    }

    /// `W [channels][K]`, bias, multiplier, shift.
    fn conv(&mut self, c: &QConv) -> Option<u32> {
        let at = self.put(c.weights.iter().map(|&w| i32::from(w)))?;
        self.put(c.bias.iter().copied())?;
        self.put(c.multiplier.iter().copied())?;
        self.put(c.shift.iter().map(|&s| i32::from(s)))?;
        Some(at)
    }

    fn lut(&mut self, lut: &Lut) -> Option<u32> {
        self.put(lut.entries().iter().copied())
    }
}

/// Packs `model`; `None` when it has more than `u32::MAX` values.
pub(crate) fn pack(model: &QuantizedModel) -> Option<(Vec<i32>, ModelAt)> {
    let mut p = Packer { values: Vec::new() };
    let embedding = p.put(model.embedding.iter().map(|&v| i32::from(v)))?;
    let exp2 = p.put(model.exp2.entries().iter().copied())?;
    let inv_sqrt = p.put(model.inv_sqrt.entries().iter().copied())?;
    let mut blocks = Vec::with_capacity(model.blocks.len());
    for b in &model.blocks {
        blocks.push(BlockAt {
            in_x: p.linear(&b.in_x)?,
            in_z: p.linear(&b.in_z)?,
            conv: p.conv(&b.conv)?,
            silu_conv: p.lut(&b.silu_conv)?,
            x_delta: p.linear(&b.x_delta)?,
            x_b: p.linear(&b.x_b)?,
            x_c: p.linear(&b.x_c)?,
            dt_proj: p.linear(&b.dt_proj)?,
            softplus: p.lut(&b.softplus)?,
            scan: {
                let at = p.put(b.scan.a_log2e.iter().copied())?;
                p.put(b.scan.skip.iter().copied())?;
                at
            },
            silu_z: p.lut(&b.silu_z)?,
            out_proj: p.linear(&b.out_proj)?,
            ff_expand: p.linear(&b.ff_expand)?,
            gelu: p.lut(&b.gelu)?,
            ff_contract: p.linear(&b.ff_contract)?,
        });
    }
    let head_hidden = p.linear(&model.head_hidden)?;
    let head_logits = p.linear(&model.head_logits)?;
    let at = ModelAt {
        embedding,
        exp2,
        inv_sqrt,
        blocks,
        head_hidden,
        head_logits,
    };
    Some((p.values, at))
}
