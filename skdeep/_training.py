"""The training loop.

Keras's ``model.fit`` spends about 50 ms of overhead per epoch here (a new
data iterator, per-batch callbacks), which dominates the small tables and
many epochs of scikit-learn work. We keep the data in memory (converted to the
network's dtype once, in the backend's form), and run many batches in one
call of the backend's loop (:mod:`skdeep._backends`), which reuses Keras's own
``train_step`` (so compiled losses, metrics, regularisation and optimizers
behave exactly as in ``fit``). Keras callbacks are
driven at epoch level as ``fit`` does, so ``EarlyStopping``,
``ReduceLROnPlateau``, ``ModelCheckpoint`` and user callbacks work unchanged.
"""

import contextlib
import math

import numpy as np
import scipy.sparse as sp

from . import _backends
from ._keras import get_keras, quiet_native_logs
from ._rows import n_rows, take
from .callbacks import progress
from .exceptions import TrainingDivergedError

# Batches per compiled call: large enough to amortise the call, small enough that
# Ctrl-C and progress bars respond within a fraction of a second.
STEPS_PER_CALL = 64
# Upper bound on a chunk of rows prepared on the host (densified sparse rows,
# vectorised text), in bytes.
CHUNK_BYTES = 64 * 2**20


# Keras's callbacks (early stopping, plateaus) compare losses in float32; a loss
# beyond its range has diverged as surely as an infinite one.
_LOSS_LIMIT = float(np.finfo(np.float32).max)


def diverged(loss):
    """True if a training loss is NaN, infinite, or beyond float32's range."""
    return not math.isfinite(loss) or abs(loss) > _LOSS_LIMIT


def divergence_error(loss, epoch=None):
    """The error for a diverged loss, with what to try next."""
    where = "" if epoch is None else f" in epoch {epoch + 1}"
    return TrainingDivergedError(
        f"The training loss became {loss}{where}. Scale the inputs (e.g. "
        "StandardScaler), lower learning_rate, or check the data for extreme values."
    )


class InMemoryData:
    """Training data held in memory, served in calls of several batches.

    Dense arrays go to the backend's form once (:mod:`skdeep._backends`) and
    each call gathers its batches by index. Rows that must be prepared on the
    host first are kept as they are, and each call prepares only its own:
    SciPy sparse matrices (densified), and on JAX and PyTorch the input of a
    network that starts with text or lookup layers (vectorised by
    ``prepare``, see ``_networks.HostPrefix``).

    Parameters
    ----------
    X, y, sample_weight : array-like
        Inputs (an array, or a list/dict of them), encoded targets, weights.
    batch_size : int
        Rows per gradient step.
    dtype : str
        The network's float dtype.
    prepare : callable or None, default=None
        Turns a chunk of ``X``'s rows into the network's input, on the host.
    row_bytes : int or None, default=None
        Bytes of one prepared row, to bound a call's chunk (with ``prepare``).
    """

    def __init__(
        self, X, y, sample_weight, *, batch_size, dtype, prepare=None, row_bytes=None
    ):
        self.backend = _backends.current()
        self.n = n_rows(X)
        self.batch_size = batch_size
        self.dtype = dtype
        if sp.issparse(X):
            X = X.tocsr()
            row_bytes = X.shape[1] * np.dtype(dtype).itemsize

            def prepare(rows):
                return rows.toarray().astype(dtype, copy=False)

        self.prepare = prepare
        if prepare is not None:
            self.X, self.y, self.sw = X, y, sample_weight
            max_rows = max(batch_size, CHUNK_BYTES // max(row_bytes or 1, 1))
            self.steps_per_call = max(1, min(STEPS_PER_CALL, max_rows // batch_size))
        else:
            self.X = self.backend.to_native(X, dtype)
            self.y = self.backend.to_native(y, dtype)
            self.sw = self.backend.to_native(sample_weight, dtype)
            self.steps_per_call = STEPS_PER_CALL

    @property
    def steps_per_epoch(self):
        return max(1, math.ceil(self.n / self.batch_size))

    def calls(self, order):
        """Yield ``(last_step, args)`` for the backend's loop (``args``:
        ``X, y, sample_weight, idx``, see :mod:`skdeep._backends`)."""
        native = self.backend.to_native
        rows = self.batch_size * self.steps_per_call
        for start in range(0, self.n, rows):
            idx = order[start : start + rows]
            last_step = (start + len(idx) - 1) // self.batch_size
            if self.prepare is not None:
                args = (
                    native(self.prepare(take(self.X, idx)), self.dtype),
                    native(take(self.y, idx), self.dtype),
                    native(self.sw[idx], self.dtype),
                    np.arange(len(idx)),
                )
            else:
                args = (self.X, self.y, self.sw, idx)
            yield last_step, args


def _logs(model):
    return {k: float(v) for k, v in model.get_metrics_result().items()}


def evaluate(model, data, eval_fn):
    """Loss and metrics of ``model`` on ``data`` (an :class:`InMemoryData`)."""
    model.reset_metrics()
    for _, args in data.calls(np.arange(data.n)):
        eval_fn(*args, data.batch_size)
    return _logs(model)


def train(
    model,
    data,
    *,
    epochs,
    train_fn,
    rng,
    callbacks=(),
    validation=None,
    eval_fn=None,
    verbose=0,
    shuffle=True,
    epoch_logs=None,
):
    """Train ``model`` for at most ``epochs`` epochs.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    data : InMemoryData
        Training data.
    epochs : int
        Most epochs to run; callbacks may stop earlier.
    train_fn : callable
        The backend's ``Loop`` running the train step (:mod:`skdeep._backends`).
    rng : numpy.random.RandomState
        Shuffles the rows each epoch.
    callbacks : list of keras.callbacks.Callback
    validation : InMemoryData or None
        Held-out data; its loss and metrics are logged with a ``val_`` prefix.
    eval_fn : callable or None
        The backend's ``Loop`` running the test step; required with
        ``validation``.
    verbose : int
        0 silent, 1 a progress bar over the epochs, 2 one line per epoch
        (:func:`skdeep.callbacks.progress`).
    shuffle : bool
        Shuffle the rows each epoch.
    epoch_logs : callable or None
        Called after each epoch; returns more logs (e.g. metrics) for callbacks
        and history.

    Returns
    -------
    history : dict of list of float
        Per-epoch logs.
    interrupted : bool
        True if a ``KeyboardInterrupt`` stopped training.

    Raises
    ------
    TrainingDivergedError
        If the training loss becomes NaN or infinite.
    """
    keras = get_keras()
    history = {}
    display = [progress(epochs, verbose)] if verbose else []
    if _backends.current().uses_keras_fit():
        return _train_with_strategy(
            model, data, epochs, callbacks, validation, display, history, rng
        )

    cb = keras.callbacks.CallbackList(
        [*callbacks, _recorder(history), *display],
        add_history=False,
        add_progbar=False,
        model=model,
        verbose=verbose,
        epochs=epochs,
        steps=data.steps_per_epoch,
    )
    interrupted = False
    logs = {}
    model.stop_training = False
    cb.on_train_begin()
    with _backends.current().random_scope(rng):
        try:
            for epoch in range(epochs):
                cb.on_epoch_begin(epoch)
                model.reset_metrics()
                order = rng.permutation(data.n) if shuffle else np.arange(data.n)
                for last_step, args in data.calls(order):
                    cb.on_train_batch_begin(last_step)
                    train_fn(*args, data.batch_size)
                    logs = _logs(model)
                    if diverged(logs.get("loss", 0.0)):
                        raise divergence_error(logs["loss"], epoch)
                    cb.on_train_batch_end(last_step, logs)
                if validation is not None:
                    val_logs = evaluate(model, validation, eval_fn)
                    logs.update({"val_" + k: v for k, v in val_logs.items()})
                if epoch_logs is not None:
                    logs.update(epoch_logs())
                cb.on_epoch_end(epoch, logs)
                if model.stop_training:
                    break
        except KeyboardInterrupt:
            interrupted = True
    cb.on_train_end(logs)
    return history, interrupted


def _recorder(history):
    keras = get_keras()

    class Record(keras.callbacks.Callback):
        # Last in the list, so it sees what earlier callbacks added to the logs.
        def on_epoch_end(self, epoch, logs=None):
            for key, value in (logs or {}).items():
                history.setdefault(key, []).append(float(value))

    return Record()


@contextlib.contextmanager
def _numpy_global_state(rng):
    """NumPy's global generator seeded from ``rng`` while the block runs, then
    as it was: Keras's ``fit`` shuffles with it on JAX and PyTorch."""
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(rng.randint(2**31 - 1))  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _train_with_strategy(
    model, data, epochs, callbacks, validation, display, history, rng
):
    """Train with Keras's own ``fit`` when a ``tf.distribute`` strategy is in
    scope, or on JAX a ``keras.distribution``: it splits each batch across the
    replicas (e.g. the GPUs of a ``MirroredStrategy`` or the devices of a
    ``DataParallel``), which our single-device loop does not."""
    keras = get_keras()
    for part in (data, validation):
        if part is not None and (
            not isinstance(part, InMemoryData) or part.prepare is not None
        ):
            raise ValueError(
                "Training under a tf.distribute strategy or a keras.distribution "
                "takes dense in-memory arrays; convert sparse input with .toarray() "
                "or train without the distribution."
            )

    class DivergenceGuard(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            loss = (logs or {}).get("loss")
            if loss is not None and diverged(float(loss)):
                raise divergence_error(float(loss))

    val = None
    if validation is not None:
        val = (validation.X, validation.y, validation.sw)
    interrupted = False
    try:
        # Keras's fit runs its own functions: its first epoch may log too.
        with quiet_native_logs(), _numpy_global_state(rng):
            model.fit(
                data.X,
                data.y,
                sample_weight=data.sw,
                batch_size=data.batch_size,
                epochs=epochs,
                validation_data=val,
                callbacks=[DivergenceGuard(), *callbacks, _recorder(history), *display],
                shuffle=True,
                verbose=0,
            )
    except KeyboardInterrupt:
        interrupted = True
    return history, interrupted
