"""Run every example script in ``examples/`` as a user would, and check that it works.

Each example runs in its own Python process, in an empty working directory,
with matplotlib's non-interactive Agg backend, and must exit with status 0.
An example whose data set is absent here prints a line saying so (containing
"skip"), exits 0, and is reported as skipped. The examples in
``MUST_PLOT`` must also leave a figure behind (open in matplotlib, or saved as
an image file).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
# ``_*.py`` files are helpers that examples import, not examples.
EXAMPLES = sorted(p for p in EXAMPLES_DIR.glob("*.py") if not p.name.startswith("_"))
# Examples whose point is a figure: they must make one.
MUST_PLOT = {
    "plot_breast_cancer_grid_search.py",
    "plot_diabetes_kfold.py",
    "plot_learning_curve.py",
}
IMAGE_SUFFIXES = {".png", ".svg", ".pdf", ".jpg", ".jpeg"}
# Seconds per example. They take seconds alone; the margin is for loaded CI
# machines where TensorFlow's start alone can take tens of seconds.
TIMEOUT = 600

# Runs the example as ``python <path>`` would (``__main__``, ``sys.argv`` and
# ``sys.path[0]`` set alike), then reports how many figures it left open.
RUNNER = """\
import os, runpy, sys
path = sys.argv[1]
sys.argv = [path]
sys.path[0] = os.path.dirname(path)
try:
    runpy.run_path(path, run_name="__main__")
finally:
    if "matplotlib.pyplot" in sys.modules:
        n = len(sys.modules["matplotlib.pyplot"].get_fignums())
        print(f"__open_figures__={n}")
"""


def test_examples_found():
    assert EXAMPLES, f"no examples in {EXAMPLES_DIR}"
    for required in MUST_PLOT:
        assert EXAMPLES_DIR / required in EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path, tmp_path):
    first_lines = path.read_text(encoding="utf-8").lstrip().splitlines()
    assert first_lines and first_lines[0].startswith('"""'), (
        f"{path.name} must open with a module docstring (its title)"
    )
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONHASHSEED": "0",
        # Heavy examples (clusters, a million rows) run a smaller version.
        "SKDEEP_EXAMPLE_QUICK": "1",
        # Downloaded corpora (fetched once into ~/.cache/skdeep) would turn an
        # example into a full benchmark here: point them at an empty folder so
        # they take their documented "data absent" path.
        "SKDEEP_DATA": str(tmp_path / "no-data"),
    }
    # The checkout, not only an installed copy, so the examples test this tree.
    root = str(EXAMPLES_DIR.parent)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", RUNNER, str(path)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{path.name} ran longer than {TIMEOUT} s:\n{exc.stdout}")
    output = f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, f"{path.name} exited {proc.returncode}\n{output}"
    open_figures = 0
    for line in proc.stdout.splitlines():
        if line.startswith("__open_figures__="):
            open_figures = int(line.split("=", 1)[1])
    images = [p for p in tmp_path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES]
    if open_figures or images:
        return
    printed = proc.stdout.replace("__open_figures__", "")
    if "skip" in printed.lower():
        pytest.skip(f"{path.name} skipped itself: {printed.strip()[-300:]}")
    assert path.name not in MUST_PLOT, (
        f"{path.name} made no figure (none open, no image written)\n{output}"
    )
