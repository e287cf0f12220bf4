"""Run the example scripts in ``examples/`` as a user would, and check that they work.

Each example runs in its own Python process, in an empty working directory,
with matplotlib's non-interactive Agg backend, and must exit with status 0.
An example whose data set is absent here prints a line saying so (containing
"skip"), exits 0, and is reported as skipped. The examples in
``MUST_PLOT`` must also leave a figure behind (open in matplotlib, or saved as
an image file).

The documentation's gallery runs every example except those that
``docs/_gallery.py`` names in ``NOT_EXECUTED``; this suite runs those, and the
porting example (see ``SUITE_EXAMPLES``), so that every example runs in CI.
The ``test_gallery_*`` tests check that selection and ``docs/conf.py``'s use
of it.
"""

import importlib.util
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "examples"
DOCS_DIR = ROOT / "docs"
# ``_*.py`` files are helpers that examples import, not examples.
EXAMPLES = sorted(p for p in EXAMPLES_DIR.glob("*.py") if not p.name.startswith("_"))


def _load_gallery():
    spec = importlib.util.spec_from_file_location(
        "_gallery_under_test", DOCS_DIR / "_gallery.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The documentation build (``make docs``, in CI) runs every example that
# docs/_gallery.py does not list in NOT_EXECUTED, and fails on an error; the
# test suite runs the others, so that each example runs once per CI run. The
# porting example runs here too: it is the guide's proof that a SciKeras
# script ports.
ALSO_IN_SUITE = {"plot_port_from_scikeras.py"}
SUITE_EXAMPLES = [
    p
    for p in EXAMPLES
    if p.name in _load_gallery().NOT_EXECUTED or p.name in ALSO_IN_SUITE
]
# Examples whose point is a figure: they must make one (the gallery's own
# pages show the figures of the examples it runs).
MUST_PLOT = {"plot_breast_cancer_grid_search.py"}
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
    for required in MUST_PLOT | ALSO_IN_SUITE:
        assert EXAMPLES_DIR / required in SUITE_EXAMPLES
    # Every example runs in CI: here, or in the documentation build.
    gallery = _load_gallery()
    pattern = gallery.filename_pattern()
    for path in EXAMPLES:
        in_docs = re.search(pattern, str(path)) is not None
        assert in_docs or path in SUITE_EXAMPLES, path.name


@pytest.mark.parametrize("path", SUITE_EXAMPLES, ids=[p.name for p in SUITE_EXAMPLES])
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
    root = str(ROOT)
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


# -- The gallery's selection (docs/_gallery.py, docs/conf.py) -------------------


def test_gallery_not_executed_table():
    gallery = _load_gallery()
    names = {path.name for path in EXAMPLES}
    for name, reason in gallery.NOT_EXECUTED.items():
        assert name in names, f"NOT_EXECUTED names {name}, not in examples/"
        assert isinstance(reason, str) and len(reason.split()) >= 3, (
            f"NOT_EXECUTED[{name!r}] needs the reason it is not run in the docs"
        )


def test_gallery_runs_every_example_not_listed():
    gallery = _load_gallery()
    pattern = gallery.filename_pattern()
    for path in EXAMPLES:
        runs = re.search(pattern, str(path)) is not None
        assert runs == (path.name not in gallery.NOT_EXECUTED), path.name
        assert not re.search(gallery.IGNORE_PATTERN, path.name), path.name
    # A new example runs by default, and a listed one stops running.
    new = EXAMPLES_DIR / "plot_history_display.py"
    assert re.search(pattern, str(new))
    listed = gallery.filename_pattern({**gallery.NOT_EXECUTED, new.name: "long"})
    assert not re.search(listed, str(new))
    assert re.search(listed, str(EXAMPLES_DIR / "plot_learning_curve.py"))
    # Helpers are no examples: sphinx-gallery matches the bare file name.
    for helper in EXAMPLES_DIR.glob("_*.py"):
        assert re.search(gallery.IGNORE_PATTERN, helper.name)
        assert re.search(gallery.IGNORE_PATTERN, str(helper))


def test_gallery_configuration(monkeypatch):
    gallery = _load_gallery()
    # conf.py puts docs/ and the root on sys.path; give them back afterwards.
    monkeypatch.setattr(sys, "path", list(sys.path))
    conf = runpy.run_path(str(DOCS_DIR / "conf.py"))
    assert "sphinx_gallery.gen_gallery" in conf["extensions"]
    sg = conf["sphinx_gallery_conf"]
    assert sg["filename_pattern"] == gallery.filename_pattern()
    assert sg["ignore_pattern"] == gallery.IGNORE_PATTERN
    assert (DOCS_DIR / sg["examples_dirs"]).resolve() == EXAMPLES_DIR
    assert sg["abort_on_example_error"] is True
    assert "_gallery.remove_example_outputs" in sg["reset_modules"]
    assert sg["reset_modules_order"] == "both"
    assert (EXAMPLES_DIR / "GALLERY_HEADER.rst").is_file()

    # The build runs the quick version of the examples.
    class App:
        def connect(self, *args, **kwargs):
            pass

    monkeypatch.delenv("SKDEEP_EXAMPLE_QUICK", raising=False)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    conf["setup"](App())
    assert os.environ["SKDEEP_EXAMPLE_QUICK"] == "1"


def test_gallery_removes_what_an_example_writes(tmp_path, monkeypatch):
    gallery = _load_gallery()
    monkeypatch.setattr(gallery, "EXAMPLES_DIR", tmp_path)
    (tmp_path / "plot_a.py").write_text("")
    (tmp_path / "kept.png").write_text("from before")
    gallery.remove_example_outputs({}, str(tmp_path / "plot_a.py"), "before")
    (tmp_path / "a.png").write_text("")
    (tmp_path / "kept.png").write_text("overwritten")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "_helper.pyc").write_text("")
    gallery.remove_example_outputs({}, str(tmp_path / "plot_a.py"), "after")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.png", "plot_a.py"]
