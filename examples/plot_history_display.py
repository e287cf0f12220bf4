"""
Training curves of every fold and every candidate
=================================================

One fit's ``history_`` tells whether it trained long enough; a cross-validation
or a grid search makes many fits, and their curves side by side tell whether
the folds agree and how the candidates differ.
:class:`skdeep.plotting.HistoryDisplay` draws them, following scikit-learn's
display convention (``from_estimator``, ``from_cv_results``, ``plot(ax=...)``,
``figure_``, ``ax_``):

* the **folds** of ``cross_validate(..., return_estimator=True)``, which keeps
  each fold's fitted pipeline;
* the **candidates** of a ``GridSearchCV``, which does not keep its fits: a
  ``ScoringMonitor`` (scikit-learn 1.9's callback API) with
  :func:`skdeep.callbacks.history_scoring` records each fit's logs after every
  epoch, in worker processes too, and ``HistoryDisplay.from_monitor`` draws
  them, labelled by candidate and fold.

scikit-learn's ``ProgressBar`` set on the search shows the same tree live, from
the search down to each epoch: ``max_propagation_depth=None`` (or 2) is what
reaches an estimator inside a pipeline.

Run it with ``python examples/plot_history_display.py``; it takes about a
minute on a laptop CPU.
"""

import os

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DenseClassifier
from skdeep.plotting import HistoryDisplay

# SKDEEP_EXAMPLE_QUICK=1 (set by the test suite and the docs build) trains for
# fewer epochs, on fewer folds and candidates.
quick = os.environ.get("SKDEEP_EXAMPLE_QUICK") == "1"
epochs = 30 if quick else 150
folds = 3 if quick else 5

X, y = load_breast_cancer(return_X_y=True)

# %%
# Per-fold curves of a cross-validation
# -------------------------------------
# Each fold holds out 10% of its training rows for early stopping, so each
# curve has its validation twin (dashed).
clf = DenseClassifier(
    hidden_layer_sizes=(32,), epochs=epochs, early_stopping=True, random_state=0
)
cv = cross_validate(
    make_pipeline(StandardScaler(), clf), X, y, cv=folds, return_estimator=True
)
print("accuracy per fold:", cv["test_score"].round(3))

display = HistoryDisplay.from_cv_results(cv)
display.ax_.set_title(f"{folds} folds: training (solid) and validation (dashed) loss")

# %%
# Per-candidate curves of a grid search
# -------------------------------------
# The monitor is set on the estimator inside the pipeline; the search clones
# it with its callbacks. With scikit-learn older than 1.9 there is no callback
# API, and this part is skipped.
try:
    from sklearn.callback import ProgressBar, ScoringMonitor
except ImportError:
    ScoringMonitor = None

if ScoringMonitor is not None:
    from skdeep.callbacks import history_scoring

    monitor = ScoringMonitor(scoring=history_scoring())
    pipe = make_pipeline(StandardScaler(), clf.set_callbacks(monitor))
    rates = [1e-3, 1e-2] if quick else [1e-4, 1e-3, 1e-2]
    grid = {"denseclassifier__learning_rate": rates}
    search = GridSearchCV(pipe, grid, cv=2 if quick else 3)
    if not quick:
        # A live tree of progress bars: search, candidates and folds, epochs.
        search.set_callbacks(ProgressBar(max_propagation_depth=None))
    search.fit(X, y)
    print("best:", search.best_params_, round(search.best_score_, 3))
    _, ax = plt.subplots(figsize=(7, 4.5))
    display = HistoryDisplay.from_monitor(
        monitor, search=search, ax=ax, validation=False, log_scale=True
    )
    ax.set_title("Training loss per candidate (colour) and fold; refit in black")
    ax.legend(fontsize="x-small", ncol=2)

plt.show()
