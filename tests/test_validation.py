"""Bad input and failures (SPEC section 5), for both dense estimators."""

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import FAST
from sklearn.exceptions import NotFittedError

from skdeep import DenseClassifier, DenseRegressor
from skdeep.exceptions import (
    InvalidParameterError,
    TrainingDivergedError,
    TrainingInterruptedWarning,
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


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_X(Est, bad):
    X, y = _data()
    X[3, 1] = bad
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        Est(**FAST).fit(X, y)


def test_nan_or_inf_in_y(Est):
    X, y = _data()
    y = y.astype(float)
    y[2] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        Est(**FAST).fit(X, y)
    y[2] = np.inf
    with pytest.raises(ValueError, match="Input y contains"):
        Est(**FAST).fit(X, y)


def test_nan_in_X_at_predict(Est):
    X, y = _data()
    est = Est(**FAST).fit(X, y)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(X)


def test_wrong_number_of_features_at_predict(Est):
    X, y = _data()
    est = Est(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"X has 3 features, but .* is expecting 4"):
        est.predict(X[:, :3])


def test_empty_input(Est):
    X, y = _data()
    with pytest.raises(ValueError, match="0 sample"):
        Est(**FAST).fit(X[:0], y[:0])


def test_length_mismatch(Est):
    X, y = _data()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Est(**FAST).fit(X, y[:-1])


def test_one_dimensional_X(Est):
    X, y = _data()
    with pytest.raises(ValueError, match="Expected 2D array"):
        Est(**FAST).fit(X[:, 0], y)


def test_one_class():
    X, _ = _data()
    with pytest.raises(ValueError, match="only one class"):
        DenseClassifier(**FAST).fit(X, np.zeros(len(X)))


def test_continuous_target_for_classifier():
    X, _ = _data()
    with pytest.raises(ValueError, match="Unknown label type"):
        DenseClassifier(**FAST).fit(X, np.linspace(0, 1, len(X)))


def test_non_numeric_strings_in_X(Est):
    X, y = _data()
    X = X.astype(object)
    X[0, 0] = "abc"
    with pytest.raises(ValueError, match=r"could not convert|argument must be"):
        Est(**FAST).fit(X, y)


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


def _diverging_data():
    X, y = _data()
    return X * 1e300, y


def test_nan_loss_raises_and_leaves_estimator_unfitted(Est):
    X, y = _diverging_data()
    est = Est(**FAST)
    with pytest.raises(TrainingDivergedError, match="loss became"):
        est.fit(X, y)
    assert isinstance(TrainingDivergedError("x"), ValueError)
    with pytest.raises(NotFittedError):
        est.predict(X)
    assert not hasattr(est, "n_features_in_")


def test_nan_loss_in_warm_start_keeps_previous_model(Est):
    X, y = _data()
    est = Est(**{**FAST, "epochs": 3}, warm_start=True).fit(X, y)
    before = est.predict(X)
    weights = [w.copy() for w in est.model_.get_weights()]
    history = {k: list(v) for k, v in est.history_.items()}
    Xbad, _ = _diverging_data()
    with pytest.raises(TrainingDivergedError):
        est.fit(Xbad, y)
    for a, b in zip(weights, est.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert est.history_ == history and est.n_iter_ == 3
    np.testing.assert_array_equal(est.predict(X), before)
    with pytest.raises(TrainingDivergedError):
        est.partial_fit(Xbad, y)
    np.testing.assert_array_equal(est.predict(X), before)


def test_keyboard_interrupt_keeps_model_and_history(Est):
    from skdeep._keras import get_keras

    keras = get_keras()

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    X, y = _data()
    est = Est(**{**FAST, "epochs": 50}, callbacks=[Interrupt()])
    with (
        pytest.raises(KeyboardInterrupt),
        pytest.warns(TrainingInterruptedWarning, match="interrupted"),
    ):
        est.fit(X, y)
    assert len(est.history_["loss"]) == 2 == est.n_iter_
    assert est.predict(X).shape[0] == len(X)


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
