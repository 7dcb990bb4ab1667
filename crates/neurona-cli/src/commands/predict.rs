//! `neurona predict`: predictions of a saved model for a table.

use std::path::Path;

use anyhow::Result;

use crate::UsageError;
use crate::cli::PredictArgs;
use crate::model::{AnyModel, Predictions};
use crate::table::{Column, read_table, write_csv, write_parquet};

pub fn run(args: &PredictArgs) -> Result<()> {
    let (model, extra) = AnyModel::load(&args.model)?;
    model.require_supervised()?;
    let (kind, _) = model.state_summary();
    if args.proba && kind == "Perceptron" {
        return Err(UsageError(
            "--proba: a Perceptron has no class probabilities (scikit-learn's Perceptron has no predict_proba); \
             --decision-function adds its decision scores"
                .to_owned(),
        )
        .into());
    }
    if args.decision_function && kind != "Perceptron" {
        return Err(UsageError(format!(
            "--decision-function: only a Perceptron has decision scores, this model is a {kind}{}",
            if model.is_classifier() { " (--proba adds its class probabilities)" } else { "" }
        ))
        .into());
    }
    let table = read_table(&args.data)?;
    let x = extra.read_features(&table, &[], &args.data)?;
    let mut names = Vec::new();
    let mut columns = Vec::new();
    match model.predict(&x)? {
        Predictions::Labels { labels, proba } => {
            names.push(prediction_name(&extra.target_names, 0));
            columns.push(Column::Text(labels));
            if args.proba {
                for (k, class) in model.classes().iter().enumerate() {
                    names.push(format!("proba_{class}"));
                    columns.push(Column::Numeric(proba.column(k).to_vec()));
                }
            }
        }
        Predictions::Decisions { labels, decision } => {
            names.push(prediction_name(&extra.target_names, 0));
            columns.push(Column::Text(labels));
            if args.decision_function {
                if decision.ncols() == 1 {
                    names.push("decision_function".to_owned());
                    columns.push(Column::Numeric(decision.column(0).to_vec()));
                } else {
                    for (k, class) in model.classes().iter().enumerate() {
                        names.push(format!("decision_{class}"));
                        columns.push(Column::Numeric(decision.column(k).to_vec()));
                    }
                }
            }
        }
        Predictions::Indicators { indicators, proba } => {
            for k in 0..indicators.ncols() {
                names.push(prediction_name(&extra.target_names, k));
                columns.push(Column::Numeric(indicators.column(k).iter().map(|&b| f64::from(u8::from(b))).collect()));
                if args.proba {
                    names
                        .push(format!("proba_{}", extra.target_names.get(k).cloned().unwrap_or_else(|| k.to_string())));
                    columns.push(Column::Numeric(proba.column(k).to_vec()));
                }
            }
        }
        Predictions::Values(values) => {
            for k in 0..values.ncols() {
                names.push(prediction_name(&extra.target_names, k));
                columns.push(Column::Numeric(values.column(k).to_vec()));
            }
        }
    }
    write_output(args.output.as_deref(), &names, &columns)
}

/// Writes a table to `output` (Parquet for a `.parquet` or `.pq` file, CSV otherwise), or as CSV
/// to stdout.
pub fn write_output(output: Option<&Path>, names: &[String], columns: &[Column]) -> Result<()> {
    match output {
        Some(path) if matches!(path.extension().and_then(|e| e.to_str()), Some("parquet" | "pq")) => {
            write_parquet(path, names, columns)
        }
        Some(path) => write_csv(path, names, columns),
        None => {
            print_csv(names, columns);
            Ok(())
        }
    }
}

fn prediction_name(targets: &[String], k: usize) -> String {
    match targets.get(k) {
        Some(name) => format!("predicted_{name}"),
        None => format!("prediction_{k}"),
    }
}

fn print_csv(names: &[String], columns: &[Column]) {
    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    let _ = writer.write_record(names);
    let rows = columns.first().map_or(0, Column::len);
    for i in 0..rows {
        let record: Vec<String> = columns
            .iter()
            .map(|c| match c {
                Column::Numeric(v) => v[i].to_string(),
                Column::Text(v) => v[i].clone(),
            })
            .collect();
        let _ = writer.write_record(&record);
    }
    let _ = writer.flush();
}
