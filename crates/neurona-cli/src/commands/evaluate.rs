//! `neurona evaluate`: scores of a saved model on labelled data (for a recurrent model, a long
//! table or a `.ts` file: scored per sequence, or per step).

use anyhow::{Result, bail};
use neurona::estimator::InputKind;

use crate::UsageError;
use crate::args::EvaluateArgs;
use crate::data::{Features, numeric_targets};
use crate::model::{Extra, Model, Predictions};
use crate::scores::{classification_report, confusion, per_class, regression_scores};
use crate::sequences::read_for_model;
use crate::table::{Column, Table, read_table};

fn target_column<'a>(table: &'a Table, name: &str, path: &std::path::Path) -> Result<&'a Column> {
    match table.column(name) {
        Some(c) => Ok(c),
        None => {
            bail!("{}: unknown target column '{name}' (the columns are: {})", path.display(), table.names.join(", "))
        }
    }
}

pub fn run(args: &EvaluateArgs) -> Result<()> {
    let (model, mut extra) = Model::load(&args.model)?;
    model.require_supervised()?;
    extra.handle_unknown(args.handle_unknown);
    let targets = if args.target.is_empty() { extra.target_names.clone() } else { args.target.clone() };
    if targets.is_empty() {
        bail!(
            "{} names no target column (it was written by the Python package or the Rust crate): give it with \
             --target COLUMN",
            args.model.display()
        );
    }
    let (x, truth, what) = read_input(args, &model, &extra, &targets)?;
    let columns: Vec<&Column> = truth.iter().collect();
    println!("{} ({}) on {} ({what})\n", model.kind(), model.dtype().name(), args.data.display());
    match model.predict_features(&x)? {
        Predictions::Labels { labels, .. } | Predictions::Decisions { labels, .. } => {
            if columns.len() != 1 {
                bail!("this classifier predicts one target, but {} target columns were given", columns.len());
            }
            let truth = columns[0].as_text_labels();
            let mut classes = model.classes();
            for label in &truth {
                if !classes.contains(label) {
                    classes.push(label.clone());
                }
            }
            print!("{}", classification_report(&classes, &truth, &labels));
        }
        Predictions::Indicators { indicators, .. } => {
            check_width("classifier", indicators.ncols(), "labels", columns.len())?;
            let truth = numeric_targets(&columns, &targets, "label")?;
            if truth.iter().any(|&v| v != 0.0 && v != 1.0) {
                bail!("multi-label targets must be 0 or 1");
            }
            let rows_equal = (0..truth.nrows())
                .filter(|&i| (0..truth.ncols()).all(|k| (truth[[i, k]] == 1.0) == indicators[[i, k]]))
                .count();
            println!(
                "subset accuracy: {:.4} ({} samples)\n",
                rows_equal as f64 / truth.nrows().max(1) as f64,
                truth.nrows()
            );
            println!("{:>12}  precision  recall  f1-score  support", "label");
            let binary = ["0".to_owned(), "1".to_owned()];
            for (k, name) in targets.iter().enumerate() {
                let t: Vec<String> = truth.column(k).iter().map(|&v| (v as u8).to_string()).collect();
                let p: Vec<String> = indicators.column(k).iter().map(|&b| u8::from(b).to_string()).collect();
                let (precision, recall, f1, support) = per_class(&confusion(&binary, &t, &p))[1];
                println!("{name:>12}  {precision:>9.4}  {recall:>6.4}  {f1:>8.4}  {support:>7}");
            }
        }
        Predictions::Values(values) => {
            check_width("regressor", values.ncols(), "targets", columns.len())?;
            let truth = numeric_targets(&columns, &targets, "target")?;
            println!("{:>16}  {:>8}  {:>10}  {:>10}", "target", "R^2", "MAE", "RMSE");
            for (name, (r2, mae, rmse)) in targets.iter().zip(regression_scores(&truth, &values)) {
                println!("{name:>16}  {r2:>8.4}  {mae:>10.4}  {rmse:>10.4}");
            }
            if values.ncols() > 1 {
                let r2 = neurona::metrics::r2_score(truth.view(), values.view(), None);
                println!("\nR^2 averaged over targets: {r2:.4}");
            }
        }
    }
    Ok(())
}

/// The features the model reads in `--data`, the `targets` columns (one entry per row, per
/// sequence or per step) and what the file holds, in words.
fn read_input(
    args: &EvaluateArgs,
    model: &Model,
    extra: &Extra,
    targets: &[String],
) -> Result<(Features, Vec<Column>, String)> {
    if model.kind().input() == InputKind::Sequences {
        let per_step = model.targets_per_step();
        let input =
            read_for_model(&args.data, extra, model.n_features_in()?, &args.sequence_columns, targets, per_step)?;
        let (n, steps) = (input.x.n_sequences(), input.x.lengths().iter().sum::<usize>());
        let scored = if per_step { format!("scored on {steps} steps") } else { "scored per sequence".to_owned() };
        return Ok((Features::Sequences(input.x), input.targets, format!("{}, {n} sequences, {scored}", input.what)));
    }
    if let Some(flag) = args.sequence_columns.given().first() {
        return Err(UsageError(format!("{flag} is for a recurrent model, but the model is a {}", model.kind())).into());
    }
    let table = read_table(&args.data)?;
    let columns =
        targets.iter().map(|t| target_column(&table, t, &args.data).cloned()).collect::<Result<Vec<Column>>>()?;
    let x = extra.read_features(&table, targets, &args.data)?;
    // Rows without a target are not scored, as they are not trained on.
    let scored: Vec<usize> = (0..table.n_rows).filter(|&i| columns.iter().all(|c| !c.is_missing(i))).collect();
    if scored.is_empty() {
        bail!("{}: every row lacks the target ({} rows)", args.data.display(), table.n_rows);
    }
    if scored.len() == table.n_rows {
        return Ok((Features::Rows(x), columns, format!("{} rows", table.n_rows)));
    }
    let left_out = table.n_rows - scored.len();
    let columns = columns.iter().map(|c| c.select(&scored)).collect();
    let what = format!("{} rows; {left_out} without a target left out", scored.len());
    Ok((Features::Rows(x.select(ndarray::Axis(0), &scored)), columns, what))
}

/// An error unless as many target columns were given as the `model` predicts `what`.
fn check_width(model: &str, predicted: usize, what: &str, given: usize) -> Result<()> {
    if predicted != given {
        bail!("this {model} predicts {predicted} {what}, but {given} target columns were given");
    }
    Ok(())
}
