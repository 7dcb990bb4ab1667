//! Sequences of unequal lengths, packed as PyTorch packs them: the batch ordered by
//! decreasing length, so that the sequences still running at step `t` are a prefix of it, and
//! the steps laid end to end, step `t` holding one row per running sequence. A step's
//! recurrent product then runs on exactly the running sequences, and padding never enters any
//! computation.

use crate::error::{NeuronaError, Result};
use crate::float::Float;

/// A batch of `n` sequences padded to `t_max` steps.
#[derive(Debug, Clone, Copy)]
pub struct Sequences<'a, F> {
    /// `(n, t_max, input_size)` row-major; the steps past a sequence's length are padding,
    /// never read.
    pub values: &'a [F],
    /// The length of each sequence, each in `1..=t_max`.
    pub lengths: &'a [usize],
    /// The padded number of steps.
    pub t_max: usize,
}

impl<F> Sequences<'_, F> {
    /// The number of sequences.
    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    /// Whether the batch holds no sequence.
    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// Checks the values' size against `input_size` and every length against `t_max`.
    pub(super) fn check(&self, input_size: usize) -> Result<()> {
        let expected = self.lengths.len().checked_mul(self.t_max).and_then(|v| v.checked_mul(input_size));
        if expected != Some(self.values.len()) {
            return Err(NeuronaError::input(
                "sequences",
                format!(
                    "{} values for {} sequences of {} steps of {} features: expected {}",
                    self.values.len(),
                    self.lengths.len(),
                    self.t_max,
                    input_size,
                    expected.map_or_else(|| "more than memory holds".to_owned(), |e| e.to_string())
                ),
            ));
        }
        if let Some((i, &len)) = self.lengths.iter().enumerate().find(|&(_, &len)| len == 0 || len > self.t_max) {
            return Err(NeuronaError::input(
                "lengths",
                format!("sequence {i} has length {len}; every length must be in 1..={}", self.t_max),
            ));
        }
        Ok(())
    }
}

/// The packed order of a batch: buffers reused from batch to batch.
#[derive(Debug, Clone, Default)]
pub(super) struct Packing {
    /// The number of sequences.
    pub n: usize,
    /// The padded number of steps.
    pub t_max: usize,
    /// The longest length: steps past it hold no row.
    pub steps: usize,
    /// The lengths as given.
    pub lengths: Vec<usize>,
    /// `order[j]`: the sequence at position `j` of the packed order (decreasing length, ties
    /// in the given order).
    pub order: Vec<usize>,
    /// `active[t]`: how many sequences run at step `t` (`t_max + 1` entries, the last 0).
    pub active: Vec<usize>,
    /// `offsets[t]`: the packed row of position 0 at step `t` (`t_max + 1` entries).
    pub offsets: Vec<usize>,
    /// Counting sort's next free position per length.
    next: Vec<usize>,
}

impl Packing {
    /// Orders the batch of `lengths` (each in `1..=t_max`, checked) by a stable counting sort:
    /// no allocation once the buffers are large enough.
    pub fn pack(&mut self, lengths: &[usize], t_max: usize) {
        let n = lengths.len();
        self.n = n;
        self.t_max = t_max;
        self.lengths.clear();
        self.lengths.extend_from_slice(lengths);
        // `active[t]` counts the lengths above `t`: count each length, then sum from the top.
        self.active.clear();
        self.active.resize(t_max + 1, 0);
        for &len in lengths {
            self.active[len - 1] += 1;
        }
        for t in (0..t_max).rev() {
            self.active[t] += self.active[t + 1];
        }
        self.steps = self.active.iter().take_while(|&&a| a > 0).count();
        self.offsets.clear();
        self.offsets.push(0);
        for t in 0..t_max {
            let last = self.offsets[t];
            self.offsets.push(last + self.active[t]);
        }
        // The sequences of length `len` start right after the `active[len]` longer ones.
        self.next.clear();
        self.next.extend_from_slice(&self.active);
        self.order.clear();
        self.order.resize(n, 0);
        for (i, &len) in lengths.iter().enumerate() {
            self.order[self.next[len]] = i;
            self.next[len] += 1;
        }
    }

    /// The number of packed rows: the sum of the lengths.
    pub fn rows(&self) -> usize {
        self.offsets[self.t_max]
    }

    /// The packed row of position `j`'s last step.
    pub fn last_row(&self, j: usize) -> usize {
        self.offsets[self.lengths[self.order[j]] - 1] + j
    }

    /// Copies `padded: (n, t_max, width)` into `packed: (rows, width)`.
    pub fn gather<F: Float>(&self, packed: &mut [F], padded: &[F], width: usize) {
        for t in 0..self.steps {
            for (j, &seq) in self.order[..self.active[t]].iter().enumerate() {
                let from = (seq * self.t_max + t) * width;
                let to = (self.offsets[t] + j) * width;
                packed[to..to + width].copy_from_slice(&padded[from..from + width]);
            }
        }
    }

    /// Copies `packed: (rows, width)` into `padded: (n, t_max, width)`, with zeros in the
    /// padding.
    pub fn scatter<F: Float>(&self, padded: &mut [F], packed: &[F], width: usize) {
        padded[..self.n * self.t_max * width].fill(F::zero());
        for t in 0..self.steps {
            for (j, &seq) in self.order[..self.active[t]].iter().enumerate() {
                let from = (self.offsets[t] + j) * width;
                let to = (seq * self.t_max + t) * width;
                padded[to..to + width].copy_from_slice(&packed[from..from + width]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_orders_by_decreasing_length_stably() {
        let mut packing = Packing::default();
        packing.pack(&[2, 5, 2, 4, 5], 6);
        assert_eq!(packing.order, vec![1, 4, 3, 0, 2]);
        assert_eq!(packing.active, vec![5, 5, 3, 3, 2, 0, 0]);
        assert_eq!(packing.steps, 5);
        assert_eq!(packing.rows(), 18);
        assert_eq!(packing.offsets, vec![0, 5, 10, 13, 16, 18, 18]);
        assert_eq!(packing.last_row(0), 16);
        assert_eq!(packing.last_row(3), 5 + 3);
        let padded: Vec<f64> = (0..5 * 6).map(f64::from).collect();
        let mut packed = vec![0.0; 18];
        packing.gather(&mut packed, &padded, 1);
        assert_eq!(&packed[..5], &[6.0, 24.0, 18.0, 0.0, 12.0]);
        let mut back = vec![-1.0; 30];
        packing.scatter(&mut back, &packed, 1);
        let lengths = [2, 5, 2, 4, 5];
        for (i, v) in back.iter().enumerate() {
            let expected = if i % 6 < lengths[i / 6] { padded[i] } else { 0.0 };
            assert_eq!(*v, expected);
        }
    }
}
