"""Run by tests/test_backends.py in a process of its own per Keras backend.

``save DIR``: fit a few estimators on this backend, save each to
``DIR/<backend>-<name>.keras`` with its test rows and predictions beside it.
``load DIR``: load every file saved under another backend, predict the same
rows here, and print the largest difference per file as JSON.
"""

import glob
import json
import os
import sys

import numpy as np


def estimators():
    from skdeep import (
        CNNClassifier,
        DenseClassifier,
        DenseRegressor,
        SequenceClassifier,
    )

    rng = np.random.RandomState(0)
    X = rng.rand(60, 5).astype("float32")
    y = (X[:, 0] > 0.5).astype(int)
    images = rng.rand(30, 8, 8, 1).astype("float32")
    words = np.array(
        ["good film", "bad film", "great plot", "dull plot", "good cast"] * 6,
        dtype=object,
    )
    return {
        "dense": (DenseClassifier(hidden_layer_sizes=(8,), epochs=3), X, y),
        "regressor": (DenseRegressor(hidden_layer_sizes=(8,), epochs=3), X, X[:, 0]),
        "cnn": (CNNClassifier(epochs=1), images, np.arange(30) % 2),
        "text": (SequenceClassifier(cell="gru", epochs=2), words, np.arange(30) % 2),
        "bag": (
            SequenceClassifier(cell="bag", epochs=2),
            words,
            np.arange(30) % 2,
        ),
    }


def outputs(est, X):
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)
    return est.predict(X)


def main(action, directory):
    import keras

    import skdeep

    backend = keras.config.backend()
    if action == "save":
        for name, (est, X, y) in estimators().items():
            est.set_params(random_state=0).fit(X, y)
            stem = os.path.join(directory, f"{backend}-{name}")
            skdeep.save(est, stem + ".keras")
            np.save(stem + "-X.npy", X, allow_pickle=X.dtype == object)
            np.save(stem + "-out.npy", outputs(est, X))
        return
    report = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.keras"))):
        stem = path[: -len(".keras")]
        if os.path.basename(stem).startswith(backend + "-"):
            continue
        est = skdeep.load(path)
        X = np.load(stem + "-X.npy", allow_pickle=True)
        expected = np.load(stem + "-out.npy")
        report[os.path.basename(stem)] = float(
            np.max(np.abs(outputs(est, X) - expected))
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:])
