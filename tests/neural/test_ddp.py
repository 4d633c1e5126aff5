"""Distributed data parallel training on two CPU processes (gloo), started by torchrun.

The references: the same run on one process (same global batch) for deterministic models, and an
uninterrupted two-process run for a killed-and-resumed one. Each start of torchrun costs a few
seconds of process start-up, so the runs share starts (ddp_worker.py trains several models).
"""

import functools
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from latentlearn.exceptions import ParameterError
from latentlearn.neural import distributed

WORKER = Path(__file__).with_name("ddp_worker.py")
pytestmark = pytest.mark.skipif(not torch.distributed.is_available(),
                                reason="torch built without torch.distributed")


@functools.lru_cache(maxsize=None)   # once: the worker registers a model class
def _worker_module():
    spec = importlib.util.spec_from_file_location("ddp_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", LATENTLEARN_DIST_TIMEOUT="120")
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2] / "src"),
                                         env.get("PYTHONPATH", "")])
    return env


def torchrun(*args, nproc=2):
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           "--nproc-per-node", str(nproc), *map(str, args)],
                          env=_env(), capture_output=True, text=True, timeout=600)


def read(folder):
    return load_file(str(folder / "weights.safetensors")), json.loads(
        (folder / "history.json").read_text())


@pytest.fixture(scope="module")
def two_process_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    done = torchrun(WORKER, "ae,players,vae,vq_ema,gather", out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.mark.parametrize("mode", ["ae", "players", "vq_ema"])
def test_two_processes_reach_the_one_process_weights(two_process_runs, tmp_path, mode):
    # vq_ema: the codebook is a buffer set from the batch's code counts and sums, outside
    # DDP's gradient all-reduce (without summing them over the ranks, rank 0's half won).
    # 203 rows in batches of 32: the last batch of 11 is split 6 / 5, so the loss shares matter.
    torch.set_num_threads(1)
    model, history = _worker_module().train(mode, tmp_path)
    weights, history2 = read(two_process_runs / mode)
    for key, value in model.state_dict().items():
        got, want = weights[key].numpy(), value.numpy()
        if key.endswith("attention.qkv.bias"):
            # The key bias adds the same q . b_k to a whole row of attention logits: softmax
            # removes it, its gradient is round-off, and Adam turns round-off into lr-sized
            # steps. Only the query and value parts are compared.
            third = got.size // 3
            got, want = np.delete(got, np.s_[third:2 * third]), np.delete(want,
                                                                           np.s_[third:2 * third])
        # measured: at most 4.3e-7 (ae), 9e-8 (players), 4.8e-7 (vq_ema, its ema_sum); float32
        # sums in another order. Without the ranks' codebook sums added up: 8.5.
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6, err_msg=key)
    assert [r["step"] for r in history2] == [r["step"] for r in history]
    for one, two in zip(history, history2):
        for key in one:
            if key != "time_s":
                np.testing.assert_allclose(two[key], one[key], rtol=5e-7, err_msg=key)


def test_batch_estimators_over_two_processes_are_the_global_batchs(two_process_runs):
    """beta-TCVAE's log q(z) estimators (MWS, MSS) and MMD-VAE's MMD, each rank scoring its
    share against the batch gathered from both: the shares' weighted values add up to the
    one-process values of the whole batch, and each row's gradient is the one-process one
    (gradients flow back to the rank a row came from)."""
    reference = _worker_module().batch_estimators()
    ranks = [json.loads((two_process_runs / "gather" / f"rank{r}.json").read_text())
             for r in range(2)]
    for estimator in ("mws", "mss"):
        want = reference[estimator]
        for key in ("loss", "mi", "tc", "dwkl", "mmd"):
            got = sum(r[estimator][key] for r in ranks)
            np.testing.assert_allclose(got, want[key], rtol=1e-12, err_msg=(estimator, key))
        for leaf in range(3):   # z, mu, log_var
            grad = np.zeros_like(np.array(want["grads"][leaf]))
            for r in ranks:
                grad[r["rows"]] = r[estimator]["grads"][leaf]
            np.testing.assert_allclose(grad, want["grads"][leaf], rtol=1e-10, atol=1e-14,
                                       err_msg=(estimator, leaf))


def test_only_rank_zero_writes_the_history(two_process_runs):
    lines = (two_process_runs / "ae" / "history.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2, 3, 4]


def test_a_killed_two_process_run_resumes_to_the_uninterrupted_weights(two_process_runs,
                                                                        tmp_path):
    killed = torchrun(WORKER, "vae", tmp_path, "--crash-epoch", 3)
    assert killed.returncode != 0 and "exitcode  : 3" in killed.stderr   # the Crash
    assert not (tmp_path / "vae" / "weights.safetensors").exists()
    resumed = torchrun(WORKER, "vae", tmp_path, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    weights, history = read(tmp_path / "vae")
    straight, straight_history = read(two_process_runs / "vae")
    assert history == straight_history
    for key in straight:
        assert torch.equal(weights[key], straight[key]), key


def test_the_cli_trains_on_two_processes_and_writes_one_run(tmp_path):
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "latentlearn", "fit", "ae", "--data", "digits",
                           "--data-option", "n_samples=300", "--set", "epochs=2",
                           "--set", "hidden_dims=(16,)", "--nproc", "2", "--out", str(out)],
                          env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("wrote ") == 1
    assert (out / "report.html").is_file() and (out / "model" / "config.json").is_file()
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in history] == [1, 2]


def test_more_processes_than_cores_is_refused():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with pytest.raises(ParameterError, match=f"more processes than the {cores} CPU core"):
        distributed.check_nproc(cores + 1, device="cpu")
    assert distributed.check_nproc(1, device="cpu") == "cpu"
    with pytest.raises(ParameterError, match="integer >= 1"):
        distributed.check_nproc(0)


def test_nproc_is_for_neural_models(tmp_path):
    from typer.testing import CliRunner

    from latentlearn.cli import app

    result = CliRunner().invoke(app, ["fit", "pca", "--data", "digits", "--nproc", "2",
                                      "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "pca is not a neural model" in result.output


def test_a_rendezvous_that_never_forms_is_a_clear_error_within_the_timeout():
    env = dict(_env(), WORLD_SIZE="2", RANK="0", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1",
               MASTER_PORT="29581", LATENTLEARN_DIST_TIMEOUT="2")
    code = ("from latentlearn.neural.distributed import init_from_env\n"
            "try:\n    init_from_env('cpu')\n"
            "except Exception as e:\n    print(type(e).__name__, e)\n")
    # A hang would end in TimeoutExpired here: the 2 s wait must end in an error instead.
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300)
    name, message = done.stdout.split(" ", 1)
    assert name == "DistributedError", done.stdout + done.stderr
    assert "within 2 s" in message
    assert "rank 0 of 2 could not join the others at 127.0.0.1:29581" in message
    assert "LATENTLEARN_DIST_TIMEOUT" in message


def test_outside_torchrun_nothing_is_distributed(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert distributed.init_from_env("cpu") is False
    assert distributed.world() == (0, 1) and distributed.is_main()
    monkeypatch.setenv("WORLD_SIZE", "2")
    for key in ("RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(distributed.DistributedError, match="start the processes with torchrun"):
        distributed.init_from_env("cpu")
