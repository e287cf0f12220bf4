"""The demo (``make demo``) runs end to end in a fresh process."""

import os
import subprocess
import sys

import pytest


@pytest.mark.timeout(600)
def test_demo_quick_runs_in_a_fresh_process(tmp_path):
    env = {
        **os.environ,
        # Downloaded corpora stay out of the test run (as in test_examples).
        "SKDEEP_DATA": str(tmp_path / "no-data"),
    }
    out = tmp_path / "plots"
    result = subprocess.run(
        [sys.executable, "-m", "skdeep.demo", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    for task in ("breast cancer", "wine", "diabetes", "digits", "Cylinder-Bell"):
        assert task in table
    for model in ("DenseClassifier", "CNNClassifier", "SequenceClassifier"):
        assert model in table
    assert any(name.endswith(".png") for name in os.listdir(out))
