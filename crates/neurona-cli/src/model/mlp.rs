//! The multilayer perceptrons in the command: [`Fitted`] for `MLPClassifier` and `MLPRegressor`,
//! [`Training`] for their parameters (a classifier for class labels, a regressor for numbers).

use anyhow::Result;
use ndarray::{Array2, ArrayView2};
use neurona::prelude::*;
use serde_json::Value;

use super::training::{describe_solver, fit_by_gradient, gradient_family, gradient_fit_report, gradient_summary};
use super::{
    Epoch, FitInput, FitSummary, Fitted, Model, Predictions, Training, fitted_common, in_dtype, widen, with_float,
};
use crate::labels::{ClassLabel, texts};

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
    fn describe(&self, n_features: usize) -> String {
        let hidden: Vec<String> = self.get_hidden_layer_sizes().iter().map(|u| u.to_string()).collect();
        format!(
            "network: {n_features} -> [{}] -> output, activation {}, {}",
            hidden.join(", "),
            self.get_activation(),
            describe_solver(&**self)
        )
    }

    /// A classifier for class labels or multi-label indicators, a regressor for numbers.
    fn fit(&self, input: FitInput<'_, '_>) -> Result<Model> {
        let rows = input.x.rows(format_args!("--model-kind {}", input.family))?;
        with_float!(input.dtype(), F => fit_by_gradient::<F, _, _>(self, input, in_dtype::<F>(rows).view()))
    }
}

gradient_family!(MlpValidParams => MlpClassifier, MlpRegressor on ArrayView2<'x, F>);
