//! The report's pictures: the learning curve, the confusion matrix as a heat map, and an RBM's
//! hidden units as small images, each drawn on any plotters backend (SVG and PNG).

use anyhow::{Result, bail};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordi64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Components, Confusion, CurveText, Picture, ReportInput, plot_error};

const WIDTH: u32 = 800;
const PANEL_HEIGHT: u32 = 420;
const VALIDATION_PANEL_HEIGHT: u32 = 300;
const LOSS_COLOR: RGBColor = RGBColor(31, 119, 180);
const VALIDATION_COLOR: RGBColor = RGBColor(214, 96, 0);
const NOTE_COLOR: RGBColor = RGBColor(90, 90, 90);
const MAX_MARKED_POINTS: usize = 60;

/// The loss curve, with the validation score in a second panel below it when there is one.
#[derive(Debug)]
pub(super) struct LossPlot<'a> {
    loss: &'a [f64],
    validation: Option<(&'a [f64], &'a str)>,
    text: CurveText<'a>,
}

impl<'a> LossPlot<'a> {
    pub(super) fn new(input: &ReportInput<'a>) -> Self {
        let validation = input.validation_scores.filter(|v| !v.is_empty()).map(|v| (v, input.validation_label));
        LossPlot { loss: input.loss_curve, validation, text: input.curve }
    }

    pub(super) fn has_curve(&self) -> bool {
        !self.loss.is_empty()
    }
}

impl Picture for LossPlot<'_> {
    fn size(&self) -> (u32, u32) {
        match (self.has_curve(), self.validation) {
            (false, _) => (WIDTH, 120),
            (true, None) => (WIDTH, PANEL_HEIGHT),
            (true, Some(_)) => (WIDTH, PANEL_HEIGHT + VALIDATION_PANEL_HEIGHT),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        area.fill(&WHITE).map_err(plot_error)?;
        if !self.has_curve() {
            return draw_note(area, self.text.missing);
        }
        let text = self.text;
        let loss =
            Curve { title: text.title, y_label: text.y_label, values: self.loss, color: LOSS_COLOR, log: text.log };
        match self.validation {
            None => loss.draw(area),
            Some((values, label)) => {
                let (top, bottom) = area.split_vertically(PANEL_HEIGHT);
                loss.draw(&top)?;
                let title = capitalized(label);
                Curve { title: &title, y_label: label, values, color: VALIDATION_COLOR, log: false }.draw(&bottom)
            }
        }
    }
}

/// One value per epoch, drawn as a line (and dots when there are few epochs).
#[derive(Debug)]
struct Curve<'a> {
    title: &'a str,
    y_label: &'a str,
    values: &'a [f64],
    color: RGBColor,
    /// Use a logarithmic y axis when the values are positive and span more than a decade.
    log: bool,
}

impl Curve<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        // A diverged fit can have infinite or NaN losses: they are left out, not drawn off-scale.
        let points: Vec<(i64, f64)> =
            (1i64..).zip(self.values.iter().copied()).filter(|(_, v)| v.is_finite()).collect();
        let (Some(low), Some(high)) =
            (points.iter().map(|p| p.1).min_by(f64::total_cmp), points.iter().map(|p| p.1).max_by(f64::total_cmp))
        else {
            return draw_note(area, &format!("{}: no finite value to draw.", self.title));
        };
        let epochs = i64::try_from(self.values.len()).unwrap_or(i64::MAX);
        // One epoch still needs an axis with some width, with the point in its middle.
        let x_range = if epochs == 1 { 0..2 } else { 1..epochs };

        let mut builder = ChartBuilder::on(area);
        builder
            .caption(self.title, ("sans-serif", 22))
            .margin(12)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(72);
        if self.log && low > 0.0 && high / low > 10.0 {
            // Pad by a twentieth of the span on the log scale, so the curve does not touch the frame.
            let pad = (high / low).powf(0.05);
            let chart = builder.build_cartesian_2d(x_range, (low / pad..high * pad).log_scale()).map_err(plot_error)?;
            self.draw_on(chart, &points, &format!("{} (log scale)", self.y_label))
        } else {
            let pad = if high > low { (high - low) * 0.05 } else { low.abs().max(1.0) * 0.05 };
            let chart = builder.build_cartesian_2d(x_range, low - pad..high + pad).map_err(plot_error)?;
            self.draw_on(chart, &points, self.y_label)
        }
    }

    fn draw_on<DB: DrawingBackend, Y: Ranged<ValueType = f64> + ValueFormatter<f64>>(
        &self,
        mut chart: ChartContext<'_, DB, Cartesian2d<RangedCoordi64, Y>>,
        points: &[(i64, f64)],
        y_label: &str,
    ) -> Result<()> {
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc(y_label)
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&|x| x.to_string())
            .y_label_formatter(&|y| tick_label(*y))
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 14))
            .light_line_style(RGBColor(246, 246, 246))
            .bold_line_style(RGBColor(222, 222, 222))
            .draw()
            .map_err(plot_error)?;
        chart.draw_series(LineSeries::new(points.iter().copied(), self.color.stroke_width(2))).map_err(plot_error)?;
        if self.values.len() <= MAX_MARKED_POINTS {
            chart
                .draw_series(points.iter().map(|&point| Circle::new(point, 3, self.color.filled())))
                .map_err(plot_error)?;
        }
        Ok(())
    }
}

/// A tick label with a few significant digits: "0.25", "1.5e-4", "12000".
pub(super) fn tick_label(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 {
        "0".to_owned()
    } else if !(1e-3..1e5).contains(&magnitude) {
        let text = format!("{value:.2e}");
        // "1.50e-4" reads better as "1.5e-4", and "1.00e-4" as "1e-4".
        match text.split_once('e') {
            Some((mantissa, exponent)) if mantissa.contains('.') => {
                format!("{}e{exponent}", mantissa.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => text,
        }
    } else {
        let decimals = (3 - magnitude.log10().floor() as i32).clamp(0, 6) as usize;
        let text = format!("{value:.decimals$}");
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
    }
}

pub(super) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// A line of text in the middle of `area`, in place of a plot that has nothing to show.
fn draw_note<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, note: &str) -> Result<()> {
    let (width, height) = area.dim_in_pixel();
    let style = ("sans-serif", 18).into_font().color(&NOTE_COLOR).pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(note, &style, (width as i32 / 2, height as i32 / 2)).map_err(plot_error)
}

/// At most this many hidden units are drawn, in rows of `COMPONENT_COLUMNS`: enough to see what
/// the units learned, few enough to keep the inline SVG of the page small.
const MAX_COMPONENTS: usize = 64;
const COMPONENT_COLUMNS: usize = 8;
const COMPONENT_PIXEL: i32 = 5;
const COMPONENT_GAP: i32 = 6;
const COMPONENT_MARGIN: i32 = 20;
const COMPONENT_TOP: i32 = 64;

/// An RBM's first hidden units, each unit's weights as a small grey image (scikit-learn's RBM
/// example draws them so): dark for the unit's largest weights, white for its smallest.
#[derive(Debug)]
pub(super) struct ComponentGrid<'a> {
    components: &'a Components,
    shown: usize,
    columns: usize,
    tile: i32,
    width: u32,
    height: u32,
}

impl<'a> ComponentGrid<'a> {
    pub(super) fn new(components: &'a Components) -> Result<Self> {
        let (units, features) = components.weights.dim();
        let side = components.side;
        if side == 0 || side.checked_mul(side) != Some(features) {
            bail!("the RBM's {features} features are not the pixels of {side}x{side} images");
        }
        let shown = units.min(MAX_COMPONENTS);
        let columns = shown.clamp(1, COMPONENT_COLUMNS);
        let rows = shown.div_ceil(columns).max(1);
        // side <= 8 in practice; the clamp keeps absurd sizes from overflowing the geometry.
        let tile = i32::try_from(side).unwrap_or(i32::MAX).saturating_mul(COMPONENT_PIXEL).min(400);
        let grid_width = columns as i32 * (tile + COMPONENT_GAP) - COMPONENT_GAP;
        let width = (2 * COMPONENT_MARGIN + grid_width).max(420) as u32;
        let height = (COMPONENT_TOP + rows as i32 * (tile + COMPONENT_GAP) + COMPONENT_MARGIN) as u32;
        Ok(Self { components, shown, columns, tile, width, height })
    }
}

impl Picture for ComponentGrid<'_> {
    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        area.fill(&WHITE).map_err(plot_error)?;
        let center =
            |size: u32| TextStyle::from(("sans-serif", size).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        let width = self.width as i32;
        let units = self.components.weights.nrows();
        let title = if self.shown < units {
            format!("Hidden units: the weights of the first {} of {units}", self.shown)
        } else {
            format!("Hidden units: the weights of all {units}")
        };
        area.draw_text(&title, &center(22), (width / 2, 22)).map_err(plot_error)?;
        area.draw_text(
            "one image per unit; dark: its largest weights",
            &center(13).color(&NOTE_COLOR),
            (width / 2, 48),
        )
        .map_err(plot_error)?;
        let side = self.components.side;
        let pixel = self.tile / side.max(1) as i32;
        let grid_width = self.columns as i32 * (self.tile + COMPONENT_GAP) - COMPONENT_GAP;
        let left = (width - grid_width) / 2;
        for (unit, weights) in self.components.weights.rows().into_iter().take(self.shown).enumerate() {
            let (row, column) = ((unit / self.columns) as i32, (unit % self.columns) as i32);
            let (x0, y0) =
                (left + column * (self.tile + COMPONENT_GAP), COMPONENT_TOP + row * (self.tile + COMPONENT_GAP));
            let low = weights.iter().copied().fold(f64::INFINITY, f64::min);
            let high = weights.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (j, &w) in weights.iter().enumerate() {
                let share = if high > low { (w - low) / (high - low) } else { 0.5 };
                let grey = (255.0 * (1.0 - share)).round().clamp(0.0, 255.0) as u8;
                let (x, y) = (x0 + (j % side) as i32 * pixel, y0 + (j / side) as i32 * pixel);
                area.draw(&Rectangle::new([(x, y), (x + pixel, y + pixel)], RGBColor(grey, grey, grey).filled()))
                    .map_err(plot_error)?;
            }
            area.draw(&Rectangle::new([(x0, y0), (x0 + self.tile, y0 + self.tile)], RGBColor(200, 200, 200)))
                .map_err(plot_error)?;
        }
        Ok(())
    }
}

/// The heat map's geometry, fixed before drawing since the picture's size depends on it.
#[derive(Debug)]
pub(super) struct HeatMap<'a> {
    confusion: &'a Confusion,
    /// Labels as drawn: shortened when long.
    pub(super) labels: Vec<String>,
    cell: i32,
    left: i32,
    top: i32,
    label_font: u32,
    /// 0 when the counts do not fit in the cells.
    pub(super) count_font: u32,
    pub(super) rotate_column_labels: bool,
    pub(super) width: u32,
    pub(super) height: u32,
}

/// The grid's side for few classes; many classes get smaller cells, down to a point where labels
/// and then counts are left out, so the picture stays a sensible size whatever the class count.
const GRID: i32 = 600;
const MAX_CELL: i32 = 72;
const MIN_LABELLED_CELL: i32 = 12;
const MAX_LABEL_CHARS: usize = 14;
const HEAT_COLD: (f64, f64, f64) = (247.0, 251.0, 255.0);
const HEAT_HOT: (f64, f64, f64) = (8.0, 48.0, 107.0);

impl<'a> HeatMap<'a> {
    pub(super) fn new(confusion: &'a Confusion) -> Self {
        let n = i32::try_from(confusion.labels.len()).unwrap_or(i32::MAX).max(1);
        // Thousands of classes would make a grid of unreadable dots: one pixel a cell at the
        // least, and the picture grows no further.
        let cell = (GRID / n).clamp(1, MAX_CELL);
        let labelled = cell >= MIN_LABELLED_CELL;
        let labels: Vec<String> = confusion.labels.iter().map(|l| shortened(l)).collect();
        let label_font = 16;
        let label_width =
            if labelled { labels.iter().map(|l| text_width(l, label_font)).max().unwrap_or(0) } else { 0 };
        let rotate_column_labels = label_width > cell - 4;
        let widest_count = confusion.counts.iter().flatten().max().copied().unwrap_or(0).to_string();
        // The counts' font shrinks with the cell, and they are left out when they would not fit.
        let mut count_font = ((cell as f64 * 0.36) as u32).min(18);
        while count_font >= 7 && text_width(&widest_count, count_font) > cell - 4 {
            count_font -= 1;
        }
        let axis_title = 34;
        let left = axis_title + label_width + 12 + 10;
        let top = 78;
        let column_labels_height = if !labelled {
            0
        } else if rotate_column_labels {
            label_width
        } else {
            18
        };
        let grid = cell * n;
        let width = (left + grid + 30).max(420);
        let height = top + grid + 10 + column_labels_height + axis_title + 10;
        HeatMap {
            confusion,
            labels,
            cell,
            left,
            top,
            label_font,
            count_font: if count_font >= 7 { count_font } else { 0 },
            rotate_column_labels,
            width: width as u32,
            height: height as u32,
        }
    }
}

impl Picture for HeatMap<'_> {
    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        area.fill(&WHITE).map_err(plot_error)?;
        let n = self.labels.len() as i32;
        let grid = self.cell * n;
        let (left, top, cell) = (self.left, self.top, self.cell);
        let center = |style: TextStyle<'static>| style.pos(Pos::new(HPos::Center, VPos::Center));
        let text = |size: u32| TextStyle::from(("sans-serif", size).into_font());
        let width = self.width as i32;

        area.draw_text("Confusion matrix", &center(text(22)), (width / 2, 22)).map_err(plot_error)?;
        area.draw_text(
            "rows: true class, columns: predicted class, colour: share of the row",
            &center(text(13).color(&NOTE_COLOR)),
            (width / 2, 48),
        )
        .map_err(plot_error)?;

        for (t, row) in self.confusion.counts.iter().enumerate() {
            let total: usize = row.iter().sum();
            for (p, &count) in row.iter().enumerate() {
                let share = if total == 0 { 0.0 } else { count as f64 / total as f64 };
                let (x, y) = (left + p as i32 * cell, top + t as i32 * cell);
                area.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], heat_color(share).filled()))
                    .map_err(plot_error)?;
                if self.count_font > 0 {
                    let color = if share > 0.5 { &WHITE } else { &BLACK };
                    let style = center(text(self.count_font).color(color));
                    area.draw_text(&count.to_string(), &style, (x + cell / 2, y + cell / 2)).map_err(plot_error)?;
                }
            }
        }
        area.draw(&Rectangle::new([(left, top), (left + grid, top + grid)], RGBColor(160, 160, 160)))
            .map_err(plot_error)?;

        if cell >= MIN_LABELLED_CELL {
            for (k, label) in self.labels.iter().enumerate() {
                let middle = k as i32 * cell + cell / 2;
                let row_style = text(self.label_font).pos(Pos::new(HPos::Right, VPos::Center));
                area.draw_text(label, &row_style, (left - 8, top + middle)).map_err(plot_error)?;
                if self.rotate_column_labels {
                    // Turned a quarter: the text reads upwards and ends just below the grid.
                    let style = text(self.label_font)
                        .transform(FontTransform::Rotate270)
                        .pos(Pos::new(HPos::Right, VPos::Center));
                    area.draw_text(label, &style, (left + middle, top + grid + 8)).map_err(plot_error)?;
                } else {
                    let style = text(self.label_font).pos(Pos::new(HPos::Center, VPos::Top));
                    area.draw_text(label, &style, (left + middle, top + grid + 8)).map_err(plot_error)?;
                }
            }
        }
        let (_, height) = area.dim_in_pixel();
        area.draw_text("predicted class", &center(text(16)), (left + grid / 2, height as i32 - 22))
            .map_err(plot_error)?;
        area.draw_text("true class", &center(text(16)).transform(FontTransform::Rotate270), (16, top + grid / 2))
            .map_err(plot_error)?;
        Ok(())
    }
}

/// White through blue, as the share of a true class that went to a cell grows from 0 to 1.
fn heat_color(share: f64) -> RGBColor {
    let mix = |cold: f64, hot: f64| (cold + (hot - cold) * share.clamp(0.0, 1.0)).round() as u8;
    RGBColor(mix(HEAT_COLD.0, HEAT_HOT.0), mix(HEAT_COLD.1, HEAT_HOT.1), mix(HEAT_COLD.2, HEAT_HOT.2))
}

fn shortened(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL_CHARS {
        label.to_owned()
    } else {
        label.chars().take(MAX_LABEL_CHARS - 1).chain(['…']).collect()
    }
}

/// The width in pixels of `text` in the embedded font; a generous guess if the font cannot say.
fn text_width(text: &str, size: u32) -> i32 {
    ("sans-serif", size)
        .into_font()
        .box_size(text)
        .map_or(text.chars().count() as i32 * size as i32, |(width, _)| width as i32)
}
