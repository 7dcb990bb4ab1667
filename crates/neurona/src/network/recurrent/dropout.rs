//! PyTorch's dropout between stacked layers: in training, the outputs of every layer but the
//! last are multiplied by a mask that keeps each value with probability `1 - p`, scaled by
//! `1 / (1 - p)` so that their expectation is unchanged.

use crate::error::{NeuronaError, Result};
use crate::float::Float;
use crate::network::recurrent::shape::RecurrentShape;
use crate::rng::RandomState;

/// The dropout masks of one batch: `(num_layers - 1, n, t_max, D·H)`, each value `0` or
/// `1 / (1 - p)`.
///
/// PyTorch draws its masks from its own generator, so a neurona fit with dropout does not
/// reproduce PyTorch's; it reproduces itself for a seed. One `next_u32()` is drawn per value
/// (dropped if below `p · 2^32`), in the buffer's order, padding included, so that the draws
/// do not depend on the lengths; a one-layer stack draws nothing.
#[derive(Debug, Clone)]
pub struct DropoutMasks<F> {
    p: f64,
    n: usize,
    t_max: usize,
    width: usize,
    layers: usize,
    values: Vec<F>,
}

impl<F: Float> DropoutMasks<F> {
    /// Draws the masks of a batch of `n` sequences of `t_max` steps for `shape`, dropping with
    /// probability `p`.
    ///
    /// # Errors
    /// [`NeuronaError::InvalidParameter`] if `p` is not in `[0, 1]`.
    pub fn draw(shape: &RecurrentShape, n: usize, t_max: usize, p: f64, rng: &mut RandomState) -> Result<Self> {
        let mut masks = Self { p, n: 0, t_max: 0, width: 0, layers: 0, values: Vec::new() };
        masks.redraw(shape, n, t_max, p, rng)?;
        Ok(masks)
    }

    /// Draws new masks into these buffers (no allocation unless the batch is larger than any
    /// before).
    ///
    /// # Errors
    /// [`NeuronaError::InvalidParameter`] if `p` is not in `[0, 1]`.
    pub fn redraw(
        &mut self,
        shape: &RecurrentShape,
        n: usize,
        t_max: usize,
        p: f64,
        rng: &mut RandomState,
    ) -> Result<()> {
        if !(0.0..=1.0).contains(&p) {
            return Err(NeuronaError::parameter("dropout", "a probability in [0, 1]", p));
        }
        self.p = p;
        self.n = n;
        self.t_max = t_max;
        self.width = shape.output_size();
        self.layers = shape.num_layers.saturating_sub(1);
        let len = self.layers * n * t_max * self.width;
        if self.values.len() < len {
            self.values.resize(len, F::zero());
        }
        // p = 1 keeps nothing, as PyTorch's dropout does, instead of scaling by infinity.
        let kept = if p < 1.0 { F::from_f64(1.0 / (1.0 - p)) } else { F::zero() };
        // One 32-bit word per value rather than a double's two: a two-layer stack draws one
        // value per unit, step and sequence of every batch, and the stream's words are the cost.
        let threshold = (p * 4_294_967_296.0) as u64;
        for v in &mut self.values[..len] {
            *v = if u64::from(rng.next_u32()) < threshold { F::zero() } else { kept };
        }
        Ok(())
    }

    /// The dropout probability.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// The batch size and padded steps the masks were drawn for.
    pub fn batch(&self) -> (usize, usize) {
        (self.n, self.t_max)
    }

    /// Whether the masks fit a batch of `n` sequences of `t_max` steps for `shape`.
    pub(super) fn fits(&self, shape: &RecurrentShape, n: usize, t_max: usize) -> bool {
        self.n == n
            && self.t_max == t_max
            && self.width == shape.output_size()
            && self.layers == shape.num_layers.saturating_sub(1)
    }

    /// The mask of layer `layer`'s output for sequence `seq` at step `t`: `(D·H,)`.
    pub(super) fn mask(&self, layer: usize, seq: usize, t: usize) -> &[F] {
        let start = ((layer * self.n + seq) * self.t_max + t) * self.width;
        &self.values[start..start + self.width]
    }
}
