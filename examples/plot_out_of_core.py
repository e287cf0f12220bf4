"""
Out-of-core training on a dask array of a million rows
======================================================

``dask_ml.wrappers.Incremental`` feeds a chunked dask array to
``DenseClassifier.partial_fit`` one block at a time: each call is one pass over
one block, and the optimizer state carries over. The array is generated lazily,
so no more than a block is ever in memory; we print the peak resident memory
next to the size the whole array would take.

Needs the ``distributed`` extra: ``pip install 'skdeep[distributed]'``.
"""

import os
import resource
import sys
import time


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(n_rows=1_000_000, n_features=20, block=100_000, passes=2):
    try:
        import dask
        import dask.array as da
        from dask_ml.wrappers import Incremental
    except ImportError:
        print("dask and dask-ml are not installed: pip install 'skdeep[distributed]'")
        return
    import numpy as np

    from skdeep import DenseClassifier

    rs = da.random.RandomState(0)
    X = rs.normal(size=(n_rows, n_features), chunks=(block, n_features))
    w = np.linspace(-1, 1, n_features)
    y = (X @ w + 0.1 * rs.normal(size=n_rows, chunks=block) > 0).astype(int)

    clf = DenseClassifier(hidden_layer_sizes=(32,), batch_size=256, random_state=0)
    # Start TensorFlow before measuring, so the figure is about the data.
    clf.partial_fit(X[:10].compute(), y[:10].compute(), classes=[0, 1])
    baseline = peak_rss_mb()
    inc = Incremental(clf, scoring="accuracy")
    start = time.perf_counter()
    # partial_fit consumes blocks one after another; the synchronous scheduler
    # also computes them one at a time (the threaded one would run ahead and
    # hold several blocks in memory).
    with dask.config.set(scheduler="synchronous"):
        for _ in range(passes):
            inc.partial_fit(X, y, classes=[0, 1])
        accuracy = inc.score(X[:block], y[:block])
    seconds = time.perf_counter() - start
    data_mb = n_rows * n_features * 8 / 2**20
    print(f"rows: {n_rows:,} in {X.numblocks[0]} blocks of {block:,}; passes: {passes}")
    print(
        f"training time: {seconds:.1f} s; accuracy on the first block: {accuracy:.3f}"
    )
    print(
        f"whole array would take {data_mb:.0f} MB; peak memory grew by "
        f"{peak_rss_mb() - baseline:.0f} MB during training"
    )


if __name__ == "__main__":
    # SKDEEP_EXAMPLE_QUICK=1 (set by the test suite) trains on 200,000 rows.
    quick = os.environ.get("SKDEEP_EXAMPLE_QUICK") == "1"
    default = 200_000 if quick else 1_000_000
    main(n_rows=int(sys.argv[1]) if len(sys.argv) > 1 else default)
