"""Parameter documentation shared by every estimator, written once.

Docstrings contain ``{placeholders}``; :func:`fill_doc` substitutes them.
"""

TRAINING_PARAMETERS = """\
optimizer : str, keras.optimizers.Optimizer class or instance, default="adam"
        Optimizer name (``"adam"``, ``"adamw"``, ``"sgd"``, ``"rmsprop"``, ...),
        class, or instance. An instance is copied for each fit and keeps its own
        learning rate.
    learning_rate : float, default=1e-3
        Learning rate of a named optimizer or optimizer class.
    loss : "auto", str or callable, default="auto"
        ``"auto"`` infers the loss from the target (binary or categorical
        cross-entropy on logits, mean squared error for regression). Any Keras
        loss name or function is weighted so that a sample weight of 2 counts a
        row twice; a ``keras.losses.Loss`` instance is used as it is.
    metrics : list of str or keras.metrics.Metric, default=None
        Metrics evaluated at the end of each epoch, on the training rows and,
        with early stopping, on the validation rows (``val_`` prefix). They are
        recorded in ``history_``.
    epochs : int, default={epochs}
        Most passes over the training data.
    batch_size : int or "auto", default="auto"
        Rows per gradient step; ``"auto"`` is ``min(200, n_samples)``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified for
        classifiers), stop when the validation loss has not improved by
        ``min_delta`` for ``patience`` epochs, and keep the best weights. When
        False, training stops when the training loss stops improving in the
        same way.
    validation_fraction : float, default=0.1
        Share of the training rows held out for early stopping.
    patience : int, default=10
        Epochs without improvement before training stops.
    min_delta : float, default=1e-4
        Smallest decrease of the monitored loss that counts as an improvement.
    callbacks : list of keras.callbacks.Callback, default=None
        Extra Keras callbacks. Each fit uses fresh copies, so no state passes
        between fits or clones; their logs land in ``history_``.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, dropout, shuffling and validation split. An
        int gives the same model on every fit, in any process.
    verbose : int, default=0
        0 prints nothing; 1 shows one progress line over the epochs (loss,
        ``val_loss`` and metrics), redrawn in place in a terminal or notebook;
        2 prints one line per epoch. For progress through searches and
        pipelines, use scikit-learn's ``ProgressBar`` callback instead
        (``set_callbacks``, scikit-learn 1.9+).
    warm_start : bool, default=False
        When True, ``fit`` continues training the previous model instead of
        starting afresh.
    dtype : {"auto", "float32", "float64"}, default="auto"
        Dtype of the network. ``"auto"`` follows the input: float32 input gives a
        float32 network, anything else float64 (as ``MLPClassifier`` computes).
        ``"float32"`` is faster."""

FITTED_ATTRIBUTES = """\
model_ : keras.Model
        The trained network.
    history_ : dict of list of float
        Per-epoch ``loss`` (and ``val_loss`` and metrics) of all fits so far.
    loss_curve_ : list of float
        The training loss of each epoch, as in ``MLPClassifier``.
    n_iter_ : int
        Epochs run.
    n_outputs_ : int
        Units of the output layer.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names seen in fit, when ``X`` had string column names."""

DENSE_PARAMETERS = """\
hidden_layer_sizes : tuple of int, default=(100,)
        Units of each hidden ``Dense`` layer; ``()`` gives a linear model.
    activation : str, default="relu"
        Hidden activation: ``"relu"``, ``"tanh"``, ``"sigmoid"``,
        ``"leaky_relu"``, ``"elu"``, ``"gelu"``, ``"selu"``, ``"linear"``,
        ``"softplus"``, ``"softsign"``, ``"swish"``, ``"silu"``, ``"relu6"``,
        ``"hard_sigmoid"`` or ``"mish"``.
    dropout : float, default=0.0
        Dropout rate after each hidden layer, in [0, 1).
    batch_normalization : bool, default=False
        Batch normalisation before each hidden activation.
    l1 : float, default=0.0
        L1 penalty on the hidden kernels.
    l2 : float, default=0.0
        L2 penalty on the hidden kernels.
    kernel_initializer : str, default="glorot_uniform"
        Initializer of the hidden kernels (a Keras initializer name)."""


def fill_doc(**extra):
    """Decorator substituting the shared parameter texts into a docstring."""

    def decorate(obj):
        values = {
            "training_parameters": TRAINING_PARAMETERS.replace(
                "{epochs}", str(extra.get("epochs", 200))
            ),
            "fitted_attributes": FITTED_ATTRIBUTES,
            "dense_parameters": DENSE_PARAMETERS,
            **extra,
        }
        obj.__doc__ = obj.__doc__.format(**values)
        return obj

    return decorate
