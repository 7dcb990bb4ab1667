//! Bundled data sets: iris, digits and diabetes, embedded in the crate (attribution in
//! `src/datasets/data/README.md`). The files are byte-identical to scikit-learn's copies, so
//! `load_iris`, `load_digits` and `load_diabetes(scaled=False)` see the same numbers in the same
//! order. The sequence data set, Japanese Vowels, is loaded by [`load_japanese_vowels`] from `.ts` text.

use std::io::Read;

use ndarray::{Array1, Array2, Axis};

use crate::error::{NeuronaError, Result};

mod sequences;
pub use sequences::{load_japanese_vowels, make_memory_task};

const IRIS: &[u8] = include_bytes!("data/iris.csv");
const DIGITS: &[u8] = include_bytes!("data/digits.csv.gz");
const DIABETES_DATA: &[u8] = include_bytes!("data/diabetes_data_raw.csv.gz");
const DIABETES_TARGET: &[u8] = include_bytes!("data/diabetes_target.csv.gz");

/// A bundled data set: features and one target per sample, of type `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<T> {
    /// The data set's name.
    pub name: &'static str,
    /// Features, `(n_samples, n_features)`.
    pub data: Array2<f64>,
    /// The target of each sample.
    pub target: T,
    /// Class names, which a classification's `target` indexes (empty for a regression).
    pub target_names: Vec<String>,
    /// Feature names.
    pub feature_names: Vec<String>,
}

/// A classification data set: one class index per sample, into `target_names`.
pub type ClassificationDataset = Dataset<Vec<usize>>;

/// A regression data set: one continuous target per sample.
pub type RegressionDataset = Dataset<Array1<f64>>;

/// Features standardised to zero mean and unit variance per column, as scikit-learn's
/// `StandardScaler` does (population variance; a constant column is left centred, unscaled).
pub fn standardize(data: &Array2<f64>) -> Array2<f64> {
    let n = data.nrows().max(1) as f64;
    let mean = data.sum_axis(Axis(0)) / n;
    let var = data.map_axis(Axis(0), |col| col.iter().zip(mean.iter()).count() as f64 * 0.0)
        + data
            .axis_iter(Axis(1))
            .zip(mean.iter())
            .map(|(col, m)| col.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n)
            .collect::<Array1<f64>>();
    let scale = var.mapv(|v| if v == 0.0 { 1.0 } else { v.sqrt() });
    (data - &mean) / &scale
}

impl<T> Dataset<T> {
    /// Features standardised column by column (see [`standardize`]).
    pub fn standardized_features(&self) -> Array2<f64> {
        standardize(&self.data)
    }
}

impl RegressionDataset {
    /// The target z-scored: `(y - mean) / std`.
    pub fn standardized_target(&self) -> Array1<f64> {
        let n = self.target.len().max(1) as f64;
        let mean = self.target.sum() / n;
        let std = (self.target.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        self.target.mapv(|v| (v - mean) / std)
    }
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).expect("the bundled data sets are valid gzip text");
    text
}

fn parse_rows(text: &str, separator: char) -> Result<Vec<Vec<f64>>> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            line.split(separator)
                .filter(|field| !field.is_empty())
                .map(|field| {
                    field
                        .trim()
                        .parse::<f64>()
                        .map_err(|_| NeuronaError::input("dataset", format!("has a non-numeric field '{field}'")))
                })
                .collect()
        })
        .collect()
}

fn to_array(rows: &[Vec<f64>], n_features: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows.len(), n_features), |(i, j)| rows[i][j])
}

fn classification(
    name: &'static str,
    rows: Vec<Vec<f64>>,
    target_names: Vec<String>,
    feature_names: Vec<String>,
) -> ClassificationDataset {
    let n_features = feature_names.len();
    ClassificationDataset {
        name,
        data: to_array(&rows, n_features),
        target: rows.iter().map(|row| row[n_features] as usize).collect(),
        target_names,
        feature_names,
    }
}

/// Fisher's iris: 150 flowers, 4 measurements (cm), 3 species.
pub fn iris() -> ClassificationDataset {
    let text = std::str::from_utf8(IRIS).expect("the bundled iris file is UTF-8");
    let (header, body) = text.split_once('\n').expect("the bundled iris file has a header");
    let target_names = header.trim().split(',').skip(2).map(str::to_owned).collect();
    let rows = parse_rows(body, ',').expect("the bundled iris file is numeric");
    let feature_names = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"];
    classification("iris", rows, target_names, feature_names.iter().map(|s| s.to_string()).collect())
}

/// Handwritten digits: 1797 images of 8x8 pixels with values 0..16, 10 classes.
pub fn digits() -> ClassificationDataset {
    let rows = parse_rows(&gunzip(DIGITS), ',').expect("the bundled digits file is numeric");
    let feature_names = (0..8).flat_map(|r| (0..8).map(move |c| format!("pixel_{r}_{c}"))).collect();
    classification("digits", rows, (0..10).map(|d| d.to_string()).collect(), feature_names)
}

/// Diabetes: 442 patients, 10 unscaled measurements, disease progression after one year.
pub fn diabetes() -> RegressionDataset {
    let rows = parse_rows(&gunzip(DIABETES_DATA), ' ').expect("the bundled diabetes file is numeric");
    let target = parse_rows(&gunzip(DIABETES_TARGET), ' ').expect("the bundled diabetes target is numeric");
    let feature_names = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"];
    RegressionDataset {
        name: "diabetes",
        data: to_array(&rows, 10),
        target: target.iter().map(|row| row[0]).collect(),
        target_names: Vec::new(),
        feature_names: feature_names.iter().map(|s| s.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_labels_match_scikit_learns_loaders() {
        let iris = iris();
        assert_eq!(iris.data.dim(), (150, 4));
        assert_eq!(iris.target_names, ["setosa", "versicolor", "virginica"]);
        assert_eq!((iris.target[0], iris.target[149]), (0, 2));
        assert_eq!(iris.data[[0, 0]], 5.1);
        let digits = digits();
        assert_eq!(digits.data.dim(), (1797, 64));
        assert_eq!(&digits.target[..3], &[0, 1, 2]);
        assert!(digits.data.iter().all(|&v| (0.0..=16.0).contains(&v)));
        let diabetes = diabetes();
        assert_eq!(diabetes.data.dim(), (442, 10));
        assert_eq!(diabetes.target.len(), 442);
        assert_eq!((diabetes.data[[0, 0]], diabetes.target[0]), (59.0, 151.0));
    }

    #[test]
    fn standardized_columns_have_zero_mean_and_unit_variance() {
        let x = iris().standardized_features();
        for col in x.axis_iter(Axis(1)) {
            let mean = col.sum() / 150.0;
            let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 150.0;
            assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12);
        }
    }
}
