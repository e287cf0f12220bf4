"""The markdown results page that ``bench_cnn.py`` and ``bench_sequence.py``
write: command, machine (with its load, as times depend on it), versions and
one table row per measurement."""

import os
import platform


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
