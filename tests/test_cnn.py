"""CNNClassifier: input forms, architecture, augmentation, transfer learning."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

import skdeep
from skdeep import CNNClassifier
from skdeep.architectures import cnn_network, transfer_network
from skdeep.cnn import auto_settings
from skdeep.exceptions import InvalidParameterError

# Test-sized: one small convolution block, a small head, a few epochs.
AUTO_TINY = {
    "filters": (4,),
    "dense_layer_sizes": (8,),
    "epochs": 3,
    "learning_rate": 0.01,
    "random_state": 0,
}
# ... and the architecture the automatic rule chooses for large sets (the rule
# has tests of its own): such a small network at this learning rate learns the
# 8x8 test images poorly once they are upsampled to 16x16.
TINY = {**AUTO_TINY, "resize": None, "random_translation": 0.0, "dropout": 0.0}


def bars(n=60, size=8, channels=1, seed=0):
    """Grey (or colour) images of a horizontal (class 0) or vertical (1) bar."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 0.2, size=(n, size, size, channels))
    y = np.arange(n) % 2
    pos = rng.randint(1, size - 1, size=n)
    for i in range(n):
        if y[i] == 0:
            X[i, pos[i], :, :] = 1.0
        else:
            X[i, :, pos[i], :] = 1.0
    return X, y


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:200] / 16.0, y[:200]


def tiny_base(shape=(8, 8, 1)):
    """A small functional base network with batch normalisation."""
    import keras

    inputs = keras.Input(shape)
    x = keras.layers.Conv2D(4, 3, padding="same", name="b_conv1")(inputs)
    x = keras.layers.BatchNormalization(name="b_bn")(x)
    x = keras.layers.Activation("relu", name="b_relu")(x)
    x = keras.layers.Conv2D(6, 3, padding="same", name="b_conv2")(x)
    x = keras.layers.Conv2D(6, 3, padding="same", name="b_conv3")(x)
    return keras.Model(inputs, x, name="tiny_base")


def recording_base():
    """A ``base_model`` callable building :func:`tiny_base`, and the list of
    the ``input_shape`` values it was called with."""
    shapes = []

    def build(input_shape):
        shapes.append(input_shape)
        return tiny_base(input_shape)

    return build, shapes


def weights_of(layer):
    return [np.array(w) for w in layer.get_weights()]


def same_weights(a, b):
    if len(a) != len(b):
        return False
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


# -- input forms -------------------------------------------------------------


def test_input_forms_give_the_same_model():
    X4, y = bars()
    forms = {
        "nhwc": (X4, {}),
        "nhw": (X4[..., 0], {}),
        "flat with image_shape": (X4.reshape(len(X4), -1), {"image_shape": (8, 8)}),
    }
    probas = {}
    for name, (X, extra) in forms.items():
        clf = CNNClassifier(**TINY, **extra).fit(X, y)
        assert clf._image_shape == (8, 8, 1), name
        assert clf.model_.input_shape == (None, 8, 8, 1), name
        assert clf.n_features_in_ == 64
        probas[name] = clf.predict_proba(X)
        # Any form of the fitted shape predicts the same.
        np.testing.assert_allclose(clf.predict_proba(X4), probas[name])
        np.testing.assert_allclose(
            clf.predict_proba(X4.reshape(len(X4), -1)), probas[name]
        )
    for name, proba in probas.items():
        np.testing.assert_allclose(proba, probas["nhwc"], rtol=1e-6, err_msg=name)


def test_two_d_rule_without_image_shape():
    rng = np.random.RandomState(0)
    y = np.arange(20) % 2
    square = CNNClassifier(**{**TINY, "epochs": 1}).fit(rng.rand(20, 16), y)
    assert square._image_shape == (4, 4, 1)
    strip = CNNClassifier(**{**TINY, "epochs": 1}).fit(rng.rand(20, 10), y)
    assert strip._image_shape == (1, 10, 1)
    assert strip.model_.input_shape == (None, 1, 10, 1)
    colour = CNNClassifier(**{**TINY, "epochs": 1}, image_shape=(2, 4, 3))
    colour.fit(rng.rand(20, 24), y)
    assert colour._image_shape == (2, 4, 3)


def test_colour_images():
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 0.3, size=(80, 8, 8, 3))
    y = np.arange(80) % 2
    X[y == 0, :, :, 0] += 0.7  # red images
    X[y == 1, :, :, 2] += 0.7  # blue images
    clf = CNNClassifier(**{**TINY, "epochs": 10}).fit(X, y)
    assert clf.model_.input_shape == (None, 8, 8, 3)
    assert clf.score(X, y) == 1.0
    flat = CNNClassifier(**{**TINY, "epochs": 10}, image_shape=(8, 8, 3))
    flat.fit(X.reshape(80, -1), y)
    np.testing.assert_allclose(
        flat.predict_proba(X.reshape(80, -1)), clf.predict_proba(X), rtol=1e-6
    )


def test_string_labels_and_pipeline(digits):
    X, y = digits
    names = np.array(["zero", "one", "two", "three", "four"] * 2)[y]
    clf = make_pipeline(
        MinMaxScaler(),
        CNNClassifier(**{**TINY, "filters": (8,), "epochs": 10, "batch_size": 32}),
    )
    clf.fit(X, names)
    pred = clf.predict(X)
    assert pred.dtype == names.dtype
    assert set(pred) <= set(names)
    assert clf[-1]._image_shape == (8, 8, 1)
    assert clf.score(X, names) > 0.6
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def test_caller_arrays_not_modified():
    X, y = bars()
    X_f32 = X.astype(np.float32)
    before, before32 = X.copy(), X_f32.copy()
    clf = CNNClassifier(**TINY, dtype="float32").fit(X, y)
    clf.predict(X_f32)
    CNNClassifier(**TINY).fit(X_f32[..., 0], y).predict(X_f32[..., 0])
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(X_f32, before32)


def test_dtype_follows_input_and_float32_on_request():
    X, y = bars(n=20)
    fit64 = CNNClassifier(**{**TINY, "epochs": 1}).fit(X, y)
    assert fit64.model_.inputs[0].dtype == "float64"
    fit32 = CNNClassifier(**{**TINY, "epochs": 1}).fit(X.astype(np.float32), y)
    assert fit32.model_.inputs[0].dtype == "float32"
    asked = CNNClassifier(**{**TINY, "epochs": 1}, dtype="float32").fit(X, y)
    assert asked.model_.inputs[0].dtype == "float32"


# -- errors ------------------------------------------------------------------


def test_wrong_image_shape_at_predict_says_expected_and_got():
    X, y = bars(n=20)
    clf = CNNClassifier(**{**TINY, "epochs": 1}).fit(X, y)
    with pytest.raises(ValueError, match=r"shape \(6, 6, 1\).*\(8, 8, 1\)"):
        clf.predict(np.zeros((2, 6, 6, 1)))
    with pytest.raises(ValueError, match=r"shape \(8, 8, 3\).*\(8, 8, 1\)"):
        clf.predict(np.zeros((2, 8, 8, 3)))
    with pytest.raises(ValueError, match=r"X has 10 features.*expecting 64"):
        clf.predict(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="5 axes"):
        clf.predict(np.zeros((2, 8, 8, 1, 1)))
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.full((2, 8, 8, 1), np.nan))


def test_image_shape_that_does_not_fit_the_data():
    X, y = bars(n=20)
    with pytest.raises(ValueError, match=r"image_shape=\(4, 4\) holds 16 values"):
        CNNClassifier(**TINY, image_shape=(4, 4)).fit(X.reshape(20, -1), y)
    with pytest.raises(ValueError, match=r"images of shape \(8, 8, 1\).*image_shape"):
        CNNClassifier(**TINY, image_shape=(4, 16)).fit(X, y)
    clf = CNNClassifier(**TINY, image_shape=(4, 4))
    with pytest.raises(ValueError):
        clf.fit(X.reshape(20, -1), y)
    assert not hasattr(clf, "model_")


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("filters", (0,)),
        ("kernel_size", (3, 3, 3)),
        ("padding", "full"),
        ("pooling", "min"),
        ("global_pooling", "sum"),
        ("random_flip", "diagonal"),
        ("random_rotation", -0.1),
        ("image_shape", (8, 8, 1, 1)),
        ("resize", (16, 0)),
        ("resize", 16),
        ("base_model", "mobilenet"),
        ("fine_tune_from", 1.5),
    ],
)
def test_invalid_parameters_are_named(param, value):
    X, y = bars(n=20)
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        CNNClassifier(**{**TINY, param: value}).fit(X, y)


def test_valid_padding_on_too_small_images():
    X, y = bars(n=20, size=4)
    clf = CNNClassifier(**{**TINY, "filters": (4, 4, 4)}, padding="valid")
    with pytest.raises(ValueError, match="too small"):
        clf.fit(X, y)


# -- architecture -------------------------------------------------------------


def test_architecture_parameters_shape_the_network():
    clf = CNNClassifier(
        filters=(4, 6),
        kernel_size=(3, 5),
        pooling="average",
        batch_normalization=True,
        dropout=0.2,
        global_pooling="max",
        dense_layer_sizes=(8, 5),
        epochs=1,
        random_state=0,
    )
    X, y = bars(n=20)
    clf.fit(X, y)
    kinds = [type(layer).__name__ for layer in clf.model_.layers]
    assert kinds.count("Conv2D") == 2
    assert kinds.count("AveragePooling2D") == 2
    assert kinds.count("BatchNormalization") == 4
    assert kinds.count("Dropout") == 4
    assert "GlobalMaxPooling2D" in kinds and "Flatten" not in kinds
    assert clf.model_.get_layer("conv_1").kernel.shape == (3, 5, 4, 6)
    assert [clf.model_.get_layer(f"dense_{i}").units for i in (0, 1)] == [8, 5]


def test_resize_inside_the_network():
    X, y = bars(n=40)
    clf = CNNClassifier(**{**TINY, "resize": (16, 12)}).fit(X, y)
    assert clf.model_.input_shape == (None, 8, 8, 1)
    assert clf.model_.get_layer("resize").output.shape == (None, 16, 12, 1)
    # The convolutions see the resized images: 16x12 -> pooled 8x6.
    assert clf.model_.get_layer("flatten").output.shape == (None, 8 * 6 * 4)
    # Prediction reads images of the fitted size, in every form.
    np.testing.assert_array_equal(
        clf.predict(X.reshape(len(X), -1)), clf.predict(X[..., 0])
    )
    with pytest.raises(ValueError, match=r"\(8, 8, 1\)"):
        clf.predict(np.zeros((2, 16, 12, 1)))
    # Too small after resizing, for 'valid' convolutions: said, with the size.
    tiny = CNNClassifier(
        **{**TINY, "filters": (4, 4), "resize": (3, 3)}, padding="valid"
    )
    with pytest.raises(ValueError, match=r"\(3, 3, 1\) are too small"):
        tiny.fit(X, y)


def test_resize_to_the_size_a_base_model_needs():
    X, y = bars(n=20, channels=3)
    build, shapes = recording_base()
    with pytest.raises(ValueError, match=r"takes images of shape \(32, 32, 3\)"):
        CNNClassifier(base_model=tiny_base((32, 32, 3)), epochs=1).fit(X, y)
    clf = CNNClassifier(base_model=build, resize=(32, 32), epochs=1, random_state=0)
    clf.fit(X, y)
    assert shapes == [(32, 32, 3)]
    assert clf.predict(X).shape == (20,)
    base = tiny_base((32, 32, 3))
    CNNClassifier(base_model=base, resize=(32, 32), epochs=1).fit(X, y)


# -- automatic defaults: the rule of the user guide ---------------------------

SMALL_SET_SETTINGS = {"random_translation": 0.05, "dropout": 0.25}
SMALL_SET_TRAINING = {"epochs": 60, "batch_size": 32}
LARGE_SET = {"random_translation": 0.0, "dropout": 0.0, "epochs": 20, "batch_size": 128}


@pytest.mark.parametrize(
    "height, width, resize",
    [
        (8, 8, (16, 16)),  # the digits: twice as large
        (7, 7, (21, 21)),  # a whole factor: ceil(16 / 7) = 3
        (14, 14, (28, 28)),
        (15, 15, (30, 30)),
        (4, 6, (16, 24)),  # the shorter side decides; the aspect ratio is kept
        (2, 4, (16, 32)),
        (16, 16, None),  # 16 pixels or more: as they are
        (28, 28, None),
        (12, 40, (24, 80)),
        (1, 30, None),  # one pixel high: a table or a signal, not an image
        (1, 1, None),
    ],
)
def test_auto_resize_rule(height, width, resize):
    assert auto_settings(height, width, 100)["resize"] == resize
    assert auto_settings(height, width, 60000)["resize"] == resize


def test_auto_training_set_rule():
    # Fewer than 10,000 training images: dropout, 60 epochs of 32, and random
    # shifts of the images that are upsampled.
    for n in (1, 1198, 2000, 9999):
        assert auto_settings(8, 8, n) == {
            "resize": (16, 16),
            **SMALL_SET_SETTINGS,
            **SMALL_SET_TRAINING,
        }
        assert auto_settings(28, 28, n) == {
            "resize": None,
            "random_translation": 0.0,
            "dropout": 0.25,
            **SMALL_SET_TRAINING,
        }
    # 10,000 or more: the former defaults.
    for n in (10000, 60000):
        assert auto_settings(28, 28, n) == {"resize": None, **LARGE_SET}
        assert auto_settings(8, 8, n) == {"resize": (16, 16), **LARGE_SET}
    # Rows one pixel high get the training, not the image augmentation.
    assert auto_settings(1, 30, 15) == {
        "resize": None,
        "random_translation": 0.0,
        "dropout": 0.0,
        **SMALL_SET_TRAINING,
    }


def test_auto_values_are_resolved_in_fit_and_reported():
    X, y = bars(n=40)
    clf = CNNClassifier(filters=(4,), dense_layer_sizes=(8,), epochs=1, random_state=0)
    assert clf.get_params()["resize"] == "auto"
    clf.fit(X, y)
    assert clf.resolved_params_ == {
        "resize": (16, 16),
        **SMALL_SET_SETTINGS,
        "epochs": 1,
        "batch_size": 32,
    }
    # The parameters stay as given (scikit-learn's rule); the network follows
    # the resolved values.
    assert clf.get_params()["resize"] == clf.get_params()["dropout"] == "auto"
    assert clf.model_.input_shape == (None, 8, 8, 1)
    assert clf.model_.get_layer("resize").output.shape == (None, 16, 16, 1)
    assert clf.model_.get_layer("random_translation").height_factor == 0.05
    dropouts = [x.rate for x in clf.model_.layers if type(x).__name__ == "Dropout"]
    assert dropouts == [0.25, 0.25]
    assert clf.predict(X[..., 0]).shape == (40,)
    # 60 epochs by default (patience=100: no stop on a flat loss), of 32 images.
    strip = CNNClassifier(
        filters=(4,), dense_layer_sizes=(8,), patience=100, random_state=0
    )
    strip.fit(np.random.RandomState(0).rand(40, 3), np.arange(40) % 2)
    assert strip.resolved_params_ == {
        "resize": None,
        "random_translation": 0.0,
        "dropout": 0.0,
        **SMALL_SET_TRAINING,
    }
    assert strip.n_iter_ == 60
    assert strip._batch_size(40) == 32


def test_explicit_values_override_the_rule():
    X, y = bars(n=40)
    explicit = {
        "resize": None,
        "random_translation": 0.0,
        "dropout": 0.0,
        "epochs": 2,
        "batch_size": 128,
    }
    clf = CNNClassifier(filters=(4,), dense_layer_sizes=(8,), random_state=0)
    clf.set_params(**explicit).fit(X, y)
    assert clf.resolved_params_ == explicit
    names = [layer.name for layer in clf.model_.layers]
    assert "resize" not in names and "random_translation" not in names
    assert not any(type(x).__name__ == "Dropout" for x in clf.model_.layers)
    assert clf.n_iter_ == 2
    # Each value on its own; the others stay automatic.
    one = CNNClassifier(**AUTO_TINY, resize=(12, 12), dropout=0.5).fit(X, y)
    assert one.resolved_params_ == {
        "resize": (12, 12),
        "random_translation": 0.05,
        "dropout": 0.5,
        "epochs": 3,
        "batch_size": 32,
    }
    assert one.model_.get_layer("resize").output.shape == (None, 12, 12, 1)
    with pytest.raises(InvalidParameterError, match="epochs"):
        CNNClassifier(epochs="many").fit(X, y)


def test_large_training_sets_keep_the_former_defaults(monkeypatch):
    # SMALL_SET lowered so that 40 images count as a large set.
    monkeypatch.setattr(skdeep.cnn, "SMALL_SET", 30)
    X, y = bars(n=40)
    clf = CNNClassifier(filters=(4,), dense_layer_sizes=(8,), epochs=1, random_state=0)
    clf.fit(X, y)
    assert clf.resolved_params_ == {"resize": (16, 16), **LARGE_SET, "epochs": 1}
    names = [layer.name for layer in clf.model_.layers]
    assert "resize" in names and "random_translation" not in names
    # A warm start on a small set changes the training, not the network.
    clf.set_params(warm_start=True).fit(X[:20], y[:20])
    assert clf.resolved_params_ == {
        "resize": (16, 16),
        **LARGE_SET,
        "epochs": 1,
        "batch_size": 32,
    }
    assert "random_translation" not in [layer.name for layer in clf.model_.layers]


def test_auto_with_a_base_model_gives_the_former_defaults():
    X, y = bars(n=20)
    build, shapes = recording_base()
    clf = CNNClassifier(base_model=build, epochs=1, random_state=0).fit(X, y)
    assert shapes == [(8, 8, 1)]
    assert clf.resolved_params_ == {"resize": None, **LARGE_SET, "epochs": 1}


def test_resolved_params_survive_save_and_pickle(tmp_path):
    X, y = bars(n=40)
    clf = CNNClassifier(**AUTO_TINY).fit(X, y)
    expected = clf.predict_proba(X)
    path = tmp_path / "cnn.keras"
    skdeep.save(clf, path)
    for restored in (skdeep.load(path), pickle.loads(pickle.dumps(clf))):
        assert restored.resolved_params_ == clf.resolved_params_
        np.testing.assert_array_equal(restored.predict_proba(X), expected)


def test_builder_alone():
    model = cnn_network((28, 28, 1), 10, filters=(8, 16), seed=0)
    assert model.output_shape == (None, 10)
    # Pooling keeps 'same' padding: 28 -> 14 -> 7.
    assert model.get_layer("flatten").output.shape == (None, 7 * 7 * 16)
    again = cnn_network((28, 28, 1), 10, filters=(8, 16), seed=0)
    assert same_weights(model.get_weights(), again.get_weights())
    strip = cnn_network((1, 10, 1), 2, filters=(4, 4), seed=0)
    assert strip.output_shape == (None, 2)


def test_reproducible_and_early_stopping_history():
    X, y = bars()
    params = {**TINY, "epochs": 4, "early_stopping": True, "validation_fraction": 0.25}
    a = CNNClassifier(**params).fit(X, y)
    b = CNNClassifier(**params).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    assert len(a.history_["val_loss"]) == a.n_iter_ == len(a.loss_curve_)
    weighted = CNNClassifier(**TINY, class_weight={0: 1.0, 1: 3.0}).fit(X, y)
    assert not np.allclose(weighted.predict_proba(X), a.predict_proba(X))


# -- augmentation -------------------------------------------------------------


def test_augmentation_only_in_training():
    X, y = bars()
    clf = CNNClassifier(
        **{**TINY, "random_translation": 0.2},
        random_flip="horizontal_and_vertical",
        random_rotation=0.1,
        random_zoom=0.2,
    ).fit(X, y)
    names = {layer.name for layer in clf.model_.layers}
    assert {
        "random_flip",
        "random_rotation",
        "random_zoom",
        "random_translation",
    } <= names
    first = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict_proba(X), first)
    inference = np.asarray(clf.model_(X, training=False))
    training = np.asarray(clf.model_(X, training=True))
    assert not np.allclose(inference, training)
    # Same weights without augmentation layers give the same predictions.
    plain = clone(clf).set_params(
        random_flip=None, random_rotation=0.0, random_zoom=0.0, random_translation=0.0
    )
    plain.fit(X[:4], y[:4])
    plain.model_.set_weights(clf.model_.get_weights())
    plain._predictor = plain._make_predictor()
    np.testing.assert_allclose(plain.predict_proba(X), first, rtol=1e-6)


# -- transfer learning --------------------------------------------------------


def test_frozen_base_is_unchanged_and_users_model_untouched():
    X, y = bars()
    base = tiny_base()
    original = {layer.name: weights_of(layer) for layer in base.layers}
    flags = [layer.trainable for layer in base.layers]
    clf = CNNClassifier(base_model=base, dense_layer_sizes=(8,), epochs=3)
    clf.set_params(learning_rate=0.05, random_state=0).fit(X, y)
    inner = clf.model_.get_layer("tiny_base")
    assert inner is not base
    assert not inner.trainable
    for layer in inner.layers[1:]:
        assert same_weights(weights_of(layer), original[layer.name]), layer.name
    head = clf.model_.get_layer("dense_0")
    assert head.trainable_weights
    # The user's object: same weights, same flags, not part of the fitted model.
    for layer, flag in zip(base.layers, flags, strict=True):
        assert same_weights(weights_of(layer), original[layer.name]), layer.name
        assert layer.trainable == flag
    assert "GlobalAveragePooling2D" in [type(x).__name__ for x in clf.model_.layers]
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_fine_tuning_changes_only_unfrozen_layers():
    X, y = bars()
    base = tiny_base()
    original = {layer.name: weights_of(layer) for layer in base.layers}
    clf = CNNClassifier(
        base_model=base,
        fine_tune_from="b_conv2",
        dense_layer_sizes=(),
        epochs=3,
        learning_rate=0.05,
        random_state=0,
    ).fit(X, y)
    inner = clf.model_.get_layer("tiny_base")
    for layer in inner.layers[1:]:
        unchanged = same_weights(weights_of(layer), original[layer.name])
        if layer.name in ("b_conv2", "b_conv3"):
            assert layer.trainable and not unchanged, layer.name
        else:
            assert not layer.trainable, layer.name
            assert unchanged, layer.name
    assert all(layer.trainable for layer in base.layers)
    assert same_weights(weights_of(base.get_layer("b_conv2")), original["b_conv2"])


def test_fine_tuning_keeps_batch_normalization_frozen():
    X, y = bars()
    base = tiny_base()
    original = {layer.name: weights_of(layer) for layer in base.layers}
    clf = CNNClassifier(
        base_model=base, fine_tune_from=1, epochs=3, learning_rate=0.05, random_state=0
    ).fit(X, y)
    inner = clf.model_.get_layer("tiny_base")
    assert inner.get_layer("b_conv1").trainable
    assert not same_weights(weights_of(inner.get_layer("b_conv1")), original["b_conv1"])
    # Scale, offset and moving statistics all kept: inference mode.
    assert not inner.get_layer("b_bn").trainable
    assert same_weights(weights_of(inner.get_layer("b_bn")), original["b_bn"])


def test_two_stage_transfer_learning_with_warm_start():
    X, y = bars()
    base = tiny_base()
    original = {layer.name: weights_of(layer) for layer in base.layers}
    clf = CNNClassifier(
        base_model=base, warm_start=True, epochs=2, learning_rate=0.05, random_state=0
    ).fit(X, y)
    stage_one = clf.model_
    trained = stage_one.get_weights()
    clf.set_params(fine_tune_from="b_conv3", learning_rate=0.01)
    # Stage two starts from a copy of stage one's model, new layers unfrozen.
    clf._follow_fine_tune_from()
    assert clf.model_ is not stage_one
    assert same_weights(clf.model_.get_weights(), trained)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.01)
    clf.fit(X, y)
    assert clf.n_iter_ == len(clf.history_["loss"]) == 4
    inner = clf.model_.get_layer("tiny_base")
    assert inner.get_layer("b_conv3").trainable
    assert not same_weights(weights_of(inner.get_layer("b_conv3")), original["b_conv3"])
    for name in ("b_conv1", "b_bn", "b_conv2"):
        assert not inner.get_layer(name).trainable
        assert same_weights(weights_of(inner.get_layer(name)), original[name])
    # Stage one's model is left as it was (a failed stage two would keep it).
    assert not stage_one.get_layer("tiny_base").get_layer("b_conv3").trainable
    assert same_weights(stage_one.get_weights(), trained)


def test_base_model_from_a_callable_gets_the_image_shape():
    X, y = bars(n=20, channels=3)
    build, shapes = recording_base()
    clf = CNNClassifier(base_model=build, epochs=1, random_state=0).fit(X, y)
    assert shapes == [(8, 8, 3)]
    assert clf.model_.inputs[0].dtype == "float32"


def test_base_model_errors():
    X, y = bars(n=20)
    with pytest.raises(ValueError, match=r"takes images of shape \(8, 8, 3\)"):
        CNNClassifier(base_model=tiny_base((8, 8, 3)), epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="'nope' is not a layer"):
        CNNClassifier(base_model=tiny_base(), fine_tune_from="nope").fit(X, y)
    with pytest.raises(ValueError, match="out of range"):
        CNNClassifier(base_model=tiny_base(), fine_tune_from=99).fit(X, y)
    with pytest.raises(ValueError, match="needs a base_model"):
        CNNClassifier(**TINY, fine_tune_from=1).fit(X, y)
    with pytest.raises(TypeError, match="returned str"):
        CNNClassifier(base_model=lambda: "model", epochs=1).fit(X, y)


def test_clone_and_pickle_with_a_base_model():
    X, y = bars()
    base = tiny_base()
    clf = CNNClassifier(base_model=base, epochs=2, random_state=0)
    copy = clone(clf)
    assert copy.base_model is not base
    assert same_weights(copy.base_model.get_weights(), base.get_weights())
    clf.fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    # Fitting the clone from the copied base gives the same model.
    np.testing.assert_allclose(
        copy.fit(X, y).predict_proba(X), clf.predict_proba(X), atol=1e-6
    )


# -- scikit-learn workflows and persistence ---------------------------------


def test_grid_search_over_filters(digits):
    X, y = digits
    grid = GridSearchCV(
        CNNClassifier(**{**TINY, "epochs": 2}, image_shape=(8, 8)),
        {"filters": [(2,), (6,)]},
        cv=2,
    )
    grid.fit(X, y)
    assert [p["filters"] for p in grid.cv_results_["params"]] == [(2,), (6,)]
    assert grid.best_estimator_.filters in [(2,), (6,)]
    kernel = grid.best_estimator_.model_.get_layer("conv_0").kernel
    assert kernel.shape[-1] == grid.best_estimator_.filters[0]


def test_pickle_and_save_round_trip(tmp_path):
    X, y = bars()
    clf = CNNClassifier(**TINY).fit(X[..., 0], y)
    expected = clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    assert restored._image_shape == (8, 8, 1)
    path = tmp_path / "cnn.keras"
    skdeep.save(clf, path)
    loaded = skdeep.load(path)
    assert loaded._image_shape == (8, 8, 1)
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    with pytest.raises(ValueError, match=r"fitted on images of shape \(8, 8, 1\)"):
        loaded.predict(np.zeros((1, 4, 4)))


def test_warm_start_and_partial_fit_keep_the_image_shape():
    X, y = bars()
    clf = CNNClassifier(**TINY, warm_start=True).fit(X, y)
    clf.fit(X, y)
    assert clf.n_iter_ == len(clf.history_["loss"]) > 3
    with pytest.raises(ValueError, match="fitted on images"):
        clf.fit(X[:, :4], y)
    inc = CNNClassifier(**TINY)
    inc.partial_fit(X[:30], y[:30], classes=[0, 1])
    inc.partial_fit(X[30:, :, :, 0], y[30:])
    assert inc.n_iter_ == 2


def test_transfer_builder_alone():
    base = tiny_base()
    model = transfer_network(
        (8, 8, 1), 3, base_model=base, fine_tune_from=-2, dense_layer_sizes=(4,)
    )
    assert model.output_shape == (None, 3)
    inner = model.get_layer("tiny_base")
    assert inner is not base
    assert [layer.trainable for layer in inner.layers[1:]] == [
        False,
        False,
        False,
        True,
        True,
    ]
    assert all(layer.trainable for layer in base.layers)
