"""A process forked after TensorFlow started gets a clear error, not a hang."""

import multiprocessing

import numpy as np
import pytest

from skdeep import DenseClassifier
from skdeep._keras import FORK_MESSAGE

pytestmark = pytest.mark.timeout(300)


def _child(clf, X, queue):
    results = {}
    for name, call in (
        ("predict_large", lambda: clf.predict(np.repeat(X, 20, axis=0))),
        ("fit", lambda: DenseClassifier(epochs=1).fit(X, [0, 1] * (len(X) // 2))),
    ):
        try:
            call()
            results[name] = "ran"
        except RuntimeError as exc:
            results[name] = str(exc)
    # Small batches use NumPy only, which is safe after a fork.
    results["predict_small"] = clf.predict(X[:2]).tolist()
    queue.put(results)


def test_fork_after_tensorflow_started_raises_instead_of_hanging():
    X = np.random.RandomState(0).normal(size=(20, 3))
    clf = DenseClassifier(epochs=2, random_state=0).fit(X, [0, 1] * 10)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(clf, X, queue))
    proc.start()
    try:
        results = queue.get(timeout=120)
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
    assert results["predict_large"] == FORK_MESSAGE
    assert results["fit"] == FORK_MESSAGE
    assert results["predict_small"] == clf.predict(X[:2]).tolist()
