//! Charts for `boa eval --plots DIR`: how well the model predicted a file.
//!
//! [`write_plots`] turns one [`Prediction`] per coded byte into four PNG
//! charts:
//!
//! * `calibration.png`: reliability diagram (confidence of the top guess
//!   against how often it was right);
//! * `top-k.png`: top-k accuracy for k = 1..=10;
//! * `confusion.png`: actual against predicted byte for the most frequent
//!   bytes of the file;
//! * `bits-per-byte.png`: coding cost along the file.
//!
//! Text is drawn with DejaVu Sans embedded in the binary (see
//! `assets/DejaVu-LICENSE.txt`), so the charts need no system fonts.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, Glyph, PxScale, ScaleFont, point};
use anyhow::{Context, Result, bail};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, SegmentValue};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind};

/// What the model predicted for one byte of the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// The byte that came.
    pub actual: u8,
    /// The most probable byte (argmax of the distribution).
    pub predicted: u8,
    /// The probability given to `predicted`, in (0, 1].
    pub confidence: f64,
    /// Rank of `actual` in the distribution: 0 when it was the most probable.
    pub rank: u8,
    /// Bits the coder spends on this byte: −log2 p(actual).
    pub bits: f64,
}

/// Width of every chart, in pixels.
pub const WIDTH: u32 = 900;
/// Height of every chart, in pixels.
pub const HEIGHT: u32 = 600;

/// Number of confidence bins in the reliability diagram.
const CALIBRATION_BINS: usize = 10;
/// Largest k in the top-k chart.
const TOP_K: usize = 10;
/// Number of bytes in the confusion heat map.
const CONFUSION_BYTES: usize = 20;
/// The bits-per-byte window is the file length divided by this.
const WINDOW_DIVISOR: usize = 200;
/// At most this many points are drawn on the bits-per-byte line.
const MAX_LINE_POINTS: usize = 800;

/// Family name the embedded font is registered under (plotters' default).
const FONT_FAMILY: &str = "sans-serif";
/// DejaVu Sans, embedded so that headless machines need no fontconfig.
const FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

// Text sizes, in pixels.
const TITLE_SIZE: u32 = 24;
const AXIS_TITLE_SIZE: u32 = 17;
const LABEL_SIZE: u32 = 14;
const NOTE_SIZE: u32 = 13;

/// Bar and line colour (a muted blue).
const MAIN_COLOR: RGBColor = RGBColor(31, 119, 180);
/// Light fill for bars.
const BAR_COLOR: RGBColor = RGBColor(158, 202, 225);
/// Reference lines (diagonal, mean).
const REFERENCE_COLOR: RGBColor = RGBColor(214, 39, 40);
/// Frames and borders.
const GREY: RGBColor = RGBColor(128, 128, 128);
/// Darkest colour of the heat map scale (value 1).
const HEAT_DARK: RGBColor = RGBColor(8, 48, 107);

/// Writes calibration.png, top-k.png, confusion.png, bits-per-byte.png into
/// `dir` (created if missing); returns their paths.
///
/// # Errors
///
/// There are no predictions, the directory or a file cannot be written, or
/// the embedded font cannot be loaded.
pub fn write_plots(dir: &Path, predictions: &[Prediction], title: &str) -> Result<Vec<PathBuf>> {
    if predictions.is_empty() {
        bail!("nothing to plot: there are no predictions");
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create plot directory {}", dir.display()))?;
    let font = embedded_font()?;
    let charts: [(&str, ChartFn); 4] = [
        ("calibration.png", draw_calibration),
        ("top-k.png", draw_top_k),
        ("confusion.png", draw_confusion),
        ("bits-per-byte.png", draw_bits_per_byte),
    ];
    let mut paths = Vec::with_capacity(charts.len());
    for (name, draw) in charts {
        let path = dir.join(name);
        write_chart(&path, font, predictions, title, draw)
            .with_context(|| format!("cannot write {}", path.display()))?;
        paths.push(path);
    }
    Ok(paths)
}

/// Draws one chart on a drawing area.
type ChartFn = fn(&Area<'_>, &[Prediction], &str) -> Result<()>;
/// The drawing area every chart is drawn on.
type Area<'a> = DrawingArea<Canvas<'a>, Shift>;

/// Loads the embedded font and registers it with plotters, once per process.
fn embedded_font() -> Result<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).ok()?;
        FontRef::try_from_slice(FONT_BYTES).ok()
    })
    .as_ref()
    .context("the embedded DejaVu Sans font could not be loaded")
}

/// Renders one chart into a white PNG at `path`.
fn write_chart(
    path: &Path,
    font: &'static FontRef<'static>,
    predictions: &[Prediction],
    title: &str,
    draw: ChartFn,
) -> Result<()> {
    let inner = BitMapBackend::new(path, (WIDTH, HEIGHT));
    let root = Canvas { inner, font }.into_drawing_area();
    root.fill(&WHITE)?;
    draw(&root, predictions, title)?;
    root.present()?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Text rendering
// ---------------------------------------------------------------------------

/// Error type of the bitmap backend.
type CanvasError = DrawingErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>;

/// The bitmap backend with its own text rendering.
///
/// plotters 0.3.7 draws ab_glyph text without each glyph's side bearing,
/// which spaces letters unevenly ("2.11 0"); this wrapper lays text out with
/// ab_glyph itself (every text in the embedded font) and passes everything
/// else through.
struct Canvas<'a> {
    inner: BitMapBackend<'a>,
    font: &'static FontRef<'static>,
}

/// Glyphs of `text` set on one line at `size` px, baseline at the font's
/// ascent, with kerning; and the line's width.
fn layout_line(font: &FontRef<'static>, size: f64, text: &str) -> (Vec<Glyph>, f32) {
    let scaled = font.as_scaled(PxScale::from(size as f32));
    let mut caret = 0.0;
    let mut previous = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            caret += scaled.kern(previous, id);
        }
        glyphs.push(id.with_scale_and_position(scaled.scale(), point(caret, scaled.ascent())));
        caret += scaled.h_advance(id);
        previous = Some(id);
    }
    (glyphs, caret)
}

/// Width and height of the box `text` occupies at `size` px.
fn text_box(font: &FontRef<'static>, size: f64, text: &str) -> (i32, i32) {
    let (_, width) = layout_line(font, size, text);
    let height = font.as_scaled(PxScale::from(size as f32)).height();
    (width.ceil() as i32, height.ceil() as i32)
}

impl Canvas<'_> {
    /// Blends one glyph pixel at `offset` from the text's anchor `pos`.
    fn glyph_pixel(
        &mut self,
        pos: BackendCoord,
        offset: BackendCoord,
        color: BackendColor,
        coverage: f32,
    ) -> Result<(), CanvasError> {
        if coverage <= 0.0 {
            return Ok(());
        }
        let alpha = color.alpha * f64::from(coverage.min(1.0));
        let point = (pos.0 + offset.0, pos.1 + offset.1);
        self.inner.draw_pixel(
            point,
            BackendColor {
                alpha,
                rgb: color.rgb,
            },
        )
    }
}

impl DrawingBackend for Canvas<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), CanvasError> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), CanvasError> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), CanvasError> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), CanvasError> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), CanvasError> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), CanvasError> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), CanvasError> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), CanvasError> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), CanvasError> {
        let color = style.color();
        if color.alpha <= 0.0 {
            return Ok(());
        }
        let (width, height) = text_box(self.font, style.size(), text);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0,
            HPos::Center => -width / 2,
            HPos::Right => -width,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let (glyphs, _) = layout_line(self.font, style.size(), text);
        for glyph in glyphs {
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let (left, top) = (bounds.min.x as i32 + dx, bounds.min.y as i32 + dy);
            let mut pixels = Vec::new();
            outline.draw(|x, y, coverage| pixels.push((x as i32, y as i32, coverage)));
            for (x, y, coverage) in pixels {
                let offset = transform.transform(left + x, top + y);
                self.glyph_pixel(pos, offset, color, coverage)?;
            }
        }
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), CanvasError> {
        let (width, height) = text_box(self.font, style.size(), text);
        Ok((width.unsigned_abs(), height.unsigned_abs()))
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), CanvasError> {
        self.inner.blit_bitmap(pos, size, src)
    }
}

/// A chart with plain numeric axes.
type XyChart<'a, 'b> = ChartContext<'a, Canvas<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws the series legend in a framed, mostly opaque box.
fn draw_legend<'a, 'b: 'a>(
    chart: &mut XyChart<'a, 'b>,
    position: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT_FAMILY, NOTE_SIZE))
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .draw()?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Calibration
// ---------------------------------------------------------------------------

/// One non-empty confidence bin of the reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationBin {
    /// Lower edge of the bin (inclusive).
    pub lower: f64,
    /// Upper edge of the bin (exclusive, except 1.0 for the last bin).
    pub upper: f64,
    /// Number of predictions whose confidence fell in the bin.
    pub count: usize,
    /// Mean confidence of those predictions.
    pub mean_confidence: f64,
    /// Fraction of those predictions that were right (rank 0).
    pub accuracy: f64,
}

/// Bins the top-prediction confidences into `bins` equal bins over [0, 1];
/// empty bins are left out. A confidence of exactly 1.0 goes in the last bin.
pub fn calibration_bins(predictions: &[Prediction], bins: usize) -> Vec<CalibrationBin> {
    let bins = bins.max(1);
    let mut count = vec![0usize; bins];
    let mut correct = vec![0usize; bins];
    let mut confidence = vec![0f64; bins];
    for p in predictions {
        let c = if p.confidence.is_finite() {
            p.confidence.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let i = ((c * bins as f64) as usize).min(bins - 1);
        count[i] += 1;
        correct[i] += usize::from(p.rank == 0);
        confidence[i] += c;
    }
    (0..bins)
        .filter(|&i| count[i] > 0)
        .map(|i| CalibrationBin {
            lower: i as f64 / bins as f64,
            upper: (i + 1) as f64 / bins as f64,
            count: count[i],
            mean_confidence: confidence[i] / count[i] as f64,
            accuracy: correct[i] as f64 / count[i] as f64,
        })
        .collect()
}

/// Expected calibration error: count-weighted mean |accuracy − confidence|.
pub fn expected_calibration_error(bins: &[CalibrationBin]) -> f64 {
    let total: usize = bins.iter().map(|b| b.count).sum();
    if total == 0 {
        return 0.0;
    }
    let weighted: f64 = bins
        .iter()
        .map(|b| b.count as f64 * (b.accuracy - b.mean_confidence).abs())
        .sum();
    weighted / total as f64
}

fn draw_calibration(root: &Area<'_>, predictions: &[Prediction], title: &str) -> Result<()> {
    let bins = calibration_bins(predictions, CALIBRATION_BINS);
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{title}: calibration"), (FONT_FAMILY, TITLE_SIZE))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(65)
        // A little room past 1 so that points at (1, 1) are not clipped.
        .build_cartesian_2d(0f64..1.02f64, 0f64..1.03f64)?;
    chart
        .configure_mesh()
        .x_desc("confidence of the top prediction")
        .y_desc("observed accuracy (actual byte was the top prediction)")
        .axis_desc_style((FONT_FAMILY, AXIS_TITLE_SIZE))
        .label_style((FONT_FAMILY, LABEL_SIZE))
        .x_labels(11)
        .y_labels(11)
        .light_line_style(WHITE)
        .draw()?;
    chart
        .draw_series(bins.iter().map(|b| {
            Rectangle::new(
                [(b.lower + 0.005, 0.0), (b.upper - 0.005, b.accuracy)],
                BAR_COLOR.filled(),
            )
        }))?
        .label("accuracy in bin (number under bar = bytes in bin)")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], BAR_COLOR.filled()));
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, 0.0), (1.0, 1.0)],
            8,
            5,
            REFERENCE_COLOR.stroke_width(2),
        ))?
        .label("perfect calibration (y = x)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], REFERENCE_COLOR.stroke_width(2)));
    let total = predictions.len() as f64;
    let ece = expected_calibration_error(&bins);
    chart
        .draw_series(bins.iter().map(|b| {
            let radius = 3.0 + 9.0 * (b.count as f64 / total).sqrt();
            Circle::new(
                (b.mean_confidence, b.accuracy),
                radius as i32,
                MAIN_COLOR.filled(),
            )
        }))?
        .label(format!(
            "mean confidence vs accuracy (area ~ bytes); ECE = {ece:.3}"
        ))
        .legend(|(x, y)| Circle::new((x + 8, y), 5, MAIN_COLOR.filled()));
    draw_bin_counts(&mut chart, &bins)?;
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

/// Writes each bin's byte count at the foot of its bar.
fn draw_bin_counts(chart: &mut XyChart<'_, '_>, bins: &[CalibrationBin]) -> Result<()> {
    let note_style = TextStyle::from((FONT_FAMILY, NOTE_SIZE).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(bins.iter().map(|b| {
        Text::new(
            compact_count(b.count),
            ((b.lower + b.upper) / 2.0, 0.01),
            note_style.clone(),
        )
    }))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Top-k accuracy
// ---------------------------------------------------------------------------

/// Top-k accuracy for k = 1..=`max_k`: the fraction of bytes whose rank is
/// below k. Empty input gives zeros.
pub fn top_k_accuracy(predictions: &[Prediction], max_k: usize) -> Vec<f64> {
    let mut by_rank = [0usize; 256];
    for p in predictions {
        by_rank[usize::from(p.rank)] += 1;
    }
    let total = predictions.len().max(1) as f64;
    let mut cumulative = 0usize;
    (0..max_k)
        .map(|rank| {
            cumulative += by_rank.get(rank).copied().unwrap_or(0);
            cumulative as f64 / total
        })
        .collect()
}

fn draw_top_k(root: &Area<'_>, predictions: &[Prediction], title: &str) -> Result<()> {
    let accuracy = top_k_accuracy(predictions, TOP_K);
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{title}: top-k accuracy"),
            (FONT_FAMILY, TITLE_SIZE),
        )
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(65)
        .build_cartesian_2d((1..TOP_K as i32).into_segmented(), 0f64..1f64)?; // 1..=TOP_K
    chart
        .configure_mesh()
        .x_desc("k")
        .y_desc("fraction of bytes ranked in the top k")
        .axis_desc_style((FONT_FAMILY, AXIS_TITLE_SIZE))
        .label_style((FONT_FAMILY, LABEL_SIZE))
        .x_labels(TOP_K)
        .y_labels(11)
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_label_formatter(&|v| segment_label(v, |k| k.to_string()))
        .draw()?;
    let bars = (1..).zip(accuracy.iter().copied());
    chart.draw_series(bars.clone().map(|(k, a)| {
        let mut bar = Rectangle::new(
            [
                (SegmentValue::Exact(k), 0.0),
                (SegmentValue::Exact(k + 1), a),
            ],
            BAR_COLOR.filled(),
        );
        bar.set_margin(0, 0, 8, 8);
        bar
    }))?;
    chart.draw_series(bars.map(|(k, a)| {
        // Inside the bar's top when it is tall enough, above it otherwise.
        let (y, vpos) = if a > 0.1 {
            (a - 0.01, VPos::Top)
        } else {
            (a + 0.01, VPos::Bottom)
        };
        let style = TextStyle::from((FONT_FAMILY, LABEL_SIZE).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, vpos));
        Text::new(
            format!("{:.1}%", a * 100.0),
            (SegmentValue::CenterOf(k), y),
            style,
        )
    }))?;
    Ok(())
}

/// Labels a segment's centre with `label`; segment edges get no label.
fn segment_label(value: &SegmentValue<i32>, label: impl Fn(i32) -> String) -> String {
    match value {
        SegmentValue::CenterOf(v) => label(*v),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------
// Confusion heat map
// ---------------------------------------------------------------------------

/// Byte confusion among the most frequent actual bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Confusion {
    /// The bytes, most frequent first (ties by byte value).
    pub bytes: Vec<u8>,
    /// `cells[row][col]`: fraction of the occurrences of `bytes[row]` for
    /// which the model's top prediction was `bytes[col]`. A row sums to at
    /// most 1: predictions of other bytes count but are not shown.
    pub cells: Vec<Vec<f64>>,
}

/// Confusion between the `limit` most frequent actual bytes.
pub fn confusion(predictions: &[Prediction], limit: usize) -> Confusion {
    let mut counts = vec![[0usize; 256]; 256];
    let mut frequency = [0usize; 256];
    for p in predictions {
        frequency[usize::from(p.actual)] += 1;
        counts[usize::from(p.actual)][usize::from(p.predicted)] += 1;
    }
    let mut bytes: Vec<u8> = (0..=u8::MAX)
        .filter(|&b| frequency[usize::from(b)] > 0)
        .collect();
    bytes.sort_by_key(|&b| (std::cmp::Reverse(frequency[usize::from(b)]), b));
    bytes.truncate(limit);
    let cells = bytes
        .iter()
        .map(|&row| {
            let total = frequency[usize::from(row)] as f64;
            let row = &counts[usize::from(row)];
            bytes
                .iter()
                .map(|&col| row[usize::from(col)] as f64 / total)
                .collect()
        })
        .collect();
    Confusion { bytes, cells }
}

/// Colour of a heat map cell holding `value` in [0, 1]: white to dark blue.
fn heat_color(value: f64) -> RGBColor {
    let t = value.clamp(0.0, 1.0).sqrt();
    let mix =
        |low: u8, high: u8| (f64::from(low) + (f64::from(high) - f64::from(low)) * t).round() as u8;
    RGBColor(
        mix(255, HEAT_DARK.0),
        mix(255, HEAT_DARK.1),
        mix(255, HEAT_DARK.2),
    )
}

fn draw_confusion(root: &Area<'_>, predictions: &[Prediction], title: &str) -> Result<()> {
    let confusion = confusion(predictions, CONFUSION_BYTES);
    let n = confusion.bytes.len();
    let which = if n < CONFUSION_BYTES {
        format!("{} in the file", plural(n, "distinct byte"))
    } else {
        format!("{n} most frequent bytes")
    };
    let root = root.titled(
        &format!("{title}: byte confusion ({which})"),
        (FONT_FAMILY, TITLE_SIZE),
    )?;
    let (main, legend) = root.split_horizontally(WIDTH - 110);
    draw_heat_map(&main, &confusion)?;
    draw_heat_legend(&legend)?;
    Ok(())
}

/// Cells of the heat map as (column, row from the bottom, value): row 0,
/// the most frequent byte, is drawn at the top.
fn heat_cells(confusion: &Confusion) -> impl Iterator<Item = (f64, f64, f64)> + Clone + '_ {
    let n = confusion.cells.len();
    confusion
        .cells
        .iter()
        .enumerate()
        .flat_map(move |(row, values)| {
            let y = (n - 1 - row) as f64;
            values
                .iter()
                .enumerate()
                .map(move |(col, &v)| (col as f64, y, v))
        })
}

/// Heat map axis: `n` cells over [0, n), ticks at the cell centres (so a
/// tick's floor is its cell's index).
#[derive(Debug, Clone, Copy)]
struct CellAxis(usize);

impl Ranged for CellAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = f64::from(limit.1 - limit.0);
        limit.0 + (value / self.0.max(1) as f64 * span).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        (0..self.0).map(|i| i as f64 + 0.5).collect()
    }

    fn range(&self) -> Range<f64> {
        0.0..self.0 as f64
    }
}

fn draw_heat_map(area: &Area<'_>, confusion: &Confusion) -> Result<()> {
    let n = confusion.bytes.len();
    let bytes = &confusion.bytes;
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(50)
        .y_label_area_size(75)
        .build_cartesian_2d(CellAxis(n), CellAxis(n))?;
    let hex = |i: Option<usize>| match i.and_then(|i| bytes.get(i)) {
        Some(b) => format!("0x{b:02x}"),
        None => String::new(),
    };
    let column = |x: f64| Some(x.floor() as usize);
    let row = |y: f64| n.checked_sub(1 + y.floor() as usize);
    chart
        .configure_mesh()
        .x_desc("predicted byte (top prediction)")
        .y_desc("actual byte (rows sum to 1 over all predictions)")
        .axis_desc_style((FONT_FAMILY, AXIS_TITLE_SIZE))
        .label_style((FONT_FAMILY, 12))
        .x_labels(n)
        .y_labels(n)
        .disable_mesh()
        .x_label_formatter(&|&x| hex(column(x)))
        .y_label_formatter(&|&y| hex(row(y)))
        .draw()?;
    chart
        .draw_series(heat_cells(confusion).map(|(x, y, v)| {
            Rectangle::new([(x, y), (x + 1.0, y + 1.0)], heat_color(v).filled())
        }))?;
    let text_size = if n > 12 { 11 } else { 14 };
    let labelled = heat_cells(confusion).filter(|&(_, _, v)| v >= 0.005);
    chart.draw_series(labelled.map(|(x, y, v)| {
        let color: &'static RGBColor = if v > 0.4 { &WHITE } else { &BLACK };
        let style = TextStyle::from((FONT_FAMILY, text_size).into_font())
            .color(color)
            .pos(Pos::new(HPos::Center, VPos::Center));
        Text::new(format!("{v:.2}"), (x + 0.5, y + 0.5), style)
    }))?;
    Ok(())
}

/// Vertical colour scale for the heat map.
fn draw_heat_legend(area: &Area<'_>) -> Result<()> {
    const STEPS: usize = 100;
    let mut chart = ChartBuilder::on(area)
        .margin_top(10)
        .margin_bottom(60)
        .margin_right(45)
        .y_label_area_size(0)
        .right_y_label_area_size(40)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .label_style((FONT_FAMILY, 12))
        .draw()?;
    chart.draw_series((0..STEPS).map(|i| {
        let low = i as f64 / STEPS as f64;
        let high = (i + 1) as f64 / STEPS as f64;
        Rectangle::new(
            [(0.0, low), (1.0, high)],
            heat_color((low + high) / 2.0).filled(),
        )
    }))?;
    chart.draw_series([Rectangle::new(
        [(0.0, 0.0), (1.0, 1.0)],
        GREY.stroke_width(1),
    )])?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Bits per byte along the file
// ---------------------------------------------------------------------------

/// The moving-average window for a file of `len` bytes.
pub fn bits_window(len: usize) -> usize {
    (len / WINDOW_DIVISOR).max(1)
}

/// Trailing moving average of `bits` over `window` bytes, as
/// (offset of the window's last byte, mean bits). Keeps about
/// `max_points` points, always including the last full window.
pub fn moving_average(bits: &[f64], window: usize, max_points: usize) -> Vec<(f64, f64)> {
    let window = window.clamp(1, bits.len().max(1));
    if bits.len() < window {
        return Vec::new();
    }
    let first = window - 1;
    let stride = ((bits.len() - first) / max_points.max(1)).max(1);
    let mut sum: f64 = bits[..window].iter().sum();
    let mut points = Vec::with_capacity((bits.len() - first) / stride + 2);
    for end in first..bits.len() {
        if end > first {
            sum += bits[end] - bits[end - window];
        }
        if (end - first).is_multiple_of(stride) || end + 1 == bits.len() {
            points.push((end as f64, sum / window as f64));
        }
    }
    points
}

fn draw_bits_per_byte(root: &Area<'_>, predictions: &[Prediction], title: &str) -> Result<()> {
    let bits: Vec<f64> = predictions.iter().map(|p| p.bits).collect();
    let window = bits_window(bits.len());
    let points = moving_average(&bits, window, MAX_LINE_POINTS);
    let mean = bits.iter().sum::<f64>() / bits.len() as f64;
    let top = points.iter().map(|&(_, y)| y).fold(mean, f64::max);
    let y_max = if top.is_finite() && top > 0.0 {
        top * 1.15
    } else {
        1.0
    };
    let x_max = bits.len().max(2) as f64 - 1.0;
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{title}: bits per byte along the file"),
            (FONT_FAMILY, TITLE_SIZE),
        )
        .margin(15)
        .margin_right(30)
        .x_label_area_size(50)
        .y_label_area_size(65)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("byte offset")
        .y_desc("bits per byte")
        .axis_desc_style((FONT_FAMILY, AXIS_TITLE_SIZE))
        .label_style((FONT_FAMILY, LABEL_SIZE))
        .light_line_style(WHITE)
        .x_label_formatter(&offset_label)
        .draw()?;
    chart
        .draw_series(LineSeries::new(points, MAIN_COLOR.stroke_width(2)))?
        .label(format!("moving average over {}", plural(window, "byte")))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], MAIN_COLOR.stroke_width(2)));
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, mean), (x_max, mean)],
            10,
            6,
            REFERENCE_COLOR.stroke_width(2),
        ))?
        .label(format!(
            "mean {mean:.3} bits/byte over {}",
            plural(bits.len(), "byte")
        ))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], REFERENCE_COLOR.stroke_width(2)));
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// Tick label for a byte offset: whole offsets only (short files get
/// fractional ticks).
fn offset_label(x: &f64) -> String {
    if x.fract() == 0.0 && *x >= 0.0 {
        compact_count(*x as usize)
    } else {
        String::new()
    }
}

/// "1 byte", "12.3k bytes": a compact count and a noun, plural unless 1.
fn plural(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", compact_count(n))
}

/// Formats a count compactly: 950, 12.3k, 4.56M, 1.2G.
fn compact_count(n: usize) -> String {
    let x = n as f64;
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => trim_number(x / 1e3, "k"),
        1_000_000..1_000_000_000 => trim_number(x / 1e6, "M"),
        _ => trim_number(x / 1e9, "G"),
    }
}

/// `value` with up to three significant digits and `suffix`, no trailing zeros.
fn trim_number(value: f64, suffix: &str) -> String {
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{suffix}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn prediction(actual: u8, predicted: u8, confidence: f64, rank: u8, bits: f64) -> Prediction {
        Prediction {
            actual,
            predicted,
            confidence,
            rank,
            bits,
        }
    }

    /// A deterministic pseudo-random stream (xorshift) in [0, 1).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Text-like bytes from a skewed distribution and a model that is right
    /// roughly 70% of the time, slightly over-confident, with bits that
    /// drift down along the file.
    pub(super) fn synthetic(n: usize) -> Vec<Prediction> {
        const ALPHABET: &[u8] = b"     eeeetttaaoinshrdlcumwfgypbvk.,\nETAOI0123456789";
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        (0..n)
            .map(|i| {
                let u = rng.next();
                let index = ((u * u) * ALPHABET.len() as f64) as usize % ALPHABET.len();
                let actual = ALPHABET[index];
                let progress = i as f64 / n as f64;
                let confidence = (0.3 + 0.7 * rng.next()).min(1.0);
                let right = rng.next() < confidence * 0.85 + 0.1 * progress;
                let (predicted, rank) = if right {
                    (actual, 0)
                } else {
                    let wrong =
                        ALPHABET[(index + 1 + (rng.next() * 5.0) as usize) % ALPHABET.len()];
                    (wrong, 1 + (rng.next() * rng.next() * 30.0) as u8)
                };
                let p = if rank == 0 {
                    confidence
                } else {
                    (1.0 - confidence) / (2.0 + f64::from(rank))
                };
                let bits = -p.max(1e-6).log2() * (1.2 - 0.4 * progress);
                prediction(actual, predicted, confidence, rank, bits)
            })
            .collect()
    }

    fn png_size(path: &Path) -> (u32, u32) {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(
            &bytes[..8],
            b"\x89PNG\r\n\x1a\n",
            "{} is not a PNG",
            path.display()
        );
        let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        (width, height)
    }

    fn check_plots(predictions: &[Prediction]) {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("plots");
        let paths = write_plots(&out, predictions, "test.txt").unwrap();
        let names: Vec<_> = paths
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "calibration.png",
                "top-k.png",
                "confusion.png",
                "bits-per-byte.png"
            ]
        );
        for path in &paths {
            assert!(path.starts_with(&out));
            assert_eq!(png_size(path), (WIDTH, HEIGHT));
        }
    }

    #[test]
    fn writes_four_pngs() {
        check_plots(&synthetic(20_000));
    }

    #[test]
    fn handles_degenerate_inputs() {
        check_plots(&[prediction(b'a', b'a', 1.0, 0, 0.0)]);
        check_plots(&vec![prediction(b'x', b'x', 1.0, 0, 0.0); 50]);
        let few: Vec<_> = (0..300u32)
            .map(|i| prediction((i % 3) as u8, 0, 0.5, (i % 3) as u8, 1.0))
            .collect();
        check_plots(&few);
        let odd = [
            prediction(1, 2, f64::NAN, 255, f64::INFINITY),
            prediction(2, 2, 1.5, 0, f64::NAN),
        ];
        check_plots(&odd);
    }

    #[test]
    fn empty_input_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_plots(dir.path(), &[], "empty").unwrap_err();
        assert!(err.to_string().contains("nothing to plot"), "{err}");
    }

    #[test]
    fn top_k_fractions() {
        let ranks = [0u8, 0, 0, 1, 2, 2, 5, 9, 10, 255];
        let predictions: Vec<_> = ranks
            .iter()
            .map(|&r| prediction(0, 0, 0.5, r, 1.0))
            .collect();
        assert_eq!(
            top_k_accuracy(&predictions, 10),
            [0.3, 0.4, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7, 0.8]
        );
        assert_eq!(top_k_accuracy(&[], 3), [0.0, 0.0, 0.0]);
    }

    #[test]
    fn calibration_bins_skip_empty_and_keep_one_in_last_bin() {
        let predictions = [
            prediction(0, 0, 0.05, 0, 1.0),
            prediction(0, 0, 0.05, 3, 1.0),
            prediction(0, 0, 0.55, 0, 1.0),
            prediction(0, 0, 1.0, 0, 1.0),
            prediction(0, 0, 0.95, 1, 1.0),
        ];
        let bins = calibration_bins(&predictions, 10);
        assert_eq!(bins.len(), 3);
        assert_eq!(
            (
                bins[0].lower,
                bins[0].upper,
                bins[0].count,
                bins[0].accuracy
            ),
            (0.0, 0.1, 2, 0.5)
        );
        assert!((bins[0].mean_confidence - 0.05).abs() < 1e-12);
        assert_eq!(
            (bins[1].lower, bins[1].count, bins[1].accuracy),
            (0.5, 1, 1.0)
        );
        assert_eq!(
            (
                bins[2].lower,
                bins[2].upper,
                bins[2].count,
                bins[2].accuracy
            ),
            (0.9, 1.0, 2, 0.5)
        );
        assert!((bins[2].mean_confidence - 0.975).abs() < 1e-12);
        let ece = expected_calibration_error(&bins);
        assert!((ece - (2.0 * 0.45 + 0.45 + 2.0 * 0.475) / 5.0).abs() < 1e-12);
    }

    #[test]
    fn confusion_orders_by_frequency_and_normalises_over_all_predictions() {
        let mut predictions = vec![prediction(b'b', b'b', 0.5, 0, 1.0); 3];
        predictions.push(prediction(b'b', b'z', 0.5, 1, 1.0));
        predictions.push(prediction(b'a', b'b', 0.5, 1, 1.0));
        predictions.push(prediction(b'c', b'c', 0.5, 0, 1.0));
        predictions.push(prediction(b'a', b'a', 0.5, 0, 1.0));
        let c = confusion(&predictions, 2);
        assert_eq!(c.bytes, [b'b', b'a']);
        assert_eq!(c.cells, [[0.75, 0.0], [0.5, 0.5]]);
        assert_eq!(confusion(&predictions, 20).bytes, [b'b', b'a', b'c']);
    }

    #[test]
    fn moving_average_and_window() {
        assert_eq!(bits_window(0), 1);
        assert_eq!(bits_window(199), 1);
        assert_eq!(bits_window(1000), 5);
        let bits = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(
            moving_average(&bits, 2, 100),
            [(1.0, 1.5), (2.0, 2.5), (3.0, 3.5), (4.0, 4.5)]
        );
        assert_eq!(
            moving_average(&bits, 2, 2),
            [(1.0, 1.5), (3.0, 3.5), (4.0, 4.5)]
        );
        assert_eq!(moving_average(&bits, 9, 100), [(4.0, 3.0)]);
        assert_eq!(moving_average(&[], 1, 100), []);
    }

    #[test]
    fn compact_counts() {
        assert_eq!(compact_count(950), "950");
        assert_eq!(compact_count(1000), "1k");
        assert_eq!(compact_count(12_345), "12.3k");
        assert_eq!(compact_count(4_560_000), "4.56M");
        assert_eq!(compact_count(250_000_000), "250M");
    }

    /// Writes charts for visual inspection: `PLOTS_CHECK_DIR=/tmp/x cargo test`.
    #[test]
    fn write_for_inspection() {
        let Some(dir) = std::env::var_os("PLOTS_CHECK_DIR") else {
            return;
        };
        let dir = Path::new(&dir);
        write_plots(dir, &synthetic(200_000), "synthetic.txt").unwrap();
        let same = vec![prediction(b'x', b'x', 1.0, 0, 0.0); 50];
        write_plots(&dir.join("identical"), &same, "identical").unwrap();
        let few: Vec<_> = (0..300u32)
            .map(|i| prediction((i % 3) as u8, 0, 0.5, (i % 3) as u8, 1.0 + f64::from(i % 7)))
            .collect();
        write_plots(&dir.join("three"), &few, "three bytes").unwrap();
    }
}
