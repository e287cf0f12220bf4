"""The ``"auto"`` rules of :class:`~skdeep.SequenceClassifier`: which network
to build for the training data, and how long to train it.

Each rule is a small function of the training data's size and length, so it
can be read, tested and documented on its own (``docs/user_guide/choosing.rst``
gives the evidence).
"""

import numpy as np

# Text and token ids: a bag of n-grams below this ratio of training samples to
# words per sample, a sequence model from it on (Google's text-classification
# guide measured the crossing point at about 1500 over many corpora).
BAG_RATIO = 1500
# Series: epochs are chosen so that a fit sees about this many series steps
# (samples x steps x epochs): about 400 epochs for 200 series of 427 steps,
# two to three minutes on two CPU cores, and never more than MAX_SERIES_EPOCHS.
SERIES_STEP_BUDGET = 3.5e7
MIN_SERIES_EPOCHS = 50
MAX_SERIES_EPOCHS = 1500
# Early stopping on the training loss waits this long for the FCN: with small
# batches and batch normalisation its loss is noisy, and its learning rate is
# halved after half of it without improvement.
SERIES_PATIENCE = 100
# A bag of n-grams overfits within a few epochs once its held-out loss is at
# its lowest (the best epoch was the 2nd to 8th on the text sets measured):
# waiting 5 more keeps the best weights and saves a third of the fit.
BAG_PATIENCE = 5

AUTO_CELL_RULE = (
    'numeric series get ``"fcn"``; text and token ids get ``"bag"`` when the '
    "number of training samples divided by the median number of words (ids) "
    f'per sample is below {BAG_RATIO}, and ``"conv1d"`` otherwise (long '
    "texts in large numbers)"
)

_DEFAULTS = {
    # cell: (units, kernel_size, dropout)
    "bag": ((64, 64), None, 0.5),
    "fcn": ((64, 128, 64), (8, 5, 3), 0.0),
    "conv1d": ((64, 64), 5, 0.0),
    "lstm": ((64, 64), None, 0.0),
    "gru": ((64, 64), None, 0.0),
    "simple": ((64, 64), None, 0.0),
}


def words_per_sample(X, input_kind):
    """The median number of words (text) or non-padding ids (tokens) in a
    sample of ``X``."""
    if len(X) == 0:
        return 0.0
    if input_kind == "text":
        counts = [len(str(t).split()) for t in X]
    else:
        counts = np.count_nonzero(np.asarray(X), axis=1)
    return float(np.median(counts))


def choose_cell(input_kind, X):
    """The cell ``cell="auto"`` builds for training input ``X`` of
    ``input_kind`` (see :data:`AUTO_CELL_RULE`)."""
    if input_kind == "series":
        return "fcn"
    words = max(words_per_sample(X, input_kind), 1.0)
    return "bag" if len(X) / words < BAG_RATIO else "conv1d"


def series_epochs(n_samples, steps):
    """Epochs for the series FCN: about :data:`SERIES_STEP_BUDGET` series steps
    in all, within [MIN_SERIES_EPOCHS, MAX_SERIES_EPOCHS]."""
    epochs = SERIES_STEP_BUDGET / max(1, n_samples * steps)
    return int(np.clip(round(epochs), MIN_SERIES_EPOCHS, MAX_SERIES_EPOCHS))


def resolve(params, input_kind, X, steps=None):
    """The concrete architecture and training settings for one fit.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``).
    input_kind : {"text", "tokens", "series"}
        The kind of the training input.
    X : array-like
        The validated training input.
    steps : int or None
        Series: steps per series.

    Returns
    -------
    settings : dict
        ``cell``, ``units``, ``kernel_size``, ``dropout``, ``epochs``,
        ``batch_size`` and ``patience``, each the explicit parameter or what
        its ``"auto"`` rule gives.
    """
    cell = params["cell"]
    if cell == "auto":
        cell = choose_cell(input_kind, X)
    elif cell == "fcn" and input_kind != "series":
        raise ValueError(
            'cell="fcn" is for numeric series; for text and token ids use '
            '"bag", "conv1d" or a recurrent cell.'
        )
    elif cell == "bag" and input_kind == "series":
        raise ValueError(
            'cell="bag" (a bag of n-grams) is for text and token ids; for '
            'numeric series use "fcn", "conv1d" or a recurrent cell.'
        )
    units, kernel_size, dropout = _DEFAULTS[cell]
    n = len(X)
    fcn = cell == "fcn"
    settings = {
        "cell": cell,
        "units": units,
        "kernel_size": kernel_size,
        "dropout": dropout,
        "epochs": series_epochs(n, steps) if fcn else 100,
        "batch_size": 32,
        "patience": {"fcn": SERIES_PATIENCE, "bag": BAG_PATIENCE}.get(cell, 10),
    }
    for name in settings:
        given = params.get(name, "auto")
        if not (isinstance(given, str) and given == "auto") and name != "cell":
            settings[name] = tuple(given) if name == "units" else given
    if fcn and params.get("kernel_size", "auto") == "auto":
        # The published widths for the first three blocks, 3 for any more.
        n_blocks = len(settings["units"])
        settings["kernel_size"] = (kernel_size + (3,) * n_blocks)[:n_blocks]
    return settings
