"""Keras layers the sequence networks need and Keras does not provide.

This module imports Keras (and so TensorFlow) when it is imported: only the
sequence builder, :func:`skdeep.load` and unpickling import it, never
``import skdeep``. Both layers are registered as serializable under the
``skdeep`` package, so saved models load with ``safe_mode=True``.
"""

from .._keras import get_keras

keras = get_keras()
ops = keras.ops


@keras.saving.register_keras_serializable(package="skdeep")
class MaskedConv1D(keras.layers.Conv1D):
    """``Conv1D`` that honours a padding mask.

    Padded steps are set to zero before the convolution, so a step next to the
    padding sees exactly what it would see at the end of an unpadded sequence
    (``padding="same"`` pads with zeros too); the mask passes on unchanged.
    Use it with ``padding="same"`` and ``strides=1`` so the output steps line up
    with the mask.
    """

    def call(self, inputs, mask=None):
        if mask is not None:
            keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
            inputs = ops.where(keep, inputs, ops.zeros_like(inputs))
        return super().call(inputs)

    def compute_mask(self, inputs, mask=None):
        return mask


@keras.saving.register_keras_serializable(package="skdeep")
class FirstSteps(keras.layers.Layer):
    """Keep the first ``steps`` steps of a batch of sequences.

    Unlike a fixed ``output_sequence_length`` of ``TextVectorization``, short
    batches stay short: a batch is as long as its longest sequence, at most
    ``steps``.
    """

    def __init__(self, steps, **kwargs):
        super().__init__(**kwargs)
        self.steps = int(steps)

    def call(self, inputs):
        return inputs[:, : self.steps]

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else min(steps, self.steps))

    def get_config(self):
        return {**super().get_config(), "steps": self.steps}


@keras.saving.register_keras_serializable(package="skdeep")
class SequencePooling(keras.layers.Layer):
    """Pool ``(batch, steps, features)`` into ``(batch, features)``, skipping
    masked steps.

    Parameters
    ----------
    mode : {"last", "max", "mean"}
        ``"last"``: the features of the last unmasked step; ``"max"`` and
        ``"mean"``: the maximum and mean over the unmasked steps. A sequence with
        no unmasked step pools to zeros.
    """

    def __init__(self, mode="max", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("last", "max", "mean"):
            raise ValueError(f"mode must be 'last', 'max' or 'mean', got {mode!r}.")
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        x = inputs
        if mask is None:
            if self.mode == "last":
                return x[:, -1, :]
            return ops.max(x, axis=1) if self.mode == "max" else ops.mean(x, axis=1)
        mask = ops.cast(mask, "bool")
        any_step = ops.expand_dims(ops.any(mask, axis=1), -1)
        keep = ops.expand_dims(mask, -1)
        if self.mode == "mean":
            weights = ops.cast(keep, x.dtype)
            total = ops.sum(x * weights, axis=1)
            return total / ops.maximum(ops.sum(weights, axis=1), 1)
        if self.mode == "max":
            # Masked steps take the sequence's minimum: never above its maximum.
            floor = ops.min(x, axis=1, keepdims=True)
            pooled = ops.max(ops.where(keep, x, floor), axis=1)
        else:
            steps = ops.shape(x)[1]
            positions = ops.expand_dims(ops.arange(steps), 0)
            last = ops.max(ops.where(mask, positions, -1), axis=1)
            pick = ops.one_hot(ops.maximum(last, 0), steps, dtype=x.dtype)
            pooled = ops.sum(x * ops.expand_dims(pick, -1), axis=1)
        return ops.where(any_step, pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
