"""Every use of Keras's and scikit-learn's private internals, in one place.

skdeep needs a few things that neither library exports. Each is reached here
and nowhere else, behind a function that says what it gives;
``tests/test_compat.py`` checks each against the installed releases, so a new
release that moves one fails there with a message naming it, instead of
somewhere deep in a fit. pyproject.toml pins Keras below its next minor
release for the same reason.
"""

import contextlib
import importlib
import random

from ._keras import get_keras


class PrivateAPIChanged(RuntimeError):
    """A private Keras or scikit-learn internal that skdeep uses has moved."""


def _moved(what, release):
    return PrivateAPIChanged(
        f"skdeep uses {what}, which this {release} no longer has; install the "
        "versions pyproject.toml pins, or a newer skdeep."
    )


# -- Keras: random state -------------------------------------------------------

_SEED_MODULE = "keras.src.random.seed_generator"
_GLOBAL_STATE_MODULE = "keras.src.backend.common.global_state"
# The global attributes that keras.utils.set_random_seed sets.
_GLOBAL_RANDOM_ATTRIBUTES = ("global_random_seed", "global_seed_generator")


@contextlib.contextmanager
def keras_default_seeds(seed):
    """Draw Keras's default seeds (initializers, dropout and ``keras.random``
    ops made without a ``seed``) from a generator seeded with ``seed`` while
    the block runs, then give Keras back the caller's generators.

    Keras draws default seeds from Python's global ``random`` (a module
    attribute of ``keras.src.random.seed_generator``), which other threads of
    the process draw from too, and keeps a global ``SeedGenerator`` for
    unseeded ``keras.random`` calls; both are swapped here, and restored.
    """
    get_keras()  # Keras imported skdeep's way first (quietly, its backend set)
    module = importlib.import_module(_SEED_MODULE)
    state = importlib.import_module(_GLOBAL_STATE_MODULE)
    previous_random = getattr(module, "python_random", None)
    if not hasattr(previous_random, "randint"):
        # Moved in a new release (tests/test_compat.py says so): Keras then
        # draws from Python's global random, which seeded() seeds.
        yield
        return
    previous = {
        name: state.get_global_attribute(name) for name in _GLOBAL_RANDOM_ATTRIBUTES
    }
    module.python_random = random.Random(int(seed))
    state.set_global_attribute("global_seed_generator", None)
    try:
        yield
    finally:
        module.python_random = previous_random
        for name, value in previous.items():
            state.set_global_attribute(name, value)


def check_keras_default_seeds():
    get_keras()
    module = importlib.import_module(_SEED_MODULE)
    if not hasattr(getattr(module, "python_random", None), "randint"):
        raise _moved(f"{_SEED_MODULE}.python_random", "Keras")
    state = importlib.import_module(_GLOBAL_STATE_MODULE)
    for name in ("get_global_attribute", "set_global_attribute"):
        if not callable(getattr(state, name, None)):
            raise _moved(f"{_GLOBAL_STATE_MODULE}.{name}", "Keras")


# -- Keras: losses, compiled models, graphs, metrics, callbacks -----------------


def loss_function_wrapper():
    """Keras's ``LossFunctionWrapper`` (the base of its built-in losses, not
    exported), which turns a loss function into a ``Loss`` with a reduction."""
    get_keras()
    try:
        from keras.src.losses.losses import LossFunctionWrapper
    except ImportError:
        raise _moved("keras.src.losses.losses.LossFunctionWrapper", "Keras") from None
    return LossFunctionWrapper


def compiled_loss_dtype(model, default=None):
    """The dtype a compiled model's loss computes in (Keras rebuilds it in
    float32 when a model is unpickled or loaded); ``default`` if the model is
    not compiled."""
    compiled = getattr(model, "_compile_loss", None)
    if compiled is None:
        return default
    return getattr(compiled, "dtype", default)


def producing_layer(tensor):
    """``(layer, node_index)`` that made a symbolic Keras tensor, or None."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return None
    layer, node_index, _ = history
    return layer, node_index


def node_inputs(layer, node_index):
    """The input tensors of one call (node) of ``layer`` in a graph."""
    return layer._inbound_nodes[node_index].input_tensors


def loss_tracker(model):
    """The ``keras.metrics.Mean`` a compiled model's steps track the loss
    in (what ``model.get_metrics_result()["loss"]`` reads)."""
    tracker = getattr(model, "_loss_tracker", None)
    if tracker is None:
        raise _moved("Trainer._loss_tracker", "Keras")
    return tracker


def sublayers(model):
    """Every layer inside ``model``, nested ones too."""
    return model._flatten_layers(include_self=False, recursive=True)


def metric_direction(metric):
    """``"up"`` or ``"down"`` for a Keras metric that improves that way
    (Keras's own marker, which ``model.fit`` reads to infer a monitoring
    callback's mode), or None if unknown."""
    direction = getattr(metric, "_direction", None)
    return direction if direction in ("up", "down") else None


@contextlib.contextmanager
def detached_model(callback):
    """The callback without the model a previous fit attached to it, while the
    block runs (so a copy of it does not copy a whole network)."""
    model = getattr(callback, "_model", None)
    if model is not None:
        callback._model = None
    try:
        yield callback
    finally:
        if model is not None:
            callback._model = model


def compile_arguments(model):
    """The keyword arguments ``model`` was compiled with (the optimizer as the
    model's own object), or None if it is not compiled."""
    config = getattr(model, "_compile_config", None)
    if config is None or not getattr(model, "compiled", False):
        return None
    return dict(config.config)


def symbolic_build(model, batch):
    """Build ``model``'s layers, compiled loss and metrics on a symbolic copy of
    one ``(x, y, sample_weight)`` batch, as Keras's ``fit`` does first on the
    JAX and PyTorch backends (their variables must exist before a stateless
    or compiled step runs)."""
    build = getattr(model, "_symbolic_build", None)
    if build is None:
        raise _moved("Trainer._symbolic_build", "Keras")
    build(data_batch=batch)


def torch_device():
    """The device Keras's PyTorch backend puts new tensors on."""
    try:
        from keras.src.backend.torch.core import get_device
    except ImportError:
        raise _moved("keras.src.backend.torch.core.get_device", "Keras") from None
    return get_device()


_DTYPES = "keras.src.backend.common.dtypes"


def keep_float64(model):
    """Make Keras keep float64 computations in float64 once ``model`` (a
    float64 network) runs on JAX or PyTorch; once per process.

    Keras's type promotion (``keras.backend.result_type``) maps float64 to
    float32 on every backend but TensorFlow, following JAX's default of no
    64-bit floats, even where both operands are float64: on PyTorch a float64
    ``Dense`` layer multiplies in float32, every loss's mean divides in
    float32 (Keras issue 23704), and the same happens on JAX with 64-bit floats
    turned on. A float64 network then trains and predicts at float32
    precision. The first float64 network skdeep runs there makes that mapping
    keep float64, as it is on TensorFlow; float32 computations, and anything
    on a JAX without 64-bit floats, are unaffected.
    """
    keras = get_keras()
    if keras.config.backend() == "tensorflow":
        return
    dtypes = [getattr(model, "compute_dtype", None), *(v.dtype for v in model.weights)]
    if "float64" not in {_dtype_name(d) for d in dtypes if d is not None}:
        return
    table = _float64_mapping()
    table["float64"] = "float64"


def _dtype_name(dtype):
    return get_keras().backend.standardize_dtype(dtype)


def _float64_mapping():
    """Keras's table of the 64-bit types it computes in 32 bits."""
    try:
        table = importlib.import_module(_DTYPES).BIT64_TO_BIT32_DTYPE
    except (ImportError, AttributeError):
        raise _moved(f"{_DTYPES}.BIT64_TO_BIT32_DTYPE", "Keras") from None
    if not isinstance(table, dict) or "float64" not in table:
        raise _moved(f"{_DTYPES}.BIT64_TO_BIT32_DTYPE['float64']", "Keras")
    return table


# -- scikit-learn ------------------------------------------------------------------


def sklearn_check_sample_weight(sample_weight, X, **kwargs):
    """scikit-learn's own sample-weight validation (private, but the one its
    estimators use, so the messages match theirs)."""
    from sklearn.utils.validation import _check_sample_weight

    return _check_sample_weight(sample_weight, X, **kwargs)


def check_all():
    """Check every internal above against the installed releases; raise
    :class:`PrivateAPIChanged` naming the first one that moved."""
    keras = get_keras()
    check_keras_default_seeds()
    loss_function_wrapper()
    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(2)(keras.layers.Dense(4)(inputs))
    model = keras.Model(inputs, outputs)
    found = producing_layer(outputs)
    if found is None or found[0] is not model.layers[-1]:
        raise _moved("KerasTensor._keras_history", "Keras")
    try:
        previous = node_inputs(*found)
    except (AttributeError, IndexError):
        raise _moved("Layer._inbound_nodes[i].input_tensors", "Keras") from None
    if producing_layer(previous[0])[0] is not model.layers[-2]:
        raise _moved("Layer._inbound_nodes[i].input_tensors", "Keras")
    try:
        if len(sublayers(model)) != 3:
            raise AttributeError
    except AttributeError:
        raise _moved("Layer._flatten_layers", "Keras") from None
    model.compile(loss="mse")
    if (compile_arguments(model) or {}).get("loss") != "mse":
        raise _moved("Trainer._compile_config", "Keras")
    if compiled_loss_dtype(model, default="missing") == "missing":
        raise _moved("Model._compile_loss", "Keras")
    tracker = loss_tracker(model)
    if not isinstance(tracker, keras.metrics.Mean) or tracker.name != "loss":
        raise _moved("Trainer._loss_tracker", "Keras")
    if not callable(getattr(model, "_symbolic_build", None)):
        raise _moved("Trainer._symbolic_build", "Keras")
    if keras.config.backend() == "torch":
        torch_device()
    _float64_mapping()
    if metric_direction(keras.metrics.BinaryAccuracy()) != "up":
        raise _moved("Metric._direction", "Keras")
    callback = keras.callbacks.Callback()
    callback.set_model(model)
    with detached_model(callback):
        if callback._model is not None:
            raise _moved("Callback._model", "Keras")
    if callback.model is not model:
        raise _moved("Callback._model", "Keras")
    try:
        sklearn_check_sample_weight(None, [[0], [1]])
    except ImportError:
        raise _moved(
            "sklearn.utils.validation._check_sample_weight", "scikit-learn"
        ) from None
