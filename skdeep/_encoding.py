"""Target encoders: the single source of ``classes_``, output size and activation,
and the default loss.

An encoder is fitted once per model (in ``fit``, or the first ``partial_fit``),
turns targets into what the network trains on, and turns network outputs back
into probabilities, labels or values in the user's units.
"""

import itertools
import warnings

import numpy as np
from scipy.special import expit, softmax
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import type_of_target

from . import _compat, _rows
from ._keras import get_keras

_LOSS_FOR_OUTPUT = {
    "binary": "binary_crossentropy",
    "multiclass": "sparse_categorical_crossentropy",
    "multilabel": "binary_crossentropy",
    "continuous": "mean_squared_error",
}


def _column_to_1d(y):
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please "
            "change the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=4,
        )
        return y.ravel()
    return y


def stack_targets(y, X):
    """A list or tuple of per-output target arrays (the Keras form for a
    model with several outputs) as one 2-D array, a block of columns per
    output; any other ``y`` as it is. Labels of different types are kept
    (an object array).

    A list of as many items as ``X`` has rows is scikit-learn's form (one
    item per row), even when the items are arrays; per-output arrays each hold
    one value (or row) per row of ``X``.
    """
    if not isinstance(y, (list, tuple)):
        return y
    n = _rows.n_samples(X)
    if not (
        len(y) != n
        and len(y) > 0
        and all(hasattr(part, "shape") and len(part.shape) >= 1 for part in y)
    ):
        return y
    blocks = [np.asarray(part) for part in y]
    if any(len(b) != n for b in blocks) or any(b.ndim > 2 for b in blocks):
        raise ValueError(
            "y given as a list takes one array per output, each of shape "
            f"(n_samples,) or (n_samples, n_columns) with n_samples={n}; got "
            f"shapes {[b.shape for b in blocks]}."
        )
    return _side_by_side([b.reshape(n, -1) for b in blocks])


def _side_by_side(blocks):
    """2-D blocks of the same rows joined column-wise; an object array when
    their dtypes differ, so that labels of several types keep their own."""
    if len({b.dtype for b in blocks}) == 1:
        return np.hstack(blocks)
    return np.hstack([b.astype(object) for b in blocks])


def make_loss(loss, kind, from_logits, dtype):
    """Return a Keras loss whose sample weights mean repeated rows.

    ``"auto"`` picks the loss from the target kind. A loss name or function is
    wrapped so that the batch loss is ``sum(w * loss) / sum(w)``: a weight of 2
    means exactly "this row twice". A ``keras.losses.Loss`` instance is used as
    given.
    """
    keras = get_keras()
    if isinstance(loss, keras.losses.Loss):
        return loss
    reduction = "mean_with_sample_weight"
    if loss == "auto":
        name = _LOSS_FOR_OUTPUT[kind]
        cls = {
            "binary_crossentropy": keras.losses.BinaryCrossentropy,
            "sparse_categorical_crossentropy": (
                keras.losses.SparseCategoricalCrossentropy
            ),
        }.get(name)
        if cls is not None:
            return cls(from_logits=from_logits, reduction=reduction, dtype=dtype)
        return keras.losses.MeanSquaredError(reduction=reduction, dtype=dtype)
    fn = keras.losses.get(loss) if isinstance(loss, str) else loss
    if fn is None:
        raise ValueError(f"Unknown Keras loss {loss!r}; see keras.losses for names.")
    # Keras 3 does not export LossFunctionWrapper (the base of its built-in
    # losses): see _compat.py.
    return _compat.loss_function_wrapper()(
        fn, reduction=reduction, dtype=dtype, name=getattr(fn, "__name__", None)
    )


def _wants_one_hot(loss):
    """A non-default multiclass loss takes one-hot targets unless it is 'sparse'."""
    if loss == "auto":
        return False
    name = loss if isinstance(loss, str) else type(loss).__name__
    name = getattr(loss, "__name__", name)
    return "sparse" not in name.lower()


class ClassifierTargetEncoder:
    """Labels of any type to network targets and back.

    Binary targets train one sigmoid unit, multiclass targets a softmax over the
    classes, multilabel indicator matrices one sigmoid unit per label.

    Parameters
    ----------
    loss : str, callable or keras.losses.Loss, default="auto"
        The estimator's ``loss`` parameter; only its target format matters here.
    """

    def __init__(self, loss="auto"):
        self.loss = loss

    def fit(self, y, classes=None):
        y = _column_to_1d(np.asarray(y))
        kind = type_of_target(y, input_name="y")
        if kind == "multilabel-indicator":
            self.kind = "multilabel"
            self.classes_ = np.arange(y.shape[1])
            if classes is not None and len(classes) != y.shape[1]:
                raise ValueError(
                    f"classes has {len(classes)} entries but y has {y.shape[1]} "
                    "label columns."
                )
        elif kind in ("binary", "multiclass"):
            present = np.unique(y)
            self.classes_ = present if classes is None else np.unique(classes)
            unseen = np.setdiff1d(present, self.classes_)
            if len(unseen):
                raise ValueError(
                    f"y has labels {unseen.tolist()} that are not in classes="
                    f"{self.classes_.tolist()}; pass every label in classes."
                )
            if len(self.classes_) < 2:
                raise ValueError(
                    "Classifier can't train when only one class is present: y has "
                    f"the single class {self.classes_[0]!r}. Pass data with at "
                    "least two classes."
                )
            self.kind = "binary" if len(self.classes_) == 2 else "multiclass"
        else:
            raise ValueError(
                f"Unknown label type: y is {kind!r}. Classifiers take binary, "
                "multiclass or multilabel-indicator targets; for continuous targets "
                "use a regressor."
            )
        return self

    @property
    def n_outputs(self):
        return 1 if self.kind == "binary" else len(self.classes_)

    @property
    def output_activation(self):
        return "softmax" if self.kind == "multiclass" else "sigmoid"

    def transform(self, y, dtype):
        y = np.asarray(y)
        if self.kind == "multilabel":
            if y.ndim != 2 or y.shape[1] != len(self.classes_):
                got = "1-D labels" if y.ndim == 1 else f"{y.shape[1]} label columns"
                raise ValueError(
                    f"y has {got}, but the model was fitted on "
                    f"{len(self.classes_)} label columns; pass y with the same "
                    "columns in every call (or fit a new model)."
                )
            return y.astype(dtype)
        y = y.ravel() if y.ndim == 2 and y.shape[1] == 1 else y
        if y.ndim != 1:
            raise ValueError(
                f"y has {y.shape[1]} columns, but the model was fitted on one "
                "column of labels; pass y of shape (n_samples,) (or fit a new "
                "model for multilabel targets)."
            )
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        if not np.array_equal(self.classes_[idx], y):
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            raise ValueError(
                f"y has labels {unseen.tolist()} that the model was not fitted on "
                f"(classes_={self.classes_.tolist()})."
            )
        if self.kind == "binary":
            return idx.astype(dtype)[:, None]
        if _wants_one_hot(self.loss):
            return np.eye(len(self.classes_), dtype=dtype)[idx]
        return idx.astype(np.int32)

    def proba(self, out):
        """Network output (after the activation) to ``predict_proba`` form."""
        if self.kind == "binary":
            p = out[:, 0]
            return np.column_stack([1.0 - p, p])
        if self.kind == "multiclass":
            # Exact normalisation: rows sum to 1 in the output dtype.
            return out / out.sum(axis=1, keepdims=True)
        return out

    def labels(self, proba):
        """``predict_proba`` output to labels in the user's type."""
        if self.kind == "multilabel":
            return (proba > 0.5).astype(int)
        return self.classes_[np.argmax(proba, axis=1)]


class RegressorTargetEncoder:
    """Continuous targets to standardised network targets and back.

    Parameters
    ----------
    scale : bool, default=True
        Standardise each output with its (sample-weighted) mean and standard
        deviation, so that default learning rates suit targets of any scale.
    """

    kind = "continuous"
    output_activation = "linear"

    def __init__(self, scale=True):
        self.scale = scale

    def fit(self, y, sample_weight=None):
        y = np.asarray(y, dtype=np.float64)
        self.single_output_ = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        if self.scale and len(y2):
            w = (
                None
                if sample_weight is None or not np.any(sample_weight)
                else (sample_weight)
            )
            self.mean_ = np.average(y2, axis=0, weights=w)
            std = np.sqrt(np.average((y2 - self.mean_) ** 2, axis=0, weights=w))
            self.std_ = np.where(std > 0, std, 1.0)
        else:
            self.mean_ = np.zeros(y2.shape[1])
            self.std_ = np.ones(y2.shape[1])
        self.n_outputs_ = y2.shape[1]
        return self

    @property
    def n_outputs(self):
        return self.n_outputs_

    def transform(self, y, dtype):
        y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if y2.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y2.shape[1]} outputs but the model was fitted on "
                f"{self.n_outputs_}."
            )
        return ((y2 - self.mean_) / self.std_).astype(dtype)

    def values(self, out):
        """Network output to predictions in the user's units and shape."""
        pred = out * self.std_ + self.mean_
        return pred.ravel() if self.single_output_ else pred


class MultiOutputEncoder:
    """Targets of a model with several outputs: one encoder per output.

    ``y`` is 2-D, its columns shared out among the outputs in the order of
    ``model.outputs``: one label column per classifier output (binary or
    multiclass, as scikit-learn's multi-output classifiers take them), as many
    columns as units per regressor output.

    Parameters
    ----------
    parts : list of ClassifierTargetEncoder or RegressorTargetEncoder
        Each output's fitted encoder.
    widths : list of int
        Each output's number of columns of ``y``.
    """

    kind = "multioutput"

    def __init__(self, parts, widths):
        self.parts = list(parts)
        self.widths = [int(w) for w in widths]

    @classmethod
    def for_labels(cls, y, loss="auto", classes=None):
        """One classifier encoder per label column of ``y`` (2-D); ``loss`` is
        the estimator's (one per output as a list, or one for all)."""
        y = np.asarray(y)
        k = y.shape[1]
        losses = _per_output(loss, k)
        if classes is not None and len(classes) != k:
            raise ValueError(
                f"classes has {len(classes)} entries but y has {k} label columns: "
                "pass one array of labels per column (output)."
            )
        parts = [
            ClassifierTargetEncoder(loss=losses[j]).fit(
                _column(y[:, j]), classes=None if classes is None else classes[j]
            )
            for j in range(k)
        ]
        return cls(parts, [1] * k)

    @property
    def n_outputs(self):
        """Units of each output layer."""
        return [p.n_outputs for p in self.parts]

    @property
    def n_columns(self):
        """Columns of ``y``."""
        return sum(self.widths)

    @property
    def output_activation(self):
        return [p.output_activation for p in self.parts]

    @property
    def classes_(self):
        return [p.classes_ for p in self.parts]

    def split(self, y):
        """``y``'s columns, one block per output."""
        y = np.asarray(y)
        if y.ndim == 1:
            y = y[:, None]
        if y.ndim != 2 or y.shape[1] != self.n_columns:
            got = "1 column" if y.ndim != 2 else f"{y.shape[1]} columns"
            raise ValueError(
                f"y has {got}, but the model was fitted on {self.n_columns} target "
                f"columns for its {len(self.parts)} outputs; pass y with the same "
                "columns in every call (or fit a new model)."
            )
        edges = np.cumsum([0, *self.widths])
        blocks = [y[:, a:b] for a, b in itertools.pairwise(edges)]
        return [
            _column(b[:, 0]) if w == 1 else b
            for b, w in zip(blocks, self.widths, strict=True)
        ]

    def transform(self, y, dtype):
        return [
            p.transform(b, dtype)
            for p, b in zip(self.parts, self.split(y), strict=True)
        ]

    def proba(self, outs):
        """One ``predict_proba`` array per output (after the output's
        activation, for an output of class scores)."""
        return [
            p.proba(_activate(o, p) if getattr(p, "from_logits", False) else o)
            for p, o in zip(self.parts, outs, strict=True)
        ]

    def labels(self, probas):
        """Labels of every output, one column each, in their own types."""
        columns = [p.labels(q) for p, q in zip(self.parts, probas, strict=True)]
        return _side_by_side([c.reshape(len(c), -1) for c in columns])

    def values(self, outs):
        """Regressor outputs in the user's units, side by side."""
        return np.column_stack(
            [
                p.values(np.asarray(o, dtype=np.float64)).reshape(len(o), -1)
                for p, o in zip(self.parts, outs, strict=True)
            ]
        )

    def losses(self, loss, from_logits, dtype):
        """One Keras loss per output, from the estimator's ``loss`` (one for
        all, or a list in output order)."""
        if isinstance(loss, dict):
            names = getattr(self, "names", None) or []
            unknown = sorted(set(loss) - set(names))
            if unknown:
                raise ValueError(
                    f"loss names outputs {unknown}, but the model's outputs are "
                    f"{names}."
                )
            loss = [loss.get(name, "auto") for name in names]
        losses = _per_output(loss, len(self.parts))
        return [
            make_loss(
                each,
                p.kind,
                from_logits=from_logits or getattr(p, "from_logits", False),
                dtype=dtype,
            )
            for each, p in zip(losses, self.parts, strict=True)
        ]


def _activate(scores, encoder):
    """Probabilities from one output's class scores (logits)."""
    scores = np.asarray(scores, dtype=np.float64)
    if encoder.output_activation == "softmax":
        return softmax(scores, axis=1)
    return expit(scores)


def _column(values):
    """One output's labels out of a 2-D object array holding several types:
    as the array NumPy makes of them alone (ints as ints)."""
    return np.asarray(values.tolist()) if values.dtype == object else values


def _per_output(value, k):
    """A per-output list of ``value`` (one for all outputs, or a list; a dict
    by output name is matched to the outputs once they are known)."""
    if isinstance(value, dict):
        return ["auto"] * k
    if isinstance(value, (list, tuple)):
        if len(value) != k:
            raise ValueError(
                f"Got {len(value)} losses for a model with {k} outputs; pass one "
                "per output, in the order of model.outputs (or a dict by output name)."
            )
        return list(value)
    return [value] * k


def split_multilabel(encoder, n_outputs):
    """A multilabel encoder of ``n_outputs`` label columns, as one binary
    encoder per output (a model with one output per label)."""
    parts = []
    for _ in range(n_outputs):
        part = ClassifierTargetEncoder(loss=encoder.loss)
        part.kind, part.classes_ = "binary", np.array([0, 1])
        parts.append(part)
    return MultiOutputEncoder(parts, [1] * n_outputs)


def split_regression(encoder, units):
    """A regressor encoder of ``sum(units)`` columns, as one encoder per
    output of ``units`` units."""
    parts, start = [], 0
    for u in units:
        part = RegressorTargetEncoder(scale=encoder.scale)
        part.mean_ = encoder.mean_[start : start + u]
        part.std_ = encoder.std_[start : start + u]
        part.n_outputs_ = u
        part.single_output_ = u == 1
        parts.append(part)
        start += u
    return MultiOutputEncoder(parts, list(units))
