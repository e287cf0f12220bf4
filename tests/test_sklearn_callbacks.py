"""scikit-learn's callback API (sklearn.callback, scikit-learn 1.9+): a fit is a
task with one subtask per epoch, reached through meta-estimators."""

import threading

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import (
    CNNClassifier,
    DenseClassifier,
    DenseRegressor,
    KerasClassifier,
    KerasRegressor,
    SequenceClassifier,
)
from skdeep.exceptions import TrainingDivergedError, TrainingInterruptedWarning

callback = pytest.importorskip(
    "sklearn.callback", reason="scikit-learn < 1.9 has no callback API"
)
ProgressBar, ScoringMonitor = callback.ProgressBar, callback.ScoringMonitor

# The whole file shares one group: the process-based search starts workers.
pytestmark = pytest.mark.xdist_group("sklearn_callbacks")


class Recorder:
    """Records every hook call; auto-propagated through meta-estimators."""

    max_propagation_depth = None

    def __init__(self, stop_after_epoch=None, raise_at_epoch=None):
        self.stop_after_epoch = stop_after_epoch
        self.raise_at_epoch = raise_at_epoch
        self.events = []
        self._lock = threading.Lock()

    def _record(self, *event):
        with self._lock:
            self.events.append(event)

    def setup(self, estimator, context):
        self._record("setup", type(estimator).__name__)

    def teardown(self, estimator, context):
        self._record("teardown", type(estimator).__name__)

    def on_fit_task_begin(self, estimator, context):
        self._record("begin", type(estimator).__name__, context.task_name)

    def on_fit_task_end(self, estimator, context):
        self._record("end", type(estimator).__name__, context.task_name)
        if context.task_name == "epoch":
            if context.task_id == self.raise_at_epoch:
                raise self.error
            return context.task_id == self.stop_after_epoch
        return False

    def count(self, kind, task_name="epoch"):
        return sum(1 for e in self.events if e[0] == kind and e[-1] == task_name)


def _data():
    return make_classification(n_samples=80, n_features=5, random_state=0)


def _dense(**params):
    settings = {"hidden_layer_sizes": (8,), "epochs": 3, "patience": 50}
    return DenseClassifier(random_state=0, **{**settings, **params})


def _search(n_jobs):
    pipe = make_pipeline(StandardScaler(), _dense())
    grid = {"denseclassifier__learning_rate": [1e-3, 1e-2]}
    return GridSearchCV(pipe, grid, cv=2, n_jobs=n_jobs)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_progress_bar_reaches_every_epoch_through_search_and_pipeline(n_jobs):
    X, y = _data()
    recorder = Recorder()
    search = _search(n_jobs).set_callbacks(
        ProgressBar(max_propagation_depth=None), recorder
    )
    # Threads, so that the test's recorder sees the workers' hooks directly.
    with joblib.parallel_backend("threading"):
        search.fit(X, y)
    fits = 2 * 2 + 1  # candidates x folds, and the refit
    assert recorder.count("begin") == recorder.count("end") == fits * 3
    assert recorder.count("begin", "fit") >= fits
    # Set up and torn down once, on the outermost estimator.
    assert [e for e in recorder.events if e[0] in ("setup", "teardown")] == [
        ("setup", "GridSearchCV"),
        ("teardown", "GridSearchCV"),
    ]


def test_epochs_reported_from_worker_processes():
    # With processes, each worker holds a pickled copy of the callbacks; the
    # ScoringMonitor (set on the inner estimator) sends its rows back.
    X, y = _data()
    monitor = ScoringMonitor(scoring="accuracy")
    pipe = make_pipeline(StandardScaler(), _dense().set_callbacks(monitor))
    search = GridSearchCV(pipe, {"denseclassifier__epochs": [2]}, cv=2, n_jobs=2)
    search.set_callbacks(ProgressBar(max_propagation_depth=None))
    search.fit(X, y)
    rows = monitor.get_logs().data
    epochs = [r for r in rows if r["task_name"] == "epoch"]
    assert len(epochs) == (2 + 1) * 2
    assert all(0 <= r["accuracy"] <= 1 for r in epochs)


def _network(input_shape, n_outputs, output_activation):
    import keras

    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(n_outputs, activation=output_activation),
        ]
    )


FAMILIES = [
    DenseClassifier(hidden_layer_sizes=(8,), epochs=3, patience=50),
    DenseRegressor(hidden_layer_sizes=(8,), epochs=3, patience=50),
    CNNClassifier(filters=(4,), dense_layer_sizes=(8,), epochs=3, patience=50),
    SequenceClassifier(cell="conv1d", units=(8,), epochs=3, patience=50),
    KerasClassifier(_network, epochs=3, patience=50),
    KerasRegressor(_network, epochs=3, patience=50),
]


def _family_data(estimator):
    if isinstance(estimator, (DenseRegressor, KerasRegressor)):
        X, y = make_regression(n_samples=60, n_features=16, random_state=0)
        return X, y
    X, y = make_classification(n_samples=60, n_features=16, random_state=0)
    if isinstance(estimator, SequenceClassifier):
        X = X[:, :, None]
    return X, y


@pytest.mark.parametrize("estimator", FAMILIES, ids=lambda e: type(e).__name__)
def test_scoring_monitor_scores_each_epoch_as_the_final_model(estimator):
    estimator = clone(estimator).set_params(random_state=0)
    X, y = _family_data(estimator)
    # score() is accuracy for classifiers and R^2 for regressors.
    regressor = isinstance(estimator, (DenseRegressor, KerasRegressor))
    scoring = "r2" if regressor else "accuracy"
    monitor = ScoringMonitor(scoring=scoring)
    estimator.set_callbacks(monitor)
    estimator.fit(X, y)
    rows = monitor.get_logs().data
    epochs = [r for r in rows if r["task_name"] == "epoch"]
    assert len(epochs) == estimator.n_iter_ == 3
    # The last epoch's fitted estimator predicts as the final model does.
    assert epochs[-1][scoring] == pytest.approx(estimator.score(X, y), abs=1e-12)
    # The monitor was handed the same network, not a copy, and left no state.
    assert not hasattr(estimator, "_callback_fit_ctx")


def test_callback_can_stop_training_after_an_epoch():
    X, y = _data()
    recorder = Recorder(stop_after_epoch=1)
    clf = _dense(epochs=10).set_callbacks(recorder)
    clf.fit(X, y)
    assert clf.n_iter_ == 2
    assert len(clf.history_["loss"]) == 2
    assert clf.predict(X).shape == (80,)
    assert recorder.count("begin") == recorder.count("end") == 2


def test_teardown_after_an_error_and_rollback_keeps_estimator_unfitted():
    X, y = _data()
    recorder = Recorder(raise_at_epoch=1)
    recorder.error = RuntimeError("boom")
    clf = _dense().set_callbacks(recorder)
    with pytest.raises(RuntimeError, match="boom"):
        clf.fit(X, y)
    assert recorder.events[-1] == ("teardown", "DenseClassifier")
    assert not hasattr(clf, "model_")
    assert not hasattr(clf, "_callback_fit_ctx")
    # The next fit works and sets up afresh.
    recorder.raise_at_epoch = None
    clf.fit(X, y)
    assert recorder.events[-1] == ("teardown", "DenseClassifier")


def test_teardown_after_divergence():
    X, y = make_regression(n_samples=60, n_features=4, random_state=0)
    recorder = Recorder()
    reg = DenseRegressor(
        hidden_layer_sizes=(8,), learning_rate=1e12, scale_target=False, epochs=5
    ).set_callbacks(recorder)
    with pytest.raises(TrainingDivergedError):
        reg.fit(X, y * 1e20)
    assert recorder.events[-1] == ("teardown", "DenseRegressor")
    assert not hasattr(reg, "model_")


def test_teardown_after_ctrl_c_keeps_the_model():
    X, y = _data()
    recorder = Recorder(raise_at_epoch=1)
    recorder.error = KeyboardInterrupt()
    clf = _dense(epochs=10).set_callbacks(recorder)
    with pytest.warns(TrainingInterruptedWarning), pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert recorder.events[-1] == ("teardown", "DenseClassifier")
    # The epoch interrupted at its end is trained but not recorded.
    assert clf.n_iter_ == len(clf.history_["loss"]) == 1
    assert clf.predict(X).shape == (80,)
    # Every epoch task begun was ended, and the fit's task too.
    assert recorder.count("begin") == recorder.count("end") == 2
    assert recorder.count("end", "fit") == 1


def test_partial_fit_is_one_task_of_one_epoch():
    X, y = _data()
    recorder = Recorder()
    clf = _dense().set_callbacks(recorder)
    for _ in range(3):
        clf.partial_fit(X, y, classes=np.unique(y))
    assert recorder.count("begin", "fit") == recorder.count("end", "fit") == 3
    assert recorder.count("end") == 3
    assert recorder.count("setup", "DenseClassifier") == 3


def test_callbacks_follow_clones_and_keras_fit_under_a_strategy():
    from skdeep._keras import get_tf

    X, y = _data()
    recorder = Recorder()
    clf = clone(_dense().set_callbacks(recorder))
    strategy = get_tf().distribute.OneDeviceStrategy("/cpu:0")
    with strategy.scope():
        clf.fit(X, y)
    assert recorder.count("begin") == recorder.count("end") == 3


def test_no_callbacks_no_context():
    X, y = _data()
    clf = _dense().fit(X, y)
    assert not hasattr(clf, "_callback_fit_ctx")
    assert not hasattr(clf, "_skl_callbacks")
