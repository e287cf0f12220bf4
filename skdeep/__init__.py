"""skdeep: Keras deep networks as first-class scikit-learn estimators.

Importing skdeep does not import TensorFlow; it starts when a network is first
built or loaded.
"""

from ._threads import set_threads
from ._version import __version__
from .cnn import CNNClassifier
from .dense import DenseClassifier, DenseRegressor
from .persistence import load, save
from .sequence import SequenceClassifier
from .wrappers import KerasClassifier, KerasRegressor, ModelBuilder

__all__ = [
    "CNNClassifier",
    "DenseClassifier",
    "DenseRegressor",
    "KerasClassifier",
    "KerasRegressor",
    "ModelBuilder",
    "SequenceClassifier",
    "__version__",
    "load",
    "save",
    "set_threads",
]
