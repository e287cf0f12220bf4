"""Callbacks for one fit: early stopping from the estimator's parameters, and
fresh copies of the user's Keras callbacks (so no state leaks between fits,
clones or grid-search candidates)."""

import copy

from ._keras import get_keras


def copy_callbacks(callbacks):
    """Deep copies of the user's callbacks, detached from any previous model."""
    copies = []
    for cb in callbacks or ():
        model = getattr(cb, "_model", None)
        # A callback used before holds its model; never copy a whole network.
        if model is not None:
            cb._model = None
        try:
            copies.append(copy.deepcopy(cb))
        finally:
            if model is not None:
                cb._model = model
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


def build_callbacks(estimator, *, validating, stop_early=True, patience, schedule=()):
    """The callbacks for one fit of ``estimator``: stopping rule, the
    estimator's own ``schedule`` (e.g. a learning-rate schedule), then the
    user's."""
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
    return callbacks


def merge_history(old, new):
    """Append the per-epoch lists of ``new`` to those of ``old``."""
    merged = {k: list(v) for k, v in (old or {}).items()}
    for key, values in new.items():
        merged.setdefault(key, []).extend(values)
    return merged
