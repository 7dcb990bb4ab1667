//! The restricted Boltzmann machine in the command: [`Fitted`] for `BernoulliRBM`, [`Training`]
//! for its parameters. It learns features without targets: `neurona transform` writes them.

use anyhow::Result;
use ndarray::{Array1, Array2};
use neurona::prelude::*;
use serde_json::Value;

use super::{Epoch, FitInput, FitSummary, Fitted, Model, Training, fitted_common, in_dtype, widen, with_float};
use crate::args::Scale;
use crate::report::CurveText;

impl<F: Float> Fitted for BernoulliRbm<F> {
    fitted_common!();

    fn transform(&self, x: &Array2<f64>) -> Result<Array2<f64>> {
        Ok(widen(BernoulliRbm::transform(self, in_dtype::<F>(x).view())?))
    }

    fn score_samples(&self, x: &Array2<f64>) -> Result<Array1<f64>> {
        Ok(widen(BernoulliRbm::score_samples(self, in_dtype::<F>(x).view())?))
    }

    /// The RBM keeps no report: its curve is the pseudo-likelihood of the epochs the command saw.
    fn fit_summary(&self, epochs: &[Epoch]) -> FitSummary {
        FitSummary {
            n_iter: epochs.len(),
            unit: "epochs",
            last: epochs.last().map(|e| format!("pseudo-likelihood {:.4}", e.value)),
            curve: epochs.iter().map(|e| e.value).collect(),
            ..FitSummary::default()
        }
    }

    fn components(&self) -> Option<Array2<f64>> {
        self.state().ok().map(|s| widen(s.components().to_owned()))
    }

    fn structure(&self, _header: &Value) -> Vec<String> {
        let Ok(state) = self.state() else { return Vec::new() };
        vec![
            format!(
                "restricted Boltzmann machine: {} visible <-> {} hidden units (binary, undirected links)",
                state.n_features_in(),
                state.n_components()
            ),
            format!(
                "  persistent chain: {} fantasy particles; random_state_ stream: {}",
                state.h_samples().nrows(),
                if self.random_stream().is_some() { "saved (partial_fit resumes it)" } else { "not created yet" }
            ),
        ]
    }
}

impl Training for RbmValidParams {
    fn describe(&self, n_features: usize) -> String {
        format!(
            "rbm: {n_features} visible <-> {} hidden units, learning_rate {}, batch_size {}, n_iter {}",
            self.get_n_components(),
            self.get_learning_rate(),
            self.get_batch_size(),
            self.get_n_iter()
        )
    }

    /// Its units are probabilities in [0, 1], as the features must be.
    fn default_scale(&self) -> Scale {
        Scale::Minmax
    }

    fn curve_text(&self) -> CurveText<'static> {
        CurveText::PSEUDO_LIKELIHOOD
    }

    /// Always a fresh model: the RBM has no warm start.
    fn fit(&self, input: FitInput<'_, '_>) -> Result<Model> {
        let FitInput { family, dtype, x, on_epoch, .. } = input;
        let mut on_rbm_epoch = |p: &RbmEpochProgress| {
            on_epoch(&Epoch { epoch: p.epoch, of: p.n_iter, value: p.pseudo_likelihood, validation: None })
        };
        let options = RbmFitOptions { on_epoch: Some(&mut on_rbm_epoch), ..RbmFitOptions::default() };
        with_float!(dtype, F => {
            let mut rbm = BernoulliRbm::<F>::new(self.clone());
            rbm.fit_with(in_dtype::<F>(x.rows(format_args!("--model-kind {family}"))?).view(), options)?;
            Ok(Model::new(rbm))
        })
    }
}
