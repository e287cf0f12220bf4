"""Keras layers at inference, in NumPy, on a fitted layer's weights.

:func:`layer_op` turns one layer into a function of its input batch, or says
it cannot (None): ``Dense``, ``Activation``, batch normalisation on the last
axis, ``Flatten``, 1-D and 2-D convolutions and pooling (channels last), global
pooling, skdeep's per-series standardisation, and the layers that are the
identity at inference (dropout, noise, random augmentation). Each op also
reports the multiply-adds it costs per row, from which :mod:`skdeep._predict`
decides up to how many rows the NumPy path pays. :func:`chain_ops` turns a
chain of layers into ops, folding a batch normalisation into the ``Dense``
layer or convolution before it and running an ``Activation`` layer after
those in place (one pass over the output instead of three), and moving a
convolution's bias and ReLU after a maximum pooling.

Convolutions run as one matrix product over the input's windows, taken as a
strided view in the layout of a Keras kernel (steps, then channels), so no
transposition is needed; padding follows Keras (``"same"`` pads the extra cell
after, ``"causal"`` before).
"""

import functools
import math
import string

import numpy as np
from scipy.special import erf, expit


def _softmax(x):
    # scipy.special.softmax's arithmetic, without its array-API dispatch
    # (several microseconds a call, noticeable on a one-row prediction).
    out = x - x.max(axis=-1, keepdims=True)
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


def _softplus(x):
    return np.logaddexp(0, x)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946

ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": expit,
    "tanh": np.tanh,
    "softmax": _softmax,
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: (
        _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))
    ),
    "gelu": lambda x: 0.5 * x * (1.0 + erf(x / np.sqrt(2.0).astype(x.dtype))),
    "softplus": _softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "swish": lambda x: x * expit(x),
    "silu": lambda x: x * expit(x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0, 1),
    "mish": lambda x: x * np.tanh(_softplus(x)),
}

# Activations computed in place, on an array an op has just made (saves
# an allocation and a pass over memory); the others as in ACTIVATIONS.
_IN_PLACE = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0, out=x),
    "tanh": lambda x: np.tanh(x, out=x),
    "sigmoid": lambda x: expit(x, out=x),
}


def _activation_in_place(name):
    return _IN_PLACE.get(name, ACTIVATIONS[name])


IDENTITY_AT_INFERENCE = (
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "InputLayer",
    "RandomFlip",
    "RandomRotation",
    "RandomZoom",
    "RandomTranslation",
)

_BATCH_NORMS = ("BatchNormalization", "WeightedBatchNormalization")
_CONVS = ("Conv1D", "Conv2D")
# Whether each pooling layer averages (else it takes the maximum).
_POOLS = {
    "MaxPooling1D": False,
    "MaxPooling2D": False,
    "AveragePooling1D": True,
    "AveragePooling2D": True,
}
_GLOBAL_POOLS = {
    "GlobalAveragePooling1D": True,
    "GlobalAveragePooling2D": True,
    "GlobalMaxPooling1D": False,
    "GlobalMaxPooling2D": False,
}


class Op:
    """One layer at inference: ``fn(x)``, costing ``macs`` multiply-adds per
    row (0 for the cheap element-wise layers)."""

    __slots__ = ("fn", "macs")

    def __init__(self, fn, macs=0):
        self.fn = fn
        self.macs = macs


IDENTITY = Op(None)


def activation_name(fn):
    """The name of a Keras activation the NumPy path computes, or None."""
    name = getattr(fn, "__name__", None)
    return name if name in ACTIVATIONS else None


def chain_ops(layers, to_numpy):
    """The :class:`Op` list computing a chain of fitted layers at inference,
    or None if one of them is not computed (:func:`layer_op`).

    Two fusions save a pass over each output: a batch normalisation right
    after a ``Dense`` layer or convolution without activation is folded into
    its kernel and bias (the normalisation is an affine map per channel at
    inference), and an ``Activation`` layer right after such a layer (or its
    folded normalisation) runs in place on the array the layer made. A
    convolution followed by a maximum pooling adds its bias and applies a
    piecewise-linear activation that never decreases (ReLU, ...) after the
    pooling, on fewer cells: the same numbers, since both commute with a
    maximum. Layers that are the identity at inference are dropped first.

    Parameters
    ----------
    layers : list of keras.layers.Layer
        One chain from input to output (:func:`skdeep._predict.linear_layers`).
    to_numpy : callable
        The backend's variable-to-NumPy conversion.
    """
    layers = [
        layer for layer in layers if type(layer).__name__ not in IDENTITY_AT_INFERENCE
    ]
    ops, i = [], 0
    while i < len(layers):
        layer, i = layers[i], i + 1
        fold = activation = None
        if _is_linear_product(layer):
            if i < len(layers) and (fold := _batch_norm_affine(layers[i], to_numpy)):
                i += 1
            if i < len(layers) and type(layers[i]).__name__ == "Activation":
                activation = activation_name(layers[i].activation)
                i += activation is not None
        if (
            type(layer).__name__ in _CONVS
            and i < len(layers)
            and type(layers[i]).__name__ in _POOLS
            and not _POOLS[type(layers[i]).__name__]
            and (activation or activation_name(layer.activation)) in _NEVER_DECREASE
        ):
            # Maximum pooling next: the convolution's bias and activation
            # (neither ever decreases, exactly, in floating point) commute with
            # the maximum, so they run after the pooling, on fewer cells.
            product = _conv(layer, to_numpy, fold, activation, split=True)
            pool = layer_op(layers[i], to_numpy)
            if product is None or pool is None:
                return None
            ops += [product[0], pool, product[1]]
            i += 1
            continue
        op = layer_op(layer, to_numpy, fold=fold, activation=activation)
        if op is None:
            return None
        ops.append(op)
    return ops


# Piecewise-linear activations that never decrease: they commute with a
# maximum exactly (as does adding a constant), so a maximum pooling can come
# first.
_NEVER_DECREASE = frozenset({"linear", "relu", "relu6", "leaky_relu"})


def _is_linear_product(layer):
    """Whether ``layer`` is a ``Dense`` layer or convolution with no
    activation of its own."""
    return (
        type(layer).__name__ in ("Dense", *_CONVS)
        and activation_name(layer.activation) == "linear"
    )


def layer_op(layer, to_numpy, fold=None, activation=None):
    """``layer`` (fitted) at inference as an :class:`Op`, :data:`IDENTITY`,
    or None where the NumPy path does not compute it.

    Parameters
    ----------
    layer : keras.layers.Layer
        A layer of one chain from input to output.
    to_numpy : callable
        The backend's variable-to-NumPy conversion.
    fold : tuple of ndarray or None
        For a ``Dense`` layer or convolution without activation: the
        ``(scale, shift)`` per channel of a batch normalisation after it,
        folded into its kernel and bias.
    activation : str or None
        For such a layer: the activation (a name of :data:`ACTIVATIONS`) of
        an ``Activation`` layer after it, applied in place.
    """
    kind = type(layer).__name__
    if kind in IDENTITY_AT_INFERENCE:
        return IDENTITY
    if kind == "Dense":
        return _dense(layer, to_numpy, fold, activation)
    if kind == "Activation":
        act = activation_name(layer.activation)
        return None if act is None else Op(ACTIVATIONS[act])
    if kind in _BATCH_NORMS:
        return _batch_norm(layer, to_numpy)
    if kind == "Flatten":
        return Op(lambda x: x.reshape(len(x), -1))
    if kind == "SeriesStandardization":
        return Op(_standardize_series)
    if kind == "TextVectorization":
        return _text_counts(layer, to_numpy)
    if kind == "TfIdf":
        return _tf_idf(layer, to_numpy)
    if kind in _CONVS:
        return _conv(layer, to_numpy, fold, activation)
    if kind in _POOLS:
        return _pool(layer, _POOLS[kind])
    if kind in _GLOBAL_POOLS:
        return _global_pool(layer, _GLOBAL_POOLS[kind])
    return None


def _weights(layer, to_numpy, fold):
    """The kernel and bias (None without one) of a ``Dense`` layer or
    convolution, with a batch normalisation's ``(scale, shift)`` folded in:
    ``(x @ k + b) * scale + shift == x @ (k * scale) + (b * scale + shift)``."""
    kernel = to_numpy(layer.kernel)
    bias = to_numpy(layer.bias) if layer.use_bias else None
    if fold is not None:
        scale, shift = (np.asarray(v, dtype=kernel.dtype) for v in fold)
        kernel = kernel * scale
        bias = shift if bias is None else bias * scale + shift
    return kernel, bias


def _dense(layer, to_numpy, fold=None, activation=None):
    act = activation or activation_name(layer.activation)
    if act is None:
        return None
    kernel, bias = _weights(layer, to_numpy, fold)
    activation = _activation_in_place(act)

    def dense(x):
        x = x.matmul(kernel) if isinstance(x, Bag) else x @ kernel
        if bias is not None:
            x += bias
        return activation(x)

    return Op(dense, _steps(layer.input.shape) * kernel.size)


# Steps counted for an axis of free length (a series or an image of any size)
# when costing a network.
FREE_AXIS_STEPS = 256


def _steps(shape):
    """Positions per row of a (rows, *steps, channels) tensor."""
    return math.prod(FREE_AXIS_STEPS if d is None else d for d in shape[1:-1])


def _batch_norm_parts(layer, to_numpy):
    """A batch normalisation on the last axis at inference as ``(mean, inv,
    beta)``: Keras computes ``(x - mean) * inv + beta``, with ``inv = gamma /
    sqrt(var + epsilon)``. None for a layer that is not one, or that
    normalises another axis."""
    if type(layer).__name__ not in _BATCH_NORMS or layer.axis not in (
        -1,
        len(layer.input.shape) - 1,
    ):
        return None
    gamma = to_numpy(layer.gamma) if layer.scale else 1.0
    beta = to_numpy(layer.beta) if layer.center else 0.0
    mean = to_numpy(layer.moving_mean)
    var = to_numpy(layer.moving_variance)
    inv = gamma / np.sqrt(var + np.asarray(layer.epsilon, var.dtype))
    return mean, inv, beta


def _batch_norm_affine(layer, to_numpy):
    """A batch normalisation on the last axis as ``(scale, shift)`` per
    channel, or None (:func:`_batch_norm_parts`)."""
    parts = _batch_norm_parts(layer, to_numpy)
    if parts is None:
        return None
    mean, inv, beta = parts
    return inv, beta - mean * inv


def _batch_norm(layer, to_numpy):
    parts = _batch_norm_parts(layer, to_numpy)
    if parts is None:
        return None
    mean, inv, beta = parts

    def batch_norm(x):
        y = x - mean
        y *= inv
        y += beta
        return y

    return Op(batch_norm)


def _standardize_series(x):
    # skdeep's SeriesStandardization: per series and channel, over the steps,
    # (x - mean) / std with std 1 where it is not positive. The ufuncs'
    # reductions directly: np.mean and np.std cost several microseconds of
    # Python each on a one-row call.
    steps = x.shape[1]
    out = x - np.add.reduce(x, axis=1, keepdims=True) / steps
    std = np.sqrt(np.add.reduce(out * out, axis=1, keepdims=True) / steps)
    std[~(std > 0)] = 1
    out /= std
    return out


def _padding(size, window, stride, padding):
    """Cells added (before, after) along one axis, as Keras pads."""
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return window - 1, 0
    total = max((-(-size // stride) - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


# Sample shapes per op whose plan (padding, windows, slices) is kept: one for
# inputs of fixed shape, more for series of free length.
_PLANS_PER_OP = 32


class _Padding:
    """How an op pads samples of one shape (steps, channels): the padded
    sample shape, and where the sample sits in it (None: no padding)."""

    __slots__ = ("inside", "shape")

    def __init__(self, sample_shape, window, strides, padding):
        spatial = sample_shape[:-1]
        pads = [
            _padding(s, k, st, padding)
            for s, k, st in zip(spatial, window, strides, strict=True)
        ]
        self.shape = (
            *(s + a + b for s, (a, b) in zip(spatial, pads, strict=True)),
            sample_shape[-1],
        )
        self.inside = None
        if any(a or b for a, b in pads):
            self.inside = (
                slice(None),
                *(slice(a, a + s) for s, (a, _) in zip(spatial, pads, strict=True)),
            )

    def apply(self, x, value):
        """``x`` padded with ``value`` (a new array), or ``x`` itself."""
        if self.inside is None:
            return x
        if value == 0:
            out = np.zeros((len(x), *self.shape), dtype=x.dtype)
        else:
            out = np.full((len(x), *self.shape), value, dtype=x.dtype)
        out[self.inside] = x
        return out


def _channels_last(layer):
    """Whether a convolution or pooling layer takes its channels last (the
    only layout the NumPy path computes)."""
    return getattr(layer, "data_format", "channels_last") == "channels_last"


def _span(window, dilation):
    """Cells a dilated window covers along each axis."""
    return [(k - 1) * d + 1 for k, d in zip(window, dilation, strict=True)]


class _Windows:
    """The windows of a convolution over samples of one shape: the padding,
    then the windows of the padded (C-contiguous) batch as a strided view of
    shape (rows, *out_steps, *window, channels), in the layout of a Keras
    kernel (steps, then channels), so no transposition is needed."""

    __slots__ = ("out", "padding", "row_stride", "taps", "view_shape", "view_strides")

    def __init__(self, sample_shape, itemsize, window, strides, dilation, padding):
        span = _span(window, dilation)
        self.padding = _Padding(sample_shape, span, strides, padding)
        padded = self.padding.shape
        # A C-contiguous sample's strides, in bytes.
        step = [itemsize * math.prod(padded[a + 1 :]) for a in range(len(padded) - 1)]
        self.out = tuple(
            (s - k) // st + 1
            for s, k, st in zip(padded[:-1], span, strides, strict=True)
        )
        self.view_shape = (*self.out, *window, padded[-1])
        self.view_strides = (
            *(b * st for b, st in zip(step, strides, strict=True)),
            *(b * d for b, d in zip(step, dilation, strict=True)),
            itemsize,
        )
        self.row_stride = itemsize * math.prod(padded)
        # One input channel: the windows are copied cell of the window by cell
        # (each a run along the image's rows) and read transposed, rather than
        # position by position (runs of one window row).
        d = len(window)
        self.taps = (
            (*range(1 + d, 2 + 2 * d), *range(1 + d)) if padded[-1] == 1 else None
        )

    def columns(self, x, width):
        """The windows of ``x`` as a (positions, ``width``) matrix."""
        x = self.padding.apply(x, 0)
        if not x.flags.c_contiguous:
            x = np.ascontiguousarray(x)
        # A strided view straight from the buffer (as_strided costs about 10
        # microseconds a call).
        w = np.ndarray(
            (len(x), *self.view_shape),
            x.dtype,
            buffer=x,
            strides=(self.row_stride, *self.view_strides),
        )
        if self.taps is not None:
            return w.transpose(self.taps).reshape(width, -1).T
        return w.reshape(-1, width)


def _conv(layer, to_numpy, fold=None, activation=None, split=False):
    """The convolution as an :class:`Op`; with ``split``, as two: the matrix
    product, then its bias and activation (in place)."""
    act = activation or activation_name(layer.activation)
    if act is None or getattr(layer, "groups", 1) != 1 or not _channels_last(layer):
        return None
    kernel, bias = _weights(layer, to_numpy, fold)
    window = tuple(kernel.shape[:-2])
    strides, dilation = tuple(layer.strides), tuple(layer.dilation_rate)
    padding, activation = layer.padding, _activation_in_place(act)
    matrix = kernel.reshape(-1, kernel.shape[-1])

    @functools.lru_cache(maxsize=_PLANS_PER_OP)
    def plan(sample_shape, itemsize):
        return _Windows(sample_shape, itemsize, window, strides, dilation, padding)

    def product(x):
        windows = plan(x.shape[1:], x.dtype.itemsize)
        out = windows.columns(x, matrix.shape[0]) @ matrix
        return out.reshape(len(x), *windows.out, -1)

    def finish(x):
        if bias is not None:
            x += bias
        return activation(x)

    macs = _steps(layer.output.shape) * kernel.size
    if split:
        return Op(product, macs), Op(finish)
    return Op(lambda x: finish(product(x)), macs)


class _PoolCells:
    """How a pooling layer reads samples of one shape: the padding, then per
    axis one index per cell of the window (a strided slice along that
    axis)."""

    __slots__ = ("cells", "padding")

    def __init__(self, sample_shape, window, strides, padding):
        self.padding = _Padding(sample_shape, window, strides, padding)
        self.cells = []
        for axis, (k, st) in enumerate(zip(window, strides, strict=True), start=1):
            n = (self.padding.shape[axis - 1] - k) // st + 1
            self.cells.append(
                [
                    (slice(None),) * axis + (slice(o, o + (n - 1) * st + 1, st),)
                    for o in range(k)
                ]
            )


def _pool(layer, average):
    window, strides = tuple(layer.pool_size), tuple(layer.strides)
    padding = layer.padding
    if not _channels_last(layer):
        return None
    if padding == "same" and average:
        # Keras averages over the cells inside the image only: not computed.
        return None
    combine = np.add if average else np.maximum

    @functools.lru_cache(maxsize=_PLANS_PER_OP)
    def plan(sample_shape):
        return _PoolCells(sample_shape, window, strides, padding)

    def pool(x):
        cells = plan(x.shape[1:])
        x = cells.padding.apply(x, -np.inf)
        # One axis at a time (the maximum, or the mean, over a rectangle is
        # that over its rows of that over its columns): each axis combines
        # one strided slice per cell of the window, the first two into a new
        # array, the rest in place. Fewer passes than reducing the windows'
        # view, or than a slice per cell of the whole window.
        for axis_cells in cells.cells:
            first, *more = axis_cells
            if not more:
                x = x[first].copy()
                continue
            out = combine(x[first], x[more[0]])
            for index in more[1:]:
                combine(out, x[index], out=out)
            x = out
        if average:
            x /= math.prod(window)
        return x

    return Op(pool)


def _global_pool(layer, average):
    if not _channels_last(layer):
        return None
    keepdims = bool(getattr(layer, "keepdims", False))
    axes = tuple(range(1, len(layer.input.shape) - 1))
    reduce = np.add.reduce if average else np.maximum.reduce

    def global_pool(x):
        # The ufunc's reduction directly (np.mean's Python costs several
        # microseconds a call).
        out = reduce(x, axis=axes, keepdims=keepdims)
        if average:
            out /= math.prod(x.shape[a] for a in axes)
        return out

    return Op(global_pool)


# -- text ------------------------------------------------------------------------

# TensorFlow's ASCII-only lowercasing and whitespace (tf.strings.lower without
# an encoding, tf.strings.split without a separator) agree with Python's on
# ASCII text except for the four separator characters Python also splits on.
_PYTHON_ONLY_SPACE = frozenset("\x1c\x1d\x1e\x1f")
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)
# Texts on which the Python vectoriser is checked against the layer itself.
_CHECK_TEXTS = (
    "",
    "  Hello,   World!  ",
    "a\tb\nc\rd\x0be\x0cf g",
    "It's 3.5% (or more) -- isn't it? [yes] {no} <maybe> a_b a-b a/b",
    "UPPER lower MiXeD 123 !@#$%^&*()",
)


def _text_counts(layer, to_numpy):
    """``TextVectorization`` with ``output_mode="count"``, standard
    standardisation and whitespace splitting: counts of its n-grams as a
    :class:`Bag`, computed in Python for ASCII texts (the layer itself for
    any other), checked against the layer on :data:`_CHECK_TEXTS`."""
    config = layer.get_config()
    standardize = config["standardize"]
    if (
        config["output_mode"] != "count"
        or config["split"] != "whitespace"
        or standardize
        not in (None, "lower", "strip_punctuation", "lower_and_strip_punctuation")
    ):
        return None
    ngrams = config["ngrams"]
    widths = (
        (1,)
        if ngrams is None
        else tuple(range(1, ngrams + 1))
        if isinstance(ngrams, int)
        else tuple(ngrams)
    )
    vocabulary = [str(term) for term in layer.get_vocabulary()]
    index = {term: i for i, term in enumerate(vocabulary)}
    oov = index.get("[UNK]", 0)
    lower = standardize in ("lower", "lower_and_strip_punctuation")
    strip = standardize in ("strip_punctuation", "lower_and_strip_punctuation")

    def terms(text):
        if lower:
            text = text.lower()
        if strip:
            text = text.translate(_NO_PUNCTUATION)
        words = text.split()
        for width in widths:
            for start in range(len(words) - width + 1):
                yield index.get(" ".join(words[start : start + width]), oov)

    def in_python(texts):
        rows = []
        for text in texts:
            ids, counts = np.unique(
                np.fromiter(terms(text), dtype=np.int64), return_counts=True
            )
            rows.append((ids, counts.astype(np.float32)))
        return Bag(rows, width)

    def by_layer(texts):
        out = layer(np.asarray(texts, dtype=object))
        if hasattr(out, "indices") and hasattr(out, "dense_shape"):  # tf.sparse
            import tensorflow as tf

            out = tf.sparse.to_dense(out)
        return Bag.from_dense(np.asarray(to_numpy(out), dtype=np.float32))

    def counts(x):
        texts = [_text(t) for t in np.asarray(x, dtype=object).reshape(len(x))]
        if all(_python_safe(t) for t in texts):
            return in_python(texts)
        return by_layer(texts)

    expected = by_layer(list(_CHECK_TEXTS) + vocabulary[1:50])
    width = expected.width
    got = in_python(list(_CHECK_TEXTS) + vocabulary[1:50])
    if not np.array_equal(got.to_dense(), expected.to_dense()):
        return None
    return Op(counts)


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _python_safe(text):
    return text.isascii() and _PYTHON_ONLY_SPACE.isdisjoint(text)


def _tf_idf(layer, to_numpy):
    """skdeep's ``TfIdf``: counts times inverse document frequencies, each
    row scaled to unit length."""
    idf = to_numpy(layer.idf)

    def tf_idf(x):
        if not isinstance(x, Bag):
            x = Bag.from_dense(x)
        rows = []
        for ids, values in x.rows:
            values = values.astype(idf.dtype) * idf[ids]
            norm = np.sqrt(np.sum(np.square(values)))
            rows.append((ids, values / max(norm, 1e-12)))
        return Bag(rows, x.width)

    return Op(tf_idf)


class Bag:
    """Rows of a bag of terms: per row, the ids of its terms and their
    values, among ``width`` columns (a text holds a few of a vocabulary of
    thousands: a dense row would cost its whole width in every product)."""

    __slots__ = ("rows", "width")

    def __init__(self, rows, width):
        self.rows = rows
        self.width = width

    @classmethod
    def from_dense(cls, values):
        rows = []
        for row in values:
            ids = np.flatnonzero(row)
            rows.append((ids, row[ids]))
        return cls(rows, values.shape[1])

    def to_dense(self):
        out = np.zeros((len(self.rows), self.width), dtype=np.float32)
        for i, (ids, values) in enumerate(self.rows):
            out[i, ids] = values
        return out

    def matmul(self, matrix):
        """The rows times ``matrix`` (dense): only the rows of ``matrix`` the
        terms select."""
        out = np.zeros((len(self.rows), matrix.shape[1]), dtype=matrix.dtype)
        for i, (ids, values) in enumerate(self.rows):
            out[i] = values.astype(matrix.dtype) @ matrix[ids]
        return out
