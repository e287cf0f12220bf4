"""Shared fixtures: seeded NumPy and Python, a clean Keras session per test,
tiny data."""

import random

import numpy as np
import pytest
from hypothesis import settings

# CI runs the property-based tests with enough examples to mean something;
# locally they stay quick.
settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile("ci" if __import__("os").environ.get("CI") else "dev")

# Small, fast settings for test-sized estimators.
FAST = {
    "hidden_layer_sizes": (16,),
    "epochs": 100,
    "learning_rate": 0.02,
    "random_state": 0,
}


@pytest.fixture(autouse=True)
def _seed_and_clear_session():
    # Code under test, and the models tests build without a seed (Keras draws
    # their default seeds from Python's random), may use the global states.
    np.random.seed(0)  # noqa: NPY002
    random.seed(0)
    yield
    import sys

    if "keras" in sys.modules:
        # Without a full garbage collection: a second per test on the
        # heap of a long run; Python collects the cycles on its own.
        sys.modules["keras"].backend.clear_session(free_memory=False)


@pytest.fixture
def binary_data():
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=120, n_features=6, n_informative=4, random_state=0
    )


@pytest.fixture
def multiclass_data():
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=150, n_features=6, n_informative=4, n_classes=3, random_state=0
    )


@pytest.fixture
def regression_data():
    from sklearn.datasets import make_regression

    return make_regression(n_samples=120, n_features=5, noise=1.0, random_state=0)
