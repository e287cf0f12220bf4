"""
Learning curves and early stopping
==================================

Every fit of a skdeep estimator records its per-epoch logs in ``history_``: the
training ``loss``, and with ``early_stopping=True`` the ``val_loss`` on the
held-out ``validation_fraction`` of the rows, plus any ``metrics`` you ask for
(``val_`` prefixed on the validation rows). :func:`skdeep.plotting.plot_history`
draws them.

Here a classifier on the 8x8 digits stops once the validation loss has not
improved for ``patience`` epochs and keeps the weights of its best epoch.
A ``warm_start`` fit then continues from that model, and ``history_`` grows.

Run it with ``python examples/plot_learning_curve.py``; it takes well under a
minute on a laptop CPU and writes ``learning_curve.png``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdeep import DenseClassifier
from skdeep.plotting import plot_history

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# Fit with early stopping
# -----------------------
# 20% of the training rows (stratified by class) are held out. Training stops
# when ``val_loss`` has not improved by ``min_delta`` for ``patience`` epochs,
# and the weights of the best epoch are restored.
clf = DenseClassifier(
    hidden_layer_sizes=(64,),
    learning_rate=1e-2,
    epochs=200,
    early_stopping=True,
    validation_fraction=0.2,
    patience=10,
    metrics=["accuracy"],
    random_state=0,
)
clf.fit(X_train, y_train)
best_epoch = int(np.argmin(clf.history_["val_loss"])) + 1
print(f"Logged per epoch: {sorted(clf.history_)}")
print(f"Stopped after {clf.n_iter_} of {clf.epochs} epochs; best epoch {best_epoch}")
print(f"Test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# Plot the learning curves
# ------------------------
# One panel per logged quantity, training and validation together. The dotted
# line marks the epoch whose weights the model kept.
axes = plot_history(clf, title="DenseClassifier on digits, early stopping")
for ax in axes:
    ax.axvline(best_epoch, color="grey", linestyle=":", label="best epoch")
    ax.legend()
axes[0].figure.savefig("learning_curve.png", dpi=100)
print("Saved learning_curve.png")

# %%
# Continue training with ``warm_start``
# -------------------------------------
# With ``warm_start=True`` a second ``fit`` starts from the trained weights, and
# its epochs are appended to ``history_`` (``n_iter_`` counts all of them).
epochs_before = clf.n_iter_
clf.set_params(warm_start=True, epochs=5, early_stopping=False)
clf.fit(X_train, y_train)
print(f"After a warm-start fit: {clf.n_iter_} epochs in all ({epochs_before} before)")
assert len(clf.history_["loss"]) == clf.n_iter_
plt.show()
