"""Dense networks (multi-layer perceptrons) for tables."""

import numpy as np

from ._docstring import DENSE_PARAMETERS, TRAINING_PARAMETERS, fill_doc
from ._validation import DENSE_CONSTRAINTS
from .architectures import dense_network
from .base import KerasClassifierBase, KerasRegressorBase

# batch_size="auto": rows a batch are a quarter of the training rows (at least
# four gradient steps an epoch), between these bounds.
AUTO_BATCH_MIN = 32
AUTO_BATCH_MAX = 200
AUTO_STEPS_PER_EPOCH = 4
# l2="auto": the penalty is this over the number of training rows.
AUTO_L2_NUMERATOR = 2.0


def auto_batch_size(n_samples):
    """The ``batch_size="auto"`` of a dense network trained on ``n_samples`` rows.

    ``n_samples // 4`` (four gradient steps an epoch), at least 32 and at most
    200 rows, and never more than ``n_samples``.

    Examples
    --------
    >>> from skdeep.dense import auto_batch_size
    >>> [auto_batch_size(n) for n in (16, 120, 455, 1437, 50000)]
    [16, 32, 113, 200, 200]
    """
    batch = max(AUTO_BATCH_MIN, n_samples // AUTO_STEPS_PER_EPOCH)
    return max(1, min(AUTO_BATCH_MAX, batch, n_samples))


def auto_l2(n_samples):
    """The ``l2="auto"`` penalty of a dense network trained on ``n_samples`` rows.

    ``2 / n_samples``: the L2 penalty of a fixed Gaussian prior on the hidden
    weights (variance 1/4), whose weight against the mean loss falls as the data
    grows.

    Examples
    --------
    >>> from skdeep.dense import auto_l2
    >>> [auto_l2(n) for n in (16, 1000)]
    [0.125, 0.002]
    """
    return AUTO_L2_NUMERATOR / max(1.0, n_samples)


def _dense_parameters():
    old = """l2 : float, default=0.0
        L2 penalty on the hidden kernels."""
    new = """l2 : float or "auto", default="auto"
        L2 penalty on the hidden kernels. ``"auto"`` is ``2 / n_samples``, with
        ``n_samples`` the rows of the fit that builds the network (of the first
        chunk, for ``partial_fit``), each counted by its sample weight (so a
        weight of 2 still means "this row twice"): a fixed Gaussian prior on the
        weights,
        strong on a few dozen rows (0.125 on 16) and fading on large tables
        (0.002 on 1000). It keeps tiny tables from being memorised."""
    if old not in DENSE_PARAMETERS:
        raise RuntimeError(f"shared parameter text changed: {old!r}")
    return DENSE_PARAMETERS.replace(old, new)


def _training_parameters():
    text = TRAINING_PARAMETERS.replace("{epochs}", "200")
    old = """Rows per gradient step; ``"auto"`` is ``min(200, n_samples)``."""
    new = """Rows per gradient step. ``"auto"`` is ``n_samples // 4`` (four gradient
        steps an epoch) clipped to [32, 200], and at most ``n_samples``: 32
        rows below 128 training rows, 200 from 800 on (as ``MLPClassifier``).
        Small tables then get several steps an epoch instead of one."""
    if old not in text:
        raise RuntimeError(f"shared parameter text changed: {old!r}")
    return text.replace(old, new)


class _DenseMixin:
    """The dense architecture hook, shared by the classifier and the regressor.

    It also resolves the dense ``"auto"`` values of ``batch_size`` and ``l2``
    from the number of training rows (see :func:`auto_batch_size` and
    :func:`auto_l2`).
    """

    _accepts_sparse = True
    _reuse_networks = True

    def _batch_size(self, n):
        batch_size = self._setting("batch_size")
        if isinstance(batch_size, str) and batch_size == "auto":
            return auto_batch_size(n)
        return super()._batch_size(n)

    def _fit_target_encoder(self, y, sample_weight, classes):
        # What l2="auto" follows: the rows of this fit (a stream's too), each
        # counted by its weight, so that a weight of 2 still means "this row
        # twice".
        n = len(y) if sample_weight is None else float(np.sum(sample_weight))
        self._n_fit_rows = n if n > 0 else len(y)
        return super()._fit_target_encoder(y, sample_weight, classes)

    def _resolve_l2(self, X):
        if isinstance(self.l2, str) and self.l2 == "auto":
            n = getattr(self, "_n_fit_rows", None)
            return auto_l2(X.shape[0] if n is None else n)
        return self.l2

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
        return dense_network(
            input_shape,
            n_outputs,
            output_activation,
            hidden_layer_sizes=tuple(self.hidden_layer_sizes),
            activation=self.activation,
            dropout=self.dropout,
            batch_normalization=self.batch_normalization,
            l1=self.l1,
            l2=self._resolve_l2(X),
            kernel_initializer=self.kernel_initializer,
            dtype=dtype,
            seed=seed,
        )


@fill_doc(
    dense_parameters=_dense_parameters(), training_parameters=_training_parameters()
)
class DenseClassifier(_DenseMixin, KerasClassifierBase):
    """Multi-layer perceptron classifier on Keras.

    A drop-in for ``MLPClassifier`` with Keras underneath: binary, multiclass and
    multilabel targets with labels of any type, ``predict_proba``, sample and
    class weights, SciPy sparse input (densified one batch at a time), early
    stopping, learning curves, reproducible fits and fast prediction.

    Parameters
    ----------
    {dense_parameters}
    {training_parameters}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into the sample weights: a dict of
        label to weight, or ``"balanced"`` for weights inversely proportional to
        class frequencies.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit (label indices for multilabel targets).
    {fitted_attributes}

    See Also
    --------
    DenseRegressor : The same network for regression.
    sklearn.neural_network.MLPClassifier : scikit-learn's own perceptron.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdeep import DenseClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), DenseClassifier(random_state=0))
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    >>> clf.predict_proba(X[:2]).round(2).sum(axis=1)
    array([1., 1.])
    """

    _parameter_constraints = {
        **KerasClassifierBase._parameter_constraints,
        **DENSE_CONSTRAINTS,
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        dropout=0.0,
        batch_normalization=False,
        l1=0.0,
        l2="auto",
        kernel_initializer="glorot_uniform",
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
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_normalization = batch_normalization
        self.l1 = l1
        self.l2 = l2
        self.kernel_initializer = kernel_initializer
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
    dense_parameters=_dense_parameters(), training_parameters=_training_parameters()
)
class DenseRegressor(_DenseMixin, KerasRegressorBase):
    """Multi-layer perceptron regressor on Keras.

    A drop-in for ``MLPRegressor`` with Keras underneath: single- and
    multi-output targets (standardised internally, predicted in your units),
    sample weights, SciPy sparse input, early stopping, learning curves,
    reproducible fits and fast prediction.

    Parameters
    ----------
    {dense_parameters}
    {training_parameters}
    scale_target : bool, default=True
        Standardise each target with its (weighted) mean and standard deviation
        for training; predictions come back in the original units. This lets the
        default learning rate suit targets of any scale.

    Attributes
    ----------
    {fitted_attributes}

    See Also
    --------
    DenseClassifier : The same network for classification.
    sklearn.neural_network.MLPRegressor : scikit-learn's own perceptron.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdeep import DenseRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = make_pipeline(StandardScaler(), DenseRegressor(random_state=0))
    >>> cross_val_score(reg, X, y, cv=3).mean() > 0.3
    np.True_
    """

    _parameter_constraints = {
        **KerasRegressorBase._parameter_constraints,
        **DENSE_CONSTRAINTS,
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        dropout=0.0,
        batch_normalization=False,
        l1=0.0,
        l2="auto",
        kernel_initializer="glorot_uniform",
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
        scale_target=True,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_normalization = batch_normalization
        self.l1 = l1
        self.l2 = l2
        self.kernel_initializer = kernel_initializer
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
