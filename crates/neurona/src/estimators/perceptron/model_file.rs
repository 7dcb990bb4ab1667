//! The perceptron in the model file (see [`crate::persist`]): `coef` (`F`, `(rows, n_features)`)
//! and `intercept` (`f64`, as the estimator keeps it, so that a float32 binary model resumes
//! exactly) as tensors; the hyperparameters, the classes, `n_iter_`, `t_` and the last call's
//! report in the JSON header. That is everything `partial_fit` and `warm_start` resume from:
//! the random draws of each call come afresh from `random_state`.

use ndarray::Array2;
use serde_json::{Value, json};

use super::algorithm::{PerceptronReport, PerceptronState};
use super::hyperparams::PerceptronParams;
use super::{Perceptron, coef_rows};
use crate::error::{NeuronaError, Result};
use crate::estimator::{EstimatorKind, ModelFile};
use crate::float::Float;
use crate::params::Hyperparams;
use crate::persist::{
    ModelLabel, TensorSet, bad, bool_from, extra_of, float_from, float_json, labels_from, open_model, read_tensor,
    strings_from, tensor_shape, usize_from, write_model,
};

impl<F: Float, L: ModelLabel> ModelFile for Perceptron<F, L> {
    const KIND: EstimatorKind = EstimatorKind::Perceptron;

    fn to_bytes_with_extra(&self, extra: &Value) -> Result<Vec<u8>> {
        let state = self.state()?;
        let mut tensors = TensorSet::default();
        tensors.array("coef", state.coef.view());
        tensors.floats("intercept", &[state.coef.nrows()], &state.intercept);
        let report = &state.report;
        let header = json!({
            "params": &self.params.to_json(),
            "classes": {"labels": state.classes.iter().map(ModelLabel::to_json).collect::<Vec<_>>()},
            "state": {"n_iter": state.n_iter, "t": float_json(state.t)},
            "report": {
                "converged": report.converged,
                "n_iter_per_problem": report.n_iter_per_problem,
                "warnings": report.warnings,
                "interrupted": report.interrupted,
            },
            "extra": extra,
        });
        write_model::<F>(Self::KIND, header, &tensors)
    }

    fn from_bytes_with_extra(bytes: &[u8]) -> Result<(Self, Value)> {
        let (header, tensors) = open_model::<F>(bytes, Self::KIND)?;
        let params = crate::params::from_model_file(&header["params"], PerceptronParams::check)?;
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
            // Absent from the files written before fits could be interrupted.
            interrupted: match r.get("interrupted") {
                None => false,
                Some(v) => bool_from(v, "interrupted")?,
            },
        };
        let state = PerceptronState { classes, coef, intercept, n_iter, t, report };
        Ok((Self { params, state: Some(state) }, extra_of(&header)))
    }
}
