"""HistoryDisplay and plot_history: structural checks of the figures."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DenseClassifier
from skdeep.plotting import HistoryDisplay, plot_history


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _data():
    return make_classification(n_samples=90, n_features=5, random_state=0)


def _clf(**params):
    settings = {"hidden_layer_sizes": (8,), "epochs": 6, "random_state": 0}
    return DenseClassifier(**{**settings, **params})


def test_from_estimator_draws_train_and_validation_curves():
    X, y = _data()
    clf = _clf(early_stopping=True, metrics=["accuracy"]).fit(X, y)
    display = HistoryDisplay.from_estimator(clf)
    train, val = display.lines_
    np.testing.assert_allclose(train.get_ydata(), clf.history_["loss"])
    np.testing.assert_allclose(val.get_ydata(), clf.history_["val_loss"])
    assert list(train.get_xdata()) == list(range(1, clf.n_iter_ + 1))
    assert val.get_linestyle() == "--" and train.get_color() == val.get_color()
    assert display.ax_.get_xlabel() == "epoch"
    assert display.figure_ is display.ax_.figure
    # Another metric, in given axes, without the validation curve.
    _, ax = plt.subplots()
    acc = HistoryDisplay.from_estimator(clf, metric="accuracy", ax=ax, validation=False)
    assert acc.ax_ is ax and len(acc.lines_) == 1
    assert ax.get_ylabel() == "accuracy"


def test_from_cv_results_one_colour_per_fold_and_pipelines():
    X, y = _data()
    pipe = make_pipeline(StandardScaler(), _clf())
    cv = cross_validate(pipe, X, y, cv=3, return_estimator=True)
    display = HistoryDisplay.from_cv_results(cv)
    assert [line.get_label() for line in display.lines_] == [
        "fold 0 (train)",
        "fold 1 (train)",
        "fold 2 (train)",
    ]
    assert len({line.get_color() for line in display.lines_}) == 3
    for line, fitted in zip(display.lines_, cv["estimator"], strict=True):
        np.testing.assert_allclose(line.get_ydata(), fitted[-1].history_["loss"])
    with pytest.raises(ValueError, match="return_estimator=True"):
        HistoryDisplay.from_cv_results({"test_score": cv["test_score"]})


def test_from_monitor_draws_each_candidate_and_fold_of_a_search():
    callback = pytest.importorskip("sklearn.callback")
    from skdeep.callbacks import history_scoring

    X, y = _data()
    monitor = callback.ScoringMonitor(scoring=history_scoring())
    pipe = make_pipeline(
        StandardScaler(), _clf(early_stopping=True).set_callbacks(monitor)
    )
    grid = {"denseclassifier__learning_rate": [1e-3, 1e-2]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    display = HistoryDisplay.from_monitor(monitor, search=search)
    labels = [line.get_label() for line in display.lines_]
    assert labels[::2] == [
        "candidate 0, fold 0 (train)",
        "candidate 0, fold 1 (train)",
        "candidate 1, fold 0 (train)",
        "candidate 1, fold 1 (train)",
        "refit (train)",
    ]
    colours = [line.get_color() for line in display.lines_[::2]]
    assert colours[0] == colours[1] != colours[2] == colours[3]
    assert colours[4] == "k"
    # The refit's curve is the history of the search's best estimator.
    refit = display.lines_[-2]
    best = search.best_estimator_[-1]
    np.testing.assert_allclose(refit.get_ydata(), best.history_["loss"])
    np.testing.assert_allclose(
        display.lines_[-1].get_ydata(), best.history_["val_loss"]
    )


def test_bad_input_names_the_fix():
    X, y = _data()
    clf = _clf().fit(X, y)
    with pytest.raises(ValueError, match="metric= one of them"):
        HistoryDisplay.from_estimator(clf, metric="accuracy")
    with pytest.raises(ValueError, match="no training history"):
        HistoryDisplay.from_estimators([StandardScaler().fit(X)])
    with pytest.raises(ValueError, match="2 labels for 1 histories"):
        HistoryDisplay([clf], labels=["a", "b"]).plot()
    with pytest.raises(ValueError, match="fit the estimator first"):
        plot_history(clone(clf))


def test_plot_history_is_one_display_per_metric():
    X, y = _data()
    clf = _clf(early_stopping=True, metrics=["accuracy"]).fit(X, y)
    axes = plot_history(clf, title="t")
    assert [ax.get_ylabel() for ax in axes] == ["loss", "accuracy"]
    assert [len(ax.get_lines()) for ax in axes] == [2, 2]
    np.testing.assert_allclose(
        axes[1].get_lines()[1].get_ydata(), clf.history_["val_accuracy"]
    )
