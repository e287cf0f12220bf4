"""skdeep's speed targets on each Keras backend, side by side in one run.

Usage::

    python benchmarks/bench_backends.py           # writes docs/backend_results.rst
    python benchmarks/bench_backends.py --quick   # smoke run, to a temp folder
    python benchmarks/bench_backends.py --out PATH

The parent process never imports Keras: it runs this file again once per
backend (TensorFlow, JAX, PyTorch) in a subprocess with ``KERAS_BACKEND`` set
and a hidden ``--worker BACKEND`` argument; each worker prints its
measurements as one JSON line (its last line on stdout). A backend whose
module is not installed is skipped, and the page says so.

Measured on each backend, with that backend's own Keras API as the reference
(medians of repeats; the one-row predictions of skdeep and of its reference
are timed in alternation, in rounds, so that the machine's load weighs on both
alike):

1. fit of a 64-64 ReLU MLP on 20,000 x 30 float32 rows (2 classes, 5 epochs,
   batch 32): ``DenseClassifier.fit`` against ``keras.Model.fit`` of the same
   network, each from a fresh estimator or model, after one warm-up fit of
   each (reported as "first fit": it includes tracing). Target: skdeep at most
   0.5x the time of ``model.fit``;
2. one-row ``DenseClassifier.predict_proba`` against scikit-learn's
   ``MLPClassifier.predict_proba`` (target: within 1.5x), with
   ``keras.Model.predict`` for information;
3. one-row ``CNNClassifier.predict_proba`` on a 28x28x1 image against its own
   fitted model's ``model_.predict`` (target: at least 20x faster);
4. one-row ``SequenceClassifier.predict_proba`` on a short text and on a float
   series of 100 steps, against ``model_.predict`` (target: at least 20x
   faster). On JAX and PyTorch, Keras's text layers run on TensorFlow, and
   ``model_.predict`` of a model taking strings raises; the text row then
   compares with the model's own text layer run eagerly followed by
   ``predict`` of the rest of the model (the path Keras leaves open there).
"""

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

BACKENDS = ("tensorflow", "jax", "torch")
HIDDEN = (64, 64)
RESULTS = Path(__file__).resolve().parent.parent / "docs" / "backend_results.rst"
COMMAND = "python benchmarks/bench_backends.py"


def sizes(quick):
    """The sizes and repeat counts of a full or a quick run."""
    if quick:
        return {
            "fit_rows": 4_000,
            "fit_epochs": 2,
            "fit_repeats": 1,
            "fast_calls": 50,
            "keras_calls": 10,
            "images": 128,
            "texts": 200,
            "series": 128,
        }
    return {
        "fit_rows": 20_000,
        "fit_epochs": 5,
        "fit_repeats": 2,
        "fast_calls": 200,
        "keras_calls": 20,
        "images": 512,
        "texts": 400,
        "series": 256,
    }


# -- timing ------------------------------------------------------------------


def seconds(fn):
    """The seconds ``fn()`` took."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_seconds(fn, calls, warmup=0):
    """The median time of ``calls`` calls of ``fn`` after ``warmup`` untimed
    ones."""
    for _ in range(warmup):
        fn()
    return statistics.median(seconds(fn) for _ in range(calls))


# Rounds of alternating timings in paired_medians.
ROUNDS = 10


def paired_medians(fns, calls, warmup):
    """The median time of each function of ``fns`` (a dict by name), timed in
    alternation: :data:`ROUNDS` rounds, each timing ``calls[name] // ROUNDS``
    calls (at least one) of every function, so that a change in the
    machine's load during the run weighs on every function alike. Each
    function's timed calls in a round follow ``warmup[name]`` untimed ones:
    the first calls after another library's run slower while that library's
    worker threads still spin (PyTorch's for several milliseconds)."""
    for fn in fns.values():  # first calls: tracing, caches
        for _ in range(2):
            fn()
    times = {name: [] for name in fns}
    for _ in range(ROUNDS):
        for name, fn in fns.items():
            for _ in range(warmup[name]):
                fn()
            times[name].extend(
                seconds(fn) for _ in range(max(calls[name] // ROUNDS, 1))
            )
    return {name: statistics.median(t) for name, t in times.items()}


def error_text(exc):
    return f"n/a (raises {type(exc).__name__})"


# -- data --------------------------------------------------------------------


def table_data(n, d=30):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=10, random_state=0
    )
    return X.astype(np.float32), y


WORDS = (
    "the a movie film plot actor scene story music camera city night road "
    "house friend time day was is had long short old new quiet loud slow"
)
POSITIVE = ("great", "wonderful", "excellent", "superb")


def sentences(n, seed=0):
    """``n`` short texts from a small word list, labelled 1 where a positive
    word occurs (about half)."""
    rng = np.random.RandomState(seed)
    texts, labels = [], []
    for _ in range(n):
        words = list(rng.choice(WORDS.split(), size=rng.randint(5, 13)))
        label = int(rng.rand() < 0.5)
        if label:
            words.insert(rng.randint(len(words) + 1), rng.choice(POSITIVE))
        texts.append(" ".join(words))
        labels.append(label)
    return np.array(texts, dtype=object), np.array(labels)


# -- the measurements (in a worker) -------------------------------------------


def keras_mlp(n_features, n_classes):
    import keras

    model = keras.Sequential(
        [keras.Input((n_features,))]
        + [keras.layers.Dense(u, activation="relu") for u in HIDDEN]
        + [keras.layers.Dense(n_classes, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def skdeep_mlp(epochs):
    from skdeep import DenseClassifier

    return DenseClassifier(
        hidden_layer_sizes=HIDDEN,
        epochs=epochs,
        batch_size=32,
        early_stopping=False,
        random_state=0,
        dtype="float32",
    )


def measure_fit(size, X, y):
    """Fit times; also the last fitted estimator and model, for prediction."""
    epochs, fitted = size["fit_epochs"], {}

    def fit_skdeep():
        fitted["skdeep"] = skdeep_mlp(epochs).fit(X, y)

    def fit_keras():
        fitted["keras"] = keras_mlp(X.shape[1], 2)
        fitted["keras"].fit(X, y, epochs=epochs, batch_size=32, verbose=0)

    had_tf = "tensorflow" in sys.modules
    out = {"skdeep_first": seconds(fit_skdeep)}
    out["first_fit_imported_tf"] = not had_tf and "tensorflow" in sys.modules
    out["keras_first"] = seconds(fit_keras)
    skdeep_times, keras_times = [], []
    for _ in range(size["fit_repeats"]):
        skdeep_times.append(seconds(fit_skdeep))
        keras_times.append(seconds(fit_keras))
    out["skdeep"] = statistics.median(skdeep_times)
    out["keras"] = statistics.median(keras_times)
    return out, fitted["skdeep"], fitted["keras"]


def measure_dense_predict(size, X, y, est, model):
    from sklearn.neural_network import MLPClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it stops after max_iter=5
        mlp = MLPClassifier(hidden_layer_sizes=HIDDEN, max_iter=5).fit(X, y)
    one, fast, slow = X[:1], size["fast_calls"], size["keras_calls"]
    return paired_medians(
        {
            "skdeep": lambda: est.predict_proba(one),
            "mlp": lambda: mlp.predict_proba(one),
            "keras": lambda: model.predict(one, verbose=0),
        },
        calls={"skdeep": fast, "mlp": fast, "keras": slow},
        warmup={"skdeep": 10, "mlp": 10, "keras": 1},
    )


def versus_model_predict(size, est, one, fallback=None):
    """skdeep's one-row ``predict_proba`` against ``est.model_.predict``,
    timed in alternation (:func:`paired_medians`). Where ``model_.predict``
    raises, ``fallback`` (a name and a function making another Keras path)
    is the reference; without one that runs, skdeep is timed alone and
    ``"keras"`` is None."""
    out = {}
    path = "model_.predict"

    def reference(x):
        return est.model_.predict(x, verbose=0)

    try:
        reference(one)
    except Exception as exc:
        out.update(keras_error=error_text(exc), keras_error_message=str(exc)[:300])
        reference = None
        if fallback is not None:
            path, make = fallback
            try:
                reference = make()
                reference(one)
            except Exception as exc:
                reference = None
                out["keras_path_error"] = f"{type(exc).__name__}: {exc}"[:200]
    if reference is None:
        out["keras"] = None
        out["skdeep"] = median_seconds(
            lambda: est.predict_proba(one), size["fast_calls"], 5
        )
        return out
    out.update(
        paired_medians(
            {"skdeep": lambda: est.predict_proba(one), "keras": lambda: reference(one)},
            calls={"skdeep": size["fast_calls"], "keras": size["keras_calls"]},
            warmup={"skdeep": 10, "keras": 1},
        ),
        keras_path=path,
    )
    return out


def measure_cnn_predict(size):
    from skdeep import CNNClassifier

    rng = np.random.RandomState(0)
    images = rng.rand(size["images"], 28, 28, 1).astype(np.float32)
    labels = rng.randint(0, 10, size["images"])
    est = CNNClassifier(epochs=1, random_state=0).fit(images, labels)
    return versus_model_predict(size, est, images[:1])


def host_text_path(est):
    """Where ``model_.predict`` cannot take strings: the model's own text layer
    run eagerly, then ``predict`` of the rest of the model on its ids (one
    call)."""
    import keras

    layer = est.model_.get_layer("vectorizer")
    rest = keras.Model(layer.output, est.model_.outputs)

    def predict(texts):
        ids = keras.ops.convert_to_numpy(layer(np.asarray(texts)))
        return rest.predict(ids, verbose=0)

    return predict


def measure_text_predict(size):
    from skdeep import SequenceClassifier

    texts, labels = sentences(size["texts"])
    est = SequenceClassifier(epochs=1, random_state=0).fit(texts, labels)
    out = versus_model_predict(
        size,
        est,
        texts[:1],
        fallback=(
            "vectorizer layer, then predict of the rest",
            lambda: host_text_path(est),
        ),
    )
    out["cell"] = est.cell_
    return out


def measure_series_predict(size):
    from skdeep import SequenceClassifier

    rng = np.random.RandomState(0)
    series = rng.randn(size["series"], 100, 1).astype(np.float32)
    labels = rng.randint(0, 2, size["series"])
    est = SequenceClassifier(epochs=1, random_state=0).fit(series, labels)
    out = versus_model_predict(size, est, series[:1])
    out["cell"] = est.cell_
    return out


def run_worker(backend, quick):
    """Every measurement on the backend Keras runs on; one JSON line out."""
    import keras

    if keras.config.backend() != backend:
        raise RuntimeError(f"Keras runs on {keras.config.backend()}, not {backend}")
    # Start the backend's runtime, so that neither first fit pays for it.
    keras.ops.convert_to_numpy(keras.ops.ones((1,)) + 1)
    size = sizes(quick)
    X, y = table_data(size["fit_rows"])
    results, errors = {"backend": backend}, {}
    fitted = None
    try:
        results["fit"], *fitted = measure_fit(size, X, y)
    except Exception as exc:
        errors["fit"] = f"{type(exc).__name__}: {exc}"[:300]
    steps = [
        ("cnn_predict", measure_cnn_predict),
        ("text_predict", measure_text_predict),
        ("series_predict", measure_series_predict),
    ]
    if fitted is not None:
        steps.insert(
            0, ("dense_predict", lambda s: measure_dense_predict(s, X, y, *fitted))
        )
    for name, fn in steps:
        try:
            results[name] = fn(size)
        except Exception as exc:
            errors[name] = f"{type(exc).__name__}: {exc}"[:300]
    if backend == "torch":
        import torch

        results["torch_threads"] = torch.get_num_threads()
    results["errors"] = errors
    print(json.dumps(results), flush=True)


# -- the parent: one subprocess per backend -----------------------------------


def backend_available(backend):
    """Whether the backend's module is installed (without importing it)."""
    try:
        return importlib.util.find_spec(backend) is not None
    except (ImportError, ValueError):
        return False


def run_backend(backend, quick):
    """The worker's measurements on ``backend``, or ``{"failed": why}``."""
    env = dict(
        os.environ,
        KERAS_BACKEND=backend,
        PYTHONWARNINGS="ignore",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    command = [sys.executable, __file__, "--worker", backend]
    command += ["--quick"] if quick else []
    timeout = 300 if quick else 900
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"failed": f"timed out after {timeout} s"}
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"failed": f"exit status {done.returncode}: {tail[:200]}"}


def versions():
    """Installed versions, read from package metadata (nothing imported)."""
    out = {}
    for label, dists in (
        ("TensorFlow", ("tensorflow", "tensorflow-cpu", "tf-nightly")),
        ("JAX", ("jax",)),
        ("PyTorch", ("torch",)),
        ("Keras", ("keras",)),
        ("scikit-learn", ("scikit-learn",)),
    ):
        out[label] = "not installed"
        for dist in dists:
            try:
                out[label] = importlib.metadata.version(dist)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return out


def machine_line(minutes, load):
    found = ", ".join(f"{k} {v}" for k, v in versions().items())
    return (
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {found}. Load average {load[0]:.1f} at the "
        f"start, {load[1]:.1f} at the end (above the core count, times are upper "
        f"bounds). Total run: {minutes:.1f} min."
    )


# -- the page ----------------------------------------------------------------


def fmt_ms(secs):
    return "n/a" if secs is None else f"{secs * 1e3:.3f}"


def fmt_s(secs):
    return "n/a" if secs is None else f"{secs:.3f}"


def met(value, target, at_most):
    if value is None:
        return "n/a"
    return "met" if (value <= target if at_most else value >= target) else "not met"


def ratio_cells(ours, theirs, target, fmt):
    """skdeep's time, the reference's, their ratio, the target (at most) and
    its verdict, as table cells; and the verdict."""
    ratio = ours / theirs
    verdict = met(ratio, target, at_most=True)
    return (
        fmt(ours),
        fmt(theirs),
        f"{ratio:.2f}x",
        f"<= {target:.2f}x",
        verdict,
    ), verdict


def table(header, rows):
    """Aligned columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        first = f"{cells[0]!s:<{widths[0]}}"
        rest = [f"{c!s:>{w}}" for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(header), *(line(r) for r in rows)]


def fit_section(results, size):
    title = (
        f"Fit {size['fit_rows']:,} x 30, 64-64 ReLU MLP, {size['fit_epochs']} "
        f"epochs, batch 32 (s, median of {size['fit_repeats']} fresh fits)"
    )
    header = (
        "backend",
        "skdeep",
        "model.fit",
        "ratio",
        "target",
        "",
        "1st fit skdeep",
        "1st model.fit",
    )
    rows, verdicts = [], {}
    for backend, res in results.items():
        fit = res.get("fit")
        if fit is None:
            continue
        cells, verdicts[backend] = ratio_cells(fit["skdeep"], fit["keras"], 0.5, fmt_s)
        first = (fmt_s(fit["skdeep_first"]), fmt_s(fit["keras_first"]))
        rows.append((backend, *cells, *first))
    intro = (
        "Ratio: skdeep's time over ``keras.Model.fit``'s. The first fit of each "
        "(tracing included) is not in the median."
    )
    notes = [
        f"{backend}: skdeep's first fit imported TensorFlow, and its time "
        "includes that: Keras's ``Model.get_config``, which skdeep calls to "
        "reuse compiled networks, imports it on this backend."
        for backend, res in results.items()
        if res.get("fit", {}).get("first_fit_imported_tf")
    ]
    return title, intro, table(header, rows), notes, verdicts


def dense_section(results, size):
    title = (
        "Predict one row, DenseClassifier against MLPClassifier "
        f"(ms, median of {size['fast_calls']} calls)"
    )
    header = (
        "backend",
        "skdeep",
        "MLPClassifier",
        "ratio",
        "target",
        "",
        "keras predict",
    )
    rows, verdicts = [], {}
    for backend, res in results.items():
        pred = res.get("dense_predict")
        if pred is None:
            continue
        cells, verdicts[backend] = ratio_cells(pred["skdeep"], pred["mlp"], 1.5, fmt_ms)
        rows.append((backend, *cells, fmt_ms(pred["keras"])))
    intro = (
        "Ratio: skdeep's time over scikit-learn's ``MLPClassifier.predict_proba`` "
        f"(same network). ``keras.Model.predict`` (median of {size['keras_calls']} "
        "calls) for information. The three are timed in alternation, "
        f"{ROUNDS} rounds of calls of each, so that a change in the machine's "
        "load weighs on all alike."
    )
    return title, intro, table(header, rows), [], verdicts


def speedup_section(results, key, title, size):
    header = ("backend", "skdeep", "model_.predict", "speed-up", "target", "")
    rows, notes, verdicts = [], [], {}
    for backend, res in results.items():
        pred = res.get(key)
        if pred is None:
            continue
        keras_time = pred.get("keras")
        speedup = None if keras_time is None else keras_time / pred["skdeep"]
        verdicts[backend] = met(speedup, 20, at_most=False)
        shown = "n/a" if speedup is None else f"{speedup:.1f}x"
        alternative = pred.get("keras_error") and keras_time is not None
        keras_cell = fmt_ms(keras_time) + ("*" if alternative else "")
        rows.append(
            (
                backend,
                fmt_ms(pred["skdeep"]),
                keras_cell,
                shown,
                ">= 20x",
                verdicts[backend],
            )
        )
        if pred.get("keras_error"):
            alt = pred.get("keras_path", "")
            note = f"{backend}: ``model_.predict`` {pred['keras_error']}"
            if keras_time is not None:
                note = f"\\* {note}; the Keras time shown (\\*) is the {alt}"
            elif pred.get("keras_path_error"):
                note += f"; no other Keras path ran ({pred['keras_path_error']})"
            notes.append(note + ".")
    cells = {res[key].get("cell") for res in results.values() if key in res}
    cells.discard(None)
    if cells:
        title += f", cell {'/'.join(sorted(cells))}"
    title += f" (ms, median of {size['fast_calls']} calls)"
    intro = (
        "Speed-up: ``est.model_.predict``'s time (same fitted model, median of "
        f"{size['keras_calls']} calls) over skdeep's ``predict_proba``, the two "
        f"timed in alternation ({ROUNDS} rounds of calls of each, after a few "
        "untimed ones)."
    )
    return title, intro, table(header, rows), notes, verdicts


def sections(results, size):
    return [
        fit_section(results, size),
        dense_section(results, size),
        speedup_section(
            results,
            "cnn_predict",
            f"Predict one 28x28x1 image, CNNClassifier fitted on {size['images']}",
            size,
        ),
        speedup_section(
            results,
            "text_predict",
            f"Predict one text, SequenceClassifier fitted on {size['texts']} texts",
            size,
        ),
        speedup_section(
            results,
            "series_predict",
            f"Predict one series (100 steps), SequenceClassifier fitted on "
            f"{size['series']}",
            size,
        ),
    ]


def summary_lines(parts, backends):
    names = ("fit", "dense one row", "CNN one row", "text one row", "series one row")
    header = ("target", *backends)
    rows = [
        (name, *(verdicts.get(b, "n/a") for b in backends))
        for name, (*_, verdicts) in zip(names, parts, strict=True)
    ]
    return table(header, rows)


def literal(lines):
    return ["::", "", *(f"    {line}" for line in lines), ""]


def page(results, skipped, size, command, machine):
    measured = [b for b in BACKENDS if b in results]
    text = [
        f".. Generated by ``{COMMAND}``; do not edit.",
        "",
        machine,
        "",
        f"Command: ``{command}``",
        "",
    ]
    if "torch_threads" in results.get("torch", {}):
        threads = results["torch"]["torch_threads"]
        text += [f"PyTorch ran {threads} intra-op threads (its default).", ""]
    for backend, why in skipped.items():
        text += [f"Skipped: {backend} ({why}).", ""]
    parts = sections(results, size)
    title = "Targets met"
    text += [title, "~" * len(title), "", *literal(summary_lines(parts, measured))]
    for title, intro, lines, notes, _ in parts:
        text += [title, "~" * len(title), "", intro, "", *literal(lines)]
        text += [*(f"- {note}" for note in notes), *([""] if notes else [])]
    errors = [
        f"- {backend}, {name}: ``{why}``"
        for backend, res in results.items()
        for name, why in res.get("errors", {}).items()
    ]
    if errors:
        text += ["Errors", "~~~~~~", "", *errors, ""]
    return "\n".join(text).rstrip() + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--out", default=None, help="where to write the .rst page")
    parser.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args.worker, args.quick)
        return
    start, load = time.perf_counter(), os.getloadavg()[0]
    results, skipped = {}, {}
    for backend in BACKENDS:
        if not backend_available(backend):
            skipped[backend] = f"``{backend}`` is not importable"
            print(f"{backend}: skipped, not installed", flush=True)
            continue
        began = time.perf_counter()
        res = run_backend(backend, args.quick)
        print(f"{backend}: {time.perf_counter() - began:.0f} s", flush=True)
        if "failed" in res:
            skipped[backend] = f"the worker failed: {res['failed']}"
        else:
            results[backend] = res
    machine = machine_line(
        (time.perf_counter() - start) / 60, (load, os.getloadavg()[0])
    )
    command = COMMAND + (" --quick" if args.quick else "")
    text = page(results, skipped, sizes(args.quick), command, machine)
    out = Path(
        args.out
        or (
            Path(tempfile.gettempdir()) / "skdeep_bench_backends_quick.rst"
            if args.quick
            else RESULTS
        )
    )
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
