//! Text rendering for the charts: DejaVu Sans embedded in the binary and
//! registered with plotters once per process ([`embedded_font`]), and
//! [`Canvas`], a wrapper around plotters' bitmap backend that lays text out
//! with ab_glyph itself (`layout_line`, `text_box`) and passes every other
//! drawing call through.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, Glyph, PxScale, ScaleFont, point};
use anyhow::{Context, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind};

/// Family name the embedded font is registered under (plotters' default).
pub(super) const FONT_FAMILY: &str = "sans-serif";
/// DejaVu Sans, embedded so that headless machines need no fontconfig.
const FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Loads the embedded font and registers it with plotters, once per process.
pub(super) fn embedded_font() -> Result<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).ok()?;
        FontRef::try_from_slice(FONT_BYTES).ok()
    })
    .as_ref()
    .context("the embedded DejaVu Sans font could not be loaded")
}

/// Error type of the bitmap backend.
type CanvasError = DrawingErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>;

/// The bitmap backend with its own text rendering.
///
/// plotters 0.3.7 draws ab_glyph text without each glyph's side bearing,
/// which spaces letters unevenly ("2.11 0"); this wrapper lays text out with
/// ab_glyph itself (every text in the embedded font) and passes everything
/// else through.
pub(super) struct Canvas<'a> {
    inner: BitMapBackend<'a>,
    font: &'static FontRef<'static>,
}

impl<'a> Canvas<'a> {
    /// Wraps `inner`, drawing all text in `font`.
    pub(super) fn new(inner: BitMapBackend<'a>, font: &'static FontRef<'static>) -> Self {
        Self { inner, font }
    }
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
