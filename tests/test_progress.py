"""verbose=1 and verbose=2: one clean progress display per fit."""

import io

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skdeep import DenseClassifier
from skdeep.callbacks import progress


def _fit(capsys, **params):
    X, y = make_classification(n_samples=80, n_features=5, random_state=0)
    clf = DenseClassifier(hidden_layer_sizes=(8,), random_state=0, **params)
    clf.fit(X, y)
    return clf, capsys.readouterr()


def test_verbose_1_prints_about_ten_lines_when_not_a_terminal(capsys):
    _, out = _fit(capsys, epochs=50, patience=100, verbose=1, metrics=["acc"])
    lines = out.out.splitlines()
    assert 5 <= len(lines) <= 12
    assert lines[0].startswith("Epoch 1/50 [")
    assert lines[-1].startswith("Epoch 50/50 [====================]")
    assert " - loss: " in lines[-1] and " - acc: " in lines[-1]
    assert out.err == ""


def test_verbose_1_says_why_training_stopped_early(capsys):
    clf, out = _fit(capsys, epochs=500, early_stopping=True, patience=2, verbose=1)
    assert clf.n_iter_ < 500
    last = out.out.splitlines()[-1]
    assert last == f"Training stopped early after {clf.n_iter_} of 500 epochs."


def test_verbose_2_prints_one_line_per_epoch(capsys):
    _, out = _fit(capsys, epochs=7, patience=100, verbose=2, early_stopping=True)
    lines = out.out.splitlines()
    assert [line.split(" ")[1] for line in lines] == [f"{i}/7" for i in range(1, 8)]
    assert all(" - loss: " in line and " - val_loss: " in line for line in lines)


def test_verbose_0_prints_nothing(capsys):
    _, out = _fit(capsys, epochs=5, verbose=0)
    assert out.out == out.err == ""


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("epochs", [3, 40])
def test_verbose_1_redraws_one_line_in_a_terminal(epochs):
    import keras

    stream = _Terminal()
    callback = progress(epochs, 1, stream=stream)
    callback.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    for epoch in range(epochs):
        callback.on_epoch_end(epoch, {"loss": float(np.exp(-epoch))})
    callback.on_train_end()
    text = stream.getvalue()
    # Redrawn in place: carriage returns, one newline at the very end.
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text.startswith("\rEpoch 1/")
    assert text.rstrip().rsplit("\r", 1)[-1].startswith(f"Epoch {epochs}/{epochs}")
