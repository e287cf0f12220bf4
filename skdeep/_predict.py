"""Fast prediction for a fitted model.

``keras.Model.predict`` builds a data pipeline per call and costs tens of
milliseconds for one row on TensorFlow (46 ms on the benchmark page). A fitted
estimator instead keeps one compiled function of the backend
(:mod:`skdeep._backends`), compiled once and never retraced.
For small batches through a plain dense stack we go further and run the forward
pass in NumPy on the fitted weights (a ``tf.function`` call alone costs about
0.4 ms); that path is checked against Keras for every layer and activation it
supports, and anything else falls back to the compiled function.
"""

import functools
import threading

import numpy as np
from scipy.special import erf, expit, softmax

from . import _backends, _compat, _rows
from ._backends._common import input_names
from ._keras import check_not_forked

# Rows up to which the NumPy path is used; above it the backend's threaded kernels
# (or a GPU) win.
NUMPY_MAX_ROWS = 256
# Rows per compiled call for large inputs, to bound memory for big networks.
PREDICT_CHUNK = 8192


def _softplus(x):
    return np.logaddexp(0, x)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946

ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": expit,
    "tanh": np.tanh,
    "softmax": lambda x: softmax(x, axis=-1),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: (
        _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))
    ),
    "gelu": lambda x: 0.5 * x * (1.0 + erf(x / np.sqrt(2.0).astype(x.dtype))),
    "softplus": _softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "swish": lambda x: x * expit(x),
    "silu": lambda x: x * expit(x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0, 1),
    "mish": lambda x: x * np.tanh(_softplus(x)),
}

_IDENTITY_AT_INFERENCE = (
    "Dropout",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "InputLayer",
)


def _activation_name(fn):
    name = getattr(fn, "__name__", None)
    return name if name in ACTIVATIONS else None


def _linear_layers(model):
    """The layers of ``model`` if they form one chain from input to output.

    The chain is walked back from the output through the model's own graph
    nodes: a layer may have other nodes too (a loaded or unpickled
    ``Sequential`` calls its layers more than once while rebuilding).
    """
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return None
    chain = []
    tensor = model.outputs[0]
    while tensor is not model.inputs[0]:
        found = _compat.producing_layer(tensor)
        if found is None:
            return None
        layer, node_index = found
        inputs = _compat.node_inputs(layer, node_index)
        if len(inputs) != 1:
            return None
        chain.append(layer)
        tensor = inputs[0]
    return chain[::-1]


def numpy_forward(model, final_activation=None):
    """Return a NumPy function computing ``model`` at inference, or None.

    Supported: ``Dense`` with the activations in :data:`ACTIVATIONS`,
    ``Activation``, ``BatchNormalization`` on the last axis, ``Flatten`` and the
    layers that are the identity at inference (dropout and noise), chained one
    after another. Any other model gives None.
    """
    layers = _linear_layers(model)
    if layers is None:
        return None
    to_numpy = _backends.current().to_numpy
    ops = []
    for layer in layers:
        kind = type(layer).__name__
        if kind in _IDENTITY_AT_INFERENCE:
            continue
        if kind == "Dense":
            act = _activation_name(layer.activation)
            if act is None:
                return None
            weights = [to_numpy(w) for w in layer.weights]
            kernel = weights[0]
            bias = weights[1] if layer.use_bias else None
            ops.append(("dense", kernel, bias, ACTIVATIONS[act]))
        elif kind == "Activation":
            act = _activation_name(layer.activation)
            if act is None:
                return None
            ops.append(("act", ACTIVATIONS[act]))
        elif kind == "BatchNormalization":
            if layer.axis not in (-1, len(layer.input.shape) - 1):
                return None
            gamma = to_numpy(layer.gamma) if layer.scale else 1.0
            beta = to_numpy(layer.beta) if layer.center else 0.0
            mean = to_numpy(layer.moving_mean)
            var = to_numpy(layer.moving_variance)
            # Same arithmetic as Keras: (x - mean) * (gamma / sqrt(var + eps)) + beta
            inv = gamma / np.sqrt(var + np.asarray(layer.epsilon, var.dtype))
            ops.append(("bn", mean, inv, beta))
        elif kind == "Flatten":
            ops.append(("flatten",))
        else:
            return None
    if final_activation is not None:
        ops.append(("act", ACTIVATIONS[final_activation]))
    dtype = np.dtype(model.inputs[0].dtype)

    def forward(X):
        x = np.asarray(X, dtype=dtype)
        for op in ops:
            if op[0] == "dense":
                x = x @ op[1]
                if op[2] is not None:
                    x = x + op[2]
                x = op[3](x)
            elif op[0] == "act":
                x = op[1](x)
            elif op[0] == "bn":
                x = (x - op[1]) * op[2] + op[3]
            else:
                x = x.reshape(len(x), -1)
        return x

    return forward


def compiled_forward(model, final_activation=None):
    """The model at inference as the backend's compiled function, made once
    (:mod:`skdeep._backends`)."""
    _compat.keep_float64(model)
    return _backends.current().compiled_forward(model, final_activation)


def as_input_list(model, X):
    """Several-input ``X`` (a dict by input name, or a list in the order of
    ``model.inputs``) as a list in that order, float inputs in their dtypes."""
    if _rows.is_dict(X):
        X = [X[name] for name in input_names(model)]
    out = []
    for x, t in zip(X, model.inputs, strict=True):
        dtype = str(t.dtype)
        x = np.asarray(x)
        out.append(x.astype(dtype, copy=False) if dtype.startswith("float") else x)
    return out


class Predictor:
    """Inference for one fitted model: NumPy for small batches, else compiled.

    Parameters
    ----------
    model : keras.Model
        The fitted model; its weights must not change afterwards.
    final_activation : str or None
        Applied to the model's output (e.g. "softmax" on logits).
    numpy_max_rows : int
        Largest batch for the NumPy path.
    forward : callable or None
        Returns the compiled function (e.g. one cached across fits, see
        ``_networks.Network.forward``); None: :func:`compiled_forward`.
    """

    def __init__(
        self,
        model,
        final_activation=None,
        numpy_max_rows=NUMPY_MAX_ROWS,
        forward=None,
    ):
        self.model = model
        self.final_activation = final_activation
        self.numpy_max_rows = numpy_max_rows
        self._numpy = numpy_forward(model, final_activation)
        self._forward = forward or functools.partial(
            compiled_forward, model, final_activation
        )
        self._compiled = None
        self._lock = threading.Lock()

    def _compiled_fn(self):
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = self._forward()
        return self._compiled

    def __call__(self, X):
        """The model's output for ``X``: an array, or a list of arrays (one
        per output) for a model with several outputs. ``X`` is one array, or
        for several inputs a dict by input name or a list."""
        if len(self.model.inputs) > 1 or _rows.is_structured(X):
            X = as_input_list(self.model, X if _rows.is_structured(X) else [X])
            n = _rows.n_rows(X)
        else:
            dtype = self.model.inputs[0].dtype
            # Only float inputs are cast; string and integer inputs go as they are.
            if str(dtype).startswith("float"):
                X = np.asarray(X, dtype=dtype)
            n = len(X)
        if self._numpy is not None and n <= self.numpy_max_rows:
            return self._numpy(X)
        check_not_forked()
        fn = self._compiled_fn()

        def run(chunk):
            out = fn(*chunk) if isinstance(chunk, list) else fn(chunk)
            if isinstance(out, (list, tuple)):
                return [np.asarray(o) for o in out]
            return np.asarray(out)

        if n == 0:
            return run(X)
        return _rows.concat([run(c) for c in _rows.chunks(X, PREDICT_CHUNK)])
