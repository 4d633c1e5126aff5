"""The one training loop for every deep model in latentlearn.

The Trainer knows a model only through its contract (DESIGN.md): ``model.training_step(batch)``
returns a :class:`~latentlearn.neural.models.StepOutput` with the loss to minimise and named
terms to log. It never asks which model it is training. What it adds around that call:

- data: numpy arrays, :class:`~latentlearn.datasets.Dataset` records, tensors or a torch
  ``DataLoader``; a seeded validation split for arrays;
- seeding: the same seed gives the same weights, bit for bit on CPU;
- ``device="auto"``: CUDA when present, else CPU;
- the optimiser (Adam by default) and a per-epoch learning-rate schedule from :class:`TrainerConfig`;
- several optimisers when the model declares players (``model.players()``, see
  :class:`~latentlearn.neural.models.Player`): per batch each player, in its declared order, takes
  its ``steps`` optimiser steps on ``training_step(batch, player=name)``, then
  ``model.after_step(name)`` when the model has one (FactorVAE's discriminator, a GAN's critic);
  a model without ``players`` is one player with every parameter;
- loss-weight schedules (:mod:`.schedules`): ``model.loss_weights[name]`` is set before every
  step and logged per epoch as ``weight.<name>``;
- early stopping on the validation loss (the best weights are restored at the end);
- callbacks ``callback(event, logs)`` with event ``"step"`` or ``"epoch"``; returning True stops
  training cleanly (the CLI turns them into a progress bar);
- ``history.jsonl``: one JSON record per epoch;
- checkpoints every ``checkpoint_every`` epochs and at the end (:mod:`.checkpoint`), and
  ``resume=True``, which continues a killed run to the same weights as an uninterrupted one
  (every player's optimiser moments and learning-rate schedule, the epoch and step counters --
  hence the loss-weight schedules -- and every random-number-generator state are restored);
- a NaN guard: a non-finite loss raises :class:`TrainingDivergedError` naming the step and the
  last good checkpoint, before the optimiser applies that step (the bad step changes nothing);
- data-parallel training under torch.distributed when a process group is initialised (torchrun;
  see :mod:`.distributed`): ``batch_size`` stays the global batch, only rank 0 writes;
- a memory-mapped array (``np.memmap``, ``load(path, mmap=True)``) is read batch by batch
  through a DataLoader (``num_workers``, ``pin_memory``), never copied whole;
- mixed precision on CUDA: ``precision="bf16"`` (autocast to bfloat16, also on CPU) or
  ``"16-mixed"`` (float16 autocast with a gradient scaler, Micikevicius et al. 2018).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gc
import json
import logging
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from .._optional import require

# A missing torch raises an ImportError naming the extra: pip install 'latentlearn[neural]'.
torch = require("torch", extra="neural", what="the neural models")

from .. import fileio
from ..exceptions import CheckpointError, DataError, LatentLearnError, ParameterError
from . import distributed
from .checkpoint import (optimizer_state_from_tensors, optimizer_state_to_tensors,
                         read_checkpoint, save_checkpoint)
from .models import Player, StepOutput, model_name
from .schedules import normalise_spec, weight_at

logger = logging.getLogger(__name__)

__all__ = ["TrainerConfig", "Trainer", "TrainingDivergedError", "resolve_device", "as_tensor",
           "is_memmap"]

_OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD,
               "rmsprop": torch.optim.RMSprop}
_SCHEDULES = ("constant", "step", "exponential", "cosine")
_PRECISIONS = ("32", "bf16", "16-mixed")


class TrainingDivergedError(LatentLearnError, FloatingPointError):
    """The loss became NaN or infinite; the model was not updated by the offending step."""

    def __init__(self, message, *, epoch, step, checkpoint):
        super().__init__(message)
        self.epoch, self.step, self.checkpoint = epoch, step, checkpoint


@dataclass
class TrainerConfig:
    """How to train; every field is JSON-able (it is stored in checkpoints)."""

    epochs: int = 10
    batch_size: int = 128
    optimizer: str = "adam"             # adam, adamw, sgd, rmsprop
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    lr_schedule: str = "constant"       # constant, step, exponential, cosine (stepped per epoch)
    lr_step_size: int = 10              # epochs between decays ("step")
    lr_gamma: float = 0.5               # decay factor ("step", "exponential")
    validation_fraction: float = 0.0    # held out from array data, by seed
    early_stopping_patience: int | None = None  # epochs without val improvement; needs a val split
    checkpoint_dir: str | None = None   # resumable checkpoint folder; None: no checkpoints
    checkpoint_every: int = 1           # epochs
    history_path: str | None = None     # history.jsonl; None: kept in memory only
    weight_schedules: dict | None = None  # loss weight name -> schedule spec (.schedules)
    seed: int = 0
    device: str = "auto"                # "auto": CUDA when present, else CPU
    num_workers: int = 0                # DataLoader worker processes (memory-mapped arrays)
    pin_memory: bool | None = None      # page-locked batches; None: when training on CUDA
    precision: str = "32"               # "32", "bf16" (autocast) or "16-mixed" (CUDA, scaled)

    def check(self) -> None:
        def bad(name, allowed):
            raise ParameterError(f"trainer parameter {name}={getattr(self, name)!r} is not "
                                 f"allowed; it must be {allowed}.")

        for name in ("epochs", "batch_size", "checkpoint_every", "lr_step_size"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                bad(name, "an integer >= 1")
        if self.optimizer not in _OPTIMIZERS:
            bad("optimizer", f"one of {', '.join(_OPTIMIZERS)}")
        if self.lr_schedule not in _SCHEDULES:
            bad("lr_schedule", f"one of {', '.join(_SCHEDULES)}")
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            bad("learning_rate", "a number > 0")
        if not 0.0 <= self.validation_fraction < 1.0:
            bad("validation_fraction", "a number in [0, 1)")
        if self.early_stopping_patience is not None and (
                not isinstance(self.early_stopping_patience, int)
                or self.early_stopping_patience < 1):
            bad("early_stopping_patience", "None or an integer >= 1")
        if self.early_stopping_patience is not None and self.validation_fraction == 0:
            raise ParameterError("early_stopping_patience needs validation data: set "
                                 "validation_fraction > 0 (e.g. 0.1) or pass validation_data=.")
        if self.weight_schedules is not None:
            if not isinstance(self.weight_schedules, dict):
                bad("weight_schedules", "None or a dict of loss-weight name -> schedule")
            for name, spec in self.weight_schedules.items():
                normalise_spec(name, spec)
        if not isinstance(self.num_workers, (int, np.integer)) or isinstance(
                self.num_workers, bool) or self.num_workers < 0:
            bad("num_workers", "an integer >= 0")
        if self.pin_memory not in (None, True, False):
            bad("pin_memory", "None, True or False")
        if self.precision not in _PRECISIONS:
            bad("precision", f"one of {', '.join(map(repr, _PRECISIONS))}")
        device = resolve_device(self.device)
        if self.precision == "16-mixed" and device.type != "cuda":
            raise ParameterError('precision="16-mixed" (float16 with a gradient scaler) needs '
                                 'CUDA; on CPU use precision="bf16" or "32".')


def resolve_device(device) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else as torch reads it."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ParameterError(f"device={device!r} is not a device; use 'auto', 'cpu' or "
                             f"'cuda'.") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ParameterError("device='cuda' but no CUDA device is available; use "
                             "device='auto' or 'cpu'.")
    return dev


def as_tensor(data) -> torch.Tensor:
    """Array data (ndarray, Dataset, tensor) as a float32 tensor of shape (n_samples, ...)."""
    X = getattr(data, "X", data)
    if torch.is_tensor(X):
        X = X.detach().to(torch.float32)
    else:
        X = torch.as_tensor(np.ascontiguousarray(np.asarray(X, dtype=np.float32)))
    if X.ndim < 2 or X.shape[0] == 0:
        raise DataError(f"training data must have shape (n_samples, n_features) with "
                        f"n_samples >= 1; got {tuple(X.shape)}.")
    if not torch.isfinite(X).all():
        raise DataError("training data has NaN or infinite entries; remove or impute them.")
    return X


def is_memmap(data) -> bool:
    """True for array data to be read batch by batch (an ``np.memmap``, or a Dataset of one)."""
    X = getattr(data, "X", data)
    return isinstance(X, np.memmap) or (isinstance(X, np.ndarray)
                                        and isinstance(X.base, np.memmap))


class _Sharding:
    """Which rows of each global batch a rank trains on, and its loss weight.

    Rank ``r`` of ``W`` takes rows ``r, r + W, ...`` of global batch ``k`` (as
    ``DistributedSampler`` strides). Its mean loss is weighted by ``W n_r / m_k`` (``n_r`` its
    rows, ``m_k`` the batch's): DDP averages the ranks' gradients, so the update is the gradient
    of the global batch's mean loss. A rank with no row of a short last batch trains on one row
    with weight 0 (every rank must take part in the gradient all-reduce).
    """

    def __init__(self, n, batch_size, rank=0, size=1):
        self.n, self.batch_size, self.rank, self.size = n, batch_size, rank, size

    def __len__(self):
        return -(-self.n // self.batch_size)

    def batches(self, order):
        """Yield ``(local positions into order, weight, rows counted in the logs)``."""
        for start in range(0, self.n, self.batch_size):
            m = min(self.batch_size, self.n - start)
            if self.size == 1:
                yield order[start:start + m], 1.0, m
                continue
            local = order[start + self.rank:start + m:self.size]
            n_r = int(local.shape[0])
            if n_r == 0:
                yield order[start:start + 1], 0.0, 0
            else:
                yield local, self.size * n_r / m, n_r


class _ArrayBatches:
    """Shuffled mini-batches of a tensor held on the device, from a seeded torch.Generator."""

    def __init__(self, X, batch_size, generator, shuffle=True, rank=0, size=1):
        self.X, self.generator, self.shuffle = X, generator, shuffle
        self.sharding = _Sharding(X.shape[0], batch_size, rank, size)

    def __len__(self):
        return len(self.sharding)

    def _order(self):
        n = self.X.shape[0]
        if self.shuffle:
            return torch.randperm(n, generator=self.generator).to(self.X.device)
        return torch.arange(n, device=self.X.device)

    def weighted(self):
        """Yield ``(batch, loss weight, rows to log)``."""
        for rows, weight, n in self.sharding.batches(self._order()):
            yield self.X[rows], weight, n  # (batch, n_features)

    def __iter__(self):
        for batch, _, _ in self.weighted():
            yield batch


class _MemmapRows(torch.utils.data.Dataset):
    """Rows of a memory-mapped array, fetched a whole batch per ``__getitem__``."""

    def __init__(self, X, rows=None):
        self.X, self.rows = X, rows

    def __len__(self):
        return self.X.shape[0] if self.rows is None else len(self.rows)

    def __getitem__(self, positions):
        """The rows at ``positions`` (a list: the DataLoader hands over a whole batch)."""
        index = np.asarray(positions, dtype=np.int64)
        if self.rows is not None:
            index = self.rows[index]
        batch = np.asarray(self.X[index], dtype=np.float32)   # reads only these rows
        if not np.isfinite(batch).all():
            raise DataError("training data has NaN or infinite entries (found in a batch of "
                            "the memory-mapped array); remove or impute them.")
        return torch.from_numpy(np.ascontiguousarray(batch))


def _first(batch):
    return batch


class _PlanSampler(torch.utils.data.Sampler):
    """The batches (lists of row positions) of the current epoch, set before each pass."""

    def __init__(self):
        self.plan = []

    def __iter__(self):
        return iter(self.plan)

    def __len__(self):
        return len(self.plan)


class _MemmapBatches:
    """Mini-batches read from a memory-mapped array by a DataLoader: the array is never copied
    whole, ``num_workers`` processes may read ahead, and batches may be pinned for CUDA. The
    order and the sharding are those of :class:`_ArrayBatches` (same generator, same draws)."""

    def __init__(self, X, rows, batch_size, generator, shuffle=True, rank=0, size=1,
                 num_workers=0, pin_memory=False):
        self.dataset = _MemmapRows(X, rows)
        self.generator, self.shuffle = generator, shuffle
        self.sharding = _Sharding(len(self.dataset), batch_size, rank, size)
        self.num_workers, self.pin_memory = num_workers, pin_memory
        self._sampler, self._made = _PlanSampler(), None

    def __len__(self):
        return len(self.sharding)

    def weighted(self):
        n = len(self.dataset)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        plan = list(self.sharding.batches(order))
        self._sampler.plan = [p[0].tolist() for p in plan]
        for batch, (_, weight, rows) in zip(self._loader(), plan):
            yield batch, weight, rows

    def _loader(self):
        """One DataLoader for the whole fit: its workers persist from epoch to epoch (starting
        them each epoch cost ~0.15 s), and its sampler hands out the epoch's plan."""
        if self._made is None:
            self._made = torch.utils.data.DataLoader(
                self.dataset, batch_size=None, sampler=self._sampler, collate_fn=_first,
                num_workers=self.num_workers, pin_memory=self.pin_memory,
                persistent_workers=self.num_workers > 0,
                # its own generator: a DataLoader otherwise draws its worker seed from the
                # global RNG, which the model's noise (a VAE's) comes from
                generator=torch.Generator().manual_seed(0))
        return self._made

    def __iter__(self):
        for batch, _, _ in self.weighted():
            yield batch


def _to_device(batch, device):
    if torch.is_tensor(batch):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (list, tuple)):
        # A DataLoader over a TensorDataset yields (inputs, labels...): the inputs are first.
        return batch[0].to(device, non_blocking=True)
    raise DataError(f"a DataLoader batch must be a tensor or a tuple whose first item is the "
                    f"input tensor; got {type(batch).__name__}.")


def _batch_size(batch) -> int:
    return batch.shape[0] if torch.is_tensor(batch) else len(batch)


class _Steps(torch.nn.Module):
    """``training_step`` as ``forward``, so that DistributedDataParallel sees every step.

    The terms are returned detached: only the loss is differentiated, and DDP's search for unused
    parameters starts from every tensor the forward returns.
    """

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, batch, player=None):
        out = (self.model.training_step(batch) if player is None
               else self.model.training_step(batch, player=player))
        return out.loss, {k: v.detach() for k, v in out.terms.items()}


@contextmanager
def _forked_rng(device: torch.device):
    """Seed inside, restore the caller's global RNG state after (no side effect on the caller)."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        yield


class Trainer:
    """Train any model that keeps the ``training_step`` contract.

    Parameters
    ----------
    model : torch.nn.Module
        With ``config`` (a dataclass) and ``training_step(batch) -> StepOutput``; optionally
        ``loss_weights`` (for ``weight_schedules``), ``players()`` and ``after_step(name)``.
    config : TrainerConfig
    callbacks : sequence of callables ``callback(event, logs) -> bool | None``
        Called with ``("step", {"epoch", "step", "loss"})`` after every optimiser step and
        ``("epoch", record)`` after every epoch; returning True stops training after that
        step / epoch (the run ends normally, with a checkpoint when checkpoints are on).
    extra : dict, optional
        JSON-able entries added to every checkpoint's config.json (the estimator's parameters).

    Attributes
    ----------
    history : list of dict
        One record per epoch: ``epoch``, ``step`` (batches so far), ``loss`` (the first
        player's), the model's terms, ``val_loss`` and ``val_<term>`` with a validation split
        (the first player's step), ``lr`` (the first player's) and ``time_s``. With several
        players: ``<player>.loss`` for the others, their terms (as ``<player>.<term>`` where two
        players log the same name), ``<player>.lr`` and ``steps.<player>``, the optimiser steps
        that player has taken. With weight schedules: ``weight.<name>``, the weight in force at
        the epoch's last step.
    """

    def __init__(self, model, config: TrainerConfig | None = None, callbacks=(), extra=None):
        self.model = model
        self.config = config or TrainerConfig()
        self.callbacks = list(callbacks)
        self.extra = extra
        self.history: list[dict] = []
        self.epoch = 0   # completed epochs
        self.step = 0    # completed batches (each player's optimiser steps are counted apart)
        self.player_steps: dict[str, int] = {}
        self.optimizers: dict = {}   # player name -> torch optimiser, after fit
        self.stopped_early = False
        self._rank, self._world, self._writer = 0, 1, True   # set from the process group in fit
        self._ddp, self._scalers = None, []
        self._writing, self._pool = None, None   # the checkpoint being written, its thread

    # ----------------------------------------------------------------- set-up
    def _players(self) -> list[Player]:
        if not hasattr(self.model, "players"):
            return [Player("model", list(self.model.parameters()))]
        players = list(self.model.players())
        names = [p.name for p in players]
        if not players or len(set(names)) != len(names):
            raise ParameterError(f"{type(self.model).__name__}.players() must return at least "
                                 f"one Player, with distinct names; got {names}.")
        for p in players:
            if not (isinstance(p.steps, int) and p.steps >= 1):
                raise ParameterError(f"player {p.name!r} takes steps={p.steps!r} per batch; "
                                     f"it must be an integer >= 1.")
        return players

    def _make_optimizer(self, player: Player):
        c = self.config
        kwargs = {"lr": c.learning_rate, "weight_decay": c.weight_decay}
        kwargs.update({k: v for k, v in player.optimizer.items() if k != "name"})
        kind = player.optimizer.get("name", c.optimizer)
        if kind not in _OPTIMIZERS:
            raise ParameterError(f"player {player.name!r} asks for optimizer {kind!r}; use one "
                                 f"of {', '.join(_OPTIMIZERS)}.")
        if "betas" in kwargs:
            kwargs["betas"] = tuple(kwargs["betas"])
        return _OPTIMIZERS[kind](player.parameters, **kwargs)

    def _make_scheduler(self, optimizer):
        c = self.config
        if c.lr_schedule == "step":
            return torch.optim.lr_scheduler.StepLR(optimizer, c.lr_step_size, c.lr_gamma)
        if c.lr_schedule == "exponential":
            return torch.optim.lr_scheduler.ExponentialLR(optimizer, c.lr_gamma)
        if c.lr_schedule == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=c.epochs)
        return None

    def _distributed_loader(self, loader):
        """The user's DataLoader re-made with a DistributedSampler (``batch_size // W`` a rank)."""
        rank, size = self._rank, self._world
        if isinstance(loader.dataset, torch.utils.data.IterableDataset):
            raise ParameterError("an IterableDataset cannot be split between processes by the "
                                 "trainer; pass a map-style Dataset (or arrays), or shard the "
                                 "stream yourself by torch.distributed.get_rank().")
        per_rank = max(1, (loader.batch_size or self.config.batch_size) // size)
        sampler = torch.utils.data.DistributedSampler(loader.dataset, num_replicas=size,
                                                      rank=rank, shuffle=True,
                                                      seed=self.config.seed)
        return torch.utils.data.DataLoader(
            loader.dataset, batch_size=per_rank, sampler=sampler, collate_fn=loader.collate_fn,
            num_workers=loader.num_workers, pin_memory=loader.pin_memory,
            drop_last=loader.drop_last)

    def _split(self, data, validation_data):
        """Training batches and validation batches (or None)."""
        c, device = self.config, self.device
        rank, size = self._rank, self._world
        if isinstance(data, torch.utils.data.DataLoader):
            train = data if size == 1 else self._distributed_loader(data)
            val = validation_data
            if val is not None and not isinstance(val, torch.utils.data.DataLoader):
                val = _ArrayBatches(as_tensor(val).to(device), c.batch_size, None, shuffle=False)
            if c.validation_fraction > 0 and val is None:
                raise ParameterError("validation_fraction applies to array data; with a "
                                     "DataLoader pass validation_data= instead.")
            return train, val
        if is_memmap(data):
            return self._memmap_split(getattr(data, "X", data), validation_data)
        X = as_tensor(data)
        val_X = None
        if validation_data is not None:
            val_X = as_tensor(validation_data)
        elif c.validation_fraction > 0:
            n_val = int(round(c.validation_fraction * X.shape[0]))
            if n_val < 1 or n_val >= X.shape[0]:
                raise ParameterError(f"validation_fraction={c.validation_fraction} of "
                                     f"{X.shape[0]} samples leaves an empty split; change it.")
            order = torch.as_tensor(np.random.default_rng(c.seed).permutation(X.shape[0]))
            X, val_X = X[order[n_val:]], X[order[:n_val]]
        train = _ArrayBatches(X.to(device), c.batch_size, self._shuffle_rng, rank=rank,
                              size=size)
        val = None if val_X is None else _ArrayBatches(val_X.to(device), c.batch_size, None,
                                                        shuffle=False)
        return train, val

    def _memmap_split(self, X, validation_data):
        """As the array split, by row indices into the memory map instead of copies."""
        c = self.config
        if X.ndim < 2 or X.shape[0] == 0:
            raise DataError(f"training data must have shape (n_samples, n_features) with "
                            f"n_samples >= 1; got {tuple(X.shape)}.")
        pin = self.device.type == "cuda" if c.pin_memory is None else c.pin_memory
        kw = dict(rank=self._rank, size=self._world, num_workers=c.num_workers, pin_memory=pin)
        rows, val = None, None
        if validation_data is not None:
            val = _ArrayBatches(as_tensor(validation_data).to(self.device), c.batch_size, None,
                                shuffle=False)
        elif c.validation_fraction > 0:
            n = X.shape[0]
            n_val = int(round(c.validation_fraction * n))
            if n_val < 1 or n_val >= n:
                raise ParameterError(f"validation_fraction={c.validation_fraction} of "
                                     f"{n} samples leaves an empty split; change it.")
            order = np.random.default_rng(c.seed).permutation(n)
            rows = order[n_val:]
            val = _MemmapBatches(X, order[:n_val], c.batch_size, None, shuffle=False,
                                 num_workers=c.num_workers, pin_memory=pin)
        train = _MemmapBatches(X, rows, c.batch_size, self._shuffle_rng, **kw)
        return train, val

    # ----------------------------------------------------------------- state
    def _rng_tensors(self) -> dict:
        out = {"rng.torch": torch.get_rng_state(), "rng.shuffle": self._shuffle_rng.get_state()}
        if self.device.type == "cuda":
            out["rng.cuda"] = torch.cuda.get_rng_state(self.device)
        return out

    @staticmethod
    def _prefix(i: int, player: Player) -> str:
        # The first player keeps the single-optimiser layout (older checkpoints read as before).
        return "optimizer." if i == 0 else f"player.{player.name}.optimizer."

    def _save(self, players, optimizers, schedulers):
        c = self.config
        if c.checkpoint_dir is None:
            return
        rng = self._rng_tensors()
        if self._world > 1:   # every rank's random state, gathered on rank 0
            for key, value in list(rng.items()):
                for r, part in enumerate(self._all_gather(value)[1:], start=1):
                    rng[f"{key}.rank{r}"] = part
            if not self._writer:   # rank 0 writes
                self._last_checkpoint = (str(c.checkpoint_dir), self.epoch)
                return
        tensors, others = {}, {}
        for i, (player, opt, sched) in enumerate(zip(players, optimizers, schedulers)):
            t, record = optimizer_state_to_tensors(opt.state_dict(), self._prefix(i, player))
            tensors.update(t)
            if i == 0:
                opt_record, sched_state = record, sched
            else:
                others[player.name] = {
                    "optimizer": record,
                    "scheduler": sched.state_dict() if sched is not None else None}
        scheduler = sched_state
        tensors.update(rng)
        if self._best_state is not None:
            tensors.update({f"best.{k}": v for k, v in self._best_state.items()})
        training = {"epoch": self.epoch, "step": self.step, "trainer_config": asdict(c),
                    "optimizer": opt_record,
                    "scheduler": scheduler.state_dict() if scheduler is not None else None,
                    "players": others, "player_steps": self.player_steps,
                    "best_val_loss": self._best_val, "epochs_without_improvement": self._bad,
                    "stopped_early": self.stopped_early, "history": self.history,
                    "world_size": self._world,
                    "grad_scalers": [None if sc is None else sc.state_dict()
                                     for sc in self._scalers]}
        # A copy of everything now; the folder is written by a background thread while the
        # next epoch trains (hashing and writing cost ~5% of a small model's epoch). The next
        # checkpoint, the end of fit and an error all wait for it; the write stays atomic.
        copy = {k: v.detach().to("cpu", copy=True) for k, v in tensors.items()}
        weights = {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}
        training = json.loads(json.dumps(training))
        self._wait_for_checkpoint()
        self._writing = self._writer_pool().submit(
            save_checkpoint, c.checkpoint_dir, self.model, training=training,
            training_tensors=copy, extra=self.extra, weights=weights)
        self._last_checkpoint = (str(c.checkpoint_dir), self.epoch)
        logger.debug("checkpoint written to %s at epoch %d", c.checkpoint_dir, self.epoch)

    def _writer_pool(self):
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="latentlearn-checkpoint")
        return self._pool

    def _wait_for_checkpoint(self) -> None:
        """Block until the checkpoint being written is on disk (its error raised here)."""
        pending, self._writing = self._writing, None
        if pending is not None:
            pending.result()

    def _restore(self, players, optimizers, schedulers) -> bool:
        """Load the checkpoint in checkpoint_dir if there is one; True when resumed."""
        c = self.config
        if c.checkpoint_dir is None:
            raise ParameterError("resume=True needs checkpoint_dir= (the folder the killed run "
                                 "wrote its checkpoints to).")
        if not (Path(c.checkpoint_dir) / "config.json").exists():
            logger.info("no checkpoint in %s; starting from scratch", c.checkpoint_dir)
            return False
        ckpt = read_checkpoint(c.checkpoint_dir)
        training = ckpt.config.get("training")
        if training is None:
            raise CheckpointError(f"{c.checkpoint_dir} holds a saved model, not a training "
                                  f"checkpoint; it cannot be resumed.")
        if ckpt.model_name != model_name(self.model) or \
                ckpt.config["model_config"] != _jsonable(asdict(self.model.config)):
            raise CheckpointError(f"the checkpoint in {c.checkpoint_dir} is of another model "
                                  f"configuration ({ckpt.model_name}: "
                                  f"{ckpt.config['model_config']}); resume with the same "
                                  f"model settings or use a new checkpoint_dir.")
        self.model.load_state_dict(ckpt.weights)
        others = training.get("players", {})
        missing = [p.name for p in players[1:] if p.name not in others]
        if missing:
            raise CheckpointError(f"the checkpoint in {c.checkpoint_dir} holds no optimiser "
                                  f"state for players {missing}; resume with the same model or "
                                  f"use a new checkpoint_dir.")
        for i, (player, opt, sched) in enumerate(zip(players, optimizers, schedulers)):
            entry = training if i == 0 else others[player.name]
            opt.load_state_dict(optimizer_state_from_tensors(
                ckpt.training, entry["optimizer"], self._prefix(i, player)))
            if sched is not None and entry["scheduler"] is not None:
                sched.load_state_dict(entry["scheduler"])
        self.player_steps.update(training.get("player_steps", {}))
        for scaler, state in zip(self._scalers, training.get("grad_scalers") or []):
            if scaler is not None and state is not None:
                scaler.load_state_dict(state)
        saved_world = training.get("world_size", 1)
        suffix = "" if self._rank == 0 else f".rank{self._rank}"
        if saved_world != self._world:
            logger.warning("the checkpoint in %s was written by %d process(es), this run has %d: "
                           "it resumes, but not bit for bit like an uninterrupted run",
                           c.checkpoint_dir, saved_world, self._world)
        if "rng.torch" + suffix in ckpt.training:
            torch.set_rng_state(ckpt.training["rng.torch" + suffix])
        else:   # a rank the checkpoint did not have: a fresh stream of its own
            torch.manual_seed(c.seed + self._rank + 1_000_003 * training["epoch"])
        self._shuffle_rng.set_state(ckpt.training["rng.shuffle"])
        if self.device.type == "cuda" and "rng.cuda" + suffix in ckpt.training:
            torch.cuda.set_rng_state(ckpt.training["rng.cuda" + suffix], self.device)
        best = {k[5:]: v for k, v in ckpt.training.items() if k.startswith("best.")}
        self._best_state = best or None
        self._best_val = training["best_val_loss"]
        self._bad = training["epochs_without_improvement"]
        self.stopped_early = training["stopped_early"]
        self.epoch, self.step = training["epoch"], training["step"]
        self.history = list(training["history"])
        self._last_checkpoint = (str(c.checkpoint_dir), self.epoch)
        logger.info("resumed from %s at epoch %d (step %d)", c.checkpoint_dir, self.epoch,
                    self.step)
        return True

    # ----------------------------------------------------------------- loop
    def fit(self, data, *, validation_data=None, resume: bool = False) -> list[dict]:
        """Train on ``data`` for ``config.epochs`` epochs (in all, counting resumed ones).

        Parameters
        ----------
        data : ndarray of shape (n_samples, n_features), Dataset, Tensor or DataLoader
        validation_data : same kinds, optional
            Overrides ``validation_fraction``.
        resume : bool, default=False
            Continue from the checkpoint in ``checkpoint_dir`` when there is one.

        Returns
        -------
        list of dict
            :attr:`history`.
        """
        c = self.config
        c.check()
        self.device = resolve_device(c.device)
        self._rank, self._world = distributed.world()
        if self._world > 1 and self.device.type == "cuda" and self.device.index is None:
            self.device = torch.device("cuda", torch.cuda.current_device())   # LOCAL_RANK's
        self._writing, self._pool = None, None
        try:
            with _forked_rng(self.device):
                history = self._fit(data, validation_data, resume)
            self._wait_for_checkpoint()
        finally:   # on an error too: the last checkpoint is complete before it propagates
            try:
                self._wait_for_checkpoint()
            finally:
                if self._pool is not None:
                    self._pool.shutdown(wait=True)
                self._pool = None
                if self._ddp is not None:
                    # Free the DDP wrapper now, also when training failed: its reducer, freed
                    # later by the garbage collector after the process group is gone, aborts
                    # the process ("terminate called without an active exception").
                    self._ddp = None
                    gc.collect()
        distributed.barrier()   # every rank returns once rank 0's checkpoint is written
        return history

    def _fit(self, data, validation_data, resume):
        c = self.config
        torch.manual_seed(c.seed + self._rank)   # each rank its own noise; rank 0 as one process
        self._shuffle_rng = torch.Generator().manual_seed(c.seed)   # the same on every rank
        self._best_state, self._best_val, self._bad = None, None, 0
        self._last_checkpoint = None
        self.history, self.epoch, self.step, self.stopped_early = [], 0, 0, False
        self.model.to(self.device)
        players = self._players()
        self._multi = hasattr(self.model, "players")
        self.player_steps = {p.name: 0 for p in players}
        optimizers = [self._make_optimizer(p) for p in players]
        self.optimizers = dict(zip((p.name for p in players), optimizers))
        schedulers = [self._make_scheduler(o) for o in optimizers]
        train, val = self._split(data, validation_data)
        self._set_up_schedules(train)
        self._scalers = [torch.amp.GradScaler("cuda") if c.precision == "16-mixed" else None
                         for _ in players]
        if resume:
            self._restore(players, optimizers, schedulers)
        self._ddp = None
        if self._world > 1:
            # broadcast_buffers=False: DDP would otherwise send rank 0's buffers to every rank
            # before each forward, the training set a contrastive model keeps as buffers
            # included (16 MB a step for mnist5k). The models keep their buffers in step
            # themselves (a VQ-VAE's codebook: sum_over_ranks) or never change them; rank 0,
            # which writes, keeps its own (batch-norm running statistics of its rows).
            self._ddp = torch.nn.parallel.DistributedDataParallel(
                _Steps(self.model), find_unused_parameters=self._multi,
                broadcast_buffers=False,
                device_ids=[self.device.index] if self.device.type == "cuda" else None)
        self._writer = self._rank == 0
        if c.history_path is not None and self._writer:
            fileio.write_text(c.history_path, "".join(
                json.dumps(r) + "\n" for r in self.history))

        stop = self.stopped_early
        while self.epoch < c.epochs and not stop:
            start = time.perf_counter()
            record, stop = self._train_epoch(train, players, optimizers)
            for scheduler in schedulers:
                if scheduler is not None:
                    scheduler.step()
            if val is not None:
                record.update({f"val_{k}": v
                               for k, v in self._evaluate(val, players[0]).items()})
                stop = self._early_stopping(record["val_loss"]) or stop
            record["lr"] = optimizers[0].param_groups[0]["lr"]
            if self._multi:
                for player, opt in zip(players[1:], optimizers[1:]):
                    record[f"{player.name}.lr"] = opt.param_groups[0]["lr"]
                record.update({f"steps.{k}": v for k, v in self.player_steps.items()})
            record["time_s"] = time.perf_counter() - start
            self.history.append(record)
            if c.history_path is not None and self._writer:
                fileio.append_jsonl(c.history_path, record)
            if self._writer:
                logger.info("epoch %d/%d: %s", self.epoch, c.epochs,
                            ", ".join(f"{k}={v:.4g}" for k, v in record.items()
                                      if k not in ("epoch", "step")))
            stop = self._any_rank(self._notify("epoch", record) or stop)
            last = stop or self.epoch >= c.epochs
            if last or self.epoch % c.checkpoint_every == 0:
                self._save(players, optimizers, schedulers)
        if self._best_state is not None:
            self.model.load_state_dict(self._best_state)
        self.model.eval()
        return self.history

    # ----------------------------------------------------------------- several processes
    def _comm_device(self):
        return self.device if dist_backend() == "nccl" else torch.device("cpu")

    def _any_rank(self, flag: bool) -> bool:
        """True on every rank when it is True on one (stop decisions stay in step)."""
        if self._world == 1:
            return flag
        t = torch.tensor([1.0 if flag else 0.0], device=self._comm_device())
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
        return bool(t.item())

    def _all_gather(self, tensor) -> list:
        dev = self._comm_device()
        t = tensor.to(dev)
        parts = [torch.empty_like(t) for _ in range(self._world)]
        torch.distributed.all_gather(parts, t)
        return [p.cpu() for p in parts]

    def _reduce_sums(self, sums, counts) -> None:
        """Sum the epoch's logged sums and row counts over the ranks (in place)."""
        if self._world == 1 or not sums:
            return
        keys = sorted(sums)
        dev = self._comm_device()
        values = torch.stack([sums[k].reshape(()).to(dev, torch.float64) for k in keys])
        n = torch.tensor([float(counts[k]) for k in keys], device=dev, dtype=torch.float64)
        torch.distributed.all_reduce(values)
        torch.distributed.all_reduce(n)
        for i, k in enumerate(keys):
            sums[k], counts[k] = values[i], int(n[i].item())

    def _notify(self, event, logs) -> bool:
        return any(bool(cb(event, logs)) for cb in self.callbacks)

    def _set_up_schedules(self, train) -> None:
        """Check the weight schedules against the model's ``loss_weights``; fix the run length."""
        specs = self.config.weight_schedules or {}
        self._schedules = {name: normalise_spec(name, spec) for name, spec in specs.items()}
        if not self._schedules:
            return
        weights = getattr(self.model, "loss_weights", None)
        if not isinstance(weights, dict):
            raise ParameterError(f"weight_schedules={specs!r} needs a model with loss_weights; "
                                 f"{type(self.model).__name__} has none.")
        unknown = sorted(set(self._schedules) - set(weights))
        if unknown:
            raise ParameterError(f"weight_schedules names {unknown}, which "
                                 f"{type(self.model).__name__} does not weigh; its loss weights "
                                 f"are {sorted(weights)}.")
        try:
            per_epoch = len(train)
        except TypeError:
            per_epoch = None
        if per_epoch is None and any(s["unit"] == "step" for s in self._schedules.values()):
            raise ParameterError("a weight schedule by step needs batches of known number (a "
                                 "DataLoader with a length); use \"unit\": \"epoch\".")
        self._run_length = {"step": None if per_epoch is None else per_epoch * self.config.epochs,
                            "epoch": self.config.epochs}

    def _apply_schedules(self) -> None:
        for name, spec in self._schedules.items():
            unit = spec["unit"]
            t = self.step if unit == "step" else self.epoch
            self.model.loss_weights[name] = weight_at(spec, t, self._run_length[unit])

    def _autocast(self):
        precision = self.config.precision
        if precision == "32":
            return contextlib.nullcontext()   # (an autocast(enabled=False) costs ~10 us a step)
        dtype = torch.bfloat16 if precision == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)

    def _player_step(self, batch, player, *, train=False):
        try:
            with self._autocast():
                if train and self._ddp is not None:
                    loss, terms = self._ddp(batch, player.name if self._multi else None)
                    return StepOutput(loss, terms)
                if self._multi:
                    return self.model.training_step(batch, player=player.name)
                return self.model.training_step(batch)
        except DataError as exc:  # e.g. the divergences refusing NaN encoder outputs
            raise self._diverged(f"training_step failed on non-finite values ({exc})") from exc

    def _train_epoch(self, batches, players, optimizers):
        self.model.train()
        sums: dict[str, torch.Tensor] = {}
        counts: dict[str, int] = {}
        owner: dict[str, str] = {}
        stop = False
        if isinstance(batches, (_ArrayBatches, _MemmapBatches)):
            source = batches.weighted()
        else:
            sampler = getattr(batches, "sampler", None)
            if isinstance(sampler, torch.utils.data.DistributedSampler):
                sampler.set_epoch(self.epoch)   # a new shuffle per epoch, the same on resume
            source = ((batch, 1.0, None) for batch in batches)
        interleaved = isinstance(batches, (_ArrayBatches, _MemmapBatches))
        for batch, weight, n in source:
            batch = _to_device(batch, self.device)
            n = _batch_size(batch) if n is None else n
            if self._world > 1:   # for models that gather the global batch (gather_rows)
                distributed.set_batch_layout(interleaved=interleaved, valid=weight > 0)
            self._apply_schedules()
            first_loss = None
            for i, (player, optimizer) in enumerate(zip(players, optimizers)):
                for _ in range(player.steps):
                    out = self._player_step(batch, player, train=True)
                    loss = out.loss
                    if not bool(torch.isfinite(loss)):  # checked before backward: not applied
                        who = f" of player {player.name!r}" if self._multi else ""
                        raise self._diverged(f"the loss{who} became {loss.item()}")
                    # Every gradient is cleared: one player's loss may reach another's weights.
                    self.model.zero_grad(set_to_none=True)
                    scaled = loss if weight == 1.0 else loss * weight   # a rank's share
                    scaler = self._scalers[i]
                    if scaler is None:
                        scaled.backward()
                        optimizer.step()
                    else:
                        scaler.scale(scaled).backward()
                        scaler.step(optimizer)
                        scaler.update()
                    if self._multi and hasattr(self.model, "after_step"):
                        self.model.after_step(player.name)
                    self.player_steps[player.name] += 1
                    if i == 0:
                        first_loss = loss
                    for key, value in (("loss", loss), *out.terms.items()):
                        if i > 0 and key == "loss":
                            key = f"{player.name}.loss"
                        elif owner.setdefault(key, player.name) != player.name:
                            key = f"{player.name}.{key}"
                        if key in sums:
                            sums[key].add_(value.detach(), alpha=n)
                        else:
                            sums[key] = value.detach() * n
                        counts[key] = counts.get(key, 0) + n
            self.step += 1
            if self.callbacks:
                stop = self._notify("step", {"epoch": self.epoch + 1, "step": self.step,
                                             "loss": first_loss.item()}) or stop
            stop = self._any_rank(stop)
            if stop:
                break
        self._reduce_sums(sums, counts)
        self.epoch += 1
        record = {"epoch": self.epoch, "step": self.step}
        record.update({k: (v / max(counts[k], 1)).item() for k, v in sums.items()})
        if self._schedules:
            record.update({f"weight.{k}": float(self.model.loss_weights[k])
                           for k in self._schedules})
        return record, stop

    @torch.no_grad()
    def _evaluate(self, batches, player) -> dict:
        self.model.eval()
        sums, count = {}, 0
        for batch in batches:
            batch = _to_device(batch, self.device)
            out = self._player_step(batch, player)
            n = _batch_size(batch)
            count += n
            for key, value in (("loss", out.loss), *out.terms.items()):
                sums[key] = sums.get(key, 0.0) + value.detach() * n
        return {k: float(v / count) for k, v in sums.items()}

    def _early_stopping(self, val_loss) -> bool:
        c = self.config
        if c.early_stopping_patience is None:
            return False
        if self._best_val is None or val_loss < self._best_val:
            self._best_val, self._bad = val_loss, 0
            self._best_state = {k: v.detach().cpu().clone()
                                for k, v in self.model.state_dict().items()}
            return False
        self._bad += 1
        if self._bad >= c.early_stopping_patience:
            logger.info("early stopping at epoch %d: no improvement of val_loss for %d epochs "
                        "(best %.6g)", self.epoch, self._bad, self._best_val)
            self.stopped_early = True
            return True
        return False

    def _diverged(self, what: str) -> TrainingDivergedError:
        step = self.step + 1
        if self._last_checkpoint is not None:
            where = (f"The last good checkpoint is {self._last_checkpoint[0]} (epoch "
                     f"{self._last_checkpoint[1]}); resume from it with resume=True after "
                     f"changing the settings.")
        elif self.config.checkpoint_dir is not None:
            where = "No checkpoint was written yet (checkpoint_dir is empty)."
        else:
            where = "There is no checkpoint (checkpoint_dir=None)."
        return TrainingDivergedError(
            f"{what} at step {step} (epoch {self.epoch + 1}); that step was not applied, so the "
            f"model holds the weights after step {self.step}. {where} Lower the learning rate "
            f"(now {self.config.learning_rate:g}) or check the data for extreme values.",
            epoch=self.epoch + 1, step=step,
            checkpoint=None if self._last_checkpoint is None else self._last_checkpoint[0])


def dist_backend():
    """The default process group's backend, or None outside a distributed run."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_backend()
    return None


def _jsonable(obj):
    return json.loads(json.dumps(obj))
