"""The same random_state gives the same model: refit, clone, another process."""

import subprocess
import sys
import textwrap

import numpy as np
from sklearn.base import clone
from sklearn.datasets import make_classification

from skdeep import DenseClassifier, DenseRegressor

PARAMS = {"hidden_layer_sizes": (16, 8), "epochs": 15, "dropout": 0.2, "batch_size": 16}


def _data():
    return make_classification(n_samples=100, n_features=5, random_state=1)


def test_same_seed_same_predictions_in_process():
    X, y = _data()
    a = DenseClassifier(**PARAMS, random_state=3).fit(X, y).predict_proba(X)
    b = DenseClassifier(**PARAMS, random_state=3).fit(X, y).predict_proba(X)
    c = DenseClassifier(**PARAMS, random_state=4).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert not np.allclose(a, c)


def test_refit_and_clone_reproduce():
    X, y = _data()
    clf = DenseRegressor(**PARAMS, random_state=0, early_stopping=True)
    first = clf.fit(X, y).predict(X)
    np.testing.assert_allclose(clf.fit(X, y).predict(X), first, atol=1e-6)
    np.testing.assert_allclose(clone(clf).fit(X, y).predict(X), first, atol=1e-6)


def test_global_random_state_is_not_disturbed():
    X, y = _data()
    np.random.seed(123)  # noqa: NPY002
    expected = np.random.rand(3)  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    DenseClassifier(**PARAMS, random_state=0).fit(X, y)
    np.testing.assert_array_equal(np.random.rand(3), expected)  # noqa: NPY002


def test_same_seed_same_predictions_across_processes():
    code = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        from sklearn.datasets import make_classification
        from skdeep import DenseClassifier
        X, y = make_classification(n_samples=100, n_features=5, random_state=1)
        clf = DenseClassifier(**{PARAMS!r}, random_state=3).fit(X, y)
        np.save(sys.stdout.buffer, clf.predict_proba(X))
        """
    )
    runs = []
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, timeout=300
        )
        assert out.returncode == 0, out.stderr.decode()
        runs.append(out.stdout)
    assert runs[0] == runs[1]
    import io

    X, y = _data()
    here = DenseClassifier(**PARAMS, random_state=3).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(np.load(io.BytesIO(runs[0])), here, atol=1e-6)


def test_reproducible_while_other_threads_draw_python_random():
    """Keras seeds unseeded initializers from Python's global ``random``; other
    threads (a Dask worker's event loop) draw from it too. A user model with
    unseeded layers must still come out the same."""
    import random
    import threading

    from skdeep import KerasClassifier

    def unseeded(input_shape):
        import keras

        return keras.Sequential(
            [
                keras.Input(input_shape),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dropout(0.3),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )

    X, y = _data()
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            random.random()

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    try:
        runs = [
            KerasClassifier(unseeded, epochs=3, random_state=0).fit(X, y)
            for _ in range(3)
        ]
    finally:
        stop.set()
        thread.join(timeout=10)
    first = runs[0].predict_proba(X)
    for other in runs[1:]:
        np.testing.assert_allclose(other.predict_proba(X), first, atol=1e-6)
