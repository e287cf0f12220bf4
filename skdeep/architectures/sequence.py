"""Sequence networks: recurrent and 1-D convolutional stacks over text, token ids
and numeric series.

One builder covers the three input kinds; they differ only in the first layers:

- ``"text"``: a string per sample; ``TextVectorization`` (with a fixed vocabulary)
  turns it into token ids inside the model, then ``Embedding``;
- ``"tokens"``: integer ids; ``IntegerLookup`` maps the known ids to embedding
  rows and every other id to the out-of-vocabulary row, then ``Embedding``;
- ``"series"``: floats of shape ``(steps, channels)``, fed to the stack as they are.

Id 0 (the padding of text and token ids) is masked: recurrent layers skip the
padded steps, convolutions see zeros there and pooling ignores them, so padding
a sequence further does not change its prediction.
"""

import numpy as np

from .._keras import get_keras, get_tf
from .dense import dense_block, output_layer, seeded

CELLS = ("lstm", "gru", "simple", "conv1d")
POOLINGS = ("last", "max", "mean")
INPUT_KINDS = ("text", "tokens", "series")
# The reserved rows of an embedding: 0 is padding (masked), 1 out-of-vocabulary.
N_RESERVED = 2


def _seed(seed, offset):
    return None if seed is None else int(seed) + offset


def text_vocabulary(texts, max_tokens=None, standardize="lower_and_strip_punctuation"):
    """Learn the vocabulary of ``texts``: tokens by decreasing frequency.

    Parameters
    ----------
    texts : array-like of str
        Training texts.
    max_tokens : int or None, default=None
        Largest vocabulary, counting the padding and out-of-vocabulary entries;
        None keeps every token.
    standardize : str or None, default="lower_and_strip_punctuation"
        Text standardisation of ``keras.layers.TextVectorization``.

    Returns
    -------
    vocabulary : list of str
        The tokens, without the padding and out-of-vocabulary entries.

    Examples
    --------
    >>> from skdeep.architectures import text_vocabulary
    >>> text_vocabulary(["The cat.", "the dog", "THE END"], max_tokens=4)
    ['the', 'end']
    """
    keras = get_keras()
    layer = keras.layers.TextVectorization(
        max_tokens=max_tokens, standardize=standardize, output_mode="int"
    )
    tf = get_tf()
    data = tf.data.Dataset.from_tensor_slices(
        tf.constant(np.asarray(texts, dtype=object))
    )
    layer.adapt(data.batch(512))
    return [str(t) for t in layer.get_vocabulary()[N_RESERVED:]]


def token_vocabulary(ids, max_tokens=None):
    """The ids of ``ids`` by decreasing frequency (ties: smaller id first).

    Parameters
    ----------
    ids : ndarray of int
        Training token ids; 0 (padding) is not counted.
    max_tokens : int or None, default=None
        Largest vocabulary, counting the padding and out-of-vocabulary entries;
        None keeps every id seen.

    Returns
    -------
    vocabulary : list of int

    Examples
    --------
    >>> from skdeep.architectures import token_vocabulary
    >>> token_vocabulary([[5, 3, 3, 0], [9, 3, 5, 0]])
    [3, 5, 9]
    """
    values, counts = np.unique(np.asarray(ids).ravel(), return_counts=True)
    keep = values != 0
    values, counts = values[keep], counts[keep]
    order = np.lexsort((values, -counts))
    if max_tokens is not None:
        order = order[: max(0, max_tokens - N_RESERVED)]
    return [int(v) for v in values[order]]


def _input_layers(
    input_kind, input_shape, vocabulary, maxlen, standardize, embedding_dim, dtype, seed
):
    """The model input and the tensor the sequence stack starts from."""
    from . import _sequence_layers

    keras = get_keras()
    layers = keras.layers
    if input_kind == "series":
        inputs = keras.Input(shape=tuple(input_shape), dtype=dtype, name="input")
        return inputs, inputs
    if vocabulary is None or len(vocabulary) == 0:
        raise ValueError(f"input_kind={input_kind!r} needs a non-empty vocabulary.")
    if input_kind == "text":
        inputs = keras.Input(shape=(), dtype="string", name="input")
        ids = layers.TextVectorization(
            standardize=standardize,
            output_mode="int",
            vocabulary=list(vocabulary),
            name="vectorizer",
        )(inputs)
        if maxlen is not None:
            ids = _sequence_layers.FirstSteps(maxlen, name="first_steps")(ids)
    elif input_kind == "tokens":
        inputs = keras.Input(shape=(None,), dtype="int64", name="input")
        ids = layers.IntegerLookup(
            vocabulary=np.asarray(vocabulary, dtype="int64"),
            mask_token=0,
            num_oov_indices=1,
            name="token_lookup",
        )(inputs)
    else:
        raise ValueError(
            f"input_kind must be one of {INPUT_KINDS}, got {input_kind!r}."
        )
    x = layers.Embedding(
        len(vocabulary) + N_RESERVED,
        embedding_dim,
        mask_zero=True,
        embeddings_initializer=seeded("uniform", seed),
        dtype=dtype,
        name="embedding",
    )(ids)
    return inputs, x


def _recurrent_layer(
    cell, units, *, return_sequences, recurrent_dropout, dtype, seed, backwards=False
):
    layers = get_keras().layers
    cls = {"lstm": layers.LSTM, "gru": layers.GRU, "simple": layers.SimpleRNN}[cell]
    return cls(
        units,
        return_sequences=return_sequences,
        recurrent_dropout=recurrent_dropout,
        kernel_initializer=seeded("glorot_uniform", seed),
        recurrent_initializer=seeded("orthogonal", _seed(seed, 1)),
        seed=_seed(seed, 2),
        go_backwards=backwards,
        dtype=dtype,
    )


def sequence_network(
    input_shape,
    n_outputs,
    output_activation=None,
    *,
    input_kind="series",
    vocabulary=None,
    cell="lstm",
    units=(64,),
    bidirectional=False,
    pooling="max",
    dropout=0.0,
    recurrent_dropout=0.0,
    embedding_dim=64,
    maxlen=None,
    standardize="lower_and_strip_punctuation",
    kernel_size=5,
    layer_normalization=False,
    standardize_series=False,
    activation="relu",
    dense_layer_sizes=(),
    dtype="float32",
    seed=None,
):
    """Build a recurrent or 1-D convolutional classifier network.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample: ``(steps, channels)`` for series; ignored for text
        (one string) and token ids (any number of steps).
    n_outputs : int
        Units of the output layer.
    output_activation : str or None, default=None
        Activation of the output layer; None gives logits.
    input_kind : {"text", "tokens", "series"}, default="series"
        What one sample is: a string, a sequence of integer ids (0 is padding),
        or a float array of ``input_shape``.
    vocabulary : list of str or int, default=None
        The known tokens (from :func:`text_vocabulary` or
        :func:`token_vocabulary`), required for text and token ids. Anything else
        maps to one out-of-vocabulary embedding row.
    cell : {"lstm", "gru", "simple", "conv1d"}, default="lstm"
        The sequence layers: ``LSTM``, ``GRU``, ``SimpleRNN`` or ``Conv1D``.
    units : tuple of int, default=(64,)
        Units (filters for ``"conv1d"``) of each stacked sequence layer.
    bidirectional : bool, default=False
        Wrap each recurrent layer in ``Bidirectional``; no effect on ``"conv1d"``.
    pooling : {"last", "max", "mean"}, default="max"
        How the last sequence layer's steps become one vector: the last
        (unpadded) step, or the maximum or mean over the unpadded steps.
    dropout : float, default=0.0
        Dropout rate after the embedding, each sequence layer and each dense
        layer.
    recurrent_dropout : float, default=0.0
        Dropout rate of the recurrent state (recurrent cells only).
    embedding_dim : int, default=64
        Size of the token embedding (text and token ids).
    maxlen : int or None, default=None
        Text only: the most tokens kept of each text (its first ones); each
        batch is padded to its longest text.
    standardize : str or None, default="lower_and_strip_punctuation"
        Text only: the standardisation of ``TextVectorization``.
    kernel_size : int, default=5
        Width of the ``"conv1d"`` kernels.
    layer_normalization : bool, default=False
        ``"conv1d"`` only: normalise each convolution's output over its filters
        (``LayerNormalization``, per sample and step) before the activation.
    standardize_series : bool, default=False
        Series only: standardise each series (per channel, over its steps)
        first, inside the network (``SeriesStandardization``).
    activation : str, default="relu"
        Activation of the convolutions and the dense layers.
    dense_layer_sizes : tuple of int, default=()
        Units of ``Dense`` layers between the pooling and the output.
    dtype : str, default="float32"
        Dtype of the weights and computations.
    seed : int or None, default=None
        Seed for initializers and dropout.

    Returns
    -------
    model : keras.Model

    Examples
    --------
    >>> from skdeep.architectures import sequence_network
    >>> model = sequence_network((20, 3), 4, cell="gru", units=(8,), seed=0)
    >>> model.output_shape
    (None, 4)
    >>> model = sequence_network(
    ...     None, 1, input_kind="text", vocabulary=["spam", "ham"], units=(8,)
    ... )
    >>> model.input_shape
    (None,)
    """
    from . import _sequence_layers

    keras = get_keras()
    layers = keras.layers
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}.")
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
    inputs, x = _input_layers(
        input_kind,
        input_shape,
        vocabulary,
        maxlen,
        standardize,
        embedding_dim,
        dtype,
        _seed(seed, 101),
    )
    if standardize_series and input_kind == "series":
        x = _sequence_layers.SeriesStandardization(dtype=dtype, name="standardize")(x)
    if dropout and input_kind != "series":
        x = layers.Dropout(dropout, seed=_seed(seed, 103), dtype=dtype)(x)
    units = tuple(units)
    pooled = False
    for i, n_units in enumerate(units):
        layer_seed = _seed(seed, 10 * i)
        if cell == "conv1d":
            x = _sequence_layers.MaskedConv1D(
                n_units,
                kernel_size,
                padding="same",
                activation=None if layer_normalization else activation,
                kernel_initializer=seeded("glorot_uniform", layer_seed),
                dtype=dtype,
                name=f"conv1d_{i}",
            )(x)
            if layer_normalization:
                x = layers.LayerNormalization(dtype=dtype, name=f"norm_{i}")(x)
                x = layers.Activation(activation, dtype=dtype)(x)
        else:
            # Keras's RNNs return the last unmasked step themselves.
            return_last = pooling == "last" and i == len(units) - 1
            layer = _recurrent_layer(
                cell,
                n_units,
                return_sequences=not return_last,
                recurrent_dropout=recurrent_dropout,
                dtype=dtype,
                seed=layer_seed,
            )
            if bidirectional:
                backward = _recurrent_layer(
                    cell,
                    n_units,
                    return_sequences=not return_last,
                    recurrent_dropout=recurrent_dropout,
                    dtype=dtype,
                    seed=_seed(layer_seed, 5),
                    backwards=True,
                )
                layer = layers.Bidirectional(
                    layer, backward_layer=backward, dtype=dtype, name=f"{cell}_{i}"
                )
            x = layer(x)
            pooled = return_last
        if dropout:
            x = layers.Dropout(dropout, seed=_seed(layer_seed, 7), dtype=dtype)(x)
    if not pooled:
        x = _sequence_layers.SequencePooling(pooling, dtype=dtype, name="pooling")(x)
    for i, n_units in enumerate(dense_layer_sizes):
        x = dense_block(
            x,
            n_units,
            activation=activation,
            dropout=dropout,
            dtype=dtype,
            seed=_seed(seed, 1000 + i),
            name=f"dense_{i}",
        )
    outputs = output_layer(
        x, n_outputs, output_activation, dtype=dtype, seed=_seed(seed, 997)
    )
    return keras.Model(inputs, outputs, name=f"{cell}_network")
