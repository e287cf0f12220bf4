"""Sphinx configuration for the skdeep documentation.

Build with ``make docs`` (``sphinx-build -W --keep-going -b html docs
docs/_build/html``). Nothing here needs the network: no intersphinx, and the
gallery's examples run on data that ships with scikit-learn. Reading this file
changes nothing on disk or in the environment; the build's own steps are in
``setup`` at the end.
"""

import os
import re
import sys
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
# Document the checkout, also when skdeep is not installed; docs/ for _gallery.
sys.path.insert(0, str(DOCS_DIR.parent))
sys.path.insert(0, str(DOCS_DIR))

import _gallery  # noqa: E402  (needs the path above)

import skdeep  # noqa: E402

project = "skdeep"
author = "skdeep developers"
copyright = "skdeep developers"
release = skdeep.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"

# -- API reference -------------------------------------------------------------
# autosummary writes one stub page per object into docs/generated/ (gitignored),
# so a clean clone builds the same pages. Stubs from an earlier build are removed
# first (``_remove_stale_stubs``): one for an object no longer listed would sit
# outside every toctree and fail the build.
GENERATED_DIR = DOCS_DIR / "generated"
autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
# The class template lists methods itself; numpydoc's own member tables would
# duplicate them (and warn about every inherited scikit-learn method).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skdeep {release}"
html_static_path = []
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 5,
}
html_sidebars = {"getting_started": [], "api": []}


# -- Gallery -------------------------------------------------------------------
# sphinx-gallery writes one page per examples/plot_*.py into auto_examples/
# (gitignored), and a gallery index of thumbnails from examples/GALLERY_HEADER.rst.
# It runs the examples in docs/_gallery.py's filename_pattern, in their quick
# version (SKDEEP_EXAMPLE_QUICK=1, set in ``setup``), and shows their output and
# figures; the examples _gallery.NOT_EXECUTED names get their code only. An
# example that fails stops the build.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": _gallery.filename_pattern(),
    "ignore_pattern": _gallery.IGNORE_PATTERN,
    "image_scrapers": ("matplotlib",),
    # The figures an example saves by hand go to examples/; remove them after it.
    "reset_modules": ("matplotlib", "_gallery.remove_example_outputs"),
    "reset_modules_order": "both",
    "abort_on_example_error": True,
    "within_subsection_order": "FileNameSortKey",
    # Links from the examples' code to the API pages of skdeep, found locally.
    "doc_module": ("skdeep",),
    "backreferences_dir": None,
    # Per-example download links only: no zip of all examples, no Binder.
    "download_all_examples": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
}

# -- Inherited scikit-learn methods --------------------------------------------
# get_params, score, set_fit_request, ... come with scikit-learn's docstrings,
# which use labels and glossary terms of scikit-learn's own documentation. Without
# intersphinx (the build must not need the network) those would be broken
# references, so they are shown as plain text instead.
_SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`<]+?)(?:\s*<([^`>]+)>)?`")


def _sklearn_role_as_text(match):
    text, target = match.group(1).strip(), match.group(2)
    return text if target else f"*{text}*"


def _plain_sklearn_roles(app, what, name, obj, options, lines):
    if not (getattr(obj, "__module__", None) or "").startswith("sklearn"):
        return
    lines[:] = [_SKLEARN_ROLE.sub(_sklearn_role_as_text, line) for line in lines]


def _remove_stale_stubs(app):
    for stub in GENERATED_DIR.glob("*.rst"):
        stub.unlink()


def _write_not_executed(app):
    """The gallery index's list of the examples shown without running them
    (included by examples/GALLERY_HEADER.rst), from _gallery.NOT_EXECUTED."""
    lines = [
        f"- :ref:`sphx_glr_auto_examples_{name}`: {reason}."
        for name, reason in sorted(_gallery.NOT_EXECUTED.items())
    ]
    text = "\n".join(lines) + "\n"
    target = GENERATED_DIR / "not_executed.txt"
    target.parent.mkdir(exist_ok=True)
    # Rewrite only on change, so incremental builds stay incremental.
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


def setup(app):
    # The quick version of every example the gallery runs, as in
    # tests/test_examples.py; and no TensorFlow start-up banners in the log.
    os.environ["SKDEEP_EXAMPLE_QUICK"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Before autosummary writes the stubs (also on builder-inited, priority 500).
    app.connect("builder-inited", _remove_stale_stubs, priority=100)
    app.connect("builder-inited", _write_not_executed, priority=100)
    app.connect("autodoc-process-docstring", _plain_sklearn_roles)
