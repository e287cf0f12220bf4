"""The fully convolutional network for time-series classification.

Wang, Yan and Oates (2017), "Time series classification from scratch with deep
neural networks: a strong baseline", as reviewed by Fawaz et al. (2019), "Deep
learning for time series classification: a review": blocks of ``Conv1D`` (same
padding), batch normalisation and ReLU, then global average pooling over the
steps and the output layer. It takes series of any length and has no dense
layers, so it has few weights for what it sees.
"""

from .._keras import get_keras
from .dense import _seed, output_layer, seeded


def fcn_network(
    input_shape,
    n_outputs,
    output_activation=None,
    *,
    filters=(64, 128, 64),
    kernel_sizes=(8, 5, 3),
    standardize=True,
    activation="relu",
    dtype="float32",
    seed=None,
):
    """Build a fully convolutional network (FCN) over numeric series.

    Parameters
    ----------
    input_shape : tuple of int
        ``(steps, channels)`` of one series; ``steps`` may be None.
    n_outputs : int
        Units of the output layer.
    output_activation : str or None, default=None
        Activation of the output layer; None gives logits.
    filters : tuple of int, default=(64, 128, 64)
        Filters of each convolution block. The published network has
        ``(128, 256, 128)``; half of it is as accurate on the UCR sets measured
        in ``benchmarks/bench_quality.py`` and trains four times faster on a CPU.
    kernel_sizes : int or tuple of int, default=(8, 5, 3)
        Kernel width of each block (one int: all blocks).
    standardize : bool, default=True
        Standardise each series (per channel, over its steps) first, inside the
        network: see ``SeriesStandardization``.
    activation : str, default="relu"
        Activation after each batch normalisation.
    dtype : str, default="float32"
        Dtype of the weights and computations.
    seed : int or None, default=None
        Seed of the initializers.

    Returns
    -------
    model : keras.Model

    Examples
    --------
    >>> from skdeep.architectures import fcn_network
    >>> model = fcn_network((100, 2), 3, filters=(8, 16, 8), seed=0)
    >>> model.output_shape
    (None, 3)
    """
    from . import _sequence_layers

    keras = get_keras()
    layers = keras.layers
    filters = tuple(filters)
    if isinstance(kernel_sizes, int):
        kernel_sizes = (kernel_sizes,) * len(filters)
    kernel_sizes = tuple(kernel_sizes)
    if len(kernel_sizes) != len(filters):
        raise ValueError(
            f"kernel_sizes has {len(kernel_sizes)} values for {len(filters)} "
            "convolution blocks; give one per block, or one int for all."
        )
    inputs = keras.Input(shape=tuple(input_shape), dtype=dtype, name="input")
    x = inputs
    if standardize:
        x = _sequence_layers.SeriesStandardization(dtype=dtype, name="standardize")(x)
    for i, (n_filters, width) in enumerate(zip(filters, kernel_sizes, strict=True)):
        x = layers.Conv1D(
            n_filters,
            width,
            padding="same",
            # No bias: the batch normalisation after it has one (beta). Its
            # gradient would be zero up to rounding, which Adam scales up to
            # full-size steps of noise.
            use_bias=False,
            kernel_initializer=seeded("glorot_uniform", _seed(seed, 10 * i)),
            dtype=dtype,
            name=f"conv1d_{i}",
        )(x)
        # Momentum 0.9, not Keras's 0.99: with a few batches an epoch, the
        # running statistics must keep up with weights that still change
        # (OSULeaf: 0.959 against 0.930).
        x = _sequence_layers.WeightedBatchNormalization(
            momentum=0.9, dtype=dtype, name=f"batch_norm_{i}"
        )(x)
        x = layers.Activation(activation, dtype=dtype)(x)
    x = layers.GlobalAveragePooling1D(dtype=dtype, name="pooling")(x)
    outputs = output_layer(
        x, n_outputs, output_activation, dtype=dtype, seed=_seed(seed, 997)
    )
    return keras.Model(inputs, outputs, name="fcn_network")
