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

mod canvas;
mod charts;
mod stats;

use std::path::{Path, PathBuf};

use ab_glyph::FontRef;
use anyhow::{Context, Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;

use canvas::{Canvas, embedded_font};

/// What the model predicted for one byte of the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Prediction {
    /// The byte that came.
    pub(crate) actual: u8,
    /// The most probable byte (argmax of the distribution).
    pub(crate) predicted: u8,
    /// The probability given to `predicted`, in (0, 1].
    pub(crate) confidence: f64,
    /// Rank of `actual` in the distribution: 0 when it was the most probable.
    pub(crate) rank: u8,
    /// Bits the coder spends on this byte: −log2 p(actual).
    pub(crate) bits: f64,
}

/// Width of every chart, in pixels.
const WIDTH: u32 = 900;
/// Height of every chart, in pixels.
const HEIGHT: u32 = 600;

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
pub(crate) fn write_plots(
    dir: &Path,
    predictions: &[Prediction],
    title: &str,
) -> Result<Vec<PathBuf>> {
    if predictions.is_empty() {
        bail!("nothing to plot: there are no predictions");
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create plot directory {}", dir.display()))?;
    let font = embedded_font()?;
    let charts: [(&str, ChartFn); 4] = [
        ("calibration.png", charts::draw_calibration),
        ("top-k.png", charts::draw_top_k),
        ("confusion.png", charts::draw_confusion),
        ("bits-per-byte.png", charts::draw_bits_per_byte),
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

/// Renders one chart into a white PNG at `path`.
fn write_chart(
    path: &Path,
    font: &'static FontRef<'static>,
    predictions: &[Prediction],
    title: &str,
    draw: ChartFn,
) -> Result<()> {
    let inner = BitMapBackend::new(path, (WIDTH, HEIGHT));
    let root = Canvas::new(inner, font).into_drawing_area();
    root.fill(&WHITE)?;
    draw(&root, predictions, title)?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn prediction(
        actual: u8,
        predicted: u8,
        confidence: f64,
        rank: u8,
        bits: f64,
    ) -> Prediction {
        Prediction {
            actual,
            predicted,
            confidence,
            rank,
            bits,
        }
    }

    /// Text-like bytes from a skewed distribution and a model that is right
    /// roughly 70% of the time, slightly over-confident, with bits that
    /// drift down along the file.
    pub(super) fn synthetic(n: usize) -> Vec<Prediction> {
        const ALPHABET: &[u8] = b"     eeeetttaaoinshrdlcumwfgypbvk.,\nETAOI0123456789";
        let mut rng = boa_core::rng::XorShift64::new(0x9E37_79B9_7F4A_7C15);
        (0..n)
            .map(|i| {
                let u = rng.next_f64();
                let index = ((u * u) * ALPHABET.len() as f64) as usize % ALPHABET.len();
                let actual = ALPHABET[index];
                let progress = i as f64 / n as f64;
                let confidence = (0.3 + 0.7 * rng.next_f64()).min(1.0);
                let right = rng.next_f64() < confidence * 0.85 + 0.1 * progress;
                let (predicted, rank) = if right {
                    (actual, 0)
                } else {
                    let wrong =
                        ALPHABET[(index + 1 + (rng.next_f64() * 5.0) as usize) % ALPHABET.len()];
                    (wrong, 1 + (rng.next_f64() * rng.next_f64() * 30.0) as u8)
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

    /// Pixels of a PNG as RGB(A) bytes, and the bytes per pixel.
    fn pixels(path: &Path) -> (Vec<u8>, usize) {
        let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
        let mut reader = png::Decoder::new(file).read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buffer).unwrap();
        buffer.truncate(info.buffer_size());
        (buffer, info.color_type.samples())
    }

    /// Share of pixels that are not the background (the top-left pixel's colour).
    fn ink(path: &Path) -> f64 {
        let (bytes, samples) = pixels(path);
        let background = &bytes[..samples];
        let drawn = bytes
            .chunks_exact(samples)
            .filter(|p| *p != background)
            .count();
        drawn as f64 / (bytes.len() / samples) as f64
    }

    /// Draws every chart for three inputs and checks that each shows something (axes,
    /// labels and data: not a blank canvas) and that different data give different
    /// charts. `PLOTS_CHECK_DIR=/tmp/x cargo test` keeps them for looking at.
    #[test]
    fn charts_show_their_data() {
        let temp = tempfile::tempdir().unwrap();
        let dir = std::env::var_os("PLOTS_CHECK_DIR")
            .map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
        let same = vec![prediction(b'x', b'x', 1.0, 0, 0.0); 50];
        let few: Vec<_> = (0..300u32)
            .map(|i| prediction((i % 3) as u8, 0, 0.5, (i % 3) as u8, 1.0 + f64::from(i % 7)))
            .collect();
        let mut sets = Vec::new();
        for (name, predictions) in [
            ("synthetic", synthetic(200_000)),
            ("identical", same),
            ("three", few),
        ] {
            let paths = write_plots(&dir.join(name), &predictions, name).unwrap();
            for path in &paths {
                let share = ink(path);
                assert!(
                    share > 0.01,
                    "{}: only {share:.4} of it drawn",
                    path.display()
                );
            }
            sets.push(paths);
        }
        for chart in 0..4 {
            let bytes: Vec<Vec<u8>> = sets
                .iter()
                .map(|paths| std::fs::read(&paths[chart]).unwrap())
                .collect();
            assert!(
                bytes[0] != bytes[1] && bytes[1] != bytes[2],
                "chart {chart} does not depend on its data"
            );
        }
    }
}
