"""Model files shared with the ``neurona`` command and the Rust crate: the files they write (their
own header, no Python metadata, a feature scaler) load in Python, and the command reads, predicts
with and continues the files Python writes, with the real class labels and column names.

The tests that run the ``neurona`` binary take ``$NEURONA_BIN``, else the newest
``target/{release,debug}/neurona`` of this checkout (``cargo build -p neurona-cli``, which
``scripts/test`` builds before pytest runs), and are skipped when there is none.
"""

import json
import os
import pathlib
import subprocess

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import neurona
from neurona import BernoulliRBM, MLPClassifier, Perceptron

SPECIES = np.array(["setosa", "versicolor", "virginica"])
#: iris's targets as labels of the two types the files hold as themselves.
LABELS = {"str": SPECIES, "int": np.array([2, 10, 30])}


pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# ---------------------------------------------------------------------- files without Python metadata


def cli_style_file(tmp_path, scaler):
    """A classifier file as the neurona command writes it: string labels, and the command's own
    header (feature names, scaler) under extra["cli"], with no Python metadata."""
    X, y = load_iris(return_X_y=True)
    y = SPECIES[y]
    model = MLPClassifier(hidden_layer_sizes=(6,), max_iter=30, random_state=0)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    model.fit((X - mean) / scale, y)
    cli = {
        "feature_names": ["a", "b", "c", "d"],
        "target_names": ["species"],
        "scaler": {"kind": "standard", "mean": mean.tolist(), "scale": scale.tolist()} if scaler else {"kind": "none"},
        "source": "iris.csv",
    }
    data = model._core.to_bytes(json.dumps({"cli": cli}), list(model.classes_))
    path = tmp_path / "cli.safetensors"
    path.write_bytes(data)
    return path, model, X, mean, scale


def test_load_reads_command_line_files(tmp_path):
    path, model, X, mean, scale = cli_style_file(tmp_path, scaler=False)
    loaded = neurona.load(path)
    assert isinstance(loaded, MLPClassifier)
    assert_array_equal(loaded.classes_, model.classes_)
    Xs = (X - mean) / scale
    assert_array_equal(loaded.predict(Xs), model.predict(Xs))
    assert loaded.get_params()["hidden_layer_sizes"] == (6,)


def test_load_wraps_a_command_line_scaler_in_a_pipeline(tmp_path):
    path, model, X, mean, scale = cli_style_file(tmp_path, scaler=True)
    loaded = neurona.load(path)
    assert isinstance(loaded, Pipeline)
    assert_array_equal(loaded.predict(X), model.predict((X - mean) / scale))


def test_a_file_without_python_metadata_loads_from_the_core_header(iris, tmp_path):
    """As the Rust crate writes it: no ``extra``, labels of the file's own type."""
    X, y = iris
    model = Perceptron(penalty="l1", alpha=1e-3, class_weight="balanced", tol=None, max_iter=7)
    model.fit(X, LABELS["int"][y])
    path = tmp_path / "rust.safetensors"
    path.write_bytes(model._core.to_bytes("null", [2, 10, 30]))
    loaded = neurona.load(path)
    assert_array_equal(loaded.classes_, [2, 10, 30])
    # The core holds the weights 'balanced' gave, per class (all 1 on iris).
    assert loaded.get_params() == {**model.get_params(), "class_weight": {2: 1.0, 10: 1.0, 30: 1.0}}
    assert_array_equal(loaded.predict(X), model.predict(X))
    assert_array_equal(loaded.coef_, model.coef_)
    assert not hasattr(loaded, "feature_names_in_")


# ---------------------------------------------------------------------- the neurona command


def _command():
    given = os.environ.get("NEURONA_BIN")
    if given:
        return given
    root = pathlib.Path(__file__).resolve().parents[2]
    built = [p for p in (root / "target" / k / "neurona" for k in ("release", "debug")) if p.is_file()]
    if not built:
        pytest.skip("no neurona binary: cargo build -p neurona-cli (or set NEURONA_BIN)")
    return str(max(built, key=lambda p: p.stat().st_mtime))


def neurona_command(*args, cwd):
    done = subprocess.run([_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"neurona {args}: {done.stderr}"
    return done.stdout


def write_csv(path, columns):
    names = list(columns)
    rows = zip(*columns.values())
    path.write_text(",".join(names) + "\n" + "".join(",".join(map(str, row)) + "\n" for row in rows))


def iris_tables(tmp_path, X, y):
    features = {name: X[:, j].tolist() for j, name in enumerate(["sl", "sw", "pl", "pw"])}
    write_csv(tmp_path / "features.csv", features)
    write_csv(tmp_path / "iris.csv", {**features, "species": list(y)})


def predicted_column(output):
    return [line.split(",")[0] for line in output.splitlines()[1:]]


@pytest.mark.parametrize("labels", ["str", "int"])
def test_the_command_reads_a_python_perceptron_with_its_real_labels(labels, iris, tmp_path):
    X, y = iris
    y = LABELS[labels][y]
    model = Perceptron(max_iter=10, random_state=0).fit(X, y)
    model.save(tmp_path / "p.safetensors")
    iris_tables(tmp_path, X, y)
    out = neurona_command("inspect", "p.safetensors", cwd=tmp_path)
    shown = ", ".join(map(str, model.classes_))
    assert f"classes: {shown}" in out, out
    assert "written by the Python package (neurona.Perceptron)" in out, out
    out = neurona_command("predict", "--model", "p.safetensors", "--data", "features.csv", cwd=tmp_path)
    assert predicted_column(out) == [str(label) for label in model.predict(X)]
    out = neurona_command(
        "evaluate", "--model", "p.safetensors", "--data", "iris.csv", "--target", "species", cwd=tmp_path
    )
    assert f"accuracy: {model.score(X, y):.4f}" in out, out


def test_the_command_uses_the_column_names_of_a_dataframe_fit(iris, tmp_path):
    import pandas as pd

    X, y = iris
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    model = Perceptron(max_iter=10).fit(frame, SPECIES[y])
    model.save(tmp_path / "p.safetensors")
    # The columns in another order, and one more: found by name.
    shuffled = {"id": list(range(len(X)))}
    shuffled.update({name: frame[name].tolist() for name in frame.columns[::-1]})
    write_csv(tmp_path / "shuffled.csv", shuffled)
    out = neurona_command("predict", "--model", "p.safetensors", "--data", "shuffled.csv", cwd=tmp_path)
    assert predicted_column(out) == list(model.predict(frame))


def test_load_reads_command_line_perceptron_and_rbm_files(iris, tmp_path):
    X, y = iris
    iris_tables(tmp_path, X, SPECIES[y])
    common = ["--data", "iris.csv", "--no-report", "--quiet"]
    neurona_command(
        "train", "--model-kind", "perceptron", "--target", "species", "--class-weight", "balanced",
        "--max-iter", "30", "--model", "p.safetensors", *common, cwd=tmp_path,
    )
    loaded = neurona.load(tmp_path / "p.safetensors")
    assert isinstance(loaded, Pipeline)
    assert isinstance(loaded["scaler"], StandardScaler) and isinstance(loaded["perceptron"], Perceptron)
    params = loaded["perceptron"].get_params()
    assert (params["class_weight"], params["max_iter"], params["penalty"]) == ("balanced", 30, None)
    assert list(loaded["perceptron"].classes_) == list(SPECIES)
    out = neurona_command("predict", "--model", "p.safetensors", "--data", "features.csv", cwd=tmp_path)
    assert predicted_column(out) == list(loaded.predict(X))

    neurona_command(
        "train", "--model-kind", "rbm", "--target", "species", "--n-components", "4", "--n-iter", "2",
        "--dtype", "f32", "--model", "r.safetensors", *common, cwd=tmp_path,
    )
    loaded = neurona.load(tmp_path / "r.safetensors")
    assert isinstance(loaded["scaler"], MinMaxScaler) and isinstance(loaded["rbm"], BernoulliRBM)
    assert loaded["rbm"].components_.dtype == np.float32
    assert loaded["rbm"].get_params()["n_components"] == 4
    out = neurona_command("transform", "--model", "r.safetensors", "--data", "features.csv", cwd=tmp_path)
    hidden = np.array([[float(v) for v in line.split(",")] for line in out.splitlines()[1:]])
    # The command scales as (x - min) / range, scikit-learn as x * scale + min: the last bits
    # of the features may differ.
    assert_allclose(loaded.transform(X), hidden, rtol=1e-5)

    # The command continues a Python model (unscaled, as it was trained) and writes its own
    # header, which load reads.
    model = Perceptron(max_iter=5).fit(X, SPECIES[y])
    model.save(tmp_path / "p.safetensors")
    neurona_command(
        "train", "--model-kind", "perceptron", "--target", "species", "--warm-start",
        "--max-iter", "3", "--model", "p.safetensors", *common, cwd=tmp_path,
    )
    continued = neurona.load(tmp_path / "p.safetensors")
    assert isinstance(continued, Perceptron) and continued.get_params()["max_iter"] == 3
    assert not np.array_equal(continued.coef_, model.coef_)
