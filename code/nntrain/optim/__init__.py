"""Optimizers of chapter 4, each matching ``torch.optim`` step for step where torch has it.

``from nntrain.optim import Adam`` etc. The lecture notes' erroneous versions
live in :mod:`nntrain.optim.errata`.
"""
from .base import Optimizer
from .sgd import SGD, MomentumAverage, MomentumVelocity
from .rprop import QuickProp, Rprop, RpropBacktrack
from .adaptive import Adadelta, Adagrad, Adam, AdamW, RMSprop

__all__ = ["Optimizer", "SGD", "MomentumVelocity", "MomentumAverage", "Rprop", "RpropBacktrack", "QuickProp",
           "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW"]
