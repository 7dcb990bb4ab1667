//! The dense (fully connected) layer as a forward/backward pair.

use crate::float::Float;
use crate::linalg::{MatRef, matmul};

/// `out: (n, fan_out) = input: (n, fan_in) · weight: (fan_in, fan_out) + bias: (fan_out,)`.
pub fn dense_forward<F: Float>(out: &mut [F], input: &[F], weight: &[F], bias: &[F], n: usize) {
    let fan_out = bias.len();
    let fan_in = weight.len() / fan_out.max(1);
    matmul(out, MatRef::row_major(input, n, fan_in), MatRef::row_major(weight, fan_in, fan_out), false);
    for row in out[..n * fan_out].chunks_exact_mut(fan_out) {
        row.iter_mut().zip(bias).for_each(|(o, &b)| *o += b);
    }
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
    let fan_out = d_bias.len();
    let fan_in = d_weight.len() / fan_out.max(1);
    let d_output_mat = MatRef::row_major(d_output, n, fan_out);
    matmul(d_weight, MatRef::row_major(input, n, fan_in).t(), d_output_mat, false);
    d_bias.fill(F::zero());
    for row in d_output[..n * fan_out].chunks_exact(fan_out) {
        d_bias.iter_mut().zip(row).for_each(|(b, &d)| *b += d);
    }
    if let Some(d_input) = d_input {
        matmul(d_input, d_output_mat, MatRef::row_major(weight, fan_in, fan_out).t(), false);
    }
}
