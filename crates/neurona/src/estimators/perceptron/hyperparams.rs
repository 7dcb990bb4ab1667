//! The hyperparameters of [`Perceptron`](super::Perceptron), with scikit-learn's names, defaults
//! and rules.

use serde_json::{Value, json};

use crate::data::labels::Label;
use crate::data::labels::ModelLabel;
use crate::error::{NeuronaError, Result};
use crate::params::declare::{MapLabels, ParamValue, hyperparams, named_enum};

named_enum! {
    /// The regularisation term (scikit-learn's `penalty`). Default: `None`, the plain perceptron.
    pub enum Penalty for "penalty" {
        /// `alpha/2 * ||w||²`, applied as a shrinking of the weights before each update.
        L2 = "l2",
        /// `alpha * ||w||₁`, applied with the cumulative truncated gradient of Tsuruoka et al. (2009).
        L1 = "l1",
        /// `alpha * (l1_ratio * ||w||₁ + (1 - l1_ratio)/2 * ||w||²)`.
        ElasticNet = "elasticnet",
        /// No penalty (scikit-learn's `penalty=None`; its name `"none"` stands for `None`).
        #[default]
        None = "none",
    }
}

impl Penalty {
    /// Whether the weights shrink before each update (l2 and elasticnet).
    pub(crate) fn has_l2(self) -> bool {
        matches!(self, Self::L2 | Self::ElasticNet)
    }

    /// Whether the truncated-gradient L1 step runs after each update (l1 and elasticnet).
    pub(crate) fn has_l1(self) -> bool {
        matches!(self, Self::L1 | Self::ElasticNet)
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

/// `class_weight` in JSON and text: `null` / `none` (uniform), `"balanced"`, or pairs of a label
/// and its weight (`[[label, weight], ...]` in JSON, `label:weight,label:weight` as text, where
/// `label=weight` is read too).
impl<L: ModelLabel> ParamValue for ClassWeight<L> {
    const KIND: &'static str = "none, 'balanced' or label:weight pairs";

    fn to_json(&self) -> Value {
        match self {
            ClassWeight::Uniform => Value::Null,
            ClassWeight::Balanced => json!("balanced"),
            ClassWeight::PerClass(weights) => {
                Value::Array(weights.iter().map(|(label, w)| json!([label.to_json(), w.to_json()])).collect())
            }
        }
    }

    fn from_json(value: &Value, name: &'static str) -> Result<Self> {
        let wrong = || NeuronaError::parameter(name, Self::KIND, value.to_string());
        match value {
            Value::Null => Ok(ClassWeight::Uniform),
            Value::String(s) if s == "balanced" => Ok(ClassWeight::Balanced),
            Value::Array(pairs) => pairs
                .iter()
                .map(|pair| match pair.as_array().map(Vec::as_slice) {
                    Some([label, weight]) => {
                        Ok((L::from_json(label).ok_or_else(wrong)?, f64::from_json(weight, name).map_err(|_| wrong())?))
                    }
                    _ => Err(wrong()),
                })
                .collect::<Result<_>>()
                .map(ClassWeight::PerClass),
            _ => Err(wrong()),
        }
    }

    fn from_text(text: &str, name: &'static str) -> Result<Self> {
        let wrong = || NeuronaError::parameter(name, Self::KIND, format!("'{text}'"));
        match text.trim() {
            "none" | "None" | "" => Ok(ClassWeight::Uniform),
            "balanced" => Ok(ClassWeight::Balanced),
            pairs => pairs
                .split(',')
                .map(|pair| {
                    // `label:weight`, or the command's older `label=weight`.
                    let (label, weight) = pair.rsplit_once(':').or_else(|| pair.rsplit_once('=')).ok_or_else(wrong)?;
                    let label = label.trim();
                    // A label that reads as an integer is one (the command's integer classes).
                    let json = label.parse::<i64>().map_or_else(|_| json!(label), |v| json!(v));
                    let label = L::from_json(&json).or_else(|| L::from_json(&json!(label))).ok_or_else(wrong)?;
                    Ok((label, f64::from_text(weight, name).map_err(|_| wrong())?))
                })
                .collect::<Result<_>>()
                .map(ClassWeight::PerClass),
        }
    }

    fn to_text(&self) -> String {
        match self {
            ClassWeight::Uniform => "none".to_owned(),
            ClassWeight::Balanced => "balanced".to_owned(),
            ClassWeight::PerClass(weights) => {
                weights.iter().map(|(label, w)| format!("{}:{w}", label.to_json())).collect::<Vec<_>>().join(",")
            }
        }
    }
}

hyperparams! {
    /// Hyperparameters of the perceptron, unchecked: a consuming builder whose setters give
    /// scikit-learn's defaults. [`PerceptronParams::check`] applies scikit-learn's rules and
    /// returns [`PerceptronValidParams`], which [`Perceptron`](super::Perceptron) takes.
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
    pub struct PerceptronParams<L: Label = i64> => PerceptronValidParams {
        /// Regularisation term.
        penalty / get_penalty: Penalty = Penalty::None;
        /// Strength of the penalty. Used only with a penalty.
        alpha / get_alpha: f64 = 1e-4;
        /// The L1 share of the elastic net, in [0, 1]. Used only with `elasticnet`.
        l1_ratio / get_l1_ratio: f64 = 0.15;
        /// Learn a bias.
        fit_intercept / get_fit_intercept: bool = true;
        /// Maximum epochs per call to `fit`. (`partial_fit` always runs one.)
        max_iter / get_max_iter: usize = 1000;
        /// Stopping tolerance: an epoch improves if its mean loss (plus penalty) drops by more than
        /// `tol`, or, with early stopping, if its validation accuracy rises by at least `tol`;
        /// `none` disables the rule, so every fit runs `max_iter` epochs.
        tol / get_tol: Option<f64> = Some(1e-3), into;
        /// Shuffle the samples every epoch.
        shuffle / get_shuffle: bool = true;
        /// Print scikit-learn's per-epoch lines to stdout.
        verbose / get_verbose: bool = false;
        /// The constant learning rate.
        eta0 / get_eta0: f64 = 1.0;
        /// Seed of the random draws (the shuffle seed of each one-vs-all problem and the
        /// early-stopping split); `none` seeds from the operating system, so that every fit
        /// differs. The default is 0, as in scikit-learn's `Perceptron` (its other estimators
        /// default to `none`).
        random_state / get_random_state: Option<u32> = Some(0), into;
        /// Hold out a stratified `validation_fraction` of the data and stop when its accuracy stops
        /// improving. `fit` only.
        early_stopping / get_early_stopping: bool = false;
        /// Fraction held out for early stopping, in (0, 1).
        validation_fraction / get_validation_fraction: f64 = 0.1;
        /// Epochs without improvement before stopping.
        n_iter_no_change / get_n_iter_no_change: usize = 5;
        /// Weights of the classes; `none`: every class weighs 1.
        class_weight / get_class_weight: ClassWeight<L> = ClassWeight::Uniform;
        /// Let `fit` continue from the current coefficients.
        warm_start / get_warm_start: bool = false;
    }
}

impl<L: Label> PerceptronParams<L> {
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

impl<L, M> MapLabels<L, M> for ClassWeight<L> {
    type Output = ClassWeight<M>;

    fn map_labels(self, relabel: &mut dyn FnMut(&L) -> M) -> ClassWeight<M> {
        match self {
            ClassWeight::Uniform => ClassWeight::Uniform,
            ClassWeight::Balanced => ClassWeight::Balanced,
            ClassWeight::PerClass(weights) => {
                ClassWeight::PerClass(weights.iter().map(|(label, w)| (relabel(label), *w)).collect())
            }
        }
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
        assert!(p().tol(None).check().is_ok());
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
