//! The early-stopping split, drawn exactly as scikit-learn draws it.
//!
//! With `early_stopping=True`, scikit-learn's MLP holds out a validation set with
//! `train_test_split(X, y, test_size=validation_fraction, random_state=rng, stratify=...)`, on
//! the same `RandomState` that just drew the initial weights. [`train_test_split_indices`] makes
//! the same draws from a [`RandomState`] in the same state, and so returns the same rows in the
//! same order:
//!
//! * without `stratify`, scikit-learn's `ShuffleSplit`: one permutation of all rows, the first
//!   `n_test` of which are the test set;
//! * with a binary `stratify` key (binary classification only: multiclass and multilabel
//!   targets are not stratified by scikit-learn's MLP), `StratifiedShuffleSplit`: each class
//!   gives its share of both sets (`_approximate_mode`, with random tie-breaking), each class
//!   is permuted, and both sets are permuted once more.
//!
//! [`stratified_split_indices`] is that stratified split for any number of classes, given each
//! sample's class index: the perceptron's early stopping draws its validation set with it
//! (scikit-learn's `StratifiedShuffleSplit` on the ±1 targets of a binary problem, on the labels
//! of a multiclass one).
//!
//! The errors carry scikit-learn's `ValueError` messages verbatim, after a short prefix that
//! names the input, so that a message matched by scikit-learn's tests still matches.

use crate::error::{NeuronaError, Result};
use crate::rng::RandomState;

/// Row indices of a train/test split, each set in the order scikit-learn returns it
/// (`X_train = X[train]`, `X_test = X[test]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainTestSplit {
    /// Indices of the training rows.
    pub train: Vec<usize>,
    /// Indices of the test (validation) rows.
    pub test: Vec<usize>,
}

/// Splits `0..n_samples` as `sklearn.model_selection.train_test_split(arange(n_samples),
/// test_size=test_fraction, random_state=rng, stratify=stratify.reshape(-1, 1))` does.
///
/// `n_test = ceil(test_fraction * n_samples)` and `n_train = n_samples - n_test`. `stratify` is
/// the bool-binarised target of a binary classifier, one value per sample; its classes are
/// processed in the order of their names, "False" then "True", as scikit-learn sorts them.
///
/// # Errors
///
/// All checked before anything is drawn, so `rng` is untouched on error:
///
/// * `test_fraction` not in the open interval (0, 1), NaN included (scikit-learn's
///   `test_size=... should be either positive and smaller than the number of samples ...`);
/// * an empty training set (`With n_samples=..., test_size=... and train_size=None, the
///   resulting train set will be empty. ...`);
/// * `stratify` not of length `n_samples` ([`NeuronaError::InconsistentSamples`]);
/// * a class of `stratify` with a single sample (`The least populated classes in y have only 1
///   member, ...`), or fewer training or test samples than classes (`The train_size = ...
///   should be greater or equal to the number of classes = ...`).
///
/// One difference: scikit-learn tells an integer `test_size=0` from a float `0.0` in its
/// message; `test_fraction` is always a float here, so the message says `test_size=0.0`.
///
/// ```
/// use neurona::data::split::train_test_split_indices;
/// use neurona::rng::RandomState;
///
/// // train_test_split(np.arange(10), test_size=0.25, random_state=np.random.RandomState(0))
/// let split = train_test_split_indices(10, 0.25, None, &mut RandomState::new(0)).unwrap();
/// assert_eq!(split.test, [2, 8, 4]);
/// assert_eq!(split.train, [9, 1, 6, 7, 3, 0, 5]);
/// ```
pub fn train_test_split_indices(
    n_samples: usize,
    test_fraction: f64,
    stratify: Option<&[bool]>,
    rng: &mut RandomState,
) -> Result<TrainTestSplit> {
    let (n_train, n_test) = split_sizes(n_samples, test_fraction)?;
    match stratify {
        None => {
            let mut train = rng.permutation(n_samples);
            let test = train.drain(..n_test).collect();
            Ok(TrainTestSplit { train, test })
        }
        Some(key) => {
            if key.len() != n_samples {
                return Err(NeuronaError::InconsistentSamples {
                    input: "stratify",
                    expected: n_samples,
                    found: key.len(),
                });
            }
            // The classes sorted by their names, as scikit-learn sorts the key: "False" < "True".
            let class_of: Vec<usize> = key.iter().map(|&v| usize::from(v)).collect();
            stratified_split(&class_of, &["'False'".to_owned(), "'True'".to_owned()], n_train, n_test, rng)
        }
    }
}

/// `(n_train, n_test)` for a float `test_size`, checked as scikit-learn's
/// `_validate_shuffle_split` checks them.
fn split_sizes(n_samples: usize, test_fraction: f64) -> Result<(usize, usize)> {
    // Written so that NaN fails too; scikit-learn would fail later, on `ceil(nan)`.
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(NeuronaError::input(
            "test_size",
            format!(
                "is out of range: test_size={} should be either positive and smaller than the \
                 number of samples {n_samples} or a float in the (0, 1) range",
                python_float_repr(test_fraction)
            ),
        ));
    }
    // The product is rounded once, as in Python; the cast cannot overflow since the product is
    // below n_samples (or rounds to it).
    let n_test = (test_fraction * n_samples as f64).ceil() as usize;
    let n_train = n_samples.saturating_sub(n_test);
    if n_train == 0 {
        return Err(NeuronaError::input(
            "test_size",
            format!(
                "leaves no training sample: With n_samples={n_samples}, test_size={} and \
                 train_size=None, the resulting train set will be empty. Adjust any of the \
                 aforementioned parameters.",
                python_float_repr(test_fraction)
            ),
        ));
    }
    Ok((n_train, n_samples - n_train))
}

/// Splits `0..class_of.len()` as scikit-learn's `StratifiedShuffleSplit(test_size=test_fraction,
/// random_state=rng)` draws its first split: each class gives its share of both sets, about
/// proportional to its size.
///
/// `class_of[i]` is the index of sample `i`'s class among `class_names`, which lists the classes
/// in the order scikit-learn sorts them (`np.unique` of the stratification key); the order
/// decides the draws, so it must be scikit-learn's. Classes without a sample are skipped, as
/// `np.unique` would not see them. `class_names[k]` is how the messages write class `k`.
///
/// # Errors
///
/// Those of [`train_test_split_indices`] for the sizes, and for the key (named `stratify`): a
/// class with a single sample, fewer training or test samples than classes, or a class index
/// out of range. All are checked before anything is drawn, so `rng` is untouched on error.
///
/// ```
/// use neurona::data::split::stratified_split_indices;
/// use neurona::rng::RandomState;
///
/// let class_of: Vec<usize> = (0..30).map(|i| i % 3).collect();
/// let names = ["a", "b", "c"].map(String::from);
/// let split = stratified_split_indices(&class_of, &names, 0.2, &mut RandomState::new(0)).unwrap();
/// for k in 0..3 {
///     assert_eq!(split.test.iter().filter(|&&i| class_of[i] == k).count(), 2);
/// }
/// ```
pub fn stratified_split_indices(
    class_of: &[usize],
    class_names: &[String],
    test_fraction: f64,
    rng: &mut RandomState,
) -> Result<TrainTestSplit> {
    let (n_train, n_test) = split_sizes(class_of.len(), test_fraction)?;
    stratified_split(class_of, class_names, n_train, n_test, rng)
}

/// scikit-learn's `StratifiedShuffleSplit._iter_indices`, first split, for sizes already checked.
fn stratified_split(
    class_of: &[usize],
    class_names: &[String],
    n_train: usize,
    n_test: usize,
    rng: &mut RandomState,
) -> Result<TrainTestSplit> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); class_names.len()];
    for (i, &k) in class_of.iter().enumerate() {
        let Some(class) = members.get_mut(k) else {
            return Err(NeuronaError::input(
                "stratify",
                format!("has class index {k} at sample {i}, but there are {} classes", class_names.len()),
            ));
        };
        class.push(i);
    }
    // The classes present, in the caller's (scikit-learn's sorted) order.
    let classes: Vec<(&str, Vec<usize>)> =
        class_names.iter().map(String::as_str).zip(members).filter(|(_, m)| !m.is_empty()).collect();

    let too_few: Vec<String> =
        classes.iter().filter(|(_, m)| m.len() < 2).map(|(name, _)| (*name).to_owned()).collect();
    if !too_few.is_empty() {
        return Err(NeuronaError::input(
            "stratify",
            format!(
                "has a class with a single sample: The least populated classes in y have only 1 \
                 member, which is too few. The minimum number of groups for any class cannot be \
                 less than 2. Classes with too few members are: [{}]",
                too_few.join(", ")
            ),
        ));
    }
    let n_classes = classes.len();
    if n_train < n_classes {
        return Err(NeuronaError::input(
            "stratify",
            format!(
                "has more classes than the training set has samples: The train_size = {n_train} \
                 should be greater or equal to the number of classes = {n_classes}"
            ),
        ));
    }
    if n_test < n_classes {
        return Err(NeuronaError::input(
            "stratify",
            format!(
                "has more classes than the test set has samples: The test_size = {n_test} should \
                 be greater or equal to the number of classes = {n_classes}"
            ),
        ));
    }

    let counts: Vec<usize> = classes.iter().map(|(_, m)| m.len()).collect();
    let train_counts = approximate_mode(&counts, n_train, rng);
    let remaining: Vec<usize> = counts.iter().zip(&train_counts).map(|(&c, &t)| c.saturating_sub(t)).collect();
    let test_counts = approximate_mode(&remaining, n_test, rng);

    let mut train = Vec::with_capacity(n_train);
    let mut test = Vec::with_capacity(n_test);
    for (c, (_, members)) in classes.iter().enumerate() {
        let shuffled: Vec<usize> = rng.permutation(members.len()).into_iter().map(|p| members[p]).collect();
        // Clamped like Python slices, although the counts never exceed the class size.
        let train_end = train_counts[c].min(shuffled.len());
        let test_end = train_end.saturating_add(test_counts[c]).min(shuffled.len());
        train.extend_from_slice(&shuffled[..train_end]);
        test.extend_from_slice(&shuffled[train_end..test_end]);
    }
    rng.shuffle(&mut train);
    rng.shuffle(&mut test);
    Ok(TrainTestSplit { train, test })
}

/// scikit-learn's `_approximate_mode(class_counts, n_draws, rng)`: how many of `n_draws`
/// samples each class gives, about proportionally to its count.
///
/// Each class first gets `floor(count / total * n_draws)`; the draws still missing go to the
/// classes with the largest remainders, and among classes with equal remainders to
/// `rng.choice(tied, k, replace=False)`. The floating-point expressions are scikit-learn's,
/// operation for operation: a remainder that should be 0 can come out as 0.9999999999999999,
/// and which classes tie decides how many words are drawn.
fn approximate_mode(counts: &[usize], n_draws: usize, rng: &mut RandomState) -> Vec<usize> {
    let total = counts.iter().sum::<usize>() as f64;
    let continuous: Vec<f64> = counts.iter().map(|&c| c as f64 / total * n_draws as f64).collect();
    let mut floored: Vec<f64> = continuous.iter().map(|x| x.floor()).collect();
    // The float-to-int cast saturates (NaN gives 0), as nothing here may panic.
    let mut need = (n_draws as f64 - floored.iter().sum::<f64>()) as i64;
    if need > 0 {
        let remainder: Vec<f64> = continuous.iter().zip(&floored).map(|(c, f)| c - f).collect();
        let mut values = remainder.clone();
        values.sort_by(|a, b| b.total_cmp(a));
        values.dedup();
        for value in values {
            let tied: Vec<usize> = (0..remainder.len()).filter(|&i| remainder[i] == value).collect();
            let add_now = tied.len().min(usize::try_from(need).unwrap_or(usize::MAX));
            // add_now <= tied.len(), so the choice cannot fail; it draws even when it takes all.
            for pick in rng.choice_without_replacement(tied.len(), add_now).unwrap_or_default() {
                floored[tied[pick]] += 1.0;
            }
            need -= add_now as i64;
            if need == 0 {
                break;
            }
        }
    }
    floored.into_iter().map(|x| x as usize).collect()
}

/// `repr(x)` of a Python float: the shortest round-trip digits, in exponent form below 1e-4 or
/// from 1e16 on, with a signed exponent of at least two digits (`1e-05`, `1e+16`).
fn python_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    // Rust's Debug uses the same digits and the same thresholds as Python's repr; only the
    // exponent is written differently.
    let debug = format!("{x:?}");
    match debug.split_once('e') {
        Some((mantissa, exponent)) => {
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(digits) => ('-', digits),
                None => ('+', exponent),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => debug,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_float_repr_matches_python() {
        let cases = [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (1.234e-5, "1.234e-05"),
            (5e-324, "5e-324"),
            (1e16, "1e+16"),
            (1.5e300, "1.5e+300"),
            (9999999999999998.0, "9999999999999998.0"),
            (-2.5, "-2.5"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (x, expected) in cases {
            assert_eq!(python_float_repr(x), expected);
        }
    }

    #[test]
    fn the_bool_key_is_the_two_class_index_key() {
        let key: Vec<bool> = (0..41).map(|i| i % 3 == 0).collect();
        let class_of: Vec<usize> = key.iter().map(|&v| usize::from(v)).collect();
        let names = ["'False'".to_owned(), "'True'".to_owned()];
        let (mut a, mut b) = (RandomState::new(5), RandomState::new(5));
        let by_bool = train_test_split_indices(41, 0.3, Some(&key), &mut a).unwrap();
        assert_eq!(stratified_split_indices(&class_of, &names, 0.3, &mut b).unwrap(), by_bool);
        assert_eq!(a, b, "the same draws");
    }

    #[test]
    fn class_indices_out_of_range_and_absent_classes() {
        let names = ["a", "b", "c"].map(String::from);
        let err = stratified_split_indices(&[0, 0, 3, 1], &names, 0.5, &mut RandomState::new(0)).unwrap_err();
        assert_eq!(err.to_string(), "stratify has class index 3 at sample 2, but there are 3 classes");
        // Class "b" has no sample: it is skipped, and "c" alone is too small.
        let err = stratified_split_indices(&[0, 0, 2], &names, 0.5, &mut RandomState::new(0)).unwrap_err();
        assert!(err.to_string().ends_with("Classes with too few members are: [c]"), "{err}");
    }

    #[test]
    fn approximate_mode_docstring_examples() {
        // The examples of scikit-learn's docstring that have two classes.
        assert_eq!(approximate_mode(&[4, 2], 3, &mut RandomState::new(0)), [2, 1]);
        assert_eq!(approximate_mode(&[5, 2], 4, &mut RandomState::new(0)), [3, 1]);
    }

    #[test]
    fn approximate_mode_four_classes_docstring_examples() {
        assert_eq!(approximate_mode(&[2, 2, 2, 1], 2, &mut RandomState::new(0)), [0, 1, 1, 0]);
        assert_eq!(approximate_mode(&[2, 2, 2, 1], 2, &mut RandomState::new(42)), [1, 1, 0, 0]);
    }

    #[test]
    fn approximate_mode_without_ties_draws_nothing() {
        let mut rng = RandomState::new(0);
        let before = rng.clone();
        // 6/10*5 = 3 and 4/10*5 = 2: nothing is missing.
        assert_eq!(approximate_mode(&[6, 4], 5, &mut rng), [3, 2]);
        // 8/10*4 = 3.2 and 2/10*4 = 0.8: one missing, no tie, and a choice of 1 among 1.
        assert_eq!(approximate_mode(&[8, 2], 4, &mut rng), [3, 1]);
        assert_eq!(rng, before);
        // 9/10*5 = 4.5 and 1/10*5 = 0.5 tie: a choice of 1 among 2 draws one word.
        let _ = approximate_mode(&[9, 1], 5, &mut rng);
        assert_ne!(rng, before, "a tie of two draws one word");
    }

    #[test]
    fn approximate_mode_of_nothing_does_not_panic() {
        let mut rng = RandomState::new(0);
        assert_eq!(approximate_mode(&[0, 0], 3, &mut rng), [0, 0]);
        assert!(approximate_mode(&[], 3, &mut rng).is_empty());
    }
}
