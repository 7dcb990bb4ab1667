//! Class labels to network targets and back, as scikit-learn's `LabelBinarizer` does it.
//!
//! Two classes give one logistic output (1 for the second class); three or more give one
//! softmax output per class; a multi-label indicator matrix gives one logistic output per label
//! (the course's one-vs-all).

use std::fmt::Debug;

use serde_json::{Value, json};

use crate::error::{NeuronaError, Result};
use crate::float::Float;

/// A class label: integers, strings, anything ordered. Classes are kept sorted, as
/// `numpy.unique` sorts them.
pub trait Label: Clone + Ord + Debug + Send + Sync + 'static {}

impl<T: Clone + Ord + Debug + Send + Sync + 'static> Label for T {}

/// The kind of classification target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// One or two classes: one logistic output.
    Binary,
    /// Three or more classes: softmax over one output per class.
    Multiclass,
    /// An indicator matrix: one independent logistic output per label.
    Multilabel,
}

/// The sorted, distinct labels of `y`.
pub fn unique_sorted<L: Label>(y: &[L]) -> Vec<L> {
    let mut classes = y.to_vec();
    classes.sort();
    classes.dedup();
    classes
}

/// The classes a `partial_fit` call trains, sorted: `given` on the first call (`fitted` none),
/// where it is required; on a later call the `fitted` ones, which `given` may repeat but not
/// change (scikit-learn's rule for every classifier's `partial_fit`).
pub(crate) fn partial_fit_classes<L: Label>(fitted: Option<&[L]>, given: Option<&[L]>) -> Result<Vec<L>> {
    let given = given.map(unique_sorted);
    match (fitted, given) {
        (None, None) => Err(NeuronaError::input("classes", "must be passed on the first call to partial_fit")),
        (None, Some(given)) => Ok(given),
        (Some(fitted), Some(given)) if given != fitted => Err(NeuronaError::input(
            "classes",
            format!("must be the same as on the last call to partial_fit: was {fitted:?}, got {given:?}"),
        )),
        (Some(fitted), _) => Ok(fitted.to_vec()),
    }
}

/// Encodes labels among known, sorted `classes` as network targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelBinarizer<L> {
    classes: Vec<L>,
}

impl<L: Label> LabelBinarizer<L> {
    /// A binarizer for these classes (sorted and deduplicated here).
    pub fn new(classes: &[L]) -> Self {
        Self { classes: unique_sorted(classes) }
    }

    /// The sorted classes.
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// Binary (one output) or multiclass (one output per class).
    pub fn kind(&self) -> TargetKind {
        if self.classes.len() <= 2 { TargetKind::Binary } else { TargetKind::Multiclass }
    }

    /// Number of network outputs.
    pub fn n_outputs(&self) -> usize {
        match self.kind() {
            TargetKind::Binary => 1,
            _ => self.classes.len(),
        }
    }

    /// The index of `label` among the classes.
    pub fn index_of(&self, label: &L) -> Option<usize> {
        self.classes.binary_search(label).ok()
    }

    /// Targets `(n_samples, n_outputs)` row-major: 0/1 for binary, one-hot for multiclass.
    /// Fails on a label that is not one of the classes.
    pub fn transform<F: Float>(&self, y: &[L]) -> Result<Vec<F>> {
        let k = self.n_outputs();
        let mut out = vec![F::zero(); y.len() * k];
        for (i, label) in y.iter().enumerate() {
            let index = self.index_of(label).ok_or_else(|| {
                NeuronaError::input(
                    "y",
                    format!("has classes not in the fitted classes {:?}: found {:?}", self.classes, label),
                )
            })?;
            match self.kind() {
                TargetKind::Binary => out[i] = if index == 1 { F::one() } else { F::zero() },
                _ => out[i * k + index] = F::one(),
            }
        }
        Ok(out)
    }

    /// The class index predicted from one row of network outputs: `> 0.5` (strict) for
    /// binary, the first maximum for multiclass (a NaN counts as the maximum, as in numpy).
    pub fn decode_index<F: Float>(&self, row: &[F]) -> usize {
        match self.kind() {
            TargetKind::Binary => {
                if self.classes.len() == 1 {
                    0
                } else {
                    usize::from(row[0] > F::from_f64(0.5))
                }
            }
            _ => argmax(row.iter().copied()),
        }
    }
}

/// What a network classifier was trained to predict, and how its outputs become labels and
/// probabilities: the rule every network classifier (the MLP's, the recurrent one) shares.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassTargets<L> {
    /// One label per sample, among sorted classes.
    Labels(LabelBinarizer<L>),
    /// An indicator matrix with this many labels.
    Multilabel(usize),
}

impl<L: ModelLabel> ClassTargets<L> {
    /// The classes as a model file's header holds them: the sorted labels, or the number of
    /// labels of a multi-label classifier.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Labels(binarizer) => {
                json!({"labels": binarizer.classes().iter().map(|c| c.to_json()).collect::<Vec<_>>()})
            }
            Self::Multilabel(n) => json!({"multilabel": n}),
        }
    }

    /// The classes of a model file's header, checked against the network's outputs.
    pub fn from_json(classes: &Value, n_outputs: usize) -> Result<Self> {
        if let Some(labels) = classes["labels"].as_array() {
            let classes = labels
                .iter()
                .map(|v| {
                    L::from_json(v)
                        .ok_or_else(|| NeuronaError::model_file(format!("has a class label of another type: {v}")))
                })
                .collect::<Result<Vec<L>>>()?;
            let binarizer = LabelBinarizer::new(&classes);
            if binarizer.classes().len() != classes.len() || classes.len() < 2 || binarizer.n_outputs() != n_outputs {
                return Err(NeuronaError::model_file(format!(
                    "has {} classes for a network with {n_outputs} outputs",
                    classes.len()
                )));
            }
            Ok(Self::Labels(binarizer))
        } else if let Some(n) = classes["multilabel"].as_u64() {
            if n as usize != n_outputs {
                return Err(NeuronaError::model_file(format!("has {n} labels for a network with {n_outputs} outputs")));
            }
            Ok(Self::Multilabel(n_outputs))
        } else {
            Err(NeuronaError::model_file("has no classes"))
        }
    }
}

impl<L: Label> ClassTargets<L> {
    /// The binarizer a `partial_fit` call on class labels trains with: the `fitted` targets'
    /// when the call continues a fit (its classes, which `given` may repeat but not change),
    /// else one for the `given` classes, which the first call needs. A multi-label fit
    /// continues only on indicator matrices.
    pub(crate) fn for_partial_fit(fitted: Option<&Self>, given: Option<&[L]>) -> Result<LabelBinarizer<L>> {
        let previous = match fitted {
            Some(ClassTargets::Multilabel(_)) => {
                return Err(NeuronaError::input(
                    "y",
                    "must be a multi-label indicator matrix to continue a multi-label fit",
                ));
            }
            Some(ClassTargets::Labels(binarizer)) => Some(binarizer),
            None => None,
        };
        let classes = partial_fit_classes(previous.map(LabelBinarizer::classes), given)?;
        Ok(previous.cloned().unwrap_or_else(|| LabelBinarizer::new(&classes)))
    }

    /// A multi-label call's targets: the indicator matrix `y` as the network's outputs (1 or 0
    /// per label) for a call over `n_rows` rows. When the call continues a fit (`partial_fit`,
    /// `warm_start`), `fitted` is that fit's targets: a multi-label one must have had as many
    /// labels, and a fit on class labels continues only on class labels.
    pub(crate) fn multilabel<F: Float>(
        y: ndarray::ArrayView2<'_, bool>,
        n_rows: usize,
        fitted: Option<&Self>,
    ) -> Result<(ndarray::Array2<F>, Self)> {
        crate::data::validate::check_length("y", y.nrows(), n_rows)?;
        if y.ncols() == 0 {
            return Err(NeuronaError::input("y", "is an indicator matrix with 0 labels; it needs at least 1"));
        }
        match fitted {
            Some(ClassTargets::Multilabel(n_labels)) if *n_labels != y.ncols() => Err(NeuronaError::input(
                "y",
                format!("has {} labels, but the classifier was fitted with {n_labels}", y.ncols()),
            )),
            Some(ClassTargets::Labels(_)) => {
                Err(NeuronaError::input("y", "must be one label per sample to continue this classifier's training"))
            }
            _ => Ok((y.mapv(|v| if v { F::one() } else { F::zero() }), ClassTargets::Multilabel(y.ncols()))),
        }
    }

    /// The same targets with every class label replaced by `relabel(label)`, for a
    /// classifier's `map_labels`. The new labels must sort in the same order as the old ones,
    /// since the network's outputs follow the classes' order; otherwise
    /// [`NeuronaError::InvalidInput`] for `classes`.
    pub fn relabel<M: Label>(self, relabel: impl FnMut(&L) -> M) -> Result<ClassTargets<M>> {
        match self {
            Self::Labels(binarizer) => {
                let classes: Vec<M> = binarizer.classes().iter().map(relabel).collect();
                if !classes.windows(2).all(|pair| pair[0] < pair[1]) {
                    return Err(NeuronaError::input(
                        "classes",
                        format!("must be relabelled in the same sorted order, got {classes:?}"),
                    ));
                }
                Ok(ClassTargets::Labels(LabelBinarizer::new(&classes)))
            }
            Self::Multilabel(n) => Ok(ClassTargets::Multilabel(n)),
        }
    }

    /// The kind of target: binary, multiclass or multi-label.
    pub fn kind(&self) -> TargetKind {
        match self {
            Self::Labels(binarizer) => binarizer.kind(),
            Self::Multilabel(_) => TargetKind::Multilabel,
        }
    }

    /// The labels of outputs `(n, n_outputs)`: the class of the largest output (of the one
    /// logistic output above 0.5, for two classes).
    pub fn labels<F: Float>(&self, outputs: ndarray::ArrayView2<'_, F>) -> Result<Vec<L>> {
        match self {
            Self::Labels(binarizer) => Ok(outputs
                .rows()
                .into_iter()
                .map(|row| {
                    let index = match row.as_slice() {
                        Some(row) => binarizer.decode_index(row),
                        None => binarizer.decode_index(&row.to_vec()),
                    };
                    binarizer.classes()[index].clone()
                })
                .collect()),
            Self::Multilabel(_) => Err(NeuronaError::input(
                "X",
                "was given to predict, but this classifier was fitted on a multi-label indicator matrix: use predict_multilabel",
            )),
        }
    }

    /// The indicator matrix of a multi-label classifier's outputs (an output above 0.5 sets
    /// the label).
    pub fn indicators<F: Float>(&self, outputs: ndarray::ArrayView2<'_, F>) -> Result<ndarray::Array2<bool>> {
        match self {
            Self::Multilabel(_) => Ok(outputs.mapv(|p| p > F::from_f64(0.5))),
            Self::Labels(_) => Err(NeuronaError::input(
                "X",
                "was given to predict_multilabel, but this classifier was fitted on one label per sample: use predict",
            )),
        }
    }

    /// The probabilities of outputs (moved, not copied, where they are the answer): `[1 - p, p]`
    /// for the one logistic output of two classes.
    pub fn proba<F: Float>(&self, outputs: ndarray::CowArray<'_, F, ndarray::Ix2>) -> ndarray::Array2<F> {
        if outputs.ncols() == 1 && !matches!(self, Self::Multilabel(_)) {
            let p = outputs.column(0);
            let mut proba = ndarray::Array2::zeros((outputs.nrows(), 2));
            proba.column_mut(0).assign(&p.mapv(|v| F::one() - v));
            proba.column_mut(1).assign(&p);
            return proba;
        }
        outputs.into_owned()
    }
}

/// Index of the first maximum; the first NaN wins, as in `numpy.argmax`.
pub fn argmax<F: Float>(row: impl IntoIterator<Item = F>) -> usize {
    let mut best: Option<(usize, F)> = None;
    for (i, v) in row.into_iter().enumerate() {
        if v.is_nan() {
            return i;
        }
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map_or(0, |(i, _)| i)
}

/// A class label that can be written to and read from a model file's JSON header.
pub trait ModelLabel: Label {
    /// The label as JSON.
    fn to_json(&self) -> Value;
    /// The label from JSON, if it has this type.
    fn from_json(value: &Value) -> Option<Self>;
}

macro_rules! integer_labels {
    ($($t:ty),*) => {
        $(
            impl ModelLabel for $t {
                fn to_json(&self) -> Value {
                    json!(*self)
                }

                fn from_json(value: &Value) -> Option<Self> {
                    value.as_i64().and_then(|v| <$t>::try_from(v).ok())
                        .or_else(|| value.as_u64().and_then(|v| <$t>::try_from(v).ok()))
                }
            }
        )*
    };
}

integer_labels!(i32, i64, u32, u64, usize);

impl ModelLabel for bool {
    fn to_json(&self) -> Value {
        json!(*self)
    }

    fn from_json(value: &Value) -> Option<Self> {
        value.as_bool()
    }
}

impl ModelLabel for String {
    fn to_json(&self) -> Value {
        json!(self)
    }

    fn from_json(value: &Value) -> Option<Self> {
        value.as_str().map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_labels_give_one_output_for_the_second_class() {
        let lb = LabelBinarizer::new(&["spam", "ham", "spam"]);
        assert_eq!(lb.classes(), ["ham", "spam"]);
        assert_eq!(lb.kind(), TargetKind::Binary);
        assert_eq!(lb.transform::<f64>(&["spam", "ham"]).unwrap(), vec![1.0, 0.0]);
        assert_eq!(lb.decode_index(&[0.5f64]), 0, "exactly 0.5 maps to the first class");
        assert_eq!(lb.decode_index(&[0.51f64]), 1);
    }

    #[test]
    fn multiclass_labels_are_one_hot() {
        let lb = LabelBinarizer::new(&[3, 1, 2]);
        assert_eq!(lb.n_outputs(), 3);
        assert_eq!(lb.transform::<f32>(&[2, 3]).unwrap(), vec![0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(lb.decode_index(&[0.2f32, 0.4, 0.4]), 1, "first maximum");
        let err = lb.transform::<f32>(&[7]).unwrap_err().to_string();
        assert_eq!(err, "y has classes not in the fitted classes [1, 2, 3]: found 7");
    }

    #[test]
    fn a_single_class_always_decodes_to_it() {
        let lb = LabelBinarizer::new(&[5, 5]);
        assert_eq!(lb.transform::<f64>(&[5]).unwrap(), vec![0.0]);
        assert_eq!(lb.decode_index(&[0.9f64]), 0);
    }
}
