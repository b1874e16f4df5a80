//! The `.boam` model file: [`QuantizedModel`] ↔ bytes, explicit little-endian, specified
//! byte by byte in `docs/model-format.md`.
//!
//! Version 2 stores the same fields as version 1 in the same order, but every table as
//! third differences and every other `i32` array as varints (zigzag LEB128): the tables,
//! 16 KiB each in version 1, dominated small models. Version 3 (written) is version 2's
//! body range-coded under context mixing ([`super::packing`]). All three are read.

use super::fixed::{Exp2Table, INV_SQRT_LEN, InvSqrtTable, LUT_LEN, Lut};
use super::model::{
    Dims, InvalidModel, Limits, NamedFormat, QBlock, QConv, QLinear, QScan, QSoftmax,
    QuantizedModel,
};
use super::packing;

/// The first 8 bytes of every `.boam` file.
pub const MODEL_MAGIC: [u8; 8] = *b"\x89BOAM\r\n\x1a";
/// The format version this build writes (packed); it reads versions 1 to 3.
pub const MODEL_VERSION: u16 = 3;
/// Version 2: varints and table differences, not packed.
pub const MODEL_VERSION_COMPACT: u16 = 2;
/// The oldest version this build reads: fixed-width `i32` arrays and tables.
pub const MODEL_VERSION_FIXED: u16 = 1;
/// Bytes before a model's fields: magic, version, 2 reserved.
const PREAMBLE: usize = 12;

/// Why bytes are not a usable `.boam` model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelFileError {
    /// The magic bytes are missing.
    #[error("not a boa model file (.boam): wrong magic bytes")]
    NotBoam,
    /// A version this build does not know.
    #[error(
        "model file version {0} is not supported (this build reads versions {MODEL_VERSION_FIXED} to {MODEL_VERSION})"
    )]
    UnsupportedVersion(u16),
    /// The file ends early.
    #[error("model file is truncated: {0} missing")]
    Truncated(&'static str),
    /// The trailing CRC-32 does not match.
    #[error("model file is damaged or truncated: checksum mismatch")]
    Checksum,
    /// A version-3 body that does not unpack: a bad stream, or a length beyond the
    /// expansion bound ([`super::packing::MAX_EXPANSION`]).
    #[error("model file is invalid: its packed body {0}")]
    Packed(&'static str),
    /// Bytes between the last layer and the checksum.
    #[error("model file has {0} unexpected bytes after its last layer")]
    TrailingBytes(usize),
    /// A varint longer than 5 bytes, not in its shortest form, or a decoded value outside
    /// `i32` (version 2).
    #[error("model file is invalid: {0} holds a malformed number")]
    Varint(&'static str),
    /// Numbers that break the engine's invariants, or a model beyond its [`Limits`].
    #[error("model file is invalid: {0}")]
    Invalid(#[from] InvalidModel),
}

impl QuantizedModel {
    /// The model as `.boam` bytes, version [`MODEL_VERSION`].
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_bytes_version(MODEL_VERSION)
    }

    /// The model as `.boam` bytes of version 1 (fixed-width), 2 (compact) or 3 (packed;
    /// any other number). Version 3 falls back to version 2 for a body that would pack
    /// beyond [`super::packing::MAX_EXPANSION`] (readers refuse such a ratio) or is 4 GiB
    /// or more.
    #[must_use]
    pub fn to_bytes_version(&self, version: u16) -> Vec<u8> {
        if version == MODEL_VERSION_FIXED || version == MODEL_VERSION_COMPACT {
            return self.to_unpacked_bytes(version == MODEL_VERSION_COMPACT);
        }
        let compact = self.to_unpacked_bytes(true);
        let body = &compact[PREAMBLE..compact.len() - 4];
        let Ok(body_len) = u32::try_from(body.len()) else {
            return compact; // beyond 4 GiB: version 2 has no such field
        };
        let packed = packing::pack(body);
        if !packing::within_expansion(body.len(), packed.len()) {
            return compact;
        }
        let mut out = Vec::with_capacity(PREAMBLE + 8 + packed.len());
        out.extend_from_slice(&MODEL_MAGIC);
        out.extend_from_slice(&MODEL_VERSION.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&body_len.to_le_bytes());
        out.extend_from_slice(&packed);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Version 2 (`compact`) or version 1 bytes.
    fn to_unpacked_bytes(&self, compact: bool) -> Vec<u8> {
        let mut w = Writer {
            out: Vec::new(),
            compact,
        };
        w.bytes(&MODEL_MAGIC);
        w.u16(if compact {
            MODEL_VERSION_COMPACT
        } else {
            MODEL_VERSION_FIXED
        });
        w.u16(0);
        let d = self.dims;
        for v in [
            d.d_model,
            d.num_layers,
            d.d_state,
            d.d_conv,
            d.d_inner,
            d.dt_rank,
        ] {
            w.u32(v as u32);
        }
        w.bytes(&[self.ln_var_shift, self.ln_out_frac, self.softmax.shift, 0]);
        // The header stays fixed-width in every version.
        w.bytes(&self.softmax.multiplier.to_le_bytes());
        w.u32(self.formats.len() as u32);
        for format in &self.formats {
            w.bytes(&[format.name.len() as u8]);
            w.bytes(format.name.as_bytes());
            w.bytes(&[format.frac as u8]);
        }
        w.table(self.exp2.entries());
        w.table(self.inv_sqrt.entries());
        w.i16s(&self.embedding);
        for block in &self.blocks {
            write_block(&mut w, block);
        }
        write_linear(&mut w, &self.head_hidden);
        write_linear(&mut w, &self.head_logits);
        let crc = crc32fast::hash(&w.out);
        w.u32(crc);
        w.out
    }

    /// Reads and validates a `.boam` file.
    ///
    /// # Errors
    /// [`ModelFileError`] for anything but a valid model of this version.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelFileError> {
        if bytes.len() < 12 || bytes[..8] != MODEL_MAGIC {
            return Err(ModelFileError::NotBoam);
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if !(MODEL_VERSION_FIXED..=MODEL_VERSION).contains(&version) {
            return Err(ModelFileError::UnsupportedVersion(version));
        }
        let (checked, crc) = bytes.split_at(bytes.len() - 4);
        if crc32fast::hash(checked) != u32::from_le_bytes(le4(crc)) {
            return Err(ModelFileError::Checksum);
        }
        if version == MODEL_VERSION {
            let body = unpack_body(checked.get(PREAMBLE..).unwrap_or_default())?;
            return read_fields(&body, 0, true);
        }
        read_fields(checked, PREAMBLE, version == MODEL_VERSION_COMPACT)
    }
}

/// A version-3 body: `u32` unpacked length, then the packed stream.
fn unpack_body(packed: &[u8]) -> Result<Vec<u8>, ModelFileError> {
    let (len, stream) = packed
        .split_first_chunk::<4>()
        .ok_or(ModelFileError::Truncated("the packed body's length"))?;
    let len = u32::from_le_bytes(*len) as usize;
    if !packing::within_expansion(len, stream.len()) {
        return Err(ModelFileError::Packed("claims more bytes than it can hold"));
    }
    packing::unpack(stream, len).map_err(|_| ModelFileError::Packed("is not a valid stream"))
}

/// The model whose fields are `bytes[at..]`, every byte of them used.
fn read_fields(bytes: &[u8], at: usize, compact: bool) -> Result<QuantizedModel, ModelFileError> {
    let mut r = Reader { bytes, at, compact };
    let model = read_model(&mut r)?;
    if r.at != bytes.len() {
        return Err(ModelFileError::TrailingBytes(bytes.len() - r.at));
    }
    model.validate()?;
    Ok(model)
}

fn le4(bytes: &[u8]) -> [u8; 4] {
    let mut out = [0u8; 4];
    out.copy_from_slice(&bytes[..4]);
    out
}

fn read_model(r: &mut Reader<'_>) -> Result<QuantizedModel, ModelFileError> {
    let mut sizes = [0usize; 6];
    for size in &mut sizes {
        *size = r.size("dimensions")?;
    }
    let dims = Dims {
        d_model: sizes[0],
        num_layers: sizes[1],
        d_state: sizes[2],
        d_conv: sizes[3],
        d_inner: sizes[4],
        dt_rank: sizes[5],
    };
    // Checked before any size is multiplied: within the limits, every product fits in 32 bits.
    dims.validate()?;
    let [ln_var_shift, ln_out_frac, softmax_shift, _] = r.array::<4>("LayerNorm constants")?;
    let softmax = QSoftmax {
        multiplier: r.i32("softmax")?,
        shift: softmax_shift,
    };
    let count = r.size("formats")?;
    let mut formats = Vec::with_capacity(count.min(4096));
    for _ in 0..count {
        let len = usize::from(r.array::<1>("format name")?[0]);
        let name = String::from_utf8(r.take(len, "format name")?.to_vec())
            .map_err(|_| InvalidModel::FormatName)?;
        let frac = r.array::<1>("format")?[0] as i8;
        formats.push(NamedFormat { name, frac });
    }
    let exp2 = Exp2Table::new(r.table(LUT_LEN, "exp2 table")?)
        .ok_or(InvalidModel::Table { table: "exp2" })?;
    let inv_sqrt = InvSqrtTable::new(r.table(INV_SQRT_LEN, "inverse square root table")?).ok_or(
        InvalidModel::Table {
            table: "inverse square root",
        },
    )?;
    let embedding = r.i16s(256 * dims.d_model, "embedding")?;
    let mut blocks = Vec::with_capacity(dims.num_layers);
    for _ in 0..dims.num_layers {
        blocks.push(read_block(r, &dims)?);
    }
    Ok(QuantizedModel {
        dims,
        formats,
        embedding,
        ln_var_shift,
        ln_out_frac,
        blocks,
        head_hidden: read_linear(r, "head.hidden")?,
        head_logits: read_linear(r, "head.logits")?,
        softmax,
        exp2,
        inv_sqrt,
    })
}

fn write_linear(w: &mut Writer, l: &QLinear) {
    w.u32(l.inputs as u32);
    w.u32(l.outputs as u32);
    w.bytes(&l.weights.iter().map(|&x| x as u8).collect::<Vec<_>>());
    w.i32s(&l.bias);
    w.i32s(&l.multiplier);
    w.bytes(&l.shift);
}

fn read_linear(r: &mut Reader<'_>, name: &'static str) -> Result<QLinear, ModelFileError> {
    let inputs = r.size(name)?;
    let outputs = r.size(name)?;
    // Bounded before the product is taken: FEATURES² = 2^30 fits in a 32-bit usize.
    Limits::check(name, inputs, Limits::FEATURES)?;
    Limits::check(name, outputs, Limits::FEATURES)?;
    let count = inputs
        .checked_mul(outputs)
        .ok_or(ModelFileError::Truncated(name))?;
    let weights = r.take(count, name)?.iter().map(|&b| b as i8).collect();
    Ok(QLinear {
        inputs,
        outputs,
        weights,
        bias: r.i32s(outputs, name)?,
        multiplier: r.i32s(outputs, name)?,
        shift: r.take(outputs, name)?.to_vec(),
    })
}

fn write_lut(w: &mut Writer, lut: &Lut) {
    w.table(lut.entries());
}

fn read_lut(r: &mut Reader<'_>, name: &'static str) -> Result<Lut, ModelFileError> {
    Lut::new(r.table(LUT_LEN, name)?)
        .ok_or(ModelFileError::Invalid(InvalidModel::Table { table: name }))
}

fn write_block(w: &mut Writer, b: &QBlock) {
    w.u32(b.ln1_eps);
    write_linear(w, &b.in_x);
    write_linear(w, &b.in_z);
    w.i16s(&b.conv.weights);
    w.i32s(&b.conv.bias);
    w.i32s(&b.conv.multiplier);
    w.bytes(&b.conv.shift);
    write_lut(w, &b.silu_conv);
    write_linear(w, &b.x_delta);
    write_linear(w, &b.x_b);
    write_linear(w, &b.x_c);
    write_linear(w, &b.dt_proj);
    write_lut(w, &b.softplus);
    let s = &b.scan;
    w.i32s(&s.a_log2e);
    w.i32s(&s.skip);
    w.bytes(&s.shifts());
    w.bytes(&[0, 0]);
    write_lut(w, &b.silu_z);
    write_linear(w, &b.out_proj);
    w.u32(b.ln2_eps);
    write_linear(w, &b.ff_expand);
    write_lut(w, &b.gelu);
    write_linear(w, &b.ff_contract);
}

fn read_block(r: &mut Reader<'_>, d: &Dims) -> Result<QBlock, ModelFileError> {
    let ln1_eps = r.u32("block")?;
    let in_x = read_linear(r, "in_x")?;
    let in_z = read_linear(r, "in_z")?;
    let conv = QConv {
        weights: r.i16s(d.d_inner * d.d_conv, "conv")?,
        bias: r.i32s(d.d_inner, "conv")?,
        multiplier: r.i32s(d.d_inner, "conv")?,
        shift: r.take(d.d_inner, "conv")?.to_vec(),
    };
    let silu_conv = read_lut(r, "silu_conv")?;
    let x_delta = read_linear(r, "x_delta")?;
    let x_b = read_linear(r, "x_b")?;
    let x_c = read_linear(r, "x_c")?;
    let dt_proj = read_linear(r, "dt_proj")?;
    let softplus = read_lut(r, "softplus")?;
    let a_log2e = r.i32s(d.d_inner * d.d_state, "scan")?;
    let skip = r.i32s(d.d_inner, "scan")?;
    let s = r.array::<8>("scan shifts")?;
    Ok(QBlock {
        ln1_eps,
        in_x,
        in_z,
        conv,
        silu_conv,
        x_delta,
        x_b,
        x_c,
        dt_proj,
        softplus,
        scan: QScan {
            a_log2e,
            decay_shift: s[0],
            delta_u_shift: s[1],
            input_shift: s[2],
            output_shift: s[3],
            skip,
            skip_shift: s[4],
            gate_shift: s[5],
        },
        silu_z: read_lut(r, "silu_z")?,
        out_proj: read_linear(r, "out_proj")?,
        ln2_eps: r.u32("block")?,
        ff_expand: read_linear(r, "ff_expand")?,
        gelu: read_lut(r, "gelu")?,
        ff_contract: read_linear(r, "ff_contract")?,
    })
}

/// Writes fields; `compact` (version 2) writes `i32` arrays as varints and tables as
/// differences.
struct Writer {
    out: Vec<u8>,
    compact: bool,
}

impl Writer {
    fn bytes(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }
    fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }
    fn i16s(&mut self, values: &[i16]) {
        for v in values {
            self.bytes(&v.to_le_bytes());
        }
    }
    fn i32s(&mut self, values: &[i32]) {
        for &v in values {
            if self.compact {
                self.varint(i64::from(v));
            } else {
                self.bytes(&v.to_le_bytes());
            }
        }
    }
    /// A table: version 1 as `i32`s; version 2 as its differences of order
    /// [`TABLE_DIFFERENCE_ORDER`] ([`differences`]), each a varint.
    fn table(&mut self, values: &[i32]) {
        if !self.compact {
            self.i32s(values);
            return;
        }
        for v in differences(values) {
            self.varint(v);
        }
    }
    /// Zigzag (`0, −1, 1, −2, …` → `0, 1, 2, 3, …`), then LEB128: 7 bits a byte, low
    /// first, the top bit set on every byte but the last. Values here are within ±2^32.
    fn varint(&mut self, v: i64) {
        let mut z = ((v << 1) ^ (v >> 63)) as u64;
        while z >= 0x80 {
            self.out.push((z as u8 & 0x7f) | 0x80);
            z >>= 7;
        }
        self.out.push(z as u8);
    }
}

/// The order of the differences version 2 stores tables as: the tables are smooth
/// functions sampled on a grid, so their third differences are mostly rounding noise.
pub const TABLE_DIFFERENCE_ORDER: usize = 3;

/// `t[0]`, then the differences of order `min(i, K)` at each `i` (K =
/// [`TABLE_DIFFERENCE_ORDER`]): `K` passes of `d[i] −= d[i−1]` for `i` from the end down
/// to the pass number. A valid table's entries (within `±2^30`) give values within
/// `±2^33`: 5-byte varints.
fn differences(values: &[i32]) -> Vec<i64> {
    let mut d: Vec<i64> = values.iter().map(|&v| i64::from(v)).collect();
    for pass in 1..=TABLE_DIFFERENCE_ORDER {
        for i in (pass..d.len()).rev() {
            d[i] -= d[i - 1];
        }
    }
    d
}

/// The inverse of [`differences`] (its passes in reverse order, as running sums). Values
/// within `±2^34` (5-byte varints) keep every sum within `i64`.
fn undo_differences(mut d: Vec<i64>) -> Vec<i64> {
    for pass in (1..=TABLE_DIFFERENCE_ORDER).rev() {
        for i in pass..d.len() {
            d[i] += d[i - 1];
        }
    }
    d
}

/// Reads from a byte slice; every read checks the remaining length first, so a hostile
/// size can never cause an allocation larger than the file.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Version 2: varints and difference-coded tables.
    compact: bool,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], ModelFileError> {
        let end = self
            .at
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(ModelFileError::Truncated(what))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }
    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ModelFileError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, ModelFileError> {
        Ok(u32::from_le_bytes(self.array::<4>(what)?))
    }
    /// A `u32` size as `usize`; on 16-bit targets a size that does not fit cannot be in
    /// the file either.
    fn size(&mut self, what: &'static str) -> Result<usize, ModelFileError> {
        usize::try_from(self.u32(what)?).map_err(|_| ModelFileError::Truncated(what))
    }
    fn i32(&mut self, what: &'static str) -> Result<i32, ModelFileError> {
        Ok(i32::from_le_bytes(self.array::<4>(what)?))
    }
    fn i16s(&mut self, n: usize, what: &'static str) -> Result<Vec<i16>, ModelFileError> {
        let bytes = self.take(
            n.checked_mul(2).ok_or(ModelFileError::Truncated(what))?,
            what,
        )?;
        Ok(bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect())
    }
    fn i32s(&mut self, n: usize, what: &'static str) -> Result<Vec<i32>, ModelFileError> {
        if self.compact {
            // At least one byte a value: a count beyond the file fails before allocating.
            if n > self.bytes.len() - self.at {
                return Err(ModelFileError::Truncated(what));
            }
            return (0..n)
                .map(|_| {
                    i32::try_from(self.varint(what)?).map_err(|_| ModelFileError::Varint(what))
                })
                .collect();
        }
        let bytes = self.take(
            n.checked_mul(4).ok_or(ModelFileError::Truncated(what))?,
            what,
        )?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes(le4(b)))
            .collect())
    }
    /// A table of `n` entries ([`Writer::table`]); every entry must fit in an `i32`.
    fn table(&mut self, n: usize, what: &'static str) -> Result<Vec<i32>, ModelFileError> {
        if !self.compact {
            return self.i32s(n, what);
        }
        // At least one byte an entry: a count beyond the file fails before allocating.
        if n > self.bytes.len() - self.at {
            return Err(ModelFileError::Truncated(what));
        }
        let coded = (0..n)
            .map(|_| self.varint(what))
            .collect::<Result<Vec<_>, _>>()?;
        undo_differences(coded)
            .into_iter()
            .map(|v| i32::try_from(v).map_err(|_| ModelFileError::Varint(what)))
            .collect()
    }
    /// A zigzag LEB128 varint ([`Writer::varint`]) of at most 5 bytes (33 bits).
    fn varint(&mut self, what: &'static str) -> Result<i64, ModelFileError> {
        let mut z = 0u64;
        for i in 0..5 {
            let byte = self.array::<1>(what)?[0];
            z |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                // One encoding per number: no trailing zero groups.
                if byte == 0 && i > 0 {
                    return Err(ModelFileError::Varint(what));
                }
                let magnitude = (z >> 1) as i64;
                return Ok(if z & 1 == 0 {
                    magnitude
                } else {
                    -magnitude - 1
                });
            }
        }
        Err(ModelFileError::Varint(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid model: the `model_file` fuzz target's seed (BOA's architecture, d 32, 2 layers).
    const SEED: &[u8] = include_bytes!("../../fuzz/seeds/model_file/tiny-2-layers.boam");
    /// The regression input made by [`with_huge_linear_layer`], replayed by the fuzz replay.
    const HUGE_LINEAR: &str = "fuzz/regressions/model_file/linear-65536x65536.boam";

    /// `SEED` with block 0's `in_x` claiming 65536 × 65536 weights (2^32: a 32-bit
    /// `usize` overflows), the checksum made valid again.
    fn with_huge_linear_layer() -> Vec<u8> {
        let model = QuantizedModel::from_bytes(SEED).expect("seed loads");
        let names: usize = model.formats.iter().map(|f| 2 + f.name.len()).sum();
        let at = 12
            + 24
            + 4
            + 4
            + 4
            + names
            + 4 * (LUT_LEN + INV_SQRT_LEN)
            + 2 * 256 * model.dims.d_model
            + 4;
        let mut bytes = SEED.to_vec();
        let field = |b: &[u8], at: usize| u32::from_le_bytes(le4(&b[at..]));
        assert_eq!(field(&bytes, at) as usize, model.blocks[0].in_x.inputs);
        assert_eq!(field(&bytes, at + 4) as usize, model.blocks[0].in_x.outputs);
        bytes[at..at + 4].copy_from_slice(&65536u32.to_le_bytes());
        bytes[at + 4..at + 8].copy_from_slice(&65536u32.to_le_bytes());
        let body = bytes.len() - 4;
        let crc = crc32fast::hash(&bytes[..body]);
        bytes[body..].copy_from_slice(&crc.to_le_bytes());
        bytes
    }

    #[test]
    fn each_version_holds_the_same_model_in_fewer_bytes() {
        let model = QuantizedModel::from_bytes(SEED).expect("seed loads");
        let v1 = model.to_bytes_version(MODEL_VERSION_FIXED);
        assert_eq!(v1, SEED, "version 1 is written byte for byte as before");
        let v2 = model.to_bytes_version(MODEL_VERSION_COMPACT);
        let v3 = model.to_bytes();
        for (bytes, version) in [(&v2, MODEL_VERSION_COMPACT), (&v3, MODEL_VERSION)] {
            assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), version);
            let back = QuantizedModel::from_bytes(bytes).expect("loads");
            assert_eq!(back.to_bytes_version(MODEL_VERSION_FIXED), v1);
            assert_eq!(&back.to_bytes_version(version), bytes);
        }
        assert!(
            v2.len() * 2 < v1.len(),
            "{} vs {} bytes",
            v2.len(),
            v1.len()
        );
        assert!(
            v3.len() * 4 < v2.len() * 3,
            "{} vs {} bytes",
            v3.len(),
            v2.len()
        );
    }

    #[test]
    fn a_packed_body_that_lies_is_refused_without_the_work() {
        let v3 = QuantizedModel::from_bytes(SEED).expect("seed").to_bytes();
        let with = |len: u32, stream: &[u8]| {
            let mut bytes = v3[..PREAMBLE].to_vec();
            bytes.extend_from_slice(&len.to_le_bytes());
            bytes.extend_from_slice(stream);
            let crc = crc32fast::hash(&bytes);
            bytes.extend_from_slice(&crc.to_le_bytes());
            QuantizedModel::from_bytes(&bytes)
        };
        let stream = &v3[PREAMBLE + 4..v3.len() - 4];
        assert!(matches!(
            with(u32::MAX, stream),
            Err(ModelFileError::Packed(_))
        ));
        assert!(matches!(
            with(1 << 20, &[0xff; 8]),
            Err(ModelFileError::Packed(_))
        ));
        // Fewer bytes than were packed: the model's fields end early, or the stream has
        // bytes left over.
        let len = u32::from_le_bytes(le4(&v3[PREAMBLE..]));
        assert!(with(len - 1, stream).is_err());
        assert!(with(len + 1, stream).is_err());
        assert!(with(len, stream).is_ok());
        let mut short = v3[..PREAMBLE + 2].to_vec();
        let crc = crc32fast::hash(&short);
        short.extend_from_slice(&crc.to_le_bytes());
        assert!(matches!(
            QuantizedModel::from_bytes(&short),
            Err(ModelFileError::Truncated(_))
        ));
    }

    #[test]
    fn varints_round_trip_at_their_extremes_and_refuse_malformed_bytes() {
        let values = [
            0,
            1,
            -1,
            63,
            -64,
            64,
            i64::from(i32::MAX),
            i64::from(i32::MIN),
        ];
        let mut w = Writer {
            out: Vec::new(),
            compact: true,
        };
        for v in values {
            w.varint(v);
        }
        w.varint(1 << 32);
        w.varint(-(1 << 32));
        let mut r = Reader {
            bytes: &w.out,
            at: 0,
            compact: true,
        };
        for v in values {
            assert_eq!(r.varint("test").expect("varint"), v);
        }
        assert_eq!(r.varint("test").expect("2^32"), 1 << 32);
        assert_eq!(r.varint("test").expect("-2^32"), -(1 << 32));
        assert_eq!(r.at, w.out.len());

        let read = |bytes: &[u8]| {
            Reader {
                bytes,
                at: 0,
                compact: true,
            }
            .varint("test")
        };
        assert!(matches!(
            read(&[0x80, 0x00]),
            Err(ModelFileError::Varint(_))
        ));
        assert!(matches!(read(&[0xff; 6]), Err(ModelFileError::Varint(_))));
        assert!(matches!(read(&[0x80]), Err(ModelFileError::Truncated(_))));
        let big = {
            let mut w = Writer {
                out: Vec::new(),
                compact: true,
            };
            w.varint(1 << 31);
            w.out
        };
        let mut r = Reader {
            bytes: &big,
            at: 0,
            compact: true,
        };
        assert!(matches!(r.i32s(1, "test"), Err(ModelFileError::Varint(_))));
    }

    #[test]
    fn tables_are_coded_as_differences() {
        let table: Vec<i32> = (0..LUT_LEN as i32)
            .map(|i| (i - 2048) * 1000 + i % 3)
            .collect();
        let mut w = Writer {
            out: Vec::new(),
            compact: true,
        };
        w.table(&table);
        // A near-linear table: one byte an entry after the first two.
        assert!(w.out.len() < LUT_LEN + 8, "{} bytes", w.out.len());
        let mut r = Reader {
            bytes: &w.out,
            at: 0,
            compact: true,
        };
        assert_eq!(r.table(LUT_LEN, "test").expect("table"), table);
    }

    #[test]
    fn a_layer_of_65536_by_65536_is_a_clean_error_on_every_target() {
        let hostile = with_huge_linear_layer();
        let error = QuantizedModel::from_bytes(&hostile).expect_err("refused");
        assert!(
            matches!(
                error,
                ModelFileError::Invalid(InvalidModel::SizeOutOfRange {
                    name: "in_x",
                    got: 65536,
                    max: Limits::FEATURES
                })
            ),
            "{error}"
        );
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(HUGE_LINEAR);
        if std::env::var_os("BOA_BLESS_REGRESSIONS").is_some() {
            std::fs::write(&path, &hostile).expect("write the regression input");
        }
        let kept = std::fs::read(&path).expect("the regression input is committed");
        assert_eq!(
            kept, hostile,
            "{HUGE_LINEAR} is not the hostile model this test makes"
        );
    }

    #[test]
    fn dimensions_beyond_the_limits_are_refused_before_any_allocation() {
        let mut bytes = SEED.to_vec();
        // d_inner (the fifth dimension) = u32::MAX.
        bytes[12 + 16..12 + 20].copy_from_slice(&u32::MAX.to_le_bytes());
        let body = bytes.len() - 4;
        let crc = crc32fast::hash(&bytes[..body]);
        bytes[body..].copy_from_slice(&crc.to_le_bytes());
        assert!(matches!(
            QuantizedModel::from_bytes(&bytes),
            Err(ModelFileError::Invalid(InvalidModel::SizeOutOfRange {
                name: "d_inner",
                ..
            }))
        ));
    }
}
