"""``skdeep.datasets``: download, verification, cache and errors, all offline.

A fake ``vaderSentiment`` source distribution, built here with the layout of
the real one, is served from a ``file://`` URL (or through a fake response
where a test needs to break the download halfway); the real PyPI file is never
fetched.
"""

import doctest
import hashlib
import io
import os
import socket
import subprocess
import sys
import tarfile
import urllib.error

import numpy as np
import pytest

from skdeep import datasets
from skdeep.datasets import fetch_sentiment_snippets, get_data_home

# id, mean rating, text: two positive, one neutral (left out), one negative.
ROWS = {
    "movie": [
        ("1", "2.26666666667", "A splendid, moving film."),
        ("2", "3.5", "The best movie of the year."),
        ("3", "0.0", "It is a film about a dog."),
        ("4", "-0.6", "Effective but too tepid biopic"),
    ],
    "tweets": [("1", "1.2", "love this @anonymous"), ("2", "-2.0", "worst day")],
    "amazon": [("1", "-1.5", "The battery died."), ("2", "2.0", "Works great.")],
    "nyt": [("1", "-0.3", "The plan fails."), ("2", "0.4", "A fair compromise.")],
}


def _tar_gz(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _ground_truth(rows):
    return "".join("\t".join(row) + "\r\n" for row in rows).encode()


def _fake_sdist():
    inner = {
        f"hutto_ICWSM_2014/{datasets._SNIPPET_FILES[k]}": _ground_truth(rows)
        for k, rows in ROWS.items()
    }
    inner["hutto_ICWSM_2014/vader_icwsm2014_final.pdf"] = b"%PDF not needed"
    return _tar_gz(
        {
            "vaderSentiment-3.3.2/LICENSE.txt": b"The MIT License (MIT)\n",
            "vaderSentiment-3.3.2/vaderSentiment/vaderSentiment.py": b"# code\n",
            "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz": (
                _tar_gz(inner)
            ),
        }
    )


@pytest.fixture
def sdist(tmp_path, monkeypatch):
    """The fake source distribution, served from a file:// URL."""
    content = _fake_sdist()
    path = tmp_path / "served" / "vaderSentiment-3.3.2.tar.gz"
    path.parent.mkdir()
    path.write_bytes(content)
    remote = datasets._RemoteFile(
        filename=path.name,
        url=path.as_uri(),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
    monkeypatch.setattr(datasets, "_VADER_SDIST", remote)
    return remote, content


@pytest.fixture
def home(tmp_path, monkeypatch):
    # Nothing may fall back to the real ~/.cache/skdeep.
    monkeypatch.setenv("SKDEEP_DATA_HOME", str(tmp_path / "env-home"))
    return tmp_path / "home"


def _no_network(url, timeout):
    raise AssertionError(f"no download expected, got one of {url}")


def _cached(home):
    folder = home / "sentiment_snippets"
    return sorted(os.listdir(folder)) if folder.exists() else []


EXPECTED_FILES = sorted([*datasets._SNIPPET_FILES.values(), "LICENSE.txt"])


def test_download_verify_extract_then_read_from_cache(sdist, home, capsys):
    data = fetch_sentiment_snippets(data_home=home)
    progress = capsys.readouterr()
    assert progress.out == ""
    assert "Downloading vaderSentiment-3.3.2.tar.gz" in progress.err
    assert "100%" in progress.err
    assert "done" in progress.err
    # Only the rated sentences and the licence are kept: no archive, no PDF,
    # no temporary file.
    assert _cached(home) == EXPECTED_FILES
    assert data.data == [
        "A splendid, moving film.",
        "The best movie of the year.",
        "Effective but too tepid biopic",
    ]
    assert data.target.tolist() == [1, 1, 0]
    assert list(data.target_names[data.target]) == ["pos", "pos", "neg"]
    np.testing.assert_allclose(data.rating, [2.26666666667, 3.5, -0.6])
    assert "MIT" in data.DESCR
    assert "Hutto" in data.DESCR
    assert datasets._VADER_SDIST.url in data.DESCR
    assert "3 (2 positive, 1 negative)" in data.DESCR


def test_cache_is_reused_silently_for_every_source(sdist, home, capsys, monkeypatch):
    fetch_sentiment_snippets(data_home=home)
    capsys.readouterr()
    monkeypatch.setattr(datasets, "_urlopen", _no_network)
    for source, rows in ROWS.items():
        X, y = fetch_sentiment_snippets(source, data_home=home, return_X_y=True)
        expected = [r for r in rows if float(r[1]) != 0]
        assert [r[2] for r in expected] == X
        assert y.tolist() == [int(float(r[1]) > 0) for r in expected]
    assert capsys.readouterr().err == ""


def test_data_home_from_argument_environment_or_default(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("SKDEEP_DATA_HOME", raising=False)
    assert get_data_home() == str(tmp_path / "user" / ".cache" / "skdeep")
    monkeypatch.setenv("SKDEEP_DATA_HOME", str(tmp_path / "from-env"))
    assert get_data_home() == str(tmp_path / "from-env")
    assert get_data_home(tmp_path / "given") == str(tmp_path / "given")
    assert get_data_home("~/x") == str(tmp_path / "user" / "x")
    for name in ("user/.cache/skdeep", "from-env", "given", "user/x"):
        assert (tmp_path / name).is_dir()


def test_environment_variable_is_the_default_cache(sdist, tmp_path, monkeypatch):
    monkeypatch.setenv("SKDEEP_DATA_HOME", str(tmp_path / "env"))
    fetch_sentiment_snippets()
    assert _cached(tmp_path / "env") == EXPECTED_FILES


def test_checksum_mismatch_caches_nothing(sdist, home, monkeypatch):
    remote, _ = sdist
    monkeypatch.setattr(datasets, "_VADER_SDIST", remote._replace(sha256="0" * 64))
    with pytest.raises(OSError, match=r"SHA-256 [0-9a-f]{64}, not the expected 0+"):
        fetch_sentiment_snippets(data_home=home)
    assert _cached(home) == []


def test_offline_error_says_what_failed_and_how_to_go_on(sdist, home, monkeypatch):
    def offline(url, timeout):
        raise urllib.error.URLError(
            socket.gaierror(-3, "Temporary failure in name resolution")
        )

    monkeypatch.setattr(datasets, "_urlopen", offline)
    with pytest.raises(OSError) as info:
        fetch_sentiment_snippets(data_home=home)
    message = str(info.value)
    assert "Could not download vaderSentiment-3.3.2.tar.gz" in message
    assert datasets._VADER_SDIST.url in message
    assert "name resolution" in message
    assert "pip download --no-deps --no-binary :all: vaderSentiment==3.3.2" in message
    assert str(home) in message
    assert _cached(home) == []


def test_a_copy_of_the_archive_in_data_home_replaces_the_download(
    sdist, home, monkeypatch
):
    _, content = sdist
    home.mkdir()
    (home / "vaderSentiment-3.3.2.tar.gz").write_bytes(content)
    monkeypatch.setattr(datasets, "_urlopen", _no_network)
    assert len(fetch_sentiment_snippets("nyt", data_home=home).data) == 2
    assert _cached(home) == EXPECTED_FILES


def test_a_damaged_copy_in_data_home_is_named_in_the_error(sdist, home, monkeypatch):
    home.mkdir()
    (home / "vaderSentiment-3.3.2.tar.gz").write_bytes(b"truncated")
    monkeypatch.setattr(datasets, "_urlopen", _no_network)
    with pytest.raises(OSError, match=r"Delete .*vaderSentiment-3\.3\.2\.tar\.gz"):
        fetch_sentiment_snippets(data_home=home)


def test_download_if_missing_false_never_downloads(sdist, home, monkeypatch):
    monkeypatch.setattr(datasets, "_urlopen", _no_network)
    with pytest.raises(OSError, match="download_if_missing is False"):
        fetch_sentiment_snippets(data_home=home, download_if_missing=False)


class _BrokenResponse:
    """A response that delivers its first chunk, then is interrupted."""

    def __init__(self, content, error):
        self.headers = {"Content-Length": str(len(content))}
        self._chunks = [content[: len(content) // 2]]
        self._error = error

    def read(self, n):
        if self._chunks:
            return self._chunks.pop()
        raise self._error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize(
    ("error", "raised"),
    [(KeyboardInterrupt(), KeyboardInterrupt), (TimeoutError("timed out"), OSError)],
)
def test_interrupted_download_leaves_no_cache(
    sdist, home, monkeypatch, capsys, error, raised
):
    _, content = sdist
    urlopen = datasets._urlopen
    monkeypatch.setattr(
        datasets, "_urlopen", lambda url, timeout: _BrokenResponse(content, error)
    )
    with pytest.raises(raised):
        fetch_sentiment_snippets(data_home=home)
    assert "stopped" in capsys.readouterr().err
    assert _cached(home) == []
    monkeypatch.setattr(datasets, "_urlopen", urlopen)
    assert len(fetch_sentiment_snippets(data_home=home).data) == 3


def test_interrupted_extraction_leaves_only_complete_files(sdist, home, monkeypatch):
    replace = os.replace
    calls = []

    def interrupted_replace(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise KeyboardInterrupt
        replace(src, dst)

    monkeypatch.setattr(datasets.os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        fetch_sentiment_snippets(data_home=home)
    cached = _cached(home)
    # Two files were written whole, the third not at all, no partial files.
    assert len(cached) == 2
    assert not [name for name in cached if name.endswith(".part")]
    for name in cached:
        assert (home / "sentiment_snippets" / name).stat().st_size > 0
    monkeypatch.setattr(datasets.os, "replace", replace)
    for source in ROWS:
        fetch_sentiment_snippets(source, data_home=home)
    assert _cached(home) == EXPECTED_FILES


def test_unknown_source_is_rejected(home):
    with pytest.raises(ValueError, match=r"source must be one of \['amazon'"):
        fetch_sentiment_snippets("imdb", data_home=home)


def test_docstring_example_runs_from_a_cache(sdist, home, monkeypatch):
    """The example is skipped in the doctests (it downloads); run its code
    here from a cache. Its printed values are those of the real data."""
    fetch_sentiment_snippets(data_home=home)
    monkeypatch.setenv("SKDEEP_DATA_HOME", str(home))
    monkeypatch.setattr(datasets, "_urlopen", _no_network)
    examples = doctest.DocTestParser().get_examples(fetch_sentiment_snippets.__doc__)
    assert examples
    namespace = {}
    for example in examples:
        exec(compile(example.source, "<example>", "exec"), namespace)
    assert namespace["snippets"].data[2] == "Effective but too tepid biopic"


def test_import_has_no_side_effects(tmp_path):
    code = (
        "import sys, skdeep.datasets\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "SKDEEP_DATA_HOME"}
    env["HOME"] = str(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    assert out.stdout.strip() == "[]"
    assert out.stderr == ""
    assert os.listdir(tmp_path) == []
