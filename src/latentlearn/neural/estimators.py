"""scikit-learn-style estimators around the neural models: fit, transform, decode, sample, save.

Each estimator keeps the scikit-learn contract where it applies (STYLE.md): the constructor only
stores its arguments; ``fit`` checks them against ``_parameter_constraints``, validates ``X``,
builds the model (seeded by ``random_state``) and hands it to the one
:class:`~latentlearn.neural.trainer.Trainer`. The parameters are declared once, in
:mod:`.parameters`: the shared training settings in one table, and per family only the
parameters it adds (``_new_parameters``) and the defaults it changes (``_default_overrides``);
the constructor, the constraint table and the docstring's Parameters section are built from
that declaration. What fit learns ends in ``_`` (``model_``,
``history_``, ``n_features_in_``...). Same ``random_state``, same weights, bit for bit on CPU.

===================================================  ==============================================
``fit(X)``                                           X: ndarray (n_samples, n_features), a Dataset
                                                     (its image_shape then allows
                                                     ``architecture="conv"``), a tensor or a torch
                                                     DataLoader; a memory-mapped array is read
                                                     batch by batch, never copied whole
``transform(X)``                                     codes; for the VAE the posterior means
                                                     ``mu(x)``. X as for fit, or a tensor, a torch
                                                     Dataset or a DataLoader (read in batches;
                                                     every method below that reads inputs takes the
                                                     same, with the same results as the array);
                                                     ``output="torch"`` returns a tensor
``get_feature_names_out()``                          ``vae0``, ``vae1``...;
                                                     ``set_output(transform="pandas")`` works, also
                                                     as a step of a scikit-learn Pipeline
``inverse_transform(Z)``                             decoded means ``E[x | z]``
``reconstruct(X)``                                   ``inverse_transform(transform(X))``
``sample(n, random_state)``                          VAE: decoded draws from the prior N(0, I)
``interpolate(x1, x2, steps, method)``               decoded codes between two inputs:
                                                     ``"linear"``, or ``"spherical"`` (the default
                                                     for the VAE's Gaussian latent)
``save(folder)``, ``latentlearn.load(folder)``       the one saved-model format
                                                     (:mod:`.checkpoint`); a model fitted with a
                                                     user ``encoder=`` / ``decoder=`` module loads
                                                     with ``latentlearn.load(folder, encoder=...,
                                                     decoder=...)``
``elbo(X)``, ``log_likelihood(X, k)``, ``score(X)``  VAE: per-input ELBO, IWAE estimate of log p(x)
                                                     (k = 1000 by default), mean ELBO
===================================================  ==============================================

The names registered for the command line: ``ae``, ``denoising_ae``, ``sparse_ae``, ``vae``,
``beta_tcvae``, ``mmd_vae``, ``factor_vae``, ``vq_vae``, ``gan``, ``wgan``, ``wgan_gp``, ``contrastive`` (family ``"neural"``, kind ``"neural"``).
"""

from __future__ import annotations

import copy
import logging
import math
from contextlib import contextmanager
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from .._optional import require

# A missing torch raises an ImportError naming the extra: pip install 'latentlearn[neural]'.
torch = require("torch", extra="neural", what="the neural models")
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .. import persistence
from .._threads import n_jobs_limits
from ..base import GenerativeMixin, Interval, Options, check_parameters
from ..exceptions import CheckpointError, DataError, ParameterError
from ..neighbors import kneighbors_graph
from ..registry import register
from .checkpoint import read_checkpoint, save_model
from .models import autoencoder as _ae
from .models import beta_tcvae as _tcvae
from .models import contrastive as _contrastive
from .models import mmd_vae as _mmdvae
from .models import factor_vae as _fvae
from .models import gan as _gan
from .models import vae as _vae
from .models import vq_vae as _vqvae
from .networks import network_names, network_spec, user_class_name
from .parameters import TRAINING_PARAMETERS, Param, declare
from .trainer import Trainer, TrainerConfig, is_memmap, resolve_device

logger = logging.getLogger(__name__)

__all__ = ["Autoencoder", "DenoisingAutoencoder",
           "SparseAutoencoder", "VAE", "BetaTCVAE", "MMDVAE", "FactorVAE", "VQVAE",
           "ContrastiveEmbedding", "GAN", "WGAN", "WGANGP",
           "load_neural_estimator"]


def _register(name):
    # The one registry (latentlearn.registry) maps names to classes for loading as well.
    return register(name, family="neural", kind="neural")


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


def _samples(X):
    """The samples of a latentlearn Dataset (its ``X``); anything else as given (a DataFrame
    with a column called "X" is not mistaken for a Dataset)."""
    if hasattr(X, "X") and not hasattr(X, "iloc") and not _is_torch_data(X):
        return X.X
    return X


def _is_torch_data(X) -> bool:
    return torch.is_tensor(X) or isinstance(X, (torch.utils.data.Dataset,
                                                torch.utils.data.DataLoader))


_OUTPUTS = ("numpy", "torch")


def _check_output(output):
    if not isinstance(output, str) or output not in _OUTPUTS:
        raise ParameterError(f"output={output!r} is not known; use 'numpy' (an ndarray, the "
                             f"default) or 'torch' (a tensor on the model's device).")


def _check_columns(n_columns, expected, name):
    if n_columns != expected:
        what = "the model was fitted on" if name == "X" else "the latent space has"
        raise DataError(f"{name} has {n_columns} columns (features per sample) but {what} "
                        f"{expected}; pass {name} of shape (n_samples, {expected}).")


class _TorchRows:
    """The rows of a tensor, a torch Dataset or a DataLoader, served in batches of a fixed size.

    Re-chunking the source's own batches makes every input kind meet the model in the same
    batches as an array would (so results agree bit for bit, random draws included) and keeps
    memory at one batch, whatever the size of the data.
    """

    def __init__(self, source, *, n_columns, name, dtype, check):
        self.source, self.n_columns, self.name = source, int(n_columns), name
        self.dtype, self.check = dtype, check

    def _source_batches(self, batch_size):
        source = self.source
        if torch.is_tensor(source):
            if source.ndim == 1:
                raise DataError(f"{self.name} is a 1-D tensor; pass one sample per row, shape "
                                f"(n_samples, {self.n_columns}).")
            yield from torch.split(source.detach(), batch_size)
            return
        if not isinstance(source, torch.utils.data.DataLoader):   # a torch Dataset
            source = torch.utils.data.DataLoader(source, batch_size=batch_size, shuffle=False)
        # A DataLoader's iterator draws a seed from torch's global generator (shuffled or not);
        # reading it under fork_rng leaves the draws of a seeded method (the ELBO's) as they are.
        with torch.random.fork_rng(devices=[]):
            iterator = iter(source)
        while True:
            with torch.random.fork_rng(devices=[]):
                batch = next(iterator, None)
            if batch is None:
                return
            if isinstance(batch, (list, tuple)):   # (inputs, labels...): the inputs are first
                batch = batch[0]
            if not torch.is_tensor(batch):
                raise DataError(f"a batch of {self.name} must be a tensor or a tuple whose "
                                f"first item is the input tensor; got {type(batch).__name__}.")
            yield batch.detach()

    def _checked(self, batch):
        batch = batch.reshape(batch.shape[0], -1)          # (batch, n_columns); images flattened
        _check_columns(batch.shape[1], self.n_columns, self.name)
        if batch.is_floating_point() and not bool(torch.isfinite(batch).all()):
            raise DataError(f"{self.name} contains NaN or infinity; remove or impute those "
                            f"values.")
        if self.check is not None:
            self.check(batch)
        return batch.to(self.dtype)

    def batches(self, batch_size):
        """Tensors of exactly ``batch_size`` rows (the last one: the rest), in order."""
        held, n_held = [], 0
        for batch in self._source_batches(batch_size):
            held.append(self._checked(batch))
            n_held += held[-1].shape[0]
            while n_held >= batch_size:
                rows = torch.cat(held) if len(held) > 1 else held[0]
                yield rows[:batch_size]
                held, n_held = [rows[batch_size:]], n_held - batch_size
        if n_held:
            yield torch.cat(held) if len(held) > 1 else held[0]


@contextmanager
def torch_threads(n_jobs, whom):
    """torch's intra-op threads, numba's and the BLAS pools limited to ``n_jobs`` for the block
    (:func:`latentlearn._threads.n_jobs_limits` plus ``torch.set_num_threads``), restored after,
    also after an error; None changes nothing. (On torch builds whose intra-op pool is OpenMP,
    threadpoolctl's OpenMP limit already reaches it; the explicit count covers the others.)"""
    with n_jobs_limits(n_jobs, whom=whom) as threads:
        if threads is None:
            yield None
            return
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            yield threads
        finally:
            torch.set_num_threads(before)


class _NeuralEstimator(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shared fit / transform / decode / save machinery; subclasses name the model."""

    _model_class: type = None
    _config_class: type = None
    # What loading checks config.json's attributes against (latentlearn.persistence).
    _fitted_attribute_kinds = {"n_features_in_": ("int",), "seed_": ("int",),
                               "image_shape_": ("tuple", "none")}
    _default_interpolation = "linear"
    # Filled in for every subclass by parameters.declare (from TRAINING_PARAMETERS plus the
    # subclass's _new_parameters and _default_overrides): the table, the constraints checked
    # at fit, the stored-arguments-only __init__ and the Parameters section of the docstring.
    _param_table: dict = {p.name: p for p in TRAINING_PARAMETERS}
    _parameter_constraints: dict = {p.name: list(p.constraints) for p in TRAINING_PARAMETERS}
    _new_parameters: tuple = ()
    _default_overrides: dict = {}

    def __init_subclass__(cls, **kwargs):
        declare(cls)
        super().__init_subclass__(**kwargs)

    # ----------------------------------------------------------------- config
    def _params_to(self, target: str) -> dict:
        """The parameters that go to the model config or the trainer config, converted."""
        return {p.field or p.name: p.value(getattr(self, p.name))
                for p in self._param_table.values() if p.to == target}

    def _model_config(self, n_features: int, image_shape):
        architecture = self.architecture
        if architecture == "auto":
            architecture = "conv" if image_shape is not None else "mlp"
        networks = {}
        for role in self._network_roles():
            value = getattr(self, role)
            if isinstance(value, str) and value not in network_names():
                raise ParameterError(f"{type(self).__name__}: {role}={value!r} is not a "
                                     f"registered network; use one of "
                                     f"{', '.join(network_names())}, register a builder with "
                                     f"latentlearn.neural.networks.register_network, or pass "
                                     f"an nn.Module.")
            if value is not None:  # a user module is recorded as "user:<ClassName>"
                networks[f"{role}_network"] = network_spec(value)
        return self._config_class(
            n_features=n_features, architecture=architecture,
            image_shape=None if image_shape is None else tuple(int(s) for s in image_shape),
            **networks, **self._params_to("model"))

    def _user_modules(self) -> dict:
        """Copies of the user's encoder / decoder modules (fit leaves the parameters as given)."""
        return {role: copy.deepcopy(getattr(self, role)) for role in self._network_roles()
                if isinstance(getattr(self, role), torch.nn.Module)}

    def _network_roles(self) -> list:
        """The injectable networks this class has (an encoder-only model has no decoder)."""
        return [role for role in ("encoder", "decoder") if role in self._param_table]

    def _trainer_config(self, seed: int) -> TrainerConfig:
        history_path = None
        if self.checkpoint_dir is not None:
            folder = Path(self.checkpoint_dir)
            history_path = str(folder.with_name(folder.name + ".history.jsonl"))
        return TrainerConfig(**self._params_to("trainer"), history_path=history_path, seed=seed)

    def _record(self, require_name=True) -> dict:
        """What config.json stores about the estimator (beside the model's own config)."""
        record, _ = persistence.estimator_record(
            self, attributes=[k for k in self._fitted_attribute_kinds if hasattr(self, k)],
            require_name=require_name)
        return record

    # ----------------------------------------------------------------- input
    def _validate(self, X, *, reset: bool):
        if torch.is_tensor(X):   # fit and the small helpers take a tensor as an array
            X = X.detach().cpu().numpy()
        X = validate_data(self, X, reset=reset, dtype=(np.float32, np.float64))
        # C order: a DataFrame's (column-major) values would otherwise meet the network as a
        # strided tensor, whose products round differently from the array's
        return np.ascontiguousarray(X, dtype=np.float32)

    def _fit_input(self, X):
        """(training data for the Trainer, n_features, image_shape)."""
        if isinstance(X, torch.utils.data.DataLoader):
            first = next(iter(X))
            first = first[0] if isinstance(first, (list, tuple)) else first
            self.n_features_in_ = int(np.prod(first.shape[1:]))
            return X, self.n_features_in_, self.image_shape
        image_shape = getattr(X, "image_shape", None) or self.image_shape
        samples = _samples(X)
        if is_memmap(samples):   # read batch by batch by the trainer (which checks for NaN)
            data = samples
            if data.ndim != 2 or data.shape[0] < 1:
                raise DataError(f"a memory-mapped X must have shape (n_samples, n_features); "
                                f"got {data.shape}.")
            self.n_features_in_ = int(data.shape[1])
        else:
            data = self._validate(samples, reset=True)
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
        X : array-like of shape (n_samples, n_features), Dataset, Tensor or torch DataLoader
            Data in [0, 1] for the Bernoulli / BCE losses. A DataFrame's column names are kept
            as ``feature_names_in_``.
        y : ignored

        Returns
        -------
        self
        """
        check_parameters(self)
        data, n_features, image_shape = self._fit_input(X)
        self.seed_ = _seed_from(self.random_state)
        return self._train(data, n_features, image_shape)

    def _train(self, data, n_features, image_shape, inputs=None):
        """Build the model (seeded by ``seed_``) and train it: the part of fit every family
        shares. ``inputs`` is what the trainer iterates over (``data`` by default)."""
        device = resolve_device(self.device)
        self.image_shape_ = None if image_shape is None else tuple(int(s) for s in image_shape)
        config = self._model_config(n_features, image_shape)
        with _seeded(self.seed_, device):
            model = self._model_class(config, **self._user_modules())
        callbacks = self._callbacks(model, device)
        callbacks += [self.callback] if self.callback is not None else []
        trainer = Trainer(model, self._trainer_config(self.seed_), callbacks,
                          extra=self._record(require_name=False))
        with self._training_data(model, data), torch_threads(self.n_jobs, type(self).__name__):
            self.history_ = trainer.fit(data if inputs is None else inputs, resume=self.resume)
        self.model_ = model.eval()
        self.device_ = str(device)
        self.n_epochs_ = len(self.history_)
        self.n_iter_ = trainer.step
        self.stopped_early_ = trainer.stopped_early
        return self

    def _callbacks(self, model, device) -> list:
        """Callbacks the estimator itself hands the trainer, before the user's ``callback``."""
        return []

    @contextmanager
    def _training_data(self, model, data):
        """Held around training, e.g. to attach data the model reads by index."""
        yield

    # ----------------------------------------------------------------- batched inference
    # Every method that reads inputs (transform, inverse_transform, reconstruct, elbo, score,
    # log_likelihood, prior_nll...) goes through _rows and _map: arrays, DataFrames, Datasets,
    # tensors, torch Datasets and DataLoaders alike, re-chunked into the same batches, so that
    # each kind gives the numpy path's result bit for bit (the VAE's draws included).
    def _device(self):
        return next(self.model_.parameters()).device

    def _rows(self, X, *, name="X", n_columns=None, dtype=torch.float32, check=None):
        """``X`` for batched inference: a validated ndarray, or the rows of torch data.

        Arrays, DataFrames and latentlearn Datasets are validated as scikit-learn does
        (feature names included); a tensor, a torch ``Dataset`` or a ``DataLoader`` (its
        batches a tensor or a tuple whose first item is the inputs, e.g. a ``TensorDataset``)
        is read batch by batch, each batch flattened to ``(batch, n_columns)``, checked and
        converted to ``dtype``. ``check(batch)`` adds a check of the values.
        """
        n_columns = self.n_features_in_ if n_columns is None else n_columns
        if _is_torch_data(X):
            return _TorchRows(X, n_columns=n_columns, name=name, dtype=dtype, check=check)
        X = _samples(X)
        if name == "X":
            X = self._validate(X, reset=False)
        else:
            X = check_array(X, dtype=(np.float32, np.float64), input_name=name)
            X = np.ascontiguousarray(X, dtype=np.float32)
            _check_columns(X.shape[1], n_columns, name)
        if check is not None:
            check(torch.as_tensor(X))
        return X

    def _map(self, fn, X, batch_size=1024, output="numpy"):
        """Apply ``fn`` (tensor -> tensor) to ``X`` (from :meth:`_rows`) in batches of
        ``batch_size`` rows, without gradients: an ndarray, or (``output="torch"``) a tensor on
        the model's device."""
        _check_output(output)
        device = self._device()
        out = []
        with torch.no_grad(), torch_threads(getattr(self, "n_jobs", None), type(self).__name__):
            if isinstance(X, _TorchRows):
                for chunk in X.batches(batch_size):
                    out.append(fn(chunk.to(device)))
            else:
                for start in range(0, X.shape[0], batch_size):
                    chunk = X[start:start + batch_size]
                    if not chunk.flags.writeable:   # e.g. a view of a copy-on-write DataFrame
                        chunk = chunk.copy()
                    out.append(fn(torch.as_tensor(chunk).to(device)))
        if not out:
            raise DataError("X has no samples; pass at least one row.")
        result = torch.cat(out, dim=0)
        return result if output == "torch" else result.cpu().numpy()

    def _codes(self, x):
        return self.model_.encode(x)

    @property
    def _n_features_out(self):
        """Columns of ``transform``'s output: ``get_feature_names_out`` names them
        ``<class name in lower case><i>`` (``vae0``, ``vae1``...), scikit-learn's convention."""
        return self.model_.config.latent_dim

    def _encode(self, X, output="numpy"):
        check_is_fitted(self, "model_")
        return self._map(self._codes, self._rows(X), output=output)

    def _rows_of_codes(self, Z):
        return self._rows(Z, name="Z", n_columns=self.model_.config.latent_dim)

    def _decode(self, Z, output="numpy"):
        check_is_fitted(self, "model_")
        return self._map(self.model_.decode, self._rows_of_codes(Z), output=output)

    def transform(self, X, *, output="numpy"):
        """Codes of ``X``: (n_samples, latent_dim).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), Dataset, Tensor, torch Dataset or DataLoader
            What ``fit`` takes, and torch data read batch by batch (a batch may be images,
            flattened row-major to ``n_features``).
        output : {"numpy", "torch"}, default="numpy"
            An ndarray (scikit-learn's convention; ``set_output(transform="pandas")`` then gives
            a DataFrame with columns ``get_feature_names_out()``), or a tensor on the model's
            device, for code that stays in torch. A configured ``set_output`` container is
            applied last, so ask for one or the other, not both (a CUDA tensor cannot become a
            DataFrame).

        Returns
        -------
        ndarray or Tensor of shape (n_samples, latent_dim)
        """
        return self._encode(X, output)

    def inverse_transform(self, Z, *, output="numpy"):
        """Decoded means ``E[x | z]`` of codes ``Z`` (n_samples, latent_dim): (n_samples, n_features).

        ``Z`` may be an array, a tensor or torch data as in :meth:`transform`; ``output`` as
        there.
        """
        return self._decode(Z, output)

    def reconstruct(self, X, *, output="numpy"):
        """``inverse_transform(transform(X))``: (n_samples, n_features); inputs and ``output``
        as :meth:`transform`."""
        return self._decode(self._encode(X, output="torch"), output)

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
        z1, z2 = self._encode(np.stack([np.ravel(x1), np.ravel(x2)]))
        return self._decode(interpolate_codes(z1, z2, steps, method))

    # ----------------------------------------------------------------- persistence
    def save(self, folder) -> Path:
        """Write ``folder/config.json`` + ``folder/weights.safetensors`` (atomically)."""
        check_is_fitted(self, "model_")
        extra = self._record()
        extra["history"] = self.history_
        return save_model(folder, self.model_, extra=extra)

    @classmethod
    def load(cls, folder, device="auto", *, encoder=None, decoder=None):
        """Load an estimator saved with :meth:`save`; never unpickles (see ``latentlearn.load``).

        ``encoder`` / ``decoder``: the user modules it was fitted with, if any (a folder keeps
        their weights, not their code).
        """
        est = load_neural_estimator(folder, device=device, encoder=encoder, decoder=decoder)
        if not isinstance(est, cls):
            raise CheckpointError(f"{folder} holds a {type(est).__name__}, not a {cls.__name__}.")
        return est

    @classmethod
    def _from_saved(cls, folder, config, *, device="auto", encoder=None, decoder=None):
        """What ``latentlearn.load`` calls for a folder whose method is a neural estimator."""
        return load_neural_estimator(folder, device=device, encoder=encoder, decoder=decoder)


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


def _modules_for(config_path, model_config: dict, given: dict) -> dict:
    """The user modules the saved model config asks for, with a clear error when one is missing."""
    modules = {}
    for role, module in given.items():
        spec = model_config.get(f"{role}_network")
        cls_name = user_class_name(spec)
        if cls_name is None:
            if module is not None:
                raise CheckpointError(f"{config_path} was saved with {role}={spec!r}, not a "
                                      f"user module; load it without {role}=.")
            continue
        if module is None:
            raise CheckpointError(f"{config_path} was fitted with a user {role} ({cls_name}); "
                                  f"a saved folder keeps its weights but not its code. Pass the "
                                  f"module again: latentlearn.load(folder, {role}={cls_name}(...)"
                                  f").")
        if not isinstance(module, torch.nn.Module):
            raise CheckpointError(f"{role}= must be an nn.Module (the {cls_name} the folder was "
                                  f"fitted with); got {type(module).__name__}.")
        modules[role] = copy.deepcopy(module)   # the weights load into a copy
    return modules


def load_neural_estimator(folder, device="auto", *, encoder=None, decoder=None):
    """Rebuild a fitted neural estimator from a folder written by ``save``.

    Every file's checksum and every entry of config.json is checked (see
    :mod:`latentlearn.persistence`); folders of the earlier ``latentlearn.neural`` v1 format load.
    A folder fitted with a user ``encoder`` / ``decoder`` module needs that module passed again
    (same class and shapes; its weights are replaced by the saved ones).
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
    modules = _modules_for(config_path, config["model_config"],
                           {"encoder": encoder, "decoder": decoder})
    est = persistence.build_estimator(config_path, cls, params)
    persistence.set_attributes(config_path, est, attrs)
    for role in modules:   # the parameter as fitted (a module is saved as None)
        setattr(est, role, encoder if role == "encoder" else decoder)
    dev = resolve_device(device)
    try:
        est.model_ = ckpt.build_model(dev, **modules).eval()
    except ParameterError as exc:
        raise CheckpointError(f"{config_path}: {exc}") from None
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
@_register("ae")
class Autoencoder(_NeuralEstimator):
    """Autoencoder (Hinton & Salakhutdinov 2006): encoder g, decoder h, h(g(x)) close to x.

    The default network is a small MNIST MLP, 784-128-32 ReLU with a sigmoid output, trained
    on the binary cross-entropy with Adam (Goodfellow, Bengio & Courville 2016, Deep Learning,
    ch. 14).
    """

    _model_class = _ae.Autoencoder
    _config_class = _ae.AutoencoderConfig
    _new_parameters = (
        Param("code_activation", "relu",
              (Options({"relu", "sigmoid", "tanh", "linear"}),), "",
              "Nonlinearity of the code layer.", to="model"),
        Param("reconstruction", "bce", (Options({"bce", "mse", "mae"}),), "",
              "Reconstruction loss, summed over features: binary cross-entropy (data in [0, 1]), "
              "squared or absolute error.", to="model"),
    )


@_register("denoising_ae")
class DenoisingAutoencoder(Autoencoder):
    """Denoising autoencoder (Vincent et al. 2008): input + N(0, noise_std^2), clipped to [0, 1].

    The clean input is the reconstruction target.
    """

    _model_class = _ae.DenoisingAutoencoder
    _config_class = _ae.DenoisingAutoencoderConfig
    _new_parameters = (
        Param("noise_std", 0.1, (Interval(Real, 0, None),), "float",
              "Standard deviation of the Gaussian corruption.", to="model", convert=float),
        Param("clip", True, ("boolean",), "bool", "Clip the corrupted input to [0, 1].",
              to="model"),
    )


@_register("sparse_ae")
class SparseAutoencoder(Autoencoder):
    """Sparse autoencoder (Ng 2011): sigmoid code, penalty beta * sum_j KL(rho || rho_hat_j).

    ``rho_hat_j`` is the mean activation of code unit j over the batch.
    """

    _model_class = _ae.SparseAutoencoder
    _config_class = _ae.SparseAutoencoderConfig
    _new_parameters = (
        Param("sparsity_target", 0.05, (Interval(Real, 0, 1, closed="neither"),), "float",
              "rho, the target mean activation of each code unit.", to="model",
              convert=float),
        Param("sparsity_weight", 1.0, (Interval(Real, 0, None),), "float",
              "beta, the weight of the sparsity penalty.", to="model", convert=float),
    )
    _default_overrides = {"code_activation": "sigmoid"}


# --------------------------------------------------------------------------- VAE
@_register("vae")
class VAE(GenerativeMixin, _NeuralEstimator):
    """Variational autoencoder (Kingma & Welling 2014): Gaussian encoder, chosen decoder p(x|z).

    Trains on the negative ELBO ``-E_q[log p(x|z)] + beta * KL(q(z|x) || N(0, I))`` with
    ``z = mu + sigma * eps`` (see :mod:`latentlearn.neural.models.vae`, which also states the
    common slips in that line).

    Attributes
    ----------
    model_ : latentlearn.neural.models.vae.VAE
    history_ : list of dict
        Per-epoch loss, reconstruction, kl (and val_* with a validation split).
    """

    _model_class = _vae.VAE
    _config_class = _vae.VAEConfig
    _default_interpolation = "spherical"
    _new_parameters = (
        Param("likelihood", "bernoulli", (Options({"bernoulli", "gaussian", "laplace"}),), "",
              "Decoder distribution p(x | z).", to="model"),
        Param("scale", 1.0, (Interval(Real, 0, None, closed="neither"),), "float",
              "Fixed decoder scale (Gaussian sigma, Laplace b).", to="model", convert=float),
        Param("learn_scale", False, ("boolean",), "bool",
              "Learn one decoder scale per feature instead.", to="model"),
        Param("n_samples", 1, (Interval(Integral, 1, None),), "int",
              "L, draws of z per input in the training loss.", to="model"),
        Param("beta", 1.0, (Interval(Real, 0, None),), "float",
              "Weight of the KL term (1: the ELBO; others: a beta-VAE, Higgins et al. 2017).",
              to="model", convert=float),
    )
    _default_overrides = {"latent_dim": 20, "hidden_dims": (512, 256), "architecture": "auto"}

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

    def elbo(self, X, n_samples=1, random_state=0, *, output="numpy"):
        """Per-input ELBO ``E_q[log p(x|z)] - KL(q(z|x) || N(0, I))`` (nats): (n_samples,).

        The KL is exact; the expectation averages ``n_samples`` draws of z. ``X`` may be
        anything :meth:`transform` takes (a tensor, a torch Dataset, a DataLoader...): the draws
        are the same for each, so are the values; ``output="torch"`` returns a tensor.
        """
        check_is_fitted(self, "model_")
        X = self._rows(X)
        with _seeded(_seed_from(random_state), self._device()):
            return self._map(lambda x: self.model_.elbo(x, n_samples), X, batch_size=256,
                             output=output)

    def log_likelihood(self, X, k=1000, random_state=0, batch_size=None, *, output="numpy"):
        """Importance-sampled estimate of ``log p(x)`` per input (IWAE bound): (n_samples,).

        ``log p(x) ~ log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x)``, ``z_i ~ q(z|x)`` (Burda et
        al. 2016). It is a lower bound of log p(x) in expectation that tightens as k grows and
        is never below the ELBO in expectation; so ``-log_likelihood`` <= the negative ELBO.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), Tensor, torch Dataset or DataLoader
            As :meth:`transform`.
        k : int, default=1000
            Importance samples per input.
        batch_size : int, optional
            Inputs per chunk; by default about 200,000 / k.
        output : {"numpy", "torch"}, default="numpy"
        """
        check_is_fitted(self, "model_")
        if not isinstance(k, (Integral, np.integer)) or k < 1:
            raise ParameterError(f"k={k!r} must be an integer >= 1.")
        X = self._rows(X)
        batch_size = batch_size or max(1, 200_000 // int(k))

        def iwae(x):
            w = self.model_.log_importance_weights(x, int(k))          # (k, batch)
            return torch.logsumexp(w, dim=0) - math.log(k)

        with _seeded(_seed_from(random_state), self._device()):
            return self._map(iwae, X, batch_size=batch_size, output=output)

    def score(self, X, y=None):
        """Mean ELBO of X (higher is better, as scikit-learn's ``score``); ``X`` as
        :meth:`transform` takes it. A float."""
        return float(np.mean(self.elbo(X)))


def _training_size(data, validation_fraction) -> int:
    """N, the number of inputs the trainer trains on (after its validation split)."""
    if isinstance(data, torch.utils.data.DataLoader):
        return len(data.dataset)
    n = int(data.shape[0])
    return n - int(round(validation_fraction * n)) if validation_fraction > 0 else n


@_register("beta_tcvae")
class BetaTCVAE(VAE):
    """beta-TCVAE (Chen et al. 2018): the VAE with its KL split into MI, TC and dimension-wise KL.

    Trains on ``-E_q[log p(x|z)] + alpha * MI + beta * TC + gamma * dwKL``: index-code mutual
    information ``KL(q(z, n) || q(z) p(n))``, total correlation ``KL(q(z) || prod_j q(z_j))``
    and dimension-wise KL ``sum_j KL(q(z_j) || p(z_j))``, whose sum is the VAE's KL term;
    ``beta > 1`` penalises only the TC, the part that rewards statistically independent code
    dimensions. ``log q(z)`` is estimated from each batch by minibatch weighted or stratified
    sampling (``tc_estimator``), which needs the training-set size N: fit takes it from the data
    (``len(dataset)`` for a DataLoader). See :mod:`latentlearn.neural.models.beta_tcvae`.

    Attributes
    ----------
    model_ : latentlearn.neural.models.beta_tcvae.BetaTCVAE
    history_ : list of dict
        Per-epoch loss, reconstruction, kl (exact), mi, tc, dwkl (and val_* with a validation
        split).
    """

    _model_class = _tcvae.BetaTCVAE
    _config_class = _tcvae.BetaTCVAEConfig
    _new_parameters = (
        Param("alpha", 1.0, (Interval(Real, 0, None),), "float",
              "Weight of the index-code mutual information.", to="model", convert=float),
        Param("gamma", 1.0, (Interval(Real, 0, None),), "float",
              "Weight of the dimension-wise KL.", to="model", convert=float),
        Param("tc_estimator", "mws", (Options({"mws", "mss"}),), "",
              'How log q(z) is estimated from a batch: minibatch weighted ("mws") or stratified '
              '("mss") sampling (Chen et al. 2018, appendix C).', to="model", field="estimator"),
    )
    _default_overrides = {"beta": 6.0}

    def _fit_input(self, X):
        data, n_features, image_shape = super()._fit_input(X)
        self._dataset_size = _training_size(data, self.validation_fraction)
        return data, n_features, image_shape

    def _model_config(self, n_features: int, image_shape):
        config = super()._model_config(n_features, image_shape)
        config.dataset_size = self._dataset_size
        return config


@_register("mmd_vae")
class MMDVAE(VAE):
    """MMD-VAE (InfoVAE, Zhao et al. 2019): the VAE's KL replaced by lambda * MMD^2(q(z), p(z)).

    Trains on ``-E_q[log p(x|z)] + lambda * MMD^2(codes, prior draws) + beta * KL`` with the
    MMD of :func:`latentlearn.divergences.mmd2` (Gretton et al. 2012; Gaussian kernel of
    bandwidth ``sqrt(latent_dim)``, unbiased estimator) between each batch's codes and as many
    draws from N(0, I). Matching the aggregate posterior rather than each q(z|x) to the prior
    keeps the codes informative (no pull of every posterior towards the prior). Batches need
    at least two inputs. See :mod:`latentlearn.neural.models.mmd_vae`.

    Attributes
    ----------
    model_ : latentlearn.neural.models.mmd_vae.MMDVAE
    history_ : list of dict
        Per-epoch loss, reconstruction, mmd, kl (and val_* with a validation split).
    """

    _model_class = _mmdvae.MMDVAE
    _config_class = _mmdvae.MMDVAEConfig
    _new_parameters = (
        Param("mmd_weight", 100.0, (Interval(Real, 0, None),), "float",
              "lambda, the weight of MMD^2 between the batch's codes and prior draws (the "
              "reconstruction is summed over features, hence the large default; much larger "
              "values collapse q(z|x) onto the prior).", to="model", convert=float),
    )
    _default_overrides = {"beta": 0.0}

    def _fit_input(self, X):
        data, n_features, image_shape = super()._fit_input(X)
        n = _training_size(data, self.validation_fraction)
        if isinstance(data, torch.utils.data.DataLoader):
            return data, n_features, image_shape
        if min(n, self.batch_size) < 2 or n % self.batch_size == 1:
            raise ParameterError(
                f"batch_size={self.batch_size} on {n} training inputs leaves a batch of 1, on "
                f"which the MMD between codes and prior draws cannot be estimated (it compares "
                f"pairs of distinct codes); use batch_size >= 2 that does not divide {n - 1}.")
        return data, n_features, image_shape


# --------------------------------------------------------------------------- FactorVAE
@_register("factor_vae")
class FactorVAE(VAE):
    """FactorVAE (Kim & Mnih 2018): a VAE whose loss adds ``gamma`` times the total correlation
    of the codes, estimated by a discriminator of codes vs dimension-permuted codes.

    Loss of the VAE: ``-E_q[log p(x|z)] + beta KL(q(z|x) || N(0, I)) + gamma E_q[log D(z) -
    log(1 - D(z))]``; the discriminator (its own Adam optimiser, lr
    ``discriminator_learning_rate``, betas (0.5, 0.9) as in the paper) is trained on codes vs
    codes whose dimensions were permuted across the batch. The paper's dSprites runs use
    gamma = 35 and a discriminator of 6 x 1000 units; the defaults here are gamma = 10 and
    4 x 256 (see :mod:`latentlearn.neural.models.factor_vae`).

    Attributes
    ----------
    model_ : latentlearn.neural.models.factor_vae.FactorVAE
    history_ : list of dict
        Per-epoch loss, reconstruction, kl, tc (the discriminator's estimate),
        discriminator.loss, discriminator_accuracy (and val_* with a validation split).
    """

    _model_class = _fvae.FactorVAE
    _config_class = _fvae.FactorVAEConfig
    _new_parameters = (
        Param("gamma", 10.0, (Interval(Real, 0, None),), "float",
              "Weight of the total-correlation penalty (Kim & Mnih 2018 use 35 on dSprites).",
              to="model", convert=float),
        Param("discriminator_hidden", 256, (Interval(Integral, 1, None),), "int",
              "Width of the discriminator's hidden layers (1000 in the paper).", to="model"),
        Param("discriminator_layers", 4, (Interval(Integral, 1, None),), "int",
              "Hidden layers of the discriminator (6 in the paper).", to="model"),
        Param("discriminator_learning_rate", 1e-4, (Interval(Real, 0, None, closed="neither"),),
              "float", "Adam step size of the discriminator (betas (0.5, 0.9)).", to="model",
              convert=float),
    )


# --------------------------------------------------------------------------- contrastive (DrLIM)
# float32 index columns (the Trainer's batches) are exact up to 2**24 inputs.
_MAX_INDEXED_SAMPLES = 2**24


def _never(_):   # available_if predicate: the method does not exist for this estimator
    return False


@_register("contrastive")
class ContrastiveEmbedding(_NeuralEstimator):
    """Siamese network trained on similar / dissimilar pairs: DrLIM (Hadsell, Chopra & LeCun 2006).

    One network ``G_W`` (an MLP or a convolutional encoder from
    :mod:`latentlearn.neural.networks`; the two branches of the siamese network of Bromley et
    al. 1993 share it) maps inputs to a low-dimensional code (2-D by default), trained on pairs
    with the contrastive loss of Hadsell et al. 2006, ``D = ||G_W(x1) - G_W(x2)||``::

        L = (1 - Y) D^2 / 2 + Y max(0, margin - D)^2 / 2

    where **Y = 0 means "similar" and Y = 1 "dissimilar"**, the convention of Hadsell et al.
    2006 (Chopra, Hadsell & LeCun 2005 and many libraries write the reverse). ``loss="triplet"``
    trains on triplets instead, ``max(0, D(a, p)^2 - D(a, n)^2 + margin)`` (Weinberger & Saul
    2009; Schroff et al. 2015, FaceNet, without its unit-sphere normalisation).

    Pairs are unsupervised by default, as in DrLIM: each input's ``n_neighbors`` nearest
    neighbours in input space (Euclidean, :func:`latentlearn.neighbors.kneighbors_graph`, not
    symmetrised) are similar to it, every other input dissimilar. ``fit(X, y)`` uses class
    labels instead: inputs of the same class are similar (a ``Dataset``'s own ``y`` is not used
    unless passed as ``y``). Per epoch each input is an anchor once (in the trainer's shuffled
    batches of ``batch_size`` anchors) and is paired with ``n_neighbors`` positives -- its
    neighbours, or that many draws from its class -- and with ``negatives_per_positive``
    negatives per positive, drawn uniformly from the inputs not similar to it. DrLIM pairs every
    input with all others, so dissimilar pairs vastly outnumber similar ones; sampling a fixed
    ratio keeps an epoch linear in n. Since the hinge stops pushing a dissimilar pair once it is
    past the margin, few negatives suffice: on 4,000 MNIST digits 1 or 2 per positive give the
    same 10-NN accuracy of the 2-D code (0.71 and 0.72, benchmarks/bench_contrastive_tsne.py);
    the default is 2. The
    draws come from torch's generator as seeded by ``random_state``: the same value gives the
    same weights, and ``resume=True`` the weights of an uninterrupted run.

    Unlike t-SNE (van der Maaten & Hinton 2008), the map is parametric: ``transform`` embeds new
    inputs by one pass through the network. There is no decoder (no ``inverse_transform``).
    ``validation_fraction`` holds out anchors (their pairs' loss is logged as ``val_loss``);
    neighbours are found among all inputs.

    Attributes
    ----------
    model_ : latentlearn.neural.models.contrastive.ContrastiveNetwork
    history_ : list of dict
        Per epoch: ``loss``, ``positive_distance`` and ``negative_distance`` (mean code
        distance of the similar and dissimilar pairs), ``negatives_within_margin`` (share of
        dissimilar pairs closer than the margin), ``similar_loss`` / ``dissimilar_loss`` (each
        branch's mean; contrastive loss) or ``active_triplets`` (share with a positive hinge;
        triplet loss), and ``val_*`` with a validation split.
    pairs_ : {"knn", "labels"}
        Where the similar pairs came from.
    """

    _model_class = _contrastive.ContrastiveNetwork
    _config_class = _contrastive.ContrastiveConfig
    _fitted_attribute_kinds = {**_NeuralEstimator._fitted_attribute_kinds, "pairs_": ("str",)}
    _new_parameters = (
        Param("loss", "contrastive", (Options({"contrastive", "triplet"}),), "",
              '"contrastive": the pair loss of Hadsell et al. 2006; "triplet": the triplet '
              'margin loss on squared distances (Schroff et al. 2015).', to="model"),
        Param("margin", 1.0, (Interval(Real, 0, None, closed="neither"),), "float",
              "m: dissimilar pairs at least this far apart cost nothing (contrastive); the "
              "gap D(a, n)^2 - D(a, p)^2 asked of each triplet (triplet).", to="model",
              convert=float),
        Param("n_neighbors", 5, (Interval(Integral, 1, None),), "int",
              "k: positives per anchor, its k nearest neighbours (kNN pairs) or k draws from "
              "its class (labels); must be < n_samples.", to="model"),
        Param("negatives_per_positive", 2, (Interval(Integral, 1, None),), "int",
              "Dissimilar inputs drawn per positive, per anchor and epoch.", to="model"),
    )
    _removed_parameters = ("decoder",)   # an encoder only
    _default_overrides = {"latent_dim": 2, "hidden_dims": (256, 128)}

    def fit(self, X, y=None):
        """Train the network on pairs of ``X``: kNN pairs, or same-class pairs given ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or Dataset
        y : array-like of shape (n_samples,), optional
            Class labels (any hashable values); inputs of one class are similar. Each class
            needs at least two inputs, and there must be two classes.

        Returns
        -------
        self
        """
        check_parameters(self)
        if isinstance(X, torch.utils.data.DataLoader):
            raise ParameterError("ContrastiveEmbedding pairs inputs by their index in the "
                                 "training set, so it needs an array or a Dataset, not a "
                                 "DataLoader.")
        data, n_features, image_shape = self._fit_input(X)
        n = data.shape[0]
        if n > _MAX_INDEXED_SAMPLES:
            raise DataError(f"X has {n} samples; ContrastiveEmbedding trains on at most "
                            f"{_MAX_INDEXED_SAMPLES} (subsample X).")
        self.seed_ = _seed_from(self.random_state)
        self._pair_arrays = self._pairs(data, y)
        self.pairs_ = "labels" if "labels" in self._pair_arrays else "knn"
        anchors = np.arange(n, dtype=np.float32)[:, None]     # (n, 1): the trainer's "inputs"
        try:
            return self._train(data, n_features, image_shape, inputs=anchors)
        finally:
            del self._pair_arrays

    def _model_config(self, n_features: int, image_shape):
        config = super()._model_config(n_features, image_shape)
        config.pairs = self.pairs_
        return config

    @contextmanager
    def _training_data(self, model, data):
        model.attach_training_data(data, **self._pair_arrays)
        try:
            yield
        finally:
            model.detach_training_data()

    def _pairs(self, data, y) -> dict:
        """``{"neighbors": (n, k) indices}`` or ``{"labels": (n,) class codes}``, checked."""
        n, k = data.shape[0], self.n_neighbors
        if y is None:
            if k >= n:
                raise ParameterError(f"n_neighbors={k} must be smaller than n_samples={n} (each "
                                     f"input's neighbours are the other inputs); lower "
                                     f"n_neighbors or pass more samples.")
            graph = kneighbors_graph(data, k, symmetrize="none", random_state=self.seed_)
            return {"neighbors": graph.indices.reshape(n, k)}
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != n:
            raise DataError(f"y has shape {y.shape} but X has {n} samples; pass one label per "
                            f"row of X (shape ({n},)).")
        classes, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
        if classes.size < 2:
            raise DataError(f"y has one class ({classes[0].tolist()!r}); dissimilar pairs need at least "
                            f"two classes. Leave y out for kNN pairs.")
        if counts.min() < 2:
            lone = classes[counts < 2]
            raise DataError(f"class {lone[0].tolist()!r} "
                            f"of y has a single input, which has no similar "
                            f"partner; each class needs at least two ({lone.size} classes have "
                            f"one).")
        return {"labels": codes.astype(np.int64)}

    # No decoder: these parts of the shared estimator do not exist here (hasattr is False).
    @available_if(_never)
    def inverse_transform(self, Z):  # pragma: no cover - never reachable
        raise NotImplementedError

    @available_if(_never)
    def reconstruct(self, X):  # pragma: no cover
        raise NotImplementedError

    @available_if(_never)
    def interpolate(self, x1, x2, steps=10, method="auto"):  # pragma: no cover
        raise NotImplementedError


# --------------------------------------------------------------------------- VQ-VAE
@_register("vq_vae")
class VQVAE(GenerativeMixin, _NeuralEstimator):
    """VQ-VAE (van den Oord et al. 2017): a grid of discrete codes and a learned prior over them.

    The encoder maps each input to a grid of ``latent_dim``-dimensional vectors (D; the
    issue's ``code_dim``): 7 x 7 for 28 x 28 images with the convolutional networks, a 1-D grid
    of ``grid_size`` vectors with the MLP ones. Each vector is replaced by its nearest entry of
    a codebook of ``n_codes`` (K) vectors; the decoder reconstructs from the codes, the
    straight-through estimator carrying its gradient to the encoder. Loss per input::

        -log p(x | z_q) + ||sg[z_e] - e||^2 + commitment_cost * ||z_e - sg[e]||^2

    or, with ``codebook_update="ema"``, the codes set by exponential moving averages (van den
    Oord et al. 2017, appendix A.1; Razavi et al. 2019) and the loss without its middle term.
    Codes unused for ``dead_code_restart`` batches are reset to encoder outputs of the batch.

    A causal transformer over the grid's code indices in raster order (in place of the PixelCNN
    prior of van den Oord et al. 2016 / 2017) is trained as a second player on every batch's
    code indices, detached from the encoder, so that :meth:`sample` draws indices ancestrally
    and decodes them. See :mod:`latentlearn.neural.models.vq_vae` for the formulas and the
    common slips.

    ``transform`` gives the code indices (n_samples, n_cells) as integers,
    ``inverse_transform`` decodes such indices.

    Attributes
    ----------
    model_ : latentlearn.neural.models.vq_vae.VQVAE
    grid_shape_ : tuple of int
        The shape of the grid of codes per input ((7, 7) for 28 x 28 images).
    history_ : list of dict
        Per epoch: loss, reconstruction, commitment (``||z_e - e||^2``), codebook (with
        ``codebook_update="loss"``), perplexity (mean over the epoch's batches of the per-batch
        ``exp(H)`` of code usage), codes_used, restarted_codes, prior.loss and prior_nll (nats
        per code), and val_* with a validation split.
    """

    _model_class = _vqvae.VQVAE
    _config_class = _vqvae.VQVAEConfig
    _new_parameters = (
        Param("n_codes", 64, (Interval(Integral, 2, None),), "int",
              "K, the number of code vectors in the codebook.", to="model"),
        Param("grid_size", 4, (Interval(Integral, 1, None),), "int",
              'architecture="mlp": code vectors per input (a 1-D grid); with "conv" the grid '
              "is the image halved once per conv_channels entry and this is not used.",
              to="model"),
        Param("reconstruction", "bce", (Options({"bce", "mse"}),), "",
              "Reconstruction loss, summed over features: binary cross-entropy (data in [0, 1]) "
              "or squared error (a Gaussian decoder of fixed variance, as the paper).",
              to="model"),
        Param("commitment_cost", 0.25, (Interval(Real, 0, None),), "float",
              "beta, the weight of the commitment loss (0.25 in van den Oord et al. 2017).",
              to="model", convert=float),
        Param("codebook_update", "ema", (Options({"loss", "ema"}),), "",
              '"loss": the codebook loss moves the codes; "ema": exponential moving averages '
              "of the assigned encoder outputs (van den Oord et al. 2017, appendix A.1).",
              to="model"),
        Param("ema_decay", 0.99, (Interval(Real, 0, 1, closed="left"),), "float",
              'gamma of the moving averages (codebook_update="ema").', to="model",
              convert=float),
        Param("dead_code_restart", 20, (Interval(Integral, 0, None),), "int",
              "Reset a code that no vector chose in this many consecutive batches to a random "
              "encoder output of the batch; 0 never resets.", to="model"),
        Param("dead_code_threshold", 0.0, (Interval(Real, 0, None),), "float",
              "Also reset a code whose moving average (decay ema_decay) of uses per batch falls "
              "below this, rarely used codes included (vector-quantize-pytorch's "
              "threshold_ema_dead_code rule); 0 never does.", to="model", convert=float),
        Param("prior_dim", 64, (Interval(Integral, 1, None),), "int",
              "Width of the prior's causal transformer.", to="model"),
        Param("prior_layers", 2, (Interval(Integral, 1, None),), "int",
              "Transformer blocks of the prior.", to="model"),
        Param("prior_heads", 4, (Interval(Integral, 1, None),), "int",
              "Attention heads of the prior (prior_dim must be divisible by it).", to="model"),
        Param("prior_learning_rate", 1e-3, (Interval(Real, 0, None, closed="neither"),),
              "float", "Adam step size of the prior.", to="model", convert=float),
        Param("prior_steps", 2, (Interval(Integral, 1, None),), "int",
              "Prior optimiser steps per batch.", to="model"),
    )
    _default_overrides = {"latent_dim": 16, "architecture": "auto", "hidden_dims": (256,)}

    def _model_config(self, n_features: int, image_shape):
        for role in ("encoder", "decoder"):
            if getattr(self, role) is not None:
                raise ParameterError(f"VQVAE: {role}={getattr(self, role)!r} is not supported; "
                                     f"the VQ-VAE builds its own grid networks (architecture="
                                     f"'conv' or 'mlp').")
        if self.architecture == "burgess":
            raise ParameterError("VQVAE: architecture='burgess' is not available; use 'auto', "
                                 "'conv' (images) or 'mlp'.")
        config = super()._model_config(n_features, image_shape)
        return config

    @property
    def grid_shape_(self):
        check_is_fitted(self, "model_")
        return tuple(self.model_.grid_shape)

    def _codes(self, x):
        return self.model_.codes(x)

    def transform(self, X, *, output="numpy"):
        """Code indices of ``X``: (n_samples, n_cells) int64, the grid in raster order.

        ``X`` and ``output`` as :meth:`Autoencoder.transform <_NeuralEstimator.transform>`.
        """
        return self._encode(X, output)

    def inverse_transform(self, Z, *, output="numpy"):
        """Decoded means of code indices ``Z`` (n_samples, n_cells): (n_samples, n_features).

        ``Z``: integer code indices as an array, a tensor or torch data; ``output`` as
        :meth:`transform`.
        """
        return self._decode(Z, output)

    @property
    def _n_features_out(self):
        return self.model_.n_cells

    def _decode(self, Z, output="numpy"):
        check_is_fitted(self, "model_")
        return self._map(self.model_.decode_codes, self._rows_of_codes(Z), output=output)

    def _rows_of_codes(self, Z):
        n_cells, K = self.model_.n_cells, self.model_.config.n_codes

        def check(codes):   # a tensor of the codes, integers or floats
            if codes.is_floating_point() and (not bool(torch.isfinite(codes).all())
                                              or bool((codes != torch.round(codes)).any())):
                raise DataError("Z must hold integer code indices (from transform), not "
                                "continuous codes.")
            if codes.numel() and (int(codes.min()) < 0 or int(codes.max()) >= K):
                raise DataError(f"Z holds code indices outside [0, {K}) (n_codes={K}).")

        if _is_torch_data(Z):
            return _TorchRows(Z, n_columns=n_cells, name="Z", dtype=torch.int64, check=check)
        Z = check_array(_samples(Z), dtype=None, input_name="Z")
        if Z.shape[1] != n_cells:
            raise DataError(f"Z has {Z.shape[1]} columns but each input has {n_cells} codes "
                            f"(a grid of {self.grid_shape_}).")
        check(torch.as_tensor(Z))
        return Z.astype(np.int64)

    def interpolate(self, x1, x2, steps=10, method="linear"):
        """Decoded quantised mixes between ``x1`` and ``x2``: (steps, n_features).

        The encoder outputs ``z_e`` are mixed linearly, ``(1 - t) z_e(x1) + t z_e(x2)``, each
        mix is quantised to its nearest codes and decoded (ends: the reconstructions).
        """
        check_is_fitted(self, "model_")
        if not isinstance(steps, (Integral, np.integer)) or steps < 2:
            raise ParameterError(f"steps={steps!r} must be an integer >= 2.")
        if method not in ("auto", "linear"):
            raise ParameterError(f"method={method!r} is not available for the VQ-VAE; use "
                                 f"'linear'.")
        X = self._validate(np.stack([np.ravel(x1), np.ravel(x2)]), reset=False)
        model = self.model_
        with torch.no_grad():
            z = model.encode(torch.as_tensor(X).to(self._device()))
            t = torch.linspace(0.0, 1.0, int(steps), device=z.device).view(-1, *[1] * (z.ndim - 1))
            mixes = (1 - t) * z[:1] + t * z[1:]                        # (steps, *grid, D)
            flat = mixes.reshape(-1, mixes.shape[-1])
            idx = _vqvae.nearest_codes(flat, model.quantizer.codebook)
            return model.decode_codes(idx.view(int(steps), -1)).cpu().numpy()

    def codebook_usage(self, X):
        """Count of each code over the grids of ``X`` (as :meth:`transform` takes it):
        (n_codes,) int64."""
        codes = self._encode(X)
        return np.bincount(codes.ravel(), minlength=self.model_.config.n_codes)

    def sample(self, n_samples=1, random_state=None):
        """New inputs: code grids drawn from the prior, decoded: (n_samples, n_features)."""
        check_is_fitted(self, "model_")
        if not isinstance(n_samples, (Integral, np.integer)) or isinstance(n_samples, bool) \
                or n_samples < 1:
            raise ParameterError(f"n_samples={n_samples!r} must be an integer >= 1 (the number "
                                 f"of new inputs to draw).")
        generator = torch.Generator().manual_seed(_seed_from(random_state))
        with torch.no_grad():
            return self.model_.sample(int(n_samples), generator=generator).cpu().numpy()

    def prior_nll(self, X, *, output="numpy"):
        """The prior's ``-log p(k(x))`` per input, in nats (sum over the grid): (n_samples,).

        ``X`` and ``output`` as :meth:`transform`.
        """
        check_is_fitted(self, "model_")
        X = self._rows(X)

        def nll(x):
            codes = self.model_.codes(x)
            logits = self.model_.prior(codes)
            return torch.nn.functional.cross_entropy(
                logits.transpose(1, 2), codes, reduction="none").sum(1)

        return self._map(nll, X, output=output)


# --------------------------------------------------------------------------- GANs

#: Generator steps an ``epochs=None`` GAN trains for, by architecture (see ``epochs``).
_GAN_STEP_BUDGET = {"mlp": 4000, "conv": 1500}


class _AdversarialEstimator(GenerativeMixin, _NeuralEstimator, auto_wrap_output_keys=None):
    """Shared fit / sample / snapshots of the GAN family (the generator G, the discriminator or
    critic D); the networks come from ``architecture`` (a GAN has no ``encoder`` / ``decoder``,
    hence those shared parameters are removed rather than re-read as G and D)."""

    _removed_parameters = ("encoder", "decoder", "epochs", "learning_rate")
    _fitted_attribute_kinds = dict(_NeuralEstimator._fitted_attribute_kinds,
                                   epochs_=("int",), learning_rate_=("float",))
    #: learning rate of ``learning_rate=None`` by architecture (WGAN-GP; see its docstring).
    _auto_learning_rate: dict = {}
    _new_parameters = (
        Param("learning_rate", 2e-4, (None, Interval(Real, 0, None, closed="neither")),
              "float or None", "Step size of both players' optimisers (None: chosen by "
              "architecture, see the class description)."),
        Param("epochs", None, (None, Interval(Integral, 1, None)), "int or None",
              "Passes over the training data, counting those of a resumed run. None: enough for "
              "about 4,000 batches (MLP) or 1,500 (conv), each with n_discriminator_steps "
              "discriminator steps and one generator step, whatever the size of the data."),
        Param("n_discriminator_steps", 1, (Interval(Integral, 1, None),), "int",
              "k, discriminator (critic) steps per generator step, each on the same batch of "
              "data with fresh samples (Goodfellow et al. 2014, algorithm 1).", to="model"),
        Param("betas", (0.5, 0.999), (tuple, list), "tuple of float",
              "Adam's (beta1, beta2) for both players when optimizer is adam or adamw (beta1 = "
              "0.5 as Radford et al. 2016); ignored by other optimisers.", convert=tuple),
        Param("output", "auto", (Options({"auto", "linear", "sigmoid"}),), "",
              'The generator\'s output: "sigmoid" (samples in [0, 1], images), "linear" '
              '(unbounded); "auto": sigmoid when the training data lie in [0, 1] (or come from a '
              'DataLoader), else linear.'),
        Param("n_snapshots", 8, (Interval(Integral, 0, None),), "int",
              "Epochs (spread over training, the initial weights first) at which the samples "
              "of one fixed noise batch are kept in sample_snapshots_; 0 keeps none."),
    )
    _default_overrides = {"latent_dim": 16, "hidden_dims": (256, 256), "architecture": "auto",
                          "batch_size": 64}

    transform = available_if(_never)(_NeuralEstimator.transform)
    fit_transform = available_if(_never)(TransformerMixin.fit_transform)
    inverse_transform = available_if(_never)(_NeuralEstimator.inverse_transform)
    reconstruct = available_if(_never)(_NeuralEstimator.reconstruct)
    interpolate = available_if(_never)(_NeuralEstimator.interpolate)
    get_feature_names_out = available_if(_never)(
        ClassNamePrefixFeaturesOutMixin.get_feature_names_out)

    # ----------------------------------------------------------------- config
    def _fit_input(self, X):
        data, n_features, image_shape = super()._fit_input(X)
        if isinstance(data, torch.utils.data.DataLoader):
            self._unit_interval, n_batches = True, len(data)
        else:
            self._unit_interval = bool(data.min() >= 0.0 and data.max() <= 1.0)
            n_batches = -(-_training_size(data, self.validation_fraction) // self.batch_size)
        architecture = self.architecture
        if architecture == "auto":
            architecture = "conv" if image_shape is not None else "mlp"
        if architecture not in ("mlp", "conv"):
            raise ParameterError(f"{type(self).__name__}: architecture={architecture!r} is not "
                                 f"available for a GAN; use 'mlp', 'conv' (DCGAN-style, "
                                 f"Radford et al. 2016) or 'auto'.")
        self.epochs_ = (int(self.epochs) if self.epochs is not None else
                        max(1, -(-_GAN_STEP_BUDGET[architecture] // max(n_batches, 1))))
        self.learning_rate_ = float(self.learning_rate if self.learning_rate is not None else
                                    self._auto_learning_rate[architecture])
        return data, n_features, image_shape

    def _model_config(self, n_features: int, image_shape):
        architecture = self.architecture
        if architecture == "auto":
            architecture = "conv" if image_shape is not None else "mlp"
        output = self.output
        if output == "auto":
            output = "sigmoid" if self._unit_interval else "linear"
        n_snap = int(self.n_snapshots)
        epochs = (sorted({int(round(e)) for e in np.linspace(0, self.epochs_, n_snap)})
                  if n_snap else [])
        betas = (tuple(float(b) for b in self.betas)
                 if self.optimizer in ("adam", "adamw") else None)
        return self._config_class(
            n_features=n_features, architecture=architecture,
            image_shape=None if image_shape is None else tuple(int(s) for s in image_shape),
            output=output, betas=betas, snapshot_epochs=tuple(epochs),
            n_snapshot_samples=(64 if image_shape is not None else 512) if n_snap else 0,
            **self._params_to("model"))

    def _user_modules(self) -> dict:
        return {}

    def _trainer_config(self, seed: int) -> TrainerConfig:
        config = super()._trainer_config(seed)
        config.epochs = self.epochs_
        config.learning_rate = self.learning_rate_
        return config

    # ----------------------------------------------------------------- fit
    def _callbacks(self, model, device) -> list:
        model.to(device).take_snapshot(0)   # a resumed run reads its snapshots back instead

        def snapshots(event, logs):
            if event == "epoch":
                model.take_snapshot(int(logs["epoch"]))
            return False

        return [snapshots]

    # ----------------------------------------------------------------- generating
    def sample(self, n_samples=1, random_state=None):
        """``G(z)`` for ``n_samples`` draws ``z ~ N(0, I)``: (n_samples, n_features).

        The same ``random_state`` gives the same samples.
        """
        check_is_fitted(self, "model_")
        if isinstance(n_samples, bool) or not isinstance(n_samples, (Integral, np.integer)) \
                or n_samples < 1:
            raise ParameterError(f"n_samples={n_samples!r}: a generator draws at least one "
                                 f"sample; pass an integer >= 1.")
        generator = torch.Generator().manual_seed(_seed_from(random_state))
        with torch.no_grad():
            return self.model_.sample(int(n_samples), generator=generator).cpu().numpy()

    @property
    def sample_snapshots_(self) -> dict:
        """Samples of one fixed noise batch over training: ``{"epochs": [int, ...], "samples":
        ndarray (n_snapshots, n_per_snapshot, n_features)}`` (epoch 0: the initial weights)."""
        check_is_fitted(self, "model_")
        taken = self.model_.snapshot_taken.cpu().numpy().astype(bool)
        epochs = [int(e) for e, t in zip(self.model_.config.snapshot_epochs, taken) if t]
        return {"epochs": epochs,
                "samples": self.model_.snapshot_samples.cpu().numpy()[taken]}


@_register("gan")
class GAN(_AdversarialEstimator):
    """Generative adversarial network (Goodfellow et al. 2014): generator G against a
    discriminator D.

    D maximises ``V(D, G) = E_p[log D(x)] + E_z[log(1 - D(G(z)))]`` (its loss is ``-V``, logged
    as ``loss``, with V as ``value``); G minimises ``E_z[log(1 - D(G(z)))]``
    (``generator_loss="minimax"``) or, by default, ``-E_z[log D(G(z))]``
    (``"non_saturating"``, which does not saturate when D rejects G's samples). For a fixed G
    the best D is ``p / (p + p_g)`` and then ``V = -log 4 + 2 JS(p || p_g)``. MLP networks, or
    DCGAN-style convolutions on images (Radford et al. 2016: strided convolutions, batch norm
    in G, leaky ReLU in D; Adam 2e-4, beta1 = 0.5). See :mod:`latentlearn.neural.models.gan`.
    No ``transform``: a GAN has no encoder.

    Attributes
    ----------
    model_ : latentlearn.neural.models.gan.GAN
    history_ : list of dict
        Per epoch: ``loss`` (the discriminator's, ``-V``), ``value``, ``d_real`` and
        ``d_fake`` (mean D on data and samples), ``generator.loss``, ``steps.discriminator``,
        ``steps.generator``.
    sample_snapshots_ : dict
        ``{"epochs", "samples"}``: G applied to one fixed noise batch at a few epochs.
    epochs_ : int
        The epochs trained for (``epochs``, or the number ``epochs=None`` chose).
    """

    _model_class = _gan.GAN
    _config_class = _gan.GANConfig
    _new_parameters = (
        Param("generator_loss", "non_saturating", (Options({"minimax", "non_saturating"}),),
              "", '"minimax": E[log(1 - D(G(z)))], the game as Goodfellow et al. 2014 write it '
              '(saturates early in training); "non_saturating": -E[log D(G(z))], their '
              'recommended substitute with the same fixed point.', to="model"),
    )


@_register("wgan")
class WGAN(_AdversarialEstimator):
    """Wasserstein GAN (Arjovsky et al. 2017): a critic f with weight clipping.

    The critic maximises ``E_p[f(x)] - E_z[f(G(z))]`` (logged as ``wasserstein_estimate``;
    ``loss`` is its negative) with every weight clipped to ``[-clip_value, clip_value]`` after
    each step; by the Kantorovich-Rubinstein duality the estimate is about K times W1(p, p_g),
    K the critic's (unknown) Lipschitz constant. G minimises ``-E_z[f(G(z))]``. Defaults as the
    paper: c = 0.01, 5 critic steps per generator step, RMSprop with learning rate 5e-5.

    Attributes
    ----------
    model_ : latentlearn.neural.models.gan.WGAN
    history_ : list of dict
        Per epoch: ``loss`` (the critic's), ``wasserstein_estimate``, ``generator.loss``,
        ``steps.critic``, ``steps.generator``.
    sample_snapshots_ : dict
        ``{"epochs", "samples"}``: G applied to one fixed noise batch at a few epochs.
    epochs_ : int
        The epochs trained for.
    """

    _model_class = _gan.WGAN
    _config_class = _gan.WGANConfig
    _new_parameters = (
        Param("clip_value", 0.01, (Interval(Real, 0, None, closed="neither"),), "float",
              "c, the bound of every critic weight (Arjovsky et al. 2017).", to="model",
              convert=float),
    )
    _default_overrides = {"n_discriminator_steps": 5, "optimizer": "rmsprop",
                          "learning_rate": 5e-5}


@_register("wgan_gp")
class WGANGP(_AdversarialEstimator):
    """WGAN with gradient penalty (Gulrajani et al. 2017): the critic's Lipschitz bound enforced
    by ``gp_weight * E[(||grad f(x_hat)||_2 - 1)^2]`` on interpolates ``x_hat`` of data and
    samples, instead of clipping.

    Critic loss ``E_z[f(G(z))] - E_p[f(x)] + lambda GP``; the logged ``wasserstein_estimate``
    ``E_p[f] - E_g[f]`` estimates W1(p, p_g) itself. Defaults as the paper for images (conv
    networks): lambda = 10, 5 critic steps, Adam (lr 1e-4, betas (0.5, 0.9)), no batch norm in
    the critic. For vectors (MLP networks, e.g. the 2-D ``gaussian_ring``) ``gp_weight=None``
    and ``learning_rate=None`` mean lambda = 0.1 -- the value of the authors' released code for
    their toy data, where a smaller penalty helps -- and lr 1e-3: with lambda = 10 a critic
    whose slope starts with the wrong sign is held there by the penalty's wall at zero slope
    (``lambda (|f'| - 1)^2 = 10``), and with lr 1e-4 the ring needs far more than the default
    4,000 batches. Measured on ``gaussian_ring`` (2,000 batches, seed 0): lambda = 10 and lr
    1e-3 cover 0 of 8 modes, lambda = 0.1 and lr 1e-4 6 of 8 with 23% high-quality samples,
    lambda = 0.1 and lr 1e-3 8 of 8 with 59%.

    Attributes
    ----------
    model_ : latentlearn.neural.models.gan.WGANGP
    history_ : list of dict
        Per epoch: ``loss`` (the critic's), ``wasserstein_estimate``, ``gradient_penalty``,
        ``generator.loss``, ``steps.critic``, ``steps.generator``.
    sample_snapshots_ : dict
        ``{"epochs", "samples"}``: G applied to one fixed noise batch at a few epochs.
    epochs_ : int
        The epochs trained for.
    """

    _model_class = _gan.WGANGP
    _config_class = _gan.WGANGPConfig
    _new_parameters = (
        Param("gp_weight", None, (None, Interval(Real, 0, None)), "float or None",
              "lambda, the weight of the gradient penalty (Gulrajani et al. 2017); None: 10 "
              "for conv networks (images, the paper), 0.1 for MLPs (vectors, e.g. 2-D toys)."),
    )
    _default_overrides = {"n_discriminator_steps": 5, "learning_rate": None,
                          "betas": (0.5, 0.9)}
    _auto_learning_rate = {"conv": 1e-4, "mlp": 1e-3}

    def _model_config(self, n_features: int, image_shape):
        config = super()._model_config(n_features, image_shape)
        config.gp_weight = float(self.gp_weight if self.gp_weight is not None else
                                 (10.0 if config.architecture == "conv" else 0.1))
        return config


