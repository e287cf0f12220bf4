"""
K-fold cross-validation of a regressor on the diabetes data
===========================================================

A :class:`~skdeep.DenseRegressor` in a pipeline is evaluated with 5-fold
cross-validation on scikit-learn's diabetes data, next to a ``Ridge`` baseline
on the very same folds. The loop over ``KFold`` splits is written out, to show
that a fitted skdeep estimator is an ordinary scikit-learn regressor:
``fit``, ``predict`` and ``score`` (R\\ :sup:`2`). The target is standardised
inside the estimator (``scale_target=True``, the default), so predictions come
back in the units of ``y`` with no extra step.

Run it with ``python examples/plot_diabetes_kfold.py``; it takes well under a
minute on a laptop CPU and writes ``diabetes_kfold.png``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import DenseRegressor

X, y = load_diabetes(return_X_y=True)

# %%
# The model and the folds
# -----------------------
# A small network with early stopping on 10% of each training fold: the table
# has only 442 rows, and the held-out rows stop training before it overfits.
model = make_pipeline(
    StandardScaler(),
    DenseRegressor(
        hidden_layer_sizes=(32,),
        learning_rate=1e-2,
        early_stopping=True,
        epochs=200,
        random_state=0,
    ),
)
folds = KFold(n_splits=5, shuffle=True, random_state=0)

# %%
# The K-fold loop
# ---------------
# ``clone`` gives each fold a fresh, unfitted copy with the same parameters.
# The out-of-fold predictions of all folds together cover every row once.
oof = np.empty_like(y)
fold_r2 = []
for k, (train, test) in enumerate(folds.split(X), start=1):
    fold_model = clone(model).fit(X[train], y[train])
    oof[test] = fold_model.predict(X[test])
    fold_r2.append(fold_model.score(X[test], y[test]))
    epochs = fold_model[-1].n_iter_
    print(f"fold {k}: R^2 = {fold_r2[-1]:.3f} after {epochs} epochs")

ridge_r2 = cross_val_score(make_pipeline(StandardScaler(), Ridge()), X, y, cv=folds)
print(f"DenseRegressor: R^2 = {np.mean(fold_r2):.3f} +/- {np.std(fold_r2):.3f}")
print(f"Ridge:          R^2 = {ridge_r2.mean():.3f} +/- {ridge_r2.std():.3f}")
print(f"Out-of-fold MAE: {mean_absolute_error(y, oof):.1f}")

# %%
# Plot the out-of-fold predictions
# --------------------------------
fig, (ax_pred, ax_folds) = plt.subplots(1, 2, figsize=(10, 4))
ax_pred.scatter(y, oof, s=12, alpha=0.6)
lims = [min(y.min(), oof.min()), max(y.max(), oof.max())]
ax_pred.plot(lims, lims, color="grey", linestyle="--", linewidth=1)
ax_pred.set_xlabel("measured disease progression")
ax_pred.set_ylabel("out-of-fold prediction")
ax_pred.set_title(f"DenseRegressor, out-of-fold R^2 = {r2_score(y, oof):.2f}")
width = 0.35
positions = np.arange(1, folds.get_n_splits() + 1)
ax_folds.bar(positions - width / 2, fold_r2, width, label="DenseRegressor")
ax_folds.bar(positions + width / 2, ridge_r2, width, label="Ridge")
ax_folds.set_xticks(positions)
ax_folds.set_xlabel("fold")
ax_folds.set_ylabel("R^2 on the held-out fold")
ax_folds.set_title("Per-fold scores")
ax_folds.legend()
fig.tight_layout()
fig.savefig("diabetes_kfold.png", dpi=100)
print("Saved diabetes_kfold.png")
plt.show()
