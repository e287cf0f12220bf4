"""Models with several inputs or outputs, and models ending in logits, in the
bring-your-own-model wrappers."""

import pickle

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdeep
from skdeep import KerasClassifier, KerasRegressor, ModelBuilder

FAST = {"epochs": 40, "learning_rate": 0.03, "random_state": 0}
COLUMNS = {"num": ["n0", "n1", "n2"], "extra": ["e0", "e1"]}


@keras.saving.register_keras_serializable(package="skdeep_tests")
def two_inputs(input_shape, n_outputs, output_activation, units=16):
    """A Functional model on a dict of two named inputs."""
    inputs = {
        name: keras.Input(shape, name=name) for name, shape in input_shape.items()
    }
    joined = keras.layers.Concatenate()([inputs["num"], inputs["extra"]])
    hidden = keras.layers.Dense(units, activation="relu")(joined)
    output = keras.layers.Dense(n_outputs, activation=output_activation)(hidden)
    return keras.Model(inputs, output)


@keras.saving.register_keras_serializable(package="skdeep_tests")
def two_heads(input_shape, units=16):
    """Two inputs, two classifier outputs: a flag (sigmoid) and a kind of three
    (softmax), as a list."""
    num = keras.Input(input_shape["num"], name="num")
    extra = keras.Input(input_shape["extra"], name="extra")
    hidden = keras.layers.Dense(units, activation="relu")(
        keras.layers.Concatenate()([num, extra])
    )
    flag = keras.layers.Dense(1, activation="sigmoid", name="flag")(hidden)
    kind = keras.layers.Dense(3, activation="softmax", name="kind")(hidden)
    return keras.Model([num, extra], [flag, kind])


@keras.saving.register_keras_serializable(package="skdeep_tests")
def value_heads(input_shape, units=16):
    """One input, two regressor outputs of one and two units, as a dict."""
    inputs = keras.Input(input_shape)
    hidden = keras.layers.Dense(units, activation="relu")(inputs)
    return keras.Model(
        inputs,
        {
            "total": keras.layers.Dense(1, name="total")(hidden),
            "pair": keras.layers.Dense(2, name="pair")(hidden),
        },
    )


def scores(input_shape, n_classes, units=16):
    """Ends in Dense(n_classes) without an activation: logits."""
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(n_classes),
        ]
    )


@pytest.fixture(scope="module")
def tables():
    rng = np.random.RandomState(0)
    n = 160
    num, extra = rng.randn(n, 3), rng.randn(n, 2)
    flag = (num[:, 0] + extra[:, 0] > 0).astype(int)
    kind = np.array(["low", "mid", "high"])[
        (num[:, 1] > 0).astype(int) + (extra[:, 1] > 0).astype(int)
    ]
    frame = pd.DataFrame(
        np.hstack([num, extra]), columns=[*COLUMNS["num"], *COLUMNS["extra"]]
    )
    return {"num": num, "extra": extra}, frame, flag, kind


def test_a_dict_of_inputs(tables):
    X, _, flag, _ = tables
    before = {k: v.copy() for k, v in X.items()}
    clf = KerasClassifier(two_inputs, **FAST).fit(X, flag)
    assert clf.score(X, flag) > 0.9
    assert clf.predict_proba(X).shape == (160, 2)
    assert not hasattr(clf, "n_features_in_")
    for name, value in X.items():
        np.testing.assert_array_equal(value, before[name])  # not modified
    # Input order does not matter, names do.
    np.testing.assert_array_equal(
        clf.predict({"extra": X["extra"], "num": X["num"]}), clf.predict(X)
    )
    reg = KerasRegressor(two_inputs, **FAST).fit(X, X["num"][:, 0] - X["extra"][:, 1])
    assert reg.predict(X).shape == (160,)


def test_a_table_split_by_input_columns_in_a_pipeline_and_a_search(tables):
    X, frame, flag, _ = tables
    clf = KerasClassifier(two_inputs, input_columns=COLUMNS, **FAST)
    pipe = make_pipeline(StandardScaler().set_output(transform="pandas"), clf)
    assert cross_val_score(pipe, frame, flag, cv=2).mean() > 0.85
    search = GridSearchCV(clone(clf), {"model__units": [4, 8]}, cv=2).fit(frame, flag)
    best = search.best_estimator_
    assert best.get_params()["input_columns"] == COLUMNS
    assert list(best.feature_names_in_) == list(frame.columns)
    # The same rows as a dict give the same predictions.
    np.testing.assert_array_equal(best.predict(frame), best.predict(X))
    # A 2-D array is split by column index.
    by_index = KerasClassifier(
        two_inputs, input_columns={"num": [0, 1, 2], "extra": [3, 4]}, **FAST
    ).fit(frame.to_numpy(), flag)
    assert by_index.n_features_in_ == 5
    assert by_index.score(frame.to_numpy(), flag) > 0.9


def test_several_inputs_errors_name_the_fix(tables):
    X, frame, flag, _ = tables
    clf = KerasClassifier(two_inputs, **FAST).fit(X, flag)
    with pytest.raises(ValueError, match="takes 2 inputs"):
        clf.predict(frame.to_numpy())
    with pytest.raises(ValueError, match="key X by the model's input names"):
        clf.predict({"num": X["num"], "other": X["extra"]})
    with pytest.raises(ValueError, match=r"X\['extra'\] has samples of shape \(3,\)"):
        clf.predict({"num": X["num"], "extra": X["num"]})
    with pytest.raises(ValueError, match="different numbers of rows"):
        clf.predict({"num": X["num"], "extra": X["extra"][:5]})
    split = KerasClassifier(
        two_inputs, input_columns={"num": ["n0", "nope"], "extra": ["e0"]}, **FAST
    )
    with pytest.raises(ValueError, match="names columns"):
        split.fit(frame, flag)


def test_several_classifier_outputs(tables):
    X, _, flag, kind = tables
    clf = KerasClassifier(two_heads, metrics=["accuracy"], **FAST)
    clf.fit(X, [flag, kind])  # a list of targets, one per output
    assert [list(c) for c in clf.classes_] == [[0, 1], ["high", "low", "mid"]]
    assert clf.n_outputs_ == 2
    pred = clf.predict(X)
    assert pred.shape == (160, 2)
    assert set(pred[:, 0]) <= {0, 1} and set(pred[:, 1]) <= {"low", "mid", "high"}
    proba = clf.predict_proba(X)
    assert [p.shape for p in proba] == [(160, 2), (160, 3)]
    for p in proba:
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    assert clf.score(X, [flag, kind]) > 0.6
    # Keras's names for each output's loss and metrics.
    assert {"loss", "flag_loss", "kind_loss", "flag_accuracy", "kind_accuracy"} <= set(
        clf.history_
    )
    # The same target as one 2-D array of label columns.
    Y = np.empty((160, 2), dtype=object)
    Y[:, 0], Y[:, 1] = flag, kind
    again = clone(clf).fit(X, Y)
    np.testing.assert_array_equal(again.predict(X), pred)


def test_per_output_metrics_and_multilabel_on_several_outputs(tables):
    X, _, flag, _ = tables
    labels = np.column_stack([flag, 1 - flag])  # a multilabel indicator
    clf = KerasClassifier(two_heads_binary, metrics={"b": ["accuracy"]}, **FAST).fit(
        X, labels
    )
    assert "b_accuracy" in clf.history_ and "a_accuracy" not in clf.history_
    assert [p.shape for p in clf.predict_proba(X)] == [(160, 2), (160, 2)]
    assert clf.predict(X).shape == (160, 2)


def two_heads_binary(input_shape):
    num = keras.Input(input_shape["num"], name="num")
    extra = keras.Input(input_shape["extra"], name="extra")
    hidden = keras.layers.Dense(8, activation="relu")(
        keras.layers.Concatenate()([num, extra])
    )
    return keras.Model(
        [num, extra],
        [
            keras.layers.Dense(1, activation="sigmoid", name="a")(hidden),
            keras.layers.Dense(1, activation="sigmoid", name="b")(hidden),
        ],
    )


def test_several_regressor_outputs_with_a_loss_per_output(tables):
    X, _, _, _ = tables
    num = X["num"]
    y = np.column_stack([num.sum(axis=1), num[:, 0], 2 * num[:, 1]])
    reg = KerasRegressor(value_heads, loss={"total": "mae", "pair": "mse"}, **FAST)
    reg.fit(num, y)
    assert reg.predict(num).shape == (160, 3)
    assert reg.score(num, y) > 0.9
    assert {"loss", "total_loss", "pair_loss"} <= set(reg.history_)
    # A list of targets, one per output, is the same target.
    again = clone(reg).fit(num, [y[:, 0], y[:, 1:]])
    np.testing.assert_allclose(again.predict(num), reg.predict(num), rtol=1e-5)
    with pytest.raises(ValueError, match="model's outputs are"):
        clone(reg).set_params(loss={"nope": "mae"}).fit(num, y)


def test_outputs_and_target_columns_must_agree(tables):
    X, _, flag, kind = tables
    with pytest.raises(ValueError, match=r"2 outputs .* y has 1 column"):
        KerasClassifier(two_heads, **FAST).fit(X, flag)
    with pytest.raises(ValueError, match="one per output"):
        KerasClassifier(two_inputs, **FAST).fit(X, [flag, kind])
    with pytest.raises(ValueError, match=r"one array per output"):
        KerasClassifier(two_heads, **FAST).fit(X, [flag, kind[:10]])


def test_partial_fit_with_several_outputs(tables):
    X, _, flag, kind = tables
    clf = KerasClassifier(two_heads, **FAST)
    classes = [np.array([0, 1]), np.array(["high", "low", "mid"])]
    first = {k: v[:80] for k, v in X.items()}
    clf.partial_fit(first, [flag[:80], kind[:80]], classes=classes)
    clf.partial_fit(X, [flag, kind])
    assert clf.n_iter_ == 2
    assert clf.predict(X).shape == (160, 2)


def test_pickle_and_save_load_of_several_inputs_and_outputs(tables, tmp_path):
    X, frame, flag, kind = tables
    fitted = [
        KerasClassifier(two_heads, input_columns=COLUMNS, **FAST).fit(
            frame, [flag, kind]
        ),
        KerasRegressor(value_heads, **FAST).fit(
            X["num"], np.column_stack([X["num"][:, 0], X["num"][:, :2]])
        ),
    ]
    inputs = [frame, X["num"]]
    for i, (est, data) in enumerate(zip(fitted, inputs, strict=True)):
        for copy in (pickle.loads(pickle.dumps(est)), _save_load(est, tmp_path, i)):
            np.testing.assert_array_equal(copy.predict(data), est.predict(data))
            assert copy.get_params()["input_columns"] == est.input_columns
    copy = _save_load(fitted[0], tmp_path, 9)
    for a, b in zip(
        copy.predict_proba(frame), fitted[0].predict_proba(frame), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def _save_load(est, folder, i):
    path = folder / f"est{i}.keras"
    skdeep.save(est, path)
    return skdeep.load(path)


def test_initialize_a_trained_model_with_several_inputs_and_outputs(tables, tmp_path):
    X, _, flag, kind = tables
    model = two_heads({"num": (3,), "extra": (2,)})
    clf = KerasClassifier(model).initialize(X, [flag, kind])
    assert clf.n_iter_ == 0 and clf.model_ is model
    keras_flag, keras_kind = model.predict([X["num"], X["extra"]], verbose=0)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba[0][:, 1], keras_flag[:, 0], rtol=1e-5)
    np.testing.assert_allclose(proba[1], keras_kind, rtol=1e-5)
    loaded = _save_load(clf, tmp_path, 0)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    unpickled = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(unpickled.predict(X), clf.predict(X))


@pytest.mark.parametrize("target", ["binary", "multiclass"])
def test_a_model_ending_in_logits(tables, target):
    X, _, flag, kind = tables
    y = flag if target == "binary" else kind
    clf = KerasClassifier(ModelBuilder(scores), **FAST).fit(X["num"], y)
    proba = clf.predict_proba(X["num"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert (proba >= 0).all() and (proba <= 1).all()
    assert clf.score(X["num"], y) > (0.75 if target == "binary" else 0.55)
    # The loss took logits: the network's own output is not a probability.
    raw = clf.model_.predict(X["num"], verbose=0)
    assert (raw < 0).any() or (raw > 1).any()
    # A user compiling with from_logits=True gets the same treatment.
    model = scores((3,), len(clf.classes_))
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    compiled = KerasClassifier(model, epochs=40, random_state=0).fit(X["num"], y)
    np.testing.assert_allclose(
        compiled.predict_proba(X["num"]).sum(axis=1), 1.0, rtol=1e-6
    )


def scores_per_output(input_shape):
    """Two outputs of class scores (no activation): binary and three classes."""
    inputs = keras.Input(input_shape)
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    return keras.Model(
        inputs,
        [
            keras.layers.Dense(1, name="a")(hidden),
            keras.layers.Dense(3, name="b")(hidden),
        ],
    )


def test_several_outputs_of_logits(tables):
    X, _, flag, kind = tables
    clf = KerasClassifier(scores_per_output, **FAST).fit(X["num"], [flag, kind])
    proba = clf.predict_proba(X["num"])
    for p in proba:
        assert (p >= 0).all() and (p <= 1).all()
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    labels = clf.predict(X["num"])
    np.testing.assert_array_equal(labels[:, 0], np.argmax(proba[0], axis=1))
    assert np.mean(labels[:, 0] == flag) > 0.7


def test_a_loss_per_output_for_builders_and_compile_kwargs(tables):
    X, _, flag, kind = tables
    losses = {"a": "binary_crossentropy", "b": "sparse_categorical_crossentropy"}

    def build(input_shape):
        inputs = keras.Input(input_shape)
        hidden = keras.layers.Dense(8, activation="relu")(inputs)
        return keras.Model(
            inputs,
            [
                keras.layers.Dense(1, activation="sigmoid", name="a")(hidden),
                keras.layers.Dense(3, activation="softmax", name="b")(hidden),
            ],
        )

    clf = KerasClassifier(build, loss=losses, **FAST).fit(X["num"], [flag, kind])
    assert {"a_loss", "b_loss"} <= set(clf.history_)

    def scikeras_build(meta, compile_kwargs):
        inputs = keras.Input(meta["X_shape_"][1:])
        hidden = keras.layers.Dense(8, activation="relu")(inputs)
        model = keras.Model(
            inputs,
            {
                "total": keras.layers.Dense(1, name="total")(hidden),
                "pair": keras.layers.Dense(2, name="pair")(hidden),
            },
        )
        model.compile(**compile_kwargs)
        return model

    num = X["num"]
    y = np.column_stack([num.sum(axis=1), num[:, 0], num[:, 1]])
    reg = KerasRegressor(scikeras_build, loss={"total": "mae", "pair": "mse"}, **FAST)
    assert reg.fit(num, y).score(num, y) > 0.8
    assert {"total_loss", "pair_loss"} <= set(reg.history_)


def test_a_compiled_linear_output_without_logits_warns(tables):
    X, _, _, kind = tables
    model = scores((3,), 3)
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match="from_logits"):
        KerasClassifier(model, epochs=2, random_state=0).fit(X["num"], kind)


def test_a_regressor_on_several_inputs_in_a_pipeline_and_a_search(tables):
    _, frame, _, _ = tables
    y = frame["n0"] - 2 * frame["e1"]
    reg = KerasRegressor(two_inputs, input_columns=COLUMNS, **FAST)
    pipe = make_pipeline(StandardScaler().set_output(transform="pandas"), reg)
    search = GridSearchCV(pipe, {"kerasregressor__model__units": [4, 8]}, cv=2)
    search.fit(frame, y)
    assert search.best_score_ > 0.8
    best = search.best_estimator_[-1]
    assert clone(best).get_params()["input_columns"] == COLUMNS
    assert search.predict(frame).shape == (160,)


def test_early_stopping_and_validation_data_with_several_inputs_and_outputs(tables):
    X, _, flag, kind = tables
    clf = KerasClassifier(two_heads, early_stopping=True, metrics=["accuracy"], **FAST)
    clf.fit(X, [flag, kind])
    assert {"val_loss", "val_flag_accuracy", "val_kind_loss"} <= set(clf.history_)
    held_out = ({k: v[:40] for k, v in X.items()}, [flag[:40], kind[:40]])
    clf.fit(X, [flag, kind], validation_data=held_out, epochs=3)
    assert len(clf.history_["val_loss"]) == 3
    weighted = clone(clf).set_params(class_weight="balanced", early_stopping=False)
    assert weighted.fit(X, [flag, kind], epochs=2).n_iter_ == 2


def test_per_output_settings_on_a_one_output_model_are_refused_clearly(tables):
    X, frame, flag, _ = tables
    num = X["num"]

    def one_input(input_shape, n_outputs, output_activation):
        return keras.Sequential(
            [
                keras.Input(input_shape),
                keras.layers.Dense(n_outputs, activation=output_activation),
            ]
        )

    with pytest.raises(ValueError, match="one loss per output, but the model has"):
        KerasClassifier(one_input, loss=["mse", "mae"], **FAST).fit(num, flag)
    with pytest.raises(ValueError, match="metrics by output name, but the model"):
        KerasClassifier(one_input, metrics={"a": ["accuracy"]}, **FAST).fit(num, flag)
    with pytest.raises(ValueError, match="builder got input_shape="):
        KerasClassifier(one_input, input_columns={"num": ["n0"]}, **FAST).fit(
            frame, flag
        )
