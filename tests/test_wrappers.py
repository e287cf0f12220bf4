"""KerasClassifier and KerasRegressor: bring your own Keras model."""

import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.model_selection import GridSearchCV

import skdeep
from skdeep import KerasClassifier, KerasRegressor, ModelBuilder

FAST = {"epochs": 3, "learning_rate": 0.01, "random_state": 0}


def mlp(input_shape, n_outputs, output_activation, units=8, dropout=0.0):
    """A small builder; module level so that pickling finds it."""
    import keras

    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(n_outputs, activation=output_activation),
        ]
    )


def recording(calls):
    """A builder that records the keyword arguments of each call."""

    def build(input_shape, n_outputs, output_activation, n_classes=None, units=4):
        calls.append(
            {
                "input_shape": input_shape,
                "n_outputs": n_outputs,
                "output_activation": output_activation,
                "n_classes": n_classes,
                "units": units,
            }
        )
        return mlp(input_shape, n_outputs, output_activation, units=units)

    return build


@pytest.fixture
def data():
    return make_classification(
        n_samples=60, n_features=5, n_informative=3, n_classes=3, random_state=0
    )


# -- what the builder receives ------------------------------------------------


def _target(kind):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5))
    if kind == "binary":
        return KerasClassifier, X, np.array(["no", "yes"] * 20), (1, "sigmoid", 2)
    if kind == "multiclass":
        return KerasClassifier, X, np.arange(40) % 4, (4, "softmax", 4)
    if kind == "multilabel":
        y = (rng.uniform(size=(40, 3)) > 0.5).astype(int)
        return KerasClassifier, X, y, (3, "sigmoid", 3)
    if kind == "regression":
        return KerasRegressor, X, rng.normal(size=40), (1, "linear", None)
    return KerasRegressor, X, rng.normal(size=(40, 2)), (2, "linear", None)


@pytest.mark.parametrize(
    "kind", ["binary", "multiclass", "multilabel", "regression", "multioutput"]
)
def test_builder_receives_what_the_target_needs(kind):
    cls, X, y, (n_outputs, activation, n_classes) = _target(kind)
    calls = []
    est = cls(recording(calls), epochs=1, random_state=0).fit(X, y)
    assert calls == [
        {
            "input_shape": (5,),
            "n_outputs": n_outputs,
            "output_activation": activation,
            "n_classes": n_classes,
            "units": 4,
        }
    ]
    if cls is KerasClassifier:
        proba = est.predict_proba(X)
        assert proba.shape == (40, n_classes if kind != "multilabel" else 3)
        assert est.predict(X).shape == np.shape(y)
    else:
        assert est.predict(X).shape == np.shape(y)


def test_builder_gets_only_the_arguments_it_declares(data):
    X, y = data
    seen = []

    def narrow(n_outputs):
        seen.append("narrow")
        return mlp((5,), n_outputs, "softmax")

    def wide(**kwargs):
        seen.append(sorted(kwargs))
        return mlp(kwargs["input_shape"], kwargs["n_outputs"], "softmax")

    KerasClassifier(narrow, epochs=1).fit(X, y)
    KerasClassifier(ModelBuilder(wide, units=3), epochs=1).fit(X, y)
    assert seen == [
        "narrow",
        [
            "compile_kwargs",
            "input_shape",
            "meta",
            "n_classes",
            "n_outputs",
            "output_activation",
            "units",
        ],
    ]


def test_builder_errors_name_the_fix(data):
    X, y = data

    def needs_units(input_shape, n_outputs, units):
        return mlp(input_shape, n_outputs, "softmax", units=units)

    with pytest.raises(TypeError, match=r"model__units=\.\.\."):
        KerasClassifier(needs_units, epochs=1).fit(X, y)
    # Once given, it trains.
    KerasClassifier(needs_units, epochs=1).set_params(model__units=2).fit(X, y)

    with pytest.raises(TypeError, match=r"must return a keras\.Model"):
        KerasClassifier(lambda n_outputs: "not a model", epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="'model' parameter"):
        KerasClassifier(epochs=1).fit(X, y)

    def three_units(input_shape):
        return mlp(input_shape, 3, "softmax")

    yb = (y > 0).astype(int)
    clf = KerasClassifier(three_units, epochs=1)
    with pytest.raises(ValueError, match="one sigmoid unit or two softmax units"):
        clf.fit(X, yb)
    assert not hasattr(clf, "model_")


# -- model__ parameters -------------------------------------------------------


def test_model_params_in_get_params_set_params_and_clone():
    est = KerasClassifier(ModelBuilder(mlp, units=32), epochs=2)
    params = est.get_params()
    # Given values, and the builder's defaults, as nested parameters.
    assert params["model__units"] == 32
    assert params["model__dropout"] == 0.0
    assert "model__input_shape" not in params

    twin = clone(est)
    assert twin.get_params()["model__units"] == 32
    assert twin.model is not est.model

    twin.set_params(model__dropout=0.25)
    assert twin.get_params()["model__dropout"] == 0.25
    assert est.get_params()["model__dropout"] == 0.0  # the original is untouched
    assert clone(twin).get_params()["model__dropout"] == 0.25

    # A plain function gains model__ parameters through set_params.
    plain = KerasClassifier(mlp).set_params(model__units=3)
    assert isinstance(plain.model, ModelBuilder)
    assert plain.model.function is mlp
    assert plain.get_params()["model__units"] == 3

    with pytest.raises(ValueError, match="model__unitz"):
        est.set_params(model__unitz=1)
    with pytest.raises(ValueError, match="set by the estimator"):
        ModelBuilder(mlp, n_outputs=3)
    with pytest.raises(TypeError, match="ModelBuilder takes a function"):
        ModelBuilder(None)


def test_grid_search_sets_one_model_param_at_a_time(data):
    X, y = data
    calls = []
    search = GridSearchCV(
        KerasClassifier(recording(calls), **FAST),
        {"model__units": [2, 6], "learning_rate": [0.01]},
        cv=2,
    ).fit(X, y)
    # 2 candidates x 2 folds, then the refit; each fit saw its own value.
    assert sorted(c["units"] for c in calls[:4]) == [2, 2, 6, 6]
    best = search.best_params_["model__units"]
    assert calls[-1]["units"] == best
    assert search.best_estimator_.model_.layers[0].units == best
    assert [p["model__units"] for p in search.cv_results_["params"]] == [2, 6]


def test_template_with_model_params_is_refused():
    template = mlp((5,), 3, "softmax")
    with pytest.raises(ValueError, match="template has no hyperparameters"):
        KerasClassifier(template).set_params(model__units=4)


# -- keras.Model templates ----------------------------------------------------


def test_template_is_never_trained_nor_compiled(data):
    X, y = data
    template = mlp((5,), 3, "softmax")
    before = [w.copy() for w in template.get_weights()]
    clf = KerasClassifier(template, **FAST).fit(X, y)
    assert clf.model_ is not template
    assert not template.compiled
    assert getattr(template, "optimizer", None) is None
    after = template.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    # The copy has its own, trained weights.
    assert not np.array_equal(clf.model_.get_weights()[0], before[0])
    # A second fit starts again from fresh weights seeded by random_state.
    first = clf.predict_proba(X)
    assert np.allclose(clone(clf).fit(X, y).predict_proba(X), first, atol=1e-6)


def test_compiled_template_keeps_its_loss_optimizer_and_metrics():
    import keras

    X, y = make_regression(n_samples=40, n_features=5, random_state=0)
    template = mlp((5,), 1, "linear")
    template.compile(
        optimizer=keras.optimizers.SGD(learning_rate=1e-3),
        loss="mean_absolute_error",
        metrics=[keras.metrics.MeanSquaredError(name="my_mse")],
    )
    reg = KerasRegressor(template, epochs=2).fit(X, y)
    assert reg.history_.keys() >= {"loss", "my_mse"}
    assert len(reg.history_["my_mse"]) == reg.n_iter_
    assert reg.model_.loss == "mean_absolute_error"
    assert isinstance(reg.model_.optimizer, keras.optimizers.SGD)
    assert reg.model_.optimizer is not template.optimizer
    # The compiled loss is what was optimised: MAE, not MSE.
    mae = np.mean(np.abs(reg.predict(X) - y))
    assert reg.history_["loss"][-1] == pytest.approx(mae, rel=0.2)
    assert int(template.optimizer.iterations) == 0
    with pytest.warns(UserWarning, match="learning_rate"):
        KerasRegressor(template, epochs=1, learning_rate=0.1).fit(X, y)


def test_compiled_builder_with_one_hot_loss(data):
    X, y = data

    def compiled(input_shape, n_outputs, output_activation):
        model = mlp(input_shape, n_outputs, output_activation)
        model.compile(
            optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]
        )
        return model

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "ignored" warning on defaults
        clf = KerasClassifier(compiled, epochs=2).fit(X, y)
    assert len(clf.history_["accuracy"]) == 2
    assert clf.predict_proba(X).shape == (60, 3)


def test_unbuilt_template_and_subclassed_model(data):
    import keras

    X, y = data
    unbuilt = keras.Sequential(
        [keras.layers.Dense(4), keras.layers.Dense(3, activation="softmax")]
    )
    clf = KerasClassifier(unbuilt, epochs=2).fit(X, y)
    assert not unbuilt.built
    assert clf.predict_proba(X).shape == (60, 3)

    class Net(keras.Model):
        def __init__(self, n_outputs):
            super().__init__()
            self.hidden = keras.layers.Dense(4, activation="relu")
            self.out = keras.layers.Dense(n_outputs, activation="softmax")

        def call(self, x):
            return self.out(self.hidden(x))

    clf = KerasClassifier(Net, epochs=2, metrics=["accuracy"]).fit(X, y)
    proba = clf.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1)
    assert len(clf.history_["accuracy"]) == 2
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        clf.predict(X[:, :, None])


# -- custom losses, metrics, callbacks ----------------------------------------


def test_custom_loss_metric_and_callback(data):
    import keras

    X, y = data
    yb = (y > 0).astype(int)

    def my_loss(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    def my_metric(y_true, y_pred):
        return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)

    class Logger(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epochs_seen = 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs_seen += 1
            logs["epochs_seen"] = self.epochs_seen

    logger = Logger()
    clf = KerasClassifier(
        mlp, loss=my_loss, metrics=[my_metric], callbacks=[logger], **FAST
    ).fit(X, yb)
    assert clf.history_["epochs_seen"] == [1, 2, 3]
    assert len(clf.history_["my_metric"]) == 3
    # Mean absolute error of a probability is in [0, 1].
    assert all(0 <= v <= 1 for v in clf.history_["my_metric"])
    # The user's callback was copied, not used; each fit gets a fresh copy.
    assert logger.epochs_seen == 0
    clf.fit(X, yb)
    assert clf.history_["epochs_seen"] == [1, 2, 3]


# -- data of any shape --------------------------------------------------------


def test_multi_output_regression():
    X, y = make_regression(
        n_samples=80, n_features=4, n_targets=3, noise=0.1, random_state=0
    )
    reg = KerasRegressor(
        ModelBuilder(mlp, units=16),
        epochs=60,
        learning_rate=0.02,
        scale_target=True,
        random_state=0,
    ).fit(X, y)
    assert reg.predict(X).shape == (80, 3)
    assert reg.n_outputs_ == 3
    assert reg.score(X, y) > 0.8


def cnn(input_shape, n_outputs, output_activation, filters=4):
    import keras

    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Conv2D(filters, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(n_outputs, activation=output_activation),
        ]
    )


def test_image_input_through_a_user_cnn():
    digits = load_digits()
    X = (digits.images[:200, :, :, None] / 16.0).astype(np.float32)
    y = digits.target[:200]
    X_before = X.copy()
    clf = KerasClassifier(
        cnn, epochs=10, batch_size=32, learning_rate=0.01, random_state=0
    )
    clf.fit(X, y)
    assert np.array_equal(X, X_before)  # the caller's array is untouched
    assert clf.model_.inputs[0].shape[1:] == (8, 8, 1)
    assert clf._dtype == "float32"  # float32 input, float32 network
    assert clf.predict_proba(X[:5]).shape == (5, 10)
    assert clf.score(X, y) > 0.8
    with pytest.raises(ValueError, match=r"\(8, 8, 1\)"):
        clf.predict(X[:5, :, :7])
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:5].reshape(5, -1))


def test_sequence_input():
    import keras

    def conv1d(n_outputs, output_activation):
        inputs = keras.Input((None, 2))
        x = keras.layers.Conv1D(4, 3, activation="relu")(inputs)
        x = keras.layers.GlobalAveragePooling1D()(x)
        return keras.Model(inputs, keras.layers.Dense(n_outputs)(x))

    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 6, 2))
    y = X[:, :, 0].sum(axis=1)
    reg = KerasRegressor(conv1d, **FAST).fit(X, y)
    assert reg.predict(X).shape == (30,)
    with pytest.raises(ValueError, match="features"):
        reg.predict(X[:, :4])


def test_fits_a_tf_data_stream(data):
    import tensorflow as tf

    X, y = data
    stream = tf.data.Dataset.from_tensor_slices((X, y)).batch(16)
    clf = KerasClassifier(mlp, **FAST).fit(stream)
    assert clf.n_iter_ == 3
    assert clf.predict_proba(X).shape == (60, 3)


def test_dtype_follows_input_for_builders_and_template_keeps_its_own(data):
    X, y = data
    clf64 = KerasClassifier(mlp, epochs=1).fit(X, y)
    clf32 = KerasClassifier(mlp, epochs=1).fit(X.astype(np.float32), y)
    assert clf64.model_.layers[0].kernel.dtype == "float64"
    assert clf32.model_.layers[0].kernel.dtype == "float32"
    template = mlp((5,), 3, "softmax")
    assert KerasClassifier(template, epochs=1).fit(X, y)._dtype == "float32"
    with pytest.raises(ValueError, match="template computes in float32"):
        KerasClassifier(template, epochs=1, dtype="float64").fit(X, y)


# -- reproducibility and persistence ------------------------------------------


def test_random_state_reproduces_predictions(data):
    X, y = data
    a = KerasClassifier(ModelBuilder(mlp, dropout=0.2), **FAST).fit(X, y)
    b = KerasClassifier(ModelBuilder(mlp, dropout=0.2), **FAST).fit(X, y)
    c = KerasClassifier(ModelBuilder(mlp, dropout=0.2), **{**FAST, "random_state": 1})
    c.fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    assert not np.allclose(a.predict_proba(X), c.predict_proba(X), atol=1e-6)


USER_MODULE = """
import keras


@keras.saving.register_keras_serializable(package="skdeep_user")
class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def build(input_shape, n_outputs, output_activation, units=4):
    return keras.Sequential([
        keras.Input(input_shape),
        Scale(0.5),
        keras.layers.Dense(units, activation="tanh"),
        keras.layers.Dense(n_outputs, activation=output_activation),
    ])
"""


def test_pickle_round_trip_in_another_process(data, tmp_path, monkeypatch):
    X, y = data
    (tmp_path / "user_models.py").write_text(USER_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    import user_models

    builder = KerasClassifier(ModelBuilder(user_models.build, units=3), **FAST)
    template = KerasClassifier(user_models.build((5,), 3, "softmax"), **FAST)
    fitted = [builder.fit(X, y), template.fit(X, y)]
    (tmp_path / "est.pkl").write_bytes(pickle.dumps(fitted))
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(
        """
        import pickle, sys
        import numpy as np
        ests = pickle.load(open(sys.argv[1] + "/est.pkl", "rb"))
        X = np.load(sys.argv[1] + "/X.npy")
        np.save(sys.argv[1] + "/out.npy", [e.predict_proba(X) for e in ests])
        print(ests[0].get_params()["model__units"])
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.getcwd()])}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "3"
    out = np.load(tmp_path / "out.npy")
    for est, proba in zip(fitted, out, strict=True):
        np.testing.assert_array_equal(proba, est.predict_proba(X))


def test_save_needs_a_registered_builder(data, tmp_path):
    import keras

    X, y = data
    path = tmp_path / "clf.keras"
    unregistered = KerasClassifier(ModelBuilder(mlp, units=3), **FAST).fit(X, y)
    with pytest.raises(TypeError, match="register_keras_serializable"):
        skdeep.save(unregistered, path)
    assert not path.exists()

    def registered_mlp(input_shape, n_outputs, output_activation, units=8):
        return mlp(input_shape, n_outputs, output_activation, units=units)

    keras.saving.register_keras_serializable(package="skdeep_tests")(registered_mlp)
    clf = KerasClassifier(ModelBuilder(registered_mlp, units=3), **FAST).fit(X, y)
    skdeep.save(clf, path)
    loaded = skdeep.load(path)
    assert loaded.get_params()["model__units"] == 3
    assert loaded.model.function is registered_mlp
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # It refits too.
    assert loaded.fit(X, y).model_.layers[0].units == 3


def test_unregistered_custom_layer_fails_clearly_at_load(data, tmp_path):
    import keras

    X, y = data

    class Double(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    def build(input_shape, n_outputs, output_activation):
        inputs = keras.Input(input_shape)
        hidden = keras.layers.Dense(4)(Double()(inputs))
        outputs = keras.layers.Dense(n_outputs, activation=output_activation)(hidden)
        return keras.Model(inputs, outputs)

    keras.saving.register_keras_serializable(package="skdeep_tests")(build)
    clf = KerasClassifier(build, **FAST).fit(X, y)
    skdeep.save(clf, tmp_path / "clf.keras")
    with pytest.raises(ValueError, match="register_keras_serializable"):
        skdeep.load(tmp_path / "clf.keras")


# -- binary targets on a two-unit softmax (the Keras tutorials' model) ------------


def _two_units(input_shape, n_classes, compile_with=None):
    import keras

    model = keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    if compile_with is not None:
        model.compile(keras.optimizers.Adam(0.02), compile_with, metrics=["accuracy"])
    return model


@pytest.mark.parametrize(
    "compile_with",
    [None, "sparse_categorical_crossentropy", "categorical_crossentropy"],
)
def test_binary_target_trains_a_two_unit_softmax(compile_with, tmp_path):
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    labels = np.array(["no", "yes"])[y]
    clf = KerasClassifier(
        ModelBuilder(_two_units, compile_with=compile_with),
        epochs=40,
        learning_rate=0.02,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # compiled: lr ignored
        clf.fit(X, labels)
    assert clf.model_.outputs[0].shape[-1] == 2
    proba = clf.predict_proba(X)
    assert proba.shape == (120, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert set(clf.predict(X)) <= {"no", "yes"}
    assert clf.score(X, labels) > 0.8
    # The two outputs are the probabilities of classes_ in order.
    np.testing.assert_allclose(proba, clf.model_.predict(X, verbose=0), atol=1e-5)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), proba, atol=1e-6)
    # A template model (a Keras model, not a function) saves to one file.
    template = KerasClassifier(
        _two_units((6,), 2, compile_with), epochs=3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        template.fit(X, labels)
    skdeep.save(template, tmp_path / "two.keras")
    loaded = skdeep.load(tmp_path / "two.keras")
    np.testing.assert_allclose(
        loaded.predict_proba(X), template.predict_proba(X), atol=1e-6
    )


def test_two_unit_softmax_in_a_search_and_clone():
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    clf = KerasClassifier(_two_units, epochs=5, random_state=0)
    search = GridSearchCV(clf, {"learning_rate": [1e-3, 1e-2]}, cv=2).fit(X, y)
    assert search.best_estimator_.predict_proba(X).shape == (120, 2)
    assert clone(clf).fit(X, y).n_outputs_ == 2


def test_three_units_for_a_binary_target_is_refused_clearly():
    X, y = make_classification(n_samples=40, n_features=6, random_state=0)

    def build(input_shape):
        import keras

        return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(3)])

    with pytest.raises(ValueError, match="one sigmoid unit or two softmax units"):
        KerasClassifier(build, epochs=1).fit(X, y)


def test_partial_fit_with_a_target_that_changes_columns_says_what_changed():
    X, _ = make_classification(n_samples=40, n_features=6, random_state=0)
    Y = (np.random.RandomState(0).rand(40, 4) > 0.5).astype(int)
    clf = KerasClassifier(_network_for_labels, random_state=0)
    clf.partial_fit(X, Y[:, :3])
    with pytest.raises(
        ValueError, match="4 label columns, but the model was fitted on 3"
    ):
        clf.partial_fit(X, Y)
    with pytest.raises(ValueError, match="1-D labels"):
        clf.partial_fit(X, Y[:, 0])
    assert clf.n_iter_ == 1  # the failed calls changed nothing


def _network_for_labels(input_shape, n_outputs, output_activation):
    import keras

    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Dense(n_outputs, activation=output_activation),
        ]
    )


# -- SciKeras-style builders: meta and compile_kwargs -----------------------------


def _scikeras_classifier(meta, compile_kwargs, hidden=16):
    import keras

    model = keras.Sequential(
        [
            keras.Input(meta["X_shape_"][1:]),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    model.compile(**compile_kwargs)
    return model


def _scikeras_regressor(meta, compile_kwargs):
    import keras

    model = keras.Sequential(
        [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(meta["n_outputs_"])]
    )
    model.compile(**compile_kwargs)
    return model


def test_scikeras_builder_gets_meta_and_compile_kwargs():
    X, y = make_classification(
        n_samples=90, n_features=5, n_classes=3, n_informative=3, random_state=0
    )
    seen = {}

    def build(meta, compile_kwargs):
        seen.update(meta=meta, compile_kwargs=compile_kwargs)
        return _scikeras_classifier(meta, compile_kwargs)

    clf = KerasClassifier(
        build, optimizer="sgd", learning_rate=0.05, metrics=["acc"], epochs=2
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # nothing is "ignored"
        clf.fit(X, np.array(["a", "b", "c"])[y])
    meta = seen["meta"]
    assert meta["n_features_in_"] == 5 and meta["X_shape_"] == (90, 5)
    assert meta["classes_"].tolist() == ["a", "b", "c"]
    assert meta["n_classes_"] == 3 and meta["target_type_"] == "multiclass"
    assert meta["n_outputs_"] == 1 and meta["n_outputs_expected_"] == 3
    optimizer = seen["compile_kwargs"]["optimizer"]
    assert type(optimizer).__name__ == "SGD"
    assert float(optimizer.learning_rate.numpy()) == pytest.approx(0.05)
    assert clf.model_.optimizer is optimizer
    assert seen["compile_kwargs"]["metrics"] == ["acc"]
    assert set(clf.history_) == {"loss", "acc"}


def test_compile_kwargs_follow_a_search_and_clone():
    X, y = make_classification(n_samples=90, n_features=5, random_state=0)
    rates = []

    clf = KerasClassifier(_scikeras_classifier, epochs=2, random_state=0)
    search = GridSearchCV(clf, {"learning_rate": [1e-3, 0.1]}, cv=2, refit=False)
    search.fit(X, y)
    for params in search.cv_results_["params"]:
        fitted = clone(clf).set_params(**params).fit(X, y)
        rates.append(float(fitted.model_.optimizer.learning_rate.numpy()))
    assert rates == pytest.approx([1e-3, 0.1])
    # A binary target on the builder's two softmax units, with the default loss.
    assert fitted.predict_proba(X).shape == (90, 2)


def test_scikeras_regressor_builder():
    X, y = make_regression(n_samples=60, n_features=4, random_state=0)
    reg = KerasRegressor(_scikeras_regressor, epochs=3, random_state=0).fit(X, y)
    assert reg.predict(X).shape == (60,)
    assert pickle.loads(pickle.dumps(reg)).predict(X[:2]).shape == (2,)


# -- a pre-trained model: initialize ----------------------------------------------


def test_initialize_keeps_a_trained_model_as_it_is(tmp_path):
    import keras
    from sklearn.ensemble import StackingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile("adam", "binary_crossentropy")
    model.fit(X, y, epochs=5, verbose=0)
    weights = [w.copy() for w in model.get_weights()]
    expected = model.predict(X, verbose=0)[:, 0]

    clf = KerasClassifier(model).initialize(X, y)
    assert clf.n_iter_ == 0 and clf.history_ == {}
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], expected, atol=1e-6)
    assert make_pipeline(FunctionTransformer(), clf).score(X, y) == clf.score(X, y)
    stack = StackingClassifier(
        [("net", clf)], final_estimator=LogisticRegression(), cv="prefit"
    ).fit(X, y)
    assert stack.predict(X).shape == (120,)
    skdeep.save(clf, tmp_path / "init.keras")
    np.testing.assert_allclose(
        skdeep.load(tmp_path / "init.keras").predict_proba(X)[:, 1], expected, atol=1e-6
    )
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X)[:, 1], expected, atol=1e-6)
    # Nothing trained the model.
    for before, after in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    # partial_fit trains on from these weights.
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 1


def test_initialize_a_regressor_predicts_in_the_models_units():
    import keras

    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    reg = KerasRegressor(model).initialize(X, y)
    np.testing.assert_allclose(
        reg.predict(X), model.predict(X, verbose=0)[:, 0], atol=1e-5
    )
    with pytest.raises(ValueError, match="samples of shape"):
        KerasRegressor(model).initialize(X[:, :2], y)


# -- fit keywords for one call, and callbacks that see Keras's names ---------------


@pytest.mark.parametrize("Estimator", [KerasClassifier, KerasRegressor])
def test_fit_keywords_override_one_call_only(Estimator):
    import keras

    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    est = Estimator(_network_for_labels, epochs=50, random_state=0, metrics=["mse"])
    params = est.get_params()
    history = keras.callbacks.History()
    est.fit(
        X[:80],
        y[:80],
        epochs=3,
        batch_size=8,
        validation_data=(X[80:], y[80:]),
        callbacks=[history],
    )
    assert est.n_iter_ == 3
    assert set(est.history_) == {"loss", "mse", "val_loss", "val_mse"}
    assert len(history.history["val_loss"]) == 3  # the object itself was used
    assert est.get_params() == params
    assert clone(est).epochs == 50
    # A search passes them on to each fit.
    search = GridSearchCV(est, {"learning_rate": [1e-3, 1e-2]}, cv=2)
    search.fit(X, y, epochs=2)
    assert search.best_estimator_.n_iter_ == 2


def test_fit_keywords_are_checked():
    X, y = make_classification(n_samples=40, n_features=5, random_state=0)
    clf = KerasClassifier(_network_for_labels, epochs=1)
    with pytest.raises(
        TypeError, match=r"unsupported keyword argument\(s\) \['shuffle'\]"
    ):
        clf.fit(X, y, shuffle=False)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        clf.fit(X, y, epochs=0)
    with pytest.raises(ValueError, match=r"\(X_val, y_val\)"):
        clf.fit(X, y, validation_data=(X,))
    with pytest.raises(ValueError, match="rows of X but"):
        clf.fit(X, y, validation_data=(X, y[:5]))
    assert not hasattr(clf, "model_")


@pytest.mark.parametrize("monitor", ["val_acc", "acc", "val_auc"])
def test_monitoring_callbacks_infer_their_mode_from_the_metric(monitor):
    import keras

    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    stop = keras.callbacks.EarlyStopping(monitor=monitor, patience=2)
    clf = KerasClassifier(
        _network_for_labels,
        metrics=["acc", keras.metrics.AUC(name="auc")],
        early_stopping=True,
        epochs=5,
        random_state=0,
    )
    clf.fit(X, y, callbacks=[stop])
    assert stop.mode == "max"
    assert monitor in clf.history_


@pytest.mark.parametrize("Estimator", [KerasClassifier, KerasRegressor])
def test_predict_keywords_batch_size_and_callbacks(Estimator):
    import keras

    X, y = make_classification(n_samples=50, n_features=5, random_state=0)
    est = Estimator(_network_for_labels, epochs=1, random_state=0).fit(X, y)

    class Batches(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.events = []

        def on_predict_begin(self, logs=None):
            self.events.append("begin")

        def on_predict_batch_end(self, batch, logs=None):
            self.events.append(len(logs["outputs"]))

        def on_predict_end(self, logs=None):
            self.events.append("end")

    seen = Batches()
    out = est.predict(X, batch_size=20, callbacks=[seen])
    assert seen.events == ["begin", 20, 20, 10, "end"]
    np.testing.assert_array_equal(out, est.predict(X))
    if hasattr(est, "predict_proba"):
        np.testing.assert_allclose(
            est.predict_proba(X, batch_size=7), est.predict_proba(X), atol=1e-6
        )
    with pytest.raises(TypeError, match="batch_size and callbacks"):
        est.predict(X, verbose=0)
    with pytest.raises(ValueError, match="positive int"):
        est.predict(X, batch_size=0)


def test_a_regressors_monitoring_callbacks_infer_their_mode_from_the_metric():
    import keras

    X, y = make_regression(n_samples=120, n_features=5, random_state=0)
    stop = keras.callbacks.EarlyStopping(monitor="val_mae", patience=2)
    reg = KerasRegressor(
        ModelBuilder(mlp, units=4),
        metrics=["mae"],
        early_stopping=True,
        epochs=5,
        random_state=0,
    )
    reg.fit(X, y, callbacks=[stop])
    assert stop.mode == "min"
    assert "val_mae" in reg.history_
