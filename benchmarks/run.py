"""skdeep against the alternatives, side by side in one run.

Usage::

    python -m benchmarks.run            # full run, writes docs/benchmark_results.rst
    python -m benchmarks.run --quick    # smoke run (CI), writes to a temp folder

Every figure compares tools on the same network (one hidden layer of 100 ReLU
units unless said otherwise), epochs and batch size, repeats, and reports medians
and ratios. Tools: skdeep, plain Keras written as the Keras guides show
(``model.fit``/``model.predict`` with their defaults), scikit-learn's
``MLPClassifier``/``MLPRegressor``, SciKeras 0.13 and ``keras.wrappers``
(each skipped, and said so, when not installed).
"""

import argparse
import contextlib
import gc
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

HIDDEN = (100,)


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rss_mb():
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def settled_rss_mb():
    """Resident memory after garbage collection and, on glibc, after handing
    freed heap pages back to the system, so that what earlier figures freed
    does not count as this figure's saving."""
    import ctypes

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_mb()


# -- the competitors, each building the same network -------------------------


def keras_model(n_features, n_classes, seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((n_features,))]
        + [keras.layers.Dense(u, activation="relu") for u in HIDDEN]
        + [keras.layers.Dense(n_classes, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def scikeras_builder(meta, units=100):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    return model  # SciKeras compiles it from its own parameters


def make_scikeras(epochs, batch_size):
    try:
        from scikeras.wrappers import KerasClassifier
    except ImportError:
        return None
    return KerasClassifier(
        scikeras_builder,
        model__units=HIDDEN[0],
        optimizer="adam",
        optimizer__learning_rate=1e-3,
        loss="sparse_categorical_crossentropy",
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
        random_state=0,
    )


def make_keras_wrapper(epochs, batch_size):
    try:
        from keras.wrappers import SKLearnClassifier
    except ImportError:
        return None

    def build(X, y):
        # The wrapper one-hot encodes y.
        model = keras_model(X.shape[1], y.shape[1])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        return model

    return SKLearnClassifier(
        build, fit_kwargs={"epochs": epochs, "batch_size": batch_size, "verbose": 0}
    )


def make_skdeep(epochs, batch_size, **kw):
    from skdeep import DenseClassifier

    # Run exactly `epochs` epochs, as the others do: no early stop.
    return DenseClassifier(
        HIDDEN,
        epochs=epochs,
        batch_size=batch_size,
        patience=epochs,
        random_state=0,
        dtype="float32",
        **kw,
    )


def make_mlp(epochs, batch_size):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        HIDDEN,
        max_iter=epochs,
        batch_size=batch_size,
        n_iter_no_change=epochs,
        tol=0,
        random_state=0,
    )


def table_data(n, d, n_classes=2, seed=0):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n,
        n_features=d,
        n_informative=min(d, 10),
        n_classes=n_classes,
        random_state=seed,
    )
    return X.astype(np.float32), y


# -- figures -----------------------------------------------------------------


def fig_predict_one_row(quick):
    X, y = table_data(2000, 30)
    epochs, bs = 2, 64
    rows = []
    skd = make_skdeep(epochs, bs).fit(X, y)
    mlp = make_mlp(epochs, bs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp.fit(X, y)
    model = keras_model(X.shape[1], 2)
    model.fit(X, y, epochs=epochs, batch_size=bs, verbose=0)
    one = X[:1]
    n = 50 if quick else 300
    rows.append(
        (
            "skdeep DenseClassifier.predict_proba",
            median_time(lambda: skd.predict_proba(one), n),
        )
    )
    rows.append(
        (
            "sklearn MLPClassifier.predict_proba",
            median_time(lambda: mlp.predict_proba(one), n),
        )
    )
    m = 10 if quick else 30
    rows.append(
        ("keras Model.predict", median_time(lambda: model.predict(one, verbose=0), m))
    )
    sk = make_scikeras(epochs, bs)
    if sk is not None:
        sk.fit(X, y)
        rows.append(
            (
                "SciKeras KerasClassifier.predict_proba",
                median_time(lambda: sk.predict_proba(one), m),
            )
        )
    kw = make_keras_wrapper(epochs, bs)
    if kw is not None:
        kw.fit(X, y)
        quiet_predict = kw.predict

        def kw_predict(rows):
            # It calls model.predict with a progress bar; keep the report readable.
            with contextlib.redirect_stdout(io.StringIO()):
                return quiet_predict(rows)

        kw.predict = kw_predict
        rows.append(
            (
                "keras.wrappers SKLearnClassifier.predict",
                median_time(lambda: kw.predict(one), m),
            )
        )
    return "Predict one row (ms, median)", _ratio_rows(rows, scale=1e3, unit="ms")


def fig_predict_many(quick):
    n = 20_000 if quick else 100_000
    X, y = table_data(n, 30)
    skd = make_skdeep(1, 256).fit(X[:5000], y[:5000])
    model = keras_model(30, 2)
    model.fit(X[:5000], y[:5000], epochs=1, batch_size=256, verbose=0)
    rep = 2 if quick else 5
    rows = [
        (
            "skdeep DenseClassifier.predict_proba",
            median_time(lambda: skd.predict_proba(X), rep),
        ),
        (
            "keras Model.predict (defaults)",
            median_time(lambda: model.predict(X, verbose=0), rep),
        ),
    ]
    mlp = make_mlp(1, 256)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp.fit(X[:5000], y[:5000])
    rows.append(
        (
            "sklearn MLPClassifier.predict_proba",
            median_time(lambda: mlp.predict_proba(X), rep),
        )
    )
    return f"Predict {n:,} rows (s, median)", _ratio_rows(rows, scale=1, unit="s")


def _fit_rows(X, y, epochs, bs, rep, with_wrappers=True):
    rows = []

    def keras_fit():
        keras_model(X.shape[1], len(np.unique(y))).fit(
            X, y, epochs=epochs, batch_size=bs, verbose=0
        )

    rows.append(
        (
            "skdeep DenseClassifier.fit",
            median_time(lambda: make_skdeep(epochs, bs).fit(X, y), rep),
        )
    )
    rows.append(("keras Model.fit (defaults)", median_time(keras_fit, rep)))

    def mlp_fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make_mlp(epochs, bs).fit(X, y)

    rows.append(("sklearn MLPClassifier.fit", median_time(mlp_fit, rep)))
    if with_wrappers:
        sk = make_scikeras(epochs, bs)
        if sk is not None:
            rows.append(
                (
                    "SciKeras KerasClassifier.fit",
                    median_time(lambda: make_scikeras(epochs, bs).fit(X, y), rep),
                )
            )
        kw = make_keras_wrapper(epochs, bs)
        if kw is not None:
            rows.append(
                (
                    "keras.wrappers SKLearnClassifier.fit",
                    median_time(lambda: make_keras_wrapper(epochs, bs).fit(X, y), rep),
                )
            )
    return rows


def fig_fit_medium(quick):
    n, d = (10_000, 50) if quick else (50_000, 50)
    X, y = table_data(n, d)
    epochs, bs = (2, 64) if quick else (5, 64)
    rows = _fit_rows(X, y, epochs, bs, rep=1 if quick else 3)
    return (
        f"Fit {n:,} x {d} table, {epochs} epochs, batch {bs} (s, median)",
        _ratio_rows(rows, 1, "s"),
    )


def fig_fit_small(quick):
    from sklearn.datasets import load_breast_cancer, load_digits
    from sklearn.preprocessing import StandardScaler

    out = []
    for name, loader in (
        ("breast cancer", load_breast_cancer),
        ("digits", load_digits),
    ):
        X, y = loader(return_X_y=True)
        X = StandardScaler().fit_transform(X).astype(np.float32)
        epochs, bs = (3, 32) if quick else (50, 32)
        rows = _fit_rows(X, y, epochs, bs, rep=1 if quick else 3)
        out.append(
            (
                f"Fit {name} ({X.shape[0]} x {X.shape[1]}), {epochs} epochs, "
                f"batch {bs} (s, median)",
                _ratio_rows(rows, 1, "s"),
            )
        )
    return out


def fig_grid_search(quick):
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    epochs = 5 if quick else 20

    folds = 2 if quick else 3

    def search_time(pipe, grid, n_jobs):
        if quick:  # a smoke run: two candidates
            grid = {k: v[:1] if i else v for i, (k, v) in enumerate(grid.items())}
        search = GridSearchCV(pipe, grid, cv=folds, n_jobs=n_jobs)
        return median_time(lambda: search.fit(X, y), 1)

    rows = []
    for n_jobs in (1,) if quick else (1, 2):
        skd = Pipeline([("scale", StandardScaler()), ("net", make_skdeep(epochs, 32))])
        grid = {
            "net__hidden_layer_sizes": [(32,), (64,)],
            "net__learning_rate": [1e-3, 1e-2],
            "net__batch_size": [32, 64],
        }
        rows.append((f"skdeep, n_jobs={n_jobs}", search_time(skd, grid, n_jobs)))
        sk = make_scikeras(epochs, 32)
        if sk is not None:
            pipe = Pipeline([("scale", StandardScaler()), ("net", sk)])
            skgrid = {
                "net__optimizer__learning_rate": [1e-3, 1e-2],
                "net__batch_size": [32, 64],
                "net__model__units": [32, 64],
            }
            rows.append(
                (f"SciKeras, n_jobs={n_jobs}", search_time(pipe, skgrid, n_jobs))
            )
    size = "2 candidates x 2 folds" if quick else "8 candidates x 3 folds"
    title = f"Grid search, {size}, StandardScaler pipeline"
    return f"{title}, {epochs} epochs (s)", _ratio_rows(rows, 1, "s")


def _time_budget_callback(deadline):
    """A Keras callback that stops training at the first epoch end past
    ``deadline`` (a ``time.perf_counter()`` value)."""
    import keras

    class TimeBudget(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epochs = 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs = epoch + 1
            if time.perf_counter() > deadline:
                self.model.stop_training = True

    return TimeBudget()


def fig_equal_time(quick):
    """Test accuracy after the same wall-clock training time (building and
    tracing included, after one warm-up fit of each tool), epochs at batch 32
    until the time is up."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_train = scaler.transform(X_train).astype(np.float32)
    X_test = scaler.transform(X_test).astype(np.float32)
    budgets = (0.5,) if quick else (0.5, 1.0, 2.0)
    # Warm up TensorFlow and each tool once, as a search or a notebook would be.
    make_skdeep(1, 32).fit(X_train, y_train)
    keras_model(X.shape[1], 10).fit(
        X_train, y_train, epochs=1, batch_size=32, verbose=0
    )
    lines = [f"{'tool':<26} {'budget (s)':>10} {'epochs':>7} {'accuracy':>9}"]
    for budget in budgets:
        # skdeep, its epochs cut by the same callback as Keras's.
        start = time.perf_counter()
        stop = _time_budget_callback(start + budget)
        clf = make_skdeep(10_000, 32, callbacks=[stop])
        clf.set_params(patience=10_000).fit(X_train, y_train)
        lines.append(
            f"{'skdeep DenseClassifier':<26} {budget:>10.1f} {clf.n_iter_:>7} "
            f"{clf.score(X_test, y_test):>9.4f}"
        )
        start = time.perf_counter()
        stop = _time_budget_callback(start + budget)
        model = keras_model(X.shape[1], 10)
        model.fit(
            X_train, y_train, epochs=10_000, batch_size=32, verbose=0, callbacks=[stop]
        )
        proba = model.predict(X_test, verbose=0)
        accuracy = float(np.mean(proba.argmax(axis=1) == y_test))
        lines.append(
            f"{'keras Model.fit':<26} {budget:>10.1f} {stop.epochs:>7} {accuracy:>9.4f}"
        )
        start = time.perf_counter()
        mlp = MLPClassifier(HIDDEN, batch_size=32, random_state=0)
        epochs = 0
        while time.perf_counter() < start + budget:
            mlp.partial_fit(X_train, y_train, classes=np.arange(10))
            epochs += 1
        lines.append(
            f"{'sklearn MLPClassifier':<26} {budget:>10.1f} {epochs:>7} "
            f"{mlp.score(X_test, y_test):>9.4f}"
        )
    return (
        "Accuracy at equal training time: digits (1,257 train / 540 test rows), "
        "batch 32, epochs until the time is up",
        lines,
    )


def fig_repeated_fits(quick):
    X, y = table_data(500, 20)
    n = 8 if quick else 100
    out = []
    for name, fit in (
        ("skdeep", lambda: make_skdeep(3, 64).fit(X, y)),
        (
            "keras Model.fit",
            lambda: keras_model(20, 2).fit(X, y, epochs=3, batch_size=64, verbose=0),
        ),
    ):
        fit()
        start_rss = settled_rss_mb()
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fit()
            times.append(time.perf_counter() - t)
        end_rss = settled_rss_mb()
        k = max(1, n // 10)
        out.append(
            (
                name,
                statistics.median(times[:k]),
                statistics.median(times[-k:]),
                end_rss - start_rss,
            )
        )
    header = ("tool", "first fits (s)", "last fits (s)", "RSS growth (MB)")
    lines = ["{:<20} {:>15} {:>14} {:>16}".format(*header)]
    lines += [f"{a:<20} {b:>15.3f} {c:>14.3f} {d:>16.1f}" for a, b, c, d in out]
    return (
        f"{n} fits in one process (median time of the first and last "
        f"{max(1, n // 10)}; resident memory growth)",
        lines,
    )


def fig_import(quick):
    code = (
        "import time, sys; t = time.perf_counter(); import skdeep; "
        "print(time.perf_counter() - t, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    secs, tf_loaded = out.stdout.split()
    code_tf = (
        "import time; t = time.perf_counter(); import tensorflow; "
        "print(time.perf_counter() - t)"
    )
    out_tf = subprocess.run(
        [sys.executable, "-c", code_tf], capture_output=True, text=True, timeout=300
    )
    return "Import time (s)", [
        f"import skdeep      {float(secs):.2f}  (TensorFlow imported: {tf_loaded})",
        f"import tensorflow  {float(out_tf.stdout.split()[-1]):.2f}",
    ]


def fig_cnn_sequence_epoch(quick):
    import keras

    from skdeep import CNNClassifier, SequenceClassifier

    rng = np.random.RandomState(0)
    n = 500 if quick else 10000
    rows = []
    Ximg = rng.rand(n, 28, 28, 1).astype(np.float32)
    yimg = rng.randint(0, 10, n)
    cnn = CNNClassifier(epochs=2, random_state=0, dtype="float32", patience=2).fit(
        Ximg, yimg
    )
    per_epoch = median_time(lambda: cnn.set_params(epochs=1).fit(Ximg, yimg), 1)
    twin = keras.models.clone_model(cnn.model_)
    twin.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    bs = cnn._batch_size(n)
    rows.append((f"CNNClassifier (its default network), batch {bs}", per_epoch))
    rows.append(
        (
            "same network, keras Model.fit",
            median_time(
                lambda: twin.fit(Ximg, yimg, epochs=1, batch_size=bs, verbose=0), 1
            ),
        )
    )
    Xseq = rng.randint(1, 1000, size=(n, 50))
    yseq = rng.randint(0, 2, n)
    seq = SequenceClassifier(epochs=1, random_state=0).fit(Xseq, yseq)
    per_epoch = median_time(lambda: seq.fit(Xseq, yseq), 1)
    twin = keras.models.clone_model(seq.model_)
    twin.compile(
        optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True)
    )
    bs = seq._batch_size(n)
    rows.append((f"SequenceClassifier (its default network), batch {bs}", per_epoch))
    rows.append(
        (
            "same network, keras Model.fit",
            median_time(
                lambda: twin.fit(Xseq, yseq, epochs=1, batch_size=bs, verbose=0), 1
            ),
        )
    )
    return (
        f"CNN and sequence fit time per epoch, {n:,} samples "
        "(s; first epoch, tracing included)",
        _ratio_rows(rows, 1, "s", pairwise=True),
    )


def _ratio_rows(rows, scale, unit, pairwise=False):
    base = rows[0][1]
    lines = [f"{'tool':<48} {unit:>10} {'vs first':>9}"]
    for i, (name, secs) in enumerate(rows):
        ref = rows[i - i % 2][1] if pairwise else base
        lines.append(f"{name:<48} {secs * scale:>10.3f} {secs / ref:>8.2f}x")
    return lines


FIGURES = [
    fig_predict_one_row,
    fig_predict_many,
    fig_fit_medium,
    fig_fit_small,
    fig_grid_search,
    fig_equal_time,
    fig_repeated_fits,
    fig_import,
    fig_cnn_sequence_epoch,
]


def environment():
    import keras
    import sklearn
    import tensorflow as tf

    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}, scikit-learn {sklearn.__version__}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--out", default=None, help="where to write the .rst results")
    parser.add_argument("--only", nargs="*", help="figure function names to run")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from skdeep._keras import get_keras

    get_keras()
    out = args.out or (
        os.path.join(tempfile.gettempdir(), "skdeep_bench_quick.rst")
        if args.quick
        else os.path.join(
            os.path.dirname(__file__), "..", "docs", "benchmark_results.rst"
        )
    )
    command = "python -m benchmarks.run" + (" --quick" if args.quick else "")
    sections = []
    for fig in FIGURES:
        if args.only and fig.__name__ not in args.only:
            continue
        start = time.perf_counter()
        result = fig(args.quick)
        for title, lines in result if isinstance(result, list) else [result]:
            print(f"\n== {title}  [{time.perf_counter() - start:.0f}s]")
            print("\n".join(lines))
            sections.append((title, lines))
    with open(out, "w") as fh:
        fh.write(f".. Generated by `{command}`; do not edit.\n\n")
        fh.write(f"Machine: {environment()}.\n\nCommand: ``{command}``\n\n")
        for title, lines in sections:
            fh.write(f"{title}\n{'~' * len(title)}\n\n::\n\n")
            fh.write("".join(f"    {line}\n" for line in lines))
            fh.write("\n")
    print(f"\nwrote {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
