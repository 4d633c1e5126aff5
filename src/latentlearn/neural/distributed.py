"""Data-parallel training on several processes with torch.distributed (DDP).

The Trainer trains under :class:`torch.nn.parallel.DistributedDataParallel` (Li et al. 2020,
"PyTorch Distributed: Experiences on Accelerating Data Parallel Training") whenever a default
process group is initialised; nothing else changes for the model. Processes are started by
PyTorch's own launcher, ``torch.distributed.run`` (``torchrun``), never by a process pool of ours:

- ``torchrun --nproc-per-node 2 -m latentlearn fit vae --data mnist5k`` on one machine;
- ``latentlearn fit vae --data mnist5k --nproc 2``, the same launcher started from the CLI
  (``--standalone`` rendezvous on this machine);
- several machines: the same ``torchrun`` command on each, with torchrun's rendezvous options,
  e.g. ``torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d --rdzv-endpoint
  host0:29400 --rdzv-id job7 -m latentlearn fit vae ...``; the checkpoint folder must be on a
  file system every machine sees, since every rank reads it on resume.

The backend is gloo on CPU and NCCL on CUDA (each process then uses ``cuda:LOCAL_RANK``).

What "the same run on N processes" means here: ``batch_size`` stays the *global* batch. Every
rank draws the same permutation of the rows (the trainer's seeded generator, so the order is
"seeded per epoch" and checkpointed) and takes every N-th row of each global batch, as
:class:`torch.utils.data.DistributedSampler` does; a DataLoader is re-made with a
``DistributedSampler`` (``set_epoch`` every epoch) and a per-rank batch of ``batch_size // N``.
Each rank's loss is weighted by its share of the global batch, so DDP's averaged gradient is the
gradient of the global batch's mean loss, as on one process; a deterministic model therefore
reaches the one-process weights up to the order of floating-point sums. A loss that couples
the rows of a batch gathers the batch (:func:`gather_rows`, gradients flowing back to the rank
each row came from): beta-TCVAE's minibatch estimators of log q(z) and MMD-VAE's MMD score each
rank's rows against the whole global batch, so their sum over the ranks is the one-process
loss. FactorVAE's permutation and batch normalisation still see only their rank's rows, as
under any DDP. Statistics a model keeps outside autograd are its own to share: a VQ-VAE's EMA
codebook adds its counts and sums up over the ranks (:func:`sum_over_ranks`) and takes rank 0's
restarted codes (:func:`from_main`).

Only rank 0 writes: checkpoints, ``history.jsonl`` and the run folder. Every rank's random state
is gathered into the checkpoint, so a killed N-process run resumes on N processes to the weights
of an uninterrupted one.
"""

from __future__ import annotations

import datetime
import os
import sys

from .._optional import require

torch = require("torch", extra="neural", what="the neural models")

import torch.distributed as dist  # noqa: E402  (after the guard)

from ..exceptions import LatentLearnError, ParameterError  # noqa: E402

__all__ = ["DistributedError", "world", "is_main", "init_from_env", "launch", "barrier",
           "sum_over_ranks", "from_main", "gather_rows", "set_batch_layout"]

#: Seconds a process waits for the others (process-group creation and every collective).
DEFAULT_TIMEOUT_S = 300


class DistributedError(LatentLearnError, RuntimeError):
    """The processes of a distributed run could not be brought together."""


def world() -> tuple[int, int]:
    """``(rank, world_size)`` of the default process group; ``(0, 1)`` without one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main() -> bool:
    """True on rank 0 (the process that writes), and always outside a distributed run."""
    return world()[0] == 0


def sum_over_ranks(tensor):
    """``tensor`` summed over every rank (in place; every rank must call it), or ``tensor``
    itself outside a distributed run. For statistics a model keeps outside autograd (a
    VQ-VAE's codebook averages), which DDP's gradient all-reduce does not reach."""
    if world()[1] > 1:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def from_main(tensor):
    """Rank 0's ``tensor`` on every rank (in place; every rank must call it), so that a random
    choice made in a model's forward (a restarted code) is the same everywhere."""
    if world()[1] > 1:
        dist.broadcast(tensor, src=0)
    return tensor


# -- rows of the global batch ---------------------------------------------------------------

#: How the trainer split the current global batch: ``interleaved`` (rank r holds rows r, r + N,
#: r + 2N... of it, the trainer's own sharding) or not (a DistributedSampler's per-rank
#: batches, taken in rank order), and whether this rank's rows are real (a rank left without a
#: row of a short last batch trains on a dummy row with weight 0).
_batch_layout = {"interleaved": False, "valid": True}


def set_batch_layout(*, interleaved: bool, valid: bool = True) -> None:
    """Set by the trainer before each step (see :func:`gather_rows`)."""
    _batch_layout["interleaved"], _batch_layout["valid"] = bool(interleaved), bool(valid)


class _AllGather(torch.autograd.Function):
    """Every rank's (padded) rows, stacked ``(world, rows, ...)``; the backward pass sums the
    gradients of all ranks and hands each rank those of its own rows."""

    @staticmethod
    def forward(ctx, padded, size):
        parts = [torch.empty_like(padded) for _ in range(size)]
        dist.all_gather(parts, padded.contiguous())
        ctx.rank = dist.get_rank()
        return torch.stack(parts)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.rank], None


def gather_rows(tensor):
    """The rows of the whole global batch, gathered from every rank, in the batch's order.

    For losses that look at the whole batch (an estimator of the aggregate posterior, an MMD):
    each rank computes the terms of its own rows against all rows, and gradients flow back to
    the rank each row came from, so the ranks' losses together are the one-process loss of the
    global batch. Outside a distributed run (or on one process) ``tensor`` itself.

    Parameters
    ----------
    tensor : torch.Tensor of shape (n_local, ...)
        This rank's rows (every rank must call this, with the same trailing shape).

    Returns
    -------
    rows : torch.Tensor of shape (n_global, ...)
    own : torch.LongTensor of shape (n_local,)
        Positions of this rank's rows in ``rows`` (``arange(n_local)`` outside DDP). A rank
        whose only row is the trainer's zero-weight dummy sends no row and gets position 0 for
        it: its terms stay finite, and their weight is 0.
    """
    rank, size = world()
    n = tensor.shape[0]
    if size == 1:
        return tensor, torch.arange(n, device=tensor.device)
    valid = n if _batch_layout["valid"] else 0
    counts = [torch.zeros(1, dtype=torch.long, device=tensor.device) for _ in range(size)]
    dist.all_gather(counts, torch.tensor([valid], dtype=torch.long, device=tensor.device))
    counts = [int(c) for c in counts]
    top = max(max(counts), 1)
    padded = tensor[:valid]
    if valid < top:
        padded = torch.cat([padded, padded.new_zeros((top - valid, *tensor.shape[1:]))])
    stacked = _AllGather.apply(padded, size)                       # (size, top, ...)
    rows = torch.cat([stacked[r, :counts[r]] for r in range(size)])
    if _batch_layout["interleaved"]:   # rank r's k-th row sits at r + k N of the batch
        position = torch.cat([torch.arange(counts[r], device=tensor.device) * size + r
                              for r in range(size)])
        order = torch.argsort(position)
        rows = rows[order]
        own = torch.arange(valid, device=tensor.device) * size + rank
    else:
        start = sum(counts[:rank])
        own = torch.arange(start, start + valid, device=tensor.device)
    if not valid:
        own = torch.zeros(n, dtype=torch.long, device=tensor.device)
    return rows, own


def barrier() -> None:
    """Wait for every rank (a no-op outside a distributed run)."""
    if world()[1] > 1:
        dist.barrier()


def _env_world_size() -> int:
    value = os.environ.get("WORLD_SIZE", "1")
    try:
        return int(value)
    except ValueError:
        raise DistributedError(f"WORLD_SIZE={value!r} is not an integer; it is set by torchrun "
                               f"and should not be set by hand.") from None


def init_from_env(device: str = "auto", *, timeout_s: float | None = None) -> bool:
    """Join the process group torchrun describes in the environment; True when distributed.

    Does nothing (returns False) outside torchrun (``WORLD_SIZE`` unset or 1) or when a group
    already exists (returns True). The backend is NCCL when CUDA is used, gloo otherwise.
    ``timeout_s`` (default ``$LATENTLEARN_DIST_TIMEOUT`` or 300 s) bounds the wait for the
    other processes: a rendezvous that never forms ends in a :class:`DistributedError`, not a
    hang.
    """
    if dist.is_available() and dist.is_initialized():
        return True
    size = _env_world_size()
    if size <= 1:
        return False
    if not dist.is_available():  # pragma: no cover - every supported torch build has it
        raise DistributedError("this torch build has no torch.distributed; install a build "
                               "with it to train on several processes.")
    missing = [k for k in ("RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
               if k not in os.environ]
    if missing:
        raise DistributedError(f"WORLD_SIZE={size} but {', '.join(missing)} not set; start the "
                               f"processes with torchrun (or `latentlearn fit ... --nproc N`).")
    if timeout_s is None:
        timeout_s = float(os.environ.get("LATENTLEARN_DIST_TIMEOUT", DEFAULT_TIMEOUT_S))
    cuda = device != "cpu" and torch.cuda.is_available()
    if cuda:
        torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
    try:
        dist.init_process_group("nccl" if cuda else "gloo",
                                timeout=datetime.timedelta(seconds=timeout_s))
    except Exception as exc:  # noqa: BLE001 - re-raised with what to do
        raise DistributedError(
            f"rank {os.environ['RANK']} of {size} could not join the others at "
            f"{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']} within {timeout_s:g} s "
            f"({type(exc).__name__}: {exc}). Check that every process was started and can "
            f"reach that address; set LATENTLEARN_DIST_TIMEOUT to wait longer.") from exc
    return True


def check_nproc(nproc: int, device: str = "auto") -> str:
    """Refuse more processes than there are cores (CPU) or GPUs (CUDA); returns the kind."""
    if not isinstance(nproc, int) or isinstance(nproc, bool) or nproc < 1:
        raise ParameterError(f"--nproc={nproc!r}: it must be an integer >= 1.")
    if device != "cpu" and torch.cuda.is_available():
        have = torch.cuda.device_count()
        if nproc > have:
            raise ParameterError(f"--nproc={nproc} asks for more processes than the {have} "
                                 f"GPU(s) here (one process per GPU); use --nproc {have} or "
                                 f"fewer, or several machines with torchrun's rendezvous "
                                 f"options.")
        return "cuda"
    have = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if nproc > have:
        raise ParameterError(f"--nproc={nproc} asks for more processes than the {have} CPU "
                             f"core(s) here; use --nproc {have} or fewer.")
    return "cpu"


def launch(nproc: int, argv: list[str], *, device: str = "auto") -> int:
    """Run ``python -m latentlearn *argv`` on ``nproc`` processes through torch.distributed.run.

    The calling process becomes torchrun's agent (``--standalone``: a rendezvous on this
    machine, on a free port); it returns 0 when every worker succeeded and raises
    :class:`DistributedError` naming the failed rank otherwise.
    """
    kind = check_nproc(nproc, device)
    from torch.distributed import run as torchrun
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError

    args = ["--standalone", "--nproc-per-node", str(nproc), "-m", "latentlearn", *argv]
    env_threads = os.environ.get("OMP_NUM_THREADS")
    if kind == "cpu" and env_threads is None:
        # torchrun sets OMP_NUM_THREADS=1 with a warning; say the same without the warning.
        os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // nproc))
    try:
        torchrun.main(args)
    except ChildFailedError as exc:
        failures = "; ".join(f"rank {rank}: exit code {f.exitcode}"
                             for rank, f in sorted(exc.failures.items()))
        raise DistributedError(f"the distributed run failed ({failures}); its messages are "
                               f"above.") from None
    except SystemExit as exc:  # torchrun's argument parser
        if exc.code:
            raise DistributedError(f"torch.distributed.run refused {args}") from None
    finally:
        if env_threads is None:
            os.environ.pop("OMP_NUM_THREADS", None)
    return 0

