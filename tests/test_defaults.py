"""scikit-learn's estimator checks on default parameters (slow: full epochs)."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeep import CNNClassifier, DenseClassifier, DenseRegressor, SequenceClassifier

pytestmark = pytest.mark.defaults


@parametrize_with_checks(
    [DenseClassifier(), DenseRegressor(), CNNClassifier(), SequenceClassifier()]
)
def test_defaults_pass_sklearn_checks(estimator, check):
    check(estimator)
