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
from .dense import dense_block, output_layer

STANDARDIZE = "lower_and_strip_punctuation"


def _seed(seed, offset):
    return None if seed is None else int(seed) + offset


def bag_vocabulary(texts, max_tokens=None, ngrams=2, standardize=STANDARDIZE):
    """Learn the n-gram vocabulary of ``texts`` and its inverse document
    frequencies.

    Parameters
    ----------
    texts : array-like of str
        Training texts.
    max_tokens : int or None, default=None
        Largest vocabulary, counting the out-of-vocabulary entry; the most
        frequent n-grams are kept. None keeps all.
    ngrams : int, default=2
        Longest n-gram: 2 counts words and pairs of adjacent words.
    standardize : str or None, default="lower_and_strip_punctuation"
        Text standardisation of ``keras.layers.TextVectorization``.

    Returns
    -------
    vocabulary : list of str
        The n-grams by decreasing frequency, without the out-of-vocabulary entry.
    idf_weights : ndarray of shape (len(vocabulary),)
        Their inverse document frequencies, ``log(1 + n_texts / (1 + df))``.

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
    layer = keras.layers.TextVectorization(
        max_tokens=max_tokens,
        standardize=standardize,
        ngrams=ngrams,
        output_mode="tf_idf",
    )
    data = tf.data.Dataset.from_tensor_slices(
        tf.constant(np.asarray(texts, dtype=object))
    )
    layer.adapt(data.batch(512))
    store = {}
    layer.save_own_variables(store)
    vocabulary = [str(t) for t in layer.get_vocabulary()[1:]]
    # The first weight is the out-of-vocabulary entry's, which Keras derives.
    idf = np.asarray(store["idf_weights"], dtype=np.float32)[1:]
    return vocabulary, idf


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
    n_rows = ids.shape[0]
    values, counts = np.unique(ids.ravel(), return_counts=True)
    keep = values != 0
    values, counts = values[keep], counts[keep]
    order = np.lexsort((values, -counts))
    if max_tokens is not None:
        order = order[: max(0, max_tokens - 1)]
    vocabulary = values[order]
    df = np.array([np.any(ids == v, axis=1).sum() for v in vocabulary])
    idf = np.log1p(n_rows / (1.0 + df)).astype(np.float32)
    return [int(v) for v in vocabulary], idf


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
    """Build a bag-of-n-grams network: TF-IDF vector, dense layers, output.

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
        Dropout rate on the TF-IDF vector and after each hidden layer.
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
    keras = get_keras()
    layers = keras.layers
    if len(vocabulary) == 0:
        raise ValueError("A bag-of-n-grams network needs a non-empty vocabulary.")
    idf_weights = np.asarray(idf_weights, dtype=np.float32)
    if input_kind == "text":
        inputs = keras.Input(shape=(), dtype="string", name="input")
        x = layers.TextVectorization(
            standardize=standardize,
            ngrams=ngrams,
            output_mode="tf_idf",
            vocabulary=list(vocabulary),
            idf_weights=idf_weights,
            name="vectorizer",
        )(inputs)
    elif input_kind == "tokens":
        inputs = keras.Input(shape=(None,), dtype="int64", name="input")
        x = layers.IntegerLookup(
            vocabulary=np.asarray(vocabulary, dtype="int64"),
            mask_token=0,
            num_oov_indices=1,
            output_mode="tf_idf",
            idf_weights=idf_weights,
            name="token_lookup",
        )(inputs)
    else:
        raise ValueError(
            f"A bag-of-n-grams network reads text or tokens, not {input_kind!r}."
        )
    x = layers.UnitNormalization(dtype=dtype, name="unit_length")(x)
    if dropout:
        x = layers.Dropout(dropout, seed=_seed(seed, 103), dtype=dtype)(x)
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
    return keras.Model(inputs, outputs, name="bag_network")
