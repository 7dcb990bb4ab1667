//! `neurona export`: a saved model as an ONNX file, for ONNX Runtime (`neurona::export`).

use anyhow::{Context, Result, bail};

use crate::args::ExportArgs;
use crate::model::{Model, Scaler};

pub fn run(args: &ExportArgs) -> Result<()> {
    let (model, extra) = Model::load(&args.model)?;
    // The graph takes the network's own inputs: a model that prepares its features first
    // (filling, encoding, scaling) would give other answers on raw rows than `neurona predict`.
    if let Some(preprocess) = &extra.preprocess {
        bail!(
            "{}: the model fills missing cells or encodes categories before the network ({}), and the ONNX export \
             does not include that preprocessing yet",
            args.model.display(),
            preprocess.describe().into_iter().take(3).collect::<Vec<_>>().join("; ")
        );
    }
    if extra.scaler != Scaler::None {
        bail!(
            "{}: the model scales its features ({}) before the network, and the ONNX export does not include the \
             scaler yet: train it with --scale none to export it",
            args.model.display(),
            extra.scaler.name()
        );
    }
    let bytes = neurona::persist::read_file(&args.model)?;
    let onnx = neurona::export::onnx_from_model_file(&bytes)
        .with_context(|| format!("cannot export {} to ONNX", args.model.display()))?;
    neurona::persist::write_atomically(&args.output, &onnx)?;
    println!(
        "exported the {} to {} (ONNX opset {}, IR version {})",
        model.kind(),
        args.output.display(),
        neurona::export::OPSET,
        neurona::export::IR_VERSION
    );
    Ok(())
}
