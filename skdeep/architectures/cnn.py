"""Convolutional networks for images, and transfer learning from a base network."""

import math
from numbers import Integral

from .._keras import get_keras
from .dense import _regularizer, _seed, dense_block, output_layer, seeded


def _pair(value):
    return (value, value) if isinstance(value, Integral) else tuple(value)


def _conv_output_size(size, kernel, stride, padding):
    if padding == "same":
        return math.ceil(size / stride)
    return (size - kernel) // stride + 1


def _check_fits(input_shape, filters, kernel_size, strides, padding):
    """Raise a clear ValueError if 'valid' convolutions shrink the image to nothing."""
    height, width = input_shape[0], input_shape[1]
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(strides)
    for i in range(len(filters)):
        height = _conv_output_size(height, kh, sh, padding)
        width = _conv_output_size(width, kw, sw, padding)
        if height < 1 or width < 1:
            raise ValueError(
                f"Images of shape {tuple(input_shape)} are too small for "
                f"{len(filters)} convolution blocks with kernel_size={kernel_size}, "
                f"strides={strides} and padding={padding!r}: block {i + 1} would "
                "have no pixels left. Use padding='same', a smaller kernel_size or "
                "fewer filters."
            )
        # Pooling uses 'same' padding, so it never empties the image.


def resized(x, resize=None, *, dtype=None):
    """Resize images ``x`` to ``resize = (height, width)`` (bilinear), or not.

    Inside the network, so it applies to training and prediction alike: tiny
    images gain room for convolutions and pooling, and for augmentation to
    move them by whole pixels instead of blurring them; a ``base_model`` built
    for a larger size (``keras.applications`` models take at least 32x32) can
    read them.

    Parameters
    ----------
    x : keras tensor
        Images, ``(batch, height, width, channels)``.
    resize : tuple of 2 int or None, default=None
        Target height and width; None leaves ``x`` as it is.
    dtype : str or None, default=None
        Dtype of the layer.

    Returns
    -------
    x : keras tensor

    Examples
    --------
    >>> import keras
    >>> from skdeep.architectures import resized
    >>> resized(keras.Input((8, 8, 1)), (16, 16)).shape
    (None, 16, 16, 1)
    """
    if resize is None:
        return x
    height, width = resize
    return get_keras().layers.Resizing(
        height, width, interpolation="bilinear", dtype=dtype, name="resize"
    )(x)


def resized_shape(input_shape, resize):
    """The image shape the layers after :func:`resized` see."""
    return input_shape if resize is None else (*resize, *input_shape[2:])


def augmentation(
    x,
    *,
    random_flip=None,
    random_rotation=0.0,
    random_zoom=0.0,
    random_translation=0.0,
    dtype=None,
    seed=None,
):
    """Apply Keras's random image layers to ``x``; they act only in training.

    Parameters
    ----------
    x : keras tensor
        Images, ``(batch, height, width, channels)``.
    random_flip : {"horizontal", "vertical", "horizontal_and_vertical"} or None
        Random mirror images.
    random_rotation : float
        Largest rotation, as a fraction of a full turn (0.1 is 36 degrees).
    random_zoom : float
        Largest zoom in or out, as a fraction of the image size.
    random_translation : float
        Largest shift, as a fraction of the height and of the width.
    dtype : str or None
        Dtype of the layers.
    seed : int or None
        Seed of the random transforms.

    Returns
    -------
    x : keras tensor
    """
    layers = get_keras().layers
    if random_flip:
        x = layers.RandomFlip(
            random_flip, seed=_seed(seed, 1), dtype=dtype, name="random_flip"
        )(x)
    if random_rotation:
        x = layers.RandomRotation(
            random_rotation,
            fill_mode="nearest",
            seed=_seed(seed, 2),
            dtype=dtype,
            name="random_rotation",
        )(x)
    if random_zoom:
        x = layers.RandomZoom(
            random_zoom,
            fill_mode="nearest",
            seed=_seed(seed, 3),
            dtype=dtype,
            name="random_zoom",
        )(x)
    if random_translation:
        x = layers.RandomTranslation(
            random_translation,
            random_translation,
            fill_mode="nearest",
            seed=_seed(seed, 4),
            dtype=dtype,
            name="random_translation",
        )(x)
    return x


def conv_block(
    x,
    filters,
    *,
    kernel_size=3,
    strides=1,
    padding="same",
    activation="relu",
    batch_normalization=False,
    pooling="max",
    pool_size=2,
    dropout=0.0,
    l1=0.0,
    l2=0.0,
    kernel_initializer="glorot_uniform",
    dtype=None,
    seed=None,
    name=None,
):
    """Apply ``Conv2D -> [BatchNormalization] -> activation -> [pooling] ->
    [Dropout]`` to ``x``.

    Pooling (``"max"``, ``"average"`` or None) uses ``"same"`` padding, so a
    one-pixel-high image stays one pixel high.
    """
    layers = get_keras().layers
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        activation=None if batch_normalization else activation,
        use_bias=not batch_normalization,
        kernel_initializer=seeded(kernel_initializer, seed),
        kernel_regularizer=_regularizer(l1, l2),
        dtype=dtype,
        name=name,
    )(x)
    if batch_normalization:
        x = layers.BatchNormalization(dtype=dtype)(x)
        x = layers.Activation(activation, dtype=dtype)(x)
    if pooling == "max":
        x = layers.MaxPooling2D(pool_size, padding="same", dtype=dtype)(x)
    elif pooling == "average":
        x = layers.AveragePooling2D(pool_size, padding="same", dtype=dtype)(x)
    if dropout:
        x = layers.Dropout(dropout, seed=_seed(seed, 7919), dtype=dtype)(x)
    return x


def _head(
    x,
    n_outputs,
    output_activation,
    *,
    global_pooling,
    dense_layer_sizes,
    activation,
    dropout,
    batch_normalization,
    l1,
    l2,
    kernel_initializer,
    dtype,
    seed,
):
    layers = get_keras().layers
    if len(x.shape) == 2:
        pass  # already a vector (e.g. a base model built with pooling="avg")
    elif global_pooling == "average" and len(x.shape) == 4:
        x = layers.GlobalAveragePooling2D(dtype=dtype, name="global_pooling")(x)
    elif global_pooling == "max" and len(x.shape) == 4:
        x = layers.GlobalMaxPooling2D(dtype=dtype, name="global_pooling")(x)
    else:
        x = layers.Flatten(dtype=dtype, name="flatten")(x)
    for i, units in enumerate(dense_layer_sizes):
        x = dense_block(
            x,
            units,
            activation=activation,
            dropout=dropout,
            batch_normalization=batch_normalization,
            l1=l1,
            l2=l2,
            kernel_initializer=kernel_initializer,
            dtype=dtype,
            seed=_seed(seed, 100 + i),
            name=f"dense_{i}",
        )
    return output_layer(
        x, n_outputs, output_activation, dtype=dtype, seed=_seed(seed, 997)
    )


def cnn_network(
    input_shape,
    n_outputs,
    output_activation=None,
    *,
    filters=(32, 64),
    kernel_size=3,
    strides=1,
    padding="same",
    activation="relu",
    batch_normalization=False,
    pooling="max",
    pool_size=2,
    global_pooling=None,
    dense_layer_sizes=(128,),
    dropout=0.0,
    l1=0.0,
    l2=0.0,
    kernel_initializer="glorot_uniform",
    random_flip=None,
    random_rotation=0.0,
    random_zoom=0.0,
    random_translation=0.0,
    resize=None,
    dtype="float32",
    seed=None,
):
    """Build a convolutional network: [resizing], [augmentation], conv blocks,
    a dense head.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one image, ``(height, width, channels)``.
    n_outputs : int
        Units of the output layer.
    output_activation : str or None, default=None
        Activation of the output layer; None gives logits.
    filters : tuple of int, default=(32, 64)
        Filters of each convolution block (one ``Conv2D`` each); ``()`` for none.
    kernel_size, strides : int or tuple of 2 int, default=3, 1
        Of every ``Conv2D``.
    padding : {"same", "valid"}, default="same"
        Of every ``Conv2D``.
    activation : str, default="relu"
        Of the convolutions and the dense layers.
    batch_normalization : bool, default=False
        Batch normalisation before each activation.
    pooling : {"max", "average"} or None, default="max"
        Pooling after each convolution, with ``"same"`` padding.
    pool_size : int or tuple of 2 int, default=2
        Window (and stride) of the pooling.
    global_pooling : {"average", "max"} or None, default=None
        How the last feature maps become a vector: global average or max
        pooling, or None to flatten them.
    dense_layer_sizes : tuple of int, default=(128,)
        Units of the hidden dense layers of the head.
    dropout : float, default=0.0
        Dropout rate after each convolution block and each hidden dense layer.
    l1, l2 : float, default=0.0
        Penalties on the convolution and dense kernels.
    kernel_initializer : str, default="glorot_uniform"
        Initializer of the convolution and dense kernels.
    random_flip, random_rotation, random_zoom, random_translation
        Data augmentation, active in training only; see :func:`augmentation`.
    resize : tuple of 2 int or None, default=None
        Resize the images to ``(height, width)`` first; see :func:`resized`.
    dtype : str, default="float32"
        Dtype of the weights and computations.
    seed : int or None, default=None
        Seed for initializers, dropout and augmentation.

    Returns
    -------
    model : keras.Model

    Examples
    --------
    >>> from skdeep.architectures import cnn_network
    >>> model = cnn_network((28, 28, 1), 10, filters=(8, 16), seed=0)
    >>> model.output_shape
    (None, 10)
    """
    keras = get_keras()
    input_shape = tuple(input_shape)
    _check_fits(
        resized_shape(input_shape, resize), filters, kernel_size, strides, padding
    )
    inputs = keras.Input(shape=input_shape, dtype=dtype, name="input")
    x = augmentation(
        resized(inputs, resize, dtype=dtype),
        random_flip=random_flip,
        random_rotation=random_rotation,
        random_zoom=random_zoom,
        random_translation=random_translation,
        dtype=dtype,
        seed=_seed(seed, 500),
    )
    for i, n_filters in enumerate(filters):
        x = conv_block(
            x,
            n_filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            activation=activation,
            batch_normalization=batch_normalization,
            pooling=pooling,
            pool_size=pool_size,
            dropout=dropout,
            l1=l1,
            l2=l2,
            kernel_initializer=kernel_initializer,
            dtype=dtype,
            seed=_seed(seed, i),
            name=f"conv_{i}",
        )
    outputs = _head(
        x,
        n_outputs,
        output_activation,
        global_pooling=global_pooling,
        dense_layer_sizes=dense_layer_sizes,
        activation=activation,
        dropout=dropout,
        batch_normalization=batch_normalization,
        l1=l1,
        l2=l2,
        kernel_initializer=kernel_initializer,
        dtype=dtype,
        seed=seed,
    )
    return keras.Model(inputs, outputs, name="cnn_network")


def copy_model(model):
    """A copy of ``model`` with its own layers and the same weights.

    The original is left exactly as it was (weights, ``trainable`` flags).
    """
    keras = get_keras()
    try:
        copy = keras.models.clone_model(model)
    except Exception as exc:
        raise ValueError(
            f"Could not copy the base model {model.name!r} ({exc}). Each fit "
            "trains a copy, so a base model must be a functional or Sequential "
            "keras.Model, or a subclassed one with get_config/from_config."
        ) from exc
    copy.set_weights(model.get_weights())
    return copy


def fine_tune_start(base, fine_tune_from):
    """The index in ``base.layers`` from which ``fine_tune_from`` unfreezes."""
    layers = base.layers
    if isinstance(fine_tune_from, str):
        names = [layer.name for layer in layers]
        if fine_tune_from not in names:
            shown = ", ".join(repr(n) for n in names[-8:])
            raise ValueError(
                f"fine_tune_from={fine_tune_from!r} is not a layer of the base model "
                f"{base.name!r}; its last layers are {shown} (see "
                "base_model.layers for all names), or pass an index."
            )
        return names.index(fine_tune_from)
    if not -len(layers) <= fine_tune_from < len(layers):
        raise ValueError(
            f"fine_tune_from={fine_tune_from} is out of range: the base model "
            f"{base.name!r} has {len(layers)} layers (index from 0, or from the "
            "end with a negative index)."
        )
    return fine_tune_from % len(layers)


def _is_batch_normalization(layer):
    return type(layer).__name__ == "BatchNormalization"


def trainable_flags(base, fine_tune_from):
    """``trainable`` of each layer of ``base`` for ``fine_tune_from``.

    Batch normalisation layers stay frozen: in Keras 3 a frozen one runs in
    inference mode, keeping the statistics learnt on the original data, as Keras
    recommends for fine-tuning (a ``training=False`` call of the base would not
    hold: ``fit`` calls the whole model, nested ones included, with
    ``training=True``).
    """
    if fine_tune_from is None:
        return [False] * len(base.layers)
    start = fine_tune_start(base, fine_tune_from)
    return [
        i >= start and not _is_batch_normalization(layer)
        for i, layer in enumerate(base.layers)
    ]


def _freeze_batch_normalization(layer):
    for inner in getattr(layer, "layers", ()):
        if _is_batch_normalization(inner):
            inner.trainable = False
        else:
            _freeze_batch_normalization(inner)


def set_fine_tuning(base, fine_tune_from):
    """Freeze ``base``, then unfreeze its layers from ``fine_tune_from`` on (None
    keeps it all frozen), batch normalisation excepted."""
    flags = trainable_flags(base, fine_tune_from)
    base.trainable = fine_tune_from is not None
    for layer, flag in zip(base.layers, flags, strict=True):
        layer.trainable = flag
    _freeze_batch_normalization(base)


def _check_base_input(base, input_shape):
    expected = tuple(base.inputs[0].shape[1:]) if len(base.inputs) == 1 else None
    if expected is None:
        raise ValueError(
            f"The base model {base.name!r} must take one image input; it has "
            f"{len(base.inputs)} inputs."
        )
    compatible = len(expected) == len(input_shape) and all(
        e is None or e == s for e, s in zip(expected, input_shape, strict=True)
    )
    if not compatible:
        hint = ""
        if len(expected) == 3 and expected[-1] == 3 and input_shape[-1] == 1:
            hint = (
                " For grey images, repeat the channel first, e.g. "
                "np.repeat(X[..., None], 3, axis=-1)."
            )
        raise ValueError(
            f"The base model {base.name!r} takes images of shape {expected}, but "
            f"the data has images of shape {tuple(input_shape)}. Resize them to "
            "the base's size (resize=(height, width)) or build the base model "
            f"for this shape.{hint}"
        )


def transfer_network(
    input_shape,
    n_outputs,
    output_activation=None,
    *,
    base_model,
    fine_tune_from=None,
    global_pooling="average",
    dense_layer_sizes=(),
    activation="relu",
    dropout=0.0,
    batch_normalization=False,
    l1=0.0,
    l2=0.0,
    kernel_initializer="glorot_uniform",
    random_flip=None,
    random_rotation=0.0,
    random_zoom=0.0,
    random_translation=0.0,
    resize=None,
    dtype="float32",
    seed=None,
):
    """Put a new head on a (frozen) base network: transfer learning.

    The base's batch normalisation layers stay frozen, also when fine-tuning,
    so they run in inference mode with the statistics they came with.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one image, ``(height, width, channels)``; the base model must
        accept it.
    n_outputs : int
        Units of the output layer.
    output_activation : str or None, default=None
        Activation of the output layer; None gives logits.
    base_model : keras.Model
        The feature extractor, e.g. a ``keras.applications`` model built with
        ``include_top=False``. It is copied (layers and weights), never
        changed.
    fine_tune_from : str, int or None, default=None
        None freezes the whole base. A layer name or index (of
        ``base_model.layers``; negative counts from the end) makes that layer
        and all after it trainable, batch normalisation layers excepted.
    global_pooling : {"average", "max"} or None, default="average"
        How the base's feature maps become a vector (None flattens them).
    dense_layer_sizes : tuple of int, default=()
        Hidden dense layers of the new head.
    activation, dropout, batch_normalization, l1, l2, kernel_initializer
        Of the head's dense layers, as in :func:`cnn_network`.
    random_flip, random_rotation, random_zoom, random_translation
        Data augmentation before the base, active in training only.
    resize : tuple of 2 int or None, default=None
        Resize the images to ``(height, width)`` before the base (e.g. to
        the size a ``keras.applications`` model needs); see :func:`resized`.
    dtype : str, default="float32"
        Dtype of the new layers; the base keeps its own.
    seed : int or None, default=None
        Seed for the head's initializers, dropout and augmentation.

    Returns
    -------
    model : keras.Model

    Examples
    --------
    >>> import keras
    >>> from skdeep.architectures import transfer_network
    >>> base = keras.Sequential(
    ...     [keras.Input((32, 32, 3)), keras.layers.Conv2D(8, 3, name="conv")],
    ...     name="base",
    ... )
    >>> model = transfer_network((32, 32, 3), 5, base_model=base, seed=0)
    >>> model.output_shape
    (None, 5)
    >>> model.get_layer("base").trainable, base.trainable
    (False, True)
    """
    keras = get_keras()
    input_shape = tuple(input_shape)
    _check_base_input(base_model, resized_shape(input_shape, resize))
    base = copy_model(base_model)
    set_fine_tuning(base, fine_tune_from)
    inputs = keras.Input(shape=input_shape, dtype=dtype, name="input")
    x = augmentation(
        resized(inputs, resize, dtype=dtype),
        random_flip=random_flip,
        random_rotation=random_rotation,
        random_zoom=random_zoom,
        random_translation=random_translation,
        dtype=dtype,
        seed=_seed(seed, 500),
    )
    x = base(x)
    outputs = _head(
        x,
        n_outputs,
        output_activation,
        global_pooling=global_pooling,
        dense_layer_sizes=dense_layer_sizes,
        activation=activation,
        dropout=dropout,
        batch_normalization=batch_normalization,
        l1=l1,
        l2=l2,
        kernel_initializer=kernel_initializer,
        dtype=dtype,
        seed=seed,
    )
    return keras.Model(inputs, outputs, name="transfer_network")
