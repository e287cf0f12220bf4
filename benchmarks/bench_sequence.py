"""Accuracy and fit time of SequenceClassifier with default parameters.

- SpamAssassin (6046 e-mail bodies, header lines removed, 31% spam): 5-fold
  stratified cross-validation of ``SequenceClassifier()`` on the raw text, next
  to a TF-IDF + logistic-regression pipeline;
- time-series sets from sktime's bundled ``.ts`` files (OSULeaf, ACSF1,
  ArrowHead): ``SequenceClassifier()`` on the given train/test split, next to
  1-nearest-neighbour (Euclidean) and a ``StandardScaler`` + logistic-regression
  pipeline.

The data sets are not downloaded here: fetch them once with
``python examples/_sequence_data.py``; a missing set is skipped with a message.

Run ``python benchmarks/bench_sequence.py`` (add ``--quick`` for a smoke run:
a 1500-message subsample in 2 folds, 5 epochs on the series). It prints a
markdown table and writes it to ``benchmarks/results/sequence.md``
(``--quick`` writes ``sequence-quick.md``), with the command, the machine and
the versions.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "examples"))

import _sequence_data  # noqa: E402  (examples/_sequence_data.py)
from _report import run_started, timed, write_results  # noqa: E402

TS_SETS = ("OSULeaf", "ACSF1", "ArrowHead")


def bench_spam(quick):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.pipeline import make_pipeline

    from skdeep import SequenceClassifier

    try:
        texts, labels, _ = _sequence_data.load_spam_assassin()
    except FileNotFoundError as exc:
        print(f"skipping SpamAssassin: {exc}")
        return []
    texts = np.array(texts, dtype=object)
    if quick:
        keep = np.random.RandomState(0).choice(len(texts), 1500, replace=False)
        texts, labels = texts[keep], labels[keep]
    folds = 2 if quick else 5
    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    models = {
        "SequenceClassifier()": SequenceClassifier(random_state=0),
        "TfidfVectorizer + LogisticRegression": make_pipeline(
            TfidfVectorizer(), LogisticRegression(max_iter=1000)
        ),
    }
    rows = []
    for name, model in models.items():
        result = cross_validate(model, texts, labels, cv=cv, return_estimator=True)
        scores = result["test_score"]
        epochs = [
            getattr(est, "n_iter_", None) for est in result["estimator"]
        ]  # epochs run per fold, for the deep model
        extra = (
            f"; epochs {', '.join(str(e) for e in epochs)}"
            if epochs[0] is not None
            else ""
        )
        rows.append(
            {
                "data": f"SpamAssassin bodies ({len(texts)}), {folds}-fold CV",
                "model": name,
                "accuracy": f"{scores.mean():.4f} (folds "
                + ", ".join(f"{s:.3f}" for s in scores)
                + ")",
                "fit seconds": f"{result['fit_time'].mean():.1f} per fold{extra}",
            }
        )
        print(rows[-1], flush=True)
    return rows


def bench_series(name, quick):
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeep import SequenceClassifier

    try:
        X_train, y_train, X_test, y_test = _sequence_data.load_ts(name)
    except FileNotFoundError as exc:
        print(f"skipping {name}: {exc}")
        return []
    steps, channels = X_train.shape[1:]
    flat_train = X_train.reshape(len(X_train), -1)
    flat_test = X_test.reshape(len(X_test), -1)
    deep = SequenceClassifier(random_state=0, **({"epochs": 5} if quick else {}))
    models = {
        "SequenceClassifier()" + (" epochs=5" if quick else ""): (deep, True),
        "1-nearest neighbour": (KNeighborsClassifier(1), False),
        "StandardScaler + LogisticRegression": (
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
            False,
        ),
    }
    rows = []
    for label, (model, is_deep) in models.items():
        Xtr, Xte = (X_train, X_test) if is_deep else (flat_train, flat_test)
        _, seconds = timed(lambda m=model, X=Xtr: m.fit(X, y_train))
        accuracy = model.score(Xte, y_test)
        epochs = f" ({model.n_iter_} epochs)" if is_deep else ""
        rows.append(
            {
                "data": f"{name} ({len(X_train)} train / {len(X_test)} test, "
                f"{steps} steps x {channels})",
                "model": label,
                "accuracy": f"{accuracy:.4f}",
                "fit seconds": f"{seconds:.1f}{epochs}",
            }
        )
        print(rows[-1], flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="subsets, few epochs")
    parser.add_argument("--skip-spam", action="store_true", help="series only")
    parser.add_argument(
        "--series",
        nargs="*",
        default=list(TS_SETS),
        help=f"sktime sets to run (default: {' '.join(TS_SETS)})",
    )
    args = parser.parse_args(argv)
    started = run_started()
    rows = []
    if not args.skip_spam:
        rows += bench_spam(args.quick)
    for name in args.series:
        rows += bench_series(name, args.quick)
    if not rows:
        print("No data set found: nothing measured. " + _sequence_data.FETCH_HINT)
        return
    write_results(
        RESULTS / ("sequence-quick.md" if args.quick else "sequence.md"),
        "SequenceClassifier: accuracy and fit time",
        rows,
        "bench_sequence.py",
        argv,
        started,
        note="All models with default parameters (and `random_state=0`); the "
        "series baselines take the series as flat rows of values.",
    )


if __name__ == "__main__":
    main()
