"""The trainer's data paths: memory-mapped arrays (read by batch, never copied whole), DataLoader
workers, and reduced precision."""

import tracemalloc

import numpy as np
import pytest
import torch

from latentlearn.exceptions import DataError, ParameterError
from latentlearn.neural import VAE as VAEEstimator
from latentlearn.neural.models.vae import VAE, VAEConfig
from latentlearn.neural.trainer import Trainer, TrainerConfig, is_memmap

X64 = (np.random.default_rng(0).random((1500, 400)) > 0.5).astype(np.float64)


@pytest.fixture(scope="module")
def memmap(tmp_path_factory):
    path = tmp_path_factory.mktemp("mm") / "x.npy"
    np.save(path, X64)
    return np.load(path, mmap_mode="r")


def fit(data, **kw):
    torch.manual_seed(0)
    model = VAE(VAEConfig(n_features=400, latent_dim=3, hidden=(16,)))
    config = dict(epochs=2, batch_size=64, seed=1, device="cpu", validation_fraction=0.1)
    history = Trainer(model, TrainerConfig(**{**config, **kw})).fit(data)
    return model, [{k: v for k, v in r.items() if k != "time_s"} for r in history]


def same_weights(a, b):
    return all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())


@pytest.fixture(scope="module")
def big_memmap(tmp_path_factory):
    """24 MB of float64: a memory cost proportional to the file would show well above a batch's."""
    path = tmp_path_factory.mktemp("mm") / "big.npy"
    np.save(path, (np.random.default_rng(1).random((2000, 1500)) > 0.5).astype(np.float64))
    return np.load(path, mmap_mode="r")


def test_a_memmap_trains_to_the_in_memory_weights(memmap):
    assert is_memmap(memmap) and not is_memmap(X64)
    reference, history = fit(X64.astype(np.float32))
    model, history_mm = fit(memmap)
    assert same_weights(model, reference)      # same rows, same order, same noise
    assert history_mm == history


def test_dataloader_workers_read_the_same_batches(memmap):
    reference, _ = fit(memmap)
    model, _ = fit(memmap, num_workers=2)
    assert same_weights(model, reference)


def traced_peak(call):
    """Peak traced allocation of ``call()``, after a warm-up (lazy imports allocate too)."""
    call()
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_memmap_is_never_copied_whole(big_memmap):
    # A float64 file: the in-memory path converts it to float32 (half its size) in one piece.
    def train(data):
        torch.manual_seed(0)
        model = VAE(VAEConfig(n_features=1500, latent_dim=2, hidden=(4,)))
        Trainer(model, TrainerConfig(epochs=1, batch_size=32, device="cpu",
                                     validation_fraction=0.1)).fit(data)

    peak = traced_peak(lambda: train(big_memmap))
    assert peak < 0.1 * big_memmap.nbytes, peak    # measured: 1.1 MB of a 24 MB file
    in_memory = np.array(big_memmap)                 # a plain array: the copying path
    peak_copy = traced_peak(lambda: train(in_memory))
    assert peak_copy > 0.5 * big_memmap.nbytes      # the check can fail: the copy is seen


def test_the_estimator_takes_a_memmap_without_copying(big_memmap):
    est = VAEEstimator(latent_dim=2, hidden_dims=(4,), epochs=1, batch_size=32, random_state=0,
                       device="cpu")
    peak = traced_peak(lambda: est.fit(big_memmap))
    assert est.n_features_in_ == 1500 and peak < 0.1 * big_memmap.nbytes, peak


def test_nan_in_a_memmap_is_found_in_its_batch(tmp_path):
    X = X64[:200].copy()
    X[150, 3] = np.nan
    np.save(tmp_path / "bad.npy", X)
    with pytest.raises(DataError, match="NaN or infinite .* memory-mapped"):
        fit(np.load(tmp_path / "bad.npy", mmap_mode="r"), validation_fraction=0.0)


def test_bf16_autocast_trains_close_to_float32():
    reference, history = fit(X64[:300].astype(np.float32), epochs=1)
    model, history_bf16 = fit(X64[:300].astype(np.float32), epochs=1, precision="bf16")
    loss32, loss16 = history[-1]["loss"], history_bf16[-1]["loss"]
    assert loss16 != loss32                          # it did run in bfloat16
    assert abs(loss16 - loss32) < 0.01 * loss32      # bfloat16 has 8 bits of mantissa
    assert all(v.dtype == torch.float32 for v in model.state_dict().values())


def test_float16_with_a_scaler_needs_cuda():
    if torch.cuda.is_available():
        pytest.skip("CUDA present: 16-mixed is allowed")
    with pytest.raises(ParameterError, match='"16-mixed" .* needs CUDA; on CPU use'):
        TrainerConfig(precision="16-mixed", device="cpu").check()
    with pytest.raises(ParameterError, match="precision"):
        TrainerConfig(precision="fp8").check()
    with pytest.raises(ParameterError, match="num_workers"):
        TrainerConfig(num_workers=-1).check()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_float16_mixed_precision_on_cuda():  # pragma: no cover - run where a GPU is lent
    _, history = fit(X64[:300].astype(np.float32), epochs=2, device="cuda",
                     precision="16-mixed")
    assert np.isfinite(history[-1]["loss"])
