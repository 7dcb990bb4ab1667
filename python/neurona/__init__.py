"""neurona: scikit-learn's neural networks (and its perceptron), trained in Rust.

A drop-in replacement for ``sklearn.neural_network``'s ``MLPClassifier`` and ``MLPRegressor``:
change the import and everything else (pipelines, grid search, cross-validation, pickling)
keeps working, with the same results for the same ``random_state``. ``neurona.Perceptron``
(``sklearn.linear_model.Perceptron``) and ``neurona.BernoulliRBM`` replace theirs the same way::

    from neurona import MLPClassifier      # was: from sklearn.neural_network import ...

``neurona.RNNClassifier`` and ``neurona.RNNRegressor`` add what scikit-learn lacks: recurrent
networks (Elman, LSTM, GRU) over sequences of unequal lengths, with scikit-learn's conventions.

Models also save to and load from neurona's safe model file (``model.save(path)``,
``neurona.load(path)``), the format the ``neurona`` command reads and writes.

The matrix products run on every core by default, or on as many as ``OMP_NUM_THREADS`` says
(joblib sets it in its worker processes); ``neurona.set_num_threads(n)`` and threadpoolctl's
``threadpool_limits(n)`` cap them for the whole process and an estimator's ``n_jobs`` for its own
calls. Results never depend on any of them.
"""

from neurona._core import __version__, get_num_threads, set_num_threads
from neurona._mlp import MLPClassifier, MLPRegressor
from neurona._perceptron import Perceptron
from neurona._rbm import BernoulliRBM
from neurona._rnn import RNNClassifier, RNNRegressor
from neurona._persist import load
from neurona._skl2onnx import register_skl2onnx

try:
    from neurona import _threadpool  # noqa: F401  (registers neurona with threadpoolctl)
except ImportError:  # threadpoolctl comes with scikit-learn; without it there is nothing to register
    pass

# Pickles name the public classes, not the private module that defines them.
MLPClassifier.__module__ = __name__
MLPRegressor.__module__ = __name__
Perceptron.__module__ = __name__
BernoulliRBM.__module__ = __name__
RNNClassifier.__module__ = __name__
RNNRegressor.__module__ = __name__

__all__ = [
    "BernoulliRBM",
    "MLPClassifier",
    "MLPRegressor",
    "Perceptron",
    "RNNClassifier",
    "RNNRegressor",
    "get_num_threads",
    "load",
    "register_skl2onnx",
    "set_num_threads",
    "__version__",
]
