"""PyTorch's training steps without Keras's per-layer machinery
(skdeep/_backends/torch_steps.py): which networks take them, and that a fit
through them trains as Keras's own ``train_step`` does."""

import collections
import contextlib

import numpy as np
import pytest

from skdeep import (
    CNNClassifier,
    DenseClassifier,
    DenseRegressor,
    _backends,
)

pytestmark = pytest.mark.skipif(
    _backends.name() != "torch",
    reason="PyTorch's own steps; runs in the suite's PyTorch pass (Makefile)",
)


@pytest.fixture
def keras_steps(monkeypatch):
    """Every fit in the block runs Keras's ``train_step``."""
    from skdeep._backends import torch_steps

    def plan(model, dtype):
        return None

    def use():
        monkeypatch.setattr(torch_steps, "plan", plan)

    return use


@contextlib.contextmanager
def _counted():
    """Counts the calls of the own steps, by step, while the block runs."""
    from skdeep._backends import torch_steps

    calls = collections.Counter()
    run = torch_steps.Steps.run

    def counting(self, model, step, *args):
        calls[step] += 1
        return run(self, model, step, *args)

    torch_steps.Steps.run = counting
    try:
        yield calls
    finally:
        torch_steps.Steps.run = run


def _data(n=120, d=5, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    return X, rng


CASES = {
    "binary, dropout, batch norm, l2, weights": (
        DenseClassifier,
        {"dropout": 0.3, "batch_normalization": True, "l2": 1e-2},
        lambda X, rng: (X[:, 0] > 0).astype(int),
    ),
    "multiclass, l1": (
        DenseClassifier,
        {"l1": 1e-3},
        lambda X, rng: np.digitize(X[:, 0], [-0.5, 0.5]),
    ),
    "multioutput regression, validation": (
        DenseRegressor,
        {"early_stopping": True, "validation_fraction": 0.25, "patience": 2},
        lambda X, rng: np.c_[X[:, 0] * 2, X[:, 1] - X[:, 2]],
    ),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES)
def test_fit_through_own_steps_matches_keras_train_step(case, dtype, keras_steps):
    cls, params, target = CASES[case]
    X, rng = _data()
    y = target(X, rng)
    weights = rng.uniform(0.0, 2.0, size=len(X))
    params = {
        "hidden_layer_sizes": (16, 8),
        "epochs": 4,
        "batch_size": 16,
        "random_state": 0,
        "dtype": dtype,
        **params,
    }
    with _counted() as calls:
        own = cls(**params).fit(X, y, sample_weight=weights)
    assert calls["train"] > 0
    keras_steps()
    reference = cls(**params).fit(X, y, sample_weight=weights)
    tol = 1e-10 if dtype == "float64" else 2e-5
    assert own.history_.keys() == reference.history_.keys()
    for key, values in reference.history_.items():
        np.testing.assert_allclose(own.history_[key], values, rtol=tol, atol=tol)
    for a, b in zip(
        own.model_.get_weights(), reference.model_.get_weights(), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _plan(model):
    from skdeep._backends import torch_steps

    return torch_steps.plan(model, model.inputs[0].dtype)


def _compiled(model, **compile_args):
    model.compile(**{"optimizer": "adam", **compile_args})
    model.build((None, 3))
    return model


def test_networks_outside_the_chain_of_plain_layers_take_keras_steps():
    import keras

    X, rng = _data(40, 3)
    y = (X[:, 0] > 0).astype(int)
    dense = DenseClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0)
    assert _plan(dense.fit(X, y).model_) is not None
    images = rng.normal(size=(16, 8, 8, 1))
    cnn = CNNClassifier(epochs=1, random_state=0).fit(images, np.arange(16) % 2)
    assert _plan(cnn.model_) is None

    def chain():
        inputs = keras.Input((3,))
        return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Dense(4)(inputs)))

    logits = keras.losses.BinaryCrossentropy(from_logits=True)
    assert _plan(_compiled(chain(), loss=logits)) is not None
    # Metrics, another loss or loss option, or a branching graph: Keras's step.
    assert _plan(_compiled(chain(), loss=logits, metrics=["accuracy"])) is None
    assert _plan(_compiled(chain(), loss="binary_crossentropy")) is None
    smoothed = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
    assert _plan(_compiled(chain(), loss=smoothed)) is None
    assert _plan(_compiled(chain(), loss=keras.losses.Hinge())) is None
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4)(inputs)
    joined = keras.layers.Add()([hidden, keras.layers.Dense(4)(inputs)])
    branching = keras.Model(inputs, keras.layers.Dense(1)(joined))
    assert _plan(_compiled(branching, loss=logits)) is None
    regularised = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(1, activity_regularizer="l2")]
    )
    assert _plan(_compiled(regularised, loss="mse")) is None
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    assert _plan(_compiled(plain, loss=keras.losses.MeanSquaredError())) is not None
