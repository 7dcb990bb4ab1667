//! The preprocessing as the first nodes of an ONNX graph (`neurona export`), so that ONNX
//! Runtime on a table's raw columns gives `neurona predict`'s answers.
//!
//! The graph takes one input per feature column, named as the column, in the table's order, as
//! skl2onnx does for a `ColumnTransformer`: `(N, 1)` of the model's float type for a number
//! column (and a `--categorical` number column), `(N, 1)` strings for a text column. Missing
//! numbers are NaN; missing text is what the command reads as missing (an empty cell, `?`, `NA`,
//! `N/A`, `NaN`, `-NaN`, `null`, in any case), the cells compared as given (the command trims
//! the spaces around a cell of a CSV file; a caller of the graph trims its own).
//!
//! Everything is computed in double, as the command computes it, and cast to the model's float
//! type at the end (by the caller, after the scaler): a float64 model gets the command's numbers
//! bit for bit. A text column's category is found by one `ai.onnx.ml` `LabelEncoder` (ONNX has
//! no string comparison before opset 19), which maps each category to its index, a missing cell
//! to the most frequent category's and anything else to -1, which `Equal` against the kept
//! indices turns into the one-hot columns: an unseen category gives zeros. A graph cannot stop
//! with an error, so a model trained with `--handle-unknown error` (or without imputation) also
//! gives zeros where `neurona predict` stops; the command says so when it exports such a model.

use neurona::export::proto::data_type;
use neurona::export::{Dim, Graph, int_attribute, ints_attribute, strings_attribute};

use super::{Categories, Category, ColumnStep, Encoding, Preprocessor};
use crate::args::HandleUnknown;

/// The operator set of `LabelEncoder` (`keys_strings`, `values_int64s`), which ONNX Runtime runs.
const ML_DOMAIN: (&str, i64) = ("ai.onnx.ml", 2);

/// What the command reads as a missing text cell, ignoring ASCII case (`table::is_missing`).
const MISSING_TEXT: [&str; 7] = ["", "?", "na", "n/a", "nan", "-nan", "null"];

impl Preprocessor {
    /// Declares one graph input per feature column (numbers in `elem_type`, `FLOAT` or
    /// `DOUBLE`) and returns the double value `(N, n_outputs)` the scaler and the network read,
    /// columns in the network's order.
    pub fn onnx(&self, graph: &mut Graph, elem_type: i32) -> String {
        for step in &self.columns {
            let input_type = if text_categories(step) { data_type::STRING } else { elem_type };
            graph.input(&step.name, input_type, &[Dim::Batch, Dim::Fixed(1)]);
        }
        let parts: Vec<String> = self.ordered().into_iter().map(|step| step_onnx(graph, step, elem_type)).collect();
        match parts.as_slice() {
            [one] => one.clone(),
            _ => {
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                graph.node("Concat", &parts, None, vec![int_attribute("axis", 1)])
            }
        }
    }

    /// Where the graph answers otherwise than `neurona predict`, which stops with an error on
    /// an unseen category or a missing cell the model cannot fill: the graph gives zeros (or,
    /// for a number, NaN). Empty when it answers as the command does on every table.
    pub fn onnx_differences(&self) -> Vec<String> {
        let mut differences = Vec::new();
        if self.has_categories() && self.handle_unknown == HandleUnknown::Error {
            differences.push(
                "an unseen category gives zeros in its columns (as --handle-unknown ignore), where `neurona predict` \
                 stops with an error: a graph cannot stop"
                    .to_owned(),
            );
        }
        let imputes = self.columns.iter().all(|step| match &step.encoding {
            Encoding::Number { median } => median.is_some(),
            Encoding::Categories { most_frequent, .. } => most_frequent.is_some(),
        });
        if !imputes {
            differences.push(
                "a missing cell, which the model cannot fill, gives NaN (a number) or zeros (a category), where \
                 `neurona predict` stops with an error"
                    .to_owned(),
            );
        }
        differences
    }
}

/// Whether the column is read as text: categories of text, not `--categorical` numbers.
fn text_categories(step: &ColumnStep) -> bool {
    matches!(&step.encoding, Encoding::Categories { categories, .. } if matches!(categories.0.first(), Some(Category::Text(_))))
}

/// The double columns `(N, width)` of one step, from the graph input of its name.
fn step_onnx(graph: &mut Graph, step: &ColumnStep, elem_type: i32) -> String {
    let name = &step.name;
    match &step.encoding {
        Encoding::Number { median } => {
            let x = as_double(graph, name, elem_type);
            match median {
                Some(m) => fill_nan(graph, &x, *m, &format!("{name}_median")),
                None => x,
            }
        }
        Encoding::Categories { categories, most_frequent, drop } if text_categories(step) => {
            let keep = kept(categories, *drop);
            let index = text_index(graph, name, categories, *most_frequent);
            let kept_indices: Vec<i64> = keep.iter().map(|&k| as_i64(k)).collect();
            let indices = graph.int64s(&format!("{name}_kept_indices"), &[keep.len()], &kept_indices);
            let hot = graph.node("Equal", &[&index, &indices], None, Vec::new());
            graph.node("Cast", &[&hot], None, vec![int_attribute("to", i64::from(data_type::DOUBLE))])
        }
        Encoding::Categories { categories, most_frequent, drop } => {
            let x = as_double(graph, name, elem_type);
            let x = match most_frequent {
                Some(k) => fill_nan(graph, &x, number(categories, *k), &format!("{name}_most_frequent")),
                None => x,
            };
            let keep = kept(categories, *drop);
            let values =
                graph.floats(&format!("{name}_categories"), &[keep.len()], keep.iter().map(|&k| number(categories, k)));
            let hot = graph.node("Equal", &[&x, &values], None, Vec::new());
            graph.node("Cast", &[&hot], None, vec![int_attribute("to", i64::from(data_type::DOUBLE))])
        }
    }
}

/// The indices of the categories that have a column: all but the dropped one.
fn kept(categories: &Categories, drop: Option<usize>) -> Vec<usize> {
    (0..categories.count()).filter(|&k| Some(k) != drop).collect()
}

/// The category `k` of `--categorical` numbers.
fn number(categories: &Categories, k: usize) -> f64 {
    match categories.0[k] {
        Category::Number(v) => v,
        Category::Text(_) => f64::NAN,
    }
}

/// The text column `name`'s category index `(N, 1)` int64: the category's own, the most
/// frequent one's for a missing cell (-1 without imputation), -1 for an unseen category.
fn text_index(graph: &mut Graph, name: &str, categories: &Categories, most_frequent: Option<usize>) -> String {
    let mut keys: Vec<String> = (0..categories.count()).map(|k| categories.name(k)).collect();
    let mut values: Vec<i64> = (0..keys.len()).map(as_i64).collect();
    // No category is a missing token (those cells were missing at fit), so the keys are distinct.
    let missing = missing_spellings();
    values.extend(std::iter::repeat_n(most_frequent.map_or(-1, as_i64), missing.len()));
    keys.extend(missing);
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let attributes = vec![
        strings_attribute("keys_strings", &keys),
        ints_attribute("values_int64s", &values),
        int_attribute("default_int64", -1),
    ];
    graph.domain_node(ML_DOMAIN, "LabelEncoder", &[name], attributes)
}

/// Every ASCII-case spelling of the missing tokens ("na", "nA", "Na", "NA", ...): a
/// `LabelEncoder` compares exactly, and ONNX Runtime's `StringNormalizer` depends on the
/// machine's locales.
fn missing_spellings() -> Vec<String> {
    let mut spellings = Vec::new();
    for token in MISSING_TEXT {
        let letters: Vec<usize> =
            token.char_indices().filter(|(_, c)| c.is_ascii_alphabetic()).map(|(i, _)| i).collect();
        for mask in 0..1_usize << letters.len() {
            let mut spelling: Vec<u8> = token.as_bytes().to_vec();
            for (bit, &i) in letters.iter().enumerate() {
                if (mask >> bit) & 1 == 1 {
                    spelling[i] = spelling[i].to_ascii_uppercase();
                }
            }
            spellings.push(String::from_utf8_lossy(&spelling).into_owned());
        }
    }
    spellings
}

/// The graph input `name` as double (a `Cast` for a float32 model).
fn as_double(graph: &mut Graph, name: &str, elem_type: i32) -> String {
    if elem_type == data_type::DOUBLE {
        return name.to_owned();
    }
    graph.node("Cast", &[name], None, vec![int_attribute("to", i64::from(data_type::DOUBLE))])
}

/// `x` with its NaN replaced by `fill` (a constant named `constant`).
fn fill_nan(graph: &mut Graph, x: &str, fill: f64, constant: &str) -> String {
    let fill = graph.floats(constant, &[], [fill]);
    let nan = graph.node("IsNaN", &[x], None, Vec::new());
    graph.node("Where", &[&nan, &fill, x], None, Vec::new())
}

/// A count as ONNX's int64 (a number of categories, which fits).
fn as_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::is_missing;

    #[test]
    fn the_missing_spellings_are_exactly_what_the_command_reads_as_missing() {
        let spellings = missing_spellings();
        assert_eq!(spellings.len(), 1 + 1 + 4 + 4 + 8 + 8 + 16);
        assert!(spellings.iter().all(|s| is_missing(s)), "{spellings:?}");
        let distinct: std::collections::BTreeSet<&String> = spellings.iter().collect();
        assert_eq!(distinct.len(), spellings.len());
        assert!(spellings.contains(&"N/a".to_owned()) && spellings.contains(&"-NaN".to_owned()));
        assert!(!is_missing("nil") && !spellings.contains(&"nil".to_owned()));
    }
}
