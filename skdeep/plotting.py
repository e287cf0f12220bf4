"""Training curves, scikit-learn's way: :class:`HistoryDisplay` for one fit or
many (the folds of a cross-validation, the candidates of a search), and
:func:`plot_history` for one fit's every metric. matplotlib is an optional
extra (``skdeep[plot]``), imported only when a figure is drawn."""

import math

import numpy as np


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Plotting needs matplotlib: pip install 'skdeep[plot]'"
        ) from exc
    return plt


def _history_of(obj):
    """The ``history_`` of a fitted skdeep estimator, or of the last step of a
    pipeline, or of a search's ``best_estimator_``; a dict is taken as is."""
    if isinstance(obj, dict):
        return obj
    for _ in range(8):
        if hasattr(obj, "history_"):
            return obj.history_
        if hasattr(obj, "best_estimator_"):
            obj = obj.best_estimator_
        elif hasattr(obj, "steps"):
            obj = obj.steps[-1][1]
        else:
            break
    raise ValueError(
        f"{type(obj).__name__} has no training history: pass fitted skdeep "
        "estimators (or pipelines ending in one), or history dicts."
    )


class HistoryDisplay:
    """Training curves of one or several fits.

    The display draws ``metric`` per epoch (solid) and, where the fits held out
    validation rows, ``"val_" + metric`` (dashed, in the same colour), one
    colour per fit. Build it with :meth:`from_estimator` (one fit),
    :meth:`from_estimators` or :meth:`from_cv_results` (the folds of
    ``cross_validate(..., return_estimator=True)``), or :meth:`from_monitor`
    (every fit of a search, recorded by a ``ScoringMonitor``), then
    :meth:`plot` draws it (the ``from_*`` methods draw at once).

    Parameters
    ----------
    histories : list of dict
        Per-epoch logs of each fit (``history_`` of fitted estimators).
    labels : list of str, default=None
        A legend label per fit; None numbers them when there are several.
    metric : str, default="loss"
        The log to draw, without the ``val_`` prefix.

    Attributes
    ----------
    lines_ : list of matplotlib.lines.Line2D
        The drawn curves, training and validation.
    ax_ : matplotlib.axes.Axes
        The axes drawn in.
    figure_ : matplotlib.figure.Figure
        The figure of ``ax_``.

    See Also
    --------
    plot_history : Every metric of one fit, one axes each.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import cross_validate
    >>> from skdeep import DenseClassifier
    >>> from skdeep.plotting import HistoryDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DenseClassifier(epochs=20, early_stopping=True, random_state=0)
    >>> cv = cross_validate(clf, X, y, cv=3, return_estimator=True)
    >>> display = HistoryDisplay.from_cv_results(cv)
    >>> len(display.lines_)  # training and validation loss of three folds
    6
    >>> display.ax_.get_ylabel()
    'loss'
    """

    def __init__(self, histories, *, labels=None, metric="loss"):
        self.histories = histories
        self.labels = labels
        self.metric = metric

    def plot(self, ax=None, *, validation=True, log_scale=False, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; None makes a new figure.
        validation : bool, default=True
            Also draw ``val_<metric>`` where the fits recorded it.
        log_scale : bool, default=False
            A logarithmic y axis (losses that span decades).
        **kwargs : dict
            Passed to ``Axes.plot`` for every curve (e.g. ``alpha``).

        Returns
        -------
        display : HistoryDisplay
            ``self``, with ``lines_``, ``ax_`` and ``figure_`` set.
        """
        histories = [_history_of(h) for h in self.histories]
        if not histories:
            raise ValueError("HistoryDisplay needs at least one history to plot.")
        missing = [i for i, h in enumerate(histories) if self.metric not in h]
        if missing:
            have = sorted(set().union(*map(set, histories)))
            raise ValueError(
                f"No {self.metric!r} log in fit(s) {missing}; the histories have "
                f"{have}. Pass metric= one of them (metrics are recorded when "
                "the estimator's metrics= lists them)."
            )
        labels = self.labels
        if labels is None:
            labels = (
                [None]
                if len(histories) == 1
                else [f"fit {i}" for i in range(len(histories))]
            )
        if len(labels) != len(histories):
            raise ValueError(
                f"Got {len(labels)} labels for {len(histories)} histories."
            )
        if ax is None:
            _, ax = _pyplot().subplots(figsize=(6, 4))
        colours = getattr(self, "_colours", None) or [
            f"C{i % 10}" for i in range(len(histories))
        ]
        lines = []
        for history, label, colour in zip(histories, labels, colours, strict=True):
            train = history[self.metric]
            name = "train" if label is None else f"{label} (train)"
            lines += ax.plot(
                range(1, len(train) + 1), train, color=colour, label=name, **kwargs
            )
            val = history.get("val_" + self.metric)
            if validation and val:
                name = "validation" if label is None else f"{label} (validation)"
                lines += ax.plot(
                    range(1, len(val) + 1),
                    val,
                    color=colour,
                    linestyle="--",
                    label=name,
                    **kwargs,
                )
        ax.set_xlabel("epoch")
        ax.set_ylabel(self.metric)
        if log_scale:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        if len(lines) <= 12:
            ax.legend(fontsize="small")
        self.lines_ = lines
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, metric="loss", label=None, ax=None, **kw):
        """Curves of one fitted estimator (or a pipeline ending in one).

        Parameters
        ----------
        estimator : fitted skdeep estimator, Pipeline or search
            Its ``history_`` is drawn (a pipeline's last step's, a search's
            ``best_estimator_``'s).
        metric : str, default="loss"
            The log to draw.
        label : str, default=None
            Legend label.
        ax : matplotlib Axes, default=None
            Where to draw.
        **kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : HistoryDisplay
        """
        labels = None if label is None else [label]
        return cls([estimator], labels=labels, metric=metric).plot(ax=ax, **kw)

    @classmethod
    def from_estimators(cls, estimators, *, labels=None, metric="loss", ax=None, **kw):
        """Curves of several fitted estimators, one colour each.

        Parameters
        ----------
        estimators : list of fitted estimators
            E.g. ``cross_validate(..., return_estimator=True)["estimator"]``.
        labels : list of str, default=None
            A label per estimator; None: ``"fit 0"``, ``"fit 1"``, ...
        metric : str, default="loss"
            The log to draw.
        ax : matplotlib Axes, default=None
            Where to draw.
        **kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : HistoryDisplay
        """
        return cls(list(estimators), labels=labels, metric=metric).plot(ax=ax, **kw)

    @classmethod
    def from_cv_results(cls, cv_results, *, metric="loss", ax=None, **kw):
        """The per-fold curves of ``cross_validate(..., return_estimator=True)``.

        Parameters
        ----------
        cv_results : dict
            What ``cross_validate`` returned, with its ``"estimator"`` entry.
        metric : str, default="loss"
            The log to draw.
        ax : matplotlib Axes, default=None
            Where to draw.
        **kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : HistoryDisplay
        """
        if "estimator" not in cv_results:
            raise ValueError(
                "cv_results has no fitted estimators: call cross_validate(..., "
                "return_estimator=True)."
            )
        estimators = list(cv_results["estimator"])
        labels = [f"fold {i}" for i in range(len(estimators))]
        return cls(estimators, labels=labels, metric=metric).plot(ax=ax, **kw)

    @classmethod
    def from_monitor(cls, monitor, *, search=None, metric="loss", ax=None, **kw):
        """The curves of every fit a ``ScoringMonitor`` followed.

        Set the monitor, with ``scoring=``:func:`skdeep.callbacks.history_scoring`,
        on the skdeep estimator inside a search or cross-validation: it records
        each fit's logs after each epoch, in worker processes too, and this
        draws one curve per fit. With the fitted ``search``, the curves are
        labelled by candidate and fold (candidates that share parameters
        share a colour), and the refit is drawn in black.

        Parameters
        ----------
        monitor : sklearn.callback.ScoringMonitor
            A monitor whose ``scoring`` holds ``metric`` (and ``val_<metric>``).
        search : fitted GridSearchCV or RandomizedSearchCV, default=None
            The search the monitor followed, for labels.
        metric : str, default="loss"
            The log to draw.
        ax : matplotlib Axes, default=None
            Where to draw.
        **kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : HistoryDisplay
        """
        log = monitor.get_logs(include_lineage=True)
        by_path = {row["task_id_path"]: row for row in log.data}
        fits = {}
        for row in log.data:
            if row["task_name"] != "epoch":
                continue
            fit = fits.setdefault(row["parent_task_id_path"], {})
            for key in (metric, "val_" + metric):
                value = row.get(key)
                if value is not None and not _isnan(value):
                    fit.setdefault(key, []).append(float(value))
        if not fits:
            raise ValueError(
                "The monitor recorded no epochs: set it on the skdeep estimator "
                "(estimator.set_callbacks(monitor)), with scoring="
                "skdeep.callbacks.history_scoring(), before fitting."
            )
        paths = sorted(fits)
        found = [_fit_label(path, by_path, search) for path in paths]
        display = cls(
            [fits[p] for p in paths], labels=[f[0] for f in found], metric=metric
        )
        if all(candidate is not None for _, candidate in found):
            # One colour per candidate, the refit in black.
            display._colours = ["k" if c == -1 else f"C{c % 10}" for _, c in found]
        return display.plot(ax=ax, **kw)


def _isnan(value):
    return isinstance(value, float) and math.isnan(value)


def _fit_label(path, by_path, search):
    """``(label, candidate)`` of the fit at ``path``, from the search tasks
    above it: ``"candidate i, fold j"`` (with ``search``, else ``"split k"``),
    ``"refit"``, or the task path."""
    for depth in range(1, len(path)):
        parent, task = by_path.get(path[:depth]), by_path.get(path[: depth + 1])
        if parent is None or task is None:
            continue
        if parent["task_name"] == "search":
            if search is None:
                return f"split {task['task_id']}", None
            candidate, fold = divmod(task["task_id"], search.n_splits_)
            return f"candidate {candidate}, fold {fold}", candidate
        searching = parent["estimator_name"].endswith("SearchCV")
        if depth == 1 and searching and task["task_name"] != "search":
            return "refit", -1
    return "fit " + "-".join(map(str, path)), None


def plot_history(estimator_or_history, *, metrics=None, ax=None, title=None):
    """Plot every per-epoch log of one fit, one axes per metric.

    Each axes is a :class:`HistoryDisplay` of one metric (training and, where
    recorded, validation); use the display directly for several fits in one
    axes.

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
        history = _history_of(estimator_or_history)
    except ValueError:
        history = None
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
        fig, axes = _pyplot().subplots(
            1, len(metrics), figsize=(4.5 * len(metrics), 3.5), squeeze=False
        )
        axes = list(axes[0])
    else:
        axes = list(np.atleast_1d(ax))
        fig = axes[0].figure
    if len(axes) < len(metrics):
        raise ValueError(f"Need {len(metrics)} axes for {metrics}, got {len(axes)}.")
    for axis, name in zip(axes, metrics, strict=False):
        HistoryDisplay([history], metric=name).plot(ax=axis)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return axes
