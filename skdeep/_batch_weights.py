"""The sample weights of the batch being trained on, for layers whose
training statistics must weigh samples as the loss does.

A weight of 2 means "this row twice" in every skdeep estimator. Batch
normalisation computes its batch statistics over the rows of a batch, so with
plain Keras layers a weighted row would count once there: the training loop
puts each batch's weights in scope (:func:`batch_sample_weights`) while it
traces the train step, and ``WeightedBatchNormalization`` reads them
(:func:`current`). Outside skdeep's loop nothing is in scope and the layer is
plain batch normalisation.
"""

import contextlib
import contextvars

_WEIGHTS = contextvars.ContextVar("skdeep_batch_sample_weights", default=None)


@contextlib.contextmanager
def batch_sample_weights(weights):
    """Put ``weights`` (one per row of the batch) in scope."""
    token = _WEIGHTS.set(weights)
    try:
        yield
    finally:
        _WEIGHTS.reset(token)


def current():
    """The batch's sample weights, or None outside a training step."""
    return _WEIGHTS.get()
