"""Run the Examples sections of skdeep's public docstrings as doctests.

The modules searched: every public (not ``_``-prefixed) module of the package,
and the module defining each name in ``skdeep.__all__`` (``set_threads`` lives in
a private one). Each docstring with examples is one test, so a failure names
the object. The ``>>>`` examples of the documentation pages in ``DOC_PAGES`` run
too, one test a page. Figures are drawn with the Agg backend and closed after
each test.
"""

import doctest
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import skdeep

OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# NumPy 2 writes scalars as ``np.True_`` or ``np.float64(0.5)``, NumPy 1 as ``True``
# or ``0.5``; a comparison may give either a NumPy or a Python bool. Examples may
# use either spelling, and pass under both NumPy versions.
_NUMPY_SCALAR = re.compile(
    r"\bnp\.(?:float|int|uint|complex|str_|bool)\d*_?\(([^()]*)\)|\bnp\.(True|False)_"
)


def _plain_scalars(text):
    return _NUMPY_SCALAR.sub(
        lambda m: m.group(2) if m.group(1) is None else m.group(1), text
    )


class _NumpyAgnosticChecker(doctest.OutputChecker):
    def check_output(self, want, got, optionflags):
        return super().check_output(
            _plain_scalars(want), _plain_scalars(got), optionflags
        )


DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"
# Narrative pages whose ``>>>`` examples are run, each page as one session.
DOC_PAGES = [
    "getting_started.rst",
    "user_guide/choosing.rst",
    "user_guide/dense.rst",
    "user_guide/cnn.rst",
    "user_guide/sequence.rst",
    "user_guide/monitoring.rst",
]

# Public callables whose usage is shown in another object's Examples section.
EXAMPLE_ELSEWHERE = {"load": "save"}


def _public_modules():
    names = {"skdeep"}
    for info in pkgutil.walk_packages(skdeep.__path__, prefix="skdeep."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.add(info.name)
    for name in skdeep.__all__:
        module = getattr(getattr(skdeep, name), "__module__", None)
        if module and module.startswith("skdeep"):
            names.add(module)
    return sorted(names)


MODULES = _public_modules()


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for test in finder.find(module, module_name):
            if test.examples:
                tests[test.name] = test
    return [tests[name] for name in sorted(tests)]


DOCTESTS = _doctests()


def test_modules_searched():
    for required in (
        "skdeep.plotting",
        "skdeep.persistence",
        "skdeep.architectures",
        "skdeep.dense",
        "skdeep._threads",
    ):
        assert required in MODULES


@pytest.mark.parametrize(
    "name",
    [
        name
        for name in skdeep.__all__
        if name != "__version__" and callable(getattr(skdeep, name))
    ]
    + [
        "plotting.plot_history",
        "plotting.HistoryDisplay",
        "callbacks.history_scoring",
        "architectures.dense_network",
    ],
)
def test_public_callable_has_examples(name):
    """Every public class and function shows how it is used, in a doctest."""
    shown_in = EXAMPLE_ELSEWHERE.get(name, name)
    module_name, _, attr = f"skdeep.{shown_in}".rpartition(".")
    obj = getattr(importlib.import_module(module_name), attr)
    doc = inspect.getdoc(obj) or ""
    assert "Examples\n--------" in doc, f"{shown_in} has no Examples section"
    found = doctest.DocTestParser().get_examples(doc)
    assert found, f"the Examples section of {shown_in} has no >>> lines"


def _run_doctest(test, tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Examples that write files write them here.
    monkeypatch.chdir(tmp_path)
    runner = doctest.DocTestRunner(
        checker=_NumpyAgnosticChecker(), optionflags=OPTIONFLAGS
    )
    report = []
    try:
        result = runner.run(test, out=report.append, clear_globs=True)
    finally:
        plt.close("all")
    assert result.failed == 0, "".join(report)
    if result.attempted == 0:
        pytest.skip("every example here is marked +SKIP")


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_docstring_examples(test, tmp_path, monkeypatch):
    _run_doctest(test, tmp_path, monkeypatch)


@pytest.mark.parametrize("page", DOC_PAGES)
def test_doc_page_examples(page, tmp_path, monkeypatch):
    path = DOCS_DIR / page
    text = path.read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {}, page, str(path), 0)
    assert test.examples, f"{page} has no >>> examples"
    _run_doctest(test, tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("want", "got", "same"),
    [
        ("np.True_\n", "True\n", True),
        ("True\n", "np.True_\n", True),
        ("np.float64(0.25)\n", "0.25\n", True),
        ("np.False_\n", "True\n", False),
        ("np.float64(0.25)\n", "np.float64(0.5)\n", False),
    ],
)
def test_checker_accepts_both_numpy_spellings(want, got, same):
    assert _NumpyAgnosticChecker().check_output(want, got, OPTIONFLAGS) is same


def test_doctests_found():
    """The finder sees the examples we know are there (a guard on the finder)."""
    names = {t.name for t in DOCTESTS}
    for expected in (
        "skdeep.dense.DenseClassifier",
        "skdeep.dense.DenseRegressor",
        "skdeep.persistence.save",
        "skdeep.plotting.plot_history",
        "skdeep.architectures.dense.dense_network",
    ):
        assert expected in names, sorted(names)
