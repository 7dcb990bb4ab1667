//! Finite-difference gradient checks (central differences, f64) of the back-propagation, for
//! every hidden activation and every output head, with `alpha > 0` and with sample weights.

use neurona::activation::Activation;
use neurona::linalg::MatRef;
use neurona::loss::OutputHead;
use neurona::network::{Batch, Layout, Mlp, Workspace};

/// Deterministic values in [-1, 1) (a tiny LCG: the checks need variety, not statistics).
fn values(len: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            2.0 * ((state >> 11) as f64 / (1u64 << 53) as f64) - 1.0
        })
        .collect()
}

/// Targets the head can take: one-hot rows for softmax, 0/1 for logistic, >= 0 for Poisson.
fn targets(head: OutputHead, n: usize, k: usize) -> Vec<f64> {
    let raw = values(n * k, 99);
    match head {
        OutputHead::LogLoss => (0..n * k).map(|i| f64::from(u8::from(i % k == (i / k) % k))).collect(),
        OutputHead::BinaryLogLoss => raw.iter().map(|v| f64::from(u8::from(*v > 0.0))).collect(),
        OutputHead::Poisson => raw.iter().map(|v| 2.0 * v.abs()).collect(),
        OutputHead::SquaredError => raw,
    }
}

/// Max relative difference between the analytic gradient and central differences of the loss,
/// scaled by `scale` (the analytic gradient divided by `scale` should be the loss's gradient).
fn check(hidden: Activation, head: OutputHead, n_outputs: usize, alpha: f64, weighted: bool, scale: f64) -> f64 {
    let (n, p) = (7, 4);
    let layout = Layout::new(vec![p, 5, 3, n_outputs]);
    let mlp = Mlp::new(layout.clone(), hidden, head);
    let params: Vec<f64> = values(layout.len(), 1).iter().map(|v| 0.8 * v).collect();
    let x = values(n * p, 2);
    let y = targets(head, n, n_outputs);
    let sw: Vec<f64> = values(n, 3).iter().map(|v| 0.5 + v.abs()).collect();
    let sample_weight = weighted.then_some(sw.as_slice());
    let mut ws = Workspace::new(&layout, n);
    let mut grad = vec![0.0; layout.len()];
    let batch = Batch::rows(MatRef::row_major(&x, n, p), &y).weighted(sample_weight);
    mlp.loss_and_gradient(&params, batch, alpha, &mut ws, &mut grad, None);
    let mut scratch = vec![0.0; layout.len()];
    let eps = 1e-5;
    let mut worst: f64 = 0.0;
    for i in 0..params.len() {
        let mut shifted = params.clone();
        shifted[i] = params[i] + eps;
        let plus = mlp.loss_and_gradient(&shifted, batch, alpha, &mut ws, &mut scratch, None);
        shifted[i] = params[i] - eps;
        let minus = mlp.loss_and_gradient(&shifted, batch, alpha, &mut ws, &mut scratch, None);
        let numeric = (plus - minus) / (2.0 * eps);
        let analytic = grad[i] / scale;
        worst = worst.max((analytic - numeric).abs() / numeric.abs().max(1e-3));
    }
    worst
}

#[test]
fn every_activation_and_output_head() {
    let heads = [
        (OutputHead::SquaredError, 1),
        (OutputHead::Poisson, 2),
        (OutputHead::BinaryLogLoss, 1),
        (OutputHead::BinaryLogLoss, 3),
        (OutputHead::LogLoss, 3),
    ];
    for hidden in Activation::ALL {
        for (head, k) in heads {
            for (alpha, weighted) in [(0.0, false), (0.1, false), (0.1, true)] {
                let error = check(hidden, head, k, alpha, weighted, 1.0);
                assert!(
                    error < 1e-6,
                    "{hidden} + {head} (K={k}, alpha={alpha}, weighted={weighted}): relative error {error}"
                );
            }
        }
    }
}

/// scikit-learn's squared error averages over outputs while its gradient sums over them
/// (issue #8349): kept for parity, so the gradient is exactly K times that of the loss.
#[test]
fn multi_output_squared_error_gradient_is_k_times_the_loss_gradient() {
    for hidden in Activation::ALL {
        let error = check(hidden, OutputHead::SquaredError, 3, 0.0, true, 3.0);
        assert!(error < 1e-6, "{hidden}: relative error {error}");
    }
}

/// Column-major X (an F-ordered array, which L-BFGS reads in place) must give the loss and
/// gradient of the same rows stored row by row.
#[test]
fn a_column_major_batch_gives_the_row_major_result() {
    let (n, p) = (9, 6);
    let layout = Layout::new(vec![p, 8, 3]);
    let mlp = Mlp::new(layout.clone(), Activation::Tanh, OutputHead::LogLoss);
    let params = values(layout.len(), 4);
    let x = values(n * p, 5);
    let x_transposed: Vec<f64> = (0..p * n).map(|i| x[(i % n) * p + i / n]).collect();
    let y = targets(OutputHead::LogLoss, n, 3);
    let mut ws = Workspace::new(&layout, n);
    let (mut grad_rows, mut grad_columns) = (vec![0.0; layout.len()], vec![0.0; layout.len()]);
    let by_rows = mlp.loss_and_gradient(
        &params,
        Batch::rows(MatRef::row_major(&x, n, p), &y),
        0.1,
        &mut ws,
        &mut grad_rows,
        None,
    );
    let by_columns = mlp.loss_and_gradient(
        &params,
        Batch::rows(MatRef::row_major(&x_transposed, p, n).t(), &y),
        0.1,
        &mut ws,
        &mut grad_columns,
        None,
    );
    assert!((by_rows - by_columns).abs() <= 1e-14 * by_rows.abs(), "loss {by_rows} vs {by_columns}");
    for (i, (a, b)) in grad_rows.iter().zip(&grad_columns).enumerate() {
        assert!((a - b).abs() <= 1e-13 * a.abs().max(1e-3), "gradient {i}: {a} vs {b}");
    }
}
