"""history_ names its logs as Keras's own model.fit does for the same metrics."""

import numpy as np
import pytest
from sklearn.base import is_regressor

from skdeep import (
    CNNClassifier,
    DenseClassifier,
    DenseRegressor,
    KerasClassifier,
    KerasRegressor,
    SequenceClassifier,
)


def _network(input_shape, n_outputs, output_activation):
    import keras

    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(n_outputs, activation=output_activation),
        ]
    )


def _metrics(regression):
    import keras

    if regression:
        return ["mae", "MeanSquaredError", keras.metrics.RootMeanSquaredError()]
    return ["acc", "accuracy", keras.metrics.AUC(name="auc_roc")]


def _keras_fit_keys(X, y, metrics, regression):
    """The history keys of plain Keras's model.fit with the same metrics."""
    model = _network(X.shape[1:], 1, None if regression else "sigmoid")
    model.compile(
        "adam", "mse" if regression else "binary_crossentropy", metrics=metrics
    )
    history = model.fit(X, y, epochs=1, validation_split=0.25, verbose=0)
    return set(history.history)


ESTIMATORS = [
    DenseClassifier(hidden_layer_sizes=(8,)),
    DenseRegressor(hidden_layer_sizes=(8,)),
    CNNClassifier(filters=(4,), dense_layer_sizes=(8,)),
    SequenceClassifier(cell="conv1d", units=(8,)),
    KerasClassifier(_network),
    KerasRegressor(_network),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_history_keys_match_keras_model_fit(estimator):
    rng = np.random.RandomState(0)
    X = (
        rng.rand(40, 16, 1)
        if isinstance(estimator, SequenceClassifier)
        else rng.rand(40, 16)
    )
    regression = is_regressor(estimator)
    y = rng.rand(40) if regression else (rng.rand(40) > 0.5).astype(int)
    metrics = _metrics(regression)
    estimator.set_params(
        metrics=metrics, epochs=2, early_stopping=True, validation_fraction=0.25
    )
    estimator.fit(X, y)
    expected = _keras_fit_keys(X.reshape(40, -1), y, _metrics(regression), regression)
    assert set(estimator.history_) == expected
