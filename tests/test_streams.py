"""fit on Keras-native streams: tf.data.Dataset and keras.utils.PyDataset."""

import numpy as np
import pytest

from skdeep import CNNClassifier, DenseClassifier, DenseRegressor
from skdeep._keras import get_keras, get_tf


def _table(n=240):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 4)).astype("float32")
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)


def test_tf_data_dataset_with_string_labels():
    tf = get_tf()
    X, y = _table()
    labels = np.array(["neg", "pos"])[y]
    ds = tf.data.Dataset.from_tensor_slices((X, labels)).shuffle(240, seed=0).batch(32)
    clf = DenseClassifier(
        hidden_layer_sizes=(8,), epochs=20, learning_rate=0.02, random_state=0
    ).fit(ds)
    assert list(clf.classes_) == ["neg", "pos"]
    assert clf.n_features_in_ == 4 and clf.n_iter_ >= 1
    assert clf.score(X, labels) > 0.9


def test_stream_matches_arrays_in_one_batch():
    tf = get_tf()
    X, y = _table(64)
    ds = tf.data.Dataset.from_tensor_slices((X, y)).batch(64)
    params = {
        "hidden_layer_sizes": (8,),
        "epochs": 5,
        "random_state": 0,
        "batch_size": 64,
    }
    streamed = DenseClassifier(**params).fit(ds)
    arrays = DenseClassifier(**params).fit(X, y)
    # Same network, same single full batch per epoch: the same model.
    np.testing.assert_allclose(
        streamed.predict_proba(X), arrays.predict_proba(X), atol=1e-5
    )


def test_pydataset_regression_with_weights_and_images():
    keras = get_keras()
    X, _ = _table()
    target = X[:, 0] * 3 + 1

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            sl = slice(i * 30, (i + 1) * 30)
            return X[sl], target[sl], np.ones(30)

    reg = DenseRegressor(
        hidden_layer_sizes=(16,), epochs=30, learning_rate=0.02, random_state=0
    ).fit(Batches())
    assert reg.score(X, target) > 0.9

    images = np.random.RandomState(0).rand(40, 6, 6, 1).astype("float32")
    labels = np.arange(40) % 2
    tf = get_tf()
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(10)
    cnn = CNNClassifier(filters=(4,), dense_layer_sizes=(4,), epochs=2).fit(ds)
    assert cnn.predict(images).shape == (40,)


def test_stream_errors_are_clear():
    tf = get_tf()
    X, y = _table(64)
    bad = X.copy()
    bad[5, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        DenseClassifier(epochs=1).fit(
            tf.data.Dataset.from_tensor_slices((bad, y)).batch(16)
        )
    with pytest.raises(ValueError, match=r"not \(x, y\)"):
        DenseClassifier(epochs=1).fit(tf.data.Dataset.from_tensor_slices(X).batch(16))
    ds = tf.data.Dataset.from_tensor_slices((X, y)).batch(16)
    with pytest.raises(TypeError, match="without y"):
        DenseClassifier(epochs=1).fit(ds, y)
    with pytest.raises(ValueError, match="early_stopping"):
        DenseClassifier(epochs=1, early_stopping=True).fit(ds)
    with pytest.raises(ValueError, match="empty"):
        DenseClassifier(epochs=1).fit(ds.take(0))
    clf = DenseClassifier(epochs=1).fit(ds)
    wrong = tf.data.Dataset.from_tensor_slices((X[:, :3], y)).batch(16)
    clf.set_params(warm_start=True)
    with pytest.raises(ValueError, match="3 features"):
        clf.fit(wrong)


def test_epochs_check_plain_batches_without_validating_them_again(monkeypatch):
    # The first pass validated every batch; an epoch validates again only a
    # batch that is not already a finite float array of the first one's shape.
    keras = get_keras()
    X, y = _table(90)
    batches = [X[:30], X[30:60].astype(np.float64), np.round(X[60:] * 10).astype(int)]

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.asarray(batches[i]) if i < 2 else batches[i], y[
                i * 30 : i * 30 + 30
            ]

    checked = []
    check = DenseClassifier._check_X

    def spy(self, X):
        checked.append(X.dtype.kind)
        return check(self, X)

    monkeypatch.setattr(DenseClassifier, "_check_X", spy)
    clf = DenseClassifier(hidden_layer_sizes=(4,), epochs=3, random_state=0)
    clf.fit(Batches())
    assert clf.n_iter_ == 3
    # The integer batch, once per epoch; the float ones never.
    assert checked == ["i"] * 3
