"""Compiled networks, reused across fits of the same architecture.

TensorFlow never gives back some of what a new Keras model costs: building an
optimizer's slot variables and tracing a training loop keep about 2.5 MB alive
for the life of the process (measured: 100 fits of a small dense network grew
resident memory by 260 MB, plain ``model.fit`` by 390 MB). A grid search or a
cross-validation fits one architecture again and again, so each fitted
estimator leases its compiled network from a pool, and gives it back when the
estimator is garbage-collected or refitted. The next fit of the same
architecture loads a freshly built (never compiled, never traced) model's
initial variables into that network and resets its optimizer to the state it
had right after it was built, so the result is the same as with a new network,
without new optimizer slots or tracing.

A network is reused only when nothing outside the pool still refers to its
model (a user who kept ``est.model_`` keeps it for good), when its whole state
is in Keras variables (no lookup tables), and when the architecture, the
compiled loss and the optimizer's configuration all match.
"""

import collections
import json
import sys
import threading
import weakref

import numpy as np

from . import _backends, _compat
from ._keras import get_keras, get_tf
from ._predict import compiled_forward

# Idle networks kept for reuse, all architectures together (least recently
# returned are dropped first).
MAX_IDLE = 8


def sample_shape(model):
    """One sample's input shape (None for a free axis), or None if unknown or
    several."""
    inputs = getattr(model, "inputs", None)
    if inputs:
        return tuple(inputs[0].shape[1:])
    try:
        shape = model.get_build_config()["input_shape"]
    except (AttributeError, KeyError, TypeError):
        return None
    if isinstance(shape, dict):
        return None
    return tuple(shape[1:])


def graph_view(model, dtype=None):
    """``model`` itself if it is a graph (Functional or Sequential); for a
    built subclassed model, a Functional view of it for inference, sharing its
    layers (the fast predictor and the metrics need a graph's inputs)."""
    if getattr(model, "inputs", None):
        return model
    shape = sample_shape(model)
    if shape is None:
        raise TypeError(
            f"The {type(model).__name__} model was built on several inputs; a "
            "subclassed model takes one. Write a model with several inputs as a "
            "Functional model: keras.Model(inputs={name: keras.Input(...), ...}, "
            "outputs=...)."
        )
    keras = get_keras()
    inputs = keras.Input(shape, dtype=dtype or model.compute_dtype)
    return keras.Model(inputs, model(inputs))


# Keras layers backed by TensorFlow on every backend (vocabularies in lookup
# tables): on JAX and PyTorch they run on the host, before the compiled network.
HOST_LAYERS = frozenset(
    {"TextVectorization", "StringLookup", "IntegerLookup", "Hashing", "HashedCrossing"}
)
# Bytes of one vectorised row of unknown length, to size the calls' chunks.
_ROW_BYTES_GUESS = 4096


class HostPrefix:
    """The preprocessing layers that take a model's inputs and cannot run in a
    JAX or PyTorch graph (``HOST_LAYERS``), run eagerly on the host.

    ``prefix(X)`` maps the model's input (one array, or a list in the order of
    ``model.inputs``) to the inputs of :attr:`core`, the rest of the model as a
    Functional model sharing its layers. Sequences of ids of free length are
    padded with zeros (the padding id) to a power of two steps, so that a JAX
    network compiles for few shapes.
    """

    def __init__(self, model, layers):
        keras = get_keras()
        by_input = {id(layer.input): layer for layer in layers}
        self.steps = []
        core_inputs = []
        for tensor in model.inputs:
            layer = by_input.get(id(tensor))
            self.steps.append(layer)
            core_inputs.append(tensor if layer is None else layer.output)
        try:
            core = keras.Model(
                core_inputs if len(core_inputs) > 1 else core_inputs[0],
                model.outputs if len(model.outputs) > 1 else model.outputs[0],
                name=f"{model.name}_core",
            )
        except ValueError as exc:
            raise ValueError(
                f"On Keras's {_backends.name()} backend, the text and lookup layers "
                f"({', '.join(sorted(HOST_LAYERS))}) run before the compiled "
                "network, so they must take the model's inputs directly, and those "
                "inputs feed nothing else. Restructure the model, or use the "
                f"TensorFlow backend. ({exc})"
            ) from exc
        self.core = core
        self._traced = None
        arguments = _compat.compile_arguments(model)
        if arguments is not None:
            core.compile(**arguments)
        row_bytes = 0
        for tensor in core_inputs:
            shape = tuple(tensor.shape[1:])
            size = np.prod([d or _ROW_BYTES_GUESS // 8 for d in shape]) if shape else 1
            row_bytes += int(size) * np.dtype(tensor.dtype).itemsize
        self.row_bytes = row_bytes

    def _functions(self):
        # Each layer's own computation (TensorFlow ops on every backend) as a
        # tf.function: run eagerly, a short text costs milliseconds of op
        # dispatch; traced once (any number of rows), a fraction of that.
        if self._traced is None:
            tf = get_tf()
            self._traced = [
                None
                if layer is None
                else tf.function(layer.call, reduce_retracing=True)
                for layer in self.steps
            ]
        return self._traced

    def __call__(self, X):
        tf = get_tf()
        several = len(self.steps) > 1
        parts = X if several else [X]
        out = []
        for fn, layer, x in zip(self._functions(), self.steps, parts, strict=True):
            if fn is not None:
                x = fn(tf.convert_to_tensor(np.asarray(x)))
                if isinstance(x, tf.SparseTensor):  # a layer made with sparse=True
                    x = tf.sparse.to_dense(x)
                x = x.numpy()
                if x.ndim == 2 and layer.output.shape[1] is None:
                    x = _pad_steps(x)
            out.append(x)
        return out if several else out[0]


def _pad_steps(ids):
    from ._backends._common import bucket

    steps = bucket(ids.shape[1])
    if steps == ids.shape[1]:
        return ids
    return np.pad(ids, ((0, 0), (0, steps - ids.shape[1])))


def host_prefix(model):
    """The :class:`HostPrefix` of ``model``, or None where there is nothing to
    run on the host (the TensorFlow backend, or no such layers)."""
    if not _backends.current().host_preprocessing or not getattr(model, "inputs", None):
        return None
    layers = [layer for layer in model.layers if type(layer).__name__ in HOST_LAYERS]
    if not layers:
        return None
    return HostPrefix(model, layers)


class Network:
    """A compiled Keras model with its traced training, evaluation and forward
    functions, each traced at most once.

    On JAX and PyTorch, a model whose text or lookup layers take its inputs
    trains and predicts as its :class:`HostPrefix` then the rest of the model
    (:attr:`prefix`, the data's ``prepare`` step).

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    """

    def __init__(self, model):
        self.model = model
        _compat.keep_float64(model)
        backend = _backends.current()
        self.prefix = host_prefix(model)
        trained = model if self.prefix is None else self.prefix.core
        self.train_fn = backend.Loop(trained, "train")
        self.eval_fn = backend.Loop(trained, "test")
        self._forwards = {}
        self._graph = None
        self._lock = threading.Lock()
        self._initial_optimizer = None
        self.own_refs = None

    @property
    def graph(self):
        """The model as a graph for inference: itself, or for a subclassed
        model a Functional view sharing its layers (made once)."""
        with self._lock:
            if self._graph is None:
                self._graph = graph_view(self.model)
        return self._graph

    def forward(self, final_activation):
        """The compiled inference function ending in ``final_activation``."""
        graph = self.graph
        with self._lock:
            fn = self._forwards.get(final_activation)
            if fn is None:
                if self.prefix is None:
                    fn = compiled_forward(graph, final_activation)
                else:
                    fn = _then(
                        self.prefix,
                        compiled_forward(self.prefix.core, final_activation),
                    )
                self._forwards[final_activation] = fn
        return fn

    def remember_initial_state(self):
        """Build the optimizer's variables and keep their initial values, which
        :meth:`reset_from` restores."""
        optimizer = self.model.optimizer
        if not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        self._initial_optimizer = _backends.copies(optimizer.variables)

    def reset_from(self, fresh):
        """Make this network start where the uncompiled model ``fresh`` (same
        architecture) starts: its variables (weights, normalisation statistics,
        random seeds) and a just-built optimizer."""
        for target, source in zip(self.model.variables, fresh.variables, strict=True):
            target.assign(source)
        for var, value in zip(
            self.model.optimizer.variables, self._initial_optimizer, strict=True
        ):
            var.assign(value)
        self.model.stop_training = False
        self.model.reset_metrics()

    def refs(self):
        """References to the model, less those of the cached forward functions
        (each holds one) and of the graph (the model itself, once asked for)."""
        own = len(self._forwards) + (self._graph is self.model)
        return sys.getrefcount(self.model) - own


def _then(prefix, forward):
    def run(*inputs):
        core_inputs = prefix(list(inputs) if len(inputs) > 1 else inputs[0])
        if isinstance(core_inputs, list):
            return forward(*core_inputs)
        return forward(core_inputs)

    return run


class Lease:
    """A network on loan to one fitted estimator; returned to its pool when
    the lease is garbage-collected (with the estimator, or at its next fit)."""

    def __init__(self, network, pool=None, key=None):
        self.network = network
        if pool is not None:
            weakref.finalize(self, pool.give_back, key, network).atexit = False


class NetworkPool:
    """Idle compiled networks by architecture key, at most ``max_idle`` in all."""

    def __init__(self, max_idle=MAX_IDLE):
        self.max_idle = max_idle
        self._idle = collections.OrderedDict()
        self._lock = threading.Lock()
        # Networks given back by finalizers, which may run inside any
        # allocation, even one made while the lock is held: they only append
        # here (atomic), and the pool files them under its lock.
        self._returned = collections.deque()

    def lease(self, build, compile_model, key_parts=None):
        """Lease a compiled network for a new fit.

        Parameters
        ----------
        build : callable
            Returns a newly built, uncompiled model (seeded).
        compile_model : callable
            Compiles a model in place; called on the built model when no idle
            network of its architecture can be reused.
        key_parts : tuple or None
            The compile settings (loss, optimizer, ...) that complete the
            architecture key; None: never reuse this network.

        Returns
        -------
        lease : Lease
        """
        fresh = build()
        key = None if key_parts is None else architecture_key(fresh, *key_parts)
        network = None if key is None else self._take(key)
        if network is not None:
            network.reset_from(fresh)
            return Lease(network, self, key)
        compile_model(fresh)
        network = Network(fresh)
        del fresh
        if key is None:
            return Lease(network)
        network.remember_initial_state()
        # The references the network holds itself; more at reuse time means
        # someone else still holds the model.
        network.own_refs = network.refs()
        return Lease(network, self, key)

    def _take(self, key):
        with self._lock:
            self._file_returned()
            networks = self._idle.get(key, [])
            while networks:
                network = networks.pop()
                if network.refs() == network.own_refs:
                    return network
            self._idle.pop(key, None)
        return None

    def give_back(self, key, network):
        """Return ``network`` (no longer used by its estimator) to the pool."""
        self._returned.append((key, network))

    def _file_returned(self):
        while self._returned:
            key, network = self._returned.popleft()
            self._idle.setdefault(key, []).append(network)
            self._idle.move_to_end(key)
            while sum(len(v) for v in self._idle.values()) > self.max_idle:
                self._idle.popitem(last=False)

    def clear(self):
        """Drop every idle network."""
        with self._lock:
            self._returned.clear()
            self._idle.clear()

    def __len__(self):
        with self._lock:
            self._file_returned()
            return sum(len(v) for v in self._idle.values())


POOL = NetworkPool()


def architecture_key(model, *compile_parts):
    """A string equal for two models of the same architecture and compile
    settings, whatever their seeds and layer names; None if the model's state
    is not all in variables (e.g. lookup tables), or its config cannot be read
    or holds values that cannot be compared (functions, other objects)."""
    layers = [model, *_compat.sublayers(model)]
    if any(type(layer).__name__ in _STATE_OUTSIDE_VARIABLES for layer in layers):
        return None
    try:
        config = model.get_config()
    except (NotImplementedError, TypeError, ValueError):
        return None
    # A layer's name becomes its position: references between layers (the
    # wiring) still count, the global name counters do not.
    names = {layer.name: f"<layer {i}>" for i, layer in enumerate(layers)}
    try:
        return json.dumps([_canonical(config, names), *compile_parts], sort_keys=True)
    except (TypeError, ValueError):
        return None


# Layers that keep state outside Keras variables (vocabularies in lookup
# tables): copying variables would not copy it.
_STATE_OUTSIDE_VARIABLES = frozenset(
    {
        "TextVectorization",
        "StringLookup",
        "IntegerLookup",
        "Hashing",
        "HashedCrossing",
        "Discretization",
    }
)


def _canonical(value, names):
    """``value`` with seeds blanked and layer names replaced by positions
    (``names``): they differ between two builds of one architecture; numbers
    in a JSON-able form."""
    if isinstance(value, dict):
        return {
            k: None if k in ("seed", "name") else _canonical(v, names)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_canonical(v, names) for v in value]
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    # Anything else (a function, an object) has no value to compare: such a
    # network is never pooled.
    raise TypeError(f"no key for a {type(value).__qualname__} in a model config")
