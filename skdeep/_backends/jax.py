"""The JAX backend: a jitted multi-step training loop over Keras's stateless
``train_step``, and a jitted stateless forward.

Keras's JAX trainer is stateless: a step takes the model's variables' values
and gives back new ones. One compiled call here runs up to
``_training.STEPS_PER_CALL`` steps in a ``jax.lax.fori_loop`` (the batches
gathered on the host into one ``(steps, batch, ...)`` array per input), then
writes the new values into the model's variables, as Keras's ``fit`` does at
the end of an epoch. XLA compiles for every distinct shape, so the number of
steps of a call and the rows of a prediction are padded to a power of two
(:func:`~skdeep._backends._common.bucket`); the loop runs only the real steps,
and padded prediction rows are dropped.
"""

import contextlib

import numpy as np

from .. import _compat
from .._batch_weights import batch_sample_weights
from .._keras import get_keras
from ._common import bucket, format_outputs, host_array, input_names, map_arrays

host_preprocessing = True


def to_native(X, dtype):
    """In-memory data as NumPy arrays, floats in ``dtype``: each call's
    batches are gathered on the host, then sent to the device at once."""
    return map_arrays(lambda a: host_array(a, dtype), X)


def float64_available():
    """True only with ``JAX_ENABLE_X64`` (JAX computes in 32 bits by default):
    the ``"auto"`` dtype is then float32."""
    import jax

    return bool(jax.config.read("jax_enable_x64"))


def to_numpy(x):
    """A JAX array or a Keras variable's value as a NumPy array."""
    return np.asarray(getattr(x, "value", x))


def random_scope(rng):
    """Nothing to do: JAX has no global generator; every random op draws from
    a seeded Keras ``SeedGenerator``."""
    return contextlib.nullcontext()


def uses_keras_fit():
    """True when a ``keras.distribution`` is set: Keras's own ``fit`` then
    shards each batch (and the variables) over the distribution's devices."""
    return get_keras().distribution.distribution() is not None


def _gather(X, idx):
    return map_arrays(lambda a: a[idx], X)


class Loop:
    """Runs ``model``'s train or test step over the batches of one call in one
    jitted function (see the module's docstring).

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
        self._fn = None
        self._ready = False

    def _variables(self):
        model = self.model
        groups = [model.trainable_variables, model.non_trainable_variables]
        if self.step == "train":
            groups.append(model.optimizer.variables)
        groups.append(model.metrics_variables)
        return groups

    def _compiled(self):
        if self._fn is None:
            import jax

            # No reference to the model from the compiled closure but through
            # this loop: the network pool counts the model's references to
            # know that no one else holds it (_networks.Network.refs).
            loop = self

            def run(state, X, y, sw, n_steps):
                model = loop.model
                step = model.train_step if loop.step == "train" else model.test_step

                def body(i, state):
                    weights = _at(sw, i)
                    # Layers whose batch statistics weigh rows as the loss
                    # does read the weights while the step is traced.
                    with batch_sample_weights(weights):
                        _, state = step(state, (_at(X, i), _at(y, i), weights))
                    return state

                return jax.lax.fori_loop(0, n_steps, body, state)

            self._fn = jax.jit(run)
        return self._fn

    def _prepare(self, X, y, sw, idx):
        if self._ready:
            return
        model = self.model
        if self.step == "train" and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        # Metrics and loss trackers make their variables on a symbolic batch
        # first, as Keras's fit does: a jitted step cannot create them.
        first = idx[:1]
        _compat.symbolic_build(model, (_gather(X, first), _gather(y, first), sw[first]))
        self._ready = True

    def __call__(self, X, y, sw, idx, batch_size):
        idx = np.asarray(idx)
        if len(idx) == 0:
            return
        self._prepare(X, y, sw, idx)
        fn = self._compiled()
        groups = self._variables()
        state = tuple([v.value for v in group] for group in groups)
        full = len(idx) // batch_size
        plans = []
        if full:
            steps = idx[: full * batch_size].reshape(full, batch_size)
            pad = bucket(full) - full
            if pad:
                steps = np.concatenate([steps, np.repeat(steps[:1], pad, axis=0)])
            plans.append((steps, full))
        if len(idx) > full * batch_size:
            plans.append((idx[full * batch_size :][None], 1))
        for steps, n_steps in plans:
            state = fn(state, _gather(X, steps), _gather(y, steps), sw[steps], n_steps)
        for group, values in zip(groups, state, strict=True):
            for variable, value in zip(group, values, strict=True):
                variable.assign(value)


def _at(X, i):
    return map_arrays(lambda a: a[i], X)


def compiled_forward(model, final_activation=None):
    """The model at inference as one jitted function of its inputs; rows are
    padded to a power of two (so few shapes compile) and dropped after."""
    import jax

    keras = get_keras()
    activation = (
        None if final_activation is None else keras.activations.get(final_activation)
    )
    names = input_names(model)

    def run(trainable, non_trainable, *inputs):
        x = inputs[0] if len(inputs) == 1 else dict(zip(names, inputs, strict=True))
        out, _ = model.stateless_call(trainable, non_trainable, x, training=False)
        return format_outputs(model, out, activation)

    jitted = jax.jit(run)

    def forward(*inputs):
        n = len(inputs[0])
        size = bucket(n)
        if size != n:
            inputs = [
                np.concatenate([x, np.zeros((size - n, *x.shape[1:]), x.dtype)])
                for x in map(np.asarray, inputs)
            ]
        out = jitted(
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            *inputs,
        )
        if isinstance(out, list):
            return [np.asarray(o)[:n] for o in out]
        return np.asarray(out)[:n]

    return forward
