"""skdeep estimators inside scikit-learn's tools: pipelines, searches, CV,
ensembles, calibration, inspection."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.base import is_classifier, is_regressor
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DenseClassifier, DenseRegressor


def test_is_classifier_and_regressor():
    assert is_classifier(DenseClassifier()) and not is_regressor(DenseClassifier())
    assert is_regressor(DenseRegressor()) and not is_classifier(DenseRegressor())
    assert is_classifier(make_pipeline(StandardScaler(), DenseClassifier()))


def test_randomized_search_and_cross_validate(regression_data):
    X, y = regression_data
    search = RandomizedSearchCV(
        DenseRegressor(**FAST),
        {"hidden_layer_sizes": [(8,), (16,)], "activation": ["relu", "tanh"]},
        n_iter=2,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert search.best_score_ > 0.5
    res = cross_validate(
        DenseRegressor(**FAST), X, y, cv=3, scoring=["r2", "neg_mean_absolute_error"]
    )
    assert res["test_r2"].mean() > 0.5


def test_cross_val_score_uses_stratified_splits(binary_data):
    X, y = binary_data
    pipe = make_pipeline(StandardScaler(), DenseClassifier(**FAST))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.7
    auc = cross_val_score(pipe, X, y, cv=StratifiedKFold(3), scoring="roc_auc")
    assert auc.mean() > 0.8


def test_calibrated_voting_stacking(binary_data):
    X, y = binary_data
    dense = DenseClassifier(**FAST)
    calibrated = CalibratedClassifierCV(dense, cv=3).fit(X, y)
    np.testing.assert_allclose(calibrated.predict_proba(X).sum(axis=1), 1.0)
    voting = VotingClassifier(
        [("dense", dense), ("lr", LogisticRegression())], voting="soft"
    ).fit(X, y)
    assert voting.score(X, y) > 0.8
    stacking = StackingClassifier(
        [("dense", dense), ("lr", LogisticRegression())],
        final_estimator=LogisticRegression(),
        cv=3,
    ).fit(X, y)
    assert stacking.score(X, y) > 0.8


def test_permutation_importance_finds_the_informative_feature():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 4))
    y = (X[:, 2] > 0).astype(int)
    clf = DenseClassifier(**FAST).fit(X, y)
    result = permutation_importance(clf, X, y, n_repeats=3, random_state=0)
    assert np.argmax(result.importances_mean) == 2


@pytest.mark.parametrize("scoring", ["accuracy", "neg_log_loss", "f1"])
def test_scorers(binary_data, scoring):
    X, y = binary_data
    scores = cross_val_score(DenseClassifier(**FAST), X, y, cv=2, scoring=scoring)
    assert np.isfinite(scores).all()
