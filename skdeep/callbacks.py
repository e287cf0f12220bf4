"""Callbacks for one fit: early stopping from the estimator's parameters, fresh
copies of the user's Keras callbacks (so no state leaks between fits, clones or
grid-search candidates), and the progress display of ``verbose``."""

import copy
import sys
import time

from . import _compat
from ._keras import get_keras


def copy_callbacks(callbacks):
    """Deep copies of the user's callbacks, detached from any previous model."""
    copies = []
    for cb in callbacks or ():
        # A callback used before holds its model; never copy a whole network.
        with _compat.detached_model(cb):
            copies.append(copy.deepcopy(cb))
    return copies


def early_stopping(*, validating, patience, min_delta):
    """Stop when the monitored loss has not improved by ``min_delta`` for
    ``patience`` epochs; with validation data, keep the best weights.

    The monitored loss is ``val_loss`` when ``validating``, else the training
    ``loss``: the stopping rule of scikit-learn's ``MLPClassifier``.
    """
    keras = get_keras()
    return keras.callbacks.EarlyStopping(
        monitor="val_loss" if validating else "loss",
        mode="min",
        patience=patience,
        min_delta=min_delta,
        restore_best_weights=validating,
    )


def build_callbacks(
    estimator, *, validating, stop_early=True, patience, schedule=(), extra=()
):
    """The callbacks for one fit of ``estimator``: stopping rule, the
    estimator's own ``schedule`` (e.g. a learning-rate schedule), then the
    user's (its ``callbacks`` parameter, then ``extra`` given to this fit)."""
    callbacks = []
    if stop_early:
        callbacks.append(
            early_stopping(
                validating=validating,
                patience=patience,
                min_delta=estimator.min_delta,
            )
        )
    callbacks.extend(schedule)
    callbacks.extend(copy_callbacks(estimator.callbacks))
    callbacks.extend(extra)  # this call's own, used as given (as model.fit does)
    return callbacks


def infer_modes(callbacks, metrics):
    """Give monitoring callbacks (``EarlyStopping``, ``ReduceLROnPlateau``,
    ``ModelCheckpoint``) with ``mode="auto"`` the direction of the metric they
    monitor, as Keras's ``model.fit`` infers it from the compiled metrics:
    skdeep computes the metrics itself, so Keras cannot see them.

    ``metrics`` are resolved ``keras.metrics.Metric`` objects.
    """
    directions = {}
    for metric in metrics:
        # Keras's own marker of a metric that improves upwards (accuracy,
        # AUC) or downwards (errors); private, read where present.
        direction = _compat.metric_direction(metric)
        if direction is not None:
            directions[metric.name] = "max" if direction == "up" else "min"
    for callback in callbacks:
        monitor = getattr(callback, "monitor", None)
        if getattr(callback, "mode", None) != "auto" or not isinstance(monitor, str):
            continue
        mode = directions.get(monitor.removeprefix("val_"))
        if mode is not None:
            callback.mode = mode


def merge_history(old, new):
    """Append the per-epoch lists of ``new`` to those of ``old``."""
    merged = {k: list(v) for k, v in (old or {}).items()}
    for key, values in new.items():
        merged.setdefault(key, []).extend(values)
    return merged


def progress(epochs, verbose, stream=None):
    """The display of ``verbose`` for a fit of at most ``epochs`` epochs.

    ``verbose=1``: one progress line over the epochs (bar, epoch, elapsed time,
    the last epoch's loss, val_loss and metrics), redrawn in place in a terminal
    or a notebook (at most ten times a second), printed about ten times per fit
    elsewhere (logs, files); then, if training stopped before ``epochs``, a line
    saying so. ``verbose=2``: one line per epoch.
    """
    keras = get_keras()
    stream = sys.stdout if stream is None else stream
    dynamic = verbose == 1 and (_is_tty(stream) or "ipykernel" in sys.modules)

    class EpochProgress(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = 0
            self.started = time.perf_counter()
            self.drawn_at = 0.0
            self.width = 0

        def _line(self, logs):
            elapsed = time.perf_counter() - self.started
            # The loss first, each metric next to its validation value.
            names = sorted(logs, key=lambda k: (k != "loss", k.removeprefix("val_")))
            values = "".join(f" - {k}: {_fmt(logs[k])}" for k in names)
            head = f"Epoch {self.seen}/{epochs}"
            if verbose == 1:
                done = round(20 * self.seen / epochs)
                head += " [" + "=" * done + "." * (20 - done) + "]"
            return f"{head} {elapsed:.1f}s{values}"

        def on_epoch_end(self, epoch, logs=None):
            self.seen = epoch + 1
            line = self._line(dict(logs or {}))
            last = self.seen >= epochs
            milestone = last or self.seen == 1 or _tenth(self.seen, epochs)
            if verbose == 2 or (not dynamic and milestone):
                stream.write(line + "\n")
            elif dynamic:
                now = time.perf_counter()
                if not last and now - self.drawn_at < 0.1:
                    return
                self.drawn_at = now
                stream.write("\r" + line.ljust(self.width) + ("\n" if last else ""))
                self.width = len(line)
            stream.flush()

        def on_train_end(self, logs=None):
            if self.seen >= epochs:
                return
            why = "stopped early" if self.model.stop_training else "was interrupted"
            end = "\n" if dynamic and self.width else ""
            stream.write(f"{end}Training {why} after {self.seen} of {epochs} epochs.\n")
            stream.flush()

    return EpochProgress()


def _is_tty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _tenth(seen, epochs):
    """Whether epoch ``seen`` starts a new tenth of ``epochs``."""
    return (10 * seen) // epochs != (10 * (seen - 1)) // epochs


def _fmt(value):
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def history_scoring(*names):
    """Scoring for scikit-learn's ``ScoringMonitor`` that records skdeep's logs.

    ``ScoringMonitor(scoring=history_scoring())``, set on a skdeep estimator
    (scikit-learn 1.9+), records its per-epoch ``loss`` and ``val_loss`` (or
    the logs named) in every fit it reaches: inside pipelines, searches and
    cross-validation, in worker processes too. It reads the logs the fit has
    already computed, so it costs nothing more;
    :meth:`skdeep.plotting.HistoryDisplay.from_monitor` draws them.

    Parameters
    ----------
    *names : str
        The logs to record; none given: ``"loss"`` and ``"val_loss"``.

    Returns
    -------
    scoring : callable
        For ``ScoringMonitor(scoring=...)``: returns ``{name: last value}``
        from a fitted estimator's ``history_``, NaN for a log the fit did not
        record.

    Examples
    --------
    >>> from sklearn.callback import ScoringMonitor
    >>> from sklearn.datasets import load_iris
    >>> from skdeep import DenseClassifier
    >>> from skdeep.callbacks import history_scoring
    >>> X, y = load_iris(return_X_y=True)
    >>> monitor = ScoringMonitor(scoring=history_scoring())
    >>> clf = DenseClassifier(epochs=5, early_stopping=True, random_state=0)
    >>> clf = clf.set_callbacks(monitor).fit(X, y)
    >>> log = monitor.get_logs().data
    >>> losses = [row["loss"] for row in log if row["task_name"] == "epoch"]
    >>> losses == clf.history_["loss"]
    True
    """
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"history_scoring takes log names (str), got {name!r}.")
    return HistoryLogs(names or ("loss", "val_loss"))


class HistoryLogs:
    """A scoring callable giving the last value of each log in ``names`` from
    an estimator's ``history_`` (see :func:`history_scoring`)."""

    def __init__(self, names):
        self.names = tuple(names)

    def __call__(self, estimator, X=None, y=None, **metadata):
        history = getattr(estimator, "history_", {})
        return {
            name: float(history[name][-1]) if history.get(name) else float("nan")
            for name in self.names
        }

    def __repr__(self):
        return f"history_scoring{self.names!r}"
