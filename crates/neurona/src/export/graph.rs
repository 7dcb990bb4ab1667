//! A small builder of ONNX graphs over [`proto`](super::proto): constant tensors, nodes with
//! generated output names, the graph's typed inputs and outputs, and the finished model's bytes.
//!
//! Public so that a caller can write the first nodes of an exported graph (the command's
//! preparation of a table's columns, [`super::onnx_from_model_file_with_prefix`]); the estimators'
//! own helpers stay crate-private.

use prost::Message;

use super::proto::{
    AttributeProto, Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto,
    TensorTypeProto, TypeProto, ValueInfoProto, attribute_type, data_type,
};
use super::{IR_VERSION, OPSET, PRODUCER};
use crate::float::Float;

/// The ONNX element type of `F`: `FLOAT` for f32, `DOUBLE` for f64.
pub fn elem_type<F: Float>() -> i32 {
    if F::DTYPE == f32::DTYPE { data_type::FLOAT } else { data_type::DOUBLE }
}

/// One dimension of a graph input or output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
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
pub struct Graph {
    graph: GraphProto,
    count: usize,
    /// What generated names start with: empty for a model's graph, the owner's mark for a
    /// subgraph (a `Scan`'s body), whose names must not shadow the outer graph's.
    stem: String,
    /// The operator sets other than the default one that some node uses (`ai.onnx.ml`'s
    /// `LabelEncoder`), with their versions.
    domains: Vec<(String, i64)>,
}

impl Graph {
    /// An empty graph named `name` (the estimator's kind).
    pub(crate) fn new(name: &str) -> Self {
        let graph = GraphProto { name: name.to_owned(), ..GraphProto::default() };
        Self { graph, count: 0, stem: String::new(), domains: Vec::new() }
    }

    /// An empty subgraph named `name` (a `Scan`'s body), its generated names starting with
    /// `name`; [`into_subgraph`](Self::into_subgraph) gives it for a graph attribute.
    pub(crate) fn subgraph(name: &str) -> Self {
        Self { stem: format!("{name}_"), ..Self::new(name) }
    }

    /// The finished subgraph, for [`graph_attribute`].
    pub(crate) fn into_subgraph(self) -> GraphProto {
        self.graph
    }

    /// Declares a graph input.
    pub fn input(&mut self, name: &str, elem_type: i32, dims: &[Dim]) -> String {
        self.graph.input.push(value_info(name, elem_type, dims));
        name.to_owned()
    }

    /// Declares a graph output (a value some node writes).
    pub fn output(&mut self, name: &str, elem_type: i32, dims: &[Dim]) {
        self.graph.output.push(value_info(name, elem_type, dims));
    }

    /// A constant tensor of `F` with shape `dims` (row-major `values`).
    pub fn floats<F: Float>(&mut self, name: &str, dims: &[usize], values: impl IntoIterator<Item = F>) -> String {
        let raw: Vec<u8> = if F::DTYPE == f32::DTYPE {
            // Exact: `v` is an f32 widened to f64.
            values.into_iter().flat_map(|v| (v.as_f64() as f32).to_le_bytes()).collect()
        } else {
            values.into_iter().flat_map(|v| v.as_f64().to_le_bytes()).collect()
        };
        self.constant(name, dims, elem_type::<F>(), Some(raw), Vec::new())
    }

    /// `x · weightsᵀ + bias` in one `Gemm` over the rows of the value `x`, `(N, n_features)`
    /// (`weights: (n_outputs, n_features)`, as scikit-learn's linear models and the RBM hold
    /// them), named `output` or fresh; the constants are named by the pairs' first halves.
    /// Returns the `Gemm`'s output.
    pub(crate) fn linear<F: Float>(
        &mut self,
        x: &str,
        (weights_name, weights): (&str, ndarray::ArrayView2<'_, F>),
        (bias_name, bias): (&str, impl IntoIterator<Item = F>),
        output: Option<&str>,
    ) -> String {
        let w = self.floats(weights_name, &[weights.nrows(), weights.ncols()], weights.iter().copied());
        let b = self.floats(bias_name, &[weights.nrows()], bias);
        self.node("Gemm", &[x, &w, &b], output, vec![int_attribute("transB", 1)])
    }

    /// A constant tensor of int64 with shape `dims`.
    pub fn int64s(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.constant(name, dims, data_type::INT64, Some(raw), Vec::new())
    }

    /// A constant one-dimensional tensor of strings.
    pub fn strings(&mut self, name: &str, values: &[String]) -> String {
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
    pub fn node(
        &mut self,
        op_type: &str,
        inputs: &[&str],
        output: Option<&str>,
        attributes: Vec<AttributeProto>,
    ) -> String {
        let output = output.map_or_else(|| self.fresh(&op_type.to_lowercase()), str::to_owned);
        self.node_outputs(op_type, inputs, &[&output], attributes);
        output
    }

    /// Adds a node with several outputs, all named by the caller.
    pub fn node_outputs(&mut self, op_type: &str, inputs: &[&str], outputs: &[&str], attributes: Vec<AttributeProto>) {
        self.domain_node_outputs("", op_type, inputs, outputs, attributes);
    }

    /// Adds a node of operator set `domain` at `version` (which the model then imports), with
    /// one fresh output; returns its name. ONNX Runtime runs `ai.onnx.ml` version 2.
    pub fn domain_node(
        &mut self,
        (domain, version): (&str, i64),
        op_type: &str,
        inputs: &[&str],
        attributes: Vec<AttributeProto>,
    ) -> String {
        if !self.domains.iter().any(|(d, _)| d == domain) {
            self.domains.push((domain.to_owned(), version));
        }
        let output = self.fresh(&op_type.to_lowercase());
        self.domain_node_outputs(domain, op_type, inputs, &[&output], attributes);
        output
    }

    fn domain_node_outputs(
        &mut self,
        domain: &str,
        op_type: &str,
        inputs: &[&str],
        outputs: &[&str],
        attributes: Vec<AttributeProto>,
    ) {
        self.count += 1;
        self.graph.node.push(NodeProto {
            input: inputs.iter().map(|&s| s.to_owned()).collect(),
            output: outputs.iter().map(|&s| s.to_owned()).collect(),
            name: format!("{}{op_type}_{}", self.stem, self.count),
            op_type: op_type.to_owned(),
            domain: domain.to_owned(),
            attribute: attributes,
        });
    }

    /// A fresh value name starting with `stem`.
    pub fn fresh(&self, stem: &str) -> String {
        format!("{}{stem}_{}", self.stem, self.count + 1)
    }

    /// The finished model's bytes, with `doc` as its description.
    pub(crate) fn finish(mut self, doc: String) -> Vec<u8> {
        self.graph.doc_string = doc.clone();
        let mut opset_import = vec![OperatorSetIdProto { domain: String::new(), version: Some(OPSET) }];
        opset_import.extend(
            self.domains.into_iter().map(|(domain, version)| OperatorSetIdProto { domain, version: Some(version) }),
        );
        ModelProto {
            ir_version: Some(IR_VERSION),
            opset_import,
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
pub fn int_attribute(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: name.to_owned(),
        r#type: Some(attribute_type::INT),
        i: Some(value),
        ..AttributeProto::default()
    }
}

/// An attribute holding a list of integers.
pub fn ints_attribute(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.to_owned(),
        r#type: Some(attribute_type::INTS),
        ints: values.to_vec(),
        ..AttributeProto::default()
    }
}

/// A graph attribute (a `Scan`'s `body`).
pub(crate) fn graph_attribute(name: &str, graph: GraphProto) -> AttributeProto {
    AttributeProto {
        name: name.to_owned(),
        r#type: Some(attribute_type::GRAPH),
        g: Some(Box::new(graph)),
        ..AttributeProto::default()
    }
}

/// A string attribute.
pub fn string_attribute(name: &str, value: &str) -> AttributeProto {
    AttributeProto {
        name: name.to_owned(),
        r#type: Some(attribute_type::STRING),
        s: Some(value.as_bytes().to_vec()),
        ..AttributeProto::default()
    }
}

/// An attribute holding a list of strings.
pub fn strings_attribute(name: &str, values: &[&str]) -> AttributeProto {
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
pub(crate) fn as_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
