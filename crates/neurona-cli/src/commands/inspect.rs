//! `neurona inspect`: what a model file holds, for every model kind.

use anyhow::{Context, Result};
use serde_json::Value;

use crate::args::InspectArgs;
use crate::model::{Extra, FeatureColumns, Model, json_text};

fn joined(v: &Value) -> String {
    v.as_array().map(|a| a.iter().map(json_text).collect::<Vec<_>>().join(", ")).unwrap_or_default()
}

pub fn run(args: &InspectArgs) -> Result<()> {
    let bytes = neurona::persist::read_file(&args.model)?;
    let info = neurona::persist::inspect(&bytes).with_context(|| format!("cannot inspect {}", args.model.display()))?;
    // Load it fully too, so that inspect reports a corrupted model rather than describing it.
    let (model, extra) = Model::load(&args.model)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info.header)?);
        return Ok(());
    }
    let h = &info.header;
    println!(
        "{}: {} ({}), model file format version {}",
        args.model.display(),
        model.kind(),
        model.dtype().name(),
        info.format_version
    );
    println!();
    for line in model.structure(h) {
        println!("{line}");
    }
    print_data(&model, &extra, h);
    println!("\nhyperparameters:");
    if let Some(params) = h["params"].as_object() {
        for (name, value) in params {
            println!("  {name:<20} {}", json_text(value));
        }
    }
    let report = model.fit_report(h);
    if !report.is_empty() {
        println!("\nfit report:");
        for line in report {
            println!("{line}");
        }
    }
    Ok(())
}

/// What the model reads and predicts, and who wrote the file.
fn print_data(model: &Model, extra: &Extra, h: &Value) {
    let features = match &extra.features {
        FeatureColumns::Named(names) if names.len() > 8 => {
            format!("{}, ... ({} in all)", names[..8].join(", "), names.len())
        }
        FeatureColumns::Named(names) => names.join(", "),
        FeatureColumns::InOrder(n) => format!("{n} unnamed columns, taken in order"),
    };
    println!("  features: {features}");
    if let Some(id) = &extra.sequence_id {
        let step = extra.step.as_ref().map(|step| format!(", steps ordered by '{step}'")).unwrap_or_default();
        println!("  sequences: the rows of each value of '{id}'{step}");
    }
    let cli = &h["extra"]["cli"];
    if cli.is_object() {
        if model.is_supervised() {
            println!("  targets: {}", joined(&cli["target_names"]));
        }
        if let Some(preprocess) = &extra.preprocess {
            println!("  table columns (missing cells: {}):", json_text(&cli["preprocess"]["missing"]));
            for line in preprocess.describe() {
                println!("    {line}");
            }
            println!("  unseen categories: {}", json_text(&cli["preprocess"]["handle_unknown"]));
        }
        println!("  scaling: {}", json_text(&cli["scaler"]["kind"]));
        println!("  trained on: {}", json_text(&cli["source"]));
    } else if h["extra"]["python"].is_object() {
        println!(
            "  written by the Python package (neurona.{}); no scaling",
            json_text(&h["extra"]["python"]["estimator"])
        );
    } else {
        println!("  written by the Rust crate; no scaling");
    }
    match (&h["classes"]["labels"], &h["classes"]["multilabel"]) {
        (labels @ Value::Array(_), _) => println!("  classes: {}", joined(labels)),
        (_, Value::Number(n)) => println!("  multi-label: {n} labels"),
        _ => {}
    }
}
