"""Timing and the markdown results page of ``bench_cnn.py`` (command,
machine with its load, as times depend on it, versions, one table row per
measurement)."""

import os
import platform
import sys
import time


def timed(fn):
    """``fn()`` and the seconds it took."""
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def run_started():
    """The start of a run, for :func:`write_results`: the clock and the
    1-minute load average."""
    return time.perf_counter(), os.getloadavg()[0]


def write_results(path, title, rows, script, argv, started, note=""):
    """Write the results page of the run begun at ``started`` (from
    :func:`run_started`) to ``path``, and print it.

    ``script`` and ``argv`` (None: ``sys.argv[1:]``) make the page's command
    line; ``title``, ``rows`` and ``note`` are as in :func:`results_markdown`.
    """
    args = sys.argv[1:] if argv is None else argv
    command = " ".join(["python", f"benchmarks/{script}", *args])
    seconds = time.perf_counter() - started[0]
    load = (started[1], os.getloadavg()[0])
    text = results_markdown(title, rows, command, seconds, load, note=note)
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {path}")


def results_markdown(title, rows, command, seconds, load, note=""):
    """A results page.

    Parameters
    ----------
    title : str
        The page heading.
    rows : list of dict
        Each with the keys ``data``, ``model``, ``accuracy`` and ``fit seconds``.
    command : str
        The command that produced the page.
    seconds : float
        The whole run's duration.
    load : tuple of float
        The 1-minute load average at the start and at the end of the run.
    note : str
        A paragraph under the machine line, if any.
    """
    import keras
    import sklearn
    import tensorflow as tf

    lines = [
        f"# {title}",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores (load average "
        f"{load[0]:.1f} at the start, {load[1]:.1f} at the end; above the core "
        f"count, times are upper bounds); Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, scikit-learn "
        f"{sklearn.__version__}. Total run: {seconds / 60:.1f} min.",
        "",
    ]
    if note:
        lines += [note, ""]
    lines += ["| data | model | accuracy | fit seconds |", "|---|---|---|---|"]
    lines += [
        f"| {row['data']} | {row['model']} | {row['accuracy']} | {row['fit seconds']} |"
        for row in rows
    ]
    return "\n".join(lines) + "\n"
