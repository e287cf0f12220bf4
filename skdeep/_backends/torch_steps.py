"""PyTorch training and test steps without Keras's per-layer machinery, for
networks that are a chain of plain layers with a known loss.

Keras's eager PyTorch ``train_step`` spends most of a small network's step in
Python: every ``Layer.__call__`` (input conversion, autocasting, masks, name
scopes), the compiled loss container, the regularisation walk over every
layer, the loss tracker. For the networks skdeep builds for tables (and any
network of the same kind: a chain of ``Dense``, ``Activation``, ``Dropout``,
``BatchNormalization`` and ``Flatten`` layers, compiled with one of skdeep's
losses and no metrics) :func:`plan` returns a :class:`Steps` that computes the
same step directly: dense layers as one PyTorch matrix product each, dropout
and batch normalisation through the layers' own ``call`` (the same random
draws and moving statistics as Keras), the loss and the L1/L2 penalties in
PyTorch, then Keras's own ``optimizer.apply`` (so every Keras optimizer,
learning-rate change, clipping and constraint behaves as in ``fit``) and one
update of the loss tracker per call. Any other network, loss or compile
option gets ``None``, and the caller runs Keras's ``train_step``.

The results match Keras's step to rounding (the order of a few float sums
differs): tests/test_torch_steps.py compares whole fits both ways.
"""

import numpy as np

from .. import _compat
from .._batch_weights import batch_sample_weights
from .._keras import get_keras
from .._predict import linear_layers

# The reductions of a batch's per-row losses computed here: skdeep's own
# (``_encoding.make_loss``) and Keras's default.
_REDUCTIONS = ("mean_with_sample_weight", "sum_over_batch_size")


def _loss_function(loss):
    """A function ``(y, logits_or_output) -> per-row loss`` computing ``loss``
    (one of skdeep's losses, by class and the configuration under which the
    formula is Keras's) in PyTorch; None for any other loss."""
    import torch
    import torch.nn.functional as F

    keras = get_keras()
    if not isinstance(loss, keras.losses.Loss) or loss.reduction not in _REDUCTIONS:
        return None
    config = loss.get_config()
    kind = type(loss)
    if kind is keras.losses.BinaryCrossentropy:
        if (
            not config.get("from_logits")
            or config.get("label_smoothing")
            or (config.get("axis", -1) != -1)
        ):
            return None

        def binary(y, out):
            y = y.reshape(out.shape)
            return F.binary_cross_entropy_with_logits(out, y, reduction="none").mean(-1)

        return binary
    if kind is keras.losses.SparseCategoricalCrossentropy:
        if (
            not config.get("from_logits")
            or config.get("ignore_class") is not None
            or config.get("axis", -1) != -1
        ):
            return None

        def sparse(y, out):
            return F.cross_entropy(out, y.reshape(len(out)).long(), reduction="none")

        return sparse
    if kind is keras.losses.MeanSquaredError:

        def squared(y, out):
            return torch.square(out - y.reshape(out.shape)).mean(-1)

        return squared
    return None


def _activation(fn):
    """``fn`` (a Keras activation) as a PyTorch function where one is plainly
    the same, else ``fn`` itself (Keras's activations take PyTorch tensors)."""
    import torch

    keras = get_keras()
    same = {
        keras.activations.relu: torch.relu,
        keras.activations.tanh: torch.tanh,
        keras.activations.sigmoid: torch.sigmoid,
    }
    if fn is None or fn is keras.activations.linear:
        return None
    return same.get(fn, fn)


def _dense(layer):
    """A PyTorch function for a plain ``Dense`` layer, or None."""
    import torch

    keras = get_keras()
    if type(layer) is not keras.layers.Dense:
        return None
    kernel = layer.kernel
    if (
        getattr(layer, "lora_enabled", False)
        or layer.dtype_policy.quantization_mode is not None
        or not isinstance(kernel, keras.Variable)
    ):
        return None
    bias = layer.bias
    activation = _activation(layer.activation)

    def dense(x, training):
        w = kernel.value
        if bias is None:
            x = x @ w
        elif x.ndim == 2:
            x = torch.addmm(bias.value, x, w)
        else:
            x = x @ w + bias.value
        return x if activation is None else activation(x)

    return dense


def _layer_function(layer):
    """A function ``(x, training) -> y`` computing ``layer`` without
    ``Layer.__call__``, or None when ``layer`` is not one computed here (by
    class name: a user's subclass may need what ``__call__`` does)."""
    if layer.activity_regularizer is not None:
        return None
    kind = type(layer).__name__
    if kind == "Dense":
        return _dense(layer)
    if kind == "Activation":
        activation = _activation(layer.activation)
        if activation is None:
            return lambda x, training: x
        return lambda x, training: activation(x)
    if kind == "Flatten":
        return lambda x, training: layer.call(x)
    # Dropout draws from the layer's own seed generator, batch normalisation
    # updates its moving statistics (skdeep's weighted one reads the batch's
    # weights from the scope the step puts them in): as under Keras's step.
    if kind in ("Dropout", "BatchNormalization", "WeightedBatchNormalization"):
        return lambda x, training: layer.call(x, training=training)
    return None


def _same_dtypes(layers, dtype):
    for layer in layers:
        policy = layer.dtype_policy
        if policy.compute_dtype != dtype or policy.variable_dtype != dtype:
            return False
    return True


def plan(model, dtype):
    """A :class:`Steps` for ``model`` (compiled, built) on inputs of float
    ``dtype``, or None when Keras's own step must run."""
    arguments = _compat.compile_arguments(model)
    if arguments is None or any(
        arguments.get(name) for name in ("metrics", "weighted_metrics", "loss_weights")
    ):
        return None
    if _compat.compiled_loss_dtype(model) != dtype:
        return None
    loss_fn = _loss_function(model.loss)
    penalised = _penalised(model)
    if loss_fn is None or len(model.losses) != len(penalised):
        return None
    layers = linear_layers(model)
    if layers is None or not _same_dtypes(layers, dtype):
        return None
    functions = [_layer_function(layer) for layer in layers]
    if any(fn is None for fn in functions):
        return None
    return Steps(model, functions, loss_fn, model.loss.reduction, penalised)


def _penalised(model):
    """The trainable variables with a regulariser, the only extra losses a
    planned network may have."""
    return [v for v in model.trainable_weights if v.regularizer is not None]


def _penalty(regularizer):
    """``regularizer`` as a PyTorch function of a tensor."""
    import torch

    keras = get_keras()
    if type(regularizer) in (
        keras.regularizers.L1L2,
        keras.regularizers.L1,
        keras.regularizers.L2,
    ):
        l1 = float(getattr(regularizer, "l1", 0.0) or 0.0)
        l2 = float(getattr(regularizer, "l2", 0.0) or 0.0)

        def l1l2(w):
            total = 0.0
            if l1:
                total = l1 * torch.sum(torch.abs(w))
            if l2:
                total = total + l2 * torch.sum(torch.square(w))
            return total

        return l1l2
    return regularizer


class Steps:
    """Train and test steps of a planned network (see the module's
    docstring). ``run(model, step, X, y, sw, idx, batch_size)`` works as
    ``torch.Loop``'s call does, with tensors from ``to_native``."""

    def __init__(self, model, functions, loss_fn, reduction, penalised):
        # No reference to the model: the network pool counts the model's
        # references (_networks.Network.refs); calls pass it.
        self.functions = functions
        self.loss_fn = loss_fn
        self.mean_over_weights = reduction == "mean_with_sample_weight"
        self.variables = model.trainable_weights[:]
        self.penalties = [(v, _penalty(v.regularizer)) for v in penalised]
        self.tracker = _compat.loss_tracker(model)

    def _loss(self, X, y, sw, training):
        import torch

        with batch_sample_weights(sw):
            out = X
            for fn in self.functions:
                out = fn(out, training)
        values = self.loss_fn(y, out) * sw.reshape(len(out))
        if self.mean_over_weights:
            # A batch whose weights are all zero has a zero loss, as in
            # Keras's reduction (``divide_no_nan``), and zero gradients.
            divisor = sw.sum()
            divisor = torch.where(divisor == 0, 1, divisor)
        else:
            divisor = len(out)
        loss = values.sum() / divisor
        for variable, penalty in self.penalties:
            loss = loss + penalty(variable.value)
        return loss

    def run(self, model, step, X, y, sw, idx, batch_size):
        import torch

        losses, rows = [], []
        optimizer = model.optimizer
        params = [v.value for v in self.variables]
        for start in range(0, len(idx), batch_size):
            b = idx[start : start + batch_size]
            xb, yb, wb = X[b], y[b], sw[b]
            if step == "train":
                loss = self._loss(xb, yb, wb, True)
                for p in params:
                    p.grad = None
                optimizer.scale_loss(loss).backward()
                with torch.no_grad():
                    optimizer.apply([p.grad for p in params], self.variables)
            else:
                with torch.no_grad():
                    loss = self._loss(xb, yb, wb, False)
            losses.append(loss.detach())
            rows.append(len(b))
        if losses:
            first = losses[0]
            self.tracker.update_state(
                torch.stack(losses),
                sample_weight=torch.as_tensor(
                    np.asarray(rows), dtype=first.dtype, device=first.device
                ),
            )
