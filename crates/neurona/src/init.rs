//! Glorot-uniform initialisation in scikit-learn's draw order.
//!
//! For each layer in order, `fan_in * fan_out` weights (row-major) then `fan_out` biases are
//! drawn from `uniform(-bound, bound)`, `bound = sqrt(factor / (fan_in + fan_out))`, where the
//! factor is 2 for logistic hidden units and 6 otherwise (Glorot & Bengio, 2010). The values are
//! drawn in float64 and rounded to the training type, so a seed gives scikit-learn's weights.

use crate::activation::Activation;
use crate::float::Float;
use crate::network::Layout;
use crate::rng::RandomState;

/// Fresh parameters for `layout` (weights first, then biases, see [`Layout`]).
pub fn glorot_uniform<F: Float>(layout: &Layout, hidden: Activation, rng: &mut RandomState) -> Vec<F> {
    let factor = if hidden == Activation::Logistic { 2.0 } else { 6.0 };
    let mut params = vec![F::zero(); layout.len()];
    for l in 0..layout.n_weight_layers() {
        let (fan_in, fan_out) = layout.fans(l);
        let bound = (factor / (fan_in + fan_out) as f64).sqrt();
        for range in [layout.coef_range(l), layout.intercept_range(l)] {
            for p in &mut params[range] {
                *p = F::from_f64(rng.uniform(-bound, bound));
            }
        }
    }
    params
}
