"""Input handling of the sequence estimator: which kind ``X`` is, and turning
each kind into the array the network takes.

- text: a 1-D object array of ``str`` (one text per sample);
- token ids: a 2-D ``int64`` array, ragged lists padded with 0 at the end;
- numeric series: a 3-D float array ``(n_samples, steps, channels)``.
"""

import numpy as np
import scipy.sparse as sp

INPUT_KINDS = ("text", "tokens", "series")

AUTO_RULE = (
    "strings (a 1-D list or array of str, or a single text column) are text, "
    "integer arrays and ragged lists of ints are token ids, anything else is a "
    "numeric series"
)


def _first(values):
    for v in values:
        if v is not None:
            return v
    return None


def _is_sequence(v):
    return isinstance(v, (list, tuple, np.ndarray)) and not isinstance(v, str)


def _kind(dtype):
    """NumPy kind of a NumPy or pandas dtype (pandas string dtypes are "O")."""
    try:
        return np.dtype(getattr(dtype, "numpy_dtype", dtype)).kind
    except TypeError:
        return getattr(dtype, "kind", "O")


def infer_input_kind(X):
    """The kind of ``X`` under the ``input_kind="auto"`` rule (:data:`AUTO_RULE`).

    Never converts a large input: only dtypes and the first entry are looked at.
    """
    if sp.issparse(X):
        return "series"
    if isinstance(X, (str, bytes)):
        raise ValueError(
            "X is a single string; pass a list or 1-D array of texts, one per "
            "sample (e.g. [text] for one text)."
        )
    if not hasattr(X, "dtype") and hasattr(X, "__array__"):
        X = np.asarray(X)  # other array-likes: their array's dtype decides
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(X, "columns"):  # a DataFrame
        kinds = {_kind(d) for d in dtypes}
        if kinds and kinds <= set("iu"):
            return "tokens"
        if len(X.columns) == 1 and kinds & set("OUS"):
            return "text"
        return "series"
    dtype = getattr(X, "dtype", None)
    if dtype is not None and hasattr(X, "ndim"):
        kind = _kind(dtype)
        if kind in "US":
            return "text"
        if kind in "iu":
            return "tokens"
        if kind == "O" and X.ndim in (1, 2) and len(X):
            first = _first(np.asarray(X).ravel()[:1000])
            if isinstance(first, str) and (X.ndim == 1 or X.shape[1] == 1):
                return "text"
            if X.ndim == 1 and _is_sequence(first):
                return "tokens"
        return "series"
    if isinstance(X, (list, tuple)) and len(X):
        first = _first(X)
        if isinstance(first, str):
            return "text"
        if _is_sequence(first):
            lengths = {len(row) for row in X if _is_sequence(row)}
            if len(lengths) > 1:
                return "tokens"
            arr = np.asarray(X)
            if arr.dtype.kind in "iu":
                return "tokens"
    return "series"


def _column(X):
    """A single text column of a DataFrame or (n, 1) array, as 1-D."""
    if hasattr(X, "columns") and hasattr(X, "iloc"):
        if len(X.columns) != 1:
            raise ValueError(
                f"Text input must be one column of texts; X has {len(X.columns)} "
                "columns."
            )
        return X.iloc[:, 0]
    return X


def check_texts(X, owner):
    """``X`` as a 1-D object array of ``str``; ValueError naming what is wrong."""
    if isinstance(X, (str, bytes)):
        raise ValueError(
            f"{owner} expected a list or 1-D array of texts, one per sample, but got "
            "a single string; wrap it in a list: [text]."
        )
    X = _column(X)
    if sp.issparse(X):
        raise TypeError(f"{owner} fitted on text got a sparse matrix; pass the texts.")
    arr = np.asarray(X, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{owner} expected a 1-D list or array of texts (one str per sample), "
            f"got an array of shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError(
            "Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is "
            "required."
        )
    for i, value in enumerate(arr):
        if not isinstance(value, str):
            raise ValueError(
                f"{owner} expected text, but X[{i}] is {value!r} of type "
                f"{type(value).__name__}. Replace missing texts with '' (e.g. "
                "X.fillna('') in pandas) and convert the rest to str."
            )
    return arr


def _int_row(row, i, owner):
    arr = np.asarray(row)
    if arr.ndim != 1:
        raise ValueError(
            f"{owner} expected token ids: each sample a 1-D sequence of ints, but "
            f"sample {i} has shape {arr.shape}."
        )
    return _as_ids(arr, f"sample {i}", owner)


def _as_ids(arr, where, owner):
    if arr.dtype.kind in "iu":
        ids = arr.astype(np.int64, copy=False)
    elif arr.dtype.kind == "b" or arr.size == 0:
        ids = arr.astype(np.int64)
    elif arr.dtype.kind in "fO":
        try:
            values = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"{owner} expected integer token ids, but {where} holds "
                f"non-numbers (dtype {arr.dtype})."
            ) from None
        if not np.isfinite(values).all():
            raise ValueError(
                f"Input X contains NaN or infinity ({where}); token ids must be "
                "finite integers."
            )
        if (values != np.round(values)).any():
            raise ValueError(
                f"{owner} expected integer token ids, but {where} holds "
                "non-integer numbers. For numeric series, set input_kind='series' "
                "(series must all have the same length)."
            )
        ids = values.astype(np.int64)
    else:
        raise ValueError(
            f"{owner} expected integer token ids, got dtype {arr.dtype} in {where}."
        )
    if ids.size and ids.min() < 0:
        raise ValueError(
            f"{owner} expected non-negative token ids (0 is padding), but {where} "
            f"holds {int(ids.min())}."
        )
    return ids


def check_tokens(X, max_steps, owner):
    """Token ids as a 2-D ``int64`` array padded with 0 at the end.

    Rows longer than ``max_steps`` (if not None) keep their first ``max_steps``
    ids; the result has as many steps as its longest row (at least one).
    """
    if sp.issparse(X):
        raise TypeError(
            f"{owner} takes token ids as a dense array or lists of ints, not a "
            "sparse matrix."
        )
    if isinstance(X, (str, bytes)):
        raise ValueError(f"{owner} expected token ids, got a single string.")
    if hasattr(X, "iloc"):
        X = X.to_numpy()
    elif not isinstance(X, (list, tuple, np.ndarray)) and hasattr(X, "__array__"):
        X = np.asarray(X)
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind != "O":
        ids = _as_ids(X, "X", owner)
    else:
        if isinstance(X, np.ndarray) and X.ndim not in (1, 2):
            raise ValueError(
                f"{owner} expected token ids of shape (n_samples, steps) or a list "
                f"of id sequences, got an array of shape {X.shape}."
            )
        rows = list(X)
        if rows and not all(_is_sequence(row) for row in rows):
            bad = next(i for i, row in enumerate(rows) if not _is_sequence(row))
            raise ValueError(
                f"{owner} expected token ids: a 2-D array or a list of id "
                f"sequences, but sample {bad} is {rows[bad]!r}."
            )
        rows = [_int_row(row, i, owner) for i, row in enumerate(rows)]
        steps = max((len(r) for r in rows), default=0)
        if max_steps is not None:
            steps = min(steps, max_steps)
        ids = np.zeros((len(rows), max(steps, 1)), dtype=np.int64)
        for i, row in enumerate(rows):
            row = row[:steps]
            ids[i, : len(row)] = row
    if ids.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={ids.shape}) while a minimum of "
            "1 is required."
        )
    if max_steps is not None and ids.shape[1] > max_steps:
        ids = ids[:, :max_steps]
    if ids.shape[1] == 0:
        ids = np.zeros((ids.shape[0], 1), dtype=np.int64)
    return ids


def series_shape(X, sequence_shape, owner):
    """``(steps, channels)`` of one sample of a series input (an array, a
    DataFrame or a sparse matrix), checking ``sequence_shape`` against it; None
    for 2-D input without ``sequence_shape``."""
    ndim = X.ndim
    if ndim == 3:
        shape = tuple(int(s) for s in X.shape[1:])
        if sequence_shape is not None and tuple(sequence_shape) != shape:
            raise ValueError(
                f"X has sequences of shape {shape}, but sequence_shape="
                f"{tuple(sequence_shape)}."
            )
        return shape
    if ndim > 3:
        raise ValueError(
            f"{owner} expected numeric series of shape (n_samples, steps), "
            "(n_samples, steps, channels) or flattened (n_samples, steps * "
            f"channels) with sequence_shape, got {ndim} dimensions."
        )
    return None if sequence_shape is None else tuple(sequence_shape)


def unflatten(X, shape, owner):
    """Reshape validated 2-D series ``X`` to ``(n_samples, *shape)``."""
    steps, channels = shape
    if X.shape[1] != steps * channels:
        raise ValueError(
            f"X has {X.shape[1]} features, but {owner} is expecting "
            f"{steps * channels} features as input (sequences of {steps} steps x "
            f"{channels} channels)."
        )
    return X.reshape(X.shape[0], steps, channels)
