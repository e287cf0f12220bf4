"""Keras layers the sequence networks need and Keras does not provide.

This module imports Keras (and so TensorFlow) when it is imported: only the
sequence builder, :func:`skdeep.load` and unpickling import it, never
``import skdeep``. Both layers are registered as serializable under the
``skdeep`` package, so saved models load with ``safe_mode=True``.
"""

from .. import _batch_weights
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


@keras.saving.register_keras_serializable(package="skdeep")
class SeriesStandardization(keras.layers.Layer):
    """Standardise each series on its own: per sample and channel, subtract
    the mean over the steps and divide by the standard deviation (1 where it
    is 0), as the time-series classification literature prepares its data
    (Fawaz et al. 2019). A series' offset and scale then never decide its
    class, only its shape does."""

    def call(self, inputs):
        mean = ops.mean(inputs, axis=1, keepdims=True)
        std = ops.std(inputs, axis=1, keepdims=True)
        std = ops.where(std > 0, std, ops.ones_like(std))
        return (inputs - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="skdeep")
class WeightedBatchNormalization(keras.layers.BatchNormalization):
    """``BatchNormalization`` whose training statistics weigh each sample by
    its sample weight, so that a weight of 2 counts a row exactly twice there
    too, as it does in the loss (see ``skdeep/_batch_weights.py``). Without
    weights in scope (prediction, or training outside skdeep's loop) it is
    plain batch normalisation.

    Keras computes the batch statistics in ``BatchNormalization._moments``;
    ``tests/test_sequence_auto.py`` fails if a Keras release stops calling it.
    """

    def _moments(self, inputs, mask):
        weights = _batch_weights.current()
        if weights is None or mask is not None:
            return super()._moments(inputs, mask)
        axes = self._reduction_axes
        shape = (-1,) + (1,) * (len(inputs.shape) - 1)
        w = ops.cast(ops.reshape(weights, shape), inputs.dtype)
        w = w * ops.ones_like(inputs)
        total = ops.maximum(ops.sum(w, axis=axes, keepdims=True), 1e-12)
        mean = ops.sum(w * inputs, axis=axes, keepdims=True) / total
        variance = ops.sum(w * ops.square(inputs - mean), axis=axes, keepdims=True)
        variance = variance / total
        return ops.squeeze(mean, axis=axes), ops.squeeze(variance, axis=axes)


def _is_sparse(inputs):
    import tensorflow as tf

    return isinstance(inputs, tf.SparseTensor)


@keras.saving.register_keras_serializable(package="skdeep")
class TfIdf(keras.layers.Layer):
    """Turn term counts into TF-IDF weights of unit length, as scikit-learn's
    ``TfidfVectorizer`` does: each count times its term's inverse document
    frequency, then each row divided by its Euclidean norm.

    Counts come as a ``tf.SparseTensor`` (a ``TextVectorization`` or
    ``IntegerLookup`` with ``output_mode="count"`` and ``sparse=True``) and stay
    sparse, so the next ``Dense`` layer multiplies only the terms a text holds:
    several times faster than a dense row of the whole vocabulary. Dense
    counts work too. The weights are a non-trainable variable of
    ``n_terms`` entries (column 0 is the out-of-vocabulary entry), set by the
    builder after construction.
    """

    def __init__(self, n_terms, **kwargs):
        super().__init__(**kwargs)
        self.n_terms = int(n_terms)

    def build(self, input_shape):
        self.idf = self.add_weight(
            shape=(self.n_terms,), initializer="ones", trainable=False, name="idf"
        )

    def call(self, inputs):
        idf = ops.cast(self.idf, self.compute_dtype)
        if keras.config.backend() == "tensorflow" and _is_sparse(inputs):
            import tensorflow as tf

            values = ops.cast(inputs.values, self.compute_dtype)
            values = values * ops.take(idf, inputs.indices[:, 1])
            rows = inputs.indices[:, 0]
            norms = tf.math.unsorted_segment_sum(
                ops.square(values), rows, ops.cast(inputs.dense_shape[0], "int32")
            )
            norms = ops.sqrt(ops.maximum(norms, 1e-24))
            values = values / ops.take(norms, rows)
            return tf.SparseTensor(inputs.indices, values, inputs.dense_shape)
        weighted = ops.cast(inputs, self.compute_dtype) * idf
        norms = ops.sqrt(ops.sum(ops.square(weighted), axis=-1, keepdims=True))
        return weighted / ops.maximum(norms, 1e-12)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "n_terms": self.n_terms}
