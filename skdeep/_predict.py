"""Fast prediction for a fitted model.

``keras.Model.predict`` builds a data pipeline per call and costs tens of
milliseconds for one row on TensorFlow (46 ms on the benchmark page). A fitted
estimator instead keeps one compiled function of the backend
(:mod:`skdeep._backends`), compiled once and never retraced.
For small batches through a chain of the layers :mod:`skdeep._numpy_layers`
computes (dense, convolution, pooling, normalisation) we go further and run the
forward pass in NumPy on the fitted weights (a ``tf.function`` call alone costs
about 0.4 ms); that path is checked against Keras for every layer and
activation it supports, and anything else falls back to the compiled function.
"""

import functools
import threading

import numpy as np

from . import _backends, _compat, _rows
from ._backends._common import input_names
from ._keras import check_not_forked
from ._numpy_layers import ACTIVATIONS, Op, chain_ops
from ._validation import is_plain_float_rows

# Rows up to which the NumPy path is used; above it the backend's threaded kernels
# (or a GPU) win.
NUMPY_MAX_ROWS = 256
# Multiply-adds a NumPy batch may cost: about 0.3 ms of NumPy's matrix
# products on one CPU core, where the compiled function's call and transfer
# cost (0.3 to 1 ms) is no longer the larger part. Convolutional networks
# then take this path for one or a few rows, dense ones for up to 256.
NUMPY_MAX_MACS = 10_000_000
# Rows per compiled call for large inputs, to bound memory for big networks.
PREDICT_CHUNK = 8192


def linear_layers(model):
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

    Supported: one chain of the layers :func:`skdeep._numpy_layers.chain_ops`
    computes (dense, convolution, pooling and normalisation layers, the
    activations in :data:`ACTIVATIONS`, the layers that are the identity at
    inference). Any other model gives None. The function's ``max_rows`` is
    the largest batch it serves (:func:`numpy_max_rows`).
    """
    layers = linear_layers(model)
    if layers is None:
        return None
    ops = chain_ops(layers, _backends.current().to_numpy)
    if ops is None:
        return None
    if final_activation is not None:
        ops.append(Op(ACTIVATIONS[final_activation]))
    dtype = str(model.inputs[0].dtype)
    # Float inputs in the network's dtype; text goes as it is.
    dtype = np.dtype(dtype) if dtype.startswith("float") else None
    steps = [op.fn for op in ops]

    def forward(X):
        x = X if dtype is None else np.asarray(X, dtype=dtype)
        for step in steps:
            x = step(x)
        return x

    forward.max_rows = numpy_max_rows(sum(op.macs for op in ops))
    return forward


def numpy_max_rows(macs_per_row):
    """The largest batch the NumPy path serves for a network costing
    ``macs_per_row`` multiply-adds a row: :data:`NUMPY_MAX_ROWS`, fewer where
    the batch would cost more than :data:`NUMPY_MAX_MACS` (above it the
    backend's compiled kernels win), and always one row."""
    if macs_per_row <= 0:
        return NUMPY_MAX_ROWS
    return int(np.clip(NUMPY_MAX_MACS // macs_per_row, 1, NUMPY_MAX_ROWS))


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


def _plain_sample_shape(model):
    """The shape of one sample of ``model``'s input if it has one float
    input of fixed shape, else None."""
    inputs = getattr(model, "inputs", None)
    if not inputs or len(inputs) != 1:
        return None
    shape = tuple(inputs[0].shape[1:])
    if not str(inputs[0].dtype).startswith("float") or None in shape:
        return None
    return shape


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
        self._plain_shape = _plain_sample_shape(model)
        self._forward = forward or functools.partial(
            compiled_forward, model, final_activation
        )
        self._compiled = None
        self._lock = threading.Lock()

    def takes_as_is(self, X):
        """True if ``X`` needs no validation before this model
        (:func:`skdeep._validation.is_plain_float_rows` of its one float
        input's sample shape)."""
        return is_plain_float_rows(X, self._plain_shape)

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
        numpy = self._numpy
        if numpy is not None and n <= min(self.numpy_max_rows, numpy.max_rows):
            return numpy(X)
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
