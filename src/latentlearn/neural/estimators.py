"""scikit-learn-style estimators around the neural models: fit, transform, decode, sample, save.

Each estimator keeps the scikit-learn contract where it applies (STYLE.md): the constructor only
stores its arguments; ``fit`` checks them against ``_parameter_constraints``, validates ``X``,
builds the model (seeded by ``random_state``) and hands it to the one
:class:`~latentlearn.neural.trainer.Trainer`. What fit learns ends in ``_`` (``model_``,
``history_``, ``n_features_in_``...). Same ``random_state``, same weights, bit for bit on CPU.

=========================  ===================================================================
``fit(X)``                 X: ndarray (n_samples, n_features), a Dataset (its image_shape
                           then allows ``architecture="conv"``) or a torch DataLoader
``transform(X)``           codes; for the VAE the posterior means ``mu(x)``
``inverse_transform(Z)``   decoded means ``E[x | z]``
``reconstruct(X)``         ``inverse_transform(transform(X))``
``sample(n, random_state)``  VAE: decoded draws from the prior N(0, I)
``interpolate(x1, x2, steps, method)``  decoded codes between two inputs: ``"linear"``, or
                           ``"spherical"`` (the default for the VAE's Gaussian latent)
``save(folder)``, ``latentlearn.load(folder)``  the one saved-model format (:mod:`.checkpoint`)
``elbo(X)``, ``log_likelihood(X, k)``, ``score(X)``  VAE: per-input ELBO, IWAE estimate of
                           log p(x) (k = 1000 by default), mean ELBO
=========================  ===================================================================

The names registered for the command line: ``ae``, ``denoising_ae``, ``sparse_ae``, ``vae``
(family ``"neural"``, kind ``"neural"``).
"""

from __future__ import annotations

import logging
import math
from contextlib import contextmanager
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .. import persistence
from ..base import GenerativeMixin, Interval, Options, check_parameters
from ..exceptions import CheckpointError, DataError, ParameterError
from ..registry import register
from .checkpoint import read_checkpoint, save_model
from .models import autoencoder as _ae
from .models import vae as _vae
from .trainer import Trainer, TrainerConfig, resolve_device

logger = logging.getLogger(__name__)

__all__ = ["Autoencoder", "DenoisingAutoencoder",
           "SparseAutoencoder", "VAE", "load_neural_estimator"]


def _register(name):
    # The one registry (latentlearn.registry) maps names to classes for loading as well.
    return register(name, family="neural", kind="neural")


_TRAINING_CONSTRAINTS = {
    "latent_dim": [Interval(Integral, 1, None)],
    "hidden_dims": [tuple, list],
    "architecture": [Options({"auto", "mlp", "conv"})],
    "image_shape": [None, tuple, list],
    "conv_channels": [tuple, list],
    "activation": [Options({"relu", "tanh", "elu", "leaky_relu", "gelu", "sigmoid"})],
    "epochs": [Interval(Integral, 1, None)],
    "batch_size": [Interval(Integral, 1, None)],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "optimizer": [Options({"adam", "adamw", "sgd", "rmsprop"})],
    "lr_schedule": [Options({"constant", "step", "exponential", "cosine"})],
    "weight_decay": [Interval(Real, 0, None)],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "early_stopping_patience": [None, Interval(Integral, 1, None)],
    "checkpoint_dir": [None, str, Path],
    "checkpoint_every": [Interval(Integral, 1, None)],
    "resume": ["boolean"],
    "device": [str],
    "random_state": ["random_state"],
    "callback": [None, "callable"],
}


@contextmanager
def _seeded(seed: int, device: torch.device):
    """Seed torch inside, leave the caller's global RNG state untouched."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _seed_from(random_state) -> int:
    if isinstance(random_state, (Integral, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


class _NeuralEstimator(TransformerMixin, BaseEstimator):
    """Shared fit / transform / decode / save machinery; subclasses name the model."""

    _model_class: type = None
    _config_class: type = None
    _parameter_constraints: dict = {}
    # What loading checks config.json's attributes against (latentlearn.persistence).
    _fitted_attribute_kinds = {"n_features_in_": ("int",), "seed_": ("int",),
                               "image_shape_": ("tuple", "none")}
    _default_interpolation = "linear"

    # ----------------------------------------------------------------- config
    def _model_fields(self) -> dict:
        """Estimator parameters that are also model-config fields (subclasses extend)."""
        return {}

    def _model_config(self, n_features: int, image_shape):
        architecture = self.architecture
        if architecture == "auto":
            architecture = "conv" if image_shape is not None else "mlp"
        return self._config_class(
            n_features=n_features, latent_dim=self.latent_dim,
            hidden=tuple(int(h) for h in self.hidden_dims), activation=self.activation,
            architecture=architecture,
            image_shape=None if image_shape is None else tuple(int(s) for s in image_shape),
            conv_channels=tuple(int(c) for c in self.conv_channels), **self._model_fields())

    def _trainer_config(self, seed: int) -> TrainerConfig:
        return TrainerConfig(
            epochs=self.epochs, batch_size=self.batch_size, optimizer=self.optimizer,
            learning_rate=float(self.learning_rate), weight_decay=float(self.weight_decay),
            lr_schedule=self.lr_schedule, validation_fraction=float(self.validation_fraction),
            early_stopping_patience=self.early_stopping_patience,
            checkpoint_dir=None if self.checkpoint_dir is None else str(self.checkpoint_dir),
            checkpoint_every=self.checkpoint_every,
            history_path=(None if self.checkpoint_dir is None
                          else str(Path(self.checkpoint_dir).with_name(
                              Path(self.checkpoint_dir).name + ".history.jsonl"))),
            seed=seed, device=self.device)

    def _record(self) -> dict:
        """What config.json stores about the estimator (beside the model's own config)."""
        record, _ = persistence.estimator_record(
            self, attributes=[k for k in self._fitted_attribute_kinds if hasattr(self, k)])
        return record

    # ----------------------------------------------------------------- input
    def _validate(self, X, *, reset: bool):
        X = validate_data(self, X, reset=reset, dtype=(np.float32, np.float64))
        return np.asarray(X, dtype=np.float32)

    def _fit_input(self, X):
        """(training data for the Trainer, n_features, image_shape)."""
        if isinstance(X, torch.utils.data.DataLoader):
            first = next(iter(X))
            first = first[0] if isinstance(first, (list, tuple)) else first
            self.n_features_in_ = int(np.prod(first.shape[1:]))
            return X, self.n_features_in_, self.image_shape
        image_shape = getattr(X, "image_shape", None) or self.image_shape
        data = self._validate(getattr(X, "X", X), reset=True)
        if image_shape is not None and int(np.prod(image_shape)) != data.shape[1]:
            raise ParameterError(f"image_shape={tuple(image_shape)} has "
                                 f"{int(np.prod(image_shape))} pixels but X has {data.shape[1]} "
                                 f"features; fix image_shape or leave it None.")
        return data, data.shape[1], image_shape

    # ----------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Train the model on ``X``; ``y`` is ignored.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), Dataset or torch DataLoader
            Data in [0, 1] for the Bernoulli / BCE losses.
        y : ignored

        Returns
        -------
        self
        """
        check_parameters(self)
        data, n_features, image_shape = self._fit_input(X)
        self.seed_ = _seed_from(self.random_state)
        device = resolve_device(self.device)
        self.image_shape_ = None if image_shape is None else tuple(int(s) for s in image_shape)
        config = self._model_config(n_features, image_shape)
        with _seeded(self.seed_, device):
            model = self._model_class(config)
        callbacks = [self.callback] if self.callback is not None else []
        trainer = Trainer(model, self._trainer_config(self.seed_), callbacks,
                          extra=self._record())
        self.history_ = trainer.fit(data, resume=self.resume)
        self.model_ = model.eval()
        self.device_ = str(device)
        self.n_epochs_ = len(self.history_)
        self.n_iter_ = trainer.step
        self.stopped_early_ = trainer.stopped_early
        return self

    # ----------------------------------------------------------------- batched inference
    def _device(self):
        return next(self.model_.parameters()).device

    def _map(self, fn, X, batch_size=1024):
        """Apply ``fn`` (tensor -> tensor) to X in batches, without gradients; numpy out."""
        out = []
        with torch.no_grad():
            for start in range(0, X.shape[0], batch_size):
                chunk = torch.as_tensor(X[start:start + batch_size]).to(self._device())
                out.append(fn(chunk).cpu().numpy())
        return np.concatenate(out, axis=0)

    def _codes(self, x):
        return self.model_.encode(x)

    def transform(self, X):
        """Codes of ``X``: (n_samples, latent_dim)."""
        check_is_fitted(self, "model_")
        X = self._validate(getattr(X, "X", X), reset=False)
        return self._map(self._codes, X)

    def inverse_transform(self, Z):
        """Decoded means ``E[x | z]`` of codes ``Z`` (n_samples, latent_dim): (n_samples, n_features)."""
        check_is_fitted(self, "model_")
        Z = check_array(Z, dtype=(np.float32, np.float64), input_name="Z").astype(np.float32)
        if Z.shape[1] != self.model_.config.latent_dim:
            raise DataError(f"Z has {Z.shape[1]} columns but the latent space has "
                            f"latent_dim={self.model_.config.latent_dim}.")
        return self._map(self.model_.decode, Z)

    def reconstruct(self, X):
        """``inverse_transform(transform(X))``: (n_samples, n_features)."""
        return self.inverse_transform(self.transform(X))

    def interpolate(self, x1, x2, steps=10, method="auto"):
        """Decoded codes between the codes of ``x1`` and ``x2`` (ends: their reconstructions).

        ``"linear"``: ``z(t) = (1 - t) z1 + t z2``. ``"spherical"`` (slerp, White 2016):
        ``z(t) = sin((1 - t) w) / sin w * z1 + sin(t w) / sin w * z2`` with ``w`` the angle
        between z1 and z2, which keeps codes at the typical radius of a Gaussian latent instead
        of cutting through its low-density centre. ``"auto"``: spherical for the VAE, linear
        otherwise.

        Parameters
        ----------
        x1, x2 : array-like of shape (n_features,)
        steps : int, default=10
        method : {"auto", "linear", "spherical"}

        Returns
        -------
        ndarray of shape (steps, n_features)
        """
        check_is_fitted(self, "model_")
        if not isinstance(steps, (Integral, np.integer)) or steps < 2:
            raise ParameterError(f"steps={steps!r} must be an integer >= 2.")
        method = self._default_interpolation if method == "auto" else method
        if method not in ("linear", "spherical"):
            raise ParameterError(f"method={method!r} is not known; use 'auto', 'linear' or "
                                 f"'spherical'.")
        z1, z2 = self.transform(np.stack([np.ravel(x1), np.ravel(x2)]))
        return self.inverse_transform(interpolate_codes(z1, z2, steps, method))

    # ----------------------------------------------------------------- persistence
    def save(self, folder) -> Path:
        """Write ``folder/config.json`` + ``folder/weights.safetensors`` (atomically)."""
        check_is_fitted(self, "model_")
        extra = self._record()
        extra["history"] = self.history_
        return save_model(folder, self.model_, extra=extra)

    @classmethod
    def load(cls, folder, device="auto"):
        """Load an estimator saved with :meth:`save`; never unpickles (see ``latentlearn.load``)."""
        est = load_neural_estimator(folder, device=device)
        if not isinstance(est, cls):
            raise CheckpointError(f"{folder} holds a {type(est).__name__}, not a {cls.__name__}.")
        return est

    @classmethod
    def _from_saved(cls, folder, config, *, device="auto"):
        """What ``latentlearn.load`` calls for a folder whose method is a neural estimator."""
        return load_neural_estimator(folder, device=device)


def interpolate_codes(z1, z2, steps, method="linear"):
    """Codes between ``z1`` and ``z2``: (steps, latent_dim); see ``interpolate``."""
    z1, z2 = np.asarray(z1, dtype=np.float64), np.asarray(z2, dtype=np.float64)
    t = np.linspace(0.0, 1.0, steps)[:, None]                          # (steps, 1)
    if method == "spherical":
        cos = np.dot(z1, z2) / max(np.linalg.norm(z1) * np.linalg.norm(z2), 1e-12)
        omega = math.acos(float(np.clip(cos, -1.0, 1.0)))
        if math.sin(omega) > 1e-6:
            return (np.sin((1 - t) * omega) * z1 + np.sin(t * omega) * z2) / math.sin(omega)
    return (1 - t) * z1 + t * z2


def load_neural_estimator(folder, device="auto"):
    """Rebuild a fitted neural estimator from a folder written by ``save``.

    Every file's checksum and every entry of config.json is checked (see
    :mod:`latentlearn.persistence`); folders of the earlier ``latentlearn.neural`` v1 format load.
    """
    folder = Path(folder)
    config_path = folder / "config.json"
    ckpt = read_checkpoint(folder)
    config = ckpt.config
    legacy = config["format"] == "latentlearn.neural"
    record = config.get("estimator") if legacy else config
    if not isinstance(record, dict) or "method" not in record:
        raise CheckpointError(f"{folder} holds a model but no estimator record; load it with "
                              f"latentlearn.neural.checkpoint.load_model instead.")
    cls = persistence.registered_class(config_path, record)
    if not issubclass(cls, _NeuralEstimator):
        raise CheckpointError(f"{config_path} names {record['method']!r}, which is not a "
                              f"neural estimator; load the folder with latentlearn.load.")
    params = persistence.decode_entries(config_path, cls, record.get("params", {}), {},
                                        where="parameter", typed=not legacy)
    attrs = persistence.decode_entries(config_path, cls, record.get("attributes", {}), {},
                                       where="attribute", typed=not legacy)
    if legacy:  # v1 stored tuples as JSON lists
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
        if isinstance(attrs.get("image_shape_"), list):
            attrs["image_shape_"] = tuple(attrs["image_shape_"])
    est = persistence.build_estimator(config_path, cls, params)
    persistence.set_attributes(config_path, est, attrs)
    dev = resolve_device(device)
    est.model_ = ckpt.build_model(dev).eval()
    if not hasattr(est, "n_features_in_"):
        est.n_features_in_ = est.model_.config.n_features
    est.seed_ = attrs.get("seed_")
    est.image_shape_ = attrs.get("image_shape_")
    # A training checkpoint (written by the Trainer) keeps its history in the training record.
    est.history_ = config.get("history", (config.get("training") or {}).get("history", []))
    est.n_epochs_ = len(est.history_)
    est.device_ = str(dev)
    return est


# --------------------------------------------------------------------------- autoencoders
_AE_CONSTRAINTS = dict(_TRAINING_CONSTRAINTS,
                       reconstruction=[Options({"bce", "mse", "mae"})],
                       code_activation=[Options({"relu", "sigmoid", "tanh", "linear"})])


@_register("ae")
class Autoencoder(_NeuralEstimator):
    """Autoencoder (seed 000): 784-128-32 ReLU, sigmoid output, binary cross-entropy, Adam.

    Parameters
    ----------
    latent_dim : int, default=32
    hidden_dims : tuple of int, default=(128,)
        Encoder widths between input and code; the decoder mirrors them.
    architecture : {"mlp", "conv", "auto"}, default="mlp"
        Seed 000's MLP; ``"conv"`` (or ``"auto"`` with a known image shape) a convolutional
        encoder / decoder.
    image_shape : tuple, optional
        (height, width[, channels]) when X is an array; taken from a Dataset otherwise.
    reconstruction : {"bce", "mse", "mae"}, default="bce"
    code_activation : str, default="relu"
    epochs, batch_size, learning_rate, optimizer, lr_schedule, weight_decay : training settings
    validation_fraction, early_stopping_patience : a seeded validation split, early stopping
    checkpoint_dir, checkpoint_every, resume : resumable checkpoints (see Trainer)
    device : str, default="auto"
    random_state : int, RandomState or None
    callback : callable ``callback(event, logs)``, optional
    """

    _model_class = _ae.Autoencoder
    _config_class = _ae.AutoencoderConfig
    _parameter_constraints = _AE_CONSTRAINTS

    def __init__(self, latent_dim=32, *, hidden_dims=(128,), architecture="mlp",
                 image_shape=None, conv_channels=(32, 64), activation="relu",
                 code_activation="relu", reconstruction="bce", epochs=20, batch_size=128,
                 learning_rate=1e-3, optimizer="adam", lr_schedule="constant", weight_decay=0.0,
                 validation_fraction=0.0, early_stopping_patience=None, checkpoint_dir=None,
                 checkpoint_every=1, resume=False, device="auto", random_state=None,
                 callback=None):
        self.latent_dim = latent_dim
        self.hidden_dims = hidden_dims
        self.architecture = architecture
        self.image_shape = image_shape
        self.conv_channels = conv_channels
        self.activation = activation
        self.code_activation = code_activation
        self.reconstruction = reconstruction
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.resume = resume
        self.device = device
        self.random_state = random_state
        self.callback = callback

    def _model_fields(self):
        return {"code_activation": self.code_activation, "reconstruction": self.reconstruction}


@_register("denoising_ae")
class DenoisingAutoencoder(Autoencoder):
    """Denoising autoencoder (seed 000): input + N(0, noise_std^2), clipped to [0, 1].

    Parameters as :class:`Autoencoder`, plus ``noise_std`` (default 0.1, seed 000) and
    ``clip`` (default True).
    """

    _model_class = _ae.DenoisingAutoencoder
    _config_class = _ae.DenoisingAutoencoderConfig
    _parameter_constraints = dict(_AE_CONSTRAINTS, noise_std=[Interval(Real, 0, None)],
                                  clip=["boolean"])

    def __init__(self, latent_dim=32, *, noise_std=0.1, clip=True, hidden_dims=(128,),
                 architecture="mlp", image_shape=None, conv_channels=(32, 64), activation="relu",
                 code_activation="relu", reconstruction="bce", epochs=20, batch_size=128,
                 learning_rate=1e-3, optimizer="adam", lr_schedule="constant", weight_decay=0.0,
                 validation_fraction=0.0, early_stopping_patience=None, checkpoint_dir=None,
                 checkpoint_every=1, resume=False, device="auto", random_state=None,
                 callback=None):
        super().__init__(
            latent_dim, hidden_dims=hidden_dims, architecture=architecture,
            image_shape=image_shape, conv_channels=conv_channels, activation=activation,
            code_activation=code_activation, reconstruction=reconstruction, epochs=epochs,
            batch_size=batch_size, learning_rate=learning_rate, optimizer=optimizer,
            lr_schedule=lr_schedule, weight_decay=weight_decay,
            validation_fraction=validation_fraction,
            early_stopping_patience=early_stopping_patience, checkpoint_dir=checkpoint_dir,
            checkpoint_every=checkpoint_every, resume=resume, device=device,
            random_state=random_state, callback=callback)
        self.noise_std = noise_std
        self.clip = clip

    def _model_fields(self):
        return dict(super()._model_fields(), noise_std=float(self.noise_std), clip=self.clip)


@_register("sparse_ae")
class SparseAutoencoder(Autoencoder):
    """Sparse autoencoder (seed 000): sigmoid code, penalty beta * sum_j KL(rho || rho_hat_j).

    Parameters as :class:`Autoencoder` (but ``code_activation="sigmoid"``), plus
    ``sparsity_target`` (rho, default 0.05) and ``sparsity_weight`` (beta, default 1.0).
    """

    _model_class = _ae.SparseAutoencoder
    _config_class = _ae.SparseAutoencoderConfig
    _parameter_constraints = dict(_AE_CONSTRAINTS,
                                  sparsity_target=[Interval(Real, 0, 1, closed="neither")],
                                  sparsity_weight=[Interval(Real, 0, None)])

    def __init__(self, latent_dim=32, *, sparsity_target=0.05, sparsity_weight=1.0,
                 hidden_dims=(128,), architecture="mlp", image_shape=None,
                 conv_channels=(32, 64), activation="relu", code_activation="sigmoid",
                 reconstruction="bce", epochs=20, batch_size=128, learning_rate=1e-3,
                 optimizer="adam", lr_schedule="constant", weight_decay=0.0,
                 validation_fraction=0.0, early_stopping_patience=None, checkpoint_dir=None,
                 checkpoint_every=1, resume=False, device="auto", random_state=None,
                 callback=None):
        super().__init__(
            latent_dim, hidden_dims=hidden_dims, architecture=architecture,
            image_shape=image_shape, conv_channels=conv_channels, activation=activation,
            code_activation=code_activation, reconstruction=reconstruction, epochs=epochs,
            batch_size=batch_size, learning_rate=learning_rate, optimizer=optimizer,
            lr_schedule=lr_schedule, weight_decay=weight_decay,
            validation_fraction=validation_fraction,
            early_stopping_patience=early_stopping_patience, checkpoint_dir=checkpoint_dir,
            checkpoint_every=checkpoint_every, resume=resume, device=device,
            random_state=random_state, callback=callback)
        self.sparsity_target = sparsity_target
        self.sparsity_weight = sparsity_weight

    def _model_fields(self):
        return dict(super()._model_fields(), sparsity_target=float(self.sparsity_target),
                    sparsity_weight=float(self.sparsity_weight))


# --------------------------------------------------------------------------- VAE
@_register("vae")
class VAE(GenerativeMixin, _NeuralEstimator):
    """Variational autoencoder: Gaussian encoder, Bernoulli / Gaussian / Laplace decoder.

    Trains on the negative ELBO ``-E_q[log p(x|z)] + beta * KL(q(z|x) || N(0, I))`` with
    ``z = mu + sigma * eps`` (see :mod:`latentlearn.neural.models.vae`, which also notes the
    seeds' misprints of that line).

    Parameters
    ----------
    latent_dim : int, default=20
    hidden_dims : tuple of int, default=(512, 256)
    architecture : {"auto", "mlp", "conv"}, default="auto"
        ``"auto"``: convolutional when the image shape is known (a Dataset with image_shape, or
        ``image_shape=``), else an MLP.
    likelihood : {"bernoulli", "gaussian", "laplace"}, default="bernoulli"
    scale : float, default=1.0
        Fixed decoder scale (Gaussian sigma, Laplace b).
    learn_scale : bool, default=False
        Learn one scale per feature instead.
    n_samples : int, default=1
        L, draws of z per input in the training loss.
    beta : float, default=1.0
        Weight of the KL term.
    Other parameters as :class:`Autoencoder`.

    Attributes
    ----------
    model_ : latentlearn.neural.models.vae.VAE
    history_ : list of dict
        Per-epoch loss, reconstruction, kl (and val_* with a validation split).
    """

    _model_class = _vae.VAE
    _config_class = _vae.VAEConfig
    _default_interpolation = "spherical"
    _parameter_constraints = dict(
        _TRAINING_CONSTRAINTS, likelihood=[Options({"bernoulli", "gaussian", "laplace"})],
        scale=[Interval(Real, 0, None, closed="neither")], learn_scale=["boolean"],
        n_samples=[Interval(Integral, 1, None)], beta=[Interval(Real, 0, None)])

    def __init__(self, latent_dim=20, *, likelihood="bernoulli", scale=1.0, learn_scale=False,
                 n_samples=1, beta=1.0, hidden_dims=(512, 256), architecture="auto",
                 image_shape=None, conv_channels=(32, 64), activation="relu", epochs=20,
                 batch_size=128, learning_rate=1e-3, optimizer="adam", lr_schedule="constant",
                 weight_decay=0.0, validation_fraction=0.0, early_stopping_patience=None,
                 checkpoint_dir=None, checkpoint_every=1, resume=False, device="auto",
                 random_state=None, callback=None):
        self.latent_dim = latent_dim
        self.likelihood = likelihood
        self.scale = scale
        self.learn_scale = learn_scale
        self.n_samples = n_samples
        self.beta = beta
        self.hidden_dims = hidden_dims
        self.architecture = architecture
        self.image_shape = image_shape
        self.conv_channels = conv_channels
        self.activation = activation
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.resume = resume
        self.device = device
        self.random_state = random_state
        self.callback = callback

    def _model_fields(self):
        return {"likelihood": self.likelihood, "scale": float(self.scale),
                "learn_scale": self.learn_scale, "n_samples": self.n_samples,
                "beta": float(self.beta)}

    def _codes(self, x):
        return self.model_.encode(x)[0]   # posterior means mu(x)

    def sample(self, n_samples=1, random_state=None):
        """Decoded means ``E[x | z]`` for ``z ~ N(0, I)``: (n_samples, n_features)."""
        check_is_fitted(self, "model_")
        if not isinstance(n_samples, (Integral, np.integer)) or n_samples < 1:
            raise ParameterError(f"n_samples={n_samples!r} must be an integer >= 1.")
        generator = torch.Generator().manual_seed(_seed_from(random_state))
        with torch.no_grad():
            return self.model_.sample(int(n_samples), generator=generator).cpu().numpy()

    def elbo(self, X, n_samples=1, random_state=0):
        """Per-input ELBO ``E_q[log p(x|z)] - KL(q(z|x) || N(0, I))`` (nats): (n_samples,).

        The KL is exact; the expectation averages ``n_samples`` draws of z.
        """
        check_is_fitted(self, "model_")
        X = self._validate(getattr(X, "X", X), reset=False)
        with _seeded(_seed_from(random_state), self._device()):
            return self._map(lambda x: self.model_.elbo(x, n_samples), X, batch_size=256)

    def log_likelihood(self, X, k=1000, random_state=0, batch_size=None):
        """Importance-sampled estimate of ``log p(x)`` per input (IWAE bound): (n_samples,).

        ``log p(x) ~ log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x)``, ``z_i ~ q(z|x)`` (Burda et
        al. 2016). It is a lower bound of log p(x) in expectation that tightens as k grows and
        is never below the ELBO in expectation; so ``-log_likelihood`` <= the negative ELBO.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        k : int, default=1000
            Importance samples per input.
        batch_size : int, optional
            Inputs per chunk; by default about 200,000 / k.
        """
        check_is_fitted(self, "model_")
        if not isinstance(k, (Integral, np.integer)) or k < 1:
            raise ParameterError(f"k={k!r} must be an integer >= 1.")
        X = self._validate(getattr(X, "X", X), reset=False)
        batch_size = batch_size or max(1, 200_000 // int(k))

        def iwae(x):
            w = self.model_.log_importance_weights(x, int(k))          # (k, batch)
            return torch.logsumexp(w, dim=0) - math.log(k)

        with _seeded(_seed_from(random_state), self._device()):
            return self._map(iwae, X, batch_size=batch_size)

    def score(self, X, y=None):
        """Mean ELBO of X (higher is better, as scikit-learn's ``score``)."""
        return float(np.mean(self.elbo(X)))
