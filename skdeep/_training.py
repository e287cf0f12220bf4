"""The training loop.

Keras's ``model.fit`` spends about 50 ms of overhead per epoch here (a new
``tf.data`` iterator, per-batch callbacks), which dominates the small tables and
many epochs of scikit-learn work. We keep the data in memory as tensors
(converted to the network's dtype once), and run many batches in one compiled
call that reuses Keras's own ``train_step`` (so compiled losses, metrics,
regularisation and optimizers behave exactly as in ``fit``). Keras callbacks are
driven at epoch level as ``fit`` does, so ``EarlyStopping``,
``ReduceLROnPlateau``, ``ModelCheckpoint`` and user callbacks work unchanged.
"""

import functools
import math

import numpy as np
import scipy.sparse as sp

from ._batch_weights import batch_sample_weights
from ._keras import QuietCall, get_keras, get_tf, quiet_native_logs
from ._rows import is_dict, n_rows
from .callbacks import progress
from .exceptions import TrainingDivergedError

# Batches per compiled call: large enough to amortise the call, small enough that
# Ctrl-C and progress bars respond within a fraction of a second.
STEPS_PER_CALL = 64
# Upper bound on a densified sparse chunk, in bytes.
SPARSE_CHUNK_BYTES = 64 * 2**20


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


def to_tensor(X, dtype):
    """Convert an in-memory array (or a list/dict of them) to tensors, once."""
    tf = get_tf()
    if is_dict(X):
        return {k: to_tensor(v, dtype) for k, v in X.items()}
    if isinstance(X, (list, tuple)):
        return [to_tensor(v, dtype) for v in X]
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


class InMemoryData:
    """Training data held in memory, served in calls of several batches.

    Dense arrays become tensors once and each call gathers its batches by index
    inside the compiled function. SciPy sparse matrices stay sparse; each call
    densifies only its own rows.
    """

    def __init__(self, X, y, sample_weight, *, batch_size, dtype):
        self.n = n_rows(X)
        self.batch_size = batch_size
        self.dtype = dtype
        self.sparse = sp.issparse(X)
        if self.sparse:
            self.X = X.tocsr()
            self.y = y
            self.sw = sample_weight
            row_bytes = X.shape[1] * np.dtype(dtype).itemsize
            max_rows = max(batch_size, SPARSE_CHUNK_BYTES // max(row_bytes, 1))
            self.steps_per_call = max(1, min(STEPS_PER_CALL, max_rows // batch_size))
        else:
            self.X = to_tensor(X, dtype)
            self.y = to_tensor(y, dtype)
            self.sw = to_tensor(sample_weight, dtype)
            self.steps_per_call = STEPS_PER_CALL

    @property
    def steps_per_epoch(self):
        return max(1, math.ceil(self.n / self.batch_size))

    def calls(self, order):
        """Yield ``(last_step, args)`` for the compiled train function."""
        tf = get_tf()
        rows = self.batch_size * self.steps_per_call
        for start in range(0, self.n, rows):
            idx = order[start : start + rows]
            last_step = (start + len(idx) - 1) // self.batch_size
            if self.sparse:
                chunk = self.X[idx].toarray().astype(self.dtype, copy=False)
                args = (
                    tf.convert_to_tensor(chunk),
                    to_tensor(self.y[idx], self.dtype),
                    to_tensor(self.sw[idx], self.dtype),
                    tf.range(len(idx)),
                )
            else:
                args = (self.X, self.y, self.sw, tf.convert_to_tensor(idx))
            yield last_step, args


class CompiledLoop:
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
        A :class:`CompiledLoop` running the train step.
    rng : numpy.random.RandomState
        Shuffles the rows each epoch.
    callbacks : list of keras.callbacks.Callback
    validation : InMemoryData or None
        Held-out data; its loss and metrics are logged with a ``val_`` prefix.
    eval_fn : callable or None
        A :class:`CompiledLoop` running the test step; required with
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
    if get_tf().distribute.has_strategy():
        return _train_with_strategy(
            model, data, epochs, callbacks, validation, display, history
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


def _train_with_strategy(model, data, epochs, callbacks, validation, display, history):
    """Train with Keras's own ``fit`` when a ``tf.distribute`` strategy is in
    scope: it splits each batch across the replicas (e.g. the GPUs of a
    ``MirroredStrategy``), which our single-device loop does not."""
    keras = get_keras()
    for part in (data, validation):
        if part is not None and (not isinstance(part, InMemoryData) or part.sparse):
            raise ValueError(
                "Training under a tf.distribute strategy takes dense in-memory "
                "arrays; convert sparse input with .toarray() or train without the "
                "strategy scope."
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
        with quiet_native_logs():
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
