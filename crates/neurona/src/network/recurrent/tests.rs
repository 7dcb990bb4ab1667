//! The layout, the initialisation, and the batched, packed passes against a naive reference
//! that runs one sequence at a time with scalar loops.

use super::*;
use crate::rng::RandomState;

fn shape(cell: Cell, nonlinearity: Nonlinearity, layers: usize, bidirectional: bool) -> RecurrentShape {
    RecurrentShape { cell, nonlinearity, input_size: 3, hidden_size: 4, num_layers: layers, bidirectional }
}

fn values(len: usize, seed: u32) -> Vec<f64> {
    let mut rng = RandomState::new(seed);
    (0..len).map(|_| rng.uniform(-1.0, 1.0)).collect()
}

#[test]
fn layout_of_a_two_layer_bidirectional_lstm_is_pytorchs() {
    let s = shape(Cell::Lstm, Nonlinearity::Tanh, 2, true);
    let tensors = s.tensors();
    let expected: [(&str, &[usize], usize, usize, bool); 16] = [
        ("weight_ih_l0", &[16, 3], 0, 48, true),
        ("weight_hh_l0", &[16, 4], 48, 112, true),
        ("bias_ih_l0", &[16], 112, 128, false),
        ("bias_hh_l0", &[16], 128, 144, false),
        ("weight_ih_l0_reverse", &[16, 3], 144, 192, true),
        ("weight_hh_l0_reverse", &[16, 4], 192, 256, true),
        ("bias_ih_l0_reverse", &[16], 256, 272, false),
        ("bias_hh_l0_reverse", &[16], 272, 288, false),
        ("weight_ih_l1", &[16, 8], 288, 416, true),
        ("weight_hh_l1", &[16, 4], 416, 480, true),
        ("bias_ih_l1", &[16], 480, 496, false),
        ("bias_hh_l1", &[16], 496, 512, false),
        ("weight_ih_l1_reverse", &[16, 8], 512, 640, true),
        ("weight_hh_l1_reverse", &[16, 4], 640, 704, true),
        ("bias_ih_l1_reverse", &[16], 704, 720, false),
        ("bias_hh_l1_reverse", &[16], 720, 736, false),
    ];
    assert_eq!(tensors.len(), expected.len());
    for (t, (name, shape, start, end, penalised)) in tensors.iter().zip(expected) {
        assert_eq!(
            (t.name.as_str(), t.shape.as_slice(), t.range.clone(), t.penalised),
            (name, shape, start..end, penalised)
        );
    }
    assert_eq!(s.n_params(), 736);
    assert_eq!((s.gates(), s.directions(), s.output_size()), (4, 2, 8));
    let gru = shape(Cell::Gru, Nonlinearity::Tanh, 1, false);
    assert_eq!((gru.n_params(), gru.tensors()[1].shape.clone()), (12 * 3 + 12 * 4 + 24, vec![12, 4]));
    assert_eq!(shape(Cell::Rnn, Nonlinearity::Relu, 3, false).n_params(), 4 * 9 + 2 * 4 * 10);
}

#[test]
fn sizes_of_zero_are_refused() {
    assert!(shape(Cell::Gru, Nonlinearity::Tanh, 1, true).check().is_ok());
    for broken in [
        RecurrentShape { hidden_size: 0, ..shape(Cell::Lstm, Nonlinearity::Tanh, 1, false) },
        RecurrentShape { input_size: 0, ..shape(Cell::Lstm, Nonlinearity::Tanh, 1, false) },
        RecurrentShape { num_layers: 0, ..shape(Cell::Lstm, Nonlinearity::Tanh, 1, false) },
        RecurrentShape { hidden_size: usize::MAX / 2, ..shape(Cell::Lstm, Nonlinearity::Tanh, 1, false) },
    ] {
        assert!(broken.check().is_err(), "{broken:?}");
    }
    assert_eq!("gru".parse::<Cell>().unwrap(), Cell::Gru);
    assert!("elman".parse::<Cell>().unwrap_err().to_string().contains("'rnn', 'lstm', 'gru'"));
    assert_eq!((Cell::default(), Nonlinearity::default()), (Cell::Lstm, Nonlinearity::Tanh));
}

#[test]
fn init_is_uniform_in_the_range_and_reproducible() {
    let s = shape(Cell::Gru, Nonlinearity::Tanh, 2, true);
    let a: Vec<f64> = s.init(&mut RandomState::new(7));
    let b: Vec<f64> = s.init(&mut RandomState::new(7));
    let c: Vec<f64> = s.init(&mut RandomState::new(8));
    assert_eq!(a.len(), s.n_params());
    assert_eq!(a, b);
    assert_ne!(a, c);
    // k = 1/sqrt(4) = 0.5: every value in [-0.5, 0.5), spread over the range.
    assert!(a.iter().all(|v| (-0.5..0.5).contains(v)));
    assert!(a.iter().any(|&v| v < -0.4) && a.iter().any(|&v| v > 0.4));
    // The draws are the stream's uniform draws, in the buffer's order.
    let mut rng = RandomState::new(7);
    assert_eq!(a[0], rng.uniform(-0.5, 0.5));
    assert_eq!(a[1], rng.uniform(-0.5, 0.5));
    let single: Vec<f32> = s.init(&mut RandomState::new(7));
    assert!(single.iter().zip(&a).all(|(&x, &y)| x == y as f32));
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `w: (rows, cols)` row-major times `v: (cols,)`.
fn mat_vec(w: &[f64], v: &[f64]) -> Vec<f64> {
    w.chunks(v.len()).map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum()).collect()
}

/// One cell step, written from the formulas: `(h, c)` from `x`, `h`, `c`.
fn reference_step(
    s: &RecurrentShape,
    p: &[f64],
    block: &ParamBlock,
    x: &[f64],
    h: &[f64],
    c: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    let hs = s.hidden_size;
    let gi: Vec<f64> =
        mat_vec(&p[block.weight_ih.clone()], x).iter().zip(&p[block.bias_ih.clone()]).map(|(a, b)| a + b).collect();
    let gh: Vec<f64> =
        mat_vec(&p[block.weight_hh.clone()], h).iter().zip(&p[block.bias_hh.clone()]).map(|(a, b)| a + b).collect();
    match s.cell {
        Cell::Rnn => {
            let f = |v: f64| if s.nonlinearity == Nonlinearity::Tanh { v.tanh() } else { v.max(0.0) };
            ((0..hs).map(|u| f(gi[u] + gh[u])).collect(), Vec::new())
        }
        Cell::Lstm => {
            let g = |k: usize, u: usize| gi[k * hs + u] + gh[k * hs + u];
            let c2: Vec<f64> = (0..hs).map(|u| sigmoid(g(1, u)) * c[u] + sigmoid(g(0, u)) * g(2, u).tanh()).collect();
            ((0..hs).map(|u| sigmoid(g(3, u)) * c2[u].tanh()).collect(), c2)
        }
        Cell::Gru => {
            let h2 = (0..hs)
                .map(|u| {
                    let r = sigmoid(gi[u] + gh[u]);
                    let z = sigmoid(gi[hs + u] + gh[hs + u]);
                    let n = (gi[2 * hs + u] + r * gh[2 * hs + u]).tanh();
                    (1.0 - z) * n + z * h[u]
                })
                .collect();
            (h2, Vec::new())
        }
    }
}

/// The stack over one sequence `x: (len, input_size)`: outputs `(len, D·H)`, and per layer
/// and direction the final `h` and `c`.
#[allow(clippy::type_complexity)]
fn reference_sequence(s: &RecurrentShape, p: &[f64], x: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let (hs, dh) = (s.hidden_size, s.output_size());
    let mut input = x.to_vec();
    let mut width = s.input_size;
    let (mut finals_h, mut finals_c) = (Vec::new(), Vec::new());
    for layer in 0..s.num_layers {
        let len = input.len() / width;
        let mut out = vec![0.0; len * dh];
        for direction in 0..s.directions() {
            let block = s.param_block(layer, direction);
            let (mut h, mut c) = (vec![0.0; hs], vec![0.0; hs]);
            for i in 0..len {
                let t = if direction == 0 { i } else { len - 1 - i };
                let (h2, c2) = reference_step(s, p, &block, &input[t * width..(t + 1) * width], &h, &c);
                out[t * dh + direction * hs..t * dh + (direction + 1) * hs].copy_from_slice(&h2);
                (h, c) = (h2, c2);
            }
            finals_h.push(h);
            finals_c.push(c);
        }
        input = out;
        width = dh;
    }
    (input, finals_h, finals_c)
}

#[test]
fn packed_batches_match_one_sequence_at_a_time() {
    let lengths = [3, 5, 1, 5, 2];
    let t_max = 6;
    for cell in Cell::ALL {
        for (nonlinearity, layers, bidirectional) in [(Nonlinearity::Tanh, 2, true), (Nonlinearity::Relu, 1, false)] {
            let s = shape(cell, nonlinearity, layers, bidirectional);
            let params: Vec<f64> = values(s.n_params(), 1).iter().map(|v| 0.6 * v).collect();
            let x = values(lengths.len() * t_max * 3, 2);
            let mut ws = RecurrentWorkspace::new(&s, 2, 2);
            forward(&s, &params, Sequences { values: &x, lengths: &lengths, t_max }, None, &mut ws).unwrap();
            let (h, dh, ld, n) = (s.hidden_size, s.output_size(), layers * s.directions(), lengths.len());
            for (seq, &len) in lengths.iter().enumerate() {
                let start = seq * t_max * 3;
                let (out, finals_h, finals_c) = reference_sequence(&s, &params, &x[start..start + len * 3]);
                let got = &ws.outputs()[seq * t_max * dh..(seq + 1) * t_max * dh];
                close(&got[..len * dh], &out, 1e-13);
                assert!(got[len * dh..].iter().all(|&v| v == 0.0));
                for k in 0..ld {
                    close(&ws.final_hidden()[(k * n + seq) * h..(k * n + seq + 1) * h], &finals_h[k], 1e-13);
                    if let Some(cells) = ws.final_cell() {
                        close(&cells[(k * n + seq) * h..(k * n + seq + 1) * h], &finals_c[k], 1e-13);
                    }
                }
                let last = &ws.last_states()[seq * dh..(seq + 1) * dh];
                close(&last[..h], &got[(len - 1) * dh..(len - 1) * dh + h], 0.0);
                if bidirectional {
                    close(&last[h..], &got[h..dh], 0.0);
                }
            }
            assert_eq!(ws.final_cell().is_some(), cell == Cell::Lstm);
        }
    }
}

fn close(got: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(expected) {
        assert!((g - e).abs() <= tol * e.abs().max(1.0), "{g} vs {e}");
    }
}

#[test]
fn float32_forward_is_close_to_float64() {
    let lengths = [4, 2, 3];
    for cell in Cell::ALL {
        let s = shape(cell, Nonlinearity::Tanh, 2, true);
        let params: Vec<f64> = s.init(&mut RandomState::new(3));
        let x = values(3 * 4 * 3, 5);
        let mut ws = RecurrentWorkspace::new(&s, 3, 4);
        forward(&s, &params, Sequences { values: &x, lengths: &lengths, t_max: 4 }, None, &mut ws).unwrap();
        let params32: Vec<f32> = params.iter().map(|&v| v as f32).collect();
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut ws32 = RecurrentWorkspace::new(&s, 3, 4);
        forward(&s, &params32, Sequences { values: &x32, lengths: &lengths, t_max: 4 }, None, &mut ws32).unwrap();
        for (a, b) in ws32.outputs().iter().zip(ws.outputs()).chain(ws32.final_hidden().iter().zip(ws.final_hidden())) {
            assert!((f64::from(*a) - b).abs() < 1e-5, "{cell}: {a} vs {b}");
        }
    }
}

#[test]
fn bad_calls_are_errors_not_panics() {
    let s = shape(Cell::Lstm, Nonlinearity::Tanh, 2, false);
    let params = vec![0.1; s.n_params()];
    let x = vec![0.0; 2 * 3 * 3];
    let mut ws = RecurrentWorkspace::new(&s, 2, 3);
    let run = |ws: &mut RecurrentWorkspace<f64>, params: &[f64], x: &[f64], lengths: &[usize]| {
        forward(&s, params, Sequences { values: x, lengths, t_max: 3 }, None, ws).map_err(|e| e.to_string())
    };
    assert!(run(&mut ws, &params, &x, &[3, 0]).unwrap_err().contains("sequence 1 has length 0"));
    assert!(run(&mut ws, &params, &x, &[3, 4]).unwrap_err().contains("1..=3"));
    assert!(run(&mut ws, &params[1..], &x, &[3, 1]).unwrap_err().contains("params"));
    assert!(run(&mut ws, &params, &x[1..], &[3, 1]).unwrap_err().contains("sequences"));
    let mut grad = vec![0.0; s.n_params()];
    let seqs = Sequences { values: &x, lengths: &[3, 1], t_max: 3 };
    let err = backward(&s, &params, seqs, None, &mut ws, None, None, None, &mut grad, None).unwrap_err();
    assert!(err.to_string().contains("forward first"), "{err}");
    forward(&s, &params, seqs, None, &mut ws).unwrap();
    let err = backward(&s, &params, seqs, None, &mut ws, Some(&[0.0; 3]), None, None, &mut grad, None).unwrap_err();
    assert!(err.to_string().contains("d_outputs"), "{err}");
    let other = RecurrentShape { hidden_size: 5, ..s };
    let err = forward(&other, &vec![0.0; other.n_params()], seqs, None, &mut ws).unwrap_err();
    assert!(err.to_string().contains("workspace"), "{err}");
    let masks = DropoutMasks::draw(&s, 3, 3, 0.5, &mut RandomState::new(0)).unwrap();
    assert!(forward(&s, &params, seqs, Some(&masks), &mut ws).unwrap_err().to_string().contains("dropout"));
    assert!(DropoutMasks::<f64>::draw(&s, 2, 3, 1.5, &mut RandomState::new(0)).is_err());
}

#[test]
fn dropout_masks_keep_with_probability_one_minus_p_scaled() {
    let s = shape(Cell::Gru, Nonlinearity::Tanh, 3, true);
    let mut masks = DropoutMasks::<f64>::draw(&s, 10, 20, 0.25, &mut RandomState::new(1)).unwrap();
    let all: Vec<f64> = (0..2)
        .flat_map(|l| (0..10).flat_map(move |q| (0..20).map(move |t| (l, q, t))))
        .flat_map(|(l, q, t)| masks.mask(l, q, t).to_vec())
        .collect();
    assert_eq!(all.len(), 2 * 10 * 20 * 8);
    assert!(all.iter().all(|&v| v == 0.0 || v == 1.0 / 0.75));
    let kept = all.iter().filter(|&&v| v > 0.0).count() as f64 / all.len() as f64;
    assert!((kept - 0.75).abs() < 0.03, "{kept}");
    let again = DropoutMasks::<f64>::draw(&s, 10, 20, 0.25, &mut RandomState::new(1)).unwrap();
    assert_eq!(again.mask(1, 9, 19), masks.mask(1, 9, 19));
    masks.redraw(&s, 10, 20, 1.0, &mut RandomState::new(1)).unwrap();
    assert!(masks.mask(0, 0, 0).iter().all(|&v| v == 0.0));
}

#[test]
fn the_memory_estimate_covers_the_workspace() {
    for cell in Cell::ALL {
        for (layers, bidirectional) in [(1, false), (3, true)] {
            let s = RecurrentShape { input_size: 7, ..shape(cell, Nonlinearity::Tanh, layers, bidirectional) };
            let mut ws = RecurrentWorkspace::<f32>::new(&s, 16, 9);
            ws.reserve_dropout();
            let directions = ws.layers.iter().flat_map(|l| &l.directions);
            let direction_values: usize =
                directions.map(|d| d.gates.len() + d.h_prev.len() + d.cell.len() + d.tanh_cell.len()).sum::<usize>()
                    + ws.layers.iter().flat_map(|l| &l.directions).map(|d| d.c_prev.len() + d.hn.len()).sum::<usize>()
                    + ws.layers
                        .iter()
                        .flat_map(|l| &l.directions)
                        .map(|d| d.bias.len() + d.w_hh_packed.capacity() + d.b_hn.len())
                        .sum::<usize>();
            let layer_values: usize = ws.layers.iter().map(|l| l.out.len() + l.dropped.len()).sum();
            let g = &ws.grads;
            let grad_values = g.d_gi.len()
                + g.d_gh.len()
                + g.d_h.len()
                + g.d_c.len()
                + g.d_out.len()
                + g.d_below.len()
                + g.w_ih_t.len()
                + g.w_hh_packed.capacity();
            let r = &ws.results;
            let result_values = r.outputs.len() + r.final_hidden.len() + r.final_cell.len() + r.last_states.len();
            let actual =
                4 * (ws.x.len() + ws.rec.len() + direction_values + layer_values + grad_values + result_values);
            let estimate = RecurrentWorkspace::<f32>::estimated_bytes(&s, 16, 9);
            assert!(estimate >= actual as f64 && estimate <= 1.1 * actual as f64, "{s:?}: {estimate} vs {actual}");
        }
    }
}

#[test]
fn an_empty_batch_gives_empty_results_and_a_zero_gradient() {
    for cell in Cell::ALL {
        let s = shape(cell, Nonlinearity::Tanh, 2, true);
        let params = values(s.n_params(), 4);
        let mut ws = RecurrentWorkspace::new(&s, 0, 0);
        let seqs = Sequences { values: &[], lengths: &[], t_max: 3 };
        forward(&s, &params, seqs, None, &mut ws).unwrap();
        assert!(ws.outputs().is_empty() && ws.final_hidden().is_empty() && ws.last_states().is_empty());
        let mut grad = vec![f64::NAN; params.len()];
        backward(&s, &params, seqs, None, &mut ws, Some(&[]), Some(&[]), None, &mut grad, Some(&mut [])).unwrap();
        assert!(grad.iter().all(|&g| g == 0.0), "{cell}");
    }
}
