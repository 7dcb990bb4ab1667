//! The one binding pattern: an estimator family is a [`Family`] (what the binding needs of its
//! core type, generic in the float type), and its `_core` class is declared once with
//! `estimator_class!`.
//!
//! The split is forced by PyO3: a `#[pyclass]` cannot be generic and a class has one
//! `#[pymethods]` block, so the macro writes the Python-visible surface (the struct, the methods
//! every class shares, the training methods of the gradient-trained networks, the MLPs'
//! prediction methods and the networks' constructors from assigned weights, whose Python
//! signatures are the same for each), and everything with a body is ordinary generic code here
//! and in [`common`](crate::common), type-checked once for every family.

use std::fmt;

use neurona::Float;
use neurona::persist::ModelInfo;
use neurona::prelude::{
    BernoulliRbm, MlpClassifier, MlpRegressor, MlpValidParams, Perceptron, PerceptronValidParams, RbmValidParams,
    RnnClassifier, RnnRegressor, RnnValidParams,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use serde_json::Value;

use crate::common::ModelFloat;
use crate::errors::{to_py, value_error};

/// One estimator family as the binding sees it: the core estimator in either float type, its
/// parameters read from the Python layer's dict, its fitted attributes and its model file.
pub(crate) trait Family {
    /// The checked hyperparameters.
    type Params;
    /// The core estimator computing in `F`.
    type Model<F: ModelFloat>: Estimator<Params = Self::Params>;
    /// What the class keeps beside its model: the MLPs' buffers of small predictions, or `()`.
    type Buffers: fmt::Debug + Default + Send + Sync;
    /// The argument `to_bytes` takes beside `extra` (named in the class's `file(..)`): a
    /// classifier's labels, the machine's random stream, or `()`.
    type FileArg<'py>;
    /// What `from_bytes` gives back beside the model and its extra JSON: a classifier's labels,
    /// or `()`.
    type FileLabels: Loaded;

    /// The checked hyperparameters in `dict` (scikit-learn's `get_params()` as plain values).
    fn params(dict: &Bound<'_, PyDict>) -> PyResult<Self::Params>;
    /// Everything a fit learned, as the Python layer's fitted attributes (copies), or
    /// `NotFittedError`.
    fn state<'py, F: ModelFloat>(py: Python<'py>, model: &Self::Model<F>) -> PyResult<Bound<'py, PyDict>>;
    /// The model file's bytes, with `extra` kept beside the model.
    fn to_bytes<F: ModelFloat>(model: &Self::Model<F>, extra: &Value, arg: Self::FileArg<'_>) -> PyResult<Vec<u8>>;
    /// The estimator in a model file (treated as untrusted) whose header is `info`.
    fn from_bytes<F: ModelFloat>(data: &[u8], info: &ModelInfo) -> PyResult<(Self::Model<F>, Self::FileLabels, Value)>;
}

/// The Python value of `from_bytes` for what a model file holds beside the model:
/// `(model, extra)`, or `(model, labels, extra)` for a classifier.
pub(crate) trait Loaded {
    type Value<C>;
    fn value<C>(self, model: C, extra: String) -> Self::Value<C>;
}

impl Loaded for () {
    type Value<C> = (C, String);
    fn value<C>(self, model: C, extra: String) -> (C, String) {
        (model, extra)
    }
}

/// A model file's estimator as it is stored, with no labels (`Family::from_bytes` of a family
/// whose files hold none).
pub(crate) fn stored<M: Estimator>(data: &[u8]) -> PyResult<(M, (), Value)> {
    let (model, extra) = M::from_bytes_with_extra(data).map_err(to_py)?;
    Ok((model, (), extra))
}

/// `Family::to_bytes` and `Family::from_bytes` of a family whose model files hold the model
/// as it is, with no labels and nothing else beside it (the regressors).
macro_rules! unlabelled_files {
    () => {
        type FileArg<'py> = ();
        type FileLabels = ();

        fn to_bytes<F: ModelFloat>(model: &Self::Model<F>, extra: &serde_json::Value, (): ()) -> PyResult<Vec<u8>> {
            model.to_bytes_with_extra(extra).map_err($crate::errors::to_py)
        }

        fn from_bytes<F: ModelFloat>(
            data: &[u8],
            _: &neurona::persist::ModelInfo,
        ) -> PyResult<(Self::Model<F>, (), serde_json::Value)> {
            $crate::family::stored(data)
        }
    };
}

/// What every core estimator has, by inherent methods of the same names.
pub(crate) trait Estimator: fmt::Debug + Send + Sync + Sized {
    type Params;
    /// An unfitted estimator.
    fn new(params: Self::Params) -> Self;
    /// New hyperparameters, keeping what was learned.
    fn set_params(&mut self, params: Self::Params);
    fn is_fitted(&self) -> bool;
    fn from_bytes_with_extra(data: &[u8]) -> neurona::Result<(Self, Value)>;
}

/// Implements [`Estimator`] for core estimators (`F` their float type) and their parameters.
macro_rules! estimators {
    ($($Core:ty => $Params:ty,)*) => {$(
        impl<F: ModelFloat> Estimator for $Core {
            type Params = $Params;

            fn new(params: $Params) -> Self {
                <$Core>::new(params)
            }
            fn set_params(&mut self, params: $Params) {
                <$Core>::set_params(self, params)
            }
            fn is_fitted(&self) -> bool {
                <$Core>::is_fitted(self)
            }
            fn from_bytes_with_extra(data: &[u8]) -> neurona::Result<(Self, Value)> {
                <$Core as neurona::estimator::ModelFile>::from_bytes_with_extra(data)
            }
        }
    )*};
}

estimators! {
    MlpClassifier<F, i64> => MlpValidParams,
    MlpRegressor<F> => MlpValidParams,
    Perceptron<F, i64> => PerceptronValidParams<i64>,
    BernoulliRbm<F> => RbmValidParams,
    RnnClassifier<F, i64> => RnnValidParams,
    RnnRegressor<F> => RnnValidParams,
}

/// The float type a model computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dtype {
    F32,
    F64,
}

impl Dtype {
    pub(crate) fn parse(name: &str) -> PyResult<Self> {
        match name {
            "float32" => Ok(Self::F32),
            "float64" => Ok(Self::F64),
            other => Err(value_error(format!("dtype must be 'float32' or 'float64', got {other:?}"))),
        }
    }
}

/// A family's estimator in the float type of the data it was fitted on (`dispatch!` runs code
/// on either).
pub(crate) enum Model<K: Family> {
    F32(K::Model<f32>),
    F64(K::Model<f64>),
}

impl<K: Family> fmt::Debug for Model<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        dispatch!(self, m, F => fmt::Debug::fmt(m, f))
    }
}

impl<K: Family> Model<K> {
    /// An unfitted estimator with the hyperparameters in `dict`, computing in `dtype`.
    pub(crate) fn new(dict: &Bound<'_, PyDict>, dtype: &str) -> PyResult<Self> {
        let params = K::params(dict)?;
        Ok(model_in!(dtype, F => Estimator::new(params)))
    }

    /// `'float32'` or `'float64'`.
    pub(crate) fn dtype(&self) -> &'static str {
        dispatch!(self, _m, F => F::DTYPE)
    }

    pub(crate) fn is_fitted(&self) -> bool {
        dispatch!(self, m, F => m.is_fitted())
    }

    pub(crate) fn set_params(&mut self, dict: &Bound<'_, PyDict>) -> PyResult<()> {
        let params = K::params(dict)?;
        dispatch!(self, m, F => m.set_params(params));
        Ok(())
    }

    pub(crate) fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dispatch!(self, m, F => K::state(py, m))
    }

    /// The model file's bytes, with `extra` (the Python layer's JSON text) kept beside the
    /// model.
    pub(crate) fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        extra: &str,
        arg: K::FileArg<'_>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let extra = serde_json::from_str(extra).map_err(|e| value_error(format!("extra must be JSON text: {e}")))?;
        let bytes = dispatch!(self, m, F => K::to_bytes(m, &extra, arg))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The estimator in model-file bytes (treated as untrusted), in the file's float type:
    /// `(model, labels, extra JSON as text)`.
    pub(crate) fn from_bytes(data: &[u8]) -> PyResult<(Self, K::FileLabels, String)> {
        let info = neurona::persist::inspect(data).map_err(to_py)?;
        let (model, labels, extra) = match Dtype::parse(&info.dtype)? {
            Dtype::F32 => K::from_bytes::<f32>(data, &info).map(|(m, l, e)| (Self::F32(m), l, e))?,
            Dtype::F64 => K::from_bytes::<f64>(data, &info).map(|(m, l, e)| (Self::F64(m), l, e))?,
        };
        Ok((model, labels, extra.to_string()))
    }
}

/// Declares one `_core` class over a [`Family`]: the family's type (`of FAMILY`, a unit struct
/// that the class's module implements [`Family`] for), the `#[pyclass]` (a [`Model`] and the
/// family's buffers), the methods every class shares (`new`, `dtype`, `is_fitted`,
/// `set_params`, `state`), and the class's own methods:
///
/// * `train { fn NAME(y: Y, ARGS..) { PREPARE } |m, x, options| FIT; .. }`: a gradient-trained
///   network's training method, Python signature `(x, y, ARGS=None.., sample_weight=None,
///   rng=None, on_epoch=None, n_jobs=None)`. X is read in the model's dtype as the model reads
///   it (see [`ReadX`](crate::common::ReadX): a matrix, or sequences), then `PREPARE` runs
///   (statements with the GIL, `F` the float type: reading `y`), then `FIT` with the GIL
///   released (see [`FitArgs`](crate::common::FitArgs)); it returns the random stream's new
///   state when `rng` was given.
/// * `train(class_indices) { .. }` and `train(targets) { .. }`: the training methods every
///   classifier on class indices has (`fit`, `fit_multilabel`, `partial_fit`), or every
///   regressor (`fit`, `partial_fit`), and the class's own after them.
/// * `predict { fn NAME(m) => WHOLE, DECODE; .. }`: an MLP's prediction method, Python
///   signature `(x, n_jobs=None, screen=False, params=None)`: `WHOLE(x)`, the core's
///   prediction, or `DECODE(outputs)` of outputs computed with the class's buffers, or with
///   `params`, the flat weights the Python layer holds (see
///   [`small_or_whole`](crate::common::small_or_whole) and
///   [`predict_with`](crate::common::predict_with)), `m` the model.
/// * `predict_sequences { fn NAME(m) => PREDICT; .. }`: a recurrent network's prediction
///   method, Python signature `(x, layout=None, n_jobs=None)`: `PREDICT(sequences)` (see
///   [`predict_with`](crate::sequences::predict_with)), `m` the model.
/// * `file(ARG)` or `file()`: `to_bytes(extra, ARG=None)` and `from_bytes(data)` (see
///   [`Family::to_bytes`] and [`Loaded`]).
/// * `with_weights(ARGS..) { PREPARE } |params| BUILD;`: the static method that makes an
///   untrained model holding weights the user assigned (where `partial_fit` and a warm start
///   begin), Python signature `(params, dtype, ARGS..)`: the family's parameters are read from
///   `params`, `PREPARE` runs, then `BUILD`, a `PyResult` of the core estimator in `F`, the
///   float type `dtype` names.
/// * `set_weights(COEFS, INTERCEPTS);`: an MLP's `set_weights(COEFS, INTERCEPTS)`, which
///   replaces its weights by scikit-learn's `coefs_` and `intercepts_` (same shapes).
/// * `summed { fn fit_summed(N_FEATURES, ARGS..) { PREPARE } |m, random_state, evaluate| FIT; }`:
///   an MLP's L-BFGS fit on rows summed elsewhere (`neurona.dask`), Python signature
///   `(N_FEATURES, ARGS.., evaluate, rng=None, n_jobs=None)`: `PREPARE` runs, then `FIT`, a
///   core `fit_summed`, with the GIL released (see [`run_summed`](crate::summed::run_summed)),
///   `m` the model; it returns the random stream's new state when `rng` was given.
/// * `methods { .. }`: the rest, as in any `#[pymethods]` block.
///
/// The calling module imports `pyo3::prelude::*` and `pyo3::types::PyDict`, as every class
/// module does.
macro_rules! estimator_class {
    (
        $(#[$doc:meta])*
        class $Class:ident($name:literal) of $K:ident;
        train($kind:ident) { $($train:tt)* }
        $($rest:tt)*
    ) => {
        estimator_class! { @train $kind [$(#[$doc])* class $Class($name) of $K;] { $($train)* } $($rest)* }
    };
    // The shared training methods of each kind, before the class's own.
    (@train class_indices [$($head:tt)*] { $($own:tt)* } $($rest:tt)*) => {
        estimator_class! {
            $($head)*
            train {
                /// Trains on X and class indices `y` (one per sample, or per sequence or real
                /// step); returns the random stream's new state when `rng` was given.
                fn fit(y: numpy::PyReadonlyArray1<'py, i64>) { let y = $crate::common::indices(&y)?; }
                    |m, x, options| m.fit_with(x, y, options);
                /// Trains on X and a boolean indicator matrix `y: (rows, n_labels)`.
                fn fit_multilabel(y: numpy::PyReadonlyArray2<'py, bool>) { let y = y.as_array(); }
                    |m, x, options| neurona::prelude::MultilabelClassifier::fit_multilabel_with(m, x, y, options);
                /// One epoch over X and class indices `y`; `n_classes` on the first call.
                fn partial_fit(y: numpy::PyReadonlyArray1<'py, i64>, n_classes: Option<i64>) {
                    let y = $crate::common::indices(&y)?;
                    let classes: Option<Vec<i64>> = n_classes.map(|n| (0..n).collect());
                }
                    |m, x, options| m.partial_fit_with(x, y, classes.as_deref(), options);
                $($own)*
            }
            $($rest)*
        }
    };
    (@train targets [$($head:tt)*] { $($own:tt)* } $($rest:tt)*) => {
        estimator_class! {
            $($head)*
            train {
                /// Trains on X and targets `y: (rows, n_outputs)` (one row per sample, or per
                /// sequence or real step); returns the random stream's new state when `rng` was
                /// given.
                fn fit(y: &Bound<'py, PyAny>) { let y = $crate::common::matrix::<F>("y", y)?; let y = y.as_array(); }
                    |m, x, options| neurona::prelude::Regressor::fit_with(m, x, y, options);
                /// One epoch over X and `y` (for an MLP with the lbfgs solver, a whole L-BFGS
                /// run, as in scikit-learn).
                fn partial_fit(y: &Bound<'py, PyAny>) { let y = $crate::common::matrix::<F>("y", y)?; let y = y.as_array(); }
                    |m, x, options| neurona::prelude::Regressor::partial_fit_with(m, x, y, options);
                $($own)*
            }
            $($rest)*
        }
    };
    (
        $(#[$doc:meta])*
        class $Class:ident($name:literal) of $K:ident;
        $(train {$(
            $(#[$train_doc:meta])*
            fn $train:ident($y:ident: $Y:ty $(, $arg:ident: $A:ty)*) { $($prepare:tt)* }
                |$m:ident, $x:ident, $options:ident| $fit:expr;
        )*})?
        $(predict {$(
            $(#[$predict_doc:meta])*
            fn $predict:ident($pm:ident) => $whole:expr, $decode:expr;
        )*})?
        $(predict_sequences {$(
            $(#[$sequences_doc:meta])*
            fn $predict_sequences:ident($sm:ident) => $predict_one:expr;
        )*})?
        file($($file_arg:ident)?);
        $(
            $(#[$weights_doc:meta])*
            with_weights($($weights_arg:ident: $W:ty),*) { $($weights_prepare:tt)* } |$params:ident| $build:expr;
        )?
        $(set_weights($coefs:ident, $intercepts:ident);)?
        $(summed {
            $(#[$summed_doc:meta])*
            fn fit_summed($n_features:ident $(, $summed_arg:ident: $S:ty)*) { $($summed_prepare:tt)* }
                |$fm:ident, $random_state:ident, $evaluate:ident| $summed_fit:expr;
        })?
        $(methods { $($methods:tt)* })?
    ) => {
        #[doc = concat!("The family of `neurona._core.", $name, "`.")]
        #[derive(Debug)]
        pub(crate) struct $K;

        $(#[$doc])*
        #[pyclass(module = "neurona._core", name = $name)]
        #[derive(Debug)]
        pub struct $Class {
            model: $crate::family::Model<$K>,
            // Read by the MLPs' predictions only; `()` elsewhere.
            #[allow(dead_code)]
            buffers: <$K as $crate::family::Family>::Buffers,
        }

        impl From<$crate::family::Model<$K>> for $Class {
            fn from(model: $crate::family::Model<$K>) -> Self {
                Self { model, buffers: Default::default() }
            }
        }

        #[pymethods]
        impl $Class {
            /// An unfitted estimator with these hyperparameters, computing in `dtype`.
            #[new]
            fn new(params: &Bound<'_, PyDict>, dtype: &str) -> PyResult<Self> {
                Ok($crate::family::Model::new(params, dtype)?.into())
            }

            /// `'float32'` or `'float64'`.
            #[getter]
            fn dtype(&self) -> &'static str {
                self.model.dtype()
            }

            fn is_fitted(&self) -> bool {
                self.model.is_fitted()
            }

            /// New hyperparameters, keeping what was learned (for `warm_start` and
            /// `partial_fit`).
            fn set_params(&mut self, params: &Bound<'_, PyDict>) -> PyResult<()> {
                self.model.set_params(params)
            }

            /// The fitted attributes (copies), or `NotFittedError`.
            fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
                self.model.state(py)
            }

            $($(
                $(#[$train_doc])*
                #[pyo3(signature = (
                    x, $y, $($arg = None,)* sample_weight = None, rng = None, on_epoch = None, n_jobs = None
                ))]
                #[allow(clippy::too_many_arguments)]
                fn $train<'py>(
                    &mut self,
                    py: Python<'py>,
                    x: &Bound<'py, PyAny>,
                    $y: $Y,
                    $($arg: $A,)*
                    sample_weight: Option<&Bound<'py, PyAny>>,
                    rng: Option<$crate::common::RngArg<'py>>,
                    on_epoch: Option<Py<PyAny>>,
                    n_jobs: Option<isize>,
                ) -> PyResult<Option<Bound<'py, PyAny>>> {
                    let mut args = $crate::common::FitArgs::new(sample_weight, rng, on_epoch, n_jobs)?;
                    dispatch!(&mut self.model, $m, F => {
                        let held = $crate::common::ReadX::<F>::read_x(&*$m, x)?;
                        let $x = $crate::common::ViewX::view_x(&held);
                        $($prepare)*
                        args.train::<F>(py, |$options| $fit.map(drop))?;
                    });
                    args.rng_out(py)
                }
            )*)?

            $($(
                $(#[$predict_doc])*
                #[pyo3(signature = (x, n_jobs = None, screen = false, params = None))]
                fn $predict<'py>(
                    &self,
                    py: Python<'py>,
                    x: &Bound<'py, PyAny>,
                    n_jobs: Option<isize>,
                    screen: bool,
                    params: Option<&Bound<'py, PyAny>>,
                ) -> PyResult<Option<Bound<'py, PyAny>>> {
                    let buffers = &self.buffers;
                    dispatch!(&self.model, $pm, F => {
                        let params = $crate::common::prediction_params::<F>(params, $pm.state())?;
                        let params = params.as_ref().map(|p| p.as_slice()).transpose()
                            .map_err(|e| $crate::errors::value_error(format!("params: {e}")))?;
                        $crate::common::predict_with::<F, _>(py, x, n_jobs, screen, |x| {
                            $crate::common::small_or_whole(x, buffers, $pm.state(), params, $whole, $decode)
                        })
                    })
                }
            )*)?

            $($(
                $(#[$sequences_doc])*
                #[pyo3(signature = (x, layout = None, n_jobs = None))]
                fn $predict_sequences<'py>(
                    &self,
                    py: Python<'py>,
                    x: &Bound<'py, PyAny>,
                    layout: Option<&str>,
                    n_jobs: Option<isize>,
                ) -> PyResult<Bound<'py, PyAny>> {
                    dispatch!(&self.model, $sm, F => {
                        $crate::sequences::predict_with(py, $sm.params().get_layout(), x, layout, n_jobs, $predict_one)
                    })
                }
            )*)?

            /// The model file's bytes, with `extra` (JSON text) kept beside the model (and a
            /// classifier's labels in place of its class indices, or the machine's random
            /// stream).
            #[pyo3(signature = (extra $(, $file_arg = None)?))]
            fn to_bytes<'py>(
                &self,
                py: Python<'py>,
                extra: &str,
                $($file_arg: <$K as $crate::family::Family>::FileArg<'py>,)?
            ) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
                self.model.to_bytes(py, extra, ($($file_arg)?))
            }

            /// The estimator in model-file bytes (treated as untrusted): `(model, extra)`, or
            /// `(model, labels, extra)` for a classifier, `labels` the file's class labels in
            /// index order (None for a multi-label classifier).
            #[staticmethod]
            fn from_bytes(
                data: &[u8],
            ) -> PyResult<<<$K as $crate::family::Family>::FileLabels as $crate::family::Loaded>::Value<Self>> {
                let (model, labels, extra) = $crate::family::Model::from_bytes(data)?;
                Ok($crate::family::Loaded::value(labels, Self::from(model), extra))
            }

            $(
                $(#[$weights_doc])*
                #[staticmethod]
                fn with_weights(params: &Bound<'_, PyDict>, dtype: &str, $($weights_arg: $W),*) -> PyResult<Self> {
                    let $params = <$K as $crate::family::Family>::params(params)?;
                    $($weights_prepare)*
                    let model: $crate::family::Model<$K> = model_in!(dtype, F => $build?);
                    Ok(model.into())
                }
            )?

            $(
                /// Replaces the weights (same shapes; scikit-learn's `coefs_` and `intercepts_`
                /// assigned).
                fn set_weights(&mut self, $coefs: &Bound<'_, PyAny>, $intercepts: &Bound<'_, PyAny>) -> PyResult<()> {
                    dispatch!(&mut self.model, m, F => {
                        $crate::common::with_weight_views::<F, _>($coefs, $intercepts, |c, b| m.set_weights(c, b))
                    })
                }
            )?

            $(
                $(#[$summed_doc])*
                #[pyo3(signature = ($n_features, $($summed_arg,)* evaluate, rng = None, n_jobs = None))]
                #[allow(clippy::too_many_arguments)]
                fn fit_summed<'py>(
                    &mut self,
                    py: Python<'py>,
                    $n_features: usize,
                    $($summed_arg: $S,)*
                    evaluate: Py<PyAny>,
                    rng: Option<$crate::common::RngArg<'py>>,
                    n_jobs: Option<isize>,
                ) -> PyResult<Option<Bound<'py, PyAny>>> {
                    $($summed_prepare)*
                    dispatch!(&mut self.model, $fm, F => {
                        $crate::summed::run_summed::<F>(py, &evaluate, rng, n_jobs, |$random_state, $evaluate| {
                            $summed_fit.map(drop)
                        })
                    })
                }
            )?

            $($($methods)*)?
        }
    };
}
