"""Neural models: autoencoders and the VAE, one trainer, checkpoints without pickle.

Public names (estimators, scikit-learn style): :class:`Autoencoder`, :class:`DenoisingAutoencoder`,
:class:`SparseAutoencoder`, :class:`VAE` and its family (:class:`BetaTCVAE`, :class:`MMDVAE`, :class:`FactorVAE`),
:class:`VQVAE` (van den Oord et al. 2017); :class:`ContrastiveEmbedding` (DrLIM, Hadsell et al.
2006); the :class:`Trainer` and :class:`TrainerConfig`;
:func:`load_neural_estimator`; latent arithmetic (:mod:`.latent`). The ``nn.Module`` models and
their configs live in :mod:`latentlearn.neural.models`; the estimators' parameters are declared
once in :mod:`.parameters`.
"""

from .estimators import (MMDVAE, VAE, Autoencoder, BetaTCVAE, DenoisingAutoencoder, FactorVAE,
                         SparseAutoencoder, VQVAE, interpolate_codes, load_neural_estimator)
from .estimators import ContrastiveEmbedding
from .trainer import Trainer, TrainerConfig, TrainingDivergedError, resolve_device

__all__ = ["Autoencoder", "DenoisingAutoencoder", "SparseAutoencoder", "VAE", "BetaTCVAE",
           "MMDVAE", "FactorVAE", "VQVAE", "ContrastiveEmbedding", "Trainer",
           "TrainerConfig", "TrainingDivergedError", "resolve_device", "interpolate_codes",
           "load_neural_estimator"]
