"""Type stubs of neurona._core, the Rust extension module (private: use neurona's public
classes). Arrays are numpy arrays; X and sample weights must have the model's
dtype (float32 or float64); class labels are int64 indices into the Python layer's classes_.
n_jobs caps the threads of a call by joblib's convention (None: the process-wide setting)."""

from typing import Any, Callable, Optional, Union

import numpy as np
import numpy.typing as npt

__version__: str
FORMAT_VERSION: int

Params = dict[str, Any]
RngState = tuple[npt.NDArray[np.uint32], int, bool, float]
NewRngState = tuple[str, npt.NDArray[np.uint32], int, bool, float]
OnEpoch = Callable[[int, float, Optional[float]], Any]
Labels = Union[list[int], list[str]]
#: A dense array, or a scipy CSR matrix (csr_matrix or csr_array) whose data has the model's dtype.
Rows = Any

def inspect(data: bytes) -> tuple[str, str, str]:
    """A model file's (estimator, dtype, header JSON)."""

def write_file(path: str, data: bytes) -> None:
    """Writes model-file bytes atomically."""

def onnx_from_model_file(data: bytes) -> bytes:
    """The ONNX model of the estimator a model file holds."""

def set_num_threads(n: Optional[int]) -> None:
    """The most threads one product may use in this process (None: every core)."""

def specs(kind: str) -> list[tuple[str, str, str, list[str], str]]:
    """The spec table of an estimator kind: (name, default, kind, choices, doc) per hyperparameter."""

def get_num_threads() -> int:
    """The most threads one product started from this thread may use now."""

def check_densifiable(shape: tuple[int, int], dtype: str) -> None:
    """MemoryError when the dense form of a sparse matrix of this shape and dtype cannot be
    allocated."""

#: What neurona.dask's evaluator returns for the summed chunks: (loss_sum, grad_sum, weight_sum).
Sums = tuple[float, npt.NDArray[Any], float]

def chunk_sums(
    layer_units: list[int],
    activation: str,
    out_activation: str,
    params: npt.NDArray[Any],
    x: npt.NDArray[Any],
    y: npt.NDArray[Any],
    sample_weight: Optional[npt.NDArray[Any]] = None,
    n_jobs: Optional[int] = None,
) -> Sums:
    """One chunk's unnormalised (loss_sum, grad_sum, weight_sum) for the network of layer_units
    at the flat params (float32 or float64), with the GIL released."""

class Classifier:
    def __new__(cls, params: Params, dtype: str) -> Classifier: ...
    @property
    def dtype(self) -> str: ...
    def is_fitted(self) -> bool: ...
    def is_multilabel(self) -> bool: ...
    def fit_summed(
        self,
        n_features: int,
        n_classes: int,
        multilabel: bool,
        evaluate: Callable[[npt.NDArray[Any]], Sums],
        rng: Optional[RngState] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    def set_params(self, params: Params) -> None: ...
    def fit(
        self,
        x: npt.NDArray[np.floating],
        y: npt.NDArray[np.int64],
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
        on_epoch: Optional[OnEpoch] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    def fit_multilabel(
        self,
        x: npt.NDArray[np.floating],
        y: npt.NDArray[np.bool_],
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
        on_epoch: Optional[OnEpoch] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    def partial_fit(
        self,
        x: npt.NDArray[np.floating],
        y: npt.NDArray[np.int64],
        n_classes: Optional[int] = None,
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
        on_epoch: Optional[OnEpoch] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    def partial_fit_multilabel(
        self,
        x: npt.NDArray[np.floating],
        y: npt.NDArray[np.bool_],
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
        on_epoch: Optional[OnEpoch] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    @staticmethod
    def with_weights(
        params: Params,
        dtype: str,
        n_classes: int,
        coefs: list[npt.NDArray[np.floating]],
        intercepts: list[npt.NDArray[np.floating]],
    ) -> Classifier: ...
    def set_weights(
        self, coefs: list[npt.NDArray[np.floating]], intercepts: list[npt.NDArray[np.floating]]
    ) -> None: ...
    # With `screen` (the Python layer's fast path, X not validated), None when X holds NaN or
    # infinity; without it, never None. `params`: the flat weights to compute with (the buffer
    # behind the Python layer's coefs_ and intercepts_; state()["params"]), else the model's.
    def predict(
        self,
        x: npt.NDArray[np.floating],
        n_jobs: Optional[int] = None,
        screen: bool = False,
        params: Optional[npt.NDArray[np.floating]] = None,
    ) -> Optional[npt.NDArray[np.int64]]: ...
    def predict_multilabel(
        self,
        x: npt.NDArray[np.floating],
        n_jobs: Optional[int] = None,
        screen: bool = False,
        params: Optional[npt.NDArray[np.floating]] = None,
    ) -> Optional[npt.NDArray[np.bool_]]: ...
    def predict_proba(
        self,
        x: npt.NDArray[np.floating],
        n_jobs: Optional[int] = None,
        screen: bool = False,
        params: Optional[npt.NDArray[np.floating]] = None,
    ) -> Optional[npt.NDArray[np.floating]]: ...
    def state(self) -> dict[str, Any]: ...
    def to_bytes(self, extra: str, labels: Optional[Labels] = None) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> tuple[Classifier, Optional[Labels], str]: ...

class Regressor:
    def __new__(cls, params: Params, dtype: str) -> Regressor: ...
    @property
    def dtype(self) -> str: ...
    def is_fitted(self) -> bool: ...
    def set_params(self, params: Params) -> None: ...
    def fit_summed(
        self,
        n_features: int,
        n_outputs: int,
        evaluate: Callable[[npt.NDArray[Any]], Sums],
        rng: Optional[RngState] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    def fit(
        self,
        x: npt.NDArray[np.floating],
        y: npt.NDArray[np.floating],
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
        on_epoch: Optional[OnEpoch] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    def partial_fit(
        self,
        x: npt.NDArray[np.floating],
        y: npt.NDArray[np.floating],
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
        on_epoch: Optional[OnEpoch] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    @staticmethod
    def with_weights(
        params: Params,
        dtype: str,
        coefs: list[npt.NDArray[np.floating]],
        intercepts: list[npt.NDArray[np.floating]],
    ) -> Regressor: ...
    def set_weights(
        self, coefs: list[npt.NDArray[np.floating]], intercepts: list[npt.NDArray[np.floating]]
    ) -> None: ...
    # `screen` and `params` as for Classifier.predict.
    def predict(
        self,
        x: npt.NDArray[np.floating],
        n_jobs: Optional[int] = None,
        screen: bool = False,
        params: Optional[npt.NDArray[np.floating]] = None,
    ) -> Optional[npt.NDArray[np.floating]]: ...
    def state(self) -> dict[str, Any]: ...
    def to_bytes(self, extra: str) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> tuple[Regressor, str]: ...

class Perceptron:
    """The numerics of neurona.Perceptron; `class_weight` in `params` is None or one weight
    per class index, `penalty` is 'none' for None. X is dense or a scipy CSR matrix."""

    def __new__(cls, params: Params, dtype: str) -> Perceptron: ...
    @property
    def dtype(self) -> str: ...
    def is_fitted(self) -> bool: ...
    def set_params(self, params: Params) -> None: ...
    def fit(
        self,
        x: Rows,
        y: npt.NDArray[np.int64],
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        coef_init: Optional[npt.NDArray[np.floating]] = None,
        intercept_init: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
    ) -> Optional[NewRngState]: ...
    def partial_fit(
        self,
        x: Rows,
        y: npt.NDArray[np.int64],
        n_classes: Optional[int] = None,
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
    ) -> Optional[NewRngState]: ...
    def decision_function(self, x: Rows) -> npt.NDArray[np.floating]: ...
    def predict(self, x: Rows) -> npt.NDArray[np.int64]: ...
    def set_weights(self, coef: npt.NDArray[np.floating], intercept: npt.NDArray[np.float64]) -> None: ...
    def state(self) -> dict[str, Any]: ...
    def to_bytes(self, extra: str, labels: Optional[Labels] = None) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> tuple[Perceptron, Labels, str]: ...

class Rbm:
    """The numerics of neurona.BernoulliRBM; every call that draws takes a numpy
    RandomState's state and returns its new state."""

    def __new__(cls, params: Params, dtype: str) -> Rbm: ...
    @property
    def dtype(self) -> str: ...
    def is_fitted(self) -> bool: ...
    def set_params(self, params: Params) -> None: ...
    def fit(
        self,
        x: npt.NDArray[np.floating],
        rng: Optional[RngState] = None,
        on_epoch: Optional[Callable[[int, float], Any]] = None,
    ) -> Optional[NewRngState]: ...
    def partial_fit(self, x: npt.NDArray[np.floating], rng: RngState) -> Optional[NewRngState]: ...
    def set_weights(
        self,
        components: npt.NDArray[np.floating],
        intercept_hidden: npt.NDArray[np.floating],
        intercept_visible: npt.NDArray[np.floating],
    ) -> None: ...
    def transform(self, x: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]: ...
    def gibbs(
        self, v: npt.NDArray[np.floating], rng: RngState
    ) -> tuple[npt.NDArray[np.bool_], Optional[NewRngState]]: ...
    def score_samples(
        self, x: npt.NDArray[np.floating], rng: RngState
    ) -> tuple[npt.NDArray[np.floating], Optional[NewRngState]]: ...
    # "random_state_" is the model's own stream (a file written by the Rust crate), or None.
    def state(self) -> dict[str, Any]: ...
    def to_bytes(self, extra: str, rng: Optional[RngState] = None) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> tuple[Rbm, str]: ...

# Sequences: a 3-D array, or a list of 2-D arrays of unequal lengths, of the model's dtype, laid
# out as `layout` says ("steps_features" or "features_steps", for the list's arrays too).
Sequences = Union[npt.NDArray[np.floating], list[npt.NDArray[np.floating]]]
Tensors = dict[str, npt.NDArray[np.floating]]

class RnnClassifier:
    """The numerics of neurona.RNNClassifier: trained on class indices (one per sequence, or
    per real step with output='step'); predictions take the Python layer's current `layout`
    (None: the fitted one)."""

    def __new__(cls, params: Params, dtype: str) -> RnnClassifier: ...
    @property
    def dtype(self) -> str: ...
    def is_fitted(self) -> bool: ...
    def set_params(self, params: Params) -> None: ...
    def fit(
        self,
        x: Sequences,
        y: npt.NDArray[np.int64],
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
        on_epoch: Optional[OnEpoch] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    def fit_multilabel(
        self,
        x: Sequences,
        y: npt.NDArray[np.bool_],
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
        on_epoch: Optional[OnEpoch] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    def partial_fit(
        self,
        x: Sequences,
        y: npt.NDArray[np.int64],
        n_classes: Optional[int] = None,
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
        on_epoch: Optional[OnEpoch] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    @staticmethod
    def with_weights(params: Params, dtype: str, n_classes: int, n_features: int, tensors: Tensors) -> RnnClassifier: ...
    def predict(
        self, x: Sequences, layout: Optional[str] = None, n_jobs: Optional[int] = None
    ) -> npt.NDArray[np.int64]: ...
    def predict_multilabel(
        self, x: Sequences, layout: Optional[str] = None, n_jobs: Optional[int] = None
    ) -> npt.NDArray[np.bool_]: ...
    def predict_proba(
        self, x: Sequences, layout: Optional[str] = None, n_jobs: Optional[int] = None
    ) -> npt.NDArray[np.floating]: ...
    # "tensors" is every weight tensor by name (PyTorch's names for the recurrent layers).
    def state(self) -> dict[str, Any]: ...
    def to_bytes(self, extra: str, labels: Optional[Labels] = None) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> tuple[RnnClassifier, Optional[Labels], str]: ...

class RnnRegressor:
    """The numerics of neurona.RNNRegressor: targets `(rows, n_outputs)`, one row per sequence
    or per real step."""

    def __new__(cls, params: Params, dtype: str) -> RnnRegressor: ...
    @property
    def dtype(self) -> str: ...
    def is_fitted(self) -> bool: ...
    def set_params(self, params: Params) -> None: ...
    def fit(
        self,
        x: Sequences,
        y: npt.NDArray[np.floating],
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
        on_epoch: Optional[OnEpoch] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    def partial_fit(
        self,
        x: Sequences,
        y: npt.NDArray[np.floating],
        sample_weight: Optional[npt.NDArray[np.floating]] = None,
        rng: Optional[RngState] = None,
        on_epoch: Optional[OnEpoch] = None,
        n_jobs: Optional[int] = None,
    ) -> Optional[NewRngState]: ...
    @staticmethod
    def with_weights(params: Params, dtype: str, n_outputs: int, n_features: int, tensors: Tensors) -> RnnRegressor: ...
    def predict(
        self, x: Sequences, layout: Optional[str] = None, n_jobs: Optional[int] = None
    ) -> npt.NDArray[np.floating]: ...
    def state(self) -> dict[str, Any]: ...
    def to_bytes(self, extra: str) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> tuple[RnnRegressor, str]: ...
