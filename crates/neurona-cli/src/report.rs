//! The training report: the learning curve (the loss, or an RBM's pseudo-likelihood), the
//! confusion matrix and an RBM's learned weights as SVG and PNG pictures, and a small
//! self-contained `report.html` that shows them with the run's parameters and scores.
//!
//! Text in the pictures is drawn with DejaVu Sans, embedded in the binary (`assets/`, with its
//! license), so that PNGs have their labels on a machine with no fonts installed. The SVGs name
//! the font family `sans-serif` and leave the drawing of text to the viewer.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Result, anyhow, bail};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordi64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::table::write_atomically;

/// What the report shows.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    /// The page's title, e.g. "neurona: MLPClassifier on digits".
    pub title: String,
    /// The run's parameters as (name, value), in the order to show them.
    pub parameters: Vec<(String, String)>,
    /// The training loss per epoch; empty for a fit without epochs (L-BFGS).
    pub loss_curve: &'a [f64],
    /// The validation score per epoch, when early stopping held out a validation set.
    pub validation_scores: Option<&'a [f64]>,
    /// What the validation score is, e.g. "validation accuracy" or "validation R²".
    pub validation_label: &'a str,
    /// What the curve is: the loss ([`CurveText::LOSS`]) or an RBM's pseudo-likelihood.
    pub curve: CurveText<'a>,
    /// The scores as (name, value), e.g. ("test accuracy", "0.9711").
    pub scores: Vec<(String, String)>,
    /// The confusion matrix, for classification.
    pub confusion: Option<Confusion>,
    /// An RBM's weights, drawn as one small image per hidden unit.
    pub components: Option<Components>,
}

/// The words of the learning curve: the page's heading, the plot's title and axis, and the note
/// shown when there is no curve.
#[derive(Debug, Clone, Copy)]
pub struct CurveText<'a> {
    /// The section's heading, e.g. "Loss".
    pub heading: &'a str,
    /// The plot's title, e.g. "Training loss".
    pub title: &'a str,
    /// The y axis, e.g. "loss".
    pub y_label: &'a str,
    /// Whether the y axis may be logarithmic (when the values are positive and span a decade).
    pub log: bool,
    /// Shown in place of the plot when there is no curve.
    pub missing: &'a str,
    /// The pictures' file name, without extension.
    pub file: &'a str,
}

impl CurveText<'static> {
    /// An MLP's training loss per epoch.
    pub const LOSS: Self = Self {
        heading: "Loss",
        title: "Training loss",
        y_label: "loss",
        log: true,
        missing: "No loss curve: this fit has no epochs (the L-BFGS solver fits in one run).",
        file: "loss",
    };

    /// An RBM's mean pseudo-likelihood of the training rows per epoch (higher is better).
    pub const PSEUDO_LIKELIHOOD: Self = Self {
        heading: "Pseudo-likelihood",
        title: "Pseudo-likelihood of the training rows",
        y_label: "pseudo-likelihood",
        log: false,
        missing: "No pseudo-likelihood curve: this fit ran no epoch.",
        file: "pseudo_likelihood",
    };
}

/// An RBM's weights `(n_components, side * side)`: each hidden unit's weights are drawn as a
/// `side` x `side` image (the features must be the pixels of such images, row by row).
#[derive(Debug, Clone, PartialEq)]
pub struct Components {
    pub side: usize,
    pub weights: ndarray::Array2<f64>,
}

/// A confusion matrix: `counts[t][p]` samples of true class `labels[t]` were predicted as
/// class `labels[p]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    /// The class labels, in the order of the rows and the columns.
    pub labels: Vec<String>,
    /// `counts: (n_classes, n_classes)`, indexed `[true][predicted]`.
    pub counts: Vec<Vec<usize>>,
}

/// Writes the report into `dir` (created if needed) and returns the paths written, `report.html`
/// last: the curve's pictures always (`loss.svg` and `loss.png`, or `pseudo_likelihood.*` for an
/// RBM; a fit without epochs gets a short note in place of the curve), `confusion.svg` and
/// `confusion.png` when there is a confusion matrix, `components.svg` and `components.png` for
/// an RBM's hidden units. Every file is written atomically.
pub fn write_report(dir: &Path, input: &ReportInput) -> Result<Vec<PathBuf>> {
    if let Some(confusion) = &input.confusion {
        check_confusion(confusion)?;
    }
    let component_grid = input.components.as_ref().map(ComponentGrid::new).transpose()?;
    register_font()?;
    fs::create_dir_all(dir).map_err(|e| anyhow!("cannot create the report folder {}: {e}", dir.display()))?;
    let mut written = Vec::new();

    let loss = LossPlot::new(input);
    let loss_svg = write_picture(dir, input.curve.file, &loss, &mut written)?;

    let confusion_svg = match &input.confusion {
        Some(confusion) => Some(write_picture(dir, "confusion", &HeatMap::new(confusion), &mut written)?),
        None => None,
    };
    let components_svg = match &component_grid {
        Some(grid) => Some(write_picture(dir, "components", grid, &mut written)?),
        None => None,
    };

    let html_path = dir.join("report.html");
    let figures = Figures {
        loss: loss.has_curve().then_some(loss_svg.as_str()),
        confusion: confusion_svg.as_deref(),
        components: components_svg.as_deref(),
    };
    let html = render_html(input, &figures);
    write_atomically(&html_path, |temporary| {
        fs::write(temporary, html).map_err(|e| anyhow!("cannot write {}: {e}", html_path.display()))
    })?;
    written.push(html_path);
    Ok(written)
}

/// A malformed matrix is a bug in the caller, but still an error rather than a panic.
fn check_confusion(confusion: &Confusion) -> Result<()> {
    let n = confusion.labels.len();
    if confusion.counts.len() != n {
        bail!("the confusion matrix has {} rows for {n} class labels", confusion.counts.len());
    }
    if let Some((t, row)) = confusion.counts.iter().enumerate().find(|(_, row)| row.len() != n) {
        bail!("row {t} of the confusion matrix has {} counts for {n} class labels", row.len());
    }
    Ok(())
}

/// The embedded font, registered once as plotters' `sans-serif` family, which is what every
/// text style here (and plotters' default for axis labels) asks for.
fn register_font() -> Result<()> {
    static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let registered =
        *REGISTERED.get_or_init(|| plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok());
    if !registered {
        bail!("the font embedded in neurona (DejaVu Sans) cannot be loaded");
    }
    Ok(())
}

/// An error of plotters', with the backend's error type erased.
fn plot_error<E: std::error::Error + Send + Sync>(error: DrawingAreaErrorKind<E>) -> anyhow::Error {
    anyhow!("{error}")
}

/// A picture that can be drawn on any backend: SVG and PNG come from the same code.
trait Picture {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// Draws `picture` twice, as `{name}.svg` and `{name}.png` in `dir`, appends both paths to
/// `written` and returns the SVG's text.
fn write_picture(dir: &Path, name: &str, picture: &impl Picture, written: &mut Vec<PathBuf>) -> Result<String> {
    let size = picture.size();
    let svg_path = dir.join(format!("{name}.svg"));
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        picture.draw(&area).map_err(|e| anyhow!("cannot draw {}: {e}", svg_path.display()))?;
        area.present().map_err(|e| anyhow!("cannot draw {}: {e}", svg_path.display()))?;
    }
    write_atomically(&svg_path, |temporary| {
        fs::write(temporary, &svg).map_err(|e| anyhow!("cannot write {}: {e}", svg_path.display()))
    })?;
    written.push(svg_path);

    let png_path = dir.join(format!("{name}.png"));
    write_atomically(&png_path, |temporary| {
        // The encoder picks PNG by the temporary file's extension, which write_atomically keeps.
        let area = BitMapBackend::new(temporary, size).into_drawing_area();
        picture.draw(&area).map_err(|e| anyhow!("cannot draw {}: {e}", png_path.display()))?;
        area.present().map_err(|e| anyhow!("cannot write {}: {e}", png_path.display()))
    })?;
    written.push(png_path);
    Ok(svg)
}

const WIDTH: u32 = 800;
const PANEL_HEIGHT: u32 = 420;
const VALIDATION_PANEL_HEIGHT: u32 = 300;
const LOSS_COLOR: RGBColor = RGBColor(31, 119, 180);
const VALIDATION_COLOR: RGBColor = RGBColor(214, 96, 0);
const NOTE_COLOR: RGBColor = RGBColor(90, 90, 90);
const MAX_MARKED_POINTS: usize = 60;

/// The loss curve, with the validation score in a second panel below it when there is one.
#[derive(Debug)]
struct LossPlot<'a> {
    loss: &'a [f64],
    validation: Option<(&'a [f64], &'a str)>,
    text: CurveText<'a>,
}

impl<'a> LossPlot<'a> {
    fn new(input: &ReportInput<'a>) -> Self {
        let validation = input.validation_scores.filter(|v| !v.is_empty()).map(|v| (v, input.validation_label));
        LossPlot { loss: input.loss_curve, validation, text: input.curve }
    }

    fn has_curve(&self) -> bool {
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
fn tick_label(value: f64) -> String {
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

fn capitalized(text: &str) -> String {
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
struct ComponentGrid<'a> {
    components: &'a Components,
    shown: usize,
    columns: usize,
    tile: i32,
    width: u32,
    height: u32,
}

impl<'a> ComponentGrid<'a> {
    fn new(components: &'a Components) -> Result<Self> {
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
struct HeatMap<'a> {
    confusion: &'a Confusion,
    /// Labels as drawn: shortened when long.
    labels: Vec<String>,
    cell: i32,
    left: i32,
    top: i32,
    label_font: u32,
    /// 0 when the counts do not fit in the cells.
    count_font: u32,
    rotate_column_labels: bool,
    width: u32,
    height: u32,
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
    fn new(confusion: &'a Confusion) -> Self {
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

/// The page: title, scores, plots (inline SVG), parameters. It loads nothing: no scripts, no
/// style sheets, no fonts, no images from elsewhere, so it can be mailed or archived as it is.
/// The pictures drawn for the page, as SVG text.
#[derive(Debug)]
struct Figures<'a> {
    /// The learning curve, when there is one.
    loss: Option<&'a str>,
    confusion: Option<&'a str>,
    components: Option<&'a str>,
}

fn render_html(input: &ReportInput, figures: &Figures) -> String {
    let mut html = String::with_capacity(16 * 1024);
    let title = escape(&input.title);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>\n{STYLE}</style>\n\
         </head>\n<body>\n<h1>{title}</h1>\n"
    );
    if !input.scores.is_empty() {
        html.push_str("<h2>Scores</h2>\n");
        push_table(&mut html, "scores", &input.scores);
    }
    let curve = input.curve;
    let _ = writeln!(html, "<h2>{}</h2>", escape(curve.heading));
    match figures.loss {
        Some(svg) => {
            let caption = match input.validation_scores {
                Some(v) if !v.is_empty() => {
                    format!("{} per epoch, and the {} below it.", escape(curve.title), escape(input.validation_label))
                }
                _ => format!("{} per epoch.", escape(curve.title)),
            };
            push_figure(&mut html, svg, &caption);
        }
        None => {
            let _ = writeln!(html, "<p class=\"note\">{}</p>", escape(curve.missing));
        }
    }
    if let Some(svg) = figures.components {
        html.push_str("<h2>Hidden units</h2>\n");
        push_figure(
            &mut html,
            svg,
            "The weights of each hidden unit drawn as an image, dark where the unit responds to ink (each image \
             scaled to its own range).",
        );
    }
    if let Some(svg) = figures.confusion {
        html.push_str("<h2>Confusion matrix</h2>\n");
        push_figure(
            &mut html,
            svg,
            "Rows: true class; columns: predicted class; each cell's count, coloured by its share of the row.",
        );
    }
    if !input.parameters.is_empty() {
        html.push_str("<h2>Parameters</h2>\n");
        push_table(&mut html, "parameters", &input.parameters);
    }
    let _ = write!(
        html,
        "<footer>Written by neurona {}. The plots are also beside this page as SVG and PNG files.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    html
}

const STYLE: &str =
    "body { font-family: sans-serif; color: #222; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 0.2rem 1rem 0.2rem 0; border-bottom: 1px solid #eee; vertical-align: top; }
th { font-weight: normal; color: #555; }
td { font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption, .note, footer { color: #555; font-size: 0.9rem; }
footer { margin-top: 3rem; }
";

fn push_table(html: &mut String, class: &str, rows: &[(String, String)]) {
    let _ = writeln!(html, "<table class=\"{class}\">");
    for (name, value) in rows {
        let _ = writeln!(html, "<tr><th>{}</th><td>{}</td></tr>", escape(name), escape(value));
    }
    html.push_str("</table>\n");
}

fn push_figure(html: &mut String, svg: &str, caption: &str) {
    // Inline SVG needs no namespace in HTML, and dropping it keeps the page free of any URL.
    let svg = svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    let _ = write!(html, "<figure>\n{}\n<figcaption>{caption}</figcaption>\n</figure>\n", svg.trim());
}

/// Text made safe to put between HTML tags or in a quoted attribute.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn digits_confusion(n: usize) -> Confusion {
        let counts =
            (0..n).map(|t| (0..n).map(|p| if t == p { 170 + t } else { (t * 7 + p * 3) % 4 }).collect()).collect();
        Confusion { labels: (0..n).map(|k| k.to_string()).collect(), counts }
    }

    fn input<'a>(loss: &'a [f64], validation: Option<&'a [f64]>, confusion: Option<Confusion>) -> ReportInput<'a> {
        ReportInput {
            title: "neurona: MLPClassifier on <digits> & co".to_owned(),
            parameters: strings(&[("hidden_layer_sizes", "(100,)"), ("solver", "adam"), ("alpha", "0.0001")]),
            loss_curve: loss,
            validation_scores: validation,
            validation_label: "validation accuracy",
            curve: CurveText::LOSS,
            scores: strings(&[("test accuracy", "0.9711"), ("train accuracy", "1.0000")]),
            confusion,
            components: None,
        }
    }

    fn names(paths: &[PathBuf]) -> Vec<String> {
        paths.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect()
    }

    /// Every file is where it says, non-empty and of its kind; nothing else is in the folder.
    fn check_files(dir: &Path, written: &[PathBuf]) {
        for path in written {
            assert_eq!(path.parent(), Some(dir));
            let bytes = fs::read(path).unwrap();
            assert!(!bytes.is_empty(), "{} is empty", path.display());
            match path.extension().unwrap().to_str().unwrap() {
                "png" => assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", path.display()),
                "svg" => assert!(String::from_utf8(bytes).unwrap().contains("<svg")),
                "html" => assert!(String::from_utf8(bytes).unwrap().starts_with("<!DOCTYPE html>")),
                other => panic!("unexpected file type {other}"),
            }
        }
        let mut present: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        present.sort();
        let mut expected = names(written);
        expected.sort();
        assert_eq!(present, expected, "temporary files left behind?");
    }

    #[test]
    fn a_classification_report_has_every_file_and_a_self_contained_page() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("nested").join("report");
        let loss: Vec<f64> = (0..200).map(|i| 2.3 * (-(i as f64) / 25.0).exp() + 0.001).collect();
        let validation: Vec<f64> = (0..200).map(|i| 0.97 - 0.8 * (-(i as f64) / 20.0).exp()).collect();
        let written = write_report(&dir, &input(&loss, Some(&validation), Some(digits_confusion(10)))).unwrap();
        assert_eq!(names(&written), ["loss.svg", "loss.png", "confusion.svg", "confusion.png", "report.html"]);
        check_files(&dir, &written);

        let html = fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(html.contains("<th>test accuracy</th><td>0.9711</td>"));
        assert!(html.contains("<th>hidden_layer_sizes</th><td>(100,)</td>"));
        assert!(html.contains("<title>neurona: MLPClassifier on &lt;digits&gt; &amp; co</title>"));
        assert_eq!(html.matches("<svg").count(), 2, "both plots inline");
        assert!(html.contains("validation accuracy"));
        // Self-contained: no URL of any kind, so nothing is fetched from elsewhere.
        assert!(!html.contains("http"), "the page names a URL");
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<link"));

        let svg = fs::read_to_string(dir.join("loss.svg")).unwrap();
        assert!(svg.contains("Training loss") && svg.contains("epoch") && svg.contains("log scale"));
        let svg = fs::read_to_string(dir.join("confusion.svg")).unwrap();
        assert!(svg.contains("predicted class") && svg.contains("true class"));
        assert!(svg.lines().any(|line| line.trim() == "179"), "the counts are written in the cells");

        // A second report in the same folder replaces the first.
        let written = write_report(&dir, &input(&loss, None, None)).unwrap();
        assert_eq!(names(&written), ["loss.svg", "loss.png", "report.html"]);
        let html = fs::read_to_string(dir.join("report.html")).unwrap();
        assert_eq!(html.matches("<svg").count(), 1);
    }

    #[test]
    fn a_fit_without_epochs_gets_a_note_instead_of_a_curve() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_report(dir.path(), &input(&[], None, Some(digits_confusion(3)))).unwrap();
        assert_eq!(names(&written), ["loss.svg", "loss.png", "confusion.svg", "confusion.png", "report.html"]);
        check_files(dir.path(), &written);
        assert!(fs::read_to_string(dir.path().join("loss.svg")).unwrap().contains("No loss curve"));
        let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
        assert!(html.contains("No loss curve") && html.matches("<svg").count() == 1);
    }

    #[test]
    fn an_rbm_report_has_its_curve_and_its_hidden_units() {
        let dir = tempfile::tempdir().unwrap();
        let curve = [-40.0, -31.5, -27.25, -26.0];
        let weights = ndarray::Array2::from_shape_fn((70, 64), |(k, j)| ((k * 7 + j) % 11) as f64 - 5.0);
        let mut report = input(&curve, None, None);
        report.curve = CurveText::PSEUDO_LIKELIHOOD;
        report.components = Some(Components { side: 8, weights });
        let written = write_report(dir.path(), &report).unwrap();
        assert_eq!(
            names(&written),
            ["pseudo_likelihood.svg", "pseudo_likelihood.png", "components.svg", "components.png", "report.html"]
        );
        check_files(dir.path(), &written);
        let svg = fs::read_to_string(dir.path().join("pseudo_likelihood.svg")).unwrap();
        assert!(svg.contains("Pseudo-likelihood of the training rows") && !svg.contains("log scale"));
        let svg = fs::read_to_string(dir.path().join("components.svg")).unwrap();
        assert!(svg.contains("the first 64 of 70"), "only the first 64 units are drawn");
        let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
        assert!(html.contains("<h2>Pseudo-likelihood</h2>") && html.contains("<h2>Hidden units</h2>"));
        assert_eq!(html.matches("<svg").count(), 2);

        report.components = Some(Components { side: 7, weights: ndarray::Array2::zeros((2, 64)) });
        let nothing = dir.path().join("nothing");
        let message = write_report(&nothing, &report).unwrap_err().to_string();
        assert!(message.contains("64 features are not the pixels of 7x7 images"), "{message}");
        assert!(!nothing.exists(), "checked before anything is written");
        report.curve = CurveText { missing: "No curve here.", ..CurveText::PSEUDO_LIKELIHOOD };
        report.components = None;
        report.loss_curve = &[];
        let other = tempfile::tempdir().unwrap();
        write_report(other.path(), &report).unwrap();
        assert!(fs::read_to_string(other.path().join("report.html")).unwrap().contains("No curve here."));
    }

    #[test]
    fn one_point_flat_and_diverged_curves_are_drawn() {
        for loss in
            [vec![0.7], vec![0.5, 0.5, 0.5], vec![1.0, f64::NAN, f64::INFINITY], vec![f64::NAN], vec![0.0, -1.0]]
        {
            let dir = tempfile::tempdir().unwrap();
            let written = write_report(dir.path(), &input(&loss, Some(&[0.5]), None)).unwrap();
            check_files(dir.path(), &written);
        }
    }

    #[test]
    fn many_classes_stay_a_sensible_size() {
        let dir = tempfile::tempdir().unwrap();
        let mut confusion = digits_confusion(300);
        confusion.labels[0] = "a rather long class name that goes on".to_owned();
        let written = write_report(dir.path(), &input(&[1.0, 0.5], None, Some(confusion))).unwrap();
        check_files(dir.path(), &written);
        let many = digits_confusion(1500);
        let heat_map = HeatMap::new(&many);
        assert!(heat_map.width <= 1700 && heat_map.height <= 1700, "{}x{}", heat_map.width, heat_map.height);
        assert_eq!(heat_map.count_font, 0);
        let two = digits_confusion(2);
        let heat_map = HeatMap::new(&two);
        assert!(heat_map.count_font > 0 && !heat_map.rotate_column_labels);
    }

    #[test]
    fn long_labels_are_shortened_and_turned() {
        let confusion = Confusion {
            labels: vec!["Iris-setosa".into(), "Iris-versicolor-and-more".into(), "x".into()],
            counts: vec![vec![5, 0, 0], vec![0, 4, 1], vec![0, 2, 3]],
        };
        let heat_map = HeatMap::new(&confusion);
        assert_eq!(heat_map.labels[1], "Iris-versicol…");
        let dir = tempfile::tempdir().unwrap();
        let written = write_report(dir.path(), &input(&[1.0], None, Some(confusion))).unwrap();
        check_files(dir.path(), &written);
    }

    #[test]
    fn a_malformed_confusion_matrix_is_an_error_and_writes_nothing() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("report");
        let confusion = Confusion { labels: vec!["a".into(), "b".into()], counts: vec![vec![1, 2], vec![3]] };
        let message = write_report(&dir, &input(&[1.0], None, Some(confusion))).unwrap_err().to_string();
        assert!(message.contains("row 1 of the confusion matrix has 1 counts for 2 class labels"), "{message}");
        let confusion = Confusion { labels: vec!["a".into()], counts: vec![] };
        assert!(write_report(&dir, &input(&[1.0], None, Some(confusion))).is_err());
        assert!(!dir.exists());
    }

    #[test]
    fn a_report_folder_that_is_a_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("taken");
        fs::write(&file, "x").unwrap();
        let message = write_report(&file, &input(&[1.0], None, None)).unwrap_err().to_string();
        assert!(message.contains("cannot create the report folder") && message.contains("taken"), "{message}");
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(1.0), "1");
        assert_eq!(tick_label(2.30001), "2.3");
        assert_eq!(tick_label(1500.0), "1500");
        assert_eq!(tick_label(0.00015), "1.5e-4");
        assert_eq!(tick_label(1e-6), "1e-6");
        assert_eq!(tick_label(-0.5), "-0.5");
        assert_eq!(tick_label(123456.0), "1.23e5");
    }

    #[test]
    fn html_text_is_escaped() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert_eq!(capitalized("validation R²"), "Validation R²");
        assert_eq!(capitalized(""), "");
    }
}
