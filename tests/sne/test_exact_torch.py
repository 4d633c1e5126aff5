"""The exact t-SNE / symmetric-SNE objective in torch, by blocks of rows (the GPU path), run on
the CPU: against the numpy / numba exact objective, and without an (n, n) allocation."""

import numpy as np
import pytest
from scipy import sparse

torch = pytest.importorskip("torch")

from latentlearn.sne import objectives  # noqa: E402
from latentlearn.sne.objectives import ExactObjective, exact_objective  # noqa: E402
from latentlearn.sne.optimizer import Phase, optimize  # noqa: E402


def _joint_P(n, seed=0, density=None):
    rng = np.random.default_rng(seed)
    A = rng.random((n, n))
    if density is not None:
        A *= rng.random((n, n)) < density
    A = A + A.T
    np.fill_diagonal(A, 0.0)
    return A / A.sum(), rng.normal(scale=3.0, size=(n, 2))


@pytest.mark.parametrize("kind, dof", [("t", 1.0), ("t", 0.7), ("t", 3.0), ("gaussian", 1.0)])
@pytest.mark.parametrize("as_sparse", [False, True])
def test_blocks_match_the_numpy_objective(kind, dof, as_sparse):
    """300 points in blocks of 37 rows (the last block short) against the all-pairs numpy
    objective (numba for the t kernel); measured differences ~1e-17 (gradient), ~1e-15 (KL)."""
    P, Y = _joint_P(300, density=0.2 if as_sparse else None)
    ref_kl, ref_grad = exact_objective(P, Y, kind=kind, dof=dof, exaggeration=4.0)
    obj = ExactObjective(sparse.csr_matrix(P) if as_sparse else P, kind=kind, dof=dof,
                         device="cpu", _block_rows=37)
    kl, grad = obj.value_and_gradient(obj.start(Y), exaggeration=4.0, compute_kl=True)
    assert isinstance(grad, torch.Tensor) and grad.dtype == torch.float64
    np.testing.assert_allclose(grad.numpy(), ref_grad, rtol=0, atol=1e-10 * abs(ref_grad).max())
    assert kl == pytest.approx(ref_kl, abs=1e-10)
    assert obj.kl_divergence(obj.start(Y)) == pytest.approx(
        exact_objective(P, Y, kind=kind, dof=dof)[0], abs=1e-10)


def test_optimizer_path_matches_numpy():
    """Fifty iterations of the optimizer (both phases) give the same map in torch and numba."""
    P, Y0 = _joint_P(200, seed=1)
    Y0 = Y0 * 1e-2
    phases = [Phase(25, 20.0, momentum=0.5, exaggeration=12.0, name="early_exaggeration"),
              Phase(25, 20.0, momentum=0.8, exaggeration=1.0, name="main")]
    ref, _ = optimize(ExactObjective(P), Y0.copy(), phases, min_gain=0.01)
    got, _ = optimize(ExactObjective(P, device="cpu", _block_rows=64), Y0.copy(), phases,
                      min_gain=0.01)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)  # measured 8e-16


def test_default_block_size_follows_the_element_budget(monkeypatch):
    """With a budget of 4,000 elements, 400 points go in blocks of 10 rows: every kernel block
    is (10, 400), never (400, 400)."""
    monkeypatch.setattr(objectives, "TORCH_BLOCK_ELEMENTS", 4000)
    shapes = []
    block = objectives._joint_block

    def spy(Y, start, stop, kind, dof):
        D, U, W = block(Y, start, stop, kind, dof)
        shapes.append(tuple(W.shape))
        return D, U, W

    monkeypatch.setattr(objectives, "_joint_block", spy)
    P, Y = _joint_P(400)
    obj = ExactObjective(P, device="cpu")
    obj.value_and_gradient(obj.start(Y))
    assert set(shapes) == {(10, 400)}
    assert len(shapes) == 2 * 40  # two passes: Z, then the gradient


def _largest_allocation(obj, Y):
    from torch.profiler import ProfilerActivity, profile

    Yt = obj.start(Y)
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        obj.value_and_gradient(Yt, 1.0, True)
    return max(event.cpu_memory_usage for event in prof.events())


@pytest.mark.parametrize("as_sparse", [False, True])
def test_no_n_by_n_allocation(as_sparse):
    """torch's profiler sees every tensor allocation: with blocks of 50 rows of 400 points the
    largest is one (50, 400) float64 block (160,000 bytes), far below n * n * 8 = 1,280,000
    (which one block of all rows does allocate: the check can fail)."""
    n, rows = 400, 50
    P, Y = _joint_P(n, density=0.1 if as_sparse else None)
    P = sparse.csr_matrix(P) if as_sparse else P
    assert _largest_allocation(ExactObjective(P, device="cpu", _block_rows=n), Y) >= n * n * 8
    largest = _largest_allocation(ExactObjective(P, device="cpu", _block_rows=rows), Y)
    assert largest <= rows * n * 8


def test_tsne_exact_on_torch_beyond_the_cpu_limit(monkeypatch):
    """Above ``EXACT_HARD_LIMIT`` (lowered to 150 here) the exact method runs on a torch device
    with the sparse kNN P, and its map is the numba exact optimisation of that P from the same
    start; on the CPU it is refused."""
    from latentlearn.sne import TSNE
    from latentlearn.sne import tsne as tsne_module

    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(loc=c, size=(70, 5)) for c in (0.0, 6.0, 12.0)])  # 210
    monkeypatch.setattr(tsne_module, "EXACT_HARD_LIMIT", 150)
    with pytest.raises(ValueError, match="device='cuda'"):
        TSNE(method="exact", device="cpu", perplexity=10).fit(X)

    seen = {}
    original_start = ExactObjective.start

    def start(self, Y):
        seen.setdefault("P", self.P)
        seen.setdefault("Y0", np.array(Y))
        return original_start(self, Y)

    monkeypatch.setattr(ExactObjective, "start", start)
    monkeypatch.setattr(tsne_module, "_resolve_device", lambda device: "cpu")  # torch, on CPU
    # Few iterations: torch and numba round their sums differently, and t-SNE's steps grow
    # such differences (3.7e-6 in the map after 90 iterations, 4e-11 after 30).
    kw = dict(method="exact", perplexity=10, n_iter=20, early_exaggeration_iter=10,
              random_state=0)
    est = TSNE(**kw).fit(X)
    assert sparse.issparse(seen["P"])
    assert seen["P"].nnz <= X.shape[0] * 2 * 30  # 3 * perplexity neighbours, symmetrised

    phases = [Phase(10, est.early_learning_rate_, momentum=0.5, exaggeration=12.0,
                    name="early_exaggeration"),
              Phase(20, est.learning_rate_, momentum=0.8, exaggeration=1.0, name="main")]
    ref, _ = optimize(ExactObjective(seen["P"].toarray()), seen["Y0"], phases, min_gain=0.01)
    np.testing.assert_allclose(est.embedding_, ref, rtol=0, atol=1e-9)  # measured 4e-11
