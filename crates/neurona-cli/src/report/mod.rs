//! The training report: the learning curve (the loss, or an RBM's pseudo-likelihood), the
//! confusion matrix and an RBM's learned weights as SVG and PNG pictures, and a small
//! self-contained `report.html` that shows them with the run's parameters and scores.
//!
//! Text in the pictures is drawn with DejaVu Sans, embedded in the binary (`assets/`, with its
//! license), so that PNGs have their labels on a machine with no fonts installed. The SVGs name
//! the font family `sans-serif` and leave the drawing of text to the viewer.

mod html;
mod plots;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Result, anyhow, bail};
use plotters::coord::Shift;
use plotters::prelude::*;

use self::html::{Figures, render_html};
use self::plots::{ComponentGrid, HeatMap, LossPlot};
use crate::table::write_file;

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
    write_file(&html_path, html.as_bytes())?;
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
    static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
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
    write_file(&svg_path, svg.as_bytes())?;
    written.push(svg_path);

    let png_path = dir.join(format!("{name}.png"));
    let png = png_bytes(picture).map_err(|e| anyhow!("cannot draw {}: {e}", png_path.display()))?;
    write_file(&png_path, &png)?;
    written.push(png_path);
    Ok(svg)
}

/// The picture as a PNG file's bytes: drawn on an RGB buffer, then encoded.
fn png_bytes(picture: &impl Picture) -> Result<Vec<u8>> {
    let (width, height) = picture.size();
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        picture.draw(&area)?;
        area.present().map_err(plot_error)?;
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&rgb)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::html::escape;
    use super::plots::{capitalized, tick_label};
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
        let message = write_report(&dir, &input(&[1.0], None, Some(confusion))).unwrap_err().to_string();
        assert!(message.contains("the confusion matrix has 0 rows for 1 class labels"), "{message}");
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
