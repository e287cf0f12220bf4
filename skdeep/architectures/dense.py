"""Dense (fully connected) networks, and the blocks other builders share."""

from .._keras import get_keras


def seeded(initializer, seed):
    """Return the Keras initializer ``initializer``, seeded if it takes a seed."""
    keras = get_keras()
    init = keras.initializers.get(initializer)
    config = init.get_config()
    if seed is not None and "seed" in config:
        init = type(init).from_config({**config, "seed": seed})
    return init


def _regularizer(l1, l2):
    if not (l1 or l2):
        return None
    return get_keras().regularizers.L1L2(l1=l1, l2=l2)


def _seed(seed, offset):
    return None if seed is None else int(seed) + offset


def dense_block(
    x,
    units,
    *,
    activation="relu",
    dropout=0.0,
    batch_normalization=False,
    l1=0.0,
    l2=0.0,
    kernel_initializer="glorot_uniform",
    dtype=None,
    seed=None,
    name=None,
):
    """Apply ``Dense -> [BatchNormalization] -> activation -> [Dropout]`` to ``x``.

    With batch normalisation, the dense layer has no bias (the normalisation's
    offset replaces it) and the activation follows the normalisation.
    """
    layers = get_keras().layers
    x = layers.Dense(
        units,
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
    if dropout:
        x = layers.Dropout(dropout, seed=_seed(seed, 7919), dtype=dtype)(x)
    return x


def output_layer(x, n_outputs, output_activation, *, dtype=None, seed=None):
    """The final ``Dense`` layer: ``n_outputs`` units, linear unless told otherwise."""
    keras = get_keras()
    return keras.layers.Dense(
        n_outputs,
        activation=output_activation,
        kernel_initializer=seeded("glorot_uniform", seed),
        dtype=dtype,
        name="output",
    )(x)


def dense_network(
    input_shape,
    n_outputs,
    output_activation=None,
    *,
    hidden_layer_sizes=(100,),
    activation="relu",
    dropout=0.0,
    batch_normalization=False,
    l1=0.0,
    l2=0.0,
    kernel_initializer="glorot_uniform",
    dtype="float32",
    seed=None,
):
    """Build a multi-layer perceptron.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample, without the batch axis, e.g. ``(n_features,)``.
        Inputs of more than one axis are flattened first.
    n_outputs : int
        Units of the output layer.
    output_activation : str or None, default=None
        Activation of the output layer; None gives logits.
    hidden_layer_sizes : tuple of int, default=(100,)
        Units of each hidden layer; empty for a linear (or logistic) model.
    activation : str, default="relu"
        Activation of the hidden layers.
    dropout : float, default=0.0
        Dropout rate after each hidden layer.
    batch_normalization : bool, default=False
        Batch normalisation before each hidden activation.
    l1, l2 : float, default=0.0
        L1 and L2 penalties on the hidden kernels.
    kernel_initializer : str, default="glorot_uniform"
        Initializer of the hidden kernels.
    dtype : str, default="float32"
        Dtype of the weights and computations.
    seed : int or None, default=None
        Seed for initializers and dropout.

    Returns
    -------
    model : keras.Model

    Examples
    --------
    >>> from skdeep.architectures import dense_network
    >>> model = dense_network((4,), 3, hidden_layer_sizes=(8,), seed=0)
    >>> model.output_shape
    (None, 3)
    """
    keras = get_keras()
    inputs = keras.Input(shape=tuple(input_shape), dtype=dtype, name="input")
    x = inputs
    if len(input_shape) > 1:
        x = keras.layers.Flatten(dtype=dtype)(x)
    for i, units in enumerate(hidden_layer_sizes):
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
            seed=_seed(seed, i),
            name=f"hidden_{i}",
        )
    outputs = output_layer(
        x, n_outputs, output_activation, dtype=dtype, seed=_seed(seed, 997)
    )
    return keras.Model(inputs, outputs, name="dense_network")
