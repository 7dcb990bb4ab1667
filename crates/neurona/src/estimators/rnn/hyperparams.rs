//! The hyperparameters of [`RnnClassifier`](super::RnnClassifier) and
//! [`RnnRegressor`](super::RnnRegressor): the recurrent layers' (PyTorch's names and defaults
//! where PyTorch has them), the dense head's (scikit-learn's), and the shared solver settings.

use crate::activation::Activation;
use crate::data::sequences::SequenceLayout;
use crate::error::{NeuronaError, Result};
use crate::network::{Cell, Nonlinearity, OutputPer, RecurrentShape};
use crate::params::{Solver, SolverParams, SolverSettings, hyperparams};

hyperparams! {
    /// Hyperparameters of the recurrent estimators, unchecked: a consuming builder (the solver
    /// settings' setters come from [`SolverSettings`]). [`RnnParams::check`] applies the rules
    /// and returns [`RnnValidParams`], which the estimators take.
    ///
    /// ```
    /// use neurona::prelude::*;
    ///
    /// let params = RnnParams::new().cell(Cell::Gru).hidden_size(16).num_layers(2).random_state(0);
    /// assert!(params.clone().check().is_ok());
    /// let err = params.dropout(1.0).check().unwrap_err();
    /// assert_eq!(err.to_string(), "dropout must be a float in [0, 1), got 1");
    /// ```
    pub struct RnnParams => RnnValidParams {
        /// The recurrent cell: `rnn` (Elman's), `lstm` or `gru`, with PyTorch's maths.
        cell / get_cell: Cell = Cell::Lstm;
        /// Units of each recurrent layer's state (PyTorch's `hidden_size`).
        hidden_size / get_hidden_size: usize = 32;
        /// Stacked recurrent layers (PyTorch's `num_layers`).
        num_layers / get_num_layers: usize = 1;
        /// Run each layer forward and backward in time, outputs concatenated (PyTorch's
        /// `bidirectional`).
        bidirectional / get_bidirectional: bool = false;
        /// The Elman cell's non-linearity, `tanh` or `relu`. Cell `rnn` only.
        nonlinearity / get_nonlinearity: Nonlinearity = Nonlinearity::Tanh;
        /// Dropout on the outputs of every recurrent layer but the last, while training
        /// (PyTorch's `dropout`), in [0, 1). sgd and adam only.
        dropout / get_dropout: f64 = 0.0;
        /// Units of each dense layer between the recurrent output and the output layer; empty
        /// (the default): the output layer reads the recurrent output directly.
        hidden_layer_sizes / get_hidden_layer_sizes: Vec<usize> = Vec::new(), into;
        /// The dense hidden layers' activation.
        activation / get_activation: Activation = Activation::Relu;
        /// One output per sequence (`sequence`, from its last state) or per step (`step`).
        output / get_output: OutputPer = OutputPer::Sequence;
        /// Clip each batch's gradient to this 2-norm (PyTorch's `clip_grad_norm_`); `none`:
        /// no clipping. sgd and adam only.
        clip_grad_norm / get_clip_grad_norm: Option<f64> = None, into;
        /// The layout of a 3-D input: `steps_features` (n_sequences, n_steps, n_features), as
        /// PyTorch's `batch_first`, or `features_steps` (n_cases, n_channels, n_timepoints), as
        /// aeon and sktime.
        layout / get_layout: SequenceLayout = SequenceLayout::StepsFeatures;
    }
    embeds training: SolverParams => SolverSettings;
}

impl RnnParams {
    /// The recurrent layers these settings describe, for sequences of `input_size` features.
    pub fn recurrent_shape(&self, input_size: usize) -> RecurrentShape {
        RecurrentShape {
            cell: self.cell,
            nonlinearity: self.nonlinearity,
            input_size,
            hidden_size: self.hidden_size,
            num_layers: self.num_layers,
            bidirectional: self.bidirectional,
        }
    }

    /// Every rule, in one place.
    pub fn check_ref(&self) -> Result<()> {
        let at_least_one = |name: &'static str, value: usize| {
            if value >= 1 { Ok(()) } else { Err(NeuronaError::parameter(name, "an integer >= 1", value)) }
        };
        at_least_one("hidden_size", self.hidden_size)?;
        at_least_one("num_layers", self.num_layers)?;
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(NeuronaError::parameter("dropout", "a float in [0, 1)", self.dropout));
        }
        if let Some(norm) = self.clip_grad_norm
            && !(norm > 0.0 && norm.is_finite())
        {
            return Err(NeuronaError::parameter("clip_grad_norm", "a float > 0 or None", norm));
        }
        if self.hidden_layer_sizes.contains(&0) {
            return Err(NeuronaError::parameter(
                "hidden_layer_sizes",
                "a list of integers > 0",
                format!("{:?}", self.hidden_layer_sizes),
            ));
        }
        // A random mask or a clipped gradient changes the objective between L-BFGS's line-search
        // evaluations, which assume one smooth function.
        if self.training.solver == Solver::Lbfgs && (self.dropout > 0.0 || self.clip_grad_norm.is_some()) {
            return Err(NeuronaError::parameter(
                "solver",
                "sgd or adam when dropout > 0 or clip_grad_norm is set",
                "lbfgs",
            ));
        }
        self.training.check_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Hyperparams;

    #[test]
    fn rules_name_the_parameter_and_value() {
        let err = |p: RnnParams| p.check().unwrap_err().to_string();
        assert_eq!(err(RnnParams::new().hidden_size(0)), "hidden_size must be an integer >= 1, got 0");
        assert_eq!(err(RnnParams::new().clip_grad_norm(-1.0)), "clip_grad_norm must be a float > 0 or None, got -1");
        assert!(err(RnnParams::new().dropout(0.5).solver(Solver::Lbfgs)).starts_with("solver must be sgd or adam"));
        assert!(RnnParams::new().cell(Cell::Rnn).nonlinearity(Nonlinearity::Relu).check().is_ok());
    }

    #[test]
    fn json_round_trip() {
        let p = RnnParams::new().cell(Cell::Gru).bidirectional(true).hidden_layer_sizes([4]).clip_grad_norm(1.0);
        assert_eq!(RnnParams::from_json(&p.to_json()).unwrap(), p);
    }
}
