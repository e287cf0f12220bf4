"""Learning-curve plots. matplotlib is an optional extra (``skdeep[plot]``),
imported only when a plot is made."""


def plot_history(estimator_or_history, *, metrics=None, ax=None, title=None):
    """Plot per-epoch training (and validation) curves of a fitted estimator.

    Parameters
    ----------
    estimator_or_history : skdeep estimator or dict
        A fitted estimator (its ``history_`` is used) or a history dict of
        per-epoch lists.
    metrics : list of str, default=None
        Which logs to plot, without the ``val_`` prefix; None plots ``loss`` and
        every other metric found, each in its own axes.
    ax : matplotlib Axes or array of Axes, default=None
        Where to draw; None makes a new figure with one axes per metric.
    title : str, default=None
        Figure title.

    Returns
    -------
    axes : list of matplotlib.axes.Axes

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdeep import DenseClassifier
    >>> from skdeep.plotting import plot_history
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DenseClassifier(epochs=20, early_stopping=True, random_state=0)
    >>> axes = plot_history(clf.fit(X, y))
    >>> axes[0].get_ylabel()
    'loss'
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_history needs matplotlib: pip install 'skdeep[plot]'"
        ) from exc
    history = getattr(estimator_or_history, "history_", estimator_or_history)
    if not isinstance(history, dict) or not history.get("loss"):
        raise ValueError(
            "plot_history needs a fitted estimator or a history dict with a "
            "'loss' list; fit the estimator first."
        )
    if metrics is None:
        metrics = [k for k in history if not k.startswith("val_")]
        metrics.sort(key=lambda k: k != "loss")
    missing = [m for m in metrics if m not in history]
    if missing:
        raise ValueError(
            f"No such logs in the history: {missing}; have {list(history)}."
        )
    if ax is None:
        fig, axes = plt.subplots(
            1, len(metrics), figsize=(4.5 * len(metrics), 3.5), squeeze=False
        )
        axes = list(axes[0])
    else:
        import numpy as np

        axes = list(np.atleast_1d(ax))
        fig = axes[0].figure
    if len(axes) < len(metrics):
        raise ValueError(f"Need {len(metrics)} axes for {metrics}, got {len(axes)}.")
    for axis, name in zip(axes, metrics, strict=False):
        epochs = range(1, len(history[name]) + 1)
        axis.plot(epochs, history[name], label="train")
        if "val_" + name in history:
            axis.plot(
                range(1, len(history["val_" + name]) + 1),
                history["val_" + name],
                label="validation",
            )
        axis.set_xlabel("epoch")
        axis.set_ylabel(name)
        axis.legend()
        axis.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return axes
