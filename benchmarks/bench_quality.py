"""Model quality of skdeep's defaults, side by side with classical baselines.

Every skdeep estimator runs with its default parameters (only
``random_state`` set), as a new user would try it, next to the strongest
classical models a scikit-learn user would try first, on every public data set
readable offline here:

- tables: scikit-learn's bundled sets (iris, wine, breast cancer, digits as 64
  columns, diabetes, linnerud), ``StandardScaler`` pipelines, shuffled 5-fold
  CV, skdeep and the MLP averaged over three seeds;
- text: four sets of sentences rated by people (movie-review snippets, the
  sentences of Pang and Lee's sentence-polarity set; tweets; Amazon and New
  York Times snippets; from vaderSentiment's source distribution) and the
  SpamAssassin e-mails, raw text, shuffled stratified 5-fold CV;
- series: the UCR sets bundled in the ``sktime`` wheel (ArrowHead, GunPoint,
  ItalyPowerDemand, OSULeaf, ACSF1), their own train/test split, next to the
  published ResNet and FCN accuracies (Fawaz et al. 2019, mean of their runs,
  ``results/results-ucr-128.csv`` of hfawaz/dl-4-tsc);
- images: the 8x8 digits with scikit-learn's plain ``cv=3`` (unshuffled folds,
  so test writers are unseen) and Fashion-MNIST (Debian's
  ``dataset-fashion-mnist``), its own train/test split.

The page states every target of issue #13 and whether it is met, and the mean
over sets of each family. Fetch the text and series sets once with
``python examples/_sequence_data.py`` (a missing set is skipped and said so).

Usage::

    python benchmarks/bench_quality.py            # full run (about 40 min on 2 cores)
    python benchmarks/bench_quality.py --quick    # smoke run (CI): subsets, 2 epochs
    python benchmarks/bench_quality.py --only text series

Each family's results go to ``benchmarks/results/quality-<family>.json``
(``--only`` reruns some families and keeps the others'); the page
``docs/quality_results.rst`` and its summary ``docs/quality_summary.rst`` are
written from all of them. ``--quick`` writes
``quality-quick-*`` files and ``benchmarks/results/quality-quick.rst`` instead.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _sequence_data  # noqa: E402  (examples/_sequence_data.py)
from bench_cnn import FASHION_DIR, load_fashion  # noqa: E402

FAMILIES = ("tables", "text", "series", "images")
SEEDS = (0, 1, 2)
# Published accuracies (Fawaz et al. 2019, UCR 2018 archive, mean of 5 runs).
PUBLISHED_SERIES = {
    "ArrowHead": {"ResNet": 0.838, "FCN": 0.843},
    "GunPoint": {"ResNet": 0.991, "FCN": 1.000},
    "ItalyPowerDemand": {"ResNet": 0.962, "FCN": 0.963},
    "OSULeaf": {"ResNet": 0.980, "FCN": 0.979},
    "ACSF1": {"ResNet": 0.916, "FCN": 0.898},
}
TEXT_SETS = {
    "movie": "movie-review snippets (sentence polarity)",
    "tweets": "tweets",
    "amazon": "Amazon review snippets",
    "nyt": "NYT editorial snippets",
}
# SpamAssassin before issue #13: SequenceClassifier() took 355 s per fold.
SPAM_FIT_BEFORE = 355.0


class Result:
    """One data set: skdeep's default and the baselines, scores and fit times."""

    def __init__(self, family, data, metric, skdeep, baselines, published=None):
        self.family, self.data, self.metric = family, data, metric
        self.skdeep = skdeep  # (name, score, fit seconds)
        self.baselines = baselines  # list of (name, score, fit seconds)
        self.published = published or {}
        self.targets = []  # (text, met)

    @property
    def best_baseline(self):
        return max(self.baselines, key=lambda b: b[1])

    def target(self, text, met):
        self.targets.append((text, bool(met)))


def cv_score(make, X, y, cv, seeds=(0,), fit_params=None):
    """Mean CV score over ``seeds`` and the mean fit seconds per fold."""
    from sklearn.model_selection import cross_validate

    scores, fits = [], []
    for seed in seeds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = cross_validate(make(seed), X, y, cv=cv, params=fit_params)
        scores.append(out["test_score"].mean())
        fits.append(out["fit_time"].mean())
    return float(np.mean(scores)), float(np.mean(fits))


def holdout_score(make, X_train, y_train, X_test, y_test, seed=0):
    model = make(seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train, y_train)
    fit = time.perf_counter() - start
    return float(model.score(X_test, y_test)), fit


# -- tables ------------------------------------------------------------------------


def bench_tables(quick):
    from sklearn import datasets
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.linear_model import LogisticRegression, RidgeCV
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.multioutput import MultiOutputRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeep import DenseClassifier, DenseRegressor

    sets = {
        "iris": (datasets.load_iris, "clf"),
        "wine": (datasets.load_wine, "clf"),
        "breast cancer": (datasets.load_breast_cancer, "clf"),
        "digits (table)": (datasets.load_digits, "clf"),
        "diabetes": (datasets.load_diabetes, "reg"),
        "linnerud": (datasets.load_linnerud, "reg"),
    }
    if quick:
        sets = {k: sets[k] for k in ("iris", "linnerud")}
    seeds = SEEDS[:1] if quick else SEEDS
    folds = 3 if quick else 5
    quick_params = {"epochs": 2} if quick else {}
    results = []
    for name, (load, kind) in sets.items():
        X, y = load(return_X_y=True)
        clf = kind == "clf"
        cv = (StratifiedKFold if clf else KFold)(folds, shuffle=True, random_state=0)

        def scaled(model):
            return make_pipeline(StandardScaler(), model)

        if clf:
            ours = ("DenseClassifier()", DenseClassifier, LogisticRegression)
            mlp, hgb = MLPClassifier, HistGradientBoostingClassifier
        else:
            ours = ("DenseRegressor()", DenseRegressor, None)
            mlp, hgb = MLPRegressor, HistGradientBoostingRegressor
        label, estimator, _ = ours
        score, fit = cv_score(
            lambda s, e=estimator: scaled(e(random_state=s, **quick_params)),
            X,
            y,
            cv,
            seeds,
        )
        baselines = [
            (
                "MLP default",
                *cv_score(
                    lambda s, mlp=mlp: scaled(mlp(random_state=s)), X, y, cv, seeds
                ),
            ),
        ]
        if clf:
            baselines.append(
                (
                    "HistGradientBoosting",
                    *cv_score(lambda s, hgb=hgb: hgb(random_state=s), X, y, cv),
                )
            )
            baselines.append(
                (
                    "LogisticRegression",
                    *cv_score(
                        lambda s: scaled(LogisticRegression(max_iter=2000)), X, y, cv
                    ),
                )
            )
        else:
            one = y.ndim == 1
            baselines.append(
                (
                    "HistGradientBoosting",
                    *cv_score(
                        lambda s, hgb=hgb, one=one: (
                            hgb(random_state=s)
                            if one
                            else MultiOutputRegressor(hgb(random_state=s))
                        ),
                        X,
                        y,
                        cv,
                    ),
                )
            )
            baselines.append(
                ("RidgeCV", *cv_score(lambda s: scaled(RidgeCV()), X, y, cv))
            )
        result = Result(
            "tables",
            f"{name} ({X.shape[0]} x {X.shape[1]})",
            "accuracy" if clf else "R^2",
            (label, score, fit),
            baselines,
        )
        mlp_score = baselines[0][1]
        result.target(f"at least the MLP's {mlp_score:.3f}", score >= mlp_score - 1e-9)
        results.append(result)
    return results


# -- text ----------------------------------------------------------------------------


def _text_baselines():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return {
        "TF-IDF + LogisticRegression": lambda s: make_pipeline(
            TfidfVectorizer(), LogisticRegression(max_iter=1000)
        ),
        "TF-IDF (1-2 grams) + LogisticRegression": lambda s: make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=1000)
        ),
    }


def _text_result(data, X, y, quick):
    from sklearn.model_selection import StratifiedKFold

    from skdeep import SequenceClassifier

    folds = 2 if quick else 5
    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    params = {"epochs": 2} if quick else {}
    score, fit = cv_score(
        lambda s: SequenceClassifier(random_state=s, **params), X, y, cv
    )
    baselines = [
        (name, *cv_score(make, X, y, cv)) for name, make in _text_baselines().items()
    ]
    return Result(
        "text",
        data,
        "accuracy",
        ("SequenceClassifier()", score, fit),
        baselines,
    )


def bench_text(quick):
    results = []
    rng = np.random.RandomState(0)
    for key, title in TEXT_SETS.items():
        if quick and key != "movie":
            continue
        try:
            X, y = _sequence_data.load_snippets(key)
        except FileNotFoundError as exc:
            print(f"skipping {key}: {exc}")
            continue
        if quick:
            keep = rng.choice(len(X), 600, replace=False)
            X, y = X[keep], y[keep]
        result = _text_result(f"{title} ({len(X)})", X, y, quick)
        best = result.best_baseline
        result.target(f"above {best[0]} ({best[1]:.3f})", result.skdeep[1] > best[1])
        if key == "movie":
            result.published = {
                "CNN from scratch (Kim 2014)": 0.76,
                "NBSVM (Wang & Manning 2012)": 0.79,
            }
            result.target("at least 0.78", result.skdeep[1] >= 0.78)
        results.append(result)
    if quick:
        return results
    try:
        texts, labels, _ = _sequence_data.load_spam_assassin()
    except FileNotFoundError as exc:
        print(f"skipping SpamAssassin: {exc}")
        return results
    result = _text_result(
        f"SpamAssassin e-mail bodies ({len(texts)})",
        np.asarray(texts, dtype=object),
        labels,
        quick,
    )
    best = result.best_baseline
    result.target(f"above {best[0]} ({best[1]:.3f})", result.skdeep[1] > best[1])
    result.target("at least 0.98", result.skdeep[1] >= 0.98)
    result.target(
        f"fit 10x faster than before ({SPAM_FIT_BEFORE:.0f} s a fold)",
        result.skdeep[2] <= SPAM_FIT_BEFORE / 10,
    )
    results.append(result)
    return results


# -- series --------------------------------------------------------------------------


def bench_series(quick):
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeep import SequenceClassifier

    results = []
    names = ("ArrowHead",) if quick else tuple(PUBLISHED_SERIES)
    params = {"epochs": 2} if quick else {}
    for name in names:
        try:
            X_train, y_train, X_test, y_test = _sequence_data.load_ts(name)
        except FileNotFoundError as exc:
            print(f"skipping {name}: {exc}")
            continue
        score, fit = holdout_score(
            lambda s: SequenceClassifier(random_state=s, **params),
            X_train,
            y_train,
            X_test,
            y_test,
        )
        flat_train = X_train.reshape(len(X_train), -1)
        flat_test = X_test.reshape(len(X_test), -1)
        baselines = [
            (
                "1-NN Euclidean",
                *holdout_score(
                    lambda s: KNeighborsClassifier(1),
                    flat_train,
                    y_train,
                    flat_test,
                    y_test,
                ),
            ),
            (
                "StandardScaler + LogisticRegression",
                *holdout_score(
                    lambda s: make_pipeline(
                        StandardScaler(), LogisticRegression(max_iter=1000)
                    ),
                    flat_train,
                    y_train,
                    flat_test,
                    y_test,
                ),
            ),
        ]
        steps, channels = X_train.shape[1:]
        result = Result(
            "series",
            f"{name} ({len(X_train)} train / {len(X_test)} test, {steps} steps"
            f" x {channels})",
            "accuracy",
            ("SequenceClassifier()", score, fit),
            baselines,
            published=PUBLISHED_SERIES[name],
        )
        resnet = PUBLISHED_SERIES[name]["ResNet"]
        result.target(f"within 0.03 of ResNet ({resnet:.3f})", score >= resnet - 0.03)
        nn = baselines[0][1]
        result.target(f"above 1-NN ({nn:.3f})", score > nn)
        result.target("fit at most 300 s", fit <= 300)
        results.append(result)
    return results


# -- images --------------------------------------------------------------------------


def bench_images(quick):
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler
    from sklearn.svm import SVC

    from skdeep import CNNClassifier

    params = {"epochs": 2} if quick else {}
    X, y = load_digits(return_X_y=True)
    if quick:
        X, y = X[:600], y[:600]
    cv = StratifiedKFold(3)  # what cv=3 means for a classifier: unshuffled
    score, fit = cv_score(
        lambda s: make_pipeline(
            MinMaxScaler(), CNNClassifier(random_state=s, image_shape=(8, 8), **params)
        ),
        X,
        y,
        cv,
    )
    baselines = [
        ("SVC", *cv_score(lambda s: make_pipeline(MinMaxScaler(), SVC()), X, y, cv)),
        (
            "LogisticRegression",
            *cv_score(
                lambda s: make_pipeline(
                    MinMaxScaler(), LogisticRegression(max_iter=2000)
                ),
                X,
                y,
                cv,
            ),
        ),
    ]
    digits = Result(
        "images",
        f"digits 8x8 ({len(X)}), plain cv=3",
        "accuracy",
        ("CNNClassifier()", score, fit),
        baselines,
    )
    digits.target("at least 0.975", score >= 0.975)
    digits.target(f"above SVC ({baselines[0][1]:.3f})", score > baselines[0][1])
    results = [digits]
    if quick or not os.path.isdir(FASHION_DIR):
        if not quick:
            print(f"skipping Fashion-MNIST: {FASHION_DIR} is not there")
        return results
    X_train, y_train = load_fashion("train")
    X_test, y_test = load_fashion("t10k")
    X_train = (X_train / 255.0).astype("float32")
    X_test = (X_test / 255.0).astype("float32")
    score, fit = holdout_score(
        lambda s: CNNClassifier(random_state=s), X_train, y_train, X_test, y_test
    )
    flat = X_train.reshape(len(X_train), -1), X_test.reshape(len(X_test), -1)
    baselines = [
        (
            "LogisticRegression",
            *holdout_score(
                lambda s: LogisticRegression(max_iter=200),
                flat[0],
                y_train,
                flat[1],
                y_test,
            ),
        )
    ]
    fashion = Result(
        "images",
        "Fashion-MNIST 28x28 (60000 train / 10000 test)",
        "accuracy",
        ("CNNClassifier()", score, fit),
        baselines,
    )
    fashion.target("at least 0.92", score >= 0.92)
    results.append(fashion)
    return results


# -- the page --------------------------------------------------------------------------


def _cell(text):
    return str(text).replace("|", "/")


def _machine():
    import keras
    import sklearn
    import tensorflow as tf

    return (
        f"{platform.machine()}, {os.cpu_count()} CPU cores; Python "
        f"{platform.python_version()}, TensorFlow {tf.__version__}, Keras "
        f"{keras.__version__}, scikit-learn {sklearn.__version__}"
    )


def _family_json(family, quick):
    name = f"quality-{'quick-' if quick else ''}{family}.json"
    return ROOT / "benchmarks" / "results" / name


HEADINGS = {
    "tables": "Tables (StandardScaler pipelines, shuffled 5-fold CV; skdeep and "
    "the MLP averaged over 3 seeds)",
    "text": "Text (raw text, shuffled stratified 5-fold CV)",
    "series": "Series (the UCR train/test split)",
    "images": "Images",
}


def render(runs):
    """The results page from the saved run of each family (a dict of family
    to its JSON payload)."""
    title = "Model quality of the defaults"
    lines = [
        ".. Generated by benchmarks/bench_quality.py; do not edit.",
        "",
        title,
        "=" * len(title),
        "",
        "Every skdeep estimator runs with its default parameters (only "
        "``random_state`` set), next to classical baselines run in the same "
        "process; fit seconds are per fold (CV) or per fit (holdout). The "
        "evidence behind the defaults is discussed in :ref:`choosing`. Each "
        "family's command, machine and load are under its table; above a load "
        "of 2 (the core count), times are upper bounds.",
        "",
    ]
    missed = []
    for family in FAMILIES:
        run = runs.get(family)
        if run is None:
            continue
        rows = run["results"]
        heading = HEADINGS[family]
        lines += [heading, "-" * len(heading), ""]
        lines += [
            ".. list-table::",
            "   :header-rows: 1",
            "",
            "   * - data",
            "     - skdeep default",
            "     - baselines",
            "     - published deep",
            "     - targets",
        ]
        for r in rows:
            name, score, fit = r["skdeep"]
            base = "; ".join(f"{n} {v:.3f} ({f:.1f} s)" for n, v, f in r["baselines"])
            published = (
                "; ".join(f"{k} {v:.3f}" for k, v in r["published"].items()) or "-"
            )
            targets = "; ".join(
                f"{'met' if met else 'MISSED'}: {text}" for text, met in r["targets"]
            )
            missed += [
                (r["data"], text, score) for text, met in r["targets"] if not met
            ]
            lines += [
                f"   * - {_cell(r['data'])} ({r['metric']})",
                f"     - {name} **{score:.3f}** ({fit:.1f} s)",
                f"     - {_cell(base)}",
                f"     - {_cell(published)}",
                f"     - {_cell(targets)}",
            ]
        lines.append("")
        for metric, group in _by_metric(rows):
            ours, best = _means(group)
            lines += [
                f"Mean {metric} over the {len(group)} sets: skdeep **{ours:.3f}**, "
                f"the best baseline of each set {best:.3f}.",
                "",
            ]
        lines += [
            f"Command: ``{run['command']}``; {run['when']}; {run['machine']}; "
            f"load average {run['load'][0]:.1f} at the start, {run['load'][1]:.1f} "
            f"at the end; {run['minutes']:.1f} min.",
            "",
        ]
    lines += ["Targets missed", "--------------", ""]
    if missed:
        lines += [
            f"- {data}: {text} (skdeep {score:.3f})." for data, text, score in missed
        ]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def _by_metric(rows):
    """``rows`` grouped by their metric (accuracy, R^2), in order of appearance."""
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    return [(m, [r for r in rows if r["metric"] == m]) for m in metrics]


def _means(rows):
    """Mean skdeep score and mean best-baseline score of ``rows``."""
    ours = statistics.mean(r["skdeep"][1] for r in rows)
    best = statistics.mean(max(b[1] for b in r["baselines"]) for r in rows)
    return ours, best


def render_summary(runs):
    """One row per family: sets, mean scores, targets met (included in the
    user guide's "Choosing a model")."""
    lines = [
        ".. Generated by benchmarks/bench_quality.py; do not edit.",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - family",
        "     - sets",
        "     - skdeep default, mean",
        "     - best baseline of each set, mean",
        "     - targets met",
    ]
    for family in FAMILIES:
        if family not in runs:
            continue
        for metric, rows in _by_metric(runs[family]["results"]):
            targets = [met for r in rows for _, met in r["targets"]]
            ours, best = _means(rows)
            lines += [
                f"   * - {family} ({metric})",
                f"     - {len(rows)}",
                f"     - {ours:.3f}",
                f"     - {best:.3f}",
                f"     - {sum(targets)} of {len(targets)}",
            ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="subsets, 2 epochs")
    parser.add_argument("--only", nargs="*", choices=FAMILIES, default=list(FAMILIES))
    args = parser.parse_args(argv)
    benches = {
        "tables": bench_tables,
        "text": bench_text,
        "series": bench_series,
        "images": bench_images,
    }
    args_text = sys.argv[1:] if argv is None else argv
    command = " ".join(["python", "benchmarks/bench_quality.py", *args_text])
    for family in args.only:
        print(f"== {family}", flush=True)
        started, load_start = time.perf_counter(), os.getloadavg()[0]
        results = []
        for result in benches[family](args.quick):
            print(
                f"   {result.data}: skdeep {result.skdeep[1]:.4f} "
                f"({result.skdeep[2]:.1f} s); best baseline {result.best_baseline[0]} "
                f"{result.best_baseline[1]:.4f}",
                flush=True,
            )
            results.append(vars(result))
        payload = {
            "command": command,
            "when": time.strftime("%Y-%m-%d"),
            "machine": _machine(),
            "load": [load_start, os.getloadavg()[0]],
            "minutes": (time.perf_counter() - started) / 60,
            "results": results,
        }
        path = _family_json(family, args.quick)
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    runs = {}
    for family in FAMILIES:
        path = _family_json(family, args.quick)
        if path.exists():
            runs[family] = json.loads(path.read_text(encoding="utf-8"))
    text = render(runs)
    page = (
        ROOT / "benchmarks" / "results" / "quality-quick.rst"
        if args.quick
        else ROOT / "docs" / "quality_results.rst"
    )
    page.write_text(text, encoding="utf-8")
    if not args.quick:
        summary = ROOT / "docs" / "quality_summary.rst"
        summary.write_text(render_summary(runs), encoding="utf-8")
    print(text)
    print(f"wrote {page}")


if __name__ == "__main__":
    main()
