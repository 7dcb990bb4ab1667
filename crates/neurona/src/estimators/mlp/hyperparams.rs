//! The hyperparameters shared by [`MlpClassifier`](super::MlpClassifier) and
//! [`MlpRegressor`](super::MlpRegressor), with scikit-learn's names, defaults and rules.

use std::fmt;
use std::str::FromStr;

use crate::activation::Activation;
use crate::error::{NeuronaError, Result};
use crate::optim::schedule::LearningRate;
pub use crate::params::{BatchSize, Patience, Solver, SolverParams};

/// The regressor's loss (scikit-learn's `loss`). Default: `SquaredError`. The classifier always
/// uses the log loss and ignores this setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegressionLoss {
    /// Half the squared error, identity output.
    #[default]
    SquaredError,
    /// Half the Poisson deviance, exponential output; the targets should be >= 0.
    Poisson,
}

impl RegressionLoss {
    /// scikit-learn's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::SquaredError => "squared_error",
            Self::Poisson => "poisson",
        }
    }
}

impl fmt::Display for RegressionLoss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RegressionLoss {
    type Err = NeuronaError;

    fn from_str(s: &str) -> Result<Self> {
        [Self::SquaredError, Self::Poisson]
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| NeuronaError::parameter("loss", "one of 'squared_error', 'poisson'", format!("'{s}'")))
    }
}

/// Hyperparameters of the multilayer perceptrons, unchecked: a consuming builder whose every
/// setter documents scikit-learn's default and the solvers that use it. [`MlpParams::check`]
/// applies scikit-learn's rules and returns [`MlpValidParams`], which the estimators take.
///
/// ```
/// use neurona::prelude::*;
///
/// let params = MlpParams::new().hidden_layer_sizes([50, 20]).solver(Solver::Lbfgs).random_state(0);
/// assert!(params.clone().check().is_ok());
/// let err = params.alpha(-1.0).check().unwrap_err();
/// assert_eq!(err.to_string(), "alpha must be a float >= 0, got -1");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MlpParams {
    pub(crate) hidden_layer_sizes: Vec<usize>,
    pub(crate) activation: Activation,
    pub(crate) loss: RegressionLoss,
    pub(crate) training: SolverParams,
}

impl Default for MlpParams {
    fn default() -> Self {
        Self {
            hidden_layer_sizes: vec![100],
            activation: Activation::Relu,
            loss: RegressionLoss::SquaredError,
            training: SolverParams::default(),
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: $ty) -> Self {
                self.training.$name = value;
                self
            }
        )*
    };
}

impl MlpParams {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Units of each hidden layer. Default `[100]`; empty means no hidden layer (a linear or
    /// generalised linear model). All solvers.
    pub fn hidden_layer_sizes(mut self, sizes: impl Into<Vec<usize>>) -> Self {
        self.hidden_layer_sizes = sizes.into();
        self
    }

    /// Seed of the random draws (initial weights, shuffles, validation split). Default: none,
    /// which seeds from the operating system, so every fit differs. All solvers.
    pub fn random_state(mut self, seed: u32) -> Self {
        self.training.random_state = Some(seed);
        self
    }

    /// Seed or `None` (see [`MlpParams::random_state`]).
    pub fn random_state_option(mut self, seed: Option<u32>) -> Self {
        self.training.random_state = seed;
        self
    }

    /// Hidden activation. Default `Relu`. All solvers.
    pub fn activation(mut self, value: Activation) -> Self {
        self.activation = value;
        self
    }

    /// The regressor's loss. Default `SquaredError`. Regressor only.
    pub fn loss(mut self, value: RegressionLoss) -> Self {
        self.loss = value;
        self
    }

    setters! {
        /// Solver. Default `Adam`.
        solver: Solver;
        /// L2 penalty on the weights (not the biases), divided by the batch's weight sum. Default
        /// 1e-4. All solvers.
        alpha: f64;
        /// Minibatch size. Default `Auto` (`min(200, n_samples)`). sgd and adam.
        batch_size: BatchSize;
        /// Learning-rate schedule. Default `Constant`. sgd only.
        learning_rate: LearningRate;
        /// Initial learning rate. Default 0.001. sgd and adam.
        learning_rate_init: f64;
        /// Exponent of the `invscaling` schedule. Default 0.5. sgd only.
        power_t: f64;
        /// Maximum epochs (sgd, adam) or iterations (lbfgs) per call to `fit`. Default 200.
        max_iter: usize;
        /// Shuffle the samples every epoch. Default true. sgd and adam.
        shuffle: bool;
        /// Improvement threshold of the stopping rule (sgd, adam) or gradient tolerance (lbfgs).
        /// Default 1e-4.
        tol: f64;
        /// Print scikit-learn's progress lines to stdout. Default false. sgd and adam.
        verbose: bool;
        /// Let `fit` continue from the current weights. Default false. All solvers.
        warm_start: bool;
        /// Momentum. Default 0.9. sgd only.
        momentum: f64;
        /// Use Nesterov's momentum. Default true. sgd with momentum > 0.
        nesterovs_momentum: bool;
        /// Hold out `validation_fraction` of the data and stop when its score stops improving,
        /// restoring the best weights. Default false. sgd and adam.
        early_stopping: bool;
        /// Fraction held out for early stopping. Default 0.1. sgd and adam with early stopping.
        validation_fraction: f64;
        /// Adam's first-moment decay. Default 0.9.
        beta_1: f64;
        /// Adam's second-moment decay. Default 0.999.
        beta_2: f64;
        /// Adam's numerical-stability term. Default 1e-8.
        epsilon: f64;
        /// Epochs without improvement before stopping. Default 10. sgd and adam.
        n_iter_no_change: Patience;
        /// Maximum loss evaluations. Default 15000. lbfgs only.
        max_fun: usize;
    }

    /// Applies scikit-learn's rules to every parameter.
    pub fn check(self) -> Result<MlpValidParams> {
        self.check_ref()?;
        Ok(MlpValidParams(self))
    }

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
        let real = |name: &'static str, value: f64, rule: &str, ok: bool| {
            if ok && !value.is_nan() { Ok(()) } else { Err(NeuronaError::parameter(name, rule, value)) }
        };
        real(
            "alpha",
            self.training.alpha,
            "a float >= 0",
            self.training.alpha >= 0.0 && self.training.alpha.is_finite(),
        )?;
        real(
            "learning_rate_init",
            self.training.learning_rate_init,
            "a float > 0",
            self.training.learning_rate_init > 0.0 && self.training.learning_rate_init.is_finite(),
        )?;
        real(
            "power_t",
            self.training.power_t,
            "a float >= 0",
            self.training.power_t >= 0.0 && self.training.power_t.is_finite(),
        )?;
        real("tol", self.training.tol, "a float >= 0", self.training.tol >= 0.0 && self.training.tol.is_finite())?;
        real("momentum", self.training.momentum, "a float in [0, 1]", (0.0..=1.0).contains(&self.training.momentum))?;
        real(
            "validation_fraction",
            self.training.validation_fraction,
            "a float in [0, 1)",
            (0.0..1.0).contains(&self.training.validation_fraction),
        )?;
        real("beta_1", self.training.beta_1, "a float in [0, 1)", (0.0..1.0).contains(&self.training.beta_1))?;
        real("beta_2", self.training.beta_2, "a float in [0, 1)", (0.0..1.0).contains(&self.training.beta_2))?;
        real(
            "epsilon",
            self.training.epsilon,
            "a float > 0",
            self.training.epsilon > 0.0 && self.training.epsilon.is_finite(),
        )?;
        let positive = |name: &'static str, value: usize| {
            if value >= 1 { Ok(()) } else { Err(NeuronaError::parameter(name, "an integer >= 1", value)) }
        };
        positive("max_iter", self.training.max_iter)?;
        positive("max_fun", self.training.max_fun)?;
        if let BatchSize::Fixed(size) = self.training.batch_size {
            positive("batch_size", size)?;
        }
        if let Patience::Epochs(epochs) = self.training.n_iter_no_change {
            positive("n_iter_no_change", epochs)?;
        }
        Ok(())
    }
}

/// Hyperparameters that passed [`MlpParams::check`]. Read them through `Deref`.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpValidParams(MlpParams);

impl std::ops::Deref for MlpValidParams {
    type Target = MlpParams;

    fn deref(&self) -> &MlpParams {
        &self.0
    }
}

impl MlpValidParams {
    /// Back to the unchecked builder, to change a setting (then `check` again).
    pub fn into_params(self) -> MlpParams {
        self.0
    }
}

/// Read access to every hyperparameter, with scikit-learn's names.
impl MlpParams {
    /// See [`MlpParams::hidden_layer_sizes`].
    pub fn get_hidden_layer_sizes(&self) -> &[usize] {
        &self.hidden_layer_sizes
    }
    /// See [`MlpParams::activation`].
    pub fn get_activation(&self) -> Activation {
        self.activation
    }
    /// See [`MlpParams::solver`].
    pub fn get_solver(&self) -> Solver {
        self.training.solver
    }
    /// See [`MlpParams::alpha`].
    pub fn get_alpha(&self) -> f64 {
        self.training.alpha
    }
    /// See [`MlpParams::batch_size`].
    pub fn get_batch_size(&self) -> BatchSize {
        self.training.batch_size
    }
    /// See [`MlpParams::learning_rate`].
    pub fn get_learning_rate(&self) -> LearningRate {
        self.training.learning_rate
    }
    /// See [`MlpParams::learning_rate_init`].
    pub fn get_learning_rate_init(&self) -> f64 {
        self.training.learning_rate_init
    }
    /// See [`MlpParams::power_t`].
    pub fn get_power_t(&self) -> f64 {
        self.training.power_t
    }
    /// See [`MlpParams::max_iter`].
    pub fn get_max_iter(&self) -> usize {
        self.training.max_iter
    }
    /// See [`MlpParams::shuffle`].
    pub fn get_shuffle(&self) -> bool {
        self.training.shuffle
    }
    /// See [`MlpParams::random_state`].
    pub fn get_random_state(&self) -> Option<u32> {
        self.training.random_state
    }
    /// See [`MlpParams::tol`].
    pub fn get_tol(&self) -> f64 {
        self.training.tol
    }
    /// See [`MlpParams::verbose`].
    pub fn get_verbose(&self) -> bool {
        self.training.verbose
    }
    /// See [`MlpParams::warm_start`].
    pub fn get_warm_start(&self) -> bool {
        self.training.warm_start
    }
    /// See [`MlpParams::momentum`].
    pub fn get_momentum(&self) -> f64 {
        self.training.momentum
    }
    /// See [`MlpParams::nesterovs_momentum`].
    pub fn get_nesterovs_momentum(&self) -> bool {
        self.training.nesterovs_momentum
    }
    /// See [`MlpParams::early_stopping`].
    pub fn get_early_stopping(&self) -> bool {
        self.training.early_stopping
    }
    /// See [`MlpParams::validation_fraction`].
    pub fn get_validation_fraction(&self) -> f64 {
        self.training.validation_fraction
    }
    /// See [`MlpParams::beta_1`].
    pub fn get_beta_1(&self) -> f64 {
        self.training.beta_1
    }
    /// See [`MlpParams::beta_2`].
    pub fn get_beta_2(&self) -> f64 {
        self.training.beta_2
    }
    /// See [`MlpParams::epsilon`].
    pub fn get_epsilon(&self) -> f64 {
        self.training.epsilon
    }
    /// See [`MlpParams::n_iter_no_change`].
    pub fn get_n_iter_no_change(&self) -> Patience {
        self.training.n_iter_no_change
    }
    /// See [`MlpParams::max_fun`].
    pub fn get_max_fun(&self) -> usize {
        self.training.max_fun
    }
    /// See [`MlpParams::loss`].
    pub fn get_loss(&self) -> RegressionLoss {
        self.loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
