"""scikit-learn's own estimator checks, with no expected failures."""

import functools

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeep import (
    CNNClassifier,
    KerasClassifier,
    KerasRegressor,
    ModelBuilder,
    SequenceClassifier,
)


class _StableRepr:
    """A builder function with a repr that is the same in every process."""

    def __init__(self, function):
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    def __repr__(self):
        return self.__wrapped__.__name__


def small_network(input_shape, n_outputs, output_activation, units=16):
    """A user's builder for the bring-your-own-model wrappers (module level, so
    that the pickling checks can find it)."""
    import keras

    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(n_outputs, activation=output_activation),
        ]
    )


# Test-sized settings: small layers and few epochs, enough to pass the accuracy
# checks. DenseClassifier and DenseRegressor are checked with their default
# parameters, in test_defaults.py.
ESTIMATORS = [
    # A plain builder function, and one with a model__ hyperparameter.
    KerasClassifier(small_network, epochs=50, learning_rate=0.01),
]
# Test ids come from the estimators' reprs, and a function's repr holds its
# address, which differs between pytest-xdist workers: give it a stable one.
ESTIMATORS[-1].model = _StableRepr(small_network)
ESTIMATORS += [
    KerasRegressor(
        ModelBuilder(small_network, units=16), epochs=50, learning_rate=0.01
    ),
]


# 2-D check data is read as images one pixel high (or square, for s*s columns).
ESTIMATORS.append(
    CNNClassifier(filters=(8,), dense_layer_sizes=(16,), epochs=50, learning_rate=0.01)
)

# 2-D float check data is a univariate series (the default network for it is
# the fully convolutional one); integer data are token ids. The checks' tables
# of two to five columns are series of two to five steps, which per-series
# standardisation would reduce to the order of their values: standardize=False.
# The network computes in float32 by default; the weight-equivalence checks
# compare to 1e-7, below float32 precision: dtype="float64".
ESTIMATORS.append(
    SequenceClassifier(
        units=(16, 16),
        epochs=30,
        learning_rate=0.01,
        standardize=False,
        dtype="float64",
    )
)


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
