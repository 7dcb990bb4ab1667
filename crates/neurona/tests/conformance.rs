//! One conformance battery, run over every estimator kind of the registry: what any estimator
//! must do whatever it computes (scikit-learn's `check_estimator` in spirit). A new family adds
//! one `Subject` impl and one `battery!` line, whose test runs every check of `checks_of`;
//! `every_registered_kind_is_covered` fails until it does.

use ndarray::{Array2, ArrayView2, Axis, s};
use neurona::estimator::EstimatorKind;
use neurona::prelude::*;

#[path = "common/checks.rs"]
mod checks;

/// What the battery needs from an estimator besides its model file (`ModelFile`, whose `KIND`
/// names the estimator in messages): a fresh one from a seed, a fit on a table (the targets
/// derived from it), and its outputs as numbers.
trait Subject: ModelFile + Clone + Send + Sync + std::fmt::Debug + 'static {
    fn fresh(seed: u32) -> Self;
    fn fit(&mut self, x: ArrayView2<'_, f64>) -> Result<()>;
    fn output(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>>;
    /// The message for `word` (NaN, infinity) at row 3, column 1 of the table.
    fn non_finite_message(word: &str) -> String {
        format!("X contains {word} at row 3, column 1")
    }
    /// The messages for a table of 0 rows and one of 0 columns.
    fn empty_messages() -> [String; 2] {
        [
            format!("X has 0 samples (shape (0, 4)), but {} needs at least 1", Self::KIND),
            format!("X has 0 features (shape (150, 0)), but {} needs at least 1", Self::KIND),
        ]
    }
}

/// Iris, scaled to [0, 1] (the RBM reads probabilities), with its species as integer classes.
fn data() -> (Array2<f64>, Vec<i64>) {
    let iris = neurona::datasets::iris();
    let max = iris.data.fold(0.0_f64, |m, &v| m.max(v));
    (iris.data.mapv(|v| v / max), iris.target.iter().map(|&t| t as i64).collect())
}

fn classes(x: ArrayView2<'_, f64>) -> Vec<i64> {
    let (full, target) = data();
    // The classes of the rows of `x` when they are iris rows; any class otherwise (the battery's
    // own edge cases: NaN, empty or narrow tables, which are refused before the targets count).
    (0..x.nrows()).map(|i| if x.ncols() == 4 && i < full.nrows() { target[i] } else { (i % 3) as i64 }).collect()
}

fn as_column(values: Vec<i64>) -> Array2<f64> {
    Array2::from_shape_vec((values.len(), 1), values.into_iter().map(|v| v as f64).collect()).unwrap()
}

/// Both MLPs: five hidden units, 20 epochs.
fn small_mlp(seed: u32) -> MlpValidParams {
    MlpParams::new().hidden_layer_sizes([5]).max_iter(20).random_state(seed).check().unwrap()
}

impl Subject for MlpClassifier<f64, i64> {
    fn fresh(seed: u32) -> Self {
        Self::new(small_mlp(seed))
    }
    fn fit(&mut self, x: ArrayView2<'_, f64>) -> Result<()> {
        MlpClassifier::fit(self, x, &classes(x)).map(|_| ())
    }
    fn output(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.predict_proba(x)
    }
}

impl Subject for MlpRegressor<f64> {
    fn fresh(seed: u32) -> Self {
        Self::new(small_mlp(seed))
    }
    fn fit(&mut self, x: ArrayView2<'_, f64>) -> Result<()> {
        let y = x.sum_axis(Axis(1));
        Regressor::fit(self, x, y.view()).map(|_| ())
    }
    fn output(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.predict(x)
    }
}

impl Subject for Perceptron<f64, i64> {
    fn fresh(seed: u32) -> Self {
        Self::new(PerceptronParams::new().max_iter(20).random_state(seed).check().unwrap())
    }
    fn fit(&mut self, x: ArrayView2<'_, f64>) -> Result<()> {
        Perceptron::fit(self, x, &classes(x)).map(|_| ())
    }
    fn output(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.predict(x).map(as_column)
    }
}

impl Subject for BernoulliRbm<f64> {
    fn fresh(seed: u32) -> Self {
        Self::new(RbmParams::new().n_components(3).n_iter(3).random_state(seed).check().unwrap())
    }
    fn fit(&mut self, x: ArrayView2<'_, f64>) -> Result<()> {
        BernoulliRbm::fit(self, x)
    }
    fn output(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.transform(x)
    }
}

/// The recurrent estimators read each row of the table as a sequence of one step.
fn one_step(x: ArrayView2<'_, f64>) -> Result<SequenceSet<f64>> {
    let steps = x.to_owned().into_shape_with_order((x.nrows(), 1, x.ncols())).unwrap();
    SequenceSet::from_array3(steps.view(), SequenceLayout::StepsFeatures)
}

fn small_rnn(seed: u32) -> RnnValidParams {
    RnnParams::new().cell(Cell::Gru).hidden_size(3).max_iter(5).random_state(seed).check().unwrap()
}

macro_rules! sequence_messages {
    () => {
        fn non_finite_message(word: &str) -> String {
            format!("X contains {word} in sequence 3 at step 0, feature 1")
        }
        fn empty_messages() -> [String; 2] {
            [
                "X is empty (0 sequences), but at least 1 is needed".to_owned(),
                "X has 0 features (shape (150, 1, 0)), but at least 1 is needed".to_owned(),
            ]
        }
    };
}

impl Subject for RnnClassifier<f64, i64> {
    fn fresh(seed: u32) -> Self {
        Self::new(small_rnn(seed))
    }
    fn fit(&mut self, x: ArrayView2<'_, f64>) -> Result<()> {
        RnnClassifier::fit(self, &one_step(x)?, &classes(x)).map(|_| ())
    }
    fn output(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.predict_proba(&one_step(x)?)
    }
    sequence_messages!();
}

impl Subject for RnnRegressor<f64> {
    fn fresh(seed: u32) -> Self {
        Self::new(small_rnn(seed))
    }
    fn fit(&mut self, x: ArrayView2<'_, f64>) -> Result<()> {
        let y = x.sum_axis(Axis(1)).insert_axis(Axis(1));
        Regressor::fit(self, &one_step(x)?, y.view()).map(|_| ())
    }
    fn output(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.predict(&one_step(x)?)
    }
    sequence_messages!();
}

fn fitted<S: Subject>(seed: u32) -> S {
    let mut model = S::fresh(seed);
    model.fit(data().0.view()).unwrap();
    model
}

fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
    result.unwrap_err().to_string()
}

fn refuses_nan_and_infinity<S: Subject>() {
    let model = fitted::<S>(0);
    for (value, word) in [(f64::NAN, "NaN"), (f64::INFINITY, "infinity"), (f64::NEG_INFINITY, "infinity")] {
        let mut x = data().0;
        x[[3, 1]] = value;
        let expected = S::non_finite_message(word);
        assert_eq!(message(S::fresh(0).fit(x.view())), expected, "{} fit", S::KIND);
        assert_eq!(message(model.output(x.view())), expected, "{} output", S::KIND);
    }
}

fn refuses_use_before_fit<S: Subject>() {
    let err = S::fresh(0).output(data().0.view()).unwrap_err();
    assert!(matches!(err, NeuronaError::NotFitted { .. }), "{}: {err:?}", S::KIND);
    assert!(err.to_string().starts_with(&format!("This {} instance is not fitted yet.", S::KIND)), "{err}");
    assert!(matches!(S::fresh(0).to_bytes(), Err(NeuronaError::NotFitted { .. })), "{}", S::KIND);
}

fn refuses_the_wrong_width<S: Subject>() {
    let x = data().0;
    let err = message(fitted::<S>(0).output(x.slice(s![.., ..3])));
    assert_eq!(err, format!("X has 3 features, but {} is expecting 4 features as input", S::KIND));
}

fn refuses_empty_input<S: Subject>() {
    let x = data().0;
    let [no_rows, no_columns] = S::empty_messages();
    assert_eq!(message(S::fresh(0).fit(x.slice(s![..0, ..]))), no_rows, "{}", S::KIND);
    assert_eq!(message(S::fresh(0).fit(x.slice(s![.., ..0]))), no_columns, "{}", S::KIND);
}

fn round_trips_to_the_byte<S: Subject>() {
    let model = fitted::<S>(0);
    let bytes = model.to_bytes().unwrap();
    let loaded = S::from_bytes(&bytes).unwrap();
    assert_eq!(loaded.to_bytes().unwrap(), bytes, "{}: save, load, save", S::KIND);
    let x = data().0;
    assert_eq!(loaded.output(x.view()).unwrap(), model.output(x.view()).unwrap());
}

fn same_seed_same_bytes<S: Subject>() {
    assert_eq!(fitted::<S>(7).to_bytes().unwrap(), fitted::<S>(7).to_bytes().unwrap(), "{}", S::KIND);
    assert_ne!(fitted::<S>(7).to_bytes().unwrap(), fitted::<S>(8).to_bytes().unwrap(), "{}", S::KIND);
}

fn clones_are_the_same_model<S: Subject>() {
    let model = fitted::<S>(0);
    let copy = model.clone();
    assert_eq!(copy.to_bytes().unwrap(), model.to_bytes().unwrap());
    let x = data().0;
    assert_eq!(copy.output(x.view()).unwrap(), model.output(x.view()).unwrap());
}

fn refuses_corrupted_files<S: Subject>() {
    let bytes = fitted::<S>(0).to_bytes().unwrap();
    for cut in [0, 7, 8, bytes.len() / 2, bytes.len() - 1] {
        let err = S::from_bytes(&bytes[..cut]).unwrap_err();
        assert!(matches!(err, NeuronaError::ModelFile { .. }), "{} cut at {cut}: {err:?}", S::KIND);
    }
    let mut extended = bytes.clone();
    extended.extend_from_slice(b"more");
    assert!(matches!(S::from_bytes(&extended), Err(NeuronaError::ModelFile { .. })), "{}", S::KIND);
}

fn is_send_and_sync<S: Subject>() {
    fn check<T: Send + Sync>() {}
    check::<S>();
}

/// The battery's checks, each with the name a failure reports.
fn checks_of<S: Subject>() -> [(&'static str, fn()); 9] {
    [
        ("nan and infinity are refused with their message", refuses_nan_and_infinity::<S>),
        ("use before fit is a not-fitted error", refuses_use_before_fit::<S>),
        ("the wrong width names both widths", refuses_the_wrong_width::<S>),
        ("empty input is refused", refuses_empty_input::<S>),
        ("save and load round-trip to the byte", round_trips_to_the_byte::<S>),
        ("the same seed gives the same bytes", same_seed_same_bytes::<S>),
        ("a clone is the same model", clones_are_the_same_model::<S>),
        ("a corrupted file is refused", refuses_corrupted_files::<S>),
        ("it is Send and Sync", is_send_and_sync::<S>),
    ]
}

fn run_battery<S: Subject>() {
    checks::run_every(&format!("{}'s conformance checks", S::KIND), checks_of::<S>());
}

/// One test per kind, and the test that every kind of the registry has one.
macro_rules! battery {
    ($($test:ident: $subject:ty;)*) => {
        $(
            #[test]
            fn $test() {
                run_battery::<$subject>();
            }
        )*

        #[test]
        fn every_registered_kind_is_covered() {
            let covered = [$(<$subject as ModelFile>::KIND),*];
            for kind in EstimatorKind::ALL {
                assert!(covered.contains(&kind), "the conformance battery does not cover {kind}");
            }
        }
    };
}

battery! {
    mlp_classifier: MlpClassifier<f64, i64>;
    mlp_regressor: MlpRegressor<f64>;
    perceptron: Perceptron<f64, i64>;
    bernoulli_rbm: BernoulliRbm<f64>;
    rnn_classifier: RnnClassifier<f64, i64>;
    rnn_regressor: RnnRegressor<f64>;
}
