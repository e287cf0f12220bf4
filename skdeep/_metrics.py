"""User metrics, computed at the end of each epoch on probabilities.

The ready-made networks output logits (a numerically stable loss), so Keras's
compiled metrics would see logits. Instead we evaluate the user's metrics on the
activated outputs after each epoch, which also gives exact per-epoch values
rather than running averages, and keeps saved models free of custom objects.
"""

import numpy as np

from . import _rows
from ._keras import get_keras


def resolve_metric(metric, kind, one_hot=False):
    """A fresh ``keras.metrics.Metric`` for ``metric`` on targets of ``kind``,
    named as Keras's ``model.fit`` names it in the history: a string as it is
    written (``"mae"``, ``"acc"``), a function by its ``__name__``, a metric
    object by its ``name``."""
    keras = get_keras()
    if isinstance(metric, keras.metrics.Metric):
        return type(metric).from_config(metric.get_config())
    if isinstance(metric, str):
        name = metric
    else:
        name = getattr(metric, "__name__", None) or type(metric).__name__
    if isinstance(metric, str) and metric.lower() in ("accuracy", "acc"):
        if kind in ("binary", "multilabel"):
            return keras.metrics.BinaryAccuracy(name=name)
        if kind == "multiclass":
            cls = (
                keras.metrics.CategoricalAccuracy
                if one_hot
                else keras.metrics.SparseCategoricalAccuracy
            )
            return cls(name=name)
        raise ValueError(
            f"metrics=[{metric!r}] needs a classification target; use e.g. 'mae' "
            "or 'mse' for regression."
        )
    found = keras.metrics.get(metric)
    if isinstance(found, keras.metrics.Metric):
        return type(found).from_config({**found.get_config(), "name": name})
    return keras.metrics.MeanMetricWrapper(found, name=name)


def evaluate_metrics(metrics, forward, X, y, sample_weight, batch_rows=8192):
    """Evaluate ``metrics`` on ``forward(X)`` against network targets ``y``."""
    for m in metrics:
        m.reset_state()
    for start in range(0, len(y), batch_rows):
        sl = slice(start, start + batch_rows)
        out = forward(_rows.cut(X, start, start + batch_rows))
        for m in metrics:
            m.update_state(y[sl], out, sample_weight=sample_weight[sl])
    return {m.name: float(np.asarray(m.result())) for m in metrics}
