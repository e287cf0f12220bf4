"""
A grid search on one core, on joblib's processes, and on a Dask cluster
========================================================================

scikit-learn dispatches the fits of a search through joblib, so the same
``GridSearchCV`` runs serially, on joblib's default ``loky`` processes
(``n_jobs=2``), on a Dask cluster (``parallel_config("dask")``) or on Ray
(``parallel_config("ray")``, with ``--ray``). Every run finds the same best
parameters: each fit is seeded by ``random_state``.

The local clusters listen on loopback only. Needs ``skdeep[distributed]`` for
Dask and Ray.
"""

import os
import sys
import time

import joblib
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DenseClassifier

# SKDEEP_EXAMPLE_QUICK=1 (set by the test suite) makes a smaller search.
QUICK = os.environ.get("SKDEEP_EXAMPLE_QUICK") == "1"


def search(**kwargs):
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), DenseClassifier(epochs=20, random_state=0))
    grid = {
        "denseclassifier__hidden_layer_sizes": [(16,), (64,)],
        "denseclassifier__learning_rate": [1e-3, 1e-2],
    }
    if QUICK:
        grid["denseclassifier__hidden_layer_sizes"] = [(16,)]
    start = time.perf_counter()
    result = GridSearchCV(pipe, grid, cv=2 if QUICK else 3, **kwargs).fit(X, y)
    return result.best_params_, time.perf_counter() - start


def main(use_ray=False):
    runs = {"serial": search(), "loky, n_jobs=2": search(n_jobs=2)}
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("dask.distributed is not installed: skipping the Dask run")
    else:
        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                # The scheduler always serves HTTP (health, metrics): on loopback,
                # on a free port.
                dashboard_address="127.0.0.1:0",
            ) as cluster,
            Client(cluster),
            joblib.parallel_config("dask"),
        ):
            runs["dask, 2 workers"] = search(n_jobs=-1)
    if use_ray:
        import ray
        from ray.util.joblib import register_ray

        # 127.0.0.2: Ray replaces 127.0.0.1 with the machine's own address.
        ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.2")
        register_ray()
        try:
            with joblib.parallel_config("ray"):
                runs["ray, 2 CPUs"] = search(n_jobs=2)
        finally:
            ray.shutdown()
    for name, (best, seconds) in runs.items():
        print(f"{name:<16} {seconds:6.1f} s   best: {best}")
    assert len({str(best) for best, _ in runs.values()}) == 1


if __name__ == "__main__":
    main(use_ray="--ray" in sys.argv)
