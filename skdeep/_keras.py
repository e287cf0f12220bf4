"""Lazy access to Keras and TensorFlow.

Importing TensorFlow takes seconds, so ``import skdeep`` never does it; the
estimators call :func:`get_keras` or :func:`get_tf` when they first need a
network. This is also the one place that knows TensorFlow has started, which
the fork guard relies on.
"""

import contextlib
import os
import re
import sys
import tempfile
import threading

_lock = threading.Lock()
_state = {"keras": None, "forked_after_start": False}

FORK_MESSAGE = (
    "skdeep: this process was forked after TensorFlow started in its parent; "
    "TensorFlow cannot run in such a child and would hang. Use a start method "
    "that does not fork a running TensorFlow: joblib's default 'loky' backend "
    "(n_jobs=...), multiprocessing's 'spawn' or 'forkserver' context, Dask or Ray."
)


# TensorFlow's C++ start-up chatter, written to stderr during import whatever
# TF_CPP_MIN_LOG_LEVEL says. Anything else it writes is passed on.
_NOISE = re.compile(
    r"All log messages before absl::InitializeLog|^[IW]\d{4} |oneDNN custom "
    r"operations|cpu_feature_guard|To enable the following instructions|"
    r"TensorFlow binary is optimized|Unable to register cu(DNN|FFT|BLAS)|"
    r"Could not find cuda drivers|TF-TRT Warning|computation placer already"
)


@contextlib.contextmanager
def _filtered_native_stderr():
    """Drop TensorFlow's import-time log lines from file descriptor 2."""
    # TensorFlow's C++ code writes to descriptor 2 whatever sys.stderr is.
    fd = 2
    try:
        sys.stderr.flush()
        saved = os.dup(fd)
    except (AttributeError, OSError, ValueError):
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            sink.seek(0)
            lines = sink.read().decode(errors="replace").splitlines()
            kept = [line for line in lines if line and not _NOISE.search(line)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")


def _mark_child():
    _state["forked_after_start"] = True


def check_not_forked():
    """Raise RuntimeError in a child forked after TensorFlow started."""
    if _state["forked_after_start"]:
        raise RuntimeError(FORK_MESSAGE)


def tensorflow_started():
    """Return True if TensorFlow is imported in this process."""
    return "tensorflow" in sys.modules


def get_keras():
    """Import Keras with the TensorFlow backend, once, and return the module.

    Raises
    ------
    RuntimeError
        If this process was forked after TensorFlow had started in its parent.
    ImportError
        If Keras is configured for another backend.
    """
    check_not_forked()
    keras = _state["keras"]
    if keras is not None:
        return keras
    with _lock:
        if _state["keras"] is None:
            # Defaults only: a user's own settings win.
            os.environ.setdefault("KERAS_BACKEND", "tensorflow")
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            from ._threads import apply_thread_settings, configure_tensorflow

            apply_thread_settings()
            with _filtered_native_stderr():
                import keras
                import tensorflow

            configure_tensorflow(tensorflow)

            if keras.backend.backend() != "tensorflow":
                raise ImportError(
                    "skdeep needs Keras's TensorFlow backend, but Keras is set to "
                    f"{keras.backend.backend()!r}. Set KERAS_BACKEND=tensorflow "
                    "before importing Keras."
                )
            if hasattr(os, "register_at_fork"):
                os.register_at_fork(after_in_child=_mark_child)
            _state["keras"] = keras
    return _state["keras"]


def get_tf():
    """Return the ``tensorflow`` module, importing it through :func:`get_keras`."""
    get_keras()
    import tensorflow

    return tensorflow
