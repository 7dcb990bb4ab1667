"""neurona's estimators in skl2onnx, through its documented registration
(``update_registered_converter``: a shape calculator and a converter per class), so that
``skl2onnx.to_onnx(pipeline, X)`` converts a scikit-learn ``Pipeline`` holding a neurona
``MLPClassifier``, ``MLPRegressor``, ``Perceptron`` or ``BernoulliRBM`` as it converts one
holding scikit-learn's own.

The converter inlines the graph of the estimator's own ``to_onnx`` (its nodes and constants,
renamed into skl2onnx's scope), between a ``Cast`` of the input to the model's float type and a
``Cast`` of its outputs to the types the shape calculator declared (those of the pipeline's
input, as skl2onnx's own converters do) where they differ. skl2onnx is imported only when
``register_skl2onnx`` is called. The recurrent networks, which read sequences, are not
registered."""

import numpy as np


def register_skl2onnx():
    """Registers neurona's ``MLPClassifier``, ``MLPRegressor``, ``Perceptron`` and
    ``BernoulliRBM`` with skl2onnx (``import skl2onnx`` must work). The MLP classifier takes
    skl2onnx's ``zipmap`` option, as scikit-learn's does; the perceptron's ``probabilities``
    output holds its decision function."""
    from skl2onnx import update_registered_converter

    from neurona import BernoulliRBM, MLPClassifier, MLPRegressor, Perceptron

    # skl2onnx's parser asks a classifier with the zipmap option for nocl too; the labels are
    # always the classes here.
    options = {"zipmap": [True, False, "columns"], "nocl": [False]}
    update_registered_converter(MLPClassifier, "NeuronaMLPClassifier", _classifier_shapes, _convert, options=options)
    update_registered_converter(Perceptron, "NeuronaPerceptron", _classifier_shapes, _convert)
    update_registered_converter(MLPRegressor, "NeuronaMLPRegressor", _values_shapes, _convert)
    update_registered_converter(BernoulliRBM, "NeuronaBernoulliRBM", _values_shapes, _convert)


def _float_type(operator):
    """The tensor type of the operator's outputs: its input's float type."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    kind = operator.inputs[0].type
    if not isinstance(kind, (FloatTensorType, DoubleTensorType)):
        raise TypeError(f"{type(operator.raw_operator).__name__} takes float or double input, got {kind}")
    return type(kind)


def _classifier_shapes(operator):
    from skl2onnx.common.data_types import Int64TensorType, StringTensorType

    estimator = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    floats = _float_type(operator)
    if estimator.__dict__.get("_target_kind") == "multilabel":
        width = len(estimator.classes_)
        operator.outputs[0].type = Int64TensorType([n, width])
    else:
        classes = np.asarray(estimator.classes_)
        label = StringTensorType if classes.dtype.kind in "OUS" else Int64TensorType
        operator.outputs[0].type = label([n])
        # The perceptron's scores: one column for two classes.
        width = estimator.coef_.shape[0] if estimator._model_kind == "Perceptron" else len(classes)
    operator.outputs[1].type = floats([n, width])


def _values_shapes(operator):
    estimator = operator.raw_operator
    width = estimator.n_components if hasattr(estimator, "n_components") else estimator.n_outputs_
    operator.outputs[0].type = _float_type(operator)([operator.inputs[0].get_first_dimension(), width])


def _convert(scope, operator, container):
    """Inlines the estimator's own ONNX graph into skl2onnx's ``container``."""
    from onnx import TensorProto, helper

    graph = operator.raw_operator.to_onnx().graph
    names = {}

    def rename(name):
        if name not in names:
            names[name] = scope.get_unique_variable_name("neurona_" + name)
        return names[name]

    def cast(source, target, to):
        container.add_node("Cast", [source], [target], name=scope.get_unique_operator_name("NeuronaCast"), to=to)

    source = operator.inputs[0]
    ours = graph.input[0].type.tensor_type.elem_type
    if source.type.to_onnx_type().tensor_type.elem_type == ours:
        names["X"] = source.full_name
    else:
        cast(source.full_name, rename("X"), ours)
    casts = []
    for output, target in zip(graph.output, operator.outputs):
        wanted = target.type.to_onnx_type().tensor_type.elem_type
        if output.type.tensor_type.elem_type == wanted:
            names[output.name] = target.full_name
        else:
            casts.append((rename(output.name), target.full_name, wanted))
    for tensor in graph.initializer:
        if tensor.data_type == TensorProto.STRING:
            values = [s.decode() for s in tensor.string_data]
            container.add_initializer(rename(tensor.name), TensorProto.STRING, list(tensor.dims), values)
        else:
            container.add_initializer(rename(tensor.name), tensor.data_type, list(tensor.dims), tensor)
    for node in graph.node:
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        container.add_node(
            node.op_type,
            [rename(i) for i in node.input],
            [rename(o) for o in node.output],
            name=scope.get_unique_operator_name("Neurona" + node.op_type),
            **attributes,
        )
    for source, target, to in casts:
        cast(source, target, to)
