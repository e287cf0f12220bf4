"""The TensorFlow backend: data as tensors, loops and forwards as
``tf.function``s traced once with a free batch axis."""

import contextlib
import functools

import numpy as np

from .._batch_weights import batch_sample_weights
from .._keras import QuietCall, get_keras, get_tf
from .._rows import is_dict
from ._common import format_outputs, input_names

host_preprocessing = False


def to_native(X, dtype):
    """Convert an in-memory array (or a list/dict of them) to tensors, once."""
    tf = get_tf()
    if is_dict(X):
        return {k: to_native(v, dtype) for k, v in X.items()}
    if isinstance(X, (list, tuple)):
        return [to_native(v, dtype) for v in X]
    X = np.asarray(X)
    if X.dtype.kind == "O":
        # Python strings go straight in: astype(str) would pad every text to
        # the longest one.
        return tf.constant(X)
    if X.dtype.kind in "US":
        return tf.constant(X.astype(str))
    if X.dtype.kind in "iub":
        return tf.convert_to_tensor(X)
    return tf.convert_to_tensor(X, dtype=dtype)


def float64_available():
    """Always: TensorFlow computes in float64 when asked."""
    return True


def to_numpy(x):
    """A tensor or a Keras variable's value as a NumPy array (``.numpy()``:
    under a ``tf.distribute`` strategy a variable's value is a distributed
    value that ``numpy.asarray`` refuses)."""
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


def random_scope(rng):
    """Nothing to do: every random op of a skdeep network draws from a seeded
    Keras ``SeedGenerator``."""
    return contextlib.nullcontext()


def uses_keras_fit():
    """True inside a ``tf.distribute`` strategy's scope."""
    return get_tf().distribute.has_strategy()


class Loop:
    """Runs ``model``'s train or test step over the batches of one call, in one
    ``tf.function``.

    The function is traced once, at the first call, with the batch axis of every
    input and the batch size left free, so calls of any size (the last, shorter
    chunk of an epoch, another data set in a warm start, another batch size)
    reuse the same graph.

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
        # One traced function per kind of input (feature shape and dtypes): a
        # network reused across fits may see int32 targets after int64 ones.
        self.fns = {}

    def _run(self, X, y, sw, idx, batch_size):
        tf = get_tf()
        step = self.model.train_step if self.step == "train" else self.model.test_step

        def gather(t, b):
            return tf.nest.map_structure(lambda v: tf.gather(v, b), t)

        n = tf.shape(idx)[0]
        for i in tf.range((n + batch_size - 1) // batch_size):
            b = idx[i * batch_size : (i + 1) * batch_size]
            weights = gather(sw, b)
            # Layers whose batch statistics weigh rows as the loss does read
            # the weights while the step is traced (_batch_weights.py).
            with batch_sample_weights(weights):
                step((gather(X, b), gather(y, b), weights))
        return n

    def __call__(self, X, y, sw, idx, batch_size):
        tf = get_tf()
        idx = tf.convert_to_tensor(np.asarray(idx, dtype=np.int64))
        args = (X, y, sw, idx)
        key = tuple((tuple(t.shape[1:]), t.dtype) for t in tf.nest.flatten(args))
        fn = self.fns.get(key)
        if fn is None:
            if self.step == "train":
                # Variables created inside a first trace make TensorFlow trace
                # twice; create the optimizer's slots now.
                optimizer = self.model.optimizer
                if optimizer is not None and not optimizer.built:
                    optimizer.build(self.model.trainable_variables)

            def free_batch(t):
                return tf.TensorSpec((None, *t.shape[1:]), t.dtype)

            specs = (
                *tf.nest.map_structure(free_batch, args),
                tf.TensorSpec((), tf.int32),
            )
            # A partial, so that TensorFlow's retracing warning counts each
            # loop on its own rather than all fits together (see _predict).
            fn = tf.function(functools.partial(self._run), input_signature=specs)
            fn = self.fns[key] = QuietCall(fn)
        return fn(X, y, sw, idx, tf.constant(batch_size, tf.int32))


def compiled_forward(model, final_activation=None):
    """Return a ``tf.function`` computing ``model`` at inference, traced once."""
    keras = get_keras()
    tf = get_tf()
    activation = (
        None if final_activation is None else keras.activations.get(final_activation)
    )
    specs = [
        tf.TensorSpec(shape=(None, *t.shape[1:]), dtype=t.dtype) for t in model.inputs
    ]
    names = input_names(model)

    def forward(*inputs):
        if len(inputs) == 1:
            out = model(inputs[0], training=False)
        else:
            # By name: a model built on a dict of inputs takes only a dict.
            out = model(dict(zip(names, inputs, strict=True)), training=False)
        return format_outputs(model, out, activation)

    # TensorFlow counts traces per code object and warns of "retracing" once
    # five functions sharing one have traced (every fitted model's forward
    # does, in a grid search); a partial has no code object, so each model's
    # function is counted on its own.
    return QuietCall(tf.function(functools.partial(forward), input_signature=specs))
