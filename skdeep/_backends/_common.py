"""Pieces every backend module shares."""

import numpy as np

from .._rows import is_dict

# Largest number of steps one compiled call of a JAX loop runs, and the sizes
# inputs are padded to (powers of two), so that shapes, and compilations, stay few.
MAX_BUCKET = 8192


def input_names(model):
    """The names of ``model``'s inputs, in the order of ``model.inputs``."""
    return [
        getattr(t, "name", None) or f"input_{i}" for i, t in enumerate(model.inputs)
    ]


def format_outputs(model, out, activation=None):
    """A model's output as the predictor takes it: one tensor (through
    ``activation``), or a list in the order of ``model.output_names``."""
    if isinstance(out, dict):
        return [out[name] for name in model.output_names]
    if isinstance(out, (list, tuple)):
        return list(out)
    return out if activation is None else activation(out)


def bucket(n):
    """The smallest power of two at least ``n`` (1 for 0)."""
    return 1 << max(0, int(n) - 1).bit_length()


def map_arrays(fn, X):
    """``fn`` applied to each array of ``X`` (an array, or a list/dict)."""
    if X is None:
        return None
    if is_dict(X):
        return {k: map_arrays(fn, v) for k, v in X.items()}
    if isinstance(X, (list, tuple)):
        return [map_arrays(fn, v) for v in X]
    return fn(X)


def host_array(X, dtype):
    """One in-memory array in NumPy, floats in the network's ``dtype``."""
    X = np.asarray(X)
    if X.dtype.kind == "f" or X.dtype.kind == "c":
        return X.astype(dtype, copy=False)
    if X.dtype.kind in "US":
        return X.astype(object)
    return X
