//! `neurona inspect`: what a model file holds.

use anyhow::{Context, Result};
use serde_json::Value;

use crate::cli::InspectArgs;

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn run(args: &InspectArgs) -> Result<()> {
    let bytes = neurona::persist::read_file(&args.model)?;
    let info = neurona::persist::inspect(&bytes).with_context(|| format!("cannot inspect {}", args.model.display()))?;
    // Load it fully too, so that inspect reports a corrupted model rather than describing it.
    crate::model::AnyModel::load(&args.model)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info.header)?);
        return Ok(());
    }
    let h = &info.header;
    let network = &h["network"];
    let units: Vec<String> =
        network["layer_units"].as_array().map(|a| a.iter().map(short).collect()).unwrap_or_default();
    println!(
        "{}: {} ({}), model file format version {}",
        args.model.display(),
        info.estimator,
        info.dtype,
        info.format_version
    );
    println!("\narchitecture: {} (input, hidden..., output units)", units.join(" -> "));
    println!(
        "  hidden activation: {}, output activation: {}",
        short(&network["activation"]),
        short(&network["out_activation"])
    );
    let cli = &h["extra"]["cli"];
    if let Some(features) = cli["feature_names"].as_array() {
        let names: Vec<String> = features.iter().map(short).collect();
        let shown = if names.len() > 8 {
            format!("{}, ... ({} in all)", names[..8].join(", "), names.len())
        } else {
            names.join(", ")
        };
        println!("  features: {shown}");
        println!(
            "  targets: {}",
            cli["target_names"]
                .as_array()
                .map(|a| a.iter().map(short).collect::<Vec<_>>().join(", "))
                .unwrap_or_default()
        );
        println!("  scaling: {}", short(&cli["scaler"]["kind"]));
        println!("  trained on: {}", short(&cli["source"]));
    }
    match (&h["classes"]["labels"], &h["classes"]["multilabel"]) {
        (Value::Array(labels), _) => println!("  classes: {}", labels.iter().map(short).collect::<Vec<_>>().join(", ")),
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
