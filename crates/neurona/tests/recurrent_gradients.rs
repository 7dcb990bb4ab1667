//! Finite-difference gradient checks (central differences, f64) of back-propagation through
//! time, for every cell, one and two layers, one and two directions, sequences of unequal
//! lengths; that padding changes nothing; that a reused workspace and the thread count change
//! no bit; and `clip_grad_norm` against its definition.

use neurona::linalg::with_max_threads;
use neurona::network::recurrent::{
    self, Cell, DropoutMasks, Nonlinearity, RecurrentShape, RecurrentWorkspace, Sequences, clip_grad_norm,
    last_states_gradient,
};
use neurona::rng::RandomState;

/// Values uniform in [-1, 1) from a seeded stream.
fn values(len: usize, seed: u32) -> Vec<f64> {
    let mut rng = RandomState::new(seed);
    (0..len).map(|_| rng.uniform(-1.0, 1.0)).collect()
}

const LENGTHS: [usize; 4] = [3, 5, 1, 4];
const T_MAX: usize = 6;

fn shape(cell: Cell, nonlinearity: Nonlinearity, num_layers: usize, bidirectional: bool) -> RecurrentShape {
    RecurrentShape { cell, nonlinearity, input_size: 2, hidden_size: 3, num_layers, bidirectional }
}

fn every_shape() -> Vec<RecurrentShape> {
    let cells = [
        (Cell::Rnn, Nonlinearity::Tanh),
        (Cell::Rnn, Nonlinearity::Relu),
        (Cell::Lstm, Nonlinearity::Tanh),
        (Cell::Gru, Nonlinearity::Tanh),
    ];
    let mut shapes = Vec::new();
    for (cell, nonlinearity) in cells {
        for layers in [1, 2] {
            for bidirectional in [false, true] {
                shapes.push(shape(cell, nonlinearity, layers, bidirectional));
            }
        }
    }
    shapes
}

/// The loss `sum(outputs·w_out) + sum(h_n·w_h) + sum(c_n·w_c)` and its weights.
struct Problem {
    shape: RecurrentShape,
    x: Vec<f64>,
    w_out: Vec<f64>,
    w_h: Vec<f64>,
    w_c: Vec<f64>,
    masks: Option<DropoutMasks<f64>>,
}

impl Problem {
    fn new(shape: RecurrentShape, dropout: f64) -> Self {
        let n = LENGTHS.len();
        let states = shape.num_layers * shape.directions() * n * shape.hidden_size;
        let masks =
            (dropout > 0.0).then(|| DropoutMasks::draw(&shape, n, T_MAX, dropout, &mut RandomState::new(5)).unwrap());
        Self {
            shape,
            x: values(n * T_MAX * shape.input_size, 2),
            // Every entry random, the padded ones too: they must not matter.
            w_out: values(n * T_MAX * shape.output_size(), 3),
            w_h: values(states, 4),
            w_c: values(states, 6),
            masks,
        }
    }

    fn seqs<'a>(&self, x: &'a [f64]) -> Sequences<'a, f64> {
        Sequences { values: x, lengths: &LENGTHS, t_max: T_MAX }
    }

    fn loss(&self, params: &[f64], x: &[f64]) -> f64 {
        let mut ws = RecurrentWorkspace::new(&self.shape, LENGTHS.len(), T_MAX);
        recurrent::forward(&self.shape, params, self.seqs(x), self.masks.as_ref(), &mut ws).unwrap();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let cells = ws.final_cell().map_or(0.0, |c| dot(c, &self.w_c));
        dot(ws.outputs(), &self.w_out) + dot(ws.final_hidden(), &self.w_h) + cells
    }

    /// The analytic gradients with respect to the parameters and the input.
    fn gradients(&self, params: &[f64], x: &[f64], ws: &mut RecurrentWorkspace<f64>) -> (Vec<f64>, Vec<f64>) {
        let mut grad = vec![f64::NAN; params.len()];
        let mut d_input = vec![f64::NAN; x.len()];
        let masks = self.masks.as_ref();
        recurrent::forward(&self.shape, params, self.seqs(x), masks, ws).unwrap();
        let d_c = (self.shape.cell == Cell::Lstm).then_some(self.w_c.as_slice());
        recurrent::backward(
            &self.shape,
            params,
            self.seqs(x),
            masks,
            ws,
            Some(&self.w_out),
            Some(&self.w_h),
            d_c,
            &mut grad,
            Some(&mut d_input),
        )
        .unwrap();
        (grad, d_input)
    }
}

/// Central differences of `f` at `point`, coordinate by coordinate.
fn numeric(point: &[f64], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let eps = 1e-5;
    let mut moved = point.to_vec();
    (0..point.len())
        .map(|i| {
            moved[i] = point[i] + eps;
            let up = f(&moved);
            moved[i] = point[i] - eps;
            let down = f(&moved);
            moved[i] = point[i];
            (up - down) / (2.0 * eps)
        })
        .collect()
}

/// The largest `|a - n| / max(|a|, |n|, 1e-3)`: relative, but absolute for values below 1e-3,
/// where the differences' rounding (about 1e-10) would dominate.
fn relative_error(analytic: &[f64], numeric: &[f64]) -> f64 {
    assert_eq!(analytic.len(), numeric.len());
    analytic.iter().zip(numeric).map(|(a, n)| (a - n).abs() / a.abs().max(n.abs()).max(1e-3)).fold(0.0, f64::max)
}

fn check(problem: &Problem) {
    let s = problem.shape;
    let params: Vec<f64> = values(s.n_params(), 1).iter().map(|v| 0.7 * v).collect();
    let mut ws = RecurrentWorkspace::new(&s, 1, 1);
    let (grad, d_input) = problem.gradients(&params, &problem.x, &mut ws);
    let numeric_grad = numeric(&params, |p| problem.loss(p, &problem.x));
    let numeric_input = numeric(&problem.x, |x| problem.loss(&params, x));
    let (e_params, e_input) = (relative_error(&grad, &numeric_grad), relative_error(&d_input, &numeric_input));
    let name = format!("{s:?} dropout {}", problem.masks.is_some());
    assert!(e_params < 1e-6, "{name}: parameters' gradient off by {e_params:e}");
    assert!(e_input < 1e-6, "{name}: input's gradient off by {e_input:e}");
    // Padded steps get exactly zero.
    for (i, &d) in d_input.iter().enumerate() {
        let (seq, t) = (i / (T_MAX * s.input_size), i / s.input_size % T_MAX);
        if t >= LENGTHS[seq] {
            assert_eq!(d, 0.0, "{name}: padded input {i}");
        }
    }
}

#[test]
fn backpropagation_through_time_matches_central_differences() {
    for s in every_shape() {
        check(&Problem::new(s, 0.0));
    }
}

#[test]
fn gradients_with_dropout_masks_match_central_differences() {
    for cell in Cell::ALL {
        check(&Problem::new(shape(cell, Nonlinearity::Tanh, 3, true), 0.3));
    }
}

#[test]
fn the_gradient_of_a_loss_on_the_last_states_goes_through_the_final_states() {
    for s in every_shape() {
        let problem = Problem::new(s, 0.0);
        let n = LENGTHS.len();
        let w_last = values(n * s.output_size(), 9);
        let params: Vec<f64> = values(s.n_params(), 1).iter().map(|v| 0.7 * v).collect();
        let mut ws = RecurrentWorkspace::new(&s, n, T_MAX);
        let loss = |p: &[f64], ws: &mut RecurrentWorkspace<f64>| {
            recurrent::forward(&s, p, problem.seqs(&problem.x), None, ws).unwrap();
            ws.last_states().iter().zip(&w_last).map(|(a, b)| a * b).sum::<f64>()
        };
        loss(&params, &mut ws);
        let mut d_h_n = vec![f64::NAN; s.num_layers * s.directions() * n * s.hidden_size];
        last_states_gradient(&s, &w_last, &mut d_h_n).unwrap();
        let mut grad = vec![0.0; params.len()];
        let seqs = problem.seqs(&problem.x);
        recurrent::backward(&s, &params, seqs, None, &mut ws, None, Some(&d_h_n), None, &mut grad, None).unwrap();
        let numeric_grad = numeric(&params, |p| loss(p, &mut RecurrentWorkspace::new(&s, n, T_MAX)));
        let error = relative_error(&grad, &numeric_grad);
        assert!(error < 1e-6, "{s:?}: {error:e}");
    }
}

#[test]
fn padded_input_values_change_nothing() {
    for s in every_shape() {
        let problem = Problem::new(s, 0.0);
        let params: Vec<f64> = values(s.n_params(), 1).iter().map(|v| 0.7 * v).collect();
        let mut garbage = problem.x.clone();
        for (i, v) in garbage.iter_mut().enumerate() {
            let (seq, t) = (i / (T_MAX * s.input_size), i / s.input_size % T_MAX);
            if t >= LENGTHS[seq] {
                *v = if i % 2 == 0 { f64::NAN } else { 1e300 };
            }
        }
        let (mut ws_a, mut ws_b) = (RecurrentWorkspace::new(&s, 4, 6), RecurrentWorkspace::new(&s, 4, 6));
        let a = problem.gradients(&params, &problem.x, &mut ws_a);
        let b = problem.gradients(&params, &garbage, &mut ws_b);
        assert_eq!(bits(&a.0), bits(&b.0), "{s:?}");
        assert_eq!(bits(&a.1), bits(&b.1), "{s:?}");
        assert_eq!(bits(ws_a.outputs()), bits(ws_b.outputs()), "{s:?}");
        assert_eq!(bits(ws_a.final_hidden()), bits(ws_b.final_hidden()), "{s:?}");
        assert_eq!(ws_a.final_cell().map(bits), ws_b.final_cell().map(bits), "{s:?}");
    }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn a_reused_workspace_gives_the_bits_of_a_fresh_one() {
    for s in every_shape() {
        let problem = Problem::new(s, 0.0);
        let params: Vec<f64> = values(s.n_params(), 1).iter().map(|v| 0.7 * v).collect();
        // A larger batch first leaves every buffer full of other values.
        let big =
            Sequences { values: &values(9 * 8 * s.input_size, 11), lengths: &[8, 2, 7, 8, 1, 3, 5, 6, 4], t_max: 8 };
        let mut reused = RecurrentWorkspace::new(&s, 2, 2);
        recurrent::forward(&s, &params, big, None, &mut reused).unwrap();
        let mut grad = vec![0.0; params.len()];
        let d_out = values(9 * 8 * s.output_size(), 12);
        recurrent::backward(&s, &params, big, None, &mut reused, Some(&d_out), None, None, &mut grad, None).unwrap();
        let again = problem.gradients(&params, &problem.x, &mut reused);
        let fresh = problem.gradients(&params, &problem.x, &mut RecurrentWorkspace::new(&s, 4, 6));
        assert_eq!((bits(&again.0), bits(&again.1)), (bits(&fresh.0), bits(&fresh.1)), "{s:?}");
    }
}

#[test]
fn the_thread_count_changes_no_bit() {
    // Sizes at which the step products are split across threads.
    for cell in Cell::ALL {
        let s = RecurrentShape {
            cell,
            nonlinearity: Nonlinearity::Tanh,
            input_size: 8,
            hidden_size: 64,
            num_layers: 2,
            bidirectional: true,
        };
        let params: Vec<f64> = s.init(&mut RandomState::new(0));
        let (n, t_max) = (64, 12);
        let lengths: Vec<usize> = (0..n).map(|i| 1 + (i * 7) % t_max).collect();
        let x = values(n * t_max * 8, 3);
        let d_out = values(n * t_max * s.output_size(), 4);
        let run = |threads| {
            with_max_threads(Some(threads), || {
                let seqs = Sequences { values: &x, lengths: &lengths, t_max };
                let mut ws = RecurrentWorkspace::new(&s, n, t_max);
                let mut grad = vec![0.0; params.len()];
                recurrent::forward(&s, &params, seqs, None, &mut ws).unwrap();
                recurrent::backward(&s, &params, seqs, None, &mut ws, Some(&d_out), None, None, &mut grad, None)
                    .unwrap();
                (bits(ws.outputs()), bits(&grad))
            })
            .unwrap()
        };
        assert!(run(1) == run(2), "{cell}");
    }
}

#[test]
fn clip_grad_norm_is_pytorchs() {
    let original = values(1000, 21);
    let norm = original.iter().map(|v| v * v).sum::<f64>().sqrt();
    // Below the limit: unchanged.
    let mut grad = original.clone();
    let got = clip_grad_norm(&mut grad, norm * 2.0);
    assert!((got - norm).abs() <= 1e-12 * norm);
    assert_eq!(grad, original);
    // Above: scaled by max_norm / (norm + 1e-6).
    let got = clip_grad_norm(&mut grad, 1.5);
    assert!((got - norm).abs() <= 1e-12 * norm);
    for (g, o) in grad.iter().zip(&original) {
        assert!((g - o * 1.5 / (norm + 1e-6)).abs() <= 1e-15);
    }
    let clipped = grad.iter().map(|v| v * v).sum::<f64>().sqrt();
    assert!(clipped < 1.5 && clipped > 1.5 - 1e-5);
    // float32 too.
    let mut single: Vec<f32> = original.iter().map(|&v| v as f32).collect();
    let got = clip_grad_norm(&mut single, 1.0);
    assert!((got - norm).abs() <= 1e-5 * norm);
    assert!((single.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>().sqrt() - 1.0).abs() < 1e-5);
}
