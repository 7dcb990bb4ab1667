//! The hyperparameter vocabulary shared by every estimator family.
//!
//! Each estimator declares its hyperparameters once, with `hyperparams!`: name, type, default
//! and doc (whose last sentence says which solvers use it). From that declaration come the
//! builder's setters, the getters, the checked type (`XValidParams`, built only by the
//! estimator's hand-written `check`), the model file's JSON in both directions, and a table of
//! [`Spec`]s (name, default, choices, doc) that the command line's flags and help, the Python
//! binding's conversion and the docs read ([`Hyperparams`]). Named settings (`Solver`,
//! `Activation`, `Penalty`...) come from `named_enum!`, which gives their names, `Display`,
//! `FromStr` with the list of choices in its error, and their place in the spec table.
//!
//! [`SolverParams`] holds the settings of gradient training that every gradient-trained family
//! shares: the multilayer perceptrons embed it (as `training`), later families embed it too, so
//! the training loop reads one struct whatever the network, and one [`SolverSettings`] impl
//! gives a family all of its setters and getters.

pub mod declare;

use crate::error::{NeuronaError, Result};
use crate::optim::schedule::LearningRate;
pub use declare::{Hyperparams, ParamValue, Spec};
pub(crate) use declare::{from_model_file, hyperparams, named_enum, word_or_count};

named_enum! {
    /// The optimisation algorithm (scikit-learn's `solver`). Default: `Adam`.
    pub enum Solver for "solver" {
        /// Full-batch L-BFGS (quasi-Newton); fast and accurate on small data sets.
        Lbfgs = "lbfgs",
        /// Minibatch stochastic gradient descent, with momentum and a learning-rate schedule.
        Sgd = "sgd",
        /// Minibatch Adam.
        #[default]
        Adam = "adam",
    }
}

impl Solver {
    /// Whether the solver trains on minibatches, epoch by epoch (sgd and adam).
    pub fn is_stochastic(self) -> bool {
        self != Self::Lbfgs
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

/// Epochs without improvement before stopping (scikit-learn's `n_iter_no_change`). Default: 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// Stop (or, with the adaptive schedule, cut the rate) after more than this many epochs.
    Epochs(usize),
    /// Never stop early (scikit-learn's `np.inf`): train for `max_iter` epochs.
    Never,
}

word_or_count!(BatchSize for "batch_size": Auto = "auto" or Fixed, "'auto' or an integer >= 1");
word_or_count!(Patience for "n_iter_no_change": Never = "inf" or Epochs, "an integer >= 1 or 'inf'");

hyperparams! {
    /// The settings of gradient training shared by every gradient-trained family, with
    /// scikit-learn's `MLPClassifier` defaults and rules ([`SolverParams::check_ref`]). A family
    /// embeds it and implements [`SolverSettings`], which gives the family's builder these
    /// setters and getters.
    pub struct SolverParams for trait SolverSettings {
        /// Solver.
        solver / get_solver: Solver = Solver::Adam;
        /// L2 penalty on the weights (not the biases), divided by the batch's weight sum. All
        /// solvers.
        alpha / get_alpha: f64 = 1e-4;
        /// Minibatch size; `auto` is `min(200, n_samples)`. sgd and adam.
        batch_size / get_batch_size: BatchSize = BatchSize::Auto;
        /// Learning-rate schedule. sgd only.
        learning_rate / get_learning_rate: LearningRate = LearningRate::Constant;
        /// Initial learning rate. sgd and adam.
        learning_rate_init / get_learning_rate_init: f64 = 1e-3;
        /// Exponent of the `invscaling` schedule. sgd only.
        power_t / get_power_t: f64 = 0.5;
        /// Maximum epochs (sgd, adam) or iterations (lbfgs) per call to `fit`.
        max_iter / get_max_iter: usize = 200;
        /// Shuffle the samples every epoch. sgd and adam.
        shuffle / get_shuffle: bool = true;
        /// Seed of the random draws (initial weights, shuffles, validation split); `none` seeds
        /// from the operating system, so every fit differs. All solvers.
        random_state / get_random_state: Option<u32> = None, into;
        /// Improvement threshold of the stopping rule (sgd, adam) or gradient tolerance (lbfgs).
        tol / get_tol: f64 = 1e-4;
        /// Print scikit-learn's progress lines to stdout. sgd and adam.
        verbose / get_verbose: bool = false;
        /// Let `fit` continue from the current weights. All solvers.
        warm_start / get_warm_start: bool = false;
        /// Momentum. sgd only.
        momentum / get_momentum: f64 = 0.9;
        /// Use Nesterov's momentum. sgd with momentum > 0.
        nesterovs_momentum / get_nesterovs_momentum: bool = true;
        /// Hold out `validation_fraction` of the data and stop when its score stops improving,
        /// restoring the best weights. sgd and adam.
        early_stopping / get_early_stopping: bool = false;
        /// Fraction held out for early stopping. sgd and adam with early stopping.
        validation_fraction / get_validation_fraction: f64 = 0.1;
        /// Adam's first-moment decay. adam only.
        beta_1 / get_beta_1: f64 = 0.9;
        /// Adam's second-moment decay. adam only.
        beta_2 / get_beta_2: f64 = 0.999;
        /// Adam's numerical-stability term. adam only.
        epsilon / get_epsilon: f64 = 1e-8;
        /// Epochs without improvement before stopping (`inf`: never). sgd and adam.
        n_iter_no_change / get_n_iter_no_change: Patience = Patience::Epochs(10);
        /// Maximum loss evaluations. lbfgs only.
        max_fun / get_max_fun: usize = 15000;
    }
}

impl SolverParams {
    /// Every rule of the shared solver settings (scikit-learn's `_parameter_constraints`).
    pub fn check_ref(&self) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::estimators::mlp::MlpParams;

    #[test]
    fn the_mlp_s_specs_include_the_shared_solver_settings() {
        let names: Vec<&str> = MlpParams::specs().iter().map(|s| s.name).collect();
        let shared: Vec<&str> = SolverParams::default().specs_of().iter().map(|s| s.name).collect();
        assert_eq!(&names[..3], ["hidden_layer_sizes", "activation", "loss"]);
        assert_eq!(&names[3..], &shared[..]);
        let solver = MlpParams::specs().into_iter().find(|s| s.name == "solver").unwrap();
        assert_eq!((solver.default.as_str(), solver.choices), ("adam", vec!["lbfgs", "sgd", "adam"]));
    }

    #[test]
    fn unknown_names_and_wrong_values_are_errors_that_name_them() {
        let mut p = MlpParams::default();
        assert_eq!(
            p.set_json("alpah", &json!(1.0)).unwrap_err().to_string(),
            "name must be a hyperparameter of MlpParams, got 'alpah'"
        );
        assert_eq!(p.set_json("alpha", &json!(true)).unwrap_err().to_string(), "alpha must be a float, got true");
        assert_eq!(p.set_text("max_iter", "-3").unwrap_err().to_string(), "max_iter must be an integer >= 0, got '-3'");
        assert_eq!(
            p.set_text("solver", "newton").unwrap_err().to_string(),
            "solver must be one of 'lbfgs', 'sgd', 'adam', got 'newton'"
        );
        assert_eq!(p.set_text("random_state", "none").map(|()| p.get_random_state()), Ok(None));
        assert_eq!(p.set_text("hidden_layer_sizes", "(50, 20)").map(|()| p.get_hidden_layer_sizes()), Ok(vec![50, 20]));
    }
}
