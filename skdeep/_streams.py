"""Keras-native streams as training input: ``tf.data.Dataset`` and
``keras.utils.PyDataset`` yielding ``(x, y)`` or ``(x, y, sample_weight)`` batches.

For data that does not fit in memory. A first pass checks every batch as
in-memory input is checked (finite, same sample shape, labels) and collects the
targets, which are small even for millions of rows, so the target encoder (the
classes, the target scaling) is fitted exactly as for arrays. Each epoch then
iterates the stream again, one compiled call per batch.
"""

import sys

import numpy as np
from sklearn.utils import check_array

from . import _backends


def is_stream(X):
    """True for a ``tf.data.Dataset`` or a ``keras.utils.PyDataset``."""
    # Neither can exist unless TensorFlow or Keras is already imported.
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        if isinstance(X, tf.data.Dataset):
            return True
    if "keras" in sys.modules:
        import keras

        if isinstance(X, keras.utils.PyDataset):
            return True
    return False


def _batches(stream):
    """Iterate one epoch of ``stream`` as tuples of NumPy arrays."""
    if hasattr(stream, "as_numpy_iterator"):
        yield from stream.as_numpy_iterator()
        return
    for i in range(len(stream)):
        yield stream[i]
    if hasattr(stream, "on_epoch_end"):
        stream.on_epoch_end()


def _text(a):
    """tf.data gives strings as bytes; labels and text are str everywhere else."""
    if a.dtype.kind == "S":
        return np.char.decode(a, "utf-8")
    if a.dtype.kind == "O" and a.size and isinstance(a.flat[0], bytes):
        return np.vectorize(lambda v: v.decode("utf-8"), otypes=[object])(a)
    return a


def _unpack(batch, index):
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise ValueError(
            f"Batch {index} of the stream is not (x, y) or (x, y, sample_weight); "
            "a stream used for fit must yield targets with its inputs."
        )
    x, y = _text(np.asarray(batch[0])), _text(np.asarray(batch[1]))
    sw = None if len(batch) == 2 else np.asarray(batch[2], dtype=np.float64)
    if len(x) != len(y) or (sw is not None and len(sw) != len(x)):
        raise ValueError(
            f"Batch {index} of the stream has inconsistent numbers of samples: "
            f"x has {len(x)}, y has {len(y)}"
            + ("" if sw is None else f", sample_weight has {len(sw)}")
            + "."
        )
    return x, y, sw


def check_batch(x, index, sample_shape=None):
    """Validate one input batch: finite numbers, the sample shape of the first."""
    if x.dtype.kind in "fiub":
        check_array(
            x,
            ensure_2d=False,
            allow_nd=True,
            dtype=None,
            input_name="X",
            ensure_min_samples=1,
        )
    if sample_shape is not None and tuple(x.shape[1:]) != tuple(sample_shape):
        raise ValueError(
            f"Batch {index} of the stream has samples of shape {x.shape[1:]}, "
            f"expected {tuple(sample_shape)} as in the first batch."
        )
    return x


def scan(stream):
    """One pass: validate every batch.

    Returns ``(first_x, y, sample_weight, (n_batches, largest_batch))``: ``y``
    and ``sample_weight`` hold the targets and weights of the whole stream,
    concatenated; ``sample_weight`` is None when the stream has none.
    """
    first, ys, sws = None, [], []
    for i, batch in enumerate(_batches(stream)):
        x, y, sw = _unpack(batch, i)
        check_batch(x, i, None if first is None else first.shape[1:])
        if first is None:
            first = x
        ys.append(y)
        sws.append(np.ones(len(y)) if sw is None else sw)
    if first is None:
        raise ValueError("The stream is empty: it yielded no batch.")
    has_weights = any(not np.all(s == 1) for s in sws)
    sw = np.concatenate(sws) if has_weights else None
    return first, np.concatenate(ys), sw, (len(ys), max(len(v) for v in ys))


class StreamData:
    """A stream served to the training loop one batch per compiled call.

    Parameters
    ----------
    stream : tf.data.Dataset or keras.utils.PyDataset
    transform : callable
        ``(x, y, sample_weight) -> (x, y_encoded, sample_weight)`` for one batch,
        in NumPy; it validates the batch and encodes the targets.
    dtype : str
        Network dtype.
    batch_size : int
        Rows per gradient step (the largest batch of the stream).
    n : int
        Rows in one epoch.
    prepare : callable or None, default=None
        Turns a batch's validated input into the network's (on the host; see
        ``_training.InMemoryData``).
    """

    def __init__(
        self, stream, transform, *, dtype, batch_size, n, n_batches, prepare=None
    ):
        self.stream = stream
        self.transform = transform
        self.prepare = prepare
        self.dtype = dtype
        self.batch_size = batch_size
        self.n = n
        self.n_batches = n_batches

    @property
    def steps_per_epoch(self):
        return self.n_batches

    def calls(self, order=None):
        """Yield ``(step, args)`` per batch; ``order`` is ignored (streams
        shuffle themselves)."""
        native = _backends.current().to_native
        for i, batch in enumerate(_batches(self.stream)):
            x, y, sw = self.transform(*_unpack(batch, i), i)
            if self.prepare is not None:
                x = self.prepare(x)
            args = (
                native(x, self.dtype),
                native(y, self.dtype),
                native(sw, self.dtype),
                np.arange(len(x)),
            )
            yield i, args
