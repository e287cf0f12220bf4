"""Dense networks (multi-layer perceptrons) for tables."""

from ._docstring import fill_doc
from ._validation import DENSE_CONSTRAINTS
from .architectures import dense_network
from .base import KerasClassifierBase, KerasRegressorBase


class _DenseMixin:
    """The dense architecture hook, shared by the classifier and the regressor."""

    _accepts_sparse = True
    _reuse_networks = True

    def _build_network(self, input_shape, n_outputs, output_activation, dtype, seed, X):
        return dense_network(
            input_shape,
            n_outputs,
            output_activation,
            hidden_layer_sizes=tuple(self.hidden_layer_sizes),
            activation=self.activation,
            dropout=self.dropout,
            batch_normalization=self.batch_normalization,
            l1=self.l1,
            l2=self.l2,
            kernel_initializer=self.kernel_initializer,
            dtype=dtype,
            seed=seed,
        )


@fill_doc()
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
        l2=0.0,
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


@fill_doc()
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
        l2=0.0,
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
