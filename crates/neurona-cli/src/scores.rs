//! Scores printed by `train` and `evaluate`: accuracy, per-class precision, recall and F1, the
//! confusion matrix; R², MAE and RMSE for regression.

use std::fmt::Write;

use ndarray::{Array2, Axis};

/// `counts[true][predicted]` over `classes`; labels outside the classes are not counted.
pub fn confusion(classes: &[String], truth: &[String], predicted: &[String]) -> Vec<Vec<usize>> {
    let index = |label: &String| classes.iter().position(|c| c == label);
    let mut counts = vec![vec![0; classes.len()]; classes.len()];
    for (t, p) in truth.iter().zip(predicted) {
        if let (Some(i), Some(j)) = (index(t), index(p)) {
            counts[i][j] += 1;
        }
    }
    counts
}

/// `(precision, recall, f1, support)` of each class from a confusion matrix (0 where undefined,
/// as scikit-learn's `zero_division=0`).
pub fn per_class(counts: &[Vec<usize>]) -> Vec<(f64, f64, f64, usize)> {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    (0..counts.len())
        .map(|k| {
            let hit = counts[k][k];
            let support: usize = counts[k].iter().sum();
            let predicted: usize = counts.iter().map(|row| row[k]).sum();
            let (precision, recall) = (ratio(hit, predicted), ratio(hit, support));
            let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
            (precision, recall, f1, support)
        })
        .collect()
}

pub fn accuracy(truth: &[String], predicted: &[String]) -> f64 {
    truth.iter().zip(predicted).filter(|(t, p)| t == p).count() as f64 / truth.len().max(1) as f64
}

/// The classification report: accuracy, a per-class table and the confusion matrix.
pub fn classification_report(classes: &[String], truth: &[String], predicted: &[String]) -> String {
    let counts = confusion(classes, truth, predicted);
    let width = classes.iter().map(String::len).max().unwrap_or(5).max(5);
    let mut out = String::new();
    let _ = writeln!(out, "accuracy: {:.4} ({} samples)\n", accuracy(truth, predicted), truth.len());
    let _ = writeln!(out, "{:>width$}  precision  recall  f1-score  support", "class");
    for (class, (p, r, f, s)) in classes.iter().zip(per_class(&counts)) {
        let _ = writeln!(out, "{class:>width$}  {p:>9.4}  {r:>6.4}  {f:>8.4}  {s:>7}");
    }
    let _ = writeln!(out, "\nconfusion matrix (rows: true class, columns: predicted class)");
    let cell = counts.iter().flatten().map(|c| c.to_string().len()).max().unwrap_or(1).max(width.min(8));
    let _ = write!(out, "{:>width$}", "");
    for class in classes {
        let _ = write!(out, " {:>cell$}", truncate(class, cell));
    }
    let _ = writeln!(out);
    for (class, row) in classes.iter().zip(&counts) {
        let _ = write!(out, "{class:>width$}");
        for c in row {
            let _ = write!(out, " {c:>cell$}");
        }
        let _ = writeln!(out);
    }
    out
}

fn truncate(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
}

/// `(r2, mae, rmse)` of each output column.
pub fn regression_scores(truth: &Array2<f64>, predicted: &Array2<f64>) -> Vec<(f64, f64, f64)> {
    truth
        .axis_iter(Axis(1))
        .zip(predicted.axis_iter(Axis(1)))
        .map(|(t, p)| {
            let t2 = t.to_owned().insert_axis(Axis(1));
            let p2 = p.to_owned().insert_axis(Axis(1));
            (
                neurona::metrics::r2_score(t2.view(), p2.view(), None),
                neurona::metrics::mean_absolute_error(t2.view(), p2.view()),
                neurona::metrics::root_mean_squared_error(t2.view(), p2.view()),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn confusion_and_per_class_scores() {
        let classes = labels(&["a", "b"]);
        let counts = confusion(&classes, &labels(&["a", "a", "b", "b"]), &labels(&["a", "b", "b", "b"]));
        assert_eq!(counts, vec![vec![1, 1], vec![0, 2]]);
        let scores = per_class(&counts);
        assert_eq!(scores[0], (1.0, 0.5, 2.0 / 3.0, 2));
        assert_eq!(scores[1].0, 2.0 / 3.0);
        assert_eq!(accuracy(&labels(&["a", "b"]), &labels(&["a", "a"])), 0.5);
    }
}
