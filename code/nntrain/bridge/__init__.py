"""The bridge to PyTorch (chapter 8): the only place where torch enters nntrain.

Every other module of the package imports with numpy alone (a test checks
this by importing each of them with ``import torch`` made to fail).
Importing ``nntrain.bridge`` imports torch.

convert
    ``to_torch(model)`` and ``from_torch(module)`` map a ``Sequential`` of
    Linear, ReLU, Tanh, Sigmoid, LeakyReLU, Identity and BatchNorm1d layers
    to ``torch.nn.Sequential`` and back, with copies of every parameter and
    buffer; ``compare`` checks one forward and backward pass of both models
    on the same batch, ``adam_agreement`` a short run of Adam (or AdamW) on
    both, and ``max_rel_diff`` is the measure they report.
training, timing, lbfgs
    Chapter 8's device-agnostic PyTorch code: a training loop written once
    for CPU and GPU, how to time it, and full-batch L-BFGS against Adam
    (import them as ``nntrain.bridge.training`` etc.; not imported here).
"""
from .convert import (SUPPORTED, adam_agreement, compare, from_torch,
                      max_rel_diff, to_torch)

__all__ = ["to_torch", "from_torch", "compare", "adam_agreement",
           "max_rel_diff", "SUPPORTED"]
