"""The base estimator: shared parameters and the fit template.

A leaf estimator (dense, CNN, sequence, bring-your-own) defines its
``__init__``, its parameter constraints, and one hook, ``_build_network``;
input-shaped leaves also override ``_check_X_y``/``_check_X``; leaves with
data-driven ``"auto"`` parameters resolve them in ``_resolve_auto`` and give
training settings in ``_fit_setting`` (epochs, batch size, patience) and
``_schedule_callbacks`` (a learning-rate schedule); ``_continue_from``
prepares a warm start (the CNN's next transfer-learning stage);
``_match_encoder_to`` adapts the target encoding to a built network (the
wrappers' two-unit softmax, logits, several outputs) and ``_predict_rows``
bounds the rows of one forward pass (the CNN's large feature maps). The full
list is in the developer notes (docs/developers.rst). Everything else (target encoding,
seeding, the training loop, early stopping, history, warm starts,
``partial_fit``, per-call ``fit``/``predict`` keywords, scikit-learn's
callbacks, safe failure, fast prediction, pickling) lives here, once.
"""

import contextlib
import functools
import importlib
import random
import threading
import warnings
from abc import ABC, abstractmethod

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_regressor
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _backends, _compat, _rows, _sklearn_callbacks, _streams, _training
from ._encoding import (
    ClassifierTargetEncoder,
    RegressorTargetEncoder,
    make_loss,
    stack_targets,
)
from ._keras import check_not_forked, get_keras
from ._metrics import evaluate_metrics, resolve_metric
from ._networks import POOL, Lease, Network
from ._predict import PREDICT_CHUNK, Predictor, as_input_list
from ._validation import (
    BOOLEAN,
    NONE,
    TRAINING_CONSTRAINTS,
    InstanceOf,
    OneOf,
    check_finite_target,
    check_sample_weight,
    is_plain_float_rows,
    validate_params,
)
from .callbacks import build_callbacks, infer_modes, merge_history
from .exceptions import TrainingInterruptedWarning

# Global Python/NumPy/Keras seeding is process-wide; serialise it.
_SEED_LOCK = threading.RLock()


@contextlib.contextmanager
def seeded(seed):
    """Seed what building a model draws from, then give the caller back every
    global random state as it was.

    Keras's default seeds (initializers, dropout and ``keras.random`` ops
    made without a ``seed``, as in most user models) come from a generator of
    our own (:func:`skdeep._compat.keras_default_seeds`): Keras draws them from
    Python's global ``random``, which other threads draw from too (a Dask
    worker's event loop does), and a model built there came out different
    from run to run. Python's and NumPy's global generators are seeded too,
    for builders that draw from them, and restored afterwards. TensorFlow's
    global seed is left alone: Keras's own random ops take explicit seeds.
    """
    with _SEED_LOCK:
        # The caller's global states, saved and restored: legacy API on purpose.
        py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
        random.seed(int(seed))
        np.random.seed(int(seed))  # noqa: NPY002
        try:
            with _compat.keras_default_seeds(seed):
                yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)  # noqa: NPY002


@contextlib.contextmanager
def default_float(dtype, *, layers=False):
    """Make ``dtype`` Keras's default float while the block runs, then restore
    the caller's settings: the one place skdeep changes ``keras.config``.

    ``floatx`` is the dtype of ``keras.Input`` and of a compiled loss (a
    float32 loss cannot be summed with the float64 penalties of a float64
    network); with ``layers``, the dtype policy of new layers changes too (for
    a user's builder). ``floatx`` is global, so the block holds the
    process-wide seeding lock.
    """
    keras = get_keras()
    with _SEED_LOCK:
        floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
        keras.config.set_floatx(dtype)
        if layers:
            keras.config.set_dtype_policy(dtype)
        try:
            yield
        finally:
            keras.config.set_floatx(floatx)
            if layers:
                keras.config.set_dtype_policy(policy)


def ensure_compiled_in(model, dtype):
    """Recompile a restored model (unpickled or loaded: Keras rebuilt its loss in
    float32) in ``dtype``, keeping its optimizer and that optimizer's state."""
    if _compat.compiled_loss_dtype(model, default=dtype) == dtype:
        return
    keras = get_keras()
    config = keras.saving.deserialize_keras_object(model.get_compile_config())
    config["optimizer"] = model.optimizer  # the same object: its state is kept
    with default_float(dtype):
        model.compile(**config)


def make_optimizer(optimizer, learning_rate):
    """A fresh Keras optimizer from a name, a class or an instance (copied)."""
    keras = get_keras()
    if isinstance(optimizer, str):
        return type(keras.optimizers.get(optimizer))(learning_rate=learning_rate)
    if isinstance(optimizer, type):
        return optimizer(learning_rate=learning_rate)
    return type(optimizer).from_config(optimizer.get_config())


class BaseKerasEstimator(_sklearn_callbacks.CallbackSupportMixin, BaseEstimator, ABC):
    """Base class of every skdeep estimator; not for direct use.

    Subclasses define ``__init__`` with explicit parameters (the shared ones of
    :data:`TRAINING_CONSTRAINTS` among them), extend ``_parameter_constraints``
    and implement :meth:`_build_network`.
    """

    _parameter_constraints = TRAINING_CONSTRAINTS
    # Whether X may be a SciPy sparse matrix (dense networks only).
    _accepts_sparse = False
    # Modules that register custom Keras objects the network uses: imported
    # before a pickled or saved network is loaded.
    _keras_modules = ()
    # Whether a compiled network may be reused by a later fit of the same
    # architecture (see _networks.py); only for networks that skdeep builds.
    _reuse_networks = False
    # The fitted state is every public attribute ending in "_" (model_ among
    # them) and these private ones; pickle and skdeep.save keep exactly this
    # (see _fitted_state_names and _restore_fitted).
    _private_fitted_state = ("_target_encoder", "_dtype", "_rng")
    # Hold compiled functions: rebuilt on demand from the fitted state.
    _caches = ("_lease", "_predictor")

    # -- hooks for leaves ---------------------------------------------------

    @abstractmethod
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
        """Return an uncompiled ``keras.Model`` for one sample of ``input_shape``.

        ``output_activation`` is None for logits; ``seed`` seeds initializers and
        dropout; ``X`` is the validated training input, for layers that adapt to
        data; ``encoder`` is the fitted target encoder (classes, kinds of
        outputs); ``adapted`` is what :meth:`_adapt` learnt from ``X`` (e.g. a
        vocabulary). Called inside a seeded context, which holds the
        process-wide seeding lock: learn from data in :meth:`_adapt` instead.
        """

    def _adapt(self, X):
        """What the network's data-dependent layers learn from the training
        input ``X`` (e.g. a text vocabulary), computed before the network is
        built and outside the seeding lock, so that threads fitting models at
        once do not wait for each other; passed to :meth:`_build_network` as
        ``adapted``. None by default."""
        return None

    def _check_X_y(self, X, y, reset):
        """Validate training input; return ``(X, y)`` as the network takes them."""
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=("csr", "csc") if self._accepts_sparse else False,
            dtype=(np.float64, np.float32),
            multi_output=True,
            y_numeric=is_regressor(self),
        )
        return X, y

    def _check_X(self, X):
        """Validate prediction input against what the model was fitted on."""
        return validate_data(
            self,
            X,
            reset=False,
            accept_sparse=("csr", "csc") if self._accepts_sparse else False,
            dtype=(np.float64, np.float32),
        )

    def _compile(self, model, loss, kind):
        """Compile ``model`` with the estimator's optimizer and ``loss``."""
        model.compile(
            optimizer=make_optimizer(self.optimizer, self.learning_rate),
            loss=loss,
            jit_compile=False,
        )

    def _match_encoder_to(self, model, encoder, dtype):
        """Return the target encoder adapted to the built network, before it
        is compiled (e.g. a user's two-unit softmax for a binary target, or
        one encoder per output of a model with several)."""
        return encoder

    def _output_is_logits(self):
        """Whether the built network ends in logits (the default loss only)."""
        return isinstance(self.loss, str) and self.loss == "auto"

    # -- scikit-learn protocol ----------------------------------------------

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._accepts_sparse
        tags.target_tags.multi_output = True
        return tags

    def _fitted_state_names(self):
        """Names of the fitted attributes this estimator holds: the public ones
        ending in ``_`` and the private ones of ``_private_fitted_state``."""
        return [
            name
            for name in vars(self)
            if (name.endswith("_") and not name.startswith("_"))
            or name in self._private_fitted_state
        ]

    def _restore_fitted(self):
        """Rebuild what the fitted state implies (the fast predictor), after
        unpickling or :func:`skdeep.load`."""
        if "model_" in vars(self):
            self._predictor = self._make_predictor()

    def __getstate__(self):
        # A copy: object.__getstate__ may return the live __dict__.
        state = dict(super().__getstate__())
        for name in self._caches:
            state.pop(name, None)
        if self._keras_modules and "model_" in state:
            # Unpickled first, so Keras finds the custom layers of model_.
            state = {"_import_first": _ImportFirst(self._keras_modules), **state}
        return state

    def _validate_params(self):
        validate_params(
            self.get_params(deep=False),
            self._parameter_constraints,
            type(self).__name__,
        )

    # -- the fit template ----------------------------------------------------

    def fit(self, X, y=None, sample_weight=None, **fit_params):
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...), tf.data.Dataset or PyDataset
            Training input. A ``tf.data.Dataset`` or ``keras.utils.PyDataset``
            yielding ``(x, y)`` or ``(x, y, sample_weight)`` batches streams data
            that does not fit in memory; ``y`` and ``sample_weight`` are then
            None.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target; required unless ``X`` is a stream.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights; a weight of 2 counts a row twice.
        **fit_params : dict
            Keras's ``model.fit`` keywords, for this call only (the estimator's
            parameters, and so ``clone`` and searches, are unchanged):
            ``epochs`` and ``batch_size`` (int), ``callbacks`` (Keras
            callbacks added to the estimator's), ``validation_data``
            (``(X_val, y_val)`` or ``(X_val, y_val, sample_weight_val)``:
            ``val_loss`` and ``val_`` metrics are logged on it, and with
            ``early_stopping=True`` it replaces the held-out split).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        overrides = _check_fit_params(fit_params, stream=_streams.is_stream(X))
        return self._fit(X, y, sample_weight, incremental=False, overrides=overrides)

    # scikit-learn's callbacks (1.9+) are set up in the fit and torn down after
    # it, whatever happens in it (see _sklearn_callbacks.py).
    @_sklearn_callbacks.with_callbacks
    def _fit(self, X, y, sample_weight, *, incremental, classes=None, overrides=None):
        check_not_forked()
        self._validate_params()
        if y is None and not _streams.is_stream(X):
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        before = dict(self.__dict__)
        continuing = (incremental or self.warm_start) and self.__sklearn_is_fitted__()
        snapshot = _weights_snapshot(self.model_) if continuing else None
        # This call's fit keywords, read by _setting while it runs.
        self._call_overrides = overrides or {}
        try:
            return self._fit_steps(
                X, y, sample_weight, incremental, continuing, classes
            )
        except KeyboardInterrupt:
            raise
        except BaseException:
            # Leave the estimator exactly as it was before this fit, but for the
            # callback context, which the callbacks' teardown still needs.
            if snapshot is not None:
                _restore_weights(before["model_"], snapshot)
            context = {
                k: self.__dict__[k]
                for k in _sklearn_callbacks.FIT_CONTEXT_STATE
                if k in self.__dict__
            }
            self.__dict__.clear()
            self.__dict__.update(before)
            self.__dict__.update(context)
            raise
        finally:
            self.__dict__.pop("_call_overrides", None)

    def _fit_steps(self, X, y, sample_weight, incremental, continuing, classes):
        stream = X if _streams.is_stream(X) else None
        if stream is not None:
            X, y, sample_weight, stream_shape = self._scan_stream(
                stream, y, sample_weight, continuing
            )
        else:
            X, y = self._check_X_y(X, y, reset=not continuing)
            check_finite_target(y)
            sample_weight = check_sample_weight(sample_weight, X)
        self._resolve_auto(X, len(y), reset=not continuing)
        if continuing:
            self._continue_from()
            encoder, dtype, rng = self._target_encoder, self._dtype, self._rng
            ensure_compiled_in(self.model_, dtype)
            lease = self._current_lease()
        else:
            rng = check_random_state(self.random_state)
            dtype = self._resolve_dtype(X)
            encoder = self._fit_target_encoder(y, sample_weight, classes)
            lease, encoder = self._new_network(X, encoder, dtype, rng)
        network = lease.network
        model = network.model

        given = self._call_overrides.get("validation_data")
        validating = not incremental and self._holds_out_validation(
            None if stream is not None else _rows.n_rows(X)
        )
        validation = epoch_logs = None
        if stream is not None:
            data = self._stream_data(
                stream,
                y,
                encoder,
                dtype,
                *stream_shape,
                prepare=network.prefix,
                sample_shape=X.shape[1:] if isinstance(X, np.ndarray) else None,
            )
        else:
            y_enc = encoder.transform(y, dtype)
            sample_weight = sample_weight * self._class_sample_weight(y, encoder)
            if validating and given is None:
                train_idx, val_idx = self._validation_split(y, encoder, rng)
            else:
                train_idx, val_idx = np.arange(_rows.n_rows(X)), None
            batch_size = self._batch_size(len(train_idx))

            prefix = network.prefix

            def part(X_part, y_part, sw_part):
                return _training.InMemoryData(
                    X_part,
                    y_part,
                    sw_part,
                    batch_size=batch_size,
                    dtype=dtype,
                    prepare=prefix,
                    row_bytes=None if prefix is None else prefix.row_bytes,
                )

            parts = [
                (
                    "",
                    _rows.take(X, train_idx),
                    _rows.take(y_enc, train_idx),
                    sample_weight[train_idx],
                )
            ]
            if given is not None:
                parts.append(("val_", *self._validation_data(given, encoder, dtype)))
            elif validating:
                parts.append(
                    (
                        "val_",
                        _rows.take(X, val_idx),
                        _rows.take(y_enc, val_idx),
                        sample_weight[val_idx],
                    )
                )
            data = part(*parts[0][1:])
            validation = part(*parts[1][1:]) if len(parts) > 1 else None
            epoch_logs = self._metric_logs(lease, encoder, dtype, parts)
        epochs = 1 if incremental else self._setting("epochs")
        callbacks = build_callbacks(
            self,
            validating=validating,
            stop_early=not incremental,
            patience=self._setting("patience"),
            schedule=() if incremental else self._schedule_callbacks(),
            extra=self._call_overrides.get("callbacks", ()),
        )
        if self.metrics and not isinstance(self.metrics, dict):
            kind = getattr(encoder, "kind", "continuous")
            if kind != "multioutput":
                infer_modes(callbacks, [resolve_metric(m, kind) for m in self.metrics])
        tasks = None
        if _sklearn_callbacks.has_callbacks(self):
            tasks = _sklearn_callbacks.FitTasks(
                self,
                epochs=epochs,
                X=None if stream is not None else X,
                y=None if stream is not None else y,
                sample_weight=None if stream is not None else sample_weight,
            )
            # The estimator as it would be had the fit stopped after an epoch:
            # the same network (not a copy), with a predictor of its weights
            # and the history so far.
            callbacks.append(
                tasks.keras_callback(
                    functools.partial(
                        self._fitted_state, lease, encoder, dtype, rng, continuing
                    )
                )
            )
        history, interrupted = _training.train(
            model,
            data,
            epochs=epochs,
            train_fn=network.train_fn,
            rng=rng,
            callbacks=callbacks,
            validation=validation,
            eval_fn=network.eval_fn,
            verbose=self.verbose,
            epoch_logs=epoch_logs,
        )
        self._commit(lease, encoder, dtype, rng, continuing, history)
        if tasks is not None:
            tasks.end()
        if interrupted:
            warnings.warn(
                f"{type(self).__name__}.fit was interrupted (KeyboardInterrupt) "
                f"after {len(history.get('loss', []))} epoch(s) of this fit; the "
                "model trained so far is kept and usable, and history_ records "
                "those epochs.",
                TrainingInterruptedWarning,
                stacklevel=3,
            )
            raise KeyboardInterrupt
        return self

    def _scan_stream(self, stream, y, sample_weight, continuing):
        """Validate a whole stream once. Returns its first batch (validated, as
        the network takes it), all targets, all weights and ``(n_batches,
        largest_batch)``."""
        if y is not None or sample_weight is not None:
            raise TypeError(
                "With a tf.data.Dataset or keras.utils.PyDataset, targets and "
                "weights come from the stream's (x, y[, sample_weight]) batches: "
                "call fit(stream) without y or sample_weight."
            )
        if self._holds_out_validation(None) or self.metrics:
            raise ValueError(
                "early_stopping and metrics evaluate in-memory rows after each "
                "epoch; with a stream, set early_stopping=False and metrics=None "
                "(training then stops when the training loss stops improving), or "
                "pass arrays."
            )
        first, y_all, sw_all, shape = _streams.scan(stream)
        X, _ = self._check_X_y(first, y_all[: len(first)], reset=not continuing)
        check_finite_target(y_all)
        return X, y_all, check_sample_weight(sw_all, y_all), shape

    def _stream_data(
        self,
        stream,
        y_all,
        encoder,
        dtype,
        n_batches,
        batch_size,
        prepare=None,
        sample_shape=None,
    ):
        """Serve ``stream`` to the training loop, each batch checked like
        prediction input (a float array of the validated first batch's
        ``sample_shape`` with finite values needs no more, see
        :func:`~skdeep._validation.is_plain_float_rows`) and its targets
        encoded."""
        class_weight = getattr(self, "class_weight", None)
        if class_weight == "balanced":
            if np.ndim(y_all) != 1:
                raise ValueError(
                    "class_weight='balanced' with a stream needs 1-D labels; pass "
                    "a dict of weights for multilabel targets."
                )
            # From the whole stream's class counts, not one batch's.
            labels = np.unique(y_all)
            weights = compute_class_weight("balanced", classes=labels, y=y_all)
            class_weight = dict(zip(labels, weights, strict=True))

        def transform(x, y, sw, index):
            if not is_plain_float_rows(x, sample_shape):
                x = self._check_X(x)
            check_finite_target(y)
            w = check_sample_weight(sw, x)
            if class_weight is not None:
                w = w * compute_sample_weight(class_weight, y)
            return x, encoder.transform(y, dtype), w

        return _streams.StreamData(
            stream,
            transform,
            prepare=prepare,
            dtype=dtype,
            batch_size=batch_size,
            n=len(y_all),
            n_batches=n_batches,
        )

    def _fitted_state(self, lease, encoder, dtype, rng, continuing, history):
        """Every fitted attribute of the estimator around ``lease``'s network as
        it stands, after a fit whose per-epoch logs are ``history``
        (``continuing`` a previous fit's)."""
        n_iter = len(history.get("loss", []))
        if continuing:
            history = merge_history(self.history_, history)
            n_iter += self.n_iter_
        else:
            history = {k: list(v) for k, v in history.items()}
        state = {
            "_lease": lease,
            "model_": lease.network.model,
            "_target_encoder": encoder,
            "_dtype": dtype,
            "_rng": rng,
            "_predictor": self._predictor_for(lease, encoder, dtype),
            "n_outputs_": getattr(encoder, "n_columns", encoder.n_outputs),
            "history_": history,
            "n_iter_": n_iter,
            "loss_curve_": list(history.get("loss", [])),
        }
        if hasattr(encoder, "classes_"):
            state["classes_"] = encoder.classes_
        return state

    def _commit(self, lease, encoder, dtype, rng, continuing, history):
        """Record the fitted state: only now does the estimator look fitted."""
        self.__dict__.update(
            self._fitted_state(lease, encoder, dtype, rng, continuing, history)
        )

    # -- fit steps -------------------------------------------------------------

    def _holds_out_validation(self, n_samples):
        """Whether a fit on ``n_samples`` rows (None: a stream) holds out
        ``validation_fraction`` of them for early stopping."""
        return bool(self.early_stopping)

    def _resolve_dtype(self, X):
        wide = _backends.current().float64_available()
        if self.dtype != "auto":
            if self.dtype == "float64" and not wide:
                raise ValueError(
                    "dtype='float64' needs 64-bit floats, which JAX turns off by "
                    "default; set JAX_ENABLE_X64=1 before JAX starts, or use "
                    "dtype='float32' or 'auto'."
                )
            return self.dtype
        dtype = getattr(X, "dtype", None)
        return "float32" if dtype == np.float32 or not wide else "float64"

    def _batch_size(self, n):
        batch_size = self._setting("batch_size")
        if batch_size == "auto":
            return max(1, min(200, n))
        return max(1, min(batch_size, n))

    def _validation_data(self, given, encoder, dtype):
        """``fit``'s ``validation_data``, checked and encoded as the training
        rows are: ``(X_val, y_val_encoded, weights)``."""
        X_val, y_val, *rest = given
        X_val = self._check_X(X_val)
        y_val = np.asarray(stack_targets(y_val, X_val))
        check_finite_target(y_val)
        if _rows.n_rows(X_val) != len(y_val):
            raise ValueError(
                f"validation_data has {_rows.n_rows(X_val)} rows of X but "
                f"{len(y_val)} of y; pass (X_val, y_val) of equal length."
            )
        weights = check_sample_weight(rest[0] if rest else None, X_val)
        return X_val, encoder.transform(y_val, dtype), weights

    def _setting(self, name):
        """A training setting for this call: a ``fit`` keyword if given, else
        :meth:`_fit_setting`."""
        overrides = self.__dict__.get("_call_overrides") or {}
        if name in overrides:
            return overrides[name]
        return self._fit_setting(name)

    def _resolve_auto(self, X, n_samples, *, reset):
        """Resolve the leaf's data-driven ``"auto"`` parameters for this fit
        (into ``resolved_params_``), from the validated training input ``X``
        (a stream's first batch) of ``n_samples`` rows; ``reset`` for a new
        model, else a continuing fit."""

    def _continue_from(self):
        """Prepare the fitted model for a continuing fit (warm start or
        ``partial_fit``), e.g. a new stage of transfer learning."""

    def _fit_setting(self, name):
        """The value of training parameter ``name`` (``epochs``,
        ``batch_size``, ``patience``) for this fit: the parameter itself, or
        what a leaf's ``"auto"`` rule resolved it to from the data."""
        return getattr(self, name)

    def _schedule_callbacks(self):
        """Keras callbacks the leaf's training recipe adds to every full fit
        (e.g. a learning-rate schedule), before the user's; fresh each fit."""
        return []

    def _class_sample_weight(self, y, encoder):
        return 1.0

    def _validation_split(self, y, encoder, rng):
        idx = np.arange(len(y))
        stratify = (
            y if getattr(encoder, "kind", "") in ("binary", "multiclass") else None
        )
        seed = rng.randint(np.iinfo(np.int32).max)
        try:
            train_idx, val_idx = train_test_split(
                idx,
                test_size=self.validation_fraction,
                stratify=stratify,
                random_state=seed,
            )
        except ValueError:
            if stratify is None:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} leaves no rows "
                    f"to validate on with {len(y)} samples; use more data or "
                    "early_stopping=False."
                ) from None
            # Too few rows of some class to stratify: split at random instead.
            train_idx, val_idx = train_test_split(
                idx, test_size=self.validation_fraction, random_state=seed
            )
        return np.sort(train_idx), np.sort(val_idx)

    def _new_network(self, X, encoder, dtype, rng):
        """Lease a compiled network, freshly initialised, for a new fit: a
        pooled one of the same architecture when one is free (see
        ``_networks.py``), else a new one. Returns ``(lease, encoder)``: the
        target encoder as :meth:`_match_encoder_to` adapted it to the
        network."""
        seed = rng.randint(np.iinfo(np.int32).max)
        logits = self._output_is_logits()
        input_shape = _input_shape(X)
        matched = [encoder]
        adapted = self._adapt(X)

        def build():
            with seeded(seed):
                model = self._build_network(
                    input_shape,
                    encoder.n_outputs,
                    None if logits else encoder.output_activation,
                    dtype,
                    seed,
                    X,
                    encoder,
                    adapted=adapted,
                )
            matched[0] = self._match_encoder_to(model, encoder, dtype)
            return model

        def compile_model(model):
            enc = matched[0]
            with default_float(dtype):
                self._compile(model, self._make_loss(enc, dtype), enc.kind)

        lease = POOL.lease(build, compile_model, self._reuse_key(encoder))
        return lease, matched[0]

    def _make_loss(self, encoder, dtype):
        """The Keras loss (a list, one per output, for several outputs) for
        the estimator's ``loss`` and the target ``encoder``."""
        if encoder.kind == "multioutput":
            return encoder.losses(self.loss, self._output_is_logits(), dtype)
        if isinstance(self.loss, (list, tuple, dict)):
            raise ValueError(
                f"loss={self.loss!r} gives one loss per output, but the model has "
                "one output: pass one loss (a name, a function or a Loss)."
            )
        from_logits = self._output_is_logits() or getattr(encoder, "from_logits", False)
        return make_loss(self.loss, encoder.kind, from_logits=from_logits, dtype=dtype)

    def _reuse_key(self, encoder):
        """The compile settings that, with the architecture, decide whether a
        pooled network can serve this fit; None to never reuse."""
        if not self._reuse_networks or not isinstance(self.loss, str):
            return None
        optimizer = self.optimizer
        if isinstance(optimizer, type):
            optimizer = f"{optimizer.__module__}.{optimizer.__qualname__}"
        elif not isinstance(optimizer, str):
            return None  # an instance: its state and subclass are its own
        return (
            type(self).__qualname__,
            self.loss,
            optimizer,
            float(self.learning_rate),
            encoder.kind,
            self._output_is_logits(),
        )

    def _current_lease(self):
        """The lease of the fitted network, or a private one for a model that
        came from elsewhere (unpickled, loaded, replaced)."""
        lease = self.__dict__.get("_lease")
        if lease is None or lease.network.model is not self.model_:
            lease = Lease(Network(self.model_))
        return lease

    def _metric_logs(self, lease, encoder, dtype, parts):
        """A function giving the user's metrics at the end of an epoch on each
        of ``parts`` (``(prefix, X, y_encoded, weights)``: the training rows,
        and the validation rows with prefix ``val_``), or None without
        metrics."""
        if not self.metrics or encoder.kind == "multioutput":
            # Several outputs: Keras computes each output's metrics in the
            # training step (see the wrappers' _compile).
            return None
        if isinstance(self.metrics, dict):
            raise ValueError(
                f"metrics={self.metrics!r} gives metrics by output name, but the "
                "model has one output: pass a list of metrics."
            )
        y_enc = parts[0][2]
        one_hot = getattr(y_enc, "ndim", 1) == 2 and encoder.kind == "multiclass"
        metrics = [resolve_metric(m, encoder.kind, one_hot) for m in self.metrics]
        # The network's own compiled forward: traced once per network, not
        # per fit (a pooled network serves many fits of a search).
        compiled = lease.network.forward(self._final_activation(encoder))
        graph = lease.network.graph

        def forward(X_part):
            # evaluate_metrics passes at most PREDICT_CHUNK rows at a time.
            X_part = _rows.densify(X_part, dtype)
            if _rows.is_dict(X_part):
                return np.asarray(compiled(*as_input_list(graph, X_part)))
            return np.asarray(compiled(X_part))

        def logs():
            out = {}
            for prefix, X_part, y_part, sw_part in parts:
                values = evaluate_metrics(
                    metrics, forward, X_part, y_part, sw_part, batch_rows=PREDICT_CHUNK
                )
                out.update({prefix + k: v for k, v in values.items()})
            return out

        return logs

    # -- prediction -------------------------------------------------------------

    def _final_activation(self, encoder):
        """The activation that turns the network's output into probabilities
        (None if it ends in them, or for a regressor)."""
        if encoder.kind == "multioutput":
            return None  # each output ends in its own activation
        logits = self._output_is_logits() or getattr(encoder, "from_logits", False)
        if not logits or encoder.output_activation == "linear":
            return None
        return encoder.output_activation

    def _predictor_for(self, lease, encoder, dtype):
        """The fast predictor of ``lease``'s network as its weights stand."""
        activation = self._final_activation(encoder)
        return Predictor(
            lease.network.graph,
            activation,
            forward=functools.partial(lease.network.forward, activation),
        )

    def _make_predictor(self):
        self._lease = lease = self._current_lease()
        return self._predictor_for(lease, self._target_encoder, self._dtype)

    def __setstate__(self, state):
        state = dict(state)
        state.pop("_import_first", None)
        super().__setstate__(state)
        self._restore_fitted()

    def _predict_rows(self, X):
        """Most rows of ``X`` per forward call, or None for no bound beyond
        the predictor's own (sparse rows are densified a chunk at a time)."""
        return PREDICT_CHUNK if sp.issparse(X) else None

    def _forward(self, X, batch_size=None, callbacks=None):
        """Network output (after the output activation) for prediction input,
        ``batch_size`` rows at a time, running ``callbacks``' predict hooks as
        Keras's ``predict`` does."""
        _check_fitted(self)
        predictor = self._predictor
        # A NumPy array already in the model's input form skips validation
        # (Predictor.takes_as_is); an estimator fitted with feature names
        # validates every X, to warn about names missing or different.
        if "feature_names_in_" in vars(self) or not predictor.takes_as_is(X):
            X = self._check_X(X)
        rows = batch_size or self._predict_rows(X)
        if rows is None and not callbacks:
            return predictor(X)
        n = _rows.n_rows(X)
        rows = rows or max(n, 1)
        hooks = None
        if callbacks:
            hooks = get_keras().callbacks.CallbackList(
                list(callbacks), model=self.model_, add_history=False
            )
            hooks.on_predict_begin()
        outputs = []
        for step, start in enumerate(range(0, n, rows)):
            if hooks is not None:
                hooks.on_predict_batch_begin(step)
            chunk = _rows.cut(X, start, start + rows)
            if sp.issparse(chunk):
                chunk = _rows.densify(chunk, self._dtype)
            outputs.append(predictor(chunk))
            if hooks is not None:
                hooks.on_predict_batch_end(step, {"outputs": outputs[-1]})
        if hooks is not None:
            hooks.on_predict_end()
        return _rows.concat(outputs) if outputs else predictor(X)


def import_modules(modules):
    """Import ``modules`` (names), for the custom Keras objects they register."""
    for name in modules:
        importlib.import_module(name)


class _ImportFirst:
    """Pickles as a call to :func:`import_modules` (unpickling to None)."""

    def __init__(self, modules):
        self.modules = tuple(modules)

    def __reduce__(self):
        return import_modules, (self.modules,)


def _input_shape(X):
    """One sample's shape (a dict of them by name for several inputs), or
    None if ``X`` has none."""
    if _rows.is_dict(X):
        return {k: _input_shape(v) for k, v in X.items()}
    return tuple(X.shape[1:]) if hasattr(X, "shape") else None


def _weights_snapshot(model):
    optimizer = getattr(model, "optimizer", None)
    opt_vars = _backends.copies(optimizer.variables) if optimizer else []
    return _backends.copies(model.weights), opt_vars


def _restore_weights(model, snapshot):
    weights, opt_vars = snapshot
    model.set_weights(weights)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        for var, value in zip(optimizer.variables, opt_vars, strict=True):
            var.assign(value)


def _check_keywords(params, allowed, where, hint):
    """Check one call's Keras keywords (``fit``'s or ``predict``'s): names in
    ``allowed``, sizes positive ints, callbacks a list."""
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise TypeError(
            f"{where} got unsupported keyword argument(s) {unknown}; {hint}"
        )
    for name in ("epochs", "batch_size"):
        value = params.get(name)
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, (int, np.integer))
            or value < 1
        ):
            raise ValueError(f"{where}'s {name} must be a positive int, got {value!r}.")
    callbacks = params.get("callbacks")
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"{where}'s callbacks must be a list of Keras callbacks.")
    return {k: v for k, v in params.items() if v is not None}


def _check_fitted(estimator):
    """scikit-learn's ``check_is_fitted``, whose tag lookup (about a tenth of a
    one-row prediction) runs only to raise its error for an unfitted
    estimator."""
    if not estimator.__sklearn_is_fitted__():
        check_is_fitted(estimator)


def _check_predict_params(params):
    return _check_keywords(
        params,
        ("batch_size", "callbacks"),
        "predict",
        "it takes batch_size and callbacks.",
    )


# fit's keyword arguments (Keras's model.fit names), for one call.
FIT_PARAMS = ("epochs", "batch_size", "callbacks", "validation_data")


def _check_fit_params(fit_params, *, stream):
    fit_params = _check_keywords(
        fit_params,
        FIT_PARAMS,
        "fit",
        f"fit takes {list(FIT_PARAMS)} for one call, and the estimator's "
        "parameters (set_params) for every fit.",
    )
    given = fit_params.get("validation_data")
    if given is not None:
        if stream:
            raise TypeError(
                "validation_data is for in-memory arrays; with a stream, hold "
                "out rows in the stream instead."
            )
        if not isinstance(given, (tuple, list)) or len(given) not in (2, 3):
            raise ValueError(
                "validation_data must be (X_val, y_val) or (X_val, y_val, "
                "sample_weight_val)."
            )
    return fit_params


class KerasClassifierBase(ClassifierMixin, BaseKerasEstimator):
    """Classifier base: label encoding, class weights, probabilities."""

    _parameter_constraints = {
        **BaseKerasEstimator._parameter_constraints,
        "class_weight": [NONE, OneOf("balanced"), InstanceOf(dict, label="a dict")],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _fit_target_encoder(self, y, sample_weight, classes):
        return ClassifierTargetEncoder(loss=self.loss).fit(y, classes=classes)

    def _class_sample_weight(self, y, encoder):
        if self.class_weight is None:
            return 1.0
        return compute_sample_weight(self.class_weight, y)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train one pass over ``X`` and ``y``, keeping the model and optimizer.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            A chunk of training input.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Its labels.
        classes : array-like of shape (n_classes,), default=None
            Every label that any chunk may hold. Required on the first call for
            binary and multiclass targets; ignored after it.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights.

        Returns
        -------
        self : object
        """
        if not self.__sklearn_is_fitted__():
            y_arr = np.asarray(y)
            if classes is None and not (y_arr.ndim == 2 and y_arr.shape[1] > 1):
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: every "
                    "label any chunk may hold, e.g. classes=np.unique(y_all)."
                )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict_proba(self, X, **predict_params):
        """Probability of each class (or each label, for multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Input.
        **predict_params : dict
            Keras's ``predict`` keywords, for this call: ``batch_size`` (rows
            per forward pass) and ``callbacks`` (their ``on_predict_*`` hooks
            run).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or list of ndarray
            Rows sum to 1 for binary and multiclass targets; for multilabel targets,
            column ``j`` is the probability of label ``j``. For a model with
            several outputs, one such array per output (as scikit-learn's
            multi-output classifiers give).
        """
        _check_fitted(self)
        params = _check_predict_params(predict_params)
        return self._target_encoder.proba(self._forward(X, **params))

    def predict(self, X, **predict_params):
        """Predict labels, in the type of the labels seen in fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Input.
        **predict_params : dict
            ``batch_size`` and ``callbacks``, as for :meth:`predict_proba`.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            For a model with several outputs, one column of labels per output.
        """
        _check_fitted(self)
        return self._target_encoder.labels(self.predict_proba(X, **predict_params))

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on ``X`` and ``y``.

        For a model with several outputs, the (weighted) fraction of rows whose
        every output is right, as ``MultiOutputClassifier.score`` computes it;
        otherwise scikit-learn's ``accuracy_score`` (subset accuracy for
        multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Test input.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels (for several outputs, also a list of arrays).
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights.

        Returns
        -------
        score : float
        """
        _check_fitted(self)
        if self._target_encoder.kind != "multioutput":
            return super().score(X, y, sample_weight=sample_weight)
        y = stack_targets(y, X)
        right = np.all(self.predict(X) == np.asarray(y).reshape(len(y), -1), axis=1)
        return float(np.average(right, weights=sample_weight))


class KerasRegressorBase(RegressorMixin, BaseKerasEstimator):
    """Regressor base: standardised targets, predictions in the user's units."""

    _parameter_constraints = {
        **BaseKerasEstimator._parameter_constraints,
        "scale_target": [BOOLEAN],
    }

    def _fit_target_encoder(self, y, sample_weight, classes):
        return RegressorTargetEncoder(scale=self.scale_target).fit(y, sample_weight)

    def partial_fit(self, X, y, sample_weight=None):
        """Train one pass over ``X`` and ``y``, keeping the model and optimizer.

        The target scaling is fixed by the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            A chunk of training input.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Its targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights.

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X, **predict_params):
        """Predict targets in the units of the ``y`` seen in fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Input.
        **predict_params : dict
            Keras's ``predict`` keywords, for this call: ``batch_size`` (rows
            per forward pass) and ``callbacks`` (their ``on_predict_*`` hooks
            run).

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        _check_fitted(self)
        params = _check_predict_params(predict_params)
        out = self._forward(X, **params)
        if not isinstance(out, list):  # a list: one array per output
            out = out.astype(np.float64)
        return self._target_encoder.values(out)
