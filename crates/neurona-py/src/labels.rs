//! Class labels between the Python layer and model files, for every classifier (the MLP and
//! recurrent classifiers and the perceptron).
//!
//! The Python layer keeps the class labels (`classes_`, of any type) and trains the core on
//! their indices (`int64`, `0..n_classes`). A model file holds the real labels, integers or
//! strings, so that the `neurona` command and the Rust crate see the real classes: `to_bytes`
//! takes them and `from_bytes` gives them back.

use neurona::Float;
use neurona::persist::{ModelInfo, ModelLabel};
use neurona::prelude::{ClassWeight, MlpClassifier, Perceptron, RnnClassifier};
use pyo3::prelude::*;
use serde_json::Value;

use crate::errors::{to_py, value_error};
use crate::family::Loaded;

/// Class labels given back to or taken from a model file.
#[derive(Debug, FromPyObject, IntoPyObject)]
pub(crate) enum Labels {
    Ints(Vec<i64>),
    Strings(Vec<String>),
}

/// A core classifier, generic in its label type.
pub(crate) trait Classes: Clone + Sized {
    type Label: ModelLabel;
    /// The same classifier with labels of type `M`.
    type With<M: ModelLabel>: Classes<Label = M>;

    fn classes(&self) -> neurona::Result<&[Self::Label]>;
    fn map_labels<M: ModelLabel>(self, relabel: impl FnMut(&Self::Label) -> M) -> neurona::Result<Self::With<M>>;
    fn to_bytes_with_extra(&self, extra: &Value) -> neurona::Result<Vec<u8>>;
    fn from_bytes_with_extra(data: &[u8]) -> neurona::Result<(Self, Value)>;
    /// Whether its model file holds class labels (a multi-label classifier's holds none).
    fn has_labels(&self) -> bool {
        true
    }
    /// Checks that what else is keyed by class (the perceptron's per-class weights) names one
    /// of the classes.
    fn check_keys(&self) -> PyResult<()> {
        Ok(())
    }
}

/// Implements [`Classes`] for core classifiers `$Core<F, L>` by their inherent methods of the
/// same names, with the methods given in braces.
macro_rules! classes {
    ($($Core:ident { $($methods:tt)* })*) => {$(
        impl<F: Float, L: ModelLabel> Classes for $Core<F, L> {
            type Label = L;
            type With<M: ModelLabel> = $Core<F, M>;

            fn classes(&self) -> neurona::Result<&[L]> {
                self.classes()
            }
            fn map_labels<M: ModelLabel>(self, relabel: impl FnMut(&L) -> M) -> neurona::Result<$Core<F, M>> {
                self.map_labels(relabel)
            }
            fn to_bytes_with_extra(&self, extra: &Value) -> neurona::Result<Vec<u8>> {
                neurona::estimator::ModelFile::to_bytes_with_extra(self, extra)
            }
            fn from_bytes_with_extra(data: &[u8]) -> neurona::Result<(Self, Value)> {
                <Self as neurona::estimator::ModelFile>::from_bytes_with_extra(data)
            }
            $($methods)*
        }
    )*};
}

classes! {
    MlpClassifier {
        fn has_labels(&self) -> bool {
            !self.is_multilabel()
        }
    }
    RnnClassifier {
        fn has_labels(&self) -> bool {
            self.classes().is_ok_and(|classes| !classes.is_empty())
        }
    }
    Perceptron {
        fn check_keys(&self) -> PyResult<()> {
            let classes = self.classes().map_err(to_py)?;
            if let ClassWeight::PerClass(weights) = self.params().get_class_weight()
                && let Some((i, _)) = weights.iter().find(|(i, _)| classes.binary_search(i).is_err())
            {
                let k = classes.len();
                return Err(value_error(format!("class_weight names class index {i:?}, but there are {k} classes")));
            }
            Ok(())
        }
    }
}

/// The model-file part of a classifier family's `Family` impl: `to_bytes(extra, labels=None)`
/// writes the labels in place of the class indices, `from_bytes` gives them back.
macro_rules! labelled_files {
    () => {
        type FileArg<'py> = Option<$crate::labels::Labels>;
        type FileLabels = Option<$crate::labels::Labels>;

        fn to_bytes<F: ModelFloat>(
            model: &Self::Model<F>,
            extra: &serde_json::Value,
            labels: Self::FileArg<'_>,
        ) -> PyResult<Vec<u8>> {
            $crate::labels::to_bytes(model, extra, labels)
        }

        fn from_bytes<F: ModelFloat>(
            data: &[u8],
            info: &neurona::persist::ModelInfo,
        ) -> PyResult<(Self::Model<F>, Self::FileLabels, serde_json::Value)> {
            $crate::labels::indexed(data, info)
        }
    };
}

impl Loaded for Option<Labels> {
    type Value<C> = (C, Option<Labels>, String);
    fn value<C>(self, model: C, extra: String) -> Self::Value<C> {
        (model, self, extra)
    }
}

/// The model file's bytes of `model` (trained on class indices): `labels` replaces the indices
/// in the file (they must sort as the indices do), so that other readers see the real classes.
pub(crate) fn to_bytes<T: Classes<Label = i64>>(model: &T, extra: &Value, labels: Option<Labels>) -> PyResult<Vec<u8>> {
    match labels {
        None => model.to_bytes_with_extra(extra).map_err(to_py),
        Some(Labels::Ints(values)) => relabelled(model, values)?.to_bytes_with_extra(extra).map_err(to_py),
        Some(Labels::Strings(values)) => relabelled(model, values)?.to_bytes_with_extra(extra).map_err(to_py),
    }
}

/// The classifier with its class indices `0..k` replaced by `labels`.
fn relabelled<T: Classes<Label = i64>, L: ModelLabel>(model: &T, labels: Vec<L>) -> PyResult<T::With<L>> {
    let classes = model.classes().map_err(to_py)?;
    let k = classes.len();
    if labels.len() != k || classes.iter().zip(0..).any(|(&c, i)| c != i) {
        return Err(value_error(format!(
            "labels must hold one label for each of the {k} classes, got {}",
            labels.len()
        )));
    }
    // (The classes are `0..k`, so a key that is not one is not an index below `k`.)
    model.check_keys()?;
    let label = |&i: &i64| usize::try_from(i).ok().and_then(|i| labels.get(i)).cloned();
    model.clone().map_labels(|i| label(i).expect("checked above")).map_err(to_py)
}

/// A classifier from model-file bytes (header `info`) with its labels turned into indices:
/// `(classifier, the file's labels in index order, extra)`, no labels for a multi-label one.
pub(crate) fn indexed<T>(data: &[u8], info: &ModelInfo) -> PyResult<(T, Option<Labels>, Value)>
where
    T: Classes<Label = i64, With<i64> = T>,
    T::With<String>: Classes<Label = String, With<i64> = T>,
{
    // The type of the file's classes (`header["classes"]["labels"]`) decides which label type
    // reads it.
    let strings = info.header["classes"]["labels"].as_array().is_some_and(|l| l.iter().any(Value::is_string));
    if strings { with_indices::<T::With<String>>(data, Labels::Strings) } else { with_indices::<T>(data, Labels::Ints) }
}

/// Loads a classifier whose file holds labels of type `T::Label` and turns them into indices
/// (the per-class weights of labels that are not classes, which scikit-learn allows when every
/// class has one, get distinct negative indices, which no sample has).
fn with_indices<T: Classes>(
    data: &[u8],
    labels: fn(Vec<T::Label>) -> Labels,
) -> PyResult<(T::With<i64>, Option<Labels>, Value)> {
    let (model, extra) = T::from_bytes_with_extra(data).map_err(to_py)?;
    let has_labels = model.has_labels();
    let classes = model.classes().map_err(to_py)?.to_vec();
    let mut unknown = 0;
    let index = |label: &T::Label| match classes.binary_search(label) {
        Ok(i) => i as i64,
        Err(_) => {
            unknown -= 1;
            unknown
        }
    };
    let model = model.map_labels(index).map_err(to_py)?;
    Ok((model, has_labels.then(|| labels(classes)), extra))
}
