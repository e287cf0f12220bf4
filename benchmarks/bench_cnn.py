"""Accuracy and fit time of CNNClassifier with default parameters.

- digits (scikit-learn, 8x8): 3-fold cross-validation of
  ``make_pipeline(MinMaxScaler(), CNNClassifier())`` and of the user guide's
  small-image recipe (``resize``, ``random_translation``), next to ``MLPClassifier``
  and ``SVC`` in the same pipeline, twice: with ``cv=3`` (scikit-learn's
  default unshuffled folds; the data are ordered by writer, so each fold holds
  writers that training never saw) and with shuffled stratified folds;
- Fashion-MNIST (when the IDX files of the Debian package
  ``dataset-fashion-mnist`` are present): ``CNNClassifier()`` fitted on the
  60,000 training images as float32 in [0, 1], scored on the 10,000 test
  images, next to a dense network of 512 units.

Run ``python benchmarks/bench_cnn.py`` (add ``--quick`` for a smoke run on
subsets with few epochs). It prints a markdown table and writes it to
``benchmarks/results/cnn.md`` (``--quick`` writes ``cnn-quick.md``), with the
command, the machine and the versions.
"""

import argparse
import gzip
import itertools
import os
from pathlib import Path

import numpy as np
from _report import run_started, timed, write_results  # benchmarks/_report.py

FASHION_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
RESULTS = Path(__file__).resolve().parent / "results"


SMALL_IMAGES = {
    "resize": (16, 16),
    "random_translation": 0.1,
    "dropout": 0.25,
    "epochs": 60,
    "batch_size": 32,
}


def load_fashion(kind):
    with gzip.open(os.path.join(FASHION_DIR, f"{kind}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(FASHION_DIR, f"{kind}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images, labels


def bench_digits(quick):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler
    from sklearn.svm import SVC

    from skdeep import CNNClassifier

    X, y = load_digits(return_X_y=True)
    cnn_params = {"epochs": 3} if quick else {}
    suffix = " epochs=3" if quick else ""
    models = {
        "CNNClassifier()" + suffix: CNNClassifier(random_state=0, **cnn_params),
        # The user guide's recipe for small images (augmentation is off by
        # default): resize in the network, shift at random, train longer.
        f"CNNClassifier(**{SMALL_IMAGES})" + suffix: CNNClassifier(
            random_state=0, **{**SMALL_IMAGES, **cnn_params}
        ),
        "MLPClassifier(max_iter=500)": MLPClassifier(max_iter=500, random_state=0),
        "SVC()": SVC(),
    }
    splits = {
        "cv=3": 3,
        "StratifiedKFold(3, shuffle=True, random_state=0)": StratifiedKFold(
            3, shuffle=True, random_state=0
        ),
    }
    rows = []
    for (name, model), (split_name, cv) in itertools.product(
        models.items(), splits.items()
    ):
        result = cross_validate(make_pipeline(MinMaxScaler(), model), X, y, cv=cv)
        scores = result["test_score"]
        folds = ", ".join(f"{s:.3f}" for s in scores)
        rows.append(
            {
                "data": f"digits 8x8, {split_name}, MinMaxScaler pipeline",
                "model": name,
                "accuracy": f"{scores.mean():.4f} (folds {folds})",
                "fit seconds": f"{result['fit_time'].mean():.1f} per fold",
            }
        )
        print(rows[-1], flush=True)
    return rows


def bench_fashion(quick):
    from skdeep import CNNClassifier, DenseClassifier

    if not os.path.exists(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz")):
        print(f"Fashion-MNIST not found in {FASHION_DIR}: skipping it.")
        return []
    X_train, y_train = load_fashion("train")
    X_test, y_test = load_fashion("t10k")
    X_train = X_train.astype(np.float32) / 255
    X_test = X_test.astype(np.float32) / 255
    if quick:
        X_train, y_train = X_train[:5000], y_train[:5000]
        X_test, y_test = X_test[:2000], y_test[:2000]
    extra = {"epochs": 2} if quick else {}
    suffix = " epochs=2" if quick else ""
    models = {
        "CNNClassifier()" + suffix: CNNClassifier(random_state=0, **extra),
        "DenseClassifier((512,), epochs=" + ("2)" if quick else "20)"): DenseClassifier(
            hidden_layer_sizes=(512,), random_state=0, **{"epochs": 20, **extra}
        ),
    }
    rows = []
    for name, model in models.items():
        # The dense network takes the images as rows of 784 pixels.
        flat = isinstance(model, DenseClassifier)
        X_fit = X_train.reshape(len(X_train), -1) if flat else X_train
        X_score = X_test.reshape(len(X_test), -1) if flat else X_test
        _, seconds = timed(lambda m=model, X=X_fit: m.fit(X, y_train))
        accuracy, predict_seconds = timed(lambda m=model, X=X_score: m.score(X, y_test))
        rows.append(
            {
                "data": f"Fashion-MNIST, {len(X_train)} train / {len(X_test)} test",
                "model": name,
                "accuracy": f"{accuracy:.4f} ({model.n_iter_} epochs)",
                "fit seconds": f"{seconds:.0f} (predict {predict_seconds:.1f})",
            }
        )
        print(rows[-1], flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="subsets, few epochs")
    parser.add_argument(
        "--skip-digits", action="store_true", help="only the Fashion-MNIST part"
    )
    parser.add_argument(
        "--skip-fashion", action="store_true", help="only the digits part"
    )
    args = parser.parse_args(argv)
    started = run_started()
    rows = []
    if not args.skip_digits:
        rows += bench_digits(args.quick)
    if not args.skip_fashion:
        rows += bench_fashion(args.quick)
    write_results(
        RESULTS / ("cnn-quick.md" if args.quick else "cnn.md"),
        "CNNClassifier: accuracy and fit time",
        rows,
        "bench_cnn.py",
        argv,
        started,
    )


if __name__ == "__main__":
    main()
