//! The multilayer perceptrons in the command: [`Fitted`] for `MLPClassifier` and `MLPRegressor`,
//! [`Training`] for their parameters (a classifier for class labels, a regressor for numbers).

use anyhow::Result;
use ndarray::{Array2, ArrayView2};
use neurona::estimator::Family;
use neurona::prelude::*;
use serde_json::Value;

use super::training::{GradientFamily, fit_by_gradient, gradient_fit_report, gradient_summary};
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
        let rows = input.x.rows(format_args!("--model-kind {}", self.family()))?;
        with_float!(input.dtype(), F => fit_by_gradient::<F, _, _>(self, input, &in_dtype::<F>(rows).view()))
    }
}

impl<'a, F: Float> GradientFamily<F, ArrayView2<'a, F>> for MlpValidParams {
    type Classifier = MlpClassifier<F, ClassLabel>;
    type Regressor = MlpRegressor<F>;

    fn new_classifier(&self) -> Self::Classifier {
        MlpClassifier::new(self.clone())
    }

    fn new_regressor(&self) -> Self::Regressor {
        MlpRegressor::new(self.clone())
    }

    fn fit_labels(
        &self,
        clf: &mut Self::Classifier,
        x: &ArrayView2<'a, F>,
        y: &[ClassLabel],
        options: FitOptions<'_, F>,
    ) -> neurona::Result<()> {
        clf.set_params(self.clone());
        clf.fit_with(x.view(), y, options).map(drop)
    }

    fn fit_indicators(
        &self,
        clf: &mut Self::Classifier,
        x: &ArrayView2<'a, F>,
        y: ArrayView2<'_, bool>,
        options: FitOptions<'_, F>,
    ) -> neurona::Result<()> {
        clf.set_params(self.clone());
        clf.fit_multilabel_with(x.view(), y, options).map(drop)
    }

    fn fit_values(
        &self,
        reg: &mut Self::Regressor,
        x: &ArrayView2<'a, F>,
        y: ArrayView2<'_, F>,
        options: FitOptions<'_, F>,
    ) -> neurona::Result<()> {
        reg.set_params(self.clone());
        reg.fit_with(x.view(), y, options).map(drop)
    }
}
