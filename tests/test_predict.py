"""The fast prediction path: NumPy forward pass equals Keras for every layer and
activation it supports; anything else falls back to the compiled function."""

import numpy as np
import pytest

from skdeep import _backends, _compat
from skdeep._keras import get_keras
from skdeep._predict import ACTIVATIONS, Predictor, compiled_forward, numpy_forward
from skdeep.architectures import dense_network


def _keras_out(model, X, final=None):
    keras = get_keras()
    out = model(X, training=False)
    if final is not None:
        out = keras.activations.get(final)(out)
    return keras.ops.convert_to_numpy(out)


def _randomise(model, seed=0):
    """Non-trivial weights, including batch-norm statistics."""
    rng = np.random.RandomState(seed)
    weights = []
    for w in model.get_weights():
        w = rng.normal(scale=0.5, size=w.shape).astype(w.dtype)
        weights.append(w)
    model.set_weights(weights)
    for layer in model.layers:
        if type(layer).__name__.endswith("BatchNormalization"):
            layer.moving_variance.assign(
                rng.uniform(0.5, 2.0, size=layer.moving_variance.shape)
            )


@pytest.mark.parametrize("activation", sorted(set(ACTIVATIONS) - {"softmax"}))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_numpy_path_matches_keras_for_each_activation(activation, dtype):
    model = dense_network(
        (5,),
        3,
        None,
        hidden_layer_sizes=(7, 6),
        activation=activation,
        dtype=dtype,
        seed=0,
    )
    _randomise(model)
    X = np.random.RandomState(1).normal(size=(11, 5)).astype(dtype)
    forward = numpy_forward(model, "softmax")
    assert forward is not None
    np.testing.assert_allclose(forward(X), _keras_out(model, X, "softmax"), atol=1e-6)


@pytest.mark.parametrize("final", [None, "sigmoid", "softmax"])
def test_numpy_path_with_batchnorm_dropout_and_flatten(final):
    model = dense_network(
        (2, 3),
        4,
        None,
        hidden_layer_sizes=(8, 5),
        batch_normalization=True,
        dropout=0.3,
        seed=0,
        dtype="float64",
    )
    _randomise(model)
    kinds = {type(layer).__name__ for layer in model.layers}
    assert {"BatchNormalization", "Dropout", "Flatten", "Activation"} <= kinds
    X = np.random.RandomState(2).normal(size=(9, 2, 3))
    forward = numpy_forward(model, final)
    assert forward is not None
    np.testing.assert_allclose(forward(X), _keras_out(model, X, final), atol=1e-6)


def test_batch_norm_folds_into_the_layer_before_and_activations_run_in_place():
    """A batch normalisation right after a Dense layer or convolution without
    activation is folded into it, and an Activation layer right after runs in
    place: one op for the three. The output is Keras's, and the caller's
    array is never written (the first layer's activation is not in place)."""
    from skdeep._numpy_layers import chain_ops
    from skdeep._predict import linear_layers

    keras = get_keras()
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((6, 2)),
            L.Activation("relu"),
            L.Conv1D(4, 3, padding="same"),
            L.Dropout(0.5),
            L.BatchNormalization(),
            L.Activation("tanh"),
            L.Flatten(),
            L.Dense(5, use_bias=False),
            L.BatchNormalization(center=False),
            L.Activation("relu"),
            # Not folded: the normalisation follows an activation.
            L.Dense(3, activation="relu"),
            L.BatchNormalization(),
            L.Dense(2),
        ]
    )
    _randomise(model)
    ops = chain_ops(linear_layers(model), _backends.current().to_numpy)
    assert len(ops) == 7
    X = np.random.RandomState(3).normal(size=(8, 6, 2)).astype("float32")
    before = X.copy()
    np.testing.assert_allclose(numpy_forward(model)(X), _keras_out(model, X), atol=1e-5)
    np.testing.assert_array_equal(X, before)


def test_convolutions_take_series_of_any_length():
    """The NumPy path plans its windows per sample shape: series of several
    free lengths, in turn and again, each give Keras's output. (The first
    convolution's bias and ReLU run after the maximum pooling: three ops.)"""
    from skdeep._numpy_layers import chain_ops
    from skdeep._predict import linear_layers

    keras = get_keras()
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((None, 2)),
            L.Conv1D(3, 3, padding="same", activation="relu"),
            L.MaxPooling1D(2, padding="same"),
            L.Conv1D(1, 2, padding="causal"),
            L.Conv1D(2, 3, dilation_rate=2),
            L.GlobalAveragePooling1D(),
        ]
    )
    _randomise(model)
    assert len(chain_ops(linear_layers(model), _backends.current().to_numpy)) == 6
    forward = numpy_forward(model)
    rng = np.random.RandomState(4)
    for steps in (9, 14, 9, 30):
        X = rng.normal(size=(3, steps, 2)).astype("float32")
        np.testing.assert_allclose(forward(X), _keras_out(model, X), atol=1e-5)


def test_output_activation_inside_dense_layer():
    model = dense_network((4,), 3, "softmax", hidden_layer_sizes=(5,), seed=0)
    _randomise(model)
    X = np.random.RandomState(0).normal(size=(6, 4)).astype("float32")
    np.testing.assert_allclose(numpy_forward(model)(X), _keras_out(model, X), atol=1e-6)


def test_unsupported_models_fall_back_to_compiled():
    keras = get_keras()
    inputs = keras.Input((4,))
    branch_a = keras.layers.Dense(3)(inputs)
    branch_b = keras.layers.Dense(3)(inputs)
    branching = keras.Model(inputs, keras.layers.Add()([branch_a, branch_b]))
    # Keras averages "same" pooling over the cells inside the image only.
    conv = keras.Sequential(
        [
            keras.Input((7, 1)),
            keras.layers.AveragePooling1D(2, padding="same"),
            keras.layers.Flatten(),
        ]
    )
    odd_activation = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(2, activation=lambda x: x * 3)]
    )
    for model in (branching, conv, odd_activation):
        assert numpy_forward(model) is None
        predictor = Predictor(model)
        X = np.random.RandomState(0).normal(size=(5, *model.inputs[0].shape[1:]))
        np.testing.assert_allclose(
            predictor(X.astype("float32")),
            _keras_out(model, X.astype("float32")),
            atol=1e-6,
        )


def test_channels_first_layers_are_not_computed_in_numpy():
    """The NumPy path computes channels-last layers only, also where a
    convolution and the maximum pooling after it are computed together."""
    keras = get_keras()
    L = keras.layers
    conv_then_pool = keras.Sequential(
        [
            keras.Input((4, 10)),
            L.Conv1D(3, 3, data_format="channels_first", activation="relu"),
            L.MaxPooling1D(2),
        ]
    )
    pool_only = keras.Sequential(
        [keras.Input((4, 10)), L.MaxPooling1D(2, data_format="channels_first")]
    )
    global_pool = keras.Sequential(
        [keras.Input((4, 10)), L.GlobalAveragePooling1D(data_format="channels_first")]
    )
    for model in (conv_then_pool, pool_only, global_pool):
        assert numpy_forward(model) is None


def _layers_model(input_shape, layers, dtype="float32"):
    keras = get_keras()
    model = keras.Sequential([keras.Input(input_shape, dtype=dtype), *layers])
    _randomise(model)
    return model


def _conv_case(case, dtype):
    """The input shape and layers of one convolutional test network."""
    from skdeep.architectures._sequence_layers import (
        SeriesStandardization,
        WeightedBatchNormalization,
    )

    keras = get_keras()

    def make(cls, *args, **kwargs):
        return cls(*args, dtype=dtype, **kwargs)

    L = keras.layers
    cases = {
        "conv2d-same-pool": lambda: (
            (9, 7, 2),
            [
                make(L.Conv2D, 4, 3, padding="same", activation="relu"),
                make(L.MaxPooling2D, 2, padding="same"),
                make(L.BatchNormalization),
                make(L.Conv2D, 3, (2, 3), strides=(2, 1), activation="tanh"),
                make(L.Flatten),
                make(L.Dense, 3),
            ],
        ),
        "conv2d-dilated-pools": lambda: (
            (10, 11, 3),
            [
                make(L.RandomFlip, "horizontal"),
                make(L.Conv2D, 5, 3, dilation_rate=2, padding="same"),
                make(L.AveragePooling2D, 2),
                make(L.MaxPooling2D, 3, strides=1),
                make(L.GlobalAveragePooling2D),
                make(L.Dense, 2, activation="sigmoid"),
            ],
        ),
        "conv1d-fcn": lambda: (
            (13, 2),
            [
                make(SeriesStandardization),
                make(L.Conv1D, 6, 8, padding="same"),
                make(WeightedBatchNormalization),
                make(L.Activation, "relu"),
                make(L.Conv1D, 4, 3, padding="causal", dilation_rate=2),
                make(L.Conv1D, 4, 3, strides=2, padding="same", activation="elu"),
                make(L.MaxPooling1D, 3, strides=2, padding="same"),
                make(L.GlobalMaxPooling1D, keepdims=True),
                make(L.Flatten),
                make(L.Dense, 3),
            ],
        ),
        "conv1d-global-average": lambda: (
            (12, 3),
            [
                make(L.Conv1D, 4, 5, strides=3, use_bias=False),
                make(L.Dropout, 0.5),
                make(L.GlobalAveragePooling1D),
            ],
        ),
        # One input channel (the windows are copied cell of the window by
        # cell), at the input and after a one-filter convolution.
        "one-channel": lambda: (
            (9, 8, 1),
            [
                make(L.Conv2D, 3, (2, 3), strides=(2, 1), padding="same"),
                make(L.Conv2D, 1, 3, dilation_rate=2, padding="same"),
                make(L.Conv2D, 2, 2, activation="relu"),
                make(L.Flatten),
                make(L.Dense, 2),
            ],
        ),
        "one-channel-1d": lambda: (
            (11, 1),
            [
                make(L.Conv1D, 2, 4, dilation_rate=2, padding="causal"),
                make(L.Conv1D, 1, 3, strides=2),
                make(L.Conv1D, 3, 2, padding="same"),
                make(L.GlobalAveragePooling1D),
            ],
        ),
    }
    return cases[case]()


_CONV_CASES = (
    "conv2d-same-pool",
    "conv2d-dilated-pools",
    "conv1d-fcn",
    "conv1d-global-average",
    "one-channel",
    "one-channel-1d",
)


@pytest.mark.parametrize("case", _CONV_CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_numpy_path_matches_keras_for_convolutions(case, dtype):
    input_shape, layers = _conv_case(case, dtype)
    model = _layers_model(input_shape, layers, dtype)
    # As skdeep runs float64 networks (Keras alone computes some float64 ops
    # in float32 on JAX and PyTorch).
    _compat.keep_float64(model)
    X = np.random.RandomState(3).normal(size=(5, *input_shape)).astype(dtype)
    forward = numpy_forward(model, "softmax")
    assert forward is not None
    # JAX without JAX_ENABLE_X64 computes float64 networks in float32.
    single = dtype == "float32" or not _backends.current().float64_available()
    atol = 1e-5 if single else 1e-12
    expected = _keras_out(model, X, "softmax")
    np.testing.assert_allclose(forward(X), expected, atol=atol)


def test_numpy_path_serves_fewer_rows_for_costly_networks():
    keras = get_keras()
    layers = keras.layers
    small = _layers_model((6,), [layers.Dense(4)])
    conv = _layers_model(
        (64, 64, 8), [layers.Conv2D(64, 3, padding="same"), layers.Flatten()]
    )
    assert numpy_forward(small).max_rows == 256
    rows = numpy_forward(conv).max_rows
    # 64 * 64 * 3 * 3 * 8 * 64 multiply-adds a row: over the budget alone.
    assert rows == 1
    predictor = Predictor(conv)
    X = np.random.RandomState(0).normal(size=(3, 64, 64, 8)).astype("float32")
    np.testing.assert_allclose(predictor(X), _keras_out(conv, X), atol=1e-4)


def test_small_and_large_batches_agree():
    model = dense_network((5,), 2, None, hidden_layer_sizes=(8,), seed=0)
    _randomise(model)
    predictor = Predictor(model, "softmax", numpy_max_rows=10)
    X = np.random.RandomState(0).normal(size=(40, 5)).astype("float32")
    big = predictor(X)  # compiled path
    small = np.concatenate([predictor(X[i : i + 10]) for i in range(0, 40, 10)])
    np.testing.assert_allclose(big, small, atol=1e-6)


@pytest.mark.skipif(
    _backends.name() != "tensorflow",
    reason="tf.function's tracing count; JAX's jit and PyTorch's eager forward "
    "have none (tests/test_networks.py counts traces on every backend)",
)
def test_compiled_function_is_traced_once():
    model = dense_network((3,), 1, None, hidden_layer_sizes=(4,), seed=0)
    fn = compiled_forward(model, "sigmoid")
    for n in (1, 7, 300, 2):
        fn(np.zeros((n, 3), dtype="float32"))
    assert fn.experimental_get_tracing_count() == 1


_TEXTS = [
    "A great film, a GREAT story!",
    "the plot was slow... and the music loud",
    "",
    "   spaced\tout\nwords  ",
    "it's (really) a great-great film?",
    "café crème, a great film",  # not ASCII: the layer itself vectorises
    "split\x1cby a separator Python splits on",  # and not this either
    "nothing known here",
]


@pytest.mark.parametrize("standardize", ["lower_and_strip_punctuation", "lower", None])
def test_numpy_path_matches_keras_for_text(standardize):
    from skdeep.architectures.bag import bag_network, bag_vocabulary

    vocabulary, idf = bag_vocabulary(_TEXTS[:5], standardize=standardize)
    model = bag_network(
        2, "softmax", vocabulary=vocabulary, idf_weights=idf, standardize=standardize
    )
    _randomise_dense(model)
    forward = numpy_forward(model)
    assert forward is not None
    X = np.array(_TEXTS, dtype=object)
    expected = _compiled_text_out(model, X)
    np.testing.assert_allclose(forward(X), expected, atol=1e-6)
    np.testing.assert_allclose(forward(X[:1]), expected[:1], atol=1e-6)
    np.testing.assert_allclose(forward(X[:5]), expected[:5], atol=1e-6)


def _compiled_text_out(model, X):
    # skdeep's compiled path: on JAX and PyTorch the text layer runs on the
    # host, then the compiled rest of the network.
    from skdeep._networks import host_prefix

    prefix = host_prefix(model)
    if prefix is None:
        return Predictor(model, numpy_max_rows=0)(X)
    return compiled_forward(prefix.core)(prefix(X))


def _randomise_dense(model):
    rng = np.random.RandomState(0)
    for layer in model.layers:
        if type(layer).__name__ == "Dense":
            layer.kernel.assign(rng.normal(size=layer.kernel.shape))


def test_text_layers_the_numpy_path_does_not_vectorise():
    from skdeep._backends import current
    from skdeep._numpy_layers import layer_op

    keras = get_keras()
    layer_kinds = [
        {"output_mode": "int"},
        {"output_mode": "multi_hot"},
        {"output_mode": "count", "split": "character"},
        {"output_mode": "count", "standardize": lambda x: x},
    ]
    for kwargs in layer_kinds:
        vectorizer = keras.layers.TextVectorization(vocabulary=["a", "b"], **kwargs)
        assert layer_op(vectorizer, current().to_numpy) is None, kwargs


def test_plain_arrays_in_the_model_input_form_skip_validation(monkeypatch):
    import pandas as pd

    from skdeep import CNNClassifier, DenseClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 4)).astype(np.float32)
    y = np.arange(30) % 2
    est = DenseClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0)
    est.fit(X, y)
    images = rng.normal(size=(12, 6, 6, 1))
    cnn = CNNClassifier(epochs=1, random_state=0).fit(images, np.arange(12) % 2)
    checked = []
    for model in (est, cnn):
        check = type(model)._check_X

        def spy(self, X, check=check):
            checked.append(X)
            return check(self, X)

        monkeypatch.setattr(type(model), "_check_X", spy)
    expected = est.predict_proba(X[:3].tolist())  # a list: validated
    assert len(checked) == 1
    copy = X.copy()
    np.testing.assert_array_equal(est.predict_proba(X[:3]), expected)
    np.testing.assert_array_equal(X, copy)
    cnn.predict_proba(images[:1])
    cnn.predict_proba(images[:2].astype(np.float32))
    assert len(checked) == 1
    # Everything else is validated, with scikit-learn's messages.
    bad = X[:2].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.predict(bad)
    with pytest.raises(ValueError, match="expecting 4 features"):
        est.predict(X[:2, :3])
    with pytest.raises(ValueError, match="0 sample"):
        est.predict(X[:0])
    with pytest.raises(ValueError, match="fitted on images of shape"):
        cnn.predict(images[:1, :5])
    cnn.predict(images[:2].reshape(2, -1))  # flat rows: validated, then reshaped
    assert len(checked) == 6
    named = DenseClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0)
    named.fit(pd.DataFrame(X, columns=list("abcd")), y)
    with pytest.warns(UserWarning, match="feature names"):
        named.predict(X[:1])
