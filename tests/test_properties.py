"""Property-based tests: on random shapes, dtypes, label sets, sparse or dense,
tiny and degenerate data, fit/predict either succeeds with outputs of the right
shape and finite values, or raises one of the documented errors.

The CI profile (tests/conftest.py) runs 200 examples per property.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skdeep import DenseClassifier, DenseRegressor

pytestmark = pytest.mark.timeout(900)

TINY = {"hidden_layer_sizes": (3,), "epochs": 2, "random_state": 0}
# A fresh network per example is the point; deadline and data-size checks are not.
SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def tables(draw):
    n = draw(st.integers(min_value=0, max_value=12))
    d = draw(st.integers(min_value=1, max_value=5))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64, np.int8]))
    values = draw(
        st.lists(
            st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
            min_size=n * d,
            max_size=n * d,
        )
    )
    X = np.asarray(values, dtype=np.float64).reshape(n, d).astype(dtype)
    if draw(st.booleans()) and n:
        X = (sp.csr_matrix if draw(st.booleans()) else sp.csc_matrix)(X)
    if draw(st.integers(0, 9)) == 0 and n:  # sometimes a bad value
        X = X.toarray() if sp.issparse(X) else X
        X = X.astype(np.float64)
        X[draw(st.integers(0, n - 1)), 0] = draw(st.sampled_from([np.nan, np.inf]))
    return X


@st.composite
def labels(draw, n):
    kind = draw(st.sampled_from(["int", "str", "bool", "multilabel"]))
    if kind == "multilabel":
        k = draw(st.integers(2, 3))
        flat = draw(st.lists(st.integers(0, 1), min_size=n * k, max_size=n * k))
        return np.asarray(flat, dtype=int).reshape(n, k)
    n_classes = draw(st.integers(1, 4))
    ids = draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n))
    ids = np.asarray(ids, dtype=int)
    if kind == "str":
        return np.array(["a", "bb", "c", "d"])[ids]
    if kind == "bool":
        return ids % 2 == 0
    return ids * 3 - 2


DOCUMENTED = (ValueError, TypeError)


def _finite(a):
    return np.isfinite(np.asarray(a, dtype=float)).all()


def _fits(est, X, y):
    """Fit ``est``; False if it refused the data with a documented error,
    which must leave nothing fitted."""
    try:
        est.fit(X, y)
    except DOCUMENTED:
        assert not hasattr(est, "model_")  # a failed fit leaves nothing fitted
        return False
    return True


def _check_classifier_contract(clf, X, y):
    """Either a documented refusal, or probabilities and labels of the right
    shapes and ranges for every sample."""
    if not _fits(clf, X, y):
        return
    proba = clf.predict_proba(X)
    pred = clf.predict(X)
    n = len(X) if isinstance(X, list) else X.shape[0]
    assert proba.shape[0] == pred.shape[0] == n
    assert _finite(proba) and ((proba >= 0) & (proba <= 1)).all()
    if y.ndim == 1:
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
        assert set(np.unique(pred)) <= set(np.unique(y))
    else:
        assert pred.shape == y.shape


@SETTINGS
@given(data=st.data())
def test_classifier_fit_predict_contract(data):
    X = data.draw(tables())
    y = data.draw(labels(X.shape[0]))
    _check_classifier_contract(DenseClassifier(**TINY), X, y)


@SETTINGS
@given(data=st.data())
def test_regressor_fit_predict_contract(data):
    X = data.draw(tables())
    n = X.shape[0]
    k = data.draw(st.integers(1, 3))
    y = np.asarray(
        data.draw(st.lists(st.floats(-1e6, 1e6), min_size=n * k, max_size=n * k))
    ).reshape(n, k)
    y = y[:, 0] if k == 1 and data.draw(st.booleans()) else y
    reg = DenseRegressor(**TINY)
    if not _fits(reg, X, y):
        return
    pred = reg.predict(X)
    assert pred.shape == y.shape and _finite(pred)


def small_keras_model(input_shape, n_outputs, output_activation):
    """A builder for the bring-your-own-model property: one hidden layer."""
    import keras

    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="relu"),
            keras.layers.Dense(n_outputs, activation=output_activation),
        ]
    )


@st.composite
def images(draw):
    """Image batches in every accepted form: (n, h, w, c), (n, h, w), or
    flattened rows; tiny or degenerate sizes, any numeric dtype."""
    n = draw(st.integers(min_value=0, max_value=8))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    c = draw(st.sampled_from([1, 3]))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.uint8]))
    X = draw(st.sampled_from([0.0, 1.0])) + np.random.RandomState(
        draw(st.integers(0, 2**16))
    ).rand(n, h, w, c)
    X = (X * 100).astype(dtype)
    form = draw(st.sampled_from(["4d", "3d", "flat"]))
    if form == "3d" and c == 1:
        X = X[..., 0]
    elif form == "flat":
        X = X.reshape(n, h * w * c)
    if draw(st.integers(0, 9)) == 0 and n:
        X = X.astype(np.float64)
        X.flat[draw(st.integers(0, X.size - 1))] = np.nan
    return X


@st.composite
def sequences(draw):
    """Series (n, steps, features), token ids (n, steps) or texts."""
    n = draw(st.integers(min_value=0, max_value=8))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    kind = draw(st.sampled_from(["series", "tokens", "text"]))
    steps = draw(st.integers(1, 6))
    if kind == "series":
        X = rng.randn(n, steps, draw(st.integers(1, 3)))
        if draw(st.integers(0, 9)) == 0 and n:
            X[0, 0, 0] = np.inf
        return X
    if kind == "tokens":
        return rng.randint(0, draw(st.integers(1, 50)), size=(n, steps))
    words = ["spam", "ham", "eggs", "", "  ", "Ünï", "42"]
    return [
        " ".join(words[i] for i in rng.randint(0, len(words), steps)) for _ in range(n)
    ]


def _other_estimator(data):
    """One of the image, sequence and bring-your-own estimators with its input."""
    from skdeep import CNNClassifier, KerasClassifier, SequenceClassifier

    kind = data.draw(st.sampled_from(["cnn", "sequence", "keras"]))
    if kind == "cnn":
        est = CNNClassifier(
            filters=(2,),
            dense_layer_sizes=(),
            epochs=1,
            pooling=data.draw(st.sampled_from(["max", "average", None])),
            padding=data.draw(st.sampled_from(["same", "valid"])),
            random_state=0,
        )
        return est, data.draw(images())
    if kind == "sequence":
        est = SequenceClassifier(
            cell=data.draw(st.sampled_from(["conv1d", "gru", "lstm"])),
            units=(2,),
            embedding_dim=2,
            kernel_size=data.draw(st.integers(1, 3)),
            epochs=1,
            random_state=0,
        )
        return est, data.draw(sequences())
    return KerasClassifier(small_keras_model, epochs=1, random_state=0), data.draw(
        tables()
    )


@SETTINGS
@given(data=st.data())
def test_image_sequence_and_keras_estimators_contract(data):
    est, X = _other_estimator(data)
    y = data.draw(labels(len(X) if isinstance(X, list) else X.shape[0]))
    _check_classifier_contract(est, X, y)
