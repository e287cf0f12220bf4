"""Save and load a whole estimator as one file in the Keras native format.

The file is a ``.keras`` archive, as written by ``keras.Model.save`` (it loads
in Keras as a model on its own), with one more entry, ``skdeep.json``: the
estimator's class, parameters and fitted state as plain JSON. Loading never
unpickles anything: the JSON is read as data, the estimator class must be one
of skdeep's own, and the network is loaded by Keras with ``safe_mode=True``,
which refuses to deserialize Python code (lambdas). Pickle and joblib also work,
but only load pickles you trust: they can run any code.
"""

import contextlib
import hashlib
import importlib
import json
import os
import tempfile
import zipfile

import numpy as np
from sklearn.utils import check_random_state

from ._keras import get_keras

FORMAT = "skdeep-estimator"
FORMAT_VERSION = 1
_ENTRY = "skdeep.json"


class _Unsavable(TypeError):
    pass


def _encode(value, where):
    """A JSON-ready form of ``value``; raises _Unsavable for what cannot be."""
    keras = get_keras()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            return {
                "__ndarray__": [_encode(v, where) for v in value.tolist()],
                "dtype": "object",
            }
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, where) for v in value]}
    if isinstance(value, list):
        return [_encode(v, where) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return {
                "__items__": [
                    [_encode(k, where), _encode(v, where)] for k, v in value.items()
                ]
            }
        return {k: _encode(v, where) for k, v in value.items()}
    if isinstance(value, np.random.RandomState):
        # Its whole state, so a warm start after load shuffles as one after
        # unpickling does.
        kind, keys, pos, has_gauss, gauss = value.get_state()
        return {
            "__random_state__": [kind, keys.tolist(), int(pos), int(has_gauss), gauss]
        }
    if hasattr(value, "_skdeep_reduce_") and not isinstance(value, type):
        # skdeep's own parameter objects (e.g. ModelBuilder): a class name and
        # its constructor arguments, each encoded (and checked) as a parameter.
        cls = type(value)
        args, kwargs = value._skdeep_reduce_()
        return {
            "__skdeep__": f"{cls.__module__}.{cls.__qualname__}",
            "args": [_encode(v, where) for v in args],
            "kwargs": {k: _encode(v, f"{where}__{k}") for k, v in kwargs.items()},
        }
    if isinstance(value, type) or not callable(value) or hasattr(value, "get_config"):
        try:
            return {"__keras__": keras.saving.serialize_keras_object(value)}
        except Exception as exc:
            raise _Unsavable(f"{where}={value!r} ({exc})") from None
    name = keras.saving.get_registered_name(value)
    if keras.saving.get_registered_object(name) is value:
        return {"__registered__": name}
    raise _Unsavable(
        f"{where}={value!r} is a plain Python callable, which cannot be saved "
        "without pickling code. Register it with "
        "@keras.saving.register_keras_serializable() (and import it before "
        "loading), or use pickle/joblib"
    )


def _decode(value, custom_objects):
    keras = get_keras()
    if isinstance(value, list):
        return [_decode(v, custom_objects) for v in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        data = [_decode(v, custom_objects) for v in value["__ndarray__"]]
        if value["dtype"] == "object":
            out = np.empty(len(data), dtype=object)
            out[:] = data
            return out
        return np.asarray(data, dtype=np.dtype(value["dtype"]))
    if "__random_state__" in value:
        kind, keys, pos, has_gauss, gauss = value["__random_state__"]
        rng = np.random.RandomState()
        rng.set_state((kind, np.asarray(keys, np.uint32), pos, has_gauss, gauss))
        return rng
    if "__tuple__" in value:
        return tuple(_decode(v, custom_objects) for v in value["__tuple__"])
    if "__items__" in value:
        return {
            _decode(k, custom_objects): _decode(v, custom_objects)
            for k, v in value["__items__"]
        }
    if "__keras__" in value:
        with keras.saving.CustomObjectScope(custom_objects or {}):
            return keras.saving.deserialize_keras_object(
                value["__keras__"], safe_mode=True
            )
    if "__skdeep__" in value:
        cls = _skdeep_class(value["__skdeep__"])
        args = [_decode(v, custom_objects) for v in value["args"]]
        kwargs = {k: _decode(v, custom_objects) for k, v in value["kwargs"].items()}
        return cls(*args, **kwargs)
    if "__registered__" in value:
        name = value["__registered__"]
        obj = (custom_objects or {}).get(name) or keras.saving.get_registered_object(
            name
        )
        if obj is None:
            raise ValueError(
                f"The saved estimator uses the registered object {name!r}, which is "
                "not registered in this process: import the module that defines it "
                "(with @keras.saving.register_keras_serializable) or pass it in "
                "custom_objects."
            )
        return obj
    return {k: _decode(v, custom_objects) for k, v in value.items()}


def _digest(zf):
    h = hashlib.sha256()
    for info in sorted(zf.infolist(), key=lambda i: i.filename):
        if info.filename != _ENTRY:
            h.update(info.filename.encode())
            h.update(zf.read(info))
    return h.hexdigest()


def _state(estimator):
    """The estimator's fitted state (but for model_, which Keras saves) as
    JSON data: the same attributes that pickling keeps."""
    state = {}
    for name in estimator._fitted_state_names():
        value = getattr(estimator, name)
        if name == "model_":
            continue
        if name == "_target_encoder":
            state[name] = _encoder_state(value)
        else:
            state[name] = _encode(value, name)
    return state


def save(estimator, path):
    """Save a skdeep estimator, fitted or not, to one ``.keras`` file.

    Parameters
    ----------
    estimator : skdeep estimator
        The estimator to save.
    path : str or os.PathLike
        Destination; must end in ``.keras``.

    Raises
    ------
    TypeError
        If a parameter holds an object that cannot be saved without pickling
        code (e.g. an unregistered Python function); the message names it.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.datasets import load_iris
    >>> import skdeep
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = skdeep.DenseClassifier(epochs=5, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "iris.keras")
    >>> skdeep.save(clf, path)
    >>> (skdeep.load(path).predict(X) == clf.predict(X)).all()
    np.True_
    """
    from .base import BaseKerasEstimator

    path = os.fspath(path)
    if not isinstance(estimator, BaseKerasEstimator):
        raise TypeError(
            f"skdeep.save takes a skdeep estimator, got {type(estimator).__name__}; "
            "use joblib.dump for other objects."
        )
    if not path.endswith(".keras"):
        raise ValueError(f"The file name must end in '.keras', got {path!r}.")
    cls = type(estimator)
    try:
        payload = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "params": {
                k: _encode(v, k) for k, v in estimator.get_params(deep=False).items()
            },
            "fitted": hasattr(estimator, "model_"),
            "state": _state(estimator) if hasattr(estimator, "model_") else {},
        }
    except _Unsavable as exc:
        raise TypeError(f"Cannot save {cls.__name__}: {exc}.") from None
    if payload["fitted"]:
        estimator.model_.save(path)
    else:
        with zipfile.ZipFile(path, "w"):
            pass
    with zipfile.ZipFile(path, "a") as zf:
        payload["digest"] = _digest(zf)
        zf.writestr(_ENTRY, json.dumps(payload))


def _skdeep_class(name):
    """A parameter class of skdeep's own; never anything else from a file."""
    module, _, qualname = name.rpartition(".")
    cls = None
    if module == "skdeep" or module.startswith("skdeep."):
        cls = getattr(importlib.import_module(module), qualname, None)
    if not (isinstance(cls, type) and hasattr(cls, "_skdeep_reduce_")):
        raise ValueError(f"The file names {name!r}, which is not a skdeep class.")
    return cls


def _estimator_class(name):
    from .base import BaseKerasEstimator

    module, _, qualname = name.rpartition(".")
    if not (module == "skdeep" or module.startswith("skdeep.")):
        raise ValueError(
            f"The file names the class {name!r}, which is not a skdeep estimator."
        )
    cls = getattr(importlib.import_module(module), qualname, None)
    if not (isinstance(cls, type) and issubclass(cls, BaseKerasEstimator)):
        raise ValueError(f"The file names {name!r}, which is not a skdeep estimator.")
    return cls


def load(path, custom_objects=None):
    """Load an estimator saved with :func:`save`, without running code from the file.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`skdeep.save`.
    custom_objects : dict, default=None
        Custom layers, losses or functions by name, for models that use them (as
        in ``keras.saving.load_model``).

    Returns
    -------
    estimator : skdeep estimator
        Fitted if it was saved fitted; it predicts exactly as the saved one.

    Raises
    ------
    ValueError
        If the file is not a skdeep estimator file, was modified after saving, or
        its network needs custom objects that are not available.
    """
    path = os.fspath(path)
    try:
        with zipfile.ZipFile(path) as zf:
            payload = json.loads(zf.read(_ENTRY))
            digest = _digest(zf)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError(
            f"{path!r} is not a skdeep estimator file (expected a .keras archive "
            "written by skdeep.save)."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path!r} is not a skdeep estimator file.")
    if payload.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(
            f"{path!r} was written by a newer skdeep (format version "
            f"{payload['format_version']}); upgrade skdeep to load it."
        )
    if payload.get("digest") != digest:
        raise ValueError(
            f"{path!r} was modified after it was saved (its contents do not match "
            "the checksum written with it); refusing to load it."
        )
    cls = _estimator_class(payload["class"])
    params = {k: _decode(v, custom_objects) for k, v in payload["params"].items()}
    estimator = cls(**params)
    if not payload["fitted"]:
        return estimator
    keras = get_keras()
    from .base import import_modules

    import_modules(cls._keras_modules)
    try:
        with _for_this_backend(path, keras.config.backend()) as readable:
            model = keras.saving.load_model(
                readable, custom_objects=custom_objects, compile=True, safe_mode=True
            )
    except Exception as exc:
        raise ValueError(
            f"Could not load the network in {path!r}: {exc}. If it uses custom "
            "layers, losses or metrics, register them with "
            "@keras.saving.register_keras_serializable or pass custom_objects."
        ) from exc
    _restore_state(estimator, payload["state"], custom_objects)
    estimator.model_ = model
    if "_rng" not in payload["state"]:  # written by an earlier skdeep
        estimator._rng = check_random_state(estimator.random_state)
    estimator._restore_fitted()
    return estimator


# Lookup layers that can give sparse outputs, which only TensorFlow has.
_SPARSE_LAYERS = ("TextVectorization", "StringLookup", "IntegerLookup")


def _dense_lookups(config):
    """``config`` (a model's, as JSON data) with every lookup layer's sparse
    output turned dense; True if one was."""
    changed = False
    if isinstance(config, dict):
        inner = config.get("config")
        if (
            config.get("class_name") in _SPARSE_LAYERS
            and isinstance(inner, dict)
            and inner.get("sparse")
        ):
            inner["sparse"] = False
            changed = True
        for value in config.values():
            changed = _dense_lookups(value) or changed
    elif isinstance(config, list):
        for value in config:
            changed = _dense_lookups(value) or changed
    return changed


@contextlib.contextmanager
def _for_this_backend(path, backend):
    """``path``, or on JAX and PyTorch a copy of it whose lookup layers give
    dense outputs where the file (saved on TensorFlow) asks for sparse ones:
    the same values, in the only form these backends have."""
    if backend == "tensorflow":
        yield path
        return
    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read("config.json"))
        if not _dense_lookups(config):
            yield path
            return
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "model.keras")
            with zipfile.ZipFile(copy, "w") as out:
                for item in zf.infolist():
                    data = zf.read(item.filename)
                    if item.filename == "config.json":
                        data = json.dumps(config).encode()
                    out.writestr(item, data)
            yield copy


def _encoder_state(encoder):
    """A target encoder as JSON data: its class, its attributes, and the
    encoders of its outputs (``parts``) for a model with several."""
    attributes = {k: v for k, v in vars(encoder).items() if k != "parts"}
    out = {
        "class": type(encoder).__name__,
        "state": _encode(attributes, "target encoder"),
    }
    if hasattr(encoder, "parts"):
        out["parts"] = [_encoder_state(part) for part in encoder.parts]
    return out


def _restore_encoder(value, custom_objects):
    from . import _encoding

    classes = (
        _encoding.ClassifierTargetEncoder,
        _encoding.RegressorTargetEncoder,
        _encoding.MultiOutputEncoder,
    )
    cls = {c.__name__: c for c in classes}.get(value["class"])
    if cls is None:
        raise ValueError(
            f"The file names an unknown target encoder {value['class']!r}."
        )
    encoder = cls.__new__(cls)
    vars(encoder).update(_decode(value["state"], custom_objects))
    if "parts" in value:
        encoder.parts = [_restore_encoder(p, custom_objects) for p in value["parts"]]
    return encoder


def _restore_state(estimator, state, custom_objects):
    for name, value in state.items():
        if name == "_target_encoder":
            estimator._target_encoder = _restore_encoder(value, custom_objects)
        else:
            setattr(estimator, name, _decode(value, custom_objects))
