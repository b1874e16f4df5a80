//! The four charts of `boa eval --plots`: reliability diagram, top-k
//! accuracy, byte confusion heat map and bits per byte along the file, each a
//! `draw_*` function that draws on one [`Area`], with the small drawing
//! helpers they share (legend, tick labels, heat map colours and axis). The
//! numbers they show come from [`super::stats`].

use std::ops::Range;

use anyhow::Result;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, SegmentValue};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{Canvas, FONT_FAMILY};
use super::stats::{
    CalibrationBin, Confusion, bits_window, calibration_bins, compact_count, confusion,
    expected_calibration_error, moving_average, plural, top_k_accuracy,
};
use super::{
    AXIS_TITLE_SIZE, Area, BAR_COLOR, CALIBRATION_BINS, CONFUSION_BYTES, GREY, HEAT_DARK,
    LABEL_SIZE, MAIN_COLOR, MAX_LINE_POINTS, NOTE_SIZE, Prediction, REFERENCE_COLOR, TITLE_SIZE,
    TOP_K, WIDTH,
};

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

pub(super) fn draw_calibration(
    root: &Area<'_>,
    predictions: &[Prediction],
    title: &str,
) -> Result<()> {
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

pub(super) fn draw_top_k(root: &Area<'_>, predictions: &[Prediction], title: &str) -> Result<()> {
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

pub(super) fn draw_confusion(
    root: &Area<'_>,
    predictions: &[Prediction],
    title: &str,
) -> Result<()> {
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

pub(super) fn draw_bits_per_byte(
    root: &Area<'_>,
    predictions: &[Prediction],
    title: &str,
) -> Result<()> {
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
