"""ONNX export of a fitted estimator (``to_onnx``): the core writes the ONNX model from the
estimator's model file (``neurona::export``), so that Python, the ``neurona export`` command
and the Rust crate give the same bytes. Imports no estimator."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from neurona import _core, _persist


def to_onnx(estimator):
    """The fitted ``estimator`` as an ONNX model: an ``onnx.ModelProto`` when the ``onnx``
    package is installed, else its serialized bytes (which ``onnxruntime.InferenceSession``
    reads either way)."""
    check_is_fitted(estimator)
    classes = estimator.__dict__.get("classes_")
    kind = estimator.__dict__.get("_target_kind")
    if classes is not None and kind != "multilabel":
        classes = np.asarray(classes)
        if _persist.file_labels(classes) is None:
            raise ValueError(
                f"{type(estimator).__name__} has class labels of dtype {classes.dtype} ({classes.tolist()[:5]!r}); "
                "the ONNX export writes int64 or str labels"
            )
    data, _ = _persist.model_bytes(estimator, strict=False)
    onnx_bytes = _core.onnx_from_model_file(data)
    try:
        import onnx
    except ImportError:
        return onnx_bytes
    return onnx.load_from_string(onnx_bytes)
