"""scikit-learn's callback API (``sklearn.callback``, scikit-learn 1.9 and later)
for skdeep's fits.

A fit is one task with one subtask per epoch, as ``LogisticRegression``'s fit
has one per solver iteration. ``ProgressBar`` set on a ``GridSearchCV`` around
a ``Pipeline`` thus reaches each epoch of each candidate and fold;
``ScoringMonitor`` scores, after each epoch, an estimator that predicts with the
network as it stands then (the same network object, not a copy); a callback
whose ``on_fit_task_end`` returns True stops training after that epoch.

The epochs are driven by a Keras callback (``FitTasks.keras_callback``), so the same
code serves our training loop and Keras's ``model.fit`` (used under a
``tf.distribute`` strategy). With an older scikit-learn, estimators have no
``set_callbacks`` and nothing here runs.
"""

import contextlib

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the installed scikit-learn
    AVAILABLE = False

    class CallbackSupportMixin:
        """Stand-in for scikit-learn < 1.9, which has no callback API."""

    def with_callbacks(method):
        return method


from ._keras import get_keras

# The attributes scikit-learn's callback support keeps on an estimator during a
# fit (see ``sklearn.callback._callback_support``): a failed fit's rollback keeps
# them, since the callbacks' teardown after the fit reads them.
FIT_CONTEXT_STATE = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


def has_callbacks(estimator):
    """Whether ``estimator`` takes part in a callback task tree this fit: it has
    callbacks of its own, or a meta-estimator propagated its context."""
    return AVAILABLE and (
        bool(getattr(estimator, "_skl_callbacks", None))
        or hasattr(estimator, "_parent_callback_ctx")
    )


class FitTasks:
    """The callback tasks of one fit: the fit itself and its epochs.

    Parameters
    ----------
    estimator : skdeep estimator
        The estimator being fitted.
    epochs : int
        Most epochs of this fit (the number of subtasks).
    X, y : array-like or None
        The training data given to the callbacks (None for a stream).
    sample_weight : ndarray or None
        Passed to the callbacks as ``metadata={"sample_weight": ...}``.
    """

    def __init__(self, estimator, *, epochs, X, y, sample_weight):
        self.estimator = estimator
        self.X, self.y = X, y
        self.metadata = (
            None if sample_weight is None else {"sample_weight": sample_weight}
        )
        self.root = estimator._init_callback_context(max_subtasks=max(1, epochs))
        self.root.call_on_fit_task_begin(
            estimator=estimator, X=X, y=y, metadata=self.metadata
        )

    def keras_callback(self, fitted_state):
        """A Keras callback that begins and ends one subtask per epoch.

        ``fitted_state(history)`` returns the fitted attributes of the estimator
        as the network stands, after the epochs whose logs are ``history``
        (called only if a callback asks for a fitted estimator).
        """
        return _epoch_tasks(self, fitted_state)

    def end(self):
        """End the fit's task, the estimator now fitted."""
        self.root.call_on_fit_task_end(
            estimator=self.estimator,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes={},
        )


def _epoch_tasks(tasks, fitted_state):
    keras = get_keras()

    class EpochTasks(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.current = None
            self.history = {}

        def on_epoch_begin(self, epoch, logs=None):
            self.current = tasks.root.subcontext(task_name="epoch")
            self.current.call_on_fit_task_begin(
                estimator=tasks.estimator,
                X=tasks.X,
                y=tasks.y,
                metadata=tasks.metadata,
            )

        def on_epoch_end(self, epoch, logs=None):
            for key, value in (logs or {}).items():
                self.history.setdefault(key, []).append(float(value))
            context, self.current = self.current, None
            stop = context.call_on_fit_task_end(
                estimator=tasks.estimator,
                X=tasks.X,
                y=tasks.y,
                metadata=tasks.metadata,
                reconstruction_attributes=lambda: fitted_state(self.history),
            )
            if stop:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            # An epoch cut short (Ctrl-C) still ends its task, empty.
            if self.current is not None:
                context, self.current = self.current, None
                with contextlib.suppress(Exception):
                    context.call_on_fit_task_end(estimator=tasks.estimator)

    return EpochTasks()
