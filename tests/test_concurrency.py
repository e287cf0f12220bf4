"""Thread safety: one fitted estimator predicting from many threads, and
estimators fitted in parallel threads."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import FAST
from sklearn.datasets import make_classification

from skdeep import DenseClassifier

pytestmark = pytest.mark.timeout(600)


def test_predict_from_eight_threads_matches_serial():
    X, y = make_classification(n_samples=600, n_features=6, random_state=0)
    clf = DenseClassifier(**FAST).fit(X, y)
    # Small batches take the NumPy path, large ones the compiled function.
    batches = [
        X[i : i + n]
        for i, n in zip(range(0, 560, 70), [1, 5, 300, 2, 400, 7, 500, 3], strict=True)
    ]
    serial = [clf.predict_proba(b) for b in batches]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            parallel = list(pool.map(clf.predict_proba, batches))
            for a, b in zip(serial, parallel, strict=True):
                np.testing.assert_array_equal(a, b)


def test_two_estimators_fitted_in_two_threads():
    X1, y1 = make_classification(n_samples=200, n_features=5, random_state=1)
    X2, y2 = make_classification(n_samples=200, n_features=8, random_state=2)
    expected = [
        DenseClassifier(**FAST).fit(X1, y1).predict_proba(X1),
        DenseClassifier(**FAST).fit(X2, y2).predict_proba(X2),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(lambda X, y: DenseClassifier(**FAST).fit(X, y), X1, y1),
            pool.submit(lambda X, y: DenseClassifier(**FAST).fit(X, y), X2, y2),
        ]
        fitted = [f.result(timeout=300) for f in futures]
    assert fitted[0].n_features_in_ == 5 and fitted[1].n_features_in_ == 8
    np.testing.assert_allclose(fitted[0].predict_proba(X1), expected[0], atol=1e-6)
    np.testing.assert_allclose(fitted[1].predict_proba(X2), expected[1], atol=1e-6)


@pytest.mark.parametrize(
    ("cell", "learner"), [("gru", "text_vocabulary"), ("bag", "bag_vocabulary")]
)
def test_text_vocabulary_is_learnt_outside_the_seeding_lock(monkeypatch, cell, learner):
    """Threads fitting text models at once do not wait for each other's
    vocabulary: it is learnt before the seeded build, without the lock."""
    import threading

    from skdeep import SequenceClassifier, base, sequence

    free = []
    original = getattr(sequence, learner)

    def spy(*args, **kwargs):
        def try_lock():
            taken = base._SEED_LOCK.acquire(blocking=False)
            if taken:
                base._SEED_LOCK.release()
            free.append(taken)

        other = threading.Thread(target=try_lock)
        other.start()
        other.join(timeout=30)
        return original(*args, **kwargs)

    monkeypatch.setattr(sequence, learner, spy)
    X = np.array(["good film", "bad film", "great plot", "dull plot"] * 5, dtype=object)
    y = np.arange(20) % 2
    SequenceClassifier(cell=cell, epochs=1, random_state=0).fit(X, y)
    assert free == [True]
