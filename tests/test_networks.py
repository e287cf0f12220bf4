"""Reuse of compiled networks across fits (skdeep/_networks.py)."""

import gc

import numpy as np
import pytest

from skdeep import (
    CNNClassifier,
    DenseClassifier,
    DenseRegressor,
    SequenceClassifier,
    _backends,
)
from skdeep._networks import POOL, NetworkPool, architecture_key


@pytest.fixture
def pool():
    # Estimators of earlier tests give their networks back when collected:
    # collect them now, so that they do not land in the pool mid-test.
    gc.collect()
    POOL.clear()
    yield POOL
    POOL.clear()


def _dense(**kw):
    params = {
        "hidden_layer_sizes": (8,),
        "epochs": 3,
        "random_state": 0,
        "dropout": 0.2,
        "batch_normalization": True,
        # l2="auto" follows the number of rows, so fits on different row
        # counts are different architectures; these tests reuse one network
        # across row counts.
        "l2": 1e-3,
        **kw,
    }
    return DenseClassifier(**params)


def _fit_and_drop(est, X, y, method="predict_proba"):
    """Fit, keep the predictions, drop the estimator (its network goes back)."""
    out = getattr(est.fit(X, y), method)(X)
    model = est.model_
    del est
    gc.collect()
    return out, id(model)


def test_reused_network_gives_the_results_of_a_new_one(pool, binary_data):
    X, y = binary_data
    first, first_model = _fit_and_drop(_dense(), X, y)
    assert len(pool) == 1
    second, second_model = _fit_and_drop(_dense(), X, y)
    assert second_model == first_model  # the same network served both fits
    np.testing.assert_array_equal(first, second)
    # And a different seed starts from different weights in the same network.
    third, third_model = _fit_and_drop(_dense(random_state=1), X, y)
    assert third_model == first_model
    assert not np.allclose(first, third)


def test_reuse_traces_nothing_new(pool, binary_data):
    X, y = binary_data
    est = _dense().fit(X, y)
    network = est._lease.network

    def traces():
        # TensorFlow traces one loop with a free batch axis; JAX compiles per
        # shape, PyTorch runs eagerly: there, reuse means the same network.
        if _backends.name() != "tensorflow":
            return 1
        (fn,) = network.train_fn.fns.values()
        return fn.experimental_get_tracing_count()

    assert traces() == 1
    del est
    gc.collect()
    # Another batch size and more rows still run on the one traced loop.
    est = _dense(batch_size=7).fit(np.vstack([X, X]), np.concatenate([y, y]))
    assert est._lease.network is network
    assert traces() == 1


def test_live_estimators_never_share_a_network(pool, binary_data):
    X, y = binary_data
    a = _dense().fit(X, y)
    b = _dense().fit(X, y)
    assert a.model_ is not b.model_
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_a_model_kept_by_the_user_is_never_reused(pool, binary_data):
    X, y = binary_data
    est = _dense().fit(X, y)
    kept = est.model_
    weights = [w.copy() for w in kept.get_weights()]
    del est
    gc.collect()
    other = _dense(random_state=5).fit(X, y)
    assert other.model_ is not kept
    for before, after in zip(weights, kept.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)


def test_refit_gives_the_previous_network_back(pool, binary_data):
    X, y = binary_data
    est = _dense().fit(X, y)
    first = est.model_
    est.fit(X, y)
    # The new fit leased another network; the first is idle again.
    assert est.model_ is not first
    del first
    gc.collect()
    assert len(pool) == 1


def test_warm_start_and_partial_fit_continue_on_the_leased_network(pool, binary_data):
    X, y = binary_data
    est = _dense(warm_start=True).fit(X, y)
    model = est.model_
    est.fit(X, y)
    assert est.model_ is model
    inc = _dense()
    inc.partial_fit(X, y, classes=[0, 1])
    model = inc.model_
    inc.partial_fit(X, y)
    assert inc.model_ is model


@pytest.mark.parametrize(
    "change",
    [
        {"hidden_layer_sizes": (9,)},
        {"activation": "tanh"},
        {"learning_rate": 0.01},
        {"optimizer": "sgd"},
        {"dtype": "float32"},
        {"loss": "binary_crossentropy"},
    ],
)
def test_another_architecture_or_compile_setting_gets_another_network(
    pool, binary_data, change
):
    X, y = binary_data
    _, first = _fit_and_drop(_dense(), X, y)
    _, second = _fit_and_drop(_dense(**change), X, y)
    assert first != second


def test_keys_ignore_seeds_and_names_but_not_shapes():
    from skdeep.architectures import dense_network

    a = dense_network((4,), 2, hidden_layer_sizes=(8,), dropout=0.1, seed=1)
    b = dense_network((4,), 2, hidden_layer_sizes=(8,), dropout=0.1, seed=2)
    c = dense_network((5,), 2, hidden_layer_sizes=(8,), dropout=0.1, seed=1)
    assert architecture_key(a, "adam") == architecture_key(b, "adam")
    assert architecture_key(a, "adam") != architecture_key(a, "sgd")
    assert architecture_key(a, "adam") != architecture_key(c, "adam")


def test_configs_with_objects_get_no_key():
    import keras

    class Odd(keras.layers.Layer):
        def call(self, x):
            return x

        def get_config(self):
            return {**super().get_config(), "thing": object()}

    inputs = keras.Input((3,))
    model = keras.Model(inputs, Odd()(inputs))
    assert architecture_key(model, "adam") is None


_RNG = np.random.RandomState(0)


@pytest.mark.parametrize(
    "make, X, y",
    [
        (
            lambda: DenseRegressor((8,), epochs=2, random_state=0),
            _RNG.rand(40, 3),
            _RNG.rand(40),
        ),
        (
            lambda: CNNClassifier(
                filters=(2,), dense_layer_sizes=(), epochs=1, random_state=0
            ),
            _RNG.rand(20, 8, 8, 1),
            np.arange(20) % 2,
        ),
        (
            lambda: SequenceClassifier(units=(4,), epochs=1, random_state=0),
            _RNG.rand(20, 6, 2),
            np.arange(20) % 2,
        ),
    ],
    ids=["dense-regressor", "cnn", "sequence-series"],
)
def test_regressor_cnn_and_series_networks_are_reused(pool, make, X, y):
    first, first_model = _fit_and_drop(make(), X, y, "predict")
    second, second_model = _fit_and_drop(make(), X, y, "predict")
    assert second_model == first_model
    np.testing.assert_array_equal(first, second)


def test_text_networks_are_never_pooled(pool):
    texts = ["good film", "bad film", "great plot", "awful plot"] * 3
    y = [1, 0, 1, 0] * 3
    SequenceClassifier(units=(4,), epochs=1, random_state=0).fit(texts, y)
    gc.collect()
    assert len(pool) == 0


def test_the_pool_keeps_at_most_max_idle():
    pool = NetworkPool(max_idle=2)

    class Fake:
        pass

    for i in range(4):
        pool.give_back(f"key{i}", Fake())
    assert len(pool) == 2
    assert pool._take("key0") is None
