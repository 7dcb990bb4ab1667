//! The hyperparameters shared by [`MlpClassifier`](super::MlpClassifier) and
//! [`MlpRegressor`](super::MlpRegressor), with scikit-learn's names, defaults and rules: the
//! network's own, declared here, and the shared solver settings ([`SolverParams`]) they embed.

use crate::activation::Activation;
use crate::error::{NeuronaError, Result};
pub use crate::params::{BatchSize, Patience, Solver, SolverParams};
use crate::params::{SolverSettings, hyperparams, named_enum};

named_enum! {
    /// The regressor's loss (scikit-learn's `loss`). Default: `SquaredError`. The classifier
    /// always uses the log loss and ignores this setting.
    pub enum RegressionLoss for "loss" {
        /// Half the squared error, identity output.
        #[default]
        SquaredError = "squared_error",
        /// Half the Poisson deviance, exponential output; the targets should be >= 0.
        Poisson = "poisson",
    }
}

hyperparams! {
    /// Hyperparameters of the multilayer perceptrons, unchecked: a consuming builder whose every
    /// setter documents scikit-learn's default and the solvers that use it (the solver settings'
    /// setters and getters come from [`SolverSettings`]). [`MlpParams::check`] applies
    /// scikit-learn's rules and returns [`MlpValidParams`], which the estimators take.
    ///
    /// ```
    /// use neurona::prelude::*;
    ///
    /// let params = MlpParams::new().hidden_layer_sizes([50, 20]).solver(Solver::Lbfgs).random_state(0);
    /// assert!(params.clone().check().is_ok());
    /// let err = params.alpha(-1.0).check().unwrap_err();
    /// assert_eq!(err.to_string(), "alpha must be a float >= 0, got -1");
    /// ```
    pub struct MlpParams => MlpValidParams {
        /// Units of each hidden layer; empty means no hidden layer (a linear or generalised linear
        /// model). All solvers.
        hidden_layer_sizes / get_hidden_layer_sizes: Vec<usize> = vec![100], into;
        /// Hidden activation. All solvers.
        activation / get_activation: Activation = Activation::Relu;
        /// The regressor's loss. Regressor only.
        loss / get_loss: RegressionLoss = RegressionLoss::SquaredError;
    }
    embeds training: SolverParams => SolverSettings;
}

impl MlpParams {
    /// Every rule, in one place (scikit-learn's `_parameter_constraints` plus the
    /// `hidden_layer_sizes` check of `_fit`).
    pub fn check_ref(&self) -> Result<()> {
        if self.hidden_layer_sizes.contains(&0) {
            return Err(NeuronaError::parameter(
                "hidden_layer_sizes",
                "a list of integers > 0",
                format!("{:?}", self.hidden_layer_sizes),
            ));
        }
        self.training.check_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::schedule::LearningRate;

    #[test]
    fn defaults_are_scikit_learns() {
        let p = MlpParams::new();
        assert_eq!(p.hidden_layer_sizes, vec![100]);
        assert_eq!((p.activation, p.training.solver, p.training.alpha), (Activation::Relu, Solver::Adam, 1e-4));
        assert_eq!(
            (p.training.batch_size, p.training.learning_rate, p.training.learning_rate_init),
            (BatchSize::Auto, LearningRate::Constant, 1e-3)
        );
        assert_eq!(
            (p.training.power_t, p.training.max_iter, p.training.shuffle, p.training.random_state, p.training.tol),
            (0.5, 200, true, None, 1e-4)
        );
        assert_eq!(
            (p.training.verbose, p.training.warm_start, p.training.momentum, p.training.nesterovs_momentum),
            (false, false, 0.9, true)
        );
        assert_eq!(
            (p.training.early_stopping, p.training.validation_fraction, p.training.beta_1, p.training.beta_2),
            (false, 0.1, 0.9, 0.999)
        );
        assert_eq!(
            (p.training.epsilon, p.training.n_iter_no_change, p.training.max_fun, p.loss),
            (1e-8, Patience::Epochs(10), 15000, RegressionLoss::SquaredError)
        );
        assert!(p.check().is_ok());
    }

    #[test]
    fn every_rule_names_the_parameter_and_the_value() {
        let cases: Vec<(MlpParams, &str)> = vec![
            (
                MlpParams::new().hidden_layer_sizes([5, 0]),
                "hidden_layer_sizes must be a list of integers > 0, got [5, 0]",
            ),
            (MlpParams::new().alpha(-1.0), "alpha must be a float >= 0, got -1"),
            (MlpParams::new().alpha(f64::NAN), "alpha must be a float >= 0, got NaN"),
            (MlpParams::new().learning_rate_init(0.0), "learning_rate_init must be a float > 0, got 0"),
            (MlpParams::new().power_t(-0.5), "power_t must be a float >= 0, got -0.5"),
            (MlpParams::new().tol(-1.0), "tol must be a float >= 0, got -1"),
            (MlpParams::new().momentum(1.5), "momentum must be a float in [0, 1], got 1.5"),
            (MlpParams::new().validation_fraction(1.0), "validation_fraction must be a float in [0, 1), got 1"),
            (MlpParams::new().beta_1(1.0), "beta_1 must be a float in [0, 1), got 1"),
            (MlpParams::new().beta_2(-0.1), "beta_2 must be a float in [0, 1), got -0.1"),
            (MlpParams::new().epsilon(0.0), "epsilon must be a float > 0, got 0"),
            (MlpParams::new().max_iter(0), "max_iter must be an integer >= 1, got 0"),
            (MlpParams::new().max_fun(0), "max_fun must be an integer >= 1, got 0"),
            (MlpParams::new().batch_size(BatchSize::Fixed(0)), "batch_size must be an integer >= 1, got 0"),
            (MlpParams::new().n_iter_no_change(Patience::Epochs(0)), "n_iter_no_change must be an integer >= 1, got 0"),
        ];
        for (params, message) in cases {
            assert_eq!(params.check().unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn names_parse_with_clear_errors() {
        assert_eq!("lbfgs".parse::<Solver>().unwrap(), Solver::Lbfgs);
        assert_eq!("poisson".parse::<RegressionLoss>().unwrap(), RegressionLoss::Poisson);
        assert_eq!("auto".parse::<BatchSize>().unwrap(), BatchSize::Auto);
        assert_eq!("32".parse::<BatchSize>().unwrap(), BatchSize::Fixed(32));
        assert_eq!("inf".parse::<Patience>().unwrap(), Patience::Never);
        assert_eq!(
            "newton".parse::<Solver>().unwrap_err().to_string(),
            "solver must be one of 'lbfgs', 'sgd', 'adam', got 'newton'"
        );
        assert!("-3".parse::<BatchSize>().unwrap_err().to_string().contains("'-3'"));
    }
}
