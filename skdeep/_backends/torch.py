"""The PyTorch backend: eager training steps batch after batch, on tensors
that stay on the model's device, and an eager forward without gradients.

Keras's PyTorch trainer runs eagerly unless ``jit_compile`` asks for
``torch.compile``; skdeep's loop skips what ``model.fit`` adds per batch (a
data adapter, callbacks, log conversion). A chain of plain layers with one of
skdeep's losses (every dense estimator's network) trains through
:mod:`skdeep._backends.torch_steps`, without Keras's per-layer machinery;
any other network through Keras's own ``train_step``.
"""

import contextlib
import threading
import warnings

import numpy as np

from .. import _compat
from .._batch_weights import batch_sample_weights
from .._keras import get_keras
from .._training import divergence_error
from . import torch_steps
from ._common import format_outputs, host_array, input_names, map_arrays

host_preprocessing = True
# How PyTorch's binary cross-entropy refuses NaN probabilities.
_PROBABILITY_RANGE = "should be between 0 and 1"


def _device():
    return _compat.torch_device()


def to_native(X, dtype):
    """In-memory data as tensors on the model's device (strings stay NumPy:
    they are vectorised on the host)."""
    import torch

    device = _device()

    def convert(a):
        a = host_array(a, dtype)
        if a.dtype.kind == "O":
            return a
        return torch.as_tensor(a, device=device)

    return map_arrays(convert, X)


def float64_available():
    """Always: PyTorch computes in float64 when asked."""
    return True


def to_numpy(x):
    """A tensor or a Keras variable's value as a NumPy array (``.numpy()``:
    NumPy 2 warns when ``numpy.array`` meets a PyTorch tensor)."""
    x = getattr(x, "value", x)
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


@contextlib.contextmanager
def random_scope(rng):
    """PyTorch's global generator seeded from ``rng`` while training runs,
    then as it was: Keras's PyTorch dropout draws from it for layers made
    without a seed (a user's ``Dropout(0.2)``), where the other backends use
    the layer's seeded ``SeedGenerator``."""
    import torch

    devices = (
        list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    )
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(rng.randint(2**31 - 1)))
        yield


def uses_keras_fit():
    """Never: Keras's PyTorch backend has no distribution of its own."""
    return False


def _gather(X, idx):
    return map_arrays(lambda a: a[idx], X)


class Loop:
    """Runs ``model``'s train or test step over the batches of one call.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    step : {"train", "test"}
        Which of the model's steps to run.
    """

    def __init__(self, model, step):
        self.model = model
        self.step = step
        self._ready = False
        self._steps = None

    def _prepare(self, X, y, sw, idx):
        import torch

        model = self.model
        if self.step == "train" and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        first = idx[:1]
        _compat.symbolic_build(model, (_gather(X, first), _gather(y, first), sw[first]))
        if isinstance(X, torch.Tensor) and X.is_floating_point():
            dtype = get_keras().backend.standardize_dtype(X.dtype)
            self._steps = torch_steps.plan(model, dtype)
        self._ready = True

    def __call__(self, X, y, sw, idx, batch_size):
        import torch

        model = self.model
        idx = torch.as_tensor(np.asarray(idx, dtype=np.int64), device=_device())
        if len(idx) == 0:
            return
        if not self._ready:
            self._prepare(X, y, sw, idx)
        if self._steps is not None:
            self._steps.run(model, self.step, X, y, sw, idx, batch_size)
            return
        if self.step == "train":
            step = model.train_step
        else:

            def step(data):
                with torch.no_grad():
                    return model.test_step(data)

        for start in range(0, len(idx), batch_size):
            b = idx[start : start + batch_size]
            weights = sw[b]
            try:
                with batch_sample_weights(weights):
                    step((_gather(X, b), _gather(y, b), weights))
            except RuntimeError as exc:
                # PyTorch's losses check their input's range where the other
                # backends let NaN through to the loss: the same divergence.
                if _PROBABILITY_RANGE in str(exc):
                    raise divergence_error(float("nan")) from exc
                raise


# The exported forward serves calls of at most this many rows, from the
# tenth call of a forward on: exporting costs about half a second once, and
# saves about a millisecond a call (Keras's per-layer Python), which pays only
# for predictors called again and again on few rows; large batches already
# spend their time in the kernels.
EXPORT_MAX_ROWS = 256
EXPORT_AFTER_CALLS = 10
# Recurrent layers unroll their time loop into an exported graph, which is
# slower than the eager loop; normalisation layers are decomposed there into
# other kernels, whose results differ from the eager ones in the last bit for
# some rows (so a prediction would change once its forward is hot). Both kinds
# stay eager.
_RECURRENT = ("RNN", "GRU", "LSTM", "SimpleRNN", "ConvLSTM", "Bidirectional")


def _exportable(model):
    layers = [model, *_compat.sublayers(model)]
    names = {name for layer in layers for name in _class_names(layer)}
    return not (
        names.intersection(_RECURRENT)
        or any(name.endswith("Normalization") for name in names)
    )


def _class_names(layer):
    return [cls.__name__ for cls in type(layer).__mro__]


class _Exported:
    """The model at inference exported once with ``torch.export`` (a free
    batch axis), run as one graph without Keras's per-layer Python. It reads
    the model's parameters in place (same storage), and is dropped when a
    variable gets new storage. Any failure to export, or an exported result
    that differs from the eager one by a single bit, leaves the forward eager
    for good."""

    def __init__(self, run, exportable):
        # No reference to the model here: the network pool counts the
        # model's references (_networks.Network.refs); calls pass it.
        self.run = run
        self.module = None
        self.failed = not exportable
        self.calls = 0
        # The model's variables when exported (listed once: walking the
        # layers for them on every call costs more than the check) and
        # where their values were stored then.
        self._variables = []
        self._storage = None
        self._lock = threading.Lock()

    def _pointers(self):
        return [v.value.data_ptr() for v in self._variables]

    def get(self, model, inputs):
        """The exported module for ``inputs`` (tensors), or None: eager."""
        if self.failed or len(inputs[0]) > EXPORT_MAX_ROWS:
            return None
        self.calls += 1
        if self.calls < EXPORT_AFTER_CALLS:
            return None
        module = self.module
        if module is not None and self._storage == self._pointers():
            return module
        with self._lock:
            if not self.failed:
                self._export(model, inputs)
            return None if self.failed else self.module

    def _export(self, model, inputs):
        import torch

        run = self.run

        class Forward(torch.nn.Module):
            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, *xs):
                return run(*xs)

        # The call's own rows (at least two: PyTorch specialises a batch axis
        # of size one) serve as the example and as the check.
        if len(inputs[0]) > 1:
            example = tuple(inputs)
        else:
            example = tuple(torch.cat([x, x]) for x in inputs)
        # One spec for the ``*xs`` of ``forward``: a tuple, one per input.
        dims = (tuple({0: torch.export.Dim.AUTO} for _ in inputs),)
        try:
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                module = torch.export.export(
                    Forward(model), example, dynamic_shapes=dims
                ).module()
                same = _identical(module(*example), run(*example))
        except Exception:  # any failure to export: stay eager
            same = False
        if not same:
            self.failed, self.module = True, None
            return
        self.module, self._variables = module, list(model.variables)
        self._storage = self._pointers()


def _identical(a, b):
    # Bit for bit: a prediction must not change once its forward is hot
    # (where PyTorch's exported graph computes an op differently, e.g. a
    # decomposed normalisation, the forward stays eager).
    import torch

    a = a if isinstance(a, (list, tuple)) else [a]
    b = b if isinstance(b, (list, tuple)) else [b]
    return len(a) == len(b) and all(
        torch.equal(x, y) for x, y in zip(a, b, strict=True)
    )


def compiled_forward(model, final_activation=None):
    """The model at inference without gradients: eager, or, for a predictor
    called again and again on few rows, exported (:class:`_Exported`)."""
    import torch

    keras = get_keras()
    activation = (
        None if final_activation is None else keras.activations.get(final_activation)
    )
    names = input_names(model)
    device = _device()

    def run(*inputs):
        x = inputs[0] if len(inputs) == 1 else dict(zip(names, inputs, strict=True))
        return format_outputs(model, model(x, training=False), activation)

    exported = _Exported(run, _exportable(model))

    def to_numpy(t):
        return t.detach().cpu().numpy()

    def forward(*inputs):
        inputs = [torch.as_tensor(np.asarray(x), device=device) for x in inputs]
        module = exported.get(model, inputs)
        with torch.no_grad():
            out = run(*inputs) if module is None else module(*inputs)
        if isinstance(out, (list, tuple)):
            return [to_numpy(o) for o in out]
        return to_numpy(out)

    return forward
