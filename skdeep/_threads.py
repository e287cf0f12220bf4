"""Thread settings for a process: TensorFlow's, and PyTorch's on PyTorch.

TensorFlow reads its thread-pool sizes once, when its runtime starts, and ignores
``OMP_NUM_THREADS``. Engines such as Dask and Ray limit worker threads through
``OMP_NUM_THREADS``; we carry that over to TensorFlow's own variables, so a
worker does not start as many TensorFlow threads as the machine has cores.
"""

import contextlib
import os
import warnings

_INTRA = "TF_NUM_INTRAOP_THREADS"
_INTER = "TF_NUM_INTEROP_THREADS"


def apply_thread_settings():
    """Carry ``OMP_NUM_THREADS`` over to TensorFlow before it starts."""
    omp = os.environ.get("OMP_NUM_THREADS", "")
    if omp.isdigit() and int(omp) > 0:
        os.environ.setdefault(_INTRA, omp)
        os.environ.setdefault(_INTER, "1" if int(omp) == 1 else "2")


def configure_tensorflow(tf):
    """Apply the thread variables through TensorFlow's API, just after import and
    before its runtime starts, so ``tf.config.threading`` reports them too."""
    for var, setter in (
        (_INTRA, tf.config.threading.set_intra_op_parallelism_threads),
        (_INTER, tf.config.threading.set_inter_op_parallelism_threads),
    ):
        value = os.environ.get(var, "")
        if value.isdigit():
            # RuntimeError: the runtime started before skdeep loaded it.
            with contextlib.suppress(RuntimeError):
                setter(int(value))


def set_threads(intra_op=None, inter_op=None):
    """Set how many threads Keras's backend uses in this process.

    Call it before the first fit or predict of the process (TensorFlow fixes its
    thread pools when it starts). If TensorFlow has already started, the call
    warns and changes nothing. TensorFlow's settings apply on every backend
    (Keras's text layers run on it); on PyTorch, PyTorch's own thread counts
    are set too (``torch.set_num_threads``, ``torch.set_num_interop_threads``;
    the latter only before PyTorch's first parallel work). JAX has no thread
    setting of its own: its CPU client takes ``XLA_FLAGS`` when it starts
    (docs/scaling.rst).

    Parameters
    ----------
    intra_op : int, default=None
        Threads used inside one operation (e.g. a matrix product). None keeps
        TensorFlow's default, one per core.
    inter_op : int, default=None
        Operations run at the same time. None keeps TensorFlow's default.

    Returns
    -------
    applied : bool
        True if the setting takes effect, False if TensorFlow had already started.

    Examples
    --------
    >>> import skdeep
    >>> skdeep.set_threads(intra_op=2, inter_op=1)  # doctest: +SKIP
    True
    """
    for name, value in (("intra_op", intra_op), ("inter_op", inter_op)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive int or None, got {value!r}.")
    from ._keras import configured_backend, tensorflow_started

    torch_applied = True
    if configured_backend() == "torch":
        torch_applied = _set_torch_threads(intra_op, inter_op)
    if tensorflow_started():
        import tensorflow as tf

        try:
            if intra_op is not None:
                tf.config.threading.set_intra_op_parallelism_threads(intra_op)
            if inter_op is not None:
                tf.config.threading.set_inter_op_parallelism_threads(inter_op)
        except RuntimeError:
            warnings.warn(
                "skdeep.set_threads: TensorFlow has already started in this "
                "process, so its thread pools are fixed; call set_threads before "
                "the first fit or predict, or set TF_NUM_INTRAOP_THREADS and "
                "TF_NUM_INTEROP_THREADS in the environment.",
                RuntimeWarning,
                stacklevel=2,
            )
            return False
        return torch_applied
    if intra_op is not None:
        os.environ[_INTRA] = str(intra_op)
    if inter_op is not None:
        os.environ[_INTER] = str(inter_op)
    return torch_applied


def _set_torch_threads(intra_op, inter_op):
    import torch

    if intra_op is not None:
        torch.set_num_threads(intra_op)
    if inter_op is not None and torch.get_num_interop_threads() != inter_op:
        try:
            torch.set_num_interop_threads(inter_op)
        except RuntimeError:
            warnings.warn(
                "skdeep.set_threads: PyTorch has already run parallel work in this "
                "process, so its inter-op thread count is fixed; call set_threads "
                "before the first fit or predict.",
                RuntimeWarning,
                stacklevel=3,
            )
            return False
    return True
