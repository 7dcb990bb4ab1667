//! `neurona predict`: predictions of a saved model for a table.

use anyhow::Result;

use crate::UsageError;
use crate::args::{ApplyArgs, PredictArgs};
use crate::model::{ClassScores, Model, Predictions};
use crate::table::{Column, read_table, write_output};

pub fn run(args: &PredictArgs) -> Result<()> {
    let ApplyArgs { model: path, data, output } = &args.apply;
    let (model, extra) = Model::load(path)?;
    model.require_supervised()?;
    check_scores_asked(args, &model)?;
    let table = read_table(data)?;
    let x = extra.read_features(&table, &[], data)?;
    let mut out = Output::default();
    let targets = &extra.target_names;
    match model.predict(&x)? {
        Predictions::Labels { labels, proba } => {
            out.push(prediction_name(targets, 0), Column::Text(labels));
            if args.proba {
                out.per_class("proba", &model.classes(), &proba);
            }
        }
        Predictions::Decisions { labels, decision } => {
            out.push(prediction_name(targets, 0), Column::Text(labels));
            if args.decision_function && decision.ncols() == 1 {
                out.push("decision_function".to_owned(), Column::Numeric(decision.column(0).to_vec()));
            } else if args.decision_function {
                out.per_class("decision", &model.classes(), &decision);
            }
        }
        Predictions::Indicators { indicators, proba } => {
            for k in 0..indicators.ncols() {
                let values = indicators.column(k).iter().map(|&b| f64::from(u8::from(b))).collect();
                out.push(prediction_name(targets, k), Column::Numeric(values));
                if args.proba {
                    let name = targets.get(k).cloned().unwrap_or_else(|| k.to_string());
                    out.push(format!("proba_{name}"), Column::Numeric(proba.column(k).to_vec()));
                }
            }
        }
        Predictions::Values(values) => {
            for k in 0..values.ncols() {
                out.push(prediction_name(targets, k), Column::Numeric(values.column(k).to_vec()));
            }
        }
    }
    write_output(output.as_deref(), &out.names, &out.columns)
}

/// `--proba` and `--decision-function` ask for scores the model has: a usage error otherwise,
/// before any data is read.
fn check_scores_asked(args: &PredictArgs, model: &Model) -> Result<()> {
    let (kind, scores) = (model.kind(), model.class_scores());
    if args.proba && scores == ClassScores::Decisions {
        return Err(UsageError(format!(
            "--proba: a {kind} has no class probabilities (scikit-learn's {kind} has no predict_proba); \
             --decision-function adds its decision scores"
        ))
        .into());
    }
    if args.decision_function && scores != ClassScores::Decisions {
        return Err(UsageError(format!(
            "--decision-function: only a Perceptron has decision scores, this model is a {kind}{}",
            if model.is_classifier() { " (--proba adds its class probabilities)" } else { "" }
        ))
        .into());
    }
    Ok(())
}

/// The columns written, in order.
#[derive(Default)]
struct Output {
    names: Vec<String>,
    columns: Vec<Column>,
}

impl Output {
    fn push(&mut self, name: String, column: Column) {
        self.names.push(name);
        self.columns.push(column);
    }

    /// One column `{prefix}_{class}` per class.
    fn per_class(&mut self, prefix: &str, classes: &[String], scores: &ndarray::Array2<f64>) {
        for (k, class) in classes.iter().enumerate() {
            self.push(format!("{prefix}_{class}"), Column::Numeric(scores.column(k).to_vec()));
        }
    }
}

fn prediction_name(targets: &[String], k: usize) -> String {
    match targets.get(k) {
        Some(name) => format!("predicted_{name}"),
        None => format!("prediction_{k}"),
    }
}
