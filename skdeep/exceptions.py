"""Errors and warnings that skdeep raises."""


class TrainingDivergedError(ValueError):
    """The training loss became NaN or infinite.

    The estimator is left as it was before the fit that diverged.
    """


class TrainingInterruptedWarning(UserWarning):
    """Training was stopped by ``KeyboardInterrupt``; the model so far is kept."""


class InvalidParameterError(ValueError, TypeError):
    """A hyper-parameter has a value outside its allowed set.

    It is both a ``ValueError`` and a ``TypeError``, as scikit-learn's own.
    """
