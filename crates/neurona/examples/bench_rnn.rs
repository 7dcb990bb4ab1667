//! neurona's side of the recurrent benchmark (`scripts/bench_rnn` runs it beside PyTorch's
//! `scripts/bench_rnn_torch.py` on the same workload and prints the table): seconds per training
//! epoch of the LSTM, GRU and Elman estimators.
//!
//! ```text
//! cargo run --release -p neurona --example bench_rnn -- [--cells lstm gru rnn] [--threads 1 2] [--repeat 3]
//! ```
//!
//! Workload (PyTorch's script has the same shapes, distribution and network; its noise comes from
//! numpy's generator, which changes no cost): 10,000 sequences x 50 steps x 8 features, float32,
//! normal noise from a fixed seed; label the sign of the first feature at the first step. One
//! recurrent layer of 64 units, its last state feeding the output layer; Adam (learning rate
//! 1e-3), batches of 64 in order (no shuffle). For each cell and thread count: one warm-up epoch,
//! then `--repeat` timed epochs (`partial_fit`, one epoch each, continuing the same model); the
//! best is reported, as the machine's speed wanders. One JSON line per cell and thread count.

use std::time::Instant;

use ndarray::Array3;
use neurona::prelude::*;

const N_SEQUENCES: usize = 10_000;
const N_STEPS: usize = 50;
const N_FEATURES: usize = 8;

fn data() -> Result<(SequenceSet<f32>, Vec<i64>)> {
    let mut rng = RandomState::new(0);
    let values = Array3::from_shape_fn((N_SEQUENCES, N_STEPS, N_FEATURES), |_| rng.normal(0.0, 1.0) as f32);
    let labels = (0..N_SEQUENCES).map(|i| i64::from(values[[i, 0, 0]] > 0.0)).collect();
    Ok((SequenceSet::from_array3(values.view(), SequenceLayout::StepsFeatures)?, labels))
}

/// The values after `flag` on the command line, up to the next flag.
fn list(args: &[String], flag: &str) -> Vec<String> {
    let start = args.iter().position(|a| a == flag).map(|i| i + 1);
    start.map_or_else(Vec::new, |s| args[s..].iter().take_while(|a| !a.starts_with("--")).cloned().collect())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let cells = list(&args, "--cells");
    let cells: Vec<Cell> = if cells.is_empty() {
        vec![Cell::Lstm, Cell::Gru, Cell::Rnn]
    } else {
        cells.iter().map(|c| c.parse()).collect::<Result<_>>()?
    };
    let threads: Vec<usize> = list(&args, "--threads").iter().filter_map(|t| t.parse().ok()).collect();
    let threads = if threads.is_empty() { vec![1, 2] } else { threads };
    let repeat: usize = list(&args, "--repeat").first().and_then(|r| r.parse().ok()).unwrap_or(3);
    let (x, y) = data()?;
    for &cell in &cells {
        for &n_threads in &threads {
            neurona::linalg::set_max_threads(Some(n_threads))?;
            let params = RnnParams::new()
                .cell(cell)
                .hidden_size(64)
                .batch_size(BatchSize::Fixed(64))
                .shuffle(false)
                .learning_rate_init(1e-3)
                .random_state(0)
                .check()?;
            let mut clf = RnnClassifier::<f32, i64>::new(params);
            clf.partial_fit(&x, &y, Some(&[0, 1]))?;
            let mut runs = Vec::with_capacity(repeat);
            for _ in 0..repeat {
                let start = Instant::now();
                clf.partial_fit(&x, &y, None)?;
                runs.push(start.elapsed().as_secs_f64());
            }
            let best = runs.iter().copied().fold(f64::INFINITY, f64::min);
            println!(
                "{{\"impl\": \"neurona\", \"cell\": \"{cell}\", \"threads\": {n_threads}, \"seconds_per_epoch\": {best:.4}, \"runs\": {runs:?}, \"warmup_epochs\": 1}}"
            );
        }
    }
    Ok(())
}
