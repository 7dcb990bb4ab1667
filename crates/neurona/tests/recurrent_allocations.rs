//! A recurrent forward and backward pass allocates nothing once its workspace exists (dropout
//! masks redrawn included): every buffer lives in the `RecurrentWorkspace`. Counted with a
//! global allocator that sees every thread (`common/counting.rs`), on one thread; the GEMM packs
//! into buffers its thread keeps (`linalg/gemm.rs`).

use neurona::linalg::with_max_threads;
use neurona::network::recurrent::{
    self, Cell, DropoutMasks, Nonlinearity, RecurrentShape, RecurrentWorkspace, Sequences,
};
use neurona::rng::RandomState;

#[path = "common/counting.rs"]
mod counting;

use counting::count;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

fn main() {
    with_max_threads(Some(1), || {
        // Every cell, one direction and two (2-wide inputs above the first layer).
        let cases = Cell::ALL.into_iter().flat_map(|c| [(c, false), (c, true)]);
        for (cell, bidirectional) in cases {
            let shape = RecurrentShape {
                cell,
                nonlinearity: Nonlinearity::Tanh,
                input_size: 1,
                hidden_size: 1,
                num_layers: 2,
                bidirectional,
            };
            let mut rng = RandomState::new(0);
            let params: Vec<f64> = shape.init(&mut rng);
            let (n, t_max) = (5, 6);
            let x: Vec<f64> = (0..n * t_max).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let d_out: Vec<f64> = (0..n * t_max * 2).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let d_h_n = vec![0.5; 4 * n];
            let mut grad = vec![0.0; params.len()];
            let mut d_input = vec![0.0; x.len()];
            let mut masks = DropoutMasks::draw(&shape, n, t_max, 0.2, &mut rng).unwrap();
            let mut ws = RecurrentWorkspace::new(&shape, n, t_max);
            let mut pass = |lengths: &[usize], ws: &mut RecurrentWorkspace<f64>, rng: &mut RandomState| {
                let rows = lengths.len();
                masks.redraw(&shape, rows, t_max, 0.2, rng).unwrap();
                let seqs = Sequences { values: &x[..rows * t_max], lengths, t_max };
                recurrent::forward(&shape, &params, seqs, Some(&masks), ws).unwrap();
                recurrent::backward(
                    &shape,
                    &params,
                    seqs,
                    Some(&masks),
                    ws,
                    Some(&d_out[..rows * t_max * shape.output_size()]),
                    Some(&d_h_n[..2 * shape.directions() * rows]),
                    None,
                    &mut grad,
                    Some(&mut d_input[..rows * t_max]),
                )
                .unwrap();
            };
            // The first pass with dropout sizes the dropout buffers.
            pass(&[6, 2, 5, 1, 3], &mut ws, &mut rng);
            let allocations = count(|| {
                pass(&[6, 6, 1, 4, 2], &mut ws, &mut rng);
                pass(&[3, 1], &mut ws, &mut rng);
            });
            assert_eq!(allocations, 0, "{cell} bidirectional {bidirectional}");
        }
    })
    .unwrap();
    println!("recurrent_allocations: passes on a reused workspace allocate nothing");
}
