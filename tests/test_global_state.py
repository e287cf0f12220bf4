"""A fit leaves the process's global random states and Keras settings as it
found them."""

import random

import numpy as np
import pytest

from skdeep import DenseClassifier, KerasClassifier, SequenceClassifier


def _settings(keras):
    config = keras.config
    return (
        config.floatx(),
        config.epsilon(),
        config.image_data_format(),
        str(config.dtype_policy()),
        config.backend(),
    )


def _draws(keras):
    """The next numbers of every global generator a user may draw from: Python's,
    NumPy's, the backend's own (JAX has none: its random numbers are functions
    of explicit keys) and Keras's global SeedGenerator."""
    backend = keras.config.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        own = float(tf.random.uniform(()))
    elif backend == "torch":
        import torch

        own = float(torch.rand(()))
    else:
        own = None
    return (
        random.random(),
        np.random.rand(),  # noqa: NPY002
        own,
        float(keras.random.uniform(())),
    )


def _text_model(input_shape, n_outputs, output_activation):
    import keras

    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(n_outputs, activation=output_activation),
        ]
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: DenseClassifier(epochs=2, random_state=0, dtype="float32"),
        lambda: KerasClassifier(_text_model, epochs=2, random_state=3),
        lambda: SequenceClassifier(epochs=2, random_state=1),
    ],
    ids=["dense", "keras", "sequence"],
)
def test_fit_leaves_global_random_state_and_settings_unchanged(make):
    import keras

    rng = np.random.RandomState(0)
    X, y = rng.rand(40, 4), np.arange(40) % 2
    est = make()
    if isinstance(est, SequenceClassifier):
        X = np.array(["good film" if t else "bad film" for t in y], dtype=object)

    def seed_everything():
        # Python's, NumPy's and the backend's generators (TensorFlow's global
        # seed, PyTorch's manual seed).
        keras.utils.set_random_seed(123)

    seed_everything()
    expected = _draws(keras)
    settings = _settings(keras)
    seed_everything()
    est.fit(X, y).predict(X)
    assert _draws(keras) == expected
    assert _settings(keras) == settings
