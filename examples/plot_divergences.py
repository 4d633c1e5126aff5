"""
Divergences: KL, Jensen-Shannon, Wasserstein and MMD
====================================================

One implementation of each measure, for numpy arrays and (differentiable) torch tensors.
``kl_divergence(p, q)`` is ``KL(p || q)``, the expectation under the first argument: the order
matters. ``kl_to_standard_normal`` is the VAE's latent term (Kingma & Welling 2014, appendix
B). On samples: the sliced Wasserstein distance and the squared maximum mean discrepancy with
its permutation test (Gretton et al. 2012).
"""

import numpy as np

from latentlearn.divergences import (Gaussian, js_divergence, kl_divergence,
                                     kl_to_standard_normal, mmd2, mmd_test, sliced_wasserstein,
                                     total_variation, wasserstein_1d)

p, q = np.array([0.5, 0.4, 0.1]), np.array([0.1, 0.3, 0.6])
print(f"KL(p||q) {kl_divergence(p, q):.4f}   KL(q||p) {kl_divergence(q, p):.4f}")
print(f"JS {js_divergence(p, q):.4f} (at most log 2)   TV {total_variation(p, q):.4f}")

mu, var = np.array([0.5, -1.0]), np.array([0.5, 2.0])
closed = 0.5 * np.sum(mu**2 + var - np.log(var) - 1)
print(f"KL(N(mu, s^2) || N(0, I)) {kl_to_standard_normal(mu, var=var):.4f} "
      f"(closed form {closed:.4f})")
print("the same through Gaussian records:",
      round(float(kl_divergence(Gaussian(mu, var=var), Gaussian(np.zeros(2), var=1.0))), 4))

rng = np.random.default_rng(0)
X, Y = rng.normal(size=(300, 2)), rng.normal(loc=(0.3, 0.0), size=(300, 2))
print(f"W1 on the line {wasserstein_1d(X[:, 0], Y[:, 0]):.3f}   "
      f"sliced W2 {sliced_wasserstein(X, Y, random_state=0):.3f}")
test = mmd_test(X, Y, n_permutations=200, random_state=0)
print(f"MMD^2 {mmd2(X, Y):.4f}   permutation p-value {test.p_value:.3f}")
