//! The perceptron in the model file (see [`crate::persist`]): `coef` (`F`, `(rows, n_features)`)
//! and `intercept` (`f64`, as the estimator keeps it, so that a float32 binary model resumes
//! exactly) as tensors; the hyperparameters, the classes, `n_iter_`, `t_` and the last call's
//! report in the JSON header. That is everything `partial_fit` and `warm_start` resume from:
//! the random draws of each call come afresh from `random_state`.

use ndarray::Array2;
use serde_json::{Value, json};

use super::algorithm::{PerceptronReport, PerceptronState};
use super::hyperparams::{ClassWeight, PerceptronParams, PerceptronValidParams};
use super::{Perceptron, coef_rows};
use crate::error::{NeuronaError, Result};
use crate::estimator::{EstimatorKind, ModelFile};
use crate::float::Float;
use crate::persist::{
    ModelLabel, TensorSet, bad, bool_from, extra_of, float_from, float_json, labels_from, open_model, optional, parsed,
    read_tensor, strings_from, tensor_shape, uint_from, usize_from, write_model,
};

fn params_to_json<L: ModelLabel>(p: &PerceptronParams<L>) -> Value {
    let class_weight = match &p.class_weight {
        ClassWeight::Uniform => Value::Null,
        ClassWeight::Balanced => json!("balanced"),
        ClassWeight::PerClass(weights) => {
            Value::Array(weights.iter().map(|(label, w)| json!([label.to_json(), float_json(*w)])).collect())
        }
    };
    json!({
        "penalty": p.penalty.name(),
        "alpha": float_json(p.alpha),
        "l1_ratio": float_json(p.l1_ratio),
        "fit_intercept": p.fit_intercept,
        "max_iter": p.max_iter,
        "tol": p.tol.map(float_json),
        "shuffle": p.shuffle,
        "verbose": p.verbose,
        "eta0": float_json(p.eta0),
        "random_state": p.random_state,
        "early_stopping": p.early_stopping,
        "validation_fraction": float_json(p.validation_fraction),
        "n_iter_no_change": p.n_iter_no_change,
        "class_weight": class_weight,
        "warm_start": p.warm_start,
    })
}

fn params_from_json<L: ModelLabel>(v: &Value) -> Result<PerceptronValidParams<L>> {
    let f = |key: &str| float_from(&v[key], key);
    let class_weight = match &v["class_weight"] {
        Value::Null => ClassWeight::Uniform,
        Value::String(s) if s == "balanced" => ClassWeight::Balanced,
        Value::Array(pairs) => ClassWeight::PerClass(
            pairs
                .iter()
                .map(|pair| match pair.as_array().map(Vec::as_slice) {
                    Some([label, weight]) => Ok((
                        L::from_json(label).ok_or_else(|| bad("class_weight", pair))?,
                        float_from(weight, "class_weight")?,
                    )),
                    _ => Err(bad("class_weight", pair)),
                })
                .collect::<Result<_>>()?,
        ),
        other => return Err(bad("class_weight", other)),
    };
    let random_state = optional(&v["random_state"], |r| {
        u32::try_from(uint_from(r, "random_state")?).map_err(|_| bad("random_state", r))
    })?;
    let params = PerceptronParams::new()
        .penalty(parsed(&v["penalty"], "penalty")?)
        .alpha(f("alpha")?)
        .l1_ratio(f("l1_ratio")?)
        .fit_intercept(bool_from(&v["fit_intercept"], "fit_intercept")?)
        .max_iter(usize_from(&v["max_iter"], "max_iter")?)
        .tol_option(optional(&v["tol"], |t| float_from(t, "tol"))?)
        .shuffle(bool_from(&v["shuffle"], "shuffle")?)
        .verbose(bool_from(&v["verbose"], "verbose")?)
        .eta0(f("eta0")?)
        .random_state_option(random_state)
        .early_stopping(bool_from(&v["early_stopping"], "early_stopping")?)
        .validation_fraction(f("validation_fraction")?)
        .n_iter_no_change(usize_from(&v["n_iter_no_change"], "n_iter_no_change")?)
        .class_weight(class_weight)
        .warm_start(bool_from(&v["warm_start"], "warm_start")?);
    params.check().map_err(|e| NeuronaError::model_file(format!("has invalid hyperparameters: {e}")))
}

impl<F: Float, L: ModelLabel> ModelFile for Perceptron<F, L> {
    const KIND: EstimatorKind = EstimatorKind::Perceptron;

    fn to_bytes_with_extra(&self, extra: &Value) -> Result<Vec<u8>> {
        let state = self.state()?;
        let (rows, n_features) = state.coef.dim();
        let mut tensors = TensorSet::default();
        tensors.floats("coef", &[rows, n_features], state.coef.as_slice().expect("coef_ is kept row-major"));
        tensors.floats("intercept", &[rows], &state.intercept);
        let report = &state.report;
        let header = json!({
            "params": params_to_json(&self.params),
            "classes": {"labels": state.classes.iter().map(ModelLabel::to_json).collect::<Vec<_>>()},
            "state": {"n_iter": state.n_iter, "t": float_json(state.t)},
            "report": {
                "converged": report.converged,
                "n_iter_per_problem": report.n_iter_per_problem,
                "warnings": report.warnings,
            },
            "extra": extra,
        });
        write_model::<F>(Self::KIND, header, &tensors)
    }

    fn from_bytes_with_extra(bytes: &[u8]) -> Result<(Self, Value)> {
        let (header, tensors) = open_model::<F>(bytes, Self::KIND)?;
        let params = params_from_json::<L>(&header["params"])?;
        let labels = header["classes"]["labels"].as_array().ok_or_else(|| bad("classes", &header["classes"]))?;
        let classes: Vec<L> = labels_from(labels)?;
        if classes.len() < 2 || !classes.windows(2).all(|pair| pair[0] < pair[1]) {
            return Err(NeuronaError::model_file(format!(
                "has classes {:.80} that are not at least two, distinct and sorted",
                header["classes"]["labels"].to_string()
            )));
        }
        let rows = coef_rows(classes.len());
        let shape = tensor_shape::<F>(&tensors, "coef")?;
        let n_features = match shape[..] {
            [r, p] if r == rows && p > 0 => p,
            _ => {
                return Err(NeuronaError::model_file(format!(
                    "has tensor 'coef' of shape {shape:?}, but {} classes need {rows} row(s) of at least one feature",
                    classes.len()
                )));
            }
        };
        let coef = Array2::from_shape_vec((rows, n_features), read_tensor::<F>(&tensors, "coef", &shape)?)
            .map_err(|e| NeuronaError::model_file(format!("has an unusable tensor 'coef' ({e})")))?;
        let intercept = read_tensor::<f64>(&tensors, "intercept", &[rows])?;

        let s = &header["state"];
        let n_iter = usize_from(&s["n_iter"], "n_iter")?;
        let t = float_from(&s["t"], "t")?;
        if !(t.is_finite() && t >= 1.0) {
            return Err(bad("t", &s["t"]));
        }
        let r = &header["report"];
        let per_problem = r["n_iter_per_problem"]
            .as_array()
            .ok_or_else(|| bad("n_iter_per_problem", &r["n_iter_per_problem"]))?
            .iter()
            .map(|v| usize_from(v, "n_iter_per_problem"))
            .collect::<Result<Vec<_>>>()?;
        if per_problem.len() != rows || per_problem.iter().copied().max() != Some(n_iter) {
            return Err(NeuronaError::model_file(format!(
                "has epochs per problem {per_problem:?} that do not match {rows} problem(s) and n_iter {n_iter}"
            )));
        }
        let report = PerceptronReport {
            converged: bool_from(&r["converged"], "converged")?,
            n_iter,
            n_iter_per_problem: per_problem,
            warnings: strings_from(&r["warnings"], "warnings")?,
        };
        let state = PerceptronState { classes, coef, intercept, n_iter, t, report };
        Ok((Self { params, state: Some(state) }, extra_of(&header)))
    }
}
