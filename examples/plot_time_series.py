"""
Time-series classification with the fully convolutional network
================================================================

:class:`skdeep.SequenceClassifier` takes numeric series as ``(n, steps,
channels)`` arrays (or flattened, with ``sequence_shape``). For series its
default network (``cell="auto"``) is the fully convolutional network of the
time-series literature: each series standardised on its own, three blocks of
``Conv1D``, batch normalisation and ReLU (64, 128 and 64 filters of widths 8,
5 and 3), global average pooling over time, and a training length that
follows the size of the data set (see the user guide's "Choosing a model").

The data are sets of the UCR archive bundled as ``.ts`` files in the PyPI
package ``sktime``. They are read straight from its wheel, without installing
sktime: fetch them once with ``python examples/_sequence_data.py sktime`` (it
uses ``pip download``); without them this example says so and exits.

By default it uses GunPoint (50 training and 150 test series of 150 steps:
whether an actor draws a gun or points a finger) and takes a minute or two on
a laptop CPU; ``--dataset OSULeaf`` (or ``ACSF1``, ``ArrowHead``, ...) picks
another. Next to it: 1-nearest-neighbour with Euclidean distance, the classic
baseline of the archive. It writes ``time_series.png``.
"""

import argparse
import time

import matplotlib.pyplot as plt
import numpy as np
from _sequence_data import load_ts
from sklearn.neighbors import KNeighborsClassifier

from skdeep import SequenceClassifier

parser = argparse.ArgumentParser(description="SequenceClassifier on a UCR set")
parser.add_argument("--dataset", default="GunPoint", help="an sktime .ts set")
args = parser.parse_args()

try:
    X_train, y_train, X_test, y_test = load_ts(args.dataset)
except FileNotFoundError as exc:
    print(f"Skipping this example: {exc}")
    raise SystemExit(0) from None
print(
    f"{args.dataset}: {len(X_train)} training and {len(X_test)} test series of "
    f"{X_train.shape[1]} steps x {X_train.shape[2]} channel(s), "
    f"classes {np.unique(y_train).tolist()}"
)

# %%
# Fit with default parameters
# ---------------------------
# The series go in as they are, (n, steps, channels). Labels are strings.
clf = SequenceClassifier(random_state=0)
start = time.perf_counter()
clf.fit(X_train, y_train)
seconds = time.perf_counter() - start
accuracy = clf.score(X_test, y_test)
print(
    f"SequenceClassifier: test accuracy {accuracy:.3f} "
    f"({clf.n_iter_} epochs, {seconds:.0f} s)"
)

knn = KNeighborsClassifier(n_neighbors=1).fit(X_train[:, :, 0], y_train)
print(f"1-nearest neighbour: test accuracy {knn.score(X_test[:, :, 0], y_test):.3f}")

# %%
# Plot the series and the learning curve
# --------------------------------------
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
classes = clf.classes_
colors = plt.get_cmap("tab10")
for k, label in enumerate(classes):
    for i, series in enumerate(X_train[y_train == label][:3]):
        ax1.plot(
            series[:, 0],
            color=colors(k),
            alpha=0.7,
            label=f"class {label}" if i == 0 else None,
        )
ax1.set_title(f"{args.dataset}: training series")
ax1.set_xlabel("step")
ax1.legend()
ax2.plot(np.arange(1, clf.n_iter_ + 1), clf.loss_curve_)
ax2.set_title(f"training loss; test accuracy {accuracy:.3f}")
ax2.set_xlabel("epoch")
ax2.set_yscale("log")
fig.tight_layout()
fig.savefig("time_series.png", dpi=100)
print("Saved time_series.png")
