"""The PyTorch backend: Keras's eager ``train_step`` batch after batch, on
tensors that stay on the model's device, and an eager forward without
gradients.

Keras's PyTorch trainer runs eagerly unless ``jit_compile`` asks for
``torch.compile``; skdeep's loop skips what ``model.fit`` adds per batch (a
data adapter, callbacks, log conversion), which is most of its cost on small
networks.
"""

import contextlib

import numpy as np

from .. import _compat
from .._batch_weights import batch_sample_weights
from .._keras import get_keras
from .._training import divergence_error
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

    def __call__(self, X, y, sw, idx, batch_size):
        import torch

        model = self.model
        idx = torch.as_tensor(np.asarray(idx, dtype=np.int64), device=_device())
        if len(idx) == 0:
            return
        if not self._ready:
            if self.step == "train" and not model.optimizer.built:
                model.optimizer.build(model.trainable_variables)
            first = idx[:1]
            _compat.symbolic_build(
                model, (_gather(X, first), _gather(y, first), sw[first])
            )
            self._ready = True
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


def compiled_forward(model, final_activation=None):
    """The model at inference, eager and without gradients (a ``torch.compile``
    costs more than it saves for the batches a predictor sees)."""
    import torch

    keras = get_keras()
    activation = (
        None if final_activation is None else keras.activations.get(final_activation)
    )
    names = input_names(model)
    device = _device()

    def to_numpy(t):
        return t.detach().cpu().numpy()

    def forward(*inputs):
        inputs = [torch.as_tensor(np.asarray(x), device=device) for x in inputs]
        with torch.no_grad():
            x = inputs[0] if len(inputs) == 1 else dict(zip(names, inputs, strict=True))
            out = format_outputs(model, model(x, training=False), activation)
        if isinstance(out, list):
            return [to_numpy(o) for o in out]
        return to_numpy(out)

    return forward
