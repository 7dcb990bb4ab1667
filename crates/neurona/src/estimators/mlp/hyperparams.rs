//! The hyperparameters shared by [`MlpClassifier`](super::MlpClassifier) and
//! [`MlpRegressor`](super::MlpRegressor), with scikit-learn's names, defaults and rules.

use std::fmt;
use std::str::FromStr;

use crate::activation::Activation;
use crate::error::{NeuronaError, Result};
use crate::optim::schedule::LearningRate;

/// The optimisation algorithm (scikit-learn's `solver`). Default: `Adam`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Solver {
    /// Full-batch L-BFGS (quasi-Newton); fast and accurate on small data sets.
    Lbfgs,
    /// Minibatch stochastic gradient descent, with momentum and a learning-rate schedule.
    Sgd,
    /// Minibatch Adam.
    #[default]
    Adam,
}

impl Solver {
    /// scikit-learn's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Lbfgs => "lbfgs",
            Self::Sgd => "sgd",
            Self::Adam => "adam",
        }
    }

    /// Whether the solver trains on minibatches, epoch by epoch (sgd and adam).
    pub fn is_stochastic(self) -> bool {
        self != Self::Lbfgs
    }
}

impl fmt::Display for Solver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Solver {
    type Err = NeuronaError;

    fn from_str(s: &str) -> Result<Self> {
        [Self::Lbfgs, Self::Sgd, Self::Adam]
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| NeuronaError::parameter("solver", "one of 'lbfgs', 'sgd', 'adam'", format!("'{s}'")))
    }
}

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

/// Minibatch size (scikit-learn's `batch_size`). Default: `Auto`, i.e. `min(200, n_samples)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BatchSize {
    /// `min(200, n_samples)`.
    #[default]
    Auto,
    /// A fixed size, clipped to the number of training samples.
    Fixed(usize),
}

impl fmt::Display for BatchSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Fixed(n) => write!(f, "{n}"),
        }
    }
}

impl FromStr for BatchSize {
    type Err = NeuronaError;

    fn from_str(s: &str) -> Result<Self> {
        if s == "auto" {
            return Ok(Self::Auto);
        }
        s.parse::<usize>()
            .map(Self::Fixed)
            .map_err(|_| NeuronaError::parameter("batch_size", "'auto' or an integer >= 1", format!("'{s}'")))
    }
}

/// Epochs without improvement before stopping (scikit-learn's `n_iter_no_change`). Default: 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// Stop (or, with the adaptive schedule, cut the rate) after more than this many epochs.
    Epochs(usize),
    /// Never stop early (scikit-learn's `np.inf`): train for `max_iter` epochs.
    Never,
}

impl fmt::Display for Patience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Epochs(n) => write!(f, "{n}"),
            Self::Never => f.write_str("inf"),
        }
    }
}

impl FromStr for Patience {
    type Err = NeuronaError;

    fn from_str(s: &str) -> Result<Self> {
        if s == "inf" {
            return Ok(Self::Never);
        }
        s.parse::<usize>()
            .map(Self::Epochs)
            .map_err(|_| NeuronaError::parameter("n_iter_no_change", "an integer >= 1 or 'inf'", format!("'{s}'")))
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
    pub(crate) solver: Solver,
    pub(crate) alpha: f64,
    pub(crate) batch_size: BatchSize,
    pub(crate) learning_rate: LearningRate,
    pub(crate) learning_rate_init: f64,
    pub(crate) power_t: f64,
    pub(crate) max_iter: usize,
    pub(crate) shuffle: bool,
    pub(crate) random_state: Option<u32>,
    pub(crate) tol: f64,
    pub(crate) verbose: bool,
    pub(crate) warm_start: bool,
    pub(crate) momentum: f64,
    pub(crate) nesterovs_momentum: bool,
    pub(crate) early_stopping: bool,
    pub(crate) validation_fraction: f64,
    pub(crate) beta_1: f64,
    pub(crate) beta_2: f64,
    pub(crate) epsilon: f64,
    pub(crate) n_iter_no_change: Patience,
    pub(crate) max_fun: usize,
    pub(crate) loss: RegressionLoss,
}

impl Default for MlpParams {
    fn default() -> Self {
        Self {
            hidden_layer_sizes: vec![100],
            activation: Activation::Relu,
            solver: Solver::Adam,
            alpha: 1e-4,
            batch_size: BatchSize::Auto,
            learning_rate: LearningRate::Constant,
            learning_rate_init: 1e-3,
            power_t: 0.5,
            max_iter: 200,
            shuffle: true,
            random_state: None,
            tol: 1e-4,
            verbose: false,
            warm_start: false,
            momentum: 0.9,
            nesterovs_momentum: true,
            early_stopping: false,
            validation_fraction: 0.1,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-8,
            n_iter_no_change: Patience::Epochs(10),
            max_fun: 15000,
            loss: RegressionLoss::SquaredError,
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: $ty) -> Self {
                self.$name = value;
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
        self.random_state = Some(seed);
        self
    }

    /// Seed or `None` (see [`MlpParams::random_state`]).
    pub fn random_state_option(mut self, seed: Option<u32>) -> Self {
        self.random_state = seed;
        self
    }

    setters! {
        /// Hidden activation. Default `Relu`. All solvers.
        activation: Activation;
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
        /// The regressor's loss. Default `SquaredError`. Regressor only.
        loss: RegressionLoss;
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
        real("alpha", self.alpha, "a float >= 0", self.alpha >= 0.0 && self.alpha.is_finite())?;
        real(
            "learning_rate_init",
            self.learning_rate_init,
            "a float > 0",
            self.learning_rate_init > 0.0 && self.learning_rate_init.is_finite(),
        )?;
        real("power_t", self.power_t, "a float >= 0", self.power_t >= 0.0 && self.power_t.is_finite())?;
        real("tol", self.tol, "a float >= 0", self.tol >= 0.0 && self.tol.is_finite())?;
        real("momentum", self.momentum, "a float in [0, 1]", (0.0..=1.0).contains(&self.momentum))?;
        real(
            "validation_fraction",
            self.validation_fraction,
            "a float in [0, 1)",
            (0.0..1.0).contains(&self.validation_fraction),
        )?;
        real("beta_1", self.beta_1, "a float in [0, 1)", (0.0..1.0).contains(&self.beta_1))?;
        real("beta_2", self.beta_2, "a float in [0, 1)", (0.0..1.0).contains(&self.beta_2))?;
        real("epsilon", self.epsilon, "a float > 0", self.epsilon > 0.0 && self.epsilon.is_finite())?;
        let positive = |name: &'static str, value: usize| {
            if value >= 1 { Ok(()) } else { Err(NeuronaError::parameter(name, "an integer >= 1", value)) }
        };
        positive("max_iter", self.max_iter)?;
        positive("max_fun", self.max_fun)?;
        if let BatchSize::Fixed(size) = self.batch_size {
            positive("batch_size", size)?;
        }
        if let Patience::Epochs(epochs) = self.n_iter_no_change {
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
        self.solver
    }
    /// See [`MlpParams::alpha`].
    pub fn get_alpha(&self) -> f64 {
        self.alpha
    }
    /// See [`MlpParams::batch_size`].
    pub fn get_batch_size(&self) -> BatchSize {
        self.batch_size
    }
    /// See [`MlpParams::learning_rate`].
    pub fn get_learning_rate(&self) -> LearningRate {
        self.learning_rate
    }
    /// See [`MlpParams::learning_rate_init`].
    pub fn get_learning_rate_init(&self) -> f64 {
        self.learning_rate_init
    }
    /// See [`MlpParams::power_t`].
    pub fn get_power_t(&self) -> f64 {
        self.power_t
    }
    /// See [`MlpParams::max_iter`].
    pub fn get_max_iter(&self) -> usize {
        self.max_iter
    }
    /// See [`MlpParams::shuffle`].
    pub fn get_shuffle(&self) -> bool {
        self.shuffle
    }
    /// See [`MlpParams::random_state`].
    pub fn get_random_state(&self) -> Option<u32> {
        self.random_state
    }
    /// See [`MlpParams::tol`].
    pub fn get_tol(&self) -> f64 {
        self.tol
    }
    /// See [`MlpParams::verbose`].
    pub fn get_verbose(&self) -> bool {
        self.verbose
    }
    /// See [`MlpParams::warm_start`].
    pub fn get_warm_start(&self) -> bool {
        self.warm_start
    }
    /// See [`MlpParams::momentum`].
    pub fn get_momentum(&self) -> f64 {
        self.momentum
    }
    /// See [`MlpParams::nesterovs_momentum`].
    pub fn get_nesterovs_momentum(&self) -> bool {
        self.nesterovs_momentum
    }
    /// See [`MlpParams::early_stopping`].
    pub fn get_early_stopping(&self) -> bool {
        self.early_stopping
    }
    /// See [`MlpParams::validation_fraction`].
    pub fn get_validation_fraction(&self) -> f64 {
        self.validation_fraction
    }
    /// See [`MlpParams::beta_1`].
    pub fn get_beta_1(&self) -> f64 {
        self.beta_1
    }
    /// See [`MlpParams::beta_2`].
    pub fn get_beta_2(&self) -> f64 {
        self.beta_2
    }
    /// See [`MlpParams::epsilon`].
    pub fn get_epsilon(&self) -> f64 {
        self.epsilon
    }
    /// See [`MlpParams::n_iter_no_change`].
    pub fn get_n_iter_no_change(&self) -> Patience {
        self.n_iter_no_change
    }
    /// See [`MlpParams::max_fun`].
    pub fn get_max_fun(&self) -> usize {
        self.max_fun
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
        assert_eq!((p.activation, p.solver, p.alpha), (Activation::Relu, Solver::Adam, 1e-4));
        assert_eq!(
            (p.batch_size, p.learning_rate, p.learning_rate_init),
            (BatchSize::Auto, LearningRate::Constant, 1e-3)
        );
        assert_eq!((p.power_t, p.max_iter, p.shuffle, p.random_state, p.tol), (0.5, 200, true, None, 1e-4));
        assert_eq!((p.verbose, p.warm_start, p.momentum, p.nesterovs_momentum), (false, false, 0.9, true));
        assert_eq!((p.early_stopping, p.validation_fraction, p.beta_1, p.beta_2), (false, 0.1, 0.9, 0.999));
        assert_eq!(
            (p.epsilon, p.n_iter_no_change, p.max_fun, p.loss),
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
