"""The fast prediction path: NumPy forward pass equals Keras for every layer and
activation it supports; anything else falls back to the compiled function."""

import numpy as np
import pytest

from skdeep._keras import get_keras
from skdeep._predict import ACTIVATIONS, Predictor, compiled_forward, numpy_forward
from skdeep.architectures import dense_network


def _keras_out(model, X, final=None):
    keras = get_keras()
    out = model(X, training=False)
    if final is not None:
        out = keras.activations.get(final)(out)
    return np.asarray(out)


def _randomise(model, seed=0):
    """Non-trivial weights, including batch-norm statistics."""
    rng = np.random.RandomState(seed)
    weights = []
    for w in model.get_weights():
        w = rng.normal(scale=0.5, size=w.shape).astype(w.dtype)
        weights.append(w)
    model.set_weights(weights)
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            layer.moving_variance.assign(
                rng.uniform(0.5, 2.0, size=layer.moving_variance.shape)
            )


@pytest.mark.parametrize("activation", sorted(set(ACTIVATIONS) - {"softmax"}))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_numpy_path_matches_keras_for_each_activation(activation, dtype):
    model = dense_network(
        (5,),
        3,
        None,
        hidden_layer_sizes=(7, 6),
        activation=activation,
        dtype=dtype,
        seed=0,
    )
    _randomise(model)
    X = np.random.RandomState(1).normal(size=(11, 5)).astype(dtype)
    forward = numpy_forward(model, "softmax")
    assert forward is not None
    np.testing.assert_allclose(forward(X), _keras_out(model, X, "softmax"), atol=1e-6)


@pytest.mark.parametrize("final", [None, "sigmoid", "softmax"])
def test_numpy_path_with_batchnorm_dropout_and_flatten(final):
    model = dense_network(
        (2, 3),
        4,
        None,
        hidden_layer_sizes=(8, 5),
        batch_normalization=True,
        dropout=0.3,
        seed=0,
        dtype="float64",
    )
    _randomise(model)
    kinds = {type(layer).__name__ for layer in model.layers}
    assert {"BatchNormalization", "Dropout", "Flatten", "Activation"} <= kinds
    X = np.random.RandomState(2).normal(size=(9, 2, 3))
    forward = numpy_forward(model, final)
    assert forward is not None
    np.testing.assert_allclose(forward(X), _keras_out(model, X, final), atol=1e-6)


def test_output_activation_inside_dense_layer():
    model = dense_network((4,), 3, "softmax", hidden_layer_sizes=(5,), seed=0)
    _randomise(model)
    X = np.random.RandomState(0).normal(size=(6, 4)).astype("float32")
    np.testing.assert_allclose(numpy_forward(model)(X), _keras_out(model, X), atol=1e-6)


def test_unsupported_models_fall_back_to_compiled():
    keras = get_keras()
    inputs = keras.Input((4,))
    branch_a = keras.layers.Dense(3)(inputs)
    branch_b = keras.layers.Dense(3)(inputs)
    branching = keras.Model(inputs, keras.layers.Add()([branch_a, branch_b]))
    conv = keras.Sequential(
        [keras.Input((6, 1)), keras.layers.Conv1D(2, 3), keras.layers.Flatten()]
    )
    odd_activation = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(2, activation=lambda x: x * 3)]
    )
    for model in (branching, conv, odd_activation):
        assert numpy_forward(model) is None
        predictor = Predictor(model)
        X = np.random.RandomState(0).normal(size=(5, *model.inputs[0].shape[1:]))
        np.testing.assert_allclose(
            predictor(X.astype("float32")),
            _keras_out(model, X.astype("float32")),
            atol=1e-6,
        )


def test_small_and_large_batches_agree():
    model = dense_network((5,), 2, None, hidden_layer_sizes=(8,), seed=0)
    _randomise(model)
    predictor = Predictor(model, "softmax", numpy_max_rows=10)
    X = np.random.RandomState(0).normal(size=(40, 5)).astype("float32")
    big = predictor(X)  # compiled path
    small = np.concatenate([predictor(X[i : i + 10]) for i in range(0, 40, 10)])
    np.testing.assert_allclose(big, small, atol=1e-6)


def test_compiled_function_is_traced_once():
    model = dense_network((3,), 1, None, hidden_layer_sizes=(4,), seed=0)
    fn = compiled_forward(model, "sigmoid")
    for n in (1, 7, 300, 2):
        fn(np.zeros((n, 3), dtype="float32"))
    assert fn.experimental_get_tracing_count() == 1
