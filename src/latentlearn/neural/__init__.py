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

# The names load on first use (PEP 562), so that `import latentlearn.neural.latent` and the
# registry's table of methods need no torch; without torch, using one of them raises an
# ImportError naming the extra: pip install 'latentlearn[neural]'.
_LAZY = {
    **{name: ".estimators" for name in (
        "GAN", "MMDVAE", "VAE", "VQVAE", "WGAN", "WGANGP", "Autoencoder", "BetaTCVAE",
        "ContrastiveEmbedding", "DenoisingAutoencoder", "FactorVAE", "SparseAutoencoder",
        "interpolate_codes", "load_neural_estimator")},
    **{name: ".trainer" for name in (
        "Trainer", "TrainerConfig", "TrainingDivergedError", "resolve_device")},
}

__all__ = ["Autoencoder", "DenoisingAutoencoder", "SparseAutoencoder", "VAE", "BetaTCVAE",
           "MMDVAE", "FactorVAE", "VQVAE", "GAN", "WGAN", "WGANGP", "ContrastiveEmbedding",
           "Trainer",
           "TrainerConfig", "TrainingDivergedError", "resolve_device", "interpolate_codes",
           "load_neural_estimator"]


def __getattr__(name):
    if name in _LAZY:  # the modules themselves raise the error naming the extra
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
