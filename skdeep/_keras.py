"""Lazy access to Keras and TensorFlow.

Importing TensorFlow takes seconds, so ``import skdeep`` never does it; the
estimators call :func:`get_keras` or :func:`get_tf` when they first need a
network. This is also the one place that knows TensorFlow has started, which
the fork guard relies on.
"""

import contextlib
import json
import os
import re
import sys
import tempfile
import threading

_lock = threading.Lock()
_state = {"keras": None, "forked_after_start": False}

FORK_MESSAGE = (
    "skdeep: this process was forked after Keras's backend (TensorFlow, JAX "
    "or PyTorch) started in its parent; their thread pools do not survive a "
    "fork, and the child would hang. Use a start method "
    "that does not fork a running backend: joblib's default 'loky' backend "
    "(n_jobs=...), multiprocessing's 'spawn' or 'forkserver' context, Dask or Ray."
)


# TensorFlow's C++ chatter: start-up lines written to stderr during import, and
# the graph optimiser's "Not handling type DT_DOUBLE" warnings (oneDNN's
# rewrites skip float64 graphs) when a float64 function is first run. Both are
# written whatever TF_CPP_MIN_LOG_LEVEL says, and the level cannot be changed
# once TensorFlow is imported (as it is when a user imports Keras first).
# Its INFO and WARNING lines are dropped; anything else written meanwhile
# (errors, Python's own output) is passed on.
_NOISE = re.compile(
    r"All log messages before absl::InitializeLog|^[IW]\d{4} |"
    r"oneDNN custom operations|To enable the following instructions|"
    r"TensorFlow binary is optimized|Unable to register cu(DNN|FFT|BLAS)|"
    r"Could not find cuda drivers|TF-TRT Warning|computation placer already"
)
# The file descriptor TensorFlow's C++ code writes to, whatever sys.stderr is.
_STDERR_FD = 2
# One redirection at a time for the whole process: nested and concurrent
# callers (threads) share it, and the last one out restores descriptor 2.
_quiet_lock = threading.Lock()
_quiet = {"depth": 0, "saved": None, "file": None}


def _start_quiet():
    with _quiet_lock:
        if _quiet["depth"] == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(_STDERR_FD)
            except (AttributeError, OSError, ValueError):
                return False
            # One file for every quiet window of the process, emptied for each;
            # unbuffered, so that its offset is the descriptor's own (a
            # buffered file would read stale bytes after C++ wrote to it).
            sink = _quiet.get("file")
            if sink is None:
                sink = _quiet["file"] = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115
            sink.seek(0)
            sink.truncate()
            os.dup2(sink.fileno(), _STDERR_FD)
            _quiet["saved"] = saved
        _quiet["depth"] += 1
        return True


def _stop_quiet():
    with _quiet_lock:
        _quiet["depth"] -= 1
        if _quiet["depth"]:
            return
        saved, sink = _quiet["saved"], _quiet["file"]
        os.dup2(saved, _STDERR_FD)
        os.close(saved)
        sink.seek(0)
        lines = sink.readall().decode(errors="replace").splitlines()
    kept = [line for line in lines if line and not _NOISE.search(line)]
    if kept:
        sys.stderr.write("\n".join(kept) + "\n")


@contextlib.contextmanager
def quiet_native_logs():
    """Drop TensorFlow's known C++ log lines (see ``_NOISE``) from file
    descriptor 2 while the block runs: around its import, and around the first
    run of a compiled function, when the graph optimiser logs."""
    if not _start_quiet():
        yield
        return
    try:
        yield
    finally:
        _stop_quiet()


class QuietCall:
    """Calls ``fn`` (a compiled TensorFlow function) under
    :func:`quiet_native_logs`, every time: TensorFlow optimises (and logs) a
    function's graph again whenever it instantiates it anew, which happens
    after ``keras.backend.clear_session()`` and after the garbage collector
    removes other functions, at moments no caller can foresee."""

    def __init__(self, fn):
        self.fn = fn

    def __getattr__(self, name):
        # Everything else is the function's (e.g. its tracing count).
        return getattr(self.fn, name)

    def __call__(self, *args, **kwargs):
        with quiet_native_logs():
            return self.fn(*args, **kwargs)


def _mark_child():
    _state["forked_after_start"] = True
    # The quiet windows' file is the parent's (a shared offset): not ours.
    _quiet["file"] = None


def check_not_forked():
    """Raise RuntimeError in a child forked after the backend started."""
    if _state["forked_after_start"]:
        raise RuntimeError(FORK_MESSAGE)


def tensorflow_started():
    """Return True if TensorFlow is imported in this process."""
    return "tensorflow" in sys.modules


# The Keras backends skdeep trains on (skdeep/_backends has one module each).
BACKENDS = ("tensorflow", "jax", "torch")


def configured_backend():
    """The backend Keras runs on, or will load (read the way Keras reads it:
    ``KERAS_BACKEND``, else ``keras.json``, else TensorFlow)."""
    keras = _state["keras"] or sys.modules.get("keras")
    config = getattr(keras, "config", None)
    if config is not None:  # Keras is imported (by skdeep or by the user)
        return config.backend()
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    try:
        with open(os.path.join(home, "keras.json")) as file:
            return json.load(file).get("backend", "tensorflow")
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def _backend_missing(error):
    backend = configured_backend()
    if backend not in BACKENDS:
        return (
            f"skdeep trains on Keras's {', '.join(BACKENDS)} backends, but Keras "
            f"is set to {backend!r} (and importing it failed: {error}). Set "
            "KERAS_BACKEND to one of them before importing Keras "
            "(docs/scaling.rst, 'Choosing a backend')."
        )
    extra = "" if backend == "tensorflow" else f"[{backend}]"
    return (
        f"Keras is set to its {backend!r} backend, which could not be imported "
        f"({error}). Install it with `pip install 'skdeep{extra}'`, or choose "
        "another backend with KERAS_BACKEND (docs/scaling.rst, "
        "'Choosing a backend')."
    )


def get_keras():
    """Import Keras, once, and return the module.

    The backend is Keras's choice (``KERAS_BACKEND``, else ``keras.json``,
    else TensorFlow); TensorFlow is imported only when it is the backend.

    Raises
    ------
    RuntimeError
        If this process was forked after the backend had started in its parent.
    ImportError
        If Keras is configured for a backend skdeep does not train on.
    """
    check_not_forked()
    keras = _state["keras"]
    if keras is not None:
        return keras
    with _lock:
        if _state["keras"] is None:
            # Defaults only: a user's own settings win.
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            from ._threads import apply_thread_settings, configure_tensorflow

            apply_thread_settings()
            with quiet_native_logs():
                try:
                    import keras
                except ImportError as error:
                    raise ImportError(_backend_missing(error)) from error

                backend = keras.backend.backend()
                if backend == "tensorflow":
                    import tensorflow

            if backend not in BACKENDS:
                raise ImportError(
                    f"skdeep trains on Keras's {', '.join(BACKENDS)} backends, but "
                    f"Keras is set to {backend!r}. Set KERAS_BACKEND to one of them "
                    "before importing Keras (docs/scaling.rst, 'Choosing a backend')."
                )
            if backend == "tensorflow":
                configure_tensorflow(tensorflow)
            if hasattr(os, "register_at_fork"):
                os.register_at_fork(after_in_child=_mark_child)
            _state["keras"] = keras
    return _state["keras"]


def get_tf():
    """Return the ``tensorflow`` module, importing it through :func:`get_keras`."""
    get_keras()
    import tensorflow

    return tensorflow
