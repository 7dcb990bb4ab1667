//! `neurona export`: a saved model as an ONNX file, for ONNX Runtime (`neurona::export`).
//!
//! A model the command trained prepares its features before the network, and the graph does
//! the same first, so that ONNX Runtime on the raw table gives `neurona predict`'s answers: the
//! preprocessing (`preprocess::onnx`: one input per table column) and then the scaler; a model
//! without preprocessing keeps the single input `X` (the scaler, if any, applied to it).

use anyhow::{Context, Result, bail};
use neurona::export::proto::data_type;
use neurona::export::{Graph, NetworkInput, int_attribute};

use crate::args::ExportArgs;
use crate::model::{Extra, Model, Scaler};

/// The names of the graph's outputs, which no input (a feature column's name) may take.
const OUTPUT_NAMES: [&str; 4] = ["label", "probabilities", "scores", "variable"];

pub fn run(args: &ExportArgs) -> Result<()> {
    let (model, extra) = Model::load(&args.model)?;
    if let Some(preprocess) = &extra.preprocess {
        let names = preprocess.input_names();
        let taken: Vec<&str> = names.iter().map(String::as_str).filter(|n| OUTPUT_NAMES.contains(n)).collect();
        if !taken.is_empty() {
            bail!(
                "{}: the graph takes one input per feature column, named as the column, and the column(s) '{}' \
                 would take the name of a graph output ({}): rename the column(s) and train again to export the model",
                args.model.display(),
                taken.join("', '"),
                OUTPUT_NAMES.join(", ")
            );
        }
    }
    let bytes = neurona::persist::read_file(&args.model)?;
    let exported = if extra.preprocess.is_none() && extra.scaler == Scaler::None {
        neurona::export::onnx_from_model_file(&bytes)
    } else {
        let mut prefix =
            |graph: &mut Graph, input: &NetworkInput| Ok::<_, neurona::NeuronaError>(prepare(graph, input, &extra));
        neurona::export::onnx_from_model_file_with_prefix(&bytes, &mut prefix)
    };
    let onnx = exported.with_context(|| format!("cannot export {} to ONNX", args.model.display()))?;
    neurona::persist::write_atomically(&args.output, &onnx)?;
    println!(
        "exported the {} to {} (ONNX opset {}, IR version {})",
        model.kind(),
        args.output.display(),
        neurona::export::OPSET,
        neurona::export::IR_VERSION
    );
    if let Some(preprocess) = &extra.preprocess {
        let names = preprocess.input_names();
        println!("inputs: one (N, 1) per feature column, named as the columns: {}", names.join(", "));
        for difference in preprocess.onnx_differences() {
            println!("note: in the graph, {difference}");
        }
    }
    if extra.scaler != Scaler::None {
        println!("the graph scales the features first ({})", extra.scaler.name());
    }
    Ok(())
}

/// The graph's first nodes for the model's `extra`: its inputs, the preprocessing and the
/// scaler, computed in double as the command computes them, then cast to the model's float
/// type. Returns the value the network reads.
fn prepare(graph: &mut Graph, input: &NetworkInput, extra: &Extra) -> String {
    let x = match &extra.preprocess {
        Some(preprocess) => preprocess.onnx(graph, input.elem_type),
        None => {
            let x = graph.input("X", input.elem_type, &input.dims);
            cast(graph, &x, input.elem_type, data_type::DOUBLE)
        }
    };
    let x = scale(graph, &x, &extra.scaler, input.n_features());
    cast(graph, &x, data_type::DOUBLE, input.elem_type)
}

/// `(x - shift) / divide` per feature (the last axis), as `Scaler::transform` computes it: a
/// constant feature keeps the divisor 1 it was fitted with.
fn scale(graph: &mut Graph, x: &str, scaler: &Scaler, n_features: usize) -> String {
    let (shift, divide) = match scaler {
        Scaler::None => return x.to_owned(),
        Scaler::Standard { mean, scale } => (mean, scale),
        Scaler::MinMax { min, range } => (min, range),
    };
    let name = scaler.name();
    let shift = graph.floats(&format!("scaler_{name}_shift"), &[n_features], shift.iter().copied());
    let divide = graph.floats(&format!("scaler_{name}_divide"), &[n_features], divide.iter().copied());
    let centred = graph.node("Sub", &[x, &shift], None, Vec::new());
    graph.node("Div", &[&centred, &divide], None, Vec::new())
}

/// `x` of element type `from` as `to` (itself when they agree).
fn cast(graph: &mut Graph, x: &str, from: i32, to: i32) -> String {
    if from == to {
        return x.to_owned();
    }
    graph.node("Cast", &[x], None, vec![int_attribute("to", i64::from(to))])
}
