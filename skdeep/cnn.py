"""Convolutional networks for images, with data augmentation and transfer learning."""

import inspect
import math

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import validate_data

from ._docstring import TRAINING_PARAMETERS, fill_doc
from ._keras import get_keras
from ._validation import CNN_CONSTRAINTS
from .architectures import cnn_network, copy_model, transfer_network
from .architectures.cnn import resized_shape, set_fine_tuning, trainable_flags
from .base import KerasClassifierBase, default_float

CNN_PARAMETERS = """\
filters : tuple of int, default=(32, 64)
        Filters of each convolution block: one ``Conv2D``, then pooling. ``()``
        gives no convolutions. Not used with ``base_model``.
    kernel_size : int or tuple of 2 int, default=3
        Height and width of the convolution windows.
    strides : int or tuple of 2 int, default=1
        Strides of the convolutions.
    padding : {"same", "valid"}, default="same"
        Padding of the convolutions; ``"same"`` keeps small images usable.
    activation : str, default="relu"
        Activation of the convolutions and of the dense head: ``"relu"``,
        ``"tanh"``, ``"sigmoid"``, ``"leaky_relu"``, ``"elu"``, ``"gelu"``,
        ``"selu"``, ``"linear"``, ``"softplus"``, ``"softsign"``, ``"swish"``,
        ``"silu"``, ``"relu6"``, ``"hard_sigmoid"`` or ``"mish"``.
    batch_normalization : bool, default=False
        Batch normalisation before each activation.
    pooling : {"max", "average"} or None, default="max"
        Pooling after each convolution (with ``"same"`` padding), or None.
    pool_size : int or tuple of 2 int, default=2
        Window and stride of the pooling.
    global_pooling : {"auto", "average", "max"} or None, default="auto"
        How the last feature maps become one vector for the head: global
        average or max pooling, or None to flatten them. ``"auto"`` flattens
        the maps of the built-in convolutions and averages those of a
        ``base_model``.
    dense_layer_sizes : tuple of int, default=(128,)
        Units of the hidden ``Dense`` layers of the head; ``()`` for none.
    dropout : float or "auto", default="auto"
        Dropout rate after each convolution block and each hidden dense layer,
        in [0, 1). ``"auto"`` is 0.25 for fewer than 10,000 training images at
        least two pixels high, and 0 otherwise (see :ref:`the rule
        <cnn_auto>` in the user guide).
    l1 : float, default=0.0
        L1 penalty on the convolution and dense kernels.
    l2 : float, default=0.0
        L2 penalty on the convolution and dense kernels.
    kernel_initializer : str, default="he_uniform"
        Initializer of the convolution and dense kernels (He initialisation
        suits ReLU networks and converges faster here than Glorot's).
    random_flip : {"horizontal", "vertical", "horizontal_and_vertical"} or None, \
default=None
        Data augmentation: mirror training images at random. Like the three
        parameters below, it acts in training only; predictions are
        deterministic.
    random_rotation : float, default=0.0
        Data augmentation: rotate training images at random by up to this
        fraction of a full turn (0.05 is 18 degrees).
    random_zoom : float, default=0.0
        Data augmentation: zoom training images in or out at random by up to
        this fraction.
    random_translation : float or "auto", default="auto"
        Data augmentation: shift training images at random by up to this
        fraction of their height and width. ``"auto"`` is 0.05 for fewer than
        10,000 training images with a shorter side of 2 to 15 pixels (those
        that ``resize="auto"`` upsamples), and 0 otherwise.
    resize : tuple of 2 int, None or "auto", default="auto"
        Resize the images to ``(height, width)`` inside the network (bilinear),
        in training and prediction alike; input keeps its own size. For tiny
        images it gives the convolutions, pooling and augmentation room; with
        ``base_model`` it meets the size the base needs (``keras.applications``
        models take at least 32x32). ``"auto"`` upsamples images whose shorter
        side ``s`` is from 2 to 15 pixels by the whole factor ``ceil(16 / s)``,
        keeping their aspect ratio (8x8 digits become 16x16, 7x7 images 21x21),
        and leaves images of 16 pixels or more, and rows one pixel high, as
        they are (None).
    image_shape : tuple of int or None, default=None
        ``(height, width)`` or ``(height, width, channels)`` of one image, to
        read 2-D input of flattened images (e.g. after a scikit-learn
        transformer in a ``Pipeline``). With None, 2-D input with a square
        number of features ``s * s`` is read as ``s x s`` grey images, and any
        other ``(n, f)`` input as one-pixel-high images ``(1, f, 1)``.
    base_model : keras.Model, callable or None, default=None
        Transfer learning: a network (e.g. a ``keras.applications`` model with
        ``include_top=False``) used as a frozen feature extractor under a new
        head (``global_pooling``, ``dense_layer_sizes``, output layer). Each
        fit works on a copy; your model is never changed. A callable is called
        with ``input_shape=(height, width, channels)`` if it takes that
        argument, else with none, and must return a ``keras.Model``.
    fine_tune_from : str, int or None, default=None
        With ``base_model``: None keeps the whole base frozen; a layer name or
        index into ``base_model.layers`` (negative counts from the end) makes
        that layer and all after it trainable. Batch normalisation layers of
        the base stay frozen, in inference mode with their statistics, as Keras
        recommends for fine-tuning. With
        ``warm_start=True``, changing it between fits is the second stage of
        transfer learning: training continues from the fitted model with the
        new layers unfrozen, under a fresh optimizer at the current
        ``learning_rate``."""


# Values of the widest feature map per prediction call (256 MB in float32).
_ACTIVATION_BUDGET = 2**26

# The "auto" rule (user guide, "Defaults that adapt to the data"), measured on
# the digits, Fashion-MNIST subsets and Fashion-MNIST pooled to 14x14 and 7x7.
# Images whose shorter side is below SMALL_SIDE pixels are upsampled to it;
# fewer than SMALL_SET training images make a small training set.
SMALL_SIDE = 16
SMALL_SET = 10_000
# The parameters that take "auto", and their values with a base_model (the
# rule was measured on the built-in network only): the former defaults.
_AUTO_PARAMETERS = ("resize", "random_translation", "dropout", "epochs", "batch_size")
_BASE_MODEL_SETTINGS = {
    "resize": None,
    "random_translation": 0.0,
    "dropout": 0.0,
    "epochs": 20,
    "batch_size": 128,
}
# What a continuing fit (warm start, partial_fit) re-resolves: the network
# itself keeps the architecture of its first fit.
_TRAINING_AUTO = ("epochs", "batch_size")


def auto_settings(height, width, n_samples):
    """The values the ``"auto"`` parameters of :class:`CNNClassifier` take.

    Parameters
    ----------
    height, width : int
        Size of the training images.
    n_samples : int
        Number of training images.

    Returns
    -------
    settings : dict
        ``resize``, ``random_translation``, ``dropout``, ``epochs`` and
        ``batch_size`` for the built-in network.

    Examples
    --------
    >>> from skdeep.cnn import auto_settings
    >>> auto_settings(8, 8, 1198)  # a training fold of the digits
    ... # doctest: +NORMALIZE_WHITESPACE
    {'resize': (16, 16), 'random_translation': 0.05, 'dropout': 0.25,
     'epochs': 60, 'batch_size': 32}
    >>> auto_settings(28, 28, 60000)  # Fashion-MNIST: the former defaults
    ... # doctest: +NORMALIZE_WHITESPACE
    {'resize': None, 'random_translation': 0.0, 'dropout': 0.0,
     'epochs': 20, 'batch_size': 128}
    """
    shorter = min(height, width)
    # Rows one pixel high are tables or signals (the 2-D rule), not images.
    image = shorter >= 2
    resize = None
    if image and shorter < SMALL_SIDE:
        factor = math.ceil(SMALL_SIDE / shorter)
        resize = (height * factor, width * factor)
    small_set = n_samples < SMALL_SET
    return {
        "resize": resize,
        # Small shifts of tiny images (0.8 pixels of the 16x16 digits); 0.1
        # cost Fashion-MNIST 0.7 to 1.1 points at every size (user guide).
        "random_translation": 0.05 if small_set and resize is not None else 0.0,
        "dropout": 0.25 if small_set and image else 0.0,
        "epochs": 60 if small_set else 20,
        "batch_size": 32 if small_set else 128,
    }


# The shared text, with this family's automatic epochs and batch size.
_TRAINING_PARAMETERS = TRAINING_PARAMETERS.replace(
    """epochs : int, default={epochs}
        Most passes over the training data.""",
    """epochs : int or "auto", default="auto"
        Most passes over the training data. ``"auto"`` is 60 for fewer than
        10,000 training images and 20 otherwise.""",
).replace(
    """batch_size : int or "auto", default="auto"
        Rows per gradient step; ``"auto"`` is ``min(200, n_samples)``.""",
    """batch_size : int or "auto", default="auto"
        Images per gradient step; ``"auto"`` is 32 for fewer than 10,000
        training images and 128 otherwise (at most ``n_samples``).""",
)
assert "{epochs}" not in _TRAINING_PARAMETERS
assert "min(200" not in _TRAINING_PARAMETERS


def _with_channel(shape):
    shape = tuple(int(s) for s in shape)
    return shape if len(shape) == 3 else (*shape, 1)


def _accepts_input_shape(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.name == "input_shape" or p.kind is inspect.Parameter.VAR_KEYWORD
        for p in params
    )


@fill_doc(cnn_parameters=CNN_PARAMETERS, training_parameters=_TRAINING_PARAMETERS)
class CNNClassifier(KerasClassifierBase):
    """Convolutional network classifier for images.

    Blocks of ``Conv2D`` and pooling, then a dense head, built from flat
    parameters that a grid search can vary one at a time; optional data
    augmentation in training; transfer learning from a ``base_model``, frozen
    or fine-tuned from a layer. Binary, multiclass and multilabel targets with
    labels of any type, ``predict_proba``, sample and class weights, early
    stopping, learning curves, reproducible fits.

    Images come as ``(n, height, width, channels)``, as ``(n, height,
    width)`` (grey), or flattened as ``(n, height * width * channels)`` with
    ``image_shape``, so that scikit-learn transformers can come before it in a
    ``Pipeline``. Scale pixel values to about [0, 1] (``MinMaxScaler``, or
    ``X / 255``).

    Five settings default to ``"auto"`` and follow the training images, their
    size and number: tiny images (shorter side below 16 pixels) are upsampled
    inside the network; fewer than 10,000 images train for 60 epochs of 32
    with dropout (and small random shifts of tiny images); larger sets train
    for 20 epochs of 128. ``resolved_params_`` records the values a fit used.

    Convolutions are much faster in float32 than in float64 on a CPU (about
    6x): pass float32 images (e.g. ``X.astype("float32") / 255``) or set
    ``dtype="float32"``.

    Parameters
    ----------
    {cnn_parameters}
    {training_parameters}
        With ``base_model``, ``"auto"`` is float32 (pretrained networks are).
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into the sample weights: a dict of
        label to weight, or ``"balanced"`` for weights inversely proportional to
        class frequencies.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit (label indices for multilabel targets).
    resolved_params_ : dict
        The values the last fit used for ``resize``, ``random_translation``,
        ``dropout``, ``epochs`` and ``batch_size``: the rule's choice where the
        parameter is ``"auto"``, the parameter itself otherwise. With a
        ``base_model``, ``"auto"`` gives the values of the built-in network on
        large data (no resizing, shifts or dropout, 20 epochs of 128 images).
        A warm-start fit or ``partial_fit`` re-resolves only ``epochs`` and
        ``batch_size``.
    {fitted_attributes}

    See Also
    --------
    DenseClassifier : A multi-layer perceptron for tables.
    skdeep.architectures.cnn_network : The network builder.

    Notes
    -----
    ``n_features_in_`` is the number of values in one image, ``height * width
    * channels``. At predict time images may come in any of the three forms, as
    long as they have the shape seen in fit.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from skdeep import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(
    ...     MinMaxScaler(),
    ...     CNNClassifier(filters=(16,), image_shape=(8, 8), epochs=5, random_state=0),
    ... )
    >>> clf.fit(X[:1000], y[:1000]).score(X[1000:], y[1000:]) > 0.8
    True
    >>> clf[-1].model_.output_shape
    (None, 10)
    """

    _reuse_networks = True
    _parameter_constraints = {
        **KerasClassifierBase._parameter_constraints,
        **CNN_CONSTRAINTS,
    }
    # The shape of one image is fitted state too.
    _private_fitted_state = (
        *KerasClassifierBase._private_fitted_state,
        "_image_shape",
    )

    def __init__(
        self,
        filters=(32, 64),
        kernel_size=3,
        *,
        strides=1,
        padding="same",
        activation="relu",
        batch_normalization=False,
        pooling="max",
        pool_size=2,
        global_pooling="auto",
        dense_layer_sizes=(128,),
        dropout="auto",
        l1=0.0,
        l2=0.0,
        kernel_initializer="he_uniform",
        random_flip=None,
        random_rotation=0.0,
        random_zoom=0.0,
        random_translation="auto",
        resize="auto",
        image_shape=None,
        base_model=None,
        fine_tune_from=None,
        optimizer="adam",
        learning_rate=1e-3,
        loss="auto",
        metrics=None,
        epochs="auto",
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
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.batch_normalization = batch_normalization
        self.pooling = pooling
        self.pool_size = pool_size
        self.global_pooling = global_pooling
        self.dense_layer_sizes = dense_layer_sizes
        self.dropout = dropout
        self.l1 = l1
        self.l2 = l2
        self.kernel_initializer = kernel_initializer
        self.random_flip = random_flip
        self.random_rotation = random_rotation
        self.random_zoom = random_zoom
        self.random_translation = random_translation
        self.resize = resize
        self.image_shape = image_shape
        self.base_model = base_model
        self.fine_tune_from = fine_tune_from
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # -- input: images in three forms --------------------------------------------

    def _check_X_y(self, X, y, reset):
        return self._as_images(X, y, reset=reset)

    def _resolve_auto(self, X, n_samples, *, reset):
        """Set ``resolved_params_``: the value of each ``"auto"`` parameter
        for ``n_samples`` training images of the fitted shape, explicit
        values as they are. A continuing fit re-resolves only epochs and batch
        size; the network keeps its architecture."""
        height, width, _ = self._image_shape
        if self.base_model is None:
            rule = auto_settings(height, width, n_samples)
        else:
            rule = _BASE_MODEL_SETTINGS
        resolved = {}
        for name in _AUTO_PARAMETERS:
            value = getattr(self, name)
            auto = isinstance(value, str) and value == "auto"
            resolved[name] = rule[name] if auto else value
        if resolved["resize"] is not None:
            resolved["resize"] = tuple(int(s) for s in resolved["resize"])
        previous = getattr(self, "resolved_params_", None)
        if not reset and previous is not None:
            resolved = {
                name: resolved[name] if name in _TRAINING_AUTO else previous[name]
                for name in _AUTO_PARAMETERS
            }
        self.resolved_params_ = resolved

    def _fit_setting(self, name):
        if name in _TRAINING_AUTO:
            return self.resolved_params_[name]
        return super()._fit_setting(name)

    def _fitted_resize(self):
        resolved = getattr(self, "resolved_params_", None)
        return self.resize if resolved is None else resolved["resize"]

    def _check_X(self, X):
        return self._as_images(X, None, reset=False)

    def _as_images(self, X, y, *, reset):
        """Validate ``X`` (and ``y``) and return ``X`` as ``(n, h, w, c)``.

        scikit-learn's bookkeeping (``n_features_in_``, feature names, NaN,
        infinity, complex and empty checks) runs on the flattened images.
        """
        images = _image_array(X)
        if images is None:
            return self._flat_rows_as_images(X, y, reset=reset)
        shape = _with_channel(images.shape[1:])
        expected = self._expected_shape(reset)
        if expected is not None and shape != expected:
            if reset:
                raise ValueError(
                    f"X has images of shape {shape}, but image_shape="
                    f"{self.image_shape!r}. Leave image_shape=None for image "
                    "input, or pass images of that shape."
                )
            raise ValueError(
                f"X has images of shape {shape}, but {type(self).__name__} was "
                f"fitted on images of shape {expected}. Pass images of shape "
                f"(n, {', '.join(map(str, expected))}) or rows of "
                f"{math.prod(expected)} values."
            )
        flat = images.reshape(images.shape[0], math.prod(images.shape[1:]))
        out = self._validate(flat, y, reset)
        X_flat, y = out if y is not None else (out, None)
        if reset:
            self._image_shape = shape
        X_img = X_flat.reshape((X_flat.shape[0], *shape))
        return X_img if y is None else (X_img, y)

    def _flat_rows_as_images(self, X, y, *, reset):
        if not reset and hasattr(self, "_image_shape"):
            n_features = _n_columns(X)
            if n_features is not None and n_features != self.n_features_in_:
                raise ValueError(
                    f"X has {n_features} features, but {type(self).__name__} is "
                    f"expecting {self.n_features_in_} features as input: images "
                    f"of shape {self._image_shape}, flattened. Pass rows of "
                    f"{self.n_features_in_} values, or images of shape "
                    f"(n, {', '.join(map(str, self._image_shape))})."
                )
        out = self._validate(X, y, reset)
        X_flat, y = out if y is not None else (out, None)
        if reset:
            self._image_shape = self._shape_of_rows(X_flat.shape[1])
        X_img = X_flat.reshape((X_flat.shape[0], *self._image_shape))
        return X_img if y is None else (X_img, y)

    def _validate(self, X, y, reset):
        kwargs = {"reset": reset, "dtype": (np.float64, np.float32)}
        if y is None:
            return validate_data(self, X, **kwargs)
        return validate_data(self, X, y, multi_output=True, **kwargs)

    def _expected_shape(self, reset):
        if not reset:
            return self._image_shape
        if self.image_shape is None:
            return None
        return _with_channel(self.image_shape)

    def _shape_of_rows(self, n_features):
        """The image shape of 2-D input with ``n_features`` columns."""
        if self.image_shape is not None:
            shape = _with_channel(self.image_shape)
            if math.prod(shape) != n_features:
                raise ValueError(
                    f"image_shape={self.image_shape!r} holds {math.prod(shape)} "
                    f"values per image, but X has {n_features} features per row."
                )
            return shape
        side = math.isqrt(n_features)
        if side * side == n_features:
            return (side, side, 1)
        return (1, n_features, 1)

    def _predict_rows(self, X):
        # Feature maps are far larger than the images: bound the rows per call
        # so that large inputs do not take gigabytes (the base's chunks suit
        # dense networks).
        height, width, _ = resized_shape(self._image_shape, self._fitted_resize())
        widest = max((*self.filters, 64)) if self.base_model is None else 512
        rows = max(1, min(8192, _ACTIVATION_BUDGET // (height * width * widest)))
        return None if len(X) <= rows else rows

    # -- network -----------------------------------------------------------------

    def _continue_from(self):
        if self.base_model is not None:
            self._follow_fine_tune_from()

    def _follow_fine_tune_from(self):
        """Stage two of transfer learning: a warm-start fit after
        ``set_params(fine_tune_from=...)`` continues from a copy of the model with
        the new layers unfrozen, compiled afresh at the current learning rate."""
        keras = get_keras()
        inner = [
            layer for layer in self.model_.layers if isinstance(layer, keras.Model)
        ]
        if len(inner) != 1:
            return
        flags = trainable_flags(inner[0], self.fine_tune_from)
        if flags == [layer.trainable for layer in inner[0].layers]:
            return
        # A copy: if this fit fails, the estimator keeps its previous model.
        model = copy_model(self.model_)
        base = next(layer for layer in model.layers if isinstance(layer, keras.Model))
        set_fine_tuning(base, self.fine_tune_from)
        encoder = self._target_encoder
        loss = self._make_loss(encoder, self._dtype)
        with default_float(self._dtype):
            self._compile(model, loss, encoder.kind)
        self.model_ = model

    def _reuse_key(self, encoder):
        # A user's base model may hold state of its own: never reused.
        return None if self.base_model is not None else super()._reuse_key(encoder)

    def _resolve_dtype(self, X):
        if self.dtype == "auto" and self.base_model is not None:
            return "float32"
        return super()._resolve_dtype(X)

    def _base_model_instance(self, input_shape):
        keras = get_keras()
        base = self.base_model
        if not isinstance(base, keras.Model):
            if _accepts_input_shape(base):
                base = base(input_shape=tuple(input_shape))
            else:
                base = base()
            if not isinstance(base, keras.Model):
                raise TypeError(
                    "base_model must be a keras.Model or a callable returning "
                    f"one; the callable returned {type(base).__name__}."
                )
        return base

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
        resolved = self.resolved_params_
        shared = {
            "dense_layer_sizes": tuple(self.dense_layer_sizes),
            "activation": self.activation,
            "dropout": resolved["dropout"],
            "batch_normalization": self.batch_normalization,
            "l1": self.l1,
            "l2": self.l2,
            "kernel_initializer": self.kernel_initializer,
            "random_flip": self.random_flip,
            "random_rotation": self.random_rotation,
            "random_zoom": self.random_zoom,
            "random_translation": resolved["random_translation"],
            "resize": resolved["resize"],
            "dtype": dtype,
            "seed": seed,
        }
        if self.base_model is None:
            if self.fine_tune_from is not None:
                raise ValueError(
                    f"fine_tune_from={self.fine_tune_from!r} needs a base_model to "
                    "fine-tune; set base_model, or leave fine_tune_from=None."
                )
            pooling = None if self.global_pooling == "auto" else self.global_pooling
            return cnn_network(
                input_shape,
                n_outputs,
                output_activation,
                filters=tuple(self.filters),
                kernel_size=self.kernel_size,
                strides=self.strides,
                padding=self.padding,
                pooling=self.pooling,
                pool_size=self.pool_size,
                global_pooling=pooling,
                **shared,
            )
        pooling = "average" if self.global_pooling == "auto" else self.global_pooling
        return transfer_network(
            input_shape,
            n_outputs,
            output_activation,
            base_model=self._base_model_instance(
                resized_shape(input_shape, shared["resize"])
            ),
            fine_tune_from=self.fine_tune_from,
            global_pooling=pooling,
            **shared,
        )


def _image_array(X):
    """``X`` as an array if it holds images (3 or 4 axes), else None."""
    if sp.issparse(X) or hasattr(X, "iloc"):
        return None
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        try:
            X = np.asarray(X)
        except (ValueError, TypeError):
            return None
        ndim = X.ndim
    if ndim not in (3, 4):
        if ndim is not None and ndim > 4:
            raise ValueError(
                f"X has {ndim} axes; CNNClassifier takes images as (n, height, "
                "width, channels), (n, height, width) or flattened (n, values)."
            )
        return None
    return np.asarray(X)


def _n_columns(X):
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 2:
        return shape[1]
    return None
