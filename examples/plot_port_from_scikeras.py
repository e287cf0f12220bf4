"""
Porting a SciKeras script to skdeep
===================================

A typical SciKeras script wraps a Keras model-building function in
``scikeras.wrappers.KerasClassifier`` and searches its hyperparameters with
``GridSearchCV``. The same search runs in skdeep with
:class:`skdeep.KerasClassifier` and a few mechanical changes:

1. The builder declares what it needs about the data as arguments
   (``input_shape``, ``n_outputs``, ``output_activation``, ``n_classes``)
   instead of reading SciKeras's ``meta`` dict, and ends in ``n_outputs`` units
   with ``output_activation`` (one sigmoid unit for a binary target).
2. Builder hyperparameters are still searched as ``model__<name>``, but are given
   at construction through :class:`skdeep.ModelBuilder`, because scikit-learn
   estimators take explicit parameters only.
3. ``optimizer__learning_rate`` becomes ``learning_rate``; ``fit__validation_split``
   becomes ``early_stopping=True, validation_fraction=...``; the loss is inferred
   from the target (``loss="auto"``).

The SciKeras script is shown as text; it runs too if SciKeras is installed
(``pip install scikeras``), with the same network, epochs and batch size, and
the two search times are printed side by side (not in the quick version,
``SKDEEP_EXAMPLE_QUICK=1``, that the tests and the documentation run). Run this
example with ``python examples/plot_port_from_scikeras.py``: the skdeep search
takes seconds (the SciKeras one, when installed, several times longer).
"""

import importlib.util
import os
import textwrap
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import KerasClassifier, ModelBuilder

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# The SciKeras script
# -------------------
# The builder receives SciKeras's ``meta`` dict, and the estimator routes
# ``model__*``, ``optimizer__*`` and ``fit__*`` keyword arguments.
SCIKERAS_SCRIPT = textwrap.dedent(
    """
    import keras
    from scikeras.wrappers import KerasClassifier

    def get_model(meta, hidden_units, dropout):
        model = keras.Sequential([keras.Input(meta["X_shape_"][1:])])
        model.add(keras.layers.Dense(hidden_units, activation="relu"))
        model.add(keras.layers.Dropout(dropout))
        model.add(keras.layers.Dense(meta["n_classes_"], activation="softmax"))
        return model

    clf = KerasClassifier(
        model=get_model,
        model__hidden_units=32,
        model__dropout=0.0,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=1e-2,
        epochs=30,
        batch_size=32,
        verbose=0,
        random_state=0,
    )
    pipe = make_pipeline(StandardScaler(), clf)
    search = GridSearchCV(
        pipe,
        {
            "kerasclassifier__model__hidden_units": [8, 32],
            "kerasclassifier__model__dropout": [0.0, 0.3],
        },
        cv=3,
    )
    search.fit(X_train, y_train)
    """
)
print("SciKeras version of the search:", SCIKERAS_SCRIPT, sep="\n")

# %%
# The skdeep script
# -----------------
# The same network, built from arguments. ``output_activation`` is
# ``"sigmoid"`` here (a binary target trains one unit), and the loss that goes
# with it is picked by ``loss="auto"``.


def get_model(input_shape, n_outputs, output_activation, hidden_units=32, dropout=0.0):
    model = keras.Sequential([keras.Input(input_shape)])
    model.add(keras.layers.Dense(hidden_units, activation="relu"))
    model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(n_outputs, activation=output_activation))
    return model


clf = KerasClassifier(
    model=ModelBuilder(get_model, hidden_units=32, dropout=0.0),
    learning_rate=1e-2,
    epochs=30,
    batch_size=32,
    random_state=0,
)
pipe = make_pipeline(StandardScaler(), clf)
param_grid = {
    "kerasclassifier__model__hidden_units": [8, 32],
    "kerasclassifier__model__dropout": [0.0, 0.3],
}
search = GridSearchCV(pipe, param_grid, cv=3)
start = time.perf_counter()
search.fit(X_train, y_train)
skdeep_seconds = time.perf_counter() - start
print(f"skdeep search: {skdeep_seconds:.1f} s")
print("best parameters:", search.best_params_)
print(
    f"test accuracy of the refitted best pipeline: {search.score(X_test, y_test):.3f}"
)

# %%
# What carries over
# -----------------
# ``model__*`` values are real parameters: ``get_params`` lists them (with the
# builder's defaults), ``clone`` keeps them, and the best estimator carries the
# winning values. Probabilities, the learning curve and reproducibility come
# with it.
best = search.best_estimator_[-1]
print("model__ parameters of the best estimator:", best.model)
print("predict_proba of two test rows:", search.predict_proba(X_test[:2]).round(3))
print("epochs run:", best.n_iter_, "logged:", sorted(best.history_))

# %%
# The SciKeras search, when SciKeras is installed
# -----------------------------------------------
# SciKeras is not a dependency of skdeep; run its version for comparison only if
# it is importable (it is unmaintained, and may fail on current scikit-learn).
# SKDEEP_EXAMPLE_QUICK=1 (set by the tests and the docs build) leaves it out: it
# takes a minute.
if os.environ.get("SKDEEP_EXAMPLE_QUICK") == "1":
    print("Quick version: skipping the SciKeras run.")
elif importlib.util.find_spec("scikeras") is None:
    print("SciKeras is not installed: skipping its run (pip install scikeras).")
else:
    namespace = {
        "make_pipeline": make_pipeline,
        "StandardScaler": StandardScaler,
        "GridSearchCV": GridSearchCV,
        "X_train": X_train,
        "y_train": y_train,
    }
    start = time.perf_counter()
    try:
        exec(SCIKERAS_SCRIPT, namespace)
    except Exception as exc:  # an example: report, don't hide
        print(f"The SciKeras search failed here: {type(exc).__name__}: {exc}")
    else:
        scikeras_seconds = time.perf_counter() - start
        scikeras_search = namespace["search"]
        print(
            f"SciKeras search: {scikeras_seconds:.1f} s "
            f"({scikeras_seconds / skdeep_seconds:.1f}x skdeep's), best "
            f"{scikeras_search.best_params_}, test accuracy "
            f"{scikeras_search.score(X_test, y_test):.3f}"
        )

# %%
# Plot the search and the best model's learning curve
# ---------------------------------------------------
results = search.cv_results_
labels = [
    f"{p['kerasclassifier__model__hidden_units']} units\n"
    f"dropout {p['kerasclassifier__model__dropout']}"
    for p in results["params"]
]
fig, (ax_search, ax_curve) = plt.subplots(1, 2, figsize=(10, 4))
ax_search.bar(
    np.arange(len(labels)),
    results["mean_test_score"],
    yerr=results["std_test_score"],
    color="tab:blue",
)
ax_search.set_xticks(np.arange(len(labels)), labels)
ax_search.set_ylim(0.8, 1.0)
ax_search.set_ylabel("mean CV accuracy")
ax_search.set_title("GridSearchCV over model__ parameters")
ax_curve.plot(np.arange(1, best.n_iter_ + 1), best.loss_curve_, marker=".")
ax_curve.set_xlabel("epoch")
ax_curve.set_ylabel("training loss")
ax_curve.set_title("best estimator: loss_curve_")
fig.tight_layout()
plt.show()
