"""Parameter constraints and input checks.

Every estimator declares ``_parameter_constraints``, a mapping from parameter
name to a list of constraints (any one satisfied is enough), built from the small
classes below. :meth:`BaseKerasEstimator.fit` checks them first, so a value set
through ``set_params`` in a grid search gets the same checks as one given to
``__init__``. We keep our own checker rather than scikit-learn's private one so
that a new scikit-learn cannot break it.
"""

import math
from numbers import Integral, Real

import numpy as np

from .exceptions import InvalidParameterError

ACTIVATIONS = (
    "relu",
    "tanh",
    "sigmoid",
    "leaky_relu",
    "elu",
    "gelu",
    "selu",
    "linear",
    "softplus",
    "softsign",
    "swish",
    "silu",
    "relu6",
    "hard_sigmoid",
    "mish",
)

OPTIMIZERS = (
    "adam",
    "adamw",
    "sgd",
    "rmsprop",
    "adagrad",
    "adadelta",
    "adamax",
    "nadam",
    "ftrl",
    "lion",
)

KERNEL_INITIALIZERS = (
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "truncated_normal",
)


class Interval:
    """A real or integer number between two bounds."""

    def __init__(self, kind, low, high, closed="both"):
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def is_satisfied_by(self, value):
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if self.kind is Real and not math.isfinite(value):
            return False
        lo_ok = self.low is None or (
            value >= self.low if self.closed in ("left", "both") else value > self.low
        )
        hi_ok = self.high is None or (
            value <= self.high
            if self.closed in ("right", "both")
            else value < self.high
        )
        return lo_ok and hi_ok

    def __str__(self):
        name = "an int" if self.kind is Integral else "a float"
        left = "[" if self.closed in ("left", "both") else "("
        right = "]" if self.closed in ("right", "both") else ")"
        low = "-inf" if self.low is None else self.low
        high = "inf" if self.high is None else self.high
        return f"{name} in the range {left}{low}, {high}{right}"


class OneOf:
    """One of a fixed set of values (usually strings)."""

    def __init__(self, *values):
        self.values = values

    def is_satisfied_by(self, value):
        return any(
            (value == v and type(value) is type(v))
            or (isinstance(v, int) and isinstance(value, Integral) and value == v)
            for v in self.values
        )

    def __str__(self):
        return "one of " + ", ".join(repr(v) for v in self.values)


class InstanceOf:
    """An instance of one of the given types."""

    def __init__(self, *types, label=None):
        self.types, self.label = types, label

    def is_satisfied_by(self, value):
        return isinstance(value, self.types)

    def __str__(self):
        return self.label or "an instance of " + " or ".join(
            t.__name__ for t in self.types
        )


class HasMethods:
    """An object with all the given methods (duck typing)."""

    def __init__(self, *methods, label=None):
        self.methods, self.label = methods, label

    def is_satisfied_by(self, value):
        return not isinstance(value, type) and all(
            callable(getattr(value, m, None)) for m in self.methods
        )

    def __str__(self):
        return self.label or "an object with methods " + ", ".join(self.methods)


class Satisfies:
    """A value for which ``predicate`` is true; ``label`` says what it must be."""

    def __init__(self, predicate, label):
        self.predicate, self.label = predicate, label

    def is_satisfied_by(self, value):
        try:
            return bool(self.predicate(value))
        except Exception:
            return False

    def __str__(self):
        return self.label


NONE = OneOf(None)
BOOLEAN = InstanceOf(bool, np.bool_, label="a bool")
CALLABLE = Satisfies(callable, "a callable")
A_CLASS = InstanceOf(type, label="a class")
RANDOM_STATE = Satisfies(
    lambda v: (
        v is None
        or (isinstance(v, Integral) and not isinstance(v, bool) and 0 <= v < 2**32)
        or isinstance(v, np.random.RandomState)
    ),
    "None, an int in [0, 2**32) or a numpy RandomState",
)


def _positive_ints(value, allow_empty=True):
    return (
        isinstance(value, (tuple, list))
        and (allow_empty or len(value) > 0)
        and all(
            isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in value
        )
    )


INT_SEQUENCE = Satisfies(_positive_ints, "a tuple or list of positive ints")
NONEMPTY_INT_SEQUENCE = Satisfies(
    lambda v: _positive_ints(v, allow_empty=False),
    "a non-empty tuple or list of positive ints",
)
POSITIVE_INT = Interval(Integral, 1, None, closed="left")
NON_NEGATIVE = Interval(Real, 0, None, closed="left")
FRACTION = Interval(Real, 0, 1, closed="left")


def validate_params(params, constraints, owner):
    """Check each parameter against its constraints.

    Parameters
    ----------
    params : dict
        Parameter values, as from ``get_params(deep=False)``.
    constraints : dict
        Parameter name to a list of constraints; one satisfied is enough.
    owner : str
        The estimator's class name, for the message.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, what it accepts, and the value it got.
    """
    for name, allowed in constraints.items():
        if name not in params:
            continue
        value = params[name]
        if any(c.is_satisfied_by(value) for c in allowed):
            continue
        options = [str(c) for c in allowed]
        text = (
            options[0]
            if len(options) == 1
            else (", ".join(options[:-1]) + " or " + options[-1])
        )
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be {text}. Got {value!r} instead."
        )


# Shared by every estimator: the training parameters of SPEC section 2.
TRAINING_CONSTRAINTS = {
    "optimizer": [
        OneOf(*OPTIMIZERS),
        A_CLASS,
        HasMethods("apply_gradients", label="a keras.optimizers.Optimizer instance"),
    ],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "loss": [
        OneOf("auto"),
        InstanceOf(str, label="a Keras loss name"),
        CALLABLE,
    ],
    "metrics": [NONE, InstanceOf(list, tuple, label="a list of Keras metrics")],
    "epochs": [POSITIVE_INT],
    "batch_size": [OneOf("auto"), POSITIVE_INT],
    "early_stopping": [BOOLEAN],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "patience": [POSITIVE_INT],
    "min_delta": [NON_NEGATIVE],
    "callbacks": [NONE, InstanceOf(list, tuple, label="a list of Keras callbacks")],
    "random_state": [RANDOM_STATE],
    "verbose": [OneOf(0, 1, 2)],
    "warm_start": [BOOLEAN],
    "dtype": [OneOf("auto", "float32", "float64")],
}

# Layers shared by the ready-made architectures.
LAYER_CONSTRAINTS = {
    "activation": [OneOf(*ACTIVATIONS)],
    "dropout": [FRACTION],
    "batch_normalization": [BOOLEAN],
    "l1": [NON_NEGATIVE],
    "l2": [NON_NEGATIVE],
    "kernel_initializer": [OneOf(*KERNEL_INITIALIZERS)],
}

DENSE_CONSTRAINTS = {
    "hidden_layer_sizes": [INT_SEQUENCE],
    **LAYER_CONSTRAINTS,
    "l2": [OneOf("auto"), NON_NEGATIVE],
}

# The bring-your-own-model estimators (skdeep/wrappers.py).
WRAPPER_CONSTRAINTS = {
    "model": [
        Satisfies(
            callable,
            "a builder function, a skdeep.ModelBuilder or a keras.Model (the "
            "network to train)",
        )
    ],
    "input_columns": [
        NONE,
        InstanceOf(dict, label="a dict of model input name to columns"),
    ],
    # A model with several outputs takes Keras's per-output forms.
    "loss": [
        *TRAINING_CONSTRAINTS["loss"],
        InstanceOf(list, tuple, dict, label="one loss per output (a list or dict)"),
    ],
    "metrics": [
        *TRAINING_CONSTRAINTS["metrics"],
        InstanceOf(dict, label="a dict of metrics by output name"),
    ],
}


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def is_plain_float_rows(X, shape):
    """True if ``X`` is already what input validation makes of it: a NumPy
    float array of at least one row of ``shape``, with finite values.
    Validation of such input changes nothing; skipping it saves about 0.1 ms
    of scikit-learn's checks (most of a one-row prediction). Anything else (a
    list, a data frame, NaN, another shape or dtype) must be validated."""
    return (
        shape is not None
        and type(X) is np.ndarray
        and X.dtype in _FLOATS
        and X.shape[1:] == shape
        and len(X) > 0
        and math.isfinite(X.sum())
    )


def check_finite_target(y):
    """Raise ValueError if a numeric target has NaN or infinity."""
    y = np.asarray(y)
    if y.dtype.kind in "fc" and not np.isfinite(y).all():
        raise ValueError(
            "Input y contains NaN or infinity; remove or impute those rows before fit."
        )


def check_sample_weight(sample_weight, X):
    """Validate ``sample_weight`` for ``X``: finite, non-negative, one per row.

    Returns float64 weights (ones if None), never the caller's array.
    """
    from ._compat import sklearn_check_sample_weight
    from ._rows import is_dict, n_samples

    n = n_samples(X)
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n, float(sample_weight))
    if sample_weight is not None:
        sw = np.asarray(sample_weight)
        sample_weight = sw
        if sw.ndim != 1 or sw.shape[0] != n:
            raise ValueError(
                f"sample_weight.shape == {sw.shape}, expected ({n},): one weight "
                "per row of X."
            )
    if is_dict(X):  # several inputs: only the number of rows matters
        X = np.empty((n, 0))
    sw = sklearn_check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True, copy=True
    )
    if not np.isfinite(sw).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    return sw


def _positive_int_or_pair(value):
    if isinstance(value, Integral) and not isinstance(value, bool):
        return value > 0
    return (
        isinstance(value, (tuple, list)) and len(value) == 2 and _positive_ints(value)
    )


INT_OR_PAIR = Satisfies(_positive_int_or_pair, "a positive int or a pair of them")
IMAGE_SHAPE = Satisfies(
    lambda v: isinstance(v, (tuple, list)) and len(v) in (2, 3) and _positive_ints(v),
    "None or a tuple of positive ints (height, width) or (height, width, channels)",
)
IMAGE_SIZE = Satisfies(
    lambda v: isinstance(v, (tuple, list)) and len(v) == 2 and _positive_ints(v),
    "None or a pair of positive ints (height, width)",
)
INT_INDEX = Interval(Integral, None, None)

CNN_CONSTRAINTS = {
    "filters": [INT_SEQUENCE],
    "kernel_size": [INT_OR_PAIR],
    "strides": [INT_OR_PAIR],
    "padding": [OneOf("same", "valid")],
    "pooling": [OneOf("max", "average", None)],
    "pool_size": [INT_OR_PAIR],
    "global_pooling": [OneOf("auto", "average", "max", None)],
    "dense_layer_sizes": [INT_SEQUENCE],
    **LAYER_CONSTRAINTS,
    "dropout": [OneOf("auto"), FRACTION],
    "random_flip": [OneOf(None, "horizontal", "vertical", "horizontal_and_vertical")],
    "random_rotation": [Interval(Real, 0, 1, closed="both")],
    "random_zoom": [Interval(Real, 0, 1, closed="left")],
    "random_translation": [OneOf("auto"), Interval(Real, 0, 1, closed="left")],
    "resize": [OneOf("auto"), NONE, IMAGE_SIZE],
    "image_shape": [NONE, IMAGE_SHAPE],
    "base_model": [NONE, CALLABLE],
    "fine_tune_from": [NONE, InstanceOf(str, label="a layer name"), INT_INDEX],
    "epochs": [OneOf("auto"), POSITIVE_INT],
}


def _sequence_shape(value):
    return _positive_ints(value, allow_empty=False) and len(value) == 2


# SequenceClassifier (skdeep/sequence.py).
SEQUENCE_CONSTRAINTS = {
    "cell": [OneOf("auto", "bag", "fcn", "conv1d", "lstm", "gru", "simple")],
    "units": [OneOf("auto"), NONEMPTY_INT_SEQUENCE],
    "bidirectional": [BOOLEAN],
    "pooling": [OneOf("max", "mean", "last")],
    "dropout": [OneOf("auto"), FRACTION],
    "recurrent_dropout": [FRACTION],
    "embedding_dim": [POSITIVE_INT],
    "max_tokens": [NONE, Interval(Integral, 3, None, closed="left")],
    "maxlen": [NONE, POSITIVE_INT],
    "ngrams": [POSITIVE_INT],
    "kernel_size": [OneOf("auto"), POSITIVE_INT],
    "layer_normalization": [BOOLEAN],
    "standardize": [BOOLEAN],
    "epochs": [OneOf("auto"), POSITIVE_INT],
    "patience": [OneOf("auto"), POSITIVE_INT],
    "activation": LAYER_CONSTRAINTS["activation"],
    "dense_layer_sizes": [INT_SEQUENCE],
    "input_kind": [OneOf("auto", "text", "tokens", "series")],
    "early_stopping": [BOOLEAN, OneOf("auto")],
    "sequence_shape": [
        NONE,
        Satisfies(_sequence_shape, "a (steps, channels) tuple of two positive ints"),
    ],
}
