"""Checkpoints are written by a background thread while training goes on: what is written must
be the state of the epoch it is for, and a failed write must not pass unnoticed."""

import time

import numpy as np
import pytest
import torch

from latentlearn.neural import trainer as trainer_module
from latentlearn.neural.checkpoint import read_checkpoint
from latentlearn.neural.models.vae import VAE, VAEConfig
from latentlearn.neural.trainer import Trainer, TrainerConfig

X = (np.random.default_rng(0).random((200, 20)) > 0.6).astype(np.float32)


def run(folder, epochs=4, callbacks=()):
    torch.manual_seed(0)
    model = VAE(VAEConfig(n_features=20, latent_dim=3, hidden=(16,)))
    config = TrainerConfig(epochs=epochs, batch_size=32, seed=1, device="cpu",
                           checkpoint_dir=str(folder), checkpoint_every=1)
    return model, Trainer(model, config, callbacks=list(callbacks))


def test_a_slow_write_still_holds_its_epochs_state(tmp_path, monkeypatch):
    # The writer sleeps, so training runs ahead of it: a checkpoint holding live tensors would
    # get later weights. Each epoch's checkpoint must equal that epoch's weights.
    written = trainer_module.save_checkpoint

    def slow(*args, **kwargs):
        time.sleep(0.2)
        return written(*args, **kwargs)

    monkeypatch.setattr(trainer_module, "save_checkpoint", slow)
    seen = {}

    def keep(event, logs):
        if event == "epoch" and logs["epoch"] == 2:
            seen.update({k: v.detach().clone() for k, v in model.state_dict().items()})

    model, trainer = run(tmp_path / "ck", epochs=3, callbacks=[keep])

    class Stop(Exception):
        pass

    def crash(event, logs):
        if event == "step" and logs["step"] == 3 * 7 - 2:   # during epoch 3
            time.sleep(0.01)
            raise Stop

    trainer.callbacks.append(crash)
    with pytest.raises(Stop):
        trainer.fit(X)
    ckpt = read_checkpoint(tmp_path / "ck")       # complete when fit raised
    assert ckpt.config["training"]["epoch"] == 2
    for key, value in seen.items():
        assert torch.equal(ckpt.weights[key], value), key


def test_a_failed_write_is_raised(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(trainer_module, "save_checkpoint", broken)
    _, trainer = run(tmp_path / "ck", epochs=2)
    with pytest.raises(OSError, match="disk full"):
        trainer.fit(X)


def test_the_final_checkpoint_is_on_disk_when_fit_returns(tmp_path, monkeypatch):
    written = trainer_module.save_checkpoint
    monkeypatch.setattr(trainer_module, "save_checkpoint",
                        lambda *a, **k: (time.sleep(0.3), written(*a, **k))[1])
    model, trainer = run(tmp_path / "ck", epochs=2)
    trainer.fit(X)
    ckpt = read_checkpoint(tmp_path / "ck")
    assert ckpt.config["training"]["epoch"] == 2
    for key, value in model.state_dict().items():
        assert torch.equal(ckpt.weights[key], value), key
