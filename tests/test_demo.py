"""The demo (``make demo``) runs end to end in a fresh process."""

import os
import subprocess
import sys

import numpy as np
import pytest

from skdeep import datasets, demo


def _fake_movie_cache(home):
    """A small cache of the movie sentences, in the layout that
    ``fetch_sentiment_snippets`` keeps, so the demo's text rows run offline."""
    rng = np.random.RandomState(0)
    words = {1: ["good", "great", "moving", "superb"], -1: ["bad", "dull", "awful"]}
    lines = []
    for i in range(200):
        sign = 1 if i % 2 else -1
        text = " ".join(rng.choice(words[sign], 3)) + f" film number {i}"
        lines.append(f"{i + 1}\t{sign * rng.uniform(0.5, 3):.3f}\t{text}\r\n")
    folder = home / datasets._SNIPPETS_FOLDER
    folder.mkdir(parents=True)
    (folder / datasets._SNIPPET_FILES["movie"]).write_text("".join(lines))


@pytest.mark.timeout(600)
def test_demo_quick_runs_in_a_fresh_process(tmp_path):
    # The demo's sentences come from a fake cache: the test never downloads.
    home = tmp_path / "data-home"
    _fake_movie_cache(home)
    env = {**os.environ, "SKDEEP_DATA_HOME": str(home)}
    out = tmp_path / "plots"
    result = subprocess.run(
        [sys.executable, "-m", "skdeep.demo", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # No warnings (from the baselines or anything else), no log lines.
    assert result.stderr == ""
    table = result.stdout
    for task in (
        "breast cancer",
        "wine",
        "diabetes",
        "digits",
        "Cylinder-Bell",
        "movie-review sentences, raw text (200)",
    ):
        assert task in table
    for model in (
        "DenseClassifier",
        "CNNClassifier",
        "SequenceClassifier",
        "TF-IDF + LogisticRegression",
    ):
        assert model in table
    assert any(name.endswith(".png") for name in os.listdir(out))


def test_text_rows_are_skipped_with_the_reason_when_the_data_cannot_come(
    monkeypatch, capsys
):
    def offline(*args, **kwargs):
        raise OSError("Could not download vaderSentiment-3.3.2.tar.gz (offline)")

    monkeypatch.setattr(datasets, "fetch_sentiment_snippets", offline)
    assert demo.text_section(quick=True, out=None) == []
    printed = capsys.readouterr().out
    assert "skipping the text rows: Could not download" in printed
