//! The restricted Boltzmann machine in the model file (see [`crate::persist`]): `components`
//! `(n_components, n_features)`, `intercept_hidden`, `intercept_visible` and the persistent chain
//! `h_samples` `(chain rows, n_components)` as tensors in `F`; the hyperparameters in the JSON
//! header; and, once `partial_fit` or `gibbs` has created it, scikit-learn's `random_state_`
//! stream: its 624 key words as the `random_state_.key` tensor, its position and cached
//! Gaussian in the header. That is everything `partial_fit` resumes from.

use ndarray::{Array1, Array2};
use serde_json::{Value, json};

use super::BernoulliRbm;
use super::algorithm::RbmState;
use super::hyperparams::RbmParams;
use crate::error::{NeuronaError, Result};
use crate::estimator::{EstimatorKind, ModelFile};
use crate::float::Float;
use crate::params::Hyperparams;
use crate::persist::{
    TensorSet, bad, bool_from, extra_of, float_from, float_json, open_model, optional, read_tensor, read_words,
    tensor_shape, usize_from, write_model,
};
use crate::rng::RandomState;

/// Words in the key of numpy's Mersenne Twister.
const KEY_WORDS: usize = 624;

/// The name of the stream's key tensor.
const KEY_TENSOR: &str = "random_state_.key";

/// A 2-D tensor's `(rows, columns)`, both at least 1.
fn matrix_shape<F: Float>(tensors: &safetensors::SafeTensors<'_>, name: &str) -> Result<(usize, usize)> {
    match tensor_shape::<F>(tensors, name)?[..] {
        [rows, cols] if rows > 0 && cols > 0 => Ok((rows, cols)),
        ref shape => Err(NeuronaError::model_file(format!("has tensor '{name}' of shape {shape:?}, not a matrix"))),
    }
}

fn matrix<F: Float>(tensors: &safetensors::SafeTensors<'_>, name: &str, shape: (usize, usize)) -> Result<Array2<F>> {
    Array2::from_shape_vec(shape, read_tensor::<F>(tensors, name, &[shape.0, shape.1])?)
        .map_err(|e| NeuronaError::model_file(format!("has an unusable tensor '{name}' ({e})")))
}

impl<F: Float> ModelFile for BernoulliRbm<F> {
    const KIND: EstimatorKind = EstimatorKind::BernoulliRbm;

    fn to_bytes_with_extra(&self, extra: &Value) -> Result<Vec<u8>> {
        let state = self.state()?;
        let mut tensors = TensorSet::default();
        tensors.array("components", state.components.view());
        tensors.array("intercept_hidden", state.intercept_hidden.view());
        tensors.array("intercept_visible", state.intercept_visible.view());
        tensors.array("h_samples", state.h_samples.view());
        let stream = match &self.stream {
            None => Value::Null,
            Some(rng) => {
                let snapshot = rng.state();
                tensors.words(KEY_TENSOR, &snapshot.key);
                json!({
                    "pos": snapshot.pos,
                    "has_gauss": snapshot.has_gauss,
                    "cached_gaussian": float_json(snapshot.cached_gaussian),
                })
            }
        };
        let header = json!({
            "params": &self.params.to_json(),
            "state": {"random_state_": stream},
            "extra": extra,
        });
        write_model::<F>(Self::KIND, header, &tensors)
    }

    fn from_bytes_with_extra(bytes: &[u8]) -> Result<(Self, Value)> {
        let (header, tensors) = open_model::<F>(bytes, Self::KIND)?;
        let params = crate::params::from_model_file(&header["params"], RbmParams::check)?;
        let (k, p) = matrix_shape::<F>(&tensors, "components")?;
        let components = matrix::<F>(&tensors, "components", (k, p))?;
        let intercept_hidden = Array1::from(read_tensor::<F>(&tensors, "intercept_hidden", &[k])?);
        let intercept_visible = Array1::from(read_tensor::<F>(&tensors, "intercept_visible", &[p])?);
        let (chain, width) = matrix_shape::<F>(&tensors, "h_samples")?;
        if width != k {
            return Err(NeuronaError::model_file(format!(
                "has tensor 'h_samples' of shape [{chain}, {width}], but the machine has {k} hidden units"
            )));
        }
        let h_samples = matrix::<F>(&tensors, "h_samples", (chain, k))?;
        if let Some(i) = h_samples.iter().position(|&h| h != F::zero() && h != F::one()) {
            return Err(NeuronaError::model_file(format!(
                "has a hidden sample that is neither 0 nor 1 in tensor 'h_samples' at index {i}"
            )));
        }
        let s = &header["state"]["random_state_"];
        let stream = optional(s, |s| {
            let cached_gaussian = float_from(&s["cached_gaussian"], "cached_gaussian")?;
            if !cached_gaussian.is_finite() {
                return Err(bad("cached_gaussian", &s["cached_gaussian"]));
            }
            RandomState::from_state(
                &read_words(&tensors, KEY_TENSOR, KEY_WORDS)?,
                usize_from(&s["pos"], "pos")?,
                bool_from(&s["has_gauss"], "has_gauss")?,
                cached_gaussian,
            )
            .map_err(|e| NeuronaError::model_file(format!("has an invalid random_state_: {e}")))
        })?;
        let state = RbmState { components, intercept_hidden, intercept_visible, h_samples };
        Ok((Self { params, state: Some(state), stream }, extra_of(&header)))
    }
}
