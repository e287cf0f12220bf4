"""
Grid search over a pipeline on the breast cancer data
=====================================================

A :class:`~skdeep.DenseClassifier` is the last step of a scikit-learn
``Pipeline`` after a ``StandardScaler``, and ``GridSearchCV`` tunes its
architecture and learning rate exactly as it would any scikit-learn estimator:
the parameters are addressed as ``denseclassifier__<name>``. The best pipeline
is then scored on a held-out test set, and the figure shows the cross-validated
accuracy of each candidate and the ROC curve of the best one.

Run it with ``python examples/plot_breast_cancer_grid_search.py``; it takes
well under a minute on a laptop CPU and writes ``breast_cancer_grid_search.png``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import RocCurveDisplay, classification_report
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DenseClassifier

data = load_breast_cancer()
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, test_size=0.25, stratify=data.target, random_state=0
)

# %%
# The pipeline and the grid
# -------------------------
# Scaling matters for neural networks; inside the pipeline the scaler is fitted
# on each training fold only. ``random_state`` makes every fit reproducible.
pipe = make_pipeline(StandardScaler(), DenseClassifier(epochs=50, random_state=0))
grid = GridSearchCV(
    pipe,
    {
        "denseclassifier__hidden_layer_sizes": [(32,), (64, 64)],
        "denseclassifier__learning_rate": [1e-3, 1e-2],
    },
    cv=3,
    scoring="accuracy",
)
grid.fit(X_train, y_train)
print(f"Best parameters: {grid.best_params_}")
print(f"Best cross-validated accuracy: {grid.best_score_:.3f}")

# %%
# The best pipeline on the test set
# ---------------------------------
# ``GridSearchCV`` refits the best candidate on the whole training set.
y_pred = grid.predict(X_test)
print(f"Test accuracy: {grid.score(X_test, y_test):.3f}")
print(classification_report(y_test, y_pred, target_names=data.target_names))

# %%
# Plot the candidates and the ROC curve
# -------------------------------------
results = grid.cv_results_
labels = [
    "{}\nlr={:g}".format(
        p["denseclassifier__hidden_layer_sizes"], p["denseclassifier__learning_rate"]
    )
    for p in results["params"]
]
fig, (ax_grid, ax_roc) = plt.subplots(1, 2, figsize=(10, 4))
positions = np.arange(len(labels))
ax_grid.bar(
    positions,
    results["mean_test_score"],
    yerr=results["std_test_score"],
    color="tab:blue",
    alpha=0.8,
)
ax_grid.set_xticks(positions, labels)
ax_grid.set_ylim(0.9, 1.0)
ax_grid.set_ylabel("3-fold CV accuracy")
ax_grid.set_title("Grid search candidates")
RocCurveDisplay.from_estimator(grid, X_test, y_test, ax=ax_roc, name="best pipeline")
ax_roc.set_title("ROC curve on the test set")
fig.tight_layout()
fig.savefig("breast_cancer_grid_search.png", dpi=100)
print("Saved breast_cancer_grid_search.png")
plt.show()
