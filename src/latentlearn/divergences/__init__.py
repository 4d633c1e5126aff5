"""How far apart two distributions are: one trusted implementation of each measure.

The evaluation code, the neural models' losses and the Bayes module all call these functions.
Each is written once against a tiny array namespace: **numpy in -> float out** (float64), and
**torch tensors in -> a tensor out** that autograd differentiates (in the tensor's dtype and on
its device).

Argument order is the order of the notation: ``kl_divergence(p, q)`` is ``KL(p || q)``, the
expectation taken under the first argument. Variational Bayes minimises
``kl_divergence(q, p)``; expectation propagation ``kl_divergence(p, q)`` (Minka 2001; Bishop
2006, PRML sections 10.1 and 10.7).

=============================  ==============================================================
:func:`entropy`                ``H(p)`` of masses
:func:`kl_divergence`          ``KL(p || q)``: masses, :class:`Gaussian` (diagonal or full),
                               :class:`Bernoulli`
:func:`kl_to_standard_normal`  ``KL(N(mu, diag s^2) || N(0, I))``, the VAE's term
:func:`js_divergence`          Jensen-Shannon (usual, or the twice-as-large sum)
:func:`total_variation`        ``sup_B |P(B) - Q(B)|``
:func:`earth_movers_distance`  exact Wasserstein-1 on given points + the transport plan
:func:`wasserstein_1d`         ``W_p`` of two samples on the line, by sorting
:func:`sliced_wasserstein`     ``SW_p`` of two samples in d dimensions
:func:`mmd2`                   ``MMD^2`` with Gaussian or IMQ kernel, biased or unbiased
:func:`mmd_test`               permutation two-sample test: statistic and p-value
=============================  ==============================================================

Bad input raises :class:`~latentlearn.exceptions.DataError` (a ``ValueError``) saying what to
do: masses that do not sum to one (pass ``normalize=True`` to rescale them), negative masses,
supports or shapes that do not match. Infinite divergences come back as ``inf``, never NaN.
"""

from .discrete import entropy, js_divergence, kl_divergence, total_variation
from .distributions import Bernoulli, Gaussian, kl_to_standard_normal
from .mmd import MMDTestResult, median_bandwidth, mmd2, mmd_test
from .wasserstein import (
    TransportResult,
    earth_movers_distance,
    random_directions,
    sliced_wasserstein,
    wasserstein_1d,
)

__all__ = [
    "entropy",
    "kl_divergence",
    "js_divergence",
    "total_variation",
    "Gaussian",
    "Bernoulli",
    "kl_to_standard_normal",
    "earth_movers_distance",
    "TransportResult",
    "wasserstein_1d",
    "sliced_wasserstein",
    "random_directions",
    "mmd2",
    "mmd_test",
    "MMDTestResult",
    "median_bandwidth",
]
