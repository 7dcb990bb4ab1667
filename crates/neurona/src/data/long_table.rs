//! Sequences from a long table: one row per step, a column naming the sequence, optionally a
//! column to order the steps by, feature columns and a target column (one target per sequence,
//! repeated or given once, or one per step). The grouping is pure: the command line reads the
//! file, this module turns its columns into a [`SequenceSet`] and the targets.

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;

use ndarray::{ArrayView2, s};

use crate::data::sequences::{SequenceSet, zeros_checked};
use crate::data::validate::{check_finite, check_length};
use crate::error::{NeuronaError, Result};
use crate::float::Float;

/// The rows of a long table grouped into sequences.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedSequences<F: Float, K> {
    /// The sequences, in the order in which their ids first appear in the table.
    pub sequences: SequenceSet<F>,
    /// The id of each sequence.
    pub ids: Vec<K>,
    /// The table rows of each sequence's steps, in step order: where a per-step prediction
    /// goes back to.
    pub rows: Vec<Vec<usize>>,
}

/// Groups the rows of a long table into sequences: `ids` names each row's sequence, `steps`
/// (optional) orders the rows within a sequence (table order otherwise), `features` is
/// `(n_rows, n_features)`. Sequences come in order of first appearance. A step that is not
/// finite, or that appears twice in one sequence, is an error naming the row(s) and the id.
pub fn group_sequences<F: Float, K: Eq + Hash + Clone + Display>(
    ids: &[K],
    steps: Option<&[f64]>,
    features: ArrayView2<'_, F>,
) -> Result<GroupedSequences<F, K>> {
    let (n_rows, n_features) = features.dim();
    if n_rows == 0 {
        return Err(NeuronaError::input("X", "is empty (0 rows), but at least 1 is needed"));
    }
    if n_features == 0 {
        return Err(NeuronaError::input(
            "X",
            format!("has 0 features (shape ({n_rows}, 0)), but at least 1 is needed"),
        ));
    }
    check_length("ids", ids.len(), n_rows)?;
    check_finite("X", features)?;
    let (order, mut rows) = group_rows(ids);
    if let Some(steps) = steps {
        check_length("steps", steps.len(), n_rows)?;
        order_by_step(&order, &mut rows, steps)?;
    }
    let lengths: Vec<usize> = rows.iter().map(Vec::len).collect();
    let t_max = lengths.iter().copied().max().unwrap_or(0);
    let mut values = zeros_checked(rows.len(), t_max, n_features)?;
    for (i, sequence_rows) in rows.iter().enumerate() {
        for (t, &row) in sequence_rows.iter().enumerate() {
            values.slice_mut(s![i, t, ..]).assign(&features.row(row));
        }
    }
    let ids = order.into_iter().cloned().collect();
    Ok(GroupedSequences { sequences: SequenceSet::from_checked_parts(values, lengths), ids, rows })
}

impl<F: Float, K: Display> GroupedSequences<F, K> {
    /// One target per sequence, from one entry per table row (`None`: missing): every given
    /// target of a sequence must agree and at least one be given. Errors name the sequence id
    /// and the rows.
    pub fn sequence_targets<T: Clone + PartialEq + Display>(&self, targets: &[Option<T>]) -> Result<Vec<T>> {
        self.check_rows(targets)?;
        self.ids.iter().zip(&self.rows).map(|(id, rows)| sequence_target(id, rows, targets)).collect()
    }

    /// One target per step of each sequence, in step order, from one entry per table row
    /// (`None`: missing): every row needs one. Errors name the sequence id and the row.
    pub fn step_targets<T: Clone>(&self, targets: &[Option<T>]) -> Result<Vec<Vec<T>>> {
        self.check_rows(targets)?;
        let step_target = |id: &K, t: usize, row: usize| {
            targets[row].clone().ok_or_else(|| {
                NeuronaError::input(
                    "y",
                    format!(
                        "is missing at row {row} (step {t} of sequence '{id}'), but a target per step needs one on \
                         every row"
                    ),
                )
            })
        };
        let steps =
            |(id, rows): (&K, &Vec<usize>)| rows.iter().enumerate().map(|(t, &row)| step_target(id, t, row)).collect();
        self.ids.iter().zip(&self.rows).map(steps).collect()
    }

    /// Checks that `targets` has one entry per table row.
    fn check_rows<T>(&self, targets: &[Option<T>]) -> Result<()> {
        check_length("y", targets.len(), self.rows.iter().map(Vec::len).sum())
    }
}

/// The distinct ids in order of first appearance, and the rows of each in table order.
fn group_rows<K: Eq + Hash>(ids: &[K]) -> (Vec<&K>, Vec<Vec<usize>>) {
    let mut index: HashMap<&K, usize> = HashMap::new();
    let mut order = Vec::new();
    let mut rows: Vec<Vec<usize>> = Vec::new();
    for (row, id) in ids.iter().enumerate() {
        let i = *index.entry(id).or_insert_with(|| {
            order.push(id);
            rows.push(Vec::new());
            order.len() - 1
        });
        rows[i].push(row);
    }
    (order, rows)
}

/// Sorts each sequence's rows by step; a non-finite or repeated step is an error.
fn order_by_step<K: Display>(order: &[&K], rows: &mut [Vec<usize>], steps: &[f64]) -> Result<()> {
    if let Some((row, step)) = steps.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        let what = if step.is_nan() { "NaN" } else { "infinity" };
        return Err(NeuronaError::input("steps", format!("contains {what} at row {row}")));
    }
    for (id, sequence_rows) in order.iter().zip(rows.iter_mut()) {
        // Stable, so that the table order is kept where it does not matter.
        sequence_rows.sort_by(|&a, &b| steps[a].total_cmp(&steps[b]));
        if let Some(pair) = sequence_rows.windows(2).find(|pair| steps[pair[0]] == steps[pair[1]]) {
            return Err(NeuronaError::input(
                "steps",
                format!(
                    "has {} twice in sequence '{id}' (rows {} and {}), but the steps of a sequence must differ",
                    steps[pair[0]],
                    pair[0].min(pair[1]),
                    pair[0].max(pair[1])
                ),
            ));
        }
    }
    Ok(())
}

/// The one target of a sequence, from the rows that give it.
fn sequence_target<T: Clone + PartialEq + Display>(
    id: &impl Display,
    rows: &[usize],
    targets: &[Option<T>],
) -> Result<T> {
    let mut given = rows.iter().filter_map(|&row| targets[row].as_ref().map(|v| (row, v)));
    let Some((first_row, first)) = given.next() else {
        return Err(NeuronaError::input(
            "y",
            format!("has no target for sequence '{id}' (all its {} rows are missing)", rows.len()),
        ));
    };
    if let Some((row, other)) = given.find(|(_, v)| *v != first) {
        let (a, b) =
            if first_row < row { ((first_row, first), (row, other)) } else { ((row, other), (first_row, first)) };
        return Err(NeuronaError::input(
            "y",
            format!(
                "has two targets for sequence '{id}': '{}' at row {} and '{}' at row {}, but a target per sequence \
                 must be the same on all its rows",
                a.1, a.0, b.1, b.0
            ),
        ));
    }
    Ok(first.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    fn table() -> (Vec<&'static str>, Vec<f64>, Array2<f64>) {
        // Two sequences interleaved, rows out of step order.
        let ids = vec!["b", "a", "b", "a", "a"];
        let steps = vec![2.0, 10.0, 1.0, 0.5, 3.0];
        let x = array![[20.0], [110.0], [10.0], [105.0], [130.0]];
        (ids, steps, x)
    }

    #[test]
    fn groups_in_order_of_appearance_and_sorts_by_step() {
        let (ids, steps, x) = table();
        let grouped = group_sequences(&ids, Some(&steps), x.view()).unwrap();
        assert_eq!(grouped.ids, ["b", "a"]);
        assert_eq!(grouped.rows, [vec![2, 0], vec![3, 4, 1]]);
        assert_eq!(grouped.sequences.lengths(), &[2, 3]);
        assert_eq!(grouped.sequences.values(), &[10.0, 20.0, 0.0, 105.0, 130.0, 110.0]);
        let unordered = group_sequences(&ids, None, x.view()).unwrap();
        assert_eq!(unordered.rows, [vec![0, 2], vec![1, 3, 4]]);
    }

    #[test]
    fn targets_per_sequence_and_per_step() {
        let (ids, steps, x) = table();
        let y = vec![Some("cat"), None, None, Some("dog"), Some("dog")];
        let grouped = group_sequences(&ids, Some(&steps), x.view()).unwrap();
        assert_eq!(grouped.sequence_targets(&y).unwrap(), ["cat", "dog"]);
        let y: Vec<Option<f64>> = (0..5).map(|v| Some(v as f64)).collect();
        assert_eq!(grouped.step_targets(&y).unwrap(), [vec![2.0, 0.0], vec![3.0, 4.0, 1.0]]);
    }

    #[test]
    fn errors_name_the_sequence_and_rows() {
        let (ids, steps, x) = table();
        let grouped = group_sequences(&ids, Some(&steps), x.view()).unwrap();
        let none = vec![Some(1), None, None, None, None];
        assert_eq!(
            grouped.sequence_targets(&none).unwrap_err().to_string(),
            "y has no target for sequence 'a' (all its 3 rows are missing)"
        );
        let disagree = vec![Some(1), Some(7), None, Some(7), Some(8)];
        assert_eq!(
            grouped.sequence_targets(&disagree).unwrap_err().to_string(),
            "y has two targets for sequence 'a': '7' at row 3 and '8' at row 4, but a target per sequence must be the \
             same on all its rows"
        );
        let gap = vec![Some(1), Some(7), None, Some(7), Some(8)];
        assert_eq!(
            grouped.step_targets(&gap).unwrap_err().to_string(),
            "y is missing at row 2 (step 0 of sequence 'b'), but a target per step needs one on every row"
        );
        let repeated = vec![2.0, 10.0, 1.0, 10.0, 3.0];
        assert_eq!(
            group_sequences(&ids, Some(&repeated), x.view()).unwrap_err().to_string(),
            "steps has 10 twice in sequence 'a' (rows 1 and 3), but the steps of a sequence must differ"
        );
        let nan_step = vec![2.0, f64::NAN, 1.0, 0.0, 3.0];
        assert_eq!(
            group_sequences(&ids, Some(&nan_step), x.view()).unwrap_err().to_string(),
            "steps contains NaN at row 1"
        );
        let mut nan_x = x.clone();
        nan_x[[4, 0]] = f64::INFINITY;
        assert_eq!(
            group_sequences(&ids, None, nan_x.view()).unwrap_err().to_string(),
            "X contains infinity at row 4, column 0"
        );
        assert!(matches!(
            group_sequences(&ids[..4], None, x.view()),
            Err(NeuronaError::InconsistentSamples { input: "ids", expected: 5, found: 4 })
        ));
        for short in [grouped.sequence_targets(&none[..2]).map(|_| ()), grouped.step_targets(&none[..2]).map(|_| ())] {
            assert!(matches!(short, Err(NeuronaError::InconsistentSamples { input: "y", .. })));
        }
        let empty = Array2::<f64>::zeros((0, 1));
        assert!(group_sequences::<f64, &str>(&[], None, empty.view()).unwrap_err().to_string().contains("empty"));
    }
}
