"""Recurrent and 1-D convolutional networks for text, token ids and series."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, check_consistent_length, validate_data

from . import _sequence_auto as auto
from . import _sequence_input as seqin
from ._docstring import TRAINING_PARAMETERS, fill_doc
from ._keras import get_keras
from ._validation import SEQUENCE_CONSTRAINTS
from .architectures import sequence_network, text_vocabulary, token_vocabulary
from .architectures.bag import bag_network, bag_vocabulary, token_bag_vocabulary
from .architectures.fcn import fcn_network
from .base import KerasClassifierBase

# early_stopping="auto" holds out validation rows from this many training rows
# on (10% of them: 100 rows or more to judge by).
AUTO_EARLY_STOPPING_MIN_ROWS = 1000


def _training_parameters():
    text = TRAINING_PARAMETERS
    for old, new in [
        (
            """epochs : int, default={epochs}
        Most passes over the training data.""",
            """epochs : int or "auto", default="auto"
        Most passes over the training data. ``"auto"``: 100, except for the
        series ``"fcn"``, which trains on about 35 million series steps
        (samples x steps x epochs), within 50 to 1500 epochs: about 400
        epochs for 200 series of 427 steps.""",
        ),
        (
            """batch_size : int or "auto", default="auto"
        Rows per gradient step; ``"auto"`` is ``min(200, n_samples)``.""",
            """batch_size : int or "auto", default="auto"
        Rows per gradient step; ``"auto"`` is 32 (all rows when fewer).""",
        ),
        (
            """early_stopping : bool, default=False
        Hold out""",
            """early_stopping : bool or "auto", default="auto"
        ``"auto"`` is True from 1000 training rows on, False below. True: hold
        out""",
        ),
        (
            """patience : int, default=10
        Epochs without improvement before training stops.""",
            """patience : int or "auto", default="auto"
        Epochs without improvement before training stops. ``"auto"``: 5
        for ``"bag"`` (it overfits within a few epochs of its best one); 100
        for the series ``"fcn"``, whose loss is noisy (batch normalisation)
        and whose learning rate is halved after ``patience // 2`` epochs
        without improvement (down to 1e-4), the published recipe; 10 for the
        others.""",
        ),
        (
            """``"auto"`` follows the input: float32 input gives a
        float32 network, anything else float64 (as ``MLPClassifier`` computes).""",
            """``"auto"``: float32 for text, token ids and the series
        ``"fcn"`` (its convolutions over hundreds of steps train 1.5 to 2
        times faster); other series networks follow the input (float32 input
        gives float32, anything else float64, as ``MLPClassifier`` computes).
        Pass ``dtype="float64"`` where weighted fits must equal fits on
        repeated rows beyond float32 precision.""",
        ),
    ]:
        if old not in text:
            raise RuntimeError(f"shared parameter text changed: {old!r}")
        text = text.replace(old, new)
    return text


@fill_doc(
    training_parameters=_training_parameters(),
    auto_rule=seqin.AUTO_RULE,
    auto_cell_rule=auto.AUTO_CELL_RULE,
)
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
    cell : {{"auto", "bag", "fcn", "conv1d", "lstm", "gru", "simple"}}, \
default="auto"
        The network. ``"bag"``: a bag of n-grams (text) or of ids (token ids):
        TF-IDF weights scaled to unit length, then ``Dense`` layers with
        dropout. ``"fcn"``: the fully convolutional network of the time-series
        literature (``Conv1D``, batch normalisation and ReLU blocks, global
        average pooling; Wang et al. 2017, Fawaz et al. 2019), for series.
        ``"conv1d"``, ``"lstm"``, ``"gru"``, ``"simple"``: stacked ``Conv1D``
        (``padding="same"``), ``LSTM``, ``GRU`` or ``SimpleRNN`` layers over the
        embedded tokens or the series. ``"auto"``: {auto_cell_rule}. What was
        built is in ``cell_``; see the user guide's "Choosing a model".
    units : tuple of int or "auto", default="auto"
        Units of each stacked layer: ``Dense`` units for ``"bag"``, filters for
        ``"fcn"`` and ``"conv1d"``, recurrent units otherwise. ``"auto"``:
        ``(64, 128, 64)`` for ``"fcn"``, ``(64, 64)`` for the others.
    bidirectional : bool, default=False
        Read the sequence in both directions (``keras.layers.Bidirectional``),
        doubling the units; recurrent cells only.
    pooling : {{"max", "mean", "last"}}, default="max"
        ``"conv1d"`` and recurrent cells: how the steps of the last sequence
        layer become one vector: their maximum or mean over the unpadded
        steps, or the last unpadded step (the final state of a recurrent
        layer). ``"fcn"`` always averages.
    dropout : float or "auto", default="auto"
        Dropout rate after the embedding, each sequence layer and each dense
        layer (for ``"bag"``, after each dense layer), in [0, 1).
        ``"auto"``: 0.5 for ``"bag"``, 0 for the others.
    recurrent_dropout : float, default=0.0
        Dropout rate on the recurrent state (recurrent cells only), in [0, 1).
    embedding_dim : int, default=64
        Size of the token embedding (text and token ids, except ``"bag"``).
    max_tokens : int or None, default=20000
        Largest vocabulary for text and token ids, counting the reserved
        entries (padding, out-of-vocabulary): the most frequent tokens (for
        ``"bag"``, n-grams) of ``fit`` are kept. None keeps all.
    maxlen : int or None, default=300
        Token ids: each sequence keeps its first ``maxlen`` ids. Text with a
        sequence cell: each text keeps its first ``maxlen`` words (a ``"bag"``
        counts whole texts). Shorter ones are padded (masked). None keeps whole
        texts, and token sequences up to the longest seen in ``fit``. Not used
        for numeric series.
    ngrams : int, default=2
        ``"bag"`` of text: the longest n-gram counted (2: words and pairs of
        adjacent words).
    kernel_size : int or "auto", default="auto"
        Width of the convolution kernels of ``"conv1d"`` and ``"fcn"``.
        ``"auto"``: 5 for ``"conv1d"``; ``(8, 5, 3)`` for the three blocks of
        ``"fcn"`` (3 for any further block), as published.
    layer_normalization : bool, default=True
        ``"conv1d"`` only: normalise each convolution's output over its filters
        (``keras.layers.LayerNormalization``, per sample and step) before the
        activation. It speeds up training markedly and, unlike batch
        normalisation, makes no sample depend on the others in its batch.
    standardize : bool, default=True
        Numeric series: standardise each series on its own (per channel, to
        mean 0 and standard deviation 1 over its steps) as the network's first
        layer, in training and prediction alike, as the time-series
        classification literature does. Only the shape of a series then
        counts, not its offset or scale; set False when the level itself tells
        the classes apart.
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
    cell_ : {{"bag", "fcn", "conv1d", "lstm", "gru", "simple"}}
        The network built: ``cell``, or what ``cell="auto"`` chose.
    resolved_params_ : dict
        The settings of the last full fit, each parameter's value or what its
        ``"auto"`` rule gave: ``cell``, ``units``, ``kernel_size``,
        ``dropout``, ``epochs``, ``batch_size``, ``patience``.
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
    >>> clf = SequenceClassifier(epochs=30, learning_rate=0.01, random_state=0)
    >>> clf.fit(texts, labels).cell_
    'bag'
    >>> clf.predict(["free cash offer", "meeting notes"])
    array(['spam', 'ham'], dtype='<U4')

    Token ids of different lengths, and a numeric series:

    >>> import numpy as np
    >>> ids = [[1, 2, 3], [4, 5], [1, 2], [4, 5, 6, 7]]
    >>> clf = SequenceClassifier(cell="gru", units=(4,), epochs=5, random_state=0)
    >>> clf.fit(ids, [0, 1, 0, 1]).input_kind_
    'tokens'
    >>> X = np.random.RandomState(0).normal(size=(20, 50))
    >>> clf = SequenceClassifier(units=(4, 4), epochs=5, random_state=0)
    >>> clf.fit(X, X[:, :10].sum(axis=1) > 0).sequence_shape_
    (50, 1)
    >>> clf.cell_, clf.resolved_params_["kernel_size"]
    ('fcn', (8, 5))
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
        cell="auto",
        units="auto",
        *,
        bidirectional=False,
        pooling="max",
        dropout="auto",
        recurrent_dropout=0.0,
        embedding_dim=64,
        max_tokens=20000,
        maxlen=300,
        ngrams=2,
        kernel_size="auto",
        layer_normalization=True,
        standardize=True,
        activation="relu",
        dense_layer_sizes=(),
        input_kind="auto",
        sequence_shape=None,
        optimizer="adam",
        learning_rate=1e-3,
        loss="auto",
        metrics=None,
        epochs="auto",
        batch_size="auto",
        early_stopping="auto",
        validation_fraction=0.1,
        patience="auto",
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
        self.ngrams = ngrams
        self.kernel_size = kernel_size
        self.layer_normalization = layer_normalization
        self.standardize = standardize
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
        return self._check_input_and_target(X, y, reset)

    def _resolve_auto(self, X, n_samples, *, reset):
        if reset:
            steps = self.sequence_shape_[0] if self.input_kind_ == "series" else None
            self.resolved_params_ = auto.resolve(
                self.get_params(deep=False), self.input_kind_, X, steps
            )
            self.cell_ = self.resolved_params_["cell"]

    def _check_input_and_target(self, X, y, reset):
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
        if self.dtype == "auto" and (
            self.input_kind_ != "series" or self.cell_ == "fcn"
        ):
            return "float32"
        return super()._resolve_dtype(X)

    def _fit_setting(self, name):
        # A value set after the first fit (a warm start) wins over the rule.
        value = getattr(self, name)
        if isinstance(value, str) and value == "auto":
            return self.resolved_params_[name]
        return value

    def _schedule_callbacks(self):
        if self.cell_ != "fcn":
            return []
        # Fawaz et al.'s recipe: halve the learning rate when the training loss
        # has not improved for a while (50 of their 2000 epochs), down to 1e-4.
        keras = get_keras()
        return [
            keras.callbacks.ReduceLROnPlateau(
                monitor="loss",
                factor=0.5,
                patience=max(1, self._fit_setting("patience") // 2),
                min_lr=min(1e-4, self.learning_rate),
            )
        ]

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
        kind, settings = self.input_kind_, self.resolved_params_
        cell = settings["cell"]
        if cell == "fcn":
            return fcn_network(
                input_shape,
                n_outputs,
                output_activation,
                filters=settings["units"],
                kernel_sizes=settings["kernel_size"],
                standardize=self.standardize,
                activation=self.activation,
                dtype=dtype,
                seed=seed,
            )
        if cell == "bag":
            vocabulary, idf = adapted
            return self._bag_network(
                kind, n_outputs, output_activation, dtype, seed, vocabulary, idf
            )
        vocabulary = adapted
        return sequence_network(
            input_shape,
            n_outputs,
            output_activation,
            input_kind=kind,
            vocabulary=vocabulary,
            cell=cell,
            units=settings["units"],
            bidirectional=self.bidirectional,
            pooling=self.pooling,
            dropout=settings["dropout"],
            recurrent_dropout=self.recurrent_dropout,
            embedding_dim=self.embedding_dim,
            maxlen=self.maxlen if kind == "text" else None,
            kernel_size=settings["kernel_size"] or 5,
            layer_normalization=self.layer_normalization,
            standardize_series=self.standardize,
            activation=self.activation,
            dense_layer_sizes=tuple(self.dense_layer_sizes),
            dtype=dtype,
            seed=seed,
        )

    def _adapt(self, X):
        # The vocabulary (and, for a bag of n-grams, its IDF weights).
        kind, cell = self.input_kind_, self.resolved_params_["cell"]
        if cell == "fcn" or kind not in ("text", "tokens"):
            return None
        if cell == "bag":
            if kind == "text":
                vocabulary, idf = bag_vocabulary(X, self.max_tokens, self.ngrams)
            else:
                vocabulary, idf = token_bag_vocabulary(X, self.max_tokens)
            _check_vocabulary(vocabulary, kind)
            return vocabulary, idf
        if kind == "text":
            vocabulary = text_vocabulary(X, self.max_tokens)
        else:
            vocabulary = token_vocabulary(X, self.max_tokens)
        _check_vocabulary(vocabulary, kind)
        return vocabulary

    def _bag_network(
        self, kind, n_outputs, output_activation, dtype, seed, vocabulary, idf
    ):
        settings = self.resolved_params_
        return bag_network(
            n_outputs,
            output_activation,
            input_kind=kind,
            vocabulary=vocabulary,
            idf_weights=idf,
            ngrams=self.ngrams,
            units=settings["units"],
            dropout=settings["dropout"],
            activation=self.activation,
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


def _check_vocabulary(vocabulary, kind):
    if vocabulary:
        return
    if kind == "text":
        raise ValueError(
            "The training texts hold no words (after lower-casing and "
            "stripping punctuation), so there is no vocabulary to learn."
        )
    raise ValueError(
        "The training token ids are all 0, which is padding: there is "
        "no token to learn. Real token ids start at 1."
    )
