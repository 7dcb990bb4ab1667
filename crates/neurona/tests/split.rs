//! The early-stopping split against scikit-learn 1.9.1's `train_test_split`.
//!
//! The fixture is written by `scripts/fixtures/splits.py`: every case starts from
//! `RandomState(seed)` after `advance` doubles, splits `arange(n)`, then draws three words, so
//! the test checks both the split and how far the split moved the generator.

use neurona::NeuronaError;
use neurona::data::split::{TrainTestSplit, train_test_split_indices};
use neurona::rng::RandomState;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    sklearn_version: String,
    cases: Vec<Case>,
    errors: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    n: usize,
    test_fraction_bits: String,
    seed: u32,
    advance: usize,
    /// One '0' or '1' per sample, or null for an unstratified split.
    stratify: Option<String>,
    #[serde(default)]
    train: Vec<usize>,
    #[serde(default)]
    test: Vec<usize>,
    #[serde(default)]
    u32_after: Vec<u32>,
    error: Option<String>,
}

impl Case {
    fn test_fraction(&self) -> f64 {
        f64::from_bits(u64::from_str_radix(&self.test_fraction_bits, 16).expect("hex bits"))
    }

    fn key(&self) -> Option<Vec<bool>> {
        self.stratify.as_ref().map(|s| s.bytes().map(|b| b == b'1').collect())
    }

    /// The generator in the state scikit-learn's split started from.
    fn rng(&self) -> RandomState {
        let mut rng = RandomState::new(self.seed);
        for _ in 0..self.advance {
            rng.next_double();
        }
        rng
    }

    fn describe(&self) -> String {
        let stratified = if self.stratify.is_some() { "stratified" } else { "unstratified" };
        format!("{stratified} n={} f={} seed={} advance={}", self.n, self.test_fraction(), self.seed, self.advance)
    }

    fn run(&self, rng: &mut RandomState) -> neurona::Result<TrainTestSplit> {
        let key = self.key();
        train_test_split_indices(self.n, self.test_fraction(), key.as_deref(), rng)
    }
}

fn fixture() -> Fixture {
    serde_json::from_str(include_str!("fixtures/splits.json")).expect("splits.json parses")
}

#[test]
fn fixture_comes_from_the_pinned_scikit_learn() {
    assert_eq!(fixture().sklearn_version, "1.9.1");
}

#[test]
fn splits_match_scikit_learn() {
    let fixture = fixture();
    assert!(fixture.cases.iter().any(|c| c.stratify.is_some()));
    assert!(fixture.cases.iter().any(|c| c.stratify.is_none()));
    for case in &fixture.cases {
        let what = case.describe();
        let mut rng = case.rng();
        let split = case.run(&mut rng).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(split.train, case.train, "{what}: train");
        assert_eq!(split.test, case.test, "{what}: test");
        let after: Vec<u32> = case.u32_after.iter().map(|_| rng.next_u32()).collect();
        assert_eq!(after, case.u32_after, "{what}: the split drew a different number of words");
    }
}

#[test]
fn stratified_splits_keep_the_class_shares() {
    for case in fixture().cases.iter().filter(|c| c.stratify.is_some()) {
        let key = case.key().unwrap();
        let split = case.run(&mut case.rng()).unwrap();
        let n_true = key.iter().filter(|&&k| k).count();
        let test_true = split.test.iter().filter(|&&i| key[i]).count();
        let expected = n_true as f64 / case.n as f64 * split.test.len() as f64;
        assert!((test_true as f64 - expected).abs() <= 1.0, "{}", case.describe());
    }
}

#[test]
fn errors_carry_scikit_learns_messages() {
    for case in fixture().errors {
        let expected = case.error.as_deref().expect("an error case has a message");
        let mut rng = case.rng();
        let before = rng.clone();
        let err = case.run(&mut rng).expect_err(&case.describe());
        assert!(matches!(err, NeuronaError::InvalidInput { .. }), "{}: {err:?}", case.describe());
        let message = err.to_string();
        assert!(message.ends_with(expected), "{}:\n  got      {message}\n  expected {expected}", case.describe());
        assert_eq!(rng, before, "{}: nothing is drawn on error", case.describe());
    }
}

/// The error of a split that must fail (from a generator seeded with 0).
fn split_error(n: usize, test_fraction: f64, stratify: Option<&[bool]>) -> NeuronaError {
    train_test_split_indices(n, test_fraction, stratify, &mut RandomState::new(0)).unwrap_err()
}

#[test]
fn the_upstream_mlp_test_message() {
    // test_mlp.py::test_early_stopping_stratified: 4 samples, one positive.
    assert_eq!(
        split_error(4, 0.1, Some(&[false, false, false, true])).to_string(),
        "stratify has a class with a single sample: The least populated classes in y have only 1 \
         member, which is too few. The minimum number of groups for any class cannot be less \
         than 2. Classes with too few members are: ['True']"
    );
}

#[test]
fn test_fraction_out_of_range() {
    for f in [0.0, 1.0, -0.5, 1.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0] {
        let err = split_error(20, f, None);
        assert!(
            err.to_string().contains("should be either positive and smaller than the number of samples 20"),
            "{f}: {err}"
        );
    }
    assert_eq!(
        split_error(20, f64::NAN, None).to_string(),
        "test_size is out of range: test_size=nan should be either positive and smaller than the \
         number of samples 20 or a float in the (0, 1) range"
    );
}

#[test]
fn empty_training_set() {
    assert_eq!(
        split_error(1, 0.5, None).to_string(),
        "test_size leaves no training sample: With n_samples=1, test_size=0.5 and \
         train_size=None, the resulting train set will be empty. Adjust any of the \
         aforementioned parameters."
    );
    // The largest fraction below 1 rounds n * f up to n.
    let f = 1.0 - f64::EPSILON / 2.0;
    assert!(train_test_split_indices(1 << 40, f, None, &mut RandomState::new(0)).is_err());
}

#[test]
fn stratify_of_the_wrong_length() {
    let err = split_error(4, 0.5, Some(&[true, false, true]));
    assert_eq!(err, NeuronaError::InconsistentSamples { input: "stratify", expected: 4, found: 3 });
}

#[test]
fn too_few_samples_for_the_classes() {
    let key = [false, true, false, true];
    assert_eq!(
        split_error(4, 0.25, Some(&key)).to_string(),
        "stratify has more classes than the test set has samples: The test_size = 1 should be \
         greater or equal to the number of classes = 2"
    );
    assert_eq!(
        split_error(4, 0.7, Some(&key)).to_string(),
        "stratify has more classes than the training set has samples: The train_size = 1 should \
         be greater or equal to the number of classes = 2"
    );
}

#[test]
fn splits_partition_the_samples() {
    let mut rng = RandomState::new(3);
    for n in 2..60 {
        for f in [0.01, 0.1, 0.25, 0.5, 0.75, 0.9] {
            let key: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
            for stratify in [None, Some(key.as_slice())] {
                let Ok(split) = train_test_split_indices(n, f, stratify, &mut rng) else {
                    continue;
                };
                assert_eq!(split.test.len(), (f * n as f64).ceil() as usize);
                let mut all: Vec<usize> = split.train.iter().chain(&split.test).copied().collect();
                all.sort_unstable();
                assert!(all.into_iter().eq(0..n), "n={n} f={f}");
            }
        }
    }
}

#[test]
fn same_seed_same_split() {
    let key: Vec<bool> = (0..97).map(|i| i % 4 == 1).collect();
    let a = train_test_split_indices(97, 0.2, Some(&key), &mut RandomState::new(9)).unwrap();
    let b = train_test_split_indices(97, 0.2, Some(&key), &mut RandomState::new(9)).unwrap();
    assert_eq!(a, b);
}
