"""Sphinx configuration for the skdeep documentation.

Build with ``make docs`` (``sphinx-build -W --keep-going -b html docs
docs/_build/html``). Nothing here needs the network: no intersphinx, and the
examples are included as source, not executed.
"""

import ast
import re
import sys
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
EXAMPLES_DIR = DOCS_DIR.parent / "examples"
# Document the checkout, also when skdeep is not installed.
sys.path.insert(0, str(DOCS_DIR.parent))

import skdeep  # noqa: E402  (needs the path above)

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
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"

# -- API reference -------------------------------------------------------------
# autosummary writes one stub page per object into docs/generated/ (gitignored),
# so a clean clone builds the same pages. Stubs from an earlier build are removed
# first: one for an object no longer listed would sit outside every toctree and
# fail the build.
GENERATED_DIR = DOCS_DIR / "generated"
for stub in GENERATED_DIR.glob("*.rst"):
    if stub.name != "examples.rst":
        stub.unlink()
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


# -- Examples ------------------------------------------------------------------
# One page lists every script in examples/ (not the ``_*.py`` helpers): its
# docstring (a title, then reStructuredText) and its code, included as source.
# Nothing is executed during the build; tests/test_examples.py runs them. The
# page is written into generated/ (gitignored) at each build, so a new example
# appears without editing any page.


def _example_section(path):
    source = path.read_text(encoding="utf-8")
    module = ast.parse(source)
    docstring = ast.get_docstring(module, clean=True) or ""
    lines = docstring.splitlines()
    title = lines[0].strip() if lines else path.stem
    body = lines[1:]
    if body and set(body[0].strip()) <= set("=-~^#*") and body[0].strip():
        body = body[1:]
    has_docstring = (
        module.body
        and isinstance(module.body[0], ast.Expr)
        and isinstance(module.body[0].value, ast.Constant)
        and isinstance(module.body[0].value.value, str)
    )
    code_start = module.body[0].end_lineno + 1 if has_docstring else 1
    n_lines = len(source.splitlines())
    out = [
        f".. _example_{path.stem}:",
        "",
        title,
        "-" * len(title),
        "",
        *body,
        "",
        f"Source: ``examples/{path.name}``",
        "",
    ]
    if code_start <= n_lines:
        out += [
            f".. literalinclude:: /../examples/{path.name}",
            "   :language: python",
            f"   :lines: {code_start}-",
            "",
        ]
    return out


def write_examples_page():
    lines = [
        ".. This page is written by docs/conf.py from examples/*.py; do not edit.",
        "",
        ".. _examples:",
        "",
        "Examples",
        "========",
        "",
        "Runnable scripts in the ``examples/`` folder of the repository, each",
        "well under a minute on a laptop CPU, on data that ships with",
        "scikit-learn or with the system (an example whose data is absent says",
        "so and exits). Run one with ``python examples/<name>.py``. The",
        "``plot_*`` examples draw matplotlib figures, shown with an interactive",
        "backend and saved as PNG files in the working directory.",
        "",
    ]
    for path in sorted(EXAMPLES_DIR.glob("*.py")):
        if not path.name.startswith("_"):
            lines += _example_section(path)
    text = "\n".join(lines) + "\n"
    target = GENERATED_DIR / "examples.rst"
    target.parent.mkdir(exist_ok=True)
    # Rewrite only on change, so incremental builds stay incremental.
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


write_examples_page()

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


def setup(app):
    app.connect("autodoc-process-docstring", _plain_sklearn_roles)
