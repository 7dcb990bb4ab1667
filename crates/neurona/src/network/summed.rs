//! A data set's loss and gradient as sums over chunks of its rows, for a fit whose rows live
//! elsewhere (Dask workers, a stream of record batches): each chunk gives its unnormalised sums
//! ([`chunk_sums`]), the caller adds them in a fixed order, and
//! [`Mlp::finish_loss_and_gradient`] normalises and regularises them exactly as a fit in
//! memory does, whose own evaluation is one chunk of the whole set (the in-memory L-BFGS and
//! every minibatch go through [`Mlp::loss_and_gradient_sums`] too). One chunk thus gives the
//! in-memory model's bytes; several give the same bytes on any number of machines for a given
//! chunking, and differ from one chunk only by the rounding of the additions.

use ndarray::{ArrayView1, ArrayView2};

use crate::error::{NeuronaError, Result};
use crate::float::Float;
use crate::linalg::MatRef;
use crate::network::{Batch, Mlp, Workspace};

/// The sums of one chunk of rows beside its gradient sum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossSums {
    /// The weighted sum over rows and outputs of the loss terms (`OutputHead::loss_sum`).
    pub loss_sum: f64,
    /// The sum of the rows' sample weights (their number when unweighted).
    pub weight_sum: f64,
}

impl LossSums {
    /// Nothing summed yet.
    pub const ZERO: Self = Self { loss_sum: 0.0, weight_sum: 0.0 };

    /// Adds the sums of another chunk (the caller fixes the order of the additions).
    pub fn add(&mut self, other: Self) {
        self.loss_sum += other.loss_sum;
        self.weight_sum += other.weight_sum;
    }
}

/// The sums of the chunk `x: (n, n_features)`, `y: (n, n_outputs)` (the encoded targets the
/// network is trained on, in its float type) with optional `sample_weight: (n,)`, for the
/// network `mlp` at `params`; the gradient sum is written into `grad_sum` (the layout of
/// `params`). Everything is checked first: a chunk of no rows, wrong shapes, non-finite values
/// and parameter buffers of another length are errors naming the input.
pub fn chunk_sums<F: Float>(
    mlp: &Mlp,
    params: &[F],
    x: ArrayView2<'_, F>,
    y: ArrayView2<'_, F>,
    sample_weight: Option<ArrayView1<'_, F>>,
    grad_sum: &mut [F],
) -> Result<LossSums> {
    check_chunk(mlp, params, x, y, sample_weight, grad_sum.len())?;
    let n = x.nrows();
    let owned_x: Vec<F>;
    let input = match MatRef::from_array(&x) {
        Some(view) => view,
        None => {
            owned_x = x.iter().copied().collect();
            MatRef::row_major(&owned_x, n, x.ncols())
        }
    };
    let y = y.as_standard_layout();
    let targets = y.as_slice().expect("a standard-layout array is one slice");
    let weights = sample_weight.map(|sw| sw.to_vec());
    let mut workspace = Workspace::new(mlp.layout(), n);
    Ok(mlp.loss_and_gradient_sums(
        params,
        Batch::rows(input, targets).weighted(weights.as_deref()),
        &mut workspace,
        grad_sum,
        None,
    ))
}

/// The checks of [`chunk_sums`].
fn check_chunk<F: Float>(
    mlp: &Mlp,
    params: &[F],
    x: ArrayView2<'_, F>,
    y: ArrayView2<'_, F>,
    sample_weight: Option<ArrayView1<'_, F>>,
    grad_len: usize,
) -> Result<()> {
    let n_params = mlp.layout().len();
    if params.len() != n_params || grad_len != n_params {
        return Err(NeuronaError::input(
            "params",
            format!(
                "must hold the network's {n_params} parameters (and so must the gradient), got {} and {grad_len}",
                params.len()
            ),
        ));
    }
    let n = x.nrows();
    if n == 0 {
        return Err(NeuronaError::input("X", "a chunk has 0 rows; every chunk needs at least 1"));
    }
    if x.ncols() != mlp.n_features() {
        return Err(NeuronaError::input(
            "X",
            format!("a chunk has {} features, but the network has {} inputs", x.ncols(), mlp.n_features()),
        ));
    }
    if y.dim() != (n, mlp.n_outputs()) {
        return Err(NeuronaError::input(
            "y",
            format!("a chunk's targets have shape {:?}, expected ({n}, {})", y.dim(), mlp.n_outputs()),
        ));
    }
    crate::data::validate::check_finite("X", x)?;
    crate::data::validate::check_finite("y", y)?;
    if let Some(sw) = sample_weight {
        crate::data::validate::check_length("sample_weight", sw.len(), n)?;
        if let Some(i) = sw.iter().position(|w| !w.is_finite()) {
            return Err(NeuronaError::input("sample_weight", format!("contains {} at index {i}", sw[i])));
        }
    }
    Ok(())
}
