//! The dense (fully connected) layer as a forward/backward pair.
//!
//! [`dense_forward`] and [`dense_backward`] are the plain pair (the product, the bias, the
//! gradients); the network runs [`dense_activation_forward`] and [`dense_activation_backward`],
//! which fold the activation and its derivative into the passes over the layer's output that
//! the bias needs anyway, and are tested against the plain pair followed by
//! [`Activation::forward`] and [`Activation::backward`]: same operations in the same order,
//! so the same bits.

use crate::activation::Activation;
use crate::float::Float;
use crate::linalg::{MatRef, matmul, with_avx2};

/// `out: (n, fan_out) = input: (n, fan_in) · weight: (fan_in, fan_out) + bias: (fan_out,)`.
pub fn dense_forward<F: Float>(out: &mut [F], input: &[F], weight: &[F], bias: &[F], n: usize) {
    let fan_in = weight.len() / bias.len().max(1);
    dense_activation_forward(out, MatRef::row_major(input, n, fan_in), weight, bias, Activation::Identity);
}

/// `out: (n, fan_out) = f(input: (n, fan_in) · weight: (fan_in, fan_out) + bias: (fan_out,))`:
/// the bias and the activation `f` in one pass over the product. `input` may be any view
/// (column-major X is read in place).
pub fn dense_activation_forward<F: Float>(
    out: &mut [F],
    input: MatRef<'_, F>,
    weight: &[F],
    bias: &[F],
    activation: Activation,
) {
    let (n, fan_in, fan_out) = (input.rows(), input.cols(), bias.len());
    matmul(out, input, MatRef::row_major(weight, fan_in, fan_out), false);
    activation.forward_with_bias(&mut out[..n * fan_out], bias);
}

/// Gradients of a dense layer for `n` rows:
/// `d_weight: (fan_in, fan_out) = input^T · d_output`, `d_bias: (fan_out,) = column sums of
/// d_output`, and, when asked for, `d_input: (n, fan_in) = d_output · weight^T`.
///
/// The raw sums: the caller scales them (by the sample-weight sum) and adds the L2 term.
pub fn dense_backward<F: Float>(
    d_input: Option<&mut [F]>,
    d_weight: &mut [F],
    d_bias: &mut [F],
    d_output: &[F],
    input: &[F],
    weight: &[F],
    n: usize,
) {
    let d_output = &d_output[..n * d_bias.len()];
    column_sums(d_bias, d_output);
    let fan_in = weight.len() / d_bias.len().max(1);
    let input = MatRef::row_major(input, n, fan_in);
    dense_activation_backward(d_input.map(|d| (d, None)), d_weight, d_output, input, weight, Activation::Identity);
}

/// The backward pass of a dense layer whose `input: (n, fan_in)` is the output of `activation`,
/// given `d_output: (n, fan_out)` (exactly `n` rows; its column sums, the layer's bias gradient,
/// come from elsewhere). `input` may be any view when `d_input` is not asked for (the first
/// layer), and is a row-major one otherwise (the layer below's output):
/// `d_weight: (fan_in, fan_out) = input^T · d_output` and, when asked for,
/// `d_input: (n, fan_in) = (d_output · weight^T) ⊙ activation'(input)`, the delta of the layer
/// below, with its own column sums (that layer's raw bias gradient, `(fan_in,)`) written in the
/// same pass as the derivative.
///
/// The raw sums: the caller scales them (by the sample-weight sum) and adds the L2 term.
#[allow(clippy::type_complexity)]
pub fn dense_activation_backward<F: Float>(
    d_input: Option<(&mut [F], Option<&mut [F]>)>,
    d_weight: &mut [F],
    d_output: &[F],
    input: MatRef<'_, F>,
    weight: &[F],
    activation: Activation,
) {
    let (n, fan_in) = (input.rows(), input.cols());
    if n == 0 {
        d_weight.fill(F::zero());
        return;
    }
    let fan_out = d_output.len() / n;
    let d_output_mat = MatRef::row_major(d_output, n, fan_out);
    matmul(d_weight, input.t(), d_output_mat, false);
    if let Some((d_input, d_bias_below)) = d_input {
        let input = input.as_row_major_slice().expect("the input of a layer with a delta below is row-major");
        let d_input = &mut d_input[..n * fan_in];
        matmul(d_input, d_output_mat, MatRef::row_major(weight, fan_in, fan_out).t(), false);
        match d_bias_below {
            Some(sums) => activation.backward_with_column_sums(d_input, input, sums),
            None => activation.backward(d_input, input),
        }
    }
}

/// `sums: (cols,)` = the column sums of `rows: (n, cols)`, row-major, adding the rows in order.
pub fn column_sums<F: Float>(sums: &mut [F], rows: &[F]) {
    column_sums_from(sums, rows, sums.len(), 0);
}

/// `sums` = the sums of the columns `first..first + sums.len()` of `rows: (n, width)`,
/// row-major, adding the rows in order: the same bits as those columns of [`column_sums`].
pub(crate) fn column_sums_from<F: Float>(sums: &mut [F], rows: &[F], width: usize, first: usize) {
    sums.fill(F::zero());
    with_avx2(
        #[inline(always)]
        || {
            for row in rows.chunks_exact(width.max(1)) {
                sums.iter_mut().zip(&row[first..]).for_each(|(s, &d)| *s += d);
            }
        },
    )
}
