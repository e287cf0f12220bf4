"""SequenceClassifier's "auto" rules: which network for which data, and how
long to train it; explicit values always win."""

import pickle

import numpy as np
import pytest

from skdeep import SequenceClassifier
from skdeep import _sequence_auto as auto
from skdeep.exceptions import InvalidParameterError

FAST = {"epochs": 2, "random_state": 0}


def texts(n, words):
    rng = np.random.RandomState(0)
    vocab = [f"w{i}" for i in range(50)]
    return [" ".join(rng.choice(vocab, size=words)) for _ in range(n)]


def series(n=24, steps=20, seed=0):
    rng = np.random.RandomState(seed)
    X = 0.3 * rng.normal(size=(n, steps, 1))
    y = np.arange(n) % 2
    X[y == 1, 5:9] += 2.0
    return X, y


# -- the rules, on their own ------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "words", "cell"),
    [
        (100, 10, "bag"),  # ratio 10
        (10_000, 20, "bag"),  # ratio 500: short snippets
        (15_000, 10, "conv1d"),  # ratio 1500: many short texts
        (30_000, 5, "conv1d"),
    ],
)
def test_text_cell_follows_samples_per_word(n, words, cell):
    assert auto.choose_cell("text", texts(n, words)) == cell


def test_token_cell_counts_ids_without_padding():
    ids = np.zeros((3000, 50), dtype=int)
    ids[:, :2] = 5  # two ids per row, then padding: ratio 1500
    assert auto.choose_cell("tokens", ids) == "conv1d"
    ids[:, 2] = 6  # three ids: ratio 1000
    assert auto.choose_cell("tokens", ids) == "bag"


def test_series_get_the_fcn():
    assert auto.choose_cell("series", np.zeros((5, 10, 1))) == "fcn"


@pytest.mark.parametrize(
    ("n", "steps", "epochs"),
    [(200, 427, 410), (100, 1460, 240), (36, 251, 1500), (10_000, 500, 50)],
)
def test_series_epochs_follow_the_step_budget(n, steps, epochs):
    assert auto.series_epochs(n, steps) == epochs


def test_resolve_fcn_defaults_and_overrides():
    params = SequenceClassifier().get_params()
    X = np.zeros((200, 427, 1))
    settings = auto.resolve(params, "series", X, steps=427)
    assert settings == {
        "cell": "fcn",
        "units": (64, 128, 64),
        "kernel_size": (8, 5, 3),
        "dropout": 0.0,
        "epochs": 410,
        "batch_size": 32,
        "patience": 100,
    }
    explicit = {**params, "units": [8, 8], "epochs": 7, "batch_size": 5}
    explicit.update(patience=3, dropout=0.1)
    settings = auto.resolve(explicit, "series", X, steps=427)
    assert settings["units"] == (8, 8)
    assert settings["kernel_size"] == (8, 5)
    assert (settings["epochs"], settings["batch_size"]) == (7, 5)
    assert (settings["patience"], settings["dropout"]) == (3, 0.1)
    settings = auto.resolve({**params, "kernel_size": 4}, "series", X, steps=427)
    assert settings["kernel_size"] == 4


def test_resolve_text_defaults():
    params = SequenceClassifier().get_params()
    settings = auto.resolve(params, "text", texts(100, 10))
    assert settings == {
        "cell": "bag",
        "units": (64, 64),
        "kernel_size": None,
        "dropout": 0.5,
        "epochs": 100,
        "batch_size": 32,
        "patience": 5,
    }
    settings = auto.resolve({**params, "cell": "conv1d"}, "text", texts(100, 10))
    assert (settings["cell"], settings["kernel_size"], settings["dropout"]) == (
        "conv1d",
        5,
        0.0,
    )
    assert settings["patience"] == 10


# -- what fit builds ---------------------------------------------------------------


def test_fcn_computes_in_float32_unless_told():
    X, y = series(n=12)
    clf = SequenceClassifier(units=(4,), epochs=1, random_state=0).fit(X, y)
    assert clf.model_.get_layer("conv1d_0").dtype == "float32"
    clf.set_params(dtype="float64").fit(X, y)
    assert clf.model_.get_layer("conv1d_0").dtype == "float64"
    clf.set_params(dtype="auto", cell="conv1d").fit(X, y)  # follows the input
    assert clf.model_.get_layer("conv1d_0").dtype == "float64"


def test_fit_builds_the_chosen_network_and_reports_it():
    clf = SequenceClassifier(units=(8,), **FAST).fit(texts(40, 6), np.arange(40) % 2)
    assert clf.cell_ == "bag"
    assert clf.resolved_params_["cell"] == "bag"
    assert clf.model_.get_layer("vectorizer").get_config()["output_mode"] == "count"
    assert clf.model_.get_layer("tf_idf").n_terms == len(clf.get_vocabulary())
    assert clf.n_iter_ <= 2
    X, y = series()
    clf = SequenceClassifier(units=(4, 4), **FAST).fit(X, y)
    assert clf.cell_ == "fcn"
    assert clf.model_.name == "fcn_network"
    clf.set_params(cell="conv1d").fit(X, y)
    assert clf.cell_ == "conv1d"
    assert clf.model_.name == "conv1d_network"


def test_auto_epochs_and_schedule_drive_training():
    X, y = series(n=20)
    clf = SequenceClassifier(units=(4,), patience=2, random_state=0)
    clf.set_params(min_delta=10.0)  # no epoch improves: stop after patience
    clf.fit(X, y)
    assert clf.resolved_params_["epochs"] == 1500
    assert clf.n_iter_ == 3
    # The published schedule: halve the rate after patience // 2 epochs.
    (schedule,) = clf._schedule_callbacks()
    assert (schedule.monitor, schedule.factor, schedule.patience) == ("loss", 0.5, 1)
    assert schedule.min_lr == pytest.approx(1e-4)
    clf.set_params(patience="auto", epochs=1).fit(texts(20, 4), np.arange(20) % 2)
    assert clf._schedule_callbacks() == []  # the bag keeps its rate


def test_warm_start_follows_parameters_set_after_the_first_fit():
    X, y = series(n=12)
    clf = SequenceClassifier(units=(4,), epochs=2, random_state=0).fit(X, y)
    clf.set_params(warm_start=True, epochs=3, min_delta=0.0).fit(X, y)
    assert clf.n_iter_ == 5


def test_bag_reads_words_and_pairs():
    X = ["not good", "good", "not bad", "bad"] * 10
    y = [0, 1, 1, 0] * 10
    clf = SequenceClassifier(units=(8,), epochs=60, learning_rate=0.02)
    clf.set_params(dropout=0.0, random_state=0).fit(X, y)
    assert "not good" in clf.get_vocabulary()
    assert clf.score(X, y) == 1.0


def test_token_bag_ignores_padding_and_unknown_ids():
    rng = np.random.RandomState(0)
    X = rng.randint(1, 20, size=(40, 6))
    y = (X == 3).any(axis=1).astype(int)
    clf = SequenceClassifier(units=(8,), epochs=5, random_state=0).fit(X, y)
    assert clf.cell_ == "bag"
    padded = np.hstack([X[:5], np.zeros((5, 4), dtype=int)])
    np.testing.assert_allclose(
        clf.predict_proba(X[:5]), clf.predict_proba(padded), rtol=1e-6
    )
    clf.predict_proba([[1000, 2000]])  # ids never seen: out of vocabulary


def test_fcn_sees_shapes_not_offsets_or_scales():
    X, y = series()
    clf = SequenceClassifier(units=(4, 4), epochs=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(
        clf.predict_proba(X), clf.predict_proba(5.0 + 3.0 * X), rtol=1e-4, atol=1e-5
    )
    raw = SequenceClassifier(units=(4, 4), epochs=3, standardize=False)
    raw.set_params(random_state=0).fit(X, y)
    assert not np.allclose(raw.predict_proba(X), raw.predict_proba(5.0 + 3.0 * X))


def test_bag_and_fcn_models_pickle():
    clf = SequenceClassifier(units=(8,), **FAST).fit(texts(30, 5), np.arange(30) % 2)
    restored = pickle.loads(pickle.dumps(clf))
    sample = texts(4, 5)
    np.testing.assert_allclose(
        restored.predict_proba(sample), clf.predict_proba(sample)
    )
    X, y = series()
    clf = SequenceClassifier(units=(4, 4), **FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))
    assert restored.cell_ == "fcn"


@pytest.mark.parametrize(
    ("params", "X", "match"),
    [
        ({"cell": "bag"}, series()[0], "text and token ids"),
        ({"cell": "fcn"}, texts(24, 4), "numeric series"),
        ({"cell": "fcn", "kernel_size": 3, "units": (4,)}, None, None),
    ],
)
def test_cell_and_input_that_do_not_match_are_refused(params, X, match):
    y = np.arange(24) % 2
    clf = SequenceClassifier(**{**FAST, **params})
    if X is None:  # a valid combination
        clf.fit(series()[0], y)
        assert clf.resolved_params_["kernel_size"] == 3
        return
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


@pytest.mark.parametrize(
    "params",
    [
        {"cell": "transformer"},
        {"units": "big"},
        {"dropout": "lots"},
        {"epochs": "forever"},
        {"patience": 0},
        {"ngrams": 0},
        {"kernel_size": "wide"},
        {"standardize": "yes"},
    ],
)
def test_invalid_auto_parameters_are_named(params):
    name = next(iter(params))
    with pytest.raises(InvalidParameterError, match=name):
        SequenceClassifier(**params).fit(texts(10, 3), np.arange(10) % 2)


def test_batch_normalization_weighs_rows_like_the_loss():
    import keras

    from skdeep._batch_weights import batch_sample_weights
    from skdeep.architectures._sequence_layers import WeightedBatchNormalization

    rng = np.random.RandomState(0)
    x = rng.normal(size=(4, 5, 3))
    weights = np.array([2.0, 0.0, 1.0, 1.0])
    repeated = np.concatenate([x[:1], x])[[0, 1, 3, 4]]  # row 0 twice, no row 1

    def moments(data, w=None):
        layer = WeightedBatchNormalization(dtype="float64")
        layer.build(data.shape)
        with batch_sample_weights(w):
            mean, var = layer._moments(keras.ops.convert_to_tensor(data), None)
        return np.asarray(mean), np.asarray(var)

    weighted, plain, reference = moments(x, weights), moments(x), moments(repeated)
    np.testing.assert_allclose(weighted[0], reference[0], rtol=1e-12)
    np.testing.assert_allclose(weighted[1], reference[1], rtol=1e-12)
    assert not np.allclose(plain[0], reference[0])
    # Keras still computes the statistics in _moments, so training uses them.
    layer = WeightedBatchNormalization(momentum=0.0, dtype="float64")
    layer.build(x.shape)
    with batch_sample_weights(keras.ops.convert_to_tensor(weights)):
        layer(keras.ops.convert_to_tensor(x), training=True)
    np.testing.assert_allclose(np.asarray(layer.moving_mean), reference[0], rtol=1e-12)


def test_fcn_weight_two_is_the_row_twice():
    X, y = series(n=12)
    w = np.r_[2.0, np.ones(11)]
    params = {"units": (4, 4), "epochs": 3, "random_state": 0, "dtype": "float64"}
    weighted = SequenceClassifier(**params).fit(X, y, sample_weight=w)
    repeated = SequenceClassifier(**params)
    repeated.fit(np.concatenate([X[:1], X]), np.r_[y[0], y])
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-6
    )


def test_bag_vocabulary_matches_keras_tf_idf():
    import keras

    from skdeep.architectures.bag import bag_vocabulary

    corpus = ["The cat sat.", "the dog sat down", "a cat and a dog", "Dogs!"] * 3
    vocabulary, idf = bag_vocabulary(corpus, ngrams=2)
    layer = keras.layers.TextVectorization(ngrams=2, output_mode="tf_idf")
    layer.adapt(corpus)
    store = {}
    layer.save_own_variables(store)
    expected = dict(
        zip(layer.get_vocabulary()[1:], store["idf_weights"][1:], strict=True)
    )
    assert sorted(vocabulary) == sorted(expected)
    np.testing.assert_allclose(idf, [expected[t] for t in vocabulary], rtol=1e-6)


def test_bag_input_is_tf_idf_of_unit_length():
    import keras

    from skdeep.architectures.bag import bag_network

    model = bag_network(
        1, vocabulary=["good", "bad", "not"], idf_weights=[1.0, 2.0, 3.0], ngrams=1
    )
    vectors = keras.Model(model.input, model.get_layer("tf_idf").output)
    dense = keras.ops.convert_to_numpy(
        keras.ops.convert_to_tensor(vectors(np.array(["not bad bad", "good zebra"])))
    )
    expected = np.array([[0.0, 0.0, 4.0, 3.0], [2.0, 1.0, 0.0, 0.0]])  # OOV: mean 2
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(dense, expected, rtol=1e-6)
