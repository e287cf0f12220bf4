"""scikit-learn's own estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeep import DenseClassifier, DenseRegressor

# Test-sized settings: small layers and few epochs, enough to pass the accuracy
# checks. test_defaults.py runs the same checks with default parameters.
ESTIMATORS = [
    DenseClassifier(hidden_layer_sizes=(16,), epochs=50, learning_rate=0.01),
    DenseRegressor(hidden_layer_sizes=(16,), epochs=50, learning_rate=0.01),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
