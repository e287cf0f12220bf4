"""Pickle, joblib and skdeep.save/load: fitted and unfitted, in another process."""

import pickle
import subprocess
import sys
import textwrap
import zipfile

import joblib
import numpy as np
import pytest
from conftest import FAST

import skdeep
from skdeep import DenseClassifier, DenseRegressor


@pytest.fixture
def fitted(multiclass_data):
    X, y = multiclass_data
    labels = np.array(["a", "b", "c"])[y]
    return DenseClassifier(**FAST, metrics=["accuracy"]).fit(X, labels), X


@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_round_trip_fitted(fitted, how, tmp_path):
    clf, X = fitted
    if how == "pickle":
        restored = pickle.loads(pickle.dumps(clf))
    else:
        joblib.dump(clf, tmp_path / "m.joblib")
        restored = joblib.load(tmp_path / "m.joblib")
    assert np.array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert np.array_equal(restored.predict(X), clf.predict(X))
    assert restored.history_ == clf.history_
    # The caller's estimator still works after being pickled.
    assert clf.predict(X[:1]).shape == (1,)


def test_round_trip_unfitted():
    clf = DenseClassifier(hidden_layer_sizes=(3, 2), random_state=5)
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.get_params() == clf.get_params()


def test_unpickled_model_keeps_training(fitted):
    clf, X = fitted
    restored = pickle.loads(pickle.dumps(clf))
    restored.partial_fit(X, clf.predict(X))
    assert restored.n_iter_ == clf.n_iter_ + 1


def _same_predictions_in_a_fresh_process(clf, X, tmp_path, load):
    """Run ``load`` (code that binds ``clf``) in a new Python process and check
    that its probabilities on ``X`` are those of ``clf`` here."""
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "p.npy", clf.predict_proba(X))
    code = textwrap.dedent(load) + textwrap.dedent(
        f"""
        import numpy as np
        X = np.load({str(tmp_path / "X.npy")!r})
        expected = np.load({str(tmp_path / "p.npy")!r})
        assert np.array_equal(clf.predict_proba(X), expected)
        print("same")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "same"


def test_pickle_loads_in_another_process(fitted, tmp_path):
    clf, X = fitted
    joblib.dump(clf, tmp_path / "m.joblib")
    _same_predictions_in_a_fresh_process(
        clf,
        X,
        tmp_path,
        f"""
        import joblib
        clf = joblib.load({str(tmp_path / "m.joblib")!r})
        """,
    )


def test_save_load_single_keras_file(fitted, tmp_path):
    clf, X = fitted
    path = tmp_path / "clf.keras"
    skdeep.save(clf, path)
    assert zipfile.is_zipfile(path)
    restored = skdeep.load(path)
    assert type(restored) is DenseClassifier
    assert restored.get_params() == clf.get_params()
    assert np.array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert list(restored.classes_) == ["a", "b", "c"]
    assert restored.history_ == clf.history_
    # The file is also a plain Keras model file.
    from skdeep._keras import get_keras

    model = get_keras().saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(
        model.predict(X[:3], verbose=0), clf.model_.predict(X[:3], verbose=0)
    )


def test_save_load_regressor_and_unfitted(regression_data, tmp_path):
    X, y = regression_data
    reg = DenseRegressor(**FAST).fit(X, y)
    skdeep.save(reg, tmp_path / "r.keras")
    np.testing.assert_array_equal(
        skdeep.load(tmp_path / "r.keras").predict(X), reg.predict(X)
    )
    skdeep.save(DenseRegressor(l2=0.5), tmp_path / "u.keras")
    loaded = skdeep.load(tmp_path / "u.keras")
    assert loaded.l2 == 0.5 and not hasattr(loaded, "model_")


def test_save_rejects_unsavable_parameter(tmp_path):
    clf = DenseClassifier(loss=lambda y, p: (y - p) ** 2)
    with pytest.raises(TypeError, match="register_keras_serializable"):
        skdeep.save(clf, tmp_path / "x.keras")


def test_load_rejects_wrong_and_tampered_files(fitted, tmp_path):
    clf, _ = fitted
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a skdeep estimator file"):
        skdeep.load(bad)
    path = tmp_path / "clf.keras"
    skdeep.save(clf, path)
    tampered = tmp_path / "tampered.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "config.json":
                data = data.replace(b'"relu"', b'"tanh"')
            dst.writestr(info, data)
    with pytest.raises(ValueError, match="modified after it was saved"):
        skdeep.load(tampered)
    with pytest.raises(ValueError, match=r"\.keras"):
        skdeep.save(clf, tmp_path / "clf.h5")


def test_load_in_a_fresh_process_without_tensorflow_loaded(fitted, tmp_path):
    clf, X = fitted
    path = tmp_path / "clf.keras"
    skdeep.save(clf, path)
    _same_predictions_in_a_fresh_process(
        clf,
        X,
        tmp_path,
        f"""
        import sys
        import skdeep
        assert "tensorflow" not in sys.modules
        clf = skdeep.load({str(path)!r})
        """,
    )


def test_pickle_and_save_keep_the_same_fitted_state(fitted, tmp_path):
    clf, X = fitted
    skdeep.save(clf, tmp_path / "m.keras")
    copies = [pickle.loads(pickle.dumps(clf)), skdeep.load(tmp_path / "m.keras")]
    names = set(clf._fitted_state_names())
    assert {"model_", "classes_", "history_", "_target_encoder", "_rng"} <= names
    kind, keys, pos, *_ = clf._rng.get_state()
    for copy in copies:
        assert set(copy._fitted_state_names()) == names
        # The shuffling generator as the fit left it, not a fresh one.
        copy_kind, copy_keys, copy_pos, *_ = copy._rng.get_state()
        assert (copy_kind, copy_pos) == (kind, pos)
        np.testing.assert_array_equal(copy_keys, keys)
    # So a warm start after either trains alike.
    y = clf.predict(X)
    a, b = (copy.partial_fit(X, y) for copy in copies)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-6)
