"""A quiet fit (verbose=0) writes nothing to file descriptors 1 and 2, in a
fresh process, whether Keras or skdeep is imported first, in float32 and
float64 (TensorFlow's graph optimiser logs from C++ on float64 graphs), also
after ``keras.backend.clear_session()`` and garbage collections."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import gc, json, os, sys, tempfile
    if sys.argv[1] == "keras":
        import keras
    import numpy as np
    from skdeep import DenseClassifier, DenseRegressor, KerasRegressor
    import keras

    def build():
        return keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(1)]
        )

    def squared(y_true, y_pred):
        return keras.ops.mean((y_true - y_pred) ** 2)

    def work():
        rng = np.random.RandomState(0)
        X, y = rng.rand(3000, 4), rng.rand(3000)
        # float64 networks: a ready-made one and a user's, with a custom loss;
        # the predictions of 3000 rows run the compiled forward.
        DenseRegressor(epochs=2, early_stopping=True, metrics=["mae"]).fit(
            X, y
        ).predict(X)
        KerasRegressor(build, loss=squared, epochs=2).fit(X, y).predict(X)
        # float32.
        X32 = X.astype("float32")
        DenseClassifier(epochs=2, metrics=["accuracy"]).fit(
            X32, y > 0.5
        ).predict_proba(X32)
        # TensorFlow instantiates (and optimises, and logs) a function again
        # after clear_session and after the collector removes other
        # functions: fits reusing a network, and predictions, stay quiet.
        for cleanup in (keras.backend.clear_session, gc.collect):
            doomed = DenseRegressor(epochs=2, hidden_layer_sizes=(7,)).fit(X, y)
            del doomed
            cleanup()
            DenseRegressor(epochs=2, early_stopping=True).fit(X, y).predict(X)

    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    saved = os.dup(1), os.dup(2)
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    try:
        work()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
    out.seek(0)
    err.seek(0)
    print(json.dumps({"stdout": out.read().decode(), "stderr": err.read().decode()}))
    """
)


@pytest.mark.parametrize("first", ["keras", "skdeep"])
def test_quiet_fit_and_predict_write_nothing(first):
    env = dict(os.environ)
    # oneDNN's graph rewrites are what log about float64 graphs; TensorFlow
    # turns them on by CPU, so turn them on here whatever the machine.
    env["TF_ENABLE_ONEDNN_OPTS"] = "1"
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, first],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    written = json.loads(done.stdout.strip().splitlines()[-1])
    assert written == {"stdout": "", "stderr": ""}
