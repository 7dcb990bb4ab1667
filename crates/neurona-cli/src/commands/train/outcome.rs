//! After the fit: the scores of the training and test rows, and the report.

use anyhow::{Result, bail};

use super::fit::Fit;
use super::{Prepared, Say};
use crate::args::{Task, TrainArgs};
use crate::data::{Features, Targets};
use crate::model::{Model, Predictions, Training};
use crate::report::{Components, Confusion, CurveText, ReportInput, write_report};
use crate::scores::{accuracy, confusion, regression_scores};

/// The score line of a split: accuracy, subset accuracy, R² or (for a model without targets)
/// the mean pseudo-likelihood.
fn score(model: &Model, x: &Features, y: Option<&Targets>) -> Result<(String, f64)> {
    let Some(y) = y else {
        return Ok(("pseudo-likelihood".to_owned(), model.pseudo_likelihood(x.rows(model.kind())?)?));
    };
    let predictions = model.predict_features(x)?;
    if let (Some(labels), Targets::Labels(truth)) = (predictions.labels(), y) {
        return Ok(("accuracy".to_owned(), accuracy(truth, labels)));
    }
    Ok(match (predictions, y) {
        (Predictions::Indicators { indicators, .. }, Targets::Indicators(truth)) => {
            let hits = indicators.rows().into_iter().zip(truth.rows()).filter(|(p, t)| p == t).count();
            ("subset accuracy".to_owned(), hits as f64 / truth.nrows().max(1) as f64)
        }
        (Predictions::Values(values), Targets::Values(truth)) => {
            ("R^2".to_owned(), neurona::metrics::r2_score(truth.view(), values.view(), None))
        }
        _ => bail!("the model's predictions do not match the target kind"),
    })
}

/// The rows the report's confusion matrix and error scores are measured on: the test rows, or
/// the training rows when none were held out.
fn evaluation_rows(prepared: &Prepared) -> (&Features, Option<&Targets>, &'static str) {
    match &prepared.x_test {
        Some(x_test) => (x_test, prepared.y_test.as_ref(), "test"),
        None => (&prepared.x_train, prepared.y_train.as_ref(), "training"),
    }
}

/// Says the scores of the training and test rows, and returns them as (name, value) rows with
/// each regression target's MAE and RMSE.
pub fn scores(model: &Model, prepared: &Prepared, say: &Say) -> Result<Vec<(String, String)>> {
    let (metric, train_score) = score(model, &prepared.x_train, prepared.y_train.as_ref())?;
    let mut scores = vec![(format!("train {metric}"), format!("{train_score:.4}"))];
    say.line(format!("train {metric}: {train_score:.4}"));
    if let Some(x_test) = &prepared.x_test {
        let (_, test_score) = score(model, x_test, prepared.y_test.as_ref())?;
        say.line(format!("test {metric}: {test_score:.4}"));
        scores.push((format!("test {metric}"), format!("{test_score:.4}")));
    }
    let (x, y, _) = evaluation_rows(prepared);
    if let Some(Targets::Values(truth)) = y
        && let Predictions::Values(values) = model.predict_features(x)?
    {
        for (name, (_, mae, rmse)) in prepared.data.target_names.iter().zip(regression_scores(truth, &values)) {
            scores.push((format!("{name}: MAE"), format!("{mae:.4}")));
            scores.push((format!("{name}: RMSE"), format!("{rmse:.4}")));
        }
    }
    Ok(scores)
}

/// The confusion matrix of the evaluation rows, for a model with one class label per row.
fn confusion_matrix(model: &Model, prepared: &Prepared) -> Result<Option<Confusion>> {
    let (x, y, _) = evaluation_rows(prepared);
    let Some(Targets::Labels(truth)) = y else { return Ok(None) };
    Ok(model.predict_features(x)?.labels().map(|labels| {
        let classes = model.classes();
        Confusion { counts: confusion(&classes, truth, labels), labels: classes }
    }))
}

/// The run's parameters for the report: what was trained on what, then the hyperparameters.
fn parameters(args: &TrainArgs, training: &dyn Training, prepared: &Prepared) -> Vec<(String, String)> {
    let mut parameters = vec![
        ("model kind".to_owned(), args.model_kind.to_string()),
        ("data".to_owned(), prepared.data.source.clone()),
        (format!("{} (train / test)", prepared.x_train.unit()), format!("{} / {}", prepared.n_train, prepared.n_test)),
        ("scaling".to_owned(), prepared.scaler.name().to_owned()),
        ("dtype".to_owned(), format!("{:?}", args.dtype).to_lowercase()),
    ];
    // The columns as the model sees them, and what was done to the table's rows and cells.
    let mut table = Vec::new();
    if let Some(preprocess) = &prepared.preprocess {
        table.push(("features".to_owned(), prepared.data.feature_names.join(", ")));
        table.extend(preprocess.describe().into_iter().map(|line| ("column".to_owned(), line)));
    }
    table.extend(prepared.notes.iter().map(|note| ("rows and cells".to_owned(), note.clone())));
    parameters.splice(3..3, table);
    if let Some(task) = prepared.task {
        parameters.insert(2, ("task".to_owned(), format!("{task:?}").to_lowercase()));
    }
    parameters.extend(training.hyperparameters());
    parameters
}

/// Writes the report and says where.
pub fn report(
    args: &TrainArgs,
    training: &dyn Training,
    prepared: &Prepared,
    fit: &Fit,
    scores: &[(String, String)],
    say: &Say,
) -> Result<()> {
    let model = &fit.model;
    let confusion = confusion_matrix(model, prepared)?;
    let note = training.no_curve_note(&fit.summary);
    let curve = training.curve_text();
    let curve = CurveText { missing: note.as_deref().unwrap_or(curve.missing), ..curve };
    // The learned weights of each hidden unit, drawn as images when the features are the
    // digits' 8x8 pixels.
    let components = model
        .components()
        .filter(|_| prepared.data.feature_names == neurona::datasets::digits().feature_names)
        .map(|weights| Components { side: 8, weights });
    let mut shown_scores = scores.to_vec();
    shown_scores.push(("fit".to_owned(), fit.summary.row(fit.seconds)));
    if confusion.is_some() {
        shown_scores.push(("confusion matrix".to_owned(), format!("on the {} rows", evaluation_rows(prepared).2)));
    }
    let input = ReportInput {
        title: format!("neurona: {} on {}", model.kind(), prepared.data.source),
        parameters: parameters(args, training, prepared),
        loss_curve: &fit.summary.curve,
        validation_scores: fit.summary.validation_scores.as_deref(),
        validation_label: if prepared.task == Some(Task::Regression) {
            "validation R²"
        } else {
            "validation accuracy"
        },
        curve,
        scores: shown_scores,
        confusion,
        components,
    };
    let written = write_report(&args.report, &input)?;
    let html = written.iter().find(|p| p.extension().is_some_and(|e| e == "html"));
    say.line(format!(
        "report: {}",
        html.map_or_else(|| args.report.display().to_string(), |p| p.display().to_string())
    ));
    Ok(())
}
