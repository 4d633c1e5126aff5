"""Resume under a cosine schedule with early stopping active across the interruption.

The reference is the same run left uninterrupted: a killed-and-resumed run must match it bit for
bit -- weights, history, learning rate per epoch, the epoch early stopping fires and the best
weights restored at the end. The scenario is chosen so that each piece of resumable state
matters (see the asserts on the straight run):

- a cosine schedule, whose next rate depends on the scheduler's epoch counter (StepLR with
  step 1 does not: its next rate is the current one times gamma, which the optimiser restores);
- the checkpoint falls one epoch after the best one, with the patience counter at 1, and the run
  stops early two epochs after the resume; the best weights restored then are from before the
  interruption.

Each test failed on a one-line bug planted in neural/trainer.py's ``_restore`` (scheduler not
loaded, patience counter reset to 0, best weights dropped, best loss dropped, stop flag dropped).
The second half covers the checkpoint bookkeeping mutmut found untested (see there).
"""

from dataclasses import asdict, dataclass

import numpy as np
import pytest
import torch
from torch import nn

from latentlearn.exceptions import CheckpointError, ParameterError
from latentlearn.neural.checkpoint import read_checkpoint, save_model
from latentlearn.neural.models import StepOutput, register_model
from latentlearn.neural.models.vae import VAE, VAEConfig
from latentlearn.neural.trainer import Trainer, TrainerConfig, TrainingDivergedError

X = (np.random.default_rng(0).random((200, 20)) > 0.6).astype(np.float32)
PATIENCE = 3


def small_vae(seed=0):
    torch.manual_seed(seed)
    return VAE(VAEConfig(n_features=20, latent_dim=3, hidden=(16,)))


def run_config(folder, **kw):
    return TrainerConfig(**dict(dict(
        epochs=20, batch_size=32, seed=3, device="cpu", validation_fraction=0.2,
        lr_schedule="cosine", learning_rate=0.02, early_stopping_patience=PATIENCE,
        checkpoint_dir=None if folder is None else str(folder / "ckpt"), checkpoint_every=1),
        **kw))


@dataclass
class ExplodingConfig:
    n_features: int = 20


def weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def strip(history):
    return [{k: v for k, v in r.items() if k != "time_s"} for r in history]


class Crash(Exception):
    pass


class EpochWeights:
    """Callback keeping the weights after every epoch."""

    def __init__(self, model):
        self.model, self.by_epoch = model, {}

    def __call__(self, event, logs):
        if event == "epoch":
            self.by_epoch[logs["epoch"]] = weights(self.model)


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    folder = tmp_path_factory.mktemp("straight")
    model = small_vae()
    seen = EpochWeights(model)
    trainer = Trainer(model, run_config(folder), callbacks=[seen])
    history = trainer.fit(X)
    val = [r["val_loss"] for r in history]
    best = int(np.argmin(val)) + 1
    return dict(model=model, trainer=trainer, history=history, val=val, best=best,
                by_epoch=seen.by_epoch, folder=folder)


def test_the_scenario_exercises_every_piece_of_state(straight):
    """Guards the scenario itself: if training changes, the resume tests must still bite."""
    val, best = straight["val"], straight["best"]
    n = len(straight["history"])
    assert straight["trainer"].stopped_early and n < 20
    assert n == best + PATIENCE                           # stopped by the patience counter
    checkpoint = best + 1                                 # the resumed run restarts here
    assert val[checkpoint - 1] >= val[best - 1]           # counter at 1 in the checkpoint
    assert n > checkpoint + 1                             # and it fires after the resume
    lrs = [r["lr"] for r in straight["history"]]
    ratios = np.array(lrs[1:]) / np.array(lrs[:-1])
    assert np.ptp(ratios) > 1e-3                          # not a constant-ratio schedule
    # the weights restored at the end are the best epoch's, not the last one's
    assert_same_weights(weights(straight["model"]), straight["by_epoch"][best])
    assert any(not torch.equal(a, b) for a, b in zip(
        straight["by_epoch"][best].values(), straight["by_epoch"][n].values()))


def killed_and_resumed(tmp_path, straight, crash_epoch, crash_step_in_epoch=3):
    """Kill a run in the middle of ``crash_epoch``, resume it in a fresh model and trainer."""
    run = run_config(tmp_path)
    steps_per_epoch = straight["history"][0]["step"]

    def crash(event, logs):
        if event == "step" and logs["epoch"] == crash_epoch and \
                (logs["step"] - 1) % steps_per_epoch == crash_step_in_epoch:
            raise Crash

    with pytest.raises(Crash):
        Trainer(small_vae(), run, callbacks=[crash]).fit(X)
    assert read_checkpoint(run.checkpoint_dir).config["training"]["epoch"] == crash_epoch - 1
    model = small_vae(seed=99)      # fresh weights: everything must come from the checkpoint
    trainer = Trainer(model, run)
    history = trainer.fit(X, resume=True)
    return model, trainer, history


def test_resume_across_early_stopping_equals_the_uninterrupted_run(straight, tmp_path):
    crash_epoch = straight["best"] + 2    # checkpoint at best + 1, patience counter at 1
    model, trainer, history = killed_and_resumed(tmp_path, straight, crash_epoch)
    assert [r["lr"] for r in history] == [r["lr"] for r in straight["history"]]
    assert len(history) == len(straight["history"])       # early stopping fires at that epoch
    assert trainer.stopped_early
    assert strip(history) == strip(straight["history"])
    assert_same_weights(weights(model), weights(straight["model"]))   # the best weights


def test_resume_right_after_the_best_epoch(straight, tmp_path):
    """Checkpoint at the best epoch itself: the best weights are the checkpoint's weights."""
    model, trainer, history = killed_and_resumed(tmp_path, straight, straight["best"] + 1, 0)
    assert strip(history) == strip(straight["history"])
    assert_same_weights(weights(model), weights(straight["model"]))


def test_resuming_a_run_that_stopped_early_trains_no_further(straight):
    model = small_vae(seed=99)
    trainer = Trainer(model, run_config(straight["folder"]))
    history = trainer.fit(X, resume=True)
    assert trainer.stopped_early and trainer.epoch == len(straight["history"])
    assert strip(history) == strip(straight["history"])
    # the checkpoint holds the last epoch's weights; the best ones must come back
    assert_same_weights(weights(model), weights(straight["model"]))


def test_cosine_rates_follow_the_closed_form(straight):
    """lr_t = lr_0 (1 + cos(pi t / T)) / 2 (Loshchilov & Hutter 2017, SGDR without restarts)."""
    t = np.arange(1, len(straight["history"]) + 1)
    expected = 0.02 * (1 + np.cos(np.pi * t / 20)) / 2
    np.testing.assert_allclose([r["lr"] for r in straight["history"]], expected, rtol=1e-12)


# ------------------------------------------------------------------------ checkpoint bookkeeping
# Each test below was added for a mutant that mutmut 3.8 left alive in neural/trainer.py's
# _save / _restore / _fit (the note lists them).

def test_resume_needs_a_checkpoint_dir():
    with pytest.raises(ParameterError, match="resume=True needs checkpoint_dir"):
        Trainer(small_vae(), run_config(None, checkpoint_dir=None)).fit(X, resume=True)


def test_resume_from_an_empty_folder_is_a_fresh_run(tmp_path):
    fresh = small_vae()
    history = Trainer(fresh, run_config(tmp_path / "a", epochs=2)).fit(X)
    resumed = small_vae()
    resumed_history = Trainer(resumed, run_config(tmp_path / "b", epochs=2)).fit(X, resume=True)
    assert strip(resumed_history) == strip(history)
    assert_same_weights(weights(resumed), weights(fresh))


def test_a_saved_model_is_not_a_training_checkpoint(tmp_path):
    run = run_config(tmp_path)
    save_model(run.checkpoint_dir, small_vae())
    with pytest.raises(CheckpointError, match="not a training checkpoint"):
        Trainer(small_vae(), run).fit(X, resume=True)


def test_the_final_epoch_is_checkpointed_between_intervals(tmp_path):
    """epochs=3, checkpoint_every=2: checkpoints after epoch 2 and at the end (3)."""
    extra = {"estimator": {"method": "test"}}
    run = run_config(tmp_path, epochs=3, checkpoint_every=2, lr_schedule="constant",
                     early_stopping_patience=None)
    history = Trainer(small_vae(), run, extra=extra).fit(X)
    config = read_checkpoint(run.checkpoint_dir).config
    assert config["training"]["epoch"] == 3
    assert config["training"]["trainer_config"] == asdict(run)
    assert config["training"]["scheduler"] is None
    assert config["estimator"] == extra["estimator"]          # extra= reaches every checkpoint
    # time_s is a duration per epoch, not a clock reading (a timestamp would be ~1.8e9 s)
    assert all(0 <= r["time_s"] < 1e6 for r in history)


def test_validation_data_replaces_the_split():
    val = (np.random.default_rng(1).random((30, 20)) > 0.6).astype(np.float32)
    run = run_config(None, checkpoint_dir=None, epochs=1, validation_fraction=0.0,
                     early_stopping_patience=None)
    history = Trainer(small_vae(), run).fit(X, validation_data=val)
    assert history[0]["step"] == 7                            # all 200 rows train (32 a batch)
    assert "val_loss" in history[0]


@register_model("test_exploding_after_resume")
class ExplodesLater(nn.Module):
    """Linear reconstruction whose loss turns NaN at call ``explode_at`` of this instance."""

    config_class = ExplodingConfig
    explode_at = 10**9     # not in the config: the resumed model must match the checkpoint's

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.linear = nn.Linear(config.n_features, config.n_features)
        self.calls = 0

    def training_step(self, x):
        self.calls += 1
        loss = ((self.linear(x) - x) ** 2).mean()
        if self.calls >= self.explode_at:
            loss = loss * float("nan")
        return StepOutput(loss, {"mse": loss.detach()})


def test_a_nan_after_resume_names_the_checkpoint_it_resumed_from(tmp_path):
    run = run_config(tmp_path, epochs=2, validation_fraction=0.0, early_stopping_patience=None,
                     checkpoint_every=5)                      # written only at the end (2)
    torch.manual_seed(0)
    Trainer(ExplodesLater(ExplodingConfig()), run).fit(X)
    model = ExplodesLater(ExplodingConfig())
    model.explode_at = 3
    with pytest.raises(TrainingDivergedError) as err:
        Trainer(model, run_config(tmp_path, epochs=4, validation_fraction=0.0,
                                  early_stopping_patience=None, checkpoint_every=5)
                ).fit(X, resume=True)
    assert err.value.checkpoint == run.checkpoint_dir and err.value.epoch == 3
    assert "(epoch 2)" in str(err.value)
