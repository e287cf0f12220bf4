"""What differs between Keras's backends, behind one small interface.

Keras 3 runs on TensorFlow, JAX and PyTorch, chosen the Keras way
(``KERAS_BACKEND`` or ``~/.keras/keras.json``). Everything in skdeep is written
against Keras, except the few things that must touch the backend to be fast;
each backend module gives exactly these:

``to_native(X, dtype)``
    In-memory training data (an array, or a list/dict of them) in the form the
    backend's training loop takes it: TensorFlow tensors, PyTorch tensors on
    the model's device, or NumPy arrays (JAX, whose loop gathers each call's
    batches on the host).
``Loop(model, step)``
    Runs a compiled model's ``"train"`` or ``"test"`` step over the batches of
    one call: ``loop(X, y, sample_weight, idx, batch_size)`` with ``X``, ``y``
    and ``sample_weight`` from ``to_native`` and ``idx`` the NumPy row indices
    of the call, ``batch_size`` rows per step. After a call the model's
    variables (weights, optimizer, metrics) hold the new state, so callbacks
    and ``model.get_metrics_result()`` see it, as after Keras's ``fit``.
``compiled_forward(model, final_activation)``
    The model at inference as one compiled function of its inputs (NumPy in,
    something ``numpy.asarray`` takes out), compiled once per model.
``uses_keras_fit()``
    True when a distribution is in scope that only Keras's own ``fit`` spreads
    over devices (a ``tf.distribute`` strategy, a ``keras.distribution``).
``random_scope(rng)``
    A context for training: on PyTorch, its global generator seeded from the
    estimator's generator (and restored after), as Keras's PyTorch dropout
    draws from it for layers made without a seed.
``to_numpy(x)``
    A tensor or a Keras variable's value as a NumPy array.
``float64_available()``
    False on JAX unless ``JAX_ENABLE_X64`` is set; the ``"auto"`` dtype is then
    float32.
``host_preprocessing``
    True if string inputs cannot enter the compiled network (JAX, PyTorch):
    text models then vectorise on the host before it (``_networks``).

:func:`current` returns the module of the backend Keras runs on; :func:`copies`
snapshots variables through its ``to_numpy``.
"""

import importlib

import numpy as np

from .._keras import get_keras

_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def name():
    """The backend Keras runs on: ``"tensorflow"``, ``"jax"`` or ``"torch"``."""
    return get_keras().config.backend()


def current():
    """The module (of this package) for the backend Keras runs on."""
    return importlib.import_module(f"{__name__}.{_MODULES[name()]}")


def copies(variables):
    """Copies of ``variables``' values as NumPy arrays, which the variables'
    later updates leave alone (PyTorch's ``.numpy()`` shares storage)."""
    to_numpy = current().to_numpy
    return [np.array(to_numpy(v)) for v in variables]
