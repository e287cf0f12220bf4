"""Public data sets to try skdeep on, fetched once and cached.

Like scikit-learn's ``fetch_*`` functions, a fetcher downloads its data on
first use, verifies it and keeps what it needs in a cache folder (see
:func:`get_data_home`); later calls read the cache and need no network.
Nothing is downloaded when this module is imported, and it does not import
TensorFlow.
"""

import hashlib
import http.client
import io
import os
import secrets
import sys
import tarfile
import textwrap
import time
import urllib.request
from collections import namedtuple

import numpy as np
from sklearn.utils import Bunch

__all__ = ["fetch_sentiment_snippets", "get_data_home"]

DATA_HOME_ENV = "SKDEEP_DATA_HOME"

# A file on PyPI's file host; ``sha256`` is PyPI's own digest of it.
_RemoteFile = namedtuple("_RemoteFile", "filename url sha256 size")

# The source distribution of vaderSentiment 3.3.2 (MIT licence). Its
# additional_resources/hutto_ICWSM_2014.tar.gz holds the rated sentences.
_VADER_SDIST = _RemoteFile(
    filename="vaderSentiment-3.3.2.tar.gz",
    url=(
        "https://files.pythonhosted.org/packages/77/8c/"
        "4a48c10a50f750ae565e341e697d74a38075a3e43ff0df6f1ab72e186902/"
        "vaderSentiment-3.3.2.tar.gz"
    ),
    sha256="5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9",
    size=2466783,
)
_VADER_INNER = "hutto_ICWSM_2014.tar.gz"
_VADER_LICENSE = "LICENSE.txt"
_SNIPPETS_FOLDER = "sentiment_snippets"
_SNIPPET_FILES = {
    "movie": "movieReviewSnippets_GroundTruth.txt",
    "tweets": "tweets_GroundTruth.txt",
    "amazon": "amazonReviewSnippets_GroundTruth.txt",
    "nyt": "nytEditorialSnippets_GroundTruth.txt",
}
_SNIPPET_TITLES = {
    "movie": (
        "Sentences of movie reviews from rottentomatoes.com (the sentences of "
        "Pang and Lee's sentence-polarity data)"
    ),
    "tweets": "Tweet-like texts, inspired by tweets from Twitter's public timeline",
    "amazon": (
        "Sentences of 309 Amazon customer reviews of 5 products (Hu and Liu 2004)"
    ),
    "nyt": "Sentences of 500 New York Times opinion editorials",
}

_DESCR = """\
.. _sentiment_snippets:

{heading}
{underline}

{summary}

**Data set characteristics:**

:Number of texts: {n_texts} ({n_pos} positive, {n_neg} negative)
:Texts: raw English text, one sentence (or tweet) each
:Source sets: "movie" (10,605 texts), "tweets" (4,200), "amazon" (3,708),
    "nyt" (5,190), before the neutral ones are left out

Source: the file ``{filename}``
of ``additional_resources/{inner}`` in the source distribution
of the ``vaderSentiment`` package, version 3.3.2, on PyPI:
{url}
(SHA-256 {sha256}).

Licence: MIT licence, Copyright (c) 2016 C.J. Hutto; a copy is kept next to
the cached data (``LICENSE.txt``).

Citation: C.J. Hutto and E.E. Gilbert (2014). VADER: A Parsimonious
Rule-based Model for Sentiment Analysis of Social Media Text. Eighth
International Conference on Weblogs and Social Media (ICWSM-14), Ann Arbor,
MI, June 2014.
"""
_SUMMARY = (
    "{title}, each rated for sentiment by at least 20 people on a scale from -4 "
    "(extremely negative) to +4 (extremely positive). ``rating`` is the mean "
    'rating; ``target`` is 1 ("pos") for a positive mean and 0 ("neg") for a '
    "negative one. Texts with a mean rating of exactly 0 are left out."
)


def get_data_home(data_home=None):
    """Return the folder where skdeep keeps the data sets it fetches.

    It is, in order of preference, ``data_home``, the folder named by the
    environment variable ``SKDEEP_DATA_HOME``, or ``~/.cache/skdeep``. A
    leading ``~`` is expanded to the user's home folder, and the folder is
    created if it does not exist.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use. ``None`` means ``SKDEEP_DATA_HOME`` if that is set,
        else ``~/.cache/skdeep``.

    Returns
    -------
    data_home : str
        The folder.

    Examples
    --------
    >>> from skdeep.datasets import get_data_home
    >>> get_data_home("my_data")
    'my_data'
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV, os.path.join("~", ".cache", "skdeep"))
    data_home = os.path.expanduser(os.fspath(data_home))
    os.makedirs(data_home, exist_ok=True)
    return data_home


def fetch_sentiment_snippets(
    source="movie", *, data_home=None, download_if_missing=True, return_X_y=False
):
    """Load sentences rated for sentiment by people (binary classification).

    The four sets of Hutto and Gilbert (2014), used to evaluate the VADER
    sentiment analyser: sentences of movie reviews (``"movie"``, 10,568
    rated non-neutral; the sentences of Pang and Lee's sentence-polarity
    data), tweet-like texts (``"tweets"``, 4,196), sentences of Amazon
    reviews (``"amazon"``, 3,610) and of New York Times editorials
    (``"nyt"``, 4,946). Each text carries the mean rating of at least 20
    people, from -4 to +4; the target is its sign. Short raw texts, so a
    bag-of-words baseline is strong and a network has to earn its keep.

    The data come from the source distribution of the ``vaderSentiment``
    package on PyPI (MIT licence). The first call downloads it (2.5 MB, with
    its progress on standard error), checks its SHA-256 digest and keeps only
    the four rated-sentence files and the licence in
    ``<data_home>/sentiment_snippets``; later calls read them from there. An
    interrupted download leaves nothing behind.

    Parameters
    ----------
    source : {"movie", "tweets", "amazon", "nyt"}, default="movie"
        Which set of texts to load.

    data_home : str or path-like, default=None
        The folder that holds the cache. ``None`` means the folder named by
        the environment variable ``SKDEEP_DATA_HOME``, else
        ``~/.cache/skdeep`` (see :func:`get_data_home`). Without network
        access, put ``vaderSentiment-3.3.2.tar.gz`` (from
        ``pip download --no-deps --no-binary :all: vaderSentiment==3.3.2``
        run elsewhere) in this folder: it is used instead of a download.

    download_if_missing : bool, default=True
        If False, raise an ``OSError`` when the data are not in the cache
        instead of downloading them.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : list of str
            The texts.
        target : ndarray of shape (n_texts,) of int
            1 for a positive mean rating, 0 for a negative one.
        target_names : ndarray of str
            ``["neg", "pos"]``, so ``target_names[target]`` gives each
            text's label as a string.
        rating : ndarray of shape (n_texts,) of float
            The mean rating of each text, from -4 to +4 (never 0).
        DESCR : str
            The description of the set: source, licence and citation.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    OSError
        If the data are not cached and ``download_if_missing`` is False, if
        the download fails (no network), or if the downloaded file does not
        have the expected SHA-256 digest. The message says how to go on.

    Notes
    -----
    Cite Hutto, C.J. and Gilbert, E.E. (2014), "VADER: A Parsimonious
    Rule-based Model for Sentiment Analysis of Social Media Text", ICWSM-14,
    when you use these data.

    Examples
    --------
    The first call downloads 2.5 MB; later ones read the cache.

    >>> from skdeep.datasets import fetch_sentiment_snippets
    >>> snippets = fetch_sentiment_snippets()  # doctest: +SKIP
    >>> len(snippets.data), snippets.target.mean().round(2)  # doctest: +SKIP
    (10568, np.float64(0.5))
    >>> snippets.target_names[snippets.target[:3]]  # doctest: +SKIP
    array(['pos', 'pos', 'neg'], dtype='<U3')
    >>> snippets.data[2]  # doctest: +SKIP
    'Effective but too tepid biopic'
    """
    if source not in _SNIPPET_FILES:
        raise ValueError(
            f"source must be one of {sorted(_SNIPPET_FILES)}; got {source!r}."
        )
    home = get_data_home(data_home)
    folder = os.path.join(home, _SNIPPETS_FOLDER)
    path = os.path.join(folder, _SNIPPET_FILES[source])
    if not os.path.exists(path):
        if not download_if_missing:
            raise OSError(
                f"The {source!r} sentiment snippets are not in {folder}, and "
                "download_if_missing is False. Call fetch_sentiment_snippets() "
                "once with network access (or with download_if_missing=True)."
            )
        _fetch_vader_files(home, folder)
    texts, rating = _read_ground_truth(path)
    target = (rating > 0).astype(np.int64)
    if return_X_y:
        return texts, target
    heading = f'Rated sentences of Hutto and Gilbert (2014): the "{source}" set'
    descr = _DESCR.format(
        heading=heading,
        underline="-" * len(heading),
        summary=textwrap.fill(_SUMMARY.format(title=_SNIPPET_TITLES[source]), 79),
        n_texts=len(texts),
        n_pos=int(target.sum()),
        n_neg=int(len(target) - target.sum()),
        filename=_SNIPPET_FILES[source],
        inner=_VADER_INNER,
        url=_VADER_SDIST.url,
        sha256=_VADER_SDIST.sha256,
    )
    return Bunch(
        data=texts,
        target=target,
        target_names=np.array(["neg", "pos"]),
        rating=rating,
        DESCR=descr,
    )


def _read_ground_truth(path):
    """Texts and mean ratings of a ``*_GroundTruth.txt`` file (lines of
    ``id<TAB>mean rating<TAB>text``), leaving out neutral ones."""
    texts, ratings = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) < 3 or float(parts[1]) == 0:
                continue
            texts.append(parts[2])
            ratings.append(float(parts[1]))
    return texts, np.asarray(ratings, dtype=np.float64)


def _fetch_vader_files(home, folder):
    """Put the rated-sentence files and the licence of vaderSentiment's
    source distribution into ``folder``, from a copy in ``home`` if there is
    one, else from PyPI."""
    local = os.path.join(home, _VADER_SDIST.filename)
    if os.path.exists(local):
        with open(local, "rb") as f:
            archive = f.read()
        where = local
    else:
        archive = _download(_VADER_SDIST, folder)
        where = _VADER_SDIST.url
    digest = hashlib.sha256(archive).hexdigest()
    if digest != _VADER_SDIST.sha256:
        raise OSError(
            f"{_VADER_SDIST.filename} from {where} has SHA-256 {digest}, not the "
            f"expected {_VADER_SDIST.sha256}: it is damaged or not the published "
            "file. Nothing was cached. "
            + (
                f"Delete {local} and try again."
                if where == local
                else "Try again; if it persists, download the file by hand "
                f"and put it in {home}."
            )
        )
    os.makedirs(folder, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as outer:
        inner_bytes = license_bytes = None
        for member in outer.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if not member.isfile():
                continue
            if name == _VADER_INNER:
                inner_bytes = outer.extractfile(member).read()
            # The licence at the top of the distribution, not a vendored one.
            elif name == _VADER_LICENSE and member.name.count("/") == 1:
                license_bytes = outer.extractfile(member).read()
    if inner_bytes is None:
        raise OSError(
            f"{_VADER_SDIST.filename} has no {_VADER_INNER}; it is not the "
            "published file. Delete it and try again."
        )
    if license_bytes is not None:
        _write_atomically(os.path.join(folder, _VADER_LICENSE), license_bytes)
    wanted = set(_SNIPPET_FILES.values())
    with tarfile.open(fileobj=io.BytesIO(inner_bytes), mode="r:gz") as inner:
        for member in inner.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if member.isfile() and name in wanted:
                content = inner.extractfile(member).read()
                _write_atomically(os.path.join(folder, name), content)


def _write_atomically(path, content):
    """Write ``content`` to ``path`` so that ``path`` is either absent or
    complete, even if the process is stopped halfway."""
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
    # Created like open() would (permissions from the umask), but never over
    # another process's file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(tmp, path)
    except BaseException:
        os.remove(tmp)
        raise


def _urlopen(url, timeout):
    # One seam for the tests, which serve fake archives without a network.
    return urllib.request.urlopen(url, timeout=timeout)


def _download(remote, folder, chunk_size=64 * 1024):
    """The bytes of ``remote``, with the progress on standard error."""
    try:
        response = _urlopen(remote.url, timeout=30)
    except (OSError, http.client.HTTPException) as exc:
        raise OSError(_offline_message(remote, folder, exc)) from exc
    progress = _Progress(remote.filename, remote.url, remote.size)
    chunks = []
    with response:
        size = int(response.headers.get("Content-Length") or remote.size)
        progress.size = size
        try:
            while chunk := response.read(chunk_size):
                chunks.append(chunk)
                progress.update(len(chunk))
        except (OSError, http.client.HTTPException) as exc:
            progress.close(failed=True)
            raise OSError(_offline_message(remote, folder, exc)) from exc
        except BaseException:
            progress.close(failed=True)
            raise
    progress.close()
    return b"".join(chunks)


def _offline_message(remote, folder, exc):
    reason = getattr(exc, "reason", exc)
    home = os.path.dirname(folder)
    return (
        f"Could not download {remote.filename} from {remote.url} ({reason}). "
        "Check the network connection (urllib honours the HTTPS_PROXY "
        "environment variable) and try again. Without network access: run "
        "`pip download --no-deps --no-binary :all: vaderSentiment==3.3.2` on "
        f"a machine that has it and put the file in {home} (or in the folder "
        "you pass as data_home); it is used instead of a download."
    )


class _Progress:
    """Download progress on standard error: one line redrawn in a terminal,
    a line a quarter otherwise (logs, pipes)."""

    def __init__(self, filename, url, size):
        self.filename, self.url, self.size = filename, url, size
        self.done = 0
        self.start = time.perf_counter()
        self.stream = sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.shown = -1
        host = url.split("/")[2] if "://" in url else url
        self._write(f"Downloading {filename} ({self._mb(size)} MB) from {host}\n")

    @staticmethod
    def _mb(n):
        return f"{n / 1e6:.1f}"

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def update(self, n):
        self.done += n
        percent = min(100, int(100 * self.done / self.size)) if self.size else 0
        step = percent if self.tty else percent // 25 * 25
        if step == self.shown:
            return
        self.shown = step
        line = f"  {percent:3d}% ({self._mb(self.done)} of {self._mb(self.size)} MB)"
        self._write(f"\r{line}" if self.tty else f"{line}\n")

    def close(self, failed=False):
        if self.tty:
            self._write("\n")
        seconds = time.perf_counter() - self.start
        if failed:
            self._write(f"  download of {self.filename} stopped\n")
        else:
            self._write(f"  done ({self._mb(self.done)} MB in {seconds:.1f} s)\n")
