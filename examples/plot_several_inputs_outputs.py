"""
A Keras model with several inputs and several outputs
=====================================================

Keras's Functional API builds networks with several named inputs and several
named outputs. :class:`skdeep.KerasClassifier` and :class:`skdeep.KerasRegressor`
train them as ordinary scikit-learn estimators:

1. **Several inputs.** A model whose inputs are ``keras.Input(..., name=...)``
   takes ``X`` as a dict of arrays by input name, or one table split by the
   estimator's ``input_columns={input name: [columns]}``. With
   ``input_columns``, ``X`` stays one pandas DataFrame, so the estimator goes
   into a ``Pipeline`` after a ``StandardScaler`` and into ``cross_val_score``
   as it is. Here, the 30 columns of scikit-learn's breast cancer table come in
   three groups of ten (the mean, the standard error and the worst value of
   ten cell measurements), and each group gets its own input and dense branch.
2. **Several outputs.** A model with several outputs takes ``y`` as a 2-D array
   (or a list of arrays, one per output, in the order of ``model.outputs``):
   a regressor output takes as many columns as it has units. ``loss`` may be
   one loss per output, as a dict by output name, and ``history_`` holds each
   output's loss under Keras's names. Here, the three targets of the Linnerud
   data (the weight, waist and pulse of 20 men) are predicted from their
   exercise results (chin-ups, sit-ups, jumps) by a model with two outputs:
   ``size`` (weight and waist, two units, mean squared error) and ``pulse``
   (one unit, mean absolute error).

Run it with ``python examples/plot_several_inputs_outputs.py``; it takes about
ten seconds on a laptop CPU (``SKDEEP_EXAMPLE_QUICK=1``, set by the tests and
the documentation build, trains for fewer epochs).
"""

import os

import keras
import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer, load_linnerud
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import KerasClassifier, KerasRegressor

# SKDEEP_EXAMPLE_QUICK=1 (set by the test suite and the docs build) trains for
# fewer epochs.
quick = os.environ.get("SKDEEP_EXAMPLE_QUICK") == "1"

# %%
# Several inputs: one DataFrame, split by ``input_columns``
# ---------------------------------------------------------
# The builder declares ``input_shape``; for a model with several inputs it
# receives a dict of one sample's shape per input name, here
# ``{"mean": (10,), "error": (10,), "worst": (10,)}``. Each input has its own
# small dense branch, and the branches meet before the output layer, which
# ends in ``n_outputs`` units with ``output_activation`` (one sigmoid unit for
# this binary target).
data = load_breast_cancer(as_frame=True)
X, y = data.data, data.target
groups = {
    "mean": [c for c in X.columns if c.startswith("mean ")],
    "error": [c for c in X.columns if c.endswith(" error")],
    "worst": [c for c in X.columns if c.startswith("worst ")],
}
print({name: len(columns) for name, columns in groups.items()})


def three_branches(input_shape, n_outputs, output_activation, units=8):
    inputs = {
        name: keras.Input(shape, name=name) for name, shape in input_shape.items()
    }
    branches = [
        keras.layers.Dense(units, activation="relu")(inputs[name]) for name in inputs
    ]
    joined = keras.layers.Concatenate()(branches)
    output = keras.layers.Dense(n_outputs, activation=output_activation)(joined)
    return keras.Model(inputs, output)


# %%
# The scaler keeps the column names (``set_output(transform="pandas")``), so
# ``input_columns`` finds each group in the scaled table. The estimator itself
# sees one table, and ``cross_val_score`` splits its rows as for any
# scikit-learn classifier.
clf = KerasClassifier(
    three_branches,
    input_columns=groups,
    learning_rate=1e-2,
    epochs=30 if quick else 100,
    random_state=0,
)
pipe = make_pipeline(StandardScaler().set_output(transform="pandas"), clf)
scores = cross_val_score(pipe, X, y, cv=3)
baseline = cross_val_score(
    make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), X, y, cv=3
)
print(f"three-input network: mean accuracy {scores.mean():.3f} (3 folds)")
print(f"LogisticRegression:  mean accuracy {baseline.mean():.3f} (3 folds)")

# %%
# Several outputs: a loss per output
# ----------------------------------
# The two outputs are named layers; ``loss`` and ``metrics`` refer to them by
# name, as in Keras's ``compile``. ``y`` is the three target columns side by
# side: the first two go to ``size`` (its two units), the third to ``pulse``.
# ``scale_target=True`` standardises each target column for training, so that
# the weight, in pounds, does not drown the waist and the pulse in the total
# loss; predictions come back in the original units.
linnerud = load_linnerud(as_frame=True)
X_ex, Y_body = linnerud.data, linnerud.target
print("inputs:", list(X_ex.columns), "targets:", list(Y_body.columns))


def two_heads(input_shape, units=16):
    inputs = keras.Input(input_shape)
    hidden = keras.layers.Dense(units, activation="relu")(inputs)
    size = keras.layers.Dense(2, name="size")(hidden)
    pulse = keras.layers.Dense(1, name="pulse")(hidden)
    return keras.Model(inputs, [size, pulse])


reg = make_pipeline(
    StandardScaler(),
    KerasRegressor(
        two_heads,
        loss={"size": "mse", "pulse": "mae"},
        metrics={"size": ["mae"]},
        scale_target=True,
        learning_rate=1e-2,
        epochs=60 if quick else 300,
        random_state=0,
    ),
)
reg.fit(X_ex, Y_body)
print("history_ keys:", sorted(reg[-1].history_))
print("predictions of two rows (weight, waist, pulse):")
print(reg.predict(X_ex[:2]).round(1))

# %%
# Predicted against actual values
# -------------------------------
# The network's predictions for the 20 men it was trained on, next to those
# of a linear regression on the same rows (R\ :sup:`2` in each panel). These
# are training-set fits, and the closer the network follows its 20 rows, the
# more it memorises them: out of fold, even the linear regression predicts
# these targets worse than their mean. The Linnerud data shows the shapes of a
# multi-output task, not a prediction one.
predicted = reg.predict(X_ex)
linear = make_pipeline(StandardScaler(), LinearRegression()).fit(X_ex, Y_body)
predicted_linear = linear.predict(X_ex)
fig, axes = plt.subplots(1, 3, figsize=(11, 3.8))
for j, (ax, name) in enumerate(zip(axes, Y_body.columns, strict=True)):
    actual = Y_body[name].to_numpy()
    network_r2 = r2_score(actual, predicted[:, j])
    linear_r2 = r2_score(actual, predicted_linear[:, j])
    ax.scatter(actual, predicted[:, j], label=f"network, R$^2$ {network_r2:.2f}")
    ax.scatter(
        actual,
        predicted_linear[:, j],
        marker="x",
        label=f"linear, R$^2$ {linear_r2:.2f}",
    )
    low, high = actual.min(), actual.max()
    ax.plot([low, high], [low, high], color="gray", linestyle="--")
    output = "size" if j < 2 else "pulse"
    ax.set_title(f"{name} (output {output!r})")
    ax.set_xlabel("actual")
    ax.set_ylabel("predicted (training rows)")
    ax.legend(fontsize="small")
    print(f"{name}: training R^2 {network_r2:.3f} (linear regression {linear_r2:.3f})")
fig.tight_layout()
plt.show()
