"""The one Trainer: seeding, resume, NaN guard, callbacks, early stopping, checkpoint refusal."""

import json
import pickle
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

from latentlearn.datasets import Dataset
from latentlearn.exceptions import CheckpointError, ParameterError
from latentlearn.neural.checkpoint import load_model, read_checkpoint, save_model
from latentlearn.neural.models import StepOutput, register_model
from latentlearn.neural.models.vae import VAE, VAEConfig
from latentlearn.neural.trainer import (Trainer, TrainerConfig, TrainingDivergedError,
                                        resolve_device)

RNG = np.random.default_rng(0)
X = (RNG.random((200, 20)) > 0.6).astype(np.float32)


def small_vae(seed=0):
    torch.manual_seed(seed)
    return VAE(VAEConfig(n_features=20, latent_dim=3, hidden=(16,)))


def weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def config(tmp_path=None, **kw):
    base = dict(epochs=4, batch_size=32, seed=3, device="cpu", validation_fraction=0.1,
                lr_schedule="step", lr_step_size=1, lr_gamma=0.9)
    if tmp_path is not None:
        base["checkpoint_dir"] = str(tmp_path / "ckpt")
        base["history_path"] = str(tmp_path / "history.jsonl")
    base.update(kw)
    return TrainerConfig(**base)


def test_same_seed_gives_identical_weights():
    a, b, c = small_vae(), small_vae(), small_vae()
    Trainer(a, config()).fit(X)
    Trainer(b, config()).fit(X)
    Trainer(c, config(seed=4)).fit(X)
    assert_same_weights(weights(a), weights(b))
    assert not torch.equal(a.encoder[0].weight, c.encoder[0].weight)


def test_fit_leaves_the_callers_rng_alone():
    model = small_vae()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    Trainer(model, config(epochs=1)).fit(X)
    assert torch.equal(torch.rand(3), expected)


class Crash(Exception):
    pass


def test_resume_after_a_crash_equals_an_uninterrupted_run(tmp_path):
    straight = small_vae()
    history = Trainer(straight, config(tmp_path / "a", checkpoint_every=2)).fit(X)

    def crash_in_epoch_3(event, logs):
        if event == "step" and logs["epoch"] == 3 and logs["step"] % 7 == 3:
            raise Crash

    killed = small_vae()
    run = config(tmp_path / "b", checkpoint_every=2)
    with pytest.raises(Crash):
        Trainer(killed, run, callbacks=[crash_in_epoch_3]).fit(X)
    assert read_checkpoint(run.checkpoint_dir).config["training"]["epoch"] == 2

    resumed = small_vae(seed=99)  # fresh weights: everything must come from the checkpoint
    trainer = Trainer(resumed, run)
    resumed_history = trainer.fit(X, resume=True)
    assert_same_weights(weights(straight), weights(resumed))
    strip = lambda h: [{k: v for k, v in r.items() if k != "time_s"} for r in h]  # noqa: E731
    assert strip(resumed_history) == strip(history)
    lines = (tmp_path / "b" / "history.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2, 3, 4]


def test_resume_refuses_another_model_configuration(tmp_path):
    run = config(tmp_path, epochs=1)
    Trainer(small_vae(), run).fit(X)
    other = VAE(VAEConfig(n_features=20, latent_dim=4, hidden=(16,)))
    with pytest.raises(CheckpointError, match="another model configuration"):
        Trainer(other, config(tmp_path, epochs=2)).fit(X, resume=True)


@dataclass
class ExplodingConfig:
    n_features: int = 20
    explode_at: int = 5


@register_model("test_exploding")
class Exploding(nn.Module):
    """Reconstructs its input linearly; its loss is NaN from step ``explode_at`` on."""

    config_class = ExplodingConfig

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.linear = nn.Linear(config.n_features, config.n_features)
        self.calls = 0

    def training_step(self, x):
        self.calls += 1
        loss = ((self.linear(x) - x) ** 2).mean()
        if self.calls >= self.config.explode_at:
            loss = loss * float("nan")
        return StepOutput(loss, {"mse": loss.detach()})


def test_nan_loss_stops_with_the_step_and_the_last_good_checkpoint(tmp_path):
    torch.manual_seed(0)
    model = Exploding(ExplodingConfig(explode_at=10))  # 7 steps per epoch (200 / 32)
    seen = {}
    run = config(tmp_path, validation_fraction=0.0, epochs=3)

    def remember(event, logs):
        if event == "step":
            seen["weights"] = weights(model)

    with pytest.raises(TrainingDivergedError, match="step 10") as err:
        Trainer(model, run, callbacks=[remember]).fit(X)
    assert err.value.step == 10 and err.value.epoch == 2
    assert err.value.checkpoint == run.checkpoint_dir
    assert "epoch 1" in str(err.value) and "learning rate" in str(err.value)
    assert_same_weights(seen["weights"], weights(model))       # the bad step changed nothing
    ckpt = read_checkpoint(run.checkpoint_dir)                 # and overwrote nothing
    assert ckpt.config["training"]["epoch"] == 1


def test_nan_without_checkpoints_says_so():
    model = Exploding(ExplodingConfig(explode_at=1))
    with pytest.raises(TrainingDivergedError, match="checkpoint_dir=None"):
        Trainer(model, config(validation_fraction=0.0)).fit(X)


def test_callback_can_stop_training_cleanly(tmp_path):
    stop_after_two = lambda event, logs: event == "epoch" and logs["epoch"] == 2  # noqa: E731
    history = Trainer(small_vae(), config(tmp_path), callbacks=[stop_after_two]).fit(X)
    assert [r["epoch"] for r in history] == [1, 2]
    assert read_checkpoint(tmp_path / "ckpt").config["training"]["epoch"] == 2


def test_history_records_terms_validation_and_learning_rate(tmp_path):
    history = Trainer(small_vae(), config(tmp_path)).fit(X)
    assert len(history) == 4
    for key in ("loss", "reconstruction", "kl", "val_loss", "val_kl", "lr", "time_s"):
        assert key in history[0]
    assert history[-1]["lr"] == pytest.approx(1e-3 * 0.9 ** 4)
    lines = (tmp_path / "history.jsonl").read_text().splitlines()
    assert [json.loads(line)["loss"] for line in lines] == [r["loss"] for r in history]


def test_early_stopping_restores_the_best_weights():
    model = small_vae()
    trainer = Trainer(model, config(epochs=30, learning_rate=0.05, early_stopping_patience=2))
    history = trainer.fit(X)
    assert trainer.stopped_early and len(history) < 30
    best = min(r["val_loss"] for r in history)
    assert history[-3]["val_loss"] == best


def test_dataset_and_dataloader_inputs():
    Trainer(small_vae(), config(epochs=1)).fit(Dataset(X=X))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.as_tensor(X)),
                                         batch_size=50)
    history = Trainer(small_vae(), config(epochs=1, validation_fraction=0.0)).fit(loader)
    assert history[0]["step"] == 4


def test_bad_settings_are_refused_with_the_parameter_name():
    with pytest.raises(ParameterError, match="optimizer='lbfgs'"):
        Trainer(small_vae(), config(optimizer="lbfgs")).fit(X)
    with pytest.raises(ParameterError, match="early_stopping_patience needs validation"):
        Trainer(small_vae(), config(validation_fraction=0.0, early_stopping_patience=2)).fit(X)
    with pytest.raises(ValueError, match="NaN"):
        Trainer(small_vae(), config()).fit(np.full((10, 20), np.nan, dtype=np.float32))


def test_device_auto_picks_cuda_only_when_present():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"


# --------------------------------------------------------------------------- checkpoint files
@pytest.fixture
def saved(tmp_path):
    model = small_vae()
    return model, save_model(tmp_path / "model", model)


def test_saved_model_round_trips(saved):
    model, folder = saved
    loaded, record = load_model(folder)
    assert record["model"] == "vae"
    assert_same_weights(weights(model), weights(loaded))
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "weights.safetensors"]


def test_pickle_in_place_of_weights_is_refused(saved):
    _, folder = saved
    (folder / "weights.safetensors").write_bytes(pickle.dumps({"w": np.eye(2)}))
    with pytest.raises(CheckpointError, match="truncated or altered"):
        load_model(folder)


def test_pickle_file_given_as_the_model_is_never_opened(tmp_path):
    path = tmp_path / "model.pt"
    torch.save(small_vae().state_dict(), path)
    with pytest.raises(CheckpointError, match="never loaded"):
        load_model(path)


def test_truncated_safetensors_is_refused_even_with_a_matching_checksum(saved):
    _, folder = saved
    data = (folder / "weights.safetensors").read_bytes()
    (folder / "weights.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or altered"):
        load_model(folder)
    config = json.loads((folder / "config.json").read_text())
    import hashlib
    config["files"]["weights.safetensors"] = hashlib.sha256(data[: len(data) // 2]).hexdigest()
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="not a valid safetensors"):
        load_model(folder)


def test_altered_bytes_fail_the_checksum(saved):
    _, folder = saved
    data = bytearray((folder / "weights.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (folder / "weights.safetensors").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="checksum"):
        load_model(folder)


def test_foreign_config_is_refused(saved):
    _, folder = saved
    (folder / "config.json").write_text('{"model": "vae"}')
    with pytest.raises(CheckpointError, match="not a latentlearn neural model"):
        load_model(folder)
    (folder / "config.json").write_text("{oops")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_model(folder)
