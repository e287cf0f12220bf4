"""Rows of model input or output, whatever their structure.

A model takes one array (dense or SciPy sparse) or, with several inputs, one
array per input: a dict keyed by input name or a list in the order of
``model.inputs``. A model with several outputs gives a list of arrays. These
helpers select, cut and join rows of any of these forms, so the training loop
and prediction need not know which one they hold.
"""

import numpy as np
import scipy.sparse as sp


def is_dict(X):
    """Whether ``X`` is a dict of inputs (SciPy's DOK matrices are dicts too)."""
    return isinstance(X, dict) and not sp.issparse(X)


def is_structured(X):
    """Whether ``X`` holds one array per model input (a dict or a list)."""
    return is_dict(X) or isinstance(X, (list, tuple))


def n_rows(X):
    """Number of rows (samples) of ``X``."""
    if is_dict(X):
        return n_rows(next(iter(X.values())))
    if isinstance(X, (list, tuple)):
        return n_rows(X[0])
    return X.shape[0]


def n_samples(X):
    """Number of samples of user input before validation: a dict of inputs,
    an array or DataFrame, or a list of rows."""
    if is_dict(X):
        return n_rows(X)
    shape = getattr(X, "shape", None)
    if shape:
        return shape[0]
    return len(X) if hasattr(X, "__len__") else np.asarray(X).shape[0]


def take(X, idx):
    """Rows ``idx`` (an index array, or None for all) of ``X``."""
    if idx is None:
        return X
    if is_dict(X):
        return {k: take(v, idx) for k, v in X.items()}
    if isinstance(X, (list, tuple)):
        return [take(v, idx) for v in X]
    if len(idx) == X.shape[0] and np.array_equal(idx, np.arange(X.shape[0])):
        return X
    return X[idx]


def cut(X, start, stop):
    """Rows ``start:stop`` of ``X`` (views where the arrays allow)."""
    if is_dict(X):
        return {k: cut(v, start, stop) for k, v in X.items()}
    if isinstance(X, (list, tuple)):
        return [cut(v, start, stop) for v in X]
    return X[start:stop]


def densify(X, dtype):
    """``X`` with sparse matrices made dense and float arrays in ``dtype``;
    text and token ids stay as they are."""
    if is_dict(X):
        return {k: densify(v, dtype) for k, v in X.items()}
    if isinstance(X, (list, tuple)):
        return [densify(v, dtype) for v in X]
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    return X.astype(dtype, copy=False) if X.dtype.kind == "f" else X


def chunks(X, size):
    """Yield ``X`` in consecutive pieces of at most ``size`` rows."""
    n = n_rows(X)
    for start in range(0, n, size):
        yield cut(X, start, start + size)


def concat(parts):
    """Join per-chunk outputs (arrays, or lists of arrays for several
    outputs) along the rows."""
    if isinstance(parts[0], (list, tuple)):
        return [np.concatenate(p) for p in zip(*parts, strict=True)]
    return np.concatenate(parts)
