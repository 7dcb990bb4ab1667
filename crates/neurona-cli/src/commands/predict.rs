//! `neurona predict`: predictions of a saved model for a table (for a recurrent model, a long
//! table or a `.ts` file: one prediction per sequence, after its id, or one per step).

use anyhow::Result;
use neurona::estimator::InputKind;

use crate::UsageError;
use crate::args::{ApplyArgs, PredictArgs};
use crate::model::{ClassScores, Extra, Model, Predictions};
use crate::sequences::read_for_model;
use crate::table::{Column, read_table, write_output};

pub fn run(args: &PredictArgs) -> Result<()> {
    let ApplyArgs { model: path, data, output } = &args.apply;
    let (model, mut extra) = Model::load(path)?;
    model.require_supervised()?;
    extra.handle_unknown(args.handle_unknown);
    check_scores_asked(args, &model)?;
    let mut out = Output::default();
    let predictions = if model.kind().input() == InputKind::Sequences {
        predict_sequences(args, &model, &extra, &mut out)?
    } else {
        if let Some(flag) = args.sequence_columns.given().first() {
            let message = format!("{flag} is for a recurrent model, but the model is a {}", model.kind());
            return Err(UsageError(message).into());
        }
        let table = read_table(data)?;
        model.predict(&extra.read_features(&table, &[], data)?)?
    };
    let targets = &extra.target_names;
    match predictions {
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

/// A recurrent model's predictions, after the columns that name them: each sequence's id, or
/// per step the table's id and step columns in the table's row order (a `.ts` file's case and
/// step numbers).
fn predict_sequences(args: &PredictArgs, model: &Model, extra: &Extra, out: &mut Output) -> Result<Predictions> {
    let per_step = model.targets_per_step();
    let data = &args.apply.data;
    let input = read_for_model(data, extra, model.n_features_in()?, &args.sequence_columns, &[], per_step)?;
    let predictions = model.predict_sequences(&input.x)?;
    let (keys, predictions) = match (per_step, &input.keys.step_order) {
        (false, _) => (input.keys.sequence, predictions),
        (true, Some(order)) => (input.keys.step, predictions.select(order)),
        (true, None) => (input.keys.step, predictions),
    };
    for (name, column) in keys {
        out.push(name, column);
    }
    Ok(predictions)
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
