"""``import skdeep`` stays light: no TensorFlow until a network is needed."""

import subprocess
import sys


def _run(code):
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_import_does_not_import_tensorflow():
    code = (
        "import sys, skdeep\n"
        "from skdeep import *\n"
        "import skdeep.plotting, skdeep.persistence, skdeep.architectures\n"
        "est = skdeep.DenseClassifier(); est.get_params()\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    assert _run(code) == "[]"


def test_tensorflow_starts_on_first_fit_without_noise():
    code = (
        "import sys, numpy as np, skdeep\n"
        "X = np.random.RandomState(0).rand(20, 3); y = np.arange(20) % 2\n"
        "skdeep.DenseClassifier(epochs=1).fit(X, y).predict(X)\n"
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
    assert out.stderr == ""
