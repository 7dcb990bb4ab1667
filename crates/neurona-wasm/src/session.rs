//! One playground run: a data set drawn from a seed, a model, and its training one step at a
//! time, with what the page draws after each step (losses, scores, weights, each unit's output
//! on a grid) and the model file.
//!
//! # One step, and why the steps equal one fit
//!
//! For sgd and adam a step is one epoch: `partial_fit` continuing the optimizer, drawing the
//! initial weights and every shuffle from one stream seeded from `random_state` and kept for
//! the whole run (`FitOptions::random_state`). That is the stream, in the same order, that
//! `fit` with `max_iter` epochs draws from. One thing differs: `fit` shuffles the previous
//! epoch's order of the rows (scikit-learn's `shuffle(idx)` each epoch), while every
//! `partial_fit` starts from the rows as given. A shuffle's swaps depend on the stream alone,
//! not on what it permutes, so the session keeps `fit`'s order itself: it hands `partial_fit`
//! the rows in that order, and learns the epoch's permutation by drawing it from a copy of
//! the stream (after the initial weights, on the first step). So `k` steps give `fit`'s weights
//! and loss curve after `k` epochs, to the bit (`tests/session.rs`); when the stopping rule
//! fires, where `fit` would end, the run ends too. L-BFGS keeps
//! its memory inside one call, and the perceptron's epochs draw their shuffles from seeds per
//! call: a step of theirs refits from the start with `max_iter` set to the steps so far, which
//! is exactly `fit` with that `max_iter` and costs little on the playground's small sets.

use ndarray::{Array2, ArrayView2};
use neurona::init::glorot_uniform;
use neurona::linalg::MatRef;
use neurona::network::{Layout, Workspace};
use neurona::prelude::*;
use serde_json::{Value, json};

use crate::data::{self, Dataset, Feature, Points, parameter};

/// What a run is made of, read from the page's JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The data set.
    pub dataset: Dataset,
    /// Points drawn (train and test together).
    pub n_samples: usize,
    /// Noise, in `[0, 1]`.
    pub noise: f64,
    /// Share of the points held out for the test curve and score.
    pub test_fraction: f64,
    /// The seed of the data and of the model (`random_state`).
    pub seed: u32,
    /// The network's inputs.
    pub features: Vec<Feature>,
    /// `mlp` or `perceptron`.
    pub model: String,
    /// The model's hyperparameters by scikit-learn's names (read through neurona's spec table).
    pub params: Value,
}

impl Settings {
    /// Settings from JSON such as `{"dataset": "xor", "features": ["x1", "x2"], "model":
    /// "mlp", "params": {"hidden_layer_sizes": [8, 8], "solver": "adam"}}`; every key but
    /// `dataset` has a default.
    pub fn from_json(v: &Value) -> Result<Self> {
        let text = |key: &str, default: &str| v[key].as_str().unwrap_or(default).to_owned();
        let number = |key: &'static str, default: f64| match &v[key] {
            Value::Null => Ok(default),
            value => value.as_f64().ok_or_else(|| parameter(key, "a number", value)),
        };
        let features = match &v["features"] {
            Value::Null => vec![Feature::X1, Feature::X2],
            Value::Array(names) => names
                .iter()
                .map(|name| name.as_str().map_or_else(|| Err(parameter("features", "names", name)), Feature::from_name))
                .collect::<Result<Vec<_>>>()?,
            other => return Err(parameter("features", "a list of names", other)),
        };
        if features.is_empty() {
            return Err(parameter("features", "at least one feature", "[]"));
        }
        let n_samples = number("n_samples", 500.0)?;
        let seed = number("seed", 0.0)?;
        let model = text("model", "mlp");
        if model != "mlp" && model != "perceptron" {
            return Err(parameter("model", "\"mlp\" or \"perceptron\"", format!("{model:?}")));
        }
        Ok(Self {
            dataset: Dataset::from_name(&text("dataset", ""))?,
            n_samples: whole(n_samples, "n_samples")?,
            noise: number("noise", 0.0)?,
            test_fraction: number("test_fraction", 0.5)?,
            seed: u32::try_from(whole(seed, "seed")?)
                .map_err(|_| parameter("seed", "an integer in [0, 2^32)", seed))?,
            features,
            model,
            params: if v["params"].is_null() { json!({}) } else { v["params"].clone() },
        })
    }
}

/// `value` as a whole number, or an error naming `name`.
fn whole(value: f64, name: &'static str) -> Result<usize> {
    if value >= 0.0 && value.fract() == 0.0 && value < 1e15 {
        Ok(value as usize)
    } else {
        Err(parameter(name, "a whole number >= 0", value))
    }
}

/// The model under training.
#[derive(Debug, Clone)]
enum Model {
    Classifier(MlpClassifier<f64, i64>),
    Regressor(MlpRegressor<f64>),
    Perceptron(Perceptron<f64, i64>),
}

/// A playground run (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Session {
    settings: Settings,
    train: Points,
    test: Points,
    x_train: Array2<f64>,
    x_test: Array2<f64>,
    model: Model,
    /// The stream of sgd and adam's steps, seeded from `random_state`.
    stream: RandomState,
    /// The training rows in the order `fit` would hold them before the next epoch.
    order: Vec<usize>,
    steps: usize,
    /// After each step, on the current weights: the training and test losses and scores.
    curves: Curves,
}

/// Per step: losses and scores on the current weights.
#[derive(Debug, Clone, Default)]
struct Curves {
    train_loss: Vec<f64>,
    test_loss: Vec<f64>,
    train_score: Vec<f64>,
    test_score: Vec<f64>,
}

impl Session {
    /// A new run: the data drawn and split, the model built from the checked hyperparameters
    /// (`random_state` is the run's seed), nothing trained yet.
    pub fn new(settings: Settings) -> Result<Self> {
        let mut rng = RandomState::new(settings.seed);
        let points = data::generate(settings.dataset, settings.n_samples, settings.noise, &mut rng)?;
        let (train, test) = data::split(&points, settings.test_fraction, &mut rng)?;
        let x_train = data::features(&train.x, &settings.features);
        let x_test = data::features(&test.x, &settings.features);
        let model = build_model(&settings, 1)?;
        let stream = RandomState::new(settings.seed);
        let order = (0..train.len()).collect();
        Ok(Self { settings, train, test, x_train, x_test, model, stream, order, steps: 0, curves: Curves::default() })
    }

    /// The settings of the run.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The training points and the test points.
    pub fn points(&self) -> (&Points, &Points) {
        (&self.train, &self.test)
    }

    /// The steps taken.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Takes `n` steps (epochs of sgd or adam, iterations of L-BFGS, epochs of the perceptron),
    /// each followed by the losses and scores of the curves. A fit that has converged takes no
    /// more steps.
    pub fn step(&mut self, n: usize) -> Result<()> {
        self.step_recording(n, true)
    }

    /// [`step`](Self::step), recording the curves or not: without them a step is the training
    /// alone, which is how the page times an epoch (the curves then miss those steps).
    pub fn step_recording(&mut self, n: usize, record: bool) -> Result<()> {
        for _ in 0..n {
            if self.converged() {
                break;
            }
            self.steps += 1;
            match self.stochastic() {
                true => self.partial_fit()?,
                false => self.refit()?,
            }
            if record {
                self.record()?;
            }
        }
        Ok(())
    }

    /// Whether a step is one `partial_fit` epoch (sgd, adam) rather than a refit.
    fn stochastic(&self) -> bool {
        match &self.model {
            Model::Classifier(m) => m.params().get_solver() != Solver::Lbfgs,
            Model::Regressor(m) => m.params().get_solver() != Solver::Lbfgs,
            Model::Perceptron(_) => false,
        }
    }

    /// One epoch of `partial_fit` on the rows in `fit`'s order (see the [module docs](self)).
    fn partial_fit(&mut self) -> Result<()> {
        let (shuffle, mlp) = match &self.model {
            Model::Classifier(m) => (m.params().get_shuffle(), m.params()),
            Model::Regressor(m) => (m.params().get_shuffle(), m.params()),
            Model::Perceptron(_) => return self.refit(),
        };
        let permutation = shuffle.then(|| {
            let mut probe = self.stream.clone();
            if self.steps == 1 {
                // The first call draws the initial weights before the epoch's shuffle.
                let mut units = vec![self.settings.features.len()];
                units.extend(mlp.get_hidden_layer_sizes());
                units.push(1);
                glorot_uniform::<f64>(&Layout::new(units), mlp.get_activation(), &mut probe);
            }
            let mut permutation: Vec<usize> = (0..self.order.len()).collect();
            probe.shuffle(&mut permutation);
            permutation
        });
        let x = self.x_train.select(ndarray::Axis(0), &self.order);
        let y: Vec<f64> = self.order.iter().map(|&i| self.train.y[i]).collect();
        let options = FitOptions { random_state: Some(&mut self.stream), ..FitOptions::default() };
        match &mut self.model {
            Model::Classifier(m) => {
                m.partial_fit_with(x.view(), &labels(&y), Some(&[0, 1]), options)?;
            }
            Model::Regressor(m) => {
                m.partial_fit_with(x.view(), ndarray::aview1(&y), options)?;
            }
            Model::Perceptron(_) => {}
        }
        if let Some(permutation) = permutation {
            self.order = permutation.iter().map(|&j| self.order[j]).collect();
        }
        Ok(())
    }

    /// `fit` from the start with `max_iter` set to the steps so far.
    fn refit(&mut self) -> Result<()> {
        self.model = build_model(&self.settings, self.steps)?;
        let x = self.x_train.view();
        match &mut self.model {
            Model::Classifier(m) => {
                m.fit(x, &labels(&self.train.y))?;
            }
            Model::Regressor(m) => {
                m.fit(x, ndarray::aview1(&self.train.y))?;
            }
            Model::Perceptron(m) => {
                m.fit(x, &labels(&self.train.y))?;
            }
        }
        Ok(())
    }

    /// Whether the run has ended where `fit` would: the stopping rule fired after an epoch
    /// (sgd, adam), or the last refit stopped before its `max_iter` (L-BFGS, the perceptron).
    pub fn converged(&self) -> bool {
        if self.steps == 0 {
            return false;
        }
        match &self.model {
            Model::Classifier(m) => m.report().is_ok_and(|r| r.converged),
            Model::Regressor(m) => m.state().is_ok_and(|s| s.report().converged),
            Model::Perceptron(m) => m.state().is_ok_and(|s| s.report().converged),
        }
    }

    fn record(&mut self) -> Result<()> {
        let (train_loss, train_score) = self.evaluate(self.x_train.view(), &self.train.y)?;
        let (test_loss, test_score) = self.evaluate(self.x_test.view(), &self.test.y)?;
        self.curves.train_loss.push(train_loss);
        self.curves.train_score.push(train_score);
        self.curves.test_loss.push(test_loss);
        self.curves.test_score.push(test_score);
        Ok(())
    }

    /// The loss (without the L2 term) and the score of the current weights on `x`, `y`:
    /// log loss and accuracy for the classifier, half the mean squared error and R² for the
    /// regressor, the perceptron's mean hinge at zero and accuracy. One forward pass each (the
    /// labels decoded from the same outputs, as `predict` decodes them): this runs after every
    /// step, and a second pass would cost more than the step's training. NaN for no rows.
    fn evaluate(&self, x: ArrayView2<'_, f64>, y: &[f64]) -> Result<(f64, f64)> {
        if y.is_empty() {
            return Ok((f64::NAN, f64::NAN));
        }
        let n = y.len() as f64;
        let accuracy = |hits: usize| hits as f64 / n;
        Ok(match &self.model {
            Model::Classifier(m) => {
                let proba = m.predict_proba(x)?;
                let predicted = m.labels_from_outputs(proba.slice(ndarray::s![.., 1..2]))?;
                let eps = f64::EPSILON;
                let log_loss = y
                    .iter()
                    .zip(proba.column(1))
                    .map(|(&t, &p)| {
                        let p = p.clamp(eps, 1.0 - eps);
                        -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
                    })
                    .sum::<f64>();
                let hits = labels(y).iter().zip(&predicted).filter(|(t, p)| t == p).count();
                (log_loss / n, accuracy(hits))
            }
            Model::Regressor(m) => {
                let predicted = m.predict(x)?;
                let sse: f64 = y.iter().zip(predicted.iter()).map(|(t, p)| (t - p) * (t - p)).sum();
                let mean = y.iter().sum::<f64>() / n;
                let sst: f64 = y.iter().map(|t| (t - mean) * (t - mean)).sum();
                // scikit-learn's r2_score: 1 for a perfect fit of constant targets, else 0 there.
                let r2 = if sst > 0.0 {
                    1.0 - sse / sst
                } else if sse == 0.0 {
                    1.0
                } else {
                    0.0
                };
                (sse / (2.0 * n), r2)
            }
            Model::Perceptron(m) => {
                let scores = m.decision_function(x)?;
                let hinge: f64 = y.iter().zip(scores.iter()).map(|(&t, &s)| (-(2.0 * t - 1.0) * s).max(0.0)).sum();
                // The perceptron predicts class 1 for a score > 0, as `predict` does.
                let hits = y.iter().zip(scores.iter()).filter(|&(&t, &s)| (s > 0.0) == (t == 1.0)).count();
                (hinge / n, accuracy(hits))
            }
        })
    }

    /// Everything the page shows besides the heat maps, as JSON.
    pub fn state_json(&self) -> Result<Value> {
        let trained = self.steps > 0;
        let (loss_curve, message, units) = match &self.model {
            Model::Classifier(m) if trained => {
                let s = m.state()?;
                (
                    s.loss_curve().map(<[f64]>::to_vec),
                    s.report().message.clone(),
                    s.network().layout().layer_units().to_vec(),
                )
            }
            Model::Regressor(m) if trained => {
                let s = m.state()?;
                (
                    s.loss_curve().map(<[f64]>::to_vec),
                    s.report().message.clone(),
                    s.network().layout().layer_units().to_vec(),
                )
            }
            _ => (None, String::new(), self.layer_units()),
        };
        Ok(json!({
            "steps": self.steps,
            "converged": self.converged(),
            "stochastic": self.stochastic(),
            "message": message,
            "layer_units": units,
            "features": self.settings.features.iter().map(|f| f.name()).collect::<Vec<_>>(),
            "regression": self.settings.dataset.is_regression(),
            "loss_curve": loss_curve,
            "train_loss": self.curves.train_loss,
            "test_loss": self.curves.test_loss,
            "train_score": self.curves.train_score,
            "test_score": self.curves.test_score,
            "weights": if trained { self.weights_json()? } else { Value::Null },
        }))
    }

    /// The units of each layer, inputs first, before any training.
    fn layer_units(&self) -> Vec<usize> {
        let mut units = vec![self.settings.features.len()];
        if let Model::Classifier(_) | Model::Regressor(_) = &self.model {
            units.extend(self.settings.params["hidden_layer_sizes"].as_array().map_or_else(
                || vec![100],
                |sizes| sizes.iter().filter_map(Value::as_u64).map(|s| s as usize).collect(),
            ));
        }
        units.push(1);
        units
    }

    /// `{"coefs": [layer][input][unit], "intercepts": [layer][unit]}`, scikit-learn's layout.
    pub fn weights_json(&self) -> Result<Value> {
        let matrix = |m: ArrayView2<'_, f64>| -> Vec<Vec<f64>> { m.rows().into_iter().map(|r| r.to_vec()).collect() };
        let (coefs, intercepts): (Vec<Vec<Vec<f64>>>, Vec<Vec<f64>>) = match &self.model {
            Model::Classifier(m) => mlp_weights(m.state()?, matrix),
            Model::Regressor(m) => mlp_weights(m.state()?, matrix),
            Model::Perceptron(m) => {
                let s = m.state()?;
                (vec![matrix(s.coef().t())], vec![s.intercept().to_vec()])
            }
        };
        Ok(json!({ "coefs": coefs, "intercepts": intercepts }))
    }

    /// Heat maps on a `resolution²` grid over the domain (see [`data::grid`]), one after the
    /// other: each input feature, each hidden unit's output layer by layer, then the model's
    /// output (the probability of class 1, the predicted value, or the perceptron's score).
    pub fn grid(&self, resolution: usize) -> Result<Vec<f64>> {
        if !(2..=400).contains(&resolution) {
            return Err(parameter("resolution", "an integer in [2, 400]", resolution));
        }
        let points = data::grid(resolution);
        let x = data::features(&points, &self.settings.features);
        let cells = resolution * resolution;
        let mut maps: Vec<f64> = Vec::new();
        for column in x.columns() {
            maps.extend(column.iter());
        }
        match &self.model {
            Model::Classifier(m) if self.steps > 0 => unit_maps(m.state()?, &x, &mut maps),
            Model::Regressor(m) if self.steps > 0 => unit_maps(m.state()?, &x, &mut maps),
            Model::Perceptron(m) if self.steps > 0 => maps.extend(m.decision_function(x.view())?.iter()),
            _ => maps.resize(maps.len() + cells * (self.layer_units().len() - 1).max(1), f64::NAN),
        }
        Ok(maps)
    }

    /// The model file's bytes (neurona's `.safetensors`), with the run's data set and feature
    /// names in the header's `extra.playground`.
    pub fn model_bytes(&self) -> Result<Vec<u8>> {
        let extra = json!({ "playground": {
            "dataset": self.settings.dataset.name(),
            "features": self.settings.features.iter().map(|f| f.name()).collect::<Vec<_>>(),
            "steps": self.steps,
        }});
        match &self.model {
            Model::Classifier(m) => m.to_bytes_with_extra(&extra),
            Model::Regressor(m) => m.to_bytes_with_extra(&extra),
            Model::Perceptron(m) => m.to_bytes_with_extra(&extra),
        }
    }

    /// The model's predictions on points `(n, 2)` row-major: class labels or values.
    pub fn predict(&self, points: &[f64]) -> Result<Vec<f64>> {
        if !points.len().is_multiple_of(2) {
            return Err(parameter("points", "x1, x2 pairs (an even count)", points.len()));
        }
        let x = data::features(points, &self.settings.features);
        Ok(match &self.model {
            Model::Classifier(m) => m.predict(x.view())?.into_iter().map(|l| l as f64).collect(),
            Model::Regressor(m) => m.predict(x.view())?.iter().copied().collect(),
            Model::Perceptron(m) => m.predict(x.view())?.into_iter().map(|l| l as f64).collect(),
        })
    }
}

/// 0.0 and 1.0 as the classes 0 and 1.
fn labels(y: &[f64]) -> Vec<i64> {
    y.iter().map(|&v| i64::from(v >= 0.5)).collect()
}

/// The model of the settings, with `max_iter` (used by the refitting solvers).
fn build_model(settings: &Settings, max_iter: usize) -> Result<Model> {
    let mut params = settings.params.clone();
    let Some(object) = params.as_object_mut() else {
        return Err(parameter("params", "an object of hyperparameters", &settings.params));
    };
    object.insert("random_state".into(), json!(settings.seed));
    object.insert("max_iter".into(), json!(max_iter));
    if settings.model == "perceptron" {
        if settings.dataset.is_regression() {
            return Err(parameter("model", "an MLP for a regression data set", "\"perceptron\""));
        }
        return Ok(Model::Perceptron(Perceptron::new(PerceptronParams::from_json(&params)?.check()?)));
    }
    let checked = MlpParams::from_json(&params)?.check()?;
    Ok(if settings.dataset.is_regression() {
        Model::Regressor(MlpRegressor::new(checked))
    } else {
        Model::Classifier(MlpClassifier::new(checked))
    })
}

type Weights = (Vec<Vec<Vec<f64>>>, Vec<Vec<f64>>);

fn mlp_weights(state: &MlpState<f64>, matrix: impl Fn(ArrayView2<'_, f64>) -> Vec<Vec<f64>>) -> Weights {
    (state.coefs().into_iter().map(matrix).collect(), state.intercepts().into_iter().map(|b| b.to_vec()).collect())
}

/// Appends each unit's output on the rows of `x` (column by column, layer by layer) from one
/// forward pass of the network's own kernels.
fn unit_maps(state: &MlpState<f64>, x: &Array2<f64>, maps: &mut Vec<f64>) {
    let network = state.network();
    let rows = x.nrows();
    let mut workspace = Workspace::for_prediction(network.layout(), rows);
    let input = x.as_slice().expect("a new array is row-major");
    network.forward(state.flat_params(), MatRef::row_major(input, rows, x.ncols()), &mut workspace);
    let units = network.layout().layer_units();
    for l in 0..units.len() - 1 {
        let layer = workspace.layer_output(l, rows).expect("the layer and rows of this pass");
        let width = units[l + 1];
        for unit in 0..width {
            maps.extend(layer.iter().skip(unit).step_by(width));
        }
    }
}
