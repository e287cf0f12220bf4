"""Pure network builders.

Each builder is a function ``(input_shape, n_outputs, output_activation, **hyper)
-> keras.Model`` with no scikit-learn import and no hidden state: the same
arguments and ``seed`` give the same initial weights. ``output_activation=None``
leaves the last layer linear (logits), which the estimators pair with a loss that
takes logits, for numerical stability. One module per family.
"""

from .bag import bag_network, bag_vocabulary, token_bag_vocabulary
from .cnn import (
    augmentation,
    cnn_network,
    conv_block,
    copy_model,
    resized,
    transfer_network,
)
from .dense import dense_block, dense_network, output_layer, seeded
from .fcn import fcn_network
from .sequence import sequence_network, text_vocabulary, token_vocabulary

__all__ = [
    "augmentation",
    "bag_network",
    "bag_vocabulary",
    "cnn_network",
    "conv_block",
    "copy_model",
    "dense_block",
    "dense_network",
    "fcn_network",
    "output_layer",
    "resized",
    "seeded",
    "sequence_network",
    "text_vocabulary",
    "token_bag_vocabulary",
    "token_vocabulary",
    "transfer_network",
]
