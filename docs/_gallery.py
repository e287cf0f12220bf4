"""Which examples the documentation build runs, for ``docs/conf.py``.

sphinx-gallery turns every ``examples/plot_*.py`` into a page of the gallery.
It runs an example, and shows its output and figures, when the example's path
matches ``filename_pattern``; the others get a page with their code only.
Every example runs (in its quick version, ``SKDEEP_EXAMPLE_QUICK=1``) unless it
is listed in ``NOT_EXECUTED``, with the reason. A new ``plot_*.py`` therefore
runs in the docs build by default. ``tests/test_examples.py`` checks the table
against ``examples/`` and the pattern that ``docs/conf.py`` gives sphinx-gallery.

Kept out of ``conf.py`` so that sphinx-gallery can name the reset hook below by
its import path (Sphinx cannot cache a configuration holding a function) and the
tests can read the table without running a Sphinx configuration.
"""

import re
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"

# Examples the docs build shows without running them. Each needs a data set that
# is not on a CI machine, or takes minutes on CI's two cores even in its quick
# version (the docs build may take about two minutes for all examples together).
NOT_EXECUTED = {
    "plot_cnn_fashion_mnist.py": (
        "needs Fashion-MNIST from the Debian package dataset-fashion-mnist"
    ),
    "plot_spam_text.py": (
        "needs the SpamAssassin corpus, fetched from npm by examples/_sequence_data.py"
    ),
    "plot_time_series.py": (
        "needs the UCR sets from the sktime wheel, fetched by "
        "examples/_sequence_data.py, and has no quick version"
    ),
    "plot_scaling_search.py": (
        "starts Dask and joblib worker processes, each importing TensorFlow: "
        "minutes on two cores, and its point is the timing of a real machine"
    ),
    "plot_cnn_digits.py": (
        "trains a CNN with three-fold cross-validation: the longest of the quick "
        "examples (the test suite runs its quick version); CI's time budget"
    ),
    "plot_breast_cancer_grid_search.py": (
        "a grid search of several candidates and folds (the test suite runs its "
        "quick version); CI's time budget"
    ),
    "plot_out_of_core.py": (
        "trains on 200,000 rows even in its quick version, and measures the "
        "memory of its own process"
    ),
}

# Helpers that examples import (``_sequence_data.py``) are not examples.
IGNORE_PATTERN = r"(^|[\\/])_[^\\/]*\.py$"


def filename_pattern(not_executed=NOT_EXECUTED):
    """The regular expression of the examples to run: ``plot_*.py``, except the
    names in ``not_executed`` (matched with ``re.search`` on the full path)."""
    skipped = "|".join(re.escape(name) for name in sorted(not_executed))
    exclude = f"(?!(?:{skipped})$)" if skipped else ""
    return rf"[\\/]{exclude}plot_[^\\/]*\.py$"


# -- Keep example outputs out of the checkout ----------------------------------
# sphinx-gallery runs each example in examples/, where the scripts save their
# figures for readers who run them by hand (``fig.savefig("cnn_digits.png")``).
# The gallery takes its figures from matplotlib, so whatever an example writes
# there is removed after it ran. Files present before it ran are left alone.
_before_example = set()


def _paths():
    return set(EXAMPLES_DIR.rglob("*"))


def remove_example_outputs(gallery_conf, fname, when):
    """sphinx-gallery ``reset_modules`` hook (``reset_modules_order="both"``)."""
    if when == "before":
        _before_example.clear()
        _before_example.update(_paths())
        return
    if not _before_example:
        return
    # Deepest first, so a folder the example made (the ``__pycache__`` of a
    # helper it imported) is empty by the time it comes.
    for path in sorted(_paths() - _before_example, reverse=True):
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        else:
            path.unlink()
