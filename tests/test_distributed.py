"""Scale-out through existing engines: joblib's loky backend, Dask and Ray
(joblib backends on local clusters bound to loopback), dask-ml's Incremental
over a chunked dask array, and TensorFlow thread settings in workers.

Each cluster is started and stopped inside its fixture; each test is bounded in
time. Marked ``distributed`` (run by default, and in CI).
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import (
    CNNClassifier,
    DenseClassifier,
    DenseRegressor,
    KerasClassifier,
    ModelBuilder,
    SequenceClassifier,
)
from skdeep.architectures import dense_network

pytestmark = [pytest.mark.distributed, pytest.mark.timeout(600)]
# All cluster tests in one xdist worker: two clusters at once would oversubscribe
# the cores and make the timings meaningless.
pytestmark.append(pytest.mark.xdist_group("clusters"))

GRID = {
    "denseclassifier__hidden_layer_sizes": [(4,), (16,)],
    "denseclassifier__learning_rate": [1e-4, 3e-2],
}


def _search(n_jobs=None):
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    pipe = make_pipeline(
        StandardScaler(),
        DenseClassifier(epochs=20, random_state=0),
    )
    return GridSearchCV(pipe, GRID, cv=2, n_jobs=n_jobs).fit(X, y)


@pytest.fixture(scope="module")
def serial_search():
    return _search()


def _same_search(search, serial):
    assert search.best_params_ == serial.best_params_
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"],
        serial.cv_results_["mean_test_score"],
        atol=1e-6,
    )


def test_loky_backend(serial_search):
    _same_search(_search(n_jobs=2), serial_search)


def _family_data(name):
    rng = np.random.RandomState(0)
    y = np.arange(40) % 2
    if name == "cnn":
        return rng.rand(40, 36) + y[:, None] * 0.5, y
    if name == "sequence":
        words = np.array(["good", "fine", "bad", "poor"])
        return np.array(
            [" ".join(words[rng.randint(0, 2) + 2 * t] for _ in range(3)) for t in y]
        ), y
    return rng.normal(size=(40, 4)) + y[:, None], y


FAMILIES = {
    "cnn": (
        CNNClassifier(
            filters=(4,),
            dense_layer_sizes=(4,),
            epochs=3,
            image_shape=(6, 6, 1),
            random_state=0,
        ),
        {"filters": [(2,), (4,)]},
    ),
    "sequence": (
        SequenceClassifier(units=(4,), embedding_dim=4, epochs=3, random_state=0),
        {"cell": ["gru", "conv1d"]},
    ),
    # A builder every worker can import (Ray workers do not see the tests).
    "keras": (
        KerasClassifier(ModelBuilder(dense_network), epochs=3, random_state=0),
        {"model__hidden_layer_sizes": [(4,), (8,)]},
    ),
}


def _family_search(name, n_jobs=None):
    est, grid = FAMILIES[name]
    return GridSearchCV(est, grid, cv=2, n_jobs=n_jobs).fit(*_family_data(name))


@pytest.fixture(scope="module")
def serial_family_searches():
    return {name: _family_search(name) for name in FAMILIES}


def _engine_searches(serial_family_searches, n_jobs):
    for name, serial in serial_family_searches.items():
        _same_search(_family_search(name, n_jobs=n_jobs), serial)


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        # The scheduler always serves HTTP (health, metrics): on loopback,
        # on a free port.
        dashboard_address="127.0.0.1:0",
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_dask_joblib_backend(dask_client, serial_search):
    import joblib

    with joblib.parallel_config("dask"):
        search = _search(n_jobs=-1)
    _same_search(search, serial_search)


def test_every_family_on_dask(dask_client, serial_family_searches):
    import joblib

    with joblib.parallel_config("dask"):
        _engine_searches(serial_family_searches, n_jobs=-1)


def test_dask_ml_incremental_partial_fit(dask_client):
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    rng = np.random.RandomState(0)
    X = da.from_array(rng.normal(size=(4000, 5)), chunks=(500, 5))
    y = da.from_array((rng.normal(size=4000) > 0).astype(int), chunks=500)
    assert X.numblocks[0] == 8
    inc = wrappers.Incremental(
        DenseClassifier(hidden_layer_sizes=(8,), random_state=0),
        scoring="accuracy",
    )
    inc.fit(X, y, classes=[0, 1])
    # One partial_fit (one pass) per block, in order.
    assert inc.estimator_.n_iter_ == 8
    assert inc.predict(X[:10]).compute().shape == (10,)


@pytest.mark.parametrize("name", ["cnn", "keras"])
def test_dask_ml_incremental_other_families(dask_client, name):
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = _family_data(name)
    Xd = da.from_array(np.tile(X, (3, 1)), chunks=(40, X.shape[1]))
    yd = da.from_array(np.tile(y, 3), chunks=40)
    inc = wrappers.Incremental(FAMILIES[name][0], scoring="accuracy")
    inc.fit(Xd, yd, classes=[0, 1])
    assert inc.estimator_.n_iter_ == 3


@pytest.mark.parametrize("kind", ["tokens", "series"])
def test_dask_ml_incremental_sequences(dask_client, kind):
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    rng = np.random.RandomState(0)
    y = np.arange(120) % 2
    shape = None
    if kind == "tokens":
        X = rng.randint(1, 30, size=(120, 8)) + 30 * y[:, None]
    else:
        # dask-ml's Incremental reads 2-D blocks only: series go flattened,
        # with their shape given.
        X = (rng.normal(size=(120, 8, 2)) + y[:, None, None]).reshape(120, 16)
        shape = (8, 2)
    Xd = da.from_array(X, chunks=(40, X.shape[1]))
    yd = da.from_array(y, chunks=40)
    clf = SequenceClassifier(
        units=(4,), embedding_dim=4, sequence_shape=shape, random_state=0
    )
    inc = wrappers.Incremental(clf, scoring="accuracy")
    inc.fit(Xd, yd, classes=[0, 1])
    assert inc.estimator_.n_iter_ == 3
    assert inc.estimator_.input_kind_ == kind
    assert inc.predict(Xd[:10]).compute().shape == (10,)


def test_dask_ml_incremental_regressor(dask_client):
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0])
    inc = wrappers.Incremental(
        DenseRegressor(hidden_layer_sizes=(8,), random_state=0), scoring="r2"
    )
    inc.fit(da.from_array(X, chunks=(200, 4)), da.from_array(y, chunks=200))
    assert inc.estimator_.n_iter_ == 3
    assert inc.predict(da.from_array(X[:10], chunks=5)).compute().shape == (10,)


@pytest.fixture(scope="module")
def ray_backend():
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    # Ray swaps 127.0.0.1 for the machine's own address; another loopback
    # address keeps every Ray process on loopback (see SCALING.md).
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.2",
        log_to_driver=False,
    )
    register_ray()
    try:
        yield
    finally:
        ray.shutdown()


def test_ray_joblib_backend(ray_backend, serial_search):
    # Every family travels to worker processes on Dask above (loky's workers
    # are covered by the other searches with n_jobs=2); on Ray, whose
    # per-task start-up is the slowest, the search of one family shows the
    # same results (the CI time budget).
    import joblib

    with joblib.parallel_config("ray"):
        search = _search(n_jobs=2)
        _same_search(search, serial_search)


def test_omp_num_threads_carries_over_to_tensorflow():
    code = (
        "import numpy as np, skdeep, tensorflow as tf\n"
        "skdeep.DenseClassifier(epochs=1).fit(np.eye(4), [0, 1, 0, 1])\n"
        "print(tf.config.threading.get_intra_op_parallelism_threads(),"
        " tf.config.threading.get_inter_op_parallelism_threads())"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("TF_NUM_INTRAOP_THREADS", None)
    env.pop("TF_NUM_INTEROP_THREADS", None)
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "1"]


def test_set_threads_before_and_after_start():
    code = (
        "import warnings, numpy as np, skdeep\n"
        "assert skdeep.set_threads(intra_op=1, inter_op=1)\n"
        "skdeep.DenseClassifier(epochs=1).fit(np.eye(4), [0, 1, 0, 1])\n"
        "import tensorflow as tf\n"
        "print(tf.config.threading.get_intra_op_parallelism_threads())\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    print(skdeep.set_threads(intra_op=2), len(w))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "False", "1"]


def test_mirrored_strategy_scope_trains_with_keras_fit():
    from skdeep._keras import get_tf

    tf = get_tf()
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        clf = DenseClassifier(
            hidden_layer_sizes=(8,), epochs=5, random_state=0, early_stopping=True
        ).fit(X, y)
    assert set(clf.history_) == {"loss", "val_loss"}
    assert clf.n_iter_ == 5
    assert clf.predict_proba(X).shape == (120, 2)
