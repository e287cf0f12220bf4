"""DenseClassifier and DenseRegressor: targets, inputs, weights, training modes."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import FAST
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification, make_regression

from skdeep import DenseClassifier, DenseRegressor


def test_binary_string_labels_and_proba(binary_data):
    X, y = binary_data
    labels = np.array(["no", "yes"])[y]
    clf = DenseClassifier(**FAST).fit(X, labels)
    assert list(clf.classes_) == ["no", "yes"]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    pred = clf.predict(X)
    assert pred.dtype == labels.dtype and set(pred) <= {"no", "yes"}
    assert np.array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, labels) > 0.8


@pytest.mark.parametrize("kind", ["int", "bool", "str", "float"])
def test_label_types_are_mapped_back(kind):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y01 = (X[:, 0] > 0).astype(int)
    y = {
        "int": y01 * 7 - 3,
        "bool": y01.astype(bool),
        "str": np.array(["a", "b"])[y01],
        "float": y01 * 2.0,
    }[kind]
    clf = DenseClassifier(**FAST).fit(X, y)
    assert clf.predict(X).dtype == y.dtype
    assert set(np.unique(clf.predict(X))) <= set(np.unique(y))


def test_multiclass(multiclass_data):
    X, y = multiclass_data
    clf = DenseClassifier(**FAST).fit(X, y)
    assert clf.n_outputs_ == 3
    assert clf.predict_proba(X).shape == (len(X), 3)
    assert clf.score(X, y) > 0.7


def test_multilabel():
    X, Y = make_multilabel_classification(n_samples=80, n_classes=4, random_state=0)
    clf = DenseClassifier(**FAST).fit(X, Y)
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape
    assert ((proba >= 0) & (proba <= 1)).all()
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    assert (pred == Y).mean() > 0.7


def test_regression_single_and_multi_output():
    X, y = make_regression(n_samples=100, n_features=4, n_targets=2, random_state=0)
    y = y * 100 + 5000  # far from unit scale: the target scaling must cope
    reg = DenseRegressor(**FAST).fit(X, y)
    assert reg.predict(X).shape == (100, 2)
    assert reg.score(X, y) > 0.8
    reg1 = DenseRegressor(**FAST).fit(X, y[:, 0])
    assert reg1.predict(X).shape == (100,)


def test_scale_target_false_trains_on_raw_targets(regression_data):
    X, y = regression_data
    reg = DenseRegressor(**FAST, scale_target=False).fit(X, y)
    enc = reg._target_encoder
    assert np.all(enc.mean_ == 0) and np.all(enc.std_ == 1)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_matches_dense(fmt, binary_data):
    X, y = binary_data
    X = np.where(np.abs(X) > 1, X, 0.0)
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    dense = DenseClassifier(**FAST).fit(X, y)
    sparse = DenseClassifier(**FAST).fit(Xs, y)
    np.testing.assert_allclose(
        sparse.predict_proba(Xs), dense.predict_proba(X), rtol=1e-6, atol=1e-9
    )


def test_sparse_training_densifies_only_chunks(monkeypatch, binary_data):
    """The full sparse matrix is never densified; only row chunks are."""
    import skdeep._training as training

    X, y = binary_data
    Xs = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    monkeypatch.setattr(training, "STEPS_PER_CALL", 2)
    seen = []
    original = sp.csr_matrix.toarray

    def spy(self, *args, **kwargs):
        seen.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    DenseClassifier(**{**FAST, "batch_size": 10, "epochs": 2}).fit(Xs, y)
    assert seen and max(seen) <= 20 < Xs.shape[0]


def test_tfidf_text_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    docs = ["good great fine", "bad awful poor", "great good", "poor bad"] * 10
    y = [1, 0, 1, 0] * 10
    pipe = make_pipeline(TfidfVectorizer(), DenseClassifier(**FAST))
    assert pipe.fit(docs, y).score(docs, y) == 1.0


def test_pandas_sets_feature_names(binary_data):
    X, y = binary_data
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = DenseClassifier(**FAST).fit(df, y)
    assert list(clf.feature_names_in_) == list(df.columns)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


def test_sample_weight_equals_repeated_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 3))
    y = (X[:, 0] > 0).astype(int)
    w = rng.randint(0, 4, size=20)
    # One batch of all rows in both fits: mini-batches of weighted rows and of
    # repeated rows cannot hold the same rows.
    kw = {**FAST, "dtype": "float64", "batch_size": 200}
    weighted = DenseClassifier(**kw).fit(X, y, sample_weight=w)
    repeated = DenseClassifier(**kw).fit(X.repeat(w, axis=0), y.repeat(w))
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-7
    )


def test_class_weight_shifts_predictions():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + 0.5 * rng.normal(size=200) > 1.0).astype(int)  # rare class 1
    plain = DenseClassifier(**FAST).fit(X, y)
    balanced = DenseClassifier(**FAST, class_weight="balanced").fit(X, y)
    heavy = DenseClassifier(**FAST, class_weight={0: 1.0, 1: 10.0}).fit(X, y)
    n_plain = plain.predict(X).sum()
    assert balanced.predict(X).sum() > n_plain
    assert heavy.predict(X).sum() > n_plain


def test_early_stopping_records_validation_and_keeps_best(binary_data):
    X, y = binary_data
    clf = DenseClassifier(
        **{**FAST, "epochs": 300, "learning_rate": 0.05},
        early_stopping=True,
        patience=3,
        validation_fraction=0.25,
    ).fit(X, y)
    hist = clf.history_
    assert len(hist["val_loss"]) == len(hist["loss"]) == clf.n_iter_
    assert clf.n_iter_ < 300
    assert clf.loss_curve_ == hist["loss"]


def test_training_loss_stopping_rule_without_validation(binary_data):
    X, y = binary_data
    clf = DenseClassifier(
        hidden_layer_sizes=(8,),
        epochs=500,
        learning_rate=0.05,
        random_state=0,
        patience=2,
        min_delta=0.01,
    ).fit(X, y)
    assert clf.n_iter_ < 500
    assert "val_loss" not in clf.history_


def test_metrics_in_history(multiclass_data):
    X, y = multiclass_data
    clf = DenseClassifier(
        **FAST, metrics=["accuracy"], early_stopping=True, validation_fraction=0.2
    ).fit(X, y)
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(clf.history_)
    # The last epoch's accuracy on the training rows, computed independently.
    assert 0.0 <= clf.history_["accuracy"][-1] <= 1.0


def test_partial_fit_classifier_requires_classes_then_continues(multiclass_data):
    X, y = multiclass_data
    clf = DenseClassifier(**FAST)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X[:50], y[:50])
    clf.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    first = clf.model_.get_weights()
    assert clf.n_iter_ == 1
    for _ in range(3):
        clf.partial_fit(X[50:], y[50:])
    assert clf.n_iter_ == 4 and len(clf.loss_curve_) == 4
    assert not np.allclose(first[0], clf.model_.get_weights()[0])
    with pytest.raises(ValueError, match=r"not fitted on|labels"):
        clf.partial_fit(X[:5], np.array([9] * 5))


def test_partial_fit_regressor(regression_data):
    X, y = regression_data
    reg = DenseRegressor(**FAST)
    for start in range(0, 120, 40):
        reg.partial_fit(X[start : start + 40], y[start : start + 40])
    assert reg.n_iter_ == 3


def test_warm_start_continues(binary_data):
    X, y = binary_data
    clf = DenseClassifier(**{**FAST, "epochs": 5}, warm_start=True).fit(X, y)
    model = clf.model_
    clf.fit(X, y)
    assert clf.model_ is model
    assert clf.n_iter_ == 10 and len(clf.history_["loss"]) == 10
    cold = DenseClassifier(**{**FAST, "epochs": 5}).fit(X, y)
    first_model = cold.model_
    cold.fit(X, y)
    assert cold.model_ is not first_model and cold.n_iter_ == 5


def test_clone_keeps_every_parameter():
    from skdeep._keras import get_keras

    keras = get_keras()
    params = dict(  # noqa: C408  (reads as the constructor call)
        hidden_layer_sizes=(7, 3),
        activation="tanh",
        dropout=0.2,
        batch_normalization=True,
        l1=1e-5,
        l2=1e-4,
        kernel_initializer="he_normal",
        optimizer="sgd",
        learning_rate=0.02,
        loss="binary_crossentropy",
        metrics=["accuracy"],
        epochs=3,
        batch_size=16,
        early_stopping=True,
        validation_fraction=0.3,
        patience=2,
        min_delta=0.01,
        callbacks=[keras.callbacks.TerminateOnNaN()],
        random_state=4,
        verbose=0,
        warm_start=True,
        dtype="float32",
        class_weight="balanced",
    )
    clf = DenseClassifier(**params)
    cloned = clone(clf)
    for name, value in params.items():
        if name == "callbacks":  # deep-copied: compare what they are
            assert [type(c) for c in cloned.callbacks] == [type(c) for c in value]
        else:
            assert cloned.get_params()[name] == value, name
    assert set(clf.get_params()) == set(params)


def test_architecture_parameters_shape_the_network(binary_data):
    X, y = binary_data
    clf = DenseClassifier(
        hidden_layer_sizes=(5, 4),
        batch_normalization=True,
        dropout=0.1,
        epochs=2,
        random_state=0,
    ).fit(X, y)
    kinds = [type(layer).__name__ for layer in clf.model_.layers]
    assert kinds.count("Dense") == 3
    assert kinds.count("BatchNormalization") == 2
    assert kinds.count("Dropout") == 2
    dense = [la for la in clf.model_.layers if type(la).__name__ == "Dense"]
    assert [d.units for d in dense] == [5, 4, 1]


def test_optimizer_forms(binary_data):
    from skdeep._keras import get_keras

    keras = get_keras()
    X, y = binary_data
    for opt in ["sgd", keras.optimizers.RMSprop, keras.optimizers.Adam(0.01)]:
        clf = DenseClassifier(**{**FAST, "epochs": 2}, optimizer=opt).fit(X, y)
        assert clf.model_.optimizer is not opt
    instance = keras.optimizers.Adam(0.01)
    DenseClassifier(**{**FAST, "epochs": 2}, optimizer=instance).fit(X, y)
    assert not instance.built  # the user's optimizer is copied, never used


def test_user_callbacks_are_copied_per_fit(binary_data):
    from skdeep._keras import get_keras

    keras = get_keras()

    class Count(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epochs = 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs += 1
            logs["counted"] = float(self.epochs)

    X, y = binary_data
    cb = Count()
    clf = DenseClassifier(**{**FAST, "epochs": 4}, callbacks=[cb]).fit(X, y)
    assert cb.epochs == 0  # the user's instance is untouched
    assert clf.history_["counted"] == [1.0, 2.0, 3.0, 4.0]


def test_verbose_zero_prints_nothing(capfd, binary_data):
    X, y = binary_data
    DenseClassifier(**FAST).fit(X, y).predict_proba(X)  # TensorFlow starts here
    capfd.readouterr()
    clf = DenseClassifier(**FAST).fit(X, y)
    clf.predict(X)
    clf.predict_proba(np.repeat(X, 5, axis=0))  # the compiled (large-batch) path
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_verbose_one_shows_progress(capfd, binary_data):
    X, y = binary_data
    DenseClassifier(**{**FAST, "epochs": 2}, verbose=1).fit(X, y)
    out, _ = capfd.readouterr()
    assert "Epoch 1/2" in out


def test_float32_input_gives_float32_network(binary_data):
    X, y = binary_data
    clf = DenseClassifier(**FAST).fit(X.astype(np.float32), y)
    assert clf.model_.inputs[0].dtype == "float32"
    clf64 = DenseClassifier(**FAST).fit(X, y)
    assert clf64.model_.inputs[0].dtype == "float64"
    clf32 = DenseClassifier(**FAST, dtype="float32").fit(X, y)
    assert clf32.model_.inputs[0].dtype == "float32"


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_l1_l2_penalties_in_any_dtype(dtype, regression_data):
    import pickle

    X, y = regression_data
    reg = DenseRegressor(**FAST, l1=1e-4, l2=1e-3, dtype=dtype).fit(X, y)
    assert reg.score(X, y) > 0.5
    # A restored model (Keras rebuilds its loss in float32) keeps training.
    restored = pickle.loads(pickle.dumps(reg))
    restored.partial_fit(X, y)
    assert restored.n_iter_ == reg.n_iter_ + 1


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, 1), (16, 16), (40, 32), (120, 32), (455, 113), (800, 200), (5000, 200)],
)
def test_auto_batch_size_rule(n, expected):
    from skdeep.dense import auto_batch_size

    assert auto_batch_size(n) == expected
    assert DenseClassifier()._batch_size(n) == expected
    # An explicit value is used as it is (capped at the rows, as before).
    assert DenseClassifier(batch_size=64)._batch_size(n) == min(64, n)


def test_auto_l2_rule_follows_training_rows():
    from skdeep.dense import auto_l2

    assert auto_l2(16) == 0.125 and auto_l2(1000) == 0.002
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)

    def penalty(reg):
        kernel = reg.model_.get_layer("hidden_0").kernel_regularizer
        return None if kernel is None else kernel.get_config()["l2"]

    fast = {"hidden_layer_sizes": (4,), "epochs": 2, "random_state": 0}
    reg = DenseRegressor(**fast).fit(X, y)
    assert reg.l2 == "auto"  # the parameter is kept as given
    assert penalty(reg) == pytest.approx(2 / 40)
    assert penalty(DenseRegressor(**fast).fit(X[:20], y[:20])) == pytest.approx(0.1)
    # Sample weights count as repeated rows.
    weighted = DenseRegressor(**fast).fit(X, y, sample_weight=np.full(40, 2.0))
    assert penalty(weighted) == pytest.approx(2 / 80)
    # Explicit values override the rule, 0 included (no penalty at all).
    assert penalty(DenseRegressor(**fast, l2=0.3).fit(X, y)) == pytest.approx(0.3)
    assert penalty(DenseRegressor(**fast, l2=0.0).fit(X, y)) is None
    with pytest.raises(Exception, match="l2"):
        DenseRegressor(**fast, l2="big").fit(X, y)


def test_auto_batch_size_is_used_in_fit(monkeypatch):
    import skdeep._training as training

    seen = []
    original = training.InMemoryData.__init__

    def spy(self, *args, **kwargs):
        seen.append(kwargs["batch_size"])
        original(self, *args, **kwargs)

    monkeypatch.setattr(training.InMemoryData, "__init__", spy)
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(300, 3)), rng.randint(0, 2, size=300)
    fast = {"hidden_layer_sizes": (4,), "epochs": 1, "random_state": 0}
    DenseClassifier(**fast).fit(X, y)
    DenseClassifier(**fast, batch_size=300).fit(X, y)
    assert seen == [75, 300]
