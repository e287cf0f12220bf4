"""
Fashion-MNIST with a convolutional network
==========================================

Fashion-MNIST has 70,000 grey 28x28 images of clothes in 10 classes (60,000 to
train, 10,000 to test). Here it is read from the IDX files of the Debian
package ``dataset-fashion-mnist`` (``apt-get install dataset-fashion-mnist``,
files under ``/usr/share/datasets/fashion-mnist/``; set ``FASHION_MNIST_DIR``
for another folder). Nothing is downloaded: without the files the example says
so and exits.

Images go in as ``(n, 28, 28)`` float32 arrays scaled to [0, 1]; float32 input
makes a float32 network (``dtype="auto"``), several times faster on a CPU than
float64. By default the example trains :class:`skdeep.CNNClassifier` with its
default architecture on 10,000 training images for 5 epochs (about a minute on
a laptop CPU) and shows test images with their predicted classes. Run it with
``--full`` to train with default parameters on all 60,000 images (about 0.92
test accuracy; ``benchmarks/bench_cnn.py`` records the time on our machine).
"""

import argparse
import gzip
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from skdeep import CNNClassifier

CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
DATA_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def load_idx(kind):
    """Images (n, 28, 28) as uint8 and labels (n,) of 'train' or 't10k'."""
    with gzip.open(os.path.join(DATA_DIR, f"{kind}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(DATA_DIR, f"{kind}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images, labels


parser = argparse.ArgumentParser(description="CNNClassifier on Fashion-MNIST")
parser.add_argument("--full", action="store_true", help="all 60k images, defaults")
args = parser.parse_args()

if not os.path.exists(os.path.join(DATA_DIR, "train-images-idx3-ubyte.gz")):
    print(
        f"Fashion-MNIST not found in {DATA_DIR}: skipping this example. "
        "Install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu)."
    )
    raise SystemExit(0)

X_train, y_train = load_idx("train")
X_test, y_test = load_idx("t10k")
X_train = X_train.astype(np.float32) / 255
X_test = X_test.astype(np.float32) / 255
# Class names as labels: predictions come back as names.
names = np.array(CLASSES)
y_train, y_test = names[y_train], names[y_test]

# %%
# Fit
# ---
if args.full:
    clf = CNNClassifier(random_state=0)
else:
    X_train, y_train = X_train[:10_000], y_train[:10_000]
    clf = CNNClassifier(epochs=5, random_state=0)
start = time.perf_counter()
clf.fit(X_train, y_train)
seconds = time.perf_counter() - start
accuracy = clf.score(X_test, y_test)
print(
    f"{len(X_train)} training images, {clf.n_iter_} epochs, {seconds:.0f} s: "
    f"test accuracy {accuracy:.3f}"
)

# %%
# Predictions on test images
# --------------------------
pred = clf.predict(X_test[:12])
fig, axes = plt.subplots(2, 6, figsize=(12, 4.5))
for ax, image, true, guess in zip(axes.flat, X_test, y_test, pred, strict=False):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(guess, color="black" if guess == true else "red", fontsize=9)
    ax.set_axis_off()
fig.suptitle(f"CNNClassifier on Fashion-MNIST (test accuracy {accuracy:.3f})")
fig.savefig("cnn_fashion_mnist.png", dpi=100)
print("Saved cnn_fashion_mnist.png")
plt.show()
