//! The perceptron in the command: [`Fitted`] for `Perceptron`, [`Training`] for its parameters.

use anyhow::{Result, bail};
use ndarray::Array2;
use neurona::prelude::*;
use serde_json::Value;

use super::training::{resume, targets};
use super::{
    Epoch, FitInput, FitSummary, Fitted, Model, Predictions, Training, fitted_common, in_dtype, widen, with_float,
};
use crate::data::Targets;
use crate::labels::{ClassLabel, model_labels, texts};

impl<F: Float> Fitted for Perceptron<F, ClassLabel> {
    fitted_common!(classes with Decisions);

    fn predict(&self, x: &Array2<f64>) -> Result<Predictions> {
        let x = in_dtype::<F>(x);
        Ok(Predictions::Decisions {
            labels: texts(&Perceptron::predict(self, x.view())?),
            decision: widen(self.decision_function(x.view())?),
        })
    }

    fn fit_summary(&self, _epochs: &[Epoch]) -> FitSummary {
        let Ok(state) = self.state() else { return FitSummary::default() };
        let report = state.report();
        FitSummary {
            n_iter: report.n_iter,
            unit: "epochs",
            converged: Some(report.converged),
            warnings: report.warnings.clone(),
            ..FitSummary::default()
        }
    }

    fn structure(&self, _header: &Value) -> Vec<String> {
        let n_features = self.n_features_in().unwrap_or_default();
        let n_classes = self.class_labels().len();
        let (vectors, how) = if n_classes == 2 {
            (1, "one weight vector, positive for the second class")
        } else {
            (n_classes, "one weight vector per class, one-vs-all")
        };
        vec![format!("perceptron: {n_features} inputs -> step activation; coef_ {vectors} x {n_features} ({how})")]
    }

    fn fit_report(&self, header: &Value) -> Vec<String> {
        let Ok(state) = self.state() else { return Vec::new() };
        let report = state.report();
        let mut lines = vec![
            format!("  converged: {}", report.converged),
            format!("  epochs in the last call: {} (n_iter_)", report.n_iter),
        ];
        if report.n_iter_per_problem.len() > 1 {
            let per_class: Vec<String> = report.n_iter_per_problem.iter().map(usize::to_string).collect();
            lines.push(format!("  epochs per one-vs-all problem: {}", per_class.join(", ")));
        }
        lines.push(format!("  t_: {} (1 + the samples seen)", super::json_text(&header["state"]["t"])));
        lines.extend(report.warnings.iter().map(|warning| format!("  warning: {warning}")));
        lines
    }
}

impl Training for PerceptronValidParams<ClassLabel> {
    fn describe(&self, n_features: usize) -> String {
        format!(
            "perceptron: {n_features} inputs -> step activation (one-vs-all for 3+ classes), penalty {}, alpha {}, \
             eta0 {}, max_iter {}",
            self.get_penalty(),
            self.get_alpha(),
            self.get_eta0(),
            self.get_max_iter()
        )
    }

    fn no_curve_note(&self, summary: &FitSummary) -> Option<String> {
        Some(format!("No learning curve: the perceptron records no loss per epoch ({} epochs).", summary.n_iter))
    }

    fn fit(&self, input: FitInput<'_, '_>) -> Result<Model> {
        let Targets::Labels(labels) = targets(input.y)? else { bail!("the perceptron learns one class label per row") };
        let dtype = input.dtype();
        with_float!(dtype, F => {
            let mut clf = resume(input.previous, input.family, || Perceptron::<F, ClassLabel>::new(self.clone()))?;
            let (labels, integers) = model_labels(labels, clf.classes().unwrap_or_default());
            clf.set_params(class_weights_read_as(self, integers)?);
            clf.fit(in_dtype::<F>(input.x.rows(format_args!("--model-kind {}", input.family))?).view(), &labels)?;
            Ok(Model::new(clf))
        })
    }
}

/// `params` with the labels of `--class-weight`, read as text, read as the training labels are
/// (integers or text).
fn class_weights_read_as(
    params: &PerceptronValidParams<ClassLabel>,
    integers: bool,
) -> Result<PerceptronValidParams<ClassLabel>> {
    Ok(match params.get_class_weight() {
        ClassWeight::PerClass(weights) => {
            let weights = weights.iter().map(|(label, w)| (ClassLabel::parse(&label.to_string(), integers), *w));
            params.clone().into_params().class_weight(ClassWeight::PerClass(weights.collect())).check()?
        }
        _ => params.clone(),
    })
}
