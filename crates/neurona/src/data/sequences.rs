//! Sequences of unequal lengths, held padded: the input of the recurrent estimators.
//!
//! A [`SequenceSet`] keeps `n` sequences of `n_features` values per step in one row-major
//! `(n, t_max, n_features)` array, zeros after each sequence's own last step, beside the true
//! `lengths`. One contiguous block lets a network read a batch of steps with one matrix product;
//! the lengths say where each sequence stops, so that the padding never enters an output, a loss
//! or a gradient. Every constructor checks what it is given (at least one sequence, at least one
//! step per sequence, one feature count, finite values) and names where a rule is broken.
//!
//! ```
//! use ndarray::array;
//! use neurona::data::sequences::SequenceSet;
//!
//! let long = array![[0.1, 1.0], [0.2, 2.0], [0.3, 3.0]];
//! let short = array![[0.4, 4.0]];
//! let set = SequenceSet::from_sequences([&long, &short])?;
//! assert_eq!((set.n_sequences(), set.t_max(), set.n_features()), (2, 3, 2));
//! assert_eq!(set.lengths(), &[3, 1]);
//! assert_eq!(set.sequence(1), short);
//! # Ok::<(), neurona::NeuronaError>(())
//! ```

use ndarray::{Array3, ArrayView2, ArrayView3, AsArray, Ix2, s};

use crate::data::validate::check_reservable;
use crate::error::{NeuronaError, Result};
use crate::float::Float;
use crate::params::declare::named_enum;

named_enum! {
    /// How a 3-D array of equal-length sequences orders its axes. Default:
    /// [`SequenceLayout::StepsFeatures`].
    pub enum SequenceLayout for "layout" {
        /// `(n_sequences, n_steps, n_features)`: PyTorch's `batch_first=True`, Keras's order.
        #[default]
        StepsFeatures = "steps_features",
        /// `(n_cases, n_channels, n_timepoints)`: the order of aeon and sktime, so that their
        /// users switch with one argument. Transposed on the way in.
        FeaturesSteps = "features_steps",
    }
}

/// `n` sequences of `n_features` values per step, of lengths `1..=t_max`, padded with zeros
/// to `t_max` steps. Built only by its checked constructors, so every instance holds at least
/// one sequence, one feature and one step per sequence, and only finite values.
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceSet<F: Float> {
    /// `(n_sequences, t_max, n_features)`, standard (row-major) layout, zero after each length.
    values: Array3<F>,
    /// Steps of each sequence, each in `1..=t_max`, and `t_max` is their maximum.
    lengths: Vec<usize>,
}

impl<F: Float> SequenceSet<F> {
    /// Sequences from a list of 2-D arrays `(n_steps_i, n_features)`, one per sequence
    /// (`&Array2<F>` or `ArrayView2<F>`): the list is empty, a sequence has no step, the feature
    /// counts differ, or a value is NaN or infinite: an error naming the sequence (and step,
    /// feature).
    pub fn from_sequences<'a, V>(sequences: impl IntoIterator<Item = V>) -> Result<Self>
    where
        V: AsArray<'a, F, Ix2>,
        F: 'a,
    {
        let views: Vec<ArrayView2<'a, F>> = sequences.into_iter().map(Into::into).collect();
        let first = views.first().ok_or_else(empty)?;
        let n_features = first.ncols();
        for (i, view) in views.iter().enumerate() {
            let (n_steps, width) = view.dim();
            if n_steps == 0 {
                return Err(no_steps(i, view.dim()));
            }
            if width != n_features {
                return Err(NeuronaError::input(
                    "X",
                    format!("has {width} features in sequence {i}, but {n_features} in sequence 0"),
                ));
            }
            check_finite_sequence(i, *view)?;
        }
        if n_features == 0 {
            return Err(no_features(first.dim()));
        }
        let lengths: Vec<usize> = views.iter().map(|v| v.nrows()).collect();
        let mut values = zeros_checked(views.len(), max_length(&lengths), n_features)?;
        for (i, view) in views.iter().enumerate() {
            values.slice_mut(s![i, ..view.nrows(), ..]).assign(view);
        }
        Ok(Self { values, lengths })
    }

    /// Equal-length sequences from one 3-D array, its axes ordered as `layout` says; every
    /// sequence is as long as the array's step axis.
    pub fn from_array3(x: ArrayView3<'_, F>, layout: SequenceLayout) -> Result<Self> {
        let x = match layout {
            SequenceLayout::StepsFeatures => x,
            SequenceLayout::FeaturesSteps => x.permuted_axes([0, 2, 1]),
        };
        let (n, n_steps, n_features) = x.dim();
        if n == 0 {
            return Err(empty());
        }
        if n_steps == 0 {
            return Err(NeuronaError::input(
                "X",
                format!("has 0 steps (shape {}), but every sequence needs at least 1", layout_shape(x, layout)),
            ));
        }
        if n_features == 0 {
            return Err(NeuronaError::input(
                "X",
                format!("has 0 features (shape {}), but at least 1 is needed", layout_shape(x, layout)),
            ));
        }
        for (i, sequence) in x.outer_iter().enumerate() {
            check_finite_sequence(i, sequence)?;
        }
        check_reservable(|| format!("X of shape {:?}", x.dim()), x.len() as f64, size_of::<F>())?;
        // One copy either way: the view is borrowed, and the features-steps case is transposed
        // into row-major order by that same copy.
        let values = x.as_standard_layout().into_owned();
        Ok(Self { values, lengths: vec![n_steps; n] })
    }

    /// Sequences already padded: `values: (n, t_max, n_features)` and the true length of each,
    /// in `1..=t_max`. The padding may hold anything (NaN too, as aeon pads); it is set to
    /// zero and never checked.
    pub fn from_padded(values: Array3<F>, lengths: Vec<usize>) -> Result<Self> {
        let (n, t_max, n_features) = values.dim();
        if n == 0 {
            return Err(empty());
        }
        if lengths.len() != n {
            return Err(NeuronaError::InconsistentSamples { input: "lengths", expected: n, found: lengths.len() });
        }
        if n_features == 0 {
            return Err(NeuronaError::input(
                "X",
                format!("has 0 features (shape ({n}, {t_max}, 0)), but at least 1 is needed"),
            ));
        }
        if let Some((i, &len)) = lengths.iter().enumerate().find(|&(_, &len)| len == 0 || len > t_max) {
            return Err(NeuronaError::input(
                "lengths",
                format!("has {len} at index {i}, but each length must be in 1..={t_max} (the padded steps of X)"),
            ));
        }
        let mut values = if values.is_standard_layout() { values } else { values.as_standard_layout().into_owned() };
        for (i, (mut sequence, &len)) in values.outer_iter_mut().zip(&lengths).enumerate() {
            check_finite_sequence(i, sequence.slice(s![..len, ..]))?;
            sequence.slice_mut(s![len.., ..]).fill(F::zero());
        }
        // Trailing steps that no sequence reaches are dropped, so that t_max is the longest.
        let longest = max_length(&lengths);
        if longest < t_max {
            values = values.slice(s![.., ..longest, ..]).to_owned();
        }
        Ok(Self { values, lengths })
    }

    /// Number of sequences.
    pub fn n_sequences(&self) -> usize {
        self.lengths.len()
    }

    /// Steps of the longest sequence: the padded length.
    pub fn t_max(&self) -> usize {
        self.values.dim().1
    }

    /// Values per step.
    pub fn n_features(&self) -> usize {
        self.values.dim().2
    }

    /// Steps of each sequence.
    pub fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// Every value, padding included, row-major `(n_sequences, t_max, n_features)`.
    pub fn values(&self) -> &[F] {
        self.values.as_slice().expect("a SequenceSet keeps its values in standard layout")
    }

    /// The padded array `(n_sequences, t_max, n_features)`.
    pub fn padded(&self) -> ArrayView3<'_, F> {
        self.values.view()
    }

    /// The padded array and the lengths, taken apart.
    pub fn into_parts(self) -> (Array3<F>, Vec<usize>) {
        (self.values, self.lengths)
    }

    /// Sequence `i` without its padding, `(lengths[i], n_features)`.
    ///
    /// # Panics
    /// If `i >= n_sequences()`, as slice indexing does.
    pub fn sequence(&self, i: usize) -> ArrayView2<'_, F> {
        self.values.slice(s![i, ..self.lengths[i], ..])
    }

    /// The sequences at `rows`, in that order (repeats allowed), padded to the longest of them.
    /// No row, or a row out of range: an error naming it.
    pub fn select(&self, rows: &[usize]) -> Result<Self> {
        if rows.is_empty() {
            return Err(NeuronaError::input("rows", "is empty, but a selection needs at least 1 sequence"));
        }
        if let Some((at, &row)) = rows.iter().enumerate().find(|&(_, &row)| row >= self.n_sequences()) {
            return Err(NeuronaError::input(
                "rows",
                format!("has {row} at index {at}, but there are {} sequences", self.n_sequences()),
            ));
        }
        let lengths: Vec<usize> = rows.iter().map(|&row| self.lengths[row]).collect();
        let t_max = max_length(&lengths);
        let mut values = Array3::zeros((rows.len(), t_max, self.n_features()));
        for (mut out, &row) in values.outer_iter_mut().zip(rows) {
            out.assign(&self.values.slice(s![row, ..t_max, ..]));
        }
        Ok(Self { values, lengths })
    }

    /// The same sequences in another float type, rounded as numpy's `astype` rounds.
    pub fn cast<G: Float>(&self) -> SequenceSet<G> {
        SequenceSet { values: self.values.mapv(|v| G::from_f64(v.as_f64())), lengths: self.lengths.clone() }
    }

    /// Built from parts already checked (finite, standard layout, padding zero, lengths in
    /// range): for the modules of `data` that assemble sequences row by row.
    pub(crate) fn from_checked_parts(values: Array3<F>, lengths: Vec<usize>) -> Self {
        debug_assert!(values.is_standard_layout() && values.dim().0 == lengths.len());
        Self { values, lengths }
    }
}

/// A zeroed `(n, t_max, n_features)` array, or an out-of-memory error for sizes that cannot be
/// held (one very long sequence pads every other to its length).
pub(crate) fn zeros_checked<F: Float>(n: usize, t_max: usize, n_features: usize) -> Result<Array3<F>> {
    check_reservable(
        || format!("{n} sequences padded to {t_max} steps of {n_features} features"),
        n as f64 * t_max as f64 * n_features as f64,
        size_of::<F>(),
    )?;
    Ok(Array3::zeros((n, t_max, n_features)))
}

fn max_length(lengths: &[usize]) -> usize {
    lengths.iter().copied().max().unwrap_or(0)
}

fn empty() -> NeuronaError {
    NeuronaError::input("X", "is empty (0 sequences), but at least 1 is needed")
}

fn no_steps(i: usize, shape: (usize, usize)) -> NeuronaError {
    NeuronaError::input(
        "X",
        format!("has 0 steps in sequence {i} (shape {shape:?}), but every sequence needs at least 1"),
    )
}

fn no_features(shape: (usize, usize)) -> NeuronaError {
    NeuronaError::input("X", format!("has 0 features (sequence 0 has shape {shape:?}), but at least 1 is needed"))
}

/// The shape as the user gave it, for the messages of [`SequenceSet::from_array3`].
fn layout_shape<F>(x: ArrayView3<'_, F>, layout: SequenceLayout) -> String {
    let (n, steps, features) = x.dim();
    match layout {
        SequenceLayout::StepsFeatures => format!("({n}, {steps}, {features})"),
        SequenceLayout::FeaturesSteps => format!("({n}, {features}, {steps})"),
    }
}

/// Every value of sequence `i` finite; the message names the first bad one by step and feature.
/// A branch-free pass first, as `validate::check_finite` does, and the search only on failure.
fn check_finite_sequence<F: Float>(i: usize, sequence: ArrayView2<'_, F>) -> Result<()> {
    let all_finite = sequence.iter().fold(true, |ok, v| ok & v.is_finite());
    if all_finite {
        return Ok(());
    }
    let ((step, feature), &v) =
        sequence.indexed_iter().find(|(_, v)| !v.is_finite()).expect("a non-finite value was seen");
    let what = if v.is_nan() { "NaN" } else { "infinity" };
    Err(NeuronaError::input("X", format!("contains {what} in sequence {i} at step {step}, feature {feature}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    fn two() -> (Array2<f64>, Array2<f64>) {
        (array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], array![[7.0, 8.0]])
    }

    #[test]
    fn pads_unequal_sequences_with_zeros() {
        let (a, b) = two();
        let set = SequenceSet::from_sequences([&a, &b]).unwrap();
        assert_eq!((set.n_sequences(), set.t_max(), set.n_features()), (2, 3, 2));
        assert_eq!(set.lengths(), &[3, 1]);
        assert_eq!(set.values(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(set.sequence(1), b);
        let views = SequenceSet::from_sequences(vec![a.view(), b.view()]).unwrap();
        assert_eq!(views, set);
    }

    #[test]
    fn from_sequences_names_the_bad_sequence() {
        let (a, _) = two();
        let none: [&Array2<f64>; 0] = [];
        assert_eq!(
            SequenceSet::from_sequences(none).unwrap_err().to_string(),
            "X is empty (0 sequences), but at least 1 is needed"
        );
        let empty = Array2::<f64>::zeros((0, 2));
        assert_eq!(
            SequenceSet::from_sequences([&a, &a, &a, &empty]).unwrap_err().to_string(),
            "X has 0 steps in sequence 3 (shape (0, 2)), but every sequence needs at least 1"
        );
        let wide = Array2::<f64>::zeros((2, 5));
        assert_eq!(
            SequenceSet::from_sequences([&a, &a, &wide]).unwrap_err().to_string(),
            "X has 5 features in sequence 2, but 2 in sequence 0"
        );
        let mut nan = a.clone();
        nan[[2, 1]] = f64::NAN;
        assert_eq!(
            SequenceSet::from_sequences([&a, &nan]).unwrap_err().to_string(),
            "X contains NaN in sequence 1 at step 2, feature 1"
        );
        let inf = array![[f32::INFINITY]];
        assert!(SequenceSet::from_sequences([&inf]).unwrap_err().to_string().contains("infinity in sequence 0"));
        let narrow = Array2::<f64>::zeros((3, 0));
        assert!(SequenceSet::from_sequences([&narrow]).unwrap_err().to_string().contains("has 0 features"));
    }

    #[test]
    fn array3_layouts_agree() {
        let steps_features = Array3::from_shape_fn((2, 4, 3), |(i, t, f)| (100 * i + 10 * t + f) as f64);
        let features_steps = steps_features.clone().permuted_axes([0, 2, 1]).as_standard_layout().into_owned();
        let a = SequenceSet::from_array3(steps_features.view(), SequenceLayout::StepsFeatures).unwrap();
        let b = SequenceSet::from_array3(features_steps.view(), SequenceLayout::FeaturesSteps).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.lengths(), &[4, 4]);
        assert_eq!(a.sequence(1)[[2, 1]], 121.0);
        assert_eq!(a.values(), steps_features.as_slice().unwrap());
        assert_eq!("features_steps".parse::<SequenceLayout>().unwrap(), SequenceLayout::FeaturesSteps);
        assert_eq!(SequenceLayout::default(), SequenceLayout::StepsFeatures);
    }

    #[test]
    fn array3_errors_give_the_shape_as_given() {
        let no_steps = Array3::<f64>::zeros((2, 3, 0));
        assert_eq!(
            SequenceSet::from_array3(no_steps.view(), SequenceLayout::FeaturesSteps).unwrap_err().to_string(),
            "X has 0 steps (shape (2, 3, 0)), but every sequence needs at least 1"
        );
        let empty = Array3::<f64>::zeros((0, 3, 2));
        assert!(SequenceSet::from_array3(empty.view(), SequenceLayout::StepsFeatures).is_err());
        let mut nan = Array3::<f64>::zeros((2, 3, 4));
        nan[[1, 2, 0]] = f64::NAN;
        // features_steps: channel 2, time point 0 is step 0, feature 2.
        assert_eq!(
            SequenceSet::from_array3(nan.view(), SequenceLayout::FeaturesSteps).unwrap_err().to_string(),
            "X contains NaN in sequence 1 at step 0, feature 2"
        );
    }

    #[test]
    fn from_padded_zeroes_the_padding_and_checks_lengths() {
        let mut values = Array3::from_elem((2, 4, 1), f64::NAN);
        values.slice_mut(s![0, ..2, ..]).fill(1.0);
        values.slice_mut(s![1, ..3, ..]).fill(2.0);
        let set = SequenceSet::from_padded(values.clone(), vec![2, 3]).unwrap();
        assert_eq!(set.t_max(), 3, "steps no sequence reaches are dropped");
        assert_eq!(set.values(), &[1.0, 1.0, 0.0, 2.0, 2.0, 2.0]);
        assert_eq!(
            SequenceSet::from_padded(values.clone(), vec![2, 5]).unwrap_err().to_string(),
            "lengths has 5 at index 1, but each length must be in 1..=4 (the padded steps of X)"
        );
        assert!(SequenceSet::from_padded(values.clone(), vec![0, 3]).unwrap_err().to_string().contains("has 0 at"));
        assert!(matches!(
            SequenceSet::from_padded(values.clone(), vec![2]),
            Err(NeuronaError::InconsistentSamples { input: "lengths", .. })
        ));
        assert_eq!(
            SequenceSet::from_padded(values, vec![2, 4]).unwrap_err().to_string(),
            "X contains NaN in sequence 1 at step 3, feature 0"
        );
    }

    #[test]
    fn select_gathers_and_shrinks() {
        let (a, b) = two();
        let set = SequenceSet::from_sequences([&a, &b, &b]).unwrap();
        let picked = set.select(&[2, 1]).unwrap();
        assert_eq!((picked.t_max(), picked.lengths()), (1, &[1, 1][..]));
        assert_eq!(picked.values(), &[7.0, 8.0, 7.0, 8.0]);
        assert_eq!(set.select(&[1, 0]).unwrap().sequence(1), a);
        assert_eq!(set.select(&[0, 3]).unwrap_err().to_string(), "rows has 3 at index 1, but there are 3 sequences");
        assert!(set.select(&[]).is_err());
        let narrow: SequenceSet<f32> = set.cast();
        assert_eq!(narrow.values()[2], 3.0f32);
    }
}
