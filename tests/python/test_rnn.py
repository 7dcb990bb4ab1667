"""``neurona.RNNClassifier`` and ``neurona.RNNRegressor``: recurrent networks over sequences, with
scikit-learn's conventions.

What is tested here: learning (a memory task whose label is the sign of the first step, read
30 steps later; next-value forecasting, one output per step); the three forms of X (a 3-D
array, aeon's ``features_steps`` layout, a list of unequal lengths) and their equivalences;
exact persistence (pickles, ``save``/``load``, files with no Python metadata, ``partial_fit``
continued after a round trip); determinism (the same ``random_state`` gives the same bytes;
``n_jobs=1`` and ``n_jobs=2`` the same bits); weights given by name before training; every bad
input named by what and where; ``get_params``/``set_params``/``clone``; and scikit-learn's
estimator checks that apply to 3-D input.

scikit-learn's estimator checks. ``APPLICABLE_CHECKS`` run on both estimators as scikit-learn
runs them. The others feed 2-D X (scikit-learn's checks build every data set as ``(n_samples,
n_features)`` and have no tag to build 3-D ones), which a sequence estimator must refuse, so
they do not apply; ``NOT_APPLICABLE`` gives the reason for each, and a test checks that the two
lists cover every check scikit-learn yields, so that a check added upstream is decided on. Their
promises for sequences are tested here on 3-D data instead: pickling and ``save`` round trips
(``check_estimators_pickle``), refitting gives the same model (``check_fit_idempotent``), one
model whatever the thread count, NaN and infinity refused (``check_estimators_nan_inf``), empty
input refused (``check_estimators_empty_data_messages``), the width checked at prediction
(``check_n_features_in``, ``check_estimators_partial_fit_n_features``), float32 kept
(``check_estimators_dtypes``), the parameters left alone by ``fit``
(``check_dont_overwrite_parameters``), ``fit`` returning self, ``y`` of the wrong length.
"""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils import estimator_checks
from sklearn.utils._param_validation import InvalidParameterError

import neurona
from neurona import RNNClassifier, RNNRegressor, _core

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# ---------------------------------------------------------------------- data


def memory_task(n, n_steps=30, seed=0):
    """Sequences of noise whose first step is +1 or -1; the label is that sign, which the
    network must carry through ``n_steps`` steps."""
    rng = np.random.RandomState(seed)
    X = rng.normal(scale=0.5, size=(n, n_steps, 1))
    first = rng.choice([-1.0, 1.0], size=n)
    X[:, 0, 0] = first
    return X, np.where(first > 0, "up", "down")


def unequal(n=40, seed=1, n_features=2):
    """Sequences of 3 to 9 steps; the label is the sign of the first feature's first value."""
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(3 + i % 7, n_features)) for i in range(n)]
    return X, np.array([int(x[0, 0] > 0) for x in X])


def sine(n=40, n_steps=25, seed=2):
    """Noisy sine waves of random phase and frequency; the target at each step is the next
    value (step-by-step forecasting)."""
    rng = np.random.RandomState(seed)
    t = np.arange(n_steps + 1)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    freq = rng.uniform(0.2, 0.4, size=(n, 1))
    wave = np.sin(freq * t + phase) + rng.normal(scale=0.05, size=(n, n_steps + 1))
    return wave[:, :-1, None], wave[:, 1:]


SMALL = dict(cell="gru", hidden_size=6, max_iter=15, random_state=0)


def fitted_classifier(**params):
    X, y = unequal()
    return RNNClassifier(**{**SMALL, **params}).fit(X, y)


def file_bytes(model, tmp_path, name="m.safetensors"):
    model.save(tmp_path / name)
    return (tmp_path / name).read_bytes()


def assert_same_tensors(a, b):
    assert list(a.state_dict_) == list(b.state_dict_)
    for name in a.state_dict_:
        assert_array_equal(a.state_dict_[name], b.state_dict_[name], err_msg=name)


# ---------------------------------------------------------------------- learning


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_memory_task_is_learned(cell):
    X, y = memory_task(100, seed=0)
    X_test, y_test = memory_task(200, seed=1)
    clf = RNNClassifier(cell, 8, learning_rate_init=0.01, n_iter_no_change=50, random_state=0)
    assert clf.fit(X, y) is clf
    assert list(clf.classes_) == ["down", "up"]
    assert clf.score(X_test, y_test) >= 0.95
    proba = clf.predict_proba(X_test)
    assert proba.shape == (200, 2) and proba.dtype == np.float64
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_array_equal(clf.predict(X_test), clf.classes_[proba.argmax(axis=1)])
    assert_allclose(clf.predict_log_proba(X_test), np.log(proba))
    # The fitted attributes of the MLPs, and the weights by PyTorch's names.
    assert clf.n_features_in_ == 1 and clf.n_outputs_ == 1 and clf.out_activation_ == "logistic"
    assert clf.n_iter_ == len(clf.loss_curve_) and clf.loss_ == clf.loss_curve_[-1]
    assert clf.t_ == 100 * clf.n_iter_ and clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    gates = 4 if cell == "lstm" else 3
    shapes = {name: array.shape for name, array in clf.state_dict_.items()}
    assert shapes == {
        "weight_ih_l0": (gates * 8, 1),
        "weight_hh_l0": (gates * 8, 8),
        "bias_ih_l0": (gates * 8,),
        "bias_hh_l0": (gates * 8,),
        "coefs_0": (8, 1),
        "intercepts_0": (1,),
    }


def test_next_value_forecasting_one_output_per_step():
    X, y = sine(seed=2)
    X_test, y_test = sine(seed=3)
    reg = RNNRegressor("gru", 16, output="step", learning_rate_init=0.01, max_iter=300, random_state=0)
    reg.fit(X, y)  # y as one array per sequence: (n_sequences, n_steps)
    assert reg.score(X_test, y_test) >= 0.9
    predicted = reg.predict(X_test)
    assert predicted.shape == (40 * 25,)  # one row per step, sequence by sequence
    # (A batch of one takes other products than a batch of 40: equal to rounding.)
    assert_allclose(predicted.reshape(40, 25)[3], reg.predict(X_test[3:4]), rtol=1e-12)
    # The same targets as rows give the same model.
    rows = RNNRegressor("gru", 16, output="step", learning_rate_init=0.01, max_iter=300, random_state=0)
    assert pickle.dumps(rows.fit(X, y.reshape(-1))) == pickle.dumps(reg)


def test_multiclass_multilabel_and_multi_output():
    X, _ = unequal(60)
    n_steps = np.array([len(x) for x in X])
    three = n_steps % 3
    clf = RNNClassifier(**SMALL).fit(X, three)
    assert list(clf.classes_) == [0, 1, 2] and clf.out_activation_ == "softmax"
    assert clf.predict_proba(X).shape == (60, 3)
    labels = np.stack([n_steps > 5, n_steps % 2 == 0], axis=1).astype(int)
    multi = RNNClassifier(**SMALL).fit(X, labels)
    assert multi.predict(X).shape == (60, 2) and multi.predict(X).dtype == np.int64
    assert multi.predict_proba(X).shape == (60, 2)
    assert 0 <= multi.score(X, labels) <= 1
    with pytest.raises(ValueError, match="multi-label indicator matrix"):
        multi.partial_fit(X, three)
    reg = RNNRegressor(**SMALL).fit(X, np.stack([n_steps, -n_steps], axis=1) / 10)
    assert reg.predict(X).shape == (60, 2) and reg.n_outputs_ == 2


def test_stacked_bidirectional_layers_a_dense_head_and_early_stopping():
    X, y = unequal(60)
    clf = RNNClassifier(
        "lstm", 5, num_layers=2, bidirectional=True, hidden_layer_sizes=(7,), early_stopping=True,
        max_iter=8, n_iter_no_change=100, random_state=0,
    ).fit(X, y)
    shapes = {name: array.shape for name, array in clf.state_dict_.items()}
    assert shapes["weight_ih_l0"] == (20, 2) and shapes["weight_ih_l1_reverse"] == (20, 10)
    assert shapes["bias_hh_l1_reverse"] == (20,)
    assert shapes["coefs_0"] == (10, 7) and shapes["coefs_1"] == (7, 1) and shapes["intercepts_1"] == (1,)
    assert len(clf.state_dict_) == 2 * 2 * 4 + 4
    assert len(clf.validation_scores_) == 8 and clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    lbfgs = RNNRegressor("rnn", 4, nonlinearity="relu", solver="lbfgs", max_iter=5, random_state=0)
    lbfgs.fit(X, y.astype(float))
    assert lbfgs.n_iter_ <= 5 and not hasattr(lbfgs, "loss_curve_")


def test_tagging_one_label_per_step():
    X, _ = unequal(30)
    tags = [np.where(x[:, 1] > 0, "pos", "neg") for x in X]
    clf = RNNClassifier(**{**SMALL, "output": "step"}).fit(X, tags)
    predicted = clf.predict(X)
    assert predicted.shape == (sum(len(x) for x in X),)
    assert set(predicted) <= {"neg", "pos"}
    assert clf.score(X, tags) == clf.score(X, np.concatenate(tags))
    assert clf.predict_proba(X).shape == (len(predicted), 2)


# ---------------------------------------------------------------------- the forms of X


def test_unequal_lengths_are_exact():
    X, y = unequal()
    clf = fitted_classifier()
    proba = clf.predict_proba(X)
    # A sequence predicted alone, beside longer ones, or beside shorter ones: the same bits
    # (padding never enters an output).
    for i in (0, 6, 13):
        assert_array_equal(clf.predict_proba([X[i]]), proba[i : i + 1])
    assert_array_equal(clf.predict_proba(X[::-1]), proba[::-1])
    # A list of equal-length sequences and the 3-D array they make: the same model.
    X3, y3 = memory_task(20, n_steps=6)
    a = RNNClassifier(**SMALL).fit(X3, y3)
    b = RNNClassifier(**SMALL).fit(list(X3), y3)
    assert pickle.dumps(a) == pickle.dumps(b)


def test_the_aeon_layout_gives_the_model_of_the_transposed_steps_layout():
    X, y = memory_task(30, n_steps=8)
    X = np.concatenate([X, np.sin(X)], axis=2)  # two features
    steps = RNNClassifier(**SMALL).fit(X, y)
    aeon = RNNClassifier(**SMALL, layout="features_steps").fit(X.transpose(0, 2, 1).copy(), y)
    assert_same_tensors(steps, aeon)
    assert steps.loss_curve_ == aeon.loss_curve_ and aeon.n_features_in_ == 2
    assert_array_equal(aeon.predict_proba(X.transpose(0, 2, 1)), steps.predict_proba(X))
    # aeon's unequal-length collections: a list of (n_channels, n_timepoints_i) arrays.
    Xu, yu = unequal()
    steps = RNNClassifier(**SMALL).fit(Xu, yu)
    aeon = RNNClassifier(**SMALL, layout="features_steps").fit([x.T for x in Xu], yu)
    assert_same_tensors(steps, aeon)
    assert_array_equal(aeon.predict_proba([x.T for x in Xu]), steps.predict_proba(Xu))
    # The layout is read when X is: set_params after fitting changes how X is read.
    steps.set_params(layout="features_steps")
    assert_array_equal(steps.predict_proba([x.T for x in Xu]), aeon.predict_proba([x.T for x in Xu]))


def test_float32_stays_float32_and_lists_of_numbers_are_read():
    X, y = memory_task(20, n_steps=5)
    clf = RNNClassifier(**SMALL).fit(X.astype(np.float32), y)
    assert clf._core.dtype == "float32"
    assert clf.predict_proba(X).dtype == np.float32
    assert clf.state_dict_["weight_ih_l0"].dtype == np.float32
    nested = RNNClassifier(**SMALL).fit(X.tolist(), list(y))
    assert pickle.dumps(nested) == pickle.dumps(RNNClassifier(**SMALL).fit(X, y))


# ---------------------------------------------------------------------- persistence


def test_a_pickle_round_trip_is_exact(tmp_path):
    for model in (fitted_classifier(), RNNRegressor(**SMALL).fit(*sine(10))):
        data = pickle.dumps(model)
        back = pickle.loads(data)
        assert pickle.dumps(back) == data
        assert file_bytes(back, tmp_path, "a") == file_bytes(model, tmp_path, "b")
        X = unequal()[0] if isinstance(model, RNNClassifier) else sine(10)[0]
        assert_array_equal(back.predict(X), model.predict(X))
        assert_same_tensors(model, back)
        assert back.loss_curve_ == model.loss_curve_ and back.t_ == model.t_


def test_save_load_save_gives_the_same_bytes_and_string_labels_go_into_the_file(tmp_path):
    X, y = unequal()
    model = RNNClassifier(**SMALL).fit(X, np.where(y == 1, "yes", "no"))
    data = file_bytes(model, tmp_path)
    loaded = neurona.load(tmp_path / "m.safetensors")
    assert type(loaded) is RNNClassifier and list(loaded.classes_) == ["no", "yes"]
    assert file_bytes(loaded, tmp_path, "again.safetensors") == data
    assert_array_equal(loaded.predict(X), model.predict(X))
    _, _, header = _core.inspect(data)
    assert '"labels":["no","yes"]' in header.replace(" ", "")


def test_a_file_with_no_python_metadata_loads(tmp_path):
    # As the neurona command and the Rust crate write them: the core's header only.
    X, y = unequal()
    model = RNNClassifier(**SMALL, hidden_layer_sizes=(5,), batch_size=16, n_iter_no_change=np.inf).fit(X, y + 3)
    (tmp_path / "core.safetensors").write_bytes(model._core.to_bytes("{}", [3, 4]))
    loaded = neurona.load(tmp_path / "core.safetensors")
    assert loaded.get_params() == model.get_params()
    assert list(loaded.classes_) == [3, 4]
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    reg = RNNRegressor(**SMALL).fit(*sine(8))
    (tmp_path / "reg.safetensors").write_bytes(reg._core.to_bytes("{}"))
    assert_array_equal(neurona.load(tmp_path / "reg.safetensors").predict(sine(8)[0]), reg.predict(sine(8)[0]))


def test_partial_fit_continues_exactly_after_a_round_trip():
    X, y = unequal()
    first = RNNClassifier(**SMALL)
    for _ in range(3):
        first.partial_fit(X, y, classes=[0, 1])
    # As scikit-learn's MLPs: n_iter_ counts the last call's epochs, the curve every epoch.
    assert first.n_iter_ == 1 and len(first.loss_curve_) == 3 and first.t_ == 3 * len(X)
    twin = pickle.loads(pickle.dumps(first))
    first.partial_fit(X, y)
    twin.partial_fit(X, y)
    assert pickle.dumps(first) == pickle.dumps(twin)
    # Three partial_fit epochs are three fit epochs (no shuffle: the same batches).
    params = dict(SMALL, shuffle=False, n_iter_no_change=np.inf)
    stepped = RNNClassifier(**params)
    for _ in range(3):
        stepped.partial_fit(X, y, classes=[0, 1])
    whole = RNNClassifier(**{**params, "max_iter": 3}).fit(X, y)
    assert_same_tensors(stepped, whole)
    assert stepped.loss_curve_ == whole.loss_curve_
    # The regressor too.
    Xs, ys = sine(12)
    reg = RNNRegressor(**SMALL).partial_fit(Xs, ys[:, -1])
    again = pickle.loads(pickle.dumps(reg))
    assert pickle.dumps(reg.partial_fit(Xs, ys[:, -1])) == pickle.dumps(again.partial_fit(Xs, ys[:, -1]))


def test_partial_fit_rules():
    X, y = unequal()
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        RNNClassifier(**SMALL).partial_fit(X, y)
    clf = RNNClassifier(**SMALL).partial_fit(X, y, classes=[0, 1, 2])
    assert list(clf.classes_) == [0, 1, 2]
    with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        clf.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match="not a multi-label indicator matrix"):
        RNNClassifier(**SMALL).partial_fit(X, np.stack([y, y], axis=1), classes=[0, 1])
    assert not hasattr(RNNClassifier(solver="lbfgs"), "partial_fit")


def test_warm_start_continues_and_keeps_the_classes():
    X, y = unequal()
    clf = RNNClassifier(**SMALL, warm_start=True).fit(X, y)
    twin = pickle.loads(pickle.dumps(clf))
    assert (clf.n_iter_, len(clf.loss_curve_)) == (15, 15)
    clf.fit(X, y)
    assert (clf.n_iter_, len(clf.loss_curve_), clf.t_) == (15, 30, 30 * len(X))
    assert clf.loss_curve_[:15] == twin.loss_curve_
    assert pickle.dumps(twin.fit(X, y)) == pickle.dumps(clf)
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same classes"):
        clf.fit(X, y + 1)


# ---------------------------------------------------------------------- determinism


def test_the_same_random_state_gives_the_same_bytes(tmp_path):
    X, y = unequal()
    for cls in (RNNClassifier, RNNRegressor):
        target = y if cls is RNNClassifier else y.astype(float)
        params = dict(cell="lstm", hidden_size=5, num_layers=2, bidirectional=True, dropout=0.2, max_iter=5)
        a = cls(**params, random_state=7).fit(X, target)
        b = cls(**params, random_state=7).fit(X, target)
        assert file_bytes(a, tmp_path, "a") == file_bytes(b, tmp_path, "b")
        assert pickle.dumps(a) == pickle.dumps(b)
        c = cls(**params, random_state=8).fit(X, target)
        assert file_bytes(c, tmp_path, "c") != file_bytes(a, tmp_path, "a")
    # A RandomState instance is drawn from, as scikit-learn's estimators draw from it.
    first = RNNClassifier(**{**SMALL, "random_state": np.random.RandomState(3)}).fit(X, y)
    second = RNNClassifier(**{**SMALL, "random_state": np.random.RandomState(3)}).fit(X, y)
    assert_same_tensors(first, second)


def test_one_thread_and_two_give_the_same_bits():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(128, 20, 8))
    y = (X[:, :3, 0].sum(axis=1) > 0).astype(int)
    models = []
    for n_jobs in (1, 2):
        clf = RNNClassifier("lstm", 64, batch_size=64, max_iter=2, random_state=0, n_jobs=n_jobs)
        models.append(clf.fit(X, y))
    a, b = models
    assert_same_tensors(a, b)
    assert a.loss_curve_ == b.loss_curve_
    b.set_params(n_jobs=2)
    a.set_params(n_jobs=1)
    assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    for n_jobs in (1, 2):
        a.set_params(n_jobs=n_jobs)
        a.partial_fit(X, y)
    b.set_params(n_jobs=2)
    b.partial_fit(X, y)
    b.set_params(n_jobs=1)
    b.partial_fit(X, y)
    assert_same_tensors(a, b)


def test_a_sample_weight_of_two_is_the_sequence_twice():
    # Full-batch L-BFGS sums the same terms either way (scikit-learn's equivalence check, run
    # for its MLPs with lbfgs); a weight of zero removes the sequence.
    X, y = unequal(30)
    params = dict(SMALL, solver="lbfgs", max_iter=30)
    weights = np.ones(30)
    weights[[2, 7]] = 2.0
    weights[[4, 11]] = 0.0
    kept = [i for i in range(30) for _ in range(int(weights[i]))]
    weighted = RNNClassifier(**params).fit(X, y, sample_weight=weights)
    repeated = RNNClassifier(**params).fit([X[i] for i in kept], y[kept])
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-7)
    assert_allclose(weighted.loss_, repeated.loss_, rtol=1e-9)
    Xs, ys = sine(12)
    reg = RNNRegressor(**params).fit(Xs, ys[:, -1], sample_weight=np.r_[2.0, np.ones(11)])
    twice = RNNRegressor(**params).fit(np.concatenate([Xs[:1], Xs]), np.r_[ys[0, -1], ys[:, -1]])
    assert_allclose(reg.predict(Xs), twice.predict(Xs), rtol=1e-7)


def test_training_and_prediction_release_the_gil(releases_the_gil):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 30, 4))
    y = X[:, 0, 0]
    model = RNNRegressor("lstm", 32, max_iter=5, random_state=0)
    releases_the_gil(lambda: model.fit(X, y))
    releases_the_gil(lambda: model.predict(X))


# ---------------------------------------------------------------------- weights by name


def test_weights_assigned_before_training_are_where_training_begins():
    X, y = unequal()
    trained = fitted_classifier(max_iter=30)
    weights = {name: np.array(array) for name, array in trained.state_dict_.items()}
    # sgd with a negligible step: the start is the trained model, to within the step.
    fresh = RNNClassifier(**{**SMALL, "solver": "sgd", "learning_rate_init": 1e-12, "momentum": 0.0})
    fresh.state_dict_ = weights
    fresh.partial_fit(X, y, classes=[0, 1])
    assert_allclose(fresh.predict_proba(X), trained.predict_proba(X), atol=1e-9)
    assert fresh.state_dict_ is not weights
    # A tensor of the wrong shape, or one the network lacks, is named.
    bad = RNNClassifier(**SMALL, warm_start=True)
    bad.state_dict_ = {**weights, "weight_hh_l0": np.zeros((3, 3))}
    with pytest.raises(ValueError, match=r"'weight_hh_l0' of shape \[3, 3\], but the network's is \[18, 6\]"):
        bad.fit(X, y)
    bad.state_dict_ = {**weights, "weight_ih_l1": np.zeros((18, 6))}
    with pytest.raises(ValueError, match="'weight_ih_l1', which this network does not have"):
        bad.fit(X, y)
    # The fitted weights are read-only copies; replacing them after training is refused.
    with pytest.raises(ValueError, match="read-only"):
        trained.state_dict_["coefs_0"][0, 0] = 1.0
    trained.state_dict_ = weights
    with pytest.raises(ValueError, match="state_dict_ of a fitted RNNClassifier was replaced"):
        trained.predict(X)


# ---------------------------------------------------------------------- bad input


def test_bad_sequences_are_named():
    clf = RNNClassifier(**SMALL)
    X, y = unequal(6)
    cases = [
        (
            [x.tolist() for x in X[:2]] + [[[0.1, 0.2], [0.3]]] + X[3:],
            r"X\[2\] \(sequence 2\) is ragged: step 1 has 1 values, but step 0 has 2",
        ),
        (
            X[:4] + [np.zeros((0, 2))] + X[5:],
            r"X has 0 steps in sequence 4 \(shape \(0, 2\)\), but every sequence needs at least 1",
        ),
        (X[:4] + [[]] + X[5:], r"X has 0 steps in sequence 4"),
        (X[:3] + [np.ones((4, 3))] + X[4:], r"X has 3 features in sequence 3, but 2 in sequence 0"),
        (X[:5] + [np.ones(4)], r"X\[5\] must be a 2-D array \(n_steps, n_features\) of sequence 5, got shape \(4,\)"),
        ([np.array([["a", "b"]])], r"X\[0\] \(sequence 0\) must hold numbers"),
        (
            np.ones((6, 5)),
            r"X must be a 3-D array \(n_sequences, n_steps, n_features\) or a list of 2-D arrays .* "
            r"got an array of shape \(6, 5\); for one feature per step, reshape it to \(6, 5, 1\)",
        ),
        (np.ones((6, 5, 2, 1)), r"got an array of shape \(6, 5, 2, 1\)"),
        ([], r"X is empty \(0 sequences\), but at least 1 is needed"),
        (np.ones((6, 0, 2)), r"X has 0 steps \(shape \(6, 0, 2\)\)"),
        (np.ones((6, 3, 0)), r"X has 0 features"),
    ]
    for X_bad, match in cases:
        with pytest.raises(ValueError, match=match):
            clf.fit(X_bad, y[: len(X_bad)] if len(X_bad) else y[:0])
    for value, word in ((np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")):
        X3 = np.zeros((6, 4, 2))
        X3[2, 3, 1] = value
        with pytest.raises(ValueError, match=f"X contains {word} in sequence 2 at step 3, feature 1"):
            clf.fit(X3, y)
        aeon = RNNClassifier(**SMALL, layout="features_steps")
        with pytest.raises(ValueError, match=f"X contains {word} in sequence 2 at step 3, feature 1"):
            aeon.fit(X3.transpose(0, 2, 1), y)
        listed = [x.copy() for x in X]
        listed[4][1, 0] = value
        with pytest.raises(ValueError, match=f"X contains {word} in sequence 4 at step 1, feature 0"):
            clf.fit(listed, y)


def test_bad_targets_and_widths_are_named():
    X, y = unequal(6)
    with pytest.raises(ValueError, match="y has 5 rows, but X has 6 sequences: one target per sequence"):
        RNNClassifier(**SMALL).fit(X, y[:5])
    with pytest.raises(ValueError, match="y has 7 rows, but X has 6 sequences"):
        RNNRegressor(**SMALL).fit(X, np.ones(7))
    total = sum(len(x) for x in X)
    step = RNNRegressor(**SMALL, output="step")
    with pytest.raises(ValueError, match=f"y has 5 rows, but X has {total} steps in all \\(6 sequences\\)"):
        step.fit(X, np.ones(5))
    per_sequence = [np.ones(len(x)) for x in X]
    per_sequence[3] = np.ones(len(X[3]) + 1)
    message = f"y\\[3\\] has {len(X[3]) + 1} rows, but sequence 3 has {len(X[3])} steps"
    with pytest.raises(ValueError, match=message):
        step.fit(X, per_sequence)
    with pytest.raises(ValueError, match="sample_weight"):
        RNNClassifier(**SMALL).fit(X, y, sample_weight=np.ones(5))
    clf = RNNClassifier(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but RNNClassifier is expecting 2 features as input"):
        clf.predict([np.ones((4, 3))])
    with pytest.raises(ValueError, match="y has 2 rows, but X has 6 sequences"):
        clf.score(X, y[:2])
    with pytest.raises(ValueError, match="y has 1 class"):
        RNNClassifier(**SMALL).fit(X, np.zeros(6))
    with pytest.raises(NotFittedError, match="This RNNRegressor instance is not fitted yet"):
        RNNRegressor().predict(X)


def test_parameters_are_checked_with_scikit_learns_constraints():
    X, y = unequal(6)
    for bad in (dict(cell="transformer"), dict(hidden_size=0), dict(dropout=1.0), dict(layout="nct"),
                dict(output="token"), dict(clip_grad_norm=0.0), dict(n_jobs=0), dict(nonlinearity="gelu")):
        with pytest.raises(InvalidParameterError, match=f"The '{next(iter(bad))}' parameter of RNNClassifier"):
            RNNClassifier(**bad).fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be > 0"):
        RNNClassifier(hidden_layer_sizes=(3, 0)).fit(X, y)
    with pytest.raises(ValueError, match="solver must be sgd or adam when dropout > 0"):
        RNNClassifier(solver="lbfgs", dropout=0.5).fit(X, y)


# ---------------------------------------------------------------------- scikit-learn's API


def test_get_params_set_params_and_clone():
    clf = RNNClassifier("gru", 16, num_layers=2, bidirectional=True, hidden_layer_sizes=(8,), n_jobs=2)
    params = clf.get_params()
    assert params["cell"] == "gru" and params["hidden_size"] == 16 and params["num_layers"] == 2
    assert params["n_jobs"] == 2 and params["layout"] == "steps_features" and params["clip_grad_norm"] is None
    assert clf.set_params(cell="lstm", clip_grad_norm=1.0) is clf and clf.cell == "lstm"
    twin = clone(clf)
    assert twin.get_params() == clf.get_params() and twin is not clf
    fitted = fitted_classifier()
    copy = clone(fitted)
    assert not copy.__sklearn_is_fitted__()
    X, y = unequal()
    assert pickle.dumps(copy.fit(X, y)) == pickle.dumps(fitted)
    assert RNNRegressor().get_params().keys() == RNNClassifier().get_params().keys()


def test_verbose_prints_scikit_learns_lines(capsys):
    X, y = unequal()
    RNNClassifier(**{**SMALL, "max_iter": 3}, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Iteration 1, loss = ") and len(lines) == 3


def test_the_spec_table_is_the_signature():
    for cls, kind in ((RNNClassifier, "RNNClassifier"), (RNNRegressor, "RNNRegressor")):
        params = cls().get_params()
        names = {name for name, *_ in _core.specs(kind)}
        assert names <= set(params), names - set(params)
        assert set(params) - names == {"n_jobs"}


#: Checks that apply to a 3-D estimator: they build no data, or refuse before reading X.
APPLICABLE_CHECKS = {
    "check_estimator_cloneable",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    # predict, predict_proba and predict_log_proba raise NotFittedError before reading X.
    "check_estimators_unfitted",
    # 1-D X is refused with a ValueError, as a 2-D one is.
    "check_fit1d",
}

_FEEDS_2D = "feeds 2-D X (n_samples, n_features); a sequence estimator refuses it"
#: Every other check scikit-learn 1.9 yields for a classifier or a regressor, and why it does
#: not apply. The promises of the data checks are tested above on 3-D data.
NOT_APPLICABLE = {
    **{
        name: _FEEDS_2D
        for name in (
            "check_all_zero_sample_weights_error",
            "check_classifier_data_not_an_array",
            "check_classifiers_classes",
            "check_classifiers_multilabel_output_format_predict",
            "check_classifiers_multilabel_output_format_predict_proba",
            "check_classifiers_multilabel_representation_invariance",
            "check_classifiers_one_label",
            "check_classifiers_one_label_sample_weights",
            "check_classifiers_regression_target",
            "check_classifiers_train",
            "check_complex_data",
            "check_dict_unchanged",
            "check_dont_overwrite_parameters",
            "check_dtype_object",
            "check_estimators_dtypes",
            "check_estimators_empty_data_messages",
            "check_estimators_fit_returns_self",
            "check_estimators_nan_inf",
            "check_estimators_overwrite_params",
            "check_estimators_partial_fit_n_features",
            "check_estimators_pickle",
            "check_f_contiguous_array_estimator",
            "check_fit2d_1feature",
            "check_fit2d_1sample",
            "check_fit2d_predict1d",
            "check_fit_check_is_fitted",
            "check_fit_idempotent",
            "check_fit_score_takes_y",
            "check_methods_sample_order_invariance",
            "check_methods_subset_invariance",
            "check_n_features_in",
            "check_non_transformer_estimators_n_iter",
            "check_pipeline_consistency",
            "check_positive_only_tag_during_fit",
            "check_readonly_memmap_input",
            "check_regressor_data_not_an_array",
            "check_regressors_int",
            "check_regressors_no_decision_function",
            "check_regressors_train",
            "check_requires_y_none",
            "check_sample_weight_equivalence_on_dense_data",
            "check_sample_weights_list",
            "check_sample_weights_not_an_array",
            "check_sample_weights_not_overwritten",
            "check_sample_weights_pandas_series",
            "check_sample_weights_shape",
            "check_supervised_y_2d",
            "check_supervised_y_no_nan",
        )
    },
    "check_estimator_sparse_array": "feeds sparse 2-D X; sequences are dense (the tag says so)",
    "check_estimator_sparse_matrix": "feeds sparse 2-D X; sequences are dense (the tag says so)",
    "check_estimator_sparse_tag": "feeds sparse 2-D X; sequences are dense (the tag says so)",
    "check_array_api_input": "feeds 2-D arrays of the array API; neurona's input is numpy",
    "check_classifiers_multilabel_output_format_decision_function": "no decision_function",
    "check_decision_proba_consistency": "no decision_function",
    "check_n_features_in_after_fitting": "returns at once for an estimator without the two_d_array tag",
}


def _check_names(estimator):
    """The names of every check scikit-learn yields for ``estimator`` were it a 2-D estimator
    (for a 3-D one it yields none at all)."""

    class TwoD(type(estimator)):
        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.input_tags.two_d_array = True
            return tags

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        checks = estimator_checks._yield_all_checks(TwoD(), legacy=True)
        return {getattr(check, "func", check).__name__ for check in checks} | {"check_estimator_cloneable"}


@pytest.mark.parametrize(
    "estimator",
    [RNNClassifier(hidden_size=4, max_iter=5), RNNRegressor(hidden_size=4, max_iter=5)],
    ids=lambda e: type(e).__name__,
)
def test_scikit_learns_estimator_checks_that_apply_to_3d_input(estimator):
    undecided = _check_names(estimator) - APPLICABLE_CHECKS - set(NOT_APPLICABLE)
    assert not undecided, f"checks to decide on: {sorted(undecided)}"
    name = type(estimator).__name__
    for check in sorted(APPLICABLE_CHECKS):
        getattr(estimator_checks, check)(name, clone(estimator))
    # The tags say what X is.
    tags = estimator.__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array and not tags.input_tags.sparse
