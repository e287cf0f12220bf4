"""Dense-specific bad input: the parameter table, label types, sparse input.

The checks every estimator shares are in tests/test_reliability.py.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import FAST

from skdeep import DenseClassifier, DenseRegressor
from skdeep.exceptions import (
    InvalidParameterError,
)

ESTIMATORS = [DenseClassifier, DenseRegressor]


def _data(n=40, d=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] > 0).astype(int)
    return X, y


@pytest.fixture(params=ESTIMATORS, ids=lambda c: c.__name__)
def Est(request):
    return request.param


def test_nan_in_X_at_predict(Est):
    X, y = _data()
    est = Est(**FAST).fit(X, y)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(X)


def test_one_dimensional_X(Est):
    X, y = _data()
    with pytest.raises(ValueError, match="Expected 2D array"):
        Est(**FAST).fit(X[:, 0], y)


def test_continuous_target_for_classifier():
    X, _ = _data()
    with pytest.raises(ValueError, match="Unknown label type"):
        DenseClassifier(**FAST).fit(X, np.linspace(0, 1, len(X)))


def test_unseen_labels_at_score_count_as_errors():
    X, y = _data()
    clf = DenseClassifier(**FAST).fit(X, y)
    y_new = np.where(np.arange(len(y)) < 10, 7, y)
    assert clf.score(X, y_new) <= clf.score(X, y) - 0.2


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (np.ones(39), "sample_weight"),
        (-np.ones(40), "(?i)negative"),
        (np.full(40, np.nan), "NaN|infinity"),
    ],
)
def test_bad_sample_weight(Est, sample_weight, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        Est(**FAST).fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize(
    "param, value, allowed",
    [
        ("dropout", 1.5, r"range \[0, 1\)"),
        ("activation", "nope", "'relu'"),
        ("hidden_layer_sizes", (8, 0), "positive ints"),
        ("learning_rate", -1.0, "range"),
        ("epochs", 0, "range"),
        ("batch_size", "big", "'auto'"),
        ("optimizer", "sgdx", "'adam'"),
        ("validation_fraction", 1.0, "range"),
        ("patience", 0, "range"),
        ("l2", -0.1, "range"),
        ("dtype", "float16", "'float32'"),
        ("kernel_initializer", "zeros!", "'glorot_uniform'"),
        ("verbose", 5, "one of"),
        ("random_state", "seed", "RandomState"),
        ("early_stopping", "yes", "bool"),
    ],
)
def test_invalid_parameters_constructor_and_set_params(Est, param, value, allowed):
    X, y = _data()
    for est in (
        Est(**{**FAST, param: value}),
        Est(**FAST).set_params(**{param: value}),
    ):
        with pytest.raises(InvalidParameterError, match=f"'{param}' parameter") as err:
            est.fit(X, y)
        assert isinstance(err.value, ValueError)
        assert err.match(allowed)


def test_invalid_class_weight():
    X, y = _data()
    with pytest.raises(ValueError, match="class_weight"):
        DenseClassifier(**FAST, class_weight="heavy").fit(X, y)


@pytest.mark.parametrize("sparse", [False, True])
def test_inputs_are_never_modified(Est, sparse):
    X, y = _data()
    X32 = X.astype(np.float32)
    w = np.linspace(0.5, 2, len(X))
    Xin = sp.csr_matrix(X32) if sparse else X32
    snapshots = [
        (Xin.data if sparse else Xin).tobytes(),
        y.tobytes(),
        w.tobytes(),
    ]
    est = Est(**FAST, dtype="float64").fit(Xin, y, sample_weight=w)
    est.predict(Xin)
    if hasattr(est, "predict_proba"):
        est.predict_proba(Xin)
    est.partial_fit(Xin, y, sample_weight=w)
    after = [(Xin.data if sparse else Xin).tobytes(), y.tobytes(), w.tobytes()]
    assert snapshots == after
