//! Reading the golden fixtures that the scripts in `scripts/fixtures/` write with scikit-learn:
//! `{"cases": [...]}` files, their numbers, and the data recipe the scripts share.

#![allow(dead_code, reason = "each test file that includes this module uses a part of it")]

use ndarray::{Array1, Array2};
use serde_json::Value;

/// The cases of `tests/fixtures/<file>`.
pub fn cases(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str::<Value>(&text).unwrap()["cases"].as_array().unwrap().clone()
}

pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

pub fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

/// A matrix written as a list of rows.
pub fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(floats).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

/// The recipe's features, scaled in the scripts' order: `X / x_div` (if `x_div`), then
/// `(X - x_mean) / x_scale` (if `x_mean`: a StandardScaler fitted after the division).
pub fn scale_features(x: &mut Array2<f64>, recipe: &Value) {
    if let Some(div) = recipe["x_div"].as_f64() {
        x.mapv_inplace(|v| v / div);
    }
    if !recipe["x_mean"].is_null() {
        let (mean, scale) = (floats(&recipe["x_mean"]), floats(&recipe["x_scale"]));
        for mut row in x.rows_mut() {
            for j in 0..row.len() {
                row[j] = (row[j] - mean[j]) / scale[j];
            }
        }
    }
}

/// The recipe's sample weights (one per row), or `None` where it has none.
pub fn sample_weight(recipe: &Value) -> Option<Array1<f64>> {
    recipe["sample_weight"].as_array().map(|_| Array1::from(floats(&recipe["sample_weight"])))
}
