//! The hyperparameters of [`Perceptron`](super::Perceptron), with scikit-learn's names, defaults
//! and rules.

use std::fmt;
use std::str::FromStr;

use crate::data::labels::Label;
use crate::error::{NeuronaError, Result};

/// The regularisation term (scikit-learn's `penalty`). Default: `None`, the plain perceptron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Penalty {
    /// No penalty (scikit-learn's `penalty=None`).
    #[default]
    None,
    /// `alpha/2 * ||w||²`, applied as a shrinking of the weights before each update.
    L2,
    /// `alpha * ||w||₁`, applied with the cumulative truncated gradient of Tsuruoka et al. (2009).
    L1,
    /// `alpha * (l1_ratio * ||w||₁ + (1 - l1_ratio)/2 * ||w||²)`.
    ElasticNet,
}

impl Penalty {
    /// scikit-learn's name (`"none"` stands for Python's `None`).
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::L2 => "l2",
            Self::L1 => "l1",
            Self::ElasticNet => "elasticnet",
        }
    }

    /// Whether the weights shrink before each update (l2 and elasticnet).
    pub(crate) fn has_l2(self) -> bool {
        matches!(self, Self::L2 | Self::ElasticNet)
    }

    /// Whether the truncated-gradient L1 step runs after each update (l1 and elasticnet).
    pub(crate) fn has_l1(self) -> bool {
        matches!(self, Self::L1 | Self::ElasticNet)
    }
}

impl fmt::Display for Penalty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Penalty {
    type Err = NeuronaError;

    fn from_str(s: &str) -> Result<Self> {
        [Self::None, Self::L2, Self::L1, Self::ElasticNet].into_iter().find(|v| v.name() == s).ok_or_else(|| {
            NeuronaError::parameter("penalty", "one of 'l2', 'l1', 'elasticnet', 'none'", format!("'{s}'"))
        })
    }
}

/// Weights of the classes in the updates (scikit-learn's `class_weight`). Default: `Uniform`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ClassWeight<L> {
    /// Every class weighs 1 (scikit-learn's `class_weight=None`).
    #[default]
    Uniform,
    /// `n_samples / (n_classes * count(class))`, from the `y` given to `fit` (scikit-learn's
    /// `"balanced"`; not allowed with `partial_fit`).
    Balanced,
    /// These classes get these weights, every other class 1 (scikit-learn's dict).
    PerClass(Vec<(L, f64)>),
}

/// Hyperparameters of the perceptron, unchecked: a consuming builder whose setters give
/// scikit-learn's defaults. [`PerceptronParams::check`] applies scikit-learn's rules and returns
/// [`PerceptronValidParams`], which [`Perceptron`](super::Perceptron) takes.
///
/// `L` is the label type, needed only by [`ClassWeight::PerClass`].
///
/// ```
/// use neurona::prelude::*;
///
/// let params = PerceptronParams::<i64>::new().penalty(Penalty::L2).alpha(1e-3).random_state(1);
/// assert!(params.clone().check().is_ok());
/// let err = params.eta0(0.0).check().unwrap_err();
/// assert_eq!(err.to_string(), "eta0 must be a float > 0, got 0");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PerceptronParams<L = i64> {
    pub(crate) penalty: Penalty,
    pub(crate) alpha: f64,
    pub(crate) l1_ratio: f64,
    pub(crate) fit_intercept: bool,
    pub(crate) max_iter: usize,
    pub(crate) tol: Option<f64>,
    pub(crate) shuffle: bool,
    pub(crate) verbose: bool,
    pub(crate) eta0: f64,
    pub(crate) random_state: Option<u32>,
    pub(crate) early_stopping: bool,
    pub(crate) validation_fraction: f64,
    pub(crate) n_iter_no_change: usize,
    pub(crate) class_weight: ClassWeight<L>,
    pub(crate) warm_start: bool,
}

impl<L> Default for PerceptronParams<L> {
    fn default() -> Self {
        Self {
            penalty: Penalty::None,
            alpha: 1e-4,
            l1_ratio: 0.15,
            fit_intercept: true,
            max_iter: 1000,
            tol: Some(1e-3),
            shuffle: true,
            verbose: false,
            eta0: 1.0,
            random_state: Some(0),
            early_stopping: false,
            validation_fraction: 0.1,
            n_iter_no_change: 5,
            class_weight: ClassWeight::Uniform,
            warm_start: false,
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

impl<L: Label> PerceptronParams<L> {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stopping tolerance: an epoch improves if its mean loss (plus penalty) drops by more than
    /// `tol`, or, with early stopping, if its validation accuracy rises by at least `tol`.
    /// Default 1e-3.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = Some(tol);
        self
    }

    /// The tolerance or `None`, which disables the stopping rule: every fit runs `max_iter`
    /// epochs (scikit-learn's `tol=None`).
    pub fn tol_option(mut self, tol: Option<f64>) -> Self {
        self.tol = tol;
        self
    }

    /// Seed of the random draws (the shuffle seed of each one-vs-all problem and the
    /// early-stopping split). Default **0**, as in scikit-learn's `Perceptron` (unlike its other
    /// estimators).
    pub fn random_state(mut self, seed: u32) -> Self {
        self.random_state = Some(seed);
        self
    }

    /// Seed or `None`, which seeds from the operating system, so that every fit differs.
    pub fn random_state_option(mut self, seed: Option<u32>) -> Self {
        self.random_state = seed;
        self
    }

    setters! {
        /// Regularisation term. Default `Penalty::None`.
        penalty: Penalty;
        /// Strength of the penalty. Default 1e-4. Used only with a penalty.
        alpha: f64;
        /// The L1 share of the elastic net, in [0, 1]. Default 0.15. Used only with
        /// `Penalty::ElasticNet`.
        l1_ratio: f64;
        /// Learn a bias. Default true.
        fit_intercept: bool;
        /// Maximum epochs per call to `fit`. Default 1000. (`partial_fit` always runs one.)
        max_iter: usize;
        /// Shuffle the samples every epoch. Default true.
        shuffle: bool;
        /// Print scikit-learn's per-epoch lines to stdout. Default false.
        verbose: bool;
        /// The constant learning rate. Default 1.0.
        eta0: f64;
        /// Hold out a stratified `validation_fraction` of the data and stop when its accuracy
        /// stops improving. Default false. `fit` only.
        early_stopping: bool;
        /// Fraction held out for early stopping, in (0, 1). Default 0.1.
        validation_fraction: f64;
        /// Epochs without improvement before stopping. Default 5.
        n_iter_no_change: usize;
        /// Weights of the classes. Default `ClassWeight::Uniform`.
        class_weight: ClassWeight<L>;
        /// Let `fit` continue from the current coefficients. Default false.
        warm_start: bool;
    }

    /// Applies scikit-learn's rules to every parameter.
    pub fn check(self) -> Result<PerceptronValidParams<L>> {
        self.check_ref()?;
        Ok(PerceptronValidParams(self))
    }

    /// Every rule, in one place (scikit-learn's `_parameter_constraints` for `Perceptron`).
    /// Two rules are stricter than scikit-learn's: per-class weights must be finite and name
    /// each class once.
    pub fn check_ref(&self) -> Result<()> {
        let real = |name: &'static str, value: f64, rule: &str, ok: bool| {
            if ok && !value.is_nan() { Ok(()) } else { Err(NeuronaError::parameter(name, rule, value)) }
        };
        real("alpha", self.alpha, "a float >= 0", self.alpha >= 0.0 && self.alpha.is_finite())?;
        real("l1_ratio", self.l1_ratio, "a float in [0, 1]", (0.0..=1.0).contains(&self.l1_ratio))?;
        if let Some(tol) = self.tol {
            real("tol", tol, "a float >= 0 or None", tol >= 0.0)?;
        }
        real("eta0", self.eta0, "a float > 0", self.eta0 > 0.0 && self.eta0.is_finite())?;
        real(
            "validation_fraction",
            self.validation_fraction,
            "a float in (0, 1)",
            self.validation_fraction > 0.0 && self.validation_fraction < 1.0,
        )?;
        let positive = |name: &'static str, value: usize| {
            if value >= 1 { Ok(()) } else { Err(NeuronaError::parameter(name, "an integer >= 1", value)) }
        };
        positive("max_iter", self.max_iter)?;
        positive("n_iter_no_change", self.n_iter_no_change)?;
        if let ClassWeight::PerClass(weights) = &self.class_weight {
            for (i, (label, weight)) in weights.iter().enumerate() {
                if !weight.is_finite() {
                    return Err(NeuronaError::parameter(
                        "class_weight",
                        "finite for every class",
                        format!("{weight} for class {label:?}"),
                    ));
                }
                if weights[..i].iter().any(|(other, _)| other == label) {
                    return Err(NeuronaError::parameter(
                        "class_weight",
                        "one weight per class",
                        format!("class {label:?} twice"),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl<L> PerceptronParams<L> {
    /// The same settings with the labels of per-class weights replaced by `relabel(label)`.
    pub(crate) fn map_labels<M>(self, mut relabel: impl FnMut(&L) -> M) -> PerceptronParams<M> {
        let class_weight = match self.class_weight {
            ClassWeight::Uniform => ClassWeight::Uniform,
            ClassWeight::Balanced => ClassWeight::Balanced,
            ClassWeight::PerClass(weights) => {
                ClassWeight::PerClass(weights.iter().map(|(label, w)| (relabel(label), *w)).collect())
            }
        };
        PerceptronParams {
            penalty: self.penalty,
            alpha: self.alpha,
            l1_ratio: self.l1_ratio,
            fit_intercept: self.fit_intercept,
            max_iter: self.max_iter,
            tol: self.tol,
            shuffle: self.shuffle,
            verbose: self.verbose,
            eta0: self.eta0,
            random_state: self.random_state,
            early_stopping: self.early_stopping,
            validation_fraction: self.validation_fraction,
            n_iter_no_change: self.n_iter_no_change,
            class_weight,
            warm_start: self.warm_start,
        }
    }
}

/// Hyperparameters that passed [`PerceptronParams::check`]. Read them through `Deref`.
#[derive(Debug, Clone, PartialEq)]
pub struct PerceptronValidParams<L = i64>(PerceptronParams<L>);

impl<L> std::ops::Deref for PerceptronValidParams<L> {
    type Target = PerceptronParams<L>;

    fn deref(&self) -> &PerceptronParams<L> {
        &self.0
    }
}

impl<L> PerceptronValidParams<L> {
    /// Back to the unchecked builder, to change a setting (then `check` again).
    pub fn into_params(self) -> PerceptronParams<L> {
        self.0
    }
}

/// Read access to every hyperparameter, with scikit-learn's names.
impl<L> PerceptronParams<L> {
    /// See [`PerceptronParams::penalty`].
    pub fn get_penalty(&self) -> Penalty {
        self.penalty
    }
    /// See [`PerceptronParams::alpha`].
    pub fn get_alpha(&self) -> f64 {
        self.alpha
    }
    /// See [`PerceptronParams::l1_ratio`].
    pub fn get_l1_ratio(&self) -> f64 {
        self.l1_ratio
    }
    /// See [`PerceptronParams::fit_intercept`].
    pub fn get_fit_intercept(&self) -> bool {
        self.fit_intercept
    }
    /// See [`PerceptronParams::max_iter`].
    pub fn get_max_iter(&self) -> usize {
        self.max_iter
    }
    /// See [`PerceptronParams::tol_option`].
    pub fn get_tol(&self) -> Option<f64> {
        self.tol
    }
    /// See [`PerceptronParams::shuffle`].
    pub fn get_shuffle(&self) -> bool {
        self.shuffle
    }
    /// See [`PerceptronParams::verbose`].
    pub fn get_verbose(&self) -> bool {
        self.verbose
    }
    /// See [`PerceptronParams::eta0`].
    pub fn get_eta0(&self) -> f64 {
        self.eta0
    }
    /// See [`PerceptronParams::random_state_option`].
    pub fn get_random_state(&self) -> Option<u32> {
        self.random_state
    }
    /// See [`PerceptronParams::early_stopping`].
    pub fn get_early_stopping(&self) -> bool {
        self.early_stopping
    }
    /// See [`PerceptronParams::validation_fraction`].
    pub fn get_validation_fraction(&self) -> f64 {
        self.validation_fraction
    }
    /// See [`PerceptronParams::n_iter_no_change`].
    pub fn get_n_iter_no_change(&self) -> usize {
        self.n_iter_no_change
    }
    /// See [`PerceptronParams::class_weight`].
    pub fn get_class_weight(&self) -> &ClassWeight<L> {
        &self.class_weight
    }
    /// See [`PerceptronParams::warm_start`].
    pub fn get_warm_start(&self) -> bool {
        self.warm_start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_scikit_learns() {
        let p = PerceptronParams::<i64>::new();
        assert_eq!((p.penalty, p.alpha, p.l1_ratio, p.fit_intercept), (Penalty::None, 1e-4, 0.15, true));
        assert_eq!((p.max_iter, p.tol, p.shuffle, p.verbose, p.eta0), (1000, Some(1e-3), true, false, 1.0));
        assert_eq!((p.random_state, p.early_stopping, p.validation_fraction), (Some(0), false, 0.1));
        assert_eq!((p.n_iter_no_change, &p.class_weight, p.warm_start), (5, &ClassWeight::Uniform, false));
        assert!(p.check().is_ok());
    }

    #[test]
    fn every_rule_names_the_parameter_and_the_value() {
        let p = PerceptronParams::<i64>::new;
        let cases: Vec<(PerceptronParams<i64>, &str)> = vec![
            (p().alpha(-1.0), "alpha must be a float >= 0, got -1"),
            (p().alpha(f64::NAN), "alpha must be a float >= 0, got NaN"),
            (p().l1_ratio(1.5), "l1_ratio must be a float in [0, 1], got 1.5"),
            (p().tol(-0.1), "tol must be a float >= 0 or None, got -0.1"),
            (p().tol(f64::NAN), "tol must be a float >= 0 or None, got NaN"),
            (p().eta0(0.0), "eta0 must be a float > 0, got 0"),
            (p().eta0(f64::INFINITY), "eta0 must be a float > 0, got inf"),
            (p().validation_fraction(1.0), "validation_fraction must be a float in (0, 1), got 1"),
            (p().validation_fraction(0.0), "validation_fraction must be a float in (0, 1), got 0"),
            (p().max_iter(0), "max_iter must be an integer >= 1, got 0"),
            (p().n_iter_no_change(0), "n_iter_no_change must be an integer >= 1, got 0"),
            (
                p().class_weight(ClassWeight::PerClass(vec![(1, f64::NAN)])),
                "class_weight must be finite for every class, got NaN for class 1",
            ),
            (
                p().class_weight(ClassWeight::PerClass(vec![(1, 2.0), (1, 3.0)])),
                "class_weight must be one weight per class, got class 1 twice",
            ),
        ];
        for (params, message) in cases {
            assert_eq!(params.check().unwrap_err().to_string(), message);
        }
        assert!(p().tol_option(None).check().is_ok());
        assert!(p().tol(f64::INFINITY).check().is_ok(), "scikit-learn accepts tol=inf");
    }

    #[test]
    fn penalty_names_parse_with_clear_errors() {
        assert_eq!("elasticnet".parse::<Penalty>().unwrap(), Penalty::ElasticNet);
        assert_eq!("none".parse::<Penalty>().unwrap(), Penalty::None);
        assert_eq!(Penalty::L1.to_string(), "l1");
        assert_eq!(
            "l3".parse::<Penalty>().unwrap_err().to_string(),
            "penalty must be one of 'l2', 'l1', 'elasticnet', 'none', got 'l3'"
        );
    }
}
