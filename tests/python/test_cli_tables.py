"""The ``neurona`` command on real tables against scikit-learn: text categories, yes/no and
integer-coded columns, missing cells in numbers, text and target, an identifier left out.

The command's model must be the one scikit-learn's
``Pipeline([ColumnTransformer(SimpleImputer + OneHotEncoder), StandardScaler(), MLP...])`` fits
on the same training rows (the command leaves out the rows without a target, then holds out
``--test-fraction`` as ``train_test_split`` with the same ``random_state`` does): same weights,
same predictions; and ``neurona.load`` of the file is that fitted pipeline, which predicts from
a DataFrame of the raw table as the command does.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from test_command_files import neurona_command, predicted_column

import neurona

NUMBERS, CATEGORIES, YES_NO = ["age", "weight"], ["color", "grade"], ["smoker"]


def mixed_table(path, n=120, seed=0):
    """``id`` (an identifier), ``age`` and ``weight`` (numbers with holes), ``color`` (text with
    holes), ``grade`` (1 to 3, integer-coded), ``smoker`` (yes/no), ``outcome`` (a class, some
    missing) and ``score`` (a number to regress)."""
    rng = np.random.default_rng(seed)
    age = np.round(rng.uniform(20, 70, n), 1)
    weight = np.round(rng.normal(70, 12, n), 2)
    color = rng.choice(["red", "green", "blue", "Brown"], n)
    grade = rng.integers(1, 4, n)
    smoker = rng.choice(["yes", "no"], n)
    score = age / 10 + (smoker == "yes") * 3 + grade - (color == "red") * 2 + rng.normal(0, 0.3, n)
    outcome = np.where(score > np.median(score), "high", "low").astype(object)
    table = pd.DataFrame(
        {
            "id": [f"p{i:04d}" for i in range(n)],
            "age": age.astype(object),
            "weight": weight,
            "color": color.astype(object),
            "grade": grade,
            "smoker": smoker,
            "outcome": outcome,
            "score": score,
        }
    )
    table.loc[rng.choice(n, 6, replace=False), "age"] = "NA"
    table.loc[rng.choice(n, 4, replace=False), "weight"] = np.nan
    table.loc[rng.choice(n, 7, replace=False), "color"] = "?"
    table.loc[rng.choice(n, 3, replace=False), "outcome"] = ""
    table.to_csv(path, index=False)


def scikit_learn_pipeline(estimator):
    """The pipeline a scikit-learn user writes for the table."""
    columns = ColumnTransformer(
        [
            ("num", SimpleImputer(strategy="median"), NUMBERS),
            (
                "cat",
                Pipeline([("impute", SimpleImputer(strategy="most_frequent")), ("onehot", OneHotEncoder(sparse_output=False))]),
                CATEGORIES,
            ),
            (
                "yes_no",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("onehot", OneHotEncoder(drop=["no"], sparse_output=False)),
                    ]
                ),
                YES_NO,
            ),
        ]
    )
    return Pipeline([("columns", columns), ("scaler", StandardScaler()), ("model", estimator)])


@pytest.mark.parametrize(
    ("target", "drop", "estimator"),
    [
        ("outcome", "id,score", MLPClassifier(hidden_layer_sizes=(8,), max_iter=40, random_state=3)),
        ("score", "id,outcome", MLPRegressor(hidden_layer_sizes=(8,), max_iter=40, random_state=3)),
    ],
)
def test_the_command_fits_what_scikit_learn_fits_on_the_same_rows(tmp_path, target, drop, estimator):
    mixed_table(tmp_path / "mixed.csv")
    command = ["train", "--data", "mixed.csv", "--target", target, "--drop", drop, "--categorical", "grade"]
    command += ["--hidden-layer-sizes", "8", "--max-iter", "40", "--random-state", "3", "--no-report", "--quiet"]
    neurona_command(*command, cwd=tmp_path)

    table = pd.read_csv(tmp_path / "mixed.csv", na_values=["?"])
    table = table.dropna(subset=[target]).reset_index(drop=True)
    X, y = table[NUMBERS + CATEGORIES + YES_NO], table[target]
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=3)
    theirs = scikit_learn_pipeline(estimator).fit(X_train, y_train)

    ours = neurona.load(tmp_path / "model.safetensors")
    assert list(ours.named_steps) == ["columns", "scaler", "mlp"]
    assert_array_equal(
        ours[:-1].get_feature_names_out(), theirs[:-1].get_feature_names_out(), "the same columns, in the same order"
    )
    for a, b in zip(ours[-1].coefs_ + ours[-1].intercepts_, theirs[-1].coefs_ + theirs[-1].intercepts_):
        assert_allclose(a, b, rtol=1e-7, atol=1e-10)
    if target == "outcome":
        assert_array_equal(ours.predict(X_test), theirs.predict(X_test))
    else:
        assert_allclose(ours.predict(X_test), theirs.predict(X_test), rtol=1e-7)

    # The loaded pipeline predicts from the raw table as the command does.
    out = neurona_command("predict", "--model", "model.safetensors", "--data", "mixed.csv", cwd=tmp_path)
    raw = pd.read_csv(tmp_path / "mixed.csv", na_values=["?"])
    if target == "outcome":
        assert_array_equal(ours.predict(raw), predicted_column(out))
    else:
        assert_allclose(ours.predict(raw), np.array(predicted_column(out), dtype=float), rtol=1e-12)


def test_an_unseen_category_is_an_error_or_zeros_in_python_too(tmp_path):
    mixed_table(tmp_path / "mixed.csv")
    command = ["train", "--data", "mixed.csv", "--target", "outcome", "--drop", "id,score", "--max-iter", "5"]
    neurona_command(*command, "--handle-unknown", "ignore", "--no-report", "--quiet", cwd=tmp_path)
    ours = neurona.load(tmp_path / "model.safetensors")
    row = pd.DataFrame({"age": [30.0], "weight": [70.0], "color": ["purple"], "grade": [2], "smoker": ["yes"]})
    assert ours.predict(row).shape == (1,)
    encoded = ours[0].transform(row)
    color = [j for j, name in enumerate(ours[0].get_feature_names_out()) if name.startswith("cat__color_")]
    assert_array_equal(encoded[0, color], 0.0)


@pytest.mark.parametrize("missing", ["impute", "drop-rows"])
def test_the_loaded_pipeline_predicts_as_the_command_with_or_without_imputers(tmp_path, missing):
    mixed_table(tmp_path / "mixed.csv")
    table = pd.read_csv(tmp_path / "mixed.csv", keep_default_na=False, dtype=str)
    table.loc[[1, 5, 9], "grade"] = "NA"  # holes in the integer-coded column too
    table.to_csv(tmp_path / "mixed.csv", index=False)
    command = ["train", "--data", "mixed.csv", "--target", "outcome", "--drop", "id,score", "--categorical", "grade"]
    neurona_command(*command, "--missing", missing, "--max-iter", "20", "--no-report", "--quiet", cwd=tmp_path)
    ours = neurona.load(tmp_path / "model.safetensors")
    imputers = [name for name, step in ours[0].named_transformers_.items() if "SimpleImputer" in repr(step)]
    assert imputers == (["num", "cat", "yes_no"] if missing == "impute" else [])

    raw = pd.read_csv(tmp_path / "mixed.csv", na_values=["?"])
    if missing == "drop-rows":
        raw = raw.dropna(subset=NUMBERS + CATEGORIES + YES_NO)
    raw.to_csv(tmp_path / "rows.csv", index=False)
    out = neurona_command("predict", "--model", "model.safetensors", "--data", "rows.csv", cwd=tmp_path)
    assert_array_equal(ours.predict(raw), predicted_column(out))
