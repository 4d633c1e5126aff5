"""What a run measures for its report: the held-out ELBO and IWAE bound of the VAE family, the
cluster-versus-label contingency table, and the values used where a parameter was "auto"."""

import json

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal
from sklearn.metrics.cluster import contingency_matrix

from latentlearn.datasets import Dataset, load
from latentlearn.neural import VAE
from latentlearn.runs import (contingency_table, fit_run, likelihood_metrics,
                              resolved_parameters, write_run)


# --------------------------------------------------------------------------- ELBO and IWAE
def linear_gaussian_vae(shrink=1.0, inflate=1.0):
    """A VAE whose decoder is probabilistic PCA, ``x = W z + b + s * eps`` (Tipping & Bishop
    1999), so that ``log p(x) = log N(x; b, W W^T + s^2 I)`` exactly, and whose encoder is the
    exact posterior ``N(M^-1 W^T (x - b), s^2 M^-1)``, ``M = W^T W + s^2 I`` (diagonal: W has
    orthogonal columns), its mean shrunk and its variance inflated by the given factors.

    Returns the VAE, the data it holds, and the exact ``log p(x)`` and ``KL(q || p(z|x))``."""
    rng = np.random.default_rng(0)
    d, s = 5, 0.5
    Q, _ = np.linalg.qr(rng.normal(size=(d, 2)))
    W, b = Q * np.array([2.0, 1.0]), rng.normal(size=d)
    X = (rng.normal(size=(200, 2)) @ W.T + b + s * rng.normal(size=(200, d))).astype(np.float32)
    vae = VAE(latent_dim=2, hidden_dims=(), likelihood="gaussian", scale=s, epochs=1,
              batch_size=200, random_state=0).fit(X)
    M = np.diag(W.T @ W) + s ** 2                                  # diagonal of M
    A = shrink * (W.T / M[:, None])                                # mean = A (x - b)
    post_var = s ** 2 / M
    with torch.no_grad():
        enc, dec = vae.model_.encoder[0], vae.model_.decoder[0]
        enc.weight.copy_(torch.as_tensor(np.vstack([A, np.zeros((2, d))])))
        enc.bias.copy_(torch.as_tensor(np.concatenate([-A @ b, np.log(inflate * post_var)])))
        dec.weight.copy_(torch.as_tensor(W))
        dec.bias.copy_(torch.as_tensor(b))
    x = X.astype(np.float64)
    log_px = multivariate_normal(b, W @ W.T + s ** 2 * np.eye(d)).logpdf(x)
    # KL(N(m_q, v_q) || N(m_p, v_p)) per dimension, m_p the exact posterior mean.
    m_p = (x - b) @ (W.T / M[:, None]).T
    m_q, v_q = shrink * m_p, inflate * post_var
    kl = 0.5 * np.sum(np.log(post_var / v_q) + (v_q + (m_q - m_p) ** 2) / post_var - 1, axis=1)
    return vae, X, log_px, kl


def test_the_exact_posterior_gives_log_p_x_for_any_k():
    vae, X, log_px, kl = linear_gaussian_vae()
    assert np.allclose(kl, 0)
    # The importance weights p(x, z) / q(z | x) = p(x) are constant: the IWAE bound is log p(x)
    # for every draw, and the ELBO (a sampled reconstruction term) is in expectation.
    assert np.allclose(vae.log_likelihood(X, k=1), log_px, atol=2e-4)
    assert vae.elbo(X, n_samples=2000).mean() == pytest.approx(log_px.mean(), abs=0.01)


def test_iwae_approaches_log_p_x_from_above_the_elbo():
    vae, X, log_px, kl = linear_gaussian_vae(shrink=0.7, inflate=2.5)
    exact, gap = log_px.mean(), kl.mean()
    assert gap > 0.3                                               # a poor encoder
    elbo = vae.elbo(X, n_samples=2000).mean()
    assert elbo == pytest.approx(exact - gap, abs=0.01)            # ELBO = log p(x) - KL
    iwae = {k: vae.log_likelihood(X, k=k).mean() for k in (1, 10, 100, 3000)}
    # k = 1 is the ELBO in expectation (200 draws per input; its standard error is 0.02).
    assert vae.log_likelihood(np.repeat(X, 200, 0), k=1).mean() == pytest.approx(elbo, abs=0.06)
    assert elbo < iwae[10] < iwae[100] < iwae[3000] <= exact + 0.002
    assert iwae[3000] == pytest.approx(exact, abs=0.01)


def test_likelihood_metrics_on_the_held_out_rows():
    vae, X, log_px, _ = linear_gaussian_vae(shrink=0.7, inflate=2.5)
    out = likelihood_metrics(vae, Dataset(X=X), k=50, max_samples=150)
    assert out["iwae_k"] == 50 and out["likelihood_n_samples"] == 150
    assert out["likelihood_held_out"] == 0                        # no validation split here
    assert out["elbo"] < out["iwae"] <= log_px[:150].mean() + 0.005


def test_a_vae_run_reports_elbo_and_iwae(tmp_path):
    digits = load("digits")
    data = Dataset(X=digits.X[:200], y=digits.y[:200], image_shape=digits.image_shape,
                   name="digits")
    result = fit_run("vae", data, {"epochs": 2, "latent_dim": 2, "hidden_dims": (16,),
                                   "validation_fraction": 0.25})
    m = result.metrics
    assert m["likelihood_held_out"] == 1 and m["likelihood_n_samples"] == 50
    assert m["iwae_k"] == 50 and m["iwae"] >= m["elbo"]
    out = write_run(result, tmp_path / "run")
    written = json.loads((out / "metrics.json").read_text())
    assert written["iwae"] == m["iwae"] and written["elbo"] == m["elbo"]
    page = (out / "report.html").read_text()
    assert "<code>iwae</code>" in page and "Burda et al. 2016" in page


# --------------------------------------------------------------------------- contingency
def test_contingency_table_against_scikit_learn():
    rng = np.random.default_rng(1)
    labels, y = rng.integers(0, 4, 300), rng.choice(["a", "b", "c"], 300)
    table = contingency_table(labels, y)
    assert table["clusters"] == ["0", "1", "2", "3"] and table["classes"] == ["a", "b", "c"]
    assert np.array_equal(table["counts"], contingency_matrix(y, labels).T)


def test_a_clustering_run_shows_clusters_against_labels(tmp_path):
    digits = load("digits")
    data = Dataset(X=digits.X[:300], y=digits.y[:300], name="digits")
    result = fit_run("kmeans", data, {"n_clusters": 4})
    expected = contingency_matrix(data.y, result.labels).T
    assert np.array_equal(result.tables["contingency"]["counts"], expected)
    out = write_run(result, tmp_path / "run")
    assert json.loads((out / "contingency.json").read_text()) == result.tables["contingency"]
    page = (out / "report.html").read_text()
    section = page.split('<section id="contingency">')[1].split("</section>")[0]
    assert "Clusters versus labels" in section
    first = section.split("<tbody>")[1].split("</tr>")[0]
    cells = [int(c.replace(",", "")) for c in
             __import__("re").findall(r'<td class="num[^"]*">([\d,]+)</td>', first)]
    assert cells == [*expected[0], expected[0].sum()]


def test_no_contingency_table_without_labels(tmp_path):
    data = Dataset(X=load("digits").X[:100], name="digits")
    result = fit_run("kmeans", data, {"n_clusters": 3})
    assert result.tables == {}
    out = write_run(result, tmp_path / "run")
    assert not (out / "contingency.json").exists()
    assert 'id="contingency"' not in (out / "report.html").read_text()


# --------------------------------------------------------------------------- "auto"
def test_pca_records_the_solver_it_chose(tmp_path):
    from sklearn.decomposition import PCA as SkPCA

    X = np.random.default_rng(0).normal(size=(600, 40)).astype(np.float32)
    result = fit_run("pca", Dataset(X=X, name="gauss"), {"n_components": 3})
    chosen = resolved_parameters(result.estimator)
    reference = SkPCA(n_components=3).fit(X)._fit_svd_solver      # scikit-learn's own choice
    assert chosen == {"svd_solver": reference} and reference != "auto"
    out = write_run(result, tmp_path / "run")
    config = json.loads((out / "config.json").read_text())
    assert config["params"]["svd_solver"] == "auto"
    assert config["resolved_params"] == {"svd_solver": reference}
    assert f"auto → {reference}" in (out / "report.html").read_text()


def test_tsne_records_perplexity_learning_rate_and_method(tmp_path):
    X = np.random.default_rng(0).normal(size=(61, 5)).astype(np.float32)
    result = fit_run("tsne", Dataset(X=X, name="gauss"),
                     {"n_iter": 20, "early_exaggeration_iter": 10})
    est = result.estimator
    chosen = resolved_parameters(est)
    # Perplexity "auto": 30, or (n - 1) / 3 for small n (here 20); the learning rate "auto" is
    # openTSNE's n / exaggeration (main phase: 1), over 4 (the gradient's factor), at least 50.
    assert chosen["perplexity"] == pytest.approx(20.0)
    assert chosen["learning_rate"] == pytest.approx(max(61 / 4, 50.0))
    assert chosen["method"] == est.method_ == "exact"
    out = write_run(result, tmp_path / "run")
    config = json.loads((out / "config.json").read_text())
    assert config["resolved_params"] == chosen
    page = (out / "report.html").read_text()
    assert "auto → 20.0" in page and "auto → exact" in page


def test_parameters_given_by_hand_are_not_resolved():
    X = np.random.default_rng(0).normal(size=(61, 5)).astype(np.float32)
    result = fit_run("tsne", Dataset(X=X, name="gauss"),
                     {"n_iter": 20, "early_exaggeration_iter": 10, "perplexity": 5.0,
                      "method": "exact", "learning_rate": 10.0})
    assert resolved_parameters(result.estimator) == {}
