//! The registry of estimator kinds, and the traits every estimator family implements.
//!
//! A kind is the name a model file carries and the Python class it loads as
//! (`MLPClassifier`, ...), with the kind of input it reads and of output it gives. The model
//! files ([`crate::persist`]), the command line and the Python binding dispatch over
//! [`EstimatorKind`] instead of comparing names: adding a family is a new variant here (one line
//! in [`EstimatorKind::ALL`] and in each `match` the compiler then points at), its own folder
//! under [`crate::estimators`], and its lines in that module's registry (its spec table and its
//! [`Estimator`] impl). This module imports no estimator, so the model-file envelope can use it.

use ndarray::ArrayView2;
use serde_json::Value;

use crate::error::{NeuronaError, Result};
use crate::params::declare::{Hyperparams, named_enum};

named_enum! {
    /// Every estimator kind neurona has, by the name its model files carry, which is also the
    /// Python class (scikit-learn's class name).
    #[non_exhaustive]
    pub enum EstimatorKind for "estimator" {
        /// [`MlpClassifier`](crate::estimators::mlp::MlpClassifier), scikit-learn's `MLPClassifier`.
        #[default]
        MlpClassifier = "MLPClassifier",
        /// [`MlpRegressor`](crate::estimators::mlp::MlpRegressor), scikit-learn's `MLPRegressor`.
        MlpRegressor = "MLPRegressor",
        /// [`Perceptron`](crate::estimators::perceptron::Perceptron), scikit-learn's `Perceptron`.
        Perceptron = "Perceptron",
        /// [`BernoulliRbm`](crate::estimators::rbm::BernoulliRbm), scikit-learn's `BernoulliRBM`.
        BernoulliRbm = "BernoulliRBM",
        /// [`RnnClassifier`](crate::estimators::rnn::RnnClassifier): a recurrent network
        /// classifying sequences or their steps.
        RnnClassifier = "RNNClassifier",
        /// [`RnnRegressor`](crate::estimators::rnn::RnnRegressor): a recurrent network
        /// predicting values per sequence or per step.
        RnnRegressor = "RNNRegressor",
    }
}

/// What an estimator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A table: `(n_samples, n_features)`.
    Table,
    /// Sequences of unequal lengths, each `(n_steps, n_features)`.
    Sequences,
}

/// What an estimator gives back for each input row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// Class labels (binary, multiclass or multi-label), learned from labelled rows.
    Classes,
    /// Real values (one or several outputs), learned from rows with targets.
    Values,
    /// New features (a transform), learned without targets.
    Features,
}

impl EstimatorKind {
    /// The family: the command line's model kind (`--model-kind`), shared by the estimators
    /// of one folder under [`crate::estimators`].
    pub fn family(self) -> Family {
        match self {
            Self::MlpClassifier | Self::MlpRegressor => Family::Mlp,
            Self::Perceptron => Family::Perceptron,
            Self::BernoulliRbm => Family::Rbm,
            Self::RnnClassifier | Self::RnnRegressor => Family::Rnn,
        }
    }

    /// What the estimator reads.
    pub fn input(self) -> InputKind {
        match self.family() {
            Family::Rnn => InputKind::Sequences,
            _ => InputKind::Table,
        }
    }

    /// What the estimator gives back.
    pub fn output(self) -> OutputKind {
        match self {
            Self::MlpClassifier | Self::Perceptron | Self::RnnClassifier => OutputKind::Classes,
            Self::MlpRegressor | Self::RnnRegressor => OutputKind::Values,
            Self::BernoulliRbm => OutputKind::Features,
        }
    }

    /// Whether fitting needs targets.
    pub fn is_supervised(self) -> bool {
        self.output() != OutputKind::Features
    }

    /// The kind a model file's header names (its `estimator` field).
    pub fn from_header(header: &Value) -> Result<Self> {
        let name = header["estimator"]
            .as_str()
            .ok_or_else(|| NeuronaError::model_file(format!("has an invalid 'estimator': {}", header["estimator"])))?;
        name.parse().map_err(|_| NeuronaError::model_file(format!("holds an unknown estimator kind '{name}'")))
    }
}

named_enum! {
    /// A family of estimators: one folder under [`crate::estimators`], one model kind of the
    /// command line (`mlp`, `perceptron`, `rbm`).
    #[non_exhaustive]
    pub enum Family for "model kind" {
        /// Multilayer perceptrons (classifier and regressor).
        #[default]
        Mlp = "mlp",
        /// The perceptron.
        Perceptron = "perceptron",
        /// The Bernoulli restricted Boltzmann machine.
        Rbm = "rbm",
        /// Recurrent networks (Elman, LSTM, GRU; classifier and regressor).
        Rnn = "rnn",
    }
}

impl Family {
    /// The family's estimator kinds.
    pub fn kinds(self) -> impl Iterator<Item = EstimatorKind> {
        EstimatorKind::ALL.into_iter().filter(move |k| k.family() == self)
    }
}

/// What every estimator is: a kind of the registry with its hyperparameters, fitted or not.
pub trait Estimator {
    /// The kind in the registry.
    const KIND: EstimatorKind;
    /// Its hyperparameters (the unchecked builder type; the estimator holds them checked).
    type Params: Hyperparams;

    /// The hyperparameters it was built with.
    fn hyperparams(&self) -> &Self::Params;

    /// Whether `fit` (or a model file) has given it weights.
    fn is_fitted(&self) -> bool;
}

/// A classifier that learns one batch at a time: scikit-learn's `partial_fit(X, y, classes)`.
/// `X` is the family's input (rows of features, or sequences); each family writes
/// [`partial_fit_with`](Self::partial_fit_with), with its own options.
pub trait IncrementalClassifier<X, L> {
    /// The extra inputs of a call: sample weights, a caller-owned random stream, a callback.
    type Options<'o>: Default;
    /// What a call reports.
    type Report;

    /// [`partial_fit`](Self::partial_fit) with the family's options.
    fn partial_fit_with(
        &mut self,
        x: X,
        y: &[L],
        classes: Option<&[L]>,
        options: Self::Options<'_>,
    ) -> Result<&Self::Report>;

    /// One epoch over `x`, `y`. `classes` is required on the first call and lists every class
    /// the model will ever see; later batches may hold any subset.
    fn partial_fit(&mut self, x: X, y: &[L], classes: Option<&[L]>) -> Result<&Self::Report> {
        self.partial_fit_with(x, y, classes, Self::Options::default())
    }
}

/// A regressor: scikit-learn's `fit(X, y)` and `partial_fit(X, y)` over the family's inputs `X`
/// and targets `Y`, written once here over [`train`](Self::train), which each family writes.
pub trait Regressor<X, Y> {
    /// The extra inputs of a call: sample weights, a caller-owned random stream, a callback.
    type Options<'o>: Default;
    /// What a call reports.
    type Report;

    /// One call: `fit` (`incremental = false`) trains from scratch, or from the current
    /// weights with `warm_start`; `partial_fit` (`true`) one epoch from the current weights.
    fn train(&mut self, x: X, y: Y, incremental: bool, options: Self::Options<'_>) -> Result<&Self::Report>;

    /// Trains on `x`, `y`.
    fn fit(&mut self, x: X, y: Y) -> Result<&Self::Report> {
        self.train(x, y, false, Self::Options::default())
    }

    /// [`fit`](Self::fit) with the family's options.
    fn fit_with(&mut self, x: X, y: Y, options: Self::Options<'_>) -> Result<&Self::Report> {
        self.train(x, y, false, options)
    }

    /// One epoch over `x`, `y`, continuing from the current weights.
    fn partial_fit(&mut self, x: X, y: Y) -> Result<&Self::Report> {
        self.train(x, y, true, Self::Options::default())
    }

    /// [`partial_fit`](Self::partial_fit) with the family's options.
    fn partial_fit_with(&mut self, x: X, y: Y, options: Self::Options<'_>) -> Result<&Self::Report> {
        self.train(x, y, true, options)
    }
}

/// A classifier of multi-label targets: an indicator matrix `y: (rows, n_labels)`, one logistic
/// output per label (scikit-learn's `fit(X, Y)` with a 2-D `Y`). The methods are written once
/// here over [`train_multilabel`](Self::train_multilabel), which each family writes.
pub trait MultilabelClassifier<X> {
    /// The extra inputs of a call: sample weights, a caller-owned random stream, a callback.
    type Options<'o>: Default;
    /// What a call reports.
    type Report;

    /// One call: `fit_multilabel` (`incremental = false`) or `partial_fit_multilabel`'s one
    /// epoch (`true`), which needs as many labels as the fit it continues.
    fn train_multilabel(
        &mut self,
        x: X,
        y: ArrayView2<'_, bool>,
        incremental: bool,
        options: Self::Options<'_>,
    ) -> Result<&Self::Report>;

    /// Trains on an indicator matrix.
    fn fit_multilabel(&mut self, x: X, y: ArrayView2<'_, bool>) -> Result<&Self::Report> {
        self.train_multilabel(x, y, false, Self::Options::default())
    }

    /// [`fit_multilabel`](Self::fit_multilabel) with the family's options.
    fn fit_multilabel_with(
        &mut self,
        x: X,
        y: ArrayView2<'_, bool>,
        options: Self::Options<'_>,
    ) -> Result<&Self::Report> {
        self.train_multilabel(x, y, false, options)
    }

    /// One epoch over a multi-label batch, continuing from the current weights.
    fn partial_fit_multilabel(&mut self, x: X, y: ArrayView2<'_, bool>) -> Result<&Self::Report> {
        self.train_multilabel(x, y, true, Self::Options::default())
    }

    /// [`partial_fit_multilabel`](Self::partial_fit_multilabel) with the family's options.
    fn partial_fit_multilabel_with(
        &mut self,
        x: X,
        y: ArrayView2<'_, bool>,
        options: Self::Options<'_>,
    ) -> Result<&Self::Report> {
        self.train_multilabel(x, y, true, options)
    }
}

/// An estimator that reads and writes neurona's model file.
///
/// Implementors write [`to_bytes_with_extra`](Self::to_bytes_with_extra) and
/// [`from_bytes_with_extra`](Self::from_bytes_with_extra) in their own `model_file.rs`; the
/// envelope ([`crate::persist`]) does the rest. `extra` is JSON the caller keeps beside the
/// model (the command's scaler and column names, the Python layer's own attributes).
pub trait ModelFile: Sized {
    /// The kind written in the file.
    const KIND: EstimatorKind;

    /// Model-file bytes of the fitted estimator, with `extra` in the header.
    fn to_bytes_with_extra(&self, extra: &Value) -> Result<Vec<u8>>;

    /// The estimator and the `extra` JSON from model-file bytes (untrusted input: every size and
    /// field checked).
    fn from_bytes_with_extra(bytes: &[u8]) -> Result<(Self, Value)>;

    /// Model-file bytes of the fitted estimator.
    fn to_bytes(&self) -> Result<Vec<u8>> {
        self.to_bytes_with_extra(&Value::Object(serde_json::Map::new()))
    }

    /// The estimator from model-file bytes.
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_with_extra(bytes).map(|(model, _)| model)
    }

    /// Writes the model file atomically (a temporary file renamed into place).
    fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        crate::persist::file::write_atomically(path, &self.to_bytes()?)
    }

    /// Reads a model file.
    fn load(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Self::from_bytes(&crate::persist::file::read_file(path)?)
    }
}
