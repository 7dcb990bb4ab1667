//! A small builder of ONNX graphs over [`proto`](super::proto): constant tensors, nodes with
//! generated output names, the graph's typed inputs and outputs, and the finished model's bytes.

use prost::Message;

use super::proto::{
    AttributeProto, Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto,
    TensorTypeProto, TypeProto, ValueInfoProto, attribute_type, data_type,
};
use super::{IR_VERSION, OPSET, PRODUCER};
use crate::float::Float;

/// The ONNX element type of `F`: `FLOAT` for f32, `DOUBLE` for f64.
pub(crate) fn elem_type<F: Float>() -> i32 {
    if F::DTYPE == f32::DTYPE { data_type::FLOAT } else { data_type::DOUBLE }
}

/// One dimension of a graph input or output.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dim {
    /// The number of rows, any size at run time (the symbolic `N`).
    Batch,
    /// The number of steps of padded sequences, any size at run time (the symbolic `T`).
    Steps,
    /// A size fixed by the model.
    Fixed(usize),
}

/// An ONNX graph under construction. Every value is named by a string; [`node`](Self::node)
/// names its output after the operator and a counter unless told a name.
#[derive(Debug)]
pub(crate) struct Graph {
    graph: GraphProto,
    count: usize,
}

impl Graph {
    /// An empty graph named `name` (the estimator's kind).
    pub(crate) fn new(name: &str) -> Self {
        Self { graph: GraphProto { name: name.to_owned(), ..GraphProto::default() }, count: 0 }
    }

    /// Declares a graph input.
    pub(crate) fn input(&mut self, name: &str, elem_type: i32, dims: &[Dim]) -> String {
        self.graph.input.push(value_info(name, elem_type, dims));
        name.to_owned()
    }

    /// Declares a graph output (a value some node writes).
    pub(crate) fn output(&mut self, name: &str, elem_type: i32, dims: &[Dim]) {
        self.graph.output.push(value_info(name, elem_type, dims));
    }

    /// A constant tensor of `F` with shape `dims` (row-major `values`).
    pub(crate) fn floats<F: Float>(
        &mut self,
        name: &str,
        dims: &[usize],
        values: impl IntoIterator<Item = F>,
    ) -> String {
        let raw: Vec<u8> = if F::DTYPE == f32::DTYPE {
            // Exact: `v` is an f32 widened to f64.
            values.into_iter().flat_map(|v| (v.as_f64() as f32).to_le_bytes()).collect()
        } else {
            values.into_iter().flat_map(|v| v.as_f64().to_le_bytes()).collect()
        };
        self.constant(name, dims, elem_type::<F>(), Some(raw), Vec::new())
    }

    /// A graph over rows of `weights`' width: declares the input `X: (N, n_features)` and
    /// computes `X · weightsᵀ + bias` in one `Gemm` (`weights: (n_outputs, n_features)`, as
    /// scikit-learn's linear models and the RBM hold them), named `output` or fresh; the
    /// constants are named by the pairs' first halves. Returns the `Gemm`'s output.
    pub(crate) fn linear_from_input<F: Float>(
        &mut self,
        (weights_name, weights): (&str, ndarray::ArrayView2<'_, F>),
        (bias_name, bias): (&str, impl IntoIterator<Item = F>),
        output: Option<&str>,
    ) -> String {
        self.input("X", elem_type::<F>(), &[Dim::Batch, Dim::Fixed(weights.ncols())]);
        let w = self.floats(weights_name, &[weights.nrows(), weights.ncols()], weights.iter().copied());
        let b = self.floats(bias_name, &[weights.nrows()], bias);
        self.node("Gemm", &["X", &w, &b], output, vec![int_attribute("transB", 1)])
    }

    /// A constant tensor of int64 with shape `dims`.
    pub(crate) fn int64s(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.constant(name, dims, data_type::INT64, Some(raw), Vec::new())
    }

    /// A constant one-dimensional tensor of strings.
    pub(crate) fn strings(&mut self, name: &str, values: &[String]) -> String {
        let data = values.iter().map(|s| s.as_bytes().to_vec()).collect();
        self.constant(name, &[values.len()], data_type::STRING, None, data)
    }

    fn constant(
        &mut self,
        name: &str,
        dims: &[usize],
        data_type: i32,
        raw_data: Option<Vec<u8>>,
        string_data: Vec<Vec<u8>>,
    ) -> String {
        self.graph.initializer.push(TensorProto {
            dims: dims.iter().map(|&d| as_i64(d)).collect(),
            data_type: Some(data_type),
            string_data,
            name: name.to_owned(),
            raw_data,
        });
        name.to_owned()
    }

    /// Adds a node `op_type(inputs)` with `attributes`; its one output is `output`, or a fresh
    /// name when `None`. Returns the output's name.
    pub(crate) fn node(
        &mut self,
        op_type: &str,
        inputs: &[&str],
        output: Option<&str>,
        attributes: Vec<AttributeProto>,
    ) -> String {
        let output = output.map_or_else(|| format!("{}_{}", op_type.to_lowercase(), self.count + 1), str::to_owned);
        self.node_outputs(op_type, inputs, &[&output], attributes);
        output
    }

    /// Adds a node with several outputs, all named by the caller.
    pub(crate) fn node_outputs(
        &mut self,
        op_type: &str,
        inputs: &[&str],
        outputs: &[&str],
        attributes: Vec<AttributeProto>,
    ) {
        self.count += 1;
        self.graph.node.push(NodeProto {
            input: inputs.iter().map(|&s| s.to_owned()).collect(),
            output: outputs.iter().map(|&s| s.to_owned()).collect(),
            name: format!("{op_type}_{}", self.count),
            op_type: op_type.to_owned(),
            domain: String::new(),
            attribute: attributes,
        });
    }

    /// A fresh value name starting with `stem`.
    pub(crate) fn fresh(&self, stem: &str) -> String {
        format!("{stem}_{}", self.count + 1)
    }

    /// The finished model's bytes, with `doc` as its description.
    pub(crate) fn finish(mut self, doc: String) -> Vec<u8> {
        self.graph.doc_string = doc.clone();
        ModelProto {
            ir_version: Some(IR_VERSION),
            opset_import: vec![OperatorSetIdProto { domain: String::new(), version: Some(OPSET) }],
            producer_name: PRODUCER.to_owned(),
            producer_version: env!("CARGO_PKG_VERSION").to_owned(),
            domain: String::new(),
            doc_string: doc,
            graph: Some(self.graph),
        }
        .encode_to_vec()
    }
}

/// An integer attribute.
pub(crate) fn int_attribute(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: name.to_owned(),
        r#type: Some(attribute_type::INT),
        i: Some(value),
        ..AttributeProto::default()
    }
}

/// An attribute holding a list of integers.
pub(crate) fn ints_attribute(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.to_owned(),
        r#type: Some(attribute_type::INTS),
        ints: values.to_vec(),
        ..AttributeProto::default()
    }
}

/// A string attribute.
pub(crate) fn string_attribute(name: &str, value: &str) -> AttributeProto {
    AttributeProto {
        name: name.to_owned(),
        r#type: Some(attribute_type::STRING),
        s: Some(value.as_bytes().to_vec()),
        ..AttributeProto::default()
    }
}

/// An attribute holding a list of strings.
pub(crate) fn strings_attribute(name: &str, values: &[&str]) -> AttributeProto {
    AttributeProto {
        name: name.to_owned(),
        r#type: Some(attribute_type::STRINGS),
        strings: values.iter().map(|v| v.as_bytes().to_vec()).collect(),
        ..AttributeProto::default()
    }
}

fn value_info(name: &str, elem_type: i32, dims: &[Dim]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| match d {
            Dim::Batch => Dimension { dim_value: None, dim_param: Some("N".to_owned()) },
            Dim::Steps => Dimension { dim_value: None, dim_param: Some("T".to_owned()) },
            Dim::Fixed(n) => Dimension { dim_value: Some(as_i64(*n)), dim_param: None },
        })
        .collect();
    let tensor_type = TensorTypeProto { elem_type: Some(elem_type), shape: Some(TensorShapeProto { dim }) };
    ValueInfoProto {
        name: name.to_owned(),
        r#type: Some(TypeProto { tensor_type: Some(tensor_type) }),
        doc_string: String::new(),
    }
}

/// A size as ONNX's int64: every size here is the length of a tensor held in memory, which
/// fits.
fn as_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
