//! The recurrent networks in the command: [`Fitted`] for `RNNClassifier` and `RNNRegressor`,
//! [`Training`] for their parameters (a classifier for class labels, a regressor for numbers).
//! They read sequences ([`SequenceSet`]): one prediction per sequence, or one per step with
//! `--output step`.

use std::borrow::Cow;

use anyhow::{Result, bail};
use ndarray::Array2;
use neurona::prelude::*;
use serde_json::Value;

use super::training::{describe_solver, fit_by_gradient, gradient_family, gradient_fit_report, gradient_summary};
use super::{Epoch, FitInput, FitSummary, Fitted, Model, Predictions, Training, fitted_common, widen, with_float};
use crate::labels::{ClassLabel, texts};

/// What the classifier and the regressor answer alike: rows refused, sequences per step or per
/// sequence, the fit summary from their state, the network from their parameters, the fit
/// report from their file's header.
macro_rules! rnn_common {
    () => {
        fn predict(&self, _x: &Array2<f64>) -> Result<Predictions> {
            bail!(
                "the model is a {}, which reads sequences (a long table with --sequence-id, or a .ts file), not the \
                 rows of a table",
                self.kind()
            )
        }

        fn targets_per_step(&self) -> bool {
            self.params().get_output() == OutputPer::Step
        }

        fn fit_summary(&self, _epochs: &[Epoch]) -> FitSummary {
            gradient_summary(self.state().ok().map(|state| &**state), self.params().get_solver())
        }

        fn structure(&self, _header: &Value) -> Vec<String> {
            structure(self.params(), self.state().ok())
        }

        fn fit_report(&self, header: &Value) -> Vec<String> {
            gradient_fit_report(header)
        }
    };
}

impl<F: Float> Fitted for RnnClassifier<F, ClassLabel> {
    fitted_common!(classes with Probabilities);
    rnn_common!();

    fn predict_sequences(&self, x: &SequenceSet<f64>) -> Result<Predictions> {
        let x = in_dtype::<F>(x);
        let proba = widen(self.predict_proba(&x)?);
        // A multi-label classifier has no classes_, only one indicator per label.
        Ok(if self.classes()?.is_empty() {
            Predictions::Indicators { indicators: self.predict_multilabel(&x)?, proba }
        } else {
            Predictions::Labels { labels: texts(&RnnClassifier::predict(self, &x)?), proba }
        })
    }
}

impl<F: Float> Fitted for RnnRegressor<F> {
    fitted_common!();
    rnn_common!();

    fn predict_sequences(&self, x: &SequenceSet<f64>) -> Result<Predictions> {
        Ok(Predictions::Values(widen(RnnRegressor::predict(self, &in_dtype::<F>(x))?)))
    }
}

/// `x` in the float type `F`: itself for float64, a rounded copy for float32.
fn in_dtype<F: Float>(x: &SequenceSet<f64>) -> Cow<'_, SequenceSet<F>> {
    match (x as &dyn std::any::Any).downcast_ref::<SequenceSet<F>>() {
        Some(same) => Cow::Borrowed(same),
        None => Cow::Owned(x.cast::<F>()),
    }
}

/// The recurrent layers, the dense head and what the network outputs.
fn structure<F: Float>(params: &RnnValidParams, state: Option<&RnnState<F>>) -> Vec<String> {
    let mut units: Vec<String> = vec![state.map_or_else(|| "?".to_owned(), |s| s.n_features_in().to_string())];
    let directions = if params.get_bidirectional() { 2 } else { 1 };
    units.push((params.get_hidden_size() * directions).to_string());
    units.extend(params.get_hidden_layer_sizes().iter().map(usize::to_string));
    units.push(state.map_or_else(|| "?".to_owned(), |s| s.n_outputs().to_string()));
    let nonlinearity = if params.get_cell() == Cell::Rnn {
        format!(", nonlinearity {}", params.get_nonlinearity())
    } else {
        String::new()
    };
    // The dense layers' activation means something only when there are dense layers.
    let dense = if params.get_hidden_layer_sizes().is_empty() {
        String::new()
    } else {
        format!("dense activation: {}, ", params.get_activation())
    };
    let per = match params.get_output() {
        OutputPer::Sequence => "one per sequence, from its last state",
        OutputPer::Step => "one per step",
    };
    vec![
        format!(
            "architecture: {} (input features per step, recurrent output, hidden..., output units)",
            units.join(" -> ")
        ),
        format!(
            "  recurrent layers: {} cell, {} layer(s) of {} units{}{nonlinearity}",
            params.get_cell(),
            params.get_num_layers(),
            params.get_hidden_size(),
            if params.get_bidirectional() { ", bidirectional" } else { "" }
        ),
        format!("  outputs: {per}; {}output activation: {}", dense, state.map_or("?", RnnState::out_activation)),
    ]
}

impl Training for RnnValidParams {
    fn describe(&self, n_features: usize) -> String {
        let head: Vec<String> = self.get_hidden_layer_sizes().iter().map(|u| u.to_string()).collect();
        format!(
            "network: {n_features} features per step -> {} x {} layer(s) of {} units{} -> [{}] -> output per {}, {}",
            self.get_cell(),
            self.get_num_layers(),
            self.get_hidden_size(),
            if self.get_bidirectional() { ", bidirectional" } else { "" },
            head.join(", "),
            self.get_output(),
            describe_solver(&**self)
        )
    }

    /// A classifier for class labels or multi-label indicators, a regressor for numbers.
    fn fit(&self, input: FitInput<'_, '_>) -> Result<Model> {
        let sequences = input.x.sequences(format_args!("--model-kind {}", input.family))?;
        with_float!(input.dtype(), F => fit_by_gradient::<F, _, _>(self, input, &*in_dtype::<F>(sequences)))
    }
}

gradient_family!(RnnValidParams => RnnClassifier, RnnRegressor on &'x SequenceSet<F>);
