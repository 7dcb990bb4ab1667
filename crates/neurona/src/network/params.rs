//! The layout of the one flat parameter buffer.
//!
//! All weight matrices come first, each row-major `(fan_in, fan_out)`, then all bias vectors:
//! scikit-learn's packing for L-BFGS (`_pack`). Optimizers see only the flat slice, the L2
//! penalty is a dot product over the leading weights, and L-BFGS needs no packing step.

use std::ops::Range;

/// Where each layer's weights and biases sit in the flat parameter buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    layer_units: Vec<usize>,
    coef_starts: Vec<usize>,
    intercept_starts: Vec<usize>,
    n_coefs: usize,
    len: usize,
}

impl Layout {
    /// The layout for `layer_units = [n_features, hidden..., n_outputs]` (at least two entries).
    pub fn new(layer_units: Vec<usize>) -> Self {
        debug_assert!(layer_units.len() >= 2, "a network has an input and an output layer");
        let pairs: Vec<(usize, usize)> = layer_units.windows(2).map(|w| (w[0], w[1])).collect();
        let mut coef_starts = Vec::with_capacity(pairs.len());
        let mut next = 0;
        for &(fan_in, fan_out) in &pairs {
            coef_starts.push(next);
            next += fan_in * fan_out;
        }
        let n_coefs = next;
        let mut intercept_starts = Vec::with_capacity(pairs.len());
        for &(_, fan_out) in &pairs {
            intercept_starts.push(next);
            next += fan_out;
        }
        Self { layer_units, coef_starts, intercept_starts, n_coefs, len: next }
    }

    /// Units per layer, input and output included (`n_layers_` entries).
    pub fn layer_units(&self) -> &[usize] {
        &self.layer_units
    }

    /// Number of weight layers (`n_layers_ - 1`).
    pub fn n_weight_layers(&self) -> usize {
        self.layer_units.len() - 1
    }

    /// `(fan_in, fan_out)` of weight layer `l`.
    pub fn fans(&self, l: usize) -> (usize, usize) {
        (self.layer_units[l], self.layer_units[l + 1])
    }

    /// The range of weight matrix `l`, row-major `(fan_in, fan_out)`.
    pub fn coef_range(&self, l: usize) -> Range<usize> {
        let (fan_in, fan_out) = self.fans(l);
        self.coef_starts[l]..self.coef_starts[l] + fan_in * fan_out
    }

    /// The range of bias vector `l`, `(fan_out,)`.
    pub fn intercept_range(&self, l: usize) -> Range<usize> {
        self.intercept_starts[l]..self.intercept_starts[l] + self.layer_units[l + 1]
    }

    /// Number of weights (the penalised part, at the front of the buffer).
    pub fn n_coefs(&self) -> usize {
        self.n_coefs
    }

    /// Total number of parameters.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the network has no parameters at all (never true for a built network).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The widest layer, which sizes the workspace.
    pub fn widest(&self) -> usize {
        self.layer_units.iter().copied().max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_first_then_biases() {
        let layout = Layout::new(vec![3, 4, 2]);
        assert_eq!(layout.coef_range(0), 0..12);
        assert_eq!(layout.coef_range(1), 12..20);
        assert_eq!(layout.intercept_range(0), 20..24);
        assert_eq!(layout.intercept_range(1), 24..26);
        assert_eq!((layout.n_coefs(), layout.len()), (20, 26));
    }
}
