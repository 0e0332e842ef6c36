"""The building blocks: losses, the classifier and the optimizer."""

from .base import Loss, Network
from .classifier import Classifier
from .loss import BCE, L1, MSE
from .optimizer import Optimizer

__all__ = ["BCE", "L1", "MSE", "Classifier", "Loss", "Network", "Optimizer"]
