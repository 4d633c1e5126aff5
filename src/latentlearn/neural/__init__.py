"""Neural models: autoencoders and the VAE, one trainer, checkpoints without pickle.

Public names (estimators, scikit-learn style): :class:`Autoencoder`, :class:`DenoisingAutoencoder`,
:class:`SparseAutoencoder`, :class:`VAE` and its family (:class:`BetaTCVAE`, :class:`MMDVAE`, :class:`FactorVAE`),
:class:`VQVAE` (van den Oord et al. 2017); the GAN family (:class:`GAN`, :class:`WGAN`,
:class:`WGANGP`); :class:`ContrastiveEmbedding` (DrLIM, Hadsell et al. 2006); the
:class:`Trainer` and :class:`TrainerConfig`;
:func:`load_neural_estimator`; latent arithmetic (:mod:`.latent`). The ``nn.Module`` models and
their configs live in :mod:`latentlearn.neural.models`; the estimators' parameters are declared
once in :mod:`.parameters`.
"""

from .estimators import (GAN, MMDVAE, VAE, VQVAE, WGAN, WGANGP, Autoencoder, BetaTCVAE,
                         ContrastiveEmbedding, DenoisingAutoencoder, FactorVAE,
                         SparseAutoencoder, interpolate_codes, load_neural_estimator)
from .trainer import Trainer, TrainerConfig, TrainingDivergedError, resolve_device

__all__ = ["Autoencoder", "DenoisingAutoencoder", "SparseAutoencoder", "VAE", "BetaTCVAE",
           "MMDVAE", "FactorVAE", "VQVAE", "GAN", "WGAN", "WGANGP", "ContrastiveEmbedding",
           "Trainer",
           "TrainerConfig", "TrainingDivergedError", "resolve_device", "interpolate_codes",
           "load_neural_estimator"]
