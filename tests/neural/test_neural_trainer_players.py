"""Several optimisers per model (players) and several steps per batch, resumed bit for bit.

The toy model has two players: ``"fit"`` (Adam, one step per batch) pulls a vector towards a
noisy target, ``"critic"`` (RMSprop at lr 5e-5 as for WGAN, three steps per batch, weights
clipped after each step through ``after_step``) chases it. Both draw from torch's RNG in
``training_step``, so a resumed run matches only if every random state, both optimisers'
moments and both counters are restored.

Planted bugs each test caught (then reverted): the second player's optimiser state not loaded
on resume (``_restore`` skips players after the first) -> weights, RMSprop state and history
differ; the inner ``range(player.steps)`` replaced by one step -> the step counts fail;
``after_step`` not called -> the clipping test fails.
"""

from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

from latentlearn.exceptions import ParameterError
from latentlearn.neural.models import Player, StepOutput, register_model
from latentlearn.neural.trainer import Trainer, TrainerConfig

X = np.random.default_rng(0).normal(size=(96, 4)).astype(np.float32)
CLIP = 0.05


@dataclass
class DuelConfig:
    n_features: int = 4
    critic_steps: int = 3


@register_model("test_duel")
class Duel(nn.Module):
    config_class = DuelConfig

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.mover = nn.Linear(config.n_features, config.n_features)
        self.critic = nn.Linear(config.n_features, 1)
        self.calls = {"fit": 0, "critic": 0}
        self.clipped = 0

    def players(self):
        return [Player("fit", list(self.mover.parameters())),
                Player("critic", list(self.critic.parameters()), steps=self.config.critic_steps,
                       optimizer={"name": "rmsprop", "lr": 5e-5})]

    def training_step(self, x, player="fit"):
        self.calls[player] += 1
        noisy = x + 0.1 * torch.randn_like(x)
        moved = self.mover(noisy)
        score = self.critic(moved).mean()
        if player == "fit":
            err = ((moved - x) ** 2).mean()
            return StepOutput(err - 0.1 * score, {"err": err.detach(), "score": score.detach()})
        return StepOutput(-score + 0.01 * (self.critic.weight ** 2).sum(),
                          {"score": score.detach()})

    def after_step(self, player):
        if player == "critic":
            self.clipped += 1
            with torch.no_grad():
                for p in self.critic.parameters():
                    p.clamp_(-CLIP, CLIP)


def duel(seed=0):
    torch.manual_seed(seed)
    return Duel(DuelConfig())


def run(folder, **kw):
    return TrainerConfig(**{**dict(epochs=5, batch_size=16, seed=2, device="cpu",
                                   learning_rate=0.01, lr_schedule="cosine",
                                   checkpoint_dir=None if folder is None else str(folder)), **kw})


def strip(history):
    return [{k: v for k, v in r.items() if k != "time_s"} for r in history]


def test_each_player_takes_its_steps_per_batch_and_after_step_runs():
    model = duel()
    history = Trainer(model, run(None, epochs=2)).fit(X)
    batches = 2 * 6
    assert history[-1]["step"] == batches
    assert model.calls == {"fit": batches, "critic": 3 * batches}
    assert (history[-1]["steps.fit"], history[-1]["steps.critic"]) == (batches, 3 * batches)
    assert model.clipped == 3 * batches
    assert model.critic.weight.abs().max() <= CLIP
    # the clashing term is prefixed by its player; the second player's loss and lr are logged
    assert {"loss", "err", "score", "critic.score", "critic.loss", "lr",
            "critic.lr"} <= set(history[0])
    assert history[0]["critic.lr"] == pytest.approx(5e-5 * 0.5 * (1 + np.cos(np.pi / 2)))  # T_max = 2


class Crash(Exception):
    pass


def test_a_two_player_run_killed_and_resumed_equals_the_straight_run(tmp_path):
    straight_model = duel()
    straight = Trainer(straight_model, run(tmp_path / "a"))
    straight_history = straight.fit(X)

    def crash(event, logs):
        if event == "step" and logs["step"] == 3 * 6 + 2:   # inside epoch 4
            raise Crash

    with pytest.raises(Crash):
        Trainer(duel(), run(tmp_path / "b"), callbacks=[crash]).fit(X)
    model = duel(seed=5)        # fresh weights: everything comes from the checkpoint
    resumed = Trainer(model, run(tmp_path / "b"))
    history = resumed.fit(X, resume=True)

    assert strip(history) == strip(straight_history)
    for key, value in straight_model.state_dict().items():
        assert torch.equal(value, model.state_dict()[key]), key
    for name in ("fit", "critic"):
        a = straight.optimizers[name].state_dict()
        b = resumed.optimizers[name].state_dict()
        assert a["param_groups"] == b["param_groups"], name
        for pid, entry in a["state"].items():
            for key, value in entry.items():
                other = b["state"][pid][key]
                assert torch.equal(value, other) if torch.is_tensor(value) \
                    else value == other, (name, pid, key)
    assert resumed.player_steps == straight.player_steps == {"fit": 30, "critic": 90}


def test_a_bad_player_declaration_is_refused():
    model = duel()
    model.config.critic_steps = 0
    with pytest.raises(ParameterError, match="steps=0"):
        Trainer(model, run(None, epochs=1)).fit(X)


def test_a_nan_in_the_second_player_names_it():
    from latentlearn.neural.trainer import TrainingDivergedError

    model = duel()
    original = model.training_step

    def bad(x, player="fit"):
        out = original(x, player)
        return StepOutput(out.loss * float("nan"), out.terms) if player == "critic" else out

    model.training_step = bad
    before = {k: v.clone() for k, v in model.critic.state_dict().items()}
    with pytest.raises(TrainingDivergedError, match="player 'critic'"):
        Trainer(model, run(None, epochs=1)).fit(X)
    for key, value in model.critic.state_dict().items():
        assert torch.equal(value, before[key])
