"""Bag-of-n-grams networks for text and token ids.

A text becomes one vector of TF-IDF weights over the n-grams of the training
vocabulary (word order is dropped, except inside an n-gram), scaled to unit
length as scikit-learn's ``TfidfVectorizer`` does, then goes through dense
layers with dropout. For short texts and modest corpora this beats sequence
models trained from scratch (Google's text-classification guide; Wang and
Manning 2012), and it trains in seconds. The vectorising layer is part of the
model, so the vocabulary is pickled and saved with it.
"""

import numpy as np

from .._keras import get_keras, get_tf
from .dense import _seed, dense_block, output_layer
from .sequence import N_RESERVED, token_vocabulary

STANDARDIZE = "lower_and_strip_punctuation"


def _idf(document_frequency, n_documents):
    """Keras's inverse document frequency, ``log(1 + n / (1 + df))``."""
    return np.log1p(n_documents / (1.0 + document_frequency)).astype(np.float32)


def _document_frequency(rows_of_ids, size):
    """How many rows hold each id of ``range(size)`` (rows padded with 0)."""
    ordered = np.sort(rows_of_ids, axis=1)
    first = np.ones(ordered.shape, dtype=bool)
    first[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    return np.bincount(ordered[first].ravel(), minlength=size)


def bag_vocabulary(texts, max_tokens=None, ngrams=2, standardize=STANDARDIZE):
    """Learn the n-gram vocabulary of ``texts`` and its inverse document
    frequencies.

    Parameters
    ----------
    texts : array-like of str
        Training texts.
    max_tokens : int or None, default=None
        Largest vocabulary, counting the padding and out-of-vocabulary entries
        of ``TextVectorization``; the most frequent n-grams are kept. None keeps
        all.
    ngrams : int, default=2
        Longest n-gram: 2 counts words and pairs of adjacent words.
    standardize : str or None, default="lower_and_strip_punctuation"
        Text standardisation of ``keras.layers.TextVectorization``.

    Returns
    -------
    vocabulary : list of str
        The n-grams by decreasing frequency.
    idf_weights : ndarray of shape (len(vocabulary),)
        Their inverse document frequencies, ``log(1 + n_texts / (1 + df))``
        with ``df`` the number of texts holding the n-gram.

    Examples
    --------
    >>> from skdeep.architectures.bag import bag_vocabulary
    >>> vocabulary, idf = bag_vocabulary(["the cat", "the dog"], ngrams=1)
    >>> vocabulary
    ['the', 'dog', 'cat']
    >>> idf.round(2)
    array([0.51, 0.69, 0.69], dtype=float32)
    """
    keras = get_keras()
    tf = get_tf()
    # Keras's "int" mode learns the vocabulary ten times faster than its
    # "tf_idf" mode; document frequencies are counted here from the ids.
    layer = keras.layers.TextVectorization(
        max_tokens=max_tokens,
        standardize=standardize,
        ngrams=ngrams,
        output_mode="int",
    )
    texts = tf.constant(np.asarray(texts, dtype=object))
    layer.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(512))
    size = layer.vocabulary_size()
    df = np.zeros(size, dtype=np.int64)
    for start in range(0, int(texts.shape[0]), 512):
        ids = np.asarray(layer(texts[start : start + 512]))
        df += _document_frequency(ids, size)
    # Ids 0 and 1 are the padding and out-of-vocabulary entries.
    vocabulary = [str(t) for t in layer.get_vocabulary()[2:]]
    return vocabulary, _idf(df[2:], int(texts.shape[0]))


def token_bag_vocabulary(ids, max_tokens=None):
    """The ids of ``ids`` (rows of token ids, 0 = padding) by decreasing
    frequency, and their inverse document frequencies, as
    :func:`bag_vocabulary` computes them for words.

    Examples
    --------
    >>> from skdeep.architectures.bag import token_bag_vocabulary
    >>> vocabulary, idf = token_bag_vocabulary([[5, 3, 3, 0], [9, 3, 0, 0]])
    >>> vocabulary
    [3, 5, 9]
    >>> idf.round(2)
    array([0.51, 0.69, 0.69], dtype=float32)
    """
    ids = np.asarray(ids)
    # The sequence vocabulary's ranking; a bag reserves one entry, not two.
    keep = None if max_tokens is None else max_tokens - 1 + N_RESERVED
    vocabulary = np.asarray(token_vocabulary(ids, keep), dtype=ids.dtype)
    # Each id's position in the vocabulary (from 1), 0 for padding and dropped
    # ids, found by binary search rather than a Python loop over every id.
    positions = np.zeros(ids.shape, dtype=np.int64)
    if len(vocabulary):
        sorter = np.argsort(vocabulary)
        found = np.searchsorted(vocabulary, ids, sorter=sorter)
        index = sorter[np.minimum(found, len(vocabulary) - 1)]
        positions = np.where(vocabulary[index] == ids, index + 1, 0)
    df = _document_frequency(positions, len(vocabulary) + 1)[1:]
    return vocabulary.tolist(), _idf(df, ids.shape[0])


def bag_network(
    n_outputs,
    output_activation=None,
    *,
    input_kind="text",
    vocabulary,
    idf_weights,
    ngrams=2,
    standardize=STANDARDIZE,
    units=(64, 64),
    dropout=0.5,
    activation="relu",
    dtype="float32",
    seed=None,
):
    """Build a bag-of-n-grams network: TF-IDF vector of unit length, dense
    layers with dropout, output.

    Parameters
    ----------
    n_outputs : int
        Units of the output layer.
    output_activation : str or None, default=None
        Activation of the output layer; None gives logits.
    input_kind : {"text", "tokens"}, default="text"
        One string per sample, or rows of integer token ids (0 is padding and
        never counted; n-grams of ids are not formed).
    vocabulary : list of str or int
        From :func:`bag_vocabulary` or :func:`token_bag_vocabulary`.
    idf_weights : array-like of float
        One inverse document frequency per vocabulary entry.
    ngrams : int, default=2
        Text only: the longest n-gram, as in :func:`bag_vocabulary`.
    standardize : str or None, default="lower_and_strip_punctuation"
        Text only: the standardisation of ``TextVectorization``.
    units : tuple of int, default=(64, 64)
        Units of each hidden ``Dense`` layer.
    dropout : float, default=0.5
        Dropout rate after each hidden layer.
    activation : str, default="relu"
        Activation of the hidden layers.
    dtype : str, default="float32"
        Dtype of the weights and computations.
    seed : int or None, default=None
        Seed for initializers and dropout.

    Returns
    -------
    model : keras.Model

    Examples
    --------
    >>> from skdeep.architectures.bag import bag_network
    >>> model = bag_network(1, "sigmoid", vocabulary=["good", "bad"],
    ...                     idf_weights=[1.0, 1.0], units=(8,), seed=0)
    >>> model.output_shape
    (None, 1)
    """
    from . import _sequence_layers

    keras = get_keras()
    layers = keras.layers
    if len(vocabulary) == 0:
        raise ValueError("A bag-of-n-grams network needs a non-empty vocabulary.")
    idf_weights = np.asarray(idf_weights, dtype=np.float32)
    if idf_weights.shape != (len(vocabulary),):
        raise ValueError(
            f"idf_weights has shape {idf_weights.shape}; give one weight per "
            f"vocabulary entry ({len(vocabulary)})."
        )
    # Counts come sparse: the next Dense layer multiplies only the terms a text
    # holds (see TfIdf). Only TensorFlow has sparse tensors; on JAX and PyTorch
    # the counts are dense rows, made on the host (skdeep._networks.HostPrefix).
    sparse = keras.config.backend() == "tensorflow"
    if input_kind == "text":
        inputs = keras.Input(shape=(), dtype="string", name="input")
        counts = layers.TextVectorization(
            standardize=standardize,
            ngrams=ngrams,
            output_mode="count",
            vocabulary=list(vocabulary),
            sparse=sparse,
            name="vectorizer",
        )(inputs)
    elif input_kind == "tokens":
        inputs = keras.Input(shape=(None,), dtype="int64", name="input")
        counts = layers.IntegerLookup(
            vocabulary=np.asarray(vocabulary, dtype="int64"),
            mask_token=0,
            num_oov_indices=1,
            output_mode="count",
            sparse=sparse,
            name="token_lookup",
        )(inputs)
    else:
        raise ValueError(
            f"A bag-of-n-grams network reads text or tokens, not {input_kind!r}."
        )
    tf_idf = _sequence_layers.TfIdf(len(vocabulary) + 1, dtype=dtype, name="tf_idf")
    x = tf_idf(counts)
    for i, n_units in enumerate(units):
        x = dense_block(
            x,
            n_units,
            activation=activation,
            dropout=dropout,
            dtype=dtype,
            seed=_seed(seed, i),
            name=f"hidden_{i}",
        )
    outputs = output_layer(
        x, n_outputs, output_activation, dtype=dtype, seed=_seed(seed, 997)
    )
    # The out-of-vocabulary column weighs as an average term.
    tf_idf.set_weights([np.r_[idf_weights.mean(), idf_weights].astype(np.float32)])
    return keras.Model(inputs, outputs, name="bag_network")
