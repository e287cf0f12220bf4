"""Bring your own Keras model: ``KerasClassifier`` and ``KerasRegressor``.

The user's model comes as a *builder* (a function, called afresh in each fit
with the arguments it declares) or as a ``keras.Model`` *template* (copied with
fresh weights in each fit, never trained itself). Everything else (target
encoding, seeding, the training loop, early stopping, history, persistence,
fast prediction) is the shared base's.

Builder hyperparameters are ``model__<name>`` parameters through scikit-learn's
own nested-parameter protocol: :class:`ModelBuilder` holds the builder and its
hyperparameters and implements ``get_params``/``set_params``, exactly as a
pipeline step does, so the estimators keep explicit ``__init__`` signatures and
scikit-learn's unmodified ``get_params`` and ``clone``.
"""

import inspect
import sys
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone, is_regressor
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, validate_data

from . import _compat, _rows
from ._docstring import fill_doc
from ._encoding import (
    MultiOutputEncoder,
    RegressorTargetEncoder,
    _wants_one_hot,
    split_multilabel,
    split_regression,
    stack_targets,
)
from ._keras import get_keras
from ._networks import Lease, Network, graph_view
from ._networks import sample_shape as _sample_shape
from ._validation import WRAPPER_CONSTRAINTS, check_finite_target
from .base import (
    KerasClassifierBase,
    KerasRegressorBase,
    default_float,
    make_optimizer,
)

# What a builder may declare to learn about the data; the rest of its
# parameters are its hyperparameters.
META_ARGUMENTS = (
    "input_shape",
    "n_outputs",
    "output_activation",
    "n_classes",
    # SciKeras's protocol: a dict describing the data, and the estimator's
    # optimizer, loss and metrics for the builder to compile with.
    "meta",
    "compile_kwargs",
)
# SciKeras's names for the target kinds (``meta["target_type_"]``).
_TARGET_TYPES = {
    "binary": "binary",
    "multiclass": "multiclass",
    "multilabel": "multilabel-indicator",
}
_KEYWORD_KINDS = (
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
    inspect.Parameter.KEYWORD_ONLY,
)


def _name(function):
    return getattr(function, "__qualname__", None) or repr(function)


def _signature(function):
    """``(keyword parameters, takes **kwargs)`` of ``function``."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        # No signature to read (some C callables): pass it everything.
        return {}, True
    keywords = {n: p for n, p in parameters.items() if p.kind in _KEYWORD_KINDS}
    var_keyword = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    return keywords, var_keyword


def is_keras_model(obj):
    """Whether ``obj`` is a ``keras.Model`` instance (without importing Keras:
    if Keras is not imported, nothing can be a Keras model)."""
    keras = sys.modules.get("keras")
    model_class = getattr(keras, "Model", None)
    return isinstance(model_class, type) and isinstance(obj, model_class)


class ModelBuilder:
    """A Keras model builder function with its hyperparameters.

    ``KerasClassifier(model=ModelBuilder(build, units=64))`` makes ``units`` the
    estimator parameter ``model__units``: it appears in ``get_params``, survives
    ``clone``, and ``GridSearchCV`` can search it
    (``{"model__units": [16, 64]}``). Hyperparameters left out keep the
    defaults of ``build``'s signature, and are listed by ``get_params`` too.
    ``set_params(model__units=...)`` on an estimator whose ``model`` is a plain
    function wraps it in a ``ModelBuilder`` for you.

    Parameters
    ----------
    function : callable
        Returns a ``keras.Model``. Called with the keyword arguments it declares
        among ``input_shape`` (one sample's shape, without the batch axis),
        ``n_outputs`` (units of the output layer), ``output_activation``
        (``"sigmoid"``, ``"softmax"`` or ``"linear"``), ``n_classes``
        (classifiers), and with its hyperparameters.
    **hyperparameters
        Values for ``function``'s other parameters.

    Examples
    --------
    >>> from skdeep import ModelBuilder
    >>> def build(input_shape, n_outputs, output_activation, units=32):
    ...     import keras
    ...     return keras.Sequential([
    ...         keras.Input(input_shape),
    ...         keras.layers.Dense(units, activation="relu"),
    ...         keras.layers.Dense(n_outputs, activation=output_activation),
    ...     ])
    >>> builder = ModelBuilder(build, units=8)
    >>> builder
    ModelBuilder(build, units=8)
    >>> builder.get_params()
    {'units': 8}
    >>> model = builder(input_shape=(4,), n_outputs=3, output_activation="softmax")
    >>> model.output_shape
    (None, 3)
    """

    def __init__(self, function, /, **hyperparameters):
        if not callable(function) or is_keras_model(function):
            raise TypeError(
                "ModelBuilder takes a function that returns a keras.Model, got "
                f"{function!r}. Pass a keras.Model to the estimator's model= "
                "directly; it has no hyperparameters."
            )
        self.function = function
        self.hyperparameters = {}
        self.set_params(**hyperparameters)

    def _hyperparameter_names(self):
        keywords, var_keyword = _signature(self.function)
        return [n for n in keywords if n not in META_ARGUMENTS], var_keyword

    def get_params(self, deep=True):
        """The builder's hyperparameters: the signature's defaults, overridden
        by the values given.

        Parameters
        ----------
        deep : bool, default=True
            Also list the parameters of hyperparameter values that have
            ``get_params``, as ``<name>__<parameter>``.

        Returns
        -------
        params : dict
        """
        keywords, _ = _signature(self.function)
        params = {
            n: p.default
            for n, p in keywords.items()
            if n not in META_ARGUMENTS and p.default is not p.empty
        }
        params.update(self.hyperparameters)
        if deep:
            for name, value in list(params.items()):
                if hasattr(value, "get_params") and not isinstance(value, type):
                    for key, sub in value.get_params().items():
                        params[f"{name}__{key}"] = sub
        return params

    def set_params(self, **params):
        """Set hyperparameters (``name=value``, or ``name__sub=value`` for a
        value with ``set_params``).

        Returns
        -------
        self : ModelBuilder

        Raises
        ------
        ValueError
            If the builder function does not take a parameter of that name.
        """
        names, var_keyword = self._hyperparameter_names()
        nested = {}
        for key, value in params.items():
            name, delim, sub = key.partition("__")
            if name in META_ARGUMENTS:
                raise ValueError(
                    f"{name!r} is set by the estimator from the data in each fit; "
                    f"it cannot be a hyperparameter of {_name(self.function)}."
                )
            if not var_keyword and name not in names:
                raise ValueError(
                    f"Invalid hyperparameter {name!r} for the builder "
                    f"{_name(self.function)}, whose hyperparameters are "
                    f"{names}. Check the spelling of model__{name}, or add the "
                    "parameter to the builder's signature."
                )
            if delim:
                nested.setdefault(name, {})[sub] = value
            else:
                self.hyperparameters[name] = value
        for name, sub_params in nested.items():
            self.get_params(deep=False)[name].set_params(**sub_params)
        return self

    def __sklearn_clone__(self):
        # A new builder with clones of the values: clone() keeps every one.
        return type(self)(
            self.function,
            **{k: clone(v, safe=False) for k, v in self.hyperparameters.items()},
        )

    def _skdeep_reduce_(self):
        # How skdeep.save writes this object: the function must be registered.
        return (self.function,), dict(self.hyperparameters)

    def __call__(self, **meta):
        """Build a model: ``meta`` holds the data-dependent arguments
        (``input_shape``, ``n_outputs``, ...); only those the function
        declares are passed, with the hyperparameters."""
        keywords, var_keyword = _signature(self.function)
        kwargs = {
            k: v for k, v in meta.items() if var_keyword or k in keywords
        } | self.hyperparameters
        missing = [
            n for n, p in keywords.items() if p.default is p.empty and n not in kwargs
        ]
        needs_data = [n for n in missing if n in META_ARGUMENTS]
        if needs_data:
            raise TypeError(
                f"The builder {_name(self.function)} needs {needs_data}, which "
                "this estimator does not give it (n_classes is for classifiers); "
                "give them defaults or remove them."
            )
        if missing:
            hint = ", ".join(f"model__{n}=..." for n in missing)
            raise TypeError(
                f"The builder {_name(self.function)} needs {missing}, which the "
                f"estimator does not provide: set them with set_params({hint}) or "
                f"ModelBuilder({_name(self.function)}, ...), or give them "
                "defaults. Data-dependent arguments it may declare: "
                f"{list(META_ARGUMENTS)}."
            )
        model = self.function(**kwargs)
        if not is_keras_model(model):
            raise TypeError(
                f"The builder {_name(self.function)} returned "
                f"{type(model).__name__}; it must return a keras.Model."
            )
        return model

    def __repr__(self):
        args = [_name(self.function)]
        args += [f"{k}={v!r}" for k, v in self.hyperparameters.items()]
        return f"ModelBuilder({', '.join(args)})"


def _input_shapes(model):
    """``{input name: one sample's shape}`` of a graph model with several
    inputs, in the order of ``model.inputs``; None for one input."""
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) < 2:
        return None
    return {t.name: tuple(t.shape[1:]) for t in inputs}


def _symbolic_inputs(keras, input_shape, dtype):
    """Keras inputs for building a model on the data's shape: one, or a dict
    by name for several."""
    if isinstance(input_shape, dict):
        return {
            name: keras.Input(shape, dtype=dtype, name=name)
            for name, shape in input_shape.items()
        }
    return keras.Input(input_shape, dtype=dtype)


def _ends_in_logits(tensor):
    """Whether an output tensor comes from a layer with a linear activation
    (e.g. ``Dense(n)`` without one): class scores, not probabilities."""
    found = _compat.producing_layer(tensor)
    layer = found[0] if found else None
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", None) == "linear"


def _layer_name(tensor):
    found = _compat.producing_layer(tensor)
    return getattr(found[0], "name", "?") if found else "?"


def _output_loss(model, index, name):
    """The loss the user compiled ``model`` with for one output, or None."""
    loss = getattr(model, "loss", None)
    if isinstance(loss, dict):
        return loss.get(name)
    if isinstance(loss, (list, tuple)):
        return loss[index] if index < len(loss) else None
    return loss


def _check_input(value, name):
    """One input's array of a several-input X, checked."""
    if sp.issparse(value):
        raise TypeError(
            f"X[{name!r}] is a sparse matrix; models with several inputs take "
            "dense arrays: convert it with .toarray()."
        )
    array = np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value)
    if array.dtype.kind in "OUS":  # text
        return check_array(
            array,
            dtype=None,
            ensure_2d=False,
            allow_nd=True,
            ensure_all_finite=False,
            input_name=f"X[{name!r}]",
        )
    return check_array(
        array,
        dtype=None if array.dtype.kind in "iub" else (np.float64, np.float32),
        ensure_2d=False,
        allow_nd=True,
        input_name=f"X[{name!r}]",
    )


def _select_columns(X, columns, name):
    """Columns ``columns`` of a DataFrame (by name) or a 2-D array (by index):
    one column as a 1-D array when ``columns`` is a single name or index."""
    single = not isinstance(columns, (list, tuple, np.ndarray))
    wanted = [columns] if single else list(columns)
    if hasattr(X, "columns"):
        missing = [c for c in wanted if c not in X.columns]
        if missing:
            raise ValueError(
                f"input_columns[{name!r}] names columns {missing} that X does not have."
            )
        part = X[wanted[0]] if single else X[wanted]
    else:
        if sp.issparse(X):
            X = X.toarray()
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(
                "input_columns splits a DataFrame or a 2-D array; X has shape "
                f"{X.shape}."
            )
        part = X[:, wanted[0]] if single else X[:, wanted]
    return part


def _same(value, default):
    return type(value) is type(default) and value == default


class _WrapperMixin:
    """The bring-your-own-model hooks, shared by the classifier and regressor."""

    # Sparse input is densified one batch at a time by the base, so any model
    # taking 2-D input can train on it.
    _accepts_sparse = True

    # -- parameters --------------------------------------------------------

    def set_params(self, **params):
        """Set the parameters of this estimator.

        ``model__<name>=value`` sets hyperparameter ``name`` of the builder; a
        plain builder function is first wrapped in :class:`ModelBuilder`, so
        ``GridSearchCV`` can search ``model__<name>`` with a plain function.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
        """
        if any(key.startswith("model__") for key in params):
            model = params.get("model", getattr(self, "model", None))
            if not isinstance(model, ModelBuilder):
                if model is None or not callable(model) or is_keras_model(model):
                    raise ValueError(
                        f"model__ parameters set hyperparameters of a builder "
                        f"function, but model={model!r}. A keras.Model template "
                        "has no hyperparameters: to search over architectures, "
                        "pass a builder function that takes them as arguments."
                    )
                params = {**params, "model": ModelBuilder(model)}
        return super().set_params(**params)

    # -- a trained model, without training ----------------------------------

    def initialize(self, X, y):
        """Make the estimator fitted around ``model`` as it is, without training.

        For a model trained elsewhere: ``KerasClassifier(trained).initialize(X,
        y)`` reads the labels (``classes_``) or outputs from ``y`` and the
        input shape from ``X``, and keeps the model's weights, so the estimator
        predicts, scores, saves and pickles, and goes into pipelines and
        ``StackingClassifier(..., cv="prefit")``, exactly as the model
        predicts. A ``keras.Model`` is used itself, not a copy; a builder
        function's model is built (seeded by ``random_state``). A regressor's
        targets are not standardised (the model already predicts in the units
        of ``y``). Later ``partial_fit`` calls (or ``fit`` with
        ``warm_start=True``) train on from these weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Input of the shape the model takes (a few rows suffice).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets holding every label the model predicts, in the order of
            its outputs (sorted, as ``classes_``).

        Returns
        -------
        self : object
            The estimator, fitted (``n_iter_`` is 0).

        Examples
        --------
        >>> import keras, numpy as np
        >>> from skdeep import KerasClassifier
        >>> model = keras.Sequential([keras.Input((3,)),
        ...                           keras.layers.Dense(2, activation="softmax")])
        >>> X, y = np.random.RandomState(0).rand(6, 3), ["a", "b"] * 3
        >>> clf = KerasClassifier(model).initialize(X, y)
        >>> clf.classes_.tolist(), clf.n_iter_
        (['a', 'b'], 0)
        >>> bool(np.allclose(clf.predict_proba(X), model.predict(X, verbose=0)))
        True
        """
        self._validate_params()
        X, y = self._check_X_y(X, y, reset=True)
        check_finite_target(y)
        dtype = self._resolve_dtype(X)
        rng = check_random_state(self.random_state)
        if is_regressor(self):
            encoder = RegressorTargetEncoder(scale=False).fit(y)
        else:
            encoder = self._fit_target_encoder(y, None, None)
        if is_keras_model(self.model):
            model = self.model
            self._check_sample_shape(_rows.cut(X, 0, 0), model)
            self._check_outputs(graph_view(model, dtype), encoder)
            encoder = self._match_encoder_to(model, encoder, dtype)
            if not getattr(model, "compiled", False):
                # Compiled as a fit would, for partial_fit to train on.
                with default_float(dtype):
                    self._compile(model, self._make_loss(encoder, dtype), encoder.kind)
            optimizer = getattr(model, "optimizer", None)
            if optimizer is not None and not optimizer.built:
                # Its slots exist, so a saved file loads them without warnings.
                optimizer.build(model.trainable_variables)
            lease = Lease(Network(model))
        else:
            lease, encoder = self._new_network(X, encoder, dtype, rng)
        self._commit(lease, encoder, dtype, rng, False, {})
        return self

    # -- hooks of the base ---------------------------------------------------

    def _output_is_logits(self):
        # A user's network ends in its output activation (probabilities).
        return False

    def _template_dtype(self):
        inputs = getattr(self.model, "inputs", None)
        if inputs and str(inputs[0].dtype).startswith("float"):
            return str(inputs[0].dtype)
        return str(self.model.compute_dtype)

    def _resolve_dtype(self, X):
        if not is_keras_model(self.model):
            return super()._resolve_dtype(X)
        own = self._template_dtype()
        if self.dtype not in ("auto", own):
            raise ValueError(
                f"dtype={self.dtype!r}, but the keras.Model template computes in "
                f"{own}, which each fit keeps. Use dtype='auto', or pass a builder "
                "function: its layers follow dtype."
            )
        return own

    def _fit_target_encoder(self, y, sample_weight, classes):
        y_array = np.asarray(y)
        if (
            not is_regressor(self)
            and y_array.ndim == 2
            and y_array.shape[1] > 1
            and not _is_indicator(y_array)
        ):
            # A label column per output of a model with several outputs.
            return MultiOutputEncoder.for_labels(y_array, self.loss, classes)
        return super()._fit_target_encoder(y, sample_weight, classes)

    def _several_inputs(self, X, reset):
        """``X`` for a model with several inputs, as a dict of checked arrays by
        input name (``X`` a dict, or split by ``input_columns``); None if ``X``
        is one input."""
        columns = self.input_columns
        if columns is None and not _rows.is_dict(X):
            return None
        if not _rows.is_dict(X):
            # Records (reset) or checks feature_names_in_ and n_features_in_.
            validate_data(self, X, reset=reset, skip_check_array=True)
            X = {name: _select_columns(X, cols, name) for name, cols in columns.items()}
        elif reset:
            for name in ("n_features_in_", "feature_names_in_"):
                self.__dict__.pop(name, None)
        if not X or not all(isinstance(name, str) for name in X):
            raise ValueError(
                "X as a dict holds one array per model input, keyed by the input's "
                f"name (keras.Input(..., name=...)); got keys {list(X)}."
            )
        inputs = {name: _check_input(value, name) for name, value in X.items()}
        lengths = {name: len(value) for name, value in inputs.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(
                f"The inputs of X have different numbers of rows: {lengths}; pass "
                "the same rows to every input."
            )
        return inputs

    def _check_X_y(self, X, y, reset):
        inputs = self._several_inputs(X, reset)
        y = stack_targets(y, X)
        if inputs is None:
            X, y = validate_data(
                self,
                X,
                y,
                reset=reset,
                accept_sparse=("csr", "csc"),
                dtype=(np.float64, np.float32),
                allow_nd=True,
                multi_output=True,
                y_numeric=is_regressor(self),
            )
        else:
            X = inputs
            y = check_array(
                y,
                ensure_2d=False,
                dtype=np.float64 if is_regressor(self) else None,
                ensure_all_finite=is_regressor(self),
                input_name="y",
            )
            if len(y) != _rows.n_rows(X):
                raise ValueError(
                    f"X has {_rows.n_rows(X)} rows but y has {len(y)}; pass one "
                    "target per row."
                )
        if not reset:
            self._check_sample_shape(X, getattr(self, "model_", None))
        return X, y

    def _check_X(self, X):
        inputs = self._several_inputs(X, reset=False)
        if inputs is not None:
            X = inputs
        else:
            X = validate_data(
                self,
                X,
                reset=False,
                accept_sparse=("csr", "csc"),
                dtype=(np.float64, np.float32),
                allow_nd=True,
            )
        # No model_ yet while the batches of a first fit on a stream are checked.
        self._check_sample_shape(X, getattr(self, "model_", None))
        return X

    def _check_sample_shape(self, X, model):
        if model is None:
            return
        several = _input_shapes(model)
        if several is None and _rows.is_dict(X):
            raise ValueError(
                f"X is a dict of {len(X)} inputs ({list(X)}), but the model takes "
                "one input: pass X as one array."
            )
        if several is not None:
            if not _rows.is_dict(X):
                raise ValueError(
                    f"The model takes {len(several)} inputs ({list(several)}): pass "
                    "X as a dict of arrays by input name, or a DataFrame with "
                    "input_columns={name: [columns], ...}."
                )
            if set(X) != set(several):
                raise ValueError(
                    f"X has inputs {sorted(X)}, but the model takes inputs "
                    f"{sorted(several)}: key X by the model's input names."
                )
            for name, expected in several.items():
                _check_shape(X[name].shape[1:], expected, f"X[{name!r}]")
            return
        expected = _sample_shape(model)
        if expected is not None:
            _check_shape(X.shape[1:], expected, "X")

    def _build_network(
        self,
        input_shape,
        n_outputs,
        output_activation,
        dtype,
        seed,
        X,
        encoder,
        adapted=None,
    ):
        keras = get_keras()
        meta = {
            "input_shape": input_shape,
            "n_outputs": n_outputs,
            "output_activation": output_activation,
        }
        if not is_regressor(self):
            # One sigmoid unit for two classes; otherwise a unit per class/label.
            meta["n_classes"] = (
                [len(c) for c in encoder.classes_]
                if encoder.kind == "multioutput"
                else max(2, n_outputs)
            )
        if is_keras_model(self.model):
            model = self._copy_template(keras)
        else:
            builder = (
                self.model
                if isinstance(self.model, ModelBuilder)
                else ModelBuilder(self.model)
            )
            meta["meta"] = self._scikeras_meta(X, input_shape, encoder)
            meta["compile_kwargs"] = compile_kwargs = {
                "optimizer": make_optimizer(self.optimizer, self.learning_rate),
                "loss": self._compile_kwargs_loss(encoder, dtype),
                "metrics": _metrics_list(self.metrics),
            }
            try:
                with default_float(dtype, layers=True):
                    model = builder(**meta)
            except Exception as exc:
                if encoder.kind == "multioutput":
                    raise ValueError(
                        f"y has {len(encoder.parts)} columns of labels, one per "
                        "output of a model with several outputs, so the builder "
                        f"got n_outputs={encoder.n_outputs} (a list, one per "
                        f"output), and failed: {exc}. For a model with one output, "
                        "pass 1-D y; otherwise build one output per column."
                    ) from exc
                if isinstance(input_shape, dict):
                    raise ValueError(
                        f"X holds {len(input_shape)} inputs {list(input_shape)} (a "
                        "dict, or input_columns), so the builder got input_shape="
                        f"{input_shape} (a dict of shapes by input name), and "
                        f"failed: {exc}. For a model with one input, pass X as one "
                        "array (and input_columns=None); otherwise build one "
                        "keras.Input per name."
                    ) from exc
                raise
            if getattr(model, "optimizer", None) is compile_kwargs["optimizer"]:
                # Compiled with the estimator's own settings: nothing ignored.
                model._skdeep_compile_kwargs = compile_kwargs
        if not model.built or (
            _sample_shape(model) is None and not getattr(model, "inputs", None)
        ):
            # Unbuilt Sequential or subclassed model: build it on the data's shape.
            model(_symbolic_inputs(keras, input_shape, dtype))
        self._check_sample_shape(_rows.cut(X, 0, 0), model)
        self._check_outputs(graph_view(model, dtype), encoder)
        return model

    def _compile_kwargs_loss(self, encoder, dtype):
        """The loss a SciKeras builder gets in ``compile_kwargs``. A loss per
        output (a list or dict) goes as given, for Keras to resolve: which
        output is which is only known once the model is built."""
        if isinstance(self.loss, dict):
            return dict(self.loss)
        if isinstance(self.loss, (list, tuple)) and encoder.kind != "multioutput":
            return list(self.loss)
        return self._make_loss(encoder, dtype)

    def _copy_template(self, keras):
        template = self.model
        try:
            # New layers from the template's config (fresh weights, seeded by
            # the base), with its compilation copied when it has one.
            return keras.models.clone_model(template)
        except Exception as exc:
            raise TypeError(
                f"{type(self).__name__} trains a copy of the keras.Model template "
                f"in each fit, and could not copy it: {exc}\nRegister custom "
                "layers, losses and metrics with "
                "@keras.saving.register_keras_serializable(), or pass a builder "
                "function that creates the model instead."
            ) from exc

    def _check_outputs(self, model, encoder):
        """The model's outputs fit the target: one output of the target's
        units, or one output per target column (or block of columns)."""
        outputs = model.outputs
        if len(outputs) > 1:
            # Checked output by output when the target encoder is split among
            # them (_match_encoder_to, which always follows).
            return
        if encoder.kind == "multioutput":
            raise ValueError(
                f"y has {len(encoder.parts)} columns of labels (one per output), "
                f"but the model has one output; give the model one output per "
                "column, or pass 1-D y."
            )
        self._check_units(outputs[0], encoder)

    def _check_units(self, output, encoder, where="The model"):
        n_outputs, output_activation = encoder.n_outputs, encoder.output_activation
        shape = tuple(getattr(output, "shape", ()) or ())
        # A binary target also trains a two-unit softmax (the Keras tutorials'
        # form): see _match_encoder_to.
        binary = output_activation == "sigmoid" and n_outputs == 1
        allowed = (None, n_outputs, 2) if binary else (None, n_outputs)
        if len(shape) != 2 or shape[1] not in allowed:
            hint = (
                " A binary target takes one sigmoid unit or two softmax units."
                if binary
                else ""
            )
            raise ValueError(
                f"{where} outputs shape {shape}, but this target needs "
                f"(batch, {n_outputs}): end the model with Dense(n_outputs, "
                f"activation=output_activation), here Dense({n_outputs}, "
                f"activation={output_activation!r}).{hint}"
            )

    def _split_targets(self, encoder, outputs, model):
        """The encoder of a model with several outputs: one part per output."""
        names = list(getattr(model, "output_names", None) or [])
        k = len(outputs)
        if encoder.kind == "multioutput":
            split = encoder
            if len(split.parts) != k:
                raise ValueError(
                    f"y has {len(split.parts)} columns of labels but the model has "
                    f"{k} outputs ({names}): pass one column per output, in the "
                    "order of model.outputs."
                )
        elif encoder.kind == "multilabel" and len(encoder.classes_) == k:
            split = split_multilabel(encoder, k)
        elif (
            encoder.kind == "continuous"
            and sum(int(o.shape[-1] or 0) for o in outputs) == encoder.n_outputs
        ):
            split = split_regression(encoder, [int(o.shape[-1]) for o in outputs])
        else:
            columns = 1 if encoder.kind in ("binary", "multiclass") else None
            columns = columns or encoder.n_outputs
            raise ValueError(
                f"The model has {k} outputs ({names}), but y has {columns} "
                "column(s): pass y with one column per output (for a regressor, "
                "as many as the output's units), as a 2-D array or a list of "
                "arrays in the order of model.outputs."
            )
        for i, (part, output) in enumerate(zip(split.parts, outputs, strict=True)):
            where = f"Output {names[i] if i < len(names) else i!r}"
            self._check_units(output, part, where)
        return split

    def _match_encoder_to(self, model, encoder, dtype):
        """Adapt the target encoding to the built network: one encoder per
        output for several outputs; for each classifier output, two classes on
        a two-unit output (integer or, for a categorical loss, one-hot
        targets), and class scores (logits) on a linear one."""
        view = graph_view(model, dtype)
        outputs = list(view.outputs)
        compiled = bool(getattr(model, "compiled", False))
        if len(outputs) == 1:
            given = getattr(model, "_skdeep_compile_kwargs", None)
            loss = model.loss if compiled else None
            two_units = self._match_output(outputs[0], encoder, compiled, loss)
            if two_units and given is not None and model.loss is given["loss"]:
                # The builder compiled with compile_kwargs' binary loss: give
                # it the two-class loss instead, with the same optimizer.
                given["loss"] = self._make_loss(encoder, dtype)
                model.compile(
                    optimizer=model.optimizer,
                    loss=given["loss"],
                    metrics=given["metrics"] or None,
                )
                one_hot = _wants_one_hot(_loss_name(given["loss"]))
                encoder.loss = "categorical_crossentropy" if one_hot else "auto"
            return encoder
        encoder = self._split_targets(encoder, outputs, view)
        encoder.names = list(view.output_names)
        for i, (part, output) in enumerate(zip(encoder.parts, outputs, strict=True)):
            name = encoder.names[i]
            if isinstance(self.loss, dict) and name in self.loss:
                part.loss = self.loss[name]
            loss = _output_loss(model, i, name) if compiled else None
            self._match_output(output, part, compiled, loss)
        return encoder

    def _match_output(self, output, encoder, compiled, loss):
        """Match one classifier output; returns whether a binary target
        moved onto two units."""
        kind = getattr(encoder, "kind", "")
        if kind not in ("binary", "multiclass", "multilabel"):
            return False
        if _ends_in_logits(output):
            # Our loss takes scores; a user's compiled loss says itself.
            encoder.from_logits = (
                bool(getattr(loss, "from_logits", False)) if compiled else True
            )
            if not encoder.from_logits:
                warnings.warn(
                    f"The model's output {_layer_name(output)!r} ends in a linear "
                    "layer, but it was compiled with a loss that takes probabilities "
                    "(from_logits is not set), so its outputs are read as "
                    "probabilities. Compile with e.g. keras.losses."
                    "SparseCategoricalCrossentropy(from_logits=True), or end the "
                    "model in a sigmoid or softmax activation.",
                    UserWarning,
                    stacklevel=6,
                )
        two_units = kind == "binary" and output.shape[-1] == 2
        if two_units:
            encoder.kind = kind = "multiclass"
        if compiled and kind == "multiclass":
            # Feed the user's loss the target format it takes.
            one_hot = _wants_one_hot(_loss_name(loss))
            encoder.loss = "categorical_crossentropy" if one_hot else "auto"
        return two_units

    def _scikeras_meta(self, X, input_shape, encoder):
        """SciKeras's ``meta`` dict, for builders written for SciKeras."""
        if _rows.is_dict(X):
            shape = {name: tuple(v.shape) for name, v in X.items()}
            dtype = {name: v.dtype for name, v in X.items()}
        else:
            shape = tuple(getattr(X, "shape", ()) or ())
            dtype = getattr(X, "dtype", None)
        meta = {
            "n_features_in_": getattr(self, "n_features_in_", None),
            "X_shape_": shape,
            "X_dtype_": dtype,
            "n_outputs_expected_": encoder.n_outputs,
        }
        if is_regressor(self):
            meta["target_type_"] = (
                "continuous" if encoder.single_output_ else "continuous-multioutput"
            )
            meta["n_outputs_"] = encoder.n_outputs
        elif encoder.kind == "multioutput":
            meta["classes_"] = encoder.classes_
            meta["n_classes_"] = [len(c) for c in encoder.classes_]
            meta["target_type_"] = "multiclass-multioutput"
            meta["n_outputs_"] = len(encoder.parts)
        else:
            meta["classes_"] = encoder.classes_
            meta["n_classes_"] = len(encoder.classes_)
            meta["target_type_"] = _TARGET_TYPES[encoder.kind]
            meta["n_outputs_"] = (
                len(encoder.classes_) if encoder.kind == "multilabel" else 1
            )
        return meta

    def _compile(self, model, loss, kind):
        if not getattr(model, "compiled", False):
            if kind != "multioutput":
                return super()._compile(model, loss, kind)
            # Several outputs: Keras computes each output's metrics, named as
            # its own fit names them (``<output>_<metric>``).
            model.compile(
                optimizer=make_optimizer(self.optimizer, self.learning_rate),
                loss=loss,
                metrics=_per_output_metrics(self.metrics, model),
                jit_compile=False,
            )
            return None
        if getattr(model, "_skdeep_compile_kwargs", None) is not None:
            return None  # compiled by the builder with compile_kwargs
        ignored = [
            name
            for name, default in (
                ("optimizer", "adam"),
                ("learning_rate", 1e-3),
                ("loss", "auto"),
            )
            if not _same(getattr(self, name), default)
        ]
        if ignored:
            warnings.warn(
                f"The model arrived compiled, so its own optimizer and loss are "
                f"used and {', '.join(ignored)} of {type(self).__name__} "
                "ignored. Return an uncompiled model to use them.",
                UserWarning,
                stacklevel=5,
            )
        return None


def _is_indicator(y):
    """Whether 2-D ``y`` is a multilabel indicator matrix (not one column of
    labels per output)."""
    try:
        return type_of_target(y) == "multilabel-indicator"
    except TypeError:  # labels of several types, e.g. ints beside strings
        return False


def _check_shape(got, expected, what):
    got = tuple(got)
    if len(expected) != len(got) or any(
        e is not None and e != g for e, g in zip(expected, got, strict=False)
    ):
        shown = tuple("any" if e is None else e for e in expected)
        raise ValueError(
            f"{what} has samples of shape {got}, but the model takes samples of "
            f"shape {shown}: pass {what} of shape (n_samples, *{shown})."
        )


def _metrics_list(metrics):
    if metrics is None:
        return []
    return dict(metrics) if isinstance(metrics, dict) else list(metrics)


def _per_output_metrics(metrics, model):
    """The estimator's ``metrics`` for Keras's ``compile`` of a model with
    several outputs: a dict by output name or a list per output as given; a
    flat list applies to every output."""
    if not metrics:
        return None
    if isinstance(metrics, dict):
        return dict(metrics)
    if all(isinstance(m, (list, tuple)) for m in metrics):
        return [list(m) for m in metrics]
    return {name: list(metrics) for name in model.output_names}


def _loss_name(loss):
    if isinstance(loss, str):
        return loss
    return getattr(loss, "name", None) or getattr(loss, "__name__", "") or "loss"


_MODEL_DOC = """\
model : callable, ModelBuilder or keras.Model, default=None
        The network to train (required).

        - A **builder function** is called in each fit with the keyword
          arguments it declares among ``input_shape`` (one sample's shape,
          without the batch axis), ``n_outputs``, ``output_activation``{n_classes}
          and its hyperparameters, and returns a ``keras.Model``. Its layers are
          built in the estimator's ``dtype``.
        - A :class:`ModelBuilder` is a builder function with hyperparameters,
          which become the estimator's ``model__<name>`` parameters.
        - A ``keras.Model`` is a **template**: each fit trains a copy with fresh
          weights (``keras.models.clone_model``); the template itself is never
          trained, built or compiled. It computes in its own dtype.

        The model ends in ``n_outputs`` units with ``output_activation``
        ({activations}){logits}. If it arrives compiled, its
        optimizer, loss and metrics are kept (a warning says which of
        ``optimizer``, ``learning_rate`` and ``loss`` are then ignored);
        otherwise it is compiled from those parameters.

        A model with **several inputs** (``keras.Input(..., name=...)`` each)
        takes ``X`` as a dict of arrays by input name, or one table split by
        ``input_columns``; a builder then gets ``input_shape`` as a dict of
        shapes by name. A model with **several outputs** takes ``y`` as a 2-D
        array or a list of arrays, {several_outputs} in the order of
        ``model.outputs``; ``loss`` may then be one loss per output (a list,
        or a dict by output name) and ``metrics`` a dict by output name (or a
        list per output; a flat list applies to every output), as in Keras's
        ``compile``.
    input_columns : dict or None, default=None
        Splits one table into the inputs of a model with several inputs:
        ``{{input name: columns}}``, the columns of a pandas DataFrame by name
        (or of a 2-D array by index). A list of columns gives the input a 2-D
        array, a single column a 1-D one (e.g. raw text for a
        ``TextVectorization`` input). With it, ``X`` stays one table, so the
        estimator goes into ``cross_val_score`` and ``GridSearchCV``."""

_MODEL__DOC = """\
Hyperparameters of a builder are ``model__<name>`` parameters, the
    convention of SciKeras and skorch, but through scikit-learn's own nested
    parameters rather than ``**kwargs``: the estimator's ``model`` holds a
    :class:`ModelBuilder`, which has ``get_params`` and ``set_params`` as a
    pipeline step does. So ``get_params()`` lists ``model__<name>`` for every
    hyperparameter (with the builder's defaults), ``clone`` keeps every one,
    ``set_params(model__units=64)`` and ``GridSearchCV(est, {"model__units":
    [16, 64]})`` set one value at a time, also when ``model`` is a plain
    function (``set_params`` wraps it). The only difference from SciKeras is
    at construction: write ``model=ModelBuilder(build, units=64)`` instead of
    ``model=build, model__units=64``, because scikit-learn estimators take
    explicit parameters only.

    The builder is called inside a seeded context, so ``random_state`` fixes the
    initial weights, dropout and shuffling. To save the estimator with
    :func:`skdeep.save`, register the builder function and any custom layers,
    losses or metrics with ``@keras.saving.register_keras_serializable()``;
    pickle and joblib need them importable."""


@fill_doc(
    model_parameter=_MODEL_DOC.format(
        n_classes=",\n          ``n_classes``",
        activations='``"sigmoid"`` for binary and multilabel targets, '
        '``"softmax"`` for multiclass',
        logits=", or in ``Dense(n_outputs)`` without an activation (class "
        "scores: the loss takes logits and ``predict_proba`` applies the "
        "activation); a binary target also trains a two-unit softmax",
        several_outputs="one column of labels per output (binary or multiclass), ",
    ),
    model_notes=_MODEL__DOC,
)
class KerasClassifier(_WrapperMixin, KerasClassifierBase):
    """Classifier around your own Keras model.

    Every skdeep benefit for a network you define: labels of any type, binary,
    multiclass and multilabel targets, ``predict_proba``, sample and class
    weights, inputs of any shape (tables, images, sequences), early stopping,
    learning curves in ``history_``, reproducible fits, fast prediction,
    pickling and :func:`skdeep.save`, and scikit-learn's pipelines, searches and
    cross-validation.

    Parameters
    ----------
    {model_parameter}
    {training_parameters}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into the sample weights: a dict of
        label to weight, or ``"balanced"``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit (label indices for multilabel targets).
    {fitted_attributes}

    See Also
    --------
    KerasRegressor : The same for regression.
    ModelBuilder : A builder function with hyperparameters.
    DenseClassifier : A ready-made dense network.

    Notes
    -----
    {model_notes}

    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skdeep import KerasClassifier
    >>> def build(input_shape, n_outputs, output_activation, units=16):
    ...     return keras.Sequential([
    ...         keras.Input(input_shape),
    ...         keras.layers.Dense(units, activation="relu"),
    ...         keras.layers.Dense(n_outputs, activation=output_activation),
    ...     ])
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = KerasClassifier(build, learning_rate=0.01, epochs=50, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    np.True_
    >>> search = GridSearchCV(clf, {{"model__units": [4, 16]}}, cv=2).fit(X, y)
    >>> search.best_params_["model__units"] in (4, 16)
    True
    >>> search.best_estimator_.get_params()["model"]  # doctest: +ELLIPSIS
    ModelBuilder(build, units=...)
    """

    _parameter_constraints = {
        **KerasClassifierBase._parameter_constraints,
        **WRAPPER_CONSTRAINTS,
    }

    def __init__(
        self,
        model=None,
        *,
        input_columns=None,
        optimizer="adam",
        learning_rate=1e-3,
        loss="auto",
        metrics=None,
        epochs=200,
        batch_size="auto",
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        min_delta=1e-4,
        callbacks=None,
        random_state=None,
        verbose=0,
        warm_start=False,
        dtype="auto",
        class_weight=None,
    ):
        self.model = model
        self.input_columns = input_columns
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.min_delta = min_delta
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.dtype = dtype
        self.class_weight = class_weight


@fill_doc(
    model_parameter=_MODEL_DOC.format(
        n_classes="",
        activations='``"linear"``',
        logits="",
        several_outputs="as many columns per output as it has units,",
    ),
    model_notes=_MODEL__DOC,
)
class KerasRegressor(_WrapperMixin, KerasRegressorBase):
    """Regressor around your own Keras model.

    Every skdeep benefit for a network you define: single- and multi-output
    targets, sample weights, inputs of any shape (tables, images, sequences),
    early stopping, learning curves in ``history_``, reproducible fits, fast
    prediction, pickling and :func:`skdeep.save`, and scikit-learn's pipelines,
    searches and cross-validation.

    Parameters
    ----------
    {model_parameter}
    {training_parameters}
    scale_target : bool, default=False
        Standardise each target with its (weighted) mean and standard deviation
        for training, and predict in the original units. Off by default: your
        model, its loss and its metrics see ``y`` as you pass it.

    Attributes
    ----------
    {fitted_attributes}

    See Also
    --------
    KerasClassifier : The same for classification.
    ModelBuilder : A builder function with hyperparameters.
    DenseRegressor : A ready-made dense network.

    Notes
    -----
    {model_notes}

    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import make_regression
    >>> from skdeep import KerasRegressor, ModelBuilder
    >>> def build(input_shape, n_outputs, units=16):
    ...     return keras.Sequential([
    ...         keras.Input(input_shape),
    ...         keras.layers.Dense(units, activation="relu"),
    ...         keras.layers.Dense(n_outputs),
    ...     ])
    >>> X, y = make_regression(n_samples=200, n_features=5, n_targets=2,
    ...                        noise=1.0, random_state=0)
    >>> reg = KerasRegressor(ModelBuilder(build, units=32), learning_rate=0.01,
    ...                      epochs=100, scale_target=True, random_state=0)
    >>> reg.fit(X, y).predict(X[:3]).shape
    (3, 2)
    >>> reg.score(X, y) > 0.9
    np.True_
    >>> reg.get_params()["model__units"]
    32
    """

    _parameter_constraints = {
        **KerasRegressorBase._parameter_constraints,
        **WRAPPER_CONSTRAINTS,
    }

    def __init__(
        self,
        model=None,
        *,
        input_columns=None,
        optimizer="adam",
        learning_rate=1e-3,
        loss="auto",
        metrics=None,
        epochs=200,
        batch_size="auto",
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        min_delta=1e-4,
        callbacks=None,
        random_state=None,
        verbose=0,
        warm_start=False,
        dtype="auto",
        scale_target=False,
    ):
        self.model = model
        self.input_columns = input_columns
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.min_delta = min_delta
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.dtype = dtype
        self.scale_target = scale_target
