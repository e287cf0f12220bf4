"""Recurrent and 1-D convolutional networks for text, token ids and series."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, check_consistent_length, validate_data

from . import _sequence_input as seqin
from ._docstring import TRAINING_PARAMETERS, fill_doc
from ._validation import SEQUENCE_CONSTRAINTS
from .architectures import sequence_network, text_vocabulary, token_vocabulary
from .base import KerasClassifierBase

# early_stopping="auto" holds out validation rows from this many training rows
# on (10% of them: 100 rows or more to judge by).
AUTO_EARLY_STOPPING_MIN_ROWS = 1000


def _training_parameters():
    text = TRAINING_PARAMETERS.replace("{epochs}", "100")
    for old, new in [
        (
            'batch_size : int or "auto", default="auto"',
            'batch_size : int or "auto", default=32',
        ),
        (
            """early_stopping : bool, default=False
        Hold out""",
            """early_stopping : bool or "auto", default="auto"
        ``"auto"`` is True from 1000 training rows on, False below. True: hold
        out""",
        ),
        (
            """``"auto"`` follows the input: float32 input gives a
        float32 network, anything else float64 (as ``MLPClassifier`` computes).""",
            """``"auto"``: float32 for text and token ids; a series
        network follows the input (float32 input gives float32, anything else
        float64, as ``MLPClassifier`` computes).""",
        ),
    ]:
        if old not in text:
            raise RuntimeError(f"shared parameter text changed: {old!r}")
        text = text.replace(old, new)
    return text


@fill_doc(training_parameters=_training_parameters(), auto_rule=seqin.AUTO_RULE)
class SequenceClassifier(KerasClassifierBase):
    """Recurrent or 1-D convolutional network classifier for sequences.

    One estimator for three kinds of sequence data, without Keras code:

    - **raw text**: a list, 1-D array or pandas Series of ``str`` (or one text
      column). The vocabulary is learnt in ``fit`` by a
      ``keras.layers.TextVectorization`` inside the network (lower-cased,
      punctuation stripped, split on whitespace), so it is pickled and saved
      with it; words never seen in ``fit`` map to an out-of-vocabulary index.
    - **token ids**: a 2-D integer array ``(n_samples, steps)``, or ragged lists
      of ints of different lengths, padded internally. Id 0 is padding; the
      ``max_tokens`` most frequent ids of ``fit`` get their own embedding, any
      other id (including ids larger than any seen) the out-of-vocabulary one.
    - **numeric series**: floats of shape ``(n_samples, steps, channels)``, or
      flattened ``(n_samples, steps * channels)`` with
      ``sequence_shape=(steps, channels)`` (so a ``StandardScaler`` can come
      first in a pipeline); 2-D float input without ``sequence_shape`` is a
      univariate series.

    Text and token ids are embedded (``embedding_dim``) and padding is masked:
    recurrent layers skip padded steps, convolutions see zeros there and the
    pooling ignores them, so padding never changes a prediction.

    Parameters
    ----------
    cell : {{"conv1d", "lstm", "gru", "simple"}}, default="conv1d"
        The sequence layers: ``Conv1D`` (``padding="same"``), ``LSTM``, ``GRU``
        or ``SimpleRNN``. Convolutions are the default: on a CPU they train
        several times faster than recurrent layers, and they are as accurate on
        the text and series benchmarks (``benchmarks/bench_sequence.py``).
    units : tuple of int, default=(64, 64)
        Units (filters for ``"conv1d"``) of each stacked sequence layer.
    bidirectional : bool, default=False
        Read the sequence in both directions (``keras.layers.Bidirectional``),
        doubling the units; no effect with ``cell="conv1d"``.
    pooling : {{"max", "mean", "last"}}, default="max"
        How the steps of the last sequence layer become one vector: their
        maximum or mean over the unpadded steps, or the last unpadded step
        (the final state of a recurrent layer).
    dropout : float, default=0.0
        Dropout rate after the embedding, each sequence layer and each dense
        layer, in [0, 1).
    recurrent_dropout : float, default=0.0
        Dropout rate on the recurrent state (recurrent cells only), in [0, 1).
    embedding_dim : int, default=64
        Size of the token embedding (text and token ids).
    max_tokens : int or None, default=20000
        Largest vocabulary for text and token ids, counting the padding and
        out-of-vocabulary entries: the most frequent tokens of ``fit`` are kept.
        None keeps all.
    maxlen : int or None, default=300
        Text and token ids: each sequence keeps its first ``maxlen`` tokens;
        shorter ones are padded (masked). None keeps whole texts, and token
        sequences up to the longest seen in ``fit``. Not used for numeric series.
    kernel_size : int, default=5
        Width of the ``"conv1d"`` kernels.
    layer_normalization : bool, default=True
        ``"conv1d"`` only: normalise each convolution's output over its filters
        (``keras.layers.LayerNormalization``, per sample and step) before the
        activation. It speeds up training markedly and, unlike batch
        normalisation, makes no sample depend on the others in its batch.
    activation : str, default="relu"
        Activation of the convolutions and of the dense layers.
    dense_layer_sizes : tuple of int, default=()
        Units of ``Dense`` layers between the pooling and the output layer.
    input_kind : {{"auto", "text", "tokens", "series"}}, default="auto"
        What ``X`` holds. ``"auto"``: {auto_rule}. It is decided in ``fit`` and
        kept in ``input_kind_``.
    sequence_shape : tuple of (int, int) or None, default=None
        ``(steps, channels)`` of one numeric series passed flattened as
        ``(n_samples, steps * channels)``.
    {training_parameters}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into the sample weights: a dict of
        label to weight, or ``"balanced"`` for weights inversely proportional to
        class frequencies.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit (label indices for multilabel targets).
    input_kind_ : {{"text", "tokens", "series"}}
        The kind of input the network was fitted on.
    sequence_length_ : int or None
        Series: steps per series. Text and token ids: the most tokens kept per
        sequence (None: whole texts).
    sequence_shape_ : tuple of (int, int)
        Series only: ``(steps, channels)`` of one series.
    model_ : keras.Model
        The trained network; for text its first layer is the
        ``TextVectorization`` named ``"vectorizer"``, for token ids the
        ``IntegerLookup`` named ``"token_lookup"``.
    history_ : dict of list of float
        Per-epoch ``loss`` (and ``val_loss`` and metrics) of all fits so far.
    loss_curve_ : list of float
        The training loss of each epoch, as in ``MLPClassifier``.
    n_iter_ : int
        Epochs run.
    n_outputs_ : int
        Units of the output layer.
    n_features_in_ : int
        Series only: values per sample (``steps * channels``).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Series only: column names, when ``X`` was a DataFrame with string column
        names.

    See Also
    --------
    DenseClassifier : A multi-layer perceptron for tables (e.g. after
        ``TfidfVectorizer``).

    Examples
    --------
    >>> from skdeep import SequenceClassifier
    >>> texts = ["win cash now", "cheap pills online", "free money offer",
    ...          "lunch at noon?", "see you at the meeting", "notes from today"]
    >>> labels = ["spam", "spam", "spam", "ham", "ham", "ham"]
    >>> clf = SequenceClassifier(units=(8,), epochs=30, learning_rate=0.01,
    ...                          random_state=0).fit(texts, labels)
    >>> clf.input_kind_
    'text'
    >>> clf.predict(["free cash offer", "meeting notes"])
    array(['spam', 'ham'], dtype='<U4')

    Token ids of different lengths, and a numeric series:

    >>> import numpy as np
    >>> ids = [[1, 2, 3], [4, 5], [1, 2], [4, 5, 6, 7]]
    >>> clf = SequenceClassifier(cell="gru", units=(4,), epochs=5, random_state=0)
    >>> clf.fit(ids, [0, 1, 0, 1]).input_kind_
    'tokens'
    >>> X = np.random.RandomState(0).normal(size=(20, 50))
    >>> clf = SequenceClassifier(units=(4,), epochs=5, random_state=0)
    >>> clf.fit(X, X[:, :10].sum(axis=1) > 0).sequence_shape_
    (50, 1)
    """

    # Series networks are reused across fits; text and token networks hold
    # their vocabularies in lookup tables and never are (see _networks.py).
    _reuse_networks = True
    _parameter_constraints = {
        **KerasClassifierBase._parameter_constraints,
        **SEQUENCE_CONSTRAINTS,
    }
    # Registers the custom layers; imported before a pickled or saved model loads.
    _keras_modules = ("skdeep.architectures._sequence_layers",)

    def __init__(
        self,
        cell="conv1d",
        units=(64, 64),
        *,
        bidirectional=False,
        pooling="max",
        dropout=0.0,
        recurrent_dropout=0.0,
        embedding_dim=64,
        max_tokens=20000,
        maxlen=300,
        kernel_size=5,
        layer_normalization=True,
        activation="relu",
        dense_layer_sizes=(),
        input_kind="auto",
        sequence_shape=None,
        optimizer="adam",
        learning_rate=1e-3,
        loss="auto",
        metrics=None,
        epochs=100,
        batch_size=32,
        early_stopping="auto",
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
        self.cell = cell
        self.units = units
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.embedding_dim = embedding_dim
        self.max_tokens = max_tokens
        self.maxlen = maxlen
        self.kernel_size = kernel_size
        self.layer_normalization = layer_normalization
        self.activation = activation
        self.dense_layer_sizes = dense_layer_sizes
        self.input_kind = input_kind
        self.sequence_shape = sequence_shape
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

    # -- input ---------------------------------------------------------------

    def _check_X_y(self, X, y, reset):
        if reset:
            kind = self.input_kind
            if kind == "auto":
                kind = seqin.infer_input_kind(X)
            if kind == "series":
                return self._check_series(X, y, reset=True, kind=kind)
            for name in ("n_features_in_", "feature_names_in_", "sequence_shape_"):
                self.__dict__.pop(name, None)
            X = self._check_symbols(X, kind, fitting=True)
            self.input_kind_ = kind
            if kind == "tokens":
                self.sequence_length_ = (
                    X.shape[1] if self.maxlen is None else int(self.maxlen)
                )
            else:
                self.sequence_length_ = self.maxlen
        elif self.input_kind_ == "series":
            return self._check_series(X, y, reset=False)
        else:
            X = self._check_symbols(X, self.input_kind_, fitting=False)
        y = check_array(
            y, ensure_2d=False, dtype=None, input_name="y", ensure_min_samples=1
        )
        check_consistent_length(X, y)
        return X, y

    def _check_X(self, X):
        if self.input_kind_ == "series":
            return self._check_series(X, None, reset=False)
        return self._check_symbols(X, self.input_kind_, fitting=False)

    def _check_symbols(self, X, kind, fitting):
        owner = type(self).__name__
        if kind == "text":
            return seqin.check_texts(X, owner)
        max_steps = self.maxlen if fitting else self.sequence_length_
        return seqin.check_tokens(X, max_steps, owner)

    def _check_series(self, X, y, reset, kind="series"):
        owner = type(self).__name__
        if not (hasattr(X, "iloc") or sp.issparse(X)):
            X = np.asarray(X)
        shape = seqin.series_shape(X, self.sequence_shape if reset else None, owner)
        if not reset:
            expected = self.sequence_shape_
            if X.ndim == 3 and shape != expected:
                raise ValueError(
                    f"X has sequences of shape {shape} (steps, channels), but "
                    f"{owner} was fitted on sequences of shape {expected}."
                )
            shape = expected
        if X.ndim == 3:
            # Explicit width: -1 cannot be inferred for an empty array, which
            # must reach validate_data to get its "0 sample(s)" message.
            X = X.reshape(X.shape[0], X.shape[1] * X.shape[2])
        kwargs = {"dtype": (np.float64, np.float32)}
        if y is None:
            X = validate_data(self, X, reset=reset, **kwargs)
        else:
            X, y = validate_data(self, X, y, reset=reset, multi_output=True, **kwargs)
        if shape is None:
            shape = (X.shape[1], 1)
        X = seqin.unflatten(X, shape, owner)
        if reset:
            self.input_kind_ = kind
            self.sequence_shape_ = shape
            self.sequence_length_ = shape[0]
        return X if y is None else (X, y)

    # -- network -------------------------------------------------------------

    def _holds_out_validation(self, n_samples):
        if self.early_stopping == "auto":
            return n_samples is not None and n_samples >= AUTO_EARLY_STOPPING_MIN_ROWS
        return super()._holds_out_validation(n_samples)

    def _resolve_dtype(self, X):
        if self.dtype == "auto" and self.input_kind_ != "series":
            return "float32"
        return super()._resolve_dtype(X)

    def _build_network(self, input_shape, n_outputs, output_activation, dtype, seed, X):
        kind = self.input_kind_
        vocabulary = None
        if kind == "text":
            vocabulary = text_vocabulary(X, self.max_tokens)
            if not vocabulary:
                raise ValueError(
                    "The training texts hold no words (after lower-casing and "
                    "stripping punctuation), so there is no vocabulary to learn."
                )
        elif kind == "tokens":
            vocabulary = token_vocabulary(X, self.max_tokens)
            if not vocabulary:
                raise ValueError(
                    "The training token ids are all 0, which is padding: there is "
                    "no token to learn. Real token ids start at 1."
                )
        return sequence_network(
            input_shape,
            n_outputs,
            output_activation,
            input_kind=kind,
            vocabulary=vocabulary,
            cell=self.cell,
            units=tuple(self.units),
            bidirectional=self.bidirectional,
            pooling=self.pooling,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            embedding_dim=self.embedding_dim,
            maxlen=self.maxlen if kind == "text" else None,
            kernel_size=self.kernel_size,
            layer_normalization=self.layer_normalization,
            activation=self.activation,
            dense_layer_sizes=tuple(self.dense_layer_sizes),
            dtype=dtype,
            seed=seed,
        )

    def get_vocabulary(self):
        """The vocabulary learnt in fit, in embedding order.

        Returns
        -------
        vocabulary : list
            For text, ``""`` (padding), ``"[UNK]"`` (out of vocabulary), then the
            words by decreasing frequency; for token ids, ``0`` (padding),
            ``-1`` (out of vocabulary), then the ids by decreasing frequency.

        Raises
        ------
        AttributeError
            For numeric series, which have no vocabulary.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        if self.input_kind_ == "text":
            layer = self.model_.get_layer("vectorizer")
            return [str(t) for t in layer.get_vocabulary()]
        if self.input_kind_ == "tokens":
            return [
                int(t) for t in self.model_.get_layer("token_lookup").get_vocabulary()
            ]
        raise AttributeError("A series network has no vocabulary.")
