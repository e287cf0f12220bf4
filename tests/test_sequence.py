"""SequenceClassifier: text, token ids (2-D and ragged) and numeric series."""

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdeep
from skdeep import SequenceClassifier
from skdeep._sequence_input import infer_input_kind
from skdeep.exceptions import InvalidParameterError

DATA = os.path.join(os.path.dirname(__file__), "data")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Test-sized settings: tiny layers, a few epochs, one or two batches. These
# tests are about the sequence layers (masking, vocabularies, lengths), so the
# cell is explicit; the "auto" rules have their own tests
# (tests/test_sequence_auto.py).
TINY = {
    "cell": "conv1d",
    "units": (8,),
    "embedding_dim": 8,
    "epochs": 15,
    "learning_rate": 0.01,
    "random_state": 0,
}
# Series need two convolutions to learn in a few epochs.
SERIES = {**TINY, "units": (16, 16), "epochs": 30}


def spam_sample():
    """48 SpamAssassin message bodies (shortened) and their labels."""
    with open(os.path.join(DATA, "spam_assassin_sample.jsonl")) as f:
        rows = [json.loads(line) for line in f]
    return [r["text"] for r in rows], np.array([r["label"] for r in rows])


def token_data(n=40, seed=0):
    """Ragged id sequences whose class is whether id 7 occurs in them."""
    rng = np.random.RandomState(seed)
    X, y = [], []
    for i in range(n):
        row = list(rng.randint(1, 30, size=rng.randint(3, 12)))
        row = [t for t in row if t != 7]
        if i % 2:
            row.insert(rng.randint(len(row) + 1), 7)
        X.append(row)
        y.append(i % 2)
    return X, np.array(y)


def series_data(n=40, steps=30, channels=1, seed=0):
    """Noise (class 0) or noise with a bump at a random step (class 1)."""
    rng = np.random.RandomState(seed)
    X = 0.3 * rng.normal(size=(n, steps, channels))
    for i in range(1, n, 2):
        start = rng.randint(steps - 4)
        X[i, start : start + 4] += 2.0
    return X


@pytest.fixture(scope="module")
def text_clf():
    texts, labels = spam_sample()
    return SequenceClassifier(**{**TINY, "epochs": 30}).fit(texts, labels)


@pytest.fixture(scope="module")
def token_clf():
    X, y = token_data()
    return SequenceClassifier(**{**TINY, "cell": "gru", "epochs": 30}).fit(X, y)


# -- input kinds ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "kind"),
    [
        (["a text", "another"], "text"),
        (np.array(["a text", "another"]), "text"),
        (np.array(["a text", "another"], dtype=object), "text"),
        (pd.Series(["a text", "another"]), "text"),
        (pd.DataFrame({"body": ["a text", "another"]}), "text"),
        (np.array([["a text"], ["another"]], dtype=object), "text"),
        (np.array([[1, 2, 0], [3, 4, 5]]), "tokens"),
        ([[1, 2], [3, 4, 5]], "tokens"),
        ([[1, 2], [3, 4]], "tokens"),
        (np.array([[1, 2], [3]], dtype=object), "tokens"),
        (pd.DataFrame({"a": [1, 2], "b": [3, 4]}), "tokens"),
        (np.array([[0.5, 1.0], [2.0, 3.0]]), "series"),
        (np.zeros((2, 5, 3)), "series"),
        ([[0.5, 1.0], [2.0, 3.0]], "series"),
        (pd.DataFrame({"a": [0.5, 1.0], "b": [3, 4]}), "series"),
        (np.array([[0.5, 1.0]], dtype=object), "series"),
    ],
)
def test_auto_input_kind(X, kind):
    assert infer_input_kind(X) == kind


def test_text_fits_and_predicts_string_labels(text_clf):
    texts, labels = spam_sample()
    assert text_clf.input_kind_ == "text"
    assert list(text_clf.classes_) == ["ham", "spam"]
    assert text_clf.score(texts, labels) > 0.9
    proba = text_clf.predict_proba(texts[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(text_clf.predict(texts)) <= {"ham", "spam"}
    assert text_clf.model_.get_layer("vectorizer") is not None
    assert not hasattr(text_clf, "n_features_in_")


def test_text_accepts_pandas_and_column(text_clf):
    texts, _ = spam_sample()
    expected = text_clf.predict_proba(texts[:6])
    np.testing.assert_array_equal(
        text_clf.predict_proba(pd.Series(texts[:6])), expected
    )
    frame = pd.DataFrame({"body": texts[:6]})
    np.testing.assert_array_equal(text_clf.predict_proba(frame), expected)
    np.testing.assert_array_equal(
        text_clf.predict_proba(np.array(texts[:6], dtype=object)[:, None]), expected
    )


def test_unseen_words_map_to_out_of_vocabulary(text_clf):
    vocabulary = set(text_clf.get_vocabulary())
    unseen = ["qwxz", "zzyzx", "blorptastic", "frumious"]
    assert not vocabulary & set(unseen)
    proba = text_clf.predict_proba(["qwxz zzyzx", "blorptastic frumious", "", "!!!"])
    assert np.isfinite(proba).all()
    # Different unseen words are the same out-of-vocabulary token.
    np.testing.assert_allclose(proba[0], proba[1], rtol=1e-6)


def test_vocabulary_is_by_frequency_and_capped():
    texts = ["the cat", "the dog", "the bird", "a cat"]
    clf = SequenceClassifier(**{**TINY, "epochs": 1, "max_tokens": 4})
    clf.fit(texts, [0, 1, 0, 1])
    assert clf.get_vocabulary() == ["", "[UNK]", "the", "cat"]
    clf.set_params(max_tokens=None).fit(texts, [0, 1, 0, 1])
    assert len(clf.get_vocabulary()) == 2 + 5


def test_text_maxlen_keeps_the_first_tokens():
    clf = SequenceClassifier(**{**TINY, "epochs": 1, "maxlen": 3})
    clf.fit(["a b c d", "e f g h"], [0, 1])
    # Tokens after the third never reach the network.
    np.testing.assert_array_equal(
        clf.predict_proba(["a b c d e f"]), clf.predict_proba(["a b c x y"])
    )
    assert clf.sequence_length_ == 3


def test_ragged_tokens_equal_padded_array(token_clf):
    X, y = token_data()
    assert token_clf.input_kind_ == "tokens"
    assert token_clf.score(X, y) > 0.8
    width = max(len(r) for r in X) + 5
    padded = np.zeros((len(X), width), dtype=np.int32)
    for i, row in enumerate(X):
        padded[i, : len(row)] = row
    np.testing.assert_allclose(
        token_clf.predict_proba(padded), token_clf.predict_proba(X), rtol=1e-6
    )


def test_unseen_ids_map_to_out_of_vocabulary(token_clf):
    vocabulary = token_clf.get_vocabulary()
    assert vocabulary[:2] == [0, -1]
    proba = token_clf.predict_proba([[3, 10**9], [3, 12345], [3, 31]])
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba[0], proba[1], rtol=1e-6)
    np.testing.assert_allclose(proba[0], proba[2], rtol=1e-6)


def test_max_tokens_sends_rare_ids_to_out_of_vocabulary():
    X = [[1, 1, 1, 2, 2, 3], [1, 2, 4, 5]]
    clf = SequenceClassifier(**{**TINY, "epochs": 1, "max_tokens": 4}).fit(X, [0, 1])
    assert clf.get_vocabulary() == [0, -1, 1, 2]
    np.testing.assert_allclose(
        clf.predict_proba([[1, 3]]), clf.predict_proba([[1, 99]]), rtol=1e-6
    )


def test_token_maxlen_truncates():
    X, y = token_data(n=12)
    clf = SequenceClassifier(**{**TINY, "epochs": 1, "maxlen": 4}).fit(X, y)
    assert clf.sequence_length_ == 4
    np.testing.assert_allclose(
        clf.predict_proba([[5, 6, 8, 9, 7, 7]]),
        clf.predict_proba([[5, 6, 8, 9]]),
        rtol=1e-6,
    )


@pytest.mark.parametrize("input_kind", ["tokens", "text"])
@pytest.mark.parametrize(
    ("cell", "pooling", "bidirectional"),
    [
        ("conv1d", "max", False),
        ("conv1d", "mean", False),
        ("conv1d", "last", False),
        ("lstm", "last", False),
        ("lstm", "max", True),
        ("gru", "mean", False),
        ("gru", "last", True),
        ("simple", "max", False),
    ],
)
def test_padding_does_not_change_the_output(input_kind, cell, pooling, bidirectional):
    """Masking: the network's output for a sequence is the same however much
    padding follows it (a fresh, random network: no training needed)."""
    from skdeep.architectures import sequence_network

    kwargs = {
        "cell": cell,
        "pooling": pooling,
        "bidirectional": bidirectional,
        "units": (6, 5),
        "embedding_dim": 4,
        "seed": 0,
    }
    if input_kind == "tokens":
        model = sequence_network(
            None, 3, input_kind="tokens", vocabulary=list(range(1, 20)), **kwargs
        )
        short = np.array([[3, 5, 7, 0], [2, 0, 0, 0]])
        long = np.pad(short, ((0, 0), (0, 9)))
    else:
        model = sequence_network(
            None, 3, input_kind="text", vocabulary=["a", "b", "c"], **kwargs
        )
        # The batch is padded to its longest text: add a longer one.
        short = np.array(["a b c", "b"], dtype=object)
        long = np.array(["a b c", "b", "a b c a b c a b c"], dtype=object)
    out_short = np.asarray(model(short, training=False))
    out_long = np.asarray(model(long, training=False))[: len(short)]
    np.testing.assert_allclose(out_short, out_long, rtol=1e-5, atol=1e-6)
    # Not a constant network: the two sequences get different outputs.
    assert not np.allclose(out_short[0], out_short[1], rtol=1e-3)


def test_pooling_skips_masked_steps():
    from skdeep.architectures._sequence_layers import SequencePooling

    x = np.array([[[1.0], [5.0], [-9.0]], [[-2.0], [-3.0], [7.0]]], "float32")
    mask = np.array([[True, True, False], [True, True, False]])
    expected = {"max": [[5.0], [-2.0]], "mean": [[3.0], [-2.5]], "last": [[5], [-3]]}
    for mode, value in expected.items():
        out = np.asarray(SequencePooling(mode)(x, mask=mask))
        np.testing.assert_allclose(out, value)
    # No unmasked step: zeros, not NaN.
    empty = np.zeros((2, 3), dtype=bool)
    for mode in expected:
        np.testing.assert_array_equal(SequencePooling(mode)(x, mask=empty), 0.0)


# -- numeric series ------------------------------------------------------------


def test_series_shapes_give_the_same_network():
    X3 = series_data()
    y = np.arange(len(X3)) % 2
    X2 = X3[:, :, 0]
    clf3 = SequenceClassifier(**SERIES).fit(X3, y)
    clf2 = SequenceClassifier(**SERIES).fit(X2, y)
    assert clf3.sequence_shape_ == clf2.sequence_shape_ == (30, 1)
    assert clf3.n_features_in_ == clf2.n_features_in_ == 30
    np.testing.assert_allclose(clf3.predict_proba(X3), clf2.predict_proba(X2))
    assert clf3.score(X3, y) > 0.8
    # A 3-D fit predicts flattened input of the same length, and vice versa.
    np.testing.assert_allclose(clf3.predict_proba(X2), clf3.predict_proba(X3))


def test_flattened_multichannel_series_in_a_pipeline():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 10, 2))
    y = (X[:, :, 1].sum(axis=1) > 0).astype(int)
    flat = X.reshape(len(X), -1)
    pipe = make_pipeline(
        StandardScaler(),
        SequenceClassifier(sequence_shape=(10, 2), **SERIES),
    )
    pipe.fit(flat, y)
    clf = pipe[-1]
    assert clf.sequence_shape_ == (10, 2)
    assert clf.model_.input_shape == (None, 10, 2)
    assert pipe.score(flat, y) > 0.8


def test_series_dtype_follows_input():
    X = series_data(n=10, steps=8)
    y = np.arange(10) % 2
    clf = SequenceClassifier(**{**TINY, "epochs": 1})
    assert clf.fit(X, y).model_.layers[-1].dtype == "float64"
    assert clf.fit(X.astype(np.float32), y).model_.layers[-1].dtype == "float32"
    texts = ["a b", "c d"] * 5
    assert clf.fit(texts, y).model_.layers[-1].dtype == "float32"


def test_series_from_a_ts_file():
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        from _sequence_data import read_ts
    finally:
        sys.path.pop(0)
    X, y = read_ts(os.path.join(DATA, "arrowhead_sample.ts"))
    assert X.shape == (12, 51, 1)
    assert sorted(set(y)) == ["0", "1", "2"]
    clf = SequenceClassifier(**SERIES).fit(X, y)
    assert clf.score(X, y) > 0.8


# -- errors ----------------------------------------------------------------------


def test_wrong_series_shape_at_predict():
    X = series_data(n=10, steps=12)
    clf = SequenceClassifier(**{**TINY, "epochs": 1}).fit(X, np.arange(10) % 2)
    with pytest.raises(ValueError, match=r"X has 11 features, but Sequence.*12"):
        clf.predict(X[:, :11, 0])
    with pytest.raises(ValueError, match=r"shape \(12, 2\).*fitted on.*\(12, 1\)"):
        clf.predict(np.concatenate([X, X], axis=2))
    with pytest.raises(ValueError, match="4 dimensions"):
        clf.predict(X[..., None])
    with pytest.raises(ValueError, match=r"sequence_shape=\(5, 2\)"):
        SequenceClassifier(sequence_shape=(5, 2), **TINY).fit(X, np.arange(10) % 2)
    with pytest.raises(ValueError, match=r"expecting 10 features.*5 steps x 2"):
        SequenceClassifier(sequence_shape=(5, 2), **TINY).fit(
            X[:, :, 0], np.arange(10) % 2
        )


def test_wrong_input_for_the_fitted_kind(text_clf, token_clf):
    with pytest.raises(ValueError, match=r"expected text, but X\[0\] is 1"):
        text_clf.predict([1, 2])
    with pytest.raises(ValueError, match="single string"):
        text_clf.predict("one text")
    with pytest.raises(ValueError, match="1-D list or array of texts"):
        text_clf.predict(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(ValueError, match="non-integer"):
        token_clf.predict([[1.5, 2.0]])
    with pytest.raises(ValueError, match="non-negative"):
        token_clf.predict([[1, -3]])
    with pytest.raises(ValueError, match="sample 1 is 5"):
        token_clf.predict([[1, 2], 5])


def test_bad_training_input():
    with pytest.raises(ValueError, match=r"X\[1\] is None.*fillna"):
        SequenceClassifier(**TINY).fit(["a", None], [0, 1])
    with pytest.raises(ValueError, match="single string"):
        SequenceClassifier(**TINY).fit("a text", [0])
    with pytest.raises(ValueError, match="non-integer"):
        SequenceClassifier(**TINY).fit([[0.5, 1.5], [2.5]], [0, 1])
    with pytest.raises(ValueError, match="NaN"):
        SequenceClassifier(**TINY).fit(np.array([[0.5, np.nan]] * 4), [0, 1] * 2)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SequenceClassifier(**TINY).fit(["a", "b", "c"], [0, 1])
    with pytest.raises(ValueError, match="0 sample"):
        SequenceClassifier(input_kind="text", **TINY).fit([], [])
    with pytest.raises(ValueError, match="no words"):
        SequenceClassifier(**TINY).fit(["", "!!", " ?"], [0, 1, 0])
    with pytest.raises(ValueError, match="all 0, which is padding"):
        SequenceClassifier(**TINY).fit([[0, 0], [0]], [0, 1])
    with pytest.raises(ValueError, match="0 sample"):
        SequenceClassifier(input_kind="tokens", **TINY).fit([], [])


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("cell", "transformer"),
        ("units", ()),
        ("pooling", "first"),
        ("sequence_shape", (10,)),
        ("input_kind", "images"),
        ("max_tokens", 2),
        ("early_stopping", "sometimes"),
        ("recurrent_dropout", 1.0),
    ],
)
def test_invalid_parameters_name_the_parameter(param, value):
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        SequenceClassifier(**{param: value}).fit(["a", "b"], [0, 1])


def test_caller_data_is_not_modified():
    texts = np.array(["b a", "c a", "d"], dtype=object)
    ragged = [[1, 2], [3], [4, 5, 6]]
    X = series_data(n=6, steps=5)
    copies = (texts.copy(), [list(r) for r in ragged], X.copy())
    kw = {**TINY, "epochs": 1}
    SequenceClassifier(**kw).fit(texts, [0, 1, 0]).predict(texts)
    SequenceClassifier(**kw).fit(ragged, [0, 1, 0]).predict(ragged)
    SequenceClassifier(**kw).fit(X, np.arange(6) % 2).predict(X)
    np.testing.assert_array_equal(texts, copies[0])
    assert ragged == copies[1]
    np.testing.assert_array_equal(X, copies[2])


# -- scikit-learn workflows --------------------------------------------------------


def test_grid_search_over_cell_and_bidirectional():
    X, y = token_data(n=24)
    grid = GridSearchCV(
        SequenceClassifier(units=(4,), embedding_dim=4, epochs=3, random_state=0),
        {"cell": ["conv1d", "gru"], "bidirectional": [False, True]},
        cv=2,
    )
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    best = grid.best_estimator_
    assert best.cell == grid.best_params_["cell"]
    layer_types = {type(layer).__name__ for layer in best.model_.layers}
    if best.cell == "gru" and best.bidirectional:
        assert "Bidirectional" in layer_types
    elif best.cell == "conv1d":
        assert "MaskedConv1D" in layer_types


def test_cross_val_score_on_raw_text():
    texts, labels = spam_sample()
    clf = SequenceClassifier(**{**TINY, "epochs": 30, "pooling": "mean"})
    scores = cross_val_score(clf, texts, labels, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.7


def test_multiclass_string_labels_and_metrics():
    X, _ = token_data(n=30)
    names = np.array(["low", "mid", "high"])
    y = names[[min(2, len(r) // 4) for r in X]]
    clf = SequenceClassifier(**{**TINY, "epochs": 25, "metrics": ["accuracy"]})
    clf.fit(X, y)
    assert list(clf.classes_) == ["high", "low", "mid"]
    assert clf.predict_proba(X).shape == (30, 3)
    assert set(clf.predict(X)) <= set(names)
    assert clf.score(X, y) > 0.6
    assert len(clf.history_["accuracy"]) == clf.n_iter_


def test_class_weight_on_text():
    texts, labels = spam_sample()
    clf = SequenceClassifier(**{**TINY, "epochs": 5})
    clf.set_params(class_weight={"spam": 1000.0, "ham": 0.001}).fit(texts, labels)
    assert (clf.predict(texts) == "spam").mean() > 0.9


def test_metrics_and_early_stopping_on_text():
    texts, labels = spam_sample()
    clf = SequenceClassifier(
        **{**TINY, "early_stopping": True, "metrics": ["accuracy"], "patience": 2}
    ).fit(texts, labels)
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(clf.history_)


def test_early_stopping_auto_depends_on_the_training_rows():
    clf = SequenceClassifier()
    assert clf._holds_out_validation(1000)
    assert not clf._holds_out_validation(999)
    assert not clf._holds_out_validation(None)
    assert not clf.set_params(early_stopping=False)._holds_out_validation(5000)
    assert clf.set_params(early_stopping=True)._holds_out_validation(50)


def test_clone_keeps_parameters_and_drops_the_fit(text_clf):
    copy = clone(text_clf)
    assert copy.get_params() == text_clf.get_params()
    assert not hasattr(copy, "model_")


def test_reproducible_with_random_state():
    texts, labels = spam_sample()
    kw = {**TINY, "epochs": 3, "dropout": 0.2}
    a = SequenceClassifier(**kw).fit(texts, labels).predict_proba(texts)
    b = SequenceClassifier(**kw).fit(texts, labels).predict_proba(texts)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_partial_fit_and_warm_start_keep_the_vocabulary():
    texts, labels = spam_sample()
    clf = SequenceClassifier(**{**TINY, "warm_start": True, "epochs": 2})
    clf.fit(texts[:20], labels[:20])
    vocabulary = clf.get_vocabulary()
    clf.fit(texts[20:], labels[20:])
    assert clf.get_vocabulary() == vocabulary
    assert clf.n_iter_ == 4
    part = SequenceClassifier(**TINY)
    part.partial_fit(texts[:20], labels[:20], classes=["ham", "spam"])
    part.partial_fit(texts[20:], labels[20:])
    assert part.n_iter_ == 2


def test_one_row_prediction_is_traced_once(text_clf, token_clf):
    X = series_data(n=8, steps=10)
    series_clf = SequenceClassifier(**{**TINY, "epochs": 1}).fit(X, np.arange(8) % 2)
    cases = [
        (text_clf, [["a b"], ["one", "two", "three"], ["x " * 40]]),
        (token_clf, [[[1, 2]], [[1, 2, 3, 4, 5, 6, 7]] * 3, [[5]]]),
        (series_clf, [X[:1], X[:5], X[:2]]),
    ]
    for clf, batches in cases:
        for batch in batches:
            clf.predict_proba(batch)
        assert clf._predictor._compiled.experimental_get_tracing_count() == 1


# -- persistence -------------------------------------------------------------------


def test_pickle_round_trip_keeps_the_vocabulary(text_clf, token_clf):
    texts, _ = spam_sample()
    for clf, X in ((text_clf, [*texts, "never seen words"]), (token_clf, [[1, 7]])):
        restored = pickle.loads(pickle.dumps(clf))
        assert restored.get_vocabulary() == clf.get_vocabulary()
        np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_save_load_round_trip(tmp_path, text_clf, token_clf):
    texts, _ = spam_sample()
    X = series_data(n=8, steps=10)
    series_clf = SequenceClassifier(**{**TINY, "epochs": 2}).fit(X, np.arange(8) % 2)
    for clf, data in ((text_clf, texts), (token_clf, [[1, 7]]), (series_clf, X)):
        path = tmp_path / f"{clf.input_kind_}.keras"
        skdeep.save(clf, path)
        loaded = skdeep.load(path)
        assert loaded.input_kind_ == clf.input_kind_
        assert loaded.sequence_length_ == clf.sequence_length_
        np.testing.assert_array_equal(
            loaded.predict_proba(data), clf.predict_proba(data)
        )
        if clf.input_kind_ != "series":
            assert loaded.get_vocabulary() == clf.get_vocabulary()


def test_pickle_and_file_load_in_a_fresh_process(tmp_path, text_clf):
    """A new process has not registered the custom layers yet: unpickling and
    loading must do it themselves."""
    texts, _ = spam_sample()
    (tmp_path / "clf.pkl").write_bytes(pickle.dumps(text_clf))
    skdeep.save(text_clf, tmp_path / "clf.keras")
    np.save(tmp_path / "expected.npy", text_clf.predict_proba(texts))
    sample = os.path.join(DATA, "spam_assassin_sample.jsonl")
    script = f"""
import pickle, numpy as np, skdeep, json
texts = [json.loads(line)["text"] for line in open({sample!r})]
expected = np.load({str(tmp_path / "expected.npy")!r})
clf = pickle.loads(open({str(tmp_path / "clf.pkl")!r}, "rb").read())
np.testing.assert_array_equal(clf.predict_proba(texts), expected)
loaded = skdeep.load({str(tmp_path / "clf.keras")!r})
np.testing.assert_array_equal(loaded.predict_proba(texts), expected)
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
