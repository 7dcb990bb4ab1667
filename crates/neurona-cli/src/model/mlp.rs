//! The multilayer perceptrons in the command: [`Fitted`] for `MLPClassifier` and `MLPRegressor`,
//! [`Training`] for their parameters (a classifier for class labels, a regressor for numbers).

use anyhow::{Result, bail};
use ndarray::{Array2, ArrayView2};
use neurona::estimator::Family;
use neurona::estimators::mlp::EpochProgress;
use neurona::prelude::*;
use serde_json::Value;

use super::training::{gradient_fit_report, gradient_summary, resume, targets};
use super::{
    Epoch, FitInput, FitSummary, Fitted, Model, Predictions, Training, fitted_common, in_dtype, widen, with_float,
};
use crate::data::Targets;
use crate::labels::{ClassLabel, model_labels, texts};

/// What the classifier and the regressor report alike: the fit summary from their state, the
/// network and the fit report from their file's header.
macro_rules! mlp_reports {
    () => {
        fn fit_summary(&self, _epochs: &[Epoch]) -> FitSummary {
            gradient_summary(self.state().ok().map(|state| &**state), self.params().get_solver())
        }

        fn structure(&self, header: &Value) -> Vec<String> {
            structure(header)
        }

        fn fit_report(&self, header: &Value) -> Vec<String> {
            gradient_fit_report(header)
        }
    };
}

impl<F: Float> Fitted for MlpClassifier<F, ClassLabel> {
    fitted_common!(classes with Probabilities);

    fn predict(&self, x: &Array2<f64>) -> Result<Predictions> {
        let x = in_dtype::<F>(x);
        let proba = widen(self.predict_proba(x.view())?);
        Ok(if self.is_multilabel() {
            Predictions::Indicators { indicators: self.predict_multilabel(x.view())?, proba }
        } else {
            Predictions::Labels { labels: texts(&MlpClassifier::predict(self, x.view())?), proba }
        })
    }

    mlp_reports!();
}

impl<F: Float> Fitted for MlpRegressor<F> {
    fitted_common!();

    fn predict(&self, x: &Array2<f64>) -> Result<Predictions> {
        Ok(Predictions::Values(widen(MlpRegressor::predict(self, in_dtype::<F>(x).view())?)))
    }

    mlp_reports!();
}

/// The network as the model file's header describes it.
fn structure(header: &Value) -> Vec<String> {
    let network = &header["network"];
    let units: Vec<String> =
        network["layer_units"].as_array().map(|a| a.iter().map(super::json_text).collect()).unwrap_or_default();
    vec![
        format!("architecture: {} (input, hidden..., output units)", units.join(" -> ")),
        format!(
            "  hidden activation: {}, output activation: {}",
            super::json_text(&network["activation"]),
            super::json_text(&network["out_activation"])
        ),
    ]
}

impl Training for MlpValidParams {
    fn family(&self) -> Family {
        Family::Mlp
    }

    fn describe(&self, n_features: usize) -> String {
        let hidden: Vec<String> = self.get_hidden_layer_sizes().iter().map(|u| u.to_string()).collect();
        format!(
            "network: {n_features} -> [{}] -> output, activation {}, solver {}, alpha {}, max_iter {}",
            hidden.join(", "),
            self.get_activation(),
            self.get_solver(),
            self.get_alpha(),
            self.get_max_iter()
        )
    }

    /// A classifier for class labels or multi-label indicators, a regressor for numbers.
    fn fit(&self, input: FitInput<'_, '_>) -> Result<Model> {
        let (y, dtype) = (targets(input.y)?, input.dtype());
        let FitInput { previous, x, on_epoch, .. } = input;
        let x = x.rows(format_args!("--model-kind {}", self.family()))?;
        with_float!(dtype, F => {
            let x = in_dtype::<F>(x);
            let mut on_mlp_epoch =
                |p: &EpochProgress| on_epoch(&Epoch { epoch: p.epoch, of: p.max_epochs, value: p.loss, validation: p.validation_score });
            let options = FitOptions { on_epoch: Some(&mut on_mlp_epoch), ..FitOptions::default() };
            if let Targets::Values(values) = y {
                let mut reg = resume(previous, self.family(), || MlpRegressor::<F>::new(self.clone()))?;
                reg.set_params(self.clone());
                reg.fit_with(x.view(), values.mapv(F::from_f64).view(), options)?;
                Ok(Model::new(reg))
            } else {
                let mut clf = resume(previous, self.family(), || MlpClassifier::<F, ClassLabel>::new(self.clone()))?;
                clf.set_params(self.clone());
                fit_classifier(&mut clf, x.view(), y, options)?;
                Ok(Model::new(clf))
            }
        })
    }
}

/// Trains `clf` (fresh, or fitted before when warm-starting) on class labels, read as its
/// classes are (integers or text), or on multi-label indicators.
fn fit_classifier<F: Float>(
    clf: &mut MlpClassifier<F, ClassLabel>,
    x: ArrayView2<'_, F>,
    y: &Targets,
    options: FitOptions<'_, F>,
) -> Result<()> {
    match y {
        Targets::Labels(labels) => {
            let (labels, _) = model_labels(labels, clf.classes().unwrap_or_default());
            clf.fit_with(x, &labels, options)?;
        }
        Targets::Indicators(indicators) => {
            clf.fit_multilabel_with(x, indicators.view(), options)?;
        }
        Targets::Values(_) => bail!("a classifier cannot learn continuous targets"),
    }
    Ok(())
}
