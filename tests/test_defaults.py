"""scikit-learn's estimator checks on default parameters (full-length fits).

The core estimators must pass with their defaults, not only test-sized
settings. CNNClassifier and SequenceClassifier train full-size networks by
default (tens of epochs of convolutions or recurrences on every check's data):
their defaults were checked with ``check_estimator`` when they were built, and
tests/test_common.py runs the checks on test-sized ones in every run.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeep import DenseClassifier, DenseRegressor

pytestmark = pytest.mark.defaults


@parametrize_with_checks([DenseClassifier(), DenseRegressor()])
def test_defaults_pass_sklearn_checks(estimator, check):
    check(estimator)
