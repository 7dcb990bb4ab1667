//! Hyperparameters from the Python layer's dict into the core's checked parameters.
//!
//! The Python classes validate every parameter with scikit-learn's own constraints first (so
//! errors are scikit-learn's `InvalidParameterError`), then pass plain values here: numbers,
//! booleans and the names the core parses (`"auto"` or `"32"` for `batch_size`, `"inf"` or
//! `"10"` for `n_iter_no_change`). The core's `check()` still applies every rule.

use neurona::prelude::*;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_py;

/// The checked hyperparameters in `dict` (every key of scikit-learn's `get_params()`, `loss`
/// included for the classifier, which ignores it).
pub(crate) fn from_dict(dict: &Bound<'_, PyDict>) -> PyResult<MlpValidParams> {
    let hidden: Vec<usize> = get!(dict, "hidden_layer_sizes");
    let activation: String = get!(dict, "activation");
    let solver: String = get!(dict, "solver");
    let batch_size: String = get!(dict, "batch_size");
    let learning_rate: String = get!(dict, "learning_rate");
    let n_iter_no_change: String = get!(dict, "n_iter_no_change");
    let loss: String = get!(dict, "loss");
    let random_state: Option<u32> = get!(dict, "random_state");
    let params = MlpParams::new()
        .hidden_layer_sizes(hidden)
        .activation(activation.parse().map_err(to_py)?)
        .solver(solver.parse().map_err(to_py)?)
        .alpha(get!(dict, "alpha"))
        .batch_size(batch_size.parse().map_err(to_py)?)
        .learning_rate(learning_rate.parse().map_err(to_py)?)
        .learning_rate_init(get!(dict, "learning_rate_init"))
        .power_t(get!(dict, "power_t"))
        .max_iter(get!(dict, "max_iter"))
        .shuffle(get!(dict, "shuffle"))
        .random_state_option(random_state)
        .tol(get!(dict, "tol"))
        .verbose(get!(dict, "verbose"))
        .warm_start(get!(dict, "warm_start"))
        .momentum(get!(dict, "momentum"))
        .nesterovs_momentum(get!(dict, "nesterovs_momentum"))
        .early_stopping(get!(dict, "early_stopping"))
        .validation_fraction(get!(dict, "validation_fraction"))
        .beta_1(get!(dict, "beta_1"))
        .beta_2(get!(dict, "beta_2"))
        .epsilon(get!(dict, "epsilon"))
        .n_iter_no_change(n_iter_no_change.parse().map_err(to_py)?)
        .max_fun(get!(dict, "max_fun"))
        .loss(loss.parse().map_err(to_py)?);
    params.check().map_err(to_py)
}
