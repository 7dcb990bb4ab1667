//! The multilayer perceptron: forward propagation and back-propagation into the flat gradient.
//!
//! The objective for a batch of `n` rows with sample weights `s` (all 1 when none are given) and
//! `S = Σ s` is scikit-learn's: `loss = head.loss(y, P, s) + α/(2S) · ‖W‖²` over the weight
//! matrices only (biases are not penalised). Its gradient is computed exactly as scikit-learn's
//! `_backprop` does, including one known quirk kept for parity: for the squared error with
//! `K > 1` outputs the loss averages over outputs while the gradient sums over them, so the
//! gradient is `K` times the gradient of the reported loss (scikit-learn issue #8349).

use ndarray::{Array2, ArrayView2};

use crate::activation::Activation;
use crate::float::Float;
use crate::loss::OutputHead;
use crate::network::dense::{dense_backward, dense_forward};
use crate::network::{Layout, Workspace};

/// Rows per block when predicting: large enough for efficient products, small enough that the
/// buffers stay in cache-friendly sizes whatever the number of rows.
const PREDICT_BLOCK_ROWS: usize = 512;

/// A network's shape and non-linearities (its parameters live in a separate flat buffer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mlp {
    layout: Layout,
    hidden: Activation,
    head: OutputHead,
}

impl Mlp {
    /// A network with the given layout, hidden activation and output head.
    pub fn new(layout: Layout, hidden: Activation, head: OutputHead) -> Self {
        Self { layout, hidden, head }
    }

    /// Where each layer's parameters sit in the flat buffer.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The hidden activation.
    pub fn hidden(&self) -> Activation {
        self.hidden
    }

    /// The output head.
    pub fn head(&self) -> OutputHead {
        self.head
    }

    /// Number of inputs.
    pub fn n_features(&self) -> usize {
        self.layout.layer_units()[0]
    }

    /// Number of outputs.
    pub fn n_outputs(&self) -> usize {
        *self.layout.layer_units().last().expect("a network has an output layer")
    }

    /// Forward pass of `n` rows of `input: (n, n_features)`: every layer's output is kept in
    /// `workspace` for the backward pass; the network output is `workspace.output(n, K)`.
    pub fn forward<F: Float>(&self, params: &[F], input: &[F], n: usize, workspace: &mut Workspace<F>) {
        let last = self.layout.n_weight_layers() - 1;
        for l in 0..=last {
            let (done, rest) = workspace.activations.split_at_mut(l);
            let layer_input = if l == 0 { input } else { &done[l - 1][..] };
            let out = &mut rest[0];
            let fan_out = self.layout.fans(l).1;
            dense_forward(
                out,
                layer_input,
                &params[self.layout.coef_range(l)],
                &params[self.layout.intercept_range(l)],
                n,
            );
            let z = &mut out[..n * fan_out];
            if l == last {
                self.head.forward(z, fan_out);
            } else {
                self.hidden.forward(z);
            }
        }
    }

    /// Loss of the batch `input: (n, n_features)`, `y: (n, n_outputs)` and its gradient with
    /// respect to every parameter, written into `grad` (same layout as `params`).
    #[allow(clippy::too_many_arguments)]
    pub fn loss_and_gradient<F: Float>(
        &self,
        params: &[F],
        input: &[F],
        y: &[F],
        sample_weight: Option<&[F]>,
        n: usize,
        alpha: f64,
        workspace: &mut Workspace<F>,
        grad: &mut [F],
    ) -> f64 {
        self.forward(params, input, n, workspace);
        let n_outputs = self.n_outputs();
        let weights = &params[..self.layout.n_coefs()];
        let (sw_sum, sw_sum_f64) = match sample_weight {
            Some(sw) => {
                let sum = sw[..n].iter().fold(F::zero(), |acc, &w| acc + w);
                (sum, sum.as_f64())
            }
            None => (F::from_usize(n), n as f64),
        };
        let penalty: f64 = weights.iter().map(|&w| w.as_f64() * w.as_f64()).sum();
        let data_loss = self.head.loss(&y[..n * n_outputs], workspace.output(n, n_outputs), n_outputs, sample_weight);
        let loss = data_loss + 0.5 * alpha * penalty / sw_sum_f64;

        let last = self.layout.n_weight_layers() - 1;
        {
            let output = &workspace.activations[last][..n * n_outputs];
            let delta = &mut workspace.deltas[last][..n * n_outputs];
            self.head.output_delta(delta, output, &y[..n * n_outputs], n_outputs, sample_weight);
        }
        let alpha = F::from_f64(alpha);
        for l in (0..=last).rev() {
            let (fan_in, fan_out) = self.layout.fans(l);
            let (lower, upper) = workspace.deltas.split_at_mut(l);
            let d_output = &upper[0][..n * fan_out];
            let d_input = if l > 0 { Some(&mut lower[l - 1][..n * fan_in]) } else { None };
            let layer_input = if l == 0 { input } else { &workspace.activations[l - 1][..] };
            let coef_range = self.layout.coef_range(l);
            let (grad_coefs, grad_rest) = grad.split_at_mut(self.layout.n_coefs());
            let intercept_range = self.layout.intercept_range(l);
            let d_bias = &mut grad_rest
                [intercept_range.start - self.layout.n_coefs()..intercept_range.end - self.layout.n_coefs()];
            let d_weight = &mut grad_coefs[coef_range.clone()];
            let weight = &params[coef_range];
            dense_backward(d_input, d_weight, d_bias, d_output, &layer_input[..n * fan_in], weight, n);
            // Same operation order as scikit-learn: (Aᵀδ + αW) / S.
            d_weight.iter_mut().zip(weight).for_each(|(g, &w)| *g = (*g + alpha * w) / sw_sum);
            d_bias.iter_mut().for_each(|g| *g /= sw_sum);
            if l > 0 {
                self.hidden.backward(&mut lower[l - 1][..n * fan_in], &workspace.activations[l - 1][..n * fan_in]);
            }
        }
        loss
    }

    /// The network output for every row of `x: (n_samples, n_features)`, computed in blocks so
    /// that memory stays bounded whatever the number of rows.
    pub fn predict<F: Float>(&self, params: &[F], x: ArrayView2<'_, F>) -> Array2<F> {
        let n_outputs = self.n_outputs();
        let n_samples = x.nrows();
        let mut out = Array2::zeros((n_samples, n_outputs));
        if n_samples == 0 {
            return out;
        }
        let block = PREDICT_BLOCK_ROWS.min(n_samples);
        let mut workspace = Workspace::new(&self.layout, block);
        let contiguous = x.as_slice();
        let mut gathered = if contiguous.is_some() { Vec::new() } else { vec![F::zero(); block * x.ncols()] };
        let out_slice = out.as_slice_mut().expect("a fresh array is contiguous");
        for start in (0..n_samples).step_by(block) {
            let rows = block.min(n_samples - start);
            let input: &[F] = match contiguous {
                Some(all) => &all[start * x.ncols()..(start + rows) * x.ncols()],
                None => {
                    for (dst, src) in
                        gathered.chunks_exact_mut(x.ncols()).zip(x.rows().into_iter().skip(start).take(rows))
                    {
                        dst.iter_mut().zip(src.iter()).for_each(|(d, &s)| *d = s);
                    }
                    &gathered[..rows * x.ncols()]
                }
            };
            self.forward(params, input, rows, &mut workspace);
            out_slice[start * n_outputs..(start + rows) * n_outputs].copy_from_slice(workspace.output(rows, n_outputs));
        }
        out
    }
}
