"""The pure modelling core of analytics (no Django): preprocessing of any table with polars, LightGBM
with a calibrated logistic baseline beside it, metrics, Japanese reasons per prediction, drift, and the
one-file model artifact. The in-product models and the generic propensity commands both use it."""

import os

# OpenMP threads (LightGBM, scikit-learn) spin while they wait for each other by default. On a server
# where a web worker or another job holds a core, a spinning thread waits for one that is not
# running: measured on the 2-core machine with other processes busy, 300,000 rows × 25 features ×
# 200 trees took 13.5 s of wall time spinning and 7.3 s passive (62.5 vs 14.2 s without the
# scheduler's niceness working). The variable is read when the OpenMP runtime loads, which is the
# import below; an operator's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .artifact import Model, load_model
from .errors import ModelingError
from .train import TrainOptions, train_binary

__all__ = ["Model", "ModelingError", "TrainOptions", "load_model", "train_binary"]
