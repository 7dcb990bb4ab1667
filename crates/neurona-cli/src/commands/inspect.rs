//! `neurona inspect`: what a model file holds, for every model kind.

use anyhow::{Context, Result};
use serde_json::Value;

use crate::cli::InspectArgs;
use crate::model::{AnyModel, FeatureColumns};

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn joined(v: &Value) -> String {
    v.as_array().map(|a| a.iter().map(short).collect::<Vec<_>>().join(", ")).unwrap_or_default()
}

pub fn run(args: &InspectArgs) -> Result<()> {
    let bytes = neurona::persist::read_file(&args.model)?;
    let info = neurona::persist::inspect(&bytes).with_context(|| format!("cannot inspect {}", args.model.display()))?;
    // Load it fully too, so that inspect reports a corrupted model rather than describing it.
    let (model, extra) = AnyModel::load(&args.model)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info.header)?);
        return Ok(());
    }
    let h = &info.header;
    println!(
        "{}: {} ({}), model file format version {}",
        args.model.display(),
        info.estimator,
        info.dtype,
        info.format_version
    );
    let n_features = model.n_features_in()?;
    let classes = model.classes();
    if let Some((n_components, chain, has_stream)) = model.rbm_summary() {
        println!(
            "\nrestricted Boltzmann machine: {n_features} visible <-> {n_components} hidden units (binary, \
             undirected links)"
        );
        println!(
            "  persistent chain: {chain} fantasy particles; random_state_ stream: {}",
            if has_stream { "saved (partial_fit resumes it)" } else { "not created yet" }
        );
    } else if model.perceptron_report().is_some() {
        let (vectors, how) = if classes.len() == 2 {
            (1, "one weight vector, positive for the second class")
        } else {
            (classes.len(), "one weight vector per class, one-vs-all")
        };
        println!("\nperceptron: {n_features} inputs -> step activation; coef_ {vectors} x {n_features} ({how})");
    } else {
        let network = &h["network"];
        let units: Vec<String> =
            network["layer_units"].as_array().map(|a| a.iter().map(short).collect()).unwrap_or_default();
        println!("\narchitecture: {} (input, hidden..., output units)", units.join(" -> "));
        println!(
            "  hidden activation: {}, output activation: {}",
            short(&network["activation"]),
            short(&network["out_activation"])
        );
    }
    let features = match &extra.features {
        FeatureColumns::Named(names) if names.len() > 8 => {
            format!("{}, ... ({} in all)", names[..8].join(", "), names.len())
        }
        FeatureColumns::Named(names) => names.join(", "),
        FeatureColumns::InOrder(n) => format!("{n} unnamed columns, taken in order"),
    };
    println!("  features: {features}");
    let cli = &h["extra"]["cli"];
    if cli.is_object() {
        if !model.is_rbm() {
            println!("  targets: {}", joined(&cli["target_names"]));
        }
        println!("  scaling: {}", short(&cli["scaler"]["kind"]));
        println!("  trained on: {}", short(&cli["source"]));
    } else if h["extra"]["python"].is_object() {
        println!("  written by the Python package (neurona.{}); no scaling", short(&h["extra"]["python"]["estimator"]));
    } else {
        println!("  written by the Rust crate; no scaling");
    }
    match (&h["classes"]["labels"], &h["classes"]["multilabel"]) {
        (labels @ Value::Array(_), _) => println!("  classes: {}", joined(labels)),
        (_, Value::Number(n)) => println!("  multi-label: {n} labels"),
        _ => {}
    }
    println!("\nhyperparameters:");
    if let Some(params) = h["params"].as_object() {
        for (name, value) in params {
            println!("  {name:<20} {}", short(value));
        }
    }
    let report = &h["report"];
    let state = &h["state"];
    if let Some(perceptron) = model.perceptron_report() {
        println!("\nfit report:");
        println!("  converged: {}", perceptron.converged);
        println!("  epochs in the last call: {} (n_iter_)", perceptron.n_iter);
        if perceptron.n_iter_per_problem.len() > 1 {
            let per_class: Vec<String> = perceptron.n_iter_per_problem.iter().map(usize::to_string).collect();
            println!("  epochs per one-vs-all problem: {}", per_class.join(", "));
        }
        println!("  t_: {} (1 + the samples seen)", short(&state["t"]));
        for warning in &perceptron.warnings {
            println!("  warning: {warning}");
        }
        return Ok(());
    }
    if model.is_rbm() {
        return Ok(());
    }
    println!("\nfit report:");
    println!("  converged: {}", short(&report["converged"]));
    println!("  iterations in the last call: {}", short(&report["n_iter"]));
    println!("  final loss: {}", short(&report["loss"]));
    if let Some(curve) = state["loss_curve"].as_array() {
        println!("  epochs in all: {} ({} samples seen)", curve.len(), short(&state["t"]));
    }
    if let Some(best) = state["best_validation_score"].as_f64() {
        println!("  best validation score: {best:.4}");
    }
    let message = short(&report["message"]);
    if !message.is_empty() {
        println!("  {}", message.replace('\n', "\n  "));
    }
    Ok(())
}
