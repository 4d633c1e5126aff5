"""Training runs, started in the test process (one process) or by torchrun (several).

``python ddp_worker.py MODE[,MODE...] OUT [--crash-epoch K] [--resume]`` trains each MODE's model
with the Trainer and, on rank 0, writes OUT/MODE/weights.safetensors and OUT/MODE/history.json.
Used by tests/neural/test_ddp.py.
"""

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from latentlearn.neural import distributed
from latentlearn.neural.models import Player, StepOutput, register_model
from latentlearn.neural.models.autoencoder import Autoencoder, AutoencoderConfig
from latentlearn.neural.models.vae import VAE, VAEConfig
from latentlearn.neural.models.vq_vae import VQVAE, VQVAEConfig
from latentlearn.neural.trainer import Trainer, TrainerConfig

# 203 rows: batches of 32 end with one of 11, split 6 / 5 between two ranks (weighted shares).
X = (np.random.default_rng(0).random((203, 12)) > 0.5).astype(np.float32)


@dataclass
class TwoPlayerConfig:
    n_features: int = 12


@register_model("ddp_two_players")
class TwoPlayers(nn.Module):
    """Two deterministic players: "a" reconstructs x; "b" regresses a's code, through a."""

    config_class = TwoPlayerConfig

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.a = nn.Sequential(nn.Linear(12, 4), nn.Tanh(), nn.Linear(4, 12))
        self.b = nn.Linear(12, 12)

    def players(self):
        return [Player("a", list(self.a.parameters())),
                Player("b", list(self.b.parameters()), steps=2, optimizer={"name": "sgd"})]

    def training_step(self, x, player):
        if player == "a":
            loss = ((self.a(x) - x) ** 2).mean()
            return StepOutput(loss, {"a_mse": loss.detach()})
        loss = ((self.b(self.a(x)) - x.flip(1)) ** 2).mean()   # reaches a's weights too
        return StepOutput(loss, {"b_mse": loss.detach()})

    def after_step(self, player):
        if player == "b":
            with torch.no_grad():
                self.b.weight.clamp_(-0.5, 0.5)


def model_for(mode):
    torch.manual_seed(0)
    if mode == "ae":
        return Autoencoder(AutoencoderConfig(n_features=12, latent_dim=3, hidden=(16,),
                                             code_activation="linear"))
    if mode == "players":
        return TwoPlayers(TwoPlayerConfig())
    if mode == "vae":
        return VAE(VAEConfig(n_features=12, latent_dim=3, hidden=(16,)))
    if mode == "vq_ema":  # deterministic; the codebook is a buffer moved by batch averages
        return VQVAE(VQVAEConfig(n_features=12, latent_dim=3, n_codes=6, architecture="mlp",
                                 hidden=(16,), grid_size=2, codebook_update="ema",
                                 ema_decay=0.8, prior_dim=8, prior_layers=1, prior_heads=2,
                                 prior_steps=1))
    raise SystemExit(f"unknown mode {mode}")


class Crash(Exception):
    pass


def batch_estimators(rows=None):
    """beta-TCVAE's KL decomposition and MMD-VAE's MMD of a fixed batch of 11 rows: computed on
    ``rows`` of it against the whole batch gathered from every rank (gather_rows), each rank's
    value weighted by its share, as the trainer weights it. Returns the weighted values and the
    gradients with respect to the given rows."""
    from latentlearn.neural.models.beta_tcvae import kl_decomposition
    from latentlearn.neural.models.mmd_vae import mmd_of_rows, mmd_to_prior

    g = torch.Generator().manual_seed(3)
    z, mu, log_var, prior = (torch.randn(11, 3, generator=g, dtype=torch.float64)
                             for _ in range(4))
    m = z.shape[0]
    leaves = [t[rows].clone().requires_grad_(True) if rows is not None
              else t.clone().requires_grad_(True) for t in (z, mu, log_var)]
    z_r, mu_r, lv_r = leaves
    p_r = prior if rows is None else prior[rows]
    out = {}
    for estimator in ("mws", "mss"):
        if rows is None:   # one process: the whole batch
            parts = kl_decomposition(z_r, mu_r, lv_r, 50, estimator)
            mmd = mmd_to_prior(z_r, p_r)
            share = 1.0
        else:
            both, own = distributed.gather_rows(torch.cat([mu_r, lv_r], dim=-1))
            mu_all, lv_all = both.chunk(2, dim=-1)
            parts = kl_decomposition(z_r, mu_r, lv_r, 50, estimator, batch=(mu_all, lv_all, own))
            glob, _ = distributed.gather_rows(torch.cat([z_r, p_r], dim=-1))
            mmd = mmd_of_rows(z_r, glob[:, :3], p_r, glob[:, 3:]) * (m / len(rows))
            share = len(rows) / m
        loss = share * (parts["mi"] + 2.0 * parts["tc"] + 0.5 * parts["dwkl"] + 3.0 * mmd)
        grads = torch.autograd.grad(loss, leaves)
        out[estimator] = {"loss": float(loss.detach()),
                          **{k: float(share * v.detach()) for k, v in parts.items()},
                          "mmd": float(share * mmd.detach()),
                          "grads": [gr.tolist() for gr in grads]}
    return out


def gather_check(out):
    """Each rank scores its interleaved share (rows r, r + N, ...) of the fixed batch."""
    rank, size = distributed.world()
    distributed.set_batch_layout(interleaved=True)
    rows = list(range(rank, 11, size))
    result = {"rows": rows, **batch_estimators(rows)}
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / f"rank{rank}.json").write_text(json.dumps(result))


def train(mode, out, crash_epoch=None, resume=False, data=None):
    model = model_for(mode)
    config = TrainerConfig(epochs=4, batch_size=32, seed=5, device="cpu", learning_rate=0.01,
                           validation_fraction=0.1 if mode == "vae" else 0.0,
                           checkpoint_dir=str(Path(out) / "ckpt") if mode == "vae" else None,
                           history_path=str(Path(out) / "history.jsonl"))

    def crash(event, logs):
        if event == "epoch" and logs["epoch"] == crash_epoch:
            raise Crash(f"killed at epoch {crash_epoch}")

    trainer = Trainer(model, config, callbacks=[crash] if crash_epoch else [])
    history = trainer.fit(X if data is None else data, resume=resume)
    if distributed.is_main():
        Path(out).mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                  str(Path(out) / "weights.safetensors"))
        (Path(out) / "history.json").write_text(json.dumps(
            [{k: v for k, v in r.items() if k != "time_s"} for r in history]))
    return model, history


if __name__ == "__main__":
    args = sys.argv[1:]
    crash_epoch = int(args[args.index("--crash-epoch") + 1]) if "--crash-epoch" in args else None
    distributed.init_from_env("cpu")
    try:
        for mode in args[0].split(","):   # several runs in one start of the processes
            if mode == "gather":
                gather_check(str(Path(args[1]) / mode))
                continue
            train(mode, str(Path(args[1]) / mode), crash_epoch=crash_epoch,
                  resume="--resume" in args)
    except Crash:
        sys.exit(3)
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
