"""The private Keras and scikit-learn internals skdeep uses (skdeep/_compat.py)
are where it expects them in the installed releases, and a moved one is named."""

import importlib

import pytest

from skdeep import _compat


def test_every_private_internal_is_where_skdeep_expects_it():
    _compat.check_all()


def test_a_moved_internal_is_named(monkeypatch):
    module = importlib.import_module("keras.src.random.seed_generator")
    monkeypatch.delattr(module, "python_random")
    with pytest.raises(_compat.PrivateAPIChanged, match="python_random"):
        _compat.check_keras_default_seeds()
    # A fit still works: Keras then draws from Python's random, which skdeep
    # seeds while it builds.
    with _compat.keras_default_seeds(0):
        pass


def test_only_compat_reaches_private_internals():
    """No other module imports keras.src or a private scikit-learn name."""
    import pathlib
    import re

    package = pathlib.Path(_compat.__file__).parent
    private = re.compile(
        r"keras\.src|_keras_history|_inbound_nodes|_flatten_layers|_compile_loss"
        r"|\b_direction\b|\._model\b|\b_check_sample_weight\b"
    )
    for path in sorted(package.glob("*.py")):
        if path.name == "_compat.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            assert not private.search(code), f"{path.name}:{number}: {line.strip()}"
