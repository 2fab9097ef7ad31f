"""The pure modelling core of analytics (no Django): preprocessing of any table with polars, LightGBM
with a calibrated logistic baseline beside it, metrics, Japanese reasons per prediction, drift, and the
one-file model artifact. The in-product models and the generic propensity commands both use it."""

from .artifact import Model, load_model
from .errors import ModelingError
from .train import TrainOptions, train_binary

__all__ = ["Model", "ModelingError", "TrainOptions", "load_model", "train_binary"]
