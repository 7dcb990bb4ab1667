//! The training set as the loop sees it, the early-stopping validation set taken from it, and
//! how that set is scored.

use ndarray::{Array2, ArrayView2};

use crate::data::labels::{TargetKind, argmax};
use crate::data::split::train_test_split_indices;
use crate::error::{NeuronaError, Result};
use crate::float::Float;
use crate::loss::OutputHead;
use crate::metrics::{r2_score, weighted_fraction};
use crate::network::Objective;
use crate::params::SolverParams;
use crate::rng::RandomState;

/// How a validation set is scored during early stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scorer {
    /// Classifier accuracy (subset accuracy for multi-label), from the binarised targets.
    Accuracy(TargetKind),
    /// Regressor R², uniform over outputs.
    R2,
}

impl Scorer {
    fn score<F: Float>(
        self,
        outputs: ArrayView2<'_, F>,
        targets: ArrayView2<'_, F>,
        sample_weight: Option<&[F]>,
    ) -> f64 {
        match self {
            Self::R2 => {
                if outputs.iter().any(|v| !v.is_finite()) {
                    return f64::NAN;
                }
                r2_score(targets, outputs, sample_weight)
            }
            Self::Accuracy(kind) => {
                let half = F::from_f64(0.5);
                let rows = outputs.rows().into_iter().zip(targets.rows());
                let correct = rows.map(|(out, target)| match kind {
                    TargetKind::Multiclass => argmax(out.iter().copied()) == argmax(target.iter().copied()),
                    TargetKind::Binary | TargetKind::Multilabel => {
                        out.iter().zip(target.iter()).all(|(&o, &t)| (o > half) == (t > half))
                    }
                });
                weighted_fraction(correct, sample_weight)
            }
        }
    }
}

/// An estimator's training data after validation, before the loop lays it out: X (a matrix,
/// or a set of sequences), the 2-D targets, the weights (one per sample or sequence), and
/// how the network's head, the early-stopping score and split follow from the targets.
pub(crate) struct TrainingData<X, F> {
    pub x: X,
    pub y: Array2<F>,
    pub sample_weight: Option<Vec<F>>,
    pub head: OutputHead,
    pub scorer: Scorer,
    /// Whether the early-stopping split is stratified (binary classification only).
    pub stratify: bool,
}

impl<X, F> TrainingData<X, F> {
    /// A network classifier's data: the head, the score and the split follow from the kind of
    /// target.
    pub fn classification(x: X, y: Array2<F>, sample_weight: Option<Vec<F>>, kind: TargetKind) -> Self {
        let head = OutputHead::for_classes(kind);
        Self { x, y, sample_weight, head, scorer: Scorer::Accuracy(kind), stratify: kind == TargetKind::Binary }
    }
}

/// The training data after validation, as the loop reads it.
#[derive(Clone, Copy)]
pub(crate) struct TrainingSet<'a, F> {
    /// `(n_samples, n_features)`, any layout.
    pub x: ArrayView2<'a, F>,
    /// The targets, `(n_samples, n_outputs)` row-major (the full-batch solver reads them as one
    /// slice).
    pub y: &'a Array2<F>,
    pub sample_weight: Option<&'a [F]>,
    pub scorer: Scorer,
    /// Whether the early-stopping split is stratified (binary classification only).
    pub stratify: bool,
    /// For sequences: each row of `x` is a sequence padded to `t_max` steps.
    pub sequences: Option<SequenceRows<'a>>,
}

/// How the rows of a training set of sequences are laid out: row `i` of X holds `t_max` steps of
/// `x.ncols() / t_max` features, of which the first `lengths[i]` are the sequence's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SequenceRows<'a> {
    pub lengths: &'a [usize],
    pub t_max: usize,
    /// Whether the targets are per step: each row of Y is then `t_max` blocks of the outputs,
    /// of which only the first `lengths[i]` count.
    pub per_step: bool,
}

/// The rows held out for early stopping. They stay in X, read by index; only their targets and
/// weights are gathered.
pub(crate) struct ValidationSet<F> {
    rows: Vec<usize>,
    y: Array2<F>,
    sample_weight: Option<Vec<F>>,
}

impl<F: Float> ValidationSet<F> {
    /// The score of the network with `params` on these rows.
    pub fn score<N: Objective<F>>(&self, network: &N, params: &[F], data: &TrainingSet<'_, F>) -> f64 {
        let lengths = data.sequences.map(|s| s.lengths);
        let outputs = network.outputs(params, data.x, lengths, &self.rows);
        match data.sequences {
            Some(sequences) if sequences.per_step => self.score_steps(outputs, data.scorer, sequences),
            _ => data.scorer.score(outputs.view(), self.y.view(), self.sample_weight.as_deref()),
        }
    }

    /// The score of per-step outputs: every step of every sequence a row, weighted by its
    /// sequence's weight, and the padded steps weighing 0 (so that they count for nothing).
    fn score_steps(&self, outputs: Array2<F>, scorer: Scorer, sequences: SequenceRows<'_>) -> f64 {
        let t_max = sequences.t_max;
        let k = self.y.ncols() / t_max.max(1);
        let as_steps = |a: Array2<F>| a.into_shape_with_order((self.rows.len() * t_max, k));
        let (Ok(outputs), Ok(y)) = (as_steps(outputs), as_steps(self.y.clone())) else {
            return f64::NAN;
        };
        let weights: Vec<F> = self
            .rows
            .iter()
            .enumerate()
            .flat_map(|(i, &row)| {
                let w = self.sample_weight.as_ref().map_or(F::one(), |sw| sw[i]);
                (0..t_max).map(move |t| if t < sequences.lengths[row] { w } else { F::zero() })
            })
            .collect();
        scorer.score(outputs.view(), y.view(), Some(&weights))
    }
}

/// The rows of X to train on, in the order scikit-learn's `X_train` has them, and with early
/// stopping the validation set (scikit-learn's `train_test_split`, stratified for a binary
/// classifier).
pub(crate) fn split_validation<F: Float>(
    data: &TrainingSet<'_, F>,
    solver: &SolverParams,
    rng: &mut RandomState,
) -> Result<(Vec<usize>, Option<ValidationSet<F>>)> {
    let n_total = data.x.nrows();
    if !solver.early_stopping {
        return Ok(((0..n_total).collect(), None));
    }
    let stratify: Option<Vec<bool>> = (data.stratify && data.sequences.is_none_or(|s| !s.per_step))
        .then(|| data.y.column(0).iter().map(|&v| v > F::from_f64(0.5)).collect());
    let split = train_test_split_indices(n_total, solver.validation_fraction, stratify.as_deref(), rng)?;
    if split.test.len() < 2 {
        return Err(NeuronaError::input(
            "X",
            format!(
                "gives a validation set of {} sample(s), too small for early stopping (at least 2): The validation set is too small. Increase 'validation_fraction' ({}) or the size of your dataset ({} samples).",
                split.test.len(),
                solver.validation_fraction,
                n_total
            ),
        ));
    }
    let y = data.y.select(ndarray::Axis(0), &split.test);
    let sample_weight = data.sample_weight.map(|sw| split.test.iter().map(|&i| sw[i]).collect());
    Ok((split.train, Some(ValidationSet { rows: split.test, y, sample_weight })))
}
